"""`GET /api/search`: the search layer's JSON endpoint, added to the api blueprint by `register`."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from kb.exceptions import ValidationError
from kb.permissions import own_drafts_of, sees_unpublished
from kb.services import search

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


def api_search():
    """Search: ?q=&limit=&type=&target_group=&applies_to=&kind=page,activity,plan,glossary,attachment|all
    &area=<key>[,<key>…] (those areas and Gemensamt) &drafts=1 (editors only) → {query, total, results,
    areas}; each result has `area` ({key, name}, null for a region-wide glossary term). An unknown area
    answers 400."""
    args = request.args
    drafts = args.get("drafts") == "1" and sees_unpublished(current_user)
    try:
        return jsonify(search.search_json(args.get("q", ""), _limit(args.get("limit")),
                                          args.get("type"), args.get("target_group"), _kinds(args.get("kind")),
                                          applies_to=(args.get("applies_to") or "")[:200] or None, drafts=drafts,
                                          author=own_drafts_of(current_user), user=current_user,
                                          areas=args.getlist("area"),
                                          # Hit paths are relative to the app root: url_root carries a prefix.
                                          base_url=request.url_root.rstrip("/")))
    except ValidationError as exc:
        return jsonify(error="Felaktig begäran", message=" ".join(exc.errors.values()), errors=exc.errors,
                       status=400), 400


def register(bp: Blueprint) -> None:
    """Add the search endpoint to the api blueprint (endpoint `api.search`)."""
    bp.add_url_rule("/search", "search", api_search, methods=["GET"])
