"""Search snippets: the part of a page's text that shows why it matched, hits in <mark>.

Snippets are cut from the stored text, which `display_text` has made plain text when the
document was indexed. The text is escaped here; the only HTML in a snippet is <mark>, so
templates show it with |safe (and the API passes it on as is).
"""
from __future__ import annotations

import re

from markupsafe import escape

from kb import analysis
from kb.index.query import Phrase, Word

SNIPPET_CHARS = 220
SNIPPET_SCAN_CHARS = 20_000
MAX_SNIPPET_HITS = 12

# Markup that can reach the text of a document: page text stored before table cells were
# joined without pipes, Markdown in structured fields ("[[sida]]" in Relaterade dokument) and in
# attachments, list dashes typed into plain-text fields. Snippets show text, never markup.
_WIKILINK = re.compile(r"\[\[([^\[\]|\n]+?)(?:\|([^\[\]\n]+))?\]\]")
_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\([^()\s]*\)")
_LINE_MARK = re.compile(r"^[ \t]*(?:#{1,6}|[-*+•>])[ \t]+", re.MULTILINE)
_TABLE_RULE = re.compile(r"^\|?(?:[ \t]*:?-{3,}:?[ \t]*\|?)+$")
_CELL = re.compile(r"[ \t]*\|[ \t]*")
_EMPHASIS = re.compile(r"(?<![^\W_])(\*\*|__|\*)(?=[^\s*_])(.+?)(?<=[^\s*_])\1(?![^\W_])")


def display_text(text: str) -> str:
    """Plain text as a reader would see it: wiki and Markdown links as their text, table cells
    apart by " · ", without heading marks, list dashes, quote marks or emphasis stars.

    Runs for every document indexed, so each step only runs when its sign is in the text.
    """
    if "[[" in text:
        text = _WIKILINK.sub(lambda m: (m.group(2) or m.group(1).partition("#")[0]).strip(), text)
    if "](" in text:
        text = _LINK.sub(r"\1", text)
    text = _LINE_MARK.sub("", text)
    if "|" in text:
        rows = (line.strip().strip("|").strip() for line in text.split("\n"))
        text = "\n".join(_CELL.sub(" · ", row) for row in rows if not _TABLE_RULE.match(row))
    if "*" in text or "__" in text:
        text = _EMPHASIS.sub(r"\2", text)
    return text


class Highlighter:
    """Marks the words of a text that the query matched, escaping everything else.

    `phrases` (glossary synonyms of several words) are marked only where they stand whole, as
    one <mark>; their words alone are no hit ("samordnad individuell plan" does not mark
    "Samordningsgruppen").
    """

    def __init__(self, words: list[Word], extra_terms: set[str], phrases: list[Phrase] | None = None) -> None:
        self.phrases = list(dict.fromkeys(phrases or ()))
        self.stems = {s for w in words for s in w.stems} | extra_terms
        self.folded = {s for w in words for s in w.folded} | {analysis.fold(t) for t in extra_terms}
        self.parts = {p for w in words for p in w.parts if len(p) >= 5}
        self._memo: dict[str, bool] = {}
        # Stems only ever cut endings, so a matching word starts with a (folded) query stem;
        # a compound part may sit anywhere in a word. Two regexes find the candidates (in C),
        # `matches` confirms each.
        # A stem that holds a compound part is left to the second regex, which finds every word
        # with the part in it (`matches` decides alike whichever regex found a word): the expansions
        # of a part ("barnnosam", "ellernosam" for "nosam") would make the first regex try almost
        # every letter of a text.
        starts = analysis.loose_alternatives({f for s in self.stems | self.folded
                                              if (f := analysis.fold(s)) and not any(p in f for p in self.parts)})
        inner = analysis.loose_alternatives(self.parts)
        # (Whether a hit of `_starts` begins a word is checked in `hits`: a look-behind here
        # would make the regex engine try every position of the text.)
        self._starts = re.compile(rf"{starts}[^\W_]*") if starts else None
        self._inner = re.compile(inner) if inner else None

    def matches(self, word: str) -> bool:
        """Does this lower-case word count as a hit?"""
        hit = self._memo.get(word)
        if hit is None:
            folded = analysis.fold(word)
            hit = not analysis.is_stop(word) and (  # stop words are never searched, so never a hit
                any(s in self.stems for s in analysis.stems(word))
                or any(s in self.folded for s in analysis.folded_stems(word))
                or any(p in folded for p in self.parts if len(folded) > len(p))
            )
            self._memo[word] = hit
        return hit

    def hits(self, text: str, enough: int = MAX_SNIPPET_HITS) -> list[tuple[int, int]]:
        """(start, end) of matched words and phrases in `text`, in order; each regex stops after `enough`."""
        found: dict[int, int] = {}
        for phrase in self.phrases:
            for start, end in phrase.spans(text, enough):
                found[start] = max(end, found.get(start, end))
        if self._starts is not None:
            count = 0
            for m in self._starts.finditer(text):
                start = m.start()
                if analysis.inside_word(text, start):  # not where a stem can begin
                    continue
                if self.matches(m.group().lower()):
                    found[start] = m.end()
                    count += 1
                    if count >= enough:
                        break
        if self._inner is not None:
            count = 0
            for m in self._inner.finditer(text):
                start, end = m.start(), m.end()
                while start > 0 and text[start - 1].isalnum():
                    start -= 1
                while end < len(text) and text[end].isalnum():
                    end += 1
                if start not in found and self.matches(text[start:end].lower()):
                    found[start] = end
                    count += 1
                    if count >= enough:
                        break
        return _outermost(sorted(found.items()))

    def snippet(self, text: str, width: int = SNIPPET_CHARS) -> tuple[str, bool]:
        """(HTML, found): the window of `text` with the most distinct hits, hits in <mark>."""
        text = text[:SNIPPET_SCAN_CHARS]
        hits = self.hits(text)
        if not hits:
            return self._plain(text, width), False
        # The window (starting at a hit) that shows the most different matched words.
        hits = hits[:MAX_SNIPPET_HITS]
        words = [text[s:e].lower() for s, e in hits]
        best, best_score = 0, 0
        for i, (start, _) in enumerate(hits):
            score = len({w for (s, e), w in zip(hits[i:], words[i:], strict=True) if e <= start + width})
            if score > best_score:
                best, best_score = i, score
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


def _outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans without those inside an earlier one (a word within a marked phrase)."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and start < out[-1][1]:
            continue
        out.append((start, end))
    return out
