"""External links in page text and what the last check found (`kb links check`)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db
from kb.models.base import utcnow


class LinkCheck(db.Model):
    """One external address some live page links to, with the result of its latest check."""

    __tablename__ = "link_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    # The pages whose published text links here, as of the latest check.
    page_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    broken: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # The HTTP status of the final answer (None: no answer, see `error`).
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str] = mapped_column(String(300), default="")
    # When the link was first found broken in the current run of failures (None while it works).
    broken_since: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    checked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
