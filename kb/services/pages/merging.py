"""Three-way merges of page edits: two people changed the same page from the same base revision.

Pure functions, no database. The text is merged line by line with merge3 (the diff3 algorithm, as
MediaWiki and git merge): changes to different parts are combined; where both changed the same part,
the merged text holds both versions between Swedish conflict markers. Title, type, summary, tags,
target groups, address and each structured field are merged as single values: the user's value where
they changed it from the base, else the other person's; both changed differently is a conflict.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import merge3

from kb.constants import PageType
from kb.services.pages.data import PageData

MINE_MARKER = "<<<<<<< Din version"
SEPARATOR = "======="
THEIRS_MARKER = ">>>>>>> Deras version"

_START = re.compile(r"<{7} Din version(?: \(krock (\d+)\))?")
_END = re.compile(r">{7} Deras version(?: \(version \d+\))?")
# Any line that opens or closes a conflict (a bare ======= is also a Markdown heading underline).
_MARKER_LINE = re.compile(r"^(?:<{7} Din version|>{7} Deras version)", re.MULTILINE)

MARKERS_LEFT = ("Texten innehåller fortfarande krockmarkeringar (<<<<<<< Din version … ======= … "
                ">>>>>>> Deras version). Välj för varje krock vilken version som ska gälla, eller ändra "
                "texten själv och ta bort markeringarna. Inget sparades.")

# How a conflicting block is resolved: the user's lines, the other person's, or both (the user's first).
MINE, THEIRS, BOTH = "mine", "theirs", "both"

_ATTRIBUTES = {"title": "Titel", "type": "Sidtyp", "summary": "Sammanfattning", "tags": "Etiketter",
               "target_groups": "Målgrupper", "slug": "Adress"}


class _Matcher(difflib.SequenceMatcher):
    """difflib without its autojunk heuristic, which treats frequent lines (blank lines between
    paragraphs in any longer text) as junk and makes merges of long pages misalign."""

    def __init__(self, isjunk=None, a="", b="", autojunk=False):  # noqa: D107 - difflib's signature
        super().__init__(isjunk, a, b, autojunk=False)


def _lines(text: str) -> list[str]:
    """The text's lines, each ending in \\n (a browser sends \\r\\n; other line breaks stay in a line)."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text.replace("\r\n", "\n").replace("\r", "\n"))


def _ended(lines: list[str]) -> list[str]:
    return [line if line.endswith("\n") else line + "\n" for line in lines]


@dataclass(frozen=True)
class TextMerge:
    """A merged text; `conflicts` overlapping changes are marked in it."""

    text: str
    conflicts: int


def merge_text(base: str, mine: str, theirs: str, *, their_version: int) -> TextMerge:
    """Merge the changes `mine` and `theirs` made to `base`; mark where both changed the same lines.

    A conflicting block reads `<<<<<<< Din version (krock K)`, the user's lines, `=======`, the other
    person's lines and `>>>>>>> Deras version (version N)`.
    """
    merger = merge3.Merge3(_lines(base), _lines(mine), _lines(theirs), sequence_matcher=_Matcher)
    out: list[str] = []
    conflicts = 0
    # Reprocessing keeps lines both sides agree on out of a conflicting block.
    for region in merger.reprocess_merge_regions(merger.merge_regions()):
        kind = region[0]
        if kind == "unchanged":
            out += merger.base[region[1]:region[2]]
        elif kind in ("a", "same"):
            out += merger.a[region[1]:region[2]]
        elif kind == "b":
            out += merger.b[region[1]:region[2]]
        else:  # "conflict": (kind, base start, base end, a start, a end, b start, b end)
            conflicts += 1
            ours, others = merger.a[region[3]:region[4]], merger.b[region[5]:region[6]]
            out += [f"{MINE_MARKER} (krock {conflicts})\n", *_ended(list(ours)), SEPARATOR + "\n",
                    *_ended(list(others)), f"{THEIRS_MARKER} (version {their_version})\n"]
    return TextMerge("".join(out), conflicts)


def has_markers(text: str) -> bool:
    """Whether the text still holds a line that opens or closes a conflict."""
    return _MARKER_LINE.search(text or "") is not None


@dataclass(frozen=True)
class _Block:
    number: int
    start: int  # index of the opening marker line
    end: int  # index of the closing marker line
    mine: list[str]
    theirs: list[str]


