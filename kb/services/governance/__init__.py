"""Governance of pages: approving drafts, recorded reviews of routines, and readers' error reports.

Approval: a save of a type that needs approval is a draft (kb.services.pages); `approve` publishes
it with a comment ("Förändringar sedan föregående version"), `send_back` returns it with a reason.
Validity: a routine's effective valid-until date is `Page.fields["valid_until"]`, computed when it is
published or approved (kb.typed.with_valid_until) and moved forward by `record_review`.
Reports: any logged-in reader can `flag_page`; an editor `resolve_flag`s it with a comment.

Who is responsible for a page (its review reminders and error reports): a routine's `owner` field
names a structure, which has no login, so the named approver (an active fastställare or
administrator) is the routine's responsible person; pages without one belong to all editors.
Administrators see everything.

Every event is a Change row on the page (ChangeOp.DRAFT … FLAG_RESOLVED) and an audit event.

Modules: common (limits, the free-text check), approvers (who approves), approval (approve, send back,
withdraw), reviews (validity and reviews), flags (error reports), overview (what a page and the review
list show). Callers use the names re-exported here: `governance.approve(page, ...)`.
"""
from __future__ import annotations

from kb.services.governance.approval import (
    approve,
    drafts_awaiting,
    pages_with_drafts,
    returned_drafts,
    send_back,
    withdraw,
)
from kb.services.governance.approvers import (
    approver_accounts,
    can_approve,
    can_approve_as,
    may_approve,
    named_approver,
    pending_authors,
    responsible,
    waiting_revisions,
)
from kb.services.governance.common import (
    APPROVAL_COMMENT_MAX,
    DUE_WITHIN_DAYS,
    FLAG_NOTE_MAX,
    RESOLUTION_MAX,
    RETURN_REASON_MAX,
    REVIEW_COMMENT_MAX,
)
from kb.services.governance.flags import all_open_flags, flag_page, flags_for, get_flag, open_flags, resolve_flag
from kb.services.governance.overview import Overview, PageGovernance, RoutineRow, overview, page_governance
from kb.services.governance.reviews import (
    has_validity,
    interval_months,
    is_expired,
    may_review,
    record_review,
    reviews_due,
    reviews_for,
    valid_until,
    watches_owner,
)

__all__ = [
    "APPROVAL_COMMENT_MAX", "DUE_WITHIN_DAYS", "FLAG_NOTE_MAX", "RESOLUTION_MAX", "RETURN_REASON_MAX",
    "REVIEW_COMMENT_MAX", "Overview", "PageGovernance", "RoutineRow", "all_open_flags", "approve",
    "approver_accounts", "can_approve", "can_approve_as", "drafts_awaiting", "flag_page", "flags_for",
    "get_flag", "has_validity", "interval_months", "is_expired", "may_approve", "may_review", "named_approver",
    "open_flags", "overview", "page_governance", "pages_with_drafts", "pending_authors", "record_review",
    "resolve_flag", "responsible", "returned_drafts", "reviews_due", "reviews_for", "send_back", "valid_until",
    "waiting_revisions", "watches_owner", "withdraw",
]
