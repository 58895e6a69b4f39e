"""Turning what a user typed into Whoosh queries, without ever parsing their syntax.

User input is only ever split into words (kb.analysis), so quotes, parentheses, `AND`,
`*` or `title:` are just characters. A query is planned as *units* (a word, or a phrase
the glossary knows) and searched in two passes (SEARCH_AND_SPEED.md: Whoosh's cost grows
with the number of terms):

1. `strict`: every unit must match; each unit is a handful of exact terms: stems in title,
   tags, summary and body, folded stems, compound parts of short fields, dictionary compound
   parts of every field (`parts`, weighted below whole words), glossary synonyms. A word the
   index does not know is also searched as the known words it is written together from
   ("minimaria" → mini maria).
   A glossary synonym of several words ("sip" → "samordnad individuell plan") matches only
   where its words stand together, in order (a `PhraseFilter`, checked in the stored text).
2. `broad` (only when the first pass finds too little): any unit may match, documents
   matching all still first; adds compound parts from the body vocabulary and typo
   tolerance (capped expansions, words of 5+ letters), at low weights.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from whoosh.query import And, NullQuery, Or, Query, Term

from kb import analysis
from kb.index.vocabulary import Vocabulary

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
# Compound parts. W_TITLE_PARTS, W_PARTS: a typed word found as a part of a page's compound ("hemsjukvård" in
# "hemsjukvårdsteamet"), below a body word of its own. W_SPLIT: the parts of a typed word the
# index does not know ("minimaria" → mini maria), which then stand for it. W_PART_BONUS: the parts
# of a typed compound the index knows, a tie-breaker only ("utskrivningsklar": a page about
# utskrivning beats a list that names the word).
W_TITLE_PARTS = 1.5
W_PARTS = 0.5
W_SPLIT = 0.8
W_PART_BONUS = 0.3

# Where a match says the page is *about* the word; these decide the first ranking tier.
STRONG_FIELDS = frozenset({"title", "title_exact", "title_folded", "tags", "subword", "title_parts", "summary"})

MAX_UNITS = 12  # words beyond this add cost but hardly change the ranking
MAX_SYNONYM_WORDS = 6
_BRACKETED = re.compile(r"\([^()]*\)")


@dataclass(frozen=True)
class Word:
    """One query word and the index terms it stands for."""

    text: str
    stems: tuple[str, ...]
    folded: tuple[str, ...]
    parts: frozenset[str]
    # A word the index does not know, written together: the known words it is made of.
    split: tuple[Word, ...] = ()
    # A compound: its parts worth searching, for the tie-breaking bonus.
    compound_parts: tuple[Word, ...] = ()

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
        subs += [Term("title_folded", stem, boost=W_TITLE_FOLDED * w),
                 Term("folded", stem, boost=W_FOLDED * w)]
    subs += [Term("subword", part, boost=W_SUBWORD * weight) for part in sorted(word.parts)]
    subs += [Term("title_parts", word.stems[0], boost=W_TITLE_PARTS * weight),
             Term("parts", word.stems[0], boost=W_PARTS * weight)]
    return Or(subs)


def match_query(word: Word, weight: float = 1.0) -> Query:
    """A typed word, or (when the index does not know it) all the words it is written together from."""
    q = word_query(word, weight)
    if not word.split:
        return q
    return Or([q, And([word_query(part, weight * W_SPLIT) for part in word.split])])


def phrase_query(words: list[Word], weight: float = 1.0) -> Query:
    """All words of a phrase (no positions are indexed, so "all", not "adjacent")."""
    return match_query(words[0], weight) if len(words) == 1 else And([match_query(w, weight) for w in words])


@dataclass(frozen=True)
class Phrase:
    """Words that mean something only together, in this order: one side of a glossary pair.

    `words` are its content words as query words (what the index knows: stop words are not
    indexed), `text` every word as written in lower case, stop words included (what the stored
    text is checked against).
    """

    words: tuple[Word, ...]
    text: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Phrase:
        """The phrase of a glossary term or expansion; a part in brackets is another name for
        the same thing ("Första hjälpen till psykisk hälsa (Mental Health First Aid)") and is left out."""
        text = _BRACKETED.sub(" ", text).strip() or text
        return cls(tuple(Word.of(w) for w in analysis.content_words(text)[:MAX_SYNONYM_WORDS]),
                   tuple(analysis.words(text)))

    @property
    def single(self) -> bool:
        """True for one word: nothing to keep together."""
        return len(self.text) <= 1

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        # Each content word by its folded stems (stems only cut endings, so an inflected form
        # starts with one), each stop word as it is; anything that is not a letter between them.
        content = {w.text: w for w in self.words}
        parts = []
        for text in self.text:
            word = content.get(text)
            alternatives = analysis.loose_alternatives({s for s in word.folded if s} if word else {analysis.fold(text)})
            parts.append(f"(?:{alternatives})[^\\W_]*" if word else f"(?:{alternatives})(?![^\\W_])")
        # Any case without IGNORECASE, and no look-behind first (see analysis.loose_alternatives):
        # `spans` checks that a match begins a word.
        return re.compile(r"[\W_]+".join(parts))

    def spans(self, text: str, enough: int = 1_000_000) -> list[tuple[int, int]]:
        """(start, end) of each place in `text` where the phrase stands (inflected forms count)."""
        found: list[tuple[int, int]] = []
        search, pos = self._pattern.search, 0
        while (m := search(text, pos)) is not None:
            start = m.start()
            if analysis.inside_word(text, start):  # look again from the next letter
                pos = start + 1
                continue
            pos = m.end()
            if self._confirm(m.group()):
                found.append((start, pos))
                if len(found) >= enough:
                    break
        return found

    def occurs_in(self, text: str) -> bool:
        """Does the phrase stand somewhere in `text`?"""
        return bool(self.spans(text, enough=1))

    def occurs_in_document(self, stored: dict) -> bool:
        """Does the phrase stand in an indexed document: its name, summary, expansion, tags or the
        (plain) text snippets are cut from?"""
        fields = [stored.get(f) for f in ("title", "summary", "expansion", "text")]
        return self.occurs_in("\n".join(filter(None, [*fields, " ".join(stored.get("tags_display") or ())])))

    def _confirm(self, found: str) -> bool:
        """Are the words of a candidate the phrase's words (same folded stems), not longer words
        that merely start like them ("planering" is not "plan")?"""
        written = [w for _, _, w in analysis.word_spans(found)]
        if len(written) != len(self.text):
            return False
        content = {w.text: w for w in self.words}
        for typed, seen in zip(self.text, written, strict=True):
            word = content.get(typed)
            if word is None:
                if analysis.fold(seen) != analysis.fold(typed):
                    return False
            elif not set(word.folded) & set(analysis.folded_stems(seen)):
                return False
        return True


class PhraseFilter(Query):
    """The documents where a phrase stands, words together and in order.

    No positions are indexed (SEARCH_AND_SPEED.md), so this is checked in each candidate's stored
    text (kb.index.scoring.Scorer.phrase_docs), once per index segment. It scores nothing itself:
    in an And with the phrase's word queries, those give the score.
    """

    def __init__(self, phrase: Phrase, words: Query) -> None:
        self.phrase = phrase
        # The documents that have every word somewhere: the candidates to check.
        self.candidates = words
        self.boost = 1.0

    def __repr__(self) -> str:
        return f"PhraseFilter({' '.join(self.phrase.text)!r})"

    def estimate_size(self, ixreader: Any) -> int:
        """At most as many documents as have all the words (Whoosh orders an And by this)."""
        return self.candidates.estimate_size(ixreader)

    def estimate_min_size(self, ixreader: Any) -> int:
        """Possibly none."""
        return 0

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        """Whoosh's own matcher for the same documents, scoring 0 (kb scores with kb.index.scoring;
        this keeps a planned query a valid Whoosh query, which the scorer's tests compare against)."""
        from whoosh.matching import ListMatcher, NullMatcher

        ids = [d for d in sorted(searcher.docs_for_query(self.candidates))
               if self.phrase.occurs_in_document(searcher.stored_fields(d))]
        return ListMatcher(ids, weights=[0.0] * len(ids)) if ids else NullMatcher()


