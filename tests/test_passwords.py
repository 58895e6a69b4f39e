"""Choosing passwords: "Byt lösenord" on Min sida and temporary passwords from an administrator (on the
user list or with `kb user set-password --temporary`), which the user replaces before doing anything
else. Every new password ends the account's other sessions."""
from __future__ import annotations

import re
from html import unescape

import pytest
from factories import PASSWORD, login

from kb.constants import AuditAction, Role
from kb.extensions import db
from kb.models import AuditEvent
from kb.services import users

CHANGE = "/min-sida/losenord"
CHOOSE = "/nytt-losenord"
NEW = "Ännu-bättre-fras-2027"
TEMPORARY = "Tillfälligt-lösen-4711"


def text(response) -> str:
    """The page's text with entities decoded."""
    return unescape(response.get_data(as_text=True))


def field_errors(response) -> dict[str, str]:
    """The message shown at each field, by the field's id."""
    found = re.findall(r'<p class="error" id="([^"]+)-fel">([^<]*)', response.get_data(as_text=True))
    return {name: unescape(message).strip() for name, message in found}


def logged_in(client) -> bool:
    """Does Min sida open for this client (rather than sending it to the login page)?"""
    response = client.get("/min-sida")
    return response.status_code == 200 and "<h1>Min sida</h1>" in response.get_data(as_text=True)


def can_log_in(app, username: str, password: str) -> bool:
    """Does a fresh browser get in with this password?"""
    response = app.test_client().post("/logga-in", data={"username": username, "password": password})
    return response.status_code == 302


def audit_details(app, action: AuditAction, username: str) -> list[str]:
    """The details of the audit events of one kind about `username`, oldest first."""
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEvent.detail).where(
            AuditEvent.action == action.value, AuditEvent.target == username).order_by(AuditEvent.id)))


# Byt lösenord

def test_min_sida_links_to_byt_losenord(app):
    """Does Min sida lead to "Byt lösenord", which asks for the current password and the new one twice?"""
    anna = login(app, "anna", "läsare")
    assert f'href="{CHANGE}"' in text(anna.get("/min-sida"))
    form = text(anna.get(CHANGE))
    for label in ("Nuvarande lösenord", "Nytt lösenord", "Upprepa det nya lösenordet", "Minst 12 tecken"):
        assert label in form


@pytest.mark.parametrize(("current", "new", "repeat", "errors"), [
    ("fel-lösenord-123", NEW, NEW, {"current_password": "Det nuvarande lösenordet stämmer inte."}),
    (PASSWORD, "kort", "kort", {"password": "Lösenordet måste vara minst 12 tecken."}),
    (PASSWORD, NEW, NEW + "x",
     {"repeat": "Lösenorden är inte likadana. Skriv samma lösenord två gånger."}),
    (PASSWORD, "anna-har-en-lång-fras", "anna-har-en-lång-fras",
     {"password": "Lösenordet får inte innehålla användarnamnet."}),
    (PASSWORD, PASSWORD, PASSWORD, {"password": "Det nya lösenordet måste vara ett annat än det nuvarande."}),
    ("", "", "", {"current_password": "Ange ditt nuvarande lösenord.", "password": "Ange ett nytt lösenord.",
                  "repeat": "Skriv det nya lösenordet en gång till."}),
])
def test_a_refused_new_password_says_why_at_the_field_and_changes_nothing(app, current, new, repeat, errors):
    """Does a wrong current password, a weak or mistyped new one, or an empty form get a Swedish message
    at the right field, with the old password still working and the session kept?"""
    anna = login(app, "anna", "läsare")
    response = anna.post(CHANGE, data={"current_password": current, "password": new, "repeat": repeat})
    assert response.status_code == 422
    assert field_errors(response) == errors
    assert logged_in(anna) and can_log_in(app, "anna", PASSWORD)


def test_a_new_password_ends_the_other_sessions_and_keeps_this_one(app):
    """Anna is logged in at work and at home; when she changes her password at home, is she still logged
    in there, told so, logged out at work, and does only the new password work?"""
    work = login(app, "anna", "läsare")
    home = login(app, "anna")
    response = home.post(CHANGE, data={"current_password": PASSWORD, "password": NEW, "repeat": NEW})
    assert response.status_code == 302 and response.headers["Location"] == "/min-sida"
    assert "Ditt lösenord är bytt. Du är utloggad i alla andra webbläsare" in text(home.get("/min-sida"))
    assert logged_in(home) and not logged_in(work)
    assert can_log_in(app, "anna", NEW) and not can_log_in(app, "anna", PASSWORD)
    assert audit_details(app, AuditAction.USER_PASSWORD, "anna") == ["bytt av användaren"]


