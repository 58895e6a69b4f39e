"""Action plans to and from spreadsheet files: rows become activities, activities become rows.

Files are read and written by kb.services.plans.table; here each row is parsed by
`row_to_activity` and validated by `clean_row` (the folder format, kb.services.plans.folder,
shares both), and imports are written. Every row is checked before anything is written: a file
with any error imports nothing.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kb.constants import AuditAction, PageType, RevisionOp
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import ActionPlan, Activity, CollaborationPlan, Page
from kb.services import audit, plans
from kb.services import pages as page_service
from kb.services.plans import ActivityData, CleanActivity, PlanData
from kb.services.plans.table import (
    COLUMNS,
    ID_COLUMN,
    MAX_BYTES,
    PLAN_SHEET,
    PlanImportError,
    RowError,
    Table,
    cell_text,
    column_name,
    file_error,
    read_table,
    write_csv,
    write_xlsx,
)

# The file-level names are defined in kb.services.plans.table; callers of this module find them here too.
__all__ = ["COLUMNS", "ID_COLUMN", "IMPORT_COMMENT", "MAX_BYTES", "ImportResult", "Names", "PlanImportError",
           "RowError", "Table", "activity_row", "clean_row", "column_name", "export_csv", "export_xlsx",
           "import_activities", "import_new_plan", "plan_data_from_meta", "read_table", "record_import",
           "row_to_activity", "write_activities"]

IMPORT_COMMENT = "Importerad från fil"
# The activity field each column fills; both responsible fields come from "Ansvarig".
FIELD_COLUMNS: dict[str, str] = {
    "goal": "Mål", "subgoal": "Delmål", "what": "Vad", "how": "Hur", "decision": "Beslut",
    "responsible": "Ansvarig", "responsible_text": "Ansvarig", "start": "Start", "deadline": "Slutdatum",
    "follow_up": "Uppföljning", "status": "Status", "target_groups": "Målgrupper", "pages": "Sidor",
}
STATUS_REQUIRED = "Ange status: Inte påbörjad, Pågår eller Klart (eller röd, gul, grön)."


@dataclass
class ImportResult:
    """What an import did to a plan's activities."""

    plan: ActionPlan
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    @property
    def changed(self) -> bool:
        """Whether anything was written."""
        return bool(self.created or self.updated or self.deleted)

    def summary(self) -> str:
        """One Swedish sentence, e.g. "3 nya, 1 ändrade och 5 oförändrade aktiviteter."."""
        parts = [f"{self.created} nya", f"{self.updated} ändrade", f"{self.unchanged} oförändrade"]
        if self.deleted:
            parts.append(f"{self.deleted} borttagna")
        return ", ".join(parts[:-1]) + f" och {parts[-1]} aktiviteter."


# --- names: structures, pages and collaboration plans as people write them ----------------------

def _unique(pairs: Iterable[tuple[str, str]]) -> dict[str, str | None]:
    """casefolded name → slug; None where two records share the name."""
    out: dict[str, str | None] = {}
    for name, slug in pairs:
        key = name.casefold()
        out[key] = slug if out.get(key, slug) == slug else None
    return out


