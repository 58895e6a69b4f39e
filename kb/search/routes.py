"""Search views: the results page (`/sok`) and title suggestions as you type (`/sok/forslag`)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request, url_for

from kb import index
from kb.constants import PageType
from kb.search.forms import SearchForm

bp = Blueprint("search", __name__)

# Values the type filter understands: page types, plus glossary entries.
KNOWN_TYPES = {t.value for t in PageType} | {"glossary"}


def results_url(q: str, typ: str | None = None, malgrupp: str | None = None, sida: int | None = None) -> str:
    """A results-page URL that keeps the given filters (None drops a parameter)."""
    params = {"q": q, "typ": typ, "malgrupp": malgrupp, "sida": sida if sida and sida > 1 else None}
    return url_for("search.results", **{k: v for k, v in params.items() if v})


@bp.get("/sok")
def results():
    """Search results with snippets, filters with counts, pagination and a spelling suggestion."""
    form = SearchForm(request.args)
    form.validate()
    typ = (form.typ.data or "").strip() or None
    if typ not in KNOWN_TYPES:
        typ = None
    malgrupp = (form.malgrupp.data or "").strip()[:100] or None
    per_page = int(current_app.config.get("PER_PAGE", 20))
    found = index.search(form.q.data or "", type=typ, target_group=malgrupp,
                         page=form.page_number(), per_page=per_page)
    form.q.data = found.query
    return render_template("search/results.html", form=form, results=found, typ=typ, malgrupp=malgrupp,
                           results_url=results_url, max_length=index.MAX_QUERY_LENGTH)


@bp.get("/sok/forslag")
def suggest():
    """Titles matching what has been typed so far, as JSON (for search-as-you-type)."""
    q = request.args.get("q", "")
    suggestions = index.suggest_titles(q, limit=8) if isinstance(q, str) else []
    return jsonify({"query": q[: index.MAX_QUERY_LENGTH], "suggestions": suggestions})
