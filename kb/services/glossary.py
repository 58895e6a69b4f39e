"""Glossary terms: list, upsert (with change log), validation."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from kb import pii
from kb.constants import AuditAction, ChangeOp, Entity
from kb.extensions import db
from kb.models import GlossaryTerm
from kb.models.base import utcnow
from kb.services import audit, changes
from kb.services.errors import ValidationError


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
    for name, label, value in (("term", "Begrepp", term), ("expansion", "Förklaring", expansion),
                               ("description", "Beskrivning", description)):
        findings = pii.find_personal_numbers(value)
        if findings and name not in errors:
            errors[name] = pii.describe(findings, label)
    if errors:
        raise ValidationError(errors)
    return TermData(term, expansion, description)


def all_terms() -> list[GlossaryTerm]:
    """All terms sorted case-insensitively."""
    return sorted(db.session.scalars(select(GlossaryTerm)), key=lambda t: t.term.casefold())


def get(term: str) -> GlossaryTerm | None:
    """A term by its exact text."""
    return db.session.scalar(select(GlossaryTerm).where(GlossaryTerm.term == term))


def upsert(data: TermData, *, author: str = "", commit: bool = True) -> tuple[GlossaryTerm, bool]:
    """Create or update a term; the flag says whether anything changed."""
    data = clean(data)
    row = get(data.term)
    if row is not None and (row.expansion, row.description) == (data.expansion, data.description):
        return row, False
    if row is None:
        row = GlossaryTerm(term=data.term, expansion=data.expansion, description=data.description)
        db.session.add(row)
    else:
        row.expansion, row.description, row.updated_at = data.expansion, data.description, utcnow()
    db.session.flush()
    changes.record(Entity.GLOSSARY, row.id, ChangeOp.UPSERT, author)
    audit.record(AuditAction.GLOSSARY_SAVED, row.term, actor=author or None)
    if commit:
        changes.commit()
    return row, True
