"""Collaboration plans, action plans and activities: validate, write with history, query.

Every write adds an immutable `PlanRevision` (a snapshot as the user saw it), a `Change` row
(the search index follows it) and an audit event in one transaction. Edits carry the
revision they were based on; a stale one raises ConflictError, as for pages.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from kb import fuzzydate, pii
from kb.constants import TARGET_GROUPS, ActivityStatus, AuditAction, ChangeOp, Entity, PageType, RevisionOp
from kb.extensions import db
from kb.models import ActionPlan, Activity, ActivityPage, CollaborationPlan, Page, PlanRevision
from kb.models.base import utcnow
from kb.models.plans import period_label
from kb.services import audit, changes
from kb.services import pages as page_service
from kb.services.errors import ConflictError, NotFoundError, ValidationError
from kb.services.structure import pages_by_slug, today
from kb.slugs import SLUG_MAX, is_valid_slug, slugify

COLLABORATION = "collaboration_plan"
PLAN = "action_plan"
ACTIVITY = "activity"

SHORT_MAX = 500      # goal, sub-goal
TEXT_MAX = 4000      # what, how, decision, follow-up
NAME_MAX = 300       # titles, free-text responsible
DESCRIPTION_MAX = 10_000
PERIOD_SPAN_MAX = 10

# Swedish names of the activity fields: form labels, history lines and import columns.
ACTIVITY_LABELS: dict[str, str] = {
    "goal": "Mål", "subgoal": "Delmål", "what": "Vad", "how": "Hur", "decision": "Beslut",
    "responsible": "Ansvarig struktur", "responsible_text": "Ansvarig (fritext)", "start": "Start",
    "deadline": "Deadline", "follow_up": "Uppföljning", "status": "Status", "target_groups": "Målgrupper",
    "pages": "Sidor",
}
PLAN_LABELS: dict[str, str] = {
    "title": "Titel", "slug": "Adress", "structure": "Struktur", "period": "Period", "adopted": "Fastställd",
    "collaboration_plan": "Samverkansplan", "description": "Beskrivning", "focus_areas": "Fokusområden",
}
COLLABORATION_LABELS: dict[str, str] = {
    "title": "Titel", "slug": "Adress", "period": "Period", "goals": "Prioriterade mål",
    "description": "Beskrivning",
}
PLANS_PREFIX = "/planer/"
# Addresses under /planer/ that the views use themselves; a plan cannot take them.
RESERVED_PLAN_SLUGS = frozenset({"ny", "importera"})
ACTIVITY_PREFIX = "/aktiviteter/"
COLLABORATION_PREFIX = "/samverkansplaner/"


def plan_path(slug: str) -> str:
    """URL path of an action plan (the rule the plans blueprint serves)."""
    return PLANS_PREFIX + slug


def activity_path(activity_id: int) -> str:
    """URL path of an activity."""
    return f"{ACTIVITY_PREFIX}{activity_id}"


def collaboration_path(slug: str) -> str:
    """URL path of a collaboration plan."""
    return COLLABORATION_PREFIX + slug


# --- input -------------------------------------------------------------------------------------

@dataclass
class ActivityData:
    """An activity as an editor or an import supplies it (dates and status as typed)."""

    goal: str = ""
    what: str = ""
    subgoal: str = ""
    how: str = ""
    decision: str = ""
    responsible: str = ""  # slug of a structure page, or ''
    responsible_text: str = ""
    start: object = ""
    deadline: object = ""
    follow_up: str = ""
    status: object = ActivityStatus.NOT_STARTED.value
    target_groups: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # page slugs

    def snapshot(self) -> dict:
        """JSON for a revision (call on cleaned data)."""
        return asdict(self)


@dataclass
class CleanActivity:
    """Validated activity data with the pages it refers to."""

    data: ActivityData
    responsible: Page | None
    pages: list[Page]


@dataclass
class PlanData:
    """An action plan's own fields (not its activities)."""

    title: str
    structure: str  # slug of a structure page
    period: object  # "2024", "2024–2026"
    adopted: object = ""
    collaboration_plan: str = ""  # slug of a collaboration plan, or ''
    description: str = ""
    focus_areas: list[str] = field(default_factory=list)
    slug: str = ""


@dataclass
class CollaborationData:
    """A collaboration plan's fields."""

    title: str
    period: object
    goals: list[str] = field(default_factory=list)
    description: str = ""
    slug: str = ""


def _line(value: object) -> str:
    return " ".join(str(value or "").split())


