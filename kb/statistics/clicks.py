"""Count a click on a search result, from the results page's address the browser sends along.

The result links stay plain links to the result (no redirect, nothing for JavaScript to do, the
page caches unchanged): kb sends `Referrer-Policy: same-origin` (kb.security), so a browser that
opens a result tells in its Referer header which results page (and so which query, `q`) it came
from. A request counts as a click when it
- is a GET of a result's address (a page, plan, activity, collaboration plan, attachment or the
  glossary: the glossary link in the header, followed from a results page, counts too), and
- names a results page (`/sok`) of the same host as its Referer.
A browser or extension that withholds the Referer is not counted (clicks are a lower bound).
As WSGI middleware it also sees views the cookieless page cache answers (kb.pagecache).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask

from kb import urls
from kb.services import statistics

# Addresses search results lead to (each prefix followed by something: "/planer" alone is the overview).
RESULT_PREFIXES = (urls.PAGE_PREFIX, urls.PLANS_PREFIX, urls.ACTIVITY_PREFIX, urls.COLLABORATION_PREFIX,
                   urls.ATTACHMENT_PREFIX)
SEARCH_PATH = "/sok"


def clicked_query(environ: dict) -> str | None:
    """The query of the results page this request was opened from, if it opens a search result."""
    referer = environ.get("HTTP_REFERER")
    if not referer or environ.get("REQUEST_METHOD") != "GET":
        return None
    path = environ.get("PATH_INFO", "")
    if path != urls.GLOSSARY_PATH and not any(path.startswith(p) and len(path) > len(p) for p in RESULT_PREFIXES):
        return None
    came = urlsplit(referer)
    if came.netloc != environ.get("HTTP_HOST") or came.path != environ.get("SCRIPT_NAME", "") + SEARCH_PATH:
        return None
    return (parse_qs(came.query).get("q") or [""])[0] or None


class SearchClicks:
    """WSGI middleware: count a result opened from a results page for its query's statistics."""

    def __init__(self, app: Flask, wsgi_app: Callable[[dict, Callable[..., Any]], Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Count the click, if it is one, and let the app answer."""
        query = clicked_query(environ)
        if query is not None:
            statistics.record_click(query, environ.get("HTTP_USER_AGENT"), app=self.app)
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    """Put the click counter around the app (inside the proxy fix, which sets the host it compares)."""
    app.wsgi_app = SearchClicks(app, app.wsgi_app)  # type: ignore[method-assign]
