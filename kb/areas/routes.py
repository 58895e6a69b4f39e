"""Area views: an area's start page. Thin: the content comes from kb.services.area_pages."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from kb import caching, dates
from kb.services import area_pages, areas

bp = Blueprint("areas", __name__)


@bp.get("/omrade/<key>")
def view(key: str):
    """An area's start page: its structures, plans, orientation path, latest changes and routines to
    review. Unknown, and members-only for a non-member: 404 (the area's existence is not told)."""
    area = area_pages.visible(key, current_user)
    if area is None:
        abort(404)
    # Area settings are not in the change log: they are part of the validator themselves.
    if (unchanged := caching.not_modified(area.id, area.name, area.description, area.retired,
                                          area.members_only)) is not None:
        return unchanged
    return render_template("areas/view.html", area=area, content=area_pages.area_page(area, current_user),
                           today=dates.today(), search_area=areas.search_scope(area.id))
