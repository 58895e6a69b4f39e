"""What an area's start page (/omrade/<key>) and the site's start page show of the areas.

An area's page gathers its own content only: its structures as a chart, its action and
collaboration plans, its orientation path ("Ny i <område>"), its latest changes and its routines
due for review. A members-only area does not exist for those who may not see it (`visible` is None,
so the view answers 404, as for an unknown key).
"""
from __future__ import annotations

from dataclasses import dataclass

from kb import permissions
from kb.models import ActionPlan, Area, CollaborationPlan, Page
from kb.services import areas, pages, structure
from kb.services import plans as plan_service

RECENT = 8


@dataclass
class AreaPage:
    """Everything an area's start page shows to one viewer."""

    area: Area
    chart: list[structure.Node]
    plans: list[ActionPlan]
    collaborations: list[CollaborationPlan]
    orientation: list[Page]
    recent: list[Page]
    due: list[structure.Due]


@dataclass(frozen=True)
class AreaEntry:
    """An area as the site's start page lists it."""

    area: Area
    pages: int


def visible(key: str, user) -> Area | None:
    """The area with this key if `user` may see it (None for an unknown key or a members-only area
    `user` is no member of)."""
    area = areas.get(key)
    return area if area is not None and permissions.sees_area(user, area.id) else None


def area_page(area: Area, user) -> AreaPage:
    """The content of the area's start page as `user` may see it (readers: published pages only)."""
    only = not permissions.sees_unpublished(user, area.id)
    return AreaPage(
        area=area,
        chart=structure.structure_tree(published_only=only, area_id=area.id),
        plans=plan_service.live_plans(area_id=area.id),
        collaborations=plan_service.collaboration_plans(area_id=area.id),
        orientation=structure.orientation_path(area.id, published_only=only),
        recent=pages.recently_changed(RECENT, published_only=only, area_id=area.id),
        due=structure.review_list(published_only=only, area_id=area.id),
    )


def start_list(user) -> list[AreaEntry]:
    """The areas `user` may see (not retired; the shared one first) with how many pages each holds."""
    counts = areas.page_counts(published_only=not permissions.sees_unpublished(user))
    return [AreaEntry(a, counts.get(a.id, 0)) for a in areas.visible_areas(user)]
