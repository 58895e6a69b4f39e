"""The print HTML of a document: templates/documents/print.html with its print CSS, for WeasyPrint.

The CSS lays the page out on A4 (landscape for wide plans) with a footer in the page margin: the
disclaimer, the page's address and "Sida 1 av 3". Rendered with Jinja directly (autoescaped), not
through Flask: the printout must not depend on a request.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from kb.printing.document import DISCLAIMER, Document

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def css_string(value: str) -> Markup:
    """A CSS string literal of `value` (for `content:` in the page margin), safe inside <style>."""
    escaped = "".join(c if c.isalnum() or c in " .,:/-–_?=&%+#@()'åäöÅÄÖ" else f"\\{ord(c):x} " for c in value)
    return Markup(f'"{escaped}"')  # noqa: S704 - every character outside a short allowlist is escaped


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      auto_reload=False)
    env.filters["css_string"] = css_string
    return env


def print_html(doc: Document) -> str:
    """The document as one HTML page with its print CSS; `doc.body` is trusted (kb.sanitize made it)."""
    return _environment().get_template("documents/print.html").render(
        doc=doc, body=Markup(doc.body), disclaimer=DISCLAIMER)  # noqa: S704 - sanitised by kb.sanitize
