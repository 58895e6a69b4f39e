"""Accounts: creation, roles, disabling, password policy and login with brute-force protection."""
from __future__ import annotations

import re
import secrets
from datetime import timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

from flask import current_app
from sqlalchemy import Connection, bindparam, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from kb import pii
from kb.constants import AuditAction, AuthSource, Role
from kb.exceptions import ServiceError, ValidationError
from kb.extensions import db
from kb.models import (
    AreaGrant,
    LoginAttempt,
    Notification,
    PasswordReset,
    ReadConfirmation,
    ReadMark,
    User,
    Watch,
)
from kb.models.base import utcnow
from kb.services import audit, changes, organisations

PASSWORD_MIN = 12
LOCK_WINDOW = timedelta(minutes=15)
MAX_FAILS_PER_ACCOUNT = 5
MAX_FAILS_PER_ADDRESS = 20
USERNAME_RE = re.compile(r"^[a-z0-9åäö][a-z0-9åäö._-]{1,79}$")
# The same message for unknown user and wrong password, so nobody can probe for accounts.
BAD_LOGIN = "Fel användarnamn eller lösenord."
LOCKED = ("För många misslyckade inloggningar. Inloggningen är spärrad i 15 minuter. "
          "Försök igen senare eller kontakta en administratör.")
# KB_LOCAL_LOGIN=false: every refused local login gets this one message (unknown account, wrong
# password, an account that is no break-glass administrator), so it tells nobody which it was.
LOCAL_OFF = ("Inloggning med lokalt lösenord är avstängd. Logga in med organisationens konto. "
             "(Nödadministratörer: kontrollera användarnamn och lösenord.)")
# A fixed hash so that unknown users cost as much time as known ones.
_DUMMY_HASH = generate_password_hash("dummy-password-for-timing", method="scrypt")


class LoginRefused(ServiceError):
    """Login failed; the message is safe to show."""


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The list of common passwords that are refused."""
    text = (resources.files("kb") / "data" / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str = "") -> str | None:
    """Why a password is not acceptable (Swedish), or None."""
    if len(password) < PASSWORD_MIN:
        return f"Lösenordet måste vara minst {PASSWORD_MIN} tecken."
    if len(password) > 200:
        return "Lösenordet får vara högst 200 tecken."
    folded = password.casefold()
    if folded in common_passwords():
        return "Lösenordet är för vanligt och lätt att gissa. Välj ett annat, gärna en fras med flera ord."
    if len(set(folded)) < 4:
        return "Lösenordet har för få olika tecken."
    if username and username.casefold() in folded:
        return "Lösenordet får inte innehålla användarnamnet."
    return None


def generate_password(username: str = "") -> str:
    """A strong random password (demo accounts, temporary passwords) that meets the policy."""
    while True:
        password = secrets.token_urlsafe(15)
        if password_problem(password, username) is None:
            return password


def get(username: str) -> User | None:
    """A user by username (case-insensitive)."""
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))


# Names kb itself writes as the author of what it does (demo content, imports, anonymous visitors).
SYSTEM_ACTORS = {"demo": "Demoinnehållet", "import": "Import", "anonym": "Anonym besökare",
                 "kb": "Kunskapsbanken"}


def display_names(usernames) -> dict[str, str]:
    """The people's names for a set of usernames in one query ("Demofastställare"); kb's own actors by
    their Swedish names, and unknown names as they are."""
    wanted = {name for name in usernames if name}
    found = ({u.username: u.name for u in db.session.scalars(select(User).where(User.username.in_(wanted)))}
             if wanted else {})
    return {name: found.get(name) or SYSTEM_ACTORS.get(name, name) for name in wanted}


def _count_and_newest(model, *where) -> tuple:
    """Two correlated scalar subqueries: how many of the user's rows of `model`, and the newest id."""
    mine = (model.user_id == User.id, *where)
    return (select(func.count(model.id)).where(*mine).scalar_subquery(),
            select(func.coalesce(func.max(model.id), 0)).where(*mine).scalar_subquery())


