"""Recording changes for the search index and the audit trail, and committing them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from kb import index
from kb.constants import ChangeOp, Entity
from kb.extensions import db
from kb.models import Attachment, Change
from kb.models.changes import WINDOW
from kb.models.guard import PersonalDataError

# Built once: constructing the statement costs more than running it.
_LOG_STATE = (select(func.max(Change.id), func.count(Change.id), func.max(Change.created_at))
              .where(Change.id > select(func.coalesce(func.max(Change.id), 0)).scalar_subquery() - WINDOW))


def record(entity: Entity, entity_id: int, op: ChangeOp, actor: str = "") -> Change:
    """Add a change-log row to the current transaction (it commits with the change itself)."""
    change = Change(entity=entity.value, entity_id=entity_id, op=op.value, actor=actor or "")
    db.session.add(change)
    return change


def record_attachments_of(page_id: int, actor: str = "") -> int:
    """Queue a page's attachments for the search index (the page was saved, renamed, approved,
    deleted or restored: their hits show its title and follow it). Returns how many were queued."""
    ids = list(db.session.scalars(db.select(Attachment.id).where(Attachment.page_id == page_id)))
    for attachment_id in ids:
        record(Entity.ATTACHMENT, attachment_id, ChangeOp.UPSERT, actor)
    return len(ids)


def log_state(connection: Any = None) -> tuple[int, int, datetime | None]:
    """The newest change id, how many ids of the last WINDOW are visible, and the newest change time.

    One range query on the key, on `connection` if given (no app context needed), else the session.
    The count matters on PostgreSQL, where an id can become visible after higher ones (its
    transaction committed later): the highest id alone would not move.
    """
    top, count, when = (connection or db.session).execute(_LOG_STATE).one()
    return top or 0, count or 0, when


def commit() -> None:
    """Commit the session, then let the search index catch up (best effort, never raises)."""
    try:
        db.session.commit()
    except PersonalDataError:  # refused inside commit(), where the guard cannot roll back itself
        db.session.rollback()
        raise
    try:
        index.catch_up(current_app._get_current_object())
    except Exception:  # the change log keeps the change; a later catch-up applies it
        current_app.logger.exception("Search index catch-up failed; it will be retried")