@dataclass
class Synonyms:
    """Glossary pairs (abbreviation ↔ expansion) as phrases, matched either way."""

    pairs: list[tuple[Phrase, Phrase]] = field(default_factory=list)

    @classmethod
    def from_glossary(cls, entries: Iterable[tuple[str, str]]) -> Synonyms:
        """Build from (term, expansion) pairs."""
        pairs = []
        for term, expansion in entries:
            a, b = Phrase.of(term), Phrase.of(expansion)
            if a.words and b.words and [w.key for w in a.words] != [w.key for w in b.words]:
                pairs.append((a, b))
        return cls(pairs)

    def alternatives(self, words: list[Word]) -> list[tuple[int, int, Phrase]]:
        """(start, end, other side) for each glossary side found in `words`."""
        keys = [w.key for w in words]
        found = []
        for a, b in self.pairs:
            for side, other in ((a.words, b), (b.words, a)):
                n = len(side)
                for start in range(len(words) - n + 1):
                    if all(side[j].key & keys[start + j] for j in range(n)):
                        found.append((start, start + n, other))
        return found


@dataclass
class Unit:
    """Query words that must match together, with glossary alternatives for them."""

    words: list[Word]
    synonyms: list[Phrase] = field(default_factory=list)

    def query(self, extra: list[Query] | None = None) -> Query:
        """The unit's words (plus any extra expansions), or any of its synonyms (a synonym of
        several words only where they stand together)."""
        options: list[Query] = [phrase_query(self.words)]
        for synonym in self.synonyms:
            words = phrase_query(list(synonym.words), W_SYNONYM)
            options.append(words if synonym.single else And([words, PhraseFilter(synonym, words)]))
        options += extra or []
        return options[0] if len(options) == 1 else Or(options)


