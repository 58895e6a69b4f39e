"""Accounts, login attempts (for brute-force protection) and the append-only audit log."""
from __future__ import annotations

from datetime import datetime

from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import Boolean, DateTime, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from kb.constants import AreaRole, Role
from kb.extensions import db
from kb.models.areas import AreaGrant, closed_area_ids
from kb.models.base import utcnow

_ROLES = "_kb_area_roles"


class User(UserMixin, db.Model):
    """A local account; the password is stored only as a scrypt hash."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.READER.value)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Changes on logout, "Logga ut överallt", a new password or role and disabling, so old sessions
    # end: a session cookie holds it (get_id) and kb.services.users.load refuses an old one.
    session_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Optional; where `kb notify` sends the daily digest of notifications ('' = no e-mail).
    email: Mapped[str] = mapped_column(String(254), default="")
    # Off after the user unsubscribes (the link in every digest) or chooses so under Min sida.
    email_notifications: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled accounts cannot log in or stay logged in
        return not self.disabled

    def get_id(self) -> str:
        """Session id: user id plus the token that changes when the account's sessions end."""
        return f"{self.id}:{self.session_token}"

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
            roles = {}
            for area_id, value in db.session.execute(
                    select(AreaGrant.area_id, AreaGrant.role).where(AreaGrant.user_id == self.id)):
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
