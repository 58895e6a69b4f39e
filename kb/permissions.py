"""Who may do what: pure rules over a user and a page, used by views, the API and search alike.

No request here: kb.auth.guards applies these rules to the current request.
Rules that need the database (who approves a routine) live with their service (kb.services.governance).
"""
from __future__ import annotations

import enum

from flask import current_app

from kb.constants import Role


class Permission(enum.Enum):
    """Things a user can be allowed to do, with the lowest role that may."""

    READ = Role.READER
    EDIT = Role.EDITOR
    APPROVE = Role.APPROVER
    ADMIN = Role.ADMIN


def can(user, permission: Permission) -> bool:
    """Whether `user` (possibly anonymous) has `permission`."""
    if permission is Permission.READ and current_app.config.get("PUBLIC_READ", True):
        return True
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "disabled", False):
        return False
    return Role(user.role).rank >= permission.value.rank


def _active(user) -> bool:
    return (user is not None and getattr(user, "is_authenticated", False)
            and not getattr(user, "disabled", False))


def sees_unpublished(user) -> bool:
    """Whether `user` sees drafts and pages never approved (editors, fastställare, administrators)."""
    return can(user, Permission.EDIT)


def own_drafts_of(user) -> str | None:
    """Whose pages never approved a search by `user` finds besides published ones: an editor's own
    (by username), nobody's for a reader."""
    return user.username if sees_unpublished(user) else None


def can_read_page(user, page) -> bool:
    """Whether `user` may see this page at all: readers only once it is published or approved.

    `page` is a Page or a row with its published_revision_id (kb.services.pages.head)."""
    return can(user, Permission.READ) and (page.published_revision_id is not None or sees_unpublished(user))


def readable_pages(user, pages) -> list:
    """The pages `user` may open: not deleted, and (for readers) published."""
    return [p for p in pages if not p.deleted and can_read_page(user, p)]


def is_approver(user) -> bool:
    """Whether `user` holds the fastställare role or higher (whether they may approve a given page is
    kb.services.governance.can_approve)."""
    return _active(user) and Role(user.role).rank >= Role.APPROVER.rank


def can_flag(user) -> bool:
    """Whether `user` may report a page as outdated or wrong (any logged-in user)."""
    return _active(user)


def can_govern(user) -> bool:
    """Whether `user` may record reviews and resolve reports (editors act for the owning structure)."""
    return can(user, Permission.EDIT)
