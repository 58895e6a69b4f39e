"""Accounts, login attempts (for brute-force protection) and the append-only audit log."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kb.constants import Role
from kb.extensions import db
from kb.models.base import utcnow


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
