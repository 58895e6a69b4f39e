"""Load and faults: editors saving and readers reading and searching, with workers killed mid-run.

    .venv/bin/python bench/load.py [--duration 60] [--editors 20] [--readers 100] [--workers 3]

Starts `kb serve --workers N` (gunicorn) on a loopback port with the demo content, one page per
editor, and runs for `--duration` seconds:
- each editor logs in and saves its own page over and over through the edit form (CSRF and all),
  remembering every acknowledged save (the 302 after the POST, with the version from the flash);
- each reader opens pages and searches (/sok and /api/search), without pause;
- faults: at 25 % one worker is killed with SIGKILL (gunicorn starts a new one), at 50 % the
  whole server is stopped gracefully and started again, at 75 % the server and its workers are
  killed with SIGKILL (a power cut) and started again.
At the end it checks: no 5xx response; every acknowledged save is in the page's history (a
database query); each page's current text is found by search through the server; and
`kb.index.generations.verify` finds the index and the database in agreement. The result is written to
bench/results.md. tests/test_load.py runs a short version of the same in the test suite.
"""
from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import Http, KbInstance, KbServer, create_page, percentile, save_page  # noqa: E402
from bench.results import write_section  # noqa: E402

# Words and queries readers use (from the demo content), and what an editor's text looks like.
QUERIES = ["sip", "samverkan", "hemtjänst", "demens", "barn och unga", "vårdplanering", "mini-maria",
           "nosam", "äldre", "psykisk hälsa", "utskrivning", "avvikelse", "hemsjukvard", "anhörig"]
# Token letters: consonants only, so that Swedish stemming never strips a token's ending and two
# tokens never meet in one stem.
LETTERS = "bcdfghjklmnpqrvwxz"
TOKEN = re.compile(r"\blastord[a-z]+\b")
FAULTS = ((0.25, "kill-worker"), (0.5, "restart"), (0.75, "crash"))


def token(editor: int, n: int) -> str:
    """A word found nowhere else: editor number and save number in consonants."""
    def letters(i: int, width: int) -> str:
        out = ""
        for _ in range(width):
            i, r = divmod(i, len(LETTERS))
            out = LETTERS[r] + out
        return out

    return f"lastord{letters(editor, 2)}{letters(n, 4)}"


@dataclass
class Ack:
    """An acknowledged save: the page, the unique word it wrote and the version the server named."""

    slug: str
    word: str
    version: int | None


