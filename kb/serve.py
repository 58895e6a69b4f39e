"""Running kb in production: waitress (one process with threads) or gunicorn (several processes).

With several worker processes each worker builds its own app with `create_app()` after the fork
(no preloading), so no database connection, open index or thread crosses a fork. The workers share
the database and one index folder; kb.index's file locks make their catch-ups safe.
"""
from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from flask import Flask

# Seconds a worker may spend on one request before gunicorn replaces it, and that a stopping
# worker gets to finish the requests it has.
WORKER_TIMEOUT = 60
GRACEFUL_TIMEOUT = 30


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """The gunicorn settings `kb serve --workers N` uses (also used by the benchmarks)."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": False,
        "timeout": WORKER_TIMEOUT,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "keepalive": 5,
        "proc_name": "kb",
        "accesslog": None,
        "errorlog": "-",
        # Newer gunicorn opens a control socket in the home folder by default; two servers on one
        # machine would fight over it, and kb does not use it.
        "control_socket_disable": True,
    }


# glibc gives threads their own malloc arenas (up to 8 per core); memory freed in one is not
# reused by the others, so a worker with request threads grows well beyond what it holds (at
# 10,000 pages about 30 MB more, bench/results.md). Python threads allocate under the GIL
# anyway, so one arena costs no contention.
MALLOC_ARENAS = 1
M_ARENA_MAX = -8  # mallopt parameter number, from glibc's malloc.h


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap this process's malloc arenas (glibc only; elsewhere nothing happens). True if done."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


def settle_heap() -> None:
    """Load what every search needs, then take everything made so far out of the garbage
    collector's rounds (gc.freeze).

    A full collection walks every container object the process holds. In a worker serving 10,000
    pages that took about 150 ms, once every few hundred requests, while it held the GIL: every
    request of that worker stalled (bench/results.md, "Search at 10,000 pages"). What start-up made
    (modules, the Swedish word list, the app) lives as long as the process, so it is frozen; the
    index's caches, rebuilt when the index changes, stay collectable (a full collection then takes
    about 20 ms). Reference counting still frees frozen objects that are no longer used.
    """
    from kb import analysis

    analysis.decompounder()
    gc.collect()
    gc.freeze()


def run_gunicorn(factory: Callable[[], Flask], options: dict[str, Any]) -> None:
    """Run gunicorn with `options`; each worker calls `factory` once to build its app."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        """A gunicorn application configured from a dict instead of the command line."""

        def load_config(self) -> None:
            """Apply the options this gunicorn version knows (others are skipped)."""
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self) -> Flask:
            """Build the app in the worker process."""
            limit_malloc_arenas()
            app = factory()
            settle_heap()
            return app

    Server().run()
