"""BM25F scoring of a few candidate documents from cached per-term postings.

Whoosh scores by walking a tree of matchers document by document in Python; with the
dozens of terms a Swedish query expands to (stems, folded forms, compound parts, glossary
synonyms in several fields) that costs 10–30 µs per document and term. Here each term's
postings are read once per index generation into a {document: partial score} dict, and a
query is scored with dict look-ups over the candidate documents only (the ranking tiers of
kb.index.searching). The formula and parameters are Whoosh's own BM25F (B=0.75, K1=1.2,
idf = log(N / (df + 1)) + 1), so scores match what `searcher.search` would give.
"""
from __future__ import annotations

import heapq
from array import array
from collections.abc import Iterable
from math import log
from typing import Any

from whoosh.query import And, Or, Query, Term
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

from kb.index.query import PhraseFilter
from kb.index.segments import SizedCache, segment_id

B = 0.75
K1 = 1.2


class Scorer:
    """Scores queries made of Term/And/Or for candidate documents of one searcher."""

    # Bounds memory per index generation (~80 bytes a posting: ~24 MiB); every worker process
    # has its own, and a worker must stay under 200 MB at 10,000 pages (bench/results.md).
    MAX_CACHED_POSTINGS = 300_000

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.doc_count = self.reader.doc_count_all()
        self.cache = SizedCache(self.MAX_CACHED_POSTINGS)
        self.phrases = SizedCache(self.MAX_CACHED_POSTINGS // 10)

    def term(self, fieldname: str, text: str) -> dict[int, float]:
        """{live document: BM25F score of this term in this field} (boost 1)."""
        return self.cache.get((fieldname, text), lambda: self._read(fieldname, text))

    def _read(self, fieldname: str, text: str) -> dict[int, float]:
        out: dict[int, float] = {}
        try:
            df = self.reader.doc_frequency(fieldname, text)
        except TermNotFound:
            return out
        if not df:
            return out
        scorable = self.searcher.schema[fieldname].scorable
        if scorable:
            idf = log(self.doc_count / (df + 1)) + 1
            avgfl = self.searcher.avg_field_length(fieldname) or 1
            norm, scale = K1 * (1 - B), K1 * B / avgfl
        for segment_reader, offset in self.reader.leaf_readers():
            ids, tfs = _segment_postings(segment_reader, fieldname, text)
            if not ids:
                continue
            deleted = segment_reader.deleted_docs_set if segment_reader.has_deletions() else ()
            if not scorable:  # ID fields: present or not
                out.update((d + offset, 1.0) for d in ids if d not in deleted)
                continue
            lengths = _field_lengths(segment_reader, fieldname)
            for d, tf in zip(ids, tfs, strict=True):
                if d not in deleted:
                    out[d + offset] = idf * (tf * (K1 + 1)) / (tf + norm + scale * lengths[d])
        return out

    def scores(self, q: Query, candidates: frozenset[int]) -> dict[int, float]:
        """{candidate: score} for the candidates the query matches."""
        if isinstance(q, Term):
            td = self.term(q.fieldname, q.text)
            boost = q.boost
            if len(td) <= len(candidates):
                return {d: s * boost for d, s in td.items() if d in candidates}
            return {d: td[d] * boost for d in candidates if d in td}
        if isinstance(q, And):
            parts = [self.scores(sub, candidates) for sub in q.subqueries]
            if not parts:
                return {}
            parts.sort(key=len)
            keys = set(parts[0]).intersection(*parts[1:])
            boost = q.boost
            return {d: sum(p[d] for p in parts) * boost for d in keys}
        if isinstance(q, PhraseFilter):
            return dict.fromkeys(candidates & self.phrase_docs(q), 0.0)
        if isinstance(q, Or):
            out: dict[int, float] = {}
            get = out.get
            for sub in q.subqueries:
                for d, s in self.scores(sub, candidates).items():
                    out[d] = get(d, 0.0) + s
            if q.boost != 1.0:
                boost = q.boost
                out = {d: s * boost for d, s in out.items()}
            return out
        return {}

    def phrase_docs(self, q: PhraseFilter) -> frozenset[int]:
        """Live documents where the phrase stands: of those with all its words, the ones whose
        stored text has them together (checked once per segment and phrase; see `_phrase_in_segment`)."""

        def build() -> frozenset[int]:
            everything = frozenset(range(self.doc_count))
            candidates = sorted(self.scores(q.candidates, everything))
            out: set[int] = set()
            for segment_reader, offset in self.reader.leaf_readers():
                end = offset + segment_reader.doc_count_all()
                local = tuple(d - offset for d in candidates if offset <= d < end)
                if local:
                    out.update(d + offset for d in _phrase_in_segment(segment_reader, q, local))
            return frozenset(out)

        return self.phrases.get(q.phrase.text, build)

    def top(self, q: Query, candidates: frozenset[int], limit: int, *, demoted: frozenset[int] = frozenset(),
            weight: float = 1.0) -> list[tuple[int, float]]:
        """The `limit` best (docnum, score) among the candidates; equal scores in index order.
        Scores of `demoted` documents are multiplied by `weight`."""
        scored = self.scores(q, candidates)
        for docnum in demoted & scored.keys():
            scored[docnum] *= weight
        return heapq.nsmallest(limit, scored.items(), key=_best_first)


def _best_first(item: tuple[int, float]) -> tuple[float, int]:
    return -item[1], item[0]


def _blocks(matcher: object) -> Iterable[tuple]:
    """A posting list block by block (ids, weights): whoosh's leaf matchers keep each block
    decoded in arrays, which is far faster to take whole than posting by posting. Any other
    matcher (a future codec) is read through the public per-posting API."""
    leaf = getattr(matcher, "child", matcher)  # FilterMatcher (deletions) wraps the leaf; we filter ourselves
    if all(hasattr(leaf, a) for a in ("_read_ids", "_read_weights", "_next_block", "_lastblock")):
        while leaf.is_active():
            leaf._read_ids()
            leaf._read_weights()
            yield leaf._ids[leaf._i:], leaf._weights[leaf._i:]
            if leaf._lastblock:
                return
            leaf._next_block()
        return
    ids, ws = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        ws.append(matcher.weight())
        matcher.next()
    yield ids, ws


# Postings per (segment, field, term): segments never change once written (deletions are
# kept apart and applied when scoring), so these survive page saves; only new segments are read.
_SEGMENT_POSTINGS = SizedCache(1_000_000, size=lambda postings: len(postings[0]) + 1)  # ~12 MiB


def _segment_postings(segment_reader: object, fieldname: str, text: str) -> tuple[array, array]:
    """(local docnums, term frequencies) of a term in one segment, deleted docs included.

    Kept as typed arrays (12 bytes a posting, against about 70 as tuples of Python numbers):
    every worker process holds this cache, and memory per worker is bounded (bench/results.md).
    """

    def read() -> tuple[array, array]:
        ids, tfs = array("I"), array("d")
        try:
            matcher = segment_reader.postings(fieldname, text)
        except TermNotFound:
            return ids, tfs
        for block_ids, block_weights in _blocks(matcher):
            _append(ids, block_ids)
            _append(tfs, block_weights)
        return ids, tfs

    return _SEGMENT_POSTINGS.get((segment_id(segment_reader), fieldname, text), read)


def _append(target: array, values: Any) -> None:
    """Add numbers to a typed array (from a list, or an array of another type code)."""
    if isinstance(values, array) and values.typecode != target.typecode:
        target.fromlist(values.tolist())
    else:
        target.extend(values)


# Field lengths per (segment, field). Segments never change once written (deletions are kept
# apart), so these survive index updates; only new segments are read.
_LENGTHS = SizedCache(5_000_000)


def _field_lengths(segment_reader: object, fieldname: str) -> list[int]:
    """Every document's length of `fieldname` in one segment (1 when unknown, as Whoosh scores)."""

    def read() -> list[int]:
        length = segment_reader.doc_field_length
        return [length(d, fieldname, 1) for d in range(segment_reader.doc_count_all())]

    return _LENGTHS.get((segment_id(segment_reader), fieldname), read)


# Where a phrase stands, per (segment, phrase): a segment's documents never change once written,
# so a page save re-checks only its own new segment.
_SEGMENT_PHRASES = SizedCache(200_000, size=lambda docs: len(docs) + 1)


def _phrase_in_segment(segment_reader: Any, q: PhraseFilter, local: tuple[int, ...]) -> frozenset[int]:
    """The segment-local documents among `local` (which have every word of the phrase) whose
    stored text has the phrase. Candidates are the same or fewer on a later call (only deletions
    change a segment), so the first answer stays right."""

    def check() -> frozenset[int]:
        stored = segment_reader.stored_fields
        return frozenset(d for d in local if q.phrase.occurs_in_document(stored(d)))

    return _SEGMENT_PHRASES.get((segment_id(segment_reader), q.phrase.text), check)
