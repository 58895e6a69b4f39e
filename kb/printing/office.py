"""The Word file (.docx) of a document, written with python-docx from the same sanitised HTML as the PDF.

The HTML (kb.sanitize's output: a small, known set of tags) is read into a tree (kb.html_markdown's,
which reads Word's HTML for the import), then written out: headings as Word's headings, paragraphs, bold, italics,
struck and code text, bulleted and numbered lists (numbered by hand, so each list starts at its own
first number), tables with merged cells, links as real links, and the Document's images. The header
block is a two-column table like the PDF's; the footer holds the disclaimer, the address of the page
and "Sida X av Y" as Word fields. Runs in the child process (kb.printing.child).
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin

from kb.html_markdown import Node, parse
from kb.printing.document import DISCLAIMER, Document

INLINE = frozenset({"a", "abbr", "b", "br", "code", "del", "em", "i", "img", "kbd", "mark", "s", "small", "span",
                    "strong", "sub", "sup", "u", "ins", "q", "cite", "time", "wbr"})
SKIPPED = frozenset({"nav", "script", "style", "template"})  # nav: the page's table of contents
LIST_DEPTH = 3  # Word's default template has list styles for three levels
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Format:
    """How inline text looks where it is: bold, italic … and the link it is part of."""

    bold: bool = False
    italic: bool = False
    strike: bool = False
    mono: bool = False
    underline: bool = False
    superscript: bool = False
    subscript: bool = False
    link: str = ""
    pre: bool = False

    def with_(self, **changes) -> Format:
        """A copy with some properties changed."""
        return Format(**{**self.__dict__, **changes})


_TAG_FORMAT = {"strong": {"bold": True}, "b": {"bold": True}, "em": {"italic": True}, "i": {"italic": True},
               "cite": {"italic": True}, "del": {"strike": True}, "s": {"strike": True}, "code": {"mono": True},
               "kbd": {"mono": True}, "u": {"underline": True}, "ins": {"underline": True},
               "sup": {"superscript": True}, "sub": {"subscript": True}}


class Writer:
    """Writes a tree of sanitised HTML into a python-docx document, a table cell at a time."""

    def __init__(self, document, doc: Document, text_width: int) -> None:
        self.document = document
        self.doc = doc
        self.text_width = text_width

    # --- blocks ---------------------------------------------------------------------------------

    def blocks(self, container, nodes: list[Node | str], style: str | None = None) -> None:
        """Write block content into `container` (the document or a cell); loose text gets paragraphs."""
        paragraph = None
        for node in nodes:
            if isinstance(node, str) or node.tag in INLINE:
                if paragraph is None:
                    if isinstance(node, str) and not node.strip():
                        continue
                    paragraph = self.paragraph(container, style)
                self.inline(paragraph, node, Format())
                continue
            paragraph = None
            self.block(container, node, style)

    def block(self, container, node: Node, style: str | None) -> None:
        """Write one block element."""
        tag = node.tag
        if tag in SKIPPED or tag == "hr":
            return
        if re.fullmatch(r"h[1-6]", tag):
            self.inlines(self.paragraph(container, f"Heading {tag[1]}"), node.children, Format())
        elif tag in ("ul", "ol"):
            self.list(container, node, 1)
        elif tag == "table":
            self.table(container, node)
        elif tag == "blockquote":
            self.blocks(container, node.children, "Quote")
        elif tag == "pre":
            self.inlines(self.paragraph(container, style), node.children, Format(mono=True, pre=True))
        elif tag == "dt":
            self.inlines(self.paragraph(container, style), node.children, Format(bold=True))
        elif tag == "dd":
            self.blocks(container, node.children, "List Continue")
        elif tag == "p" or not any(isinstance(c, Node) and c.tag not in INLINE for c in node.children):
            if node.children:
                self.inlines(self.paragraph(container, style), node.children, Format())
        else:  # div, dl, li out of a list, …: their blocks
            self.blocks(container, node.children, style)

    def paragraph(self, container, style: str | None = None):
        """A new paragraph (a new cell's first, empty paragraph is used first)."""
        paragraphs = getattr(container, "paragraphs", None)
        if paragraphs and len(paragraphs) == 1 and not paragraphs[0].runs and getattr(container, "_fresh", False):
            container._fresh = False
            paragraph = paragraphs[0]
            if style:
                paragraph.style = style
            return paragraph
        return container.add_paragraph(style=style)

    def list(self, container, node: Node, depth: int) -> None:
        """A bulleted or numbered list; nested lists one level in (at most LIST_DEPTH)."""
        level = min(depth, LIST_DEPTH)
        suffix = "" if level == 1 else f" {level}"
        number = _int(node.attrs.get("start"), 1)
        for item in node.children:
            if not isinstance(item, Node) or item.tag != "li":
                continue
            if node.tag == "ul":
                paragraph = self.paragraph(container, f"List Bullet{suffix}")
            else:
                paragraph = self.paragraph(container, f"List{suffix}")
                paragraph.add_run(f"{number}. ")
                number += 1
            first = True
            for child in item.children:
                if isinstance(child, Node) and child.tag in ("ul", "ol"):
                    self.list(container, child, depth + 1)
                    first = False
                elif isinstance(child, Node) and child.tag not in INLINE:
                    if first and child.tag == "p":
                        self.inlines(paragraph, child.children, Format())
                    else:
                        self.blocks(container, [child], f"List Continue{suffix}")
                    first = False
                elif first or not (isinstance(child, str) and not child.strip()):
                    if not first:
                        paragraph = self.paragraph(container, f"List Continue{suffix}")
                        first = True
                    self.inline(paragraph, child, Format())

    def table(self, container, node: Node) -> None:
        """A table with its header cells in bold and colspan/rowspan as merged cells."""
        rows = [r for r in _descendants(node, "tr")]
        caption = next((c for c in node.children if isinstance(c, Node) and c.tag == "caption"), None)
        if caption is not None:
            self.inlines(self.paragraph(container, None), caption.children, Format(bold=True))
        if not rows:
            return
        grid: dict[tuple[int, int], tuple[Node, int, int]] = {}
        taken: set[tuple[int, int]] = set()
        for r, row in enumerate(rows):
            c = 0
            for cell in (x for x in row.children if isinstance(x, Node) and x.tag in ("td", "th")):
                while (r, c) in taken:
                    c += 1
                span = min(max(_int(cell.attrs.get("colspan"), 1), 1), 50)
                down = min(max(_int(cell.attrs.get("rowspan"), 1), 1), len(rows) - r)
                grid[(r, c)] = (cell, span, down)
                taken.update((r + i, c + j) for i in range(down) for j in range(span))
                c += span
        columns = max(c for _, c in taken) + 1
        table = container.add_table(rows=len(rows), cols=columns)
        table.style = "Table Grid"
        for (r, c), (cell_node, span, down) in grid.items():
            cell = table.cell(r, c)
            if span > 1 or down > 1:
                cell = cell.merge(table.cell(r + down - 1, c + span - 1))
            cell._fresh = True
            if cell_node.tag == "th":
                self.header_cell(cell, cell_node)
            else:
                self.blocks(cell, cell_node.children)
        if container is self.document:
            self.document.add_paragraph()  # Word joins two tables that touch

    def header_cell(self, cell, node: Node) -> None:
        """A <th>: its text in bold."""
        paragraph = self.paragraph(cell)
        self.inlines(paragraph, node.children, Format(bold=True))

    # --- inline content -------------------------------------------------------------------------

    def inlines(self, paragraph, nodes: list[Node | str], fmt: Format) -> None:
        """Write inline content (block elements inside are read as their text)."""
        for node in nodes:
            self.inline(paragraph, node, fmt)

    def inline(self, paragraph, node: Node | str, fmt: Format) -> None:
        """Write text or an inline element into a paragraph."""
        if isinstance(node, str):
            self.text(paragraph, node, fmt)
            return
        tag = node.tag
        if tag in SKIPPED:
            return
        if tag == "br":
            paragraph.add_run().add_break()
        elif tag == "img":
            self.image(paragraph, node)
        elif tag == "a":
            self.inlines(paragraph, node.children, fmt.with_(link=self.link_target(node.attrs.get("href", ""))))
        else:
            self.inlines(paragraph, node.children, fmt.with_(**_TAG_FORMAT.get(tag, {})))

    def text(self, paragraph, text: str, fmt: Format) -> None:
        """A run of text, its white space collapsed as a browser would (kept in <pre>)."""
        if not fmt.pre:
            text = _SPACE.sub(" ", text)
            if not paragraph.text or paragraph.text.endswith((" ", "\n")):
                text = text.lstrip()
        if not text:
            return
        if fmt.pre and "\n" in text:
            lines = text.split("\n")
            for index, line in enumerate(lines):
                if index:
                    paragraph.add_run().add_break()
                if line:
                    self.run(paragraph, line, fmt)
            return
        self.run(paragraph, text, fmt)

    def run(self, paragraph, text: str, fmt: Format):
        """A formatted run; inside a link, wrapped in a Word hyperlink."""
        from docx.shared import RGBColor

        run = paragraph.add_run(text)
        run.bold = fmt.bold or None
        run.italic = fmt.italic or None
        run.font.strike = fmt.strike or None
        run.font.superscript = fmt.superscript or None
        run.font.subscript = fmt.subscript or None
        run.underline = fmt.underline or bool(fmt.link) or None
        if fmt.mono:
            run.font.name = "Courier New"
        if fmt.link:
            run.font.color.rgb = RGBColor(0x00, 0x3A, 0x70)
            _hyperlink(paragraph, run, fmt.link)
        return run

    def image(self, paragraph, node: Node) -> None:
        """An image the Document carries, at most the text's width; otherwise its alt text."""
        src = urldefrag(urljoin(self.doc.url, node.attrs.get("src", "")))[0]
        image = self.doc.images.get(src)
        alt = node.attrs.get("alt", "").strip()
        if image is None:
            if alt:
                self.run(paragraph, f"[Bild: {alt}]", Format(italic=True))
            return
        try:
            shape = paragraph.add_run().add_picture(io.BytesIO(image.content))
        except Exception:  # noqa: BLE001 - an image python-docx cannot read: its text instead
            if alt:
                self.run(paragraph, f"[Bild: {alt}]", Format(italic=True))
            return
        if shape.width > self.text_width:
            shape.height = int(shape.height * self.text_width / shape.width)
            shape.width = self.text_width

    def link_target(self, href: str) -> str:
        """The absolute address of a link; "" for one to a place on the page (no bookmarks in the file)."""
        href = href.strip()
        if not href or href.startswith("#"):
            return ""
        target = urljoin(self.doc.url, href)
        return target if target.startswith(("http://", "https://", "mailto:", "tel:")) else ""


def _int(value: str | None, default: int) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return default


def _descendants(node: Node, tag: str) -> Iterator[Node]:
    """The elements of a tag inside `node` in document order, not looking into nested tables."""
    for child in node.children:
        if isinstance(child, Node):
            if child.tag == tag:
                yield child
            elif child.tag != "table":
                yield from _descendants(child, tag)


def _hyperlink(paragraph, run, url: str) -> None:
    """Move `run` into a hyperlink to `url` (python-docx writes no links itself)."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rel = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run._r.addprevious(link)
    link.append(run._r)


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice fill in when they show the file."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    simple.append(run)
    paragraph._p.append(simple)


def _header(document, doc: Document) -> None:
    """Title, type, the routine's header table, summary and the line about versions."""
    from docx.shared import Pt

    if doc.warning:
        document.add_paragraph().add_run(doc.warning).bold = True
    kind = document.add_paragraph().add_run(doc.kind.upper())
    kind.font.size = Pt(9)
    document.add_paragraph(doc.title, style="Title")
    if doc.fields:
        table = document.add_table(rows=len(doc.fields), cols=2)
        table.style = "Table Grid"
        for row, (label, value) in zip(table.rows, doc.fields, strict=True):
            row.cells[0].paragraphs[0].add_run(label).bold = True
            row.cells[1].paragraphs[0].add_run(value)
        document.add_paragraph()
    if doc.summary:
        document.add_paragraph(doc.summary, style="Subtitle")
    if doc.meta:
        document.add_paragraph().add_run(doc.meta).font.size = Pt(9)


def _footer(section, doc: Document) -> None:
    """The disclaimer, the page's address and "Sida X av Y" at the foot of every page."""
    from docx.shared import Pt

    footer = section.footer
    first = footer.paragraphs[0]
    first.add_run(DISCLAIMER).font.size = Pt(8)
    second = footer.add_paragraph()
    second.add_run(f"{doc.url}    Sida ").font.size = Pt(8)
    _field(second, "PAGE")
    second.add_run(" av ").font.size = Pt(8)
    _field(second, "NUMPAGES")


def write_docx(doc: Document) -> bytes:
    """The Word file of a document: A4 (landscape for wide documents), header block, text and footer."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    document = docx.Document()
    document.core_properties.title = doc.title
    document.core_properties.language = "sv-SE"
    document.styles["Normal"].font.size = Pt(10.5)
    section = document.sections[0]
    width, height = Mm(210), Mm(297)
    if doc.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        width, height = height, width
    section.page_width, section.page_height = width, height
    section.left_margin = section.right_margin = Mm(18)
    section.top_margin, section.bottom_margin = Mm(18), Mm(22)
    _header(document, doc)
    Writer(document, doc, int(width - 2 * Mm(18))).blocks(document, parse(doc.body).children)
    _footer(section, doc)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
