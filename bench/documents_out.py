"""Making a 20-page PDF (and the Word file) of a routine: `GET /sida/<slug>.pdf` and `.docx` end to end.

    .venv/bin/python bench/documents_out.py [--sections 22] [--runs 5]

Creates an app on a temporary instance with one approved routine of `--sections` sections, each a
heading, three paragraphs with bold, italics and a link, a numbered list, a table of eight rows,
and every fourth section an image (a PNG attachment of the page). Times the whole request `--runs`
times through the test client (permission check, the printable model, the print HTML, the bounded
child process with WeasyPrint or python-docx) and reports the median. Target: under 5 s for a PDF
of about 20 A4 pages. Writes its section of bench/results.md.
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from factories import make_app  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from bench.results import write_section  # noqa: E402
from kb.services import attachments, pages  # noqa: E402
from scripts.make_demo_documents import png_bytes  # noqa: E402

TARGET_SECONDS = 5.0
SLUG = "handbok-for-samverkan"
SENTENCE = ("Den enskilde ska vara delaktig i planeringen och kommunen och regionen ansvarar tillsammans för att "
            "insatserna samordnas så att ingen faller mellan stolarna när behoven förändras över tid")


def source(sections: int) -> str:
    """The routine's Markdown (see the module docstring)."""
    parts = []
    for n in range(1, sections + 1):
        parts.append(f"## Avsnitt {n}: samverkan kring målgruppen\n")
        for _ in range(3):
            parts.append(f"{SENTENCE}. **Viktigt:** {SENTENCE}, *särskilt* [vid utskrivning](/sida/sip). "
                         f"{SENTENCE}.\n")
        parts.append("\n".join(f"{i}. Steg {i} i arbetsgången: ansvarig funktion dokumenterar beslutet"
                               for i in range(1, 5)) + "\n")
        parts.append("| Vem | Vad | När | Uppföljning |\n|---|---|---|---|\n"
                     + "\n".join(f"| Funktion {r} | Kallar till möte | Inom fem dagar | Vid nästa NOSAM |"
                                 for r in range(8)) + "\n")
        if n % 4 == 0:
            parts.append(f"![Flödesschema {n}](/sida/{SLUG}/bilagor/flode-{n}.png)\n")
    return "\n".join(parts)


def build(app, sections: int) -> None:
    """The routine with its images as attachments, approved."""
    with app.app_context():
        data = pages.PageData(title="Handbok för samverkan", type="routine", source="Text.\n", slug=SLUG,
                              fields={"valid_until": "2028-12-31"})
        page = pages.create_page(data, author="bench", check=False, approval=pages.Approval(by="bench"))
        for n in range(4, sections + 1, 4):
            attachments.upload(page, f"flode-{n}.png", png_bytes(400, 240, lambda x, y: (x % 256, y, 120)),
                               author="bench")
        data = pages.PageData(title=page.title, type="routine", source=source(sections), fields=dict(page.fields))
        pages.update_page(page, data, base_revision=page.revision_number, author="bench", check=False,
                          approval=pages.Approval(by="bench"))


def timed(client, path: str, runs: int) -> tuple[list[float], bytes]:
    """The times of `runs` GETs of `path` (each made afresh: the validator is not sent) and the last body."""
    times, body = [], b""
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        body = response.data
    return times, body


def main() -> int:
    """Build the page, time the files, print and write the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", type=int, default=22)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder) / "instance", BASE_URL="https://kb.example.se")
        build(app, args.sections)
        client = app.test_client()
        pdf_times, pdf = timed(client, f"/sida/{SLUG}.pdf", args.runs)
        docx_times, docx = timed(client, f"/sida/{SLUG}.docx", args.runs)
    sheets = len(PdfReader(io.BytesIO(pdf)).pages)
    median, docx_median = statistics.median(pdf_times), statistics.median(docx_times)
    verdict = "met" if median < TARGET_SECONDS else "NOT met"
    body = (f"| file | sections | A4 pages | size | median (s) | runs (s) |\n|---|---|---|---|---|---|\n"
            f"| PDF | {args.sections} | {sheets} | {len(pdf) / 1024:.0f} kB | **{median:.2f}** "
            f"| {', '.join(f'{t:.2f}' for t in pdf_times)} |\n"
            f"| Word | {args.sections} | – | {len(docx) / 1024:.0f} kB | **{docx_median:.2f}** "
            f"| {', '.join(f'{t:.2f}' for t in docx_times)} |\n\n"
            f"The whole request through the test client: the permission check, the printable model (the routine's "
            f"header, its {args.sections // 4} images read from the database), the print HTML and the bounded child "
            f"process (Python start-up, WeasyPrint or python-docx, the file back as JSON). Target: under "
            f"{TARGET_SECONDS:g} s for a PDF of about 20 pages ({verdict}).")
    print(body)
    write_section("documents_out", "A page as PDF and Word (GET /sida/<slug>.pdf, .docx)", body)
    return 0 if median < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
