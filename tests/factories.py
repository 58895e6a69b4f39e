"""Test factories: make pages through the real services."""
from __future__ import annotations

from kb.services import pages


def make_page(title: str = "Testsida", source: str = "Text.\n", type: str = "article", **kw) -> object:
    """Create a page through the page service and return it."""
    data = pages.PageData(title=title, type=type, source=source, summary=kw.pop("summary", ""),
                          tags=kw.pop("tags", []), target_groups=kw.pop("target_groups", []),
                          slug=kw.pop("slug", None))
    return pages.create_page(data, author=kw.pop("author", "testare"), comment=kw.pop("comment", ""))


def edit_page(page, source: str, author: str = "testare", **changes) -> object:
    """Save a new revision of a page with new source (and optional other fields)."""
    data = pages.PageData(title=changes.get("title", page.title), type=changes.get("type", page.type),
                          source=source, summary=changes.get("summary", page.summary),
                          tags=changes.get("tags", list(page.tags)),
                          target_groups=changes.get("target_groups", list(page.target_groups)),
                          slug=changes.get("slug"))
    return pages.update_page(page, data, base_revision=page.revision_number, author=author)
