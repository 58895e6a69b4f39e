"""Who may do what: one place, used by views, the API and search alike."""
from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user

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


def require(permission: Permission) -> Callable:
    """View decorator: anonymous users go to the login page, others without the right get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not can(current_user, permission):
                if not current_user.is_authenticated:
                    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


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


def can_approve(user, page, people: dict | None = None, waiting: dict | None = None) -> bool:
    """Whether `user` may approve (or send back) the page's draft.

    Nobody approves their own change. Administrators otherwise always may; a fastställare if they are
    the routine's named approver (kb.services.governance.named_approver), or no approver is named, or
    the change is the named approver's own (it needs another fastställare).
    `people`: governance.approver_accounts() and `waiting`: governance.waiting_revisions(), when a list
    asks for many pages.
    """
    if not _active(user) or Role(user.role).rank < Role.APPROVER.rank:
        return False
    from kb.services import governance

    return governance.may_approve(user, page, people, waiting)


def can_flag(user) -> bool:
    """Whether `user` may report a page as outdated or wrong (any logged-in user)."""
    return _active(user)


def can_govern(user) -> bool:
    """Whether `user` may record reviews and resolve reports (editors act for the owning structure)."""
    return can(user, Permission.EDIT)


# Endpoints anyone may reach even when reading requires login.
# The e-mail unsubscribe link works without a login: its token names the user.
OPEN_ENDPOINTS = frozenset({"auth.login", "static", "info.accessibility", "info.favicon", "me.unsubscribe"})


def guard_reading():
    """before_request: when reading is not public, everything but the login page needs a login."""
    g.actor = current_user.username if current_user.is_authenticated else ""
    g.remote_addr = request.remote_addr or ""
    if request.endpoint in OPEN_ENDPOINTS or request.endpoint is None:
        return None
    if not can(current_user, Permission.READ):
        if request.path.startswith("/api/"):
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def actor_name() -> str:
    """The acting user's name for revisions and logs."""
    return current_user.username if current_user.is_authenticated else "anonym"
