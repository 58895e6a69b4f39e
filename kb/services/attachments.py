"""Attachments: check, store (in the database, with every version), list, delete, restore, export.

Folders of files (export, backup, the demo documents) are read and written by
kb.services.attachment_folder on top of `iter_for_export` and `import_version` here.

A file is accepted only when its content is one of the allowed types (kb.constants.MediaType,
detected from magic bytes and, for zip containers, their manifest), its name's extension agrees
with that content, it is not empty and not larger than ATTACHMENT_MAX. Its text is read for
search in a bounded child process (kb.extract); a file whose text cannot be read is still stored,
with the reason. Every write adds a `Change` row for the search index and an audit event in the
same transaction, as for pages.

Approval: on a page under approval (kb.services.pages.under_approval) a new file, a new version, a
deletion or a restore is part of the page's draft: it adds a draft revision to the page, readers
(and search) keep the approved state (`Attachment.published_version`, `AttachmentVersion.public`)
until kb.services.governance approves the draft (`publish_pending`), and sending the draft back
discards it (`discard_pending`). Elsewhere a change is published at once.
"""
from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload, undefer

from kb import extract, pii
from kb.constants import AuditAction, ChangeOp, Entity, ExtractionStatus, MediaType
from kb.exceptions import NotFoundError, ValidationError
from kb.extensions import db
from kb.models import Attachment, AttachmentVersion, Page
from kb.models.base import utcnow
from kb.services import audit, changes, pages

# Longest file name kept (characters, extension included).
NAME_CHARS = 120
COMMENT_MAX = 300
DEFAULT_NAME = "bilaga"
# Names Windows cannot open a file by, whatever the extension.
RESERVED_NAMES = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                            *(f"LPT{i}" for i in range(1, 10))})
_FORBIDDEN = re.compile(r'[<>:"|?*]')
_EXTENSION = re.compile(r"^[a-z0-9]{1,5}$")
ALLOWED_SUMMARY = ("PDF, Word (DOCX), Excel (XLSX), OpenDocument-text (ODT), textfiler (UTF-8) "
                   "och bilder (PNG, JPEG)")

# Manifest entries of the zip-based formats (their main part's content type).
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": MediaType.DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": MediaType.XLSX,
}
_MARKUP = re.compile(r"<\s*(!doctype|html|head|body|svg|script|iframe|object|embed|\?xml|xsl|math)\b",
                     re.IGNORECASE)


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": message})


# --- checking a file ----------------------------------------------------------------------------

def detect_type(content: bytes) -> MediaType:
    """The type of a file from its content; ValidationError (Swedish) for anything not allowed."""
    if not content:
        raise _refuse("Filen är tom. Välj en fil med innehåll.")
    if content.startswith(b"%PDF-"):
        return MediaType.PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n") and content[12:16] == b"IHDR":
        return MediaType.PNG
    if content.startswith(b"\xff\xd8\xff"):
        return MediaType.JPEG
    if content.startswith(b"PK\x03\x04"):
        return _zip_type(content)
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise _refuse("Äldre Word- och Excel-filer (.doc, .xls) tas inte emot. "
                      "Spara om filen som DOCX, XLSX eller PDF och ladda upp den igen.")
    return _text_type(content)


