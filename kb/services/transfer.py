"""Import and export in the folder format other tools rely on.

A folder of `<slug>.md` files, each with YAML front matter (title, type, slug, area, summary, tags,
target_groups, the type's structured fields, and for types that need approval approved_by,
approved_at, approval_comment or `state: draft`) and the Markdown body, plus `areas.yaml` (see
kb.services.area_folder), `glossary.yaml` (see kb.services.glossary.folder), `organisations.yaml`
({key, name, retired}), `plans/` with the collaboration and action plans (see
kb.services.plans.folder), `attachments/` with every version of the pages' attachments (see
kb.services.attachments.folder) and `templates/` with the own page templates (see
kb.services.template_folder).

Areas: `kb export --area KEY` writes one area's pages, plans and attachments, the region-wide
glossary terms and that area's, and nothing of any other area (an activity's responsible structure
in another members-only area is named by its address, not its title). `kb import --area KEY` puts
the files that name no area into KEY; a file's own `area:` wins. Without --area, new pages without
`area:` go to the installation's own area and existing ones stay where they are. An import that
only changes a page's area moves it (kb.services.pages.move_page), without a new revision.

Approval: the export writes what readers see (the approved revision, with who approved it and
when); a draft waiting for approval is not exported, and a page never approved is written with
`state: draft`. The import approves what it imports (a page of a type that needs approval is
approved by the front matter's approved_by on approved_at, else by whoever imports), except files
with `state: draft`, which become drafts.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

import yaml
from sqlalchemy import select

from kb import dates, pii, typed
from kb.constants import PageType, RevisionState
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import Area, Page
from kb.services import (
    area_folder,
    areas,
    changes,
    front_matter,
    import_safety,
    organisations,
    pages,
    template_folder,
)
from kb.services.attachments import folder as attachment_folder
from kb.services.glossary import folder as glossary_folder
from kb.services.plans import folder as plan_folder
from kb.slugs import is_valid_slug

GLOSSARY_FILE = glossary_folder.GLOSSARY_FILE
AREAS_FILE = area_folder.AREAS_FILE
ORGANISATIONS_FILE = "organisations.yaml"
ATTACHMENTS_DIR = "attachments"
FIELD_ORDER = ("title", "type", "slug", "area", "summary", "tags", "target_groups")
# After the type's fields, for page types that need approval.
APPROVAL_KEYS = ("approved_by", "approved_at", "approval_comment", "state")
DRAFT_STATE = "draft"
FIELD_LABELS = {"title": "titel", "type": "typ", "slug": "slug", "summary": "sammanfattning",
                "tags": "etiketter", "target_groups": "målgrupper", "source": "text", "fields": "fält",
                "area_id": "område"}


FileError = front_matter.FileError


@dataclass
class ImportReport:
    """What an import did, for the command's summary."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Pages moved to another area (also counted as updated).
    moved: list[str] = field(default_factory=list)
    areas_changed: int = 0
    glossary_changed: int = 0
    organisations_changed: int = 0
    templates_changed: int = 0
    plans: plan_folder.FolderResult = field(default_factory=plan_folder.FolderResult)
    attachments: attachment_folder.FolderReport = field(default_factory=attachment_folder.FolderReport)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)
    # The folder held links, special files or paths leading out of it: nothing was imported.
    refused: bool = False

    def summary(self) -> str:
        """One line in Swedish."""
        if self.refused:
            return ("Ingenting importerades: mappen innehåller länkar, specialfiler eller sökvägar utanför "
                    "mappen (se felen ovan).")
        parts = [f"{len(self.created)} nya sidor", f"{len(self.updated)} ändrade",
                 f"{len(self.unchanged)} oförändrade", f"{self.glossary_changed} ordlisteposter ändrade",
                 f"aktivitetsplaner: {len(self.plans.created)} nya, {len(self.plans.updated)} ändrade, "
                 f"{len(self.plans.unchanged)} oförändrade",
                 f"{self.attachments.stored} nya bilageversioner"]
        if self.moved:
            parts.insert(2, f"{len(self.moved)} flyttade till ett annat område")
        if self.areas_changed:
            parts.insert(0, f"{self.areas_changed} områden nya eller ändrade")
        if self.templates_changed:
            parts.append(f"{self.templates_changed} sidmallar nya eller ändrade")
        if self.errors:
            parts.append(f"{len(self.errors)} filer med fel (inget av dem importerades)")
        return "Import klar: " + ", ".join(parts) + "."


