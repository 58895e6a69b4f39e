"""Members-only areas: their pages, plans, attachments and titles never appear to anyone else.

One open page (in the own area) links to a page of the members-only area "TG Äldre", which links
back. Outsiders are an anonymous visitor, a reader and a site-wide redaktör who is no member; the
member and an administrator see it all.
"""
from __future__ import annotations

import attachment_files as files
import pytest
from factories import edit_page, login, make_page, make_user

from kb.services import areas, attachments, pages

SECRET = "Hemlig rutin"
SECRET_SLUG = "hemlig-rutin"
OPEN_SLUG = "oppen-sida"
OUTSIDERS = ("anonym", "lasare", "redigerare")
INSIDERS = ("medlem", "admin")


@pytest.fixture
def world(app):
    """The two pages (the open one first, so the members-only one appears later), an attachment on
    the members-only page, and one client per kind of user."""
    with app.app_context():
        closed = areas.create("tg-aldre", "TG Äldre", members_only=True)
        make_page("Öppen sida", f"Se [[{SECRET_SLUG}]] och [[saknas]].\n", slug=OPEN_SLUG)
        secret = make_page(SECRET, f"Tillbaka till [[{OPEN_SLUG}]].\n", slug=SECRET_SLUG, area_id=closed.id)
        edit_page(secret, f"Tillbaka till [[{OPEN_SLUG}]], andra versionen.\n")
        attachments.upload(secret, "Hemlig.pdf", files.pdf("Hemligt innehåll"), author="testare")
        make_user("lasare", "läsare")
        make_user("redigerare", "redaktör")
        make_user("medlem", "läsare", areas={"tg-aldre": "medlem"})
        make_user("admin", "administratör")
    clients = {"anonym": app.test_client()}
    for name, role in (("lasare", "läsare"), ("redigerare", "redaktör"), ("medlem", "läsare"),
                       ("admin", "administratör")):
        clients[name] = login(app, name, role)
    return clients


def text(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


SECRET_PATHS = [f"/sida/{SECRET_SLUG}", f"/sida/{SECRET_SLUG}/historik", f"/sida/{SECRET_SLUG}/version/1",
                f"/sida/{SECRET_SLUG}/jamfor", f"/sida/{SECRET_SLUG}/jamfor?fran=1&till=2",
                f"/sida/{SECRET_SLUG}/lankar-hit", f"/sida/{SECRET_SLUG}/bilagor",
                f"/sida/{SECRET_SLUG}/bilagor/Hemlig.pdf", f"/sida/{SECRET_SLUG}/bilagor/Hemlig.pdf/versioner",
                f"/sida/{SECRET_SLUG}/bilagor/Hemlig.pdf/version/1", f"/api/pages/{SECRET_SLUG}"]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_for_every_view_of_a_members_only_page(world, who):
    """Does anyone outside the area learn the page exists, from any of its addresses?"""
    for path in SECRET_PATHS:
        response = world[who].get(path)
        assert response.status_code == 404, path
        assert SECRET not in text(response), path


@pytest.mark.parametrize("who", INSIDERS)
def test_members_and_administrators_see_the_page(world, who):
    """Do the area's members and administrators reach every view of it?"""
    for path in SECRET_PATHS:
        response = world[who].get(path)
        assert response.status_code == 200, path


def test_an_old_address_does_not_reveal_a_members_only_page(app, world):
    """Does a renamed page's old address redirect outsiders (and so say the page exists)?"""
    with app.app_context():
        page = pages.get(SECRET_SLUG)
        edit_page(page, page.current.source, slug="hemlig-rutin-ny")
    assert world["anonym"].get(f"/sida/{SECRET_SLUG}").status_code == 404
    assert world["redigerare"].get(f"/sida/{SECRET_SLUG}/historik").status_code == 404
    assert world["medlem"].get(f"/sida/{SECRET_SLUG}").status_code == 301


def test_the_attachment_link_by_id_is_404_for_outsiders(app, world):
    """Does the stable attachment address (search hits use it) hand the file to outsiders?"""
    with app.app_context():
        [item] = attachments.for_page(pages.get(SECRET_SLUG), editor=True)
        path = f"/bilagor/{item.attachment.id if hasattr(item, 'attachment') else item.id}"
    for who in OUTSIDERS:
        assert world[who].get(path).status_code == 404, who
    assert world["medlem"].get(path).status_code == 200


@pytest.mark.parametrize("who", OUTSIDERS)
def test_a_revalidation_does_not_tell_outsiders_the_page_exists(world, who):
    """Does an ETag the member got answer an outsider's conditional request with 304?"""
    world["medlem"].get("/")  # shows the login's flash message
    etag = world["medlem"].get(f"/sida/{SECRET_SLUG}").headers.get("ETag")
    assert etag
    response = world[who].get(f"/sida/{SECRET_SLUG}", headers={"If-None-Match": etag})
    assert response.status_code == 404
