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
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from kb import pii, typed
from kb.constants import AuditAction, ChangeOp, Entity, PageType, RevisionState, Role
from kb.extensions import db
from kb.models import Flag, Page, Review, Revision, User
from kb.models.base import utcnow
from kb.permissions import can_approve, can_flag, can_govern, sees_unpublished
from kb.services import attachments, audit, changes, organisations, pages, structure, users
from kb.services import diff as diffs
from kb.services.errors import ConflictError, ValidationError

APPROVAL_COMMENT_MAX = 2000
RETURN_REASON_MAX = 1000
REVIEW_COMMENT_MAX = 1000
FLAG_NOTE_MAX = 500
RESOLUTION_MAX = 1000
# Reviews due: how far ahead "Min sida" looks by default; the review list marks "soon" within this.
DUE_WITHIN_DAYS = 30


def _text(value: str | None, name: str, label: str, maximum: int, *, required: bool) -> str:
    """A cleaned free text, or ValidationError: required, length, and never a personnummer."""
    text = (value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise ValidationError({name: f"Skriv {label.lower()}."})
    if len(text) > maximum:
        raise ValidationError({name: f"{label} får vara högst {maximum} tecken (nu {len(text)})."})
    errors = pii.field_errors(((name, label, text),))
    if errors:
        raise ValidationError(errors)
    return text


# --- who ---------------------------------------------------------------------------------------

def approver_accounts() -> dict[str, User]:
    """Every active fastställare and administrator by username: the accounts a routine may name as
    its approver. Lists load them once and pass them to named_approver (a handful of rows)."""
    roles = [r.value for r in Role if r.rank >= Role.APPROVER.rank]
    query = select(User).where(User.role.in_(roles), User.disabled.is_(False))
    return {user.username: user for user in db.session.scalars(query)}


def named_approver(page: Page, people: dict[str, User] | None = None) -> User | None:
    """The page's named approver if that is an active fastställare or administrator, else None.

    The published version's `approver` field counts (a draft may not pick its own approver); a page
    never approved uses its draft's. `people`: approver_accounts(), when a list asks for many pages.
    """
    shown = page.shown
    fields = (shown.fields if shown is not None else page.fields) or {}
    for spec in typed.specs_for(page.type):
        if spec.kind == typed.USER and fields.get(spec.name):
            name = str(fields[spec.name])
            user = people.get(name.strip().lower()) if people is not None else users.get(name)
            if user is not None and not user.disabled and Role(user.role).rank >= Role.APPROVER.rank:
                return user
    return None


def responsible(user, page: Page, people: dict[str, User] | None = None) -> bool:
    """Whether `user` is responsible for the page: administrators, else its named approver, else editors."""
    if not can_govern(user):
        return False
    if Role(user.role) is Role.ADMIN:
        return True
    named = named_approver(page, people)
    return named.id == user.id if named is not None else True


# --- approval ----------------------------------------------------------------------------------

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
    comment = _text(comment, "comment", "Förändringar sedan föregående version", APPROVAL_COMMENT_MAX,
                    required=True)
    first = not page.is_published
    draft.state, draft.approved_by = RevisionState.APPROVED.value, actor
    draft.approved_at, draft.approval_comment = at or utcnow(), comment
    pages.publish(page, draft)
    if first:
        pages.refresh_linkers({page.slug}, skip={page.slug})  # links to it were rendered as missing
    changes.record(Entity.PAGE, page.id, ChangeOp.APPROVE, actor)
    attachments.record_page_change(page, actor)
    audit.record(AuditAction.PAGE_APPROVED, page.slug, f"version {draft.number}: {comment}",
                 actor=actor or None)
    if commit:
        changes.commit()
    return draft


def send_back(page: Page, *, actor: str, reason: str, revision: int | None = None,
              commit: bool = True) -> Revision:
    """Send the page's draft back to the editors with a reason; readers keep the approved version."""
    draft = _pending_or_fail(page, revision)
    reason = _text(reason, "reason", "Anledning", RETURN_REASON_MAX, required=True)
    draft.state, draft.returned_by = RevisionState.RETURNED.value, actor
    draft.returned_at, draft.return_reason = utcnow(), reason
    changes.record(Entity.PAGE, page.id, ChangeOp.RETURN, actor)
    audit.record(AuditAction.PAGE_RETURNED, page.slug, f"version {draft.number}: {reason}",
                 actor=actor or None)
    if commit:
        changes.commit()
    return draft


def drafts_awaiting(user) -> list[Page]:
    """Live pages with a draft waiting for approval that `user` may approve, oldest draft first."""
    people = approver_accounts()
    return [page for page, _draft in _pages_with_drafts() if can_approve(user, page, people)]


# --- validity and reviews ----------------------------------------------------------------------

def has_validity(page_type: str) -> bool:
    """Whether pages of this type have a valid-until date (routines)."""
    return any(s.name == "valid_until" for s in typed.specs_for(page_type))


def valid_until(page: Page) -> date | None:
    """The effective valid-until date readers see (None when the page has none)."""
    return typed.parse_date(str((page.fields or {}).get("valid_until") or ""))


def interval_months(page: Page) -> int:
    """The page's review interval in months (its own, else REVIEW_INTERVAL_MONTHS)."""
    return typed.interval_months(page.fields or {}, current_app.config["REVIEW_INTERVAL_MONTHS"])


def is_expired(page: Page, today: date | None = None) -> bool:
    """Whether a published routine's validity has run out (a repealed routine never expires)."""
    until = valid_until(page)
    return (until is not None and page.is_published and (page.fields or {}).get("status") != "upphävd"
            and until < (today or structure.today()))


def record_review(page: Page, *, actor: str, comment: str = "", on: date | None = None,
                  commit: bool = True) -> Review:
    """Record "Granskad utan ändring": the valid-until date moves one interval forward from today (or
    from the old date, if that is later)."""
    if page.deleted or not page.is_published or not has_validity(page.type):
        raise ValidationError({"page": "Bara publicerade rutiner med giltighetstid kan granskas."})
    comment = _text(comment, "comment", "Kommentar", REVIEW_COMMENT_MAX, required=False)
    on = on or structure.today()
    before = valid_until(page)
    after = typed.add_months(max(before or on, on), interval_months(page))
    review = Review(page_id=page.id, reviewed_by=actor, comment=comment, valid_until_before=before,
                    valid_until=after, revision_number=page.published.number)
    db.session.add(review)
    page.fields = {**(page.fields or {}), "valid_until": after.isoformat()}
    changes.record(Entity.PAGE, page.id, ChangeOp.REVIEW, actor)
    audit.record(AuditAction.PAGE_REVIEWED, page.slug,
                 f"giltig till {before.isoformat() if before else '–'} → {after.isoformat()}"
                 + (f": {comment}" if comment else ""), actor=actor or None)
    if commit:
        changes.commit()
    return review


def reviews_for(page: Page) -> list[Review]:
    """A page's recorded reviews, newest first."""
    return list(db.session.scalars(select(Review).where(Review.page_id == page.id)
                                   .order_by(Review.reviewed_at.desc(), Review.id.desc())))


def _routines(*, published_only: bool) -> list[Page]:
    types = [t.value for t in PageType if has_validity(t.value)]
    query = (select(Page).where(Page.deleted.is_(False), Page.type.in_(types))
             .options(selectinload(Page.published)))
    if published_only:
        query = query.where(pages.published_clause())
    return list(db.session.scalars(query))


def _by_date(page: Page) -> tuple:
    until = valid_until(page)
    return (until is None, until or date.max, page.title)


def reviews_due(user, *, within_days: int = DUE_WITHIN_DAYS) -> list[Page]:
    """Published routines `user` is responsible for whose validity ends within N days or has ended,
    overdue first."""
    limit = structure.today() + timedelta(days=within_days)
    people = approver_accounts()
    due = [p for p in _routines(published_only=True)
           if (until := valid_until(p)) is not None and until <= limit
           and (p.fields or {}).get("status") != "upphävd" and responsible(user, p, people)]
    return sorted(due, key=_by_date)


# --- reader reports ----------------------------------------------------------------------------

def flag_page(page: Page, *, actor: str, note: str, commit: bool = True) -> Flag:
    """Record a reader's report that the page is outdated or wrong; it stays open until resolved."""
    if page.deleted or not page.is_published:
        raise ValidationError({"note": "Sidan finns inte."})
    note = _text(note, "note", "Vad är fel", FLAG_NOTE_MAX, required=True)
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
    comment = _text(comment, "comment", "Vad gjordes", RESOLUTION_MAX, required=True)
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


# --- what a page and the review list show -----------------------------------------------------

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
    may_approve: bool = False
    may_review: bool = False
    may_flag: bool = False


def page_governance(page: Page, user) -> PageGovernance:
    """What the page view shows about governance to `user` (drafts and reports only to editors)."""
    today = structure.today()
    until = valid_until(page)
    expired = is_expired(page, today)
    info = PageGovernance(
        needs_approval=pages.requires_approval(page.type), published=page.published,
        approver=named_approver(page), valid_until=until, expired=expired,
        soon=page.is_published and _soon(until, today, expired),
        reviews=reviews_for(page) if has_validity(page.type) else [],
        organisation_names={o.key: o.name for o in organisations.all_organisations()},
        may_flag=can_flag(user) and page.is_published and not page.deleted)
    if not sees_unpublished(user) or page.deleted:
        return info
    current = page.current
    if current is not None and current.state == RevisionState.DRAFT.value:
        info.pending = current
        info.may_approve = can_approve(user, page)
        if page.published is not None:
            info.diff = diffs.diff_text(page.published.source, current.source)
            info.meta = diffs.metadata_changes(page.published, current)
    elif current is not None and current.state == RevisionState.RETURNED.value:
        info.returned = current
    info.flags = flags_for(page)
    info.may_review = can_govern(user) and page.is_published and has_validity(page.type)
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


def overview() -> Overview:
    """Every live routine by valid-until (expired first), every draft waiting, every open report."""
    today = structure.today()
    flags = all_open_flags()
    counts: dict[int, int] = {}
    for f in flags:
        counts[f.page_id] = counts.get(f.page_id, 0) + 1
    routines = sorted(_routines(published_only=False), key=_by_date)
    owners = structure.pages_by_slug({str(p.fields["owner"]) for p in routines
                                      if (p.fields or {}).get("owner")})
    people = approver_accounts()
    drafts = _pages_with_drafts()
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
    return Overview(routines=rows, drafts=drafts, flags=flags)


def _pages_with_drafts() -> list[tuple[Page, Revision]]:
    """Live pages whose newest revision is a draft, with that draft, oldest draft first."""
    newest = and_(Revision.page_id == Page.id, Revision.number == Page.revision_number)
    query = (select(Page, Revision).join(Revision, newest)
             .where(Page.deleted.is_(False), Revision.state == RevisionState.DRAFT.value)
             .options(selectinload(Page.published)).order_by(Revision.created_at, Page.title))
    return [(page, draft) for page, draft in db.session.execute(query)]
