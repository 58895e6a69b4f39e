"""Glossary terms: list, filter, create, edit, soft delete, history.

Modules: lookups (reading, the Swedish alphabetical order) and
writes (create, update, delete, each with a revision, a change row and an audit event). Callers use
the names re-exported here: `glossary.create(...)`; page rendering reads the terms itself (kb.services.pages.rendering).
"""
from __future__ import annotations

from kb.services.glossary.lookups import (
    ALPHABET,
    OTHER_INITIAL,
    all_terms,
    by_initial,
    deleted_terms,
    get,
    get_by_id,
    history,
    initial,
    matching,
    of_area,
    sort_key,
)
from kb.services.glossary.writes import TermData, area_id_for, clean, create, delete, update, upsert

__all__ = [
    "ALPHABET", "OTHER_INITIAL", "TermData", "all_terms", "area_id_for", "by_initial", "clean", "create",
    "delete", "deleted_terms", "get", "get_by_id", "history", "initial", "matching", "of_area", "sort_key", "update",
    "upsert",
]
