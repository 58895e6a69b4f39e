"""The glossary in the folder format of `kb export` and `kb import`: `glossary.yaml`.

A list of {term, expansion, description}, in alphabetical order, plus `area: KEY` for a term that
belongs to an area; a term without one is region-wide. The file is the truth for the terms it
lists (an import of an unchanged file changes nothing); terms it does not list are left alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.constants import AuditAction, ChangeOp, Entity
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import GlossaryTerm
from kb.services import area_folder, areas, audit, changes, import_safety
from kb.services.glossary.lookups import all_terms
from kb.services.glossary.writes import TermData, clean, upsert

GLOSSARY_FILE = "glossary.yaml"
TERM_KEYS = ("term", "expansion", "description", area_folder.AREA_KEY)


class GlossaryFileError(Exception):
    """glossary.yaml cannot be imported, with the Swedish reason naming the entry."""


@dataclass(frozen=True)
class FileTerm:
    """One entry of glossary.yaml: the term and the id of its area (None: region-wide)."""

    data: TermData
    area_id: int | None = None


def export_text(area_id: int | None = None, *, every_area: bool = True) -> str:
    """glossary.yaml's text: every term, or (`every_area` False) the region-wide ones and those of
    `area_id` (an export of one area)."""
    shared = areas.shared_area()
    region_wide = {None, shared.id if shared else None}
    items = []
    for term in all_terms():
        if not every_area and term.area_id not in region_wide and term.area_id != area_id:
            continue
        item = {"term": term.term, "expansion": term.expansion, "description": term.description}
        if term.area_id is not None:
            item[area_folder.AREA_KEY] = areas.key_of(term.area_id)
        items.append(item)
    return yaml.safe_dump(items, allow_unicode=True, sort_keys=False, width=100)


def parse(path: Path) -> list[FileTerm]:
    """Read glossary.yaml, or raise GlossaryFileError naming the bad entry (nothing is written)."""
    try:
        data = import_safety.read_list(path, shape="ordlistan måste vara en lista med {term, expansion, description}")
    except import_safety.Refused as exc:
        raise GlossaryFileError(str(exc)) from None
    out: list[FileTerm] = []
    for n, item in enumerate(data, 1):
        if not isinstance(item, dict):
            raise GlossaryFileError(f"post {n} är inte term/expansion/description")
        try:
            term = clean(TermData(str(item.get("term") or ""), str(item.get("expansion") or ""),
                                  str(item.get("description") or "")))
            out.append(FileTerm(term, area_folder.area_id_of(item.get(area_folder.AREA_KEY))))
        except ValidationError as exc:
            raise GlossaryFileError(f"post {n} ({item.get('term', '?')}): {' '.join(exc.errors.values())}") from exc
        except area_folder.AreaFileError as exc:
            raise GlossaryFileError(f"post {n} ({item.get('term', '?')}): {exc}") from None
    return out


def import_terms(terms: list[FileTerm], *, author: str = "import") -> int:
    """Create or update each term as the file has it, without committing; return how many changed."""
    changed = 0
    for item in terms:
        row, edited = upsert(item.data, author=author, commit=False)
        if row.area_id != item.area_id:
            _place(row, item.area_id, author)
            edited = True
        changed += edited
    return changed


def _place(row: GlossaryTerm, area_id: int | None, author: str) -> None:
    """Give a term its area (search shows the area on the term, so the index hears of it)."""
    before = areas.key_of(row.area_id) or "hela regionen"
    row.area_id = area_id
    db.session.flush()
    changes.record(Entity.GLOSSARY, row.id, ChangeOp.UPSERT, author)
    audit.record(AuditAction.GLOSSARY_SAVED, row.term,
                 f"område: {before} → {areas.key_of(area_id) or 'hela regionen'}", actor=author or None)
