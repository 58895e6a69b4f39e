"""Accounts, login, lockout, roles and the command line for users."""
from __future__ import annotations

from datetime import timedelta

import pytest
from factories import PASSWORD, login, make_app

from kb.constants import Role
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import AuditEvent, LoginAttempt, User
from kb.services import users


def post_login(client, username, password):
    """Submit the login form."""
    return client.post("/logga-in", data={"username": username, "password": password})


def test_password_is_stored_as_scrypt_hash(app):
    """Is the password stored only as a modern KDF hash?"""
    with app.app_context():
        user = users.create("anna", PASSWORD, Role.EDITOR)
        assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash


def test_login_and_logout(app, anon):
    """Can a user log in, see their name, and log out with a POST?"""
    with app.app_context():
        users.create("anna", PASSWORD, Role.EDITOR, display_name="Anna Redaktör")
    resp = post_login(anon, "Anna", PASSWORD)
    assert resp.status_code == 302
    assert "Anna Redaktör" in anon.get("/").get_data(as_text=True)
    assert anon.get("/logga-ut").status_code == 405  # no GET changes state
    anon.post("/logga-ut", data={})
    assert "Logga in" in anon.get("/").get_data(as_text=True)


def test_session_survives_a_restart(tmp_path):
    """Is a logged-in session still valid in a new app process on the same instance?"""
    first = make_app(tmp_path / "inst")
    client = login(first, "anna", "redaktör")
    second = make_app(tmp_path / "inst")
    cookie = client.get_cookie("session")
    other = second.test_client()
    other.set_cookie("session", cookie.value)
    assert "anna" in other.get("/").get_data(as_text=True)


def test_same_message_for_unknown_user_and_wrong_password(app, anon):
    """Does the login page avoid telling whether an account exists?"""
    with app.app_context():
        users.create("anna", PASSWORD, Role.EDITOR)
    wrong = post_login(anon, "anna", "fel-lösenord-123").get_data(as_text=True)
    unknown = post_login(anon, "okand", "fel-lösenord-123").get_data(as_text=True)
    assert "Fel användarnamn eller lösenord." in wrong and "Fel användarnamn eller lösenord." in unknown


def test_account_lockout_after_five_failures_and_expiry(app, anon):
    """After 5 failures is the account locked, even for the right password, until 15 minutes pass?"""
    with app.app_context():
        users.create("anna", PASSWORD, Role.EDITOR)
    for _ in range(4):
        assert post_login(anon, "anna", "fel-lösenord-123").status_code == 401
    fifth = post_login(anon, "anna", "fel-lösenord-123").get_data(as_text=True)
    assert "För många misslyckade inloggningar" in fifth
    locked = post_login(anon, "anna", PASSWORD)
    assert locked.status_code == 401 and "spärrad" in locked.get_data(as_text=True)
    with app.app_context():
        for attempt in db.session.scalars(db.select(LoginAttempt)):
            attempt.created_at -= timedelta(minutes=16)
        db.session.commit()
        assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "auth.lockout")) is not None
    assert post_login(anon, "anna", PASSWORD).status_code == 302


def test_a_successful_login_starts_the_account_count_afresh(app):
    """Does someone who mistyped four times, then logged in, get five new tries, not one?"""
    with app.app_context():
        users.create("anna", PASSWORD, Role.EDITOR)
    client = app.test_client()
    for _ in range(4):
        assert post_login(client, "anna", "fel-lösenord-123").status_code == 401
    assert post_login(client, "anna", PASSWORD).status_code == 302
    other = app.test_client()  # a new browser: the first one is logged in now
    for _ in range(4):
        assert post_login(other, "anna", "fel-lösenord-123").status_code == 401
    assert post_login(other, "anna", PASSWORD).status_code == 302
    third = app.test_client()
    for _ in range(4):
        post_login(third, "anna", "fel-lösenord-123")
    assert "För många misslyckade" in post_login(third, "anna", "fel-lösenord-123").get_data(as_text=True)


