"""Signed-in page views cost at most two queries, and nothing they keep in memory goes stale.

A signed-in view reads the user (with their roles in areas and their viewer stamp) and the change
log's state; the page's head, the members-only areas, the rendered page and the header's unread count
are kept per process while those stand still. Every test here changes something the way another
worker would (through the services, outside the viewer's requests) and checks the next view shows it.
"""
from __future__ import annotations

import pytest
from factories import edit_page, login, make_page, make_user
from querycount import count_queries, counting

from kb.constants import AreaRole, WatchKind
from kb.services import areas, notifications, pages, structure, users

PAGES = {"artikel": "article", "rutin": "routine", "introduktion": "orientation", "gruppen": "structure"}


@pytest.fixture
def world(app):
    """One page of each kind, a members-only area with a page, and a reader, an editor and a member."""
    with app.app_context():
        closed = areas.create("tg-aldre", "TG Äldre", members_only=True)
        for slug, kind in PAGES.items():
            make_page(slug.capitalize(), f"Om [[gruppen]] och {slug}.\n", type=kind, slug=slug)
        make_page("Hemlig sida", "Bara för medlemmar.\n", slug="hemlig", area_id=closed.id)
        make_user("medlem", "läsare", areas={"tg-aldre": "medlem"})
    return app


def text(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["läsare", "redaktör", "administratör"])
@pytest.mark.parametrize("slug", PAGES)
def test_a_signed_in_page_view_runs_at_most_two_queries(world, slug, role):
    """Once a page was shown, does the next view by a signed-in user read no more than the user and the
    change log (routines and orientation pages, with their reading state, too)?"""
    client = login(world, "person", role)
    client.get(f"/sida/{slug}")  # with the welcome message, which is shown once and never kept
    client.get(f"/sida/{slug}")  # the page cache learns whose cookie it is
    client.get(f"/sida/{slug}")  # rendered under the state read before, and kept
    assert count_queries(world, client, f"/sida/{slug}") <= 2


def test_signed_in_search_costs_one_query_more_than_anonymous_search(world):
    """Does a signed-in search read only the user on top of what an anonymous search reads?"""
    reader, anon = login(world, "lasare", "läsare"), world.test_client()
    for client in (reader, anon):
        client.get("/sok?q=rutin")
    assert count_queries(world, reader, "/sok?q=rutin") <= count_queries(world, anon, "/sok?q=rutin") + 1


def test_a_page_changed_elsewhere_shows_at_the_next_view(world):
    """Is the kept page head (and rendered page) replaced when another worker saves the page?"""
    reader = login(world, "lasare", "läsare")
    assert "och artikel." in text(reader.get("/sida/artikel"))
    reader.get("/sida/artikel")  # now answered from the kept head and page
    with world.app_context():
        edit_page(pages.get("artikel"), "Helt ny text om artikeln.\n")
    assert "Helt ny text om artikeln." in text(reader.get("/sida/artikel"))
    with world.app_context():
        pages.delete_page(pages.get("artikel"))
    assert reader.get("/sida/artikel").status_code == 410


def test_a_notification_made_elsewhere_shows_in_the_header_and_goes_when_read(world):
    """Does the header's unread count follow notifications made and read outside the viewer's requests?"""
    reader = login(world, "lasare", "läsare")
    assert "olästa aviseringar" not in text(reader.get("/sida/artikel"))
    with world.app_context():
        notifications.watch(users.get("lasare"), WatchKind.PAGE, pages.get("gruppen"))
    assert "Sluta bevaka" in text(reader.get("/sida/gruppen"))
    with world.app_context():
        edit_page(pages.get("gruppen"), "Gruppen har fått en ny text.\n", author="redaktor")
        edit_page(pages.get("gruppen"), "Gruppen har fått en tredje text.\n", author="redaktor")
        assert notifications.notify_changes() >= 1
        unread = notifications.unread_count(users.get("lasare"))
    assert unread >= 1
    header = text(reader.get("/sida/artikel"))
    assert f'<span class="unread-count">({unread})</span>' in header
    assert f'<span class="unread-count">({unread})</span>' in text(reader.get("/sok?q=artikel"))
    with world.app_context():
        notifications.mark_all_read(users.get("lasare"))
    assert "unread-count" not in text(reader.get("/sida/artikel"))
    assert "unread-count" not in text(reader.get("/sok?q=artikel"))


def test_reading_marked_elsewhere_shows_on_the_page(world):
    """Is an orientation page shown as read after the user marked it in another tab (another worker)?"""
    reader = login(world, "lasare", "läsare")
    before = text(reader.get("/sida/introduktion"))
    with world.app_context():
        structure.set_read(users.get("lasare").id, pages.get("introduktion"), True)
    after = text(reader.get("/sida/introduktion"))
    assert before != after and "Markera som oläst" in after


def test_an_area_closed_or_opened_elsewhere_takes_effect_at_the_next_request(world):
    """Does a page vanish for outsiders the moment its area becomes members-only, and come back?"""
    reader, member = login(world, "lasare", "läsare"), login(world, "medlem", "läsare")
    assert reader.get("/sida/hemlig").status_code == 404
    assert member.get("/sida/hemlig").status_code == 200
    with world.app_context():
        areas.update("tg-aldre", members_only=False)
    assert reader.get("/sida/hemlig").status_code == 200
    with world.app_context():
        areas.update("tg-aldre", members_only=True)
    assert reader.get("/sida/hemlig").status_code == 404
    assert member.get("/sida/hemlig").status_code == 200


def test_a_membership_given_elsewhere_opens_the_area_at_once(world):
    """Are a user's roles in areas read with the user on every request (never kept across requests)?"""
    reader = login(world, "lasare", "läsare")
    assert reader.get("/sida/hemlig").status_code == 404
    with world.app_context():
        areas.grant("lasare", "tg-aldre", AreaRole.MEMBER)
    assert reader.get("/sida/hemlig").status_code == 200
    with world.app_context():
        areas.revoke("lasare", "tg-aldre")
    assert reader.get("/sida/hemlig").status_code == 404


def test_one_query_loads_the_user_their_roles_and_stamp(world):
    """Is the session's user read in one statement, roles in areas and viewer stamp included?"""
    with world.app_context():
        user = users.get("medlem")
        session_id = user.get_id()
    with world.app_context(), counting(world) as statements:
        loaded = users.load(session_id)
        roles = loaded.area_roles
        stamp = users.viewer_stamp(loaded)
    assert len(statements) == 1
    assert [r.value for r in roles.values()] == ["medlem"] and len(stamp) == 10
