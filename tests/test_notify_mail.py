"""`kb notify` and the daily e-mail digest, against a real SMTP server (aiosmtpd) on 127.0.0.1."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from factories import make_app
from notify_helpers import SmtpServer, body, edit, mail_config, page_with, person
from sqlalchemy import func, select

from kb.constants import WatchKind
from kb.dates import today
from kb.extensions import db
from kb.models import Digest, Notification
from kb.services import digests, notifications, pages
from scripts.kbdemo import free_port

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def smtp():
    """A local SMTP server that keeps what it receives; stopped after the test."""
    with SmtpServer() as inbox:
        yield inbox


def mail_app(tmp_path, port: int, **extra):
    """An app that mails through 127.0.0.1:`port`."""
    return make_app(tmp_path / "instance", **{**mail_config(port), **extra})


def watched_handbook(*, watchers: dict[str, str], editor: str = "bo"):
    """A page watched by `watchers` (name → e-mail) and edited once by `editor`; the page."""
    page = page_with("Handbok", "article", author=editor)
    for name, address in watchers.items():
        notifications.watch(person(name, email_address=address), WatchKind.PAGE, page)
    edit(page, "Ny version.\n", author=editor)
    return page


def unsent(name: str) -> list[Notification]:
    """A user's notifications not mailed yet."""
    return list(db.session.scalars(select(Notification).where(Notification.user_id == person(name).id,
                                                              Notification.sent_at.is_(None))))


def people_with_a_change(app, count: int) -> list[str]:
    """`count` people with an e-mail address, each watching their own page, which Bo then edits."""
    names = [f"person{n:02d}" for n in range(count)]
    with app.app_context():
        for name in names:
            page = page_with(f"Sida för {name}", "article", author="bo")
            notifications.watch(person(name, email_address=f"{name}@example.se"), WatchKind.PAGE, page)
            edit(page, "Ny version.\n", author="bo")
    return names


def test_without_smtp_kb_notify_only_makes_in_app_notifications(app):
    """Does `kb notify` with no KB_SMTP_HOST make notifications, send nothing and exit 0?"""
    with app.app_context():
        watched_handbook(watchers={"anna": "anna@example.se"})
    result = app.test_cli_runner().invoke(args=["notify"])
    assert result.exit_code == 0, result.output
    assert "Aviseringar om ändringar: 1. Påminnelser: 0." in result.output
    assert "E-post är inte inställd (KB_SMTP_HOST saknas)" in result.output
    with app.app_context():
        assert [n.text for n in unsent("anna")] == ["Sidan ”Handbok” har ändrats"]


def test_the_digest_reaches_the_local_server_with_links_and_a_working_unsubscribe_link(tmp_path, smtp):
    """Does Anna get one mail with the right To, Subject and links, and does its unsubscribe link work?"""
    app = mail_app(tmp_path, smtp.port)
    with app.app_context():
        watched_handbook(watchers={"anna": "Anna.Svensson@Example.SE", "cecilia": ""})
        mini = page_with("Mini-Maria", "reception", author="bo")
        notifications.watch(person("anna"), WatchKind.PAGE, mini)
        edit(mini, "Öppet tisdag och torsdag.\n", author="bo")
    result = app.test_cli_runner().invoke(args=["notify"])
    assert result.exit_code == 0, result.output
    assert "E-postbrev skickade: 1." in result.output
    [(rcpts, message)] = smtp.messages
    assert rcpts == ["Anna.Svensson@example.se"]
    assert message["To"] == "anna <Anna.Svensson@example.se>"
    assert message["From"] == "Kunskapsbanken <kb@example.se>"
    assert message["Subject"] == "Kunskapsbanken: 2 nya aviseringar"
    text = body(message)
    assert "* Sidan ”Handbok” har ändrats, av bo" in text
    assert "  https://kb.example.se/sida/handbok\n" in text
    assert "* Mottagningen ”Mini-Maria” har ändrats, av bo" in text
    assert "https://kb.example.se/sida/mini-maria" in text
    assert "https://kb.example.se/min-sida\n" in text
    unsubscribe = text.rstrip().splitlines()[-1]
    assert unsubscribe.startswith("https://kb.example.se/avsluta-epost/")
    assert message["List-Unsubscribe"].strip() == f"<{unsubscribe}>"
    with app.app_context():
        assert unsent("anna") == []
        assert db.session.scalar(select(func.count(Digest.id))) == 1

    visitor = app.test_client()
    path = unsubscribe.removeprefix("https://kb.example.se")
    page = visitor.get(path)
    assert page.status_code == 200
    assert "Vill du att <strong>anna</strong> inte längre ska få e-post" in page.get_data(as_text=True)
    with app.app_context():
        assert person("anna").email_notifications is True, "opening the link alone changes nothing"
    done = visitor.post(path, data={})
    assert "anna får inte längre e-post om aviseringar" in done.get_data(as_text=True)
    with app.app_context():
        assert person("anna").email_notifications is False
        edit(page_with("Tredje", "article", author="bo"), "x\n", author="bo")  # anything new: still in-app only
    assert visitor.get("/avsluta-epost/forfalskad.token").status_code == 404


