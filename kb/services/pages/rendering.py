"""Markdown to stored HTML with this knowledge base's link rules and glossary, and keeping it current."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from flask import current_app
from sqlalchemy import or_, select, true

from kb import markup, sanitize, urls
from kb.extensions import db
from kb.models import GlossaryTerm, Page, PageLink, SlugAlias
from kb.models.areas import closed_area_ids
from kb.services.pages.lookups import (
    resolve,
)


class SlugChecker:
    """Answers "does this slug address a live page?" for the renderer, with a per-operation cache.

    The stored HTML of a page is the same for every reader, so a link to a page in a members-only
    area is plain text (markup.HIDDEN) unless it is on a page of that same area: `for_area` gives
    the answer for pages of one area. `known`: the slugs that exist (an import), or a mapping from
    each to its area id."""

    def __init__(self, known: set[str] | Mapping[str, int | None] | None = None):
        self._known = known
        self._cache: dict[str, tuple[bool, bool, int | None]] = {}

    def _target(self, slug: str) -> tuple[bool, bool, int | None]:
        """(a live page, published, its area id) for a slug."""
        if self._known is not None:
            area = self._known.get(slug) if isinstance(self._known, Mapping) else None
            return slug in self._known, slug in self._known, area
        if slug not in self._cache:
            page, _ = resolve(slug)
            live = page is not None and not page.deleted
            self._cache[slug] = (live, live and page.is_published, page.area_id if live else None)
        return self._cache[slug]

    def state(self, slug: str, area_id: int | None = None) -> bool | str:
        """How a link from a page of area `area_id` to `slug` is shown: True (a link), False (missing:
        also a page never approved, which readers do not see) or markup.HIDDEN (plain text)."""
        live, published, target_area = self._target(slug)
        if live and target_area is not None and target_area != area_id and target_area in closed_area_ids():
            return markup.HIDDEN
        return published

    def for_area(self, area_id: int | None) -> Callable[[str], bool | str]:
        """The renderer's page_exists for a page of area `area_id`."""
        return lambda slug: self.state(slug, area_id)

    def __call__(self, slug: str) -> bool | str:
        return self.state(slug)


def glossary_expansions() -> dict[str, str]:
    """{term: expansion} of every live glossary term, for rendering <abbr> on pages (the glossary
    service changes the terms and then calls refresh_html_for_terms). Terms of members-only areas are
    left out: the stored HTML is the same for every reader."""
    closed = list(closed_area_ids())
    rows = db.session.execute(
        select(GlossaryTerm.term, GlossaryTerm.expansion).where(
            GlossaryTerm.deleted.is_(False),
            or_(GlossaryTerm.area_id.is_(None), GlossaryTerm.area_id.not_in(closed)) if closed else true())
        .order_by(GlossaryTerm.term)
    )
    return {term: expansion for term, expansion in rows}


def render(source: str, exists: SlugChecker | None = None,
           expansions: Mapping[str, str] | None = None, *, area_id: int | None = None) -> markup.Rendered:
    """Render Markdown to sanitised HTML with this knowledge base's link rules, glossary <abbr>s and
    image hosts, for a page of area `area_id` (links to members-only areas but its own are plain text)."""
    return markup.render(source, page_exists=(exists or SlugChecker()).for_area(area_id), url_for_slug=urls.page_path,
                         url_for_new=urls.new_page_path,
                         glossary=glossary_expansions() if expansions is None else expansions,
                         image_hosts=current_app.config["IMAGE_HOSTS"])


def shown_html(html: str | None) -> str:
    """Stored page or version HTML as readers get it: cleaned again under today's rules.

    HTML saved earlier was cleaned under the rules of its time (user classes and ids, images from
    any host), and KB_IMAGE_HOSTS may have changed since; cleaning is idempotent, so HTML saved
    under today's rules comes out as it is. Every view of stored HTML (page, version, API) uses this.
    """
    return sanitize.clean_shown(html or "", image_hosts=current_app.config["IMAGE_HOSTS"])


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
    current_expansions, exists = glossary_expansions(), SlugChecker()
    for page in hits:
        shown = page.shown
        if shown is not None:
            page.html = render(shown.source, exists, current_expansions, area_id=page.area_id).html
    return len(hits)


def store_links(page: Page, links: Iterable[str]) -> None:
    """Replace the page's stored outgoing links ([[slug]]) with `links`."""
    db.session.execute(db.delete(PageLink).where(PageLink.source_id == page.id))
    for slug in dict.fromkeys(links):
        db.session.add(PageLink(source_id=page.id, target_slug=slug))


def refresh_linkers(slugs: set[str], skip: set[str] = frozenset()) -> list[Page]:
    """Re-render the current HTML of pages that link to these slugs (a page appeared or went, or its
    area became members-only or open); the pages re-rendered."""
    if not slugs:
        return []
    sub = select(PageLink.source_id).where(PageLink.target_slug.in_(slugs))
    done = []
    exists = SlugChecker()
    for page in db.session.scalars(select(Page).where(Page.id.in_(sub))):
        if page.slug in skip:
            continue
        shown = page.shown
        if shown is not None:
            page.html = render(shown.source, exists, area_id=page.area_id).html
            done.append(page)
    return done


def refresh_area_linkers(area_id: int) -> int:
    """Re-render the pages that link to the area's pages (by their slug or an old one): the area
    became members-only or open, so those links turn into plain text or back. How many were re-rendered."""
    ids = select(Page.id).where(Page.area_id == area_id)
    slugs = set(db.session.scalars(select(Page.slug).where(Page.area_id == area_id)))
    slugs |= set(db.session.scalars(select(SlugAlias.slug).where(SlugAlias.page_id.in_(ids))))
    return len(refresh_linkers(slugs))
