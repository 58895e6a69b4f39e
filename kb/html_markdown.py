"""The HTML mammoth makes of a Word document, as the Markdown pages are written in (kb.markup).

Pure: no Flask, no I/O. Only mammoth's small vocabulary is understood: h1–h6, p, strong, em, s,
sup, sub, a, img, br, ul/ol/li (nested), table/thead/tbody/tr/th/td, and its footnotes and
endnotes (a `<sup><a href="#footnote-1" id="footnote-ref-1">` reference, and an `<ol>` of
`<li id="footnote-1">` at the end). Anything else is read for its text. Text is escaped, so
nothing in a document becomes Markdown, HTML or a wiki link it did not say.

Tables become GFM tables (their first row the header, as Markdown has no table without one); a
cell's paragraphs and list items are joined by <br>, the one way to break a line inside a cell.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset({"img", "br", "hr"})
BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "hr", "blockquote"})
_NOTE_ID = re.compile(r"^(footnote|endnote)-(\d+)$")
_NOTE_REF = re.compile(r"^#(footnote|endnote)-(\d+)$")
_LIST_START = re.compile(r"^(-|\d+\.) ")
# Widest colspan honoured (a cell spanning more is rare and would make a very wide table).
MAX_SPAN = 50
_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0]+")
# Characters that could start Markdown, HTML or a wiki link anywhere in a line.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
# What could start a block at the beginning of a line: a heading, quote, list item or rule.
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


@dataclass
class Node:
    """An element of the parsed HTML: its tag, attributes and children (Nodes and text)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """Builds a Node tree; an end tag closes up to its own start tag (mammoth's HTML is well formed)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    """The HTML as a tree under a Node "root"."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def escape_text(text: str) -> str:
    """Plain text as Markdown that shows exactly that text."""
    text = _ENTITY.sub("&amp;", _INLINE_SPECIAL.sub(r"\\\1", text))
    # A run of "!" before an escaped "[" is harmless; an asterisk list or heading needs its line start.
    return text


def _escape_line_start(line: str) -> str:
    match = _LINE_START.match(line)
    if not match:
        return line
    lead, marker = match.groups()
    if marker[-1] in ".)":
        return f"{lead}{marker[:-1]}\\{marker[-1]}{line[match.end():]}"
    return f"{lead}\\{marker}{line[match.end():]}"


def text_of(node: Node | str) -> str:
    """All the text inside a node, whitespace as it is."""
    if isinstance(node, str):
        return node
    return "".join(text_of(child) for child in node.children)


def _wrap(marker: str, inner: str) -> str:
    """Emphasis around `inner`, its outer spaces moved outside (CommonMark ignores "** fet **")."""
    stripped = inner.strip()
    if not stripped:
        return inner
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()):]
    return f"{lead}{marker}{stripped}{marker}{trail}"


