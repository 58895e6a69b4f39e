"""Reading: orientation pages marked as read, read confirmations of versions, and required reading."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db
from kb.models.base import utcnow


class ReadMark(db.Model):
    """A user marked a page as read."""

    __tablename__ = "read_mark"
    __table_args__ = (UniqueConstraint("user_id", "page_id", name="uq_read_mark"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ReadConfirmation(db.Model):
    """"Jag har läst och förstått": a user confirmed one version of a routine or orientation page."""

    __tablename__ = "read_confirmation"
    __table_args__ = (UniqueConstraint("user_id", "page_id", "revision_number", name="uq_read_confirmation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id"), index=True)
    # The page's published revision the user read (Revision.number).
    revision_number: Mapped[int] = mapped_column(Integer)
    confirmed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RequiredReading(db.Model):
    """A page everyone of an organisation, or every member of an area, must read and confirm.

    Exactly one of `organisation_key` and `area_id` is set."""

    __tablename__ = "required_reading"
    _kb_area_optional = True  # a row for an organisation has no area (kb.models.areas)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id"), index=True)
    organisation_key: Mapped[str] = mapped_column(String(80), default="", index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), nullable=True, index=True)
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
