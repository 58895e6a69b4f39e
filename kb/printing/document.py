"""The Document a printout shows, and how it travels to the child process (JSON, images in base64)."""
from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FORMATS = {"pdf": PDF, "docx": DOCX}
DISCLAIMER = ("Utskriven version – gäller endast vid utskriftstillfället, kontrollera alltid aktuell version "
              "i kunskapsbanken")
# Image types a printout embeds (those kb accepts as attachments and shows inline).
IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})

# Why making the file failed, in Swedish, after "Filen kunde inte skapas: ".
REASONS = {
    "timeout": "det tog för lång tid. Sidan är kanske för stor för att skrivas ut.",
    "memory": "den krävde för mycket minne. Sidan är kanske för stor för att skrivas ut.",
    "busy": "servern gör redan så många filer den hinner. Försök igen om en stund.",
    "error": "ett oväntat fel inträffade.",
}


class PrintError(Exception):
    """A document could not be made; `message` says why in Swedish."""

    def __init__(self, reason: str):
        self.reason = reason if reason in REASONS else "error"
        self.message = f"Filen kunde inte skapas: {REASONS[self.reason]}"
        super().__init__(self.message)


@dataclass(frozen=True)
class Image:
    """An image a document may show: its media type and bytes."""

    media_type: str
    content: bytes


@dataclass(frozen=True)
class Document:
    """What a printout shows, in Swedish, ready to render."""

    title: str
    kind: str  # the type of document ("Rutin", "Artikel", "Handlingsplan")
    url: str  # the absolute address of the page it prints
    # Trusted HTML: a page's text as kb.sanitize made it, or kb's own template (a plan's table).
    body: str
    # The header block of a governed document: (label, value) rows, "Dokumenttyp" first. Empty: none.
    fields: tuple[tuple[str, str], ...] = ()
    summary: str = ""
    meta: str = ""  # one line under the title ("Version 4, senast ändrad …")
    warning: str = ""  # said above everything ("Utkast – inte fastställt")
    images: Mapping[str, Image] = field(default_factory=dict)  # absolute URL → image
    landscape: bool = False  # wide tables (an action plan)
    printed: str = ""  # the date it was made, in words ("12 mars 2026")


def to_json(doc: Document, html: str = "") -> bytes:
    """A document (and its print HTML, for the PDF) as the child's input."""
    data = {name: getattr(doc, name) for name in ("title", "kind", "url", "body", "summary", "meta", "warning",
                                                   "landscape", "printed")}
    data["fields"] = [list(row) for row in doc.fields]
    data["images"] = {url: [image.media_type, base64.b64encode(image.content).decode("ascii")]
                      for url, image in doc.images.items()}
    data["html"] = html
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def from_json(content: bytes) -> tuple[Document, str]:
    """The child's side of `to_json`: the document and its print HTML."""
    data = json.loads(content.decode("utf-8"))
    images = {str(url): Image(str(kind), base64.b64decode(payload)) for url, (kind, payload) in data["images"].items()}
    doc = Document(title=data["title"], kind=data["kind"], url=data["url"], body=data["body"],
                   fields=tuple((str(label), str(value)) for label, value in data["fields"]),
                   summary=data["summary"], meta=data["meta"], warning=data["warning"], images=images,
                   landscape=bool(data["landscape"]), printed=data["printed"])
    return doc, str(data.get("html", ""))
