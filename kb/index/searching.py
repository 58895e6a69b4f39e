"""Running searches: two-pass querying, filters and facet counts, snippets, suggestions."""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, has_request_context, url_for
from markupsafe import escape
from werkzeug.routing import BuildError
from whoosh.query import And, Or, Term
from whoosh.searching import Searcher

from kb import analysis
from kb.index import store
from kb.index.query import Plan, Synonyms, Vocabulary, Word, plan

MAX_QUERY_LENGTH = 500
# Fewer hits than this after the strict pass → run the broad pass; and offer "Menade du …?".
FEW_HITS = 3
SNIPPET_CHARS = 220
SNIPPET_SCAN_CHARS = 20_000
MAX_PER_PAGE = 100


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


@dataclass
class SearchResults:
    """A page of results with the facts around it."""

    query: str
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=lambda: {"type": {}, "target_group": {}})
    suggestion: str | None = None
    page: int = 1
    per_page: int = 20
    truncated: bool = False

    @property
    def pages(self) -> int:
        """Number of result pages (at least 1)."""
        return max(1, math.ceil(self.total / self.per_page))

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
    searcher = store.open_searcher(app)
    if searcher is None:  # no index yet (new instance, deleted folder): build it unless another is
        store.rebuild(app, wait=False)
        searcher = store.open_searcher(app)
    return searcher


def _cached(app: Flask, name: str, build: Any) -> Any:
    """A value cached until the index changes (keyed to the searcher's reader generation)."""
    cache = store.state(app).cache
    if name not in cache:
        cache[name] = build()
    return cache[name]


def _docsets(app: Flask, searcher: Searcher, fieldname: str) -> dict[str, set[int]]:
    """value → live document numbers, for filters and facet counts."""

    def build() -> dict[str, set[int]]:
        values = [t.decode("utf-8") for t, _ in searcher.reader().iter_field(fieldname)]
        return {v: set(searcher.docs_for_query(Term(fieldname, v))) for v in values}

    return _cached(app, "docsets:" + fieldname, build)


def _vocabulary(app: Flask, searcher: Searcher, fields: Iterable[str], name: str) -> Vocabulary:
    def build() -> Vocabulary:
        doc_freq: dict[str, int] = {}
        reader = searcher.reader()
        for fieldname in fields:
            for term, info in reader.iter_field(fieldname):
                text = term.decode("utf-8")
                doc_freq[text] = doc_freq.get(text, 0) + info.doc_frequency()
        return Vocabulary(doc_freq)

    return _cached(app, "vocab:" + name, build)


def _synonyms(app: Flask, searcher: Searcher) -> Synonyms:
    """Glossary pairs from the glossary documents of this index generation."""

    def build() -> Synonyms:
        entries = [(d.get("title", ""), d.get("expansion", "")) for d in searcher.documents(kind="glossary")]
        return Synonyms.from_glossary(entries)

    return _cached(app, "synonyms", build)


def url_path(kind: str, slug: str) -> str:
    """The site path of a hit: a page view, or a glossary entry on the glossary page."""
    app = current_app
    if kind == "page":
        endpoint, values = "pages.view", {"slug": slug}
    else:
        from kb.services.glossary import anchor

        endpoint, values = "glossary.index", {"_anchor": anchor(slug)}
    if endpoint not in app.view_functions:
        return ""
    try:
        if has_request_context():
            return url_for(endpoint, **values)
        fragment = values.pop("_anchor", None)
        path = app.url_map.bind("localhost").build(endpoint, values)
        return f"{path}#{fragment}" if fragment else path
    except BuildError:
        return ""


