"""Area pages (/omrade/<key>): each collaboration body's start page, the areas on the site's start page,
the area in page and plan headers, and an orientation path per area."""
from __future__ import annotations

import pytest

from kb import urls
from kb.constants import Role
from kb.extensions import db
from kb.services import areas, pages, plans
from tests.factories import login, make_user

SAMLA_ONLY = ("Samordningsgruppen", "NOSAM Lerum", "Aktivitetsplan NOSAM Lerum", "Samverkansplan SAMLA",
              "Välkommen till SAMLA", "Rutin för SIP")
GBG_ONLY = ("TG Äldre", "NOSAM GBG Sydväst", "Aktivitetsplan TG Äldre", "Samverkansplan GBG",
            "Välkommen till GBG", "Rutin för hemgång")
CLOSED_ONLY = ("LOSAM-gruppen", "Hemlig rutin för LOSAM")


def _page(title, type, area, fields=None, slug=None):
    return pages.create_page(pages.PageData(title=title, type=type, source=f"Om {title}.\n", slug=slug,
                                            fields=fields or {}, area_id=areas.get(area).id),
                             author="testare",
                             approval=pages.Approval(by="testare") if pages.requires_approval(type) else None)


def _plans(area, structure, title, collaboration):
    collab = plans.save_collaboration_plan(plans.CollaborationData(collaboration, "2023–2026", ["Öka tilliten"]))
    plan = plans.create_plan(plans.PlanData(title=title, structure=structure, period="2026"), author="testare")
    collab.area_id = plan.area_id = areas.get(area).id
    db.session.commit()


@pytest.fixture
def seeded(app):
    """SAMLA (the own area), NOSAM GBG Sydväst (open) and LOSAM (members-only), each with its own
    structures, plans, orientation pages and a routine past its valid-until date."""
    with app.app_context():
        areas.create("gbg-sydvast", "NOSAM GBG Sydväst", description="Samverkan i Göteborgs sydvästra del.")
        areas.create("losam", "LOSAM", members_only=True)
        _page("Samordningsgruppen", "structure", "samla")
        _page("NOSAM Lerum", "structure", "samla", {"parent": "samordningsgruppen"})
        _page("NOSAM GBG Sydväst", "structure", "gbg-sydvast", slug="nosam-gbg")
        _page("TG Äldre", "structure", "gbg-sydvast", {"parent": "nosam-gbg"})
        _page("LOSAM-gruppen", "structure", "losam")
        _page("Välkommen till SAMLA", "orientation", "samla", {"position": 1})
        _page("Så arbetar SAMLA", "orientation", "samla", {"position": 2})
        _page("Välkommen till GBG", "orientation", "gbg-sydvast", {"position": 1})
        _page("Rutin för SIP", "routine", "samla", {"owner": "samordningsgruppen", "valid_until": "2020-01-01"})
        _page("Rutin för hemgång", "routine", "gbg-sydvast", {"owner": "nosam-gbg", "valid_until": "2020-01-01"})
        _page("Hemlig rutin för LOSAM", "routine", "losam", {"valid_until": "2020-01-01"})
        _plans("samla", "nosam-lerum", "Aktivitetsplan NOSAM Lerum", "Samverkansplan SAMLA")
        _plans("gbg-sydvast", "tg-aldre", "Aktivitetsplan TG Äldre", "Samverkansplan GBG")
        make_user("lena", Role.READER, areas={"losam": "medlem"})
    return app


def test_area_path_is_the_area_page(seeded):
    """Does kb.urls spell the address the view answers at?"""
    resp = seeded.test_client().get(urls.area_path("gbg-sydvast"))
    assert resp.status_code == 200
    assert "<h1>NOSAM GBG Sydväst</h1>" in resp.get_data(as_text=True)


def test_area_page_shows_its_own_content_only(seeded):
    """Does GBG's page show its description, chart, plans, orientation path, changes and routines to
    review – and nothing of SAMLA's or the members-only LOSAM?"""
    html = seeded.test_client().get("/omrade/gbg-sydvast").get_data(as_text=True)
    assert "Samverkan i Göteborgs sydvästra del." in html
    assert "Ny i NOSAM GBG Sydväst" in html
    for title in GBG_ONLY:
        assert title in html, title
    for title in SAMLA_ONLY + CLOSED_ONLY:
        assert title not in html, title
    # the chart nests TG Äldre under its parent
    chart = html.split('aria-label="Organisationsschema för NOSAM GBG Sydväst"')[1].split("</div>")[0]
    assert chart.index("NOSAM GBG Sydväst") < chart.index("<ul>", chart.index("NOSAM GBG Sydväst")) \
        < chart.index("TG Äldre")
    assert "Giltighetstiden har gått ut" in html


