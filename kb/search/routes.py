"""Search views: the results page (`/sok`) and title suggestions as you type (`/sok/forslag`).

A search from the results page is counted in the statistics (kb.services.statistics) when it is a
new search: its first page, without a type, target-group or organisation filter (those narrow a
search already counted). A click on a result is counted when it is opened, from the address of the
results page the browser sends along (kb.services.statistics.clicked_query). Suggestions as you
type and /api/search are not counted: they are not searches someone finished.

`/sok?omrade=<key>` (repeatable) limits a search to areas, Gemensamt always included: the search box on
an area's pages sends its area this way, and the results page offers "Sök i alla områden" without it.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlencode

from flask import Blueprint, current_app, g, jsonify, render_template, request, url_for
from flask_login import current_user

from kb import dates, index
from kb.constants import OTHER_KINDS, PageType, type_label
from kb.exceptions import ValidationError
from kb.permissions import own_drafts_of, sees_unpublished
from kb.search.forms import SearchForm
from kb.services import organisations, search, statistics, structure
from kb.typed import review_state

bp = Blueprint("search", __name__)

# Values the type filter understands: page types, plus glossary entries, activities, plans, attachments.
KNOWN_TYPES = {t.value for t in PageType} | set(OTHER_KINDS)


def results_url(q: str, typ: str | None = None, malgrupp: str | None = None, sida: int | None = None, *,
                galler_for: str | None = None, utkast: bool = False, omrade: Sequence[str] | None = None) -> str:
    """A results-page URL that keeps the given filters (None drops a parameter)."""
    params = {"q": q, "typ": typ, "malgrupp": malgrupp, "galler_for": galler_for, "omrade": list(omrade or []),
              "utkast": "1" if utkast else None, "sida": sida if sida and sida > 1 else None}
    # As url_for("search.results", **params) writes it (werkzeug.urls._urlencode), without building
    # the route for each of the page's forty-odd filter and page links.
    items = [(k, x) for k, v in params.items() if v for x in (v if isinstance(v, list) else [v])]
    if "kb_results_path" not in g:
        g.kb_results_path = url_for("search.results")
    return g.kb_results_path + ("?" + urlencode(items, safe="!$'()*,/:;?@") if items else "")


@dataclass
class FacetLink:
    """One filter choice on the results page: what it is, how many hits it gives, its URL."""

    value: str
    label: str
    count: int
    url: str
    current: bool


def facet_links(found: index.SearchResults, typ: str | None, malgrupp: str | None,
                galler_for: str | None = None, url: Callable[..., str] = results_url,
                omrade: Sequence[str] = (), names: dict[str, str] | None = None) -> dict[str, list[FacetLink]]:
    """Links for each type, target group, organisation and area with their counts, keeping the other
    filters (an area link replaces the areas chosen, `omrade`). `names`: organisation key → name (read
    here when not given).

    `url` builds a results URL from (q, typ, malgrupp, galler_for=…, omrade=…) and keeps what else the
    search had.
    """
    q = found.query
    types = [FacetLink(v, type_label(v, plural=True), n, url(q, v, malgrupp, galler_for=galler_for), v == typ)
             for v, n in found.facets["type"].items()]
    groups = [FacetLink(v, v, n, url(q, typ, v, galler_for=galler_for), v == malgrupp)
              for v, n in found.facets["target_group"].items()]
    if names is None:
        names = organisations.name_by_key()
    orgs = [FacetLink(v, names.get(v, v), n, url(q, typ, malgrupp, galler_for=v), v == galler_for)
            for v, n in found.facets.get("applies_to", {}).items()]
    area_links = [FacetLink(a.key, a.name, n, url(q, typ, malgrupp, galler_for=galler_for, omrade=[a.key]),
                            a.key in omrade) for a, n in search.area_counts(found)]
    by_label = lambda f: f.label  # noqa: E731
    return {"type": sorted(types, key=by_label), "target_group": sorted(groups, key=by_label),
            "applies_to": sorted(orgs, key=by_label), "area": area_links}


@bp.get("/sok")
def results():
    """Search results with snippets, filters with counts, pagination and a spelling suggestion."""
    form = SearchForm(request.args)
    form.validate()
    typ = (form.typ.data or "").strip() or None
    if typ not in KNOWN_TYPES:
        typ = None
    malgrupp = (form.malgrupp.data or "").strip()[:100] or None
    galler_for = organisation_key(form.galler_for.data)
    # Drafts only for editors; for anyone else the parameter is ignored.
    drafts = bool(form.utkast.data) and sees_unpublished(current_user)
    per_page = int(current_app.config.get("PER_PAGE", 20))
    area_error = None
    try:
        chosen = search.chosen_areas(current_user, search.area_keys(request.args.getlist("omrade")))
    except ValidationError as exc:  # shown above the results, which then cover every area
        chosen, area_error = [], exc.errors["area"]
    omrade = [a.key for a in chosen]
    found = search.find(current_user, form.q.data or "", areas=chosen, type=typ, target_group=malgrupp,
                        applies_to=galler_for, page=form.page_number(), per_page=per_page, include_drafts=drafts,
                        author=own_drafts_of(current_user))
    form.q.data = found.query
    form.utkast.data = drafts
    if found.page == 1 and found.requested_page is None and not (typ or malgrupp or galler_for):
        statistics.record_search(found.query, found.total, request.user_agent.string)
    routines = [h.slug for h in found.hits if h.kind == "page" and h.type == PageType.ROUTINE.value]
    today = dates.today()
    review = {slug: review_state(fields, today) for slug, fields in structure.fields_by_slug(set(routines)).items()}
    url = partial(results_url, utkast=drafts, omrade=omrade)
    names = organisations.name_by_key()
    return render_template("search/results.html", form=form, results=found, typ=typ, malgrupp=malgrupp,
                           review=review, galler_for=galler_for, drafts=drafts, chosen_areas=chosen,
                           area_error=area_error, shared_area=search.shared_area(),
                           area_names={a.id: a.name for a in search.visible_areas(current_user)},
                           may_include_drafts=sees_unpublished(current_user),
                           organisation_name=names, type_label=type_label,
                           facets=facet_links(found, typ, malgrupp, galler_for, url, omrade, names),
                           results_url=partial(url, galler_for=galler_for), max_length=index.MAX_QUERY_LENGTH)


def organisation_key(value: str | None) -> str | None:
    """An organisation filter as its key (a key or a name works); an unknown one as it is (no hits)."""
    text = (value or "").strip()[:200]
    if not text:
        return None
    keys, _ = organisations.resolve([text])
    return keys[0] if keys else text


@bp.get("/sok/forslag")
def suggest():
    """Titles matching what has been typed so far, as JSON (for search-as-you-type)."""
    q = request.args.get("q", "")
    suggestions = search.suggestions(current_user, q, limit=8) if isinstance(q, str) else []
    for suggestion in suggestions:  # index paths are relative to the app root
        suggestion["url"] = request.script_root + suggestion["url"]
    return jsonify({"query": q[: index.MAX_QUERY_LENGTH], "suggestions": suggestions})
