"""Running searches: two-pass querying, filters and facet counts, snippets, suggestions."""
from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flask import Flask, current_app
from whoosh.query import And, Or, Term
from whoosh.searching import Searcher

from kb import analysis, urls
from kb.constants import ActivityStatus
from kb.index import catchup, generations, schema, vocabulary
from kb.index.query import Plan, Synonyms, plan
from kb.index.ranking import MatchSets, Tiers
from kb.index.scoring import Docs, Scorer
from kb.index.segments import SizedCache
from kb.index.snippets import Highlighter
from kb.index.vocabulary import Vocabulary

MAX_QUERY_LENGTH = 500
# Fewer hits than this after the strict pass → run the broad pass; and offer "Menade du …?".
FEW_HITS = 3
MAX_PER_PAGE = 100
# Vocabularies for the fallbacks: stems of the text fields, and words as written in the short ones.
STEM_FIELDS = ("body", "title", "summary")
SURFACE_FIELDS = ("spell",)
# Kinds of document that rank below pages with the same match.
SECONDARY_KINDS = ("activity", "plan", "attachment")
# "Menade du …?": respellings tried at most, and the shortest part of a word written together.
MAX_SUGGESTION_TRIES = 3
MIN_PART = 3
# Answers to "is this a word?" kept per index generation (splitting a query word asks about
# each of its possible parts).
MAX_KNOWN_ANSWERS = 50_000
# Hits whose stored fields are kept in memory per worker (a page's text is a few KiB).
MAX_KEPT_HITS = 1000
# Search-as-you-type offers page titles and glossary terms.
SUGGESTED_KINDS = ("page", "glossary")


@dataclass
class Hit:
    """One search result as the UI, API and CLI show it."""

    kind: str
    slug: str
    title: str
    type: str
    url_path: str
    snippet_html: str
    score: float
    summary: str = ""
    target_groups: list[str] = field(default_factory=list)
    # Activities: the plan's title; plans: structure and period; attachments: the page's title.
    context: str = ""
    # Activities: the status code (kb.constants.ActivityStatus).
    status: str = ""
    # Attachments: the slug and path of the page they are on.
    parent: str = ""
    parent_path: str = ""
    # Routines: the keys of the organisations they apply to.
    applies_to: list[str] = field(default_factory=list)
    # The area the hit belongs to (None: a glossary term of the whole region).
    area_id: int | None = None

    @property
    def status_label(self) -> str:
        """The activity status in Swedish ('' for other hits)."""
        try:
            return ActivityStatus(self.status).label if self.status else ""
        except ValueError:
            return ""