@dataclass
class Names:
    """Titles of live pages, structures and collaboration plans, to read what people write in a file."""

    structures: dict[str, str | None] = field(default_factory=dict)
    pages: dict[str, str | None] = field(default_factory=dict)
    collaborations: dict[str, str | None] = field(default_factory=dict)
    collaboration_slugs: set[str] = field(default_factory=set)
    # Areas whose structures are named by address only (an export of one area names no title of
    # another, members-only area).
    by_address: frozenset[int] = frozenset()

    @classmethod
    def load(cls) -> Names:
        """Read the names from the database (once per import or export)."""
        live = db.session.execute(select(Page.title, Page.slug, Page.type)
                                  .where(Page.deleted.is_(False))).all()
        collab = db.session.execute(select(CollaborationPlan.title, CollaborationPlan.slug)
                                    .where(CollaborationPlan.deleted.is_(False))).all()
        return cls(structures=_unique((t, s) for t, s, kind in live if kind == PageType.STRUCTURE.value),
                   pages=_unique((t, s) for t, s, _ in live), collaborations=_unique(collab),
                   collaboration_slugs={s for _, s in collab})

    def structure(self, text: str) -> str | None:
        """The slug of the live structure `text` names by slug (old ones too) or title, else None."""
        text = " ".join(text.split())
        if not text:
            return None
        try:
            return plans.structure_page(text.lower()).slug
        except ValueError:
            return self.structures.get(text.casefold())

    def structure_label(self, page: Page) -> str:
        """How export names a structure: its title, or its slug when the title would not find it (or
        must not be shown, see `by_address`)."""
        if page.area_id in self.by_address:
            return page.slug
        return page.title if self.structure(page.title) == page.slug else page.slug

    def collaboration(self, text: str) -> str:
        """The slug of the collaboration plan `text` names by slug or title (else `text` as given)."""
        text = " ".join(text.split())
        if text.lower() in self.collaboration_slugs:
            return text.lower()
        return self.collaborations.get(text.casefold()) or text

    def collaboration_label(self, row: CollaborationPlan) -> str:
        """How export names a collaboration plan: its title, or its slug when that is ambiguous."""
        return row.title if self.collaboration(row.title) == row.slug else row.slug

    def responsible(self, text: str) -> tuple[str, str]:
        """(structure slug, free text) from an Ansvarig cell: "Struktur", "fritext" or "Struktur; fritext"."""
        text = " ".join(text.split())
        if not text:
            return "", ""
        if slug := self.structure(text):
            return slug, ""
        head, separator, tail = text.partition(";")
        if separator and (slug := self.structure(head)):
            return slug, tail.strip()
        return "", text

    def page_slugs(self, items: Iterable[str]) -> list[str]:
        """Page references as slugs: a live page's slug (old ones too) stays, an exact title becomes its slug.

        Unknown references are kept as written, so that validation names them.
        """
        out: list[str] = []
        for item in items:
            page, _ = page_service.resolve(item.lower())
            if page is not None and not page.deleted:
                out.append(item)
            else:
                out.append(self.pages.get(item.casefold()) or item)
        return out


# --- rows --------------------------------------------------------------------------------------

def _cell_list(value: object) -> list[str]:
    """A list cell: a YAML list, or text separated by commas, semicolons or new lines."""
    if isinstance(value, list | tuple):
        return plans.split_list([cell_text(v) for v in value])
    return plans.split_list(cell_text(value))


def row_to_activity(row: Mapping[str, object], *, names: Names | None = None) -> ActivityData:
    """An activity as the row gives it (cells keyed by column name); `clean_row` validates it."""
    names = names or Names.load()
    responsible, responsible_text = names.responsible(cell_text(row.get("Ansvarig")))
    return ActivityData(
        goal=cell_text(row.get("Mål")), subgoal=cell_text(row.get("Delmål")),
        what=cell_text(row.get("Vad")), how=cell_text(row.get("Hur")),
        decision=cell_text(row.get("Beslut")), responsible=responsible, responsible_text=responsible_text,
        start=row.get("Start"), deadline=row.get("Slutdatum"),
        follow_up=cell_text(row.get("Uppföljning")), status=cell_text(row.get("Status")),
        target_groups=_cell_list(row.get("Målgrupper")), pages=names.page_slugs(_cell_list(row.get("Sidor"))),
    )


def clean_row(number: int, row: Mapping[str, object], *, names: Names
              ) -> tuple[CleanActivity | None, list[RowError]]:
    """Validate one row: the clean activity and no errors, or None and the errors by column."""
    data = row_to_activity(row, names=names)
    try:
        return plans.clean_activity(data), []
    except ValidationError as exc:
        errors = dict(exc.errors)
    if "status" in errors and not str(data.status).strip():
        errors["status"] = STATUS_REQUIRED
    order = {key: n for n, key in enumerate(FIELD_COLUMNS)}
    return None, [RowError(number, FIELD_COLUMNS.get(key, key), message)
                  for key, message in sorted(errors.items(), key=lambda item: order.get(item[0], 99))]


