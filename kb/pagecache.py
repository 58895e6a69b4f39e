"""Rendered page views kept per process and reused while the change log says nothing changed.

Every write to pages, plans, activities, attachments and the glossary records a `Change` in its own
transaction, and `kb.caching` hashes everything a response can show (the view's row, the newest
changes, today's date, the viewer and their CSRF token, the settings and the code) into its
validator. Two requests with the same validator get the same HTML, so the HTML rendered for the
first is kept and sent again for the next ones. Two layers use that:

- `PageViews`, around the whole app (WSGI): a page view (`/sida/<slug>`) by a visitor without a
  cookie – the usual reader of an intranet knowledge base – is answered from memory when the change
  log's state (one small query) and the date are what they were when the page was rendered (an
  area's change, a switch to members-only too, writes to the change log). A signed-in user's view is
  answered from memory for the same cookie when, besides, their account, roles in areas and viewer
  stamp are unchanged (one more query). Nothing of the app runs: no session, no login, no templates.
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
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, session
from werkzeug.http import parse_etags, unquote_etag

from kb import dates
from kb.caching import shown_settings
from kb.services import changes, statistics, users
from kb.urls import PAGE_PREFIX

# The WSGI environ keys under which the page view names the page it shows (for counting views) and
# the signed-in user it was shown to (None: nobody signed in).
PAGE_ID = "kb.page_id"
USER_ID = "kb.user_id"
# A browser's conditional request headers.
CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")

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


# --- around the app: page views answered from memory ----------------------------------------------

StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class KeptView:
    """A page view's answer kept in memory."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    page_id: int | None  # counted in the statistics each time it is sent
    etag: str

    def send(self, start_response: StartResponse, if_none_match: str | None = None) -> list[bytes]:
        """Start the response: a 304 without a body when `if_none_match` names its ETag."""
        if if_none_match and self.etag and parse_etags(if_none_match).contains_weak(unquote_etag(self.etag)[0]):
            start_response("304 NOT MODIFIED", [(n, v) for n, v in self.headers
                                                if n.lower() not in ("content-type", "content-length")])
            return []
        start_response(self.status, list(self.headers))
        return [self.body]


@dataclass
class SignedInView:
    """What the outer layer knows about one request with a cookie: whose it is (learnt from the first
    answer), and, from the second on, the state it was rendered under and the answer."""

    user_id: int | None
    state: tuple[Any, ...] | None = None
    made: float = 0.0
    answer: KeptView | None = None