def _text(value: object) -> str:
    lines = [ln.rstrip() for ln in str(value or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _lines(values: Iterable[object]) -> list[str]:
    out: list[str] = []
    for value in values:
        item = _line(value)
        if item and item not in out:
            out.append(item)
    return out


def split_list(value: object) -> list[str]:
    """Items of a list typed in one box: separated by commas, semicolons or new lines."""
    if isinstance(value, list | tuple):
        return _lines(value)
    return _lines(re.split(r"[;,\n]", str(value or "")))


def _line_list(value: object) -> list[str]:
    """Items typed one per line (headings may contain commas), or given as a list."""
    if isinstance(value, list | tuple):
        return _lines(value)
    return _lines(str(value or "").split("\n"))


def parse_period(value: object) -> tuple[int, int]:
    """(first year, last year) from "2024", "2024–2026", "2024-2026" or "2024/2026"."""
    text = _line(value).replace("–", "-").replace("—", "-").replace("/", "-").replace(" ", "")
    m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", text)
    if not m:
        raise ValueError("Ange perioden som ett år (2024) eller två år (2024–2026).")
    start, end = int(m.group(1)), int(m.group(2) or m.group(1))
    if not fuzzydate.YEAR_MIN <= start <= fuzzydate.YEAR_MAX or not fuzzydate.YEAR_MIN <= end <= fuzzydate.YEAR_MAX:
        raise ValueError(f"Perioden ”{_line(value)}” verkar fel.")
    if end < start:
        raise ValueError("Periodens sista år kan inte vara före det första.")
    if end - start > PERIOD_SPAN_MAX:
        raise ValueError(f"En period får vara högst {PERIOD_SPAN_MAX} år.")
    return start, end


def _length(errors: dict[str, str], key: str, value: str, limit: int, label: str) -> None:
    if len(value) > limit and key not in errors:
        errors[key] = f"{label} får vara högst {limit} tecken (nu {len(value)})."


def _target_groups(values: Iterable[str], errors: dict[str, str]) -> list[str]:
    by_fold = {g.casefold(): g for g in TARGET_GROUPS}
    out: list[str] = []
    for value in values:
        group = by_fold.get(value.casefold())
        if group is None:
            errors.setdefault("target_groups", f"Okänd målgrupp ”{value}”. Välj bland: {', '.join(TARGET_GROUPS)}.")
        elif group not in out:
            out.append(group)
    return [g for g in TARGET_GROUPS if g in out]


def _live_page(slug: str) -> Page | None:
    page, _ = page_service.resolve(slug)
    return page if page is not None and not page.deleted else None


def structure_page(slug: str) -> Page:
    """The live structure page with this slug (old slugs too); ValueError with a Swedish message."""
    page = _live_page(slug)
    if page is None:
        raise ValueError(f"Det finns ingen sida ”{slug}”.")
    if page.type != PageType.STRUCTURE.value:
        raise ValueError(f"”{page.title}” är ingen struktursida.")
    return page


def clean_activity(data: ActivityData) -> CleanActivity:
    """Normalise and validate an activity; ValidationError maps each field to a Swedish message."""
    errors: dict[str, str] = {}
    out = ActivityData(
        goal=_line(data.goal), what=_text(data.what), subgoal=_line(data.subgoal), how=_text(data.how),
        decision=_text(data.decision), responsible=_line(data.responsible).lower(),
        responsible_text=_line(data.responsible_text), follow_up=_text(data.follow_up),
    )
    if not out.goal:
        errors["goal"] = "Ange vilket mål aktiviteten hör till (Mål)."
    if not out.what:
        errors["what"] = "Beskriv vad som ska göras (Vad)."
    for key, limit in (("goal", SHORT_MAX), ("subgoal", SHORT_MAX), ("what", TEXT_MAX), ("how", TEXT_MAX),
                       ("decision", TEXT_MAX), ("follow_up", TEXT_MAX), ("responsible_text", NAME_MAX)):
        _length(errors, key, getattr(out, key), limit, ACTIVITY_LABELS[key])
    try:
        out.status = ActivityStatus.parse(data.status).value
    except ValueError as exc:
        errors["status"] = str(exc)
        out.status = ""
    for key in ("start", "deadline"):
        try:
            setattr(out, key, fuzzydate.parse(getattr(data, key)))
        except fuzzydate.FuzzyDateError as exc:
            errors[key] = str(exc)
            setattr(out, key, "")
    if out.start and out.deadline and fuzzydate.last_day(out.deadline) < fuzzydate.first_day(out.start):
        errors.setdefault("deadline", "Deadline kan inte ligga före start.")
    out.target_groups = _target_groups(split_list(data.target_groups), errors)
    responsible: Page | None = None
    if out.responsible:
        try:
            responsible = structure_page(out.responsible)
            out.responsible = responsible.slug
        except ValueError as exc:
            errors["responsible"] = str(exc)
    linked: list[Page] = []
    missing: list[str] = []
    for slug in split_list(data.pages):
        page = _live_page(slug.lower())
        if page is None:
            missing.append(slug)
        elif page not in linked:
            linked.append(page)
    if missing:
        names = ", ".join(f"”{s}”" for s in missing)
        errors["pages"] = f"Sidan {names} finns inte." if len(missing) == 1 else f"Sidorna {names} finns inte."
    out.pages = [p.slug for p in linked]
    pnr = pii.field_errors(tuple((key, ACTIVITY_LABELS[key], getattr(out, key)) for key in
                                 ("goal", "subgoal", "what", "how", "decision", "responsible_text", "follow_up")))
    errors.update({k: v for k, v in pnr.items() if k not in errors})
    if errors:
        raise ValidationError(errors)
    return CleanActivity(out, responsible, linked)


def _clean_plan(data: PlanData, *, current: ActionPlan | None = None) -> tuple[PlanData, Page | None,
                                                                               CollaborationPlan | None, int, int]:
    errors: dict[str, str] = {}
    title = _line(data.title)
    if not title:
        errors["title"] = "Ange planens titel."
    _length(errors, "title", title, NAME_MAX, "Titeln")
    slug = _line(data.slug).lower() or (current.slug if current else slug_for(title))
    if title and not is_valid_slug(slug):
        errors["slug"] = "Adressen får bara innehålla a–z, 0–9 och bindestreck."
    elif slug and _plan_slug_taken(slug, current):
        errors["slug"] = f"Det finns redan en plan med adressen ”{slug}”."
    structure: Page | None = None
    if not _line(data.structure):
        errors["structure"] = "Välj vilken struktur planen tillhör."
    else:
        try:
            structure = structure_page(_line(data.structure).lower())
        except ValueError as exc:
            errors["structure"] = str(exc)
    start = end = 0
    try:
        start, end = parse_period(data.period)
    except ValueError as exc:
        errors["period"] = str(exc)
    adopted = ""
    try:
        adopted = fuzzydate.parse(data.adopted)
    except fuzzydate.FuzzyDateError as exc:
        errors["adopted"] = str(exc)
    collaboration: CollaborationPlan | None = None
    if _line(data.collaboration_plan):
        collaboration = get_collaboration_plan(_line(data.collaboration_plan).lower())
        if collaboration is None or collaboration.deleted:
            errors["collaboration_plan"] = f"Det finns ingen samverkansplan ”{_line(data.collaboration_plan)}”."
    description = _text(data.description)
    _length(errors, "description", description, DESCRIPTION_MAX, "Beskrivningen")
    focus = _line_list(data.focus_areas)
    if any(len(f) > SHORT_MAX for f in focus):
        errors["focus_areas"] = f"Ett fokusområde får vara högst {SHORT_MAX} tecken."
    pnr = pii.field_errors((("title", "Titel", title), ("description", "Beskrivning", description),
                            ("focus_areas", "Fokusområden", "\n".join(focus))))
    errors.update({k: v for k, v in pnr.items() if k not in errors})
    if errors:
        raise ValidationError(errors)
    clean = PlanData(title=title, structure=structure.slug if structure else "", period=period_label(start, end),
                     adopted=adopted, collaboration_plan=collaboration.slug if collaboration else "",
                     description=description, focus_areas=focus, slug=slug)
    return clean, structure, collaboration, start, end


def clean_plan(data: PlanData, *, current: ActionPlan | None = None) -> PlanData:
    """Normalised plan fields (as a revision would store them); ValidationError as for a save."""
    return _clean_plan(data, current=current)[0]


def _clean_collaboration(data: CollaborationData, *, current: CollaborationPlan | None = None
                         ) -> tuple[CollaborationData, int, int]:
    errors: dict[str, str] = {}
    title = _line(data.title)
    if not title:
        errors["title"] = "Ange samverkansplanens titel."
    _length(errors, "title", title, NAME_MAX, "Titeln")
    slug = _line(data.slug).lower() or (current.slug if current else slugify(title))
    if title and not is_valid_slug(slug):
        errors["slug"] = "Adressen får bara innehålla a–z, 0–9 och bindestreck."
    elif slug in RESERVED_PLAN_SLUGS or slug.isdigit():
        errors["slug"] = f"Adressen ”{slug}” är reserverad. Välj en annan titel."
    else:
        other = get_collaboration_plan(slug) if slug else None
        if other is not None and other is not current:
            errors["slug"] = f"Det finns redan en samverkansplan med adressen ”{slug}”."
    start = end = 0
    try:
        start, end = parse_period(data.period)
    except ValueError as exc:
        errors["period"] = str(exc)
    goals = _line_list(data.goals)
    if any(len(g) > SHORT_MAX for g in goals):
        errors["goals"] = f"Ett mål får vara högst {SHORT_MAX} tecken."
    description = _text(data.description)
    _length(errors, "description", description, DESCRIPTION_MAX, "Beskrivningen")
    if errors:
        raise ValidationError(errors)
    return CollaborationData(title, period_label(start, end), goals, description, slug), start, end


def clean_collaboration(data: CollaborationData, *, current: CollaborationPlan | None = None) -> CollaborationData:
    """A collaboration plan's fields as they would be saved (ValidationError if they cannot be)."""
    return _clean_collaboration(data, current=current)[0]


# --- lookups -----------------------------------------------------------------------------------

def _plan_slug_taken(slug: str, current: ActionPlan | None) -> bool:
    if slug in RESERVED_PLAN_SLUGS or slug.isdigit():  # get_plan reads a number as an id
        return True
    other = db.session.scalar(select(ActionPlan).where(ActionPlan.slug == slug))
    return other is not None and other is not current


def get_plan(key: str | int) -> ActionPlan | None:
    """An action plan by slug or id (deleted ones included)."""
    if isinstance(key, int) or str(key).isdigit():
        return db.session.get(ActionPlan, int(key))
    return db.session.scalar(select(ActionPlan).where(ActionPlan.slug == str(key)))


def get_activity(activity_id: int) -> Activity | None:
    """An activity by id (deleted ones included)."""
    return db.session.get(Activity, activity_id)


def get_collaboration_plan(key: str | int) -> CollaborationPlan | None:
    """A collaboration plan by slug or id."""
    if isinstance(key, int) or str(key).isdigit():
        return db.session.get(CollaborationPlan, int(key))
    return db.session.scalar(select(CollaborationPlan).where(CollaborationPlan.slug == str(key)))


def collaboration_plans() -> list[CollaborationPlan]:
    """Live collaboration plans, newest period first."""
    return list(db.session.scalars(
        select(CollaborationPlan).where(CollaborationPlan.deleted.is_(False))
        .order_by(CollaborationPlan.period_start.desc(), CollaborationPlan.title)))


def live_plans(*, structure: Page | None = None) -> list[ActionPlan]:
    """Live action plans (of one structure if given), newest period first, then by title."""
    query = select(ActionPlan).where(ActionPlan.deleted.is_(False))
    if structure is not None:
        query = query.where(ActionPlan.structure_id == structure.id)
    query = query.order_by(ActionPlan.period_start.desc(), ActionPlan.title)
    return list(db.session.scalars(query))


def deleted_plans() -> list[ActionPlan]:
    """Deleted action plans (their history stays readable)."""
    return list(db.session.scalars(select(ActionPlan).where(ActionPlan.deleted.is_(True))
                                   .order_by(ActionPlan.title)))


def _activity_query():
    return (select(Activity).join(ActionPlan, Activity.plan_id == ActionPlan.id)
            .where(Activity.deleted.is_(False), ActionPlan.deleted.is_(False))
            .options(selectinload(Activity.pages), joinedload(Activity.responsible),
                     joinedload(Activity.plan)))


def plan_activities(plan: ActionPlan) -> list[Activity]:
    """The plan's live activities in plan order."""
    return list(db.session.scalars(
        select(Activity).where(Activity.plan_id == plan.id, Activity.deleted.is_(False))
        .options(selectinload(Activity.pages), joinedload(Activity.responsible))
        .order_by(Activity.position, Activity.id)).unique())


def deleted_activities(plan: ActionPlan) -> list[Activity]:
    """The plan's deleted activities."""
    return list(db.session.scalars(
        select(Activity).where(Activity.plan_id == plan.id, Activity.deleted.is_(True))
        .order_by(Activity.position, Activity.id)))


@dataclass
class ActivityFilter:
    """What a list of activities is narrowed to; empty values do not filter."""

    status: str = ""
    goal: str = ""
    target_group: str = ""
    responsible: str = ""  # a structure's title or slug, or a free-text responsible
    overdue: bool = False
    page: str = ""  # slug: activities linked to the page or (for a structure) that it is responsible for
    plan: str = ""  # plan slug or id

    @property
    def active(self) -> bool:
        """Whether anything is filtered."""
        return any((self.status, self.goal, self.target_group, self.responsible, self.overdue, self.page,
                    self.plan))


_TRUE = {"1", "true", "ja", "yes", "on"}
_FALSE = {"", "0", "false", "nej", "no", "off"}


def parse_filter(args: Mapping[str, str]) -> ActivityFilter:
    """A filter from query-string arguments; ValidationError for values that cannot mean anything."""
    errors: dict[str, str] = {}
    status = _line(args.get("status", ""))
    if status:
        try:
            status = ActivityStatus.parse(status).value
        except ValueError as exc:
            errors["status"] = str(exc)
    target_group = _line(args.get("target_group", "") or args.get("malgrupp", ""))
    if target_group:
        match = [g for g in TARGET_GROUPS if g.casefold() == target_group.casefold()]
        if not match:
            errors["target_group"] = f"Okänd målgrupp ”{target_group}”. Välj bland: {', '.join(TARGET_GROUPS)}."
        else:
            target_group = match[0]
    overdue_raw = _line(args.get("overdue", "")).lower()
    if overdue_raw not in _TRUE | _FALSE:
        errors["overdue"] = "overdue ska vara 1 eller 0."
    if errors:
        raise ValidationError(errors)
    return ActivityFilter(status=status, goal=_line(args.get("goal", "")), target_group=target_group,
                          responsible=_line(args.get("responsible", "")), overdue=overdue_raw in _TRUE,
                          page=_line(args.get("page", "")).lower(), plan=_line(args.get("plan", "")))


def responsible_names(activity: Activity) -> list[str]:
    """Who is responsible, as shown: the structure's title and/or the free text."""
    names = [activity.responsible.title] if activity.responsible is not None else []
    if activity.responsible_text:
        names.append(activity.responsible_text)
    return names


def _matches(activity: Activity, f: ActivityFilter, on: date) -> bool:
    if f.goal and activity.goal != f.goal:
        return False
    if f.target_group and f.target_group not in (activity.target_groups or []):
        return False
    if f.responsible:
        wanted = f.responsible.casefold()
        keys = [n.casefold() for n in responsible_names(activity)]
        if activity.responsible is not None:
            keys.append(activity.responsible.slug)
        if wanted not in keys:
            return False
    return not (f.overdue and not activity.is_overdue(on))


def find_activities(f: ActivityFilter, *, plan: ActionPlan | None = None, on: date | None = None
                    ) -> list[Activity]:
    """Live activities of live plans matching the filter, in plan then plan-row order."""
    on = on or today()
    query = _activity_query()
    if plan is not None:
        query = query.where(Activity.plan_id == plan.id)
    elif f.plan:
        found = get_plan(f.plan)
        if found is None:
            return []
        query = query.where(Activity.plan_id == found.id)
    if f.status:
        query = query.where(Activity.status == f.status)
    if f.overdue:
        query = query.where(Activity.due_on < on, Activity.status != ActivityStatus.DONE.value)
    if f.page:
        page = _live_page(f.page)
        if page is None:
            return []
        linked = select(ActivityPage.activity_id).where(ActivityPage.page_id == page.id)
        query = query.where(or_(Activity.id.in_(linked), Activity.responsible_id == page.id))
    query = query.order_by(ActionPlan.period_start.desc(), ActionPlan.title, Activity.position, Activity.id)
    return [a for a in db.session.scalars(query).unique() if _matches(a, f, on)]


def activities_for_page(page: Page) -> list[Activity]:
    """Live activities linked to the page, or for which the page (a structure) is responsible."""
    return find_activities(ActivityFilter(page=page.slug))


@dataclass
class GoalGroup:
    """Activities under one goal, split by sub-goal ('' for none), in plan order."""

    goal: str
    subgroups: list[tuple[str, list[Activity]]]

    @property
    def count(self) -> int:
        """How many activities the group holds."""
        return sum(len(acts) for _, acts in self.subgroups)


def group_by_goal(plan: ActionPlan, activities: Iterable[Activity]) -> list[GoalGroup]:
    """Activities grouped like the paper plan: focus areas in the plan's order, then first seen."""
    order: list[str] = list(plan.focus_areas or [])
    by_goal: dict[str, dict[str, list[Activity]]] = {}
    for activity in activities:
        if activity.goal not in order:
            order.append(activity.goal)
        by_goal.setdefault(activity.goal, {}).setdefault(activity.subgoal or "", []).append(activity)
    return [GoalGroup(goal, list(by_goal[goal].items())) for goal in order if goal in by_goal]


def goal_choices(plan: ActionPlan) -> list[str]:
    """Goals an activity of the plan would sensibly use: its focus areas, the collaboration plan's
    prioritised goals and the goals its activities already have."""
    out = list(plan.focus_areas or [])
    if plan.collaboration_plan is not None:
        out += [g for g in plan.collaboration_plan.goals or [] if g not in out]
    for activity in plan_activities(plan):
        if activity.goal not in out:
            out.append(activity.goal)
    return out


@dataclass
class PlanCounts:
    """Activities per status in one plan."""

    plan: ActionPlan
    by_status: dict[str, int]
    overdue: int

    @property
    def total(self) -> int:
        """All live activities of the plan."""
        return sum(self.by_status.values())


def status_counts(on: date | None = None, *, of: list[ActionPlan] | None = None) -> list[PlanCounts]:
    """Counts per status (and overdue) for the plans `of` (every live plan by default), in that
    order (two grouped queries)."""
    on = on or today()
    plans = live_plans() if of is None else of
    counts: dict[int, dict[str, int]] = {p.id: {s.value: 0 for s in ActivityStatus} for p in plans}
    ids = list(counts)
    rows = db.session.execute(
        select(Activity.plan_id, Activity.status, func.count())
        .where(Activity.deleted.is_(False), Activity.plan_id.in_(ids))
        .group_by(Activity.plan_id, Activity.status))
    for plan_id, status, n in rows:
        if status in counts[plan_id]:
            counts[plan_id][status] = n
    overdue = dict(db.session.execute(
        select(Activity.plan_id, func.count()).where(
            Activity.deleted.is_(False), Activity.plan_id.in_(ids), Activity.due_on < on,
            Activity.status != ActivityStatus.DONE.value)
        .group_by(Activity.plan_id)).all())
    return [PlanCounts(p, counts[p.id], overdue.get(p.id, 0)) for p in plans]


def history(entity: str, entity_id: int) -> list[PlanRevision]:
    """Revisions of a plan, activity or collaboration plan, newest first."""
    return list(db.session.scalars(
        select(PlanRevision).where(PlanRevision.entity == entity, PlanRevision.entity_id == entity_id)
        .order_by(PlanRevision.number.desc())))


def get_revision(entity: str, entity_id: int, number: int) -> PlanRevision:
    """One revision, or NotFoundError."""
    rev = db.session.scalar(select(PlanRevision).where(
        PlanRevision.entity == entity, PlanRevision.entity_id == entity_id, PlanRevision.number == number))
    if rev is None:
        raise NotFoundError(f"Version {number} finns inte.")
    return rev


# Snapshot fields that hold page addresses, and the one that holds a collaboration plan's address.
PAGE_REF_KEYS = frozenset({"structure", "responsible", "pages"})
COLLABORATION_REF_KEY = "collaboration_plan"


Titles = Mapping[tuple[str, str], str]  # ("page" or "plan", address) -> title


def _reference(key: str) -> str | None:
    return "page" if key in PAGE_REF_KEYS else "plan" if key == COLLABORATION_REF_KEY else None


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def format_value(key: str, value: object, titles: Titles | None = None) -> str:
    """A snapshot value as shown in history: status labels, date labels, titles for addresses, lists joined."""
    if value is None or value == "" or value == []:
        return ""
    kind = _reference(key)
    if titles and kind:
        return ", ".join(titles.get((kind, str(v)), str(v)) for v in _as_list(value))
    if key == "status":
        try:
            return ActivityStatus(value).label
        except ValueError:
            return str(value)
    if key in ("start", "deadline", "adopted"):
        return fuzzydate.label(str(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "ja" if value else "nej"
    return str(value)


@dataclass
class FieldChange:
    """One field that differs between two revisions."""

    key: str
    label: str
    old: str
    new: str


def reference_titles(snapshots: Iterable[Mapping]) -> dict[tuple[str, str], str]:
    """Titles for the page and collaboration-plan addresses in snapshots (two queries at most).

    An address whose page or plan is gone has no title; history shows the address itself.
    """
    wanted: dict[str, set[str]] = {"page": set(), "plan": set()}
    for data in snapshots:
        for key, value in data.items():
            kind = _reference(key)
            if kind:
                wanted[kind].update(str(v) for v in _as_list(value) if v)
    titles = {("page", slug): page.title for slug, page in pages_by_slug(wanted["page"]).items()}
    if wanted["plan"]:
        titles.update({("plan", slug): title for slug, title in db.session.execute(
            select(CollaborationPlan.slug, CollaborationPlan.title)
            .where(CollaborationPlan.slug.in_(wanted["plan"])))})
    return titles


def describe_changes(entity: str, old: dict | None, new: dict,
                     titles: Titles | None = None) -> list[FieldChange]:
    """The fields that changed from `old` to `new` (everything set, for a first revision)."""
    labels = {ACTIVITY: ACTIVITY_LABELS, PLAN: PLAN_LABELS, COLLABORATION: COLLABORATION_LABELS}[entity]
    if titles is None:
        titles = reference_titles([old or {}, new])
    out: list[FieldChange] = []
    for key, label in labels.items():
        before = format_value(key, (old or {}).get(key), titles)
        after = format_value(key, new.get(key), titles)
        if before != after:
            out.append(FieldChange(key, label, before, after))
    return out


@dataclass
class HistoryEntry:
    """A revision with what it changed, for history pages."""

    revision: PlanRevision
    changes: list[FieldChange]

    @property
    def status_change(self) -> FieldChange | None:
        """The status change in this revision, if any."""
        return next((c for c in self.changes if c.key == "status"), None)


def history_entries(entity: str, entity_id: int) -> list[HistoryEntry]:
    """Revisions newest first, each with the fields it changed."""
    revs = list(reversed(history(entity, entity_id)))
    titles = reference_titles(rev.data or {} for rev in revs)
    out: list[HistoryEntry] = []
    previous: dict | None = None
    for rev in revs:
        out.append(HistoryEntry(rev, describe_changes(entity, previous, rev.data or {}, titles)))
        previous = rev.data or {}
    return list(reversed(out))


def status_history(activity: Activity) -> list[HistoryEntry]:
    """The revisions that set or changed the status, or were quick status updates, newest first."""
    return [e for e in history_entries(ACTIVITY, activity.id)
            if e.status_change is not None or e.revision.op == RevisionOp.STATUS.value]


# --- writes ------------------------------------------------------------------------------------

def _add_revision(entity: str, row, snapshot: dict, op: RevisionOp, author: str, comment: str) -> PlanRevision:
    row.revision_number = (row.revision_number or 0) + 1
    row.updated_at = utcnow()
    if row.id is None:
        db.session.add(row)
    db.session.flush()
    rev = PlanRevision(entity=entity, entity_id=row.id, number=row.revision_number, op=op.value,
                       data=snapshot, author=(author or "")[:120], comment=_line(comment)[:500])
    db.session.add(rev)
    db.session.flush()
    return rev


def _commit(row, base: int) -> None:
    try:
        changes.commit()
    except IntegrityError as exc:  # another editor saved the same revision number first
        db.session.rollback()
        if row.id is not None and db.session.get(type(row), row.id) is not None:
            db.session.refresh(row)
            raise ConflictError(base, row.revision_number) from exc
        raise ValidationError({"slug": "Adressen är redan upptagen. Välj en annan."}) from exc


def _check_base(row, base_revision: int | None) -> None:
    if base_revision is not None and base_revision != row.revision_number:
        raise ConflictError(base_revision, row.revision_number)


def _detail(rev: PlanRevision) -> str:
    return f"version {rev.number}" + (f": {rev.comment}" if rev.comment else "")


# Activities

def _activity_snapshot(activity: Activity) -> dict:
    return {
        **ActivityData(
            goal=activity.goal, what=activity.what, subgoal=activity.subgoal, how=activity.how,
            decision=activity.decision, responsible=activity.responsible.slug if activity.responsible else "",
            responsible_text=activity.responsible_text, start=activity.start, deadline=activity.deadline,
            follow_up=activity.follow_up, status=activity.status, target_groups=list(activity.target_groups or []),
            pages=[p.slug for p in activity.pages],
        ).snapshot(),
        "plan": activity.plan.slug if activity.plan else "",
        "deleted": bool(activity.deleted),
    }


def _apply_activity(activity: Activity, clean: CleanActivity) -> None:
    d = clean.data
    activity.goal, activity.subgoal, activity.what, activity.how = d.goal, d.subgoal, d.what, d.how
    activity.decision, activity.follow_up = d.decision, d.follow_up
    activity.responsible = clean.responsible
    activity.responsible_text = d.responsible_text
    activity.start, activity.deadline = str(d.start), str(d.deadline)
    activity.start_on = fuzzydate.first_day(activity.start)
    activity.due_on = fuzzydate.last_day(activity.deadline)
    activity.status = str(d.status)
    activity.target_groups = list(d.target_groups)
    activity.pages = list(clean.pages)


def _record_activity(activity: Activity, op: RevisionOp, author: str, comment: str,
                     action: AuditAction = AuditAction.ACTIVITY_SAVED) -> PlanRevision:
    db.session.flush()
    rev = _add_revision(ACTIVITY, activity, _activity_snapshot(activity), op, author, comment)
    live = not activity.deleted and not activity.plan.deleted
    changes.record(Entity.ACTIVITY, activity.id, ChangeOp.UPSERT if live else ChangeOp.DELETE, author)
    audit.record(action, f"{activity.plan.slug}/{activity.id} {activity.title[:80]}", _detail(rev),
                 actor=author or None)
    return rev


def same_activity(activity: Activity, clean: CleanActivity) -> bool:
    """Whether saving `clean` would change nothing."""
    current = _activity_snapshot(activity)
    new = clean.data.snapshot()
    # Linked pages are a set (listed by title), so the order they were given in is no change.
    current["pages"], new["pages"] = sorted(current["pages"]), sorted(new["pages"])
    return all(current[k] == new[k] for k in new)


def create_activity(plan: ActionPlan, data: ActivityData | CleanActivity, *, author: str = "", comment: str = "",
                    position: int | None = None, op: RevisionOp = RevisionOp.CREATE, commit: bool = True
                    ) -> Activity:
    """Add an activity at the end of the plan (or at `position`)."""
    if plan.deleted:
        raise ValidationError({"plan": "Planen är borttagen. Återskapa den först."})
    clean = data if isinstance(data, CleanActivity) else clean_activity(data)
    if position is None:
        db.session.flush()
        position = (db.session.scalar(select(func.max(Activity.position)).where(Activity.plan_id == plan.id))
                    or 0) + 1
    activity = Activity(plan=plan, position=position, revision_number=0)
    _apply_activity(activity, clean)
    db.session.add(activity)
    _record_activity(activity, op, author, comment or "Ny aktivitet")
    if commit:
        _commit(activity, 0)
    return activity


def update_activity(activity: Activity, data: ActivityData | CleanActivity, *, base_revision: int | None,
                    author: str = "", comment: str = "", op: RevisionOp = RevisionOp.EDIT, commit: bool = True
                    ) -> PlanRevision | None:
    """Save an edit based on `base_revision` (None: no check); None when nothing changed."""
    if activity.deleted:
        raise ValidationError({"what": "Aktiviteten är borttagen. Återskapa den för att ändra den."})
    clean = data if isinstance(data, CleanActivity) else clean_activity(data)
    _check_base(activity, base_revision)
    if same_activity(activity, clean):
        return None
    base = activity.revision_number
    status_changed = clean.data.status != activity.status
    _apply_activity(activity, clean)
    action = AuditAction.ACTIVITY_STATUS if status_changed and op is RevisionOp.STATUS else AuditAction.ACTIVITY_SAVED
    rev = _record_activity(activity, op, author, comment, action)
    if commit:
        _commit(activity, base)
    return rev


def set_status(activity: Activity, status: object, *, comment: str = "", base_revision: int | None = None,
               author: str = "", commit: bool = True) -> PlanRevision:
    """A quick status change with a comment, recorded in the status history.

    Keeping the status with a comment records a follow-up note; neither is a ValidationError.
    """
    if activity.deleted:
        raise ValidationError({"status": "Aktiviteten är borttagen."})
    try:
        new = ActivityStatus.parse(status)
    except ValueError as exc:
        raise ValidationError({"status": str(exc)}) from None
    comment = _line(comment)
    errors = pii.field_errors((("comment", "Kommentar", comment),))
    if len(comment) > SHORT_MAX:
        errors.setdefault("comment", f"Kommentaren får vara högst {SHORT_MAX} tecken.")
    if new.value == activity.status and not comment:
        errors.setdefault("status", f"Aktiviteten har redan status {new.label}. Välj en annan status "
                                    "eller skriv en kommentar.")
    if errors:
        raise ValidationError(errors)
    _check_base(activity, base_revision)
    base = activity.revision_number
    activity.status = new.value
    rev = _record_activity(activity, RevisionOp.STATUS, author, comment, AuditAction.ACTIVITY_STATUS)
    if commit:
        _commit(activity, base)
    return rev


def delete_activity(activity: Activity, *, author: str = "", comment: str = "", base_revision: int | None = None,
                    commit: bool = True) -> PlanRevision:
    """Mark an activity deleted; it and its history stay, and it can be restored."""
    if activity.deleted:
        raise ValidationError({"what": "Aktiviteten är redan borttagen."})
    _check_base(activity, base_revision)
    base = activity.revision_number
    activity.deleted = True
    rev = _record_activity(activity, RevisionOp.DELETE, author, comment or "Aktiviteten togs bort",
                           AuditAction.ACTIVITY_DELETED)
    if commit:
        _commit(activity, base)
    return rev


def restore_activity(activity: Activity, *, author: str = "", comment: str = "", commit: bool = True
                     ) -> PlanRevision:
    """Bring a deleted activity back."""
    if not activity.deleted:
        raise ValidationError({"what": "Aktiviteten är inte borttagen."})
    base = activity.revision_number
    activity.deleted = False
    rev = _record_activity(activity, RevisionOp.RESTORE, author, comment or "Återskapad")
    if commit:
        _commit(activity, base)
    return rev


# Action plans

def _plan_snapshot(plan: ActionPlan) -> dict:
    return {
        "title": plan.title, "slug": plan.slug, "structure": plan.structure.slug if plan.structure else "",
        "period": plan.period, "adopted": plan.adopted,
        "collaboration_plan": plan.collaboration_plan.slug if plan.collaboration_plan else "",
        "description": plan.description, "focus_areas": list(plan.focus_areas or []), "deleted": bool(plan.deleted),
    }


def _apply_plan(plan: ActionPlan, data: PlanData, structure: Page, collaboration: CollaborationPlan | None,
                start: int, end: int) -> None:
    plan.title, plan.slug, plan.structure = data.title, data.slug, structure
    plan.period_start, plan.period_end = start, end
    plan.adopted = str(data.adopted)
    plan.collaboration_plan = collaboration
    plan.description = data.description
    plan.focus_areas = list(data.focus_areas)


def _record_plan(plan: ActionPlan, op: RevisionOp, author: str, comment: str, *, touch_activities: bool,
                 action: AuditAction = AuditAction.PLAN_SAVED) -> PlanRevision:
    db.session.flush()
    rev = _add_revision(PLAN, plan, _plan_snapshot(plan), op, author, comment)
    changes.record(Entity.PLAN, plan.id, ChangeOp.DELETE if plan.deleted else ChangeOp.UPSERT, author)
    if touch_activities:  # their index documents show the plan's title and vanish with the plan
        for activity in plan.activities:
            live = not activity.deleted and not plan.deleted
            changes.record(Entity.ACTIVITY, activity.id, ChangeOp.UPSERT if live else ChangeOp.DELETE, author)
    audit.record(action, plan.slug, _detail(rev), actor=author or None)
    return rev


def create_plan(data: PlanData, *, author: str = "", comment: str = "", commit: bool = True) -> ActionPlan:
    """Add an action plan (without activities)."""
    clean, structure, collaboration, start, end = _clean_plan(data)
    plan = ActionPlan(revision_number=0)
    _apply_plan(plan, clean, structure, collaboration, start, end)
    db.session.add(plan)
    _record_plan(plan, RevisionOp.CREATE, author, comment or "Ny plan", touch_activities=False)
    if commit:
        _commit(plan, 0)
    return plan


def same_plan(plan: ActionPlan, data: PlanData) -> bool:
    """Whether saving cleaned `data` would change nothing."""
    current = _plan_snapshot(plan)
    new = asdict(data)
    return all(current[k] == new[k] for k in new)


def update_plan(plan: ActionPlan, data: PlanData, *, base_revision: int | None, author: str = "",
                comment: str = "", commit: bool = True) -> PlanRevision | None:
    """Save an edit of the plan's own fields; None when nothing changed."""
    if plan.deleted:
        raise ValidationError({"title": "Planen är borttagen. Återskapa den för att ändra den."})
    clean, structure, collaboration, start, end = _clean_plan(data, current=plan)
    _check_base(plan, base_revision)
    if same_plan(plan, clean):
        return None
    base = plan.revision_number
    renamed = (clean.title, clean.slug) != (plan.title, plan.slug)
    _apply_plan(plan, clean, structure, collaboration, start, end)
    rev = _record_plan(plan, RevisionOp.EDIT, author, comment, touch_activities=renamed)
    if commit:
        _commit(plan, base)
    return rev


def delete_plan(plan: ActionPlan, *, author: str = "", comment: str = "", base_revision: int | None = None,
                commit: bool = True) -> PlanRevision:
    """Mark a plan deleted (its activities leave lists and search); restorable."""
    if plan.deleted:
        raise ValidationError({"title": "Planen är redan borttagen."})
    _check_base(plan, base_revision)
    base = plan.revision_number
    plan.deleted = True
    rev = _record_plan(plan, RevisionOp.DELETE, author, comment or "Planen togs bort", touch_activities=True,
                       action=AuditAction.PLAN_DELETED)
    if commit:
        _commit(plan, base)
    return rev


def restore_plan(plan: ActionPlan, *, author: str = "", comment: str = "", commit: bool = True) -> PlanRevision:
    """Bring a deleted plan back with its activities."""
    if not plan.deleted:
        raise ValidationError({"title": "Planen är inte borttagen."})
    base = plan.revision_number
    plan.deleted = False
    rev = _record_plan(plan, RevisionOp.RESTORE, author, comment or "Återskapad", touch_activities=True)
    if commit:
        _commit(plan, base)
    return rev


# Collaboration plans

def _collaboration_snapshot(row: CollaborationPlan) -> dict:
    return {"title": row.title, "slug": row.slug, "period": row.period, "goals": list(row.goals or []),
            "description": row.description, "deleted": bool(row.deleted)}


def collaboration_state() -> tuple:
    """What changes when any collaboration plan is saved (they record no Change; see kb.caching)."""
    return tuple(db.session.execute(select(func.count(CollaborationPlan.id), func.max(CollaborationPlan.updated_at),
                                           func.sum(CollaborationPlan.revision_number))).one())


def save_collaboration_plan(data: CollaborationData, *, current: CollaborationPlan | None = None,
                            base_revision: int | None = None, author: str = "", comment: str = "",
                            commit: bool = True) -> CollaborationPlan:
    """Create a collaboration plan, or update `current`; nothing is written when nothing changed."""
    clean, start, end = _clean_collaboration(data, current=current)
    row = current or CollaborationPlan(revision_number=0)
    if current is not None:
        _check_base(current, base_revision)
        if {k: v for k, v in _collaboration_snapshot(current).items() if k != "deleted"} == asdict(clean):
            return current
    base = row.revision_number or 0
    row.title, row.slug, row.goals, row.description = clean.title, clean.slug, clean.goals, clean.description
    row.period_start, row.period_end = start, end
    _add_revision(COLLABORATION, row, _collaboration_snapshot(row),
                  RevisionOp.EDIT if current else RevisionOp.CREATE, author, comment)
    audit.record(AuditAction.PLAN_SAVED, f"samverkansplan {row.slug}", f"version {row.revision_number}",
                 actor=author or None)
    if commit:
        _commit(row, base)
    return row


def commit() -> None:
    """Commit writes made with commit=False (an import), then let the index catch up."""
    changes.commit()


def slug_for(title: str) -> str:
    """A free plan slug made from a title (…-2, …-3 when taken)."""
    base = slugify(title)[: SLUG_MAX - 4] or "plan"
    slug, n = base, 2
    while _plan_slug_taken(slug, None):
        slug, n = f"{base}-{n}", n + 1
    return slug