def _blocks(lines: list[str]) -> list[_Block]:
    """The complete conflict blocks among `lines` (numbered by their marker, else by position)."""
    blocks: list[_Block] = []
    i, position = 0, 0
    while i < len(lines):
        opened = _START.fullmatch(lines[i].rstrip("\n"))
        if not opened:
            i += 1
            continue
        position += 1
        sep = next((j for j in range(i + 1, len(lines)) if lines[j].rstrip("\n") == SEPARATOR), None)
        end = next((j for j in range(sep + 1, len(lines)) if _END.fullmatch(lines[j].rstrip("\n"))), None) \
            if sep is not None else None
        if end is None or any(_START.fullmatch(lines[k].rstrip("\n")) for k in range(i + 1, end)):
            i += 1  # broken or nested: left as it is (and refused as unresolved)
            continue
        number = int(opened.group(1)) if opened.group(1) else position
        blocks.append(_Block(number, i, end, lines[i + 1:sep], lines[sep + 1:end]))
        i = end + 1
    return blocks


# A line that continues a list or table (no blank line is put between two of these).
_LIST_OR_TABLE = re.compile(r"\s*(?:[-*+]\s|\d+[.)]\s|\|)")


def _both(mine: list[str], theirs: list[str]) -> list[str]:
    """The user's lines, then the other person's, as separate paragraphs unless both are list or table lines."""
    if not mine or not theirs or not mine[-1].strip() or not theirs[0].strip() \
            or (_LIST_OR_TABLE.match(mine[-1]) and _LIST_OR_TABLE.match(theirs[0])):
        return mine + theirs
    return [*mine, "\n", *theirs]


def conflict_numbers(text: str) -> list[int]:
    """The numbers of the conflict blocks still marked in the text, in order."""
    return [b.number for b in _blocks(_lines(text or ""))]


def resolve(text: str, choices: Mapping[int, str]) -> str:
    """Replace each marked block that has a choice (MINE, THEIRS or BOTH) by the chosen lines."""
    lines = _lines(text or "")
    out: list[str] = []
    done = 0
    for block in _blocks(lines):
        choice = choices.get(block.number)
        if choice not in (MINE, THEIRS, BOTH):
            continue
        out += lines[done:block.start]
        out += {MINE: block.mine, THEIRS: block.theirs, BOTH: _both(block.mine, block.theirs)}[choice]
        done = block.end + 1
    return "".join(out + lines[done:])


def _shown(name: str, value: object) -> str:
    if name == "type":
        try:
            return PageType(value).label
        except ValueError:
            return str(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class PageMerge:
    """The merge of two edits of a page.

    `data`: the merged page; where both changed the same text, the text holds both between markers,
    and a field both changed keeps the user's value. `conflicts`: the number of marked text blocks.
    `fields`: each field both changed differently (`title`, `fields.<name>`, …) with the other value.
    """

    data: PageData
    conflicts: int = 0
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        """Whether the edits touched different parts only (the merge can be saved as it is)."""
        return not self.conflicts and not self.fields


def _pick(base: object, mine: object, theirs: object) -> tuple[object, bool]:
    """The merged value of one field and whether both changed it differently."""
    if mine == base or mine == theirs:
        return theirs, False
    if theirs == base:
        return mine, False
    return mine, True


def merge_page(base: PageData, mine: PageData, theirs: PageData, *, their_version: int) -> PageMerge:
    """Merge the user's edit `mine` and the newest revision `theirs`, both made from `base`.

    Field values are compared as cleaned (kb.services.pages.clean); an empty slug means unchanged.
    """
    merged: dict[str, object] = {}
    conflicting: dict[str, str] = {}
    for name in _ATTRIBUTES:
        ours = getattr(mine, name) if name != "slug" else (mine.slug or base.slug)
        value, clash = _pick(getattr(base, name), ours, getattr(theirs, name))
        merged[name] = value
        if clash:
            conflicting[name] = _shown(name, getattr(theirs, name))
    fields: dict = {}
    old, ours, others = dict(base.fields or {}), dict(mine.fields or {}), dict(theirs.fields or {})
    for name in dict.fromkeys([*old, *ours, *others]):
        value, clash = _pick(old.get(name), ours.get(name), others.get(name))
        if value not in (None, "", []):
            fields[name] = value
        if clash:
            conflicting[f"fields.{name}"] = _shown(name, others.get(name))
    text = merge_text(base.source, mine.source, theirs.source, their_version=their_version)
    data = replace(mine, source=text.text, fields=fields, **merged)
    return PageMerge(data, text.conflicts, conflicting)


def merged_comment(comment: str, version: int, limit: int = 300) -> str:
    """The change comment of a merged save: the user's, saying what it was merged with."""
    note = f"sammanfogad med version {version}"
    comment = (comment or "").strip()
    if not comment:
        return note[0].upper() + note[1:]
    return f"{comment[:limit - len(note) - 3].rstrip()} ({note})"
