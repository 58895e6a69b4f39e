"""Make the small demo documents attached to routine pages (PDF, DOCX, XLSX, ODT, PNG).

    python scripts/make_demo_documents.py            # writes kb/demo/attachments/<page-slug>/<file>

The texts are the project's own. The output is deterministic (fixed timestamps and metadata), so
running the script again changes no committed byte. The PDF, ODT and PNG are written by hand (no
extra dependency); DOCX and XLSX use python-docx and openpyxl, the libraries that read them back.
The builders are also used by the tests to make documents with known text.
"""
from __future__ import annotations

import io
import struct
import sys
import zipfile
import zlib
from datetime import datetime
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "kb" / "demo" / "attachments"
FIXED_TIME = (2024, 1, 1, 0, 0, 0)
FIXED_DATETIME = datetime(2024, 1, 1)
AUTHOR = "Kunskapsbanken (demo)"


# --- zip containers ------------------------------------------------------------------------------

def normalise_zip(content: bytes, replace: dict[str, bytes] | None = None) -> bytes:
    """The same zip with fixed entry times (and some entries replaced), so output is reproducible."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = replace.get(info.filename, src.read(info.filename))
            stored = info.filename == "mimetype"  # ODF: the first entry, uncompressed
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            entry.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, data, compresslevel=None if stored else 9)
    return out.getvalue()


def _core_properties(title: str) -> bytes:
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{_xml(title)}</dc:title><dc:creator>{AUTHOR}</dc:creator>"
            '<dcterms:created xsi:type="dcterms:W3CDTF">2024-01-01T00:00:00Z</dcterms:created>'
            '<dcterms:modified xsi:type="dcterms:W3CDTF">2024-01-01T00:00:00Z</dcterms:modified>'
            "</cp:coreProperties>").encode("utf-8")


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# --- PDF (by hand: one font, WinAnsi text, one or more pages) ---------------------------------

def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines or [""]


def pdf_bytes(title: str, paragraphs: list[str], *, lines_per_page: int = 48) -> bytes:
    """A small valid PDF (A4, Helvetica) with a bold title and wrapped paragraphs; pypdf reads its text."""
    lines: list[str] = []
    for paragraph in paragraphs:
        lines += _wrap(paragraph, 88) + [""]
    pages = [lines[i:i + lines_per_page] for i in range(0, max(len(lines), 1), lines_per_page)]
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below, once the page tree's number is known
    fonts = add(b"<< /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >> "
                b"/F2 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
                b"/Encoding /WinAnsiEncoding >> >>")
    tree = add(b"")
    kids = []
    for n, page_lines in enumerate(pages):
        ops = [b"BT /F1 11 Tf 56 770 Td 15 TL"]
        if n == 0:
            ops = [b"BT /F2 16 Tf 56 790 Td " + _pdf_string(title) + b" Tj ET",
                   b"BT /F1 11 Tf 56 760 Td 15 TL"]
        for line in page_lines:
            ops.append(_pdf_string(line) + b" Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops)
        contents = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                        b"/Resources << /Font %d 0 R >> /Contents %d 0 R >>" % (tree, fonts, contents)))
    objects[tree - 1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids)
                         + b"] /Count %d >>" % len(kids))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    info = add(b"<< /Title <" + ("\ufeff" + title).encode("utf-16-be").hex().upper().encode()
               + b"> /Author (Kunskapsbanken \\(demo\\)) /Producer (kb make_demo_documents) "
               b"/CreationDate (D:20240101000000Z) >>")
    out = bytearray(b"%PDF-1.4\n%\xe5\xe4\xf6\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, catalog, info, xref)
    return bytes(out)


# --- DOCX and XLSX (python-docx, openpyxl) ------------------------------------------------------

def docx_bytes(title: str, paragraphs: list[str], table: list[list[str]] | None = None,
               after_table: list[str] | None = None) -> bytes:
    """A Word document: a heading, paragraphs, an optional table (first row = header) and more text."""
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        grid.style = "Table Grid"
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    for text in after_table or []:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return normalise_zip(buffer.getvalue(), {"docProps/core.xml": _core_properties(title)})


def xlsx_bytes(title: str, sheet: str, rows: list[list[object]], note: str = "") -> bytes:
    """A workbook with one sheet: an optional note row, then `rows` (the first is the header)."""
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = sheet
    if note:
        ws.append([note])
        ws.append([])
    for row in rows:
        ws.append(row)
    for cell in ws[3 if note else 1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEF", (18, 14, 14, 16, 40, 10), strict=False):
        ws.column_dimensions[column].width = width
    workbook.properties.title = title
    workbook.properties.creator = AUTHOR
    workbook.properties.created = workbook.properties.modified = FIXED_DATETIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return normalise_zip(buffer.getvalue(), {"docProps/core.xml": _core_properties(title)})


# --- ODT (by hand) ------------------------------------------------------------------------------

def odt_bytes(title: str, paragraphs: list[str]) -> bytes:
    """An OpenDocument text: a heading and paragraphs."""
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    body = f'<text:h text:outline-level="1">{_xml(title)}</text:h>' + "".join(
        f"<text:p>{_xml(p)}</text:p>" for p in paragraphs)
    content = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {ns} office:version="1.2">'
               f"<office:body><office:text>{body}</office:text></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
                'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", content)
        zf.writestr("META-INF/manifest.xml", manifest)
    return normalise_zip(buffer.getvalue())


# --- PNG (by hand) ------------------------------------------------------------------------------

def png_bytes(width: int, height: int, pixel) -> bytes:
    """An RGB PNG whose colour at (x, y) is `pixel(x, y)` → (r, g, b)."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def _flow_pixel(x: int, y: int) -> tuple[int, int, int]:
    """A discharge flow in four steps: boxes joined by an arrow line (hospital → home)."""
    colours = [(0, 94, 133), (46, 125, 50), (191, 120, 0), (123, 31, 162)]
    for n, colour in enumerate(colours):
        left = 20 + n * 150
        if left <= x < left + 110 and 50 <= y < 130:
            return colour
    gap = (x - 130) % 150  # the space between two boxes, with an arrow pointing right
    if x >= 130 and x < 130 + 3 * 150 and gap < 40:
        if 87 <= y <= 92 and gap < 30:
            return (60, 60, 60)
        if 30 <= gap < 40 and abs(y - 90) <= 40 - gap:
            return (60, 60, 60)
    return (255, 255, 255)


