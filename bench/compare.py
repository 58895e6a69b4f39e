"""Two versions of kb side by side: page views and searches per second, before and after a change.

    .venv/bin/python bench/compare.py --before bf0ad37 [--after HEAD] [--pages 1000] [--areas 20]
                                      [--copy-content] [--rounds 5] [--seconds 5]

Each version (a git revision, unpacked with `git archive`) gets its own instance: `kb init`, `kb demo`
and `--pages` generated pages (bench/demo_corpus.py, fixed seed) through its own page service, spread
round robin over `--areas` areas (the shared and the own one plus generated ones, every fifth members-
only; a revision before areas gets the same pages without), then `kb reindex`. Both are served at once
by their own `kb serve --workers 2` on loopback and measured alternately with wrk (1 thread, 8
connections, anonymous), the order swapped every round: a page view (/sida/mini-maria), the search page
and the search API. With `--copy-content` (two revisions with the same database schema) the content is
built once, by the first version, and its database copied to the second, which only reindexes: half the
build time, and exactly the same rows on both sides. The result is the median of the rounds per version
and the ratio after/before, so the machine's noise hits both alike, and the ratio of the best rounds
(this machine's rounds are often bimodal, a slow mode at a third to a half of the fast one, on both
sides alike: the best round is each version's speed when nothing else gets in the way). Needs wrk.
Writes its section of bench/results.md.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import HOST, Http, KbInstance, free_port  # noqa: E402
from bench.page_view import wrk  # noqa: E402
from bench.results import write_section  # noqa: E402

TARGETS = {"page view": "/sida/mini-maria",
           "search page": "/sok?q=samordnad+individuell+plan",
           "search API": "/api/search?q=utskrivning+fr%C3%A5n+slutenv%C3%A5rd&kind=all"}
BUILD = """
import sys
from bench.demo_corpus import Corpus
from kb import create_app
from kb.extensions import db
from kb.services import pages

app = create_app()
with app.app_context():
    area_ids = [None]
    try:
        from kb.services import areas
    except ImportError:  # a revision before areas: the same pages, all in its one body
        areas = None
    if int(sys.argv[2]) > 0 and areas is not None:
        for i in range(len(areas.all_areas()) + 1, int(sys.argv[2]) + 1):
            areas.create(f"omrade-{i}", f"Område {i}", members_only=i % 5 == 0)
        area_ids = [a.id for a in areas.all_areas()]
    known = pages.SlugChecker(known={p.slug for p in pages.live_pages()})
    for n, fields in enumerate(Corpus().pages(int(sys.argv[1]), 300), 1):
        if area_ids != [None]:
            fields["area_id"] = area_ids[n % len(area_ids)]
        pages.create_page(pages.PageData(**fields), author="bench", exists=known, commit=False, check=False,
                          refresh=False)
        if n % 200 == 0:
            db.session.commit()
    db.session.commit()
"""


class Version:
    """One revision of kb, unpacked, with its instance and server."""

    def __init__(self, name: str, revision: str, root: Path) -> None:
        self.name, self.revision = name, revision
        self.tree = root / name / "src"
        self.tree.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision],  # noqa: S603,S607
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(self.tree)], input=archive, check=True)  # noqa: S603,S607
        (self.tree / "bench").mkdir(exist_ok=True)
        # The same generated pages for both versions.
        (self.tree / "bench" / "demo_corpus.py").write_bytes((ROOT / "bench" / "demo_corpus.py").read_bytes())
        self.instance = KbInstance(root / name)
        self.port = free_port()
        self.server: subprocess.Popen | None = None

    def python(self, code: str, *args: str, timeout: float = 3600) -> None:
        """Run Python code with this version's kb first on the path, for its instance."""
        command = [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(self.tree)!r})\n{code}", *args]
        done = subprocess.run(command, cwd=self.tree, env=self.instance.env(), capture_output=True,  # noqa: S603
                              text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{self.name}: {done.stdout}\n{done.stderr}")

    def cli(self) -> str:
        """The code that runs this version's `kb` command with sys.argv."""
        module = "kb.cli.main" if (self.tree / "kb" / "cli" / "main.py").exists() else "kb.cli"
        return f"from {module} import main\nsys.argv[0] = 'kb'\nmain()"

    def kb(self, *args: str) -> None:
        """A `kb` command of this version."""
        self.python(self.cli(), *args)

    def build(self, pages: int, areas: int = 0) -> None:
        """Instance, demo content, generated pages (over `areas` areas), a fresh index."""
        self.kb("init")
        self.kb("demo")
        if pages:
            self.python(BUILD, str(pages), str(areas))
        self.kb("reindex")

    def copy_content(self, other: Version) -> None:
        """The other version's instance (database, settings) without its index, then a fresh index."""
        shutil.copytree(other.instance.path, self.instance.path, ignore=shutil.ignore_patterns("index"))
        self.kb("reindex")

    def start(self) -> None:
        """`kb serve --workers 2` of this version."""
        log = (self.instance.root / "serve.log").open("w")
        self.server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(self.tree)!r})\n{self.cli()}", "serve",
             "--host", HOST, "--port", str(self.port), "--workers", "2", "--threads", "8"],
            cwd=self.tree, env=self.instance.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if Http(self.url).get("/").status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} svarade inte:\n{(self.instance.root / 'serve.log').read_text()}")

    @property
    def url(self) -> str:
        """Base URL of its server."""
        return f"http://{HOST}:{self.port}"

    def stop(self) -> None:
        """Stop its server by PID."""
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            self.server.wait(timeout=45)


