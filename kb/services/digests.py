"""The daily e-mail digest of notifications, and the unsubscribe link in it.

At most one digest per user and (Swedish) day. Sending one for a user goes:

1. claim the day: insert a `Digest` row; the unique (user, day) key refuses a second one, so a
   second run the same day, or a run beside this one, skips the user;
2. claim the notifications: point the user's unread, unsent, unclaimed ones at the digest, then
   commit, so no other run can take them;
3. send the mail; then mark them sent.

If the mail cannot be sent, the claim is undone (the digest row is removed and the notifications are
free again), so the next run sends them: nothing is lost. Notifications that arrive after a user's
digest went out wait for the next day's digest. A notification read on Min sida before the digest
is not mailed. If a run dies after the server accepted a mail but before it was marked sent, the
claim stays and that digest is not sent again: a lost e-mail (the notifications stay on Min sida)
is better than a second copy.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError

from kb import urls
from kb.dates import format_datetime
from kb.dates import today as swedish_today
from kb.extensions import db
from kb.models import Digest, Notification, User
from kb.models.base import utcnow
from kb.services import mail, users
from kb.services.visibility import notification_clause

UNSUBSCRIBE_SALT = "kb-avsluta-epost"


@dataclass
class DigestReport:
    """What a sending run did."""

    configured: bool = True
    sent: int = 0
    skipped: int = 0
    error: str = ""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User) -> str:
    """A signed token naming the user, for the unsubscribe link (no login needed, no expiry)."""
    return _serializer().dumps(user.id)


def user_for_token(token: str) -> User | None:
    """The user an unsubscribe token names, or None when it is forged or the user is gone."""
    try:
        user_id = _serializer().loads(token)
    except BadSignature:
        return None
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def _waiting(user_id):
    return (Notification.user_id == user_id, Notification.read_at.is_(None), Notification.sent_at.is_(None),
            Notification.digest_id.is_(None))


def recipients() -> list[User]:
    """Active users with an e-mail address, mail switched on and something waiting to be mailed."""
    return list(db.session.scalars(select(User).where(
        User.disabled.is_(False), User.email != "", User.email_notifications.is_(True),
        exists().where(*_waiting(User.id))).order_by(User.id)))


def claim(user: User, day: date) -> Digest | None:
    """Claim the user's digest of the day and the notifications for it; None if taken or nothing waits."""
    digest = Digest(user_id=user.id, day=day, email=user.email)
    db.session.add(digest)
    try:
        db.session.flush()
    except IntegrityError:  # this user's digest of the day exists: sent, or being sent by another run
        db.session.rollback()
        return None
    # Nothing about an area the user may no longer see (a membership taken away since): it waits.
    taken = db.session.execute(update(Notification).where(*_waiting(user.id), notification_clause(user))
                               .values(digest_id=digest.id).execution_options(synchronize_session=False))
    if not taken.rowcount:
        db.session.rollback()
        return None
    db.session.commit()
    return digest


def _release(digest: Digest) -> None:
    db.session.rollback()
    db.session.execute(update(Notification).where(Notification.digest_id == digest.id).values(digest_id=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(Digest).where(Digest.id == digest.id))
    db.session.commit()


def _mark_sent(digest: Digest) -> None:
    now = utcnow()
    db.session.execute(update(Notification).where(Notification.digest_id == digest.id).values(sent_at=now)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(Digest).where(Digest.id == digest.id).values(sent_at=now)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def digest_text(user: User, items: list[Notification], base: str, unsubscribe: str) -> str:
    """The plain-text body of a user's digest: every notification with its time and link, then the links
    to Min sida, the watches and unsubscribing."""
    names = users.display_names({n.actor for n in items if n.actor and not n.is_reminder})
    lines = [f"Hej {user.name}!", "", "Det här har hänt i kunskapsbanken för vårdsamverkan sedan förra brevet:"]
    for n in items:
        line = f"* {n.text}"
        if n.count > 1:
            line += f" ({n.count} ändringar)"
        if n.actor and not n.is_reminder:
            line += f", av {names[n.actor]}"
        lines += ["", line, f"  {format_datetime(n.created_at)}"]
        if n.link:
            lines.append(f"  {base + n.link}")
    lines += ["", "Alla dina aviseringar finns på Min sida:", base + urls.MY_PAGE_PATH, "",
              "Ändra vad du bevakar:", base + urls.WATCHES_PATH, "",
              "Du får det här brevet eftersom du bevakar sidor i kunskapsbanken, högst ett brev per dag.",
              "Vill du inte längre få e-post? Avsluta här (ingen inloggning behövs):", unsubscribe]
    return "\n".join(lines)


def compose(settings: mail.MailSettings, user: User, items: list[Notification]):
    """The digest e-mail for a user: every notification with its link, and the unsubscribe link."""
    base = settings.base_url
    unsubscribe = base + urls.unsubscribe_path(unsubscribe_token(user))
    count = len(items)
    subject = f"Kunskapsbanken: {count} {'ny avisering' if count == 1 else 'nya aviseringar'}"
    body = digest_text(user, items, base, unsubscribe)
    return mail.message(settings, to=user.email, to_name=user.name, subject=subject, body=body,
                        headers={"List-Unsubscribe": f"<{unsubscribe}>"})


def claimed(digest: Digest) -> list[Notification]:
    """The notifications a digest carries, oldest first."""
    return list(db.session.scalars(select(Notification).where(Notification.digest_id == digest.id)
                                   .order_by(Notification.created_at, Notification.id)))


def send_digests(day: date | None = None) -> DigestReport:
    """Mail today's digest to everyone with something waiting; stop at the first mail failure.

    Raises MailError when mail is configured but incomplete (sender or base URL missing).
    """
    settings = mail.settings_from(current_app.config)
    if settings is None:
        return DigestReport(configured=False)
    problem = settings.problem()
    if problem:
        raise mail.MailError(problem)
    day = day or swedish_today()
    report = DigestReport()
    with mail.Mailer(settings) as mailer:
        for user in recipients():
            digest = claim(user, day)
            if digest is None:
                report.skipped += 1
                continue
            try:
                mailer.send(compose(settings, user, claimed(digest)))
            except mail.MailError as exc:
                _release(digest)
                report.error = str(exc)
                break
            except Exception:
                _release(digest)
                raise
            _mark_sent(digest)
            report.sent += 1
    return report
