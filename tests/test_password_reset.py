""""Glömt lösenordet?": a link by e-mail (a real SMTP server, aiosmtpd, on 127.0.0.1) that lets the owner of
a local account choose a new password once, within 30 minutes; the same answer whether or not the account
exists, and a limit on requests per address and per account."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from html import unescape

import pytest
from factories import PASSWORD, login, make_app
from notify_helpers import SmtpServer, body, mail_config

from kb.constants import AuditAction, Role
from kb.extensions import db
from kb.models import AuditEvent, PasswordReset
from kb.services import users

FORGOT = "/glomt-losenord"
NEUTRAL = "Om kontot finns och har en e-postadress har vi skickat en länk dit."
LINK_RE = re.compile(r"https://kb\.example\.se(/losenord/[A-Za-z0-9_-]+)")
NEW = "Ännu-bättre-fras-2027"


@pytest.fixture
def smtp():
    """A local SMTP server that keeps what it receives; stopped after the test."""
    with SmtpServer() as inbox:
        yield inbox


@pytest.fixture
def mail_app(tmp_path, smtp):
    """An app that mails through the local server, with Anna (an editor with an e-mail address)."""
    app = make_app(tmp_path / "instance", **mail_config(smtp.port))
    with app.app_context():
        users.create("anna", PASSWORD, Role.EDITOR, display_name="Anna Svensson")
        users.set_email("anna", "anna@example.se")
    return app


def text(response) -> str:
    """The page's text with entities decoded."""
    return unescape(response.get_data(as_text=True))


def ask(app, identifier: str, address: str = "127.0.0.1"):
    """Fill in "Glömt lösenordet?" from an address; the page the visitor ends up on."""
    client = app.test_client()
    return client.post(FORGOT, data={"identifier": identifier}, environ_base={"REMOTE_ADDR": address},
                       follow_redirects=True)


def link_in(message) -> str:
    """The path of the link in a reset mail."""
    found = LINK_RE.findall(body(message))
    assert len(found) == 1, body(message)
    return found[0]


def can_log_in(app, username: str, password: str) -> bool:
    """Does a fresh browser get in with this password?"""
    return app.test_client().post("/logga-in", data={"username": username, "password": password}).status_code == 302


def login_with(app, username: str, password: str):
    """A client logged in with this password."""
    client = app.test_client()
    assert client.post("/logga-in", data={"username": username, "password": password}).status_code == 302
    return client


def test_no_link_when_mail_is_not_configured(app, anon):
    """Without an SMTP server, is there no "Glömt lösenordet?" link and no such page?"""
    assert "Glömt lösenordet?" not in text(anon.get("/logga-in"))
    assert anon.get(FORGOT).status_code == 404
    assert anon.post(FORGOT, data={"identifier": "anna"}).status_code == 404


def test_no_link_without_a_base_url_for_the_links(tmp_path, smtp):
    """With an SMTP server but no KB_BASE_URL (where the links would point), is the link left out?"""
    app = make_app(tmp_path / "instance", **{**mail_config(smtp.port), "BASE_URL": ""})
    assert "Glömt lösenordet?" not in text(app.test_client().get("/logga-in"))
    assert app.test_client().get(FORGOT).status_code == 404


def test_the_link_arrives_works_once_and_ends_every_session(mail_app, smtp):
    """Anna forgot her password: does the login page lead to "Glömt lösenordet?", does she get a mail with
    a link, does the link let her choose a new password (policy and repetition checked), end her other
    sessions, and refuse a second use?"""
    elsewhere = login(mail_app, "anna")
    login_page = text(mail_app.test_client().get("/logga-in"))
    assert f'href="{FORGOT}">Glömt lösenordet?' in login_page
    answer = ask(mail_app, "Anna")
    assert NEUTRAL in text(answer) and "<h1>Logga in</h1>" in text(answer)
    [message] = smtp.to("anna@example.se")
    assert message["Subject"] == "Välj ett nytt lösenord i kunskapsbanken"
    assert "Hej Anna Svensson!" in body(message) and "kontot anna" in body(message)
    assert "inom 30 minuter" in body(message)
    path = link_in(message)
    token = path.rsplit("/", 1)[1]
    with mail_app.app_context():
        row = db.session.scalar(db.select(PasswordReset))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()  # only the hash is kept
        assert row.expires_at - row.created_at == timedelta(minutes=30)

    browser = mail_app.test_client()
    form = browser.get(path)
    assert form.status_code == 200 and "Välj ett nytt lösenord" in text(form) and "anna" in text(form)
    weak = browser.post(path, data={"password": "kort", "repeat": "kort"})
    assert weak.status_code == 422 and "Lösenordet måste vara minst 12 tecken." in text(weak)
    mismatch = browser.post(path, data={"password": NEW, "repeat": NEW + "!"})
    assert mismatch.status_code == 422 and "Lösenorden är inte likadana." in text(mismatch)
    done = browser.post(path, data={"password": NEW, "repeat": NEW}, follow_redirects=True)
    assert "Ditt nya lösenord är sparat. Logga in med det." in text(done)
    assert can_log_in(mail_app, "anna", NEW) and not can_log_in(mail_app, "anna", PASSWORD)
    assert elsewhere.get("/min-sida").status_code == 302  # the session from before is over

    again = browser.get(path)
    assert again.status_code == 410 and "Länken fungerar inte längre" in text(again)
    assert f'href="{FORGOT}">Be om en ny länk' in text(again)
    assert browser.post(path, data={"password": "Tredje-frasen-här-2028", "repeat": "Tredje-frasen-här-2028"}
                        ).status_code == 410
    assert can_log_in(mail_app, "anna", NEW)
    with mail_app.app_context():
        actions = list(db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.target == "anna")))
    assert AuditAction.PASSWORD_RESET_SENT.value in actions and AuditAction.PASSWORD_RESET.value in actions


