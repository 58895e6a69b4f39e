"""Attachments for export and import (kb.services.attachments.folder reads and writes the files)."""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import undefer

from kb import extract
from kb.constants import ExtractionStatus
from kb.extensions import db
from kb.models import Attachment, AttachmentVersion, Page
from kb.services.attachments.files import check_file, one_line, refuse
from kb.services.attachments.lookups import get
from kb.services.attachments.writes import add_version, commit_or_refuse


# Longest file name kept (characters, extension included).
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


def iter_for_export(*, include_deleted: bool = True, area_id: int | None = None) -> Iterator[ExportedAttachment]:
    """Every attachment with its versions' bytes and metadata, by page slug and name; one
    attachment's bytes in memory at a time. Deleted attachments (and those of deleted pages)
    come too unless `include_deleted` is False: then the state the export writes of each page, the
    approved one (a page never approved travels as its draft, with its attachments as they are).
    With `area_id`, only the attachments of that area's pages."""
    query = (select(Attachment.id).join(Page, Attachment.page_id == Page.id)
             .order_by(Page.slug, Attachment.name_key))
    if area_id is not None:
        query = query.where(Page.area_id == area_id)
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
        raise refuse(f"Kontrollsumman för ”{clean_name}” stämmer inte: filen är skadad eller ändrad.")
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
    version = add_version(page, attachment, clean_name, content, digest, media_type, found,
                           uploader=uploader, comment=one_line(comment),
                           created_at=created_at, actor=author)
    if commit:
        commit_or_refuse()
    return version


def _text_max() -> int:
    return int(current_app.config.get("EXTRACT_TEXT_MAX", 1_000_000))
