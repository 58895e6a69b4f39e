"""Uploading, deleting and restoring attachments, and publishing or discarding the changes in a draft."""
from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kb import extract
from kb.constants import AuditAction, ChangeOp, Entity, MediaType
from kb.exceptions import NotFoundError, ValidationError
from kb.extensions import db
from kb.models import Attachment, AttachmentVersion, Page
from kb.models.base import utcnow
from kb.services import audit, changes, pages
from kb.services.attachments.files import (
    check_file,
    clean_comment,
    name_key,
    one_line,
    refuse,
    refuse_personal_numbers,
    split_extension,
)
from kb.services.attachments.lookups import get, get_version, pending_change


# Longest file name kept (characters, extension included).
def upload(page: Page, filename: str, content: bytes, *, author: str = "", comment: str = "",
           replace: Attachment | None = None, commit: bool = True,
           approved: bool = False) -> AttachmentVersion | None:
    """Store a file on a page: a new attachment, or a new version of the one with the same name
    (or of `replace`). None when the file is identical to the current version ("ingen ändring").
    On a page under approval the file waits in the page's draft (unless `approved`: an import)."""
    if page.deleted:
        raise refuse("Sidan är borttagen. Återskapa sidan innan du laddar upp filer.")
    name, media_type = check_file(filename, content)
    if replace is not None:
        if replace.page_id != page.id:
            raise NotFoundError("Bilagan hör inte till sidan.")
        _, ext = split_extension(replace.name)
        if ext not in media_type.extensions:
            raise refuse(f"Den nya versionen måste vara av samma typ som ”{replace.name}”, "
                          f"men filen är av typen {media_type.label}.")
        name = replace.name
    comment = clean_comment(comment, name)
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
    version = add_version(page, attachment, name, content, digest, media_type, found, uploader=author,
                           comment=comment, gated=not approved and pages.under_approval(page))
    if commit:
        commit_or_refuse()
    return version


def add_version(page: Page, attachment: Attachment | None, name: str, content: bytes, digest: str,
                 media_type: MediaType, found: extract.Extracted, *, uploader: str, comment: str,
                 created_at: datetime | None = None, actor: str | None = None,
                 gated: bool = False) -> AttachmentVersion:
    """Add a version (and the attachment, if new), its change-log row and its audit event.

    `gated`: the page is under approval, so the version waits in a new draft of the page."""
    refuse_personal_numbers(page, name, found.text)
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
    return one_line(f"Bilaga: {what}" + (f" – {comment}" if comment else ""))


def versioned_name(name: str, number: int) -> str:
    """The file name of an older version: "Rutin (version 2).pdf"."""
    stem, dot, ext = name.rpartition(".")
    return f"{stem} (version {number}).{ext}" if dot else f"{name} (version {number})"


def _target(page: Page, name: str) -> str:
    return f"{page.slug}/{name}"


def commit_or_refuse() -> None:
    try:
        changes.commit()
    except IntegrityError as exc:  # someone uploaded the same name (or version number) at the same moment
        db.session.rollback()
        raise refuse("Någon annan laddade upp en fil med samma namn samtidigt. Försök igen.") from exc


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
    comment = one_line(comment)
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
        commit_or_refuse()


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
