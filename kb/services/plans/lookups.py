"""Finding plans, activities and collaboration plans by key, live or deleted."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from kb.extensions import db
from kb.models import ActionPlan, Activity, CollaborationPlan, Page
from kb.services.plans.common import (
    RESERVED_PLAN_SLUGS,
)
from kb.slugs import SLUG_MAX, slugify


def plan_slug_taken(slug: str, current: ActionPlan | None) -> bool:
    """Whether a plan address is reserved, a number, or used by another plan than `current`."""
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


def collaboration_plans(*, area_id: int | None = None, hidden: frozenset[int] = frozenset()) -> list[CollaborationPlan]:
    """Live collaboration plans (of one area if given), newest period first; none of the `hidden` areas
    (members-only areas the viewer is no member of: kb.permissions.hidden_areas)."""
    query = select(CollaborationPlan).where(CollaborationPlan.deleted.is_(False))
    if area_id is not None:
        query = query.where(CollaborationPlan.area_id == area_id)
    if hidden:
        query = query.where(CollaborationPlan.area_id.not_in(hidden))
    return list(db.session.scalars(query.order_by(CollaborationPlan.period_start.desc(), CollaborationPlan.title)))


def live_plans(*, structure: Page | None = None, area_id: int | None = None,
               hidden: frozenset[int] = frozenset()) -> list[ActionPlan]:
    """Live action plans (of one structure, of one area if given), newest period first, then by title;
    none of the `hidden` areas."""
    query = select(ActionPlan).where(ActionPlan.deleted.is_(False))
    if hidden:
        query = query.where(ActionPlan.area_id.not_in(hidden))
    if structure is not None:
        query = query.where(ActionPlan.structure_id == structure.id)
    if area_id is not None:
        query = query.where(ActionPlan.area_id == area_id)
    query = query.order_by(ActionPlan.period_start.desc(), ActionPlan.title)
    return list(db.session.scalars(query))


def deleted_plans(*, hidden: frozenset[int] = frozenset()) -> list[ActionPlan]:
    """Deleted action plans (their history stays readable), none of the `hidden` areas."""
    query = select(ActionPlan).where(ActionPlan.deleted.is_(True))
    if hidden:
        query = query.where(ActionPlan.area_id.not_in(hidden))
    return list(db.session.scalars(query.order_by(ActionPlan.title)))


def activity_query(hidden: frozenset[int] = frozenset()):
    """A query for live activities of live plans, none of plans in the `hidden` areas."""
    query = (select(Activity).join(ActionPlan, Activity.plan_id == ActionPlan.id)
             .where(Activity.deleted.is_(False), ActionPlan.deleted.is_(False))
             .options(selectinload(Activity.pages), joinedload(Activity.responsible),
                      joinedload(Activity.plan)))
    return query.where(ActionPlan.area_id.not_in(hidden)) if hidden else query


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


def slug_for(title: str) -> str:
    """A free plan slug made from a title (…-2, …-3 when taken)."""
    base = slugify(title)[: SLUG_MAX - 4] or "plan"
    slug, n = base, 2
    while plan_slug_taken(slug, None):
        slug, n = f"{base}-{n}", n + 1
    return slug