@dataclass
class Plan:
    """A query planned from user text: units, the whole-title key, and terms to highlight."""

    units: list[Unit]
    title_key: str
    # The title key with unknown words split into parts ("minimaria" → "mini maria"), if any.
    split_title_key: str = ""

    # A question ("hur fungerar utskrivning från sjukhuset"): ranked by the broad pass too.
    question: bool = False

    @property
    def respelt(self) -> bool:
        """True when a typed word was unknown and searched as the words it is made of."""
        return any(w.split for u in self.units for w in u.words)

    def _bonus(self) -> list[Query]:
        """Tie-breakers: the parts of typed compounds (scored, never deciding what matches)."""
        return [Or([word_query(part, W_PART_BONUS) for part in w.compound_parts])
                for u in self.units for w in u.words if w.compound_parts]

    @property
    def empty(self) -> bool:
        """True when nothing searchable was typed."""
        return not self.units

    def all_words(self) -> list[Word]:
        """The words to highlight one by one: those typed (and the parts of those written together)
        and one-word synonyms."""
        out = []
        for unit in self.units:
            out += unit.words
            for word in unit.words:
                out += word.split
            for s in unit.synonyms:
                if s.single:
                    out += s.words
        return out

    def phrases(self) -> list[Phrase]:
        """The synonyms of several words, highlighted only as whole phrases."""
        return [s for unit in self.units for s in unit.synonyms if not s.single]

    def strict(self) -> Built:
        """Pass 1: every unit must match (or the whole title)."""
        return self._build([u.query() for u in self.units], require_all=True)

    def broad(self, stems: Vocabulary, surface: Vocabulary) -> tuple[Built, set[str]]:
        """Pass 2: any unit, with compound parts and typo tolerance; also the extra terms used.

        `stems` is the body/title/summary vocabulary (compound parts, typos of body words),
        `surface` the words of titles, tags and summaries as written (typos of those, which are
        the words people look for; a misspelt word has no reliable stem).
        """
        used: set[str] = set()
        expanded = []
        for unit in self.units:
            extra: list[Query] = []
            for word in unit.words:
                for term in stems.parts_of(word):
                    used.add(term)
                    extra.append(Term("body", term, boost=W_BODY_PART))
                if surface.has(word.text) or any(stems.has(s) for s in word.stems):
                    continue  # a known word is not a typo
                for term in stems.near(word):
                    if analysis.is_stop(term):  # "title" is not a typo of "till"
                        continue
                    used.add(term)
                    extra += [Term("title", term, boost=W_FUZZY * W_TITLE), Term("body", term, boost=W_FUZZY)]
                for text in surface.near_words(word.text):
                    if analysis.is_stop(text):
                        continue
                    near = Word.of(text)
                    used.update(near.stems)
                    extra.append(word_query(near, W_FUZZY))
            expanded.append(unit.query(extra))
        return self._build(expanded, require_all=False), used

    def _build(self, unit_queries: list[Query], require_all: bool) -> Built:
        exact: Query = Term("title_exact", self.title_key, boost=W_TITLE_EXACT)
        if self.split_title_key and self.split_title_key != self.title_key:
            exact = Or([exact, Term("title_exact", self.split_title_key, boost=W_TITLE_EXACT)])
        if not unit_queries:
            return Built(NullQuery, [], exact, require_all)
        bonus = self._bonus()
        if len(unit_queries) == 1:
            scoring: Query = Or([unit_queries[0], exact, *bonus])
        elif require_all:
            scoring = Or([And(unit_queries), exact, *bonus])
        else:
            # Any unit may match; documents with all of them get an extra share on top.
            scoring = Or([exact, And(unit_queries, boost=W_ALL_UNITS), *unit_queries, *bonus])
        return Built(scoring, unit_queries, exact, require_all)


