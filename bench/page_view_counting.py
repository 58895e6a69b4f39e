"""Does counting page views slow a page view? kb with statistics on and off, side by side, in process.

    .venv/bin/python bench/page_view_counting.py [--rounds 21] [--views 100]

Two apps on temporary instances with the same page, one with STATS_ENABLED=False. Each round times
`--views` GETs of the page through the test client for each app in turn, case by case (alternating
which app goes first, so that the machine's changing load falls on both alike), three ways: a
visitor without a cookie (answered by the cookieless page cache), a logged-in editor (the page
rendered once per validator and kept), and a logged-in editor whose browser sends the ETag back
(304). The counting app keeps its default flush settings, so its writes (every STATS_FLUSH_SECONDS
or STATS_FLUSH_COUNT views, in a background thread) fall inside the rounds. Reports the median time
per view and the median of the rounds' on/off ratios, and the cost of `record_view` itself; target:
under 5 % of the fastest view.
Writes its section of bench/results.md.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from factories import login, make_app, make_page, wait_for_background_threads  # noqa: E402

from bench.results import write_section  # noqa: E402
from kb.services import statistics as stats  # noqa: E402

PAGE = "/sida/mini-maria"
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}
TARGET = 0.05
SOURCE = "\n\n".join(f"## Avsnitt {n}\n\nMottagning för unga med alkohol- eller drogproblem och deras anhöriga. "
                     "Ring eller kom förbi; [[sip]] vid behov av samordning." for n in range(12)) + "\n"


def build(folder: Path, enabled: bool):
    """An app with the page and three clients: anonymous, logged in, logged in with the page's ETag."""
    app = make_app(folder, STATS_ENABLED=enabled)
    with app.app_context():
        make_page("Mini-Maria", SOURCE, slug="mini-maria")
    anon, editor = app.test_client(), login(app, "redaktor", "redaktör")
    editor.get(PAGE, headers=BROWSER)  # shows (and so ends) the welcome message, which is never cached
    etag = editor.get(PAGE, headers=BROWSER).headers["ETag"]
    return app, {"utan cookie (sidcachen)": (anon, BROWSER), "inloggad": (editor, BROWSER),
                 "inloggad, 304": (editor, {**BROWSER, "If-None-Match": etag})}


def per_view(client, headers: dict, views: int) -> float:
    """Microseconds per GET of the page, over `views` GETs."""
    start = time.perf_counter()
    for _ in range(views):
        status = client.get(PAGE, headers=headers).status_code
        assert status in (200, 304), status
    return (time.perf_counter() - start) / views * 1e6


def main() -> int:
    """Time both apps, print and write the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--views", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        on_app, on = build(Path(folder) / "on", True)
        _off_app, off = build(Path(folder) / "off", False)
        times: dict[tuple[str, bool], list[float]] = {(case, flag): [] for case in on for flag in (True, False)}
        for round_ in range(args.rounds):
            for case in on:
                for flag in ((True, False) if round_ % 2 == 0 else (False, True)):
                    client, headers = (on if flag else off)[case]
                    times[(case, flag)].append(per_view(client, headers, args.views))
        wait_for_background_threads()
        with on_app.app_context():
            stats.flush()
            counted = sum(n for _month, n in stats.monthly_views(1, months=1))
            calls = 20_000
            start = time.perf_counter()
            for _ in range(calls):
                stats.record_view(1, BROWSER["User-Agent"])
            record_us = (time.perf_counter() - start) / calls * 1e6
            stats.flush()
    rows, fastest = [], float("inf")
    for case in on:
        with_, without = statistics.median(times[(case, True)]), statistics.median(times[(case, False)])
        paired = statistics.median(a / b for a, b in zip(times[(case, True)], times[(case, False)], strict=True))
        fastest = min(fastest, without)
        rows.append(f"| {case} | {without:.0f} | {with_:.0f} | {paired:.2f} |")
    expected = args.rounds * args.views * len(on) + 2
    share = record_us / fastest
    verdict = "met" if share < TARGET else "NOT met"
    body = ("| view | off (µs/view, median) | on (µs/view, median) | on / off (median of the rounds' ratios) |\n"
            "|---|---|---|---|\n" + "\n".join(rows)
            + f"\n\n{args.rounds} rounds of {args.views} views per case, the apps side by side, alternating which goes "
              f"first; the counting app recorded {counted} of {expected} views (two more from setting up the ETag) and "
              f"wrote them in batches from a background thread. `record_view` alone (robot check, month key, counter "
              f"under a lock, its share of the batched writes): {record_us:.1f} µs a call, {share:.1%} of the fastest "
              f"view (target: under {TARGET:.0%}, {verdict}). The side-by-side ratios move by more than that from "
              "round to round on this shared machine: read them as noise around 1.")
    print(body)
    write_section("page_view_counting", "Counting page views (kb.services.statistics), on against off", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
