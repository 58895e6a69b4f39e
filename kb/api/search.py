"""`GET /api/search`: the search layer's JSON endpoint, added to the api blueprint by `register`."""
from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user

from kb import index
from kb.permissions import own_drafts_of, sees_unpublished
from kb.services import organisations

DEFAULT_LIMIT = 10
MAX_LIMIT = 50


def _limit(value: str | None) -> int:
    """The `limit` parameter clamped to 1..MAX_LIMIT (anything unreadable → the default)."""
    try:
        return max(1, min(int(value or DEFAULT_LIMIT), MAX_LIMIT))
    except ValueError:
        return DEFAULT_LIMIT


# What `kind` may ask for; pages unless told otherwise.
KINDS = ("page", "activity", "plan", "glossary", "attachment")


def _kinds(value: str | None) -> tuple[str, ...]:
    """The `kind` parameter: a comma list of KINDS, or "all"; anything unknown is ignored."""
    asked = [k.strip() for k in (value or "").lower().split(",") if k.strip()]
    if "all" in asked:
        return KINDS
    return tuple(k for k in KINDS if k in asked) or ("page",)


def result_json(hit: index.Hit) -> dict:
    """One hit as the API (and `kb search --json`) shows it."""
    if hit.kind in ("page", "draft"):
        url = url_for("pages.view", slug=hit.slug, _external=True)
    else:
        # Hit paths are relative to the app root: under a prefix, url_root carries it.
        url = request.url_root.rstrip("/") + hit.url_path if hit.url_path.startswith("/") else hit.url_path
    out = {
        "slug": hit.slug,
        "title": hit.title,
        "type": hit.type,
        "url": url,
        "snippet": hit.snippet_html,
        "score": hit.score,
    }
    if hit.kind != "page":
        out["kind"] = hit.kind
    if hit.kind == "activity":
        out.update(plan=hit.context, status=hit.status, status_label=hit.status_label)
    if hit.kind == "attachment":
        out.update(page=hit.context, page_slug=hit.parent,
                   page_url=url_for("pages.view", slug=hit.parent, _external=True) if hit.parent else "")
    if hit.applies_to:
        out["applies_to"] = hit.applies_to
    return out


def search_json(q: str, limit: int, type_: str | None = None, target_group: str | None = None,
                kinds: tuple[str, ...] = ("page",), applies_to: str | None = None,
                drafts: bool = False, author: str | None = None) -> dict:
    """The API response for a query, best first (pages only unless other kinds are asked for).

    `drafts`: include text waiting for approval; `author`: also this editor's own pages never approved
    (the caller checks that the user is an editor).
    """
    if applies_to:
        keys, _ = organisations.resolve([applies_to])
        applies_to = keys[0] if keys else applies_to
    found = index.search(q, kinds=kinds, type=type_ or None, target_group=target_group or None,
                         applies_to=applies_to or None, per_page=limit, include_drafts=drafts, author=author)
    return {"query": found.query, "total": found.total, "results": [result_json(h) for h in found.hits]}


def api_search():
    """Search: ?q=&limit=&type=&target_group=&applies_to=&kind=page,activity,plan,glossary,attachment|all
    &drafts=1 (editors only) → {query, total, results}."""
    args = request.args
    drafts = args.get("drafts") == "1" and sees_unpublished(current_user)
    return jsonify(search_json(args.get("q", ""), _limit(args.get("limit")),
                               args.get("type"), args.get("target_group"), _kinds(args.get("kind")),
                               applies_to=(args.get("applies_to") or "")[:200] or None, drafts=drafts,
                               author=own_drafts_of(current_user)))


def register(bp: Blueprint) -> None:
    """Add the search endpoint to the api blueprint (endpoint `api.search`)."""
    bp.add_url_rule("/search", "search", api_search, methods=["GET"])