def test_the_e_mail_address_finds_the_account_too(mail_app, smtp):
    """Does asking with the e-mail address (in other capitals) send Anna the link?"""
    assert NEUTRAL in text(ask(mail_app, "ANNA@Example.se"))
    assert len(smtp.to("anna@example.se")) == 1


@pytest.mark.parametrize("who", ["okand", "okand@example.se", "bo", "olle", "dora"])
def test_the_same_answer_and_no_mail_when_no_link_can_be_sent(mail_app, smtp, who):
    """For an unknown name or address, an account without an e-mail address (bo), one from the
    organisation (olle) and a disabled one (dora): the same answer as for Anna, and no mail at all?"""
    with mail_app.app_context():
        users.create("bo", PASSWORD, Role.READER)
        olle = users.create("olle", PASSWORD, Role.READER)
        users.set_email("olle", "olle@example.se")
        olle.password_hash, olle.auth_source, olle.external_id = "", "oidc", "https://idp olle"
        db.session.commit()
        users.create("dora", PASSWORD, Role.READER)
        users.set_email("dora", "dora@example.se")
        users.set_disabled("dora", True)
    answer = ask(mail_app, who)
    assert answer.status_code == 200 and NEUTRAL in text(answer)
    assert smtp.messages == []
    with mail_app.app_context():
        row = db.session.scalar(db.select(PasswordReset))
        assert (row.user_id, row.requested_for, row.used_at is not None) == (None, who, True)  # counted, unusable


def test_a_link_expires_after_30_minutes(mail_app, smtp):
    """Is a link that is 31 minutes old refused with the page that offers a new one?"""
    ask(mail_app, "anna")
    path = link_in(smtp.to("anna@example.se")[0])
    with mail_app.app_context():
        row = db.session.scalar(db.select(PasswordReset))
        row.created_at -= timedelta(minutes=31)
        row.expires_at -= timedelta(minutes=31)
        db.session.commit()
    browser = mail_app.test_client()
    assert browser.get(path).status_code == 410
    refused = browser.post(path, data={"password": NEW, "repeat": NEW})
    assert refused.status_code == 410 and "har gått ut" in text(refused)
    assert can_log_in(mail_app, "anna", PASSWORD)


def test_an_unknown_link_is_refused(mail_app):
    """Is a made-up link refused, with a way to ask for a new one?"""
    response = mail_app.test_client().get("/losenord/påhittad-länk")
    assert response.status_code == 410 and "Be om en ny länk" in text(response)


def test_using_one_link_stops_the_others(mail_app, smtp):
    """Anna asked twice; once she has used the second link, is the first one refused?"""
    ask(mail_app, "anna")
    ask(mail_app, "anna")
    first, second = (link_in(m) for m in smtp.to("anna@example.se"))
    browser = mail_app.test_client()
    assert browser.post(second, data={"password": NEW, "repeat": NEW}).status_code == 302
    assert browser.get(first).status_code == 410


def test_a_reset_also_replaces_a_temporary_password(mail_app, smtp):
    """If Anna had a temporary password, does a new one chosen through the link let her in without the
    "Välj ett nytt lösenord" step?"""
    with mail_app.app_context():
        users.set_password("anna", "Tillfälligt-lösen-4711", temporary=True)
    ask(mail_app, "anna")
    path = link_in(smtp.to("anna@example.se")[0])
    mail_app.test_client().post(path, data={"password": NEW, "repeat": NEW})
    anna = login_with(mail_app, "anna", NEW)
    assert anna.get("/min-sida").status_code == 200
    with mail_app.app_context():
        assert users.get("anna").must_change_password is False


