"""A page's content as an editor, an import or the API supplies it, and an approval that comes with it.

Plain data, so the merge (kb.services.pages.merging) and the checks (kb.services.pages.inputs) share it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class PageData:
    """What an editor or an import supplies for a page."""

    title: str
    type: str
    source: str = ""
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    fields: dict = field(default_factory=dict)
    slug: str | None = None
    # The area a new page goes to (None: the installation's own area); an existing page keeps its
    # area unless kb.services.pages.move_page moves it.
    area_id: int | None = None

    def same_content(self, other: PageData) -> bool:
        """Whether this holds the same content as `other` (the slug aside)."""
        return (
            self.title == other.title
            and self.type == other.type
            and self.summary == other.summary
            and list(self.tags) == list(other.tags or [])
            and list(self.target_groups) == list(other.target_groups or [])
            and dict(self.fields) == dict(other.fields or {})
            and self.source == other.source
        )


@dataclass
class Approval:
    """An approval that comes with a save (an import approves what it imports)."""

    by: str
    at: datetime | None = None
    comment: str = ""
