"""Writing a benchmark's section of bench/results.md (each script rewrites only its own section)."""
from __future__ import annotations

import re
import shlex
import sys
from datetime import datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.md"
HEADER = """# Benchmark results

Written by the scripts in `bench/` (each rewrites its own section). Everything runs on loopback on
the server's machine, side by side in one run; the load generator shares its two cores, so compare
ratios rather than absolute numbers.
"""


def command_line() -> str:
    """How this script was run, relative to the repository (for the results table)."""
    script = Path(sys.argv[0])
    try:
        script = script.resolve().relative_to(RESULTS.parents[1])
    except ValueError:
        pass
    # A folder of this machine (`--instance /some/where`) is no part of the command to repeat.
    args = ["DIR" if a.startswith("/") else a for a in sys.argv[1:]]
    return shlex.join([".venv/bin/python", str(script), *args])


def write_section(name: str, title: str, body: str) -> None:
    """Replace (or add) the section `name` of results.md with `body`, under the command and date."""
    from bench.harness import machine

    block = (f"<!-- bench:{name} -->\n## {title}\n\n"
             f"`{command_line()}` – {datetime.now().strftime('%Y-%m-%d %H:%M')}, {machine()}\n\n"
             f"{body.strip()}\n<!-- /bench:{name} -->")
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else HEADER
    pattern = re.compile(rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.S)
    text = pattern.sub(lambda _m: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block
    RESULTS.write_text(text.rstrip() + "\n", encoding="utf-8")
