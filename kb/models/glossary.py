"""Glossary of abbreviations and terms."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db
from kb.models.base import utcnow


class GlossaryTerm(db.Model):
    """An abbreviation or term with its expansion and a short description."""

    __tablename__ = "glossary_term"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(60), unique=True, index=True)
    expansion: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
