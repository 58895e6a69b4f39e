"""Roles per area, as users meet them: editing, approving, choosing an area, and managing members."""
from __future__ import annotations

import pytest
from factories import PASSWORD, edit_page, make_app, make_page, make_user

from kb.constants import AreaRole
from kb.services import areas, pages, plans

GBG, SAMLA = "gbg-sydvast", "samla"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """SAMLA and GBG Sydväst, an editor, a fastställare and an area administrator of each, and a GBG routine
    with a draft waiting."""
    app = make_app(tmp_path_factory.mktemp("areas") / "instance")
    with app.app_context():
        areas.create(GBG, "NOSAM GBG Sydväst")
        gbg = areas.require(GBG)
        for key, short in ((GBG, "gbg"), (SAMLA, "samla")):
            make_user(f"red-{short}", "läsare", areas={key: "redaktör"})
            make_user(f"fast-{short}", "läsare", areas={key: "fastställare"})
            make_user(f"admin-{short}", "läsare", areas={key: "områdesadministratör"})
        make_user("lasare", "läsare")
        make_page("TG Äldre GBG", type="structure", slug="tg-aldre-gbg", area_id=gbg.id)
        routine = make_page("Rutin GBG", type="routine", slug="rutin-gbg", area_id=gbg.id, author="red-gbg")
        edit_page(routine, "Ett utkast.\n", author="red-gbg", approved=False)
    return app


