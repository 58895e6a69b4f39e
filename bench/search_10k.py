"""Search at 10,000 pages: HTTP latency of /sok and /api/search, build time, and memory per worker.

    .venv/bin/python bench/search_10k.py [--pages 10000] [--rounds 10] [--instance DIR]

Builds an instance with the demo content plus `--pages` generated Swedish pages of about 500 words
(bench/demo_corpus.py, fixed seed), inserted through the page service in batches of 200 per commit, then
`kb reindex`; both times are reported. With `--instance DIR` the instance is kept there and reused
by the next run (generating it takes minutes). Then `kb serve --workers 2` (gunicorn), both
workers warmed with every query, and each query of QUERIES asked `--rounds` times through each
endpoint, one request at a time over keep-alive connections: p50 and p95 per endpoint (target:
p95 under 50 ms); then the same queries with `--clients` (8) connections at once through wrk (target:
p95 under 50 ms as well; skipped without wrk). Finally the resident memory (VmRSS) of each worker
(target: under 200 MB).
Writes its sections of bench/results.md.
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
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import Http, KbInstance, KbServer, percentile, rss_mib  # noqa: E402
from bench.results import write_section  # noqa: E402

TARGET_P95_MS = 50
TARGET_RSS_MB = 200
BATCH = 200
# Realistic queries: words, compounds, without å/ä/ö, two words, prefixes, questions, typos,
# abbreviations.
QUERIES = [
    "sip", "demens", "hemtjänst", "samverkan", "vårdplanering", "avvikelse", "brukarinflytande",
    "suicidprevention", "hemtjänstinsatser", "läkemedelsgenomgång", "samverkansplan",
    "utskrivningsprocessen", "hemtjanst", "aldre", "anhorigstod", "halsa", "barn unga", "psykisk hälsa",
    "nära vård", "mobila team", "sam", "vård", "hem", "psyk", "hur kallar man till en sip",
    "var ligger mini-maria", "vem ansvarar för utskrivning", "vad är nosam", "samverkn", "demnes", "BUP",
    "NOSAM", "MHFA",
]
# Different searches per worker before memory is read (see fill_caches).
FILL = 400
ENDPOINTS = {"/sok": "/sok?q={}", "/api/search": "/api/search?q={}"}


def build_instance(root: Path, count: int, words: int) -> tuple[KbInstance, dict[str, float]]:
    """The demo content plus `count` generated pages, indexed; and how long each step took."""
    from bench.demo_corpus import Corpus
    from kb.extensions import db
    from kb.services import pages

    instance = KbInstance(root)
    if (instance.path / "bench-built").exists():
        return instance, {}
    times: dict[str, float] = {}
    instance.kb("init")
    instance.kb("demo")
    started = time.perf_counter()
    app = instance.app()
    with app.app_context():
        known = pages.SlugChecker(known={p.slug for p in pages.live_pages()})
        for n, fields in enumerate(Corpus().pages(count, words), 1):
            pages.create_page(pages.PageData(**fields), author="bench", exists=known, commit=False,
                              check=False, refresh=False)
            if n % BATCH == 0:
                db.session.commit()
                print(f"\r{n} pages", end="", file=sys.stderr, flush=True)
        db.session.commit()
        print(file=sys.stderr)
    times["insert"] = time.perf_counter() - started
    started = time.perf_counter()
    instance.kb("reindex", timeout=3600)
    times["reindex"] = time.perf_counter() - started
    (instance.path / "bench-built").write_text(f"{count}\n")
    return instance, times


def folder_mib(path: Path) -> float:
    """Size of the files under a folder in MiB."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def ask(client: Http, endpoint: str, query: str) -> float:
    """Seconds one search request takes (it must answer 200)."""
    started = time.perf_counter()
    reply = client.get(ENDPOINTS[endpoint].format(quote(query)))
    elapsed = time.perf_counter() - started
    assert reply.status == 200, (endpoint, query, reply.status)
    return elapsed


def measure(server: KbServer, rounds: int) -> tuple[dict[str, list[float]], dict[tuple[str, str], float]]:
    """Latencies per endpoint over all queries and rounds; and each query's slowest time."""
    for worker in server.worker_pids():  # warm every worker: searchers, vocabularies, templates
        with server.only(worker):
            client = Http(server.url)
            for _ in range(2):
                for query in QUERIES:
                    for endpoint in ENDPOINTS:
                        ask(client, endpoint, query)
            client.close()
    clients = [Http(server.url) for _ in range(4)]
    times: dict[str, list[float]] = {e: [] for e in ENDPOINTS}
    slowest: dict[tuple[str, str], float] = {}
    n = 0
    for _ in range(rounds):
        for query in QUERIES:
            for endpoint in ENDPOINTS:
                seconds = ask(clients[n % len(clients)], endpoint, query)
                n += 1
                times[endpoint].append(seconds)
                slowest[(endpoint, query)] = max(seconds, slowest.get((endpoint, query), 0))
    return times, slowest


