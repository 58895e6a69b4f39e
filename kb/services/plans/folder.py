"""Plans in the folder format of `kb export` and `kb import`: YAML files in `plans/`.

`plans/samverkansplaner.yaml` lists the collaboration plans; `plans/<slug>.yaml` holds one
action plan with its activities, each a mapping keyed by the table's column names and read by
the same row parser as CSV and XLSX (kb.services.plans.io). The file IS the plan: activities
are matched to the plan's live ones by order, surplus ones are deleted, and an unchanged file
writes nothing. Export is deterministic, so export → import → export gives identical files.

Each plan names its area (`area: KEY`, see kb.services.area_folder). A plan file without one goes to
the import's area (`kb import --area`), else a new action plan to its structure's area and a new
collaboration plan to the installation's own; an existing plan stays where it is. An export of one
area names a responsible structure of another, members-only area by its address, not its title.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select

from kb.constants import AuditAction, ChangeOp, Entity
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import ActionPlan, CollaborationPlan
from kb.models.areas import closed_area_ids
from kb.models.base import utcnow
from kb.services import area_folder, areas, audit, changes, import_safety, plans
from kb.services.plans import io as plan_io
from kb.services.plans import table as plan_table
from kb.slugs import slugify

PLANS_DIR = "plans"
COLLABORATION_FILE = "samverkansplaner.yaml"
PLAN_KEYS = ("title", "slug", "area", "structure", "period", "adopted", "collaboration_plan", "focus_areas",
             "description", "activities")
COLLABORATION_KEYS = ("slug", "title", "area", "period", "goals", "description")
DELETE_COMMENT = "Borttagen vid import"
LIST_COLUMNS = ("Målgrupper", "Sidor")
MAX_ERRORS_SHOWN = 10


class _Refused(Exception):
    """A plan file that is not imported, with the Swedish reason."""


@dataclass
class FolderResult:
    """What a folder import did to plans, for transfer's report."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    collaboration_changed: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)


# --- export ------------------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """Block style with indented lists; multi-line text as | literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        """Indent list items under their key (PyYAML's default puts them flush)."""
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _represent_str)


def _dump(data: object) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False,
                     width=100)


def plan_to_data(plan: ActionPlan, names: plan_io.Names) -> dict:
    """An action plan as its YAML mapping (empty optional fields and values left out)."""
    data: dict[str, object] = {"title": plan.title, "slug": plan.slug, "area": areas.key_of(plan.area_id),
                               "structure": plan.structure.slug, "period": plan.period}
    optional = {"adopted": plan.adopted,
                "collaboration_plan": plan.collaboration_plan.slug if plan.collaboration_plan else "",
                "focus_areas": list(plan.focus_areas or []), "description": plan.description}
    data.update({key: value for key, value in optional.items() if value})
    rows = []
    for activity in plans.plan_activities(plan):
        row = plan_io.activity_row(activity, names)
        row.pop(plan_table.ID_COLUMN)
        rows.append({key: value for key, value in row.items() if value})
    data["activities"] = rows
    return data


def export_plans(folder: Path, *, area_id: int | None = None) -> int:
    """Write the live collaboration plans and action plans (of one area if given) to `folder`/plans;
    return the number of action plans. Nothing is written when there are no plans at all.
    """
    collaborations = sorted((c for c in plans.collaboration_plans() if area_id in (None, c.area_id)),
                            key=lambda c: c.slug)
    action_plans = [p for p in plans.live_plans() if area_id in (None, p.area_id)]
    if not collaborations and not action_plans:
        return 0
    target = Path(folder) / PLANS_DIR
    target.mkdir(parents=True, exist_ok=True)
    items = [{"slug": c.slug, "title": c.title, "area": areas.key_of(c.area_id), "period": c.period,
              "goals": list(c.goals or []), "description": c.description} for c in collaborations]
    (target / COLLABORATION_FILE).write_text(_dump(items), encoding="utf-8")
    names = plan_io.Names.load()
    if area_id is not None:  # another members-only area's structures go by address, not title
        names.by_address = closed_area_ids() - {area_id}
    for plan in action_plans:
        (target / f"{plan.slug}.yaml").write_text(_dump(plan_to_data(plan, names)), encoding="utf-8")
    return len(action_plans)


# --- import ------------------------------------------------------------------------------------

