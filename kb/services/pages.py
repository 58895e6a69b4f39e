"""Pages and revisions: create, edit (with conflict detection), revert, delete, restore, rename.

A save of a page type that needs approval (config APPROVAL_TYPES) is a draft: the page row keeps
showing the published revision until kb.services.governance approves the draft. Other saves are
published at once.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import Row, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, selectinload

from kb import markup, pii, typed
from kb.constants import (
    TARGET_GROUPS,
    AuditAction,
    ChangeOp,
    Entity,
    PageType,
    RevisionOp,
    RevisionState,
    Role,
)
from kb.extensions import db
from kb.models import Page, PageLink, Revision, SlugAlias
from kb.models.base import INTEGER_MAX, utcnow
from kb.services import attachments, audit, changes, glossary, organisations, structure, users
from kb.services.errors import ConflictError, NotFoundError, ValidationError
from kb.slugs import is_valid_slug, slugify

PAGE_PREFIX = "/sida/"
AUDIT_OF_OP = {RevisionOp.CREATE: AuditAction.PAGE_CREATED, RevisionOp.EDIT: AuditAction.PAGE_SAVED,
               RevisionOp.REVERT: AuditAction.PAGE_REVERTED, RevisionOp.DELETE: AuditAction.PAGE_DELETED,
               RevisionOp.RESTORE: AuditAction.PAGE_RESTORED}


def page_path(slug: str) -> str:
    """The URL path of a page (the same rule the pages blueprint serves)."""
    return PAGE_PREFIX + slug


def new_page_path(slug: str, title: str) -> str:
    """The URL path that offers to create a missing page."""
    return "/ny?" + urlencode({"slug": slug, "title": title})


@dataclass
class PageData:
    """What an editor or an import supplies for a page."""

    title: str
    type: str
    source: str = ""
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    fields: dict = field(default_factory=dict)
    slug: str | None = None

    def same_content(self, other: PageData) -> bool:
        """Whether this holds the same content as `other` (the slug aside)."""
        return (
            self.title == other.title
            and self.type == other.type
            and self.summary == other.summary
            and list(self.tags) == list(other.tags or [])
            and list(self.target_groups) == list(other.target_groups or [])
            and dict(self.fields) == dict(other.fields or {})
            and self.source == other.source
        )


@dataclass
class Approval:
    """An approval that comes with a save (an import approves what it imports)."""

    by: str
    at: datetime | None = None
    comment: str = ""


def requires_approval(page_type: str) -> bool:
    """Whether edits of this page type are drafts until approved (config APPROVAL_TYPES)."""
    return page_type in (current_app.config.get("APPROVAL_TYPES") or ())


def _needs_approval(page: Page, new_type: str) -> bool:
    """A save is a draft when the new type needs approval, or the published type does (no escape by
    changing the type)."""
    return requires_approval(new_type) or (page.is_published and requires_approval(page.type))


def normalize_source(source: str) -> str:
    """Unify line endings and trailing space so that export → import → export is stable."""
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\n".join(line.rstrip() for line in lines).strip("\n")
    return text + "\n" if text else ""


def _clean_list(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        value = " ".join(str(value).split())
        if value and value not in out:
            out.append(value)
    return out


def clean(data: PageData) -> PageData:
    """Normalise and validate page data; raise ValidationError with Swedish messages per field."""
    cfg = current_app.config
    errors: dict[str, str] = {}
    title = " ".join((data.title or "").split())
    if not title:
        errors["title"] = "Ange en titel."
    elif len(title) > cfg["TITLE_MAX"]:
        errors["title"] = f"Titeln får vara högst {cfg['TITLE_MAX']} tecken (nu {len(title)})."
    if data.type not in {t.value for t in PageType}:
        errors["type"] = "Välj en sidtyp: " + ", ".join(t.label.lower() for t in PageType) + "."
    summary = " ".join((data.summary or "").split())
    if len(summary) > cfg["SUMMARY_MAX"]:
        errors["summary"] = f"Sammanfattningen får vara högst {cfg['SUMMARY_MAX']} tecken (nu {len(summary)})."
    source = normalize_source(data.source or "")
    if len(source.encode("utf-8")) > cfg["BODY_MAX"]:
        errors["source"] = (
            f"Texten är för lång: högst {cfg['BODY_MAX'] // 1000} kB, "
            f"nu {len(source.encode('utf-8')) // 1000} kB."
        )
    tags = [t.lower() for t in _clean_list(data.tags)]
    if len(tags) > cfg["TAGS_MAX"]:
        errors["tags"] = f"Högst {cfg['TAGS_MAX']} etiketter."
    elif any(len(t) > 60 for t in tags):
        errors["tags"] = "En etikett får vara högst 60 tecken."
    groups = _clean_list(data.target_groups)
    unknown = [g for g in groups if g not in TARGET_GROUPS]
    if unknown:
        errors["target_groups"] = (
            f"Okänd målgrupp: {', '.join(unknown)}. Välj bland: {', '.join(TARGET_GROUPS)}."
        )
    slug = (data.slug or "").strip() or None
    if slug is not None and not is_valid_slug(slug):
        errors["slug"] = "Adressen får bara innehålla a–z, 0–9 och bindestreck (t.ex. mini-maria)."
    fields, field_errors = typed.clean_fields(data.type, dict(data.fields or {}))
    errors.update(field_errors)
    fields, org_errors = organisations.clean_page_fields(data.type, fields)
    errors.update({k: v for k, v in org_errors.items() if k not in errors})
    pnr = pii.field_errors((("title", "Titel", title), ("summary", "Sammanfattning", summary),
                            ("source", "Text", source), ("tags", "Etiketter", ", ".join(tags)),
                            *((f"fields.{s.name}", s.label, _field_text(fields.get(s.name)))
                              for s in typed.specs_for(data.type))))
    errors.update({k: v for k, v in pnr.items() if k not in errors})  # other errors come first
    if errors:
        raise ValidationError(errors)
    return PageData(title=title, type=data.type, source=source, summary=summary, tags=tags,
                    target_groups=groups, fields=fields, slug=slug)


def _field_text(value: object) -> str:
    if isinstance(value, list):
        return "\n".join(value)
    return "" if value is None else str(value)


def structure_parents() -> dict[str, str | None]:
    """Every live structure's slug (and old slugs) mapped to the slug of its parent."""
    parents = {p.slug: (p.fields or {}).get("parent") for p in db.session.scalars(
        select(Page).where(Page.deleted.is_(False), Page.type == PageType.STRUCTURE.value))}
    for alias, slug in db.session.execute(
            select(SlugAlias.slug, Page.slug).join(Page, Page.id == SlugAlias.page_id)
            .where(Page.deleted.is_(False), Page.type == PageType.STRUCTURE.value)):
        parents[alias] = parents.get(slug)
    return parents


