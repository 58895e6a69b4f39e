"""Page templates: Markdown skeletons filled in when someone starts a new page of a type.

Each page type has a built-in skeleton (kb.typed.TEMPLATES); administrators add templates of their own
("Mötesanteckningar", "Rutin – kort"), for every area or for one. A template is never deleted by a
normal action: it is retired (hidden from "Ny sida") and can be brought back; the audit log keeps who
changed what (kb.services.page_templates).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db
from kb.models.base import utcnow

NAME_MAX = 100


class PageTemplate(db.Model):
    """An own template for one page type, for every area (no area) or for one area."""

    __tablename__ = "page_template"
    _kb_area_optional = True  # no area means every area, not the own area (kb.models.areas)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # A kb.constants.PageType value.
    type: Mapped[str] = mapped_column(String(20), index=True)
    source: Mapped[str] = mapped_column(Text, default="")
    # None: offered in every area; else only in this area.
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), nullable=True, index=True)
    # Filled in when the type is chosen on "Ny sida" (at most one active per type and area; without
    # one, the site-wide default, then the built-in skeleton).
    is_default_for_type: Mapped[bool] = mapped_column(Boolean, default=False)
    # Retired: kept, but not offered and not filled in.
    retired: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(80), default="")

    def __repr__(self) -> str:
        return f"<PageTemplate {self.name!r} {self.type}>"