@dataclass
class Tally:
    """What the clients saw, shared by their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    connection_errors: Counter = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    acks: list[Ack] = field(default_factory=list)
    other_saves: Counter = field(default_factory=Counter)

    def reply(self, method: str, path: str, status: int, seconds: float) -> None:
        """Count one response (an Http.on_reply hook)."""
        kind = ("save" if method == "POST" else "search" if path.startswith(("/sok", "/api/search"))
                else "view")
        with self.lock:
            self.statuses[status] += 1
            self.latencies.setdefault(kind, []).append(seconds)
            if status >= 500:
                self.server_errors.append(f"{method} {path} → {status}")

    def error(self, what: str, exc: BaseException) -> None:
        """Count a connection error (a refused or reset connection, not an HTTP status)."""
        with self.lock:
            self.connection_errors[f"{what}: {type(exc).__name__}"] += 1


NETWORK_ERRORS = (OSError, http.client.HTTPException)


class LoadTest:
    """Editors and readers against one server for a while, with faults; then the checks."""

    def __init__(self, instance: KbInstance, server: KbServer, *, editors: int, readers: int,
                 duration: float, faults: tuple[tuple[float, str], ...] = FAULTS) -> None:
        self.instance, self.server = instance, server
        self.editors, self.readers, self.duration, self.faults = editors, readers, duration, faults
        self.tally = Tally()
        self.stop = threading.Event()
        self.slugs: list[str] = []
        self.readable: list[str] = []
        self.events: list[str] = []
        self.elapsed = 0.0

    def client(self) -> Http:
        """A client whose responses are counted."""
        client = Http(self.server.url)
        client.on_reply = self.tally.reply
        return client

    def prepare(self) -> None:
        """One page per editor (created through the form) and the list of pages readers open."""
        setup = Http(self.server.url)
        setup.login("redaktor0")
        self.slugs = [create_page(setup, f"Lasttestsida {n}", f"Startsida för redaktör {n}.\n")
                      for n in range(self.editors)]
        with self.instance.app().app_context():
            from kb.services import pages

            self.readable = [p.slug for p in pages.live_pages()]

    def _until_stopped(self, pause: float = 0.2) -> None:
        self.stop.wait(pause)

    def edit(self, n: int) -> None:
        """One editor: log in, then save its page again and again; remember what was acknowledged."""
        client = self.client()
        n_save = 0
        logged_in = False
        while not self.stop.is_set():
            try:
                if not logged_in:
                    client.login(f"redaktor{n}")
                    logged_in = True
                word = token(n, n_save)
                n_save += 1
                saved = save_page(client, self.slugs[n], f"Redaktör {n} sparar.\n\nSenast: {word}.\n",
                                  comment=f"lasttest {n_save}")
            except NETWORK_ERRORS as exc:
                self.tally.error("editor", exc)
                self._until_stopped()
                continue
            with self.tally.lock:
                if saved.acknowledged:
                    self.tally.acks.append(Ack(self.slugs[n], word, saved.version))
                else:
                    self.tally.other_saves[saved.status] += 1
            if saved.status == 302 and not saved.acknowledged:  # sent to the login form
                logged_in = False

    def read(self, n: int) -> None:
        """One reader: open pages and search, with no pause between requests."""
        client = self.client()
        rnd = random.Random(n)  # noqa: S311 - which page to read, not a secret
        while not self.stop.is_set():
            choice = rnd.random()
            if choice < 0.5:
                path = f"/sida/{rnd.choice(self.readable)}"
            elif choice < 0.75:
                path = f"/sok?q={rnd.choice(QUERIES)}"
            else:
                path = f"/api/search?q={rnd.choice(QUERIES)}"
            try:
                client.get(path)
            except NETWORK_ERRORS as exc:
                self.tally.error("reader", exc)
                self._until_stopped()

    def run(self) -> None:
        """Run the clients for the duration and inject the faults on time."""
        threads = [threading.Thread(target=self.edit, args=(n,), daemon=True) for n in range(self.editors)]
        threads += [threading.Thread(target=self.read, args=(n,), daemon=True) for n in range(self.readers)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for at, fault in sorted(self.faults):
            delay = started + at * self.duration - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            moment = time.monotonic() - started
            if fault == "kill-worker":
                pid = self.server.kill_worker()
                self.events.append(f"{moment:.1f} s: worker {pid} killed with SIGKILL")
            elif fault == "restart":
                self.server.restart()
                self.events.append(f"{moment:.1f} s: server stopped (SIGTERM) and started again "
                                   f"({time.monotonic() - started - moment:.1f} s)")
            elif fault == "crash":
                self.server.crash()
                self.server.start()
                self.events.append(f"{moment:.1f} s: server and workers killed with SIGKILL, started "
                                   f"again ({time.monotonic() - started - moment:.1f} s)")
        remaining = started + self.duration - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
        self.stop.set()
        for t in threads:
            t.join(timeout=60)
        self.elapsed = time.monotonic() - started

    def lost_saves(self) -> list[str]:
        """Acknowledged saves that are not in the page's history (or not under the version named)."""
        from sqlalchemy import select

        from kb.extensions import db
        from kb.models import Page, Revision

        lost = []
        with self.instance.app().app_context():
            history: dict[str, dict[int, str]] = {}
            for slug, number, source in db.session.execute(
                    select(Page.slug, Revision.number, Revision.source)
                    .join(Page, Revision.page_id == Page.id)
                    .where(Page.slug.in_(self.slugs))):
                history.setdefault(slug, {})[number] = source
            for ack in self.tally.acks:
                revisions = history.get(ack.slug, {})
                if ack.version is not None and ack.word not in revisions.get(ack.version, ""):
                    lost.append(f"{ack.slug}: {ack.word} saknas i version {ack.version}")
                elif not any(ack.word in source for source in revisions.values()):
                    lost.append(f"{ack.slug}: {ack.word} saknas i historiken")
        return lost

    def unfound_pages(self, within: float = 5.0) -> list[str]:
        """Pages whose current text (per the database) search through the server does not find."""
        with self.instance.app().app_context():
            from kb.services import pages

            current = {slug: TOKEN.findall(pages.get(slug).text or "") for slug in self.slugs}
        client = Http(self.server.url)
        missing = {slug: words[-1] for slug, words in current.items() if words}
        deadline = time.monotonic() + within
        while missing and time.monotonic() < deadline:
            for slug, word in list(missing.items()):
                found = json.loads(client.get(f"/api/search?q={word}&limit=50").text)["results"]
                if slug in [hit["slug"] for hit in found]:
                    del missing[slug]
            if missing:
                time.sleep(0.25)
        return [f"{slug}: {word} hittas inte" for slug, word in missing.items()]

    def index_problems(self, within: float = 10.0) -> list[str]:
        """Where the index differs from the database (kb.index.generations.verify), once it has settled.

        A save the server committed after its client gave up (a request cut off by a fault, or
        one still waiting for the database when the run stopped) reaches the index through the
        change log: at the latest with the next search's catch-up. So a difference is looked at
        again, after a search through the server, for up to `within` seconds; one that stays is
        a change the catch-up missed.
        """
        from kb.index import catchup, generations

        app = self.instance.app()
        client = Http(self.server.url)
        deadline = time.monotonic() + within
        while True:
            problems = generations.verify(app)
            if not problems or time.monotonic() >= deadline:
                return problems
            # A search catches up at most every CATCH_UP_INTERVAL seconds per worker.
            time.sleep(catchup.CATCH_UP_INTERVAL + 0.1)
            client.get(f"/api/search?q={QUERIES[0]}")

    def report(self) -> dict:
        """Every figure and check of the run."""
        t = self.tally
        total = sum(t.statuses.values())
        lat = {k: (percentile(v, 50) * 1000, percentile(v, 95) * 1000)
               for k, v in sorted(t.latencies.items())}
        return {
            "requests": total, "seconds": self.elapsed, "rps": total / self.elapsed if self.elapsed else 0,
            "statuses": dict(sorted(t.statuses.items())), "server_errors": t.server_errors,
            "connection_errors": dict(t.connection_errors), "acks": len(t.acks),
            "other_saves": dict(t.other_saves), "latency_ms": lat, "events": self.events,
            "lost": self.lost_saves(), "unfound": self.unfound_pages(), "index": self.index_problems(),
        }