@dataclass
class FileApproval:
    """A page file's approval keys: who approved it and when, or that it is a draft."""

    approved_by: str = ""
    approved_on: date | None = None
    comment: str = ""
    draft: bool = False

    def approval(self, author: str) -> pages.Approval:
        """The approval an import of this file records (by the importer when the file names nobody)."""
        at = None
        if self.approved_on is not None:  # noon in Sweden, so the date is the same everywhere
            at = datetime.combine(self.approved_on, time(12), tzinfo=dates.STOCKHOLM)
            at = at.astimezone(UTC).replace(tzinfo=None)
        return pages.Approval(by=self.approved_by or author, at=at, comment=self.comment)


def _approval_keys(meta: dict) -> FileApproval:
    out = FileApproval()
    for key in ("approved_by", "approval_comment"):
        value = meta.get(key)
        if value is not None and not isinstance(value, str):
            raise FileError(f"{key} måste vara text")
    out.approved_by = " ".join(str(meta.get("approved_by") or "").split())[:120]
    out.comment = str(meta.get("approval_comment") or "").strip()
    for key, text in (("approved_by", out.approved_by), ("approval_comment", out.comment)):
        if findings := pii.find_personal_numbers(text):
            raise FileError(pii.describe(findings, key))
    value = meta.get("approved_at")
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str) and value.strip():
        value = typed.parse_date(value.strip())
        if value is None:
            raise FileError(f"approved_at: ”{meta['approved_at']}” är inget datum (skriv ÅÅÅÅ-MM-DD)")
    if value not in (None, "") and not isinstance(value, date):
        raise FileError("approved_at måste vara ett datum (ÅÅÅÅ-MM-DD)")
    out.approved_on = value or None
    state = str(meta.get("state") or "").strip().lower()
    if state and state not in (DRAFT_STATE, "utkast"):
        raise FileError(f"state: ”{state}” är okänt; det enda tillåtna värdet är draft")
    out.draft = bool(state)
    if out.draft and (out.approved_by or out.approved_on):
        raise FileError("en sida med state: draft kan inte samtidigt ha approved_by eller approved_at")
    return out


def read_page_file(path: Path) -> tuple[pages.PageData, FileApproval]:
    """Read one .md file into PageData (area_id: the area its `area:` names, else None) and its
    approval keys, or raise FileError saying why not (an unknown area too)."""
    meta, body = front_matter.read(path)
    for key in ("title", "type"):
        if key not in meta or meta[key] in (None, ""):
            raise FileError(f"front matter saknar {key}")
    for key in ("title", "type", "slug", "summary"):
        if key in meta and meta[key] is not None and not isinstance(meta[key], str | int | float):
            raise FileError(f"{key} måste vara text")
    for key in ("tags", "target_groups"):
        value = meta.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise FileError(f"{key} måste vara en lista med text, t.ex. [{key}1, {key}2]")
    slug = str(meta.get("slug") or path.stem)
    if not is_valid_slug(slug):
        raise FileError(f"ogiltig slug ”{slug}”: bara a–z, 0–9 och bindestreck")
    page_type = str(meta["type"])
    own = {s.name for s in typed.specs_for(page_type)}
    for old, new in typed.FIELD_ALIASES.items():
        if old in meta and new in own and new not in meta:
            meta[new] = meta.pop(old)
    foreign = sorted(k for k in meta if k in typed.ALL_FIELD_NAMES and k not in own)
    if foreign:
        raise FileError(f"fälten {', '.join(foreign)} hör inte till sidtypen {page_type}")
    try:
        area_id = area_folder.area_id_of(meta.get(area_folder.AREA_KEY))
    except area_folder.AreaFileError as exc:
        raise FileError(str(exc)) from None
    data = pages.PageData(
        title=str(meta["title"]), type=page_type, slug=slug, source=body,
        summary=str(meta.get("summary") or ""), tags=list(meta.get("tags") or []),
        target_groups=list(meta.get("target_groups") or []),
        fields={s.name: meta[s.name] for s in typed.specs_for(page_type) if s.name in meta}, area_id=area_id,
    )
    return data, _approval_keys(meta)


