"""Turning what a user typed into Whoosh queries, without ever parsing their syntax.

User input is only ever split into words (kb.analysis), so quotes, parentheses, `AND`,
`*` or `title:` are just characters. A query is planned as *units* (a word, or a phrase
the glossary knows) and searched in two passes (SEARCH_AND_SPEED.md: Whoosh's cost grows
with the number of terms):

1. `strict`: every unit must match; each unit is a handful of exact terms: stems in title,
   tags, summary and body, folded stems, compound parts of short fields, glossary synonyms.
2. `broad` (only when the first pass finds too little): any unit may match, documents
   matching all still first; adds compound parts from the body vocabulary and typo
   tolerance (capped expansions, words of 5+ letters), at low weights.
"""
from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from whoosh.query import And, NullQuery, Or, Query, Term

from kb import analysis

# Field weights: a title hit beats a body hit; exact letters beat folded ones; a whole-title
# match beats everything (short titles that merely *contain* the query would win otherwise).
W_TITLE_EXACT = 30.0
W_TITLE = 6.0
W_TAGS = 4.0
W_TITLE_FOLDED = 3.0
W_SUBWORD = 2.0
W_SUMMARY = 2.0
W_BODY = 1.0
W_FOLDED = 0.6
W_VARIANT = 0.7  # extra stems from the definite/neuter fixes
W_SYNONYM = 0.8  # a glossary synonym counts a little less than the words typed
W_ALL_UNITS = 3.0  # in the broad pass, documents with every unit stay on top
W_BODY_PART = 0.5  # body words that contain a query word as a compound part
W_FUZZY = 0.3  # words one or two edits away

MAX_UNITS = 12  # words beyond this add cost but hardly change the ranking
MAX_PART_EXPANSIONS = 12
MAX_FUZZY_EXPANSIONS = 5
MIN_FUZZY_LENGTH = 5
MAX_SYNONYM_WORDS = 6


@dataclass(frozen=True)
class Word:
    """One query word and the index terms it stands for."""

    text: str
    stems: tuple[str, ...]
    folded: tuple[str, ...]
    parts: frozenset[str]

    @classmethod
    def of(cls, text: str) -> Word:
        """Analyse a lower-case word."""
        folded = analysis.folded_stems(text)
        parts = {p for p in (analysis.fold(text), *folded) if len(p) >= analysis.MIN_SUBWORD}
        return cls(text, analysis.stems(text), folded, frozenset(parts))

    @property
    def key(self) -> frozenset[str]:
        """What two spellings of the word share (folded stems)."""
        return frozenset(self.folded)


def word_query(word: Word, weight: float = 1.0) -> Query:
    """Exact-term query for one word across the fields, weighted per field."""
    subs: list[Query] = []
    for i, stem in enumerate(word.stems):
        w = weight * (1.0 if i == 0 else W_VARIANT)
        subs += [Term("title", stem, boost=W_TITLE * w), Term("tags", stem, boost=W_TAGS * w),
                 Term("summary", stem, boost=W_SUMMARY * w), Term("body", stem, boost=W_BODY * w)]
    for i, stem in enumerate(word.folded):
        w = weight * (1.0 if i == 0 else W_VARIANT)
        subs += [Term("title_folded", stem, boost=W_TITLE_FOLDED * w), Term("folded", stem, boost=W_FOLDED * w)]
    subs += [Term("subword", part, boost=W_SUBWORD * weight) for part in sorted(word.parts)]
    return Or(subs)


def phrase_query(words: list[Word], weight: float = 1.0) -> Query:
    """All words of a phrase (no positions are indexed, so "all", not "adjacent")."""
    return word_query(words[0], weight) if len(words) == 1 else And([word_query(w, weight) for w in words])