def approver_errors(data: PageData, previous: Mapping | None = None) -> dict[str, str]:
    """A user field (the approver) that is new or changed must name an active fastställare or admin."""
    errors: dict[str, str] = {}
    for spec in typed.specs_for(data.type):
        name = data.fields.get(spec.name) if spec.kind == typed.USER else None
        if not name or name == (previous or {}).get(spec.name):
            continue
        user = users.get(name)
        if user is None or user.disabled or Role(user.role).rank < Role.APPROVER.rank:
            errors[f"fields.{spec.name}"] = (f"{spec.label}: ”{name}” är ingen aktiv användare med rollen "
                                             "fastställare eller administratör.")
    return errors


def check_relations(slug: str, data: PageData, previous: Mapping | None = None) -> None:
    """Parent and owner fields must name live structure pages, parents must not form a cycle, and a
    new approver must be a fastställare (`previous`: the fields this edit is based on)."""
    errors = typed.relation_errors(slug, data.type, data.fields, structure_parents())
    errors.update({k: v for k, v in approver_errors(data, previous).items() if k not in errors})
    if errors:
        raise ValidationError(errors)


# --- lookups ---------------------------------------------------------------------------------

def get(slug: str) -> Page | None:
    """The page with this slug (deleted ones included), or None."""
    return db.session.scalar(select(Page).where(Page.slug == slug))


# A page view's first look: built once (building a statement costs more than running it) and run
# on the connection, without loading an ORM object.
_HEAD = select(Page.id, Page.revision_number, Page.updated_at, Page.type, Page.deleted,
               Page.published_revision_id).where(
    Page.slug == bindparam("slug"))