def _zip_type(content: bytes) -> MediaType:
    # The entry count comes from the zip's end records before zipfile reads its directory.
    problem = extract.zip_problem(content)
    if problem == "entries":
        raise _refuse(f"Filen består av fler än {extract.ZIP_MAX_ENTRIES} delar (ett Word- eller Excel-dokument "
                      "har några hundra) och liknar en så kallad zip-bomb. Den togs inte emot.")
    if problem == "zip":
        raise _refuse("Filen packas upp till orimligt mycket data (den liknar en så kallad zip-bomb) "
                      "och togs inte emot.")
    if problem:
        raise _refuse("Filen är en skadad zip-fil och kunde inte läsas.")
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        names = set(zf.namelist())
        if "mimetype" in names:
            with zf.open("mimetype") as fh:
                declared = fh.read(200).strip().decode("ascii", errors="replace")
            if declared == MediaType.ODT.value:
                return MediaType.ODT
            raise _refuse("Av OpenDocument-formaten tas bara textdokument (ODT) emot.")
        if "[Content_Types].xml" in names:
            with zf.open("[Content_Types].xml") as fh:
                manifest = fh.read(1024 * 1024)
            types = _content_types(manifest)
            for content_type, media_type in _OOXML_MAIN.items():
                if content_type in types:
                    return media_type
            if any("macroEnabled" in t for t in types):
                raise _refuse("Dokument med makron (till exempel .docm och .xlsm) tas inte emot.")
            raise _refuse("Av Office-formaten tas bara Word-dokument (DOCX) och Excel-arbetsböcker (XLSX) "
                          "emot.")
    raise _refuse(f"Zip-arkiv och andra packade filer tas inte emot. Tillåtna filtyper: {ALLOWED_SUMMARY}.")


def _content_types(manifest: bytes) -> set[str]:
    """The ContentType values of an OOXML [Content_Types].xml (parsed without DTDs or entities)."""
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(manifest)
    except Exception as exc:  # noqa: BLE001 - malformed XML, DTDs and entities all mean "not a document"
        raise _refuse("Filen är ett skadat Office-dokument och kunde inte läsas.") from exc
    return {el.get("ContentType", "") for el in root.iter() if el.get("ContentType")}


def _text_type(content: bytes) -> MediaType:
    unknown = f"Filtypen känns inte igen och tas inte emot. Tillåtna filtyper: {ALLOWED_SUMMARY}."
    if b"\x00" in content:
        raise _refuse(unknown)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refuse(unknown + " En textfil måste vara sparad som UTF-8.") from exc
    start = text[:4096].lstrip()
    if _MARKUP.search(start[:1024]) and start.startswith("<"):
        raise _refuse("HTML-, SVG- och XML-filer tas inte emot. Spara innehållet som PDF i stället.")
    if start.startswith("#!"):
        raise _refuse("Skript tas inte emot.")
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text[:100_000]):
        raise _refuse(unknown)
    return MediaType.TEXT


def _split_extension(name: str) -> tuple[str, str]:
    """(stem, extension in lower case) – a suffix counts as an extension if it has a letter."""
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and _EXTENSION.match(suffix.lower()) and any(c.isalpha() for c in suffix):
        return stem, suffix.lower()
    return name, ""


def sanitise_filename(filename: str, media_type: MediaType | None = None) -> str:
    """A safe file name: no folders, control or reserved characters, at most NAME_CHARS characters,
    Swedish letters kept; with `media_type`, the extension fits the content (added when missing,
    ValidationError when it names another type)."""
    name = unicodedata.normalize("NFC", str(filename or ""))
    name = re.split(r"[\\/]", name)[-1]
    # Control and format characters (including right-to-left overrides that disguise an extension).
    name = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in name
                   if unicodedata.category(c) != "Cf")
    name = " ".join(_FORBIDDEN.sub("_", name).split()).strip(" .")
    stem, ext = _split_extension(name)
    stem = stem.strip(" .") or DEFAULT_NAME
    if stem.split(".")[0].upper() in RESERVED_NAMES:
        stem = "_" + stem
    if media_type is not None:
        if not ext:
            ext = media_type.extensions[0]
        elif ext not in media_type.extensions:
            if any(ext in t.extensions for t in MediaType):
                raise _refuse(f"Filens namn slutar på .{ext} men innehållet är av typen {media_type.label}. "
                              "Kontrollera att du har valt rätt fil, eller ge den rätt filändelse.")
            raise _refuse(f"Filer av typen .{ext} tas inte emot. Tillåtna filtyper: {ALLOWED_SUMMARY}.")
    room = NAME_CHARS - (len(ext) + 1 if ext else 0)
    stem = stem[:room].rstrip(" .") or DEFAULT_NAME
    return f"{stem}.{ext}" if ext else stem