@dataclass
class Synonyms:
    """Glossary pairs (abbreviation ↔ expansion) as word sequences, matched either way."""

    pairs: list[tuple[list[Word], list[Word]]] = field(default_factory=list)

    @classmethod
    def from_glossary(cls, entries: Iterable[tuple[str, str]]) -> Synonyms:
        """Build from (term, expansion) pairs."""
        pairs = []
        for term, expansion in entries:
            a = [Word.of(w) for w in analysis.content_words(term)]
            b = [Word.of(w) for w in analysis.content_words(expansion)][:MAX_SYNONYM_WORDS]
            if a and b and [w.key for w in a] != [w.key for w in b]:
                pairs.append((a, b))
        return cls(pairs)

    def alternatives(self, words: list[Word]) -> list[tuple[int, int, list[Word]]]:
        """(start, end, other side) for each glossary side found in `words`."""
        keys = [w.key for w in words]
        found = []
        for a, b in self.pairs:
            for side, other in ((a, b), (b, a)):
                n = len(side)
                for start in range(len(words) - n + 1):
                    if all(side[j].key & keys[start + j] for j in range(n)):
                        found.append((start, start + n, other))
        return found


@dataclass
class Unit:
    """Query words that must match together, with glossary alternatives for them."""

    words: list[Word]
    synonyms: list[list[Word]] = field(default_factory=list)

    def query(self, extra: list[Query] | None = None) -> Query:
        """The unit's words (plus any extra expansions), or any of its synonyms."""
        options: list[Query] = [phrase_query(self.words)]
        options += [phrase_query(s, W_SYNONYM) for s in self.synonyms]
        options += extra or []
        return options[0] if len(options) == 1 else Or(options)


@dataclass
class Plan:
    """A query planned from user text: units, the whole-title key, and terms to highlight."""

    units: list[Unit]
    title_key: str

    @property
    def empty(self) -> bool:
        """True when nothing searchable was typed."""
        return not self.units

    def all_words(self) -> list[Word]:
        """Every word of the plan, synonyms included (for highlighting)."""
        out = []
        for unit in self.units:
            out += unit.words
            for s in unit.synonyms:
                out += s
        return out

    def strict(self) -> Query:
        """Pass 1: every unit must match; a whole-title match may rescue a stop-word title."""
        if self.empty:
            return NullQuery
        core = self.units[0].query() if len(self.units) == 1 else And([u.query() for u in self.units])
        return Or([core, Term("title_exact", self.title_key, boost=W_TITLE_EXACT)])

    def broad(self, stems: Vocabulary, surface: Vocabulary) -> tuple[Query, set[str]]:
        """Pass 2: any unit, with compound parts and typo tolerance; also the extra terms used.

        `stems` is the body/title/summary vocabulary (compound parts, typos of body words),
        `surface` the words of titles, tags and summaries as written (typos of those, which are
        the words people look for; a misspelt word has no reliable stem).
        """
        if self.empty:
            return NullQuery, set()
        used: set[str] = set()
        expanded = []
        for unit in self.units:
            extra: list[Query] = []
            for word in unit.words:
                for term in stems.parts_of(word):
                    used.add(term)
                    extra.append(Term("body", term, boost=W_BODY_PART))
                if word.text in surface.doc_freq or any(s in stems.doc_freq for s in word.stems):
                    continue  # a known word is not a typo
                for term in stems.near(word):
                    used.add(term)
                    extra += [Term("title", term, boost=W_FUZZY * W_TITLE), Term("body", term, boost=W_FUZZY)]
                for text in surface.near_words(word.text):
                    near = Word.of(text)
                    used.update(near.stems)
                    extra.append(word_query(near, W_FUZZY))
            expanded.append(unit.query(extra))
        subs: list[Query] = [Term("title_exact", self.title_key, boost=W_TITLE_EXACT)]
        if len(self.units) > 1:
            subs.append(And([u.query() for u in self.units], boost=W_ALL_UNITS))
        subs += expanded
        return Or(subs), used


