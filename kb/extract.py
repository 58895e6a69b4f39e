"""Reading the text of uploaded documents for search, bounded in time and memory.

Parsing files from strangers is where parsers break: a PDF that loops, a DOCX that unpacks to
gigabytes, an XML entity bomb. So the parsing runs in a child process (`python -m kb.extract`)
that limits its own address space (RLIMIT_AS) and CPU time before it reads a byte; the parent
kills it after `timeout` seconds and caps the text it keeps. Zip containers (DOCX, XLSX, ODT)
are checked in the web process before that, cheaply: first their entry count from the end
records alone (`zip_entries`), then their directory (total size, compression ratio); XML is
parsed without DTDs or entities.

A failure here never stops a valid file from being stored: the caller gets
`Extracted(FAILED, message="Texten kunde inte läsas: …")` and keeps the file.
"""
from __future__ import annotations

import io
import json
import math
import os
import re
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kb.constants import ExtractionStatus, MediaType

PDF = MediaType.PDF.value
DOCX = MediaType.DOCX.value
XLSX = MediaType.XLSX.value
ODT = MediaType.ODT.value
TEXT = MediaType.TEXT.value
ZIP_TYPES = frozenset({DOCX, XLSX, ODT})
READABLE = frozenset({PDF, DOCX, XLSX, ODT, TEXT})

# Zip containers with more entries than this are refused from their end records alone, before
# zipfile reads the directory (it builds an object per entry: a 20 MB DOCX of 240,000 empty
# entries cost 113 MB and 5 s). Word and Excel files have dozens to a few hundred entries, ODT
# files a few dozen; 5,000 leaves room for a workbook with many sheets and images.
ZIP_MAX_ENTRIES = 5_000
# Zip containers: refused beyond these, read from the central directory (zipfile then never
# inflates an entry beyond the size its directory entry states).
ZIP_MAX_TOTAL = 200 * 1024 * 1024
ZIP_MAX_RATIO = 200
# Entries smaller than this are not judged by their ratio (tiny XML compresses very well).
ZIP_RATIO_FROM = 4 * 1024 * 1024

# Why reading failed, in Swedish, after "Texten kunde inte läsas: ".
REASONS = {
    "encrypted": "filen är krypterad eller lösenordsskyddad.",
    "corrupt": "filen är skadad eller har ett format som inte gick att tolka.",
    "zip": "filen packas upp till orimligt mycket data (den liknar en zip-bomb).",
    "entries": "filen består av orimligt många delar (den liknar en zip-bomb).",
    "timeout": "det tog för lång tid att läsa filen.",
    "memory": "filen krävde för mycket minne.",
    "error": "ett oväntat fel inträffade när filen lästes.",
}
FAILED_PREFIX = "Texten kunde inte läsas"
NO_TEXT = "Ingen text hittades i filen (den kan vara inskannad)."

_PACKAGE_PARENT = Path(__file__).resolve().parent.parent
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")


@dataclass(frozen=True)
class Extracted:
    """The outcome of reading a file's text: status, the text (capped) and a Swedish message."""

    status: ExtractionStatus
    text: str = ""
    message: str = ""


def failed(reason: str) -> Extracted:
    """A failure with its Swedish message ("Texten kunde inte läsas: filen är krypterad …")."""
    return Extracted(ExtractionStatus.FAILED, "", f"{FAILED_PREFIX}: {REASONS.get(reason, REASONS['error'])}")


# The zip end records (APPNOTE 4.3.14-16), found as zipfile finds them (`_EndRecData`): the
# end-of-central-directory record in the last 64 kB, the ZIP64 locator right before it and the
# ZIP64 record right before that.
_EOCD = struct.Struct("<4s4H2LH")  # signature, disk, directory disk, entries here, entries, size, offset, comment
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")  # signature, size, versions, disks, entries here, entries, size, offset
_ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"
_DIRECTORY_ENTRY_SIGNATURE = b"PK\x01\x02"