def name_key(name: str) -> str:
    """What makes two names the same attachment (case and Unicode form ignored)."""
    return unicodedata.normalize("NFC", name).casefold()


def max_size() -> int:
    """The largest file allowed (ATTACHMENT_MAX, bytes)."""
    return int(current_app.config.get("ATTACHMENT_MAX", 20 * 1024 * 1024))


def check_file(filename: str, content: bytes) -> tuple[str, MediaType]:
    """(sanitised name, detected type) of an upload; ValidationError with a Swedish message otherwise."""
    limit = max_size()
    if len(content) > limit:
        from kb.models.attachments import size_label

        raise _refuse(f"Filen är för stor ({size_label(len(content))}). "
                      f"Största tillåtna storlek är {size_label(limit)}.")
    media_type = detect_type(content)
    return sanitise_filename(filename, media_type), media_type


def _one_line(text: str) -> str:
    """A comment on one line, cut to COMMENT_MAX characters."""
    return " ".join(str(text or "").split())[:COMMENT_MAX]


def _clean_comment(comment: str, name: str) -> str:
    comment = " ".join(str(comment or "").split())
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": f"Kommentaren får vara högst {COMMENT_MAX} tecken."})
    errors = pii.field_errors((("file", "Filnamnet", name), ("comment", "Kommentaren", comment)))
    if errors:
        raise ValidationError(errors)
    return comment


def _refuse_personal_numbers(page: Page, name: str, text: str) -> None:
    """Refuse a file whose text holds a personal number, naming the page, the file and the lines."""
    findings = pii.find_personal_numbers(text or "")
    if findings:
        raise _refuse(f"Filen togs inte emot på sidan ”{page.title}”. "
                      + pii.describe(findings, name, then="ladda upp filen igen")
                      + " Radnumren gäller texten som lästes ur filen.")


# --- lookups ------------------------------------------------------------------------------------

@dataclass
class Shown:
    """An attachment as one viewer sees it: readers the approved state, editors the newest."""

    attachment: Attachment
    current: AttachmentVersion
    versions: list[AttachmentVersion]  # the versions this viewer may open, oldest first
    deleted: bool
    pending: str = ""  # for editors: the change that waits for approval, in Swedish

    @property
    def id(self) -> int:
        """The attachment's id."""
        return self.attachment.id

    @property
    def name(self) -> str:
        """The attachment's file name."""
        return self.attachment.name

    @property
    def updated_at(self) -> datetime:
        """When the attachment last changed."""
        return self.attachment.updated_at

    @property
    def version_number(self) -> int:
        """The number of the version this viewer gets."""
        return self.current.number


def reader_visible(attachment: Attachment) -> bool:
    """Whether readers see the attachment at all (an approved, live version)."""
    return attachment.published_version is not None


def shown_number(attachment: Attachment, *, editor: bool) -> int | None:
    """The version a viewer gets: editors the current one, readers the approved one (None: none)."""
    return attachment.version_number if editor else attachment.published_version


def may_open(version: AttachmentVersion, *, editor: bool) -> bool:
    """Whether a viewer may download this version (readers: approved versions only)."""
    return editor or version.public


def pending_change(attachment: Attachment) -> str:
    """What about the attachment waits for approval, in Swedish ("" when nothing does)."""
    if attachment.deleted:
        return "" if attachment.published_version is None else "Borttagningen väntar på fastställelse."
    if attachment.published_version is None:
        return "Ny bilaga som väntar på fastställelse."
    if attachment.published_version != attachment.version_number:
        return f"Version {attachment.version_number} väntar på fastställelse."
    return ""


def _shown(attachment: Attachment, editor: bool) -> Shown | None:
    number = shown_number(attachment, editor=editor)
    versions = [v for v in attachment.versions if may_open(v, editor=editor)]
    current = next((v for v in versions if v.number == number), None)
    if current is None:
        return None
    return Shown(attachment=attachment, current=current, versions=versions,
                 deleted=attachment.deleted if editor else False,
                 pending=pending_change(attachment) if editor else "")


