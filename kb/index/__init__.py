"""The search index (Whoosh): the only package besides kb.analysis that imports whoosh.

Layers, bottom up:
    kb.analysis          Swedish words, stems, folding, compound parts (pure)
    kb.index.schema      the schema, declared once, and documents built from rows
    kb.index.store       index generations, catch-up from the change log, rebuild/swap
    kb.index.query       planning Whoosh queries from user text (never parses user syntax)
    kb.index.searching   search(), suggest_titles(): filters, facets, snippets, suggestions

Everything a caller needs is re-exported here: `from kb import index; index.search("sip")`.
"""
from __future__ import annotations

from flask import Flask

from kb.index.searching import MAX_QUERY_LENGTH, Hit, SearchResults, clean_query, search, suggest_titles
from kb.index.store import catch_up, init_app, rebuild, source_count, status

__all__ = [
    "MAX_QUERY_LENGTH",
    "Hit",
    "SearchResults",
    "catch_up",
    "clean_query",
    "ensure",
    "init_app",
    "rebuild",
    "search",
    "source_count",
    "status",
    "suggest_titles",
]


def ensure(app: Flask) -> int:
    """Make sure the index exists (build it if missing or outdated) and is caught up."""
    from kb.index import store

    gen = store.current_generation(store.state(app).root)
    if gen is None or store.read_applied(store.state(app).root / gen).version != store.SCHEMA_VERSION:
        store.rebuild(app)
        return 0
    return catch_up(app)