def zip_entries(content: bytes) -> int | None:
    """How many entries a zip has, from its end records without parsing its directory: the larger
    of the count the end record (or the ZIP64 one) declares and the number of entry signatures in
    the directory it points at (zipfile reads every entry there, whatever the count says). None
    when there is no end record or it points outside the file (not a zip zipfile could open)."""
    end = len(content) - _EOCD.size
    if end >= 0 and content.startswith(_EOCD_SIGNATURE, end) and content[-2:] == b"\0\0":
        position = end
    else:
        position = content.rfind(_EOCD_SIGNATURE, max(end - (1 << 16), 0))
        if position < 0 or position > end:
            return None
    _, _, _, _, declared, size, _, _ = _EOCD.unpack_from(content, position)
    directory_end = position
    locator = position - _ZIP64_LOCATOR.size
    record = locator - _ZIP64_EOCD.size
    if (record >= 0 and content.startswith(_ZIP64_LOCATOR_SIGNATURE, locator)
            and content.startswith(_ZIP64_EOCD_SIGNATURE, record)):
        fields = _ZIP64_EOCD.unpack_from(content, record)
        declared, size, directory_end = fields[7], fields[8], record
    start = directory_end - size
    if start < 0:
        return None
    # bytes.count scans in C and copies nothing; a name holding the signature only counts high.
    return max(declared, content.count(_DIRECTORY_ENTRY_SIGNATURE, start, directory_end))


def zip_problem(content: bytes) -> str | None:
    """'entries' when a zip container has more than ZIP_MAX_ENTRIES entries (judged before its
    directory is read); 'zip' when it is too big or inflates like a bomb; 'corrupt' when it is
    not a readable zip; None when it looks sane."""
    entries = zip_entries(content)
    if entries is None:
        return "corrupt"
    if entries > ZIP_MAX_ENTRIES:
        return "entries"
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return "corrupt"
    total = sum(max(info.file_size, 0) for info in infos)
    if total > ZIP_MAX_TOTAL:
        return "zip"
    for info in infos:
        if info.file_size >= ZIP_RATIO_FROM and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            return "zip"
    return None


def clean_text(text: str, limit: int) -> str:
    """Text without control characters or runs of blank lines, cut to `limit` characters."""
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()[:limit]


def run_bounded(module: str, content: bytes, args: tuple[str, ...] = (), *, timeout: float,
                memory: int) -> dict:
    """Run `python -s -m MODULE MEMORY CPU *args` with `content` on stdin, its address space capped at
    `memory` bytes and its CPU time at about `timeout` seconds, killed after `timeout` seconds of wall
    clock; its JSON answer ({"ok": True, …}), or {"ok": False, "reason": a key of REASONS}. The module
    answers through `child_main`. Never raises."""
    cpu = max(1, math.ceil(timeout)) + 1
    command = [sys.executable, "-s", "-m", module, str(int(memory)), str(cpu), *args]
    try:
        done = subprocess.run(command, input=content, capture_output=True, timeout=timeout,  # noqa: S603
                              cwd=_PACKAGE_PARENT, env=_child_env(), check=False)
    except subprocess.TimeoutExpired:
        return {"ok": False, "reason": "timeout"}
    except OSError:
        return {"ok": False, "reason": "error"}
    try:
        result = json.loads(done.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        # No answer: killed by its CPU limit (SIGXCPU/SIGKILL) or it died running out of memory.
        return {"ok": False, "reason": "timeout" if done.returncode in (-9, -24)
                else "memory" if b"MemoryError" in done.stderr else "error"}
    return result if isinstance(result, dict) else {"ok": False, "reason": "error"}


def extract(content: bytes, media_type: str, *, timeout: float = 10.0, memory: int = 512 * 1024 * 1024,
            text_max: int = 1_000_000) -> Extracted:
    """Read the text of a file of `media_type` in a bounded child process; never raises."""
    if media_type not in READABLE:
        return Extracted(ExtractionStatus.NONE)
    if media_type in ZIP_TYPES:
        problem = zip_problem(content)
        if problem:
            return failed(problem)
    result = run_bounded("kb.extract", content, (media_type, str(int(text_max))), timeout=timeout, memory=memory)
    if not result.get("ok"):
        return failed(str(result.get("reason", "error")))
    text = clean_text(str(result.get("text", "")), text_max)
    if not text:
        return Extracted(ExtractionStatus.NONE, "", NO_TEXT)
    return Extracted(ExtractionStatus.OK, text, "")


def extract_with(config: dict, content: bytes, media_type: str) -> Extracted:
    """`extract` with the limits from an app's config (EXTRACT_TIMEOUT, _MEMORY, _TEXT_MAX)."""
    return extract(content, media_type, timeout=float(config.get("EXTRACT_TIMEOUT", 10.0)),
                   memory=int(config.get("EXTRACT_MEMORY", 512 * 1024 * 1024)),
                   text_max=int(config.get("EXTRACT_TEXT_MAX", 1_000_000)))


def _child_env() -> dict[str, str]:
    # Nothing of the server's environment (database URL, secret key) reaches the parser.
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
            "PYTHONDONTWRITEBYTECODE": "1"}


