"""What the Atom feeds of recent changes hold: the site's, an area's, a page type's and a structure's.

A feed is read by programs without a login and its address is passed around, so it always shows
what an anonymous reader may see, whoever asks: published (and approved) revisions of live pages
outside the members-only areas, and the changes of action plans and their activities there. A
structure's feed holds the structure page, the routines it owns, the structures under it and its
action plans. The views turn the items into Atom (kb.feeds).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from kb.constants import PageType
from kb.extensions import db
from kb.models import ActionPlan, Activity, Page, PlanRevision, Revision
from kb.models.areas import closed_area_ids
from kb.services import users
from kb.services.pages.lookups import PUBLIC_STATES, shown_to

# Entries per feed: feed readers poll; a long feed costs every poll.
LIMIT = 50

PLAN_ENTITIES = ("action_plan", "activity")


@dataclass(frozen=True)
class Item:
    """One change in a feed: a page revision or a plan/activity revision."""

    key: str  # stable and unique across kinds: the entry's id
    title: str
    updated: datetime
    author: str  # the person's name
    summary: str
    page: Page | None = None
    revision: Revision | None = None
    plan: ActionPlan | None = None


@dataclass(frozen=True)
class Scope:
    """What one feed covers; empty fields narrow nothing."""

    area_id: int | None = None
    page_type: PageType | None = None
    structure: Page | None = None


def _page_items(scope: Scope, limit: int) -> list[Item]:
    query = (select(Revision).options(selectinload(Revision.page)).join(Page, Page.id == Revision.page_id)
             .where(Page.deleted.is_(False), Revision.state.in_(PUBLIC_STATES)))
    query = shown_to(query, published_only=True, hidden=closed_area_ids())
    if scope.area_id is not None:
        query = query.where(Page.area_id == scope.area_id)
    if scope.page_type is not None:
        query = query.where(Page.type == scope.page_type.value)
    if scope.structure is not None:
        slug = scope.structure.slug
        query = query.where(or_(Page.id == scope.structure.id,
                                Page.fields["owner"].as_string() == slug,
                                Page.fields["parent"].as_string() == slug))
    revisions = db.session.scalars(query.order_by(Revision.id.desc()).limit(limit))
    return [Item(key=f"revision-{r.id}", title=r.title, updated=r.approved_at or r.created_at,
                 author=r.author, summary=r.comment or r.summary, page=r.page, revision=r)
            for r in revisions]


def _plan_items(scope: Scope, limit: int) -> list[Item]:
    if scope.page_type is not None:  # a page type's feed holds pages only
        return []
    plans = select(ActionPlan.id).where(ActionPlan.deleted.is_(False))
    if closed := closed_area_ids():
        plans = plans.where(ActionPlan.area_id.not_in(closed))
    if scope.area_id is not None:
        plans = plans.where(ActionPlan.area_id == scope.area_id)
    if scope.structure is not None:
        plans = plans.where(ActionPlan.structure_id == scope.structure.id)
    activities = select(Activity.id).where(Activity.plan_id.in_(plans))
    query = select(PlanRevision).where(or_(
        (PlanRevision.entity == "action_plan") & PlanRevision.entity_id.in_(plans),
        (PlanRevision.entity == "activity") & PlanRevision.entity_id.in_(activities)))
    revisions = list(db.session.scalars(query.order_by(PlanRevision.id.desc()).limit(limit)))
    activity_plan = dict(db.session.execute(select(Activity.id, Activity.plan_id).where(
        Activity.id.in_({r.entity_id for r in revisions if r.entity == "activity"}))).all())
    plan_ids = {r.entity_id if r.entity == "action_plan" else activity_plan[r.entity_id] for r in revisions}
    by_id = {p.id: p for p in db.session.scalars(select(ActionPlan).where(ActionPlan.id.in_(plan_ids)))}
    items = []
    for r in revisions:
        plan = by_id[r.entity_id if r.entity == "action_plan" else activity_plan[r.entity_id]]
        if r.entity == "action_plan":
            title = plan.title
        else:
            title = f"{plan.title}: {(r.data or {}).get('what') or 'aktivitet'}"
        items.append(Item(key=f"plan-revision-{r.id}", title=_short(title), updated=r.created_at,
                          author=r.author, summary=r.comment, plan=plan))
    return items


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def items(scope: Scope = Scope(), limit: int = LIMIT) -> list[Item]:  # noqa: B008 - a frozen value
    """The newest changes in the scope that anyone may read, newest first, authors by name."""
    found = sorted(_page_items(scope, limit) + _plan_items(scope, limit), key=lambda i: i.updated,
                   reverse=True)[:limit]
    names = users.display_names({i.author for i in found if i.author})
    return [Item(**{**i.__dict__, "author": names.get(i.author, i.author)}) for i in found]


def is_public_structure(page: Page | None) -> bool:
    """Whether a structure page may have a public feed: live, published, outside members-only areas."""
    return (page is not None and page.type == PageType.STRUCTURE.value and not page.deleted
            and page.published_revision_id is not None and page.area_id not in closed_area_ids())
