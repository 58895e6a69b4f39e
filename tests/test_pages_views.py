"""What a reader and an editor see in the browser-facing page views."""
from __future__ import annotations

import re

import pytest
from factories import edit_page, make_page

from kb.services import pages


def form_for(title="Mini-Maria", source="Mottagning för unga.\n", **extra):
    """Form data as the edit form sends it."""
    data = {"title": title, "type": "reception", "source": source, "summary": "", "tags": "",
            "comment": "", "save": "Spara"}
    data.update(extra)
    return data


def test_start_page_has_search_orientation_and_recent_changes(demo_app):
    """Does the start page offer search, the orientation entry and recently changed pages?"""
    html = demo_app.test_client().get("/").get_data(as_text=True)
    assert 'role="search"' in html and 'name="q"' in html
    assert "Ny i samverkan" in html and "/sida/ny-i-samverkan" in html
    assert "Senast ändrade" in html


def test_start_page_counts_the_pages_of_each_type_a_visitor_may_read(app, anon, client):
    """Does Bläddra count pages per type, leaving out a routine that has never been approved for readers?"""
    with app.app_context():
        make_page("SIP", type="routine")
        make_page("Utskrivning", type="routine", approved=False)
        make_page("Mini-Maria", type="reception")
    browse = re.compile(r'href="/sidor#(\w+)">[^<]+</a> <span class="meta">([^<]+)</span>')
    assert dict(browse.findall(anon.get("/").get_data(as_text=True))) == {"routine": "1 sida",
                                                                          "reception": "1 sida"}
    assert dict(browse.findall(client.get("/").get_data(as_text=True)))["routine"] == "2 sidor"


def test_all_pages_lists_the_first_of_each_type_and_every_page_of_a_type_in_pages(tmp_path):
    """With many pages, does Alla sidor show the first few of each type with a link to all of them, and
    does that list come in pages with Föregående/Nästa, readers seeing only approved routines?"""
    from factories import login, make_app

    app = make_app(tmp_path / "instance", PAGE_LIST_PREVIEW=2, PAGE_LIST_PER_PAGE=2)
    with app.app_context():
        for title in ("Avvikelser", "Bostad först", "Cancerrehab"):
            make_page(title, type="routine")
        make_page("Demensvård", type="routine", approved=False)
        make_page("Mini-Maria", type="reception")
    anon, editor = app.test_client(), login(app, "redaktor", "redaktör")
    overview = anon.get("/sidor").get_data(as_text=True)
    assert "Avvikelser" in overview and "Bostad först" in overview and "Cancerrehab" not in overview
    assert "Visa alla 3 rutiner" in overview and "Rutiner (3)" in overview and "Visa alla 1" not in overview
    assert "Visa alla 4 rutiner" in editor.get("/sidor").get_data(as_text=True)
    first = anon.get("/sidor?typ=routine").get_data(as_text=True)
    assert "3 sidor, 1–2 visas (sida 1 av 2)" in first and "Nästa" in first and "Föregående" not in first
    second = anon.get("/sidor?typ=routine&sida=2").get_data(as_text=True)
    assert "Cancerrehab" in second and "Avvikelser" not in second and "Föregående" in second
    assert "Demensvård" not in second  # never approved: editors only
    assert "Demensvård" in editor.get("/sidor?typ=routine&sida=2").get_data(as_text=True)
    assert anon.get("/sidor?typ=routine&sida=3").status_code == 404
    assert anon.get("/sidor?typ=okand").status_code == 404
    assert "1 sida." in anon.get("/sidor?typ=reception").get_data(as_text=True)


def test_create_page_through_the_form(client, app):
    """Can an editor create a page and read it at its Swedish slug?"""
    resp = client.post("/ny", data=form_for(title="Socialmedicinsk mottagning i Lerum",
                                            source="## Öppet\n\nVardagar\n"))
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/sida/socialmedicinsk-mottagning-i-lerum")
    html = client.get("/sida/socialmedicinsk-mottagning-i-lerum").get_data(as_text=True)
    assert "<h2 id=\"user-content-oppet\">Öppet</h2>" in html and "Mottagning" in html