# Built once (constructing a statement costs more than running it): the user behind a session, their
# roles in areas (one row per grant) and their viewer stamp, in one query per request.
_LOAD = (select(User, AreaGrant.area_id, AreaGrant.role,
                *_count_and_newest(Notification, Notification.read_at.is_(None)),
                *_count_and_newest(Notification), *_count_and_newest(Watch),
                *_count_and_newest(ReadConfirmation), *_count_and_newest(ReadMark))
         .outerjoin(AreaGrant, AreaGrant.user_id == User.id)
         .where(User.id == bindparam("user_id")))
_STAMP = "_kb_viewer_stamp"
# The same with the change log's state at the end: a signed-in request's whole state in one query.
_SESSION_STATE = _LOAD.add_columns(*changes.LOG_STATE_COLUMNS)


def load(session_id: str) -> User | None:
    """The user for a session id 'id:token', or None if the token no longer matches.

    One query: the user, their roles in areas, their viewer stamp (see `viewer_stamp`) and the change
    log's state, which the request then uses as its kb.services.changes.log_state()."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    rows = db.session.execute(_SESSION_STATE, {"user_id": int(user_id)}).all()
    if not rows:
        return None
    changes.note_log_state(tuple(rows[0][-3:]))
    user = rows[0][0]
    if user.disabled or not secrets.compare_digest(user.session_token, token):
        return None
    user.note_area_roles((row[1], row[2]) for row in rows if row[1] is not None)
    object.__setattr__(user, _STAMP, tuple(rows[0][3:-3]))
    return user


def session_state(connection: Connection, user_id: int | None) -> tuple[Any, ...]:
    """The change log's newest id and visible count (kb.services.changes.log_state), then everything
    `load` reads of the user (account row, roles in areas, viewer stamp) as plain values, in one query
    on `connection` (no app context): what a signed-in user's page view depends on (kb.pagecache keeps
    views under it). Without a user (or one that no longer exists) only the log's state."""
    rows = connection.execute(_SESSION_STATE, {"user_id": user_id}).all() if user_id is not None else []
    if not rows:
        top, count, _when = changes.log_state(connection)
        return top, count
    top, count = rows[0][-3:-1]
    return (top, count, *(tuple(row)[:-3] for row in rows))


def viewer_stamp(user: User) -> tuple[int, ...]:
    """What the pages show of the user's own rows, as counts and newest ids: unread and all
    notifications (the header), watches (the watch buttons), read confirmations and read marks (a
    routine's or orientation page's reading state). Any of those rows added, removed or read changes
    it, so it stands for them in a page's validator (kb.caching) without a query of its own: it is
    read with the user (`load`), and queried here only for a user loaded some other way."""
    stamp = user.__dict__.get(_STAMP)
    if stamp is None:
        row = db.session.execute(_LOAD, {"user_id": user.id}).first()
        stamp = tuple(row[3:]) if row is not None else ()
        object.__setattr__(user, _STAMP, stamp)
    return stamp


def forget_viewer_stamp(user: User) -> None:
    """Read the stamp again on next use (after the user's own notifications, watches or reading changed
    within this request)."""
    user.__dict__.pop(_STAMP, None)


def all_users() -> list[User]:
    """Every account by username."""
    return list(db.session.scalars(select(User).order_by(User.username)))


def create(username: str, password: str, role: Role, *, display_name: str = "", actor: str | None = None) -> User:
    """Create an account after checking the username and password policy."""
    name = username.strip().lower()
    errors: dict[str, str] = {}
    if not USERNAME_RE.match(name):
        errors["username"] = ("Användarnamnet ska vara 2–80 tecken: a–z, å, ä, ö, 0–9, punkt, bindestreck "
                              "eller understreck.")
    elif get(name) is not None:
        errors["username"] = f"Användarnamnet ”{name}” finns redan."
    problem = password_problem(password, name)
    if problem:
        errors["password"] = problem
    display_name = display_name.strip()[:120]
    pnr = pii.field_errors((("username", "Användarnamnet", name), ("display_name", "Namn som visas", display_name)))
    errors.update({k: v for k, v in pnr.items() if k not in errors})
    if errors:
        raise ValidationError(errors)
    user = User(username=name, display_name=display_name, role=role.value, hand_role=role.value,
                password_hash=generate_password_hash(password, method="scrypt"),
                session_token=new_session_token())
    db.session.add(user)
    audit.record(AuditAction.USER_CREATED, name, f"roll: {role.value}, källa: lokalt konto", actor=actor)
    db.session.commit()
    return user