class PageViews:
    """WSGI middleware: answer page views from memory while nothing they show changed.

    - Without a cookie (`_anonymous`): kept per address under the change log's state and the date.
    - With a cookie (`_signed_in`): kept per address and exact Cookie header (the session: who, their
      CSRF token, no waiting message) under the change log's state, the date and everything read of
      the user on every request (their account row, roles in areas and viewer stamp: kb.services.users),
      two queries in all. The first request of a cookie only learns whose it is (the page view names the
      user in the environ); the state is always read before the app renders, so a change made while it
      renders is never taken for the state it was rendered under. A kept answer is used for MAX_AGE
      seconds at most. Conditional requests are answered here (304 for a matching If-None-Match); on a
      miss the app renders the page in full, so the answer can be kept.
    """

    MAX_AGE = 300.0

    def __init__(self, app: Flask, wsgi_app: Callable[[dict, StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        size = int(app.config.get("RENDERED_VIEWS", MAX_ENTRIES))
        self.views = RenderedViews(size)
        self.signed_in = RenderedViews(size)
        self.engine: Any = None

    # -- state ------------------------------------------------------------------------------------

    def _connect(self) -> Any:
        if self.engine is None:
            from kb.extensions import db

            with self.app.app_context():
                self.engine = db.engine
        return self.engine.connect()

    def _state(self) -> tuple[Any, ...]:
        """The change log's state (kb.services.changes.log_state), today's date and the settings that
        change a page (kb.caching.shown_settings), without an app context. An area closed to
        non-members since a page was kept records a change, so it is not served from memory."""
        with self._connect() as connection:
            top, count, _when = changes.log_state(connection)
        return top, count, dates.today().isoformat(), shown_settings(self.app)

    def _signed_in_state(self, user_id: int | None) -> tuple[Any, ...]:
        """The same and what is read of the request's user on every request, in one query."""
        with self._connect() as connection:
            return dates.today().isoformat(), shown_settings(self.app), *users.session_state(connection, user_id)

    def _address(self, environ: dict) -> tuple[Any, ...] | None:
        """The page view's address, for a GET of /sida/<slug> that may be kept; None for anything else."""
        path = environ.get("PATH_INFO", "")
        if (environ.get("REQUEST_METHOD") != "GET" or not path.startswith(PAGE_PREFIX)
                or "/" in path[len(PAGE_PREFIX):] or self.views.size <= 0 or "HTTP_AUTHORIZATION" in environ):
            return None
        return (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SCRIPT_NAME", ""),
                path, environ.get("QUERY_STRING", ""))

    # -- answering --------------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        """Serve a kept view, or let the app answer and keep a cacheable answer."""
        address = self._address(environ)
        if address is None:
            return self.wsgi_app(environ, start_response)
        if "HTTP_COOKIE" in environ:
            return self._signed_in(address, environ, start_response)
        return self._anonymous(address, environ, start_response)

    def _anonymous(self, address: tuple[Any, ...], environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if any(h in environ for h in CONDITIONAL):
            return self.wsgi_app(environ, start_response)
        try:
            key = (*address, *self._state())
        except Exception:  # noqa: BLE001 - the app answers (and reports) a database problem itself
            return self.wsgi_app(environ, start_response)
        kept = self.views.get(key)
        if kept is None:
            kept, passthrough = self._render(environ, start_response)
            if kept is None:
                return passthrough
            self.views.put(key, kept)
        else:
            self._count(environ, kept.page_id)
        return kept.send(start_response)

    def _signed_in(self, address: tuple[Any, ...], environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        ident = (*address, environ["HTTP_COOKIE"])
        known: SignedInView | None = self.signed_in.get(ident)
        if known is None:  # the first request of this cookie: the page view names its user
            kept, passthrough = self._render(environ, start_response)
            if kept is None:
                return passthrough
            self.signed_in.put(ident, SignedInView(environ.get(USER_ID)))
            return kept.send(start_response)
        try:
            state = self._signed_in_state(known.user_id)
        except Exception:  # noqa: BLE001 - as above
            return self.wsgi_app(environ, start_response)
        if known.answer is not None and known.state == state and time.monotonic() - known.made < self.MAX_AGE:
            self._count(environ, known.answer.page_id)
            return known.answer.send(start_response, environ.get("HTTP_IF_NONE_MATCH"))
        # Render in full (no conditional), so that the answer can be kept; the condition is applied here.
        conditional = {h: environ.pop(h) for h in CONDITIONAL if h in environ}
        kept, passthrough = self._render(environ, start_response)
        if kept is None:
            return passthrough
        if environ.get(USER_ID) == known.user_id:
            self.signed_in.put(ident, SignedInView(known.user_id, state, time.monotonic(), kept))
        return kept.send(start_response, conditional.get("HTTP_IF_NONE_MATCH"))

    def _count(self, environ: dict, page_id: int | None) -> None:
        """Count a view answered from memory, and the search result click that led to it."""
        if page_id is None:
            return
        agent = environ.get("HTTP_USER_AGENT")
        statistics.record_view(page_id, agent, app=self.app)
        statistics.record_result_click("GET", environ["PATH_INFO"], environ.get("HTTP_REFERER"),
                                       environ.get("HTTP_HOST"), environ.get("SCRIPT_NAME", ""), agent, app=self.app)

    def _render(self, environ: dict, start_response: StartResponse) -> tuple[KeptView | None, Iterable[bytes]]:
        """Let the app answer. (The answer to keep, ()) when it may be kept, sent by the caller; else
        (None, the app's answer, already started)."""
        seen: dict[str, Any] = {}

        def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            seen["status"], seen["headers"], seen["exc_info"] = status, headers, exc_info
            return _no_write

        answer = self.wsgi_app(environ, hold)
        status, headers = seen.get("status", ""), seen.get("headers") or []
        names = {name.lower() for name, _ in headers}
        # Only what kb.caching validated (it has an ETag) and sets no cookie is the same for every
        # request with this key; only HTML is kept (a page's PDF or Word file can take megabytes).
        html = any(n.lower() == "content-type" and v.startswith("text/html") for n, v in headers)
        if not status.startswith("200 ") or "etag" not in names or "set-cookie" in names or not html:
            start_response(status, headers, seen.get("exc_info"))
            return None, answer
        try:
            body = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        etag = next((v for n, v in headers if n.lower() == "etag"), "")
        return KeptView(status, tuple(headers), body, environ.get(PAGE_ID), etag), ()


def _no_write(_data: bytes) -> None:
    """The write() callable of a held start_response (kb's app never calls it)."""
    raise RuntimeError("write() is not supported by the page-view cache")


def init_app(app: Flask) -> None:
    """Put the page-view cache around the app's WSGI callable."""
    app.wsgi_app = PageViews(app, app.wsgi_app)  # type: ignore[method-assign]