class Highlighter:
    """Marks the words of a text that the query matched, escaping everything else."""

    def __init__(self, words: list[Word], extra_terms: set[str]) -> None:
        self.stems = {s for w in words for s in w.stems} | extra_terms
        self.folded = {s for w in words for s in w.folded} | {analysis.fold(t) for t in extra_terms}
        self.parts = {p for w in words for p in w.parts if len(p) >= 5}
        self._memo: dict[str, bool] = {}

    def matches(self, word: str) -> bool:
        """Does this lower-case word count as a hit?"""
        hit = self._memo.get(word)
        if hit is None:
            folded = analysis.fold(word)
            hit = (
                any(s in self.stems for s in analysis.stems(word))
                or any(s in self.folded for s in analysis.folded_stems(word))
                or any(p in folded for p in self.parts if len(folded) > len(p))
            )
            self._memo[word] = hit
        return hit

    def snippet(self, text: str, width: int = SNIPPET_CHARS) -> tuple[str, bool]:
        """(HTML, found): the window of `text` with the most distinct hits, hits in <mark>."""
        text = text[:SNIPPET_SCAN_CHARS]
        hits = [(s, e) for s, e, w in analysis.word_spans(text) if self.matches(w)]
        if not hits:
            return self._plain(text, width), False
        best, best_score = 0, -1
        for i, (start, _) in enumerate(hits):
            window_end = start + width
            distinct = {text[s:e].lower() for s, e in hits[i:] if e <= window_end}
            if len(distinct) > best_score:
                best, best_score = i, len(distinct)
        start = hits[best][0]
        # Begin a little before the first hit, at a word boundary, so the hit has context.
        lead = text.rfind(" ", 0, max(0, start - 40)) + 1 if start > 60 else 0
        end = min(len(text), lead + width)
        if end < len(text):
            space = text.rfind(" ", lead, end)
            end = space if space > start else end
        parts: list[str] = ["…" if lead > 0 else ""]
        pos = lead
        for s, e in hits:
            if s < lead or e > end:
                continue
            parts += [str(escape(text[pos:s])), "<mark>", str(escape(text[s:e])), "</mark>"]
            pos = e
        parts += [str(escape(text[pos:end])), "…" if end < len(text) else ""]
        return "".join(parts), True

    @staticmethod
    def _plain(text: str, width: int) -> str:
        if len(text) <= width:
            return str(escape(text))
        cut = text.rfind(" ", 0, width)
        return str(escape(text[: cut if cut > 0 else width])) + "…"


def _count(searcher: Searcher, query: Any, allowed: set[int]) -> int:
    return sum(1 for d in searcher.docs_for_query(query) if d in allowed)


def suggest_correction(app: Flask, searcher: Searcher, text: str) -> str | None:
    """A respelling of the query from the titles' and summaries' vocabulary, if one is better."""
    spell = _vocabulary(app, searcher, ["spell"], "spell")
    body = _vocabulary(app, searcher, ["body", "title", "summary"], "body")
    changed = False
    out = []
    for word in analysis.words(text):
        best = word
        known = word in spell.doc_freq or any(s in body.doc_freq for s in analysis.stems(word))
        if not known and not analysis.is_stop(word) and len(word) >= 3:
            best = spell.closest(word) or word
        changed |= best != word
        out.append(best)
    return " ".join(out) if changed else None


def search(query: str, *, kinds: Iterable[str] | None = None, type: str | None = None,  # noqa: A002
           target_group: str | None = None, page: int = 1, per_page: int = 20,
           include_drafts: bool = False) -> SearchResults:
    """Search the current app's index; never raises for any user input."""
    app = current_app._get_current_object()
    text, truncated = clean_query(query)
    per_page = max(1, min(int(per_page or 20), MAX_PER_PAGE))
    page = max(1, int(page or 1))
    results = SearchResults(query=text, page=page, per_page=per_page, truncated=truncated)
    if not text:
        return results
    store.maybe_catch_up(app)
    # One searcher per process, used under its lock: it may be replaced (and closed) when
    # the index changes, which must not happen in the middle of another thread's search.
    with store.state(app).lock:
        searcher = _searcher(app)
        if searcher is None:
            return results
        return _run(app, searcher, results, kinds, type, target_group, include_drafts)


