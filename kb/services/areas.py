"""Areas (collaboration bodies) and the roles users hold in them.

An area groups pages, plans and collaboration plans; one shared area ("gemensamt") holds what the
whole region shares. Who may do what in an area is kb.permissions (area_rank, can_manage_area);
this module creates and changes areas and grants, and answers questions about them.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from kb import permissions
from kb.constants import AreaRole, AuditAction, ChangeOp, Entity, Role
from kb.exceptions import NotFoundError, ValidationError
from kb.extensions import db
from kb.models import ActionPlan, Area, AreaGrant, CollaborationPlan, Page, User
from kb.models.areas import (
    BY_HAND,
    DEFAULT_AREA_NAME,
    KEY_MAX,
    SHARED_AREA_KEY,
    SHARED_AREA_NAME,
    closed_area_ids,
    default_area_key,
    forget_areas,
    note_closed_area_ids,
)
from kb.services import audit, changes, pages

KEY_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
NAME_MAX = 200
DESCRIPTION_MAX = 2000
_BY_ID = "kb_areas_by_id"

__all__ = ["BY_HAND", "DEFAULT_AREA_NAME", "SHARED_AREA_KEY", "SHARED_AREA_NAME", "closed_area_ids",
           "default_area_key"]


def all_areas(*, include_retired: bool = True) -> list[Area]:
    """Every area: the shared one first, then by name."""
    rows = list(by_id().values())
    if not include_retired:
        rows = [a for a in rows if not a.retired]
    return sorted(rows, key=lambda a: (not a.shared, a.name.casefold()))


def by_id() -> dict[int, Area]:
    """Every area by id, read once per database session (lists show an area per row without a query)."""
    session = db.session()
    areas = session.info.get(_BY_ID)
    if areas is None:
        areas = {a.id: a for a in session.scalars(select(Area))}
        session.info[_BY_ID] = areas
        # The same rows answer closed_area_ids for this session: one query for both (search asks both).
        note_closed_area_ids(session, frozenset(a.id for a in areas.values() if a.members_only))
    return areas


def _forget() -> None:
    db.session().info.pop(_BY_ID, None)
    forget_areas()
    current_app.extensions.pop(_SNAPSHOT, None)


@dataclass(frozen=True)
class AreaInfo:
    """An area's facts as plain values, for the process-wide snapshot (no database session needed)."""

    id: int
    key: str
    name: str
    members_only: bool
    retired: bool

    @property
    def shared(self) -> bool:
        """Whether this is the region-wide area."""
        return self.key == SHARED_AREA_KEY


@dataclass(frozen=True)
class Snapshot:
    """Every area by id and the members-only ids, as read at `taken` (time.monotonic)."""

    taken: float
    by_id: dict[int, AreaInfo]
    closed: frozenset[int]

    def get(self, key: str) -> AreaInfo | None:
        """The area with this key, or None."""
        key = (key or "").strip().lower()
        return next((a for a in self.by_id.values() if a.key == key), None)

    def hidden_from(self, user) -> frozenset[int]:
        """kb.permissions.hidden_areas, answered from the snapshot (a user's own roles are read once
        per user object, as there): the members-only areas `user` is no member of."""
        if user is None or (getattr(user, "is_authenticated", False) and not getattr(user, "disabled", False)
                            and user.role == Role.ADMIN.value):
            return frozenset()
        return self.closed - (getattr(user, "area_roles", None) or {}).keys()

    def ref(self, area_id: int | None) -> dict | None:
        """{"key", "name"} of an area (None for none)."""
        area = self.by_id.get(area_id) if area_id is not None else None
        return {"key": area.key, "name": area.name} if area is not None else None


_SNAPSHOT = "kb_area_snapshot"
# How old the snapshot search uses may be: the search index's own catch-up interval
# (kb.index.catchup.CATCH_UP_INTERVAL), since search answers from an index that may lag as much.
# The process that changes an area drops its snapshot at once.
SNAPSHOT_SECONDS = 2.0


def snapshot() -> Snapshot:
    """The areas for search, without a query per request: read at most every SNAPSHOT_SECONDS per
    app, at once after this process changed an area. Page views and lists use `by_id` (this
    request's own read) instead."""
    snap = current_app.extensions.get(_SNAPSHOT)
    now = time.monotonic()
    if snap is None or now - snap.taken > SNAPSHOT_SECONDS:
        rows = db.session.execute(select(Area.id, Area.key, Area.name, Area.members_only, Area.retired)).all()
        infos = {r.id: AreaInfo(r.id, r.key, r.name, bool(r.members_only), bool(r.retired)) for r in rows}
        snap = Snapshot(now, infos, frozenset(a.id for a in infos.values() if a.members_only))
        current_app.extensions[_SNAPSHOT] = snap
    return snap


