"""Request-bound access checks: the view decorator, the reading guard and the acting user's name.

The rules themselves are pure and live in kb.permissions; this module applies them to the current
request and tells the audit log who acts and from where (kb.services.audit.set_origin).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, abort, redirect, request, url_for
from flask_login import current_user

from kb.permissions import Permission, area_of, can, can_manage_area, can_read_page
from kb.services import audit, pages
from kb.slugs import is_valid_slug

# Endpoints anyone may reach even when reading requires login.
# The e-mail unsubscribe link works without a login: its token names the user; so do "Glömt lösenordet?"
# and its link. The statements on accessibility and personal data are for everyone.
OPEN_ENDPOINTS = frozenset({"auth.login", "static", "info.accessibility", "info.privacy", "info.favicon",
                            "me.unsubscribe", "auth.forgot_password", "auth.reset_password"})


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


def require_area_manager(view: Callable) -> Callable:
    """View decorator: only those who manage some area's members (administrators, area administrators);
    anonymous users go to the login page. The view checks the area itself (`require_managing`)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not can_manage_area(current_user):
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def require_managing(area_id: int) -> None:
    """403 unless the current user manages the members and roles of this area."""
    if not can_manage_area(current_user, area_id):
        abort(403)


def require_in(area_id: int | None, permission: Permission = Permission.EDIT) -> None:
    """403 unless the current user has `permission` in the area: the per-object check a view makes
    after loading the object (the `require` decorator before it only asks "anywhere?")."""
    if not can(current_user, permission, area_id):
        abort(403)


def editable(obj):
    """`obj` (a page, plan, activity, attachment or collaboration plan) if the current user may edit
    in its area, else 403."""
    require_in(area_of(obj))
    return obj


def guard_reading():
    """before_request: name the request's origin for the audit log; when reading is not public,
    everything but the login page needs a login."""
    audit.set_origin(current_user.username if current_user.is_authenticated else "", request.remote_addr or "")
    if request.endpoint in OPEN_ENDPOINTS or request.endpoint is None:
        return None
    if not can(current_user, Permission.READ):
        if request.path.startswith("/api/"):
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def load_page(slug: str, *, allow_deleted: bool = False):
    """The page for a URL slug, or 404 (invalid slugs too, and pages never approved for readers)."""
    if not is_valid_slug(slug):
        abort(404)
    page, _ = pages.resolve(slug)
    if page is None or (page.deleted and not allow_deleted) or not can_read_page(current_user, page):
        abort(404)
    return page


def actor_name() -> str:
    """The acting user's name for revisions and logs."""
    return current_user.username if current_user.is_authenticated else "anonym"


def init_app(app: Flask) -> None:
    """Check every request against the reading rule; the audit origin lasts for the request only."""
    app.before_request(guard_reading)
    app.teardown_request(lambda _exc: audit.clear_origin())
