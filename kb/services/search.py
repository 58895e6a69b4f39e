"""Searching for a user: areas in scope and out of sight, the JSON of `GET /api/search` and `kb search`,
and the index checks of `kb reindex`.

Areas: members-only areas the user is no member of (kb.permissions.hidden_areas) are masked out of
every search and suggestion. A search may be limited to areas (`omrade=<key>` on /sok, `area=<key>` in
the API); the shared area (Gemensamt) is then always searched too, so region-wide routines are found
from every area. A key the user may not see is answered as unknown.

Nothing here reads the request: a caller passes the user and `base_url`, the site's address with its
script root (what the site paths of hits and pages, kb.urls, are appended to). The API view takes it
from its request; `kb search` from the app's BASE_URL.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask

from kb import index, urls
from kb.exceptions import ValidationError
from kb.index import generations
from kb.services import areas as area_service
from kb.services import organisations
from kb.services.areas import AreaInfo

# How many area keys one search may name.
MAX_AREAS = 20


def area_keys(values: Iterable[str]) -> list[str]:
    """Area keys from query parameters (repeated, or comma separated), lower case, each once."""
    keys = (k.strip().lower() for v in values if isinstance(v, str) for k in v.split(","))
    return list(dict.fromkeys(k for k in keys if k))[:MAX_AREAS]


def chosen_areas(user, keys: Iterable[str]) -> list[AreaInfo]:
    """The areas `user` limits a search to; ValidationError (in Swedish, field "area") for a key that
    names no area the user may see: a members-only area of others is as unknown as a made-up one."""
    snap = area_service.snapshot()
    hidden = snap.hidden_from(user)
    out: list[AreaInfo] = []
    for key in keys:
        area = snap.get(key)
        if area is None or area.id in hidden:
            known = ", ".join(a.key for a in visible_areas(user))
            raise ValidationError({"area": f"Det finns inget område ”{key[:40]}”. Områden: {known}."})
        out.append(area)
    return out


def visible_areas(user) -> list[AreaInfo]:
    """The areas `user` may search in (retired ones too: their content is still found), shared first."""
    snap = area_service.snapshot()
    hidden = snap.hidden_from(user)
    return sorted((a for a in snap.by_id.values() if a.id not in hidden),
                  key=lambda a: (not a.shared, a.name.casefold()))


def shared_area() -> AreaInfo | None:
    """The region-wide area."""
    return area_service.snapshot().get(area_service.SHARED_AREA_KEY)


def scope_ids(chosen: list[AreaInfo]) -> set[int] | None:
    """The area ids a search limited to `chosen` covers: those and the shared area (None: all)."""
    if not chosen:
        return None
    shared = shared_area()
    return {a.id for a in chosen} | ({shared.id} if shared is not None else set())


def find(user, q: str, *, areas: list[AreaInfo] | None = None, **options) -> index.SearchResults:
    """index.search for `user`: their hidden areas masked out, limited to `areas` (and Gemensamt)."""
    return index.search(q, areas=scope_ids(areas or []), hidden_areas=area_service.snapshot().hidden_from(user),
                        **options)


def suggestions(user, prefix: str, limit: int = 8) -> list[dict[str, str]]:
    """Search-as-you-type titles for `user` (nothing of their hidden areas)."""
    return index.suggest_titles(prefix, limit=limit, hidden_areas=area_service.snapshot().hidden_from(user))


def area_counts(found: index.SearchResults) -> list[tuple[AreaInfo, int]]:
    """(area, its own hits) for the area facet, the shared area first; region-wide glossary terms
    count with the shared area (a search limited to any area finds them)."""
    by_id = area_service.snapshot().by_id
    shared = shared_area()
    counts: dict[int, int] = {}
    for value, n in found.facets.get("area", {}).items():
        area_id = int(value) if value else (shared.id if shared is not None else None)
        if area_id in by_id:
            counts[area_id] = counts.get(area_id, 0) + n
    ordered = sorted(counts, key=lambda a: (not by_id[a].shared, by_id[a].name.casefold()))
    return [(by_id[a], counts[a]) for a in ordered]


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
        # {"key", "name"}; null for a glossary term of the whole region.
        "area": area_service.snapshot().ref(hit.area_id),
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
                drafts: bool = False, author: str | None = None, *, base_url: str, user=None,
                areas: Iterable[str] = ()) -> dict:
    """The API response for a query, best first (pages only unless other kinds are asked for).

    `drafts`: include text waiting for approval; `author`: also this editor's own pages never approved
    (the caller checks that the user is an editor). `base_url`: see the module docstring. `user`: whose
    search it is (None: the installation's own, as `kb search`, which sees every area); `areas`: area
    keys to limit it to (ValidationError for an unknown one). `areas` in the answer: the hits per area.
    """
    chosen = chosen_areas(user, area_keys(areas))
    if applies_to:
        keys, _ = organisations.resolve([applies_to])
        applies_to = keys[0] if keys else applies_to
    found = find(user, q, areas=chosen, kinds=kinds, type=type_ or None, target_group=target_group or None,
                 applies_to=applies_to or None, per_page=limit, include_drafts=drafts, author=author)
    return {"query": found.query, "total": found.total,
            "results": [result_json(h, base_url=base_url) for h in found.hits],
            "areas": [{"key": a.key, "name": a.name, "count": n} for a, n in area_counts(found)]}


def source_count(app: Flask) -> int:
    """How many documents a rebuild of the index indexes."""
    return index.source_count(app)


def rebuild_index(app: Flask, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the search index from the database; the number of documents indexed."""
    return index.rebuild(app, progress=progress)


def check_index(app: Flask) -> tuple[int, list[str]]:
    """The changes waiting to be indexed, and where the index and the database differ."""
    return index.status(app)["pending"], generations.verify(app)