def get(key: str) -> Area | None:
    """The area with this key (case-insensitive), or None."""
    key = (key or "").strip().lower()
    return next((a for a in by_id().values() if a.key == key), None)


def require(key: str) -> Area:
    """The area with this key, or NotFoundError with a Swedish message listing the keys."""
    area = get(key)
    if area is None:
        keys = ", ".join(a.key for a in all_areas())
        raise NotFoundError(f"Det finns inget område ”{key}”. Områden: {keys}.")
    return area


def shared_area() -> Area | None:
    """The region-wide area."""
    return get(SHARED_AREA_KEY)


def default_area() -> Area | None:
    """The installation's own area (KB_DEFAULT_AREA), where content without an area goes."""
    return get(default_area_key()) or next((a for a in all_areas() if not a.shared), None)


def visible_areas(user, *, include_retired: bool = False) -> list[Area]:
    """The areas `user` may see (members-only ones only for members and administrators)."""
    hidden = permissions.hidden_areas(user)
    return [a for a in all_areas(include_retired=include_retired) if a.id not in hidden]


def editable_areas(user) -> list[Area]:
    """The areas (not retired) where `user` may create and edit content."""
    return [a for a in all_areas(include_retired=False) if permissions.can_edit_in(user, a.id)]


def check_choice(user, key: str, *, field: str = "area") -> Area:
    """The area `user` chose for new or moved content, or ValidationError (at `field`) when it is
    unknown, retired, or not one they may edit in."""
    area = get(key) if key else None
    if area is None or not permissions.sees_area(user, area.id):
        raise ValidationError({field: "Välj ett område."})
    if area.retired:
        raise ValidationError({field: f"Området ”{area.name}” är avvecklat och tar inte emot nytt innehåll."})
    if not permissions.can_edit_in(user, area.id):
        raise ValidationError({field: f"Du har inte behörighet att redigera i området ”{area.name}”."})
    return area


def default_choice(user, *, preferred: int | None = None) -> Area | None:
    """The area a form for new content starts with: `preferred` (the area of the page or structure
    the user came from) when they may edit there, else their only editable area, else the own area,
    else the first they may edit in."""
    editable = editable_areas(user)
    by = {a.id: a for a in editable}
    if preferred in by:
        return by[preferred]
    granted = [a for a in editable if a.id in (getattr(user, "area_roles", {}) or {})]
    if len(granted) == 1:
        return granted[0]
    own = default_area()
    if own is not None and own.id in by:
        return own
    return editable[0] if editable else None


def managed_areas(user) -> list[Area]:
    """The areas whose members and roles `user` manages."""
    return [a for a in all_areas() if permissions.can_manage_area(user, a.id)]


def name_of(area_id: int | None) -> str:
    """The area's name ('' for none)."""
    area = by_id().get(area_id) if area_id is not None else None
    return area.name if area else ""


def key_of(area_id: int | None) -> str:
    """The area's key ('' for none)."""
    area = by_id().get(area_id) if area_id is not None else None
    return area.key if area else ""


def search_scope(area_id: int | None) -> str:
    """The area a search made from this area's pages is limited to (with Gemensamt): its key; '' for
    the shared area's pages (region-wide: their readers come from everywhere) and for none."""
    area = by_id().get(area_id) if area_id is not None else None
    return area.key if area is not None and not area.shared else ""


def clean_key(value: str) -> str:
    """A valid area key, or ValidationError."""
    key = (value or "").strip().lower()
    if not KEY_RE.match(key):
        raise ValidationError({"key": f"Områdets nyckel ska vara 1–{KEY_MAX} tecken: a–z, 0–9 och bindestreck "
                                      "(inte först eller sist), t.ex. ”gbg-sydvast”."})
    return key


def _clean_name(value: str) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise ValidationError({"name": "Ange områdets namn."})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"Namnet får vara högst {NAME_MAX} tecken."})
    return name


