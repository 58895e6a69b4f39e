"""Signing in through the organisation: an identity that an OpenID Connect provider or an LDAP directory
vouched for becomes a kb account (made on first sign-in), its name and e-mail follow the provider,
and its roles follow its groups (kb.services.groups). Every sign-in, refusal, account creation and role
change is audited with its source.

The password form dispatches here too (`password_login`): a local account with a password is checked
locally (kb.services.users), anyone else against LDAP when it is configured.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

from flask import current_app
from sqlalchemy import select

from kb import config as kbconfig
from kb import pii
from kb.constants import AuditAction, AuthSource, Role
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import LoginAttempt, User
from kb.models.base import utcnow
from kb.services import audit, groups, ldap_login, users
from kb.services.identity import Identity, provider_label
from kb.services.users import LoginRefused

DISABLED = "Ditt konto i kunskapsbanken är inaktiverat. Kontakta en administratör."


_NOT_USERNAME = re.compile(r"[^a-z0-9åäö._-]+")


def stable_id(value: str) -> str:
    """The provider's id for the person as kb keeps it: as it is, or, if it holds a personnummer (some
    SITHS-based providers use one as the subject), as its SHA-256, which is just as stable."""
    if pii.find_personal_numbers(value):
        return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()
    return value[:500]


def username_for(hint: str) -> str:
    """A free username made from the provider's name for the person (e-mail's local part, login name);
    never from a personnummer."""
    if pii.find_personal_numbers(hint or ""):
        hint = ""
    text = unicodedata.normalize("NFC", (hint or "").strip().lower()).split("@")[0]
    base = _NOT_USERNAME.sub(".", text).strip("._-")[:70] or "anvandare"
    if len(base) < 2:
        base = f"{base}.konto"
    if not users.USERNAME_RE.match(base):
        base = "anvandare"
    candidate, n = base, 1
    while users.get(candidate) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _clean_name(name: str) -> str:
    text = " ".join((name or "").split())[:120]
    return "" if pii.find_personal_numbers(text) else text


def _clean_email(email: str) -> str:
    try:
        return users.clean_email(email)
    except ValidationError:
        return ""


def find(identity: Identity) -> User | None:
    """The account this identity signed in as before, if any."""
    return db.session.scalar(select(User).where(User.auth_source == identity.source.value,
                                                User.external_id == stable_id(identity.external_id)))


def record_failure(identity_name: str, reason: str, *, source: AuthSource, remote_addr: str) -> None:
    """Audit a refused or failed sign-in through the organisation, with the reason."""
    db.session.rollback()
    name = identity_name[:80]
    db.session.add(LoginAttempt(username=name, remote_addr=remote_addr, success=False))
    audit.record(AuditAction.LOGIN_FAILED, name, f"{source.label}: {reason}"[:2000], actor=name,
                 remote_addr=remote_addr)
    db.session.commit()


def refuse(identity_name: str, reason: str, message: str, *, source: AuthSource, remote_addr: str) -> LoginRefused:
    """Audit a refused sign-in and return the error to raise (its message is safe to show)."""
    record_failure(identity_name, reason, source=source, remote_addr=remote_addr)
    return LoginRefused(message)


def sign_in(identity: Identity, remote_addr: str) -> User:
    """The account for a verified identity, made on first sign-in, with name, e-mail and roles updated
    from the provider; LoginRefused (audited) for a disabled account or, with KB_REQUIRE_GROUP, a
    person in no mapped group."""
    if not identity.external_id:
        raise refuse(identity.username_hint, "inget id från leverantören", "Inloggningen gav inget användar-id.",
                     source=identity.source, remote_addr=remote_addr)
    found = groups.matching(identity.groups)
    user = find(identity)
    label = provider_label(identity)
    if groups.require_group() and not found:
        if user is not None:
            groups.apply(user, identity.groups)
            users.expire_sessions(user)
            db.session.commit()
        raise refuse(user.username if user else identity.username_hint, "ingen grupp som ger en roll",
                     groups.NO_GROUP, source=identity.source, remote_addr=remote_addr)
    if user is not None and user.disabled:
        raise refuse(user.username, "kontot är inaktiverat", DISABLED, source=identity.source,
                     remote_addr=remote_addr)
    name, email = _clean_name(identity.name), _clean_email(identity.email)
    if user is None:
        user = User(username=username_for(identity.username_hint or identity.email or identity.name or ""),
                    display_name=name, email=email, password_hash="", role=Role.READER.value,
                    hand_role=Role.READER.value, group_role="", auth_source=identity.source.value,
                    external_id=stable_id(identity.external_id), session_token=users.new_session_token())
        db.session.add(user)
        db.session.flush()
        audit.record(AuditAction.USER_CREATED, user.username, f"källa: {label}, vid första inloggningen",
                     actor=user.username, remote_addr=remote_addr)
    else:
        if name and user.display_name != name:
            user.display_name = name
        if email and user.email != email:
            user.email = email
    if identity.organisation:
        users.set_organisation(user, identity.organisation, actor=user.username, source=label)
    groups.apply(user, identity.groups, actor=user.username)
    user.last_login_at = utcnow()
    db.session.add(LoginAttempt(username=user.username, remote_addr=remote_addr, success=True))
    audit.record(AuditAction.LOGIN, user.username, f"via {label}", actor=user.username, remote_addr=remote_addr)
    db.session.commit()
    return user


def ldap_enabled() -> bool:
    """Whether the password form also checks an LDAP directory (KB_LDAP_URL)."""
    return bool(current_app.config.get("LDAP_URL"))


def oidc_enabled() -> bool:
    """Whether "Logga in med …" is offered (KB_OIDC_ISSUER and a client id)."""
    return kbconfig.oidc_configured(current_app.config)


def password_login(username: str, password: str, remote_addr: str) -> User:
    """The password form: a local account with a password is checked locally (where local passwords
    are allowed for it), everyone else against the LDAP directory when one is configured."""
    name = (username or "").strip().lower()[:80]
    local = users.get(name) if name else None
    use_local = local is not None and (users.may_use_local_password(local) or (local.has_password
                                                                               and not ldap_enabled()))
    if use_local or not ldap_enabled():
        return users.authenticate(username, password, remote_addr)
    if users.is_locked(name, remote_addr):
        audit.record(AuditAction.LOCKOUT, name, "försök under spärr (LDAP)", actor=name, remote_addr=remote_addr)
        db.session.commit()
        raise LoginRefused(users.LOCKED)
    try:
        identity = ldap_login.authenticate(username, password, current_app.config)
    except ldap_login.BadCredentials:
        db.session.add(LoginAttempt(username=name, remote_addr=remote_addr, success=False))
        audit.record(AuditAction.LOGIN_FAILED, name, "LDAP: fel användarnamn eller lösenord", actor=name,
                     remote_addr=remote_addr)
        db.session.flush()
        locked = users.is_locked(name, remote_addr)
        db.session.commit()
        raise LoginRefused(users.LOCKED if locked else users.BAD_LOGIN) from None
    except ldap_login.DirectoryUnavailable as exc:
        audit.record(AuditAction.LOGIN_FAILED, name, f"LDAP: {exc.detail}", actor=name, remote_addr=remote_addr)
        db.session.commit()
        raise LoginRefused(str(exc)) from None
    return sign_in(identity, remote_addr)