def test_guessing_the_current_password_locks_like_failed_logins(app):
    """Can someone with Anna's open session guess her current password on "Byt lösenord"? After five wrong
    tries, is even the right one refused with the lockout message?"""
    anna = login(app, "anna", "läsare")
    for _ in range(5):
        anna.post(CHANGE, data={"current_password": "fel-lösenord-123", "password": NEW, "repeat": NEW})
    locked = anna.post(CHANGE, data={"current_password": PASSWORD, "password": NEW, "repeat": NEW})
    assert locked.status_code == 422
    assert "För många misslyckade inloggningar" in field_errors(locked)["current_password"]
    assert can_log_in(app, "anna", PASSWORD) is False  # the account is locked for a while
    with app.app_context():
        assert users.get("anna").must_change_password is False


# Temporary passwords

def test_a_temporary_password_from_an_administrator_end_to_end(app, admin):
    """An administrator gives Anna a temporary password: is she logged out, sent to "Välj ett nytt
    lösenord" at her next login, kept from every other page (also from saving anything), and in once she
    has chosen a password of her own that is not the temporary one?"""
    anna = login(app, "anna", "redaktör")
    page = text(admin.get("/admin/anvandare/anna/tillfalligt-losenord"))
    assert "Tillfälligt lösenord för anna" in page
    done = admin.post("/admin/anvandare/anna/tillfalligt-losenord", data={"password": TEMPORARY})
    assert done.status_code == 200 and "anna har fått ett tillfälligt lösenord och är utloggad överallt" in text(done)
    assert TEMPORARY not in text(done)  # a typed password is not shown back
    assert not logged_in(anna)
    assert "Tillfälligt lösenord" in text(admin.get("/admin/anvandare")).split("<td>anna", 1)[1].split("</tr>")[0]

    anna = app.test_client()
    response = anna.post("/logga-in", data={"username": "anna", "password": TEMPORARY}, follow_redirects=True)
    assert "<h1>Välj ett nytt lösenord</h1>" in text(response)
    for path in ("/", "/min-sida", "/sida/finns-inte", "/ny", "/admin/anvandare", "/logga-in"):
        blocked = anna.get(path)
        assert blocked.status_code == 302 and blocked.headers["Location"] == CHOOSE, path
    saved = anna.post("/ny", data={"title": "Smygsida", "type": "article", "source": "Text."})
    assert saved.status_code == 302 and saved.headers["Location"] == CHOOSE
    assert anna.get("/api/search?q=x").status_code == 403
    with anna.get("/static/css/kb.css") as stylesheet:
        assert stylesheet.status_code == 200

    same = anna.post(CHOOSE, data={"password": TEMPORARY, "repeat": TEMPORARY})
    assert field_errors(same) == {"password": "Det nya lösenordet måste vara ett annat än det tillfälliga."}
    mismatch = anna.post(CHOOSE, data={"password": NEW, "repeat": "något-annat-helt-och-hållet"})
    assert mismatch.status_code == 422 and "repeat" in field_errors(mismatch)
    chosen = anna.post(CHOOSE, data={"password": NEW, "repeat": NEW}, follow_redirects=True)
    assert "Ditt nya lösenord är sparat." in text(chosen)
    assert logged_in(anna) and anna.get("/ny").status_code == 200
    assert anna.get(CHOOSE).headers["Location"] == "/"  # nothing to choose any more
    assert can_log_in(app, "anna", NEW) and not can_log_in(app, "anna", TEMPORARY)
    with app.app_context():
        assert users.get("anna").must_change_password is False
    assert audit_details(app, AuditAction.USER_PASSWORD, "anna") == ["tillfälligt lösenord",
                                                                      "valt efter tillfälligt lösenord"]


