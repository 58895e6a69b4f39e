"""Read confirmations ("Jag har läst och förstått") and required reading.

A logged-in user confirms the version of a routine or orientation page that readers see. A newer
version asks again only when it says what changed: an approved routine version always does (its
"Förändringar sedan föregående version"), an orientation page's edit when it has a change comment.
A review without change ("Granskad utan ändring") makes no version, so it never asks again.

Editors and approvers mark a page as required reading for organisations (a user's organisation is set
by an administrator or comes from the identity provider) and/or areas (their members). Those who must
read it and have not confirmed the version in force find it on Min sida and in their digest (a
reminder per version, made by `kb notify`). Reports say who has confirmed what.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from kb.constants import AuditAction, PageType, RevisionOp, RevisionState
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import Area, AreaGrant, Page, ReadConfirmation, RequiredReading, Revision, User
from kb.services import audit, diff, organisations

CONFIRMABLE = frozenset({PageType.ROUTINE.value, PageType.ORIENTATION.value})
PUBLIC = (RevisionState.PUBLISHED.value, RevisionState.APPROVED.value)
CONTENT_OPS = (RevisionOp.CREATE.value, RevisionOp.EDIT.value, RevisionOp.REVERT.value)


def confirmable(page: Page) -> bool:
    """Whether readers confirm this page: a live, published routine or orientation page."""
    return page.type in CONFIRMABLE and not page.deleted and page.published_revision_id is not None


def _change_text(rev: Revision) -> str:
    return (rev.approval_comment or rev.comment or "").strip()


def required_version(page: Page) -> Revision | None:
    """The oldest version a confirmation must cover to count as current: the newest public version
    that says what changed (or the first public one)."""
    if page.published_revision_id is None:
        return None
    published = page.published
    revisions = db.session.scalars(select(Revision).where(Revision.page_id == page.id,
                                                          Revision.state.in_(PUBLIC),
                                                          Revision.number <= published.number)
                                   .order_by(Revision.number.desc()))
    last = None
    for rev in revisions:
        last = rev
        if rev.op in CONTENT_OPS and _change_text(rev):
            return rev
    return last


def confirmed_number(user_id: int, page_id: int) -> int | None:
    """The newest version of the page the user confirmed, or None."""
    return db.session.scalar(select(func.max(ReadConfirmation.revision_number)).where(
        ReadConfirmation.user_id == user_id, ReadConfirmation.page_id == page_id))


@dataclass(frozen=True)
class MyState:
    """What the page view tells the user about their confirmation."""

    confirmed: int | None  # the newest version they confirmed
    confirmed_at: datetime | None
    current: bool  # their confirmation covers the version in force
    published: Revision  # the version in force
    changes: list  # kb.services.diff rows from the version they confirmed to the one in force
    change_text: str  # what the newer version says changed


def my_state(user: User, page: Page) -> MyState | None:
    """The user's confirmation of a confirmable page (None for other pages or anonymous users)."""
    if not getattr(user, "is_authenticated", False) or not confirmable(page):
        return None
    row = db.session.scalars(select(ReadConfirmation).where(ReadConfirmation.user_id == user.id,
                                                            ReadConfirmation.page_id == page.id)
                             .order_by(ReadConfirmation.revision_number.desc()).limit(1)).first()
    published = page.published
    needed = required_version(page)
    if row is None:
        return MyState(None, None, False, published, [], "")
    current = needed is None or row.revision_number >= needed.number
    changes, text = [], ""
    if not current:
        old = db.session.scalar(select(Revision.source).where(Revision.page_id == page.id,
                                                              Revision.number == row.revision_number))
        changes = diff.diff_text(old or "", published.source)
        text = _change_text(needed)
    return MyState(row.revision_number, row.confirmed_at, current, published, changes, text)


