"""Who may do what: pure rules over a user and a page, used by views, the API and search alike.

No request here: kb.auth.guards applies these rules to the current request.
Rules that need the database (who approves a routine) live with their service (kb.services.governance).
"""
from __future__ import annotations

import enum

from flask import current_app

from kb.constants import AreaRole, Role


class Permission(enum.Enum):
    """Things a user can be allowed to do, with the lowest role that may."""

    READ = Role.READER
    EDIT = Role.EDITOR
    APPROVE = Role.APPROVER
    ADMIN = Role.ADMIN


def _active(user) -> bool:
    return (user is not None and getattr(user, "is_authenticated", False)
            and not getattr(user, "disabled", False))


def _site_rank(user) -> int:
    return Role(user.role).rank if _active(user) else 0


def hidden_areas(user) -> frozenset[int]:
    """Ids of the members-only areas `user` is no member of. None (a command, a background job
    acting for the installation) sees every area."""
    if user is None:
        return frozenset()
    return getattr(user, "hidden_area_ids", frozenset())


def sees_area(user, area_id: int | None) -> bool:
    """Whether `user` may know the area's content exists (members-only areas: members only)."""
    return area_id is None or area_id not in hidden_areas(user)


def area_rank(user, area_id: int | None) -> int:
    """The rank of `user`'s rights in an area (Role.rank scale): an administrator's everywhere, a
    site-wide redaktör's or fastställare's in every area they may see, or the role granted there.
    Without an area: the highest rank the user holds anywhere."""
    if not _active(user):
        return 0
    site = _site_rank(user)
    if site >= Role.ADMIN.rank:
        return site
    roles = getattr(user, "area_roles", {}) or {}
    if area_id is None:
        return max([site, *(r.rank for r in roles.values())])
    if not sees_area(user, area_id):
        return 0
    granted = roles.get(area_id)
    return max(site, granted.rank if granted is not None else 0)


def can(user, permission: Permission, area_id: int | None = None) -> bool:
    """Whether `user` (possibly anonymous) has `permission`, in the area `area_id` when given (else
    in at least one area). Reading an area also needs membership when the area is members-only."""
    if permission is Permission.READ:
        if area_id is not None and not sees_area(user, area_id):
            return False
        if current_app.config.get("PUBLIC_READ", True):
            return True
        return _active(user)
    if permission is Permission.ADMIN:
        return _site_rank(user) >= Role.ADMIN.rank
    return area_rank(user, area_id) >= permission.value.rank


def can_manage_area(user, area_id: int | None = None) -> bool:
    """Whether `user` manages the members and roles of the area (an administrator, or its area
    administrator); without an area: of at least one area."""
    if not _active(user):
        return False
    if _site_rank(user) >= Role.ADMIN.rank:
        return True
    roles = getattr(user, "area_roles", {}) or {}
    if area_id is None:
        return any(r is AreaRole.AREA_ADMIN for r in roles.values())
    return roles.get(area_id) is AreaRole.AREA_ADMIN


def can_edit_templates(user, area_id: int | None) -> bool:
    """Whether `user` may add, change and retire the page templates of the area (`area_id` None: the
    templates for every area): administrators everywhere, an area administrator in their own area."""
    if area_id is None:
        return _site_rank(user) >= Role.ADMIN.rank
    return can_manage_area(user, area_id)


def sees_unpublished(user, area_id: int | None = None) -> bool:
    """Whether `user` sees drafts and pages never approved (editors, fastställare, administrators)
    of the area (without an area: of some area)."""
    return can(user, Permission.EDIT, area_id)


def own_drafts_of(user) -> str | None:
    """Whose pages never approved a search by `user` finds besides published ones: an editor's own
    (by username), nobody's for a reader."""
    return user.username if sees_unpublished(user) else None


def can_read_page(user, page) -> bool:
    """Whether `user` may see this page at all: readers only once it is published or approved, and
    only members when its area is members-only.

    `page` is a Page or a row with its published_revision_id and area_id (kb.services.pages.head)."""
    area_id = getattr(page, "area_id", None)
    return can(user, Permission.READ, area_id) and (
        page.published_revision_id is not None or sees_unpublished(user, area_id))


def can_edit_in(user, area_id: int | None) -> bool:
    """Whether `user` may edit the content of the area (pages, plans, attachments)."""
    return can(user, Permission.EDIT, area_id)


def area_of(obj) -> int | None:
    """The area an object belongs to: its own `area_id` (pages, plans, collaboration plans), an
    activity's plan's, an attachment's page's; None for anything outside the areas."""
    if obj is None:
        return None
    if hasattr(obj, "area_id"):
        return obj.area_id
    for parent in ("plan", "page"):
        if hasattr(obj, parent):
            return area_of(getattr(obj, parent))
    return None


def can_edit(user, obj) -> bool:
    """Whether `user` may change `obj` (a page, plan, activity, attachment or collaboration plan):
    editing in the area it belongs to."""
    return can_edit_in(user, area_of(obj))


def readable_pages(user, pages) -> list:
    """The pages `user` may open: not deleted, and (for readers) published."""
    return [p for p in pages if not p.deleted and can_read_page(user, p)]


def is_approver(user, area_id: int | None = None) -> bool:
    """Whether `user` holds the fastställare role or higher (in the area, when given; whether they may
    approve a given page is kb.services.governance.can_approve)."""
    return area_rank(user, area_id) >= Role.APPROVER.rank


def can_report_reading(user, page) -> bool:
    """Whether `user` sees who has confirmed reading `page` and marks it as required reading: its
    editors and approvers (editing in its area) and administrators. Everyone else sees only their own."""
    return can_edit(user, page)


def can_flag(user) -> bool:
    """Whether `user` may report a page as outdated or wrong (any logged-in user)."""
    return _active(user)


def can_govern(user, area_id: int | None = None) -> bool:
    """Whether `user` may record reviews and resolve reports (editors act for the owning structure)."""
    return can(user, Permission.EDIT, area_id)
