"""Counting the SQL statements a piece of code runs (to catch N+1 queries)."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from kb.extensions import db


@contextmanager
def counting(app) -> Iterator[list[str]]:
    """Collect every SQL statement this thread runs on the app's engine inside the block.

    Other threads are left out: the search index merges and catches up in a background thread
    whenever it likes, and its queries are not the request's.
    """
    statements: list[str] = []
    thread = threading.get_ident()
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == thread:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def count_queries(app, client, path: str) -> int:
    """How many SQL statements one successful GET of `path` runs."""
    with counting(app) as statements:
        resp = client.get(path)
    assert resp.status_code == 200, (path, resp.status_code)
    return len(statements)