def confirm(user: User, page: Page, *, revision: int | None = None) -> ReadConfirmation:
    """Record that `user` read and understood the version in force (`revision`: the version the user
    saw; a newer one approved meanwhile must be read first)."""
    if not getattr(user, "is_authenticated", False):
        raise ValidationError({"page": "Logga in för att bekräfta att du har läst sidan."})
    if not confirmable(page):
        raise ValidationError({"page": "Bara publicerade rutiner och introduktionssidor kan bekräftas."})
    published = page.published
    if revision is not None and revision != published.number:
        raise ValidationError({"page": f"Sidan har ändrats medan du läste: version {published.number} gäller nu. "
                                       "Läs den och bekräfta igen."})
    mine = select(ReadConfirmation).where(ReadConfirmation.user_id == user.id, ReadConfirmation.page_id == page.id,
                                          ReadConfirmation.revision_number == published.number)
    existing = db.session.scalar(mine)
    if existing is not None:
        return existing
    row = ReadConfirmation(user_id=user.id, page_id=page.id, revision_number=published.number)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # a double click: the other request recorded it
        db.session.rollback()
        return db.session.scalar(mine)
    return row


# --- required reading ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Requirement:
    """Who must read a page: organisation keys and areas."""

    organisations: list[str]
    areas: list[Area]

    def __bool__(self) -> bool:
        return bool(self.organisations or self.areas)


def requirement(page: Page) -> Requirement:
    """Who must read and confirm the page."""
    rows = list(db.session.scalars(select(RequiredReading).where(RequiredReading.page_id == page.id)))
    area_ids = {r.area_id for r in rows if r.area_id is not None}
    found = {a.id: a for a in db.session.scalars(select(Area).where(Area.id.in_(area_ids)))} if area_ids else {}
    return Requirement(sorted({r.organisation_key for r in rows if r.organisation_key}),
                       sorted(found.values(), key=lambda a: a.name))


def organisation_choices(page: Page) -> list[tuple[str, str]]:
    """(key, name) of the organisations a page can be required reading for: those in its "Gäller för",
    or every active organisation when it names none."""
    named = [str(v) for v in (page.fields or {}).get("applies_to") or []]
    known = organisations.by_key()
    if named:
        return [(k, known[k].name if k in known else k) for k in named]
    return [(o.key, o.name) for o in organisations.active()]


def set_requirement(page: Page, *, organisation_keys: list[str], area_keys: list[str], actor: str,
                    allowed_areas: list[Area]) -> Requirement:
    """Make the page required reading for exactly these organisations and areas (none: not required).

    `allowed_areas`: the areas the actor may choose (areas they see); anything else is refused."""
    if page.type not in CONFIRMABLE:
        raise ValidationError({"page": "Bara rutiner och introduktionssidor kan vara obligatorisk läsning."})
    known = organisations.by_key()
    unknown = [k for k in organisation_keys if k not in known]
    if unknown:
        raise ValidationError({"organisations": f"Okänd organisation: {', '.join(unknown)}."})
    by_key = {a.key: a for a in allowed_areas}
    bad = [k for k in area_keys if k not in by_key]
    if bad:
        raise ValidationError({"areas": f"Okänt område eller ett du inte kan välja: {', '.join(bad)}."})
    before = requirement(page)
    for row in db.session.scalars(select(RequiredReading).where(RequiredReading.page_id == page.id)):
        db.session.delete(row)
    for key in dict.fromkeys(organisation_keys):
        db.session.add(RequiredReading(page_id=page.id, organisation_key=key, created_by=actor))
    for key in dict.fromkeys(area_keys):
        db.session.add(RequiredReading(page_id=page.id, area_id=by_key[key].id, created_by=actor))
    after = Requirement(sorted(set(organisation_keys)), sorted({by_key[k] for k in area_keys}, key=lambda a: a.name))
    audit.record(AuditAction.READING_REQUIRED, page.slug,
                 f"{_describe(before, known)} → {_describe(after, known)}", actor=actor or None)
    db.session.commit()
    return after


def _describe(req: Requirement, known) -> str:
    parts = [known[k].name if k in known else k for k in req.organisations] + [a.name for a in req.areas]
    return ", ".join(parts) or "ingen"


