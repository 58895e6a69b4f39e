"""Pages from Word documents: "Ny sida från Word-dokument" in the editor, and .docx files in `kb import`.

The document is converted by kb.word (a bounded child process: mammoth, then Markdown) with the
limits attachments have: at most ATTACHMENT_MAX bytes, EXTRACT_TIMEOUT seconds and EXTRACT_MEMORY
bytes; its images together at most ATTACHMENT_MAX bytes. A personnummer in its text (title, text,
image descriptions) refuses it at once with the usual message; the page is then saved through
kb.services.pages like any other, so the same Markdown, sanitiser and guard apply.

In the editor nothing is saved until the user saves the page. The document's images wait in the
instance folder (`word-import/<token>/`, only for the user who uploaded them, removed after
PENDING_HOURS) and the text shows them from there (kb.urls.word_image_path), so the preview has
them. Saving creates the page and each image still in the text as an attachment of it, in one
transaction (nothing half-saved), and points the links at the attachments
(kb.urls.attachment_file_path, which an old slug still leads to after a rename).

`kb import` converts each .docx of a folder into a page of the type given (the slug from the file
name); a page with that slug is updated. As with the folder's .md files, the import approves what
it imports and its images are attachments at once; a file that fails leaves nothing behind.
"""
from __future__ import annotations

import re
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from kb import pii, urls, word
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import Page
from kb.models.attachments import size_label
from kb.services import areas, attachments, changes, pages
from kb.slugs import slugify

PENDING_DIR = "word-import"
PENDING_HOURS = 24
OWNER_FILE = "owner"
TITLE_MAX = 200
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
IMAGE_NAME = re.compile(r"^bild-[0-9]{1,4}\.(png|jpg)$")
UNTITLED = "Namnlöst dokument"


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": message})


@dataclass
class Draft:
    """A converted document for the editor: title, Markdown, the token its images wait under ("" when
    it has none), how many images and the warnings (Swedish)."""

    title: str
    source: str
    token: str = ""
    images: int = 0
    warnings: tuple[str, ...] = ()


def convert(filename: str, content: bytes) -> word.Converted:
    """Convert a Word document with the app's limits (its title: the file name's if it has none);
    ValidationError at "file" with a Swedish message when it cannot become a page."""
    limit = attachments.max_size()
    if not content:
        raise _refuse("Filen är tom. Välj ett Word-dokument med innehåll.")
    if len(content) > limit:
        raise _refuse(f"Dokumentet är för stort ({size_label(len(content))}). "
                      f"Största tillåtna storlek är {size_label(limit)}.")
    config = current_app.config
    try:
        converted = word.convert(content, timeout=float(config.get("EXTRACT_TIMEOUT", 10.0)),
                                 memory=int(config.get("EXTRACT_MEMORY", 512 * 1024 * 1024)), image_max=limit)
    except word.WordError as exc:
        raise _refuse(str(exc)) from None
    stem = Path(filename or "").stem.strip()
    title = " ".join((converted.title or stem or UNTITLED).split())[:TITLE_MAX]
    text = "\n".join((title, converted.markdown))
    if findings := pii.find_personal_numbers(text):
        raise _refuse(pii.describe(findings, filename or "dokumentet", then="ladda upp dokumentet igen")
                      + " Radnumren gäller texten som lästes ur dokumentet (rad 1 är titeln).")
    return word.Converted(title, converted.markdown, converted.images, converted.warnings)


# --- the editor: images wait until the page is saved ------------------------------------------

def _pending_root() -> Path:
    return Path(current_app.instance_path) / PENDING_DIR


def read_upload(filename: str, content: bytes, *, owner: str) -> Draft:
    """Convert an uploaded document for the editor; its images wait (for `owner` only) until the
    page is saved, and the text shows them from there. ValidationError as `convert`."""
    converted = convert(filename, content)
    if not converted.images:
        return Draft(converted.title, converted.markdown, warnings=converted.warnings)
    _sweep()
    token = secrets.token_urlsafe(24)
    folder = _pending_root() / token
    folder.mkdir(parents=True)
    (folder / OWNER_FILE).write_text(owner, encoding="utf-8")
    for image in converted.images:
        (folder / image.name).write_bytes(image.content)
    source = word.place_images(converted.markdown, {i.name: urls.word_image_path(token, i.name)
                                                    for i in converted.images})
    return Draft(converted.title, source, token, len(converted.images), converted.warnings)


def _folder(token: str, owner: str) -> Path | None:
    """The folder of a token's images, if it exists and belongs to `owner`."""
    if not TOKEN.match(token or ""):
        return None
    folder = _pending_root() / token
    try:
        if (folder / OWNER_FILE).read_text(encoding="utf-8") != owner:
            return None
    except OSError:
        return None
    return folder


def pending_image(token: str, name: str, *, owner: str) -> tuple[bytes, str] | None:
    """(bytes, media type) of an image waiting under `token`, for its owner only; else None."""
    folder = _folder(token, owner)
    if folder is None or not IMAGE_NAME.match(name or ""):
        return None
    try:
        content = (folder / name).read_bytes()
    except OSError:
        return None
    return content, "image/png" if name.endswith(".png") else "image/jpeg"