class Converter:
    """Turns the tree into Markdown; `line_break` is what a <br> becomes (a cell needs "<br>")."""

    def __init__(self) -> None:
        self.notes: dict[str, list[str]] = {}  # note label → its paragraphs in Markdown
        self.note_labels: dict[str, str] = {}  # "footnote-1" → "1"; endnotes continue the numbering

    # --- inline ----------------------------------------------------------------------------

    def inline(self, nodes: list[Node | str], line_break: str = "\\\n") -> str:
        """Markdown for inline content; whitespace collapsed, line breaks as `line_break`."""
        out: list[str] = []
        for node in nodes:
            if isinstance(node, str):
                out.append(escape_text(_SPACE.sub(" ", node)))
                continue
            tag = node.tag
            if tag == "br":
                out.append(line_break)
            elif tag in ("strong", "b"):
                out.append(_wrap("**", self.inline(node.children, line_break)))
            elif tag in ("em", "i"):
                out.append(_wrap("*", self.inline(node.children, line_break)))
            elif tag in ("s", "del"):
                out.append(_wrap("~~", self.inline(node.children, line_break)))
            elif tag in ("sup", "sub"):
                out.append(self._sup_or_sub(node, line_break))
            elif tag == "a":
                out.append(self._link(node, line_break))
            elif tag == "img":
                out.append(self._image(node))
            elif tag in BLOCKS or tag in ("li", "td", "th", "tr"):
                out.append(" " + self.inline(node.children, line_break) + " ")
            else:
                out.append(self.inline(node.children, line_break))
        return "".join(out)

    def _sup_or_sub(self, node: Node, line_break: str) -> str:
        links = [c for c in node.children if isinstance(c, Node) and c.tag == "a"]
        if node.tag == "sup" and len(links) == 1 and _NOTE_REF.match(links[0].attrs.get("href", "")):
            return f"[^{self._note_label(links[0].attrs['href'][1:])}]"
        inner = self.inline(node.children, line_break).strip()
        return f"<{node.tag}>{inner}</{node.tag}>" if inner else ""

    def _note_label(self, note_id: str) -> str:
        if note_id not in self.note_labels:
            self.note_labels[note_id] = str(len(self.note_labels) + 1)
        return self.note_labels[note_id]

    def _link(self, node: Node, line_break: str) -> str:
        text = self.inline(node.children, line_break)
        href = node.attrs.get("href", "").strip()
        # Bookmarks (<a id="_Toc…">) and links inside the document (to a bookmark) keep their text.
        if not href or href.startswith("#") or not text.strip():
            return text
        if re.search(r"[\s()<>]", href):
            href = "<" + href.replace("<", "%3C").replace(">", "%3E") + ">"
        return f"[{text.strip()}]({href})"

    def _image(self, node: Node) -> str:
        alt = escape_text(_SPACE.sub(" ", node.attrs.get("alt", "")).strip())
        src = node.attrs.get("src", "")
        return f"![{alt}]({src})" if src else ""

    # --- blocks ----------------------------------------------------------------------------

    def blocks(self, nodes: list[Node | str]) -> list[str]:
        """Markdown blocks (each without a trailing newline) for a sequence of block-level nodes;
        loose inline content between blocks becomes a paragraph of its own."""
        out: list[str] = []
        pending: list[Node | str] = []

        def flush() -> None:
            text = self.paragraph(pending)
            if text:
                out.append(text)
            pending.clear()

        for node in nodes:
            if isinstance(node, Node) and (node.tag in BLOCKS or node.tag in ("div", "li")):
                flush()
                out.extend(self.block(node))
            else:
                pending.append(node)
        flush()
        return out

    def paragraph(self, nodes: list[Node | str]) -> str:
        """A paragraph: inline Markdown, each line's start escaped where it could begin a block."""
        text = self.inline(nodes).strip()
        lines = [line.strip() for line in text.split("\n")]
        return "\n".join(_escape_line_start(line) for line in lines if line)

    def block(self, node: Node) -> list[str]:
        """Markdown blocks for one block-level node."""
        tag = node.tag
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            text = self.inline(node.children, " ").strip()
            return [f"{'#' * int(tag[1])} {text}"] if text else []
        if tag == "p":
            text = self.paragraph(node.children)
            return [text] if text else []
        if tag in ("ul", "ol"):
            if self._notes_list(node):
                return []
            text = self.list_block(node)
            return [text] if text else []
        if tag == "table":
            text = self.table(node)
            return [text] if text else []
        if tag == "hr":
            return ["---"]
        if tag == "blockquote":
            inner = "\n\n".join(self.blocks(node.children))
            return ["\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))] if inner else []
        return self.blocks(node.children)

    def _notes_list(self, node: Node) -> bool:
        """Whether `node` is mammoth's list of footnotes or endnotes; if so, keep the notes."""
        items = [c for c in node.children if isinstance(c, Node)]
        if not items or not all(c.tag == "li" and _NOTE_ID.match(c.attrs.get("id", "")) for c in items):
            return False
        for item in items:
            label = self._note_label(item.attrs["id"])
            self.notes[label] = self.blocks([c for c in item.children if not _is_back_link(c)])
        return True

    def list_block(self, node: Node) -> str:
        """A list, its items numbered from 1 (ordered) or marked with "-", nested lists indented."""
        lines: list[str] = []
        number = 0
        for item in node.children:
            if not isinstance(item, Node) or item.tag != "li":
                continue
            number += 1
            marker = f"{number}." if node.tag == "ol" else "-"
            indent = " " * (len(marker) + 1)
            body = _join_item(self.blocks(item.children))
            first, *rest = body.split("\n") if body else [""]
            lines.append(f"{marker} {first}".rstrip())
            lines.extend(f"{indent}{line}" if line else "" for line in rest)
        return "\n".join(lines)

    def table(self, node: Node) -> str:
        """A GFM table; the first row is its header."""
        rows: list[list[str]] = []
        for row in _rows(node):
            cells: list[str] = []
            for cell in row.children:
                if isinstance(cell, Node) and cell.tag in ("td", "th"):
                    cells.append(self.cell(cell))
                    span = cell.attrs.get("colspan", "")
                    cells.extend("" for _ in range(min(int(span), MAX_SPAN) - 1 if span.isdigit() else 0))
            if cells:
                rows.append(cells)
        if not rows:
            return ""
        width = max(len(r) for r in rows)
        lines = []
        for n, cells in enumerate(rows):
            cells = cells + [""] * (width - len(cells))
            lines.append("| " + " | ".join(cells) + " |")
            if n == 0:
                lines.append("|" + "|".join(" --- " for _ in range(width)) + "|")
        return "\n".join(lines)

    def cell(self, node: Node) -> str:
        """A table cell on one line: its paragraphs and list items joined by <br>."""
        parts: list[str] = []
        for block in _flatten(node):
            text = self.inline(block.children if isinstance(block, Node) else [block], "<br>").strip()
            if text:
                parts.append(text)
        return "<br>".join(parts).replace("\n", " ")

    # --- footnotes -------------------------------------------------------------------------

    def footnotes(self) -> str:
        """The definitions of the notes referred to, in the order of their labels."""
        out = []
        for label in sorted(self.notes, key=int):
            paragraphs = self.notes[label] or [""]
            first, *rest = "\n\n".join(paragraphs).split("\n")
            out.append(f"[^{label}]: {first}".rstrip())
            out.extend(f"    {line}" if line else "" for line in rest)
        return "\n".join(out)


def _join_item(blocks: list[str]) -> str:
    """A list item's blocks: a nested list right under the item's text (a blank line between them
    would make the whole list loose, every item a paragraph), other blocks a blank line apart."""
    out = ""
    for block in blocks:
        if out:
            out += "\n" if _LIST_START.match(block) else "\n\n"
        out += block
    return out


def _is_back_link(node: Node | str) -> bool:
    """mammoth's "↑" link from a note back to its reference (inside the note's last paragraph too)."""
    if isinstance(node, str):
        return False
    if node.tag == "a" and _NOTE_REF.match(node.attrs.get("href", "").replace("-ref", "")):
        return True
    if node.tag == "p":
        node.children = [c for c in node.children if not _is_back_link(c)]
    return False


def _rows(table: Node) -> list[Node]:
    rows = []
    for child in table.children:
        if isinstance(child, Node):
            if child.tag == "tr":
                rows.append(child)
            elif child.tag in ("thead", "tbody", "tfoot"):
                rows.extend(c for c in child.children if isinstance(c, Node) and c.tag == "tr")
    return rows


def _flatten(node: Node) -> list[Node | str]:
    """The paragraphs and list items inside a cell (nested tables read row by row), in order."""
    out: list[Node | str] = []
    loose: list[Node | str] = []
    for child in node.children:
        if isinstance(child, Node) and child.tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li"):
            out.append(Node("p", children=[c for c in child.children
                                           if not (isinstance(c, Node) and c.tag in ("ul", "ol"))]))
            out.extend(_flatten(Node("div", children=[c for c in child.children
                                                      if isinstance(c, Node) and c.tag in ("ul", "ol")])))
        elif isinstance(child, Node) and child.tag in ("ul", "ol", "table", "tr", "tbody", "thead", "td", "th",
                                                       "div", "blockquote"):
            out.extend(_flatten(child))
        else:
            loose.append(child)
    if loose:
        out.insert(0, Node("p", children=loose))
    return out


def markdown_of(nodes: list[Node | str]) -> str:
    """Markdown for parsed nodes: blocks separated by blank lines, footnotes at the end ("" if empty)."""
    converter = Converter()
    notes = converter.footnotes() if (body := converter.blocks(nodes)) or converter.notes else ""
    text = "\n\n".join(body + ([notes] if notes else []))
    return text + "\n" if text else ""


def to_markdown(html: str) -> str:
    """Markdown for mammoth's HTML."""
    return markdown_of(parse(html).children)