# --- importing ---------------------------------------------------------------------------------

def _row_target(plan: ActionPlan, number: int, value: object, claimed: dict[int, int]
                ) -> tuple[Activity | None, list[RowError]]:
    """The live activity of `plan` a row's Id names (None: a new activity), or the row's Id error."""
    text = cell_text(value).strip()
    if not text:
        return None, []
    new = "Lämna Id tomt för en ny aktivitet."
    if not text.isdigit():
        return None, [RowError(number, ID_COLUMN, f"”{text}” är inget id. {new}")]
    activity_id = int(text)
    activity = db.session.get(Activity, activity_id)
    problem = ""
    if activity is None or activity.plan_id != plan.id:
        problem = f"Aktivitet {activity_id} finns inte i den här planen. {new}"
    elif activity.deleted:
        problem = f"Aktivitet {activity_id} är borttagen. Återskapa den först. {new}"
    elif activity_id in claimed:
        problem = f"Aktivitet {activity_id} finns redan på rad {claimed[activity_id]}."
    if problem:
        return None, [RowError(number, ID_COLUMN, problem)]
    claimed[activity_id] = number
    return activity, []


def write_activities(plan: ActionPlan, rows: Iterable[tuple[Activity | None, CleanActivity]],
                     result: ImportResult, *, author: str, comment: str = IMPORT_COMMENT) -> None:
    """Create (target None) or update each activity, uncommitted, counting what happened in `result`."""
    for activity, clean in rows:
        if activity is None:
            plans.create_activity(plan, clean, author=author, comment=comment, op=RevisionOp.IMPORT,
                                  commit=False)
            result.created += 1
        elif plans.update_activity(activity, clean, base_revision=None, author=author, comment=comment,
                                   op=RevisionOp.IMPORT, commit=False) is None:
            result.unchanged += 1
        else:
            result.updated += 1


def record_import(result: ImportResult, source: str, *, author: str) -> None:
    """The one audit event of an import that changed something (added to the transaction)."""
    if result.changed:
        audit.record(AuditAction.PLAN_IMPORTED, result.plan.slug, f"{source[:100]}: {result.summary()}",
                     actor=author or None)


def _write(plan: ActionPlan, rows: list[tuple[Activity | None, CleanActivity]], filename: str, *,
           author: str) -> ImportResult:
    """Write checked rows and the audit event, and commit them together."""
    result = ImportResult(plan)
    try:
        write_activities(plan, rows, result, author=author)
        record_import(result, PurePath(filename).name, author=author)
        plans.commit()
    except (IntegrityError, ValidationError):  # someone changed the plan or an activity meanwhile
        db.session.rollback()
        raise file_error("Planen ändrades samtidigt av någon annan. Försök igen.") from None
    return result


def import_activities(plan: ActionPlan, filename: str, content: bytes, *, author: str) -> ImportResult:
    """Import a file's rows into an existing plan: rows with an Id update, others are added.

    Activities not in the file are left alone and the Plan sheet, if any, is not used.
    All or nothing: PlanImportError lists every problem and nothing is written.
    """
    if plan.deleted:
        raise file_error("Planen är borttagen. Återskapa den först.")
    table = read_table(filename, content)
    names = Names.load()
    errors = list(table.errors)
    rows: list[tuple[Activity | None, CleanActivity]] = []
    claimed: dict[int, int] = {}
    for number, row in table.rows:
        clean, row_errors = clean_row(number, row, names=names)
        target, id_errors = _row_target(plan, number, row.get(ID_COLUMN), claimed)
        errors += row_errors + id_errors
        if clean is not None:
            rows.append((target, clean))
    if errors:
        raise PlanImportError(errors)
    return _write(plan, rows, filename, author=author)


