"""Areas in the folder format of `kb export` and `kb import` (see kb.services.transfer).

`areas.yaml` lists the areas the folder's content belongs to, each {key, name, description,
members_only, retired} (false and empty values left out), in the order kb.services.areas.all_areas
gives. Every page file says its area in its front matter (`area: KEY`), as do action plans,
collaboration plans and glossary terms that have one (a term without one is region-wide).

An import creates the areas it does not know and makes the others' names, descriptions and
retirement what the file says. It may make an area members-only but never opens one: who may see
an area is changed with `kb area set`, not by a folder that happens to say otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.exceptions import ServiceError, ValidationError
from kb.models import Area
from kb.services import areas, import_safety

AREAS_FILE = "areas.yaml"
AREA_KEY = "area"


class AreaFileError(Exception):
    """areas.yaml cannot be read, or names an area wrongly, with the Swedish reason."""


@dataclass(frozen=True)
class FileArea:
    """One entry of areas.yaml."""

    key: str
    name: str
    description: str = ""
    members_only: bool = False
    retired: bool = False


def export_rows(only: Area | None = None) -> list[dict]:
    """The areas as areas.yaml holds them: every area, or only `only` (an export of one area)."""
    rows: list[dict] = []
    for area in areas.all_areas():
        if only is not None and area.id != only.id:
            continue
        row: dict = {"key": area.key, "name": area.name}
        if area.description:
            row["description"] = area.description
        if area.members_only:
            row["members_only"] = True
        if area.retired:
            row["retired"] = True
        rows.append(row)
    return rows


def export_text(only: Area | None = None) -> str:
    """areas.yaml's text."""
    return yaml.safe_dump(export_rows(only), allow_unicode=True, sort_keys=False, width=100)


def parse(path: Path) -> list[FileArea]:
    """Read areas.yaml, or raise AreaFileError naming the bad entry (nothing is written)."""
    try:
        data = import_safety.read_list(
            path, shape="områdeslistan måste vara en lista med {key, name, description, members_only}")
    except import_safety.Refused as exc:
        raise AreaFileError(str(exc)) from None
    out: list[FileArea] = []
    seen: set[str] = set()
    for n, item in enumerate(data, 1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise AreaFileError(f"post {n} saknar name")
        unknown = sorted(str(k) for k in item if k not in ("key", "name", "description", "members_only",
                                                          "retired"))
        if unknown:
            raise AreaFileError(f"post {n} ({item['name']}): okända nycklar {', '.join(unknown)}")
        try:
            key = areas.clean_key(str(item.get("key") or ""))
        except ValidationError as exc:
            raise AreaFileError(f"post {n} ({item['name']}): {exc.errors['key']}") from None
        if key in seen:
            raise AreaFileError(f"post {n}: området ”{key}” finns redan tidigare i listan")
        seen.add(key)
        for flag in ("members_only", "retired"):
            if not isinstance(item.get(flag, False), bool):
                raise AreaFileError(f"post {n} ({key}): {flag} ska vara true eller false")
        if not isinstance(item.get("description") or "", str):
            raise AreaFileError(f"post {n} ({key}): description ska vara text")
        out.append(FileArea(key=key, name=item["name"].strip(), description=str(item.get("description") or ""),
                            members_only=bool(item.get("members_only")), retired=bool(item.get("retired"))))
    return out


def import_rows(rows: list[FileArea], *, actor: str = "import") -> int:
    """Create the areas that are missing and bring the others up to date (see the module docstring);
    return how many were created or changed. AreaFileError names the area that was refused."""
    changed = 0
    for row in rows:
        area = areas.get(row.key)
        try:
            if area is None:
                areas.create(row.key, row.name, description=row.description, members_only=row.members_only,
                             actor=actor)
                if row.retired:
                    areas.update(row.key, retired=True, actor=actor)
                changed += 1
                continue
            wanted = (row.name, row.description.strip(), area.members_only or row.members_only, row.retired)
            if wanted != (area.name, area.description, area.members_only, area.retired):
                areas.update(row.key, name=row.name, description=row.description,
                             members_only=wanted[2], retired=row.retired, actor=actor)
                changed += 1
        except ServiceError as exc:
            reason = "; ".join(exc.errors.values()) if isinstance(exc, ValidationError) else str(exc)
            raise AreaFileError(f"området ”{row.key}”: {reason}") from None
    return changed


def area_id_of(value: object) -> int | None:
    """The id of the area a file's `area:` names (None when it names none); AreaFileError if unknown."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise AreaFileError(f"{AREA_KEY} ska vara ett områdes nyckel, t.ex. {AREA_KEY}: {areas.SHARED_AREA_KEY}")
    area = areas.get(value)
    if area is None:
        keys = ", ".join(a.key for a in areas.all_areas())
        raise AreaFileError(f"okänt område ”{value.strip()}” (områden: {keys})")
    return area.id