def create(key: str, name: str, *, description: str = "", members_only: bool = False,
           actor: str | None = None) -> Area:
    """Create an area; ValidationError for a bad or taken key or a missing name (nothing is saved)."""
    errors: dict[str, str] = {}
    try:
        key = clean_key(key)
        if get(key) is not None:
            errors["key"] = f"Det finns redan ett område med nyckeln ”{key}”."
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        name = _clean_name(name)
    except ValidationError as exc:
        errors.update(exc.errors)
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = f"Beskrivningen får vara högst {DESCRIPTION_MAX} tecken."
    if errors:
        raise ValidationError(errors)
    area = Area(key=key, name=name, description=description, members_only=members_only)
    db.session.add(area)
    audit.record(AuditAction.AREA_CREATED, key,
                 f"{name}{' (endast medlemmar)' if members_only else ''}", actor=actor)
    _changed(area, actor)
    return area


def update(key: str, *, name: str | None = None, description: str | None = None,
           members_only: bool | None = None, retired: bool | None = None, actor: str | None = None) -> Area:
    """Change an area's name, description, visibility or retirement: everything is checked before
    anything changes (ValidationError, nothing saved)."""
    area = require(key)
    errors: dict[str, str] = {}
    if name is not None:
        try:
            name = _clean_name(name)
        except ValidationError as exc:
            errors.update(exc.errors)
    if description is not None:
        description = description.strip()
        if len(description) > DESCRIPTION_MAX:
            errors["description"] = f"Beskrivningen får vara högst {DESCRIPTION_MAX} tecken."
    if members_only and area.shared:
        errors["members_only"] = "Det gemensamma området kan inte vara endast för medlemmar."
    if errors:
        raise ValidationError(errors)
    done: list[str] = []
    if name is not None and name != area.name:
        area.name = name
        done.append(f"namn: {name}")
    if description is not None and description != area.description:
        area.description = description
        done.append("beskrivning")
    if members_only is not None and members_only != area.members_only:
        area.members_only = members_only
        done.append("endast medlemmar" if members_only else "öppet för alla")
        forget_areas()  # links from other areas' pages to this one's turn into plain text, or back
        pages.refresh_area_linkers(area.id)
    if retired is not None and retired != area.retired:
        area.retired = retired
        done.append("avvecklat" if retired else "åter i bruk")
    if done:
        audit.record(AuditAction.AREA_SAVED, area.key, ", ".join(done), actor=actor)
        _changed(area, actor)
    return area


def _changed(area: Area, actor: str | None) -> None:
    """Commit an area's change with a change-log row: the HTTP caches and the page cache see the log
    move (a page's header names its area; a members-only switch changes what visitors may see)."""
    db.session.flush()
    changes.record(Entity.AREA, area.id, ChangeOp.UPSERT, actor or "")
    db.session.commit()
    _forget()


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None:
        raise ValidationError({"username": f"Det finns ingen användare ”{username}”."})
    return user


def grant(username: str, key: str, role: AreaRole, *, actor: str | None = None, source: str = BY_HAND) -> AreaGrant:
    """Give `username` `role` in the area (replacing the role they had there from the same source)."""
    user = _user(username)
    area = require(key)
    row = db.session.scalar(select(AreaGrant).where(AreaGrant.user_id == user.id, AreaGrant.area_id == area.id,
                                                    AreaGrant.source == source))
    if row is not None and row.role == role.value:
        return row
    before = row.role if row is not None else "ingen"
    if row is None:
        row = AreaGrant(user_id=user.id, area_id=area.id, source=source)
        db.session.add(row)
    row.role = role.value
    audit.record(AuditAction.AREA_GRANTED, user.username, f"{area.key}: {before} → {role.value} (källa: för hand)",
                 actor=actor)
    db.session.commit()
    user.forget_area_roles()
    return row


def revoke(username: str, key: str, *, actor: str | None = None, source: str = BY_HAND) -> int:
    """Take away `username`'s role in the area (given from `source`); how many grants went."""
    user = _user(username)
    area = require(key)
    rows = list(db.session.scalars(select(AreaGrant).where(
        AreaGrant.user_id == user.id, AreaGrant.area_id == area.id, AreaGrant.source == source)))
    for row in rows:
        audit.record(AuditAction.AREA_REVOKED, user.username, f"{area.key}: {row.role} → ingen (källa: för hand)",
                     actor=actor)
        db.session.delete(row)  # a grant is a permission, not content: the audit log keeps its history
    if rows:
        db.session.commit()
        user.forget_area_roles()
    return len(rows)


