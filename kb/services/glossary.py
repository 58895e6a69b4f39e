"""Glossary terms: list, filter, create, edit, soft delete, history.

Every write adds an immutable `GlossaryRevision`, a `Change` row (the search index picks the entry
up from it) and an audit event in the same transaction, then re-renders the stored HTML of the
pages that use the term so their `<abbr>` tooltips stay current.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kb import analysis, pii
from kb.constants import AuditAction, ChangeOp, Entity, RevisionOp
from kb.exceptions import ConflictError, NotFoundError, ValidationError
from kb.extensions import db
from kb.models import GlossaryRevision, GlossaryTerm
from kb.models.base import utcnow
from kb.services import audit, changes

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖ"
OTHER_INITIAL = "#"  # group for terms that start with a digit or a sign
# Swedish alphabetical order: å, ä, ö after z (the code points would put ä before å).
_SWEDISH_ORDER = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "é": "e", "è": "e",
                                "ü": "y"})
_INITIAL_OF = {"É": "E", "È": "E", "Ü": "Y", "Æ": "Ä", "Ø": "Ö"}


@dataclass
class TermData:
    """A glossary entry as supplied by an editor or an import."""

    term: str
    expansion: str
    description: str = ""


def clean(data: TermData) -> TermData:
    """Normalise and validate a glossary entry (Swedish messages per field)."""
    term = " ".join(str(data.term or "").split())
    expansion = " ".join(str(data.expansion or "").split())
    description = " ".join(str(data.description or "").split())
    errors: dict[str, str] = {}
    if not term:
        errors["term"] = "Ange förkortningen eller begreppet."
    elif len(term) > 60:
        errors["term"] = "Begreppet får vara högst 60 tecken."
    if not expansion:
        errors["expansion"] = "Ange vad förkortningen står för."
    elif len(expansion) > 300:
        errors["expansion"] = "Förklaringen får vara högst 300 tecken."
    if len(description) > 2000:
        errors["description"] = "Beskrivningen får vara högst 2000 tecken."
    pnr = pii.field_errors((("term", "Begrepp", term), ("expansion", "Förklaring", expansion),
                            ("description", "Beskrivning", description)))
    errors.update({k: v for k, v in pnr.items() if k not in errors})  # other errors come first
    if errors:
        raise ValidationError(errors)
    return TermData(term, expansion, description)


# --- lookups -----------------------------------------------------------------------------------

def sort_key(term: str) -> str:
    """Key for Swedish alphabetical order (… x, y, z, å, ä, ö), ignoring case."""
    return term.casefold().translate(_SWEDISH_ORDER)


def initial(term: str) -> str:
    """The A–Ö letter a term is listed under ('#' for digits and signs)."""
    first = term[:1].upper()
    first = _INITIAL_OF.get(first, first)
    return first if first in ALPHABET else OTHER_INITIAL


def all_terms(*, include_deleted: bool = False) -> list[GlossaryTerm]:
    """All live terms (deleted ones too if asked) in Swedish alphabetical order."""
    query = select(GlossaryTerm)
    if not include_deleted:
        query = query.where(GlossaryTerm.deleted.is_(False))
    return sorted(db.session.scalars(query), key=lambda t: (sort_key(t.term), t.term))


def deleted_terms() -> list[GlossaryTerm]:
    """Deleted terms, in alphabetical order (their history stays readable)."""
    return [t for t in all_terms(include_deleted=True) if t.deleted]


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


def expansions() -> dict[str, str]:
    """{term: expansion} of every live term, for rendering <abbr> on pages."""
    rows = db.session.execute(
        select(GlossaryTerm.term, GlossaryTerm.expansion).where(GlossaryTerm.deleted.is_(False))
        .order_by(GlossaryTerm.term)
    )
    return {term: expansion for term, expansion in rows}


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


# --- writes ------------------------------------------------------------------------------------

def _write(row: GlossaryTerm, data: TermData, op: RevisionOp, author: str, comment: str) -> GlossaryRevision:
    """Make `data` the entry's current state, add its revision and record the change."""
    old_term = row.term
    row.term, row.expansion, row.description = data.term, data.expansion, data.description
    row.deleted = op is RevisionOp.DELETE
    row.updated_at = utcnow()
    row.revision_number = (row.revision_number or 0) + 1
    if row.id is None:
        db.session.add(row)
        db.session.flush()
    rev = GlossaryRevision(term_id=row.id, number=row.revision_number, op=op.value, term=data.term,
                           expansion=data.expansion, description=data.description,
                           author=author or "", comment=(comment or "").strip()[:300])
    db.session.add(rev)
    db.session.flush()
    changes.record(Entity.GLOSSARY, row.id, ChangeOp.DELETE if row.deleted else ChangeOp.UPSERT, author)
    action = AuditAction.GLOSSARY_DELETED if row.deleted else AuditAction.GLOSSARY_SAVED
    audit.record(action, row.term, f"version {rev.number}" + (f": {rev.comment}" if rev.comment else ""),
                 actor=author or None)
    _refresh_pages({old_term, row.term} if old_term else {row.term})
    return rev


