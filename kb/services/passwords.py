"""Passwords their owners choose: "Byt lösenord" on Min sida, the new password a temporary one demands,
and "Glömt lösenordet?" links by e-mail.

Storing a password, the policy and ending sessions live in kb.services.users; this module adds how a
person proves the right to choose one: the current password, the temporary one they just typed, or a
link. A link is single-use and short-lived (RESET_LINK_MINUTES); only the SHA-256 of its token is kept,
so a copy of the database opens no account. Requests are limited per address and per account
(RESET_LIMIT_PER_HOUR), and the answer never tells whether an account exists: a request for an
unknown account is recorded too (user_id None), so it counts against the address like any other.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from werkzeug.security import check_password_hash

from kb import urls
from kb.constants import AuditAction, AuthSource
from kb.exceptions import ServiceError, ValidationError
from kb.extensions import db
from kb.models import PasswordReset, User
from kb.models.base import utcnow
from kb.services import audit, mail, users

WRONG_CURRENT = "Det nuvarande lösenordet stämmer inte."
NO_LOCAL = "Ditt konto har inget lokalt lösenord: lösenordet hanteras av din organisation."
LOCAL_OFF = "Inloggning med lokalt lösenord är avstängd för ditt konto. Logga in med organisationens konto."
LINK_INVALID = ("Länken fungerar inte längre: den har redan använts, har gått ut eller är felaktig. "
                "Be om en ny länk.")
# Requests are kept a day for the hourly limits, then removed (the audit log keeps what was sent).
KEEP_REQUESTS = timedelta(days=1)


class ResetLinkInvalid(ServiceError):
    """A "Glömt lösenordet?" link that is unknown, used or expired; the message is safe to show."""


def _check_new(user: User, password: str, same: str | None) -> None:
    """The policy, and (with a `same` message) a new password that differs from the one it replaces."""
    problem = users.password_problem(password, user.username)
    if problem:
        raise ValidationError({"password": problem})
    if same and user.has_password and check_password_hash(user.password_hash, password):
        raise ValidationError({"password": same})


def may_change(user: User) -> str | None:
    """Why `user` cannot choose a local password here (Swedish), or None if they can."""
    if not user.has_password or user.source is not AuthSource.LOCAL:
        return NO_LOCAL
    if not users.may_use_local_password(user):
        return LOCAL_OFF
    return None


def change(user: User, current: str, new: str, remote_addr: str) -> None:
    """"Byt lösenord": the current password, then a new one (policy applies). Every other session of the
    account ends (the caller logs this browser in again). A wrong current password counts as a failed
    login, so a borrowed session cannot guess it."""
    refused = may_change(user)
    if refused:
        raise ValidationError({"current_password": refused})
    if users.is_locked(user.username, remote_addr):
        raise ValidationError({"current_password": users.LOCKED})
    if not check_password_hash(user.password_hash, current or ""):
        locked = users.record_failed_login(user.username, remote_addr, "fel nuvarande lösenord vid lösenordsbyte")
        raise ValidationError({"current_password": users.LOCKED if locked else WRONG_CURRENT})
    _check_new(user, new, "Det nya lösenordet måste vara ett annat än det nuvarande.")
    users.replace_password(user, new)
    audit.record(AuditAction.USER_PASSWORD, user.username, "bytt av användaren", actor=user.username)
    db.session.commit()


def replace_temporary(user: User, new: str) -> None:
    """After a temporary password: the user's own new one (policy applies, and it must differ from the
    temporary one). Other sessions end (the caller logs this browser in again)."""
    if not user.must_change_password:
        raise ValidationError({"password": "Du har inget tillfälligt lösenord att byta."})
    _check_new(user, new, "Det nya lösenordet måste vara ett annat än det tillfälliga.")
    users.replace_password(user, new)
    audit.record(AuditAction.USER_PASSWORD, user.username, "valt efter tillfälligt lösenord", actor=user.username)
    db.session.commit()


def set_temporary(username: str, password: str = "", *, actor: str | None = None) -> str:
    """An administrator's temporary password for a local account (a generated one if `password` is
    empty): the user's sessions end and they must choose a new password at the next login. Returns the
    temporary password (to show once)."""
    user = users.get(username)
    temporary = password or users.generate_password(user.username if user else username)
    users.set_password(username, temporary, temporary=True, actor=actor)
    return temporary


# "Glömt lösenordet?"

def reset_settings() -> mail.MailSettings | None:
    """The mail settings when links can be mailed (SMTP server, sender and KB_BASE_URL set), else None."""
    settings = mail.settings_from(current_app.config)
    return settings if settings is not None and settings.problem() is None else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _recent(where) -> int:
    since = utcnow() - timedelta(hours=1)
    return db.session.scalar(select(func.count(PasswordReset.id)).where(where, PasswordReset.created_at >= since)) or 0


def _accounts_for(wanted: str) -> list[User]:
    """The accounts a "Glömt lösenordet?" request names (by username, else by e-mail address) that may
    get a link: active, local, with a password and an address, allowed to use a local password now."""
    folded = wanted.casefold()
    found = list(db.session.scalars(select(User).where(
        or_(User.username == folded, func.lower(User.email) == folded)).order_by(User.id)))
    by_name = [u for u in found if u.username == folded]
    return [u for u in by_name or found
            if not u.disabled and u.email and u.source is AuthSource.LOCAL and users.may_use_local_password(u)]


def _dead_request(wanted: str, remote_addr: str) -> PasswordReset:
    """A request that gets no link (unknown account, over an account's limit): counted, never usable."""
    now = utcnow()
    return PasswordReset(user_id=None, token_hash=_digest(secrets.token_urlsafe(32)), requested_for=wanted,
                         remote_addr=remote_addr, created_at=now, expires_at=now, used_at=now)


def _message(settings: mail.MailSettings, user: User, token: str, minutes: int):
    link = settings.base_url + urls.password_reset_path(token)
    body = "\n".join([
        f"Hej {user.name}!", "",
        f"Någon, förhoppningsvis du, har bett om en länk för att välja ett nytt lösenord till kontot "
        f"{user.username} i kunskapsbanken för vårdsamverkan.", "",
        f"Öppna länken inom {minutes} minuter och välj ett nytt lösenord. Länken fungerar en gång:", link, "",
        "Bad du inte om en länk kan du bortse från det här brevet: lösenordet är oförändrat.",
    ])
    return mail.message(settings, to=user.email, to_name=user.name,
                        subject="Välj ett nytt lösenord i kunskapsbanken", body=body + "\n")


def request_reset(identifier: str, remote_addr: str) -> int:
    """"Glömt lösenordet?" for a username or e-mail address: mail each matching account a link to choose
    a new password, within the hourly limits. Returns the number of links mailed, which the caller must
    never show (the answer is the same whether or not an account exists)."""
    settings = reset_settings()
    wanted = (identifier or "").strip()[:254]
    if settings is None or not wanted:
        return 0
    limit = int(current_app.config.get("RESET_LIMIT_PER_HOUR") or 5)
    minutes = int(current_app.config.get("RESET_LINK_MINUTES") or 30)
    db.session.execute(delete(PasswordReset).where(PasswordReset.created_at < utcnow() - KEEP_REQUESTS))
    if _recent(PasswordReset.remote_addr == remote_addr) >= limit:
        db.session.commit()
        return 0
    links: list[tuple[PasswordReset, User, str]] = []
    for user in _accounts_for(wanted):
        if _recent(PasswordReset.user_id == user.id) >= limit:
            continue
        token, now = secrets.token_urlsafe(32), utcnow()
        row = PasswordReset(user_id=user.id, token_hash=_digest(token), requested_for=wanted, remote_addr=remote_addr,
                            created_at=now, expires_at=now + timedelta(minutes=minutes))
        db.session.add(row)
        links.append((row, user, token))
    if not links:
        db.session.add(_dead_request(wanted, remote_addr))
    db.session.commit()
    sent = 0
    with mail.Mailer(settings) as mailer:
        for row, user, token in links:
            try:
                mailer.send(_message(settings, user, token, minutes))
            except mail.MailError as exc:
                row.used_at = utcnow()  # a link nobody received opens nothing
                current_app.logger.warning("Länk för nytt lösenord till %s skickades inte: %s", user.username, exc)
            else:
                audit.record(AuditAction.PASSWORD_RESET_SENT, user.username, f"till {user.email}",
                             remote_addr=remote_addr)
                sent += 1
            db.session.commit()
    return sent


def user_for_link(token: str) -> User | None:
    """The account a link lets choose a new password, or None (unknown, used, expired, or the account
    can no longer use a local password)."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _digest(token)))
    if row is None or row.user_id is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    user = db.session.get(User, row.user_id)
    if user is None or user.disabled or may_change(user) is not None:
        return None
    return user


def reset(token: str, new: str, remote_addr: str = "") -> User:
    """Choose a new password with a link (policy applies). The link is used up, the account's other
    links stop working, its sessions end and a temporary password no longer needs replacing."""
    user = user_for_link(token)
    if user is None:
        raise ResetLinkInvalid(LINK_INVALID)
    _check_new(user, new, None)
    # Use the link up first, atomically: of two requests with the same link only one gets past this.
    used = db.session.execute(update(PasswordReset).where(PasswordReset.token_hash == _digest(token),
                                                          PasswordReset.used_at.is_(None))
                              .values(used_at=utcnow()).execution_options(synchronize_session=False))
    if used.rowcount != 1:
        db.session.rollback()
        raise ResetLinkInvalid(LINK_INVALID)
    users.replace_password(user, new)
    audit.record(AuditAction.PASSWORD_RESET, user.username, "med länk från e-post", actor=user.username,
                 remote_addr=remote_addr or None)
    db.session.commit()
    return user
