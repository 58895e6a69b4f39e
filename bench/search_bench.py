"""Search benchmark: reindex time and query latency on generated Swedish pages.

    .venv/bin/python bench/search_bench.py                       # 1,000 and 10,000 pages, 3 runs
    .venv/bin/python bench/search_bench.py --sizes 10000 --runs 5 --no-http

For each size: bulk-insert generated pages (bench/corpus.py) plus the demo glossary into a
fresh instance, then time `kb.index.rebuild` (median of --runs). At the largest size also
time a fixed query mix: in-process (`kb.index.search`) and through the HTTP API, served by
waitress in a subprocess on 127.0.0.1 (stopped afterwards). Prints Markdown.
Not a test: numbers depend on the machine; compare ratios between runs.
"""
from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus import generate  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from kb import create_app, database, index  # noqa: E402
from kb.extensions import db  # noqa: E402
from kb.models import Change, GlossaryTerm, Page  # noqa: E402
from kb.services import pages as pages_service  # noqa: E402

# A fixed mix of what staff type: exact titles, single common words, abbreviations,
# inflections, compound parts, typos, questions, no å/ä/ö, and multi-word queries.
QUERY_MIX = [
    "SIP", "samordnad individuell plan", "BUP", "MCP", "NOSAM Lerum", "Mini-Maria",
    "Rutin för demens", "mottagning", "rutiner", "avvikelsen", "hemtjänsten",
    "utskrivning", "avvikelse", "läkemedel", "hjälpmedel", "utskrivnig", "samordningsgrupen",
    "när har mottagningen öppet", "hur kallar jag till en SIP för ett barn",
    "vem ansvarar för fallprevention",
    "aldreomsorgen", "oppettider", "anhorigstod", "psykisk ohälsa hos unga", "trygg och säker hemgång",
    "digitala vårdbesök", "palliativ vård Borås", "suicidprevention", "nattpatrull", "xylofon",
]


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def make_instance(root: Path, pages: int) -> dict:
    """A fresh instance with `pages` generated pages and the demo glossary; returns its config."""
    root.mkdir(parents=True, exist_ok=True)
    config = {"INSTANCE_PATH": str(root), "SECRET_KEY": "bench"}
    app = create_app(config)
    # Migrated, not create_all(): the migrations seed the areas every page needs (the own area).
    database.init_schema(app)
    with app.app_context():
        # Through the page service, so every page has its published revision as after a real save
        # (routines approved on creation, as an import does); links and the glossary are not re-rendered.
        known = pages_service.SlugChecker(known=set())
        for n, p in enumerate(generate(pages), 1):
            data = pages_service.PageData(title=p.title, type=p.type, source=p.text, summary=p.summary,
                                          tags=list(p.tags), target_groups=list(p.target_groups), slug=p.slug)
            approval = pages_service.Approval(by="bench") if pages_service.requires_approval(p.type) else None
            pages_service.create_page(data, author="bench", exists=known, commit=False, check=False,
                                      refresh=False, approval=approval)
            if n % 500 == 0:
                db.session.commit()
        import yaml

        glossary_file = Path(__file__).resolve().parent.parent / "kb" / "demo" / "glossary.yaml"
        terms = yaml.safe_load(glossary_file.read_text("utf-8"))
        db.session.execute(insert(GlossaryTerm), [
            {"term": t["term"], "expansion": t["expansion"], "description": t.get("description", "")}
            for t in terms])
        db.session.commit()
    return config


def time_rebuild(config: dict, runs: int) -> list[float]:
    """Seconds per full rebuild, `runs` times."""
    app = create_app(config)
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        index.rebuild(app)
        out.append(time.perf_counter() - started)
    return out


def time_in_process(config: dict, rounds: int) -> list[float]:
    """Milliseconds per search over the query mix, after one warm-up round."""
    app = create_app(config)
    times = []
    with app.test_request_context():
        for n in range(rounds + 1):
            for q in QUERY_MIX:
                started = time.perf_counter()
                index.search(q)
                if n:
                    times.append((time.perf_counter() - started) * 1000)
    return times


