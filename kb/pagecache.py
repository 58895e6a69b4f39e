"""Rendered page views kept per process and reused while the change log says nothing changed.

Every write to pages, plans, activities, attachments and the glossary records a `Change` in its own
transaction, and `kb.caching` hashes everything a response can show (the view's row, the newest
changes, today's date, the viewer and their CSRF token, the settings and the code) into its
validator. Two requests with the same validator get the same HTML, so the HTML rendered for the
first is kept and sent again for the next ones. Two layers use that:

- `AnonymousPageViews`, around the whole app (WSGI): a page view (`/sida/<slug>`) by a visitor
  without a cookie – the usual reader of an intranet knowledge base – is answered from memory
  when the change log's state (one small query) and the date are what they were when the page was
  rendered (an area's change, a switch to members-only too, writes to the change log). Nothing of
  the app runs: no session, no login, no templates.
- `cached()`/`keep()`, inside the page view once `kb.caching.not_modified` has computed the
  validator: everyone else (logged-in users, visitors with a session) gets a page rendered once
  per validator.

The page view counts its views (kb.services.statistics) and names the page in the WSGI environ
(PAGE_ID); the outer layer keeps that id with the answer and counts each view it serves from memory,
and the click on a search result that led there.

Only 200 HTML responses without a cookie of their own are kept, never while a flash message waits.
The code and the static files are taken to be what the process started with (a deployment
restarts the server). Each process keeps at most RENDERED_VIEWS views per layer, least recently
used out.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, current_app, g, session

from kb import dates
from kb.services import changes, statistics
from kb.urls import PAGE_PREFIX

# The WSGI environ key under which the page view names the page it shows (for counting views).
PAGE_ID = "kb.page_id"

# Views kept per process and layer (a rendered page is 10–30 KB: a few MB in all).
MAX_ENTRIES = 256


class RenderedViews:
    """A bounded, thread-safe map from a key to a rendered view (least recently used out)."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.entries: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any) -> Any:
        """The view kept under `key`, if any."""
        with self.lock:
            view = self.entries.get(key)
            if view is not None:
                self.entries.move_to_end(key)
            return view

    def put(self, key: Any, view: Any) -> None:
        """Keep `view` under `key`, dropping the least recently used one when full."""
        if self.size <= 0:
            return
        with self.lock:
            self.entries[key] = view
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


# --- inside the page view: keyed by kb.caching's validator ----------------------------------------

def _views() -> RenderedViews:
    """This app's store (made on first use; each worker process builds its own app)."""
    views = current_app.extensions.get("kb_rendered_views")
    if views is None:
        size = int(current_app.config.get("RENDERED_VIEWS", MAX_ENTRIES))
        views = current_app.extensions["kb_rendered_views"] = RenderedViews(size)
    return views


def _validator() -> str | None:
    """This request's validator hash, set by kb.caching.not_modified (None: do not cache)."""
    validators = g.get("kb_validator")
    return validators[0] if validators else None


def cached() -> Response | None:
    """The view rendered before under this request's validator, or None (then render as usual)."""
    key = _validator()
    html = _views().get(key) if key is not None else None
    return Response(html, mimetype="text/html") if html is not None else None


def keep(html: str) -> str:
    """Keep a view's rendered HTML for the next request with the same validator; return it."""
    key = _validator()
    if key is not None and not session.modified and not session.get("_flashes"):
        _views().put(key, html)
    return html


# --- around the app: page views of visitors without a cookie ---------------------------------------

StartResponse = Callable[..., Any]


class AnonymousPageViews:
    """WSGI middleware: answer cookieless page views from memory while the change log stands still."""

    def __init__(self, app: Flask, wsgi_app: Callable[[dict, StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.views = RenderedViews(int(app.config.get("RENDERED_VIEWS", MAX_ENTRIES)))
        self.engine: Any = None

    def _state(self) -> tuple[Any, ...]:
        """The change log's state (kb.services.changes.log_state) and today's date, without an app
        context. An area closed to non-members since a page was kept records a change, so it is not
        served from memory."""
        if self.engine is None:
            from kb.extensions import db

            with self.app.app_context():
                self.engine = db.engine
        with self.engine.connect() as connection:
            top, count, _when = changes.log_state(connection)
        return top, count, dates.today().isoformat()

    def _key(self, environ: dict) -> tuple[Any, ...] | None:
        """What the response depends on, for a cacheable request; None for any other request."""
        path = environ.get("PATH_INFO", "")
        if (environ.get("REQUEST_METHOD") != "GET" or not path.startswith(PAGE_PREFIX)
                or "/" in path[len(PAGE_PREFIX):] or self.views.size <= 0
                or any(h in environ for h in ("HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH",
                                              "HTTP_IF_MODIFIED_SINCE"))):
            return None
        try:
            state = self._state()
        except Exception:  # noqa: BLE001 - the app answers (and reports) a database problem itself
            return None
        return (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SCRIPT_NAME", ""),
                path, environ.get("QUERY_STRING", ""), *state)

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        """Serve a kept view, or let the app answer and keep a cacheable answer."""
        key = self._key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        kept = self.views.get(key)
        if kept is not None:
            status, headers, body, page_id = kept
            if page_id is not None:
                agent = environ.get("HTTP_USER_AGENT")
                statistics.record_view(page_id, agent, app=self.app)
                statistics.record_result_click("GET", environ["PATH_INFO"], environ.get("HTTP_REFERER"),
                                               environ.get("HTTP_HOST"), environ.get("SCRIPT_NAME", ""), agent,
                                               app=self.app)
            start_response(status, list(headers))
            return [body]
        seen: dict[str, Any] = {}

        def watch(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        answer = self.wsgi_app(environ, watch)
        headers = seen.get("headers") or []
        names = {name.lower() for name, _ in headers}
        # Only what kb.caching validated (it has an ETag) and sets no cookie is the same for everyone;
        # only HTML is kept (a page's PDF or Word file, /sida/<slug>.pdf, can take megabytes).
        html = any(n.lower() == "content-type" and v.startswith("text/html") for n, v in headers)
        if not seen.get("status", "").startswith("200 ") or "etag" not in names or "set-cookie" in names \
                or not html:
            return answer
        try:
            body = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        self.views.put(key, (seen["status"], tuple(headers), body, environ.get(PAGE_ID)))
        return [body]


def init_app(app: Flask) -> None:
    """Put the cookieless page-view cache around the app's WSGI callable."""
    app.wsgi_app = AnonymousPageViews(app, app.wsgi_app)  # type: ignore[method-assign]