def discard(token: str, *, owner: str) -> None:
    """Remove the images waiting under `token` (the page was saved, or its owner gave up)."""
    folder = _folder(token, owner)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _sweep() -> None:
    """Remove images that have waited longer than PENDING_HOURS (their page was never saved)."""
    root = _pending_root()
    if not root.is_dir():
        return
    cutoff = time.time() - PENDING_HOURS * 3600
    for folder in root.iterdir():
        try:
            if folder.is_dir() and not folder.is_symlink() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def create_page(data: pages.PageData, *, token: str, owner: str, author: str, comment: str = "") -> Page:
    """Create a page from the editor with the images of its Word document that the text still shows,
    each an attachment of the page, in one transaction; then the waiting images are removed.
    ValidationError (nothing saved) as pages.create_page or attachments.upload raise it."""
    folder = _folder(token, owner)
    if folder is None:
        return pages.create_page(data, author=author, comment=comment)
    slug = data.slug or slugify(data.title)
    names = sorted(p.name for p in folder.iterdir() if IMAGE_NAME.match(p.name)
                   and urls.word_image_path(token, p.name) in data.source)
    data.slug = slug or None
    data.source = word.place_images(data.source, {urls.word_image_path(token, name): urls.attachment_file_path(
        slug, name) for name in names})
    try:
        page = pages.create_page(data, author=author, comment=comment, commit=False)
        for name in names:
            # Part of the new page's first version: readers see them when they see the page.
            attachments.upload(page, name, (folder / name).read_bytes(), author=author, commit=False,
                               approved=True)
        changes.commit()
    except Exception:
        db.session.rollback()
        raise
    discard(token, owner=owner)
    return page


# --- kb import ---------------------------------------------------------------------------------

@dataclass
class WordReport:
    """What the import of a folder's Word documents did, per file, for the command."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    images: int = 0
    lines: list[str] = field(default_factory=list)  # one per file, Swedish
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (file name, warning)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)

    def summary(self) -> str:
        """One line in Swedish."""
        text = (f"Word-dokument: {len(self.created)} nya sidor, {len(self.updated)} ändrade, "
                f"{len(self.unchanged)} oförändrade, {self.images} nya bilder som bilagor")
        if self.errors:
            text += f", {len(self.errors)} dokument med fel (inget av dem importerades)"
        return text + "."


def word_files(folder: Path) -> list[Path]:
    """The Word documents directly in `folder`, by name (not Word's lock files, ~$…)."""
    return sorted(p for p in Path(folder).glob("*.docx") if p.is_file() and not p.name.startswith("~$"))


def import_folder(folder: Path, *, page_type: str = "article", author: str = "import", area: str | None = None,
                  progress: Callable[[str], None] | None = None) -> WordReport:
    """Import each .docx of `folder` as a page of `page_type` in the area `area` (a key; None: the
    installation's own), see the module docstring; a file that fails is reported and leaves nothing
    behind. The caller has checked the folder for links (kb.services.transfer.unsafe_paths)."""
    report = WordReport()
    area_id = areas.require(area).id if area is not None else None
    for path in word_files(folder):
        savepoint = db.session.begin_nested()
        try:
            outcome, page, stored, converted = _import_one(path, page_type, author, area_id)
        except ValidationError as exc:
            savepoint.rollback()
            report.errors.append((path.name, "; ".join(exc.errors.values())))
        else:
            savepoint.commit()
            getattr(report, outcome).append(page.slug)
            report.images += stored
            what = {"created": "ny sida", "updated": "sidan ändrades", "unchanged": "sidan var redan likadan"}
            report.lines.append(f"{path.name}: {what[outcome]} ”{page.title}” ({page.slug})"
                                + (f", {stored} {'bild som bilaga' if stored == 1 else 'bilder som bilagor'}"
                                   if stored else ""))
            report.warnings += [(path.name, w) for w in converted.warnings]
        if progress:
            progress(path.name)
    pages.refresh_linkers(set(report.created))
    changes.commit()
    return report


def _import_one(path: Path, page_type: str, author: str, area_id: int | None) -> tuple[str, Page, int, word.Converted]:
    if path.stat().st_size > attachments.max_size():
        raise _refuse(f"Dokumentet är för stort ({size_label(path.stat().st_size)}). "
                      f"Största tillåtna storlek är {size_label(attachments.max_size())}.")
    converted = convert(path.name, path.read_bytes())
    page, _ = pages.resolve(slugify(path.stem) or slugify(converted.title))
    slug = page.slug if page is not None else slugify(path.stem) or slugify(converted.title)
    data = pages.PageData(title=converted.title, type=page_type, slug=slug, area_id=area_id,
                          source=word.place_images(converted.markdown, {
                              i.name: urls.attachment_file_path(slug, i.name) for i in converted.images}))
    approval = pages.Approval(by=author) if pages.requires_approval(page_type) else None
    comment = f"Importerad från {path.name}"
    if page is not None and page.type == page_type:
        # A document has no structured fields: the page keeps those it has (a routine's valid-until date).
        data.fields = dict(pages.shown_data(page).fields or {})
    if page is None:
        page = pages.create_page(data, author=author, comment=comment, commit=False, approval=approval)
        outcome = "created"
    else:
        if page.deleted:
            pages.restore_page(page, author=author, comment="Återskapad vid import", commit=False)
        rev = pages.update_page(page, data, base_revision=page.revision_number, author=author, comment=comment,
                                commit=False, approval=approval)
        outcome = "updated" if rev is not None else "unchanged"
    stored = 0
    for image in converted.images:
        if attachments.upload(page, image.name, image.content, author=author, commit=False, approved=True):
            stored += 1
    if stored and outcome == "unchanged":
        outcome = "updated"
    return outcome, page, stored, converted
