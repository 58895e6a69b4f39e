"""Checking an uploaded file: its type from its content, a safe name, its size, the comment."""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile

from flask import current_app

from kb import extract, pii
from kb.constants import MediaType
from kb.exceptions import ValidationError
from kb.models import Page

# Longest file name kept (characters, extension included).
NAME_CHARS = 120
COMMENT_MAX = 300
DEFAULT_NAME = "bilaga"
# Names Windows cannot open a file by, whatever the extension.
RESERVED_NAMES = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                            *(f"LPT{i}" for i in range(1, 10))})
_FORBIDDEN = re.compile(r'[<>:"|?*]')
_EXTENSION = re.compile(r"^[a-z0-9]{1,5}$")
ALLOWED_SUMMARY = ("PDF, Word (DOCX), Excel (XLSX), OpenDocument-text (ODT), textfiler (UTF-8) "
                   "och bilder (PNG, JPEG)")

# Manifest entries of the zip-based formats (their main part's content type).
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": MediaType.DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": MediaType.XLSX,
}
_MARKUP = re.compile(r"<\s*(!doctype|html|head|body|svg|script|iframe|object|embed|\?xml|xsl|math)\b",
                     re.IGNORECASE)


def refuse(message: str) -> ValidationError:
    return ValidationError({"file": message})


def detect_type(content: bytes) -> MediaType:
    """The type of a file from its content; ValidationError (Swedish) for anything not allowed."""
    if not content:
        raise refuse("Filen är tom. Välj en fil med innehåll.")
    if content.startswith(b"%PDF-"):
        return MediaType.PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n") and content[12:16] == b"IHDR":
        return MediaType.PNG
    if content.startswith(b"\xff\xd8\xff"):
        return MediaType.JPEG
    if content.startswith(b"PK\x03\x04"):
        return _zip_type(content)
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise refuse("Äldre Word- och Excel-filer (.doc, .xls) tas inte emot. "
                      "Spara om filen som DOCX, XLSX eller PDF och ladda upp den igen.")
    return _text_type(content)


def _zip_type(content: bytes) -> MediaType:
    # The entry count comes from the zip's end records before zipfile reads its directory.
    problem = extract.zip_problem(content)
    if problem == "entries":
        raise refuse(f"Filen består av fler än {extract.ZIP_MAX_ENTRIES} delar (ett Word- eller Excel-dokument "
                      "har några hundra) och liknar en så kallad zip-bomb. Den togs inte emot.")
    if problem == "zip":
        raise refuse("Filen packas upp till orimligt mycket data (den liknar en så kallad zip-bomb) "
                      "och togs inte emot.")
    if problem:
        raise refuse("Filen är en skadad zip-fil och kunde inte läsas.")
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        names = set(zf.namelist())
        if "mimetype" in names:
            with zf.open("mimetype") as fh:
                declared = fh.read(200).strip().decode("ascii", errors="replace")
            if declared == MediaType.ODT.value:
                return MediaType.ODT
            raise refuse("Av OpenDocument-formaten tas bara textdokument (ODT) emot.")
        if "[Content_Types].xml" in names:
            with zf.open("[Content_Types].xml") as fh:
                manifest = fh.read(1024 * 1024)
            types = _content_types(manifest)
            for content_type, media_type in _OOXML_MAIN.items():
                if content_type in types:
                    return media_type
            if any("macroEnabled" in t for t in types):
                raise refuse("Dokument med makron (till exempel .docm och .xlsm) tas inte emot.")
            raise refuse("Av Office-formaten tas bara Word-dokument (DOCX) och Excel-arbetsböcker (XLSX) "
                          "emot.")
    raise refuse(f"Zip-arkiv och andra packade filer tas inte emot. Tillåtna filtyper: {ALLOWED_SUMMARY}.")


def _content_types(manifest: bytes) -> set[str]:
    """The ContentType values of an OOXML [Content_Types].xml (parsed without DTDs or entities)."""
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(manifest)
    except Exception as exc:  # noqa: BLE001 - malformed XML, DTDs and entities all mean "not a document"
        raise refuse("Filen är ett skadat Office-dokument och kunde inte läsas.") from exc
    return {el.get("ContentType", "") for el in root.iter() if el.get("ContentType")}


