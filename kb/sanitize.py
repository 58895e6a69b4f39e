"""Sanitising of user HTML: the one place that turns untrusted HTML into safe HTML.

This is the only module that imports bleach. Everything a user writes is
rendered by ``kb.markup`` and then passed through :func:`clean` exactly once,
at save time. Tags outside the allowlist are escaped (shown as inert text),
attributes outside it are dropped and URLs are limited to a few safe schemes.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

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

_HEADING_ATTRS = {f"h{level}": ["id"] for level in range(1, 7)}
TEXT_ATTRS: dict[str, list[str]] = {
    **_HEADING_ATTRS,
    "p": ["class"],
    "abbr": ["title"],
    "span": ["class"],
    "div": ["class"],
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

EXTERNAL_REL = "nofollow noopener"
_EXTERNAL_PREFIXES = ("http://", "https://", "//")


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


# bleach.Cleaner keeps parser state and is not thread-safe, so every thread
# (the app runs under a threaded WSGI server) gets its own instance.
_local = threading.local()


def _cleaner() -> bleach.Cleaner:
    """Return this thread's configured bleach.Cleaner, creating it on first use."""
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=False,
            strip_comments=True,
            filters=[ExternalLinkFilter],
        )
        _local.cleaner = cleaner
    return cleaner


def clean(html: str) -> str:
    """Return a safe version of untrusted HTML, keeping only allowlisted markup."""
    if not html:
        return ""
    return _cleaner().clean(html)
