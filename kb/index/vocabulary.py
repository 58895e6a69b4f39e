"""The index's vocabulary, for the fallbacks: compound parts, typos and "Menade du …?".

Built per index segment and cached by segment id: segments never change once written, so a
page save (which adds a small segment) does not mean reading the whole lexicon again.
"""
from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from kb import analysis
from kb.index.segments import SizedCache, segment_id

MAX_PART_EXPANSIONS = 12
MAX_FUZZY_EXPANSIONS = 5
MIN_FUZZY_LENGTH = 5
# Length of the word endings that index the vocabulary for compound-part look-ups.
SUFFIX_KEY = 5


class SegmentVocabulary:
    """One segment's terms (of some fields) with document frequencies, indexed for look-ups."""

    def __init__(self, doc_freq: dict[str, int]) -> None:
        self.doc_freq = doc_freq
        self.sorted = sorted(doc_freq)
        # Folded forms of the terms that folding changes ("äldre" → "aldre"); a term that it
        # leaves alone is its own folded form (kept once: every worker holds this per segment).
        self.folded: set[str] = set()
        self.by_start: dict[tuple[str, int], list[str]] = defaultdict(list)
        # The same terms folded, in the same order (the typo look-up compares folded forms).
        self.folded_by_start: dict[tuple[str, int], list[str]] = defaultdict(list)
        # Terms by their last letters, so a compound's last part is found without a scan.
        self.by_end: dict[str, list[str]] = defaultdict(list)
        for term in self.sorted:
            f = analysis.fold(term)
            if f != term:
                self.folded.add(f)
            if len(f) >= MIN_FUZZY_LENGTH - 2:
                self.by_start[(f[0], len(f))].append(term)
                self.folded_by_start[(f[0], len(f))].append(f if f != term else term)
            if len(term) >= SUFFIX_KEY + 3:
                self.by_end[term[-SUFFIX_KEY:]].append(term)

    def has_folded(self, folded: str) -> bool:
        """Is there a term that folds to `folded` (itself already folded)?"""
        return folded in self.doc_freq or folded in self.folded

    def starting_with(self, prefix: str) -> list[str]:
        """Terms that start with `prefix` and are longer."""
        lo = bisect.bisect_right(self.sorted, prefix)
        hi = bisect.bisect_left(self.sorted, prefix + "\uffff")
        return self.sorted[lo:hi]

    def ending_with(self, suffix: str) -> list[str]:
        """Terms that end with `suffix` after at least three letters (a compound's last part)."""
        pool = self.by_end.get(suffix[-SUFFIX_KEY:], ()) if len(suffix) >= SUFFIX_KEY else self.sorted
        return [t for t in pool if len(t) > len(suffix) + 2 and t.endswith(suffix)]

    def within(self, folded: str, limit: int) -> list[tuple[int, str]]:
        """(edits, term) for terms within `limit` edits of `folded`, same first letter."""
        found = []
        for n in range(len(folded) - limit, len(folded) + limit + 1):
            key = (folded[0], n)
            if key in self.by_start:
                terms = self.by_start[key]
                found += [(d, terms[i]) for _, d, i in analysis.near_in(folded, self.folded_by_start[key], limit)]
        return found


class Vocabulary:
    """The vocabulary of several segments, used as one."""

    # Answers kept per look-up kind and word (a generation's vocabulary never changes; common
    # words come back in query after query, and a short stem starts thousands of terms).
    MAX_KEPT = 20_000

    def __init__(self, parts: list[SegmentVocabulary]) -> None:
        self.parts = parts
        self._kept: dict[tuple[str, str], list[str]] = {}

    def _keep(self, kind: str, key: str, find: Callable[[], list[str]]) -> list[str]:
        found = self._kept.get((kind, key))
        if found is None:
            if len(self._kept) >= self.MAX_KEPT:
                self._kept.clear()
            found = self._kept[(kind, key)] = find()
        return list(found)

    def has(self, term: str) -> bool:
        """Is `term` in the vocabulary as written?"""
        return any(term in p.doc_freq for p in self.parts)

    def freq(self, term: str) -> int:
        """In how many documents the term occurs (deleted ones may still count until a merge)."""
        return sum(p.doc_freq.get(term, 0) for p in self.parts)

    def has_folded(self, folded: str) -> bool:
        """Is there a term that folds to `folded`?"""
        return any(p.has_folded(folded) for p in self.parts)

    def _top(self, terms: Iterable[str], limit: int) -> list[str]:
        return sorted(set(terms), key=lambda t: (-self.freq(t), t))[:limit]

    def parts_of(self, word: Any) -> list[str]:
        """Terms that contain the word's stem as a compound part (start, or end of 5+ letters)."""
        stem = word.stems[0]
        if len(stem) < analysis.MIN_SUBWORD:
            return []

        def find() -> list[str]:
            found: list[str] = []
            for p in self.parts:
                found += p.starting_with(stem)
                if len(stem) >= 5:
                    found += p.ending_with(stem)
            return self._top(found, MAX_PART_EXPANSIONS)

        return self._keep("parts", stem, find)

    def near(self, word: Any) -> list[str]:
        """Terms one edit (words of 5–7 letters) or two (8+) from the word's folded stem."""
        stem = word.folded[0]
        if len(stem) < MIN_FUZZY_LENGTH - 1 or len(word.text) < MIN_FUZZY_LENGTH or self.has_folded(stem):
            return []
        limit = 1 if len(word.text) < 8 else 2
        return self._within(stem, limit)

    def near_words(self, text: str) -> list[str]:
        """Words one edit (5–7 letters) or two (8+) from `text`."""
        folded = analysis.fold(text)
        if len(folded) < MIN_FUZZY_LENGTH or self.has_folded(folded):
            return []
        limit = 1 if len(folded) < 8 else 2
        return self._within(folded, limit)

    def _within(self, folded: str, limit: int) -> list[str]:
        """The most frequent terms within `limit` edits of `folded` (kept per word)."""
        return self._keep(f"near{limit}", folded, lambda: self._top(
            (t for p in self.parts for _, t in p.within(folded, limit)), MAX_FUZZY_EXPANSIONS))

    def closest(self, word: str) -> str | None:
        """The word nearest to `word` (folded comparison), the most frequent on ties."""
        folded = analysis.fold(word)
        if len(folded) < 3:
            return None
        limit = 1 if len(folded) <= 5 else 2
        found = [(d, -self.freq(t), t) for p in self.parts for d, t in p.within(folded, limit) if t != word]
        return min(found)[2] if found else None


# One entry per (segment, fields); a segment's vocabulary is as big as its lexicon.
_CACHE = SizedCache(64, size=lambda _vocabulary: 1)


def for_reader(reader: Any, fields: tuple[str, ...]) -> Vocabulary:
    """The vocabulary of `fields` in every segment of an index reader."""
    return Vocabulary([_segment_vocabulary(r, fields) for r, _ in reader.leaf_readers()])


def _segment_vocabulary(segment_reader: Any, fields: tuple[str, ...]) -> SegmentVocabulary:
    def build() -> SegmentVocabulary:
        doc_freq: dict[str, int] = {}
        for fieldname in fields:
            for term, info in segment_reader.iter_field(fieldname):
                text = term.decode("utf-8")
                doc_freq[text] = doc_freq.get(text, 0) + info.doc_frequency()
        return SegmentVocabulary(doc_freq)

    return _CACHE.get((segment_id(segment_reader), fields), build)
