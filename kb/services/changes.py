"""Recording changes for the search index and the audit trail, and committing them."""
from __future__ import annotations

from flask import current_app

from kb.constants import ChangeOp, Entity
from kb.extensions import db
from kb.models import Change


def record(entity: Entity, entity_id: int, op: ChangeOp, actor: str = "") -> Change:
    """Add a change-log row to the current transaction (it commits with the change itself)."""
    change = Change(entity=entity.value, entity_id=entity_id, op=op.value, actor=actor or "")
    db.session.add(change)
    return change


def commit() -> None:
    """Commit the session, then let the search index catch up (best effort, never raises)."""
    db.session.commit()
    from kb import index

    try:
        index.catch_up(current_app._get_current_object())
    except Exception:  # the change log keeps the change; a later catch-up applies it
        current_app.logger.exception("Search index catch-up failed; it will be retried")
