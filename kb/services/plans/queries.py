"""What the plan views show: activity filters, goal groups and counts per status."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select

from kb.constants import TARGET_GROUPS, ActivityStatus
from kb.dates import today
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import ActionPlan, Activity, ActivityPage, Page
from kb.services.plans.inputs import (
    live_page,
    one_line,
)
from kb.services.plans.lookups import (
    activity_query,
    get_plan,
    live_plans,
    plan_activities,
)


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
    status = one_line(args.get("status", ""))
    if status:
        try:
            status = ActivityStatus.parse(status).value
        except ValueError as exc:
            errors["status"] = str(exc)
    target_group = one_line(args.get("target_group", "") or args.get("malgrupp", ""))
    if target_group:
        match = [g for g in TARGET_GROUPS if g.casefold() == target_group.casefold()]
        if not match:
            errors["target_group"] = f"Okänd målgrupp ”{target_group}”. Välj bland: {', '.join(TARGET_GROUPS)}."
        else:
            target_group = match[0]
    overdue_raw = one_line(args.get("overdue", "")).lower()
    if overdue_raw not in _TRUE | _FALSE:
        errors["overdue"] = "overdue ska vara 1 eller 0."
    if errors:
        raise ValidationError(errors)
    return ActivityFilter(status=status, goal=one_line(args.get("goal", "")), target_group=target_group,
                          responsible=one_line(args.get("responsible", "")), overdue=overdue_raw in _TRUE,
                          page=one_line(args.get("page", "")).lower(), plan=one_line(args.get("plan", "")))


def responsible_names(activity: Activity, hidden: frozenset[int] = frozenset()) -> list[str]:
    """Who is responsible, as shown: the structure's title (not one of the `hidden` areas') and/or the
    free text."""
    shown = activity.responsible is not None and activity.responsible.area_id not in hidden
    names = [activity.responsible.title] if shown else []
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


def find_activities(f: ActivityFilter, *, plan: ActionPlan | None = None, on: date | None = None,
                    hidden: frozenset[int] = frozenset()) -> list[Activity]:
    """Live activities of live plans matching the filter, in plan then plan-row order; none of plans
    in the `hidden` areas (kb.permissions.hidden_areas)."""
    on = on or today()
    query = activity_query(hidden)
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
        page = live_page(f.page)
        if page is None:
            return []
        linked = select(ActivityPage.activity_id).where(ActivityPage.page_id == page.id)
        query = query.where(or_(Activity.id.in_(linked), Activity.responsible_id == page.id))
    query = query.order_by(ActionPlan.period_start.desc(), ActionPlan.title, Activity.position, Activity.id)
    return [a for a in db.session.scalars(query).unique() if _matches(a, f, on)]


def activities_for_page(page: Page, *, hidden: frozenset[int] = frozenset()) -> list[Activity]:
    """Live activities linked to the page, or for which the page (a structure) is responsible; none
    of plans in the `hidden` areas."""
    return find_activities(ActivityFilter(page=page.slug), hidden=hidden)


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


def status_counts(on: date | None = None, *, of: list[ActionPlan] | None = None,
                  hidden: frozenset[int] = frozenset()) -> list[PlanCounts]:
    """Counts per status (and overdue) for the plans `of` (every live plan but those of the `hidden`
    areas by default), in that order (two grouped queries)."""
    on = on or today()
    plans = live_plans(hidden=hidden) if of is None else of
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