def _load(path: Path) -> object:
    try:
        return import_safety.read_yaml(path, encoding="utf-8-sig")
    except import_safety.Refused as exc:
        raise _Refused(str(exc)) from None
    except UnicodeDecodeError:
        raise _Refused("filen är inte kodad i UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" på rad {mark.line + 1}" if mark is not None else ""
        raise _Refused(f"ogiltig YAML{where}: {getattr(exc, 'problem', None) or exc}") from None
    except ValueError as exc:  # e.g. an unquoted date that does not exist: 2026-99-01
        raise _Refused(f"ogiltigt värde: {exc}") from None


def _text(value: object) -> str:
    """A scalar as text; lists and mappings are refused where text is expected."""
    if isinstance(value, dict | list):
        raise _Refused(f"”{value}” ska vara text")
    return plan_table.cell_text(value)


def _check_keys(item: dict, allowed: tuple[str, ...], where: str) -> None:
    unknown = [str(k) for k in item if k not in allowed]
    if unknown:
        raise _Refused(f"{where}okända nycklar {', '.join(unknown)} (tillåtna: {', '.join(allowed)})")


def _described(exc: ValidationError, labels: dict[str, str]) -> str:
    return "; ".join(f"{labels.get(key, key)}: {message}" for key, message in exc.errors.items())


def _area_of(item: dict, default: int | None) -> int | None:
    """The area a plan file names, else `default` (the import's area; None: leave it)."""
    try:
        return area_folder.area_id_of(item.get("area")) or default
    except area_folder.AreaFileError as exc:
        raise _Refused(str(exc)) from None


def _place(row: ActionPlan | CollaborationPlan, area_id: int | None, author: str) -> bool:
    """Move a plan to the area `area_id` (None: leave it); whether it moved. No revision: the audit
    log records it, and for an action plan the change log lets search catch up."""
    if area_id is None or row.area_id == area_id:
        return False
    before = areas.key_of(row.area_id) or "inget"
    row.area_id, row.updated_at = area_id, utcnow()
    db.session.flush()
    if isinstance(row, ActionPlan):
        changes.record(Entity.PLAN, row.id, ChangeOp.UPSERT, author)
        for activity in row.activities:
            if not activity.deleted:
                changes.record(Entity.ACTIVITY, activity.id, ChangeOp.UPSERT, author)
    what = row.slug if isinstance(row, ActionPlan) else f"samverkansplan {row.slug}"
    audit.record(AuditAction.PLAN_SAVED, what, f"område: {before} → {areas.key_of(area_id)}", actor=author or None)
    return True


def _import_collaborations(path: Path, *, author: str, area_id: int | None = None) -> int:
    """Create or update every collaboration plan in the file; return how many changed."""
    items = _load(path) or []
    if not isinstance(items, list):
        raise _Refused(f"filen ska vara en lista med samverkansplaner ({', '.join(COLLABORATION_KEYS)})")
    changed = 0
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise _Refused(f"post {n} är ingen samverkansplan med slug, title, period …")
        _check_keys(item, COLLABORATION_KEYS, f"post {n}: ")
        goals = item.get("goals") or []
        data = plans.CollaborationData(
            title=_text(item.get("title")), period=_text(item.get("period")),
            goals=[_text(g) for g in goals] if isinstance(goals, list) else _text(goals).split("\n"),
            description=_text(item.get("description")), slug=_text(item.get("slug")))
        slug = (data.slug or slugify(data.title)).lower()
        current = db.session.scalar(select(CollaborationPlan).where(CollaborationPlan.slug == slug))
        before = current.revision_number if current is not None else 0
        area = _area_of(item, area_id)
        try:
            saved = plans.save_collaboration_plan(data, current=current, author=author, comment="Importerad",
                                                  commit=False)
        except ValidationError as exc:
            raise _Refused(f"post {n} ({data.slug or data.title}): "
                           f"{_described(exc, plans.COLLABORATION_LABELS)}") from None
        if current is None:
            if area is not None:  # else the installation's own area, filled in when it was flushed
                saved.area_id = area
            moved = False
        else:
            moved = _place(saved, area, author)
        changed += saved.revision_number != before or moved
    return changed


def _item_row(n: int, item: dict) -> tuple[dict[str, object], list[plan_table.RowError]]:
    """One YAML activity as a table row keyed by column, and the errors in its keys and value types."""
    row: dict[str, object] = {}
    errors: list[plan_table.RowError] = []
    for key, value in item.items():
        column = plan_table.column_name(key)
        if column is None or column == plan_table.ID_COLUMN:
            allowed = ", ".join(plan_table.COLUMNS)
            errors.append(plan_table.RowError(n, str(key), f"okänd kolumn (tillåtna: {allowed})"))
        elif isinstance(value, dict) or (isinstance(value, list) and column not in LIST_COLUMNS):
            errors.append(plan_table.RowError(n, column, "ska vara text" if column not in LIST_COLUMNS
                                           else "ska vara en lista eller text med komma mellan"))
        else:
            row[column] = value
    return row, errors


def _activity_rows(items: object, names: plan_io.Names) -> list[plans.CleanActivity]:
    """Parse the plan file's activities with the table's row parser; _Refused lists every error."""
    if not isinstance(items, list):
        raise _Refused("activities ska vara en lista med aktiviteter")
    errors: list[plan_table.RowError] = []
    out: list[plans.CleanActivity] = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            errors.append(plan_table.RowError(n, "", "ska vara kolumnnamn med värden (Mål: …, Vad: …)"))
            continue
        row, key_errors = _item_row(n, item)
        clean, row_errors = plan_io.clean_row(n, row, names=names)
        reported = {e.column for e in key_errors}  # a refused value is not also "missing"
        errors += key_errors + [e for e in row_errors if e.column not in reported]
        if clean is not None:
            out.append(clean)
    if errors:
        shown = "; ".join(e.describe("aktivitet") for e in errors[:MAX_ERRORS_SHOWN])
        more = f" … och {len(errors) - MAX_ERRORS_SHOWN} fel till" if len(errors) > MAX_ERRORS_SHOWN else ""
        raise _Refused(shown + more)
    return out


def _plan_data(item: dict, stem: str, names: plan_io.Names) -> plans.PlanData:
    """The plan's own fields from its file (structure and collaboration plan by slug or title)."""
    focus = item.get("focus_areas") or []
    structure = _text(item.get("structure"))
    return plans.PlanData(
        title=_text(item.get("title")), structure=names.structure(structure) or structure,
        period=_text(item.get("period")), adopted=item.get("adopted") or "",
        collaboration_plan=names.collaboration(_text(item.get("collaboration_plan"))),
        description=_text(item.get("description")),
        focus_areas=[_text(f) for f in focus] if isinstance(focus, list) else _text(focus).split("\n"),
        slug=(_text(item.get("slug")) or stem).lower())


def _import_plan(path: Path, names: plan_io.Names, seen: dict[str, str], *, author: str,
                 area_id: int | None = None) -> tuple[str, str]:
    """Make the plan what the file says; return (slug, "created" | "updated" | "unchanged").

    `seen` maps the slugs imported so far to their files: a second file for one plan is refused.
    """
    item = _load(path)
    if not isinstance(item, dict):
        raise _Refused("filen ska vara en plan med title, structure, period och activities")
    _check_keys(item, PLAN_KEYS, "")
    data = _plan_data(item, path.stem, names)
    if data.slug in seen:
        raise _Refused(f"samma plan (”{data.slug}”) som {seen[data.slug]}")
    area = _area_of(item, area_id)
    rows = _activity_rows(item.get("activities") or [], names)
    plan = db.session.scalar(select(ActionPlan).where(ActionPlan.slug == data.slug))
    try:
        if plan is None:
            plan = plans.create_plan(data, author=author, comment="Importerad", commit=False)
            plan.area_id = area or plan.structure.area_id
            outcome = "created"
        else:
            restored = plan.deleted
            if restored:
                plans.restore_plan(plan, author=author, comment="Återskapad vid import", commit=False)
            edited = plans.update_plan(plan, data, base_revision=None, author=author, comment="Importerad",
                                       commit=False)
            moved = _place(plan, area, author)
            outcome = "updated" if restored or moved or edited is not None else "unchanged"
    except ValidationError as exc:
        raise _Refused(_described(exc, plans.PLAN_LABELS)) from None
    result = plan_io.ImportResult(plan)
    live = plans.plan_activities(plan)
    targets = [(live[i] if i < len(live) else None, clean) for i, clean in enumerate(rows)]
    plan_io.write_activities(plan, targets, result, author=author, comment="Importerad")
    for activity in live[len(rows):]:
        plans.delete_activity(activity, author=author, comment=DELETE_COMMENT, commit=False)
        result.deleted += 1
    plan_io.record_import(result, f"{PLANS_DIR}/{path.name}", author=author)
    if outcome == "unchanged" and result.changed:
        outcome = "updated"
    seen[data.slug] = path.name
    return plan.slug, outcome


def _in_savepoint(name: str, result: FolderResult, work):
    """Run `work()` in a savepoint: a refused file leaves nothing behind and is reported by name."""
    savepoint = db.session.begin_nested()
    try:
        value = work()
    except _Refused as exc:
        savepoint.rollback()
        result.errors.append((f"{PLANS_DIR}/{name}", str(exc)))
        return None
    savepoint.commit()
    return value


def import_plans(folder: Path, *, author: str = "import", area_id: int | None = None) -> FolderResult:
    """Import `folder`/plans: collaboration plans first, then each action plan file (after the pages);
    `area_id` is where plans that name no area go (see the module docstring)."""
    result = FolderResult()
    source = Path(folder) / PLANS_DIR
    if not source.is_dir():
        return result
    refused = import_safety.unsafe_entries(source)
    if refused:  # nothing is imported from a folder with links (transfer checks the whole folder first)
        result.errors = [(f"{PLANS_DIR}/{name}", reason) for name, reason in refused]
        return result
    collaboration = source / COLLABORATION_FILE
    if collaboration.is_file():
        changed = _in_savepoint(collaboration.name, result,
                                lambda: _import_collaborations(collaboration, author=author, area_id=area_id))
        result.collaboration_changed = changed or 0
    names = plan_io.Names.load()
    seen: dict[str, str] = {}
    for path in sorted(source.glob("*.yaml")):
        if path.name == COLLABORATION_FILE:
            continue
        outcome = _in_savepoint(path.name, result,
                                lambda path=path: _import_plan(path, names, seen, author=author,
                                                               area_id=area_id))
        if outcome is not None:
            getattr(result, outcome[1]).append(outcome[0])
    plans.commit()
    return result

