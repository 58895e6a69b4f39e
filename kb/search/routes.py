"""Search views: the results page (`/sok`) and title suggestions as you type (`/sok/forslag`)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, jsonify, render_template, request, url_for

from kb import index
from kb.constants import PageType
from kb.search.forms import SearchForm
from kb.services import structure
from kb.typed import review_state

bp = Blueprint("search", __name__)

# Values the type filter understands: page types, plus glossary entries, activities, plans, attachments.
OTHER_TYPES = {"glossary": ("Ordlista", "Ordlista"), "activity": ("Aktivitet", "Aktiviteter"),
               "plan": ("Aktivitetsplan", "Aktivitetsplaner"), "attachment": ("Bilaga", "Bilagor")}
KNOWN_TYPES = {t.value for t in PageType} | set(OTHER_TYPES)


def results_url(q: str, typ: str | None = None, malgrupp: str | None = None, sida: int | None = None) -> str:
    """A results-page URL that keeps the given filters (None drops a parameter)."""
    params = {"q": q, "typ": typ, "malgrupp": malgrupp, "sida": sida if sida and sida > 1 else None}
    return url_for("search.results", **{k: v for k, v in params.items() if v})


@dataclass
class FacetLink:
    """One filter choice on the results page: what it is, how many hits it gives, its URL."""

    value: str
    label: str
    count: int
    url: str
    current: bool


def facet_links(found: index.SearchResults, typ: str | None,
                malgrupp: str | None) -> dict[str, list[FacetLink]]:
    """Links for each type and target group with their counts, keeping the other filter."""
    q = found.query
    types = [FacetLink(v, type_label(v, plural=True), n, results_url(q, v, malgrupp), v == typ)
             for v, n in found.facets["type"].items()]
    groups = [FacetLink(v, v, n, results_url(q, typ, v), v == malgrupp)
              for v, n in found.facets["target_group"].items()]
    by_label = lambda f: f.label  # noqa: E731
    return {"type": sorted(types, key=by_label), "target_group": sorted(groups, key=by_label)}


def type_label(value: str, plural: bool = False) -> str:
    """Swedish name of a page type, or of glossary entries, activities, plans or attachments."""
    if value in OTHER_TYPES:
        return OTHER_TYPES[value][1 if plural else 0]
    try:
        page_type = PageType(value)
    except ValueError:
        return value
    return page_type.plural if plural else page_type.label


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
    routines = [h.slug for h in found.hits if h.kind == "page" and h.type == PageType.ROUTINE.value]
    review = {slug: review_state(p.fields or {}, structure.today())
              for slug, p in structure.pages_by_slug(set(routines)).items()}
    return render_template("search/results.html", form=form, results=found, typ=typ, malgrupp=malgrupp,
                           review=review,
                           facets=facet_links(found, typ, malgrupp), type_label=type_label,
                           results_url=results_url, max_length=index.MAX_QUERY_LENGTH)


@bp.get("/sok/forslag")
def suggest():
    """Titles matching what has been typed so far, as JSON (for search-as-you-type)."""
    q = request.args.get("q", "")
    suggestions = index.suggest_titles(q, limit=8) if isinstance(q, str) else []
    return jsonify({"query": q[: index.MAX_QUERY_LENGTH], "suggestions": suggestions})
