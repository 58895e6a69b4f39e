"""Helpers for the governance tests: routines made through the services, accounts per role."""
from __future__ import annotations

from kb.constants import Role
from kb.models import Page
from kb.services import pages, users

PASSWORD = "Rätt-häftig-fras-2026"  # noqa: S105 - a test account's password


def account(username: str, role: Role) -> None:
    """Create an account with this role unless it exists."""
    if users.get(username) is None:
        users.create(username, PASSWORD, role)


def routine(title: str, source: str = "Första texten.\n", *, approved: bool = True, slug: str | None = None,
            author: str = "redaktor", **fields) -> Page:
    """A routine created through the page service: approved (as an import approves) or a first draft."""
    data = pages.PageData(title=title, type="routine", source=source, fields=fields, slug=slug)
    approval = pages.Approval(by="godkannare", comment="Ny rutin.") if approved else None
    return pages.create_page(data, author=author, approval=approval, check=False)


def edit(page, source: str, author: str = "redaktor", **changes) -> object:
    """Save a new revision based on the newest one (a draft for a routine)."""
    current = page.current
    data = pages.PageData(title=changes.pop("title", current.title), type=changes.pop("type", current.type),
                          source=source, summary=current.summary, tags=list(current.tags),
                          target_groups=list(current.target_groups),
                          fields=changes.pop("fields", dict(current.fields or {})))
    return pages.update_page(page, data, base_revision=page.revision_number, author=author, check=False)
