"""Watches, notifications and their e-mail digests.

A `Watch` says a user follows a page, a structure or a page type. `kb notify` turns change-log rows
into `Notification`s for the watchers (claiming each change with a `NotifiedChange` row, so two
runs never notify twice) and adds date reminders (unique per person, kind, subject and date).
A `Digest` is the one e-mail per user and day: inserting it claims the day, and the notifications
it carries point at it before the mail is sent.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.constants import WatchKind
from kb.extensions import db
from kb.models.base import utcnow
from kb.models.users import User


class Watch(db.Model):
    """A user follows a page, a structure (its pages, plans and activities) or every page of a type."""

    __tablename__ = "watch"
    __table_args__ = (UniqueConstraint("user_id", "kind", "target", name="uq_watch"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # A WatchKind value.
    kind: Mapped[str] = mapped_column(String(20))
    # The page id (as text) for page and structure watches; the PageType value for type watches.
    target: Mapped[str] = mapped_column(String(40), index=True)
    # Changes made before this time are not notified (a new watch does not replay the past).
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship()

    @property
    def watch_kind(self) -> WatchKind:
        """The kind as an enum."""
        return WatchKind(self.kind)

    @property
    def page_id(self) -> int | None:
        """The watched page's id (page and structure watches)."""
        return int(self.target) if self.kind != WatchKind.PAGE_TYPE.value and self.target.isdigit() else None

    def __repr__(self) -> str:
        return f"<Watch {self.user_id} {self.kind}:{self.target}>"


class Digest(db.Model):
    """One e-mail digest to one user on one (Swedish) day; the row is inserted before sending."""

    __tablename__ = "notification_digest"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_digest_user_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Set once the SMTP server accepted the mail.
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Notification(db.Model):
    """Something a user should know: a change to what they watch, or a reminder of a date."""

    __tablename__ = "notification"
    __table_args__ = (
        # Reminders carry a key (kind:entity:id:date); each is created once per user. NULL for changes.
        UniqueConstraint("user_id", "key", name="uq_notification_user_key"),
        Index("ix_notification_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # The subject: an Entity value and its id.
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    # The change operation (ChangeOp value) or the ReminderKind value.
    op: Mapped[str] = mapped_column(String(30))
    # The Swedish sentence shown and mailed ("Sidan ”SIP” har ändrats").
    text: Mapped[str] = mapped_column(String(600))
    # Path of the subject in kb ("/sida/sip"); mail prefixes BASE_URL.
    link: Mapped[str] = mapped_column(String(500), default="")
    actor: Mapped[str] = mapped_column(String(120), default="")
    # How many changes of the same kind this unread, unsent notification stands for.
    count: Mapped[int] = mapped_column(Integer, default=1)
    key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The newest change it reports (None for reminders).
    change_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Claimed by a digest before sending; sent_at once the mail went out.
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("notification_digest.id"), index=True,
                                                  nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    @property
    def is_reminder(self) -> bool:
        """Whether this is a date reminder (not a change)."""
        return self.key is not None

    def __repr__(self) -> str:
        return f"<Notification {self.user_id} {self.entity}:{self.entity_id} {self.op}>"


class NotifiedChange(db.Model):
    """A change-log row `kb notify` has turned into notifications; its primary key is the claim.

    The highest id is the notifier's cursor; ids a little below it are re-checked against these rows,
    because on PostgreSQL a change can become visible after a higher id did.
    """

    __tablename__ = "notified_change"

    change_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