def head(slug: str) -> Row | None:
    """Id, revision number, update time, type, deleted flag and published revision of the page with
    this exact slug (old slugs not included), or None: one light query, for views that may not need the page."""
    return db.session.connection().execute(_HEAD, {"slug": slug}).first()


def resolve(slug: str) -> tuple[Page | None, bool]:
    """Find a page by slug or by an old slug; the flag says whether an old slug was used."""
    page = get(slug)
    if page is not None:
        return page, False
    alias = db.session.scalar(select(SlugAlias).where(SlugAlias.slug == slug))
    if alias is not None:
        return db.session.get(Page, alias.page_id), True
    return None, False


def get_revision(page: Page, number: int) -> Revision:
    """One revision of a page, or NotFoundError."""
    if not 0 < number <= INTEGER_MAX:  # no such row, and PostgreSQL refuses to compare beyond INTEGER
        raise NotFoundError(f"Version {number} finns inte.")
    rev = db.session.scalar(select(Revision).where(Revision.page_id == page.id, Revision.number == number))
    if rev is None:
        raise NotFoundError(f"Version {number} finns inte.")
    return rev


PUBLIC_STATES = (RevisionState.PUBLISHED.value, RevisionState.APPROVED.value)


def published_clause():
    """SQL condition: the page has a published (or approved) revision, so readers may see it."""
    return Page.published_revision_id.is_not(None)


def pending_draft(page: Page) -> Revision | None:
    """The draft waiting for approval: the newest revision, if it is in state draft."""
    current = page.current
    return current if current is not None and current.state == RevisionState.DRAFT.value else None


def history(page: Page, *, published_only: bool = False) -> list[Revision]:
    """A page's revisions, newest first (only those readers may see, with `published_only`)."""
    query = select(Revision).where(Revision.page_id == page.id)
    if published_only:
        query = query.where(Revision.state.in_(PUBLIC_STATES))
    return list(db.session.scalars(query.order_by(Revision.number.desc())))


def backlinks(page: Page, *, published_only: bool = False) -> list[Page]:
    """Live pages whose shown text links to this page (by its slug or an old slug)."""
    slugs = [page.slug, *db.session.scalars(select(SlugAlias.slug).where(SlugAlias.page_id == page.id))]
    sub = select(PageLink.source_id).where(PageLink.target_slug.in_(slugs))
    query = select(Page).where(Page.id.in_(sub), Page.deleted.is_(False), Page.id != page.id)
    if published_only:
        query = query.where(published_clause())
    return list(db.session.scalars(query.order_by(Page.title)))


def live_pages(*, published_only: bool = False) -> list[Page]:
    """All pages that are not deleted, by title (only those readers may see, with `published_only`)."""
    query = select(Page).where(Page.deleted.is_(False))
    if published_only:
        query = query.where(published_clause())
    return list(db.session.scalars(query.order_by(Page.title)))


def pages_by_type(*, published_only: bool = False) -> dict[PageType, list[Page]]:
    """Live pages grouped by type, in the order types are declared (without their HTML and text).

    The lists show titles and summaries; loading every page's HTML and text as well cost about
    100 MB at 10,000 pages, which a worker process then keeps (bench/results.md, memory).
    """
    grouped: dict[PageType, list[Page]] = {t: [] for t in PageType}
    listed = (select(Page).where(Page.deleted.is_(False)).order_by(Page.title)
              .options(defer(Page.html), defer(Page.text)))
    if published_only:
        listed = listed.where(published_clause())
    for page in db.session.scalars(listed):
        grouped[page.page_type].append(page)
    return grouped


def count_by_type(*, published_only: bool = False) -> dict[PageType, int]:
    """How many live pages there are of each type, in the order types are declared (one query)."""
    query = select(Page.type, func.count()).where(Page.deleted.is_(False)).group_by(Page.type)
    if published_only:
        query = query.where(published_clause())
    counts = dict(db.session.execute(query).all())
    return {t: counts.get(t.value, 0) for t in PageType}


def deleted_pages(*, published_only: bool = False) -> list[Page]:
    """Pages that have been deleted (and can be restored)."""
    query = select(Page).where(Page.deleted.is_(True))
    if published_only:
        query = query.where(published_clause())
    return list(db.session.scalars(query.order_by(Page.updated_at.desc())))