def main() -> None:
    """Build both versions, measure alternately, print and write the medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", required=True, help="git revision before the change")
    parser.add_argument("--after", default="HEAD", help="git revision after the change")
    parser.add_argument("--pages", type=int, default=1000, help="generated pages besides the demo content")
    parser.add_argument("--areas", type=int, default=0, help="spread the generated pages over this many areas")
    parser.add_argument("--copy-content", action="store_true",
                        help="build the content once and copy the database (the same schema on both sides)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--no-results", action="store_true", help="do not write bench/results.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-compare-") as tmp:
        versions = [Version("before", args.before, Path(tmp)), Version("after", args.after, Path(tmp))]
        for n, version in enumerate(versions):
            print(f"bygger {version.name} ({version.revision}) …", file=sys.stderr, flush=True)
            if n and args.copy_content:
                version.copy_content(versions[0])
            else:
                version.build(args.pages, args.areas)
        rates: dict[tuple[str, str], list[float]] = {}
        try:
            for version in versions:
                version.start()
            for version in versions:  # a warm-up pass each
                for path in TARGETS.values():
                    wrk(version.url + path, 1)
            for r in range(args.rounds):
                for version in (versions if r % 2 == 0 else versions[::-1]):
                    for what, path in TARGETS.items():
                        rates.setdefault((version.name, what), []).append(wrk(version.url + path, args.seconds))
                print(f"omgång {r + 1} av {args.rounds} klar", file=sys.stderr, flush=True)
        finally:
            for version in versions:
                version.stop()
    rows = []
    for what in TARGETS:
        before = statistics.median(rates[("before", what)])
        after = statistics.median(rates[("after", what)])
        best_before, best_after = max(rates[("before", what)]), max(rates[("after", what)])
        rows.append(f"| {what} (`{TARGETS[what]}`) | {before:.0f} | {after:.0f} | **{after / before:.2f}** | "
                    f"{best_after / best_before:.2f} | "
                    f"{', '.join(f'{x:.0f}' for x in rates[('before', what)])} / "
                    f"{', '.join(f'{x:.0f}' for x in rates[('after', what)])} |")
    body = (f"Requests per second, median of {args.rounds} rounds of {args.seconds:g} s each (wrk, 1 thread, "
            f"8 connections, anonymous), `kb serve --workers 2` per version on the demo content plus "
            f"{args.pages} generated pages"
            f"{f' over {args.areas} areas (every fifth members-only)' if args.areas else ''}"
            f"{' (built once, database copied)' if args.copy_content else ''}; "
            f"before = `{args.before}`, after = `{args.after}`.\n\n"
            "| request | before (req/s) | after (req/s) | after / before | best / best | rounds (before / after) |\n"
            "|---|---|---|---|---|---|\n" + "\n".join(rows))
    print(body)
    if not args.no_results:
        write_section("compare", "Before and after a change, side by side (bench/compare.py)", body)


if __name__ == "__main__":
    main()
