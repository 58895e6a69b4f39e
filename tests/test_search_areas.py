"""Searching across and within areas: each hit's area, the area filter with counts, the default scope
of an area's search box with "Sök i alla områden", and members-only areas that never show to others."""
from __future__ import annotations

import re

import attachment_files as files
import pytest
from factories import login, make_app, make_page, make_user
from querycount import counting

from kb.index import generations
from kb.services import areas, attachments, changes, glossary, pages, plans

SAMLA = "SAMLA – Vårdsamverkan Lerum Alingsås"
GBG = "NOSAM GBG Sydväst"


def text_of(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def titles(html: str) -> list[str]:
    """The hit titles of a results page, in order."""
    return re.findall(r'<h2 class="hit-title"><a href="[^"]+">([^<]+)</a>', html)


@pytest.fixture
def world(app):
    """SAMLA, NOSAM GBG Sydväst and a members-only TG Zebra, each with a page about avvikelser; a
    region-wide routine in Gemensamt that applies to organisations in both open areas; TG Zebra also
    has a plan, an attachment and a glossary term. Maja is a member of TG Zebra, Olle of nothing."""
    with app.app_context():
        shared, samla = areas.shared_area(), areas.get("samla")
        gbg = areas.create("gbg-sydvast", GBG)
        zebra = areas.create("tg-zebra", "TG Zebra", members_only=True)
        make_user("maja", "läsare", areas={"tg-zebra": "medlem"})
        make_user("olle", "läsare")
        make_page("Avvikelser i Alingsås", "Så rapporterar du en avvikelse i SAMLA.\n", area_id=samla.id)
        make_page("Avvikelser i Göteborg", "Så rapporterar du en avvikelse i Sydväst.\n", area_id=gbg.id)
        routine = pages.PageData("Regional rutin för avvikelser", "routine", "Avvikelse mellan huvudmän.\n",
                                 fields={"applies_to": ["lerums-kommun", "narhalsan"]}, area_id=shared.id)
        pages.create_page(routine, author="testare", approval=pages.Approval(by="testare"))
        secret = make_page("Zebraprojektet", "Hemlig avvikelse i arbetsgruppen.\n", type="structure",
                           slug="zebraprojektet", area_id=zebra.id)
        plan = plans.create_plan(plans.PlanData("Zebraplanen för avvikelser", "zebraprojektet", "2025"),
                                 commit=False)
        plan.area_id = zebra.id
        changes.commit()
        attachments.upload(secret, "Zebrabilaga.pdf", files.pdf("Zebrans avvikelse i detalj."), author="testare")
        term = glossary.create(glossary.TermData("ZBX", "Zebrans avvikelsegrupp"), commit=False)
        term.area_id = zebra.id
        glossary.create(glossary.TermData("AVG", "Avvikelsegruppen i regionen"), commit=False)
        changes.commit()
        assert generations.verify(app) == []
    return app


@pytest.fixture
def olle(world):
    """A reader who is no member of TG Zebra."""
    return login(world, "olle", "läsare")


@pytest.fixture
def maja(world):
    """A member of TG Zebra."""
    return login(world, "maja", "läsare")


def test_a_members_only_area_never_shows_in_results_counts_or_facets(world, olle, anon, maja):
    """Does a reader outside TG Zebra (or a visitor) see neither its pages, plans, attachments nor
    terms, not even in the totals and facet counts, while a member does?"""
    for who in (olle, anon):
        html = text_of(who.get("/sok?q=avvikelse"))
        assert "zebra" not in html.lower()
        assert "TG Zebra" not in html
        data = who.get("/api/search?q=avvikelse&kind=all&limit=50").get_json()
        assert "zebra" not in str(data).lower()
        assert data["total"] == len(data["results"]) == 4  # three pages and the region-wide term
        assert {a["key"] for a in data["areas"]} == {"gemensamt", "samla", "gbg-sydvast"}
    member = maja.get("/api/search?q=avvikelse&kind=all&limit=50").get_json()
    assert {r["title"] for r in member["results"]} >= {"Zebraprojektet", "Zebraplanen för avvikelser",
                                                        "Zebrabilaga.pdf", "ZBX"}
    assert {"key": "tg-zebra", "name": "TG Zebra", "count": 4} in member["areas"]
    assert '<span class="hit-area">TG Zebra</span>' in text_of(maja.get("/sok?q=zebraprojektet"))


def test_title_suggestions_leave_out_members_only_areas(world, olle, maja):
    """Does search-as-you-type offer a TG Zebra title (or term) to its members only?"""
    assert olle.get("/sok/forslag?q=zebra").get_json()["suggestions"] == []
    assert olle.get("/sok/forslag?q=zbx").get_json()["suggestions"] == []
    assert [s["title"] for s in maja.get("/sok/forslag?q=zebra").get_json()["suggestions"]] == ["Zebraprojektet"]


def test_did_you_mean_never_spells_out_a_hidden_word(world, olle, maja):
    """A typo of a word only TG Zebra's pages have: is "Menade du" silent for others, and helpful
    to members? And does TG Zebra's abbreviation expand for nobody else?"""
    html = text_of(olle.get("/sok?q=zebrapojektet"))
    assert "Menade du" not in html and "zebraprojekt" not in html.lower()
    assert "Menade du" in text_of(maja.get("/sok?q=zebrapojektet"))
    assert olle.get("/api/search?q=zebrapojektet&kind=all").get_json()["total"] == 0
    # "ZBX" stands for "Zebrans avvikelsegrupp" only inside TG Zebra: no synonym for others.
    assert olle.get("/api/search?q=zbx&kind=all").get_json()["total"] == 0


def test_each_hit_shows_its_area(world, olle):
    """Does every hit say which area it belongs to, on the page and as {key, name} in the API
    (null for a glossary term of the whole region)?"""
    html = text_of(olle.get("/sok?q=avvikelse"))
    for name in (SAMLA, GBG, "Gemensamt för regionen"):
        assert f'<span class="hit-area">{name}</span>' in html
    results = olle.get("/api/search?q=avvikelse&kind=all&limit=50").get_json()["results"]
    by_title = {r["title"]: r["area"] for r in results}
    assert by_title["Avvikelser i Göteborg"] == {"key": "gbg-sydvast", "name": GBG}
    assert by_title["Regional rutin för avvikelser"]["key"] == "gemensamt"
    assert by_title["AVG"] is None
    assert all("area" in r for r in results)


def test_the_area_filter_has_counts_and_always_keeps_gemensamt(world, olle):
    """Can a reader narrow a search to one area (its hits plus Gemensamt's), with a count per area?"""
    html = text_of(olle.get("/sok?q=avvikelse"))
    assert re.search(r'omrade=gbg-sydvast">NOSAM GBG Sydväst</a> <span class="count">\(1\)', html)
    assert re.search(r'omrade=gemensamt">Gemensamt för regionen</a> <span class="count">\(2\)', html)
    narrowed = text_of(olle.get("/sok?q=avvikelse&omrade=gbg-sydvast"))
    assert set(titles(narrowed)) == {"Avvikelser i Göteborg", "Regional rutin för avvikelser", "AVG"}
    assert "Du söker i NOSAM GBG Sydväst och Gemensamt för regionen." in narrowed
    data = olle.get("/api/search?q=avvikelse&area=samla").get_json()
    assert {r["title"] for r in data["results"]} == {"Avvikelser i Alingsås", "Regional rutin för avvikelser"}
    both = olle.get("/api/search?q=avvikelse&area=samla,gbg-sydvast").get_json()
    assert both["total"] == 3


def test_a_region_wide_routine_is_found_from_every_area(world, olle):
    """Is a Gemensamt routine that applies to organisations in several areas found when searching
    from SAMLA's pages and from Sydväst's?"""
    for key in ("samla", "gbg-sydvast"):
        assert "Regional rutin för avvikelser" in titles(text_of(olle.get(f"/sok?q=huvudmän&omrade={key}")))
        found = olle.get(f"/api/search?q=huvudmän&area={key}").get_json()["results"]
        assert [r["slug"] for r in found] == ["regional-rutin-for-avvikelser"]


def test_searching_from_an_area_defaults_to_it_and_widens_in_one_click(world, olle):
    """Does the search box of an area's pages (omrade=<key>) keep the scope for the next search, and
    does one link search every area instead?"""
    html = text_of(olle.get("/sok?q=avvikelse&omrade=samla"))
    assert '<input type="hidden" name="omrade" value="samla">' in html
    widen = re.search(r'<a href="([^"]+)">Sök i alla områden</a>', html).group(1)
    assert widen == "/sok?q=avvikelse"
    assert len(titles(text_of(olle.get(widen)))) == 4
    # Paging and filters keep the scope.
    assert 'href="/sok?q=avvikelse&amp;typ=routine&amp;omrade=samla"' in html


def test_an_unknown_or_hidden_area_key_is_a_clear_error(world, olle, maja):
    """Does a made-up area key (or TG Zebra's, for someone outside it) get a Swedish message rather
    than a crash or an empty page, and 400 from the API?"""
    for key in ("finns-inte", "tg-zebra"):
        html = text_of(olle.get(f"/sok?q=avvikelse&omrade={key}"))
        assert f"Det finns inget område ”{key}”. Områden: gemensamt, gbg-sydvast, samla." in html
        assert len(titles(html)) == 4  # every area instead
        response = olle.get(f"/api/search?q=avvikelse&area={key}")
        assert response.status_code == 400
        assert response.get_json()["message"].startswith(f"Det finns inget område ”{key}”.")
    assert maja.get("/api/search?q=avvikelse&area=tg-zebra").get_json()["total"] == 2  # and Gemensamt's


def test_kb_search_shows_areas_and_takes_an_area(world):
    """Does `kb search` (which acts for the installation) show each hit's area and narrow by --area?"""
    runner = world.test_cli_runner()
    result = runner.invoke(args=["search", "avvikelse", "--area", "gbg-sydvast"])
    assert result.exit_code == 0, result.output
    assert f"Avvikelser i Göteborg (article, {GBG})" in result.output
    assert "Alingsås" not in result.output
    bad = runner.invoke(args=["search", "avvikelse", "--area", "nope"])
    assert bad.exit_code == 1 and "Fel: Det finns inget område ”nope”" in bad.output


def _seed_areas(n: int) -> None:
    """n areas (every third members-only), each with n pages about avvikelser (call in an app context)."""
    for i in range(1, n + 1):
        area = areas.create(f"omrade-{i}", f"Område {i}", members_only=i % 3 == 0)
        for j in range(1, n + 1):
            pages.create_page(pages.PageData(f"Avvikelse {i}-{j}", "article", "Om avvikelser.\n",
                                             area_id=area.id), author="testare", commit=False)
        changes.commit()
    make_user("medlem", "läsare", areas={"omrade-3": "medlem"})


@pytest.mark.parametrize("path", ["/sok?q=avvikelse", "/sok?q=avvikelse&omrade=omrade-1",
                                  "/api/search?q=avvikelse&kind=all&limit=50", "/sok/forslag?q=avvik"])
def test_area_checks_add_no_query_per_hit(tmp_path, path):
    """Does a search with hits in many areas (some members-only) cost as many statements with 3 areas
    of 3 pages as with 12 areas of 12 pages, for a visitor and a member?"""
    counts: dict[int, list[int]] = {}
    for n in (3, 12):
        app = make_app(tmp_path / f"n{n}" / "instance", INDEX_CATCH_UP_INTERVAL=0)
        with app.app_context():
            _seed_areas(n)
        for client in (app.test_client(), login(app, "medlem", "läsare")):
            client.get(path)  # the first search opens the index
            with counting(app) as statements:
                response = client.get(path)
            assert response.status_code == 200
            counts.setdefault(n, []).append(len(statements))
        assert "Avvikelse " in text_of(response)
    assert counts[3] == counts[12]


def test_the_header_search_box_of_an_area_page_sends_its_area(app):
    """Does the search box in the header carry the area of the page it is on (when the view says
    which: `search_area`), and nothing elsewhere?"""
    from flask import render_template_string

    with app.test_request_context("/"):
        on_area_page = render_template_string('{% extends "base.html" %}', search_area="samla")
        elsewhere = render_template_string('{% extends "base.html" %}')
    assert '<input type="hidden" name="omrade" value="samla">' in on_area_page
    assert 'name="omrade"' not in elsewhere


def test_pages_plans_and_area_pages_search_their_own_area(world, olle):
    """Does the search box on a Sydväst page, on SAMLA's plan and on /omrade/gbg-sydvast search that
    area (and Gemensamt), while a Gemensamt page searches everywhere?"""
    box = '<input type="hidden" name="omrade" value="{}">'
    assert box.format("gbg-sydvast") in text_of(olle.get("/sida/avvikelser-i-goteborg"))
    assert box.format("gbg-sydvast") in text_of(olle.get("/omrade/gbg-sydvast"))
    assert box.format("samla") in text_of(olle.get("/sida/avvikelser-i-alingsas"))
    assert 'name="omrade"' not in text_of(olle.get("/sida/regional-rutin-for-avvikelser"))
    scoped = text_of(olle.get("/sok?q=avvikelse&omrade=gbg-sydvast"))
    assert "Avvikelser i Göteborg" in scoped and "Regional rutin för avvikelser" in scoped
    assert "Avvikelser i Alingsås" not in scoped and "Sök i alla områden" in scoped


def test_a_title_abbreviation_in_a_members_only_area_expands_only_for_members(app):
    """A members-only page is titled "Zebralagen (ZL)": does "ZL" find an open page that only writes
    "zebralagen" for a member, but not for anyone else (the pair itself is hidden)?"""
    from kb import index

    with app.app_context():
        zebra = areas.create("tg-zebra", "TG Zebra", members_only=True)
        make_page("Zebralagen (ZL)", "Lagen om zebror.\n", area_id=zebra.id)
        make_page("Randiga djur", "Enligt zebralagen ska randerna räknas.\n", slug="randiga-djur",
                  area_id=areas.get("samla").id)
        assert "randiga-djur" in [h.slug for h in index.search("ZL").hits]
        assert [h.slug for h in index.search("ZL", hidden_areas=[zebra.id]).hits] == []