def plan_data_from_meta(meta: Mapping[str, str], names: Names) -> PlanData:
    """PlanData from the Plan sheet (structure and collaboration plan by title or slug)."""
    structure = meta.get("structure", "")
    return PlanData(
        title=meta.get("title", ""), structure=names.structure(structure) or structure,
        period=meta.get("period", ""), adopted=meta.get("adopted", ""),
        collaboration_plan=names.collaboration(meta.get("collaboration_plan", "")),
        description=meta.get("description", ""), focus_areas=meta.get("focus_areas", "").split("\n"),
        slug=meta.get("slug", ""),
    )


def import_new_plan(filename: str, content: bytes, *, plan_data: PlanData | None = None,
                    author: str, user=None, area_id: int | None = None) -> ImportResult:
    """Create a plan with the file's rows as its activities.

    The plan's fields come from `plan_data`, else from the XLSX Plan sheet. Every row is a new
    activity (an Id column is ignored: the file may come from another plan's export). All or
    nothing: errors in the plan's fields and in the rows are reported together. `user` and
    `area_id`: as for plans.create_plan (the area a person may import into).
    """
    table = read_table(filename, content)
    names = Names.load()
    errors = list(table.errors)
    plan: ActionPlan | None = None
    if plan_data is None and not table.meta:
        errors.append(RowError(0, "", f"Ange planens titel, struktur och period (filen har inget blad "
                                      f"{PLAN_SHEET} med dem)."))
    else:
        try:
            plan = plans.create_plan(plan_data or plan_data_from_meta(table.meta, names), author=author,
                                     comment=IMPORT_COMMENT, commit=False, user=user, area_id=area_id)
        except ValidationError as exc:
            errors += [RowError(0, {**plans.PLAN_LABELS, "area": "Område"}.get(key, key), message)
                       for key, message in exc.errors.items()]
    rows: list[tuple[Activity | None, CleanActivity]] = []
    for number, row in table.rows:
        clean, row_errors = clean_row(number, row, names=names)
        errors += row_errors
        if clean is not None:
            rows.append((None, clean))
    if errors or plan is None:
        db.session.rollback()
        raise PlanImportError(errors)
    return _write(plan, rows, filename, author=author)


# --- exporting ---------------------------------------------------------------------------------

def activity_row(activity: Activity, names: Names, *, published_only: bool = False) -> dict[str, object]:
    """An activity by column (Målgrupper and Sidor as lists, dates canonical, Id last); with
    `published_only` (a reader's download), pages never approved are left out."""
    responsible = [names.structure_label(activity.responsible)] if activity.responsible is not None else []
    if activity.responsible_text:
        responsible.append(activity.responsible_text)
    return {
        "Mål": activity.goal, "Delmål": activity.subgoal, "Vad": activity.what, "Hur": activity.how,
        "Beslut": activity.decision, "Ansvarig": "; ".join(responsible), "Start": activity.start,
        "Slutdatum": activity.deadline, "Uppföljning": activity.follow_up,
        "Status": activity.activity_status.label, "Målgrupper": list(activity.target_groups or []),
        "Sidor": [p.slug for p in activity.pages if p.is_published or not published_only],
        ID_COLUMN: activity.id,
    }


def _flat_rows(plan: ActionPlan, published_only: bool) -> list[list[object]]:
    names = Names.load()
    return [[", ".join(v) if isinstance(v, list) else v
             for v in activity_row(a, names, published_only=published_only).values()]
            for a in plans.plan_activities(plan)]


def export_csv(plan: ActionPlan, *, published_only: bool = False) -> bytes:
    """The plan's live activities as CSV (see plan_table.write_csv); `published_only` for readers."""
    return write_csv(_flat_rows(plan, published_only))


def export_xlsx(plan: ActionPlan, *, published_only: bool = False) -> bytes:
    """The plan as an Excel file: sheet Aktiviteter (the table) and sheet Plan (its fields)."""
    names = Names.load()
    collaboration = plan.collaboration_plan
    return write_xlsx(_flat_rows(plan, published_only), {
        "title": plan.title, "slug": plan.slug, "structure": names.structure_label(plan.structure),
        "period": plan.period, "adopted": plan.adopted,
        "collaboration_plan": names.collaboration_label(collaboration) if collaboration else "",
        "description": plan.description, "focus_areas": "\n".join(plan.focus_areas or []),
    })