def for_page(page: Page, *, editor: bool = False, include_deleted: bool = False) -> list[Shown]:
    """A page's attachments by name as a viewer sees them (readers: the approved ones), with their
    versions loaded (never their bytes); deleted ones too for an editor with `include_deleted`."""
    query = (select(Attachment).where(Attachment.page_id == page.id)
             .options(selectinload(Attachment.versions)))
    if not editor:
        query = query.where(Attachment.published_version.is_not(None))
    elif not include_deleted:
        query = query.where(Attachment.deleted.is_(False))
    found = (_shown(a, editor) for a in sorted(db.session.scalars(query), key=lambda a: (a.name_key, a.id)))
    return [item for item in found if item is not None]


@dataclass
class PendingChange:
    """An attachment change waiting in a page's draft, for the draft box."""

    attachment: Attachment
    what: str
    diff: list = field(default_factory=list)  # the text's changes (kb.services.diff lines)


def pending_changes(page: Page) -> list[PendingChange]:
    """The page's attachment changes that wait for approval, with the change in their text."""
    from kb.services import diff as diffs

    out = []
    for attachment in db.session.scalars(select(Attachment).where(Attachment.page_id == page.id)
                                         .order_by(Attachment.name_key)):
        what = pending_change(attachment)
        if not what:
            continue
        before = _text_of(attachment, attachment.published_version)
        after = "" if attachment.deleted else _text_of(attachment, attachment.version_number)
        out.append(PendingChange(attachment, what, diffs.diff_text(before, after) if before != after else []))
    return out


def _text_of(attachment: Attachment, number: int | None) -> str:
    if number is None:
        return ""
    return db.session.scalar(select(AttachmentVersion.text).where(
        AttachmentVersion.attachment_id == attachment.id, AttachmentVersion.number == number)) or ""


def get(page: Page, name: str) -> Attachment | None:
    """A page's attachment by file name (case ignored; deleted ones included)."""
    return db.session.scalar(select(Attachment).where(Attachment.page_id == page.id,
                                                      Attachment.name_key == name_key(name)))


def get_by_id(attachment_id: int) -> Attachment | None:
    """An attachment by id (deleted ones included)."""
    return db.session.get(Attachment, attachment_id)


def versions(attachment: Attachment) -> list[AttachmentVersion]:
    """An attachment's versions, newest first."""
    return sorted(attachment.versions, key=lambda v: -v.number)


def get_version(attachment: Attachment, number: int | None = None) -> AttachmentVersion:
    """One version (the current one when `number` is None); NotFoundError if there is none."""
    wanted = attachment.version_number if number is None else number
    version = db.session.scalar(select(AttachmentVersion).where(
        AttachmentVersion.attachment_id == attachment.id, AttachmentVersion.number == wanted))
    if version is None:
        raise NotFoundError(f"Bilagan har ingen version {wanted}.")
    return version


def visible(attachment: Attachment | None, *, editor: bool, admin: bool) -> bool:
    """Whether a user may see an attachment: approved, live ones on live pages for readers; deleted
    and waiting ones for editors (to restore or check them); anything on a deleted page for admins only."""
    if attachment is None:
        return False
    if attachment.page.deleted:
        return admin
    return editor or reader_visible(attachment)


# --- writes -------------------------------------------------------------------------------------