def prepared_instance(root: Path, editors: int, database_url: str | None = None) -> KbInstance:
    """An instance with the demo content and one editor account per editor."""
    instance = KbInstance(root, database_url=database_url)
    instance.init()
    instance.kb("demo")
    instance.add_users((f"redaktor{n}", "redaktör") for n in range(editors))
    return instance


def main() -> None:
    """Run the load test and write its section of bench/results.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--editors", type=int, default=20)
    parser.add_argument("--readers", type=int, default=100)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database-url", default=None, help="default: SQLite in the instance")
    parser.add_argument("--no-results", action="store_true", help="do not write bench/results.md")
    parser.add_argument("--keep", type=Path, default=None, help="keep the instance and server log here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-load-") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        instance = prepared_instance(root, args.editors, args.database_url)
        server = KbServer(instance, workers=args.workers, threads=args.threads)
        with server:
            test = LoadTest(instance, server, editors=args.editors, readers=args.readers,
                            duration=args.duration)
            test.prepare()
            test.run()
            result = test.report()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    ok = not (result["server_errors"] or result["lost"] or result["unfound"] or result["index"])
    if not args.no_results:
        write_section("load", "Load and faults (bench/load.py)", _markdown(args, result, ok))
    sys.exit(0 if ok else 1)


def _markdown(args: argparse.Namespace, r: dict, ok: bool) -> str:
    lat = "; ".join(f"{k} {p50:.0f}/{p95:.0f} ms" for k, (p50, p95) in r["latency_ms"].items())
    rows = [
        ("run", f"{r['seconds']:.0f} s, {args.editors} editors, {args.readers} readers, "
                f"`kb serve --workers {args.workers} --threads {args.threads}`, "
                f"{'PostgreSQL' if args.database_url else 'SQLite'}"),
        ("requests", f"{r['requests']} ({r['rps']:.0f}/s); status codes {r['statuses']}"),
        ("latency p50/p95", lat),
        ("5xx responses", f"{len(r['server_errors'])} (target: 0)"),
        ("acknowledged saves", f"{r['acks']}; other answers to saves: {r['other_saves'] or 'none'}"),
        ("acknowledged saves missing from the history", f"{len(r['lost'])} (target: 0)"),
        ("pages whose current text search does not find", f"{len(r['unfound'])} (target: 0)"),
        ("differences index–database (`generations.verify`)", f"{len(r['index'])} (target: 0)"),
        ("connection errors (during the faults and restarts)", str(r["connection_errors"] or "none")),
        ("faults injected", "<br>".join(r["events"])),
    ]
    table = "\n".join(f"| {k} | {v} |" for k, v in rows)
    verdict = "Met" if ok else "NOT met"
    return f"| measure | value |\n| --- | --- |\n{table}\n\n**{verdict}.**"


if __name__ == "__main__":
    main()