def test_at_most_five_requests_an_hour_from_one_address(mail_app, smtp):
    """From one address, are five requests (unknown accounts count too) answered as usual, and is the
    sixth answered the same way but sends nothing, while another address still gets a link?"""
    for name in ("okand1", "okand2", "okand3", "anna"):
        ask(mail_app, name, "10.0.0.1")
    assert len(smtp.to("anna@example.se")) == 1
    assert NEUTRAL in text(ask(mail_app, "anna", "10.0.0.1"))
    assert len(smtp.to("anna@example.se")) == 2
    over = ask(mail_app, "anna", "10.0.0.1")
    assert over.status_code == 200 and NEUTRAL in text(over)
    assert len(smtp.to("anna@example.se")) == 2
    ask(mail_app, "anna", "10.0.0.2")
    assert len(smtp.to("anna@example.se")) == 3
    with mail_app.app_context():  # an hour later the address may ask again
        for row in db.session.scalars(db.select(PasswordReset)):
            row.created_at -= timedelta(minutes=61)
        db.session.commit()
    ask(mail_app, "anna", "10.0.0.1")
    assert len(smtp.to("anna@example.se")) == 4


def test_at_most_five_links_an_hour_for_one_account(mail_app, smtp):
    """Asked for from six addresses, does Anna get five links, the sixth request answered alike?"""
    for n in range(6):
        assert NEUTRAL in text(ask(mail_app, "anna", f"10.0.1.{n}"))
    assert len(smtp.to("anna@example.se")) == 5


def test_with_local_login_off_only_break_glass_administrators_get_a_link(tmp_path, smtp):
    """With KB_LOCAL_LOGIN=false, does the login page still offer the link, say who it is for, and is a
    link sent to the break-glass administrator but not to Anna, with the same answer for both?"""
    app = make_app(tmp_path / "instance", LOCAL_LOGIN=False, **mail_config(smtp.port))
    with app.app_context():
        users.create("anna", PASSWORD, Role.EDITOR)
        users.set_email("anna", "anna@example.se")
        users.create("nod", PASSWORD, Role.ADMIN)
        users.set_email("nod", "nod@example.se")
        users.set_break_glass("nod", True)
    page = text(app.test_client().get(FORGOT))
    assert "bara nödadministratörer kan få en länk här" in page
    assert NEUTRAL in text(ask(app, "anna")) and NEUTRAL in text(ask(app, "nod"))
    assert smtp.to("anna@example.se") == [] and len(smtp.to("nod@example.se")) == 1
    path = link_in(smtp.to("nod@example.se")[0])
    assert app.test_client().post(path, data={"password": NEW, "repeat": NEW}).status_code == 302
    assert can_log_in(app, "nod", NEW)


def test_forgot_password_works_when_reading_needs_a_login(tmp_path, smtp):
    """With KB_PUBLIC_READ=false, can a visitor still reach "Glömt lösenordet?" and the link?"""
    app = make_app(tmp_path / "instance", PUBLIC_READ=False, **mail_config(smtp.port))
    with app.app_context():
        users.create("anna", PASSWORD, Role.EDITOR)
        users.set_email("anna", "anna@example.se")
    assert app.test_client().get(FORGOT).status_code == 200
    ask(app, "anna")
    assert app.test_client().get(link_in(smtp.to("anna@example.se")[0])).status_code == 200


def test_a_mail_server_that_is_down_gives_the_same_answer(tmp_path):
    """If the mail server cannot be reached, does the visitor get the usual answer (nothing that tells
    whether the account exists), and is the link that was never delivered unusable?"""
    from scripts.kbdemo import free_port

    app = make_app(tmp_path / "instance", **mail_config(free_port()))
    with app.app_context():
        users.create("anna", PASSWORD, Role.EDITOR)
        users.set_email("anna", "anna@example.se")
    assert NEUTRAL in text(ask(app, "anna"))
    with app.app_context():
        row = db.session.scalar(db.select(PasswordReset))
        assert row.user_id is not None and row.used_at is not None


def test_a_personnummer_typed_as_the_account_gets_the_usual_answer_and_is_not_kept(mail_app, smtp):
    """Someone types a personnummer into "Glömt lösenordet?": is the answer the usual one (no error page),
    and is the number masked rather than stored?"""
    answer = ask(mail_app, "19121212-1212")
    assert answer.status_code == 200 and NEUTRAL in text(answer)
    with mail_app.app_context():
        stored = db.session.scalar(db.select(PasswordReset.requested_for))
    assert "19121212-1212" not in stored and smtp.messages == []
