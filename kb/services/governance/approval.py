"""Approving a draft, sending it back, withdrawing a returned draft, and the drafts waiting."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from kb.constants import AuditAction, ChangeOp, Entity, RevisionState
from kb.exceptions import ConflictError, ValidationError
from kb.extensions import db
from kb.models import Page, Revision
from kb.models.base import utcnow
from kb.permissions import sees_unpublished
from kb.services import attachments, audit, changes, pages
from kb.services.governance.approvers import (
    approver_accounts,
    can_approve,
    can_approve_as,
    pending_authors,
    waiting_revisions,
)
from kb.services.governance.common import APPROVAL_COMMENT_MAX, RETURN_REASON_MAX, clean_text


def _pending_or_fail(page: Page, revision: int | None) -> Revision:
    if page.deleted:
        raise ValidationError({"page": "Sidan är borttagen."})
    draft = pages.pending_draft(page)
    if draft is None:
        raise ValidationError({"page": "Det finns inget utkast som väntar på fastställelse."})
    if revision is not None and revision != draft.number:
        raise ConflictError(revision, draft.number)
    return draft


def approve(page: Page, *, actor: str, comment: str, revision: int | None = None,
            at: datetime | None = None, commit: bool = True) -> Revision:
    """Approve the page's draft: it becomes what readers see; the comment joins its change summary.

    `revision`: the draft number the approver looked at (ConflictError if a newer draft came since).
    """
    draft = _pending_or_fail(page, revision)
    # A routine approved for the first time has no earlier version to compare with.
    comment = clean_text(comment, "comment", "Förändringar sedan föregående version", APPROVAL_COMMENT_MAX,
                    required=page.is_published)
    if not can_approve_as(actor, page):
        raise ValidationError({"page": "Du får inte fastställa den här ändringen: ingen fastställer sin egen "
                                       "ändring, och en rutin fastställs av sin namngivna fastställare."})
    first = not page.is_published
    draft.state, draft.approved_by = RevisionState.APPROVED.value, actor
    draft.approved_at, draft.approval_comment = at or utcnow(), comment
    pages.apply_pending_slug(page, draft)  # a new address takes effect with the approved text
    pages.publish(page, draft)
    if first:
        pages.refresh_linkers({page.slug}, skip={page.slug})  # links to it were rendered as missing
    attachments.publish_pending(page, actor)
    changes.record(Entity.PAGE, page.id, ChangeOp.APPROVE, actor)
    changes.record_attachments_of(page.id, actor)
    audit.record(AuditAction.PAGE_APPROVED, page.slug, f"version {draft.number}: {comment}",
                 actor=actor or None)
    if commit:
        changes.commit()
    return draft


def send_back(page: Page, *, actor: str, reason: str, revision: int | None = None,
              commit: bool = True) -> Revision:
    """Send the page's draft back to the editors with a reason; readers keep the approved version."""
    draft = _pending_or_fail(page, revision)
    reason = clean_text(reason, "reason", "Anledning", RETURN_REASON_MAX, required=True)
    draft.state, draft.returned_by = RevisionState.RETURNED.value, actor
    draft.returned_at, draft.return_reason = utcnow(), reason
    attachments.discard_pending(page, actor)  # readers keep the approved files; the draft's go
    changes.record(Entity.PAGE, page.id, ChangeOp.RETURN, actor)
    audit.record(AuditAction.PAGE_RETURNED, page.slug, f"version {draft.number}: {reason}",
                 actor=actor or None)
    if commit:
        changes.commit()
    return draft


def returned_drafts(user=None, *, areas_of=None) -> list[tuple[Page, Revision]]:
    """Live pages whose newest revision is a draft sent back, with it, newest first: every one, or
    (with `user`) those the user wrote part of; with `areas_of` (a user), only in the areas where
    that user sees drafts. They stay until an editor saves or withdraws the draft."""
    newest = and_(Revision.page_id == Page.id, Revision.number == Page.revision_number)
    query = (select(Page, Revision).join(Revision, newest)
             .where(Page.deleted.is_(False), Revision.state == RevisionState.RETURNED.value)
             .options(selectinload(Page.published)).order_by(Revision.returned_at.desc(), Page.title))
    rows = [(page, draft) for page, draft in db.session.execute(query)]
    if areas_of is not None:
        rows = [(page, draft) for page, draft in rows if sees_unpublished(areas_of, page.area_id)]
    if user is None:
        return rows
    name = user.username.lower()
    waiting = waiting_revisions([page.id for page, _ in rows])
    return [(page, draft) for page, draft in rows if name in pending_authors(page, waiting)]


def withdraw(page: Page, *, actor: str, commit: bool = True) -> Revision:
    """Withdraw a draft that was sent back: the page returns to its approved version (a new revision
    repeating it), so the draft leaves the lists and the next edit starts from what readers see."""
    current = page.current
    if page.deleted or current is None or current.state != RevisionState.RETURNED.value:
        raise ValidationError({"page": "Det finns inget tillbakaskickat utkast att dra tillbaka."})
    if not page.is_published:
        raise ValidationError({"page": "Rutinen har aldrig fastställts, så det finns ingen version att gå "
                                       "tillbaka till. Ta bort sidan om den inte ska finnas."})
    rev = pages.withdraw_draft(page, author=actor)
    if commit:
        changes.commit()
    return rev


def drafts_awaiting(user) -> list[Page]:
    """Live pages with a draft waiting for approval that `user` may approve, oldest draft first."""
    people = approver_accounts()
    drafts = pages_with_drafts()
    waiting = waiting_revisions([page.id for page, _ in drafts])
    return [page for page, _draft in drafts if can_approve(user, page, people, waiting)]


def pages_with_drafts() -> list[tuple[Page, Revision]]:
    """Live pages whose newest revision is a draft, with that draft, oldest draft first."""
    newest = and_(Revision.page_id == Page.id, Revision.number == Page.revision_number)
    query = (select(Page, Revision).join(Revision, newest)
             .where(Page.deleted.is_(False), Revision.state == RevisionState.DRAFT.value)
             .options(selectinload(Page.published)).order_by(Revision.created_at, Page.title))
    return [(page, draft) for page, draft in db.session.execute(query)]
