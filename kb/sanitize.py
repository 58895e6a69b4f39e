"""Sanitising of user HTML: the one place that turns untrusted HTML into safe HTML.

This is the only module that imports bleach. Everything a user writes is rendered by ``kb.markup``
and passed through :func:`clean` when it is saved, and the stored HTML passes through it again when
it is shown (:func:`clean_shown`, from ``kb.services.pages.shown_html``), so pages saved under older
rules or other image hosts are shown under today's. HTML cleaned under the same rules comes out
unchanged.

Tags outside the allowlist are escaped (shown as inert text), attributes outside it are dropped and
URLs are limited to a few safe schemes. User markup is also kept apart from kb's own page: only the
classes kb's renderer writes survive (no fake status badges), every id gets the ``user-content-``
prefix (no heading can take the id of an element of kb's page) with in-page links following it, and
images load only from kb itself and the image hosts the caller allows (``KB_IMAGE_HOSTS``).
"""
from __future__ import annotations

import re
import threading
from collections.abc import Collection, Iterator
from functools import lru_cache, partial
from html import unescape
from typing import Any
from urllib.parse import unquote, urlsplit

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
# Browsers drop tabs and newlines anywhere in a URL, control characters and spaces around it, and
# read "\" as "/" in an http(s) one.
_URL_IGNORED = re.compile(r"[\t\n\r]")
_URL_STRIPPED = "".join(chr(c) for c in range(0x21))


def user_id(name: str) -> str:
    """The id a name has in user HTML (``avsnitt`` → ``user-content-avsnitt``); prefixed names stay."""
    return name if name.startswith(USER_ID_PREFIX) else USER_ID_PREFIX + name


def image_host(src: str) -> str | None:
    """The host an image loads from ("bilder.example.se"), or None for kb's own (a relative URL).

    Anything absolute other than ``https://host/…`` gives "" (no host can allow it): plain http
    would be blocked by the CSP and mixed content, and odd forms must not slip through as relative.
    """
    url = _URL_IGNORED.sub("", src).strip(_URL_STRIPPED).replace("\\", "/")
    parts = urlsplit(url)
    if not parts.scheme and not url.startswith("//"):
        return None
    if parts.scheme not in ("", "https") or not parts.netloc:
        return ""
    return parts.netloc.lower()


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


class ImageHostFilter(Filter):
    """html5lib filter that keeps images from kb itself and from the allowed hosts only.

    Any other image would load from elsewhere as soon as the page is read (a tracking pixel tells
    its owner who read what, when): it becomes a link to the image with its alt text, which a
    reader may follow (plain alt text inside a link); without alt text it goes.
    """

    def __init__(self, source: Any, image_hosts: frozenset[str] = frozenset()) -> None:
        super().__init__(source)
        self.image_hosts = image_hosts

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Yield tokens, replacing images from hosts not allowed."""
        in_link = 0
        for token in super().__iter__():
            kind, name = token.get("type"), token.get("name")
            if name == "a" and kind in ("StartTag", "EndTag"):
                in_link = max(in_link + (1 if kind == "StartTag" else -1), 0)
            elif name == "img" and kind in ("StartTag", "EmptyTag"):
                attrs = token.get("data") or {}
                host = image_host(attrs.get((None, "src"), ""))
                if host is not None and host not in self.image_hosts:
                    yield from self._instead(attrs, in_link > 0)
                    continue
            yield token

    @staticmethod
    def _instead(attrs: dict[tuple[str | None, str], str], in_link: bool) -> Iterator[dict[str, Any]]:
        """The tokens shown instead of an image that may not load."""
        alt = unescape(attrs.get((None, "alt")) or "").strip()  # bleach keeps entities in attributes
        src = attrs.get((None, "src"), "")
        if not alt:
            return
        if in_link or not src.strip().lower().startswith(_EXTERNAL_PREFIXES):
            yield {"type": "Characters", "data": alt}  # no link in a link, nor to an odd URL
            return
        yield {"type": "StartTag", "name": "a", "namespace": None, "data": {(None, "href"): src}}
        yield {"type": "Characters", "data": alt}
        yield {"type": "EndTag", "name": "a", "namespace": None}


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
# threaded WSGI server) gets its own instances: one per set of image hosts (one per app in practice).
_local = threading.local()


def _cleaner(image_hosts: frozenset[str]) -> bleach.Cleaner:
    """Return this thread's bleach.Cleaner for these image hosts, creating it on first use."""
    cleaners: dict[frozenset[str], bleach.Cleaner] = _local.__dict__.setdefault("cleaners", {})
    cleaner = cleaners.get(image_hosts)
    if cleaner is None:
        cleaner = cleaners[image_hosts] = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=False,
            strip_comments=True,
            # In this order: a replaced image's link gets its rel from ExternalLinkFilter.
            filters=[partial(ImageHostFilter, image_hosts=image_hosts), ExternalLinkFilter, UserContentFilter],
        )
    return cleaner


def clean(html: str, *, image_hosts: Collection[str] = ()) -> str:
    """Return a safe version of untrusted HTML, keeping only allowlisted markup.

    `image_hosts` are the host names (KB_IMAGE_HOSTS) images may load from over https besides kb itself.
    """
    if not html:
        return ""
    return _cleaner(frozenset(h.lower() for h in image_hosts)).clean(html)


# Stored HTML is cleaned again whenever it is shown; the results for the pages shown last are kept,
# so reading a page again costs a lookup instead of a parse (about 1.5 ms per KB).
SHOWN_CACHE_SIZE = 256
SHOWN_CACHE_MAX_CHARS = 200_000  # longer HTML is cleaned each time rather than kept in memory


def clean_shown(html: str, *, image_hosts: Collection[str] = ()) -> str:
    """clean() for stored HTML that is shown again and again: the same result, recent ones kept."""
    hosts = frozenset(h.lower() for h in image_hosts)
    if len(html) > SHOWN_CACHE_MAX_CHARS:
        return clean(html, image_hosts=hosts)
    return _clean_remembered(html, hosts)


@lru_cache(maxsize=SHOWN_CACHE_SIZE)
def _clean_remembered(html: str, image_hosts: frozenset[str]) -> str:
    """clean(), remembered per HTML and image hosts (a pure function, so nothing can go stale)."""
    return clean(html, image_hosts=image_hosts)