# --- the child process ------------------------------------------------------------------------

class Failure(Exception):
    """Reading failed for a known reason (a key of REASONS)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Full(Exception):
    """The text cap is reached: stop reading."""


class _Collector:
    """Collects lines of text up to a character limit, then stops the reading."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0

    def add(self, text: str | None) -> None:
        if not text:
            return
        self.parts.append(text)
        self.size += len(text) + 1
        if self.size >= self.limit:
            raise _Full

    def text(self) -> str:
        return "\n".join(self.parts)[: self.limit]


def read_text(content: bytes, media_type: str, limit: int) -> str:
    """The text of a file (in this process: the child calls it after limiting itself)."""
    out = _Collector(limit)
    try:
        if media_type == PDF:
            _pdf(content, out)
        elif media_type == DOCX:
            _docx(content, out)
        elif media_type == XLSX:
            _xlsx(content, out)
        elif media_type == ODT:
            _odt(content, out)
        elif media_type == TEXT:
            out.add(content.decode("utf-8-sig", errors="replace"))
        else:
            raise Failure("error")
    except _Full:
        pass
    return out.text()


def _pdf(content: bytes, out: _Collector) -> None:
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            # Documents locked only against editing open with the empty password; others cannot be read.
            try:
                if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                    raise Failure("encrypted")
            except (DependencyError, NotImplementedError, PyPdfError) as exc:
                raise Failure("encrypted") from exc
        for page in reader.pages:
            out.add(page.extract_text())
    except FileNotDecryptedError as exc:
        raise Failure("encrypted") from exc
    except (_Full, Failure, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds of error on broken files
        raise Failure("corrupt") from exc


def _docx(content: bytes, out: _Collector) -> None:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(content))
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    out.add("\t".join(cell.text for cell in row.cells))
            else:
                out.add(block.text)
    except (_Full, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - broken zip, XML or relationships
        raise Failure("corrupt") from exc


def _xlsx(content: bytes, out: _Collector) -> None:
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            try:
                for sheet in workbook.worksheets:
                    out.add(sheet.title)
                    for row in sheet.iter_rows(values_only=True):
                        values = [str(v) for v in row if v is not None and str(v).strip()]
                        if values:
                            out.add("\t".join(values))
            finally:
                workbook.close()
    except (_Full, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - broken zip, XML or cell data
        raise Failure("corrupt") from exc


_ODT_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def _odt(content: bytes, out: _Collector) -> None:
    from defusedxml import ElementTree

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            xml = zf.read("content.xml")
        root = ElementTree.fromstring(xml)
        for element in root.iter():
            if element.tag in (f"{{{_ODT_TEXT}}}p", f"{{{_ODT_TEXT}}}h"):
                out.add("".join(element.itertext()))
    except (_Full, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - broken zip or XML; DTDs and entities (DefusedXmlException)
        raise Failure("corrupt") from exc


def _limit_self(memory: int, cpu_seconds: int) -> None:
    """Cap this process's address space and CPU time (the parent's timeout is the wall clock)."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def child_main(argv: list[str], work: Callable[[bytes, list[str]], dict]) -> int:
    """The child's side of `run_bounded`: `argv` is MEMORY CPU *args; limit this process, read the
    file from stdin, answer `work(content, args)` (with "ok": True) or the reason it failed as JSON."""
    memory, cpu, args = int(argv[0]), int(argv[1]), argv[2:]
    _limit_self(memory, cpu)
    try:
        content = sys.stdin.buffer.read()
        result = {"ok": True, **work(content, args)}
    except Failure as exc:
        result = {"ok": False, "reason": exc.reason}
    except MemoryError:
        result = {"ok": False, "reason": "memory"}
    except RecursionError:
        result = {"ok": False, "reason": "corrupt"}
    except Exception:  # noqa: BLE001 - any other failure is reported, never a traceback to the user
        result = {"ok": False, "reason": "error"}
    sys.stdout.write(json.dumps(result, ensure_ascii=False))
    sys.stdout.flush()
    return 0


def _read_for_parent(content: bytes, args: list[str]) -> dict:
    """`python -m kb.extract MEMORY CPU TYPE TEXT_MAX`: the text of the file."""
    return {"text": read_text(content, args[0], int(args[1]))}


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:], _read_for_parent))