def _audience_clause(req_rows: list[RequiredReading]):
    """SQL condition on User: the user belongs to one of the rows' organisations or areas."""
    orgs = {r.organisation_key for r in req_rows if r.organisation_key}
    area_ids = {r.area_id for r in req_rows if r.area_id is not None}
    conditions = []
    if orgs:
        conditions.append(User.organisation_key.in_(orgs))
    if area_ids:
        conditions.append(User.id.in_(select(AreaGrant.user_id).where(AreaGrant.area_id.in_(area_ids))))
    return conditions


def audience(page: Page) -> list[User]:
    """The active accounts that must read the page."""
    rows = list(db.session.scalars(select(RequiredReading).where(RequiredReading.page_id == page.id)))
    conditions = _audience_clause(rows)
    if not conditions:
        return []
    return list(db.session.scalars(select(User).where(User.disabled.is_(False), or_(*conditions))
                                   .order_by(User.display_name, User.username)))


@dataclass(frozen=True)
class ToRead:
    """A page a user must read and confirm."""

    page: Page
    version: Revision  # the version that asks
    confirmed: int | None  # an older version they confirmed


def to_read(user: User) -> list[ToRead]:
    """Pages `user` must read and has not confirmed in their version in force, newest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    area_ids = select(AreaGrant.area_id).where(AreaGrant.user_id == user.id)
    conditions = [RequiredReading.area_id.in_(area_ids)]
    if user.organisation_key:
        conditions.append(RequiredReading.organisation_key == user.organisation_key)
    page_ids = select(RequiredReading.page_id).where(or_(*conditions))
    candidates = db.session.scalars(select(Page).where(Page.id.in_(page_ids), Page.deleted.is_(False),
                                                       Page.published_revision_id.is_not(None)))
    hidden = getattr(user, "hidden_area_ids", frozenset())
    confirmed = dict(db.session.execute(select(ReadConfirmation.page_id, func.max(ReadConfirmation.revision_number))
                                        .where(ReadConfirmation.user_id == user.id)
                                        .group_by(ReadConfirmation.page_id)).all())
    out = []
    for page in candidates:
        if page.area_id in hidden or page.type not in CONFIRMABLE:
            continue
        needed = required_version(page)
        if needed is not None and confirmed.get(page.id, 0) < needed.number:
            out.append(ToRead(page, needed, confirmed.get(page.id)))
    return sorted(out, key=lambda t: t.version.approved_at or t.version.created_at, reverse=True)


# --- reports -------------------------------------------------------------------------------------

CURRENT, OLDER, NONE = "current", "older", "none"
STATUS_LABELS = {CURRENT: "Har bekräftat gällande version", OLDER: "Har bekräftat en äldre version",
                 NONE: "Har inte bekräftat"}


@dataclass(frozen=True)
class ReaderRow:
    """One person in a page's confirmation report."""

    user: User
    organisation: str  # its name ("" unknown)
    status: str  # CURRENT, OLDER or NONE
    version: int | None
    confirmed_at: datetime | None
    required: bool  # the person must read the page


@dataclass(frozen=True)
class PageReport:
    """Who has confirmed a page: everyone who must read it and everyone who confirmed it."""

    page: Page
    version: Revision | None
    rows: list[ReaderRow]

    def count(self, status: str) -> int:
        """How many rows have this status."""
        return sum(r.status == status for r in self.rows)


def page_report(page: Page, *, organisation: str = "") -> PageReport:
    """The confirmation report of a page, optionally for one organisation's people."""
    needed = required_version(page)
    latest: dict[int, tuple[int, datetime]] = {}
    for user_id, number, at in db.session.execute(select(ReadConfirmation.user_id, ReadConfirmation.revision_number,
                                                         ReadConfirmation.confirmed_at)
                                                  .where(ReadConfirmation.page_id == page.id)):
        if user_id not in latest or number > latest[user_id][0]:
            latest[user_id] = (number, at)
    must = {u.id: u for u in audience(page)}
    people = dict(must)
    others = latest.keys() - people.keys()
    if others:
        people.update({u.id: u for u in db.session.scalars(select(User).where(User.id.in_(others)))})
    names = organisations.name_by_key()
    rows = []
    for user in people.values():
        if organisation and user.organisation_key != organisation:
            continue
        number, at = latest.get(user.id, (None, None))
        status = NONE if number is None else (CURRENT if needed is None or number >= needed.number else OLDER)
        rows.append(ReaderRow(user, names.get(user.organisation_key, user.organisation_key), status, number, at,
                              user.id in must))
    order = {NONE: 0, OLDER: 1, CURRENT: 2}
    rows.sort(key=lambda r: (order[r.status], r.user.name.casefold()))
    return PageReport(page, needed, rows)


