"""`GET /api/search`: the search layer's JSON endpoint, added to the api blueprint by `register`."""
from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for

from kb import index

DEFAULT_LIMIT = 10
MAX_LIMIT = 50


def _limit(value: str | None) -> int:
    """The `limit` parameter clamped to 1..MAX_LIMIT (anything unreadable → the default)."""
    try:
        return max(1, min(int(value or DEFAULT_LIMIT), MAX_LIMIT))
    except ValueError:
        return DEFAULT_LIMIT


def result_json(hit: index.Hit) -> dict:
    """One hit as the API (and `kb search --json`) shows it."""
    return {
        "slug": hit.slug,
        "title": hit.title,
        "type": hit.type,
        "url": url_for("pages.view", slug=hit.slug, _external=True),
        "snippet": hit.snippet_html,
        "score": hit.score,
    }


def search_json(q: str, limit: int, type_: str | None = None, target_group: str | None = None) -> dict:
    """The API response for a query: pages only, best first."""
    found = index.search(q, kinds=("page",), type=type_ or None, target_group=target_group or None,
                         per_page=limit)
    return {"query": found.query, "total": found.total, "results": [result_json(h) for h in found.hits]}


def api_search():
    """Search pages: ?q=&limit=&type=&target_group= → {query, total, results: [...]}."""
    args = request.args
    return jsonify(search_json(args.get("q", ""), _limit(args.get("limit")),
                               args.get("type"), args.get("target_group")))


def register(bp: Blueprint) -> None:
    """Add the search endpoint to the api blueprint (endpoint `api.search`)."""
    bp.add_url_rule("/search", "search", api_search, methods=["GET"])
