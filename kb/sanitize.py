"""Sanitising of user HTML: the one place that turns untrusted HTML into safe HTML.

This is the only module that imports bleach. Everything a user writes is rendered by ``kb.markup``
and passed through :func:`clean` when it is saved, and the stored HTML passes through it again when
it is shown (:func:`clean_shown`, from ``kb.services.pages.shown_html``), so pages saved under older
rules are shown under today's. HTML cleaned under the same rules comes out
unchanged.

Tags outside the allowlist are escaped (shown as inert text), attributes outside it are dropped and
URLs are limited to a few safe schemes. User markup is also kept apart from kb's own page: only the
classes kb's renderer writes survive (no fake status badges), every id gets the ``user-content-``
prefix (no heading can take the id of an element of kb's page) with in-page links following it.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import bleach
from bleach.html5lib_shim import Filter

# --- Allowlist, in named groups -------------------------------------------

TEXT_TAGS: frozenset[str] = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
    "code", "em", "strong", "del", "s", "sub", "sup", "ul", "ol", "li", "dl",
    "dt", "dd", "abbr", "span", "div", "nav", "small", "mark", "kbd",
})
TABLE_TAGS: frozenset[str] = frozenset({
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
})
LINK_TAGS: frozenset[str] = frozenset({"a"})
IMAGE_TAGS: frozenset[str] = frozenset({"img"})

ALLOWED_TAGS: frozenset[str] = TEXT_TAGS | TABLE_TAGS | LINK_TAGS | IMAGE_TAGS

# Heading anchors and hand-written footnotes (<sup id="fnref1">, <li id="fn1">): prefixed, see USER_ID_PREFIX.
_HEADING_ATTRS = {f"h{level}": ["id"] for level in range(1, 7)}
TEXT_ATTRS: dict[str, list[str]] = {
    **_HEADING_ATTRS,
    "p": ["class"],
    "abbr": ["title"],
    "nav": ["class", "aria-label"],
    "ol": ["start"],
    "code": ["class"],
    "li": ["id"],
    "sup": ["id"],
}
TABLE_ATTRS: dict[str, list[str]] = {
    "th": ["align", "colspan", "rowspan"],
    "td": ["align", "colspan", "rowspan"],
}
LINK_ATTRS: dict[str, list[str]] = {"a": ["href", "title", "class"]}
IMAGE_ATTRS: dict[str, list[str]] = {"img": ["src", "alt", "title"]}

ALLOWED_ATTRIBUTES: dict[str, list[str]] = {
    **TEXT_ATTRS, **TABLE_ATTRS, **LINK_ATTRS, **IMAGE_ATTRS,
}

# Relative URLs (no scheme) and "#anchors" are always allowed by bleach.
ALLOWED_PROTOCOLS: frozenset[str] = frozenset({"http", "https", "mailto", "tel"})

# The classes kb.markup writes that kb's CSS styles, per tag; any other class is dropped, so a page
# cannot dress its text up as kb's own badges, notices or buttons ("badge badge-ok", "notice").
RENDERER_CLASSES: dict[str, frozenset[str]] = {
    "a": frozenset({"wikilink", "missing"}),  # wiki links, and those to a page not yet written
    "nav": frozenset({"toc"}),  # table of contents
    "p": frozenset({"toc-title"}),
}
# A fenced code block's language (```python → <code class="language-python">); no CSS uses it.
CODE_LANGUAGE_CLASS = re.compile(r"language-[\w+#.-]{1,40}")

# Every id in user HTML starts with this (as on GitHub), so a heading or footnote never takes the
# id of an element of kb's page around it (#innehall, #faststallelse, #sidans-bilagor …).
USER_ID_PREFIX = "user-content-"

EXTERNAL_REL = "nofollow noopener"
_EXTERNAL_PREFIXES = ("http://", "https://", "//")
def user_id(name: str) -> str:
    """The id a name has in user HTML (``avsnitt`` → ``user-content-avsnitt``); prefixed names stay."""
    return name if name.startswith(USER_ID_PREFIX) else USER_ID_PREFIX + name


def _keep_renderer_classes(tag: str, attrs: dict[tuple[str | None, str], str]) -> None:
    """Drop from a tag's class attribute every class kb's renderer does not write there."""
    value = attrs.get((None, "class"))
    if value is None:
        return
    allowed = RENDERER_CLASSES.get(tag, frozenset())
    kept = [c for c in value.split()
            if c in allowed or (tag == "code" and CODE_LANGUAGE_CLASS.fullmatch(c))]
    if kept:
        attrs[(None, "class")] = " ".join(kept)
    else:
        del attrs[(None, "class")]


class UserContentFilter(Filter):
    """html5lib filter that keeps user markup apart from kb's page: renderer classes only, ids
    prefixed with USER_ID_PREFIX, and links to an id on the page ("#avsnitt") following it."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Yield tokens with classes trimmed and ids prefixed, then in-page links rewritten."""
        tokens = list(super().__iter__())  # a link may come before its target (the TOC does)
        ids: set[str] = set()
        for token in tokens:
            if token.get("type") not in ("StartTag", "EmptyTag") or not token.get("data"):
                continue
            attrs = token["data"]
            _keep_renderer_classes(token["name"], attrs)
            if (None, "id") in attrs:
                name = attrs[(None, "id")].strip()
                if name:
                    attrs[(None, "id")] = user_id(name)
                    ids.add(attrs[(None, "id")])
                else:
                    del attrs[(None, "id")]
        for token in tokens:
            if token.get("type") == "StartTag" and token.get("name") == "a" and token.get("data"):
                href = token["data"].get((None, "href"), "")
                if href.startswith("#") and len(href) > 1:
                    target = user_id(href[1:])
                    if target in ids or user_id(unquote(href[1:])) in ids:
                        token["data"][(None, "href")] = "#" + target
            yield token