def fill_caches(server: KbServer, count: int = FILL) -> None:
    """Many different searches on every worker (words of the corpus), so that the index caches
    reach the size they have in long use; memory is read after this."""
    import random

    from bench.demo_corpus import Corpus

    words = sorted(set(Corpus().long_words))
    pick = random.Random(5)  # noqa: S311 - test queries, not secrets
    queries = [" ".join(pick.sample(words, pick.randint(1, 2))) for _ in range(count)]
    for worker in server.worker_pids():
        with server.only(worker):
            client = Http(server.url)
            for query in queries:
                ask(client, "/api/search", query)
            client.close()


# wrk cycles through the queries on each of its connections and prints its latency percentiles.
WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("KB-LATENCY %%f %%f %%d %%d\\n", latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, summary.requests, summary.errors.status))
end
"""


def concurrent(server: KbServer, clients: int, seconds: float, rounds: int, folder: Path) -> dict[str, list]:
    """p50 and p95 (ms) and requests per second per endpoint with `clients` connections at once (wrk,
    one thread, every query in turn), endpoints alternating for `rounds` rounds; every answer a 200."""
    out: dict[str, list] = {e: [] for e in ENDPOINTS}
    scripts = {}
    for endpoint, template in ENDPOINTS.items():
        paths = ", ".join(f'"{template.format(quote(q))}"' for q in QUERIES)
        scripts[endpoint] = folder / f"wrk-{endpoint.strip('/').replace('/', '-')}.lua"
        scripts[endpoint].write_text(WRK_SCRIPT % paths)
    for _ in range(rounds):
        for endpoint in ENDPOINTS:
            run = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{seconds:g}s", "-s", str(scripts[endpoint]),  # noqa: S603,S607
                                  server.url], capture_output=True, text=True, check=True).stdout
            p50, p95, requests, bad = run.split("KB-LATENCY", 1)[1].split()[:4]
            if int(bad):
                raise RuntimeError(f"{endpoint}: {bad} svar var inte 2xx/3xx:\n{run}")
            out[endpoint].append((float(p50), float(p95), int(requests) / seconds))
    return out


def main() -> None:
    """Build (or reuse) the instance, measure, and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--clients", type=int, default=8, help="connections at once for the concurrent phase")
    parser.add_argument("--seconds", type=float, default=10, help="seconds per concurrent measurement")
    parser.add_argument("--concurrent-rounds", type=int, default=3)
    parser.add_argument("--instance", type=Path, default=None, help="keep (and reuse) the instance here")
    parser.add_argument("--no-results", action="store_true", help="do not write bench/results.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-search10k-") as tmp:
        root = args.instance or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        instance, build_times = build_instance(root, args.pages, args.words)
        index_size = folder_mib(instance.path / "index")
        with KbServer(instance, workers=args.workers, threads=args.threads) as server:
            started_rss = {pid: rss_mib(pid) for pid in server.worker_pids()}
            times, slowest = measure(server, args.rounds)
            together = concurrent(server, args.clients, args.seconds, args.concurrent_rounds, Path(tmp)) \
                if shutil.which("wrk") else {}
            measured_rss = {pid: rss_mib(pid) for pid in server.worker_pids()}
            fill_caches(server)
            rss = {pid: rss_mib(pid) for pid in server.worker_pids()}
    stats = {e: (percentile(v, 50) * 1000, percentile(v, 95) * 1000, len(v)) for e, v in times.items()}
    worst = sorted(slowest.items(), key=lambda kv: -kv[1])[:5]
    for endpoint, (p50, p95, n) in stats.items():
        print(f"{endpoint}: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({n} requests)")
    print("slowest:", ", ".join(f"{e} {q!r} {s * 1000:.0f} ms" for (e, q), s in worst))
    print("RSS per worker (MiB):", {pid: round(v) for pid, v in rss.items()})
    medians = {e: tuple(statistics.median(r[i] for r in rows) for i in range(3)) for e, rows in together.items()}
    for endpoint, (p50, p95, rate) in medians.items():
        print(f"{endpoint}, {args.clients} at once: p50 {p50:.1f} ms, p95 {p95:.1f} ms, {rate:.0f} req/s")
    p95_ok = all(p95 < TARGET_P95_MS for _, p95, _ in stats.values())
    together_ok = bool(medians) and all(p95 < TARGET_P95_MS for _, p95, _ in medians.values())
    rss_ok = all(v < TARGET_RSS_MB for v in rss.values())
    if not args.no_results:
        _write(args, build_times, index_size, stats, worst, (started_rss, measured_rss, rss), p95_ok, rss_ok)
        _write_concurrent(args, together, medians, together_ok)
    sys.exit(0 if p95_ok and rss_ok and together_ok else 1)


