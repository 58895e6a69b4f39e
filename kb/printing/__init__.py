"""Pages as documents to print or file: an A4 PDF (WeasyPrint) and a Word file (python-docx).

`Document` is what a printout shows: the title, the type, for routines a header block (dokumenttyp,
version, fastställd, giltig till …), the page's sanitised HTML (kb.sanitize's output; the only
source of the text, so the PDF and the Word file say the same), its images and the address of the
page. Both come with a footer: page numbers, the address and `DISCLAIMER`.

Rendering runs in a child process bounded in time and memory (`kb.extract.run_bounded`, answered by
kb.printing.child), so a huge page cannot hang or exhaust a web worker; the worker thread waits on
a pipe, and other requests go on. At most RENDERS_AT_ONCE files are made at once per process (the
wait for a turn counts against the same time limit). Nothing is fetched from the network: the
images come with the Document (bytes of kb's own attachments, keyed by their absolute URL) and
WeasyPrint's url_fetcher refuses every other URL.

Pure apart from the child process: no Flask, no database. `render` raises PrintError with a
Swedish message.
"""
from __future__ import annotations

import base64
import binascii
import threading
import time

from kb import extract
from kb.printing.document import (
    DISCLAIMER,
    DOCX,
    FORMATS,
    IMAGE_TYPES,
    PDF,
    REASONS,
    Document,
    Image,
    PrintError,
    from_json,
    to_json,
)
from kb.printing.html import print_html

# Files made at once per process; a request waits for a turn within its own time limit, then gets "busy":
# a burst of downloads queues up instead of starting a WeasyPrint per request.
RENDERS_AT_ONCE = 2
_slots = threading.BoundedSemaphore(RENDERS_AT_ONCE)

__all__ = ["DISCLAIMER", "DOCX", "FORMATS", "IMAGE_TYPES", "PDF", "REASONS", "Document", "Image", "PrintError",
           "RENDERS_AT_ONCE", "from_json", "print_html", "render", "to_json"]


def render(doc: Document, fmt: str, *, timeout: float = 30.0, memory: int = 1024 * 1024 * 1024) -> bytes:
    """The document as a file of `fmt` ("pdf" or "docx"), made in a bounded child process; PrintError
    (Swedish) when it takes longer than `timeout` seconds or more than `memory` bytes, or fails."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    html = print_html(doc) if fmt == "pdf" else ""
    started = time.monotonic()
    if not _slots.acquire(timeout=timeout):
        raise PrintError("busy")
    try:
        left = timeout - (time.monotonic() - started)
        if left <= 0:
            raise PrintError("busy")
        result = extract.run_bounded("kb.printing.child", to_json(doc, html), (fmt,), timeout=left, memory=memory)
    finally:
        _slots.release()
    if not result.get("ok"):
        raise PrintError(str(result.get("reason", "error")))
    try:
        return base64.b64decode(str(result["content"]), validate=True)
    except (KeyError, binascii.Error) as exc:
        raise PrintError("error") from exc
