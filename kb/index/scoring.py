"""BM25F scoring of candidate documents from cached per-term postings, with array arithmetic.

Whoosh scores by walking a tree of matchers document by document in Python; with the
dozens of terms a Swedish query expands to (stems, folded forms, compound parts, glossary
synonyms in several fields) that costs 10–30 µs per document and term. Here each term's
postings are read once per index generation into two arrays (live documents, BM25F score of
the term there), and a query is scored with numpy over one vector of the index's documents:
a term adds its scores at its documents, And/Or combine the match masks. A query of a hundred
terms costs about a millisecond at 10,000 documents, whatever the number of candidates. The
formula and parameters are Whoosh's own BM25F (B=0.75, K1=1.2, idf = log(N / (df + 1)) + 1),
so scores match what `searcher.search` would give.
"""
from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from math import log
from typing import Any

import numpy as np
from whoosh.query import And, Or, Query, Term
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

from kb.index.query import PhraseFilter
from kb.index.segments import SizedCache, segment_id

B = 0.75
K1 = 1.2

# A set of documents: one boolean per document of the index generation (docnum → member).
Docs = np.ndarray

_NO_DOCS = np.zeros(0, dtype=np.int64)
_NO_SCORES = np.zeros(0, dtype=np.float64)
_NO_DOCS.flags.writeable = _NO_SCORES.flags.writeable = False