def _write_concurrent(args, together: dict[str, list], medians: dict[str, tuple], ok: bool) -> None:
    if not together:
        body = "Not measured: wrk is missing (apt-get install wrk)."
    else:
        rows = "\n".join(f"| `{e}` | {n} | {p50:.1f} | {p95:.1f} | {rate:.0f} |"
                         for e, runs in together.items() for n, (p50, p95, rate) in enumerate(runs, 1))
        meds = "\n".join(f"| `{e}` | **median** | **{p50:.1f}** | **{p95:.1f}** | **{rate:.0f}** |"
                         for e, (p50, p95, rate) in medians.items())
        body = (f"The same instance and server, {args.clients} connections at once: wrk `-t1 -c{args.clients} "
                f"-d{args.seconds:g}s`, each connection asking the {len(QUERIES)} queries in turn, the two "
                f"endpoints alternating for {args.concurrent_rounds} rounds (latency per request, from wrk).\n\n"
                f"| endpoint | round | p50 ms | p95 ms | req/s |\n| --- | --- | --- | --- | --- |\n{rows}\n{meds}\n\n"
                f"Target: p95 under {TARGET_P95_MS} ms. **{'Met' if ok else 'NOT met'}.**")
    write_section("search_concurrent", f"Search at {args.pages:,} pages, {args.clients} clients at once "
                  "(bench/search_10k.py)", body)


def _write(args, build_times, index_size, stats, worst, memory, p95_ok, rss_ok) -> None:
    started_rss, measured_rss, rss = memory
    built = (f"inserted through the page service in {build_times['insert']:.0f} s, `kb reindex` "
             f"{build_times['reindex']:.0f} s" if build_times else "instance reused (build not timed)")
    rows = "\n".join(f"| `{e}` | {p50:.1f} | {p95:.1f} | {n} |" for e, (p50, p95, n) in stats.items())
    slow = ", ".join(f"`{e}` \"{q}\" {s * 1000:.0f} ms" for (e, q), s in worst)
    write_section("search_10k", "Search at 10,000 pages (bench/search_10k.py)", (
        f"The demo content plus {args.pages:,} generated pages of about {args.words} words "
        f"(bench/demo_corpus.py); {built}; index {index_size:.0f} MiB. "
        f"`kb serve --workers {args.workers} --threads {args.threads}`, both workers warmed up, then "
        f"{len(QUERIES)} queries (words, compounds, no å/ä/ö, two words, prefixes, questions, typos, "
        f"abbreviations) × {args.rounds} rounds per endpoint, one request at a time.\n\n"
        f"| endpoint | p50 ms | p95 ms | requests |\n| --- | --- | --- | --- |\n{rows}\n\n"
        f"Slowest: {slow}.\n\n"
        f"Target: p95 under {TARGET_P95_MS} ms. **{'Met' if p95_ok else 'NOT met'}.**"))
    per_worker = "\n".join(
        f"| {n} | {started_rss.get(pid, 0):.0f} | {measured_rss.get(pid, 0):.0f} | {v:.0f} |"
        for n, (pid, v) in enumerate(sorted(rss.items()), 1))
    write_section("memory", "Memory per worker at 10,000 pages (bench/search_10k.py)", (
        f"VmRSS of each gunicorn worker (`kb serve --workers {args.workers}`): right after start, after "
        f"the warm-up and measurement above, and after {FILL} more different searches per worker "
        f"(words of the corpus), when the index caches have the size they reach in long use.\n\n"
        f"| worker | after start MiB | after measuring MiB | after {FILL} more searches MiB |\n"
        f"| --- | --- | --- | --- |\n{per_worker}\n\n"
        f"Target: under {TARGET_RSS_MB} MB. **{'Met' if rss_ok else 'NOT met'}.**"))


if __name__ == "__main__":
    main()