def _refresh_pages(terms: set[str]) -> None:
    # Imported here: the page service renders with the glossary, so it imports this module.
    from kb.services import pages

    pages.refresh_html_for_terms(terms)


def _commit(row: GlossaryTerm, base: int) -> None:
    try:
        changes.commit()
    except IntegrityError as exc:  # another editor saved the same revision number (or term) first
        db.session.rollback()
        if row.id is not None and db.session.get(GlossaryTerm, row.id) is not None:
            db.session.refresh(row)
            raise ConflictError(base, row.revision_number) from exc
        raise ValidationError({"term": f"”{row.term}” finns redan i ordlistan."}) from exc


def upsert(data: TermData, *, author: str = "", commit: bool = True) -> tuple[GlossaryTerm, bool]:
    """Create or update a term (a deleted one comes back); the flag says whether anything changed."""
    data = clean(data)
    row = get(data.term)
    if row is not None and not row.deleted and (row.expansion, row.description) == (data.expansion,
                                                                                     data.description):
        return row, False
    if row is None:
        row, op = GlossaryTerm(term=data.term, revision_number=0), RevisionOp.CREATE
    else:
        op = RevisionOp.RESTORE if row.deleted else RevisionOp.EDIT
    base = row.revision_number or 0
    _write(row, data, op, author, "")
    if commit:
        _commit(row, base)
    return row, True


def _check_comment(comment: str) -> None:
    """Refuse a change comment that holds a personal number (the history is public)."""
    errors = pii.field_errors((("comment", "Kommentar", comment or ""),))
    if errors:
        raise ValidationError(errors)


def create(data: TermData, *, author: str = "", comment: str = "", commit: bool = True) -> GlossaryTerm:
    """Add a new term; a deleted term with the same text is restored with the new values."""
    data = clean(data)
    _check_comment(comment)
    row = get(data.term)
    if row is not None and not row.deleted:
        raise ValidationError({"term": f"”{data.term}” finns redan i ordlistan. "
                                       "Redigera den posten i stället."})
    if row is None:
        row, op = GlossaryTerm(term=data.term, revision_number=0), RevisionOp.CREATE
    else:
        op = RevisionOp.RESTORE
    base = row.revision_number or 0
    _write(row, data, op, author, comment or ("Återskapad" if op is RevisionOp.RESTORE else "Ny post"))
    if commit:
        _commit(row, base)
    return row


def update(row: GlossaryTerm, data: TermData, *, base_revision: int, author: str = "", comment: str = "",
           commit: bool = True) -> GlossaryRevision | None:
    """Save an edit based on `base_revision`; None when nothing changed; ConflictError if outdated."""
    if row.deleted:
        raise ValidationError({"term": "Posten är borttagen. Skapa den på nytt för att ändra den."})
    data = clean(data)
    _check_comment(comment)
    if base_revision != row.revision_number:
        raise ConflictError(base_revision, row.revision_number)
    if (row.term, row.expansion, row.description) == (data.term, data.expansion, data.description):
        return None
    if data.term != row.term:
        other = get(data.term)
        if other is not None and other is not row:
            where = " bland de borttagna posterna" if other.deleted else ""
            raise ValidationError({"term": f"”{data.term}” finns redan i ordlistan{where}."})
    rev = _write(row, data, RevisionOp.EDIT, author, comment)
    if commit:
        _commit(row, base_revision)
    return rev


def delete(term: GlossaryTerm | str, *, author: str = "", comment: str = "", base_revision: int | None = None,
           commit: bool = True) -> GlossaryRevision:
    """Mark a term deleted with a revision of its own; its history stays and saving it again restores it."""
    row = term if isinstance(term, GlossaryTerm) else get(term)
    if row is None:
        raise NotFoundError(f"”{term}” finns inte i ordlistan.")
    if row.deleted:
        raise ValidationError({"term": "Posten är redan borttagen."})
    _check_comment(comment)
    base = row.revision_number
    if base_revision is not None and base_revision != base:
        raise ConflictError(base_revision, base)
    rev = _write(row, TermData(row.term, row.expansion, row.description), RevisionOp.DELETE, author,
                 comment or "Posten togs bort")
    if commit:
        _commit(row, base)
    return rev