class Scorer:
    """Scores queries made of Term/And/Or/PhraseFilter for documents of one searcher."""

    # Bounds memory per index generation (16 bytes a posting: ~24 MiB). Every worker process
    # has its own; a broad Swedish query set touches about 600,000 postings at 10,000 pages,
    # so this holds the working set instead of re-reading it (bench/results.md).
    MAX_CACHED_POSTINGS = 1_500_000
    # Scored queries kept: one search scores the same query for each ranking tier.
    KEPT_QUERIES = 8

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.doc_count = self.reader.doc_count_all()
        self.cache = SizedCache(self.MAX_CACHED_POSTINGS, size=lambda postings: len(postings[0]) + 1)
        self.phrases = SizedCache(self.MAX_CACHED_POSTINGS // 10)
        # By the query object's identity (one search's tiers share it); the query is kept with
        # its result, so its id cannot be reused meanwhile.
        self._scored: OrderedDict[int, tuple[Query, np.ndarray, np.ndarray]] = OrderedDict()
        self._scored_lock = threading.Lock()

    def postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(live documents in index order, BM25F score of this term in this field there) (boost 1)."""
        return self.cache.get((fieldname, text), lambda: self._read(fieldname, text))

    def _read(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        try:
            df = self.reader.doc_frequency(fieldname, text)
        except TermNotFound:
            return _NO_DOCS, _NO_SCORES
        if not df:
            return _NO_DOCS, _NO_SCORES
        scorable = self.searcher.schema[fieldname].scorable
        if scorable:
            idf = log(self.doc_count / (df + 1)) + 1
            avgfl = self.searcher.avg_field_length(fieldname) or 1
            norm, scale = K1 * (1 - B), K1 * B / avgfl
        all_ids, all_scores = [], []
        for segment_reader, offset in self.reader.leaf_readers():
            ids, tfs = _segment_postings(segment_reader, fieldname, text)
            if not len(ids):
                continue
            local = np.frombuffer(ids, dtype=np.uint32)
            if segment_reader.has_deletions():
                deleted = np.fromiter(segment_reader.deleted_docs_set, dtype=np.uint32)
                live = ~np.isin(local, deleted)
            else:
                live = slice(None)
            local = local[live]
            if scorable:
                tf = np.frombuffer(tfs, dtype=np.float64)[live]
                lengths = _field_lengths(segment_reader, fieldname)[local]
                scores = idf * (tf * (K1 + 1)) / (tf + norm + scale * lengths)
            else:  # ID fields: present or not
                scores = np.ones(len(local))
            all_ids.append(local.astype(np.int64) + offset)
            all_scores.append(scores)
        if not all_ids:
            return _NO_DOCS, _NO_SCORES
        ids, scores = np.concatenate(all_ids), np.concatenate(all_scores)
        ids.flags.writeable = scores.flags.writeable = False  # shared by every search of the generation
        return ids, scores

    def scored(self, q: Query) -> tuple[np.ndarray, np.ndarray]:
        """(matches, scores): a boolean and a score per document of the index, for a query of
        Term/And/Or/PhraseFilter (scores 0 where it does not match). The last few are kept."""
        key = id(q)
        with self._scored_lock:
            kept = self._scored.get(key)
            if kept is not None and kept[0] is q:
                self._scored.move_to_end(key)
                return kept[1], kept[2]
        matches, scores = self._evaluate(q)
        matches.flags.writeable = scores.flags.writeable = False
        with self._scored_lock:
            self._scored[key] = (q, matches, scores)
            while len(self._scored) > self.KEPT_QUERIES:
                self._scored.popitem(last=False)
        return matches, scores

    def _evaluate(self, q: Query) -> tuple[np.ndarray, np.ndarray]:
        """(matches, scores) of a query, as new arrays."""
        n = self.doc_count
        if isinstance(q, Term):
            return self._terms([q])
        if isinstance(q, PhraseFilter):
            return self.mask(list(self.phrase_docs(q))), np.zeros(n)
        if isinstance(q, Or) and q.subqueries:
            # A Swedish word is an Or of many terms (stems, folded forms, parts, fields): those are
            # added up in one pass (`_terms`), the rest one by one.
            matches, scores = self._terms([sub for sub in q.subqueries if isinstance(sub, Term)])
            for sub in q.subqueries:
                if not isinstance(sub, Term):
                    sub_matches, sub_scores = self._evaluate(sub)
                    matches |= sub_matches
                    scores += sub_scores
        elif isinstance(q, And) and q.subqueries:
            matches, scores = self._evaluate(q.subqueries[0])
            for sub in q.subqueries[1:]:
                sub_matches, sub_scores = self._evaluate(sub)
                matches &= sub_matches
                scores += sub_scores
            scores[~matches] = 0.0
        else:
            return np.zeros(n, dtype=bool), np.zeros(n)
        if q.boost != 1.0:
            scores *= q.boost
        return matches, scores

    def _terms(self, terms: list[Term]) -> tuple[np.ndarray, np.ndarray]:
        """(matches, summed scores) of several terms at once: their postings side by side, the
        scores added up per document in C (`np.bincount`)."""
        ids, scores = [], []
        for t in terms:
            term_ids, term_scores = self.postings(t.fieldname, t.text)
            if len(term_ids):
                ids.append(term_ids)
                scores.append(term_scores * t.boost if t.boost != 1.0 else term_scores)
        if not ids:
            return np.zeros(self.doc_count, dtype=bool), np.zeros(self.doc_count)
        every_id = np.concatenate(ids) if len(ids) > 1 else ids[0]
        summed = np.bincount(every_id, weights=np.concatenate(scores) if len(scores) > 1 else scores[0],
                             minlength=self.doc_count)
        return self.mask(every_id), summed

    def matching(self, q: Query) -> Docs:
        """The documents a query of Term/And/Or/PhraseFilter matches (any other: none)."""
        if isinstance(q, Term):
            return self.mask(self.postings(q.fieldname, q.text)[0])
        if isinstance(q, PhraseFilter):
            return self.mask(list(self.phrase_docs(q)))
        if isinstance(q, Or) and q.subqueries:
            ids = [self.postings(sub.fieldname, sub.text)[0] for sub in q.subqueries if isinstance(sub, Term)]
            out = self.mask(np.concatenate(ids) if ids else ())
            for sub in q.subqueries:
                if not isinstance(sub, Term):
                    out |= self.matching(sub)
            return out
        if isinstance(q, And) and q.subqueries:
            out = self.matching(q.subqueries[0])
            for sub in q.subqueries[1:]:
                out &= self.matching(sub)
            return out
        return self.mask(())

    def scores(self, q: Query, candidates: Docs | Iterable[int]) -> dict[int, float]:
        """{candidate: score} for the candidates the query matches."""
        matches, scores = self.scored(q)
        docs = np.flatnonzero(matches & self.mask(candidates))
        return dict(zip(docs.tolist(), scores[docs].tolist(), strict=True))

    def mask(self, docs: Docs | Iterable[int]) -> Docs:
        """`docs` (document numbers, or already a mask) as a mask."""
        if isinstance(docs, np.ndarray) and docs.dtype == bool:
            return docs
        out = np.zeros(self.doc_count, dtype=bool)
        if isinstance(docs, np.ndarray):
            out[docs] = True
        else:
            docs = docs if isinstance(docs, (set, frozenset)) else set(docs)
            if docs:
                out[np.fromiter(docs, dtype=np.int64, count=len(docs))] = True
        return out

    def phrase_docs(self, q: PhraseFilter) -> frozenset[int]:
        """Live documents where the phrase stands: of those with all its words, the ones whose
        stored text has them together (checked once per segment and phrase; see `_phrase_in_segment`)."""

        def build() -> frozenset[int]:
            candidates = np.flatnonzero(self._evaluate(q.candidates)[0]).tolist()
            out: set[int] = set()
            for segment_reader, offset in self.reader.leaf_readers():
                end = offset + segment_reader.doc_count_all()
                local = tuple(d - offset for d in candidates if offset <= d < end)
                if local:
                    out.update(d + offset for d in _phrase_in_segment(segment_reader, q, local))
            return frozenset(out)

        return self.phrases.get(q.phrase.text, build)

    def top(self, q: Query, candidates: Docs | Iterable[int], limit: int, *, demoted: Docs | None = None,
            weight: float = 1.0) -> list[tuple[int, float]]:
        """The `limit` best (docnum, score) among the candidates the query matches; equal scores
        in index order. Scores of `demoted` documents are multiplied by `weight`."""
        matches, all_scores = self.scored(q)
        docs = np.flatnonzero(matches & self.mask(candidates))
        if not len(docs) or limit <= 0:
            return []
        scores = all_scores[docs]
        if demoted is not None:
            scores = np.where(demoted[docs], scores * weight, scores)
        if len(docs) > limit:
            # Everything above the limit-th best score, and of those equal to it the first in
            # index order (docs are in index order): exactly the first `limit` of a full sort.
            cut = np.partition(scores, len(scores) - limit)[len(scores) - limit]
            above = np.flatnonzero(scores > cut)
            tied = np.flatnonzero(scores == cut)[: limit - len(above)]
            keep = np.concatenate((above, tied))
            docs, scores = docs[keep], scores[keep]
        order = np.lexsort((docs, -scores))
        return list(zip(docs[order].tolist(), scores[order].tolist(), strict=True))


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


def _field_lengths(segment_reader: object, fieldname: str) -> np.ndarray:
    """Every document's length of `fieldname` in one segment (1 when unknown, as Whoosh scores)."""

    def read() -> np.ndarray:
        length = segment_reader.doc_field_length
        count = segment_reader.doc_count_all()
        return np.fromiter((length(d, fieldname, 1) for d in range(count)), dtype=np.float64, count=count)

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
