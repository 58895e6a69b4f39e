"""Search as data: the JSON of `GET /api/search` and `kb search`, and the index checks of `kb reindex`.

Nothing here reads the request: a caller passes `page_url` (a page's absolute address by slug) and
`base_url` (what a hit's own path, when it starts with "/", is appended to). The API view builds them
from its request; `kb search` from the app's BASE_URL.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from kb import index
from kb.index import generations
from kb.services import organisations

PageUrl = Callable[[str], str]


def result_json(hit: index.Hit, *, page_url: PageUrl, base_url: str) -> dict:
    """One hit as the API (and `kb search --json`) shows it."""
    if hit.kind in ("page", "draft"):
        url = page_url(hit.slug)
    else:
        url = base_url + hit.url_path if hit.url_path.startswith("/") else hit.url_path
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
        out.update(page=hit.context, page_slug=hit.parent, page_url=page_url(hit.parent) if hit.parent else "")
    if hit.applies_to:
        out["applies_to"] = hit.applies_to
    return out


def search_json(q: str, limit: int, type_: str | None = None, target_group: str | None = None,
                kinds: tuple[str, ...] = ("page",), applies_to: str | None = None,
                drafts: bool = False, author: str | None = None, *, page_url: PageUrl,
                base_url: str) -> dict:
    """The API response for a query, best first (pages only unless other kinds are asked for).

    `drafts`: include text waiting for approval; `author`: also this editor's own pages never approved
    (the caller checks that the user is an editor). `page_url` and `base_url`: see the module docstring.
    """
    if applies_to:
        keys, _ = organisations.resolve([applies_to])
        applies_to = keys[0] if keys else applies_to
    found = index.search(q, kinds=kinds, type=type_ or None, target_group=target_group or None,
                         applies_to=applies_to or None, per_page=limit, include_drafts=drafts, author=author)
    return {"query": found.query, "total": found.total,
            "results": [result_json(h, page_url=page_url, base_url=base_url) for h in found.hits]}


def source_count(app: Flask) -> int:
    """How many documents a rebuild of the index indexes."""
    return index.source_count(app)


def rebuild_index(app: Flask, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the search index from the database; the number of documents indexed."""
    return index.rebuild(app, progress=progress)


def check_index(app: Flask) -> tuple[int, list[str]]:
    """The changes waiting to be indexed, and where the index and the database differ."""
    return index.status(app)["pending"], generations.verify(app)
