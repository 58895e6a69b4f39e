"""The yardstick for bench/page_view.py: a minimal Flask app that returns one fixed page.

    .venv/bin/python bench/minimal_app.py PAGE.html --port 8001 [--workers 2] [--threads 8]

Served by exactly the gunicorn settings `kb serve --workers N` uses (kb.serve.gunicorn_options), so
the comparison measures kb's own work per request and nothing else.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flask import Flask, Response

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def create(page: bytes) -> Flask:
    """A Flask app whose every GET answers with `page` as HTML."""
    app = Flask(__name__)

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def fixed(path: str) -> Response:
        return Response(page, mimetype="text/html")

    return app


def main() -> None:
    """Serve the page with kb's gunicorn settings."""
    from kb import serve

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    page = args.page.read_bytes()
    options = serve.gunicorn_options(args.host, args.port, args.workers, args.threads)
    serve.run_gunicorn(lambda: create(page), options)


if __name__ == "__main__":
    main()
