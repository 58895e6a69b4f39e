"""Line diffs between two revisions, with the changed words inside a line highlighted."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from kb.models import Revision

_WORDS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class DiffRow:
    """One row of a side-by-side diff; the HTML parts are escaped text with <del>/<ins> marks."""

    kind: str  # "equal", "delete", "insert", "replace", "skip"
    old_no: int | None
    new_no: int | None
    old_html: Markup
    new_html: Markup


def _word_diff(old: str, new: str) -> tuple[Markup, Markup]:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    left: list[str] = []
    right: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old_part, new_part = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if tag == "equal":
            left.append(old_part)
            right.append(new_part)
            continue
        if i2 > i1:
            left.append(Markup("<del>%s</del>") % old_part)
        if j2 > j1:
            right.append(Markup("<ins>%s</ins>") % new_part)
    return Markup("").join(left), Markup("").join(right)


def diff_text(old: str, new: str, context: int = 3) -> list[DiffRow]:
    """Rows for a diff of two texts, with `context` unchanged lines around each change."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        if rows:
            rows.append(DiffRow("skip", None, None, Markup("…"), Markup("…")))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for k in range(i2 - i1):
                    line = escape(a[i1 + k])
                    rows.append(DiffRow("equal", i1 + k + 1, j1 + k + 1, line, line))
            elif tag == "replace":
                pairs = max(i2 - i1, j2 - j1)
                for k in range(pairs):
                    oi, nj = i1 + k, j1 + k
                    if oi < i2 and nj < j2:
                        left, right = _word_diff(a[oi], b[nj])
                        rows.append(DiffRow("replace", oi + 1, nj + 1, left, right))
                    elif oi < i2:
                        rows.append(DiffRow("delete", oi + 1, None, Markup("<del>%s</del>") % a[oi], Markup("")))
                    else:
                        rows.append(DiffRow("insert", None, nj + 1, Markup(""), Markup("<ins>%s</ins>") % b[nj]))
            elif tag == "delete":
                for k in range(i1, i2):
                    rows.append(DiffRow("delete", k + 1, None, Markup("<del>%s</del>") % a[k], Markup("")))
            elif tag == "insert":
                for k in range(j1, j2):
                    rows.append(DiffRow("insert", None, k + 1, Markup(""), Markup("<ins>%s</ins>") % b[k]))
    return rows


@dataclass(frozen=True)
class FieldChange:
    """A metadata field that differs between two revisions."""

    label: str
    old: str
    new: str


def _shown(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def metadata_changes(old: Revision, new: Revision) -> list[FieldChange]:
    """Title, type, summary, tags, target groups and structured fields that differ."""
    from kb import typed
    from kb.constants import PageType

    def show(rev: Revision, attr: str) -> str:
        value = getattr(rev, attr)
        return PageType(value).label if attr == "type" else _shown(value)

    labels = {"title": "Titel", "type": "Sidtyp", "summary": "Sammanfattning", "tags": "Etiketter",
              "target_groups": "Målgrupper"}
    out = [FieldChange(label, show(old, attr), show(new, attr))
           for attr, label in labels.items() if show(old, attr) != show(new, attr)]
    specs = {s.name: s.label for t in dict.fromkeys((old.type, new.type)) for s in typed.specs_for(t)}
    for name, label in specs.items():
        before, after = _shown((old.fields or {}).get(name)), _shown((new.fields or {}).get(name))
        if before != after:
            out.append(FieldChange(label, before, after))
    return out
