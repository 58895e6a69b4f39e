"""Rendered page views kept in memory: fresh after every change, never shared between people."""
from __future__ import annotations

import pytest
from factories import TOKEN_RE, edit_page, login, make_page

from kb import dates
from kb.services import pages


@pytest.fixture
def sip(app):
    """A routine "SIP" linked from a structure page."""
    with app.app_context():
        make_page("SIP", "Samordnad individuell plan.\n", type="routine", slug="sip")
        make_page("NOSAM Lerum", "Arbetar med [[sip]].\n", type="structure", slug="nosam-lerum")


def test_a_second_anonymous_view_is_answered_without_running_the_view(app, anon, sip, monkeypatch):
    """Is the same page for a visitor without a cookie sent from memory, byte for byte?"""
    first = anon.get("/sida/sip")
    assert first.status_code == 200 and "Samordnad individuell plan" in first.get_data(as_text=True)

    def fail(*args, **kwargs):
        raise AssertionError("the page view ran")

    monkeypatch.setattr(pages, "head", fail)
    again = anon.get("/sida/sip")
    assert again.status_code == 200
    assert again.get_data() == first.get_data()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_an_edit_shows_at_once_to_anonymous_visitors(app, anon, sip):
    """After an editor saves, does the next anonymous view show the new text, and a page that
    another page links to that page's new title?"""
    assert "Samordnad individuell plan" in anon.get("/sida/sip").get_data(as_text=True)
    with app.app_context():
        edit_page(pages.get("sip"), "Nu med checklista.\n")
    shown = anon.get("/sida/sip").get_data(as_text=True)
    assert "Nu med checklista" in shown and "Samordnad individuell plan" not in shown
    with app.app_context():
        edit_page(pages.get("nosam-lerum"), "Arbetar med [[sip]].\n", title="NOSAM Lerum och Alingsås")
    assert "NOSAM Lerum och Alingsås" in anon.get("/sida/sip").get_data(as_text=True)


def test_a_new_day_renders_the_page_again(app, anon, sip, monkeypatch):
    """Review dates and overdue marks depend on the date: is a page kept yesterday rendered anew today?"""
    from datetime import date

    anon.get("/sida/sip")
    kept = app.wsgi_app.views
    before = len(kept.entries)
    monkeypatch.setattr(dates, "today", lambda: date(2099, 1, 1))
    assert anon.get("/sida/sip").status_code == 200
    assert len(kept.entries) == before + 1


def test_a_logged_in_view_is_never_the_anonymous_one(app, anon, sip):
    """Does an editor see their own page (with the logout button), even right after an anonymous view?"""
    anonymous = anon.get("/sida/sip").get_data(as_text=True)
    assert "Logga ut" not in anonymous
    editor = login(app, "redaktor", "redaktör")
    editor.get("/sida/sip")  # the welcome message
    for _ in range(2):
        mine = editor.get("/sida/sip").get_data(as_text=True)
        assert "Logga ut" in mine and "redaktor" in mine
    assert "Logga ut" not in anon.get("/sida/sip").get_data(as_text=True)


def test_two_users_never_get_each_others_page(app, sip):
    """Kept views carry a CSRF token and a name: does each user get only their own?"""
    one, two = login(app, "anna", "redaktör"), login(app, "bertil", "redaktör")
    for client in (one, two, one, two):
        client.get("/sida/sip")
    assert "anna" in one.get("/sida/sip").get_data(as_text=True)
    shown = two.get("/sida/sip").get_data(as_text=True)
    assert "bertil" in shown and "anna" not in shown
    # The logout form on the page carries a token of the viewer's own session.
    token = TOKEN_RE.search(shown).group(1)
    assert one.post("/logga-ut", data={"csrf_token": token}).status_code == 400
    assert two.post("/logga-ut", data={"csrf_token": token}).status_code == 302


def test_a_flash_message_is_shown_once_and_not_kept(app, sip):
    """After saving, is "Sidan sparades" shown on the page once, and gone on the next view?"""
    editor = login(app, "redaktor", "redaktör")
    editor.get("/sida/sip")
    with app.app_context():
        base = pages.get("sip").revision_number
    saved = editor.post("/sida/sip/redigera", data={"title": "SIP", "type": "routine", "source": "Ny text.\n",
                                                   "base_revision": str(base), "save": "Spara"},
                        follow_redirects=True)
    assert "Sidan sparades som utkast (version 2)" in saved.get_data(as_text=True)  # a routine: a draft
    assert "Sidan sparades" not in editor.get("/sida/sip").get_data(as_text=True)