def recent_revisions(limit: int = 50, *, published_only: bool = False) -> list[Revision]:
    """The newest revisions across all pages (readers: published and approved ones of visible pages)."""
    query = select(Revision).options(selectinload(Revision.page))
    if published_only:
        query = query.join(Page, Page.id == Revision.page_id).where(
            Revision.state.in_(PUBLIC_STATES), published_clause())
    return list(db.session.scalars(query.order_by(Revision.id.desc()).limit(limit)))


def recently_changed(limit: int = 8, *, published_only: bool = False) -> list[Page]:
    """Live pages, most recently changed (published) first."""
    query = select(Page).where(Page.deleted.is_(False))
    if published_only:
        query = query.where(published_clause())
    return list(db.session.scalars(query.order_by(Page.updated_at.desc(), Page.id.desc()).limit(limit)))


def count_pages() -> int:
    """How many pages exist, deleted ones included."""
    return db.session.scalar(select(func.count(Page.id))) or 0


# --- rendering -------------------------------------------------------------------------------

class SlugChecker:
    """Answers "does this slug address a live page?" for the renderer, with a per-operation cache."""

    def __init__(self, known: set[str] | None = None):
        self._known = known
        self._cache: dict[str, bool] = {}

    def __call__(self, slug: str) -> bool:
        if self._known is not None:
            return slug in self._known
        if slug not in self._cache:
            page, _ = resolve(slug)
            # A page never approved is missing for readers, so links to it are rendered as missing.
            self._cache[slug] = page is not None and not page.deleted and page.is_published
        return self._cache[slug]


def render(source: str, exists: SlugChecker | None = None,
           expansions: Mapping[str, str] | None = None) -> markup.Rendered:
    """Render Markdown to sanitised HTML with this knowledge base's link rules and glossary <abbr>s."""
    return markup.render(source, page_exists=exists or SlugChecker(), url_for_slug=page_path,
                         url_for_new=new_page_path,
                         glossary=glossary.expansions() if expansions is None else expansions)


def _uses_term(text: str, term: str) -> bool:
    """Whether plain text may contain a glossary term (all-caps terms match case-sensitively)."""
    return term in text if term.isupper() else term.casefold() in text.casefold()


def refresh_html_for_terms(terms: Iterable[str]) -> int:
    """Re-render the current HTML of live pages whose text uses one of these glossary terms.

    Called when a glossary entry changes so that the <abbr> titles stay current; revisions keep
    the HTML of their time. Returns the number of pages re-rendered.
    """
    wanted = [t for t in dict.fromkeys(terms) if t and t.strip()]
    if not wanted:
        return 0
    # icontains is only a pre-filter (databases differ in case rules); _uses_term decides.
    candidates = db.session.scalars(select(Page).where(
        Page.deleted.is_(False), or_(*(Page.text.icontains(t, autoescape=True) for t in wanted))))
    hits = [p for p in candidates if any(_uses_term(p.text or "", t) for t in wanted)]
    if not hits:
        return 0
    current_expansions, exists = glossary.expansions(), SlugChecker()
    for page in hits:
        shown = page.shown
        if shown is not None:
            page.html = render(shown.source, exists, current_expansions).html
    return len(hits)


def _store_links(page: Page, links: Iterable[str]) -> None:
    db.session.execute(db.delete(PageLink).where(PageLink.source_id == page.id))
    for slug in dict.fromkeys(links):
        db.session.add(PageLink(source_id=page.id, target_slug=slug))


def refresh_linkers(slugs: set[str], skip: set[str] = frozenset()) -> None:
    """Re-render the current HTML of pages that link to these slugs (a page appeared or went)."""
    if not slugs:
        return
    sub = select(PageLink.source_id).where(PageLink.target_slug.in_(slugs))
    for page in db.session.scalars(select(Page).where(Page.id.in_(sub))):
        if page.slug in skip:
            continue
        shown = page.shown
        if shown is not None:
            page.html = render(shown.source).html


def _show(page: Page, data: PageData, rendered: markup.Rendered) -> None:
    """Make the page row show `data` (its published content, or a never-published page's draft)."""
    page.title, page.type, page.summary = data.title, data.type, data.summary
    page.tags, page.target_groups, page.fields = list(data.tags), list(data.target_groups), dict(data.fields)
    page.html, page.text = rendered.html, rendered.text
    page.updated_at = utcnow()
    _store_links(page, rendered.links)


