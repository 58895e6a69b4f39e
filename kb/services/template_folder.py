"""Own page templates in the folder format of `kb export` and `kb import` (see kb.services.transfer).

`templates/` holds one `<area or alla>-<name>.md` per active template: front matter `name`, `type`,
`area` (left out: every area) and `default: true` for the type's default, then the template's
Markdown. An import matches a template by name and area (an active one): it changes what differs,
or adds it. Retired templates are neither exported nor touched by an import.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select

from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import PageTemplate
from kb.services import areas, front_matter, page_templates
from kb.slugs import slugify

TEMPLATES_DIR = "templates"


@dataclass
class FolderReport:
    """What an import of templates did: how many were added or changed, and the refused files."""

    changed: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path in the folder, Swedish reason)


def _text(template: PageTemplate) -> str:
    meta: dict = {"name": template.name, "type": template.type}
    if template.area_id is not None:
        meta["area"] = areas.key_of(template.area_id)
    if template.is_default_for_type:
        meta["default"] = True
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100)
    return f"---\n{head}---\n{template.source}"


def export_folder(folder: Path, *, area_id: int | None = None) -> int:
    """Write the active templates (with `area_id`: those for every area and that area's) to
    `folder`/templates; how many were written."""
    rows = page_templates.offered([area_id] if area_id is not None else [a.id for a in areas.all_areas()])
    if not rows:
        return 0
    target = Path(folder) / TEMPLATES_DIR
    target.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    for template in rows:
        stem = f"{areas.key_of(template.area_id) or 'alla'}-{slugify(template.name) or 'mall'}"
        name, n = stem, 1
        while name in used:
            n += 1
            name = f"{stem}-{n}"
        used.add(name)
        (target / f"{name}.md").write_text(_text(template), encoding="utf-8")
    return len(rows)


def read(path: Path) -> page_templates.TemplateData:
    """One template file as service input, or front_matter.FileError saying why not."""
    meta, body = front_matter.read(path)
    for key in ("name", "type"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise front_matter.FileError(f"front matter saknar {key}")
    area = meta.get("area") or ""
    if not isinstance(area, str):
        raise front_matter.FileError("area måste vara ett områdes nyckel")
    if not isinstance(meta.get("default", False), bool):
        raise front_matter.FileError("default måste vara true eller false")
    return page_templates.TemplateData(name=meta["name"], type=meta["type"], source=body, area=area,
                                       is_default=bool(meta.get("default")))


def import_folder(folder: Path, *, actor: str = "import") -> FolderReport:
    """Add or change the templates in `folder`/templates (each file alone: a refused one is reported)."""
    report = FolderReport()
    for path in sorted((Path(folder) / TEMPLATES_DIR).glob("*.md")):
        where = f"{TEMPLATES_DIR}/{path.name}"
        try:
            data = read(path)
            area = areas.get(data.area) if data.area else None
            same = [t for t in db.session.scalars(select(PageTemplate).where(PageTemplate.retired.is_(False)))
                    if t.name.casefold() == " ".join(data.name.split()).casefold()
                    and t.area_id == (area.id if area is not None else None)]
            if same:
                before = (same[0].name, same[0].type, same[0].source, same[0].is_default_for_type)
                updated = page_templates.update(same[0], data, actor=actor)
                report.changed += before != (updated.name, updated.type, updated.source, updated.is_default_for_type)
            else:
                page_templates.create(data, actor=actor)
                report.changed += 1
        except front_matter.FileError as exc:
            report.errors.append((where, str(exc)))
        except ValidationError as exc:
            db.session.rollback()
            report.errors.append((where, "; ".join(exc.errors.values())))
    return report
