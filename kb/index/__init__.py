"""The search index (Whoosh): the only package besides kb.analysis that imports whoosh.

Layers, bottom up (each imports only layers listed before it):
    kb.analysis          Swedish words, stems, folding, compound parts (pure)
    kb.index.segments    per-segment caches (a bounded LRU keyed by segment id)
    kb.index.vocabulary  the index's words per segment, for compound parts, typos, "Menade du …?"
    kb.index.query       planning Whoosh queries from user text (never parses user syntax)
    kb.index.snippets    highlighted snippets of a hit's text
    kb.index.schema      the schema, declared once, and documents built from rows
    kb.index.generations index generations: open, rebuild/swap, the applied change-log position
    kb.index.catchup     applying pending changes from the change log to the current generation
    kb.index.scoring     BM25F scoring of candidate documents from cached postings
    kb.index.ranking     the ranking tiers (which documents match how strongly)
    kb.index.searching   search(), suggest_titles(): filters, facets, snippets, suggestions

Hit paths are relative to the app root (kb.urls); the web layer prefixes its script root.

Everything a caller needs is re-exported here: `from kb import index; index.search("sip")`.
"""
from __future__ import annotations

from flask import Flask

from kb.index.catchup import catch_up, status
from kb.index.generations import init_app, rebuild, source_count
from kb.index.searching import MAX_QUERY_LENGTH, Hit, SearchResults, clean_query, search, suggest_titles

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
    from kb.index import generations

    root = generations.state(app).root
    gen = generations.current_generation(root)
    if gen is None or generations.read_applied(root / gen).version != generations.SCHEMA_VERSION:
        generations.rebuild(app)
        return 0
    return catch_up(app)