def _run(app: Flask, searcher: Searcher, results: SearchResults, kinds: Iterable[str] | None,
         type_: str | None, target_group: str | None, include_drafts: bool) -> SearchResults:
    p: Plan = plan(results.query, _synonyms(app, searcher))
    if p.empty:
        return results
    # Documents the caller may see at all: kinds, drafts.
    kind_sets = _docsets(app, searcher, "kind")
    visible: set[int] = set().union(*(kind_sets.get(k, set()) for k in (kinds or kind_sets)))
    if not include_drafts:
        visible -= _docsets(app, searcher, "draft").get("t", set())

    q = p.strict()
    matched = {d for d in searcher.docs_for_query(q) if d in visible}
    strict_count = len(matched)
    extra_terms: set[str] = set()
    if strict_count < FEW_HITS:
        q, extra_terms = p.broad(_vocabulary(app, searcher, ["body", "title", "summary"], "body"),
                                 _vocabulary(app, searcher, ["spell"], "spell"))
        matched = {d for d in searcher.docs_for_query(q) if d in visible}

    types = _docsets(app, searcher, "type")
    groups = _docsets(app, searcher, "target_groups")
    in_type = types.get(type_, set()) if type_ else None
    in_group = groups.get(target_group, set()) if target_group else None
    # Each facet counts under the *other* filter only, so its links show what choosing them gives.
    for_types = matched & in_group if in_group is not None else matched
    for_groups = matched & in_type if in_type is not None else matched
    results.facets = {
        "type": {v: n for v, docs in types.items() if (n := len(for_types & docs))},
        "target_group": {v: n for v, docs in groups.items() if (n := len(for_groups & docs))},
    }
    allowed = for_types & in_type if in_type is not None else for_types
    results.total = len(allowed)

    if results.total:
        limit = results.page * results.per_page
        found = searcher.search(q, filter=allowed, limit=limit)
        start = (results.page - 1) * results.per_page
        highlighter = Highlighter(p.all_words(), extra_terms)
        for docnum, score in list(found.items())[start:limit]:
            results.hits.append(_hit(searcher.stored_fields(docnum), score, highlighter))
    # "Menade du …?" when the words as typed matched little (typo tolerance may still have
    # found pages, but the respelt query is what the user should learn and reuse).
    if strict_count < FEW_HITS:
        suggestion = suggest_correction(app, searcher, results.query)
        if suggestion and suggestion != results.query.lower():
            sp = plan(suggestion, _synonyms(app, searcher))
            if _count(searcher, sp.strict(), visible) > strict_count:
                results.suggestion = suggestion
    return results


def _hit(doc: dict[str, Any], score: float, highlighter: Highlighter) -> Hit:
    kind = doc.get("kind", "page")
    summary = doc.get("summary") or ""
    snippet, found = highlighter.snippet(doc.get("text") or "")
    if not found and summary:
        snippet, _ = highlighter.snippet(summary)
    if kind == "glossary":
        snippet, _ = highlighter.snippet(" – ".join(x for x in (doc.get("expansion"), doc.get("text")) if x))
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
    )


def suggest_titles(prefix: str, limit: int = 8) -> list[dict[str, str]]:
    """Titles whose words start with what was typed (search-as-you-type), best first."""
    app = current_app._get_current_object()
    text, _ = clean_query(prefix)
    words = [analysis.fold(w) for w in analysis.words(text)][:6]
    # Prefixes are indexed from two letters; a one-letter last word ("sip d") filters below.
    typed = [w for w in words if len(w) >= 2]
    partial = words[-1] if words and len(words[-1]) == 1 else ""
    if not typed:
        return []
    limit = max(1, min(int(limit or 8), 20))
    with store.state(app).lock:
        searcher = _searcher(app)
        if searcher is None:
            return []
        kind_sets = _docsets(app, searcher, "kind")
        pages = kind_sets.get("page", set()) - _docsets(app, searcher, "draft").get("t", set())
        terms = [Term("title_edge", w[:20]) for w in typed]
        q = terms[0] if len(terms) == 1 else And(terms)
        # Titles that start with the typed text come first, then shorter titles.
        q = Or([q, Term("title_exact", analysis.normalize_title(text), boost=10.0)]) if len(typed) > 1 else q
        found = searcher.search(q, filter=pages, limit=limit * 3)
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
        return [{"title": d["title"], "slug": d["slug"], "url": url_path("page", d["slug"])}
                for *_, d in rows[:limit]]
