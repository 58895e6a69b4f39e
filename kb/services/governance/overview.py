"""What a page view and the review list (/granskning) show about governance."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kb import dates
from kb.constants import RevisionState
from kb.models import Flag, Page, Review, Revision, User
from kb.permissions import can_flag, hidden_areas, sees_unpublished
from kb.services import attachments, link_check, organisations, pages, structure
from kb.services import diff as diffs
from kb.services.governance.approval import pages_with_drafts
from kb.services.governance.approvers import approver_accounts, can_approve, named_approver, pending_authors
from kb.services.governance.common import DUE_WITHIN_DAYS
from kb.services.governance.flags import all_open_flags, flags_for
from kb.services.governance.reviews import (
    by_valid_until,
    has_validity,
    is_expired,
    live_routines,
    may_review,
    reviews_for,
    valid_until,
)


def _soon(until: date | None, today: date, expired: bool) -> bool:
    """Whether a valid-until date comes within DUE_WITHIN_DAYS (and has not passed)."""
    return not expired and until is not None and (until - today).days <= DUE_WITHIN_DAYS


@dataclass
class PageGovernance:
    """Everything about approval, validity, reviews and reports that a page view shows to `user`."""

    needs_approval: bool
    published: Revision | None
    approver: User | None
    valid_until: date | None
    expired: bool
    soon: bool
    reviews: list[Review]
    pending: Revision | None = None
    returned: Revision | None = None
    diff: list = field(default_factory=list)
    meta: list = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    organisation_names: dict[str, str] = field(default_factory=dict)
    attachment_changes: list = field(default_factory=list)  # attachments.PendingChange
    own_change: bool = False  # the viewer wrote part of the waiting change, so someone else approves it
    may_approve: bool = False
    may_review: bool = False
    may_flag: bool = False


def page_governance(page: Page, user) -> PageGovernance:
    """What the page view shows about governance to `user` (drafts and reports only to the editors of
    the page's area)."""
    today = dates.today()
    until = valid_until(page)
    expired = is_expired(page, today)
    info = PageGovernance(
        needs_approval=pages.requires_approval(page.type), published=page.published,
        approver=named_approver(page), valid_until=until, expired=expired,
        soon=page.is_published and _soon(until, today, expired),
        reviews=reviews_for(page) if has_validity(page.type) else [],
        organisation_names=organisations.name_by_key(),
        may_flag=can_flag(user) and page.is_published and not page.deleted)
    if not sees_unpublished(user, page.area_id) or page.deleted:
        return info
    current = page.current
    if current is not None and current.state == RevisionState.DRAFT.value:
        info.pending = current
        info.may_approve = can_approve(user, page)
        info.own_change = user.username.lower() in pending_authors(page)
        info.attachment_changes = attachments.pending_changes(page)
        if page.published is not None:
            info.diff = diffs.diff_text(page.published.source, current.source)
            info.meta = diffs.metadata_changes(page.published, current)
            if current.slug and current.slug != page.slug:
                info.meta.append(diffs.FieldChange("Adress", page.slug, current.slug))
    elif current is not None and current.state == RevisionState.RETURNED.value:
        info.returned = current
    info.flags = flags_for(page)
    info.may_review = page.is_published and has_validity(page.type) and may_review(user, page)
    return info


@dataclass
class RoutineRow:
    """One routine on the review list."""

    page: Page
    valid_until: date | None
    expired: bool
    soon: bool
    owner: Page | None
    approver: User | None
    pending: Revision | None
    open_flags: int


@dataclass
class Overview:
    """The review list (/granskning): routines by validity, drafts waiting, open reports."""

    routines: list[RoutineRow]
    drafts: list[tuple[Page, Revision]]
    flags: list[Flag]
    broken_links: list = field(default_factory=list)  # link_check.BrokenLink
    missing_pages: list[tuple[str, list[Page]]] = field(default_factory=list)


def overview(user=None, *, hidden: frozenset[int] | None = None) -> Overview:
    """Every live routine by valid-until (expired first), every draft waiting, every open report,
    broken external links and links to pages that do not exist;
    none of the `hidden` areas (default: those hidden from `user`, kb.permissions.hidden_areas), and
    with `user`, only those of the areas where the user sees drafts (edits)."""
    hidden = hidden_areas(user) if hidden is None else hidden
    today = dates.today()
    flags = [f for f in all_open_flags() if f.page.area_id not in hidden]
    counts: dict[int, int] = {}
    for f in flags:
        counts[f.page_id] = counts.get(f.page_id, 0) + 1
    routines = sorted((p for p in live_routines(published_only=False) if p.area_id not in hidden),
                      key=by_valid_until)
    owners = structure.pages_by_slug({str(p.fields["owner"]) for p in routines
                                      if (p.fields or {}).get("owner")}, hidden=hidden)
    people = approver_accounts()
    drafts = [(page, draft) for page, draft in pages_with_drafts() if page.area_id not in hidden]
    pending = {page.id: draft for page, draft in drafts}
    rows = []
    for p in routines:
        until = valid_until(p)
        expired = is_expired(p, today)
        rows.append(RoutineRow(page=p, valid_until=until, expired=expired, soon=_soon(until, today, expired),
                               owner=owners.get(str((p.fields or {}).get("owner"))),
                               approver=named_approver(p, people), pending=pending.get(p.id),
                               open_flags=counts.get(p.id, 0)))
    rows.sort(key=lambda r: (not r.expired, r.valid_until is None, r.valid_until or date.max, r.page.title))
    broken = link_check.broken_links(hidden)
    missing = link_check.missing_pages(hidden)
    if user is not None:
        rows = [r for r in rows if sees_unpublished(user, r.page.area_id)]
        drafts = [(page, draft) for page, draft in drafts if sees_unpublished(user, page.area_id)]
        flags = [f for f in flags if sees_unpublished(user, f.page.area_id)]
        broken = [b for b in ((b, [p for p in b.pages if sees_unpublished(user, p.area_id)]) for b in broken) if b[1]]
        broken = [link_check.BrokenLink(b.check, pages) for b, pages in broken]
        missing = [(slug, [p for p in linking if sees_unpublished(user, p.area_id)]) for slug, linking in missing]
        missing = [(slug, linking) for slug, linking in missing if linking]
    return Overview(routines=rows, drafts=drafts, flags=flags, broken_links=broken, missing_pages=missing)