# --- the demo documents ---------------------------------------------------------------------------

def demo_documents() -> dict[str, bytes]:
    """{"<page-slug>/<file name>": bytes} of every demo attachment."""
    return {
        "sip/Rutin för SIP - checklista.pdf": pdf_bytes("Rutin för SIP – checklista", [
            "En samordnad individuell plan (SIP) görs när en person behöver insatser från både region och "
            "kommun och insatserna behöver samordnas. Checklistan är ett stöd för den som kallar till ett "
            "SIP-möte.",
            "1. Fråga personen om samtycke till SIP. Gäller det ett barn tillfrågas vårdnadshavarna.",
            "2. Bestäm vem som är sammankallande och bjud in de verksamheter som berörs, till exempel "
            "vårdcentral, BUP, socialtjänst och elevhälsa.",
            "3. Skicka kallelsen i god tid och boka lokal eller digitalt möte. Fråga personen vilka fler som "
            "ska delta, till exempel en anhörig.",
            "4. Dokumentera planen i SAMSA: mål, insatser, vem som ansvarar för vad och när planen "
            "följs upp.",
            "5. Utse en huvudansvarig som håller ihop planen mellan mötena.",
            "6. Boka uppföljningsmötet innan mötet avslutas.",
            "Vid demensdiagnos erbjuds proaktiv SIP redan när diagnosen ställs, innan en kris uppstår.",
            "Frågor om rutinen besvaras av SIP-samordnaren i respektive organisation.",
        ]),
        "avvikelser-i-samverkan/Avvikelser i samverkan - blankettstöd.docx": docx_bytes(
            "Avvikelser i samverkan – blankettstöd",
            ["Stödet hjälper dig att beskriva en avvikelse som har uppstått i samverkan mellan region och "
             "kommun. Avvikelsen registreras i MedControl Pro (MCP).",
             "Beskriv händelsen sakligt. Skriv aldrig personnummer eller namn på patienter eller brukare."],
            [["Fält", "Vad du skriver"],
             ["Datum för händelsen", "När det inträffade"],
             ["Berörda verksamheter", "Till exempel vårdavdelning och kommunal hemsjukvård"],
             ["Vad hände?", "Kort beskrivning av förloppet"],
             ["Konsekvens", "Vad det blev för följd för personen eller verksamheten"],
             ["Förslag på åtgärd", "Vad som kan förhindra att det händer igen"]],
            ["Avvikelserna sammanställs två gånger per år. Analysgruppen letar efter mönster per målgrupp "
             "och återkopplar till samordningsgruppen."]),
        "in-och-utskrivningsprocessen/Uppföljning in- och utskrivning.xlsx": xlsx_bytes(
            "Uppföljning in- och utskrivning", "Uppföljning 2024",
            [["Månad", "Utskrivningsklara", "Hem samma dag", "Snitt dagar kvar", "Kommentar"],
             ["Januari", 41, 30, 1.4, "Hög beläggning efter helgerna"],
             ["Februari", 38, 29, 1.2, ""],
             ["Mars", 44, 35, 1.1, "Workshop om nuläge och önskat läge"],
             ["April", 36, 30, 0.9, "Ny rutin för planeringsmöte via länk"],
             ["Maj", 40, 34, 0.8, ""],
             ["Juni", 33, 27, 1.0, "Semesterplanering i hemtjänsten"]],
            note="Exempeldata för demonstration, inte verkliga siffror."),
        "in-och-utskrivningsprocessen/Flöde vid utskrivning.png": png_bytes(600, 180, _flow_pixel),
        "proaktiv-sip-vid-demens/Inbjudan till proaktiv SIP.odt": odt_bytes("Inbjudan till proaktiv SIP", [
            "Du har nyligen fått en demensdiagnos. Vi vill erbjuda dig och dina närstående ett samtal om en "
            "samordnad individuell plan, en SIP, redan nu.",
            "I samtalet deltar den som behövs från vårdcentralen och kommunen, till exempel "
            "demenssjuksköterska, biståndshandläggare och arbetsterapeut.",
            "Tillsammans går vi igenom vilket stöd som finns, vem du ska kontakta och hur ni gör om behoven "
            "förändras. Planen följs upp när du eller någon annan i planen ser ett behov.",
            "Det är frivilligt att delta. Tacka ja genom att ringa din vårdcentral.",
        ]),
    }


def main(out: Path = OUT) -> int:
    """Write every demo document under `out`; print what changed."""
    for relative, content in demo_documents().items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.read_bytes() == content:
            continue
        path.write_bytes(content)
        print(f"skrev {path.relative_to(out.parent)} ({len(content)} byte)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