@dataclass(frozen=True)
class UserConfirmation:
    """A page a user has confirmed, as their report shows it."""

    page: Page
    version: int
    confirmed_at: datetime
    current: bool


def user_report(user: User, *, pages_visible=None) -> list[UserConfirmation]:
    """What `user` has confirmed (newest confirmation per page), newest first; `pages_visible(page)`
    narrows to pages the viewer may report on."""
    latest: dict[int, tuple[int, datetime]] = {}
    for page_id, number, at in db.session.execute(select(ReadConfirmation.page_id, ReadConfirmation.revision_number,
                                                         ReadConfirmation.confirmed_at)
                                                  .where(ReadConfirmation.user_id == user.id)):
        if page_id not in latest or number > latest[page_id][0]:
            latest[page_id] = (number, at)
    found = (db.session.scalars(select(Page).where(Page.id.in_(latest.keys()), Page.deleted.is_(False)))
             if latest else [])
    out = []
    for page in found:
        if pages_visible is not None and not pages_visible(page):
            continue
        needed = required_version(page)
        number, at = latest[page.id]
        out.append(UserConfirmation(page, number, at, needed is None or number >= needed.number))
    return sorted(out, key=lambda c: c.confirmed_at, reverse=True)


@dataclass(frozen=True)
class AreaRate:
    """A required page of an area with how many of those who must read it confirmed it."""

    page: Page
    required: int
    confirmed: int

    @property
    def percent(self) -> int:
        """Confirmed share in whole percent (0 when nobody must read it)."""
        return round(100 * self.confirmed / self.required) if self.required else 0


def area_report(area: Area) -> list[AreaRate]:
    """Confirmation rates of the area's required pages, lowest first."""
    page_ids = select(RequiredReading.page_id)
    found = db.session.scalars(select(Page).where(Page.area_id == area.id, Page.id.in_(page_ids),
                                                  Page.deleted.is_(False), Page.published_revision_id.is_not(None)))
    out = []
    for page in found:
        report = page_report(page)
        required = [r for r in report.rows if r.required]
        out.append(AreaRate(page, len(required), sum(r.status == CURRENT for r in required)))
    return sorted(out, key=lambda r: (r.percent, r.page.title))


def reminder_targets() -> list[tuple[User, Page, Revision]]:
    """(user, page, version) for everyone who must read a page and has not confirmed its version in force."""
    out = []
    page_ids = set(db.session.scalars(select(RequiredReading.page_id)))
    for page in db.session.scalars(select(Page).where(Page.id.in_(page_ids), Page.deleted.is_(False),
                                                      Page.published_revision_id.is_not(None))):
        if page.type not in CONFIRMABLE:
            continue
        report = page_report(page)
        for row in report.rows:
            if row.required and row.status != CURRENT and page.area_id not in row.user.hidden_area_ids:
                out.append((row.user, page, report.version))
    return out


def version_day(rev: Revision) -> date:
    """The day a version came into force (approval, else saving)."""
    return (rev.approved_at or rev.created_at).date()


REPORT_HEADER = ("Namn", "Användarnamn", "Organisation", "Ska läsa", "Läget", "Bekräftad version", "Bekräftad")


def report_rows(report: PageReport) -> list[list[object]]:
    """The report as table rows (for CSV and Excel)."""
    return [[r.user.name, r.user.username, r.organisation, "ja" if r.required else "nej", STATUS_LABELS[r.status],
             r.version or "", r.confirmed_at.strftime("%Y-%m-%d %H:%M") if r.confirmed_at else ""]
            for r in report.rows]