@dataclass
class SearchResults:
    """A page of results with the facts around it."""

    query: str
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(
        default_factory=lambda: {"type": {}, "target_group": {}, "applies_to": {}, "area": {}})
    suggestion: str | None = None
    page: int = 1
    per_page: int = 20
    truncated: bool = False
    # False when the query held no words at all (only punctuation such as "((" or "*").
    searchable: bool = True
    # The page asked for when it was past the last one (`page` is then the last page).
    requested_page: int | None = None

    @property
    def pages(self) -> int:
        """Number of result pages (at least 1)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def page_links(self) -> list[int | None]:
        """The page numbers a results page links to: the first, the last and two either side of
        this one; None where numbers are left out ("…"). Not a loop over every page in the
        template: a common word at 10,000 pages has 500."""
        pages, here = self.pages, self.page
        shown = sorted({1, pages, *range(max(1, here - 2), min(pages, here + 2) + 1)})
        out: list[int | None] = []
        for n in shown:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out

    @property
    def empty_query(self) -> bool:
        """True when nothing searchable was typed."""
        return not self.query.strip()


def clean_query(text: object) -> tuple[str, bool]:
    """Whitespace-normalised query text, cut to MAX_QUERY_LENGTH; the flag says it was cut."""
    raw = text if isinstance(text, str) else ""
    raw = "".join(c if c.isprintable() else " " for c in raw)
    raw = " ".join(raw.split())
    if len(raw) > MAX_QUERY_LENGTH:
        return raw[:MAX_QUERY_LENGTH].rstrip(), True
    return raw, False


def _searcher(app: Flask) -> Searcher | None:
    searcher = generations.open_searcher(app)
    if searcher is None:  # no index yet (new instance, deleted folder): build it unless another is
        generations.rebuild(app, wait=False)
        searcher = generations.open_searcher(app)
    return searcher


def _cached(app: Flask, name: str, build: Any) -> Any:
    """A value cached until the index changes (keyed to the searcher's reader generation)."""
    cache = generations.state(app).cache
    if name not in cache:
        cache[name] = build()
    return cache[name]


def _sets(app: Flask, searcher: Searcher) -> MatchSets:
    """This index generation's match sets (and the scorer whose postings they reuse)."""
    scorer: Scorer = _cached(app, "scorer", lambda: Scorer(searcher))
    return _cached(app, "matchsets", lambda: MatchSets(scorer))


def _docsets(app: Flask, searcher: Searcher, fieldname: str) -> dict[str, Docs]:
    """value → its live documents, for filters and facet counts."""

    def build() -> dict[str, Docs]:
        sets = _sets(app, searcher)
        values = [t.decode("utf-8") for t, _ in searcher.reader().iter_field(fieldname)]
        out = {v: sets.term(fieldname, v) for v in values}
        for docs in out.values():
            docs.flags.writeable = False  # shared by every search of this generation
        return out

    return _cached(app, "docsets:" + fieldname, build)


def _area_sets(app: Flask, searcher: Searcher) -> dict[str, Docs]:
    """Area id (as text) → its live documents; "" → the documents of no area (region-wide)."""

    def build() -> dict[str, Docs]:
        union = _sets(app, searcher).union
        sets = {v: docs for v, docs in _docsets(app, searcher, "area").items() if v}
        everything = union(_docsets(app, searcher, "kind").values())
        return {**sets, "": everything & ~union(sets.values())}

    return _cached(app, "areasets", build)


def _in_areas(app: Flask, searcher: Searcher, area_ids: Iterable[int]) -> Docs:
    """The documents of the areas `area_ids`."""
    sets = _area_sets(app, searcher)
    return _sets(app, searcher).union(sets[str(a)] for a in area_ids if str(a) in sets)


def _stored(app: Flask, searcher: Searcher, docnum: int) -> dict[str, Any]:
    """A hit's stored fields (read-only), the most recently shown ones kept for this generation:
    reading one means decompressing and unpickling the whole document, text included."""
    kept: SizedCache = _cached(app, "stored", lambda: SizedCache(MAX_KEPT_HITS, size=lambda _doc: 1))
    return kept.get(docnum, lambda: searcher.stored_fields(docnum))


def _vocabulary(app: Flask, searcher: Searcher, fields: tuple[str, ...]) -> Vocabulary:
    """The vocabulary of `fields` (built per segment, so a save re-reads only its own segment)."""
    return _cached(app, "vocab:" + ",".join(fields), lambda: vocabulary.for_reader(searcher.reader(), fields))


def _synonyms(app: Flask, searcher: Searcher, hidden: frozenset[int] = frozenset()) -> Synonyms:
    """Glossary pairs from the glossary documents of this index generation (but the terms of the
    `hidden` areas: a members-only area's abbreviations are not expanded for others)."""
    hidden_values = {str(a) for a in hidden}

    def build() -> Synonyms:
        entries = [(d.get("title", ""), d.get("expansion", "")) for d in searcher.documents(kind="glossary")
                   if d.get("area", "") not in hidden_values]
        # Titles that give a name and its abbreviation ("Socialtjänstlagen (SoL)") pair them too.
        # (An index of an older schema, still searched while its successor is built, has none.)
        pairs = searcher.reader().lexicon("abbreviation") if "abbreviation" in searcher.schema else ()
        for value in pairs:
            found = schema.parse_abbreviation(value.decode("utf-8"))
            if found and found[0] not in hidden_values:
                entries.append(found[1:])
        return Synonyms.from_glossary(entries)

    return _cached(app, "synonyms:" + ",".join(sorted(hidden_values)), build)


def url_path(kind: str, slug: str) -> str:
    """The site path of a hit (relative to the app root; the web layer prefixes its script root):
    a page view, a glossary entry on the glossary page, a plan or activity, or an attachment's
    current version."""
    if kind == "attachment":
        return urls.attachment_path(int(slug))
    if kind == "activity":
        return urls.activity_path(int(slug))
    if kind == "plan":
        return urls.plan_path(slug)
    if kind in ("page", "draft"):
        return urls.page_path(slug)
    return urls.glossary_entry_path(slug)


def _word_test(app: Flask, searcher: Searcher) -> Callable[[str], bool]:
    """Is a word known: in the shipped word list, or in the index (kb.index.query.plan splits
    the words that are not)? Answers are kept for this index generation."""
    decompounder = analysis.decompounder()
    answers: dict[str, bool] = _cached(app, "known", dict)

    def known(word: str) -> bool:
        if word not in answers:  # the vocabularies are read only when a long word is asked about
            if len(answers) >= MAX_KNOWN_ANSWERS:
                answers.clear()
            answers[word] = decompounder.knows(word) or _known(
                _vocabulary(app, searcher, SURFACE_FIELDS), _vocabulary(app, searcher, STEM_FIELDS), word)
        return answers[word]

    return known


def _known(spell: Vocabulary, body: Vocabulary, word: str) -> bool:
    """Is the word in the index: as written in a title, tag or summary, or by a stem anywhere?"""
    return spell.has(word) or any(body.has(s) for s in analysis.stems(word))


def _split(spell: Vocabulary, body: Vocabulary, word: str) -> str | None:
    """A word written together that is two known words ("minimaria" → "mini maria"; a linking
    -s- of the first part is dropped), the split with title words and even parts first."""
    found = []
    for i in range(MIN_PART, len(word) - MIN_PART + 1):
        right = word[i:]
        for left in (word[:i], word[:i - 1] if word[i - 1] == "s" and i - 1 >= MIN_PART else ""):
            if left and _known(spell, body, left) and _known(spell, body, right):
                found.append((-(spell.has(left) + spell.has(right)), -min(len(left), len(right)), left, right))
    return " ".join(min(found)[2:]) if found else None


def _known_start(spell: Vocabulary, word: str) -> str | None:
    """The longest start of a word that a title, tag or summary has as a word ("avvikelserapport"
    → "avvikelser"): the first part of a compound nothing else has."""
    for end in range(len(word) - 1, MIN_PART + 1, -1):
        if spell.has(word[:end]):
            return word[:end]
    return None


def _corrections(app: Flask, searcher: Searcher, text: str) -> list[str]:
    """Respellings of the query from the index's vocabulary, best first (none when every word is
    known): each unknown word by its nearest title word, then as two words written together, then
    cut to its longest known start."""
    spell = _vocabulary(app, searcher, SURFACE_FIELDS)
    body = _vocabulary(app, searcher, STEM_FIELDS)
    words = analysis.words(text)
    options: list[list[str]] = []
    for word in words:
        if _known(spell, body, word) or analysis.is_stop(word) or len(word) < 3:
            options.append([word])
            continue
        found = [spell.closest(word), _split(spell, body, word), _known_start(spell, word)]
        options.append(list(dict.fromkeys(f for f in found if f and f != word)) or [word])
    candidates = [" ".join(o[min(i, len(o) - 1)] for o in options) for i in range(max(map(len, options), default=0))]
    return [c for c in dict.fromkeys(candidates) if c != " ".join(words)]


def _suggestion(app: Flask, searcher: Searcher, text: str, sets: MatchSets, visible: Docs,
                better_than: int, synonyms: Synonyms) -> str | None:
    """The "Menade du …?" suggestion: the first respelling that finds more than `better_than` documents,
    written as the title it is when it is a whole title or glossary term ("minimaria" → "Mini-Maria").

    Respellings come from the whole index's vocabulary, but one counts only by what it finds among
    the `visible` documents: a word only a hidden (members-only) page has is never suggested."""
    for candidate in _corrections(app, searcher, text)[:MAX_SUGGESTION_TRIES]:
        if Tiers.of(plan(candidate, synonyms).strict(), sets, visible).count > better_than:
            titled = np.flatnonzero(sets.term("title_exact", analysis.normalize_title(candidate)) & visible)
            return searcher.stored_fields(int(titled[0]))["title"] if len(titled) else candidate
    return None


def search(query: str, *, kinds: Iterable[str] | None = None, type: str | None = None,  # noqa: A002
           target_group: str | None = None, applies_to: str | None = None, page: int = 1, per_page: int = 20,
           include_drafts: bool = False, author: str | None = None, areas: Collection[int] | None = None,
           hidden_areas: Collection[int] = ()) -> SearchResults:
    """Search the current app's index; never raises for any user input.

    `include_drafts` (editors only: the caller checks) adds text waiting for approval and pages never
    approved; a page with a draft is then found by its draft. `author` (an editor's username: the
    caller checks) adds the pages never approved that this editor wrote, so a new page is found by
    the one writing it. `hidden_areas` (kb.permissions.hidden_areas of the user) are masked out of
    everything: hits, totals, facets and "Menade du …?". `areas` limits the hits to those areas and
    the documents of no area (region-wide glossary terms); the caller adds the shared area.
    """
    app = current_app._get_current_object()
    text, truncated = clean_query(query)
    per_page = max(1, min(int(per_page or 20), MAX_PER_PAGE))
    page = max(1, int(page or 1))
    results = SearchResults(query=text, page=page, per_page=per_page, truncated=truncated)
    if not text:
        return results
    catchup.maybe_catch_up(app)
    # One searcher per process, used under its lock: it may be replaced (and closed) when
    # the index changes, which must not happen in the middle of another thread's search.
    with generations.state(app).lock:
        searcher = _searcher(app)
        if searcher is None:
            return results
        filters = {"type": type, "target_groups": target_group, "applies_to": applies_to}
        scope = None if areas is None else _in_areas(app, searcher, areas) | _area_sets(app, searcher)[""]
        return _run(app, searcher, results, kinds, filters, include_drafts, author, scope,
                    frozenset(hidden_areas))


def _run(app: Flask, searcher: Searcher, results: SearchResults, kinds: Iterable[str] | None,
         filters: dict[str, str | None], include_drafts: bool, author: str | None,
         scope: Docs | None, hidden: frozenset[int]) -> SearchResults:
    synonyms = _synonyms(app, searcher, hidden)
    p: Plan = plan(results.query, synonyms, _word_test(app, searcher))
    if p.empty:
        results.searchable = False
        return results
    # Documents the caller may see at all: kinds, drafts.
    sets = _sets(app, searcher)
    none = sets.none()
    kind_sets = _docsets(app, searcher, "kind")
    wanted = set(kinds or kind_sets)
    pages_wanted = not kinds or "page" in wanted
    if include_drafts and pages_wanted:
        wanted.add("draft")
    visible = sets.union(kind_sets[k] for k in wanted if k in kind_sets)
    if include_drafts:
        visible &= ~_docsets(app, searcher, "has_draft").get("t", none)
    else:
        visible &= ~_docsets(app, searcher, "draft").get("t", none)
        if author and pages_wanted:  # their own new pages (draft documents of pages never approved)
            visible |= _docsets(app, searcher, "authors").get(author, none)
    # Members-only areas the user is no member of: as if their documents did not exist.
    visible &= ~_in_areas(app, searcher, hidden)

    built = p.strict()
    tiers = Tiers.of(built, sets, visible)
    strict_count = tiers.count
    extra_terms: set[str] = set()
    # A question's words are not all content ("hur fungerar …"): a page with most of them, in its
    # title, beats one that merely has all of them somewhere.
    if strict_count < FEW_HITS or p.question:
        built, extra_terms = p.broad(_vocabulary(app, searcher, STEM_FIELDS),
                                     _vocabulary(app, searcher, SURFACE_FIELDS))
        tiers = Tiers.of(built, sets, visible)

    values = {name: _docsets(app, searcher, name) for name in filters}
    chosen = {name: values[name].get(v, none) if v else None for name, v in filters.items()}
    values["area"], chosen["area"] = _area_sets(app, searcher), scope
    matched = tiers.matched

    def within(*, but: str | None = None) -> Docs:
        """The matched documents that pass every chosen filter (except `but`)."""
        out = matched
        for name, docs in chosen.items():
            if docs is not None and name != but:
                out = out & docs
        return out

    # Each facet counts under the *other* filters only, so its links show what choosing them gives.
    # Area counts are each area's own hits ("": region-wide glossary terms).
    facet_names = {"type": "type", "target_groups": "target_group", "applies_to": "applies_to", "area": "area"}
    results.facets = {}
    for name, facet in facet_names.items():
        base = within(but=name)
        results.facets[facet] = {v: n for v, docs in values[name].items()
                                 if (n := int(np.count_nonzero(base & docs)))}
    allowed = within()
    results.total = int(np.count_nonzero(allowed))
    if results.total and results.page > results.pages:  # past the end (?sida=999): the last page
        results.requested_page, results.page = results.page, results.pages

    if results.total:
        limit = results.page * results.per_page
        # Activities and plans rank below pages that match as well: pages are the knowledge,
        # activities the work on it.
        secondary = sets.union(kind_sets[k] for k in SECONDARY_KINDS if k in kind_sets)
        ranked = tiers.rank(sets.scorer, built.scoring, allowed, limit, demoted=secondary)
        highlighter = Highlighter(p.all_words(), extra_terms, p.phrases())
        for docnum, score in ranked[(results.page - 1) * results.per_page:limit]:
            results.hits.append(_hit(_stored(app, searcher, docnum), score, highlighter))
    # "Menade du …?" when the words as typed matched little (typo tolerance may still have
    # found pages, but the respelt query is what the user should learn and reuse), or were
    # found only as words written together ("minimaria": "Menade du Mini-Maria?").
    if strict_count < FEW_HITS or p.respelt:
        results.suggestion = _suggestion(app, searcher, results.query, sets, visible,
                                         0 if p.respelt else strict_count, synonyms)
    return results


def _hit(doc: dict[str, Any], score: float, highlighter: Highlighter) -> Hit:
    kind = doc.get("kind", "page")
    summary = doc.get("summary") or ""
    if kind == "glossary":  # the expansion is the point; the description follows
        snippet, _ = highlighter.snippet(" – ".join(x for x in (doc.get("expansion"), doc.get("text")) if x))
    else:
        snippet, found = highlighter.snippet(doc.get("text") or "")
        if not found and summary:
            snippet, _ = highlighter.snippet(summary)
    return Hit(
        kind=kind,
        slug=doc.get("slug", ""),
        title=doc.get("title", ""),
        type=doc.get("type", ""),
        url_path=url_path(kind, doc.get("slug", "")),
        snippet_html=snippet,
        score=round(float(score), 4),
        summary=summary,
        target_groups=[g for g in (doc.get("target_groups") or "").split(",") if g],
        context=doc.get("context") or "",
        status=doc.get("status") or "",
        parent=doc.get("parent") or "",
        parent_path=url_path("page", doc["parent"]) if doc.get("parent") else "",
        applies_to=[k for k in (doc.get("applies_to") or "").split(",") if k],
        area_id=int(doc["area"]) if doc.get("area") else None,
    )


def suggest_titles(prefix: str, limit: int = 8, *, hidden_areas: Collection[int] = ()) -> list[dict[str, str]]:
    """Page titles and glossary terms whose words start with what was typed (search-as-you-type),
    best first; a glossary term comes with what it stands for ("BUP – Barn- och ungdomspsykiatrin").
    Nothing of the `hidden_areas` (kb.permissions.hidden_areas of the user) is offered."""
    app = current_app._get_current_object()
    text, _ = clean_query(prefix)
    words = [analysis.fold(w) for w in analysis.words(text)][:6]
    # Prefixes are indexed from two letters; a one-letter last word ("sip d") filters below.
    typed = [w for w in words if len(w) >= 2]
    partial = words[-1] if words and len(words[-1]) == 1 else ""
    if not typed:
        return []
    limit = max(1, min(int(limit or 8), 20))
    with generations.state(app).lock:
        searcher = _searcher(app)
        if searcher is None:
            return []
        kind_sets = _docsets(app, searcher, "kind")
        sets = _sets(app, searcher)
        shown = sets.union(kind_sets[k] for k in SUGGESTED_KINDS if k in kind_sets)
        shown &= ~_docsets(app, searcher, "draft").get("t", sets.none())
        shown &= ~_in_areas(app, searcher, hidden_areas)
        terms = [Term("title_edge", w[:20]) for w in typed]
        q = terms[0] if len(terms) == 1 else And(terms)
        # Titles that start with the typed text come first, then shorter titles.
        q = Or([q, Term("title_exact", analysis.normalize_title(text), boost=10.0)]) if len(typed) > 1 else q
        found = searcher.search(q, filter=set(np.flatnonzero(shown).tolist()), limit=limit * 3)
        norm = " ".join(typed)
        rows = []
        for docnum, score in found.items():
            doc = searcher.stored_fields(docnum)
            title_words = analysis.normalize_title(doc.get("title", ""))
            if partial and not any(w.startswith(partial) for w in title_words.split()[1:]):
                continue
            starts = title_words.startswith(norm)
            rows.append((not starts, -score, len(doc.get("title", "")), doc))
        rows.sort(key=lambda r: r[:3])
        return [_suggested(d) for *_, d in rows[:limit]]


def _suggested(doc: dict[str, Any]) -> dict[str, str]:
    """One search-as-you-type suggestion: title, slug and URL (and kind, for a glossary term)."""
    kind = doc.get("kind", "page")
    if kind == "glossary":
        title = " – ".join(x for x in (doc["title"], doc.get("expansion")) if x)
        return {"title": title, "slug": doc["slug"], "url": url_path(kind, doc["slug"]), "kind": kind}
    return {"title": doc["title"], "slug": doc["slug"], "url": url_path("page", doc["slug"])}
