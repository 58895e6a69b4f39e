"""Relations between typed pages: the organisation chart, review lists and the orientation path.

Each area (kb.models.areas) has its own chart, review list and orientation path: `area_id` narrows a
list to one area, `hidden` leaves out areas the viewer may not see (kb.permissions.hidden_areas).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kb import typed
from kb.constants import PageType
from kb.dates import today
from kb.extensions import db
from kb.models import Page, ReadMark
from kb.services import pages


def live_of_type(page_type: PageType, *, published_only: bool = False, area_id: int | None = None,
                 hidden: frozenset[int] = frozenset()) -> list[Page]:
    """Live pages of one type, by title (only those readers may see, with `published_only`; of one
    area, with `area_id`; none of the `hidden` areas, kb.permissions.hidden_areas)."""
    query = select(Page).where(Page.deleted.is_(False), Page.type == page_type.value)
    query = pages.shown_to(query, published_only=published_only, hidden=hidden)
    if area_id is not None:
        query = query.where(Page.area_id == area_id)
    return list(db.session.scalars(query.order_by(Page.title)))


def pages_by_slug(slugs: set[str], *, published_only: bool = False,
                  hidden: frozenset[int] = frozenset()) -> dict[str, Page]:
    """Live pages for a set of slugs, but those of the `hidden` areas (one query)."""
    if not slugs:
        return {}
    query = select(Page).where(Page.slug.in_(slugs), Page.deleted.is_(False))
    query = pages.shown_to(query, published_only=published_only, hidden=hidden)
    return {p.slug: p for p in db.session.scalars(query)}


def fields_by_slug(slugs: set[str]) -> dict[str, dict]:
    """The structured fields of live pages by slug (one query of two columns: a results page
    shows routines' review states for up to a hundred hits)."""
    if not slugs:
        return {}
    query = select(Page.slug, Page.fields).where(Page.slug.in_(slugs), Page.deleted.is_(False))
    return {slug: fields or {} for slug, fields in db.session.execute(query)}


def linked_pages(page: Page, *, published_only: bool = False, hidden: frozenset[int] = frozenset()
                 ) -> dict[str, Page]:
    """Pages named in the page's page-reference fields (parent, owner), but those of the `hidden` areas."""
    refs = {str(page.fields.get(s.name)) for s in typed.specs_for(page.type)
            if s.kind == typed.PAGE and page.fields.get(s.name)}
    return pages_by_slug(refs, published_only=published_only, hidden=hidden)


def children(page: Page, *, published_only: bool = False, hidden: frozenset[int] = frozenset()) -> list[Page]:
    """Structures whose parent is this page (none of the `hidden` areas)."""
    if page.type != PageType.STRUCTURE.value:
        return []
    return [p for p in live_of_type(PageType.STRUCTURE, published_only=published_only, hidden=hidden)
            if (p.fields or {}).get("parent") == page.slug]


def owned_routines(page: Page, *, published_only: bool = False, hidden: frozenset[int] = frozenset()
                   ) -> list[Page]:
    """Routines owned by this structure (none of the `hidden` areas)."""
    if page.type != PageType.STRUCTURE.value:
        return []
    return [p for p in live_of_type(PageType.ROUTINE, published_only=published_only, hidden=hidden)
            if (p.fields or {}).get("owner") == page.slug]


@dataclass
class Node:
    """A structure in the organisation chart with its children."""

    page: Page
    children: list[Node] = field(default_factory=list)


def structure_tree(*, published_only: bool = False, area_id: int | None = None,
                   hidden: frozenset[int] = frozenset()) -> list[Node]:
    """The hierarchy of structures from their parent fields; roots first, children by title (of one
    area with `area_id`: a structure whose parent is in another area is a root there). Structures of
    the `hidden` areas are left out (their children become roots)."""
    structures = live_of_type(PageType.STRUCTURE, published_only=published_only, area_id=area_id, hidden=hidden)
    nodes = {p.slug: Node(p) for p in structures}
    roots: list[Node] = []
    for p in structures:
        parent = (p.fields or {}).get("parent")
        if parent in nodes and parent != p.slug:
            nodes[parent].children.append(nodes[p.slug])
        else:
            roots.append(nodes[p.slug])
    return roots


@dataclass(frozen=True)
class Due:
    """A routine with its valid-until date and state."""

    page: Page
    valid_until: date
    state: str
    owner: Page | None = None  # the owner structure, for showing its name


def review_list(on: date | None = None, *, published_only: bool = False, area_id: int | None = None,
                hidden: frozenset[int] = frozenset()) -> list[Due]:
    """Routines past their valid-until date or due within 60 days, overdue first, by date (of one
    area with `area_id`; none of the `hidden` areas)."""
    on = on or today()
    out: list[Due] = []
    due = [(p, state) for p in live_of_type(PageType.ROUTINE, published_only=published_only, area_id=area_id,
                                            hidden=hidden)
           if (state := typed.review_state(p.fields or {}, on))]
    owners = pages_by_slug({str(p.fields["owner"]) for p, _ in due if p.fields.get("owner")},
                           published_only=published_only, hidden=hidden)
    for p, state in due:
        out.append(Due(p, typed.parse_date(p.fields["valid_until"]), state,
                       owners.get(str(p.fields.get("owner") or ""))))
    return sorted(out, key=lambda d: (d.state != "overdue", d.valid_until, d.page.title))


def orientation_path(area_id: int | None = None, *, published_only: bool = False,
                     hidden: frozenset[int] = frozenset()) -> list[Page]:
    """An area's orientation path ("Ny i <område>"): its orientation pages in reading order (position,
    then title). Every area has its own; without an area, every orientation page but the `hidden` areas'."""
    return sorted(live_of_type(PageType.ORIENTATION, published_only=published_only, area_id=area_id,
                               hidden=hidden),
                  key=lambda p: (int((p.fields or {}).get("position", 999)), p.title))


def orientation_step(page: Page, *, published_only: bool = False, hidden: frozenset[int] = frozenset()
                     ) -> tuple[list[Page], int | None]:
    """The orientation path of the page's area and the page's place in it (None when the page is not on it)."""
    path = orientation_path(page.area_id, published_only=published_only, hidden=hidden)
    return path, next((i for i, p in enumerate(path) if p.id == page.id), None)


def read_page_ids(user_id: int) -> set[int]:
    """Ids of pages the user has marked as read."""
    return set(db.session.scalars(select(ReadMark.page_id).where(ReadMark.user_id == user_id)))


def set_read(user_id: int, page: Page, read: bool) -> None:
    """Mark a page as read (or unread) for a user."""
    mark = db.session.scalar(select(ReadMark).where(ReadMark.user_id == user_id, ReadMark.page_id == page.id))
    if read and mark is None:
        db.session.add(ReadMark(user_id=user_id, page_id=page.id))
    elif not read and mark is not None:
        db.session.delete(mark)
    try:
        db.session.commit()
    except IntegrityError:  # marked twice at once: already read
        db.session.rollback()