def parse_organisations(path: Path) -> list[organisations.FileOrganisation]:
    """Read organisations.yaml, or raise FileError naming the bad entry."""
    try:
        data = import_safety.read_yaml(path) or []
    except import_safety.Refused as exc:
        raise FileError(str(exc)) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise FileError(f"ogiltig YAML: {exc}") from exc
    if not isinstance(data, list):
        raise FileError("organisationslistan måste vara en lista med {key, name, retired}")
    out: list[organisations.FileOrganisation] = []
    for n, item in enumerate(data, 1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise FileError(f"post {n} saknar name")
        key = str(item.get("key") or "")
        if not is_valid_slug(key):
            raise FileError(f"post {n} ({item['name']}): key måste vara a–z, 0–9 och bindestreck")
        out.append(organisations.FileOrganisation(key=key, name=item["name"].strip(),
                                                  retired=bool(item.get("retired"))))
    return out


def _describe(exc: ValidationError) -> str:
    return "; ".join(f"{FIELD_LABELS.get(k, k)}: {v}" for k, v in exc.errors.items())


def import_folder(folder: Path, *, author: str = "import", area: str | None = None,
                  progress: Callable[[str], None] | None = None) -> ImportReport:
    """Import the areas, the organisations, the glossary, every page file, then the plans and the
    attachments; a bad file is reported and skipped whole.

    `area` (a key) is where files that name no area go; FileError before anything is written when
    neither the instance nor the folder's areas.yaml knows it. A folder with anything that could make
    the import read outside it (see kb.services.import_safety) is refused before anything is
    written: the report lists each such path and `refused` is set.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileError(f"mappen {folder} finns inte")
    report = ImportReport()
    report.errors = unsafe_paths(folder)
    if report.errors:
        report.refused = True
        return report
    listed = _read_areas(folder, report)
    if area is not None and areas.get(area) is None and area.strip().lower() not in {a.key for a in listed}:
        keys = ", ".join(sorted({a.key for a in areas.all_areas()} | {a.key for a in listed}))
        raise FileError(f"Det finns inget område ”{area}”, så ingenting importerades. Områden: {keys}.")
    try:  # areas first: every other file may name one
        report.areas_changed = area_folder.import_rows(listed, actor=author)
    except area_folder.AreaFileError as exc:
        db.session.rollback()
        report.errors.append((AREAS_FILE, str(exc)))
    target = areas.get(area) if area is not None else None
    # Organisations next: routines name them ("Gäller för").
    organisations_path = folder / ORGANISATIONS_FILE
    if organisations_path.is_file():
        try:
            report.organisations_changed = organisations.import_rows(parse_organisations(organisations_path),
                                                                     actor=author)
        except (FileError, ValidationError) as exc:
            db.session.rollback()
            reason = _describe(exc) if isinstance(exc, ValidationError) else str(exc)
            report.errors.append((ORGANISATIONS_FILE, reason))
    glossary_path = folder / GLOSSARY_FILE
    if glossary_path.is_file():
        try:
            report.glossary_changed = glossary_folder.import_terms(glossary_folder.parse(glossary_path),
                                                                   author=author)
            changes.commit()
        except glossary_folder.GlossaryFileError as exc:
            db.session.rollback()
            report.errors.append((GLOSSARY_FILE, str(exc)))
    files = sorted(folder.glob("*.md"))
    parsed: list[tuple[Path, pages.PageData]] = []
    approvals: dict[str, FileApproval] = {}
    seen: dict[str, str] = {}
    for path in files:
        try:
            data, approvals[path.name] = read_page_file(path)
            if data.area_id is None and target is not None:
                data.area_id = target.id
            data = pages.clean(data)
        except FileError as exc:
            report.errors.append((path.name, str(exc)))
            continue
        except ValidationError as exc:
            report.errors.append((path.name, _describe(exc)))
            continue
        if data.slug in seen:
            report.errors.append((path.name, f"samma slug ”{data.slug}” som {seen[data.slug]}"))
            continue
        seen[str(data.slug)] = path.name
        parsed.append((path, data))
    parsed = _check_relations(parsed, report)
    # Links are checked against the pages that readers can open after the import, so that order does
    # not matter (a page never approved, or imported as a draft, is a missing page to them).
    live = select(Page.slug).where(Page.deleted.is_(False), pages.published_clause())
    known = set(db.session.scalars(live)) | {slug for slug, name in seen.items() if not approvals[name].draft}
    exists = pages.SlugChecker(known)
    # One transaction with a savepoint per file: a refused file leaves nothing behind, and the
    # index catches up once at the end instead of once per page.
    for path, data in parsed:
        savepoint = db.session.begin_nested()
        try:
            outcome = _import_one(data, approvals[path.name], author=author, exists=exists)
        except ValidationError as exc:
            savepoint.rollback()
            report.errors.append((path.name, _describe(exc)))
        else:
            savepoint.commit()
            getattr(report, outcome.replace("moved", "updated")).append(str(data.slug))
            if outcome == "moved":
                report.moved.append(str(data.slug))
        if progress:
            progress(path.name)
    pages.refresh_linkers(set(report.created), skip=set(seen))
    changes.commit()
    # Plans refer to structure pages, so they come after them.
    report.plans = plan_folder.import_plans(folder, author=author, area_id=target.id if target else None)
    report.errors += report.plans.errors
    # Attachments belong to pages, so they come last; versions already present are skipped.
    report.attachments = attachment_folder.import_folder(folder / ATTACHMENTS_DIR, author=author)
    report.errors += [(f"{ATTACHMENTS_DIR}/{name}", reason) for name, reason in report.attachments.skipped]
    templates = template_folder.import_folder(folder, actor=author)
    report.templates_changed, report.errors = templates.changed, report.errors + templates.errors
    return report


def _read_areas(folder: Path, report: ImportReport) -> list[area_folder.FileArea]:
    """The areas the folder's areas.yaml lists (none when it has none or is refused: then reported)."""
    path = folder / AREAS_FILE
    if not path.is_file():
        return []
    try:
        return area_folder.parse(path)
    except area_folder.AreaFileError as exc:
        report.errors.append((AREAS_FILE, str(exc)))
        return []


def unsafe_paths(folder: Path) -> list[tuple[str, str]]:
    """The links and special files in `folder`, and the attachment files it names outside itself,
    as (path relative to `folder`, Swedish reason); empty when the folder is safe to import."""
    folder = Path(folder)
    found = import_safety.unsafe_entries(folder)
    if not found:  # the manifest is only read once no link can lead it elsewhere
        found = [(f"{ATTACHMENTS_DIR}/{name}", reason)
                 for name, reason in attachment_folder.outside_paths(folder / ATTACHMENTS_DIR)]
    return found


def _check_relations(parsed: list[tuple[Path, pages.PageData]],
                     report: ImportReport) -> list[tuple[Path, pages.PageData]]:
    """Refuse files whose parent/owner is not a structure (here or in the base) or makes a cycle."""
    structures = pages.structure_parents()
    for _path, data in parsed:
        structures.pop(str(data.slug), None)
        if data.type == PageType.STRUCTURE.value:
            structures[str(data.slug)] = data.fields.get("parent")
    ok: list[tuple[Path, pages.PageData]] = []
    for path, data in parsed:
        errors = typed.relation_errors(str(data.slug), data.type, data.fields, structures)
        if errors:
            report.errors.append((path.name, " ".join(errors.values())))
        else:
            ok.append((path, data))
    return ok


def _import_one(data: pages.PageData, keys: FileApproval, *, author: str, exists: pages.SlugChecker) -> str:
    # An import approves what it imports, unless the file is a draft (see the module docstring).
    approval = keys.approval(author) if pages.requires_approval(data.type) and not keys.draft else None
    page, _ = pages.resolve(str(data.slug))
    if page is None:
        # Pages in this import were rendered knowing each other; the others are refreshed once at the end.
        pages.create_page(data, author=author, comment="Importerad", exists=exists, commit=False, check=False,
                          refresh=False, approval=approval)
        return "created"
    data.slug = page.slug
    if page.deleted:
        pages.restore_page(page, author=author, comment="Återskapad vid import", commit=False)
    rev = pages.update_page(page, data, base_revision=page.revision_number, author=author,
                            comment="Importerad", exists=exists, commit=False, check=False, approval=approval)
    moved = data.area_id is not None and pages.move_page(page, data.area_id, author=author, commit=False)
    return "moved" if moved else "updated" if rev is not None else "unchanged"


def _dump_value(value: object) -> str:
    # Multi-line text is written double-quoted with \n escapes, so each key stays on one line.
    style = '"' if isinstance(value, str) and "\n" in value else None
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=100_000,
                          default_style=style).strip()


