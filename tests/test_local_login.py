"""KB_LOCAL_LOGIN=false and break-glass administrators: local passwords off for everyone but the
administrators marked as the way in when the organisation's sign-in is down; and accounts from the
organisation, which have no local password at all."""
from __future__ import annotations

from html import unescape

import pytest
from factories import PASSWORD, login, make_app

from kb.constants import AuditAction, AuthSource, Role
from kb.extensions import db
from kb.models import AuditEvent, LoginAttempt
from kb.services import users

LOCAL_OFF = "Inloggning med lokalt lösenord är avstängd. Logga in med organisationens konto."
NOTE = "Lokala lösenord är avstängda; bara nödadministratörer kan logga in här."


@pytest.fixture
def off(tmp_path):
    """An app with KB_LOCAL_LOGIN=false, an editor (anna) and two administrators: nod (break-glass) and
    chef (not marked)."""
    app = make_app(tmp_path / "instance", LOCAL_LOGIN=False)
    with app.app_context():
        users.create("anna", PASSWORD, Role.EDITOR)
        users.create("nod", PASSWORD, Role.ADMIN)
        users.create("chef", PASSWORD, Role.ADMIN)
        users.set_break_glass("nod", True)
    return app


def post_login(client, username: str, password: str = PASSWORD):
    """Submit the login form."""
    return client.post("/logga-in", data={"username": username, "password": password})


def text(response) -> str:
    """The page's text with entities decoded."""
    return unescape(response.get_data(as_text=True))


def session_as(app, username: str):
    """A client whose session belongs to `username`, as after a sign-in through the organisation (which
    the accounts below cannot do with a password)."""
    client = app.test_client()
    with app.app_context():
        session_id = users.get(username).get_id()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    return client


def from_organisation(username: str, role: Role = Role.READER):
    """An account made by a sign-in through the organisation: no local password (password_hash '')."""
    user = users.create(username, PASSWORD, role)
    user.password_hash = ""
    user.auth_source = AuthSource.OIDC.value
    user.external_id = f"https://idp.example.se {username}"
    db.session.commit()
    return user


def test_with_local_login_off_an_ordinary_account_is_refused_with_a_clear_message(off):
    """With KB_LOCAL_LOGIN=false, does Anna (an editor with the right password) get told that local
    passwords are off and to use the organisation's account, is the login page's note there, and is
    the attempt a failed login in the log?"""
    anon = off.test_client()
    assert NOTE in text(anon.get("/logga-in"))
    refused = post_login(anon, "anna")
    assert refused.status_code == 401 and LOCAL_OFF in text(refused)
    assert "Logga in" in text(anon.get("/"))  # not logged in
    with off.app_context():
        attempt = db.session.scalar(db.select(LoginAttempt).order_by(LoginAttempt.id.desc()))
        assert (attempt.username, attempt.success) == ("anna", False)
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == AuditAction.LOGIN_FAILED.value))
        assert event.detail == "lokala lösenord avstängda"


def test_the_refusal_does_not_tell_who_is_break_glass_or_whether_the_password_was_right(off):
    """With local login off, do a wrong password, an unknown account and an unmarked administrator get the
    same message, so that nobody learns which accounts exist or are break-glass?"""
    anon = off.test_client()
    for username, password in (("anna", "fel-lösenord-123"), ("okand", PASSWORD), ("chef", PASSWORD),
                               ("nod", "fel-lösenord-123")):
        response = post_login(anon, username, password)
        assert response.status_code == 401 and LOCAL_OFF in text(response), username


def test_a_break_glass_administrator_still_logs_in_with_the_local_password(off):
    """Can the break-glass administrator log in and reach the user list while everyone else is refused?"""
    nod = off.test_client()
    assert post_login(nod, "nod").status_code == 302
    page = text(nod.get("/admin/anvandare"))
    assert "Användare och roller" in page and "Nödadministratör" in page


def test_a_demoted_break_glass_administrator_loses_the_way_in(off):
    """If the break-glass administrator becomes an editor, is their local password refused too?"""
    with off.app_context():
        users.set_role("nod", Role.EDITOR)
    assert post_login(off.test_client(), "nod").status_code == 401