def set_member(username: str, key: str, role: AreaRole | str | None, *, by) -> AreaRole | None:
    """Give, change or (role None or "") take away `username`'s role in the area, as the user `by`
    asks (the caller checked `by` manages the area). An area administrator cannot take away their
    own administration (someone would have to give it back). Returns the role now held."""
    if isinstance(role, str):
        try:
            role = AreaRole.parse(role) if role else None
        except ValueError as exc:
            raise ValidationError({"role": str(exc)}) from None
    area = require(key)
    user = _user(username)
    if user.id == getattr(by, "id", None) and not permissions.can(by, permissions.Permission.ADMIN) \
            and role is not AreaRole.AREA_ADMIN:
        raise ValidationError({"role": "Du kan inte ta bort din egen roll som områdesadministratör. "
                                       "Be en administratör eller en annan områdesadministratör."})
    actor = getattr(by, "username", None)
    if role is None:
        revoke(user.username, area.key, actor=actor)
    else:
        grant(user.username, area.key, role, actor=actor)
    return role


@dataclass(frozen=True)
class Member:
    """One user's role in an area."""

    username: str
    name: str
    role: AreaRole
    source: str


def members(area: Area) -> list[Member]:
    """Everyone holding a role in the area, by name."""
    rows = db.session.execute(select(User.username, User.display_name, AreaGrant.role, AreaGrant.source)
                              .join(AreaGrant, AreaGrant.user_id == User.id)
                              .where(AreaGrant.area_id == area.id))
    out = [Member(u, d or u, AreaRole(r), s) for u, d, r, s in rows]
    return sorted(out, key=lambda m: (m.name.casefold(), m.username))


def roles_of(username: str) -> dict[str, AreaRole]:
    """A user's roles by area key."""
    user = _user(username)
    areas = by_id()
    return {areas[a].key: r for a, r in user.area_roles.items() if a in areas}


def page_counts(*, published_only: bool = False) -> dict[int, int]:
    """How many live pages each area holds (only published ones, with `published_only`), by area id."""
    query = select(Page.area_id, func.count()).where(Page.deleted.is_(False)).group_by(Page.area_id)
    return dict(db.session.execute(pages.shown_to(query, published_only=published_only)).all())


def content_counts() -> dict[int, dict[str, int]]:
    """Per area id: how many pages and plans it holds (not deleted)."""
    out: dict[int, dict[str, int]] = {a: {"pages": 0, "plans": 0} for a in by_id()}
    for area_id, count in page_counts().items():
        out.setdefault(area_id, {"pages": 0, "plans": 0})["pages"] += count
    for model, name in ((ActionPlan, "plans"), (CollaborationPlan, "plans")):
        for area_id, count in db.session.execute(
                select(model.area_id, func.count()).where(model.deleted.is_(False)).group_by(model.area_id)):
            out.setdefault(area_id, {"pages": 0, "plans": 0})[name] += count
    return out


def only_defaults(connection) -> bool:
    """Whether the areas are exactly what `kb init` seeds (the shared and the own area) and nobody
    holds a role: a restore may replace them."""
    rows = connection.execute(select(Area.key, Area.members_only, Area.retired)).all()
    grants = connection.scalar(select(func.count()).select_from(AreaGrant))
    return not grants and len(rows) <= 2 and all(not m and not r for _, m, r in rows) and \
        {k for k, _, _ in rows} <= {SHARED_AREA_KEY, default_area_key()}


def roles_by_user() -> dict[int, list[tuple[Area, AreaRole, str]]]:
    """Every user's roles in areas (user id → (area, role, source) by area name), in one query, for the
    user list (source: "hand" or "grupp:<group>", see kb.services.groups)."""
    areas = by_id()
    out: dict[int, list[tuple[Area, AreaRole, str]]] = {}
    for user_id, area_id, role, source in db.session.execute(
            select(AreaGrant.user_id, AreaGrant.area_id, AreaGrant.role, AreaGrant.source)):
        if area_id in areas:
            out.setdefault(user_id, []).append((areas[area_id], AreaRole(role), source))
    for rows in out.values():
        rows.sort(key=lambda pair: pair[0].name.casefold())
    return out


def site_role_note(user: User) -> str:
    """How a user's site role reaches the areas, for the admin pages."""
    role = Role(user.role)
    if role is Role.ADMIN:
        return "Administratör i alla områden"
    if role in (Role.EDITOR, Role.APPROVER):
        return f"{role.value.capitalize()} i alla öppna områden"
    return ""


def ref(area_id: int | None) -> dict | None:
    """An area as a key and a name (what every page, plan and search result carries)."""
    area = by_id().get(area_id) if area_id is not None else None
    return {"key": area.key, "name": area.name} if area is not None else None


def area_json(area: Area) -> dict:
    """An area as the API shows it."""
    return {"key": area.key, "name": area.name, "description": area.description,
            "members_only": area.members_only, "retired": area.retired, "shared": area.shared}