@dataclass
class Built:
    """A pass's queries: one to score with, one per unit and the whole-title term (for sets)."""

    scoring: Query
    units: list[Query]
    exact: Query
    require_all: bool


def restrict(q: Query, fields: frozenset[str]) -> Query:
    """The part of a query that looks only in `fields` (NullQuery if nothing is left)."""
    if isinstance(q, Term):
        return q if q.fieldname in fields else NullQuery
    if isinstance(q, PhraseFilter):  # where the phrase stands is checked in the whole text
        return q
    if isinstance(q, (And, Or)):
        subs = [restrict(sub, fields) for sub in q.subqueries]
        if isinstance(q, And):
            return NullQuery if any(sub is NullQuery for sub in subs) else And(subs)
        subs = [sub for sub in subs if sub is not NullQuery]
        return Or(subs) if subs else NullQuery
    return NullQuery


def _with_parts(word: Word, known: Callable[[str], bool] | None) -> Word:
    """The word with its compound parts: `split` when `known` (the index's words and the word
    list) does not have it, `compound_parts` for the tie-breaking bonus."""
    if known is None or len(word.text) < analysis.MIN_SPLIT:
        return word
    decompounder = analysis.decompounder()
    whole = known(word.text)
    split = () if whole else decompounder.split(word.text, known)
    parts = decompounder.parts(word.text, known)
    if not split and not parts:
        return word
    return replace(word, split=tuple(Word.of(p) for p in split), compound_parts=tuple(Word.of(p) for p in parts))


def plan(text: str, synonyms: Synonyms | None = None, known: Callable[[str], bool] | None = None) -> Plan:
    """Plan a query from user text (already length-capped). With `known` (is this a word of the
    index or the word list?), words written together are searched by their parts as well."""
    words = [_with_parts(Word.of(w), known) for w in analysis.content_words(text)][:MAX_UNITS]
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
    split = {w.text: " ".join(p.text for p in w.split) for w in words if w.split}
    split_key = analysis.normalize_title(" ".join(split.get(w, w) for w in analysis.words(text))) if split else ""
    return Plan(units, analysis.normalize_title(text), split_key, analysis.is_question(text))