def test_a_second_run_the_same_day_sends_nothing_more_and_tomorrow_sends_the_rest(tmp_path, smtp):
    """Is it at most one digest per user and day, with later notifications waiting for tomorrow's?"""
    app = mail_app(tmp_path, smtp.port)
    runner = app.test_cli_runner()
    with app.app_context():
        watched_handbook(watchers={"anna": "anna@example.se"})
    assert runner.invoke(args=["notify"]).exit_code == 0
    with app.app_context():
        edit(pages.get("handbok"), "Version tre.\n", author="bo")
    second = runner.invoke(args=["notify"])
    assert second.exit_code == 0, second.output
    assert "E-postbrev skickade: 0." in second.output
    assert len(smtp.messages) == 1
    with app.app_context():
        [waiting] = unsent("anna")
        assert waiting.text == "Sidan ”Handbok” har ändrats"
        report = digests.send_digests(today() + timedelta(days=1))
    assert report.sent == 1
    assert len(smtp.to("anna@example.se")) == 2
    assert "Kunskapsbanken: 1 ny avisering" == smtp.messages[-1][1]["Subject"]


def test_read_notifications_are_not_mailed(tmp_path, smtp):
    """Is a notification Anna already read on Min sida left out of the mail?"""
    app = mail_app(tmp_path, smtp.port)
    with app.app_context():
        watched_handbook(watchers={"anna": "anna@example.se"})
        notifications.notify_changes()
        notifications.mark_all_read(person("anna"))
    assert app.test_cli_runner().invoke(args=["notify"]).exit_code == 0
    assert smtp.messages == []


def test_smtp_down_loses_nothing_and_exits_non_zero(tmp_path):
    """When nothing answers on the SMTP port, does `kb notify` fail in Swedish and keep everything for the next run?"""
    port = free_port()
    app = mail_app(tmp_path, port)
    runner = app.test_cli_runner()
    with app.app_context():
        watched_handbook(watchers={"anna": "anna@example.se", "david": "david@example.se"})
    failed = runner.invoke(args=["notify"])
    assert failed.exit_code == 1
    assert "Fel: e-post kunde inte skickas: e-postservern 127.0.0.1:" in failed.output
    assert "Aviseringarna ligger kvar och skickas vid nästa körning." in failed.output
    with app.app_context():
        assert len(unsent("anna")) == 1 and len(unsent("david")) == 1
        assert db.session.scalar(select(func.count(Digest.id))) == 0
        assert db.session.scalar(select(func.count(Notification.id)).where(Notification.digest_id.is_not(None))) == 0
    with SmtpServer(port) as inbox:
        again = runner.invoke(args=["notify"])
    assert again.exit_code == 0, again.output
    assert sorted(r[0] for r, _ in inbox.messages) == ["anna@example.se", "david@example.se"]


# Plain-text AUTH is fine on 127.0.0.1 in a test, and aiosmtpd's own AUTH code uses a deprecated name;
# both are warnings from the test server (in its thread), not from kb.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning",
                            "ignore:Session.login_data is deprecated")
