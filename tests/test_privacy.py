"""/personuppgifter: what kb stores about people, and the clean-up that keeps the promise."""
from __future__ import annotations

from datetime import timedelta

from factories import make_app

from kb.extensions import db
from kb.models import AuditEvent, LoginAttempt, PasswordReset
from kb.models.base import utcnow
from kb.services import retention


def test_privacy_statement_is_open_to_everyone_and_linked_from_every_page(tmp_path):
    """Can a visitor read the statement without a login, even where reading needs one, and find it?"""
    app = make_app(tmp_path / "instance", PUBLIC_READ=False, LOGIN_LOG_DAYS=14, ADDRESS_DAYS=60,
                   CONTACT_EMAIL="dataskydd@example.se")
    anon = app.test_client()
    resp = anon.get("/personuppgifter")
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    for words in ("Ditt konto", "Läsmarkeringar", "Bevakningar", "Händelseloggen", "raderas efter 14 dagar",
                  "tas bort efter 60 dagar", "dataskydd@example.se", "Integritetsskyddsmyndigheten"):
        assert words in text
    assert 'href="/personuppgifter"' in anon.get("/logga-in").get_data(as_text=True)


def test_notify_deletes_old_login_attempts_and_blanks_old_addresses(app, runner):
    """Does `kb notify` remove what the statement says is removed, and keep the rest?"""
    now = utcnow()
    with app.app_context():
        db.session.add_all([
            LoginAttempt(username="gammal", remote_addr="10.0.0.1", created_at=now - timedelta(days=31)),
            LoginAttempt(username="ny", remote_addr="10.0.0.2", created_at=now - timedelta(days=2)),
            PasswordReset(token_hash="a" * 64, requested_for="x@example.se", created_at=now - timedelta(days=40),
                          expires_at=now - timedelta(days=40)),
            AuditEvent(actor="anna", action="login", remote_addr="10.0.0.3", created_at=now - timedelta(days=91)),
            AuditEvent(actor="anna", action="login", remote_addr="10.0.0.4", created_at=now - timedelta(days=5)),
        ])
        db.session.commit()
    result = runner.invoke(args=["notify", "--no-mail"])
    assert result.exit_code == 0, result.output
    assert "2 inloggningsförsök" not in result.output and "1 inloggningsförsök" in result.output
    with app.app_context():
        assert [a.username for a in db.session.query(LoginAttempt)] == ["ny"]
        assert db.session.query(PasswordReset).count() == 0
        events = {e.action + e.remote_addr for e in db.session.query(AuditEvent).filter_by(actor="anna")}
        assert events == {"login", "login10.0.0.4"}
        again = retention.prune()
        assert again == retention.Pruned(0, 0, 0)