def _text_type(content: bytes) -> MediaType:
    unknown = f"Filtypen känns inte igen och tas inte emot. Tillåtna filtyper: {ALLOWED_SUMMARY}."
    if b"\x00" in content:
        raise refuse(unknown)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refuse(unknown + " En textfil måste vara sparad som UTF-8.") from exc
    start = text[:4096].lstrip()
    if _MARKUP.search(start[:1024]) and start.startswith("<"):
        raise refuse("HTML-, SVG- och XML-filer tas inte emot. Spara innehållet som PDF i stället.")
    if start.startswith("#!"):
        raise refuse("Skript tas inte emot.")
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text[:100_000]):
        raise refuse(unknown)
    return MediaType.TEXT


def split_extension(name: str) -> tuple[str, str]:
    """(stem, extension in lower case) – a suffix counts as an extension if it has a letter."""
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and _EXTENSION.match(suffix.lower()) and any(c.isalpha() for c in suffix):
        return stem, suffix.lower()
    return name, ""


def sanitise_filename(filename: str, media_type: MediaType | None = None) -> str:
    """A safe file name: no folders, control or reserved characters, at most NAME_CHARS characters,
    Swedish letters kept; with `media_type`, the extension fits the content (added when missing,
    ValidationError when it names another type)."""
    name = unicodedata.normalize("NFC", str(filename or ""))
    name = re.split(r"[\\/]", name)[-1]
    # Control and format characters (including right-to-left overrides that disguise an extension).
    name = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in name
                   if unicodedata.category(c) != "Cf")
    name = " ".join(_FORBIDDEN.sub("_", name).split()).strip(" .")
    stem, ext = split_extension(name)
    stem = stem.strip(" .") or DEFAULT_NAME
    if stem.split(".")[0].upper() in RESERVED_NAMES:
        stem = "_" + stem
    if media_type is not None:
        if not ext:
            ext = media_type.extensions[0]
        elif ext not in media_type.extensions:
            if any(ext in t.extensions for t in MediaType):
                raise refuse(f"Filens namn slutar på .{ext} men innehållet är av typen {media_type.label}. "
                              "Kontrollera att du har valt rätt fil, eller ge den rätt filändelse.")
            raise refuse(f"Filer av typen .{ext} tas inte emot. Tillåtna filtyper: {ALLOWED_SUMMARY}.")
    room = NAME_CHARS - (len(ext) + 1 if ext else 0)
    stem = stem[:room].rstrip(" .") or DEFAULT_NAME
    return f"{stem}.{ext}" if ext else stem


def name_key(name: str) -> str:
    """What makes two names the same attachment (case and Unicode form ignored)."""
    return unicodedata.normalize("NFC", name).casefold()


def max_size() -> int:
    """The largest file allowed (ATTACHMENT_MAX, bytes)."""
    return int(current_app.config.get("ATTACHMENT_MAX", 20 * 1024 * 1024))


def check_file(filename: str, content: bytes) -> tuple[str, MediaType]:
    """(sanitised name, detected type) of an upload; ValidationError with a Swedish message otherwise."""
    limit = max_size()
    if len(content) > limit:
        from kb.models.attachments import size_label

        raise refuse(f"Filen är för stor ({size_label(len(content))}). "
                      f"Största tillåtna storlek är {size_label(limit)}.")
    media_type = detect_type(content)
    return sanitise_filename(filename, media_type), media_type


def one_line(text: str) -> str:
    """A comment on one line, cut to COMMENT_MAX characters."""
    return " ".join(str(text or "").split())[:COMMENT_MAX]


def clean_comment(comment: str, name: str) -> str:
    comment = " ".join(str(comment or "").split())
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": f"Kommentaren får vara högst {COMMENT_MAX} tecken."})
    errors = pii.field_errors((("file", "Filnamnet", name), ("comment", "Kommentaren", comment)))
    if errors:
        raise ValidationError(errors)
    return comment


def refuse_personal_numbers(page: Page, name: str, text: str) -> None:
    """Refuse a file whose text holds a personal number, naming the page, the file and the lines."""
    findings = pii.find_personal_numbers(text or "")
    if findings:
        raise refuse(f"Filen togs inte emot på sidan ”{page.title}”. "
                      + pii.describe(findings, name, then="ladda upp filen igen")
                      + " Radnumren gäller texten som lästes ur filen.")
