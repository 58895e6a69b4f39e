"""Files attached to pages, kept in the database with every version (so several app servers share them).

An `Attachment` is a named document on a page ("Rutin för SIP.pdf"); uploading a file with the
same name to the same page adds an `AttachmentVersion` and keeps the older ones. Versions are
never changed; deleting an attachment only marks it deleted, so it can be restored.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.constants import ExtractionStatus, MediaType
from kb.extensions import db
from kb.models.base import utcnow
from kb.models.pages import Page

NAME_MAX = 255


class Attachment(db.Model):
    """A document on a page (current state); its content lives in `AttachmentVersion` rows."""

    __tablename__ = "attachment"
    # One attachment per name and page; names differing only in case count as the same name.
    __table_args__ = (UniqueConstraint("page_id", "name_key", name="uq_attachment_page_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id"), index=True)
    # The sanitised file name as shown and served ("Rutin för SIP.pdf").
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # The name case-folded, for the uniqueness check.
    name_key: Mapped[str] = mapped_column(String(NAME_MAX))
    # Number of the current AttachmentVersion.
    version_number: Mapped[int] = mapped_column(Integer, default=0)
    # Soft delete: versions stay; restoring (or uploading the same name again) brings it back.
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # The version readers (and search) get; None: readers do not see the attachment. On a page
    # under approval, uploads, deletions and restores wait in the page's draft until approved;
    # elsewhere this follows `version_number` and `deleted` at once.
    published_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    page: Mapped[Page] = relationship(lazy="joined")
    versions: Mapped[list[AttachmentVersion]] = relationship(
        back_populates="attachment", order_by="AttachmentVersion.number", lazy="select",
        cascade="save-update, merge",
    )

    @property
    def current(self) -> AttachmentVersion | None:
        """The current version (what editors see; readers get `published_version`)."""
        return db.session.scalar(
            db.select(AttachmentVersion).where(AttachmentVersion.attachment_id == self.id,
                                               AttachmentVersion.number == self.version_number)
        )

    def __repr__(self) -> str:
        return f"<Attachment {self.page_id}/{self.name}>"


class AttachmentVersion(db.Model):
    """One immutable uploaded file: its bytes, checksum, detected type and the text read from it."""

    __tablename__ = "attachment_version"
    __table_args__ = (UniqueConstraint("attachment_id", "number", name="uq_attachment_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # The file itself. Deferred: lists and the search index never load the bytes.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # Detected from the content (kb.services.attachments.detect_type), never taken from the client.
    media_type: Mapped[str] = mapped_column(String(100))
    uploader: Mapped[str] = mapped_column(String(120), default="")
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Plain text read from the file for search (capped); deferred like the content.
    text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    extraction: Mapped[str] = mapped_column(String(10), default=ExtractionStatus.NONE.value)
    # Why the text could not be read, in Swedish ("Texten kunde inte läsas: filen är krypterad.").
    extraction_message: Mapped[str] = mapped_column(String(300), default="")
    # Whether readers may open this version: False while it waits in a draft of a page under
    # approval (and for good if the draft is sent back), True once approved.
    public: Mapped[bool] = mapped_column(Boolean, default=True)

    attachment: Mapped[Attachment] = relationship(back_populates="versions")

    @property
    def extraction_status(self) -> ExtractionStatus:
        """The extraction status as an enum."""
        return ExtractionStatus(self.extraction)

    @property
    def type_label(self) -> str:
        """Swedish name of the file type ("PDF", "Word-dokument")."""
        try:
            return MediaType(self.media_type).label
        except ValueError:
            return self.media_type

    @property
    def size_label(self) -> str:
        """The size in Swedish notation: "840 byte", "12 kB", "1,4 MB"."""
        return size_label(self.size)

    def __repr__(self) -> str:
        return f"<AttachmentVersion {self.attachment_id} v{self.number}>"


def size_label(size: int) -> str:
    """A byte count in Swedish notation: "840 byte", "12 kB", "1,4 MB" (units of 1024)."""
    if size < 1024:
        return f"{size} byte"
    value, unit = size / 1024, "kB"
    if value >= 1024:
        value, unit = value / 1024, "MB"
    text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    return f"{text.removesuffix('.0').replace('.', ',')} {unit}"