def test_a_generated_temporary_password_is_shown_once_and_works(app, admin):
    """With the field left empty, is a generated password shown once (not cached), and does it log Anna
    in to the page where she chooses her own?"""
    login(app, "anna", "läsare")
    done = admin.post("/admin/anvandare/anna/tillfalligt-losenord", data={"password": ""})
    assert done.headers["Cache-Control"] == "no-store"
    generated = re.search(r'<code class="temporary-password">([^<]+)</code>', done.get_data(as_text=True)).group(1)
    assert users.password_problem(generated, "anna") is None
    anna = app.test_client()
    anna.post("/logga-in", data={"username": "anna", "password": generated})
    assert anna.get("/min-sida").headers["Location"] == CHOOSE
    assert "temporary-password" not in text(admin.get("/admin/anvandare/anna/tillfalligt-losenord"))


def test_a_weak_temporary_password_is_refused_and_no_one_is_logged_out(app, admin):
    """Is a temporary password that breaks the policy refused at the field, Anna left logged in?"""
    anna = login(app, "anna", "läsare")
    response = admin.post("/admin/anvandare/anna/tillfalligt-losenord", data={"password": "kort"})
    assert response.status_code == 422
    assert field_errors(response) == {"password": "Lösenordet måste vara minst 12 tecken."}
    assert logged_in(anna)


def test_no_temporary_password_for_oneself_or_for_an_account_from_the_organisation(app, admin):
    """Is an administrator sent to Min sida for their own password, and told that an account from the
    organisation has its password there?"""
    own = admin.get("/admin/anvandare/admin/tillfalligt-losenord")
    assert "Byt ditt eget lösenord under Min sida." in text(own) and 'name="password"' not in text(own)
    assert admin.post("/admin/anvandare/admin/tillfalligt-losenord", data={"password": TEMPORARY}).status_code == 403
    with app.app_context():
        olle = users.create("olle", PASSWORD, Role.READER)
        olle.password_hash, olle.auth_source, olle.external_id = "", "oidc", "https://idp olle"
        db.session.commit()
    page = text(admin.get("/admin/anvandare/olle/tillfalligt-losenord"))
    assert "olle loggar in med organisationens konto (OpenID Connect); lösenordet hanteras där." in page
    assert admin.post("/admin/anvandare/olle/tillfalligt-losenord", data={"password": TEMPORARY}).status_code == 403
    with app.app_context():
        assert users.get("olle").password_hash == ""
    assert admin.get("/admin/anvandare/okand/tillfalligt-losenord").status_code == 404


def test_logging_out_still_works_with_a_temporary_password(app):
    """Can Anna, sent to "Välj ett nytt lösenord", log out instead?"""
    login(app, "anna", "läsare")
    with app.app_context():
        users.set_password("anna", TEMPORARY, temporary=True)
    anna = app.test_client()
    anna.post("/logga-in", data={"username": "anna", "password": TEMPORARY})
    out = anna.post("/logga-ut", data={})
    assert out.status_code == 302 and out.headers["Location"] == "/"
    assert "Logga in" in text(anna.get("/"))


def test_kb_user_set_password_temporary(app):
    """Does `kb user set-password NAMN --temporary --password-stdin` give a temporary password that must be
    replaced at the next login, and without --temporary an ordinary one; is a weak one refused?"""
    anna = login(app, "anna", "läsare")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["user", "set-password", "anna", "--temporary", "--password-stdin"],
                           input=TEMPORARY + "\n")
    assert result.exit_code == 0, result.output
    assert "anna har ett nytt tillfälligt lösenord och är utloggad överallt." in result.output
    assert not logged_in(anna)
    anna = app.test_client()
    anna.post("/logga-in", data={"username": "anna", "password": TEMPORARY})
    assert anna.get("/").headers["Location"] == CHOOSE
    plain = runner.invoke(args=["user", "set-password", "anna", "--password-stdin"], input=NEW + "\n")
    assert plain.exit_code == 0 and "anna har ett nytt lösenord" in plain.output
    assert not logged_in(anna)
    again = app.test_client()
    again.post("/logga-in", data={"username": "anna", "password": NEW})
    assert logged_in(again)  # an ordinary password needs no new choice
    weak = runner.invoke(args=["user", "set-password", "anna", "--password-stdin"], input="kort\n")
    assert weak.exit_code == 1 and "minst 12 tecken" in weak.output
    unknown = runner.invoke(args=["user", "set-password", "okand", "--password-stdin"], input=NEW + "\n")
    assert unknown.exit_code == 1 and "Det finns ingen användare ”okand”." in unknown.output
