"""Ending sessions: logout, "Logga ut överallt", a new role and a disabled account make a saved session
cookie worthless, so someone replaying it is an anonymous visitor."""
from __future__ import annotations

import pytest
from factories import login

from kb.constants import AuditAction, Role
from kb.extensions import db
from kb.models import AuditEvent
from kb.services import users

END_SESSIONS = "/min-sida/logga-ut-overallt"


def replay(app, cookie: str):
    """A new client (another browser, or someone who copied the cookie) sending a saved session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def logged_in(client) -> bool:
    """Does Min sida open for this client (rather than sending it to the login page)?"""
    response = client.get("/min-sida")
    if response.status_code == 302:
        assert "/logga-in" in response.headers["Location"]
        return False
    assert response.status_code == 200 and "<h1>Min sida</h1>" in response.get_data(as_text=True)
    return True


def audit_actions(app, username: str) -> list[str]:
    """The audit log's actions about `username`, oldest first."""
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.target == username)
                                       .order_by(AuditEvent.id)))


def test_a_saved_cookie_no_longer_logs_in_after_logout(app):
    """Once Anna has clicked "Logga ut", is a copy of her session cookie (kept from before) refused, so
    that Min sida sends it to the login page and the header offers "Logga in"?"""
    anna = login(app, "anna", "redaktör")
    saved = anna.get_cookie("session").value
    assert logged_in(replay(app, saved))  # the copy works while she is logged in
    anna.post("/logga-ut", data={})
    thief = replay(app, saved)
    assert not logged_in(thief)
    assert "Logga in" in thief.get("/").get_data(as_text=True)
    assert audit_actions(app, "anna")[-1] == AuditAction.LOGOUT.value


def test_a_replayed_cookie_gets_no_cached_logged_in_view(app):
    """Does a replayed cookie with the ETag of a page Anna saw logged in get the anonymous page, not a
    304 that would let the browser show her cached view?"""
    anna = login(app, "anna", "redaktör")
    anna.get("/")  # shows the welcome message (no ETag while a message waits)
    saved = anna.get_cookie("session").value
    seen = anna.get("/struktur")
    assert seen.status_code == 200 and seen.headers.get("ETag")
    anna.post("/logga-ut", data={})
    response = replay(app, saved).get("/struktur", headers={"If-None-Match": seen.headers["ETag"]})
    assert response.status_code == 200 and "Logga in" in response.get_data(as_text=True)


def test_a_new_role_ends_the_users_sessions(app, admin):
    """When an administrator changes Anna's role, must she log in again (and then has the new role)?"""
    anna = login(app, "anna", "redaktör")
    assert logged_in(anna)
    response = admin.post("/admin/anvandare/anna/roll", data={"role": Role.READER.value})
    assert response.status_code == 302
    assert not logged_in(anna)
    again = login(app, "anna")
    assert logged_in(again)
    assert again.get("/ny").status_code == 403  # a reader may not write
    assert logged_in(admin)  # the administrator's own session goes on


def test_an_account_disabled_and_enabled_again_needs_a_new_login(app):
    """After an account is disabled and enabled again, is a cookie from before still refused?"""
    anna = login(app, "anna", "redaktör")
    saved = anna.get_cookie("session").value
    with app.app_context():
        users.set_disabled("anna", True)
        users.set_disabled("anna", False)
    assert not logged_in(replay(app, saved))
    assert logged_in(login(app, "anna"))


def test_min_sida_has_a_logga_ut_overallt_button_with_an_explanation(app):
    """Does Min sida offer "Logga ut överallt" as a POST form with a CSRF token, described by its help text?"""
    body = login(app, "anna", "läsare").get("/min-sida").get_data(as_text=True)
    form = body.split(f'action="{END_SESSIONS}"', 1)[1].split("</form>", 1)[0]
    assert 'name="csrf_token"' in form
    assert 'value="Logga ut överallt"' in form and 'aria-describedby="logga-ut-overallt-hjalp"' in form
    assert 'id="logga-ut-overallt-hjalp"' in body and "alla webbläsare och på alla" in body


def test_logga_ut_overallt_ends_the_session_on_every_device(app):
    """Anna is logged in at work and at home; does "Logga ut överallt" at home end both sessions, say so,
    and leave an audit event?"""
    work = login(app, "anna", "läsare")
    home = login(app, "anna")
    assert logged_in(work) and logged_in(home)
    response = home.post(END_SESSIONS, data={})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    start = home.get("/").get_data(as_text=True)
    assert "Du är utloggad överallt" in start and "Logga in" in start
    assert not logged_in(home) and not logged_in(work)
    assert audit_actions(app, "anna")[-1] == AuditAction.SESSIONS_ENDED.value
    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event.actor, AuditAction(event.action).label) == ("anna", "Utloggning på alla enheter")


@pytest.mark.parametrize("token", [None, "fel"])
def test_logga_ut_overallt_needs_the_csrf_token(app, token):
    """Is "Logga ut överallt" without a valid CSRF token (a forged form elsewhere) refused, every session
    left as it was?"""
    work = login(app, "anna", "läsare")
    home = login(app, "anna")
    data = {} if token is None else {"csrf_token": token}
    response = home.post(END_SESSIONS, data=data, with_csrf=False)
    assert response.status_code == 400 and "säkerhetstoken" in response.get_data(as_text=True)
    assert logged_in(home) and logged_in(work)
    assert AuditAction.SESSIONS_ENDED.value not in audit_actions(app, "anna")