class ExternalLinkFilter(Filter):
    """html5lib filter that marks links leaving the site with rel="nofollow noopener"."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Yield tokens, adding rel to <a> start tags whose href is external."""
        for token in super().__iter__():
            if token.get("type") == "StartTag" and token.get("name") == "a":
                attrs = token.get("data") or {}
                href = attrs.get((None, "href"), "")
                if href.strip().lower().startswith(_EXTERNAL_PREFIXES):
                    attrs[(None, "rel")] = EXTERNAL_REL
                    token["data"] = attrs
            yield token


# bleach.Cleaner keeps parser state and is not thread-safe, so every thread (the app runs under a
# threaded WSGI server) gets its own instance.
_local = threading.local()


def _cleaner() -> bleach.Cleaner:
    """Return this thread's configured bleach.Cleaner, creating it on first use."""
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=False,
            strip_comments=True,
            filters=[ExternalLinkFilter, UserContentFilter],
        )
    return cleaner


def clean(html: str) -> str:
    """Return a safe version of untrusted HTML, keeping only allowlisted markup."""
    if not html:
        return ""
    return _cleaner().clean(html)


# Stored HTML is cleaned again whenever it is shown; the results for the pages shown last are kept,
# so reading a page again costs a lookup instead of a parse (about 1.5 ms per KB).
SHOWN_CACHE_SIZE = 256
SHOWN_CACHE_MAX_CHARS = 200_000  # longer HTML is cleaned each time rather than kept in memory


def clean_shown(html: str) -> str:
    """clean() for stored HTML that is shown again and again: the same result, recent ones kept."""
    if len(html) > SHOWN_CACHE_MAX_CHARS:
        return clean(html)
    return _clean_remembered(html)


@lru_cache(maxsize=SHOWN_CACHE_SIZE)
def _clean_remembered(html: str) -> str:
    """clean(), remembered per HTML (a pure function, so nothing can go stale)."""
    return clean(html)