def upload(page: Page, filename: str, content: bytes, *, author: str = "", comment: str = "",
           replace: Attachment | None = None, commit: bool = True,
           approved: bool = False) -> AttachmentVersion | None:
    """Store a file on a page: a new attachment, or a new version of the one with the same name
    (or of `replace`). None when the file is identical to the current version ("ingen ändring").
    On a page under approval the file waits in the page's draft (unless `approved`: an import)."""
    if page.deleted:
        raise _refuse("Sidan är borttagen. Återskapa sidan innan du laddar upp filer.")
    name, media_type = check_file(filename, content)
    if replace is not None:
        if replace.page_id != page.id:
            raise NotFoundError("Bilagan hör inte till sidan.")
        _, ext = _split_extension(replace.name)
        if ext not in media_type.extensions:
            raise _refuse(f"Den nya versionen måste vara av samma typ som ”{replace.name}”, "
                          f"men filen är av typen {media_type.label}.")
        name = replace.name
    comment = _clean_comment(comment, name)
    attachment = replace or get(page, name)
    digest = hashlib.sha256(content).hexdigest()
    if attachment is not None and attachment.version_number:
        current = get_version(attachment)
        if current.sha256 == digest:
            if not attachment.deleted:
                return None
            restore(attachment, author=author, comment=comment or "Samma fil laddades upp igen",
                    commit=commit, approved=approved)
            return current
    found = extract.extract_with(current_app.config, content, media_type.value)
    version = _add_version(page, attachment, name, content, digest, media_type, found, uploader=author,
                           comment=comment, gated=not approved and pages.under_approval(page))
    if commit:
        _commit()
    return version


def _add_version(page: Page, attachment: Attachment | None, name: str, content: bytes, digest: str,
                 media_type: MediaType, found: extract.Extracted, *, uploader: str, comment: str,
                 created_at: datetime | None = None, actor: str | None = None,
                 gated: bool = False) -> AttachmentVersion:
    """Add a version (and the attachment, if new), its change-log row and its audit event.

    `gated`: the page is under approval, so the version waits in a new draft of the page."""
    _refuse_personal_numbers(page, name, found.text)
    now = utcnow()
    new = attachment is None
    if attachment is None:
        attachment = Attachment(page_id=page.id, name=name, name_key=name_key(name), version_number=0,
                                created_at=created_at or now)
        db.session.add(attachment)
        db.session.flush()
    # After a discarded draft the current version can be older than the newest one.
    newest = db.session.scalar(select(func.max(AttachmentVersion.number))
                               .where(AttachmentVersion.attachment_id == attachment.id)) or 0
    attachment.version_number = newest + 1
    attachment.deleted = False
    attachment.updated_at = now
    if not gated:
        attachment.published_version = attachment.version_number
    version = AttachmentVersion(attachment_id=attachment.id, number=attachment.version_number,
                                content=content, size=len(content), sha256=digest,
                                media_type=media_type.value, uploader=uploader or "", comment=comment,
                                created_at=created_at or now,
                                text=found.text, extraction=found.status.value,
                                extraction_message=found.message[:300], public=not gated)
    db.session.add(version)
    db.session.flush()
    changes.record(Entity.ATTACHMENT, attachment.id, ChangeOp.UPSERT, actor or uploader)
    detail = f"version {version.number}, {version.size} byte, sha256 {digest}"
    audit.record(AuditAction.ATTACHMENT_UPLOADED, _target(page, name),
                 detail + (f": {comment}" if comment else ""), actor=(actor or uploader) or None)
    if gated:
        what = f"ny bilaga ”{name}”" if new else f"ny version av bilagan ”{name}” (version {version.number})"
        pages.attachment_draft(page, author=actor or uploader, comment=_draft_comment(what, comment))
    return version


def _draft_comment(what: str, comment: str) -> str:
    """The comment of the draft revision an attachment change adds: what changed, and why."""
    return _one_line(f"Bilaga: {what}" + (f" – {comment}" if comment else ""))


def versioned_name(name: str, number: int) -> str:
    """The file name of an older version: "Rutin (version 2).pdf"."""
    stem, dot, ext = name.rpartition(".")
    return f"{stem} (version {number}).{ext}" if dot else f"{name} (version {number})"


def _target(page: Page, name: str) -> str:
    return f"{page.slug}/{name}"


def _commit() -> None:
    try:
        changes.commit()
    except IntegrityError as exc:  # someone uploaded the same name (or version number) at the same moment
        db.session.rollback()
        raise _refuse("Någon annan laddade upp en fil med samma namn samtidigt. Försök igen.") from exc


