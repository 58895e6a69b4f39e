"""A Word document (.docx) as a page: its title, its text as Markdown and its images.

mammoth (made for this: Word's meaning, not its looks) turns the document into simple HTML, and
kb.html_markdown turns that into the Markdown pages are written in. Like reading an attachment's
text (kb.extract), the parsing runs in a child process bounded in time and memory
(`kb.extract.run_bounded`), after cheap checks in the calling process: an encrypted document
(an OLE file holding an EncryptedPackage), an old .doc, a document with macros (a macro-enabled
content type or a vbaProject.bin), anything but a Word document, and zip containers that are
broken or inflate like a bomb (`kb.extract.zip_problem`).

The title is the document's title property (docProps/core.xml) if it has one, else its first
heading, which then leaves the text; a first heading that repeats the title property leaves it
too. Headings are shifted so the highest is h2 (the page title is the h1). Images become
`![alt](bild-1.png)`; the caller stores them as attachments and points the links at them
(`place_images`). Only PNG and JPEG are kept, as for attachments; another image leaves a note in
the text and a warning.

Pure apart from the child process: no Flask, no database. `convert` raises WordError with a
Swedish message.
"""
from __future__ import annotations

import base64
import io
import re
import sys
import zipfile
from dataclasses import dataclass

from kb import extract, html_markdown

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream an encrypted Office document keeps its content in, as the OLE directory spells it.
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
IMAGE_NAME = "bild-{number}.{extension}"
_IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": ("image/png", "png"), b"\xff\xd8\xff": ("image/jpeg", "jpg")}
_CORE_NS = {"dc": "http://purl.org/dc/elements/1.1/"}
# Word's Title and Subtitle styles carry a document's title; the defaults map headings 1–6.
STYLE_MAP = "p[style-name='Title'] => h1:fresh\np[style-name='Subtitle'] => p:fresh"

# Why a document was not converted, in Swedish.
REASONS = {
    "encrypted": ("Dokumentet är krypterat eller lösenordsskyddat och kan inte läsas. Ta bort lösenordet i Word "
                  "(Arkiv > Information > Skydda dokument) och försök igen."),
    "macro": ("Dokument med makron (.docm) tas inte emot. Spara dokumentet som ett vanligt Word-dokument (.docx) "
              "och försök igen."),
    "old": "Äldre Word-dokument (.doc) tas inte emot. Spara dokumentet som .docx i Word och försök igen.",
    "not_word": "Filen är inget Word-dokument. Välj en fil som slutar på .docx.",
    "corrupt": "Dokumentet är skadat eller har ett format som inte gick att tolka. Öppna och spara det i Word "
               "och försök igen.",
    "zip": "Dokumentet packas upp till orimligt mycket data (det liknar en så kallad zip-bomb) och togs inte emot.",
    "entries": "Dokumentet består av orimligt många delar (det liknar en så kallad zip-bomb) och togs inte emot.",
    "images": "Dokumentets bilder är för stora för att bli bilagor. Gör bilderna mindre i Word och försök igen.",
    "timeout": "Det tog för lång tid att läsa dokumentet. Dela upp det i mindre dokument och försök igen.",
    "memory": "Dokumentet krävde för mycket minne för att läsas. Dela upp det i mindre dokument och försök igen.",
    "empty": "Dokumentet innehåller ingen text.",
    "error": "Ett oväntat fel inträffade när dokumentet lästes. Öppna och spara det i Word och försök igen.",
}
UNSUPPORTED_IMAGE = "Bilden {alt}kunde inte tas med: bara PNG- och JPEG-bilder kan visas."
MISSING_IMAGE = "Bilden {alt}kunde inte tas med: den finns inte i dokumentet (den kan vara länkad från en annan fil)."
# A document's images as mammoth names their types is not trusted: the first bytes decide.


class WordError(Exception):
    """A document that cannot become a page; `str()` is the Swedish reason."""

    def __init__(self, reason: str):
        super().__init__(REASONS.get(reason, REASONS["error"]))
        self.reason = reason


@dataclass(frozen=True)
class Image:
    """An image of the document: its name (bild-1.png), media type and bytes."""

    name: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class Converted:
    """A converted document: title ("" when it has none), Markdown, images and warnings (Swedish)."""

    title: str
    markdown: str
    images: tuple[Image, ...] = ()
    warnings: tuple[str, ...] = ()


# --- in the calling process -------------------------------------------------------------------

def problem(content: bytes) -> str | None:
    """Why `content` is no Word document to convert (a key of REASONS), judged cheaply without
    parsing the document; None when it may be converted."""
    if content.startswith(OLE_MAGIC):
        return "encrypted" if ENCRYPTED_STREAM in content else "old"
    if not content.startswith(b"PK\x03\x04"):
        return "not_word"
    found = extract.zip_problem(content)
    if found:
        return found
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            names = zf.namelist()
            if "[Content_Types].xml" not in names:
                return "not_word"
            with zf.open("[Content_Types].xml") as fh:
                types = _content_types(fh.read(1024 * 1024))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, RuntimeError):
        return "corrupt"
    if types is None:
        return "corrupt"
    if any("macroenabled" in t.lower() for t in types) or any(n.lower().endswith("vbaproject.bin") for n in names):
        return "macro"
    return None if DOCX_MAIN in types else "not_word"


def _content_types(manifest: bytes) -> set[str] | None:
    """The ContentType values of [Content_Types].xml (no DTDs or entities); None when it is broken."""
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(manifest)
    except Exception:  # noqa: BLE001 - malformed XML, DTDs and entities all mean a broken document
        return None
    return {el.get("ContentType", "") for el in root.iter() if el.get("ContentType")}


