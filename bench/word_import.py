"""Converting a 30-page Word document to a page: kb.word.convert as the editor and `kb import` run it.

    .venv/bin/python bench/word_import.py [--pages 30] [--runs 5]

Builds a document with python-docx (tests/word_documents.py) of about `--pages` pages of about 500
words each: per page a heading, four paragraphs with bold and italic, a two-level numbered list, a
table of six rows, and every fifth page a PNG image and a footnote. Times the whole conversion
(the checks, the bounded child process with mammoth and the Markdown) `--runs` times and reports
the median. Target: under 5 s for 30 pages. Writes its section of bench/results.md.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from word_documents import Builder, png  # noqa: E402

from bench.results import write_section  # noqa: E402
from kb import word  # noqa: E402

TARGET_SECONDS = 5.0
SENTENCE = ("Den enskilde ska vara delaktig i planeringen och kommunen och regionen ansvarar tillsammans för att "
            "insatserna samordnas så att ingen faller mellan stolarna när behoven förändras över tid")


def document(pages: int) -> bytes:
    """A document of about `pages` pages of about 500 words (see the module docstring)."""
    b = Builder(f"Handbok för samverkan ({pages} sidor)")
    for n in range(1, pages + 1):
        b.heading(f"Avsnitt {n}: samverkan kring målgruppen", 1)
        for _ in range(4):
            b.paragraph(SENTENCE + ". ", ("Viktigt:", "b"), " " + SENTENCE + ", ", ("särskilt", "i"),
                        " " + SENTENCE + ".")
        for item in range(4):
            b.item(f"Steg {item + 1} i arbetsgången")
            b.item("Ansvarig funktion dokumenterar beslutet", 1)
        b.table([["Vem", "Vad", "När", "Uppföljning"]]
                + [[f"Funktion {r}", "Kallar till möte", "Inom fem dagar", "Vid nästa NOSAM"] for r in range(5)])
        if n % 5 == 0:
            b.image(png(200, 150), f"Flödesschema {n}")
            b.footnote("Se lagstiftningen.", "Socialtjänstlagen 2 kap. 7 §.")
    return b.bytes()


def main() -> int:
    """Build the document, time the conversions, print and write the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    content = document(args.pages)
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        converted = word.convert(content, timeout=60)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    words = len(converted.markdown.split())
    verdict = "met" if median < TARGET_SECONDS else "NOT met"
    body = (f"| pages (about 500 words) | .docx size | words of Markdown | images | median (s) | runs (s) |\n"
            f"|---|---|---|---|---|---|\n"
            f"| {args.pages} | {len(content) / 1024:.0f} kB | {words} | {len(converted.images)} | **{median:.2f}** "
            f"| {', '.join(f'{t:.2f}' for t in times)} |\n\n"
            f"The whole of `kb.word.convert`: the checks, the child process (Python start-up, mammoth, Markdown) and "
            f"the images back as JSON. Target: under {TARGET_SECONDS:g} s for 30 pages ({verdict}).")
    print(body)
    write_section("word_import", "Word document to a page (kb.word.convert)", body)
    return 0 if median < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
