"""Files for the attachment tests: small documents with known text, and broken or hostile ones."""
from __future__ import annotations

import io
import zipfile

from scripts.make_demo_documents import docx_bytes, odt_bytes, pdf_bytes, png_bytes, xlsx_bytes

# A JPEG's first bytes (start of image, JFIF header) and its end marker: enough for type detection.
JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\xff\xdb\x00\x43\x00" + bytes(range(64)) + b"\xff\xd9")


def pdf(text: str = "Checklista för den som är sammankallande till SIP.", title: str = "Rutin") -> bytes:
    """A one-page PDF with `text`."""
    return pdf_bytes(title, [text])


def docx(text: str = "Avvikelsen registreras i MedControl Pro.", cell: str = "Berörda verksamheter") -> bytes:
    """A Word document with a paragraph and a two-by-two table."""
    return docx_bytes("Blankettstöd", [text], [["Fält", "Vad"], [cell, "Vårdavdelning och hemsjukvård"]])


def xlsx(value: str = "Utskrivningsklara") -> bytes:
    """A workbook with a header row holding `value` and two rows of figures."""
    rows = [["Månad", value], ["Januari", 41], ["Februari", 38]]
    return xlsx_bytes("Uppföljning", "Uppföljning 2024", rows)


def odt(text: str = "Inbjudan till proaktiv SIP vid demens.") -> bytes:
    """An OpenDocument text with `text`."""
    return odt_bytes("Inbjudan", [text])


def png(width: int = 4, height: int = 3) -> bytes:
    """A small grey PNG."""
    return png_bytes(width, height, lambda x, y: (128, 128, 128))


def encrypted_pdf(password: str = "hemligt") -> bytes:  # noqa: S107 - a test document's password
    """A PDF that opens only with a password (RC4, which pypdf handles without extra packages)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf("Hemlig text"))))
    writer.encrypt(user_password=password, owner_password="agare", algorithm="RC4-128")  # noqa: S106
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def corrupt_pdf() -> bytes:
    """Starts like a PDF, then nothing a PDF reader can use."""
    return b"%PDF-1.7\n" + bytes(range(256)) * 40


def zip_with(entries: dict[str, bytes]) -> bytes:
    """A deflated zip holding `entries`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


DOCX_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
              b'package/2006/content-types"><Override PartName="/word/document.xml" '
              b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
              b'</Types>')


def zip_bomb_docx(size: int = 8 * 1024 * 1024) -> bytes:
    """A "DOCX" whose document part inflates from a few kB to `size` bytes of zeros."""
    return zip_with({"[Content_Types].xml": DOCX_TYPES, "word/document.xml": b"0" * size})


def malformed_docx() -> bytes:
    """A zip that says it is a DOCX, with a broken document part."""
    return zip_with({"[Content_Types].xml": DOCX_TYPES, "word/document.xml": b"<w:document><w:body"})


def many_entries_docx(count: int = 240_000, declared: int | None = None) -> bytes:
    """A "DOCX" of `count` empty entries after its manifest (a zip entry bomb: about 86 bytes an
    entry, 20 MB for 240,000), written by hand because zipfile takes seconds for that many. Its end
    records state `declared` entries (default: the true number), in ZIP64 records when the number
    needs them, as zipfile writes them."""
    import struct

    local, central, offset = [], [], 0
    for name, data in [(b"[Content_Types].xml", DOCX_TYPES)] + [(f"{n:x}".encode(), b"") for n in range(count)]:
        crc = zipfile.crc32(data)
        header = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, crc, len(data), len(data),
                             len(name), 0) + name + data
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, crc, len(data),
                                   len(data), len(name), 0, 0, 0, 0, 0, offset) + name)
        local.append(header)
        offset += len(header)
    directory = b"".join(central)
    entries = count + 1 if declared is None else declared
    end = b""
    if entries > 0xFFFF:
        end = (struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, len(directory),
                           offset)
               + struct.pack("<4sLQL", b"PK\x06\x07", 0, offset + len(directory), 1))
        entries = 0xFFFF
    end += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, entries, entries, len(directory), offset, 0)
    return b"".join(local) + directory + end