def test_kb_user_break_glass_marks_only_administrators(off):
    """Does `kb user break-glass NAMN --on/--off` mark an administrator (audited), refuse an editor with
    a clear message, and does `kb user list` show the mark?"""
    runner = off.test_cli_runner()
    on = runner.invoke(args=["user", "break-glass", "chef", "--on"])
    assert on.exit_code == 0 and "chef är nu nödadministratör" in on.output
    assert post_login(off.test_client(), "chef").status_code == 302
    refused = runner.invoke(args=["user", "break-glass", "anna", "--on"])
    assert refused.exit_code == 1 and "Bara administratörer kan vara nödadministratörer" in refused.output
    assert "nödadministratör" in [line for line in runner.invoke(args=["user", "list"]).output.splitlines()
                                  if line.startswith("chef")][0]
    off_again = runner.invoke(args=["user", "break-glass", "chef", "--off"])
    assert off_again.exit_code == 0 and "inte längre nödadministratör" in off_again.output
    assert post_login(off.test_client(), "chef").status_code == 401
    assert runner.invoke(args=["user", "break-glass", "chef"]).exit_code != 0  # --on or --off is required
    with off.app_context():
        details = list(db.session.scalars(db.select(AuditEvent.detail).where(
            AuditEvent.action == AuditAction.USER_BREAK_GLASS.value, AuditEvent.target == "chef")))
        assert details == ["på", "av"]


def test_administrators_mark_break_glass_accounts_on_the_user_list(tmp_path):
    """Can an administrator mark another administrator as break-glass from /admin/anvandare (audited,
    shown in the list), is an editor refused with a message, and can the mark be taken away again?"""
    app = make_app(tmp_path / "instance")
    admin = login(app, "admin", "administratör")
    with app.app_context():
        users.create("chef", PASSWORD, Role.ADMIN)
        users.create("anna", PASSWORD, Role.EDITOR)
    listing = text(admin.get("/admin/anvandare"))
    assert 'action="/admin/anvandare/chef/nodadministrator"' in listing
    assert 'action="/admin/anvandare/anna/nodadministrator"' not in listing  # offered to administrators only
    marked = admin.post("/admin/anvandare/chef/nodadministrator", data={}, follow_redirects=True)
    assert "chef är nu nödadministratör." in text(marked)
    row = text(marked).split("<td>chef", 1)[1].split("</tr>", 1)[0]
    assert "Nödadministratör" in row and "Ta bort nödadministratör" in row
    refused = admin.post("/admin/anvandare/anna/nodadministrator", data={}, follow_redirects=True)
    assert "Bara administratörer kan vara nödadministratörer; anna har rollen redaktör." in text(refused)
    assert "chef är inte längre nödadministratör." in text(
        admin.post("/admin/anvandare/chef/nodadministrator", data={}, follow_redirects=True))
    assert admin.post("/admin/anvandare/okand/nodadministrator", data={}).status_code == 404
    with app.app_context():
        assert not users.get("anna").break_glass and not users.get("chef").break_glass
        log = [(e.actor, e.detail) for e in db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.action == AuditAction.USER_BREAK_GLASS.value))]
        assert log == [("admin", "på"), ("admin", "av")]


def test_an_account_from_the_organisation_never_logs_in_with_a_password(app, anon):
    """Is an account without a local password refused whatever password is typed, even the one behind
    the login's timing hash, without an error?"""
    with app.app_context():
        from_organisation("olle")
    for password in ("dummy-password-for-timing", PASSWORD, "x"):
        response = post_login(anon, "olle", password)
        assert response.status_code == 401 and "Fel användarnamn eller lösenord." in text(response)


def test_min_sida_tells_an_account_from_the_organisation_where_its_password_is(app):
    """Does Olle (signed in through the organisation) see on Min sida and on /min-sida/losenord that his
    password is managed by his organisation, with no form, and is a POST refused?"""
    with app.app_context():
        from_organisation("olle")
    olle = session_as(app, "olle")
    note = "Ditt konto har inget lokalt lösenord: lösenordet hanteras av din organisation."
    assert note in text(olle.get("/min-sida")) and "/min-sida/losenord" not in text(olle.get("/min-sida"))
    page = olle.get("/min-sida/losenord")
    assert page.status_code == 200 and note in text(page) and "Nuvarande lösenord" not in text(page)
    refused = olle.post("/min-sida/losenord", data={"current_password": "x", "password": PASSWORD + "!",
                                                    "repeat": PASSWORD + "!"})
    assert refused.status_code == 403
    with app.app_context():
        assert users.get("olle").password_hash == ""


def test_with_local_login_off_only_break_glass_administrators_may_change_their_password(off):
    """With local login off, is "Byt lösenord" replaced by a note for Anna (signed in through the
    organisation), while the break-glass administrator still has the form?"""
    anna = session_as(off, "anna")
    page = text(anna.get("/min-sida/losenord"))
    assert "Inloggning med lokalt lösenord är avstängd för ditt konto." in page and "Nuvarande lösenord" not in page
    nod = off.test_client()
    post_login(nod, "nod")
    assert "Nuvarande lösenord" in text(nod.get("/min-sida/losenord"))