def _require(username: str) -> User:
    user = get(username)
    if user is None:
        raise ValidationError({"username": f"Det finns ingen användare ”{username}”."})
    return user


def new_session_token() -> str:
    return secrets.token_hex(16)


def expire_sessions(user: User) -> None:
    """End every session of `user` at their next request (the caller audits and commits)."""
    _end_sessions(user)


def _end_sessions(user: User) -> None:
    # Every session cookie holds "id:token" (User.get_id) and `load` refuses a token that is no
    # longer the account's: a new token ends every session, however many copies of a cookie exist.
    # There is one token per account, so this ends the account's sessions on every device.
    user.session_token = new_session_token()


def end_sessions(user: User, *, everywhere: bool = False, actor: str | None = None) -> None:
    """Log `user` out of every session (a saved copy of this browser's cookie too), audited as a
    logout or, with `everywhere`, as "Logga ut överallt"."""
    _end_sessions(user)
    audit.record(AuditAction.SESSIONS_ENDED if everywhere else AuditAction.LOGOUT, user.username, actor=actor)
    db.session.commit()


def effective_role(hand_role: str, group_role: str) -> Role:
    """The role in effect: the higher of the role given by hand and the role from groups."""
    roles = [Role(hand_role or Role.READER.value)] + ([Role(group_role)] if group_role else [])
    return max(roles, key=lambda r: r.rank)


def apply_role(user: User, *, source: str, actor: str | None = None) -> bool:
    """Put the role in effect from `hand_role` and `group_role`; a change is audited with its
    source ("för hand", "grupp …") and ends the user's sessions (they sign in again with the new
    role). The caller commits. True if the role changed."""
    role = effective_role(user.hand_role, user.group_role)
    if user.role == role.value:
        return False
    audit.record(AuditAction.USER_ROLE, user.username, f"{user.role} → {role.value} (källa: {source})", actor=actor)
    user.role = role.value
    _end_sessions(user)
    return True


def set_role(username: str, role: Role, *, actor: str | None = None) -> User:
    """Give a user a role by hand; the role in effect is the higher of it and the one from their
    groups. A change ends their sessions, so they log in again with the new role."""
    user = _require(username)
    if user.hand_role != role.value:
        if user.role == effective_role(role.value, user.group_role).value:
            audit.record(AuditAction.USER_ROLE, user.username,
                         f"för hand: {user.hand_role} → {role.value} (i kraft: {user.role}, från grupp)",
                         actor=actor)
        user.hand_role = role.value
        apply_role(user, source="för hand", actor=actor)
        db.session.commit()
    return user


def set_disabled(username: str, disabled: bool, *, actor: str | None = None) -> User:
    """Disable (or enable) an account; disabling ends its sessions."""
    user = _require(username)
    if user.disabled != disabled:
        user.disabled = disabled
        _end_sessions(user)
        audit.record(AuditAction.USER_DISABLED if disabled else AuditAction.USER_ENABLED, user.username, actor=actor)
        db.session.commit()
    return user


def local_login_on() -> bool:
    """Whether local passwords work for everyone (KB_LOCAL_LOGIN), not only break-glass administrators."""
    return bool(current_app.config.get("LOCAL_LOGIN", True))


def is_break_glass(user: User) -> bool:
    """Whether the account is a break-glass administrator: marked, and an administrator still."""
    return user.break_glass and user.role == Role.ADMIN.value


