"""Writes: create, edit (merged with edits saved meanwhile), revert, delete, restore, rename.

A save of a page type that needs approval (config APPROVAL_TYPES) is a draft: the page row keeps
showing the published revision until kb.services.governance approves the draft. Other saves are
published at once. Every write adds an immutable revision, a `Change` row and an audit event.
"""
from __future__ import annotations

from dataclasses import replace

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kb import dates, markup, typed
from kb.constants import (
    AuditAction,
    ChangeOp,
    Entity,
    RevisionOp,
    RevisionState,
)
from kb.exceptions import ConflictError, EditConflict, NotFoundError, ValidationError
from kb.extensions import db
from kb.models import Area, Page, Revision, SlugAlias
from kb.models.base import utcnow
from kb.services import audit, changes
from kb.services.pages import merging
from kb.services.pages.data import Approval, PageData
from kb.services.pages.inputs import (
    check_comment,
    check_relations,
    clean,
    needs_approval,
)
from kb.services.pages.lookups import (
    get_revision,
    resolve,
)
from kb.services.pages.rendering import (
    SlugChecker,
    refresh_linkers,
    render,
    store_links,
)
from kb.slugs import slugify

AUDIT_OF_OP = {RevisionOp.CREATE: AuditAction.PAGE_CREATED, RevisionOp.EDIT: AuditAction.PAGE_SAVED,
               RevisionOp.REVERT: AuditAction.PAGE_REVERTED, RevisionOp.DELETE: AuditAction.PAGE_DELETED,
               RevisionOp.RESTORE: AuditAction.PAGE_RESTORED, RevisionOp.WITHDRAW: AuditAction.DRAFT_WITHDRAWN}


def _show(page: Page, data: PageData, rendered: markup.Rendered) -> None:
    """Make the page row show `data` (its published content, or a never-published page's draft)."""
    page.title, page.type, page.summary = data.title, data.type, data.summary
    page.tags, page.target_groups, page.fields = list(data.tags), list(data.target_groups), dict(data.fields)
    page.html, page.text = rendered.html, rendered.text
    page.updated_at = utcnow()
    store_links(page, rendered.links)


def publish(page: Page, rev: Revision, rendered: markup.Rendered | None = None, *,
            keep_validity: bool = False) -> None:
    """Make `rev` what readers see, and compute a routine's valid-until date from its publication.

    `keep_validity`: the revision repeats the published content (delete, restore), so the
    valid-until date stays as it was instead of starting a new period.
    """
    previous = (page.fields or {}).get("valid_until") if page.is_published else None
    _show(page, _data_of(rev, page.slug), rendered or render(rev.source, area_id=page.area_id))
    page.published_revision_id = rev.id
    if any(s.name == "valid_until" for s in typed.specs_for(page.type)):
        published_on = dates.local_date(rev.approved_at or rev.created_at or utcnow())
        page.fields = typed.with_valid_until(page.fields, previous, published_on,
                                             current_app.config["REVIEW_INTERVAL_MONTHS"], keep=keep_validity)


