"""JSON API: pages (and, via kb.api.search and kb.api.plans, search, plans and activities)."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, url_for
from flask_login import current_user

from kb import caching
from kb.api import plans, search
from kb.permissions import can_read_page
from kb.services import areas, pages
from kb.slugs import is_valid_slug

bp = Blueprint("api", __name__, url_prefix="/api")


def page_json(page) -> dict:
    """The API representation of a page: what readers see (the approved version)."""
    published = page.published
    out = {
        "slug": page.slug,
        "title": page.title,
        "type": page.type,
        "summary": page.summary,
        "area": areas.ref(page.area_id),
        "tags": list(page.tags or []),
        "target_groups": list(page.target_groups or []),
        "url": url_for("pages.view", slug=page.slug, _external=True),
        "revision": published.number if published is not None else page.revision_number,
        "updated": page.updated_at.isoformat() + "Z",
        "html": pages.shown_html(page.html),
    }
    if page.fields:
        out["fields"] = dict(page.fields)
    if pages.requires_approval(page.type):
        approved = published is not None and published.approved_at is not None
        out["approval"] = {"state": "approved" if approved else ("published" if published else "draft"),
                           "approved_by": published.approved_by if approved else "",
                           "approved_at": published.approved_at.isoformat() + "Z" if approved else None}
    return out


@bp.get("/pages/<slug>")
def get_page(slug: str):
    """One page by slug (old slugs resolve to the page)."""
    if not is_valid_slug(slug):
        abort(404)
    page, _ = pages.resolve(slug)
    if page is None or page.deleted or not can_read_page(current_user, page):
        abort(404)
    if (unchanged := caching.not_modified(page.id, page.revision_number, page.updated_at,
                                          last_modified=page.updated_at)) is not None:
        return unchanged
    return jsonify(page_json(page))


@bp.get("/areas")
def list_areas():
    """The areas the visitor may see (members-only ones only for members), shared area first."""
    counts = areas.content_counts()
    return jsonify({"areas": [{**areas.area_json(a), **counts.get(a.id, {"pages": 0, "plans": 0})}
                              for a in areas.visible_areas(current_user, include_retired=True)]})


search.register(bp)
plans.register(bp)