def may_use_local_password(user: User) -> bool:
    """Whether this account may log in with a local password now: it has one, and local login is on or
    the account is a break-glass administrator."""
    return user.has_password and (local_login_on() or is_break_glass(user))


def set_break_glass(username: str, on: bool, *, actor: str | None = None) -> User:
    """Mark (or unmark) an administrator with a local password as a break-glass administrator, who may
    log in with it when KB_LOCAL_LOGIN=false."""
    user = _require(username)
    if on and user.role != Role.ADMIN.value:
        raise ValidationError({"break_glass": f"Bara administratörer kan vara nödadministratörer; "
                                              f"{user.username} har rollen {user.role}."})
    if on and not user.has_password:
        raise ValidationError({"break_glass": f"{user.username} har inget lokalt lösenord och kan inte vara "
                                              "nödadministratör."})
    if user.break_glass != on:
        user.break_glass = on
        audit.record(AuditAction.USER_BREAK_GLASS, user.username, "på" if on else "av", actor=actor)
        db.session.commit()
    return user


def replace_password(user: User, password: str, *, must_change: bool = False) -> None:
    """Store a new password (the caller has checked the policy): every session of the account ends and
    its outstanding reset links stop working. The caller audits and commits."""
    user.password_hash = generate_password_hash(password, method="scrypt")
    user.must_change_password = must_change
    _end_sessions(user)
    db.session.execute(update(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
                       .values(used_at=utcnow()).execution_options(synchronize_session=False))


def not_local(user: User) -> str | None:
    """Why kb sets no password for this account (Swedish: it signs in through the organisation), or None."""
    if user.source is AuthSource.LOCAL:
        return None
    return f"{user.username} loggar in med organisationens konto ({user.source.label}); lösenordet hanteras där."


def set_password(username: str, password: str, *, temporary: bool = False, actor: str | None = None) -> User:
    """Set a local account's password (policy applies); every session of the account ends. A
    `temporary` password must be replaced at the next login."""
    user = _require(username)
    problem = not_local(user) or password_problem(password, user.username)
    if problem:
        raise ValidationError({"password": problem})
    replace_password(user, password, must_change=temporary)
    audit.record(AuditAction.USER_PASSWORD, user.username, "tillfälligt lösenord" if temporary else "",
                 actor=actor)
    db.session.commit()
    return user


def _recent_failures(column, value: str, *, since_success: bool = False) -> int:
    """Failed logins for this account or address within the lock window (for an account: only those
    after its last successful login, so a person who mistyped a few times starts afresh)."""
    since = utcnow() - LOCK_WINDOW
    if since_success:
        last_success = db.session.scalar(select(func.max(LoginAttempt.created_at)).where(
            column == value, LoginAttempt.success.is_(True), LoginAttempt.created_at >= since))
        since = last_success or since
    return db.session.scalar(select(func.count(LoginAttempt.id)).where(
        column == value, LoginAttempt.success.is_(False), LoginAttempt.created_at >= since)) or 0


def is_locked(username: str, remote_addr: str) -> bool:
    """Whether recent failures lock this account or this address.

    A successful login clears the account's count (only the password's owner can produce one), but
    not the address's: otherwise someone with an account could keep guessing other accounts' passwords.
    """
    return (_recent_failures(LoginAttempt.username, username, since_success=True) >= MAX_FAILS_PER_ACCOUNT
            or _recent_failures(LoginAttempt.remote_addr, remote_addr) >= MAX_FAILS_PER_ADDRESS)


def record_failed_login(name: str, remote_addr: str, detail: str = "") -> bool:
    """Record a failed password check (a login, or a wrong current password on "Byt lösenord") for the
    account and address, and commit; True if it locks them now."""
    db.session.add(LoginAttempt(username=name, remote_addr=remote_addr, success=False))
    audit.record(AuditAction.LOGIN_FAILED, name, detail, actor=name, remote_addr=remote_addr)
    db.session.flush()
    locked_now = is_locked(name, remote_addr)
    if locked_now:
        audit.record(AuditAction.LOCKOUT, name, "spärrad efter för många försök", actor=name, remote_addr=remote_addr)
    db.session.commit()
    return locked_now


def authenticate(username: str, password: str, remote_addr: str) -> User:
    """Check a login; record the attempt; raise LoginRefused with a generic or lockout message."""
    name = (username or "").strip().lower()[:80]
    if is_locked(name, remote_addr):
        audit.record(AuditAction.LOCKOUT, name, "försök under spärr", actor=name, remote_addr=remote_addr)
        db.session.commit()
        raise LoginRefused(LOCKED)
    user = get(name) if name else None
    # An account without a local password ('') is checked against the dummy hash, for the time it costs.
    known = user is not None and user.has_password
    ok = check_password_hash(user.password_hash if known else _DUMMY_HASH, password or "") and known
    allowed = user is not None and may_use_local_password(user)
    if not (ok and allowed) or user.disabled:
        locked_now = record_failed_login(name, remote_addr, "" if allowed or not ok else "lokala lösenord avstängda")
        raise LoginRefused(LOCKED if locked_now else BAD_LOGIN if local_login_on() else LOCAL_OFF)
    db.session.add(LoginAttempt(username=name, remote_addr=remote_addr, success=True))
    user.last_login_at = utcnow()
    audit.record(AuditAction.LOGIN, name, "via lokalt lösenord", actor=name, remote_addr=remote_addr)
    db.session.commit()
    return user


EMAIL_MAX = 254
# Deliberately plain: one @, no spaces, a dot in the domain. The mail server has the last word.
EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]{2,}$")


