"""Glossary of abbreviations and terms, with an immutable history per entry."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.constants import RevisionOp
from kb.extensions import db
from kb.models.areas import Area
from kb.models.base import utcnow


class GlossaryTerm(db.Model):
    """An abbreviation or term with its expansion and a short description (current state)."""

    __tablename__ = "glossary_term"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(60), unique=True, index=True)
    expansion: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Number of the newest GlossaryRevision; an edit based on an older one is a conflict.
    revision_number: Mapped[int] = mapped_column(Integer, default=0)
    # Soft delete: the row and its history stay; saving the term again brings it back.
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # The glossary is shared; a term may name the area it mostly belongs to (None: the whole region).
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), nullable=True, index=True)
    area: Mapped[Area | None] = relationship(lazy="select")
    _kb_area_optional = True  # kb.models.areas leaves it empty rather than filling the own area

    def __repr__(self) -> str:
        return f"<GlossaryTerm {self.term}>"


class GlossaryRevision(db.Model):
    """One immutable version of a glossary entry, as it was after a create, edit, delete or restore."""

    __tablename__ = "glossary_revision"
    __table_args__ = (UniqueConstraint("term_id", "number", name="uq_glossary_revision_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("glossary_term.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(20), default=RevisionOp.EDIT.value)
    term: Mapped[str] = mapped_column(String(60))
    expansion: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(120), default="")
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def deleted(self) -> bool:
        """Whether the entry was deleted by this revision."""
        return self.op == RevisionOp.DELETE.value