def test_address_lockout_after_twenty_failures(app, anon):
    """Are 20 failures from one address, across accounts, enough to block that address?"""
    with app.app_context():
        users.create("anna", PASSWORD, Role.EDITOR)
    for n in range(20):
        post_login(anon, f"gissning{n}", "fel-lösenord-123")
    resp = post_login(anon, "anna", PASSWORD)
    assert resp.status_code == 401 and "För många misslyckade" in resp.get_data(as_text=True)


def test_behind_a_trusted_proxy_each_visitor_has_their_own_address(tmp_path):
    """With KB_PROXY_HOPS=1, do failures from one visitor leave another visitor's login open, and does
    the audit log name the visitor, not the proxy?"""
    app = make_app(tmp_path / "instance", PROXY_HOPS=1)
    with app.app_context():
        users.create("anna", PASSWORD, Role.EDITOR)
    client = app.test_client()
    for n in range(20):
        client.post("/logga-in", data={"username": f"gissning{n}", "password": "fel-lösenord-123"},
                    headers={"X-Forwarded-For": "203.0.113.9"})
    blocked = client.post("/logga-in", data={"username": "anna", "password": PASSWORD},
                          headers={"X-Forwarded-For": "203.0.113.9"})
    assert blocked.status_code == 401 and "För många misslyckade" in blocked.get_data(as_text=True)
    other = app.test_client().post("/logga-in", data={"username": "anna", "password": PASSWORD},
                                   headers={"X-Forwarded-For": "198.51.100.7"})
    assert other.status_code == 302
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "auth.login")).all()
        assert [e.remote_addr for e in events] == ["198.51.100.7"]


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(app):
    """By default, can a visitor dodge the address lockout by sending X-Forwarded-For? (No.)"""
    with app.app_context():
        users.create("anna", PASSWORD, Role.EDITOR)
    client = app.test_client()
    for n in range(20):
        client.post("/logga-in", data={"username": f"gissning{n}", "password": "fel-lösenord-123"},
                    headers={"X-Forwarded-For": f"203.0.113.{n}"})
    resp = client.post("/logga-in", data={"username": "anna", "password": PASSWORD},
                       headers={"X-Forwarded-For": "198.51.100.7"})
    assert resp.status_code == 401 and "För många misslyckade" in resp.get_data(as_text=True)


def test_the_audit_log_pages_keep_the_filter(app, admin):
    """With more events than fit on a page, do Föregående/Nästa move between pages and keep the filter?"""
    from kb.constants import AuditAction
    from kb.services import audit

    with app.app_context():
        for n in range(51):
            audit.record(AuditAction.USER_ROLE, f"konto{n}", actor="admin")
        db.session.commit()
    first = admin.get("/admin/logg?action=user.role_changed").get_data(as_text=True)
    assert "Sida 1 av 2" in first and "Föregående" not in first
    assert 'href="/admin/logg?sida=2&amp;action=user.role_changed"' in first
    second = admin.get("/admin/logg?sida=2&action=user.role_changed").get_data(as_text=True)
    assert "Sida 2 av 2" in second and "Nästa" not in second and "Föregående" in second


@pytest.mark.parametrize("password,message", [
    ("kort", "minst 12 tecken"),
    ("password1234", "för vanligt"),
    ("Lösenord1234", "för vanligt"),
    ("aaaaaaaaaaaaaa", "för få olika tecken"),
    ("anna-har-ett-bra-lösen", "användarnamnet"),
])
def test_password_policy(app, password, message):
    """Are short, common and guessable passwords refused with a Swedish reason?"""
    with app.app_context():
        with pytest.raises(ValidationError) as exc:
            users.create("anna", password, Role.READER)
        assert message in exc.value.errors["password"]


