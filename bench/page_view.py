"""Page views per second: kb against a minimal Flask app returning a fixed page of the same size.

    .venv/bin/python bench/page_view.py [--rounds 5] [--seconds 10] [--workers 2] [--threads 8]
    .venv/bin/python bench/page_view.py --profile 500      # where a page view's time goes, in-process

Both are served by the same gunicorn settings (`kb serve --workers N`, bench/minimal_app.py with
kb.serve.gunicorn_options) on loopback ports, and measured alternately with wrk (1 thread,
8 connections) for several rounds in one run; the result is the median of the rounds. The page is
a demo page (Mini-Maria, a reception with a fact box, links and activities); the minimal app
returns the very bytes kb sent for it. Target: kb reaches at least 0.6 of the minimal app.
Needs wrk (Debian: apt-get install wrk). Writes its section of bench/results.md.
"""
from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import HOST, Http, KbInstance, KbServer, free_port  # noqa: E402
from bench.results import write_section  # noqa: E402

PAGE = "/sida/mini-maria"
TARGET = 0.6
CONNECTIONS = 8


def wrk(url: str, seconds: float, connections: int = CONNECTIONS, cookie: str = "") -> float:
    """Requests per second that wrk reaches against `url` (every answer must be a 200)."""
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", *headers, url],  # noqa: S603,S607
                         capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out and "timeout 0" not in out:
        raise RuntimeError(f"wrk fick fel:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


class MinimalServer:
    """bench/minimal_app.py serving a fixed page with kb's gunicorn settings."""

    def __init__(self, page: Path, workers: int, threads: int, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        command = [sys.executable, str(Path(__file__).with_name("minimal_app.py")), str(page),
                   "--port", str(self.port), "--workers", str(workers), "--threads", str(threads)]
        with log.open("w") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,  # noqa: S603
                                         start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if Http(self.url).get("/").status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"minimal_app svarade inte:\n{log.read_text()}")

    def stop(self) -> None:
        """Stop it by PID (gunicorn stops its workers)."""
        self.proc.terminate()
        self.proc.wait(timeout=40)


def profile(instance: KbInstance, views: int) -> None:
    """Print where the time of `views` page views goes (cProfile, in-process test client)."""
    import cProfile
    import pstats

    app = instance.app()
    client = app.test_client()
    for _ in range(50):
        client.get(PAGE)
    started = time.perf_counter()
    for _ in range(views):
        client.get(PAGE)
    print(f"{(time.perf_counter() - started) / views * 1e6:.0f} µs per view without the profiler")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(views):
        client.get(PAGE)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def main() -> None:
    """Measure both servers alternately and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile N views instead")
    parser.add_argument("--no-results", action="store_true", help="do not write bench/results.md")
    args = parser.parse_args()
    if not args.profile and not shutil.which("wrk"):
        sys.exit("wrk saknas: apt-get install wrk")
    with tempfile.TemporaryDirectory(prefix="kb-pageview-") as tmp:
        root = Path(tmp)
        instance = KbInstance(root)
        instance.kb("init")
        instance.kb("demo")
        instance.add_users([("redaktor", "redaktör")])
        if args.profile:
            profile(instance, args.profile)
            return
        with KbServer(instance, workers=args.workers, threads=args.threads) as kb:
            page = Http(kb.url).get(PAGE)
            assert page.status == 200
            body = page.text.encode("utf-8")
            editor = Http(kb.url)
            editor.login("redaktor")
            editor.get(PAGE)  # the welcome message, shown once
            cookie = "; ".join(f"{k}={v}" for k, v in editor.cookies.items())
            fixed = root / "page.html"
            fixed.write_bytes(body)
            minimal = MinimalServer(fixed, args.workers, args.threads, root / "minimal.log")
            try:
                assert len(Http(minimal.url).get(PAGE).text.encode("utf-8")) == len(body)
                assert wrk(kb.url + PAGE, 2, cookie=cookie) > 0  # warm-up: caches, connections, workers
                wrk(kb.url + PAGE, 2)
                wrk(minimal.url + PAGE, 2)
                rows = []
                for n in range(args.rounds):
                    ours = wrk(kb.url + PAGE, args.seconds)
                    logged_in = wrk(kb.url + PAGE, args.seconds, cookie=cookie)
                    theirs = wrk(minimal.url + PAGE, args.seconds)
                    rows.append((ours, logged_in, theirs))
                    print(f"round {n + 1}: kb {ours:.0f}/s, kb logged in {logged_in:.0f}/s, "
                          f"minimal {theirs:.0f}/s, ratio {ours / theirs:.2f} / {logged_in / theirs:.2f}")
            finally:
                minimal.stop()
    ours, logged_in, theirs = (statistics.median(r[i] for r in rows) for i in range(3))
    ratio = statistics.median(r[0] / r[2] for r in rows)
    ratio_in = statistics.median(r[1] / r[2] for r in rows)
    print(f"median: kb {ours:.0f}/s, kb logged in {logged_in:.0f}/s, minimal {theirs:.0f}/s, "
          f"ratio {ratio:.2f} (target ≥ {TARGET}), logged in {ratio_in:.2f}")
    if not args.no_results:
        table = "\n".join(f"| {n} | {a:.0f} | {b:.0f} | {c:.0f} | {a / c:.2f} | {b / c:.2f} |"
                          for n, (a, b, c) in enumerate(rows, 1))
        body_md = (
            f"The page `{PAGE}` ({len(body):,} bytes) from kb against bench/minimal_app.py returning the "
            f"same bytes, both under gunicorn `gthread`, {args.workers} workers × {args.threads} threads "
            f"(`kb.serve.gunicorn_options`); wrk `-t1 -c{CONNECTIONS} -d{args.seconds:g}s`, alternating, "
            f"{args.rounds} rounds. *kb* is a visitor without a cookie (the usual reader); *kb logged in* "
            f"an editor with a session cookie.\n\n"
            f"| round | kb req/s | kb logged in req/s | minimal req/s | ratio | ratio logged in |\n"
            f"| --- | --- | --- | --- | --- | --- |\n{table}\n"
            f"| **median** | **{ours:.0f}** | **{logged_in:.0f}** | **{theirs:.0f}** | **{ratio:.2f}** | "
            f"**{ratio_in:.2f}** |\n\n"
            f"Target: ratio ≥ {TARGET} (a page view without a cookie). "
            f"**{'Met' if ratio >= TARGET else 'NOT met'}.**")
        write_section("page_view", "Page views (bench/page_view.py)", body_md)
    sys.exit(0 if ratio >= TARGET else 1)


if __name__ == "__main__":
    main()
