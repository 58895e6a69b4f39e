"""Pages, their immutable revisions, stored wiki links and old slugs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.constants import PageType, RevisionOp, RevisionState
from kb.extensions import db
from kb.models.areas import Area
from kb.models.base import utcnow


class Page(db.Model):
    """A page's published state; its history lives in `Revision` rows, whose content never changes.

    Title, type, summary, tags, target groups, fields, html and text are those of the published
    revision (`published_revision_id`): what readers see. A page never published (a new page of a
    type that needs approval) holds its newest draft instead, and only editors see it. A draft
    waiting for approval is the newest revision (`revision_number`) in state "draft".
    For types with a `valid_until` field, `fields["valid_until"]` is the effective date: computed
    when a revision is published or approved, moved forward by reviews (see kb.services.governance).
    """

    __tablename__ = "page"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(20), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    # Rendered, sanitised HTML of the current source. Refreshed when a linked page appears or goes.
    html: Mapped[str] = mapped_column(Text, default="")
    # Plain text of the current source, for the search index.
    text: Mapped[str] = mapped_column(Text, default="")
    revision_number: Mapped[int] = mapped_column(Integer, default=0)
    # The revision readers see; None until a page of an approval type is first approved.
    published_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revision.id", use_alter=True, name="fk_page_published_revision"),
        nullable=True, index=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # The area (collaboration body) the page belongs to; filled with the own area when left out.
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)

    area: Mapped[Area] = relationship(lazy="select")
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="page", order_by="Revision.number", lazy="select", cascade="save-update, merge",
        foreign_keys="Revision.page_id",
    )
    published: Mapped[Revision | None] = relationship(foreign_keys=[published_revision_id], viewonly=True)

    @property
    def page_type(self) -> PageType:
        """The type as an enum."""
        return PageType(self.type)

    @property
    def current(self) -> Revision | None:
        """The newest revision (a pending draft, if there is one)."""
        return db.session.scalar(
            db.select(Revision).where(Revision.page_id == self.id, Revision.number == self.revision_number)
        )

    @property
    def is_published(self) -> bool:
        """Whether readers may see the page at all (it has a published or approved revision)."""
        return self.published_revision_id is not None

    @property
    def shown(self) -> Revision | None:
        """The revision the page row shows: the published one, or the newest for a page never published."""
        return self.published if self.published_revision_id is not None else self.current

    def __repr__(self) -> str:
        return f"<Page {self.slug}>"


class Revision(db.Model):
    """One immutable version of a page: its source, metadata and the HTML rendered at save time."""

    __tablename__ = "revision"
    __table_args__ = (UniqueConstraint("page_id", "number", name="uq_revision_page_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(20), default=RevisionOp.EDIT.value)
    title: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(120), default="")
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The approval workflow (kb.constants.RevisionState). The content above never changes; these
    # columns are written once more, when a draft is approved or sent back.
    state: Mapped[str] = mapped_column(String(20), default=RevisionState.PUBLISHED.value, index=True)
    approved_by: Mapped[str] = mapped_column(String(120), default="")
    approved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # "Förändringar sedan föregående version": part of the published page's change summary.
    approval_comment: Mapped[str] = mapped_column(Text, default="")
    returned_by: Mapped[str] = mapped_column(String(120), default="")
    returned_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    return_reason: Mapped[str] = mapped_column(Text, default="")
    # The address a draft proposes for an approved page (None: the page's address stays). A new
    # address of a page under approval takes effect when the draft is approved, like its text.
    slug: Mapped[str | None] = mapped_column(String(120), nullable=True)

    page: Mapped[Page] = relationship(back_populates="revisions", foreign_keys=[page_id])

    @property
    def operation(self) -> RevisionOp:
        """The operation as an enum."""
        return RevisionOp(self.op)

    @property
    def public(self) -> bool:
        """Whether readers may see this revision (published or approved)."""
        return self.state in (RevisionState.PUBLISHED.value, RevisionState.APPROVED.value)


class PageLink(db.Model):
    """A wiki link from a page's current revision to a slug (which may not exist yet)."""

    __tablename__ = "page_link"
    __table_args__ = (UniqueConstraint("source_id", "target_slug", name="uq_page_link"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("page.id"), index=True)
    target_slug: Mapped[str] = mapped_column(String(120), index=True)


class SlugAlias(db.Model):
    """An old slug of a renamed page; requests for it redirect to the page."""

    __tablename__ = "slug_alias"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True, index=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