def test_samla_page_lists_its_orientation_path_in_order(seeded):
    """Is SAMLA's orientation path its own two pages, in their order?"""
    html = seeded.test_client().get("/omrade/samla").get_data(as_text=True)
    assert "Ny i SAMLA – Vårdsamverkan Lerum Alingsås" in html
    assert html.index("Välkommen till SAMLA") < html.index("Så arbetar SAMLA")
    for title in SAMLA_ONLY:
        assert title in html, title
    for title in GBG_ONLY + CLOSED_ONLY:
        assert title not in html, title


@pytest.mark.parametrize("key", ["losam", "finns-inte", "LOSAM"])
def test_members_only_and_unknown_areas_are_not_found_for_outsiders(seeded, key):
    """Do anonymous visitors and logged-in non-members get 404 (not 403) for a members-only area?"""
    assert seeded.test_client().get(f"/omrade/{key}").status_code == 404
    assert login(seeded, "olle", "redaktör").get(f"/omrade/{key}").status_code == 404


def test_members_and_administrators_see_a_members_only_area(seeded):
    """Does a member (and an administrator) see LOSAM's page with its content?"""
    for client in (login(seeded, "lena"), login(seeded, "admin1", "administratör")):
        resp = client.get("/omrade/losam")
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        for title in CLOSED_ONLY:
            assert title in html
        assert "bara för medlemmar" in html


def test_retired_area_shows_a_notice(seeded):
    """Does a retired area's page say it is retired?"""
    with seeded.app_context():
        areas.update("gbg-sydvast", retired=True)
    html = seeded.test_client().get("/omrade/gbg-sydvast").get_data(as_text=True)
    assert "Området är avvecklat" in html
    assert "TG Äldre" in html


def _areas_card(html):
    return html.split('<h2 id="omraden">')[1].split("</section>")[0]


def test_start_page_lists_the_visible_areas(seeded):
    """Does the start page link every area a visitor may see, with its page count – and not LOSAM?"""
    html = _areas_card(seeded.test_client().get("/").get_data(as_text=True))
    assert 'href="/omrade/gemensamt">Gemensamt för regionen</a> <span class="meta">0 sidor' in html
    assert 'href="/omrade/gbg-sydvast">NOSAM GBG Sydväst</a> <span class="meta">4 sidor' in html
    assert 'href="/omrade/samla">' in html
    assert "/omrade/losam" not in html and "LOSAM" not in html
    member = _areas_card(login(seeded, "lena").get("/").get_data(as_text=True))
    assert 'href="/omrade/losam">LOSAM</a> <span class="meta">2 sidor' in member


def test_page_header_names_the_area(seeded):
    """Does a page view say which area the page belongs to, with a link to the area?"""
    html = seeded.test_client().get("/sida/tg-aldre").get_data(as_text=True)
    assert 'Område: <a href="/omrade/gbg-sydvast">NOSAM GBG Sydväst</a>' in html
    # served again from the page cache: the same header
    assert seeded.test_client().get("/sida/tg-aldre").get_data(as_text=True) == html


def test_plan_headers_name_the_area(seeded):
    """Do an action plan and a collaboration plan name their area?"""
    client = seeded.test_client()
    html = client.get("/planer/aktivitetsplan-tg-aldre").get_data(as_text=True)
    assert '<dt>Område</dt><dd><a href="/omrade/gbg-sydvast">NOSAM GBG Sydväst</a>' in html
    html = client.get("/samverkansplaner/samverkansplan-gbg").get_data(as_text=True)
    assert '<dt>Område</dt><dd><a href="/omrade/gbg-sydvast">NOSAM GBG Sydväst</a>' in html


def test_orientation_path_is_per_area(seeded):
    """Does an orientation page walk its own area's path only ("Ny i <område>")?"""
    client = seeded.test_client()
    html = client.get("/sida/valkommen-till-samla").get_data(as_text=True)
    assert "Ny i SAMLA – Vårdsamverkan Lerum Alingsås – steg 1 av 2" in html
    assert "Nästa: Så arbetar SAMLA" in html and "Välkommen till GBG" not in html
    html = client.get("/sida/valkommen-till-gbg").get_data(as_text=True)
    assert "Ny i NOSAM GBG Sydväst – steg 1 av 1" in html
    assert "SAMLA" not in html.split('id="introduktion"')[1].split("</nav>")[0]


def test_chart_and_review_list_leave_out_members_only_areas(seeded):
    """Do /struktur and /att-revidera keep LOSAM's structures and routines from non-members only?"""
    client = seeded.test_client()
    assert "LOSAM-gruppen" not in client.get("/struktur").get_data(as_text=True)
    assert "Hemlig rutin för LOSAM" not in client.get("/att-revidera").get_data(as_text=True)
    member = login(seeded, "lena")
    assert "LOSAM-gruppen" in member.get("/struktur").get_data(as_text=True)
    assert "Hemlig rutin för LOSAM" in member.get("/att-revidera").get_data(as_text=True)
