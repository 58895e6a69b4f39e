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
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased, selectinload

from kb import pii, typed
from kb.constants import AuditAction, ChangeOp, Entity, PageType, RevisionState, Role, WatchKind
from kb.extensions import db
from kb.models import Flag, Page, Review, Revision, User, Watch
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


def _named_in(rev: Revision) -> str:
    """The user name a revision names in its approver field ('' when none)."""
    for spec in typed.specs_for(rev.type):
        if spec.kind == typed.USER and (rev.fields or {}).get(spec.name):
            return str(rev.fields[spec.name]).strip().lower()
    return ""


# Waiting revisions by page id, loaded for a whole list at once (waiting_revisions).
Waiting = dict[int, list[Revision]]


def _waiting(page: Page, waiting: Waiting | None = None) -> list[Revision]:
    """The revisions written since the one readers see (all of them for a page never approved), newest first."""
    if waiting is not None and page.id in waiting:
        return waiting[page.id]
    query = select(Revision).where(Revision.page_id == page.id)
    if page.published is not None:
        query = query.where(Revision.number > page.published.number)
    return list(db.session.scalars(query.order_by(Revision.number.desc())))


def waiting_revisions(page_ids: list[int]) -> Waiting:
    """The waiting revisions of many pages in one query, for lists that check each of them."""
    if not page_ids:
        return {}
    shown = aliased(Revision)
    query = (select(Revision).join(Page, Page.id == Revision.page_id)
             .outerjoin(shown, shown.id == Page.published_revision_id)
             .where(Revision.page_id.in_(page_ids), Revision.number > func.coalesce(shown.number, 0))
             .order_by(Revision.page_id, Revision.number.desc()))
    found: dict[int, list[Revision]] = {page_id: [] for page_id in page_ids}
    for rev in db.session.scalars(query):
        found[rev.page_id].append(rev)
    return found


def pending_authors(page: Page, waiting: Waiting | None = None) -> set[str]:
    """Who wrote the changes waiting for approval (user names, lower case): none of them may approve."""
    return {(rev.author or "").strip().lower() for rev in _waiting(page, waiting)} - {""}


def named_approver(page: Page, people: dict[str, User] | None = None,
                   waiting: Waiting | None = None) -> User | None:
    """The page's named approver if that is an active fastställare or administrator, else None.

    The last approved version's `approver` field counts (a draft may not pick its own approver). A page
    never approved uses the approver named by the newest draft that someone other than the named person
    submitted: a fastställare cannot take a routine over by naming themselves in it.
    `people`: approver_accounts(), when a list asks for many pages.
    """
    if page.published is not None:
        name = _named_in(page.published)
    else:
        name = next((n for rev in _waiting(page, waiting)
                     if (n := _named_in(rev)) and n != (rev.author or "").strip().lower()), "")
    if not name:
        return None
    user = people.get(name) if people is not None else users.get(name)
    if user is not None and not user.disabled and Role(user.role).rank >= Role.APPROVER.rank:
        return user
    return None


def may_approve(user, page: Page, people: dict[str, User] | None = None,
                waiting: Waiting | None = None) -> bool:
    """Whether an active fastställare or administrator `user` may approve the page's draft: never their
    own change; administrators always otherwise; else the named approver, any fastställare when none
    is named, and another fastställare when the change is the named approver's own."""
    authors = pending_authors(page, waiting)
    if user.username.lower() in authors:
        return False
    if Role(user.role) is Role.ADMIN:
        return True
    named = named_approver(page, people, waiting)
    return named is None or named.id == user.id or named.username.lower() in authors


def can_approve_as(actor: str, page: Page) -> bool:
    """Whether the account named `actor` may approve the page's draft (the service's own check)."""
    user = users.get(actor) if actor else None
    return user is not None and can_approve(user, page)


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
    # A routine approved for the first time has no earlier version to compare with.
    comment = _text(comment, "comment", "Förändringar sedan föregående version", APPROVAL_COMMENT_MAX,
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
    reason = _text(reason, "reason", "Anledning", RETURN_REASON_MAX, required=True)
    draft.state, draft.returned_by = RevisionState.RETURNED.value, actor
    draft.returned_at, draft.return_reason = utcnow(), reason
    attachments.discard_pending(page, actor)  # readers keep the approved files; the draft's go
    changes.record(Entity.PAGE, page.id, ChangeOp.RETURN, actor)
    audit.record(AuditAction.PAGE_RETURNED, page.slug, f"version {draft.number}: {reason}",
                 actor=actor or None)
    if commit:
        changes.commit()
    return draft


def returned_drafts(user=None) -> list[tuple[Page, Revision]]:
    """Live pages whose newest revision is a draft sent back, with it, newest first: every one, or
    (with `user`) those the user wrote part of. They stay until an editor saves or withdraws the draft."""
    newest = and_(Revision.page_id == Page.id, Revision.number == Page.revision_number)
    query = (select(Page, Revision).join(Revision, newest)
             .where(Page.deleted.is_(False), Revision.state == RevisionState.RETURNED.value)
             .options(selectinload(Page.published)).order_by(Revision.returned_at.desc(), Page.title))
    rows = [(page, draft) for page, draft in db.session.execute(query)]
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
    drafts = _pages_with_drafts()
    waiting = waiting_revisions([page.id for page, _ in drafts])
    return [page for page, _draft in drafts if can_approve(user, page, people, waiting)]


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


def watches_owner(user, page: Page) -> bool:
    """Whether `user` watches the structure named as the routine's owner."""
    owner = structure.pages_by_slug({str(page.fields["owner"])}).get(str(page.fields["owner"])) \
        if (page.fields or {}).get("owner") else None
    if owner is None or owner.type != PageType.STRUCTURE.value:
        return False
    return db.session.scalar(select(Watch.id).where(
        Watch.user_id == user.id, Watch.kind == WatchKind.STRUCTURE.value, Watch.target == str(owner.id))) is not None


def may_review(user, page: Page) -> bool:
    """Whether `user` may record "Granskad utan ändring": an administrator, the routine's named approver,
    or an editor who watches its owner structure (the structure that answers for it)."""
    if not can_govern(user):
        return False
    if Role(user.role) is Role.ADMIN:
        return True
    named = named_approver(page)
    return (named is not None and named.id == user.id) or watches_owner(user, page)


def record_review(page: Page, *, actor: str, comment: str = "", on: date | None = None,
                  commit: bool = True) -> Review:
    """Record "Granskad utan ändring" by the account `actor`: the valid-until date becomes today plus the
    review interval (never later: reviewing again the same day changes nothing; never earlier than it was)."""
    if page.deleted or not page.is_published or not has_validity(page.type):
        raise ValidationError({"page": "Bara publicerade rutiner med giltighetstid kan granskas."})
    user = users.get(actor) if actor else None
    if user is None or not may_review(user, page):
        raise ValidationError({"page": "Bara rutinens fastställare, de som bevakar den ägande strukturen och "
                                       "administratörer kan registrera en granskning."})
    comment = _text(comment, "comment", "Kommentar", REVIEW_COMMENT_MAX, required=False)
    on = on or structure.today()
    before = valid_until(page)
    after = max(typed.add_months(on, interval_months(page)), before or on)
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
    attachment_changes: list = field(default_factory=list)  # attachments.PendingChange
    own_change: bool = False  # the viewer wrote part of the waiting change, so someone else approves it
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
