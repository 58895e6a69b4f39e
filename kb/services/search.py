"""Search as data: the JSON of `GET /api/search` and `kb search`, and the index checks of `kb reindex`.

Nothing here reads the request: a caller passes `base_url`, the site's address with its script root
(what the site paths of hits and pages, kb.urls, are appended to). The API view takes it from its
request; `kb search` from the app's BASE_URL.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from kb import index, urls
from kb.index import generations
from kb.services import organisations


def result_json(hit: index.Hit, *, base_url: str) -> dict:
    """One hit as the API (and `kb search --json`) shows it."""
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
        out.update(page=hit.context, page_slug=hit.parent,
                   page_url=base_url + urls.page_path(hit.parent) if hit.parent else "")
    if hit.applies_to:
        out["applies_to"] = hit.applies_to
    return out


def search_json(q: str, limit: int, type_: str | None = None, target_group: str | None = None,
                kinds: tuple[str, ...] = ("page",), applies_to: str | None = None,
                drafts: bool = False, author: str | None = None, *, base_url: str) -> dict:
    """The API response for a query, best first (pages only unless other kinds are asked for).

    `drafts`: include text waiting for approval; `author`: also this editor's own pages never approved
    (the caller checks that the user is an editor). `base_url`: see the module docstring.
    """
    if applies_to:
        keys, _ = organisations.resolve([applies_to])
        applies_to = keys[0] if keys else applies_to
    found = index.search(q, kinds=kinds, type=type_ or None, target_group=target_group or None,
                         applies_to=applies_to or None, per_page=limit, include_drafts=drafts, author=author)
    return {"query": found.query, "total": found.total,
            "results": [result_json(h, base_url=base_url) for h in found.hits]}


def source_count(app: Flask) -> int:
    """How many documents a rebuild of the index indexes."""
    return index.source_count(app)


def rebuild_index(app: Flask, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the search index from the database; the number of documents indexed."""
    return index.rebuild(app, progress=progress)


def check_index(app: Flask) -> tuple[int, list[str]]:
    """The changes waiting to be indexed, and where the index and the database differ."""
    return index.status(app)["pending"], generations.verify(app)