def test_kb_notify_logs_in_when_the_server_asks_for_it(tmp_path):
    """With KB_SMTP_USER and KB_SMTP_PASSWORD, does kb log in; and does a wrong password fail without loss?"""
    from aiosmtpd.smtp import AuthResult

    logins: list[tuple[bytes, bytes]] = []

    def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"hemligt-2026", handled=False)

    with SmtpServer(authenticator=check, auth_require_tls=False, auth_required=True) as inbox:
        app = mail_app(tmp_path, inbox.port, SMTP_USER="kb-avsandare", SMTP_PASSWORD="fel")
        with app.app_context():
            watched_handbook(watchers={"anna": "anna@example.se"})
        refused = app.test_cli_runner().invoke(args=["notify"])
        assert refused.exit_code == 1 and "SMTPAuthenticationError" in refused.output
        app.config["SMTP_PASSWORD"] = "hemligt-2026"
        sent = app.test_cli_runner().invoke(args=["notify"])
    assert sent.exit_code == 0, sent.output
    assert set(logins) == {(b"kb-avsandare", b"fel"), (b"kb-avsandare", b"hemligt-2026")}
    assert logins[-1] == (b"kb-avsandare", b"hemligt-2026")
    assert [r for r, _ in inbox.messages] == [["anna@example.se"]]


def test_incomplete_mail_settings_are_a_clear_error(tmp_path, smtp):
    """With an SMTP host but no KB_BASE_URL, does `kb notify` say what is missing and exit non-zero?"""
    app = mail_app(tmp_path, smtp.port, BASE_URL="")
    with app.app_context():
        watched_handbook(watchers={"anna": "anna@example.se"})
    result = app.test_cli_runner().invoke(args=["notify"])
    assert result.exit_code == 1
    assert "KB_BASE_URL saknas" in result.output
    assert smtp.messages == []
    with app.app_context():
        assert len(unsent("anna")) == 1, "the in-app notification is made all the same"


def test_two_runs_at_once_deliver_every_notification_exactly_once(tmp_path, smtp):
    """Do two senders started together (threads, one SQLite file) mail each user once, each notification once?"""
    smtp.delay = 0.05
    app = mail_app(tmp_path, smtp.port)
    names = people_with_a_change(app, 12)
    start = threading.Barrier(2)
    errors: list[BaseException] = []
    made: list[int] = []

    def run() -> None:
        try:
            with app.app_context():
                start.wait()
                made.append(notifications.notify_changes())
                digests.send_digests()
        except BaseException as exc:  # reported below; a thread's exception would vanish
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sum(made) == 12, "each change becomes one notification, whichever run took it"
    for name in names:
        [message] = smtp.to(f"{name}@example.se")
        assert body(message).count(f"Sidan ”Sida för {name}” har ändrats") == 1
    assert len(smtp.messages) == 12
    with app.app_context():
        assert db.session.scalar(select(func.count(Notification.id))) == 12
        assert db.session.scalar(select(func.count(Notification.id)).where(Notification.sent_at.is_(None))) == 0


def test_two_kb_notify_processes_at_once_send_each_digest_once(tmp_path, smtp):
    """Do two `kb notify` processes started at the same moment against one database mail each user once?"""
    smtp.delay = 0.05
    app = mail_app(tmp_path, smtp.port)
    names = people_with_a_change(app, 8)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_INSTANCE_PATH=str(tmp_path / "instance"), KB_SMTP_HOST="127.0.0.1", KB_SMTP_PORT=str(smtp.port),
               KB_SMTP_FROM="kb@example.se", KB_BASE_URL="https://kb.example.se",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")])))
    command = [sys.executable, "-c", "from kb.cli.main import main; main()", "notify"]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
            for _ in range(2)]
    outputs = [r.communicate(timeout=120) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    assert sorted(r[0] for r, _ in smtp.messages) == sorted(f"{n}@example.se" for n in names)
    with app.app_context():
        assert db.session.scalar(select(func.count(Notification.id))) == len(names)


def test_the_unsubscribe_link_works_when_reading_needs_a_login(tmp_path):
    """With KB_PUBLIC_READ=false, does the link from the mail still open without a login?"""
    app = make_app(tmp_path / "instance", PUBLIC_READ=False)
    with app.app_context():
        token = digests.unsubscribe_token(person("anna", email_address="anna@example.se"))
    visitor = app.test_client()
    assert visitor.get(f"/avsluta-epost/{token}").status_code == 200
    visitor.post(f"/avsluta-epost/{token}", data={})
    with app.app_context():
        assert person("anna").email_notifications is False
