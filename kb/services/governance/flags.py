"""Readers' error reports on a page and their resolution."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kb.constants import AuditAction, ChangeOp, Entity
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import Flag, Page
from kb.models.base import utcnow
from kb.services import audit, changes
from kb.services.governance.approvers import approver_accounts, responsible
from kb.services.governance.common import FLAG_NOTE_MAX, RESOLUTION_MAX, clean_text


def flag_page(page: Page, *, actor: str, note: str, commit: bool = True) -> Flag:
    """Record a reader's report that the page is outdated or wrong; it stays open until resolved."""
    if page.deleted or not page.is_published:
        raise ValidationError({"note": "Sidan finns inte."})
    note = clean_text(note, "note", "Vad är fel", FLAG_NOTE_MAX, required=True)
    flag = Flag(page_id=page.id, note=note, created_by=actor, revision_number=page.published.number)
    db.session.add(flag)
    changes.record(Entity.PAGE, page.id, ChangeOp.FLAG, actor)
    audit.record(AuditAction.PAGE_FLAGGED, page.slug, note, actor=actor or None)
    if commit:
        changes.commit()
    return flag


def resolve_flag(flag: Flag, *, actor: str, comment: str, commit: bool = True) -> Flag:
    """Close a report with a comment saying what was done."""
    if flag.resolved:
        raise ValidationError({"comment": "Felrapporten är redan åtgärdad."})
    comment = clean_text(comment, "comment", "Vad gjordes", RESOLUTION_MAX, required=True)
    flag.resolved, flag.resolved_by, flag.resolved_at, flag.resolution = True, actor, utcnow(), comment
    changes.record(Entity.PAGE, flag.page_id, ChangeOp.FLAG_RESOLVED, actor)
    audit.record(AuditAction.FLAG_RESOLVED, flag.page.slug, f"rapport {flag.id}: {comment}",
                 actor=actor or None)
    if commit:
        changes.commit()
    return flag


def get_flag(flag_id: int) -> Flag | None:
    """One report by id."""
    return db.session.get(Flag, flag_id)


def flags_for(page: Page, *, open_only: bool = True) -> list[Flag]:
    """A page's reports (open ones only, by default), newest first."""
    query = select(Flag).where(Flag.page_id == page.id)
    if open_only:
        query = query.where(Flag.resolved.is_(False))
    return list(db.session.scalars(query.order_by(Flag.created_at.desc(), Flag.id.desc())))


def all_open_flags() -> list[Flag]:
    """Open reports on live pages, oldest first."""
    query = (select(Flag).join(Page, Page.id == Flag.page_id)
             .where(Flag.resolved.is_(False), Page.deleted.is_(False))
             .options(selectinload(Flag.page).selectinload(Page.published)).order_by(Flag.created_at, Flag.id))
    return list(db.session.scalars(query))


def open_flags(user) -> list[Flag]:
    """Open reports on pages `user` is responsible for (all of them for administrators), oldest first."""
    people = approver_accounts()
    return [f for f in all_open_flags() if responsible(user, f.page, people)]