def time_after_save(config: dict) -> list[float]:
    """Milliseconds per search when a page was saved just before (caches start cold)."""
    app = create_app(config)
    times = []
    with app.test_request_context():
        index.search("värmning")
        for n, q in enumerate(QUERY_MIX):
            page = db.session.get(Page, n + 1)
            page.summary = f"{page.summary} Ändrad {n}."
            db.session.add(Change(entity="page", entity_id=page.id, op="upsert", actor="bench"))
            db.session.commit()
            index.catch_up(app)
            started = time.perf_counter()
            index.search(q)
            times.append((time.perf_counter() - started) * 1000)
    return times


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_http(config: dict, rounds: int, threads: int, clients: int = 1) -> list[float]:
    """Milliseconds per GET /api/search over the query mix, waitress in a subprocess.

    With several clients, each sends the whole mix `rounds` times on its own connection.
    """
    port = free_port()
    # waitress warns "Task queue depth is N" whenever all threads are busy: expected here.
    code = ("import logging; from waitress import serve; from kb import create_app; "
            "logging.getLogger('waitress.queue').setLevel(logging.ERROR); "
            f"serve(create_app({config!r}), host='127.0.0.1', port={port}, threads={threads}, _quiet=True)")
    root = str(Path(__file__).resolve().parent.parent)
    server = subprocess.Popen([sys.executable, "-c", code], cwd=root)  # noqa: S603 - our own code
    try:
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("the benchmark server did not start") from None
                time.sleep(0.2)
        _client(port, 1, [])  # warm up the server's caches
        per_client: list[list[float]] = [[] for _ in range(clients)]
        workers = [threading.Thread(target=_client, args=(port, rounds, out)) for out in per_client]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return [t for out in per_client for t in out]
    finally:
        server.terminate()
        server.wait(timeout=30)


def _client(port: int, rounds: int, times: list[float]) -> None:
    """Send the query mix `rounds` times over one keep-alive connection, recording latencies."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(rounds):
        for q in QUERY_MIX:
            path = "/api/search?" + urllib.parse.urlencode({"q": q, "limit": 10})
            started = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path} → {response.status}")
            times.append((time.perf_counter() - started) * 1000)
    conn.close()


def main() -> None:
    """Run the benchmark and print the results as Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="page counts, comma separated")
    parser.add_argument("--runs", type=int, default=3, help="rebuilds per size (median reported)")
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the query mix")
    parser.add_argument("--threads", type=int, default=4, help="waitress threads")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients in the second run")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP measurement")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {len(QUERY_MIX)} queries in the mix\n")
    print("| pages | reindex runs (s) | median (s) | pages/s | index size |")
    print("|---|---|---|---|---|")
    last_config = None
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        for size in sizes:
            config = make_instance(Path(tmp) / f"n{size}", size)
            runs = time_rebuild(config, args.runs)
            median = statistics.median(runs)
            files = (Path(tmp) / f"n{size}" / "index").rglob("*")
            size_mb = sum(f.stat().st_size for f in files if f.is_file())
            print(f"| {size:,} | {', '.join(f'{r:.1f}' for r in runs)} | {median:.1f} | {size / median:,.0f} "
                  f"| {size_mb / 2**20:.0f} MiB (2 generations) |")
            last_config = config
        assert last_config is not None
        print(f"\nSearch latency at {sizes[-1]:,} pages ({args.rounds} passes × {len(QUERY_MIX)} queries "
              "per client after a warm-up pass; the after-save row is one pass):\n")
        print("| where | p50 (ms) | p95 (ms) | max (ms) |")
        print("|---|---|---|---|")
        rows = [("in-process `index.search`", time_in_process(last_config, args.rounds)),
                ("in-process, first search after a page save (cold caches)", time_after_save(last_config))]
        if not args.no_http:
            for clients in (1, args.clients):
                label = f"HTTP `GET /api/search` (waitress, {args.threads} threads, {clients} client(s))"
                rows.append((label, time_http(last_config, args.rounds, args.threads, clients)))
        for label, t in rows:
            print(f"| {label} | {percentile(t, 50):.1f} | {percentile(t, 95):.1f} | {max(t):.1f} |")


if __name__ == "__main__":
    main()