def _apply(page: Page, data: PageData, op: RevisionOp, author: str, comment: str,
           exists: SlugChecker | None = None, *, approval: Approval | None = None,
           carry: Revision | None = None, slug: str | None = None) -> Revision:
    """Write `data` as the page's newest revision and record the change.

    The revision is published at once, approved (`approval`, from an import), a draft (a type
    that needs approval), or repeats `carry`'s content with its state and approval (delete, restore).
    `slug`: the new address a draft proposes (applied when it is approved).
    """
    rendered = render(data.source, exists, area_id=page.area_id)
    draft = carry is None and approval is None and needs_approval(page, data.type)  # before the new row
    number = page.revision_number + 1
    rev = Revision(page=page, number=number, op=op.value, title=data.title, type=data.type,
                   summary=data.summary, tags=list(data.tags), target_groups=list(data.target_groups),
                   fields=dict(data.fields), source=data.source, html=rendered.html,
                   author=author or "", comment=(comment or "").strip()[:300], slug=slug)
    if carry is not None:
        rev.state, rev.approved_by, rev.approved_at = carry.state, carry.approved_by, carry.approved_at
        rev.approval_comment = carry.approval_comment
    elif approval is not None:
        rev.state, rev.approved_by = RevisionState.APPROVED.value, approval.by or author or ""
        rev.approved_at, rev.approval_comment = approval.at or utcnow(), (approval.comment or "").strip()
    elif draft:
        rev.state = RevisionState.DRAFT.value
    page.revision_number = number
    db.session.add(rev)
    db.session.flush()
    detail = f"version {number}" + (f": {rev.comment}" if rev.comment else "")
    if rev.state == RevisionState.DRAFT.value:
        if not page.is_published:
            _show(page, data, rendered)  # only editors see a page that was never approved
        changes.record(Entity.PAGE, page.id, ChangeOp.DRAFT, author)
        edited = op in (RevisionOp.CREATE, RevisionOp.EDIT, RevisionOp.REVERT)
        action = AuditAction.PAGE_DRAFT if op in (RevisionOp.EDIT, RevisionOp.REVERT) else AUDIT_OF_OP[op]
        audit.record(action, page.slug, detail + (" (utkast, väntar på fastställelse)" if edited else ""),
                     actor=author or None)
    else:
        publish(page, rev, rendered, keep_validity=carry is not None)
        changes.record(Entity.PAGE, page.id, ChangeOp.UPSERT, author)
        if approval is not None and carry is None:
            detail += f" (fastställd av {rev.approved_by})"
        audit.record(AUDIT_OF_OP[op], page.slug, detail, actor=author or None)
    # Attachment hits show the page's title and leave search with the page.
    changes.record_attachments_of(page.id, author)
    return rev


def _slug_taken(slug: str, *, except_page: Page | None = None) -> bool:
    page, _ = resolve(slug)
    return page is not None and page is not except_page


def _commit_or_conflict(page: Page, base: int) -> None:
    try:
        changes.commit()
    except IntegrityError as exc:  # another worker saved the same revision number first
        db.session.rollback()
        db.session.refresh(page)
        raise ConflictError(base, page.revision_number) from exc


def create_page(data: PageData, *, author: str = "", comment: str = "",
                exists: SlugChecker | None = None, commit: bool = True, check: bool = True,
                refresh: bool = True, approval: Approval | None = None) -> Page:
    """Create a page with its first revision (a draft for a type that needs approval, unless `approval`)."""
    data = clean(data, comment=comment)
    slug = data.slug or slugify(data.title)
    if not slug:
        raise ValidationError({"title": "Titeln måste innehålla minst en bokstav eller siffra."})
    if _slug_taken(slug):
        raise ValidationError({"slug": f"Det finns redan en sida med adressen ”{slug}”."})
    data.slug = slug
    if check:
        check_relations(slug, data)
    page = Page(slug=slug, title=data.title, type=data.type, revision_number=0, area_id=data.area_id)
    db.session.add(page)
    db.session.flush()
    _apply(page, data, RevisionOp.CREATE, author, comment or "Ny sida", exists, approval=approval)
    if refresh:
        refresh_linkers({slug})
    if commit:
        changes.commit()
    return page


def update_page(page: Page, data: PageData, *, base_revision: int, author: str = "", comment: str = "",
                exists: SlugChecker | None = None, commit: bool = True, check: bool = True,
                approval: Approval | None = None) -> Revision | None:
    """Save an edit based on `base_revision`; None when nothing changed.

    The edit is compared with the newest revision (a pending draft included); an edit that comes
    with an `approval` (an import) is compared with what readers see, since it replaces that. If
    others saved since `base_revision`, the edit is merged with theirs (the comment says so);
    EditConflict if both changed the same part, ConflictError if there is no such base revision.
    """
    if page.deleted:
        raise ValidationError({"source": "Sidan är borttagen. Återskapa den innan du ändrar den."})
    data = clean(data, comment=comment)
    if base_revision != page.revision_number:
        data = _merged(page, data, base_revision)
        comment = merging.merged_comment(comment, page.revision_number)
    current = page.current
    base = (shown_data(page) if approval is not None else _data_of(current, page.slug)) if current else None
    new_slug = data.slug or page.slug
    proposed = pending_slug(page) if approval is None else page.slug
    if base is not None and data.same_content(base) and new_slug == proposed:
        return None
    if check:
        check_relations(page.slug, data, current.fields if current else None)
    draft_slug = None
    if new_slug != page.slug:
        if approval is None and page.is_published and needs_approval(page, data.type):
            # Readers keep the approved address (and no redirect) until the draft is approved.
            if _slug_taken(new_slug, except_page=page):
                raise ValidationError({"slug": f"Det finns redan en sida med adressen ”{new_slug}”."})
            draft_slug = new_slug
        else:
            _rename(page, new_slug)
    was_published = page.is_published
    rev = _apply(page, data, RevisionOp.EDIT, author, comment, exists, approval=approval, slug=draft_slug)
    if page.is_published and not was_published:
        refresh_linkers({page.slug}, skip={page.slug})  # links to it were rendered as missing
    if commit:
        _commit_or_conflict(page, base_revision)
    return rev


