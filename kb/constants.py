"""Names declared once: page types, change operations, target groups, roles."""
from __future__ import annotations

import enum


class PageType(str, enum.Enum):
    """The kinds of page the knowledge base holds."""

    STRUCTURE = "structure"
    RECEPTION = "reception"
    ROUTINE = "routine"
    ORIENTATION = "orientation"
    ARTICLE = "article"

    @property
    def label(self) -> str:
        """Swedish singular name."""
        return PAGE_TYPE_LABELS[self][0]

    @property
    def plural(self) -> str:
        """Swedish plural name."""
        return PAGE_TYPE_LABELS[self][1]


PAGE_TYPE_LABELS: dict[PageType, tuple[str, str]] = {
    PageType.STRUCTURE: ("Struktur", "Strukturer"),
    PageType.RECEPTION: ("Mottagning", "Mottagningar"),
    PageType.ROUTINE: ("Rutin", "Rutiner"),
    PageType.ORIENTATION: ("Introduktion", "Introduktion för nya"),
    PageType.ARTICLE: ("Artikel", "Artiklar"),
}

TARGET_GROUPS: tuple[str, ...] = ("Barn och unga", "Psykisk hälsa och missbruk", "Äldre")


class RevisionOp(str, enum.Enum):
    """What a revision did to its page."""

    CREATE = "create"
    EDIT = "edit"
    REVERT = "revert"
    DELETE = "delete"
    RESTORE = "restore"

    @property
    def label(self) -> str:
        """Swedish description for history lists."""
        return {
            "create": "Skapad",
            "edit": "Ändrad",
            "revert": "Återställd till tidigare version",
            "delete": "Borttagen",
            "restore": "Återskapad",
        }[self.value]


class ChangeOp(str, enum.Enum):
    """Operations recorded in the change log."""

    UPSERT = "upsert"
    DELETE = "delete"


class Entity(str, enum.Enum):
    """Kinds of record the change log (and the search index) knows."""

    PAGE = "page"
    GLOSSARY = "glossary"
