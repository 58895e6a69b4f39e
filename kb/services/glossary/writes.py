"""Writing the glossary: create, edit, soft delete, each with an immutable revision.

A term may name the area it mostly belongs to (`TermData.area`, an area key; '' for the whole region).
Writes from a user (`user=`) may only name an area that user sees; an area is checked to exist in
`clean`, so an import hears of an unknown key before anything is saved.

Every write adds a `GlossaryRevision`, a `Change` row (the search index picks the entry up from it) and
an audit event in the same transaction, then re-renders the stored HTML of the pages that use the term
so their `<abbr>` tooltips stay current (the page service reads kb.services.glossary.lookups).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from kb import permissions, pii
from kb.constants import AuditAction, ChangeOp, Entity, RevisionOp
from kb.exceptions import ConflictError, NotFoundError, ValidationError
from kb.extensions import db
from kb.models import Area, GlossaryRevision, GlossaryTerm
from kb.models.base import utcnow
from kb.services import areas, audit, changes, pages
from kb.services.glossary.lookups import get


@dataclass
class TermData:
    """A glossary entry as supplied by an editor or an import."""

    term: str
    expansion: str
    description: str = ""
    # The key of the area the term belongs to: '' for the whole region, None to keep the entry's
    # area as it is (a new entry: the whole region).
    area: str | None = None


def _no_area(key: str) -> ValidationError:
    return ValidationError({"area": f"Det finns inget område ”{key}”. Välj ett område i listan "
                                    "eller ”Hela regionen”."})


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
    area = None if data.area is None else str(data.area).strip().lower()
    if area and areas.get(area) is None:
        errors.update(_no_area(area).errors)
    pnr = pii.field_errors((("term", "Begrepp", term), ("expansion", "Förklaring", expansion),
                            ("description", "Beskrivning", description)))
    errors.update({k: v for k, v in pnr.items() if k not in errors})  # other errors come first
    if errors:
        raise ValidationError(errors)
    return TermData(term, expansion, description, area)


def area_id_for(row: GlossaryTerm | None, data: TermData, user=None) -> int | None:
    """The area id a cleaned entry is to have: its current one when `data.area` is None. An area `user`
    may not see is as unknown; a retired area only stays where it already was."""
    current = row.area_id if row is not None else None
    if data.area is None:
        return current
    if not data.area:
        return None
    area: Area | None = areas.get(data.area)
    if area is None or not permissions.sees_area(user, area.id):
        raise _no_area(data.area)
    if area.retired and area.id != current:
        raise ValidationError({"area": f"Området ”{area.name}” är avvecklat. Välj ett annat område."})
    return area.id


def _write(row: GlossaryTerm, data: TermData, op: RevisionOp, author: str, comment: str,
           area_id: int | None = None) -> GlossaryRevision:
    """Make `data` (in the area `area_id`) the entry's current state, add its revision and record the change."""
    old_term = row.term
    row.term, row.expansion, row.description = data.term, data.expansion, data.description
    row.area_id = area_id
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
    audit.record(action, row.term, f"version {rev.number}" + (f": {rev.comment}" if rev.comment else "")
                 + (f" (område: {areas.key_of(area_id)})" if area_id is not None else ""), actor=author or None)
    pages.refresh_html_for_terms({old_term, row.term} if old_term else {row.term})  # their <abbr> titles
    return rev


def _commit(row: GlossaryTerm, base: int) -> None:
    try:
        changes.commit()
    except IntegrityError as exc:  # another editor saved the same revision number (or term) first
        db.session.rollback()
        if row.id is not None and db.session.get(GlossaryTerm, row.id) is not None:
            db.session.refresh(row)
            raise ConflictError(base, row.revision_number) from exc
        raise ValidationError({"term": f"”{row.term}” finns redan i ordlistan."}) from exc


def upsert(data: TermData, *, author: str = "", commit: bool = True, user=None) -> tuple[GlossaryTerm, bool]:
    """Create or update a term (a deleted one comes back); the flag says whether anything changed."""
    data = clean(data)
    row = get(data.term)
    area_id = area_id_for(row, data, user)
    if row is not None and not row.deleted and (row.expansion, row.description, row.area_id) == (
            data.expansion, data.description, area_id):
        return row, False
    if row is None:
        row, op = GlossaryTerm(term=data.term, revision_number=0), RevisionOp.CREATE
    else:
        op = RevisionOp.RESTORE if row.deleted else RevisionOp.EDIT
    base = row.revision_number or 0
    _write(row, data, op, author, "", area_id)
    if commit:
        _commit(row, base)
    return row, True


def _check_comment(comment: str) -> None:
    """Refuse a change comment that holds a personal number (the history is public)."""
    errors = pii.field_errors((("comment", "Kommentar", comment or ""),))
    if errors:
        raise ValidationError(errors)


def create(data: TermData, *, author: str = "", comment: str = "", commit: bool = True,
           user=None) -> GlossaryTerm:
    """Add a new term; a deleted term with the same text is restored with the new values."""
    data = clean(data)
    _check_comment(comment)
    row = get(data.term)
    if row is not None and not row.deleted:
        raise ValidationError({"term": f"”{data.term}” finns redan i ordlistan. "
                                       "Redigera den posten i stället."})
    area_id = area_id_for(None, data, user)
    if row is None:
        row, op = GlossaryTerm(term=data.term, revision_number=0), RevisionOp.CREATE
    else:
        op = RevisionOp.RESTORE
    base = row.revision_number or 0
    _write(row, data, op, author, comment or ("Återskapad" if op is RevisionOp.RESTORE else "Ny post"), area_id)
    if commit:
        _commit(row, base)
    return row


def update(row: GlossaryTerm, data: TermData, *, base_revision: int, author: str = "", comment: str = "",
           commit: bool = True, user=None) -> GlossaryRevision | None:
    """Save an edit based on `base_revision`; None when nothing changed; ConflictError if outdated."""
    if row.deleted:
        raise ValidationError({"term": "Posten är borttagen. Skapa den på nytt för att ändra den."})
    data = clean(data)
    _check_comment(comment)
    if base_revision != row.revision_number:
        raise ConflictError(base_revision, row.revision_number)
    area_id = area_id_for(row, data, user)
    if (row.term, row.expansion, row.description, row.area_id) == (data.term, data.expansion, data.description,
                                                                   area_id):
        return None
    if data.term != row.term:
        other = get(data.term)
        if other is not None and other is not row:
            where = " bland de borttagna posterna" if other.deleted else ""
            raise ValidationError({"term": f"”{data.term}” finns redan i ordlistan{where}."})
    rev = _write(row, data, RevisionOp.EDIT, author, comment, area_id)
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
                 comment or "Posten togs bort", row.area_id)
    if commit:
        _commit(row, base)
    return rev