def move_page(page: Page, area_id: int, *, author: str = "", commit: bool = True) -> bool:
    """Move a page (with its attachments) to another area; False when it is there already. The caller
    checked that the user may edit in both.

    The area is no part of a revision, so a move adds none: the audit log records it, and the change
    log lets search catch up. Links to the page and from it are rendered again: whether a link into a
    members-only area is a link depends on the areas of both pages.
    """
    if page.area_id == area_id:
        return False
    area = db.session.get(Area, area_id)
    if area is None:
        raise ValidationError({"area": "Det området finns inte."})
    before = db.session.get(Area, page.area_id) if page.area_id is not None else None
    page.area_id = area_id
    page.updated_at = utcnow()
    db.session.flush()
    shown = page.shown
    if shown is not None:
        page.html = render(shown.source, SlugChecker(), area_id=area_id).html
    aliases = set(db.session.scalars(select(SlugAlias.slug).where(SlugAlias.page_id == page.id)))
    refresh_linkers({page.slug, *aliases}, skip={page.slug})
    changes.record(Entity.PAGE, page.id, ChangeOp.DELETE if page.deleted else ChangeOp.UPSERT, author)
    changes.record_attachments_of(page.id, author)
    audit.record(AuditAction.PAGE_SAVED, page.slug,
                 f"flyttad från området {before.key if before else '–'} till {area.key}", actor=author or None)
    if commit:
        changes.commit()
    return True


def _merged(page: Page, data: PageData, base_revision: int) -> PageData:
    """The edit `data`, made from `base_revision`, merged with the newest revision (EditConflict if
    both changed the same part)."""
    if not 0 < base_revision < page.revision_number:
        raise ConflictError(base_revision, page.revision_number)
    try:
        base_rev = get_revision(page, base_revision)
    except NotFoundError as exc:
        raise ConflictError(base_revision, page.revision_number) from exc
    current = page.current
    base = _data_of(base_rev, _address_at(page, base_rev))
    merge = merging.merge_page(base, replace(data, slug=data.slug or base.slug),
                               _data_of(current, pending_slug(page)), their_version=current.number)
    if not merge.clean:
        raise EditConflict(base_revision, page.revision_number, merge)
    return clean(merge.data)  # the fields of the merged type, checked again


def _address_at(page: Page, rev: Revision) -> str:
    """The address an editor who started from `rev` saw in the form: the one it proposed (a draft), or
    the page's address then (the first address it left after `rev` was saved, else today's)."""
    if rev.slug:
        return rev.slug
    left = db.session.scalar(select(SlugAlias.slug).where(SlugAlias.page_id == page.id,
                                                          SlugAlias.created_at > rev.created_at)
                             .order_by(SlugAlias.created_at, SlugAlias.id).limit(1))
    return left or page.slug


def pending_slug(page: Page) -> str:
    """The address the page's pending draft proposes, else its address."""
    current = page.current
    if current is not None and current.state == RevisionState.DRAFT.value and current.slug:
        return current.slug
    return page.slug


def apply_pending_slug(page: Page, rev: Revision) -> None:
    """Give the page the address its approved draft `rev` proposed (ValidationError if taken since)."""
    if rev.slug and rev.slug != page.slug:
        _rename(page, rev.slug)


