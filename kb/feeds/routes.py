"""Atom feeds (RFC 4287) of recent changes, readable without a login.

A feed shows only what an anonymous reader may see (kb.services.feeds), whoever fetches it, so its
address can be handed to any feed reader or intranet widget. An installation that needs a login to
read (KB_PUBLIC_READ=false) has no public content and no feeds. Pages link their feed in <head>
(`feed_links`), so browsers and readers find it.
"""
from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET  # noqa: S405 - writing XML, never parsing it

from flask import Blueprint, Response, abort, current_app, request, url_for

from kb import caching
from kb.constants import PageType
from kb.models.areas import closed_area_ids
from kb.pages.documents import base_url
from kb.services import areas, feeds, pages
from kb.slugs import is_valid_slug

bp = Blueprint("feeds", __name__)

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
SITE_TITLE = "Kunskapsbanken för vårdsamverkan"


def _absolute(path: str) -> str:
    """An address for outside readers: KB_BASE_URL when set, else the address the request came to."""
    return base_url().rstrip("/") + path


def _stamp(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC, microsecond=0).isoformat().replace("+00:00", "Z")


def _entry_link(item: feeds.Item) -> str:
    if item.revision is not None:
        page = item.page
        if item.revision.id == page.published_revision_id:
            return url_for("pages.view", slug=page.slug)
        return url_for("pages.revision", slug=page.slug, number=item.revision.number)
    return url_for("plans.view", slug=item.plan.slug)


def _atom(title: str, alternate: str, items: list[feeds.Item]) -> Response:
    host = urlsplit(_absolute("/")).hostname or "localhost"
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "sv"})

    def add(parent, tag, text=None, **attrs):
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    add(feed, "id", _absolute(request.path))
    add(feed, "title", f"{title} – {SITE_TITLE}")
    add(feed, "updated", _stamp(items[0].updated if items else datetime(2000, 1, 1)))
    add(feed, "link", rel="self", type=MEDIA_TYPE, href=_absolute(request.path))
    add(feed, "link", rel="alternate", type="text/html", href=_absolute(alternate))
    add(add(feed, "author"), "name", SITE_TITLE)
    add(feed, "generator", "kb")
    for item in items:
        entry = add(feed, "entry")
        add(entry, "id", f"tag:{host},2026:{item.key}")
        add(entry, "title", item.title)
        add(entry, "updated", _stamp(item.updated))
        add(entry, "link", rel="alternate", type="text/html", href=_absolute(_entry_link(item)))
        add(add(entry, "author"), "name", item.author or "okänd")
        if item.summary:
            add(entry, "summary", item.summary)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False)
    return Response(body, mimetype=MEDIA_TYPE)


def _serve(title: str, alternate: str, scope: feeds.Scope) -> Response:
    if not current_app.config.get("PUBLIC_READ", True):
        abort(404)
    if (unchanged := caching.not_modified("feed")) is not None:
        return unchanged
    return _atom(title, alternate, feeds.items(scope))


@bp.get("/andringar.atom")
def site():
    """The whole knowledge base's recent changes; ?typ=<page type> narrows to one page type."""
    wanted = request.args.get("typ")
    if wanted is None:
        return _serve("Senaste ändringar", url_for("pages.recent"), feeds.Scope())
    try:
        page_type = PageType(wanted)
    except ValueError:
        abort(404)
    return _serve(page_type.plural, url_for("pages.index", typ=page_type.value), feeds.Scope(page_type=page_type))


@bp.get("/omrade/<key>/andringar.atom")
def area(key: str):
    """One area's recent changes (a members-only area has no public feed)."""
    found = areas.get(key)
    if found is None or found.id in closed_area_ids():
        abort(404)
    return _serve(found.name, url_for("areas.view", key=found.key), feeds.Scope(area_id=found.id))


@bp.get("/sida/<slug>/andringar.atom")
def structure(slug: str):
    """A structure's recent changes: its page, the routines it owns, the structures under it, its plans."""
    page = pages.get(slug) if is_valid_slug(slug) else None
    if not feeds.is_public_structure(page):
        abort(404)
    return _serve(page.title, url_for("pages.view", slug=page.slug), feeds.Scope(structure=page))


def feed_links(page=None, area=None) -> list[tuple[str, str]]:
    """(title, address) of the feeds a page should name in <head>: the site's always, and the
    structure's, area's or page type's when the page shows one (`page`, `area`: the template's own)."""
    if not current_app.config.get("PUBLIC_READ", True):
        return []
    links = [("Senaste ändringar", url_for("feeds.site"))]
    if request.endpoint == "pages.view" and feeds.is_public_structure(page):
        links.append((page.title, url_for("feeds.structure", slug=page.slug)))
    elif request.endpoint == "areas.view" and area is not None and not area.members_only:
        links.append((area.name, url_for("feeds.area", key=area.key)))
    elif request.endpoint == "pages.index" and request.args.get("typ") in {t.value for t in PageType}:
        page_type = PageType(request.args["typ"])
        links.append((page_type.plural, url_for("feeds.site", typ=page_type.value)))
    return links


def init_app(app) -> None:
    """Register the blueprint and offer `feed_links()` to templates."""
    app.register_blueprint(bp)
    app.jinja_env.globals["feed_links"] = feed_links
