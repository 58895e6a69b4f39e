"""The append-only audit log: who did what, when and from where."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from kb.constants import AuditAction
from kb.extensions import db
from kb.models import AuditEvent

# Who acts when a caller names nobody: the command line, unless the web layer said otherwise.
COMMAND_LINE = ("kommandorad", "lokal")
_ORIGIN = "kb.audit.origin"


def set_origin(actor: str, remote_addr: str) -> None:
    """Name who acts in the current database session and from where (the web layer calls this for each
    request); events recorded without an actor or address take these."""
    db.session.info[_ORIGIN] = (actor, remote_addr)


def clear_origin() -> None:
    """Forget the origin (at the end of a request): later events are the command line's again."""
    db.session.info.pop(_ORIGIN, None)


def record(action: AuditAction, target: str = "", detail: str = "", *, actor: str | None = None,
           remote_addr: str | None = None) -> AuditEvent:
    """Add an audit event to the current transaction (commits with the change it describes).

    `actor` and `remote_addr`: who and from where; left out, the session's origin (set_origin).
    """
    ctx_actor, ctx_addr = db.session.info.get(_ORIGIN, COMMAND_LINE)
    event = AuditEvent(action=action.value, target=target[:200], detail=detail[:2000],
                       actor=(actor if actor is not None else ctx_actor)[:80],
                       remote_addr=(remote_addr if remote_addr is not None else ctx_addr)[:64])
    db.session.add(event)
    return event


def events(*, action: str | None = None, actor: str | None = None, target: str | None = None,
           since: datetime | None = None, until: datetime | None = None, page: int = 1, per_page: int = 50):
    """Audit events, newest first, filtered, as a Flask-SQLAlchemy pagination."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if target:
        query = query.where(AuditEvent.target.contains(target))
    if since:
        query = query.where(AuditEvent.created_at >= since)
    if until:
        query = query.where(AuditEvent.created_at < until)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