def plan(text: str, synonyms: Synonyms | None = None) -> Plan:
    """Plan a query from user text (already length-capped)."""
    words = [Word.of(w) for w in analysis.content_words(text)][:MAX_UNITS]
    units: list[Unit] = []
    found = synonyms.alternatives(words) if synonyms else []
    # Longest glossary match first, so "barn och ungdomspsykiatri" becomes one unit.
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    i = 0
    while i < len(words):
        here = [f for f in found if f[0] == i]
        if here:
            end = here[0][1]
            alts = [f[2] for f in here if f[1] == end]
            units.append(Unit(words[i:end], alts))
            i = end
        else:
            units.append(Unit([words[i]]))
            i += 1
    return Plan(units, analysis.normalize_title(text))


class Vocabulary:
    """The index's stemmed vocabulary with document frequencies, for fallback expansions."""

    def __init__(self, doc_freq: dict[str, int]) -> None:
        self.doc_freq = doc_freq
        self.sorted = sorted(doc_freq)
        self.folded: dict[str, list[str]] = defaultdict(list)
        self.by_start: dict[tuple[str, int], list[str]] = defaultdict(list)
        for term in self.sorted:
            f = analysis.fold(term)
            self.folded[f].append(term)
            if len(f) >= MIN_FUZZY_LENGTH - 2:
                self.by_start[(f[0], len(f))].append(term)

    def _top(self, terms: Iterable[str], limit: int) -> list[str]:
        return sorted(set(terms), key=lambda t: (-self.doc_freq[t], t))[:limit]

    def parts_of(self, word: Word) -> list[str]:
        """Body terms that contain the word as a compound part (start, or end of 5+ letters)."""
        stem = word.stems[0]
        if len(stem) < analysis.MIN_SUBWORD:
            return []
        lo = bisect.bisect_right(self.sorted, stem)
        hi = bisect.bisect_left(self.sorted, stem + "\uffff")
        found = self.sorted[lo:hi]
        if len(stem) >= 5:
            found += [t for t in self.sorted if len(t) > len(stem) + 2 and t.endswith(stem)]
        return self._top(found, MAX_PART_EXPANSIONS)

    def near(self, word: Word) -> list[str]:
        """Stems one edit (words of 5–7 letters) or two (8+) from the word's stem."""
        stem = word.folded[0]
        if len(stem) < MIN_FUZZY_LENGTH - 1 or len(word.text) < MIN_FUZZY_LENGTH or stem in self.folded:
            return []
        return self._within(stem, 1 if len(word.text) < 8 else 2)

    def near_words(self, text: str) -> list[str]:
        """Vocabulary words one edit (5–7 letters) or two (8+) from `text`."""
        folded = analysis.fold(text)
        if len(folded) < MIN_FUZZY_LENGTH or folded in self.folded:
            return []
        return self._within(folded, 1 if len(folded) < 8 else 2)

    def _within(self, folded: str, limit: int) -> list[str]:
        """The most frequent terms within `limit` edits of `folded` (first letter kept)."""
        found = []
        for n in range(len(folded) - limit, len(folded) + limit + 1):
            for term in self.by_start.get((folded[0], n), ()):
                if analysis.edit_distance(folded, analysis.fold(term), limit) <= limit:
                    found.append(term)
        return self._top(found, MAX_FUZZY_EXPANSIONS)

    def closest(self, word: str) -> str | None:
        """The vocabulary word nearest to `word` (folded comparison), most frequent on ties."""
        f = analysis.fold(word)
        if len(f) < 3:
            return None
        limit = 1 if len(f) <= 5 else 2
        best: tuple[int, int, str] | None = None
        for n in range(len(f) - limit, len(f) + limit + 1):
            for term in self.by_start.get((f[0], n), ()):
                d = analysis.edit_distance(f, analysis.fold(term), limit)
                if d <= limit and term != word:
                    key = (d, -self.doc_freq[term], term)
                    if best is None or key < best:
                        best = key
        return best[2] if best else None