def _approval_meta(page: Page) -> dict:
    """The approval keys of a page of a type that needs approval (what readers see, or a draft)."""
    if not pages.requires_approval(page.type):
        return {}
    published = page.published
    if published is None:
        return {"state": DRAFT_STATE}
    if published.state != RevisionState.APPROVED.value:
        return {}
    meta: dict = {"approved_by": published.approved_by}
    if published.approved_at is not None:
        meta["approved_at"] = dates.local_date(published.approved_at).isoformat()
    if published.approval_comment:
        meta["approval_comment"] = published.approval_comment
    return meta


def page_to_text(page: Page) -> str:
    """A page as an import-format file: what readers see (a page never approved: its newest draft)."""
    shown = page.shown
    meta = {"title": page.title, "type": page.type, "slug": page.slug, "area": areas.key_of(page.area_id),
            "summary": page.summary,
            "tags": list(page.tags or []), "target_groups": list(page.target_groups or [])}
    fields = page.fields or {}
    extra = [s.name for s in typed.specs_for(page.type) if s.name in fields]
    meta.update({name: fields[name] for name in extra})
    approval = _approval_meta(page)
    meta.update(approval)
    extra += list(approval)
    lines = ["---"]
    for key in (*FIELD_ORDER, *extra):
        value = meta[key]
        dumped = _dump_value(value)
        if dumped.endswith("\n..."):
            dumped = dumped[:-4].strip()
        lines.append(f"{key}: {dumped}")
    lines.append("---")
    return "\n".join(lines) + "\n" + (shown.source if shown else "")


