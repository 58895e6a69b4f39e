"""Roles from groups: which groups at the identity provider give which site role or area role, and
applying them to an account at every sign-in (and at once when the mapping changes).

A group is named as the provider names it: an OIDC group claim value (Entra ID sends object ids, other
providers names) or an LDAP group DN. Groups compare case-insensitively, as LDAP compares DNs.

Roles from groups live apart from roles given by hand: the site role from groups is `User.group_role`
(the role in effect is the higher of it and `User.hand_role`), and area roles from groups are
`AreaGrant` rows whose source is "grupp:<group>". A sign-in replaces exactly those, so a group the user
left takes its role with it, and nothing given by hand is touched.
"""
from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from kb import pii
from kb.constants import AreaRole, AuditAction, Role
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import AreaGrant, GroupRole, User
from kb.services import areas, audit, users

GROUP_SOURCE = "grupp:"
GROUP_MAX = 500
GROUPS_PER_USER_MAX = 2000
SOURCE_ROOM = 200 - len(GROUP_SOURCE)  # AreaGrant.source holds "grupp:" and the group's name
NO_GROUP = ("Ditt konto finns inte i någon grupp som ger tillgång till kunskapsbanken. "
            "Kontakta din administratör eller it-avdelningen.")


def group_key(name: str) -> str:
    """How a group is compared: trimmed, NFC, folded to lower case."""
    return unicodedata.normalize("NFC", (name or "").strip()).casefold()


def require_group() -> bool:
    """Whether sign-in through the organisation needs a mapped group (KB_REQUIRE_GROUP)."""
    return bool(current_app.config.get("REQUIRE_GROUP"))


@dataclass(frozen=True)
class Mapping:
    """One group's role, for lists and the JSON API."""

    id: int
    group: str
    role: str
    area_key: str | None
    area_name: str | None
    members: int

    @property
    def role_label(self) -> str:
        """The role with a capital, and where it applies."""
        where = f"i {self.area_name}" if self.area_name else "i hela kunskapsbanken"
        return f"{self.role.capitalize()} {where}"


def _clean_group(name: str) -> str:
    text = unicodedata.normalize("NFC", (name or "").strip())
    if not text:
        raise ValidationError({"group": "Ange gruppens namn, id eller DN som identitetsleverantören skickar."})
    if len(text) > GROUP_MAX:
        raise ValidationError({"group": f"Gruppens namn får vara högst {GROUP_MAX} tecken."})
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ValidationError({"group": "Gruppens namn får inte innehålla radbrytningar eller styrtecken."})
    errors = pii.field_errors((("group", "Gruppens namn", text),))
    if errors:
        raise ValidationError(errors)
    return text


def parse_role(role: str | Role | AreaRole, area_key: str | None) -> tuple[str, int | None]:
    """The role's stored value and the area id (None: a site role); ValidationError if unknown."""
    area_id = None
    if area_key:
        area = areas.get(area_key)
        if area is None:
            raise ValidationError({"area": f"Det finns inget område ”{area_key}”."})
        area_id = area.id
    try:
        if area_id is None:
            value = role.value if isinstance(role, Role) else Role.parse(str(role)).value
        else:
            value = role.value if isinstance(role, AreaRole) else AreaRole.parse(str(role)).value
    except ValueError as exc:
        raise ValidationError({"role": str(exc)}) from None
    return value, area_id


def mappings() -> list[Mapping]:
    """Every group's roles, by group and area (site roles first)."""
    by_id = areas.by_id()
    counts: dict[str, int] = {}
    for (raw,) in db.session.execute(select(User.groups_json).where(User.groups_json != "[]")):
        for key in {group_key(g) for g in _load(raw)}:
            counts[key] = counts.get(key, 0) + 1
    rows = db.session.scalars(select(GroupRole))
    out = [Mapping(r.id, r.group_name, r.role, by_id[r.area_id].key if r.area_id in by_id else None,
                   by_id[r.area_id].name if r.area_id in by_id else None, counts.get(r.group_key, 0)) for r in rows]
    return sorted(out, key=lambda m: (m.group.casefold(), m.area_name is not None, (m.area_name or "").casefold()))


