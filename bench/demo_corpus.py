"""Swedish pages generated from the demo content's own words, deterministically (bench/search_10k.py).

Unlike bench/corpus.py (hand-written vocabulary, for bench/search_bench.py), the text here comes
from the demo pages themselves: a word-bigram model of their text (kb/demo/*.md) writes the
sentences, so word order and frequencies look like the real thing; variations (compounds of two
demo words, inflected forms) give the vocabulary the long tail a large knowledge base has. Titles,
tags, target groups, page types and wikilinks to the demo pages are drawn the same way. The same
seed gives the same pages.
"""
from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import yaml

DEMO = Path(__file__).resolve().parents[1] / "kb" / "demo"
WORD = re.compile(r"[A-Za-zÅÄÖåäöÉé][A-Za-zÅÄÖåäöÉé-]*")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
TYPES = ["article"] * 5 + ["routine"] * 3 + ["reception", "structure", "orientation"]
TARGET_GROUPS = ["Barn och unga", "Psykisk hälsa och missbruk", "Äldre"]
SUFFIXES = ["en", "et", "er", "ar", "erna", "arna", "ens", "ets", "na", "s"]


def _front_matter(text: str) -> tuple[dict, str]:
    if text.startswith("---"):
        _, meta, body = text.split("---", 2)
        return yaml.safe_load(meta) or {}, body
    return {}, text


class Corpus:
    """The demo pages as a language model: bigrams, vocabulary, titles, tags and slugs."""

    def __init__(self, seed: int = 2026) -> None:
        self.random = random.Random(seed)  # noqa: S311 - test data, not secrets
        self.next: dict[str, list[str]] = defaultdict(list)
        self.starts: list[str] = []
        self.words: list[str] = []
        self.tags: list[str] = []
        self.slugs: list[str] = []
        self.headings: list[str] = []
        for path in sorted(DEMO.glob("*.md")):
            meta, body = _front_matter(path.read_text(encoding="utf-8"))
            self.slugs.append(str(meta.get("slug") or path.stem))
            self.tags += [str(t) for t in meta.get("tags") or []]
            for line in body.splitlines():
                if line.startswith("#"):
                    self.headings.append(line.lstrip("# ").strip())
                    continue
                line = re.sub(r"\[\[[^\]]*\]\]", "", line)
                for sentence in SENTENCE_END.split(line):
                    words = WORD.findall(sentence)
                    if len(words) < 3:
                        continue
                    self.starts.append(words[0])
                    for a, b in zip(words, words[1:], strict=False):
                        self.next[a.lower()].append(b)
                    self.words += [w.lower() for w in words if len(w) > 3]
        self.long_words = [w for w in self.words if len(w) >= 5]

    def variant(self, word: str) -> str:
        """Now and then another form of a word: a compound with another demo word, or an inflection."""
        roll = self.random.random()
        if roll < 0.04 and len(word) >= 4 and word.islower():
            return word + self.random.choice(self.long_words)
        if roll < 0.08 and len(word) >= 4 and word.islower():
            return word + self.random.choice(SUFFIXES)
        return word

    def sentence(self, max_words: int = 22) -> str:
        """One sentence from the bigram model."""
        word = self.random.choice(self.starts)
        out = [word]
        while len(out) < max_words:
            followers = self.next.get(word.lower())
            if not followers:
                break
            word = self.random.choice(followers)
            out.append(self.variant(word))
        text = " ".join(out)
        return text[0].upper() + text[1:] + "."

    def body(self, words: int = 500) -> str:
        """Markdown of about `words` words: paragraphs, headings, a list and a few wikilinks."""
        parts: list[str] = []
        count = 0
        while count < words:
            roll = self.random.random()
            if roll < 0.12:
                parts.append("## " + self.random.choice(self.headings))
            elif roll < 0.2:
                items = [self.sentence(8).rstrip(".") for _ in range(self.random.randint(2, 5))]
                parts.append("\n".join(f"- {item}" for item in items))
                count += sum(len(i.split()) for i in items)
            else:
                sentences = [self.sentence() for _ in range(self.random.randint(2, 5))]
                if self.random.random() < 0.3:
                    slug = self.random.choice(self.slugs)
                    sentences.append(f"Se även [[{slug}]].")
                paragraph = " ".join(sentences)
                parts.append(paragraph)
                count += len(paragraph.split())
        return "\n\n".join(parts) + "\n"

    def title(self, n: int) -> str:
        """A unique title of two to four demo words (the number keeps it unique)."""
        words = [self.random.choice(self.long_words) for _ in range(self.random.randint(2, 4))]
        return f"{words[0].capitalize()} {' '.join(words[1:])} {n}"

    def pages(self, count: int, words: int = 500) -> Iterator[dict]:
        """`count` pages as keyword arguments for kb.services.pages.PageData."""
        for n in range(1, count + 1):
            yield {
                "title": self.title(n),
                "type": self.random.choice(TYPES),
                "source": self.body(words),
                "summary": self.sentence(18),
                "tags": sorted({self.random.choice(self.tags) for _ in range(self.random.randint(1, 4))}),
                "target_groups": sorted(self.random.sample(TARGET_GROUPS, self.random.randint(0, 2))),
            }