@dataclass
class ExportReport:
    """What an export wrote, for the command's summary."""

    pages: int = 0
    plans: int = 0
    attachment_files: int = 0
    templates: int = 0
    # Pages whose draft waiting for approval was left out (their approved version was written).
    drafts_left_out: int = 0

    def summary(self) -> str:
        """One line in Swedish."""
        text = (f"Exporterade {self.pages} sidor, ordlistan, {self.plans} aktivitetsplaner och "
                f"{self.attachment_files} bilagefiler")
        if self.templates:
            text += f", {self.templates} sidmallar"
        if self.drafts_left_out:
            text += (f" ({self.drafts_left_out} utkast som väntar på fastställelse exporterades inte; "
                     "den fastställda versionen skrevs)")
        return text


def _exported_pages(only: Area | None) -> list[Page]:
    return [p for p in pages.live_pages() if only is None or p.area_id == only.id]


def export_size(area: str | None = None) -> int:
    """How many pages an export (of the area `area`, a key) writes; NotFoundError for an unknown area."""
    return len(_exported_pages(areas.require(area) if area is not None else None))


def export_folder(folder: Path, *, area: str | None = None,
                  progress: Callable[[str], None] | None = None) -> ExportReport:
    """Write every live page, the areas, the glossary, the organisations, the plans and the
    attachments to `folder`; with `area` (a key; NotFoundError if unknown) only that area's (see the
    module docstring)."""
    only: Area | None = areas.require(area) if area is not None else None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    report = ExportReport()
    for page in _exported_pages(only):
        (folder / f"{page.slug}.md").write_text(page_to_text(page), encoding="utf-8")
        report.pages += 1
        report.drafts_left_out += page.is_published and pages.pending_draft(page) is not None
        if progress:
            progress(page.slug)
    (folder / AREAS_FILE).write_text(area_folder.export_text(only), encoding="utf-8")
    (folder / GLOSSARY_FILE).write_text(
        glossary_folder.export_text(only.id if only else None, every_area=only is None), encoding="utf-8")
    (folder / ORGANISATIONS_FILE).write_text(
        yaml.safe_dump(organisations.export_rows(), allow_unicode=True, sort_keys=False, width=100),
        encoding="utf-8")
    report.plans = plan_folder.export_plans(folder, area_id=only.id if only else None)
    report.attachment_files = attachment_folder.export_folder(folder / ATTACHMENTS_DIR,
                                                              area_id=only.id if only else None)
    report.templates = template_folder.export_folder(folder, area_id=only.id if only else None)
    return report