def map_group(group: str, role: str | Role | AreaRole, *, area_key: str | None = None,
              actor: str | None = None) -> GroupRole:
    """Give members of `group` `role` (in the area `area_key`, or site-wide), replacing what the group
    gave there before. Accounts that signed in as members get the change at once."""
    name = _clean_group(group)
    value, area_id = parse_role(role, area_key)
    key = group_key(name)
    row = db.session.scalar(select(GroupRole).where(GroupRole.group_key == key, _same_area(area_id)))
    if row is not None and row.role == value and row.group_name == name:
        return row
    before = row.role if row is not None else "ingen"
    if row is None:
        row = GroupRole(group_key=key, area_id=area_id, created_by=actor or "")
        db.session.add(row)
    row.group_name, row.role = name, value
    where = area_key or "hela kunskapsbanken"
    audit.record(AuditAction.GROUP_MAPPED, name[:200], f"{where}: {before} → {value}", actor=actor)
    db.session.flush()
    _reapply(key, actor=actor)
    db.session.commit()
    return row


def unmap(group: str, *, area_key: str | None = None, actor: str | None = None) -> int:
    """Stop `group` giving a role (in `area_key`, or its site role); how many mappings went. Accounts
    that signed in as members lose the role at once (and, with KB_REQUIRE_GROUP, their sessions end
    when no mapped group is left)."""
    key = group_key(group)
    _, area_id = parse_role(Role.READER if area_key is None else AreaRole.MEMBER, area_key)
    rows = list(db.session.scalars(select(GroupRole).where(GroupRole.group_key == key, _same_area(area_id))))
    for row in rows:
        audit.record(AuditAction.GROUP_UNMAPPED, row.group_name[:200],
                     f"{area_key or 'hela kunskapsbanken'}: {row.role} → ingen", actor=actor)
        db.session.delete(row)  # a mapping is configuration: the audit log keeps its history
    if rows:
        db.session.flush()
        _reapply(key, actor=actor)
        db.session.commit()
    return len(rows)


@dataclass(frozen=True)
class Removed:
    """What a removed mapping gave, for the confirmation."""

    group: str
    role: str
    area_key: str | None


def remove(mapping_id: int, *, actor: str | None = None) -> Removed | None:
    """Remove one mapping by id (the admin page's button); None if it was already gone."""
    row = db.session.get(GroupRole, mapping_id)
    if row is None:
        return None
    area = areas.by_id().get(row.area_id) if row.area_id is not None else None
    removed = Removed(row.group_name, row.role, area.key if area is not None else None)
    return removed if unmap(row.group_name, area_key=removed.area_key, actor=actor) else None


def _same_area(area_id: int | None):
    return GroupRole.area_id.is_(None) if area_id is None else GroupRole.area_id == area_id


def _load(raw: str) -> list[str]:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def groups_of(user: User) -> list[str]:
    """The groups the provider named at the user's last sign-in."""
    return _load(user.groups_json)


def matching(groups: Iterable[str]) -> list[GroupRole]:
    """The mappings that apply to these groups."""
    keys = {group_key(g) for g in groups if g}
    if not keys:
        return []
    return list(db.session.scalars(select(GroupRole).where(GroupRole.group_key.in_(keys))))


def apply(user: User, groups: Iterable[str], *, actor: str | None = None) -> list[GroupRole]:
    """Give `user` exactly the roles their `groups` map to (site role and area roles from groups),
    remember the groups, and audit each change with the group it came from. The caller commits.
    Returns the mappings that applied."""
    names = list(dict.fromkeys(str(g)[:GROUP_MAX] for g in groups if str(g).strip()))[:GROUPS_PER_USER_MAX]
    user.groups_json = json.dumps(names, ensure_ascii=False)
    found = matching(names)
    _apply_site(user, [m for m in found if m.area_id is None], actor=actor)
    _apply_areas(user, [m for m in found if m.area_id is not None], actor=actor)
    return found