def client_for(app, username):
    """A client logged in as an existing user."""
    client = app.test_client()
    assert client.post("/logga-in", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_an_editor_sees_edit_links_only_in_their_own_area(app):
    """Does a GBG page show "Redigera" to GBG's editor but not to SAMLA's?"""
    assert 'href="/sida/rutin-gbg/redigera"' in client_for(app, "red-gbg").get("/sida/rutin-gbg").get_data(as_text=True)
    html = client_for(app, "red-samla").get("/sida/rutin-gbg").get_data(as_text=True)
    assert 'href="/sida/rutin-gbg/redigera"' not in html
    other_approver = client_for(app, "fast-samla").get("/sida/rutin-gbg").get_data(as_text=True)
    assert "/sida/rutin-gbg/faststall" not in other_approver


def test_the_review_list_shows_the_areas_one_edits_in(app):
    """Does /granskning list the GBG draft for GBG's editor but not for SAMLA's?"""
    assert "Rutin GBG" in client_for(app, "red-gbg").get("/granskning").get_data(as_text=True)
    assert "Rutin GBG" not in client_for(app, "red-samla").get("/granskning").get_data(as_text=True)


def test_a_fastställare_approves_only_in_their_own_area(app):
    """May SAMLA's fastställare approve a GBG routine? (No: 403, and the draft stays a draft.)"""
    other = client_for(app, "fast-samla")
    assert other.post("/sida/rutin-gbg/faststall", data={"comment": "Ok", "revision": "2"}).status_code == 403
    with app.app_context():
        assert pages.get("rutin-gbg").published.number == 1
    own = client_for(app, "fast-gbg")
    page = own.get("/sida/rutin-gbg").get_data(as_text=True)
    assert "/sida/rutin-gbg/faststall" in page
    response = own.post("/sida/rutin-gbg/faststall", data={"comment": "Ok", "revision": "2"})
    assert response.status_code == 302
    with app.app_context():
        assert pages.get("rutin-gbg").published.number == 2


def test_the_new_page_form_offers_only_the_areas_one_edits_in(app):
    """Does GBG's editor get GBG as the only area (so no choice is shown), and is a forged choice refused?"""
    client = client_for(app, "red-gbg")
    html = client.get("/ny").get_data(as_text=True)
    assert 'name="area" value="gbg-sydvast"' in html
    response = client.post("/ny", data={"title": "Smygsida", "type": "article", "source": "Text.", "area": SAMLA,
                                        "save": "Spara"})
    assert response.status_code == 422
    assert "Du har inte behörighet att redigera i området" in response.get_data(as_text=True)
    response = client.post("/ny", data={"title": "Ny GBG-sida", "type": "article", "source": "Text.",
                                        "save": "Spara"})
    assert response.status_code == 302
    with app.app_context():
        assert areas.key_of(pages.get("ny-gbg-sida").area_id) == GBG


def test_an_administrator_chooses_among_areas_and_moves_a_page(app):
    """Can an administrator create a page in SAMLA and move it to GBG from the edit form?"""
    with app.app_context():
        make_user("admin", "administratör")
    admin = client_for(app, "admin")
    html = admin.get("/ny?omrade=gbg-sydvast").get_data(as_text=True)
    assert '<option selected value="gbg-sydvast">' in html or 'value="gbg-sydvast" selected' in html
    assert admin.post("/ny", data={"title": "Flyttsida", "type": "article", "source": "Text.", "area": SAMLA,
                                   "save": "Spara"}).status_code == 302
    response = admin.post("/sida/flyttsida/redigera", data={
        "title": "Flyttsida", "type": "article", "source": "Text.", "area": GBG, "base_revision": "1",
        "save": "Spara"}, follow_redirects=True)
    assert "Sidan flyttades till området ”NOSAM GBG Sydväst”." in response.get_data(as_text=True)
    with app.app_context():
        assert areas.key_of(pages.get("flyttsida").area_id) == GBG


def test_a_plan_for_another_areas_structure_is_refused(app):
    """May SAMLA's editor create a plan for GBG's structure (it would belong to GBG)? No, with a reason."""
    response = client_for(app, "red-samla").post("/planer/ny", data={
        "title": "Smygplan", "structure": "tg-aldre-gbg", "period": "2026", "save": "Spara"})
    assert response.status_code == 422
    assert "Du har inte behörighet att redigera i området ”NOSAM GBG Sydväst”" in response.get_data(as_text=True)
    response = client_for(app, "red-gbg").post("/planer/ny", data={
        "title": "Plan TG Äldre", "structure": "tg-aldre-gbg", "period": "2026", "save": "Spara"})
    assert response.status_code == 302
    with app.app_context():
        assert areas.key_of(plans.get_plan("plan-tg-aldre").area_id) == GBG


def test_an_area_administrator_manages_only_their_own_area(app):
    """Does GBG's area administrator see GBG's members, add one, and get 403 on SAMLA's page?"""
    client = client_for(app, "admin-gbg")
    listing = client.get("/admin/omraden").get_data(as_text=True)
    assert "NOSAM GBG Sydväst" in listing and "/admin/omraden/samla" not in listing
    assert client.get("/admin/omraden/samla").status_code == 403
    assert client.post("/admin/omraden/samla", data={"username": "lasare", "role": "redaktör"}).status_code == 403
    page = client.get("/admin/omraden/gbg-sydvast").get_data(as_text=True)
    assert "red-gbg" in page
    response = client.post("/admin/omraden/gbg-sydvast", data={"username": "lasare", "role": "redaktör"},
                           follow_redirects=True)
    assert "lasare är nu redaktör i NOSAM GBG Sydväst." in response.get_data(as_text=True)
    with app.app_context():
        assert areas.roles_of("lasare") == {GBG: AreaRole.EDITOR}
    assert client.post("/admin/omraden", data={"key": "ny", "name": "Nytt"}).status_code == 403


def test_member_errors_are_explained(app):
    """Does adding an unknown user or a made-up role say what is wrong (in Swedish)?"""
    client = client_for(app, "admin-gbg")
    html = client.post("/admin/omraden/gbg-sydvast", data={"username": "finns-inte", "role": "redaktör"}
                       ).get_data(as_text=True)
    assert "Det finns ingen användare ”finns-inte”." in html
    html = client.post("/admin/omraden/gbg-sydvast", data={"username": "lasare", "role": "kung"}).get_data(as_text=True)
    assert "Okänd områdesroll ”kung”." in html
    response = client.post("/admin/omraden/gbg-sydvast/medlemmar/admin-gbg/roll", data={"role": "redaktör"},
                           follow_redirects=True)
    assert "Du kan inte ta bort din egen roll som områdesadministratör." in response.get_data(as_text=True)