def test_disabled_user_is_logged_out_and_cannot_log_in(app):
    """Does disabling an account end its session and block new logins?"""
    client = login(app, "anna", "redaktör")
    with app.app_context():
        users.set_disabled("anna", True)
    assert "Logga in" in client.get("/").get_data(as_text=True)
    assert post_login(app.test_client(), "anna", PASSWORD).status_code == 401


def test_reading_requires_login_when_not_public(tmp_path):
    """With KB_PUBLIC_READ=false, is everything but the login page behind a login?"""
    app = make_app(tmp_path / "inst", PUBLIC_READ=False)
    anon = app.test_client()
    for path in ("/", "/sidor", "/sida/sip", "/sok?q=sip"):
        resp = anon.get(path)
        assert resp.status_code == 302 and "/logga-in" in resp.headers["Location"], path
    assert anon.get("/api/pages/sip").status_code == 401
    assert anon.get("/logga-in").status_code == 200
    reader = login(app, "lasaren", "läsare")
    assert reader.get("/sidor").status_code == 200


def test_login_redirects_only_within_the_site(app, anon):
    """Does the login form refuse to send users to another site afterwards?"""
    with app.app_context():
        users.create("anna", PASSWORD, Role.EDITOR)
    resp = anon.post("/logga-in?next=//evil.example/x", data={"username": "anna", "password": PASSWORD})
    assert resp.headers["Location"] == "/"


def test_cli_user_commands(app):
    """Can an operator create, list, re-role and disable users from the command line?"""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["user", "create", "anna", "--role", "redaktör", "--password-stdin"],
                           input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    weak = runner.invoke(args=["user", "create", "bo", "--password-stdin"], input="kort\n")
    assert weak.exit_code == 1 and "minst 12 tecken" in weak.output
    bad_role = runner.invoke(args=["user", "create", "bo", "--role", "kung", "--password-stdin"], input=PASSWORD)
    assert bad_role.exit_code != 0 and "Okänd roll" in bad_role.output
    assert runner.invoke(args=["user", "set-role", "anna", "administrator"]).exit_code == 0
    assert runner.invoke(args=["user", "disable", "anna"]).exit_code == 0
    listing = runner.invoke(args=["user", "list"]).output
    assert "anna" in listing and "administratör" in listing and "inaktiverad" in listing
    with app.app_context():
        user = users.get("anna")
        assert user.role == "administratör" and user.disabled


def test_demo_creates_an_admin_with_a_printed_password(tmp_path):
    """Does `kb demo` create a demo administrator and print its generated password once?"""
    app = make_app(tmp_path / "inst")
    out = app.test_cli_runner().invoke(args=["demo"]).output
    assert "användarnamn: admin" in out
    password = out.split("lösenord:", 1)[1].split()[0]
    client = app.test_client()
    assert post_login(client, "admin", password).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.username == "admin")).role == "administratör"


def test_admin_manages_users_and_sees_audit_log(app, admin):
    """Can an administrator create a user, change a role and filter the audit log?"""
    resp = admin.post("/admin/anvandare", data={"username": "bo", "display_name": "Bo", "role": "läsare",
                                                "password": PASSWORD})
    assert resp.status_code == 302
    assert admin.post("/admin/anvandare/bo/roll", data={"role": "redaktör"}).status_code == 302
    assert admin.post("/admin/anvandare/bo/aktiv", data={}).status_code == 302
    post_login(app.test_client(), "bo", "fel-lösenord-123")
    log = admin.get("/admin/logg").get_data(as_text=True)
    for label in ("Användare skapad", "Roll ändrad", "Användare inaktiverad", "Misslyckad inloggning", "Inloggning"):
        assert label in log
    filtered = admin.get("/admin/logg?action=user.role_changed").get_data(as_text=True)
    assert "läsare → redaktör" in filtered and "Användare skapad" not in filtered.split("<tbody>")[1]
    weak = admin.post("/admin/anvandare", data={"username": "cy", "role": "läsare", "password": "kort"})
    assert weak.status_code == 422 and "minst 12 tecken" in weak.get_data(as_text=True)