def test_form_errors_are_swedish_and_keep_the_text(client):
    """Is an empty title refused in Swedish, with the typed text kept in the form?"""
    resp = client.post("/ny", data=form_for(title="", source="Min långa text som inte får försvinna"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Ange en titel" in html and "Något behöver rättas" in html
    assert "Min långa text som inte får försvinna" in html


def test_too_long_body_is_refused(tmp_path):
    """Is a body over the configured limit refused with a clear message?"""
    from factories import login, make_app

    client = login(make_app(tmp_path / "i", BODY_MAX=2000), "redaktor")
    resp = client.post("/ny", data=form_for(source="x" * 3000))
    assert resp.status_code == 422 and "Texten är för lång" in resp.get_data(as_text=True)


def test_preview_renders_without_saving(client, app):
    """Does preview show the rendered text and save nothing?"""
    resp = client.post("/ny", data=form_for(source="**fet**", preview="Förhandsgranska", save=""))
    html = resp.get_data(as_text=True)
    assert "<strong>fet</strong>" in html and "Förhandsgranskning" in html
    with app.app_context():
        assert pages.count_pages() == 0


def test_edit_form_saves_a_new_revision(client, app):
    """Does saving the edit form create revision 2 and show the new text?"""
    with app.app_context():
        make_page("SIP", "Gammal\n", type="routine")
    html = client.get("/sida/sip/redigera").get_data(as_text=True)
    base = re.search(r'name="base_revision" type="hidden" value="(\d+)"', html).group(1)
    resp = client.post("/sida/sip/redigera", data=form_for(title="SIP", type="routine", source="Ny text\n",
                                                           base_revision=base, comment="uppdaterat"))
    assert resp.status_code == 302
    page = client.get("/sida/sip").get_data(as_text=True)
    assert "Ny text" in page and "Version 2" in page


def test_concurrent_edit_of_the_same_place_shows_conflict_and_keeps_both_texts(client, app):
    """When someone added a line at the same place in between, is the other change shown and are both
    lines kept in the text box, marked, for merging?"""
    with app.app_context():
        page = make_page("SIP", "Rad ett\n", type="routine")
        edit_page(page, "Rad ett\nAndras tillägg\n", author="kollega")
    resp = client.post("/sida/sip/redigera", data=form_for(title="SIP", type="routine",
                                                           source="Rad ett\nMitt tillägg\n", base_revision="1"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "Någon annan har sparat sidan" in html and "kollega" in html
    assert ("&lt;&lt;&lt;&lt;&lt;&lt;&lt; Din version (krock 1)\nMitt tillägg\n=======\nAndras tillägg\n"
            "&gt;&gt;&gt;&gt;&gt;&gt;&gt; Deras version (version 2)") in html
    assert 'name="base_revision" type="hidden" value="2"' in html
    with app.app_context():
        assert pages.get("sip").current.source == "Rad ett\nAndras tillägg\n"
    merged = form_for(title="SIP", type="routine", source="Rad ett\nAndras tillägg\nMitt tillägg\n", base_revision="2")
    assert client.post("/sida/sip/redigera", data=merged).status_code == 302
    with app.app_context():
        assert pages.get("sip").current.source.endswith("Mitt tillägg\n")


def test_history_diff_and_revert(client, app):
    """Can a user see history, a highlighted diff, and revert to an old version?"""
    with app.app_context():
        page = make_page("EVI", "En väg in för barn\n")
        edit_page(page, "En väg in för unga\n", author="bo")
    html = client.get("/sida/evi/historik").get_data(as_text=True)
    assert "Skapad" in html and "Ändrad" in html and "bo" in html
    diff = client.get("/sida/evi/jamfor?fran=1&till=2").get_data(as_text=True)
    assert "<del>barn</del>" in diff and "<ins>unga</ins>" in diff
    resp = client.post("/sida/evi/aterstall/1", data={"comment": "fel ändring"})
    assert resp.status_code == 302
    assert "En väg in för barn" in client.get("/sida/evi").get_data(as_text=True)
    assert "Återställd" in client.get("/sida/evi/historik").get_data(as_text=True)


def test_old_revision_is_shown_as_it_was(client, app):
    """Does an old revision show its own text?"""
    with app.app_context():
        page = make_page("EVI", "Första\n")
        edit_page(page, "Andra\n")
    html = client.get("/sida/evi/version/1").get_data(as_text=True)
    assert "Första" in html and "Du läser version 1" in html
    assert client.get("/sida/evi/version/9").status_code == 404


def test_delete_and_restore_through_the_views(client, admin, app):
    """Can a page be deleted (it disappears from lists) and restored from its page?"""
    with app.app_context():
        make_page("LOSAM", "Lokal samverkan\n", type="structure")
    assert "Ta bort sidan?" in client.get("/sida/losam/ta-bort").get_data(as_text=True)
    assert client.post("/sida/losam/ta-bort", data={"comment": "dubblett"}).status_code == 302
    gone = client.get("/sida/losam")
    assert gone.status_code == 410 and "Sidan är borttagen" in gone.get_data(as_text=True)
    listing = client.get("/sidor").get_data(as_text=True)
    assert "Borttagna sidor" in listing
    assert client.post("/sida/losam/aterskapa", data={}).status_code == 403
    assert admin.post("/sida/losam/aterskapa", data={}).status_code == 302
    assert client.get("/sida/losam").status_code == 200


def test_renamed_page_redirects_from_old_slug(client, app):
    """Does the old address of a renamed page redirect to the new one?"""
    with app.app_context():
        page = make_page("Mini Maria", "Text\n")
        edit_page(page, "Text\n", slug="mini-maria")
    resp = client.get("/sida/mini-maria")
    assert resp.status_code == 200
    with app.app_context():
        page = pages.get("mini-maria")
        edit_page(page, "Text\n", slug="mini-maria-alingsas")
    resp = client.get("/sida/mini-maria")
    assert resp.status_code == 301 and resp.headers["Location"].endswith("/sida/mini-maria-alingsas")


def test_missing_link_offers_to_create_the_page(client, app):
    """Is a link to a missing page marked and does following it prefill the create form?"""
    with app.app_context():
        make_page("SIP", "Se [[Proaktiv SIP vid demens]].\n")
    html = client.get("/sida/sip").get_data(as_text=True)
    link = re.search(r'<a class="wikilink missing" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    form = client.get(link).get_data(as_text=True)
    assert 'value="Proaktiv SIP vid demens"' in form and 'value="proaktiv-sip-vid-demens"' in form
    client.post("/ny", data=form_for(title="Proaktiv SIP vid demens", slug="proaktiv-sip-vid-demens", source="Rutin\n"))
    html = client.get("/sida/sip").get_data(as_text=True)
    assert '<a class="wikilink" href="/sida/proaktiv-sip-vid-demens"' in html


def test_backlinks_are_listed(client, app):
    """Does a page list the pages that link to it?"""
    with app.app_context():
        make_page("Mini-Maria", "Mottagning\n")
        make_page("Samla", "Se [[mini-maria|Mini-Maria]]\n")
    html = client.get("/sida/mini-maria").get_data(as_text=True)
    assert "Sidor som länkar hit" in html and "/sida/samla" in html
    assert "/sida/samla" in client.get("/sida/mini-maria/lankar-hit").get_data(as_text=True)


def test_all_pages_grouped_by_type_and_recent_changes(demo_app):
    """Are all pages listed under their type, and recent changes listed?"""
    client = demo_app.test_client()
    html = client.get("/sidor").get_data(as_text=True)
    for heading in ("Strukturer", "Mottagningar", "Rutiner", "Introduktion för nya"):
        assert f"<h2>{heading}</h2>" in html
    recent = client.get("/andringar").get_data(as_text=True)
    assert "Senaste ändringar" in recent and "Skapad" in recent


@pytest.mark.parametrize("path", ["/sida/finns-inte", "/sida/Ogiltig%20Slug", "/sida/..%2F..", "/sida/a/historik",
                                  "/sida/<script>", "/helt/okand/adress"])
def test_unknown_and_invalid_addresses_get_a_swedish_404(client, path):
    """Do unknown and invalid addresses answer 404 with a Swedish page, never 500?"""
    resp = client.get(path)
    assert resp.status_code == 404
    assert "Sidan finns inte" in resp.get_data(as_text=True)


def test_user_html_is_sanitised_in_page_view(client):
    """Is script in a page body shown as inert text?"""
    client.post("/ny", data=form_for(title="Test", source='<script>alert(1)</script>\n\n[x](javascript:alert(1))'))
    html = client.get("/sida/test").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)" in html and "<script>alert(1)" not in html
    assert 'href="javascript' not in html
