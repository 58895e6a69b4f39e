"""Recording changes for the search index and the audit trail, and committing them."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from kb import index
from kb.constants import ChangeOp, Entity
from kb.extensions import db
from kb.models import Attachment, Change
from kb.models.changes import WINDOW
from kb.models.guard import PersonalDataError

T = TypeVar("T")
_STATE = "kb_log_state"  # the session's memo of log_state()
MAX_UNCHANGED = 1024  # values per name kept by while_unchanged (page heads are ~100 bytes)

# Built once: constructing the statement costs more than running it.
_IN_WINDOW = Change.id > select(func.coalesce(func.max(Change.id), 0)).scalar_subquery() - WINDOW
_LOG_STATE = select(func.max(Change.id), func.count(Change.id), func.max(Change.created_at)).where(_IN_WINDOW)
# log_state as three scalar subqueries, for a statement that reads other things too (note_log_state).
LOG_STATE_COLUMNS = (
    select(func.coalesce(func.max(Change.id), 0)).scalar_subquery(),
    select(func.count(Change.id)).where(_IN_WINDOW).scalar_subquery(),
    select(func.max(Change.created_at)).where(_IN_WINDOW).scalar_subquery(),
)


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

    On the session it is read once per request (kb.caching forgets it when the request ends) and
    again after the session commits or rolls back.
    """
    if connection is None:
        info = db.session().info
        state = info.get(_STATE)
        if state is None:
            state = info[_STATE] = _read_state(db.session)
        return state
    return _read_state(connection)


def note_log_state(state: tuple[int, int, datetime | None]) -> None:
    """Take `state` (LOG_STATE_COLUMNS, read with something else) as the request's log_state()."""
    db.session().info.setdefault(_STATE, (state[0] or 0, state[1] or 0, state[2]))


def _read_state(on: Any) -> tuple[int, int, datetime | None]:
    top, count, when = on.execute(_LOG_STATE).one()
    return top or 0, count or 0, when


def forget_log_state(session: Session | None = None, *_args: Any) -> None:
    """Read the log's state again on next use (a request ended, the session committed or rolled back)."""
    (session or db.session()).info.pop(_STATE, None)


event.listen(Session, "after_commit", forget_log_state)
event.listen(Session, "after_soft_rollback", forget_log_state)


class _Unchanged:
    """Values kept per app and process while the change log stands still, at most MAX_UNCHANGED per name,
    least recently used out."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[str, OrderedDict[Hashable, tuple[tuple[int, int], Any]]] = {}

    def get(self, name: str, key: Hashable, state: tuple[int, int], compute: Callable[[], T]) -> T:
        with self.lock:
            kept = self.entries.setdefault(name, OrderedDict()).get(key)
        if kept is not None and kept[0] == state:
            return kept[1]
        value = compute()
        with self.lock:
            entries = self.entries[name]
            entries[key] = (state, value)
            entries.move_to_end(key)
            while len(entries) > MAX_UNCHANGED:
                entries.popitem(last=False)
        return value


def while_unchanged(name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`'s value for `key`, computed once per state of the change log in this process and app.

    For facts that only a write recording a `Change` can alter (a page's head, the members-only areas),
    read on every request: the change log's state (one query, once per request) replaces them. Only
    for reading requests: a writer's own uncommitted changes are not in the log's state yet.
    """
    app = current_app._get_current_object()
    store = app.extensions.get("kb_unchanged")
    if store is None:
        store = app.extensions.setdefault("kb_unchanged", _Unchanged())
    return store.get(name, key, log_state()[:2], compute)


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