def test_a_deleted_page_is_not_kept(app, anon, admin, sip):
    """Does a deleted page answer 410 to visitors, and its restored version 200 again?"""
    anon.get("/sida/sip")
    with app.app_context():
        pages.delete_page(pages.get("sip"), author="testare")
    assert anon.get("/sida/sip").status_code == 410
    assert anon.get("/sida/sip").status_code == 410
    with app.app_context():
        pages.restore_page(pages.get("sip"), author="testare")
    assert anon.get("/sida/sip").status_code == 200


def test_other_pages_and_methods_pass_through(app, anon, sip):
    """Are the history page and requests with a cookie or a conditional header left to the app?"""
    kept = app.wsgi_app.views
    anon.get("/sida/sip/historik")
    app.test_client().get("/sida/sip", headers={"If-None-Match": 'W/"x"'})
    assert len(kept.entries) == 0
    app.test_client().get("/sida/sip")  # a visitor without the session the history page gave
    assert len(kept.entries) == 1


# --- signed-in views answered from memory -----------------------------------------------------------

def warm(client, path: str = "/sida/sip") -> None:
    """Views until the page cache keeps the page for this cookie: the welcome message, whose cookie it
    is, and the rendering under the state read before it."""
    for _ in range(3):
        assert client.get(path).status_code == 200


def test_a_signed_in_view_is_answered_without_running_the_view(app, sip, monkeypatch):
    """Is the same user's same page sent from memory once nothing changed, byte for byte?"""
    editor = login(app, "redaktor", "redaktör")
    warm(editor)
    first = editor.get("/sida/sip")

    def fail(*args, **kwargs):
        raise AssertionError("the page view ran")

    monkeypatch.setattr(pages, "current_head", fail)
    again = editor.get("/sida/sip")
    assert again.status_code == 200 and again.get_data() == first.get_data()
    assert again.headers["ETag"] == first.headers["ETag"] and "Set-Cookie" not in again.headers


def test_a_browser_revalidating_a_signed_in_view_gets_304_until_the_page_changes(app, sip):
    """Does If-None-Match get a 304 from memory, and the new page after an edit elsewhere?"""
    editor = login(app, "redaktor", "redaktör")
    warm(editor)
    tag = editor.get("/sida/sip").headers["ETag"]
    for _ in range(2):
        same = editor.get("/sida/sip", headers={"If-None-Match": tag})
        assert same.status_code == 304 and same.get_data() == b"" and same.headers["ETag"] == tag
    with app.app_context():
        edit_page(pages.get("sip"), "Ändrad på en annan server.\n")
    changed = editor.get("/sida/sip", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and "Ändrad på en annan server." in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != tag
    assert editor.get("/sida/sip", headers={"If-None-Match": changed.headers["ETag"]}).status_code == 304


def test_a_replayed_cookie_after_logout_or_disabling_gets_no_signed_in_page(app, sip):
    """Once a user logged out (elsewhere) or was disabled, does their old cookie stop getting their kept page?"""
    from kb.services import users

    for name, end in (("anna", users.end_sessions), ("bertil", lambda u: users.set_disabled(u.username, True))):
        client = login(app, name, "redaktör")
        warm(client)
        assert "Logga ut" in client.get("/sida/sip").get_data(as_text=True)
        with app.app_context():
            end(users.get(name))
        shown = client.get("/sida/sip").get_data(as_text=True)
        assert "Logga ut" not in shown and name not in shown


def test_signed_in_views_from_memory_are_counted(app, sip):
    """Are views the page cache answers for a signed-in user counted like any other?"""
    from kb.services import statistics

    editor = login(app, "redaktor", "redaktör")
    browser = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}
    for _ in range(3):
        editor.get("/sida/sip", headers=browser)
    with app.app_context():
        statistics.flush()
        before = sum(n for _, n in statistics.monthly_views(pages.get("sip").id))
    for _ in range(4):
        editor.get("/sida/sip", headers=browser)
    with app.app_context():
        statistics.flush()
        assert sum(n for _, n in statistics.monthly_views(pages.get("sip").id)) == before + 4