def delete(attachment: Attachment, *, author: str = "", comment: str = "", commit: bool = True,
           approved: bool = False) -> None:
    """Mark an attachment deleted: it leaves search and the list, its versions stay for a restore.
    On a page under approval readers keep it until the draft is approved (unless `approved`: an import)."""
    if attachment.deleted:
        raise ValidationError({"attachment": "Bilagan är redan borttagen."})
    _set_deleted(attachment, True, author, comment, commit, approved)


def restore(attachment: Attachment, *, author: str = "", comment: str = "", commit: bool = True,
            approved: bool = False) -> None:
    """Bring a deleted attachment back (with all its versions); on a page under approval, once approved."""
    if not attachment.deleted:
        raise ValidationError({"attachment": "Bilagan är inte borttagen."})
    if attachment.page.deleted:
        raise ValidationError({"attachment": "Sidan är borttagen. Återskapa sidan först."})
    _set_deleted(attachment, False, author, comment, commit, approved)


def _set_deleted(attachment: Attachment, deleted: bool, author: str, comment: str, commit: bool,
                 approved: bool = False) -> None:
    """Delete or restore, with its change-log row and audit event (and a draft, under approval)."""
    comment = _one_line(comment)
    page = attachment.page
    gated = not approved and pages.under_approval(page)
    attachment.deleted = deleted
    attachment.updated_at = utcnow()
    if not gated:
        attachment.published_version = None if deleted else attachment.version_number
        if not deleted:
            _make_public(attachment)
    op = ChangeOp.DELETE if deleted else ChangeOp.UPSERT
    changes.record(Entity.ATTACHMENT, attachment.id, op, author)
    audit.record(AuditAction.ATTACHMENT_DELETED if deleted else AuditAction.ATTACHMENT_RESTORED,
                 _target(page, attachment.name), comment, actor=author or None)
    if gated:
        what = f"”{attachment.name}” tas bort" if deleted else f"”{attachment.name}” återskapas"
        pages.attachment_draft(page, author=author, comment=_draft_comment(what, comment))
    if commit:
        _commit()


def _make_public(attachment: Attachment) -> None:
    """Let readers open the attachment's current version."""
    version = get_version(attachment)
    version.public = True


def publish_pending(page: Page, actor: str = "") -> int:
    """The page's draft was approved: readers now get its attachments as they are. Returns how many
    attachments changed for readers."""
    changed = 0
    for attachment in db.session.scalars(select(Attachment).where(Attachment.page_id == page.id)):
        if not pending_change(attachment):
            continue
        if attachment.deleted:
            attachment.published_version = None
        else:
            attachment.published_version = attachment.version_number
            _make_public(attachment)
        changes.record(Entity.ATTACHMENT, attachment.id, ChangeOp.UPSERT, actor)
        changed += 1
    return changed


def discard_pending(page: Page, actor: str = "") -> int:
    """The page's draft was sent back: its attachments return to their approved state (the files
    uploaded for it stay in the history, never shown to readers). Returns how many changed back."""
    changed = 0
    for attachment in db.session.scalars(select(Attachment).where(Attachment.page_id == page.id)):
        if not pending_change(attachment):
            continue
        if attachment.published_version is None:
            attachment.deleted = True  # a new attachment of the draft: gone with it
        else:
            attachment.deleted = False
            attachment.version_number = attachment.published_version
        attachment.updated_at = utcnow()
        changes.record(Entity.ATTACHMENT, attachment.id, ChangeOp.UPSERT, actor)
        audit.record(AuditAction.ATTACHMENT_RESTORED if not attachment.deleted else AuditAction.ATTACHMENT_DELETED,
                     _target(page, attachment.name), "utkastet skickades tillbaka", actor=actor or None)
        changed += 1
    return changed


# --- export, import, demo -----------------------------------------------------------------------

@dataclass
class ExportedVersion:
    """One version as export and backup write it."""

    number: int
    content: bytes
    size: int
    sha256: str
    media_type: str
    uploader: str
    comment: str
    created_at: datetime
    text: str
    extraction: str
    extraction_message: str