def _apply_site(user: User, found: list[GroupRole], *, actor: str | None) -> None:
    best = max(found, key=lambda m: Role(m.role).rank, default=None)
    value = best.role if best is not None else ""
    if user.group_role != value:
        user.group_role = value
        source = f"grupp {best.group_name}" if best is not None else "ingen grupp ger längre en roll"
        if not users.apply_role(user, source=source, actor=actor):
            audit.record(AuditAction.USER_ROLE, user.username,
                         f"från grupp: {value or 'ingen'} (i kraft: {user.role}, given för hand)", actor=actor)


def _apply_areas(user: User, found: list[GroupRole], *, actor: str | None) -> None:
    wanted = {(m.area_id, group_key(m.group_name[:SOURCE_ROOM])): (m.role, m.group_name) for m in found}
    rows = {(g.area_id, group_key(g.source.removeprefix(GROUP_SOURCE))): g for g in db.session.scalars(
        select(AreaGrant).where(AreaGrant.user_id == user.id, AreaGrant.source.startswith(GROUP_SOURCE)))}
    by_id = areas.by_id()
    changed = False
    for key, row in rows.items():
        if key not in wanted:
            area = by_id.get(row.area_id)
            audit.record(AuditAction.AREA_REVOKED, user.username,
                         f"{area.key if area else row.area_id}: {row.role} → ingen "
                         f"(källa: {row.source.removeprefix(GROUP_SOURCE)}, gruppen ger inte längre rollen)",
                         actor=actor)
            db.session.delete(row)
            changed = True
    for (area_id, key), (role, group_name) in wanted.items():
        row = rows.get((area_id, key))
        if row is not None and row.role == role:
            continue
        before = row.role if row is not None else "ingen"
        if row is None:
            row = AreaGrant(user_id=user.id, area_id=area_id, source=GROUP_SOURCE + group_name[:SOURCE_ROOM])
            db.session.add(row)
        row.role = role
        area = by_id.get(area_id)
        audit.record(AuditAction.AREA_GRANTED, user.username,
                     f"{area.key if area else area_id}: {before} → {role} (källa: grupp {group_name})", actor=actor)
        changed = True
    if changed:
        user.forget_area_roles()


def grant_source_label(source: str) -> str:
    """How an area grant's source reads on the admin pages."""
    if source.startswith(GROUP_SOURCE):
        return f"från gruppen {source.removeprefix(GROUP_SOURCE)}"
    return "given för hand"


def _reapply(key: str, *, actor: str | None) -> None:
    """Apply the changed mapping of group `key` to every account that named it at its last sign-in.
    With KB_REQUIRE_GROUP, an account left without any mapped group is signed out now."""
    needs_group = require_group()
    for user in db.session.scalars(select(User).where(User.groups_json != "[]")):
        names = groups_of(user)
        if key not in {group_key(g) for g in names}:
            continue
        found = apply(user, names, actor=actor)
        if needs_group and not found:
            users.expire_sessions(user)
            audit.record(AuditAction.SESSIONS_ENDED, user.username, "ingen grupp ger längre tillgång", actor=actor)


def where_label(area_key: str | None) -> str:
    """Where a mapping's role applies, as the admin page and `kb groups` say it."""
    area = areas.get(area_key) if area_key else None
    return f"i området {area.name}" if area is not None else "i hela kunskapsbanken"


def area_choices() -> list[tuple[str, str]]:
    """(key, name) of every area that can be chosen for a mapping (not retired)."""
    return [(a.key, a.name) for a in areas.all_areas() if not a.retired]
