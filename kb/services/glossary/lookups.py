"""Reading the glossary: entries in Swedish alphabetical order, the filter, the expansions pages use."""
from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import or_, select

from kb import analysis
from kb.extensions import db
from kb.models import GlossaryRevision, GlossaryTerm

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖ"
OTHER_INITIAL = "#"  # group for terms that start with a digit or a sign
# Swedish alphabetical order: å, ä, ö after z (the code points would put ä before å).
_SWEDISH_ORDER = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "é": "e", "è": "e",
                                "ü": "y"})
_INITIAL_OF = {"É": "E", "È": "E", "Ü": "Y", "Æ": "Ä", "Ø": "Ö"}


def sort_key(term: str) -> str:
    """Key for Swedish alphabetical order (… x, y, z, å, ä, ö), ignoring case."""
    return term.casefold().translate(_SWEDISH_ORDER)


def initial(term: str) -> str:
    """The A–Ö letter a term is listed under ('#' for digits and signs)."""
    first = term[:1].upper()
    first = _INITIAL_OF.get(first, first)
    return first if first in ALPHABET else OTHER_INITIAL


def all_terms(*, include_deleted: bool = False, hidden: Collection[int] = ()) -> list[GlossaryTerm]:
    """All live terms (deleted ones too if asked) in Swedish alphabetical order, without the terms of
    the `hidden` areas (kb.permissions.hidden_areas: members-only areas of a non-member)."""
    query = select(GlossaryTerm)
    if not include_deleted:
        query = query.where(GlossaryTerm.deleted.is_(False))
    if hidden:
        query = query.where(or_(GlossaryTerm.area_id.is_(None), GlossaryTerm.area_id.not_in(list(hidden))))
    return sorted(db.session.scalars(query), key=lambda t: (sort_key(t.term), t.term))


def deleted_terms(*, hidden: Collection[int] = ()) -> list[GlossaryTerm]:
    """Deleted terms, in alphabetical order (their history stays readable), without those of `hidden` areas."""
    return [t for t in all_terms(include_deleted=True, hidden=hidden) if t.deleted]


def of_area(terms: list[GlossaryTerm], area_id: int) -> list[GlossaryTerm]:
    """The terms of one area and those of the whole region (no area), in list order."""
    return [t for t in terms if t.area_id is None or t.area_id == area_id]


def _folded_words(text: str) -> str:
    """Text as its words without case or å/ä/ö, one space apart ("Barn- och" → "barn och")."""
    return " ".join(analysis.fold(w) for w in analysis.words(text))


def matching(terms: list[GlossaryTerm], query: str) -> list[GlossaryTerm]:
    """The terms whose term, expansion or description contains `query`, as the main search reads
    words: case, å/ä/ö and punctuation ignored ("anhorig" finds "anhörigorganisationer"); all of
    them for ''."""
    raw = " ".join(query.split()).casefold()
    if not raw:
        return list(terms)
    needle = _folded_words(raw)
    if not needle:  # only signs ("%", "(("): look for them as they are
        return [t for t in terms if raw in f"{t.term}\n{t.expansion}\n{t.description or ''}".casefold()]
    return [t for t in terms if needle in _folded_words(f"{t.term}\n{t.expansion}\n{t.description or ''}")]


def by_initial(terms: list[GlossaryTerm]) -> list[tuple[str, list[GlossaryTerm]]]:
    """Sorted terms grouped under their A–Ö letter, in list order."""
    groups: dict[str, list[GlossaryTerm]] = {}
    for term in terms:
        groups.setdefault(initial(term.term), []).append(term)
    order = {letter: n for n, letter in enumerate((OTHER_INITIAL, *ALPHABET))}
    return sorted(groups.items(), key=lambda item: order[item[0]])


def get(term: str) -> GlossaryTerm | None:
    """A term by its exact text (deleted ones included)."""
    return db.session.scalar(select(GlossaryTerm).where(GlossaryTerm.term == term))


def get_by_id(term_id: int) -> GlossaryTerm | None:
    """A term by its id (deleted ones included)."""
    return db.session.get(GlossaryTerm, term_id)


def history(row: GlossaryTerm) -> list[GlossaryRevision]:
    """A term's revisions, newest first."""
    return list(db.session.scalars(
        select(GlossaryRevision).where(GlossaryRevision.term_id == row.id)
        .order_by(GlossaryRevision.number.desc())
    ))