def attachment_draft(page: Page, *, author: str, comment: str) -> Revision:
    """A new draft that carries an attachment change of a page under approval: the newest draft's
    content (or, with none waiting, what readers see), so the change waits for an approver with it."""
    current = page.current
    pending = current is not None and current.state == RevisionState.DRAFT.value
    source = current if pending or page.published is None else page.published
    rev = _apply(page, _data_of(source, page.slug), RevisionOp.EDIT, author, comment,
                 slug=current.slug if pending else None)
    return rev


def withdraw_draft(page: Page, *, author: str) -> Revision:
    """A new revision repeating what readers see (its state and approval too): the page's waiting or
    returned draft is left behind in the history."""
    return _apply(page, _data_of(page.published, page.slug), RevisionOp.WITHDRAW, author,
                  "Utkastet drogs tillbaka", carry=page.published)


def _rename(page: Page, new_slug: str) -> None:
    if _slug_taken(new_slug, except_page=page):
        raise ValidationError({"slug": f"Det finns redan en sida med adressen ”{new_slug}”."})
    old = page.slug
    db.session.execute(db.delete(SlugAlias).where(SlugAlias.slug == new_slug))
    db.session.add(SlugAlias(slug=old, page_id=page.id))
    page.slug = new_slug
    db.session.flush()
    refresh_linkers({old, new_slug})


def _data_of(rev: Revision, slug: str) -> PageData:
    return PageData(title=rev.title, type=rev.type, source=rev.source, summary=rev.summary,
                    tags=list(rev.tags or []), target_groups=list(rev.target_groups or []),
                    fields=dict(rev.fields or {}), slug=slug)


def shown_data(page: Page) -> PageData:
    """What the page row shows (readers' version, with the effective valid-until date), as PageData."""
    shown = page.shown
    return PageData(title=page.title, type=page.type, source=shown.source if shown else "",
                    summary=page.summary,
                    tags=list(page.tags or []), target_groups=list(page.target_groups or []),
                    fields=dict(page.fields or {}), slug=page.slug)


def revert_page(page: Page, number: int, *, author: str = "", comment: str = "") -> Revision | None:
    """Make an earlier revision's content current again, as a new revision (a draft if approval is needed)."""
    if page.deleted:
        raise ValidationError({"source": "Sidan är borttagen. Återskapa den först."})
    check_comment(comment)
    old = get_revision(page, number)
    data = _data_of(old, page.slug)
    current = page.current
    if current is not None and data.same_content(_data_of(current, page.slug)):
        return None
    base = page.revision_number
    rev = _apply(page, data, RevisionOp.REVERT, author, comment or f"Återställd till version {number}")
    _commit_or_conflict(page, base)
    return rev


def delete_page(page: Page, *, author: str = "", comment: str = "") -> Revision:
    """Mark a page deleted with a revision of its own; history stays and it can be restored.

    The revision repeats what readers saw; a pending draft is left behind in the history.
    """
    if page.deleted:
        raise ValidationError({"page": "Sidan är redan borttagen."})
    check_comment(comment)
    base = page.revision_number
    shown = page.shown
    rev = _apply(page, _data_of(shown, page.slug), RevisionOp.DELETE, author, comment or "Sidan togs bort",
                 carry=page.published)
    page.deleted = True
    changes.record(Entity.PAGE, page.id, ChangeOp.DELETE, author)
    refresh_linkers({page.slug})
    _commit_or_conflict(page, base)
    return rev


def restore_page(page: Page, *, author: str = "", comment: str = "", commit: bool = True) -> Revision:
    """Bring a deleted page back, as a new revision."""
    if not page.deleted:
        raise ValidationError({"page": "Sidan är inte borttagen."})
    check_comment(comment)
    base = page.revision_number
    page.deleted = False
    rev = _apply(page, _data_of(page.shown, page.slug), RevisionOp.RESTORE, author,
                 comment or "Sidan återskapades", carry=page.published)
    refresh_linkers({page.slug})
    if commit:
        _commit_or_conflict(page, base)
    return rev