def publish(page: Page, rev: Revision, rendered: markup.Rendered | None = None, *,
            keep_validity: bool = False) -> None:
    """Make `rev` what readers see, and compute a routine's valid-until date from its publication.

    `keep_validity`: the revision repeats the published content (delete, restore), so the
    valid-until date stays as it was instead of starting a new period.
    """
    previous = (page.fields or {}).get("valid_until") if page.is_published else None
    _show(page, _data_of(rev, page.slug), rendered or render(rev.source))
    page.published_revision_id = rev.id
    if any(s.name == "valid_until" for s in typed.specs_for(page.type)):
        published_on = structure.local_date(rev.approved_at or rev.created_at or utcnow())
        page.fields = typed.with_valid_until(page.fields, previous, published_on,
                                             current_app.config["REVIEW_INTERVAL_MONTHS"], keep=keep_validity)


def _apply(page: Page, data: PageData, op: RevisionOp, author: str, comment: str,
           exists: SlugChecker | None = None, *, approval: Approval | None = None,
           carry: Revision | None = None) -> Revision:
    """Write `data` as the page's newest revision and record the change.

    The revision is published at once, approved (`approval`, from an import), a draft (a type
    that needs approval), or repeats `carry`'s content with its state and approval (delete, restore).
    """
    rendered = render(data.source, exists)
    number = page.revision_number + 1
    rev = Revision(page=page, number=number, op=op.value, title=data.title, type=data.type,
                   summary=data.summary, tags=list(data.tags), target_groups=list(data.target_groups),
                   fields=dict(data.fields), source=data.source, html=rendered.html,
                   author=author or "", comment=(comment or "").strip()[:300])
    if carry is not None:
        rev.state, rev.approved_by, rev.approved_at = carry.state, carry.approved_by, carry.approved_at
        rev.approval_comment = carry.approval_comment
    elif approval is not None:
        rev.state, rev.approved_by = RevisionState.APPROVED.value, approval.by or author or ""
        rev.approved_at, rev.approval_comment = approval.at or utcnow(), (approval.comment or "").strip()
    elif _needs_approval(page, data.type):
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
    attachments.record_page_change(page, author)
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
    data = clean(data)
    slug = data.slug or slugify(data.title)
    if not slug:
        raise ValidationError({"title": "Titeln måste innehålla minst en bokstav eller siffra."})
    if _slug_taken(slug):
        raise ValidationError({"slug": f"Det finns redan en sida med adressen ”{slug}”."})
    data.slug = slug
    if check:
        check_relations(slug, data)
    page = Page(slug=slug, title=data.title, type=data.type, revision_number=0)
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
    """Save an edit based on `base_revision`; None when nothing changed; ConflictError if outdated.

    The edit is compared with the newest revision (a pending draft included); an edit that comes
    with an `approval` (an import) is compared with what readers see, since it replaces that.
    """
    if page.deleted:
        raise ValidationError({"source": "Sidan är borttagen. Återskapa den innan du ändrar den."})
    data = clean(data)
    if base_revision != page.revision_number:
        raise ConflictError(base_revision, page.revision_number)
    current = page.current
    base = (shown_data(page) if approval is not None else _data_of(current, page.slug)) if current else None
    new_slug = data.slug or page.slug
    if base is not None and data.same_content(base) and new_slug == page.slug:
        return None
    if check:
        check_relations(page.slug, data, current.fields if current else None)
    if new_slug != page.slug:
        _rename(page, new_slug)
    was_published = page.is_published
    rev = _apply(page, data, RevisionOp.EDIT, author, comment, exists, approval=approval)
    if page.is_published and not was_published:
        refresh_linkers({page.slug}, skip={page.slug})  # links to it were rendered as missing
    if commit:
        _commit_or_conflict(page, base_revision)
    return rev


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
    base = page.revision_number
    page.deleted = False
    rev = _apply(page, _data_of(page.shown, page.slug), RevisionOp.RESTORE, author,
                 comment or "Sidan återskapades", carry=page.published)
    refresh_linkers({page.slug})
    if commit:
        _commit_or_conflict(page, base)
    return rev
