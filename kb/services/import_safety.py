"""What `kb import` refuses in a folder from outside: links, special files and unsafe YAML.

An import folder comes from outside, so two things in it are never trusted:

- its tree: a symbolic link (to a file or a folder) could make the import read something outside the
  folder, e.g. the instance's secret key as an attachment, so every link and every entry that is
  neither a plain file nor a folder is refused, and the import writes nothing (`unsafe_entries`);
- its YAML: anchors and aliases let a few hundred bytes expand to gigabytes (an "alias bomb"), so
  imported YAML is parsed by a safe loader that refuses them, and only up to MAX_YAML_BYTES
  (`load_yaml`, `read_yaml`). The export never writes anchors, so its files always pass.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import yaml

MB = 1024 * 1024
MAX_YAML_BYTES = 5 * MB
LINK_REASON = "symbolisk länk: länkar tas inte emot vid import (kopiera in filen eller mappen i stället)"
SPECIAL_REASON = "varken en vanlig fil eller en mapp, och tas inte emot vid import"


class Refused(Exception):
    """Something in an import folder that is refused, with the Swedish reason."""


# --- the folder ------------------------------------------------------------------------------

def unsafe_entries(folder: Path) -> list[tuple[str, str]]:
    """Every symbolic link and special file in `folder` and its subfolders (links are not followed),
    as (path relative to `folder`, Swedish reason); empty when the folder is safe to read."""
    root = Path(folder)
    out: list[tuple[str, str]] = []

    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename).relative_to(root).as_posix() if exc.filename else "."
        out.append((where, f"kunde inte läsas ({exc.strerror})"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable, followlinks=False):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            try:
                mode = path.lstat().st_mode
            except OSError as exc:
                unreadable(exc)
                continue
            if stat.S_ISLNK(mode):
                out.append((path.relative_to(root).as_posix(), LINK_REASON))
            elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                out.append((path.relative_to(root).as_posix(), SPECIAL_REASON))
    return sorted(out)


def outside(root: Path, relative: str) -> bool:
    """Whether `relative` (a path written in a file of the folder) leads out of `root`."""
    base = Path(root).resolve()
    try:
        return not (base / relative).resolve().is_relative_to(base)
    except (OSError, ValueError):  # e.g. a NUL byte or a link loop: not a path to read either
        return True


# --- YAML ------------------------------------------------------------------------------------

class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing anchors (&) and aliases (*) before anything is expanded."""

    what = "filen"
    line_offset = 0

    def compose_node(self, parent, index):
        """Refuse a node that is an alias or carries an anchor; compose the others as usual."""
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            line = event.start_mark.line + 1 + self.line_offset
            raise Refused(f"{self.what} innehåller YAML-ankare eller alias (& eller *), som inte tas emot "
                          f"vid import (rad {line})")
        return super().compose_node(parent, index)


def _too_big(size: int, what: str) -> Refused:
    megabytes = f"{size / MB:.1f}".replace(".", ",")
    return Refused(f"{what} är {megabytes} MB; YAML får vara högst {MAX_YAML_BYTES // MB} MB vid import")


def load_yaml(text: str, *, what: str = "filen", line_offset: int = 0) -> object:
    """Parse imported YAML safely: Refused above MAX_YAML_BYTES or with anchors or aliases.

    `what` names the text in the messages ("filen", "front matter"); `line_offset` is added to
    line numbers when the text starts further down a file. Invalid YAML raises yaml.YAMLError.
    """
    size = len(text.encode("utf-8"))
    if size > MAX_YAML_BYTES:
        raise _too_big(size, what)
    loader = _NoAliasLoader(text)
    loader.what, loader.line_offset = what, line_offset
    try:
        return loader.get_single_data()
    except RecursionError:
        raise Refused(f"{what} är för djupt nästlad för att läsas") from None
    finally:
        loader.dispose()


def read_yaml(path: Path, *, encoding: str = "utf-8") -> object:
    """Read and parse an imported YAML file as `load_yaml` does, checking its size before reading it."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        raise _too_big(size, "filen")
    return load_yaml(path.read_text(encoding=encoding))


def read_list(path: Path, *, shape: str) -> list:
    """Read an imported YAML file that holds a list (read_yaml's checks); Refused with the reason if it
    is no valid YAML or no list (`shape` says what the list should hold, in Swedish)."""
    try:
        data = read_yaml(path) or []
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as exc:
        raise Refused(f"ogiltig YAML: {exc}") from exc
    if not isinstance(data, list):
        raise Refused(shape)
    return data
