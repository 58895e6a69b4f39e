"""Accounts, the groups that give roles, login attempts (for brute-force protection), password-reset
links and the append-only audit log."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from kb.constants import AreaRole, AuthSource, Role
from kb.extensions import db
from kb.models.areas import AreaGrant, closed_area_ids
from kb.models.base import utcnow

_ROLES = "_kb_area_roles"


class User(UserMixin, db.Model):
    """An account: local (a password stored only as a scrypt hash) or signed in through the
    organisation (OpenID Connect or LDAP, keyed by the provider's stable identifier)."""

    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("auth_source", "external_id", name="uq_user_external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    # '' for an account without a local password (signed in through the organisation).
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    # The role in effect: the higher of the role given by hand and the role from the user's groups.
    role: Mapped[str] = mapped_column(String(20), default=Role.READER.value)
    hand_role: Mapped[str] = mapped_column(String(20), default=Role.READER.value)
    # The site role the user's groups gave at their last sign-in ('' = none).
    group_role: Mapped[str] = mapped_column(String(20), default="")
    # local, oidc or ldap (AuthSource), and the provider's stable id: OIDC "issuer subject", LDAP the
    # entry's UUID (or DN). Never the e-mail address: that can change and be reused.
    auth_source: Mapped[str] = mapped_column(String(20), default=AuthSource.LOCAL.value)
    external_id: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # The groups the provider named at the last sign-in (a JSON list), so a changed mapping can be
    # applied at once (kb.services.groups).
    groups_json: Mapped[str] = mapped_column(Text, default="[]")
    # May use a local password when KB_LOCAL_LOGIN=false (an administrator's way in when the
    # organisation's sign-in is down).
    break_glass: Mapped[bool] = mapped_column(Boolean, default=False)
    # A temporary password set by an administrator: the user must choose a new one at once.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Changes on logout, "Logga ut överallt", a new password or role and disabling, so old sessions
    # end: a session cookie holds it (get_id) and kb.services.users.load refuses an old one.
    session_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Optional; where `kb notify` sends the daily digest of notifications ('' = no e-mail).
    email: Mapped[str] = mapped_column(String(254), default="")
    # The organisation the person works for (Organisation.key, "" unknown): set by an administrator or
    # from the identity provider at sign-in; decides which required reading is theirs.
    organisation_key: Mapped[str] = mapped_column(String(80), default="", index=True)
    # Off after the user unsubscribes (the link in every digest) or chooses so under Min sida.
    email_notifications: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled accounts cannot log in or stay logged in
        return not self.disabled

    def get_id(self) -> str:
        """Session id: user id plus the token that changes when the account's sessions end."""
        return f"{self.id}:{self.session_token}"

    @property
    def source(self) -> AuthSource:
        """Where the account signs in."""
        return AuthSource(self.auth_source)

    @property
    def has_password(self) -> bool:
        """Whether the account has a local password."""
        return bool(self.password_hash)

    @property
    def name(self) -> str:
        """What to show for this user."""
        return self.display_name or self.username

    @property
    def area_roles(self) -> dict[int, AreaRole]:
        """The user's role in each area they hold one in (area id → the highest role), read once
        per user object, so checking a list of pages costs no query per page."""
        roles = self.__dict__.get(_ROLES)
        if roles is None:
            roles = self.note_area_roles(db.session.execute(
                select(AreaGrant.area_id, AreaGrant.role).where(AreaGrant.user_id == self.id)))
        return roles

    def note_area_roles(self, grants: Iterable[tuple[int, str]]) -> dict[int, AreaRole]:
        """Keep the user's roles from (area id, role value) pairs read with the user (no query on use)."""
        roles: dict[int, AreaRole] = {}
        for area_id, value in grants:
            role = AreaRole(value)
            if area_id not in roles or (role.rank, role is AreaRole.AREA_ADMIN) > (
                    roles[area_id].rank, roles[area_id] is AreaRole.AREA_ADMIN):
                roles[area_id] = role
        object.__setattr__(self, _ROLES, roles)
        return roles

    @property
    def hidden_area_ids(self) -> frozenset[int]:
        """Members-only areas this user is no member of (administrators see every area)."""
        if self.role == Role.ADMIN.value and not self.disabled:
            return frozenset()
        return closed_area_ids() - self.area_roles.keys()

    def forget_area_roles(self) -> None:
        """Read the roles again on next use (after a grant or revoke)."""
        self.__dict__.pop(_ROLES, None)


class AnonymousUser(AnonymousUserMixin):
    """A visitor who is not logged in: sees no members-only area."""

    username = ""
    role = Role.READER.value
    disabled = False
    area_roles: dict[int, AreaRole] = {}  # noqa: RUF012 - read-only

    @property
    def hidden_area_ids(self) -> frozenset[int]:
        """Every members-only area."""
        return closed_area_ids()


class LoginAttempt(db.Model):
    """One login attempt, kept to count recent failures per account and per address."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    success: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class GroupRole(db.Model):
    """A role that members of a group at the identity provider get: a site role (no area) or a role in
    one area. `group_key` is the group's name folded to lower case: AD and LDAP compare DNs that way."""

    __tablename__ = "group_role"
    __table_args__ = (UniqueConstraint("group_key", "area_id", name="uq_group_role"),)
    _kb_area_optional = True  # no area means a site role, not the own area (kb.models.areas)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_name: Mapped[str] = mapped_column(String(500))
    group_key: Mapped[str] = mapped_column(String(500), index=True)
    role: Mapped[str] = mapped_column(String(30))
    # None: a site role (kb.constants.Role); else a role in this area (AreaRole).
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80), default="")


class PasswordReset(db.Model):
    """A single-use link to choose a new password ("Glömt lösenordet?"); only the token's hash is kept."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Who asked, from where: the rate limit counts requests per address and per account.
    requested_for: Mapped[str] = mapped_column(String(254), default="", index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AuditEvent(db.Model):
    """An append-only record of who did what, when and from where."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80), default="", index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
