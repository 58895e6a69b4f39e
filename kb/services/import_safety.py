"""What `kb import` refuses in a folder from outside: links and special files.

An import folder comes from outside, so its tree is never trusted: a symbolic link (to a file or a
folder) could make the import read something outside the folder, e.g. the instance's secret key as
an attachment, so every link and every entry that is neither a plain file nor a folder is refused,
and the import writes nothing (`unsafe_entries`).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

LINK_REASON = "symbolisk länk: länkar tas inte emot vid import (kopiera in filen eller mappen i stället)"
SPECIAL_REASON = "varken en vanlig fil eller en mapp, och tas inte emot vid import"


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

