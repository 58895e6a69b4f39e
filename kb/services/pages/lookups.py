"""Finding pages and revisions: by address (old ones too), history, lists, counts and backlinks."""
from __future__ import annotations

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.orm import defer, selectinload

from kb.constants import (
    PageType,
    RevisionState,
)
from kb.exceptions import NotFoundError
from kb.extensions import db
from kb.models import Page, PageLink, Revision, SlugAlias
from kb.models.base import INTEGER_MAX
from kb.services import changes


def get(slug: str) -> Page | None:
    """The page with this slug (deleted ones included), or None."""
    return db.session.scalar(select(Page).where(Page.slug == slug))


# A page view's first look: built once (building a statement costs more than running it) and run
# on the connection, without loading an ORM object.
_HEAD = select(Page.id, Page.revision_number, Page.updated_at, Page.type, Page.deleted,
               Page.published_revision_id, Page.area_id).where(
    Page.slug == bindparam("slug"))


def head(slug: str) -> Row | None:
    """Id, revision number, update time, type, deleted flag, published revision and area of the page
    with this exact slug (old slugs not included), or None: one light query, for views that may not need the page."""
    return db.session.connection().execute(_HEAD, {"slug": slug}).first()


def current_head(slug: str) -> Row | None:
    """`head(slug)` for a reading request, kept per process while the change log stands still (every
    write to a page records a `Change`): a page view by a signed-in user runs no query for it."""
    return changes.while_unchanged("page-head", slug, lambda: head(slug))


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


def shown_to(query, *, published_only: bool = False, hidden: frozenset[int] = frozenset()):
    """`query` (over Page) narrowed to what a viewer sees: published pages only (`published_only`),
    none of the members-only areas they are no member of (`hidden`: kb.permissions.hidden_areas)."""
    if published_only:
        query = query.where(published_clause())
    if hidden:
        query = query.where(Page.area_id.not_in(hidden))
    return query


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


def backlinks(page: Page, *, published_only: bool = False, hidden: frozenset[int] = frozenset()) -> list[Page]:
    """Live pages whose shown text links to this page (by its slug or an old slug), but those of the
    `hidden` areas."""
    slugs = [page.slug, *db.session.scalars(select(SlugAlias.slug).where(SlugAlias.page_id == page.id))]
    sub = select(PageLink.source_id).where(PageLink.target_slug.in_(slugs))
    query = select(Page).where(Page.id.in_(sub), Page.deleted.is_(False), Page.id != page.id)
    query = shown_to(query, published_only=published_only, hidden=hidden)
    return list(db.session.scalars(query.order_by(Page.title)))


def live_pages(*, published_only: bool = False, hidden: frozenset[int] = frozenset()) -> list[Page]:
    """All pages that are not deleted, by title (only those readers may see, with `published_only`;
    none of the `hidden` areas)."""
    query = shown_to(select(Page).where(Page.deleted.is_(False)), published_only=published_only, hidden=hidden)
    return list(db.session.scalars(query.order_by(Page.title)))


def _listed(published_only: bool, hidden: frozenset[int] = frozenset()):
    """Live pages by title, without their HTML and text: lists show titles and summaries, and loading
    every page's HTML and text as well cost about 100 MB at 10,000 pages, which a worker process then
    keeps (bench/results.md, memory)."""
    listed = (select(Page).where(Page.deleted.is_(False)).order_by(Page.title, Page.id)
              .options(defer(Page.html), defer(Page.text)))
    return shown_to(listed, published_only=published_only, hidden=hidden)


def pages_by_type(*, published_only: bool = False, per_type: int | None = None,
                  hidden: frozenset[int] = frozenset()) -> dict[PageType, list[Page]]:
    """Live pages grouped by type, in the order types are declared; with `per_type`, only the first
    that many of each type (one query per type). None of the `hidden` areas."""
    if per_type is None:
        grouped: dict[PageType, list[Page]] = {t: [] for t in PageType}
        for page in db.session.scalars(_listed(published_only, hidden)):
            grouped[page.page_type].append(page)
        return grouped
    return {t: list(db.session.scalars(_listed(published_only, hidden).where(Page.type == t.value)
                                       .limit(per_type)))
            for t in PageType}


def pages_of_type(page_type: PageType, *, number: int, per_page: int, published_only: bool = False,
                  hidden: frozenset[int] = frozenset()):
    """The live pages of a type by title (none of the `hidden` areas), as a Flask-SQLAlchemy pagination
    at page `number` (1, 2, …)."""
    return db.paginate(_listed(published_only, hidden).where(Page.type == page_type.value), page=number,
                       per_page=per_page, error_out=False)


def count_by_type(*, published_only: bool = False, hidden: frozenset[int] = frozenset()) -> dict[PageType, int]:
    """How many live pages there are of each type (none of the `hidden` areas counted), in the order
    types are declared (one query)."""
    query = select(Page.type, func.count()).where(Page.deleted.is_(False)).group_by(Page.type)
    query = shown_to(query, published_only=published_only, hidden=hidden)
    counts = dict(db.session.execute(query).all())
    return {t: counts.get(t.value, 0) for t in PageType}


def deleted_pages(*, published_only: bool = False, hidden: frozenset[int] = frozenset()) -> list[Page]:
    """Pages that have been deleted (and can be restored), but those of the `hidden` areas."""
    query = shown_to(select(Page).where(Page.deleted.is_(True)), published_only=published_only, hidden=hidden)
    return list(db.session.scalars(query.order_by(Page.updated_at.desc())))


def recent_revisions(limit: int = 50, *, published_only: bool = False,
                     hidden: frozenset[int] = frozenset()) -> list[Revision]:
    """The newest revisions across all pages (readers: published and approved ones of visible pages),
    none of pages in the `hidden` areas."""
    query = select(Revision).options(selectinload(Revision.page))
    if published_only or hidden:
        query = shown_to(query.join(Page, Page.id == Revision.page_id), published_only=published_only,
                         hidden=hidden)
    if published_only:
        query = query.where(Revision.state.in_(PUBLIC_STATES))
    return list(db.session.scalars(query.order_by(Revision.id.desc()).limit(limit)))


def recently_changed(limit: int = 8, *, published_only: bool = False, hidden: frozenset[int] = frozenset(),
                     area_id: int | None = None) -> list[Page]:
    """Live pages (of one area, with `area_id`), most recently changed (published) first, none of the
    `hidden` areas."""
    query = shown_to(select(Page).where(Page.deleted.is_(False)), published_only=published_only, hidden=hidden)
    if area_id is not None:
        query = query.where(Page.area_id == area_id)
    return list(db.session.scalars(query.order_by(Page.updated_at.desc(), Page.id.desc()).limit(limit)))


def count_pages() -> int:
    """How many pages exist, deleted ones included."""
    return db.session.scalar(select(func.count(Page.id))) or 0