def clean_email(value: str) -> str:
    """An e-mail address trimmed and with the domain in lower case ('' stays ''); ValidationError if bad."""
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) > EMAIL_MAX or not EMAIL_RE.match(text) or ".." in text:
        raise ValidationError({"email": "Ange en giltig e-postadress, t.ex. anna.svensson@lerum.se."})
    errors = pii.field_errors((("email", "E-postadress", text),))
    if errors:
        raise ValidationError(errors)
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def set_email(username: str, email: str, *, notifications: bool | None = None,
              actor: str | None = None) -> User:
    """Set (or clear, with '') a user's e-mail address and, optionally, whether digests are mailed."""
    user = _require(username)
    address = clean_email(email)
    choice_changed = notifications is not None and notifications != user.email_notifications
    changed = address != user.email or choice_changed
    if changed:
        user.email = address
        if notifications is not None:
            user.email_notifications = notifications
        audit.record(AuditAction.USER_EMAIL, user.username,
                     f"e-post {'på' if user.email_notifications else 'av'}", actor=actor)
        db.session.commit()
    return user


def set_organisation(user: User | str, value: str, *, actor: str | None = None, source: str = "för hand",
                     commit: bool = False) -> User:
    """Set the organisation a user works for, by key or name ("" clears it); ValidationError if unknown.

    From sign-in (`source` names the provider) an unknown organisation is ignored: the claim or
    attribute may name units kb does not list, and the administrator's choice stays."""
    user = _require(user) if isinstance(user, str) else user
    key = ""
    if (value or "").strip():
        keys, _unknown = organisations.resolve([value.strip()])
        if not keys:
            if source != "för hand":
                return user
            raise ValidationError({"organisation": f"Det finns ingen organisation ”{value.strip()}”."})
        key = keys[0]
    if key != user.organisation_key:
        audit.record(AuditAction.USER_ORGANISATION, user.username,
                     f"{user.organisation_key or 'ingen'} → {key or 'ingen'} (källa: {source})", actor=actor)
        user.organisation_key = key
        if commit:
            db.session.commit()
    return user


def stop_email(user: User) -> None:
    """Turn off e-mailed digests for a user (the unsubscribe link)."""
    if user.email_notifications:
        user.email_notifications = False
        audit.record(AuditAction.USER_EMAIL, user.username, "e-post av (avregistreringslänk)",
                     actor=user.username)
        db.session.commit()
