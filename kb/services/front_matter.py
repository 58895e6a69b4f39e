"""Files of the folder format with YAML front matter (a block between two lines of ---) and a
Markdown body: pages (kb.services.transfer) and page templates (kb.services.template_folder)."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from kb.services import import_safety

FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.S)


class FileError(Exception):
    """A file that cannot be imported, with the Swedish reason."""


def read(path: Path) -> tuple[dict, str]:
    """The front matter (a dict) and the body of a file, or FileError saying why not."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FileError("filen är inte kodad i UTF-8") from exc
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    match = FRONT_MATTER.match(text)
    if not match:
        raise FileError("saknar front matter (ett block mellan två rader med ---) överst i filen")
    try:
        meta = import_safety.load_yaml(match.group(1) or "", what="front matter", line_offset=1) or {}
    except import_safety.Refused as exc:
        raise FileError(str(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" på rad {mark.line + 2}" if mark is not None else ""
        raise FileError(f"front matter är inte giltig YAML{where}: {getattr(exc, 'problem', exc)}") from exc
    except ValueError as exc:  # e.g. an unquoted date that does not exist: 2026-99-01
        raise FileError(f"front matter har ett ogiltigt värde: {exc}") from exc
    if not isinstance(meta, dict):
        raise FileError("front matter måste vara nyckel: värde-par")
    return meta, text[match.end():]
