"""Read marks: which orientation pages a user has marked as read."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, UniqueConstraint
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
