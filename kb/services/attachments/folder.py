"""Attachments as a folder of files: export and backup write it, import and the demo read it.

Layout (inside the folder the caller chooses, e.g. `<export>/attachments/`):

    <page-slug>/<file name>                       the current version of each live attachment
    <page-slug>/_versioner/<name> (version n).ext older versions, and every version of deleted ones
    bilagor.json                                  every version's metadata (see `export_folder`)

A folder without bilagor.json is read as plain files: each `<page-slug>/<file>` is uploaded to
that page (this is how `kb demo` loads the documents in kb/demo/attachments/). Importing the
same folder twice changes nothing: versions already present (same SHA-256) are skipped. A folder
with a symbolic link or special file, or whose bilagor.json names a file outside it, is refused
whole (see kb.services.import_safety).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from kb.exceptions import ServiceError, ValidationError
from kb.extensions import db
from kb.services import attachments, changes, import_safety

MANIFEST = "bilagor.json"
VERSIONS_DIR = "_versioner"
FORMAT = 1


@dataclass
class FolderReport:
    """What an import did: versions stored, and files or folders skipped with the reason (Swedish)."""

    stored: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


def export_folder(folder: Path, *, include_deleted: bool = False, area_id: int | None = None) -> int:
    """Write the attachments (deleted ones too if asked: a backup; of one area's pages if asked) with
    all their versions and bilagor.json to `folder`; return the number of files written (0 writes
    nothing)."""
    folder = Path(folder)
    entries: list[dict[str, Any]] = []
    count = 0
    for item in attachments.iter_for_export(include_deleted=include_deleted, area_id=area_id):
        versions = []
        for version in item.versions:
            current = version is item.versions[-1] and not item.deleted
            older = f"{VERSIONS_DIR}/{attachments.versioned_name(item.name, version.number)}"
            relative = f"{item.page_slug}/{item.name if current else older}"
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(version.content)
            count += 1
            versions.append({"number": version.number, "file": relative, "sha256": version.sha256,
                             "size": version.size, "media_type": version.media_type,
                             "uploader": version.uploader, "comment": version.comment,
                             "created_at": version.created_at.isoformat(), "extraction": version.extraction,
                             "extraction_message": version.extraction_message})
        entries.append({"page": item.page_slug, "name": item.name, "deleted": item.deleted,
                        "versions": versions})
    if entries:
        manifest = {"format": FORMAT, "attachments": entries}
        (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return count


def import_folder(folder: Path, *, author: str = "import", comment: str = "Importerad") -> FolderReport:
    """Read a folder written by `export_folder` (or plain `<page-slug>/<file>` files) into the
    pages with those slugs; pages that do not exist are skipped and reported."""
    folder = Path(folder)
    if not folder.is_dir():
        return FolderReport()
    refused = import_safety.unsafe_entries(folder) or outside_paths(folder)
    if refused:  # nothing is stored from a folder that could lead the import elsewhere
        return FolderReport(skipped=refused)
    if (folder / MANIFEST).is_file():
        return _import_manifest(folder, author)
    return _import_plain(folder, author, comment)


def outside_paths(folder: Path) -> list[tuple[str, str]]:
    """The version files that bilagor.json in `folder` places outside the folder, as (MANIFEST, reason).

    A manifest that cannot be read gives none here: the import reports it.
    """
    folder = Path(folder)
    try:
        entries = list(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["attachments"])
        files = [str(version["file"]) for entry in entries for version in entry.get("versions", [])]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
    return [(MANIFEST, f"bilagefilen ”{name}” ligger utanför importmappen och tas inte emot")
            for name in files if import_safety.outside(folder, name)]


def _page(slug: str):
    from kb.services import pages

    page = pages.get(slug)
    return page if page is not None and not page.deleted else None


def _import_plain(folder: Path, author: str, comment: str) -> FolderReport:
    report = FolderReport()
    for page_dir in sorted(p for p in folder.iterdir() if p.is_dir() and p.name != VERSIONS_DIR):
        page = _page(page_dir.name)
        if page is None:
            report.skipped.append((page_dir.name, "sidan finns inte"))
            continue
        for path in sorted(p for p in page_dir.iterdir() if p.is_file()):
            try:
                # An import publishes what it brings, as it approves the pages it imports.
                version = attachments.upload(page, path.name, path.read_bytes(), author=author,
                                             comment=comment, approved=True)
            except ValidationError as exc:
                db.session.rollback()  # nothing of a refused file stays behind for the next one's commit
                report.skipped.append((f"{page_dir.name}/{path.name}", "; ".join(exc.errors.values())))
                continue
            if version is not None:
                report.stored += 1
    return report


def _import_manifest(folder: Path, author: str) -> FolderReport:
    report = FolderReport()
    root = folder.resolve()
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        entries = list(manifest["attachments"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        report.skipped.append((MANIFEST, f"filen kunde inte läsas ({exc})"))
        return report
    for entry in entries:
        where = f"{entry.get('page', '?')}/{entry.get('name', '?')}"
        page = _page(str(entry.get("page", "")))
        if page is None:
            report.skipped.append((where, "sidan finns inte"))
            continue
        # One attachment with all its versions is one transaction: a refused version (say, one whose
        # text holds a personnummer) leaves none of them stored.
        stored = 0
        try:
            for version in entry.get("versions", []):
                path = (folder / str(version["file"])).resolve()
                if not path.is_relative_to(root) or not path.is_file():
                    raise ValidationError({"file": f"filen {version['file']} saknas i mappen"})
                stored += attachments.import_version(
                    page, str(entry["name"]), path.read_bytes(), uploader=str(version.get("uploader", "")),
                    comment=str(version.get("comment", "")), created_at=_time(version.get("created_at")),
                    sha256=version.get("sha256"), author=author, commit=False) is not None
            attachment = attachments.get(page, str(entry["name"]))
            if attachment is not None and bool(entry.get("deleted")) != attachment.deleted:
                # The folder's word goes, as for pages: a deleted one is deleted, a live one restored.
                change = attachments.delete if entry.get("deleted") else attachments.restore
                change(attachment, author=author, comment="Importerad", commit=False, approved=True)
            changes.commit()
        except (ServiceError, KeyError, TypeError, OSError, IntegrityError) as exc:
            db.session.rollback()
            reason = "; ".join(exc.errors.values()) if isinstance(exc, ValidationError) else str(exc)
            report.skipped.append((where, reason))
        else:
            report.stored += stored
    return report


def _time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
