"""Swedish text analysis for search: words, stop words, stems, accent folding, compound parts.

Pure functions shared by indexing and query building, so a word is normalised the same way on
both sides, plus thin Whoosh analyzers over them. The only I/O is reading the shipped word list
(kb/data/swedish_words.txt) once, for dictionary decompounding. Besides `kb.index`, this is the
only module that imports whoosh. The gaps of plain Snowball stemming that the variants
below close are listed in the project notes on search and speed (SEARCH_AND_SPEED.md).
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import resources

from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh.analysis import Composable, Token
from whoosh.lang import stemmer_for_language, stopwords_for_language

# A word: letters/digits. "SIP:en", "BUP:s", "SIP:arna" (Swedish inflection of abbreviations)
# keep only the abbreviation; any other colon separates words, so query syntax such as
# "title:sip" is two plain words. Hyphens split ("Mini-Maria" → mini, maria), which is also how
# people type.
_INFLECTION = "s|n|t|en|et|ar|er|or|na|ns|ts|ens|ets|ars|ers|ors|nas|arna|erna|orna"
_WORD = re.compile(rf"[^\W_]+(?::(?:{_INFLECTION})(?![^\W_]))?", re.IGNORECASE)

# Snowball's Swedish list plus words that only carry the *question* ("hur ansöker man om …")
# and would otherwise make every page match.
STOP_WORDS: frozenset[str] = frozenset(stopwords_for_language("sv")) | frozenset(
    """
    vad var vart när hur vem vems vilken vilket vilka varför varifrån aldrig alltid
    kan kunna kunde man jag mig min mitt mina ska skall skulle vill måste bör får fick
    finns fanns gör göra gjorde görs hitta hittar hittas ligger behöver behövs
    sitter ingår heter betyder innebär står
    någon något några ett en den det de dom också även bara eller samt
    brukar undrar egentligen snälla tack
    """.split()
)

# Words a question starts with: the other words of a question are partly filler ("hur fungerar
# utskrivning …"), so a question is ranked by how many of its words a page has, not all or nothing.
QUESTION_WORDS: frozenset[str] = frozenset(
    "vad var vart när hur vem vems vilken vilket vilka varför varifrån finns kan får ska måste behöver".split()
)


def is_question(text: str) -> bool:
    """Does the text start like a question ("när har …", "hur ansöker man …")?"""
    ws = words(text)
    return bool(ws) and ws[0] in QUESTION_WORDS and len(ws) > 2


_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "æ": "a", "ø": "o", "é": "e", "è": "e", "ü": "u"})
_snowball: Callable[[str], str] = stemmer_for_language("sv")
_VOWELS = set("aeiouyåäö")
_STEM_CACHE: dict[str, tuple[str, ...]] = {}
_STEM_CACHE_MAX = 300_000

MIN_SUBWORD = 4  # shorter compound parts ("vård" is 4) match too much to be useful
MIN_COMPOUND = 8  # the shortest words worth splitting into parts


def words(text: str) -> list[str]:
    """Lower-cased words of `text` in order, stop words included."""
    return [w.split(":", 1)[0] if ":" in w else w for w in _WORD.findall(text.lower())]


def word_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, lower-cased word) for each word, for highlighting the original text."""
    for m in _WORD.finditer(text):
        word = m.group(0).split(":", 1)[0]
        yield m.start(), m.start() + len(word), word.lower()


def inside_word(text: str, start: int) -> bool:
    """Does position `start` of `text` follow a letter or digit (so no word begins there)? What a
    look-behind for a word character would ask, checked after a regex match instead of at every
    position of the text."""
    return start > 0 and text[start - 1].isalnum()


def is_stop(word: str) -> bool:
    """True for words that carry no subject (stop words and question words)."""
    return word in STOP_WORDS


def content_words(text: str) -> list[str]:
    """Words of `text` without stop words; if nothing is left, the words themselves."""
    ws = words(text)
    kept = [w for w in ws if w not in STOP_WORDS]
    return kept or ws


def fold(text: str) -> str:
    """Remove Swedish diacritics (å/ä→a, ö→o) and other accents."""
    text = text.translate(_FOLD)
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


# Folded letters and the letters they stand for, for finding folded forms in original text.
_LOOSE_LETTERS = {"a": "aåäæ", "o": "oöø", "e": "eéè", "u": "uü"}