@dataclass
class ExportedAttachment:
    """An attachment with all its versions (oldest first), for export and backup."""

    page_slug: str
    name: str
    deleted: bool
    page_deleted: bool
    created_at: datetime
    versions: list[ExportedVersion] = field(default_factory=list)


def iter_for_export(*, include_deleted: bool = True) -> Iterator[ExportedAttachment]:
    """Every attachment with its versions' bytes and metadata, by page slug and name; one
    attachment's bytes in memory at a time. Deleted attachments (and those of deleted pages)
    come too unless `include_deleted` is False: then the state the export writes of each page, the
    approved one (a page never approved travels as its draft, with its attachments as they are)."""
    query = (select(Attachment.id).join(Page, Attachment.page_id == Page.id)
             .order_by(Page.slug, Attachment.name_key))
    if not include_deleted:
        never_approved = and_(Page.published_revision_id.is_(None), Attachment.deleted.is_(False))
        query = query.where(or_(Attachment.published_version.is_not(None), never_approved),
                            Page.deleted.is_(False))
    for attachment_id in list(db.session.scalars(query)):
        attachment = db.session.get(Attachment, attachment_id)
        shown = select(AttachmentVersion).where(AttachmentVersion.attachment_id == attachment_id)
        if not include_deleted:
            approved = attachment.page.is_published
            shown = shown.where(AttachmentVersion.number <= (attachment.published_version if approved
                                                             else attachment.version_number))
            if approved:
                shown = shown.where(AttachmentVersion.public.is_(True))
        rows = list(db.session.scalars(
            shown.order_by(AttachmentVersion.number)
            .options(undefer(AttachmentVersion.content), undefer(AttachmentVersion.text))))
        yield ExportedAttachment(
            page_slug=attachment.page.slug, name=attachment.name,
            deleted=attachment.deleted if include_deleted else False,
            page_deleted=attachment.page.deleted, created_at=attachment.created_at,
            versions=[ExportedVersion(v.number, v.content, v.size, v.sha256, v.media_type, v.uploader,
                                      v.comment, v.created_at, v.text or "", v.extraction,
                                      v.extraction_message)
                      for v in rows])
        for row in rows:  # let the bytes go before the next attachment's are read
            db.session.expunge(row)


def import_version(page: Page, name: str, content: bytes, *, uploader: str = "", comment: str = "",
                   created_at: datetime | None = None, sha256: str | None = None,
                   text: str | None = None, extraction: str | None = None, extraction_message: str = "",
                   author: str = "import", commit: bool = True) -> AttachmentVersion | None:
    """Add an exported version to a page's attachment `name`, keeping its uploader, time and comment.

    Checked like an upload (type, name, size); `sha256`, when given, must match the bytes. The
    stored text is reused when given (`text` + `extraction`), otherwise it is read again.
    Idempotent: a version whose checksum the attachment already has is skipped (None).
    """
    clean_name, media_type = check_file(name, content)
    digest = hashlib.sha256(content).hexdigest()
    if sha256 and sha256.lower() != digest:
        raise _refuse(f"Kontrollsumman för ”{clean_name}” stämmer inte: filen är skadad eller ändrad.")
    attachment = get(page, clean_name)
    if attachment is not None and db.session.scalar(
            select(AttachmentVersion.id).where(AttachmentVersion.attachment_id == attachment.id,
                                               AttachmentVersion.sha256 == digest)) is not None:
        return None
    try:
        status = ExtractionStatus(extraction) if extraction else None
    except ValueError:
        status = None
    found = (extract.Extracted(status, extract.clean_text(text or "", _text_max()), extraction_message)
             if status is not None else extract.extract_with(current_app.config, content, media_type.value))
    version = _add_version(page, attachment, clean_name, content, digest, media_type, found,
                           uploader=uploader, comment=_one_line(comment),
                           created_at=created_at, actor=author)
    if commit:
        _commit()
    return version


def _text_max() -> int:
    return int(current_app.config.get("EXTRACT_TEXT_MAX", 1_000_000))
