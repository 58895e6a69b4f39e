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


# Endpoints anyone may reach even when reading requires login.
OPEN_ENDPOINTS = frozenset({"auth.login", "static", "info.accessibility"})


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
