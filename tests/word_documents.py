"""Word documents for the Word import tests, made with python-docx: headings, emphasis, nested lists,
tables, links, footnotes and images, a real-looking routine, and broken or hostile files.

python-docx has no API for multi-level lists, hyperlinks or footnotes, so those parts are written as
the WordprocessingML Word itself writes.
"""
from __future__ import annotations

import io
import zipfile

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from scripts.make_demo_documents import png_bytes

NUMBERED, BULLETED = 90, 91
FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def png(width: int = 6, height: int = 4, colour: tuple[int, int, int] = (40, 110, 160)) -> bytes:
    """A small PNG of one colour."""
    return png_bytes(width, height, lambda x, y: colour)


class Builder:
    """A python-docx Document with helpers for what python-docx cannot write itself."""

    def __init__(self, title_property: str = "") -> None:
        self.doc = docx.Document()
        self.doc.core_properties.title = title_property
        self._lists = False
        self._notes = None

    def heading(self, text: str, level: int = 1) -> Builder:
        self.doc.add_heading(text, level)
        return self

    def paragraph(self, *runs: str | tuple[str, str]) -> Builder:
        """A paragraph of runs: plain text, or (text, "b" / "i" / "bi")."""
        p = self.doc.add_paragraph()
        for run in runs:
            text, style = (run, "") if isinstance(run, str) else run
            r = p.add_run(text)
            r.bold = "b" in style or None
            r.italic = "i" in style or None
        return self

    def _numbering(self) -> None:
        if self._lists:
            return
        numbering = self.doc.part.numbering_part.element
        for num_id, fmt in ((NUMBERED, "decimal"), (BULLETED, "bullet")):
            levels = "".join(f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
                             f'<w:lvlText w:val="%{i + 1}."/></w:lvl>' for i in range(4))
            numbering.insert(0, parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{num_id}">{levels}'
                                          "</w:abstractNum>"))
            numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId '
                                       f'w:val="{num_id}"/></w:num>'))
        self._lists = True

    def item(self, text: str, level: int = 0, *, numbered: bool = True) -> Builder:
        """A list item at `level` (0 is the outermost) of the numbered or the bulleted list."""
        self._numbering()
        p = self.doc.add_paragraph(text)
        p._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{NUMBERED if numbered else BULLETED}"/>'
            "</w:numPr>"))
        return self

    def table(self, rows: list[list[str]]) -> Builder:
        table = self.doc.add_table(rows=len(rows), cols=len(rows[0]))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                table.cell(r, c).text = text
        return self

    def link(self, before: str, text: str, url: str) -> Builder:
        """A paragraph "before" followed by a hyperlink."""
        p = self.doc.add_paragraph(before)
        rid = self.doc.part.relate_to(url, RT.HYPERLINK, is_external=True)
        p._p.append(parse_xml(f'<w:hyperlink {nsdecls("w", "r")} r:id="{rid}"><w:r><w:t xml:space="preserve">'
                              f"{text}</w:t></w:r></w:hyperlink>"))
        return self

    def footnote(self, text: str, note: str) -> Builder:
        """A paragraph `text` with a footnote reference at its end; the note says `note`."""
        if self._notes is None:
            self._notes = []
        self._notes.append(note)
        p = self.doc.add_paragraph(text)
        p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:footnoteReference w:id="{len(self._notes)}"/></w:r>'))
        return self

    def image(self, content: bytes | None = None, description: str = "") -> Builder:
        self.doc.add_picture(io.BytesIO(content or png()))
        if description:
            self.doc.inline_shapes[-1]._inline.docPr.set("descr", description)
        return self

    def bytes(self) -> bytes:
        if self._notes:
            notes = "".join(f'<w:footnote w:id="{n}"><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:footnote>'
                            for n, text in enumerate(self._notes, 1))
            xml = (f'<w:footnotes {nsdecls("w")}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/>'
                   f"</w:r></w:p></w:footnote>{notes}</w:footnotes>")
            part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES_TYPE, xml.encode(), self.doc.part.package)
            self.doc.part.relate_to(part, RT.FOOTNOTES)
            self._notes = []
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def routine() -> bytes:
    """A real-looking routine: Word's Title style, a header table, sections, nested lists, a link, a
    footnote and a flowchart image."""
    b = Builder()
    b.doc.add_paragraph("Rutin för samordnad individuell plan (SIP)", style="Title")
    b.table([["Dokumenttyp", "Rutin"], ["Fastställd", "2024-03-12 av Samordningsgruppen"],
             ["Giltig till", "2026-03-31"], ["Ansvarig", "NOSAM Lerum"], ["Gäller för", "Region och kommun"]])
    b.heading("Syfte", 1)
    b.paragraph("Rutinen beskriver hur ", ("samordnad individuell plan", "b"), " tas fram när en person behöver "
                "insatser från ", ("både", "i"), " kommunen och regionen.")
    b.heading("Bakgrund", 1)
    b.footnote("Kommunen och regionen ska tillsammans upprätta en SIP när det behövs.",
               "Socialtjänstlagen 2 kap. 7 § och hälso- och sjukvårdslagen 16 kap. 4 §.")
    b.heading("Arbetsgång", 1)
    b.item("Behovet uppmärksammas")
    b.item("Samtycke inhämtas från den enskilde", 1)
    b.item("Kallelse skickas", 1)
    b.item("Inom fem arbetsdagar", 2)
    b.item("SIP-mötet hålls")
    b.item("Planen följs upp")
    b.heading("Att tänka på", 2)
    b.item("Den enskilde är delaktig", numbered=False)
    b.item("Närstående bjuds in", 1, numbered=False)
    b.item("Planen dokumenteras i journalen", numbered=False)
    b.image(png(8, 6), "Flödesschema för SIP")
    b.link("Mer om SIP finns hos ", "1177", "https://www.1177.se/")
    return b.bytes()


def with_content_types(content: bytes, old: str, new: str, extra: dict[str, bytes] | None = None) -> bytes:
    """The document with `old` replaced by `new` in [Content_Types].xml, and `extra` entries added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(old.encode(), new.encode())
            dst.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def macro_enabled() -> bytes:
    """A .docm: the macro-enabled main content type."""
    return with_content_types(Builder().heading("Makron").bytes(), DOCX_MAIN, MACRO_MAIN)


def with_vba_project() -> bytes:
    """A document whose content type says .docx but that carries a VBA project."""
    return with_content_types(Builder().heading("Makron").bytes(), "", "",
                              {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 200})


def encrypted() -> bytes:
    """What Word saves with a password: an OLE compound file holding an EncryptedPackage stream."""
    directory = "EncryptedPackage".encode("utf-16-le").ljust(64, b"\0")
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + directory + b"\0" * 2048


def old_word() -> bytes:
    """An OLE compound file without encryption: a Word 97–2003 document."""
    directory = "WordDocument".encode("utf-16-le").ljust(64, b"\0")
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + directory + b"\0" * 2048
