"""What a page's attachments show to readers and editors, versions, and the changes waiting for approval."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kb.exceptions import NotFoundError
from kb.extensions import db
from kb.models import Attachment, AttachmentVersion, Page
from kb.services import diff as diffs
from kb.services.attachments.files import name_key


# Longest file name kept (characters, extension included).
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
