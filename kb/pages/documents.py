"""A page as a PDF or Word file: "Ladda ner som PDF" (`/sida/<slug>.pdf`) and "… som Word" (`.docx`).

They belong to the pages blueprint (kb.pages.routes calls `register`): endpoints pages.pdf and
pages.docx, read like the page itself (kb.auth.guards.load_page: members-only areas, pages never
approved). What the file shows is kb.services.documents' business; it is made in a bounded child
process, and a page that cannot be made in time gets a Swedish error page (503).
"""
from __future__ import annotations

import io

from flask import Blueprint, current_app, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from kb import caching, printing
from kb.auth.guards import load_page
from kb.services import documents


def base_url() -> str:
    """Where users reach kb: KB_BASE_URL when it is set, else this request's root."""
    return current_app.config.get("BASE_URL") or request.url_root


def send_document(doc: printing.Document, fmt: str, name: str):
    """The file of `doc` as a download named `name`.<fmt>, or a Swedish error page (503) when it cannot be
    made in time (kb.printing runs it in a bounded child process)."""
    try:
        content = documents.render(doc, fmt)
    except printing.PrintError as exc:
        return render_template("errors/error.html", code=503, title="Filen kunde inte skapas",
                               text=f"{exc.message} Försök igen om en stund, eller skriv ut sidan från "
                                    "webbläsaren."), 503
    response = send_file(io.BytesIO(content), mimetype=printing.FORMATS[fmt], as_attachment=True,
                         download_name=f"{name}.{fmt}", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _send(slug: str, fmt: str):
    page = load_page(slug)
    if page.slug != slug:  # an old address: the file of the page under its current one
        return redirect(url_for(f"pages.{fmt}", slug=page.slug), code=301)
    if (unchanged := caching.not_modified(page.id, page.revision_number, page.updated_at, fmt)) is not None:
        return unchanged
    return send_document(documents.page_document(page, current_user, base_url()), fmt, page.slug)


def pdf(slug: str):
    """The page as an A4 PDF to print (the version readers see)."""
    return _send(slug, "pdf")


def docx(slug: str):
    """The page as a Word file (the version readers see), for an organisation's own document system."""
    return _send(slug, "docx")


def register(bp: Blueprint) -> None:
    """Add the document downloads to the pages blueprint."""
    bp.add_url_rule("/sida/<slug>.pdf", "pdf", pdf, methods=["GET"])
    bp.add_url_rule("/sida/<slug>.docx", "docx", docx, methods=["GET"])