def convert(content: bytes, *, timeout: float = 10.0, memory: int = 512 * 1024 * 1024,
            image_max: int = 20 * 1024 * 1024) -> Converted:
    """Convert a Word document in a bounded child process; WordError (Swedish) when it cannot be.
    `image_max`: the most bytes its images may have together."""
    reason = problem(content)
    if reason:
        raise WordError(reason)
    result = extract.run_bounded("kb.word", content, (str(int(image_max)),), timeout=timeout, memory=memory)
    if not result.get("ok"):
        raise WordError(str(result.get("reason", "error")))
    try:
        images = tuple(Image(str(i["name"]), str(i["media_type"]), base64.b64decode(i["content"]))
                       for i in result.get("images", []))
        converted = Converted(str(result["title"]), str(result["markdown"]), images,
                              tuple(str(w) for w in result.get("warnings", [])))
    except (KeyError, TypeError, ValueError) as exc:
        raise WordError("error") from exc
    if not converted.markdown.strip() and not converted.title:
        raise WordError("empty")
    return converted


def place_images(markdown: str, urls: dict[str, str]) -> str:
    """The Markdown with each image link `](bild-1.png)` pointing at `urls[name]` instead."""
    if not urls:
        return markdown
    pattern = re.compile(r"\]\((" + "|".join(re.escape(name) for name in urls) + r")\)")
    return pattern.sub(lambda m: f"]({urls[m.group(1)]})", markdown)


# --- in the child process ---------------------------------------------------------------------

def convert_here(content: bytes, image_max: int) -> Converted:
    """The conversion itself, in this process (the child calls it after limiting itself)."""
    import mammoth

    images: list[Image] = []
    warnings: list[str] = []
    total = 0

    def take_image(image) -> list:
        nonlocal total
        try:
            with image.open() as fh:
                data = fh.read(image_max + 1)
        except (MemoryError, RecursionError):
            raise
        except Exception:  # noqa: BLE001 - a linked (external) or missing image: a note, not a failure
            data = b""
        total += len(data)
        if total > image_max:
            raise extract.Failure("images")
        kind = next((v for magic, v in _IMAGE_TYPES.items() if data.startswith(magic)), None)
        alt = " ".join((image.alt_text or "").split())
        if kind is None:
            note = (UNSUPPORTED_IMAGE if data else MISSING_IMAGE).format(alt=f"”{alt}” " if alt else "")
            warnings.append(note)
            return [mammoth.html.element("em", {}, [mammoth.html.text(f"({note})")])]
        name = IMAGE_NAME.format(number=len(images) + 1, extension=kind[1])
        images.append(Image(name, kind[0], data))
        return [mammoth.html.element("img", {"src": name, **({"alt": alt} if alt else {})})]

    try:
        result = mammoth.convert_to_html(io.BytesIO(content), convert_image=take_image, style_map=STYLE_MAP,
                                         include_embedded_style_map=False, external_file_access=False)
    except (extract.Failure, MemoryError, RecursionError):
        raise
    except Exception as exc:  # noqa: BLE001 - broken zip, XML or relationships
        raise extract.Failure("corrupt") from exc
    title, markdown = page_text(result.value, core_title(content))
    return Converted(title, markdown, tuple(images), tuple(warnings))


def core_title(content: bytes) -> str:
    """The document's title property (dc:title in docProps/core.xml), or ""."""
    from defusedxml import ElementTree

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            if "docProps/core.xml" not in zf.namelist():
                return ""
            with zf.open("docProps/core.xml") as fh:
                root = ElementTree.fromstring(fh.read(1024 * 1024))
    except Exception:  # noqa: BLE001 - a broken property part only loses the title
        return ""
    found = root.find("dc:title", _CORE_NS)
    return " ".join((found.text or "").split()) if found is not None else ""


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def page_text(html: str, title: str = "") -> tuple[str, str]:
    """(title, Markdown) of mammoth's HTML: the title property, else the first heading (taken out of
    the text, as is a first heading repeating the property); the rest's headings from h2 down."""
    root = html_markdown.parse(html)
    blocks = [c for c in root.children if isinstance(c, html_markdown.Node) or c.strip()]
    first = next((n for n in blocks if isinstance(n, html_markdown.Node) and n.tag in _HEADINGS), None)
    if first is not None:
        text = " ".join(html_markdown.text_of(first).split())
        if not title or (text.casefold() == title.casefold() and blocks.index(first) == 0):
            title = title or text
            root.children.remove(first)
    headings = [n for n in root.children if isinstance(n, html_markdown.Node) and n.tag in _HEADINGS]
    if headings:
        shift = max(0, 2 - min(int(n.tag[1]) for n in headings))
        for node in headings:
            node.tag = f"h{min(int(node.tag[1]) + shift, 6)}"
    return title, html_markdown.markdown_of(root.children)


def _convert_for_parent(content: bytes, args: list[str]) -> dict:
    """`python -m kb.word MEMORY CPU IMAGE_MAX`: the converted document as JSON."""
    converted = convert_here(content, int(args[0]))
    return {"title": converted.title, "markdown": converted.markdown, "warnings": list(converted.warnings),
            "images": [{"name": i.name, "media_type": i.media_type,
                        "content": base64.b64encode(i.content).decode("ascii")} for i in converted.images]}


if __name__ == "__main__":
    sys.exit(extract.child_main(sys.argv[1:], _convert_for_parent))
