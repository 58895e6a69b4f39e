"""The PDF of a document's print HTML, made by WeasyPrint (in the child process, kb.printing.child).

WeasyPrint asks its url_fetcher for every image and stylesheet the HTML names. Ours answers only
with the images the Document carries (kb's own attachments, which the caller read and checked) and
refuses anything else: a page never makes the server fetch a URL.
"""
from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urldefrag

from kb.printing.document import Document, Image


class Refused(ValueError):
    """A URL the printout may not load (WeasyPrint leaves the image out and goes on)."""


def url_fetcher(images: Mapping[str, Image]):
    """A WeasyPrint URL fetcher that serves `images` by absolute URL and refuses every other URL (its
    `fetch` replaces the one that opens URLs, so no network, file or data URL is ever opened)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class OnlyAttachments(URLFetcher):
        def fetch(self, url: str, headers=None) -> URLFetcherResponse:
            image = images.get(urldefrag(url)[0])
            if image is None:
                raise Refused(f"kb prints no resource from {url[:200]!r}")
            return URLFetcherResponse(url, image.content, {"Content-Type": image.media_type})

    return OnlyAttachments()


def write_pdf(doc: Document, html: str) -> bytes:
    """The PDF of `html` (kb.printing.html.print_html of `doc`)."""
    import logging

    import weasyprint

    # A refused or broken image is a warning on WeasyPrint's logger, not something to print to stderr.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return weasyprint.HTML(string=html, base_url=doc.url, url_fetcher=url_fetcher(doc.images)).write_pdf()