def loose_alternatives(folded: Iterable[str]) -> str:
    """One regex matching any of the `folded` words in text written with or without å/ä/ö, in
    any case, without the IGNORECASE flag: letters become classes ("[aAåÅäÄæÆ]"), the words a
    trie ("sam(?:ordn|verk)" rather than "samordn|samverk"). Python's regex engine then skips ahead
    to a possible first letter in C; with IGNORECASE, or a look-behind before the words, it tries
    every position of the text (30–50 µs against 2–10 µs for a page's text; snippets scan many)."""
    trie: dict[str, dict] = {}
    for word in folded:
        node = trie
        for c in word:
            node = node.setdefault(c, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [_any_case(c) + emit(child) for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


@functools.lru_cache(maxsize=1024)
def _any_case(c: str) -> str:
    """A regex for one folded letter: the letters it stands for, lower and upper case."""
    letters = set(_LOOSE_LETTERS.get(c, c))
    letters |= {u for u in map(str.upper, letters) if len(u) == 1}
    return re.escape(c) if len(letters) == 1 else "[" + "".join(re.escape(x) for x in sorted(letters)) + "]"


def stems(word: str) -> tuple[str, ...]:
    """Snowball stem of a lower-case word first, then the stems of its bare forms.

    Snowball misses definite and neuter endings: "terapin" (terapi+n), "boendet"/"kontoret"
    (+et), "digitalt" (+t). Stripping the ending and stemming again gives the stem of the
    bare form; spurious extra stems ("rutin" → "ruti") only ever meet each other.
    """
    cached = _STEM_CACHE.get(word)
    if cached is not None:
        return cached
    out = [_snowball(word)]
    n = len(word)
    if n >= 5 and not word.isdigit():
        if word.endswith("et"):
            out.append(_snowball(word[:-2]))
        if word[-1] == "n" and word[-2] in _VOWELS:
            out.append(_snowball(word[:-1]))
        if word[-1] == "t" and word[-2] != "t":
            out.append(_snowball(word[:-1]))
    result = tuple(dict.fromkeys(out))
    if len(_STEM_CACHE) >= _STEM_CACHE_MAX:
        _STEM_CACHE.clear()
    _STEM_CACHE[word] = result
    return result


def folded_stems(word: str) -> tuple[str, ...]:
    """Stems of the folded word: what "aldre" and "äldre" have in common."""
    return stems(fold(word))


def subwords(word: str) -> set[str]:
    """Compound parts of a word for indexing: prefixes of the folded word, suffixes of its stem.

    Swedish compounds are written as one word, and people search for a part: "avvikelse"
    for "avvikelsehantering" (a prefix), "process" for "utskrivningsprocessen" (a suffix of
    the stem). Only words of MIN_COMPOUND+ letters are split (shorter ones are rarely
    compounds, and their whole form is in the stemmed fields); parts are MIN_SUBWORD+
    letters and leave at least two letters over, which keeps the field small.
    """
    word = fold(word)
    out: set[str] = set()
    n = len(word)
    if n < MIN_COMPOUND:
        return out
    out.update(word[:i] for i in range(MIN_SUBWORD, n - 1))
    stem = stems(word)[0]
    out.update(stem[i:] for i in range(2, len(stem) - MIN_SUBWORD + 1))
    return out


# --- Dictionary decompounding (the model is Lucene's DictionaryCompoundWordTokenFilter): a word
# is split only when *every* part is a known word, so "mottagning" never becomes "mot" + "tagning".

MIN_PART = 3  # the shortest part a compound is split into ("hem" in "hemsjukvård")
MIN_SPLIT = 7  # the shortest word worth splitting
MAX_SPLIT = 40  # longer "words" are codes or run-together text, not compounds
MIN_INDEXED_PART = 4  # parts of three letters ("hem", "tid") would match far too much
# Parts never indexed or searched on their own: they end so many compounds that a page having
# one says nothing about what it is about.
PART_STOP: frozenset[str] = frozenset(
    "vård arbete sätt form grupp plan område verksamhet del dag år fall".split()
)
_SPLIT_CACHE_MAX = 200_000


def _head_forms(part: str) -> Iterator[str]:
    """What a compound's non-final part may stand for, with its linking letters dropped:
    "samverkans" → samverkan, "arbets" → arbete, "hälso" → hälsa, "skol" → skola, "läkar" → läkare."""
    yield part
    bases = [part[:-1]] if part.endswith("s") and len(part) > MIN_PART else []
    for base in [part, *bases]:
        if base is not part:
            yield base
        yield base + "a"
        yield base + "e"
        if base[-1] in "oue" and len(base) > MIN_PART:
            yield base[:-1] + "a"


class Decompounder:
    """Splits Swedish compounds into parts that are known words: words of a word list, and for
    queries also any word the index knows (`extra`).

    "hemsjukvårdsteamet" → hemsjukvård, teamet (and "hemsjukvård" → hem, sjukvård): the split
    with the fewest parts wins, and each non-final part is given in its base form.
    """

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(w for w in (x.strip().lower() for x in words)
                               if len(w) >= MIN_PART and w.isalpha() and w not in STOP_WORDS)
        self.stems = frozenset(s for w in self.words for s in stems(w))
        self._cache: dict[str, tuple[str, ...]] = {}
        self._terms: dict[str, tuple[str, ...]] = {}

    def knows(self, word: str) -> bool:
        """Is the word in the word list (as written, or as an inflected form of a listed word)?"""
        return word in self.words or any(s in self.stems for s in stems(word))

    def _head(self, part: str, extra: Callable[[str], bool] | None) -> str | None:
        for base in _head_forms(part):
            if len(base) >= MIN_PART and (base in self.words or self._extra(base, extra)):
                return base
        return None

    def _tail(self, part: str, extra: Callable[[str], bool] | None) -> bool:
        return self.knows(part) or self._extra(part, extra)

    @staticmethod
    def _extra(part: str, extra: Callable[[str], bool] | None) -> bool:
        # Short words of the index ("mer", "sin") would split typos into nonsense ("mötesformmer").
        return extra is not None and len(part) >= MIN_INDEXED_PART and extra(part)

    def split(self, word: str, extra: Callable[[str], bool] | None = None) -> tuple[str, ...]:
        """The parts of a compound (two or more), or () when it is not one of known words.
        `extra` says whether a part the word list lacks is a word all the same (cached only
        without it: the index's words change)."""
        if not MIN_SPLIT <= len(word) <= MAX_SPLIT or not word.isalpha():
            return ()
        if extra is None and word in self._cache:
            return self._cache[word]
        n = len(word)
        best: dict[int, tuple[str, ...] | None] = {}

        def rest(i: int) -> tuple[str, ...] | None:
            """The fewest parts word[i:] splits into (the whole of it if it is a word)."""
            if i in best:
                return best[i]
            found: tuple[str, ...] | None = (word[i:],) if i and self._tail(word[i:], extra) else None
            if found is None:
                for j in range(n - MIN_PART, i + MIN_PART - 1, -1):  # longest first part first
                    head = self._head(word[i:j], extra)
                    if head is None:
                        continue
                    after = rest(j)
                    if after is not None and (found is None or len(after) + 1 < len(found)):
                        found = (head, *after)
            best[i] = found
            return found

        parts = rest(0) or ()
        if extra is None:
            if len(self._cache) >= _SPLIT_CACHE_MAX:
                self._cache.clear()
            self._cache[word] = parts
        return parts

    def parts(self, word: str, extra: Callable[[str], bool] | None = None) -> list[str]:
        """Every part worth searching, parts of parts included ("hemsjukvårdsteamet" →
        hemsjukvård, sjukvård, teamet): MIN_INDEXED_PART+ letters and not in PART_STOP."""
        out: list[str] = []
        for part in self.split(word, extra):
            if len(part) >= MIN_INDEXED_PART and stems(part)[0] not in _PART_STOP_STEMS and part not in out:
                out.append(part)
            out += [p for p in self.parts(part, extra) if p not in out]
        return out

    def part_terms(self, word: str) -> tuple[str, ...]:
        """Index terms of a word's parts: their stems, as the stemmed fields have them (kept:
        indexing asks for every long word of every page)."""
        found = self._terms.get(word)
        if found is None:
            found = tuple(dict.fromkeys(s for part in self.parts(word) for s in stems(part)))
            if len(self._terms) >= _SPLIT_CACHE_MAX:
                self._terms.clear()
            self._terms[word] = found
        return found


_PART_STOP_STEMS = frozenset(stems(w)[0] for w in PART_STOP)


@functools.cache
def decompounder() -> Decompounder:
    """The decompounder over kb's shipped word list (kb/data/swedish_words.txt)."""
    text = (resources.files("kb") / "data" / "swedish_words.txt").read_text(encoding="utf-8")
    return Decompounder(line for line in text.splitlines() if line and not line.startswith("#"))


# "Socialtjänstlagen (SoL)" and "SoL (Socialtjänstlagen)": a name and its abbreviation in a title.
_ABBREVIATION = r"[^\W_][\w-]{1,9}"
_NAME_THEN_ABBREVIATION = re.compile(rf"^(?P<name>[^()]*[^\W_][^()]*?)\s*\((?P<abbr>{_ABBREVIATION})\)$")
_ABBREVIATION_THEN_NAME = re.compile(rf"^(?P<abbr>{_ABBREVIATION})\s*\((?P<name>[^()]*[^\W_][^()]*)\)$")


def title_abbreviation(title: str) -> tuple[str, str] | None:
    """(abbreviation, name) when a title gives both, the abbreviation in brackets after the name
    or the other way round; an abbreviation has a capital after its first letter ("SoL", "HSL")."""
    title = " ".join(title.split())
    for pattern in (_NAME_THEN_ABBREVIATION, _ABBREVIATION_THEN_NAME):
        m = pattern.match(title)
        if m and any(c.isupper() for c in m["abbr"][1:]) and words(m["name"]) != words(m["abbr"]):
            return m["abbr"], m["name"].strip()
    return None


def normalize_title(title: str) -> str:
    """A title reduced to folded words separated by one space, for exact whole-title matches."""
    return " ".join(fold(w) for w in words(title))


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance with transpositions of neighbours (optimal string alignment), or
    limit+1 when it exceeds `limit`. Computed in C (rapidfuzz): fuzzy matching compares a typed
    word with thousands of the index's words per query."""
    return OSA.distance(a, b, score_cutoff=limit)


def near_in(word: str, candidates: Sequence[str], limit: int) -> list[tuple[str, int, int]]:
    """(candidate, edit distance, position) of the candidates within `limit` edits of `word`
    (as `edit_distance` counts them), compared in one call."""
    return process.extract(word, candidates, scorer=OSA.distance, score_cutoff=limit, limit=None)


# --- Whoosh analyzers (index side). Each is one loop over the words rather than a chain of
# generator filters: indexing speed is dominated by per-token Python work.


class _WordsAnalyzer(Composable):
    """Base: runs `self.terms(word)` for each word and yields one reused Token per term."""

    def terms(self, word: str) -> tuple[str, ...] | set[str] | list[str]:
        """Index terms for one lower-case word (override)."""
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return other is not None and self.__class__ is other.__class__ and self.__dict__ == other.__dict__

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: object) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.boost = 1.0
        t.stopped = False
        pos = start_pos
        for word in words(value):
            if word in STOP_WORDS:
                continue
            for term in self.terms(word):
                if positions:
                    t.pos = pos
                t.text = term
                yield t
            pos += 1


def counts_words(analyzer: object) -> bool:
    """Is this an analyzer `term_counts` can stand in for (one that yields `terms(word)` for each
    word that is no stop word, as `_WordsAnalyzer` does)?"""
    return isinstance(analyzer, _WordsAnalyzer) and type(analyzer).__call__ is _WordsAnalyzer.__call__


def term_counts(analyzer: _WordsAnalyzer, text: str) -> dict[str, int]:
    """{term: how often} for `text`: what the analyzer's tokens add up to, but each distinct word
    is analysed once and counted in C (a page's 500 words are about 250 different ones)."""
    out: dict[str, int] = {}
    get, terms = out.get, analyzer.terms
    for word, n in Counter(words(text)).items():
        if word in STOP_WORDS:
            continue
        for term in terms(word):
            out[term] = get(term, 0) + n
    return out


class StemAnalyzer(_WordsAnalyzer):
    """Stems (with the definite/neuter variants) of the non-stop words, exact letters kept."""

    def terms(self, word: str) -> tuple[str, ...]:
        """The word's stems."""
        return stems(word)


class FoldedAnalyzer(_WordsAnalyzer):
    """Stems of the folded words; with `only_changed`, only words that had å/ä/ö (or accents).

    `only_changed` keeps the body's folded field small: a word without diacritics is already
    in the stemmed field under the same term.
    """

    def __init__(self, only_changed: bool = False) -> None:
        self.only_changed = only_changed

    def terms(self, word: str) -> tuple[str, ...]:
        """The folded word's stems (or nothing when folding changes nothing)."""
        if self.only_changed and word.isascii():
            return ()
        return folded_stems(word)


class SubwordAnalyzer(_WordsAnalyzer):
    """Compound parts (prefixes/suffixes of 4+ letters) for short fields: title, tags, summary."""

    def terms(self, word: str) -> set[str]:
        """The word's parts."""
        return subwords(word)


class PartsAnalyzer(_WordsAnalyzer):
    """Dictionary compound parts of title, summary and body words (kb.analysis.Decompounder):
    "hemsjukvårdsteamet" is found by "hemsjukvård" and by "teamet"."""

    def terms(self, word: str) -> tuple[str, ...]:
        """Stems of the word's parts (none for a word that is no compound of known words)."""
        return decompounder().part_terms(word) if len(word) >= MIN_SPLIT else ()


class EdgeAnalyzer(_WordsAnalyzer):
    """Every prefix of each folded word, stop words included, for search-as-you-type on titles."""

    def __call__(self, value: str, **kwargs: object) -> Iterator[Token]:  # type: ignore[override]
        t = Token(False, False, removestops=False, mode=str(kwargs.get("mode", "")))
        t.boost = 1.0
        t.stopped = False
        # From two letters: suggestions start at two typed letters.
        for word in {fold(w) for w in words(value)}:
            for i in range(2, min(len(word), 20) + 1):
                t.text = word[:i]
                yield t


class SpellAnalyzer(_WordsAnalyzer):
    """Surface words (lower case, letters as written) for "Menade du …?" suggestions."""

    def terms(self, word: str) -> tuple[str, ...]:
        """The word itself when it is long enough to be worth suggesting."""
        return (word,) if len(word) >= 3 and not word.isdigit() else ()
