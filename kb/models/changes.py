"""The change log: one row per change to searchable content, written in the same transaction.

The search index catches up from it (see kb.index); it is also the backbone of the audit log.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db
from kb.models.base import utcnow

# On PostgreSQL a change id can become visible after higher ids (its transaction committed later),
# so readers of the log (the search index's catch-up, the HTTP caches) do not trust the highest id
# alone: they re-check which ids of the last WINDOW are visible.
WINDOW = 200


class Change(db.Model):
    """A change to an entity; `id` is the sequence number the index applies in order."""

    __tablename__ = "change"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(20), index=True)
    entity_id: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
