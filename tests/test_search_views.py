"""The search page, title suggestions, the search API and `kb search` / `kb reindex`."""
from __future__ import annotations

import json
import re

import pytest
from factories import make_page

from kb import index
from kb.index.query import Word
from kb.index.searching import Highlighter


@pytest.fixture
def routines(app):
    """A few pages of different types and target groups."""
    with app.app_context():
        make_page("SIP för barn", "Kalla till SIP när barnet behöver insatser från flera.\n", type="routine",
                  target_groups=["Barn och unga"], tags=["sip"])
        make_page("SIP vid demens", "Proaktiv SIP när demens upptäcks.\n", type="routine",
                  target_groups=["Äldre"], tags=["sip"])
        make_page("SIP-nätverket", "Nätverket för SIP-samordnare träffas varje termin.\n", type="structure",
                  target_groups=["Barn och unga", "Äldre"])
        make_page("Mini-Maria", "Mottagningen har öppet tisdagar och torsdagar.\n", type="reception",
                  target_groups=["Barn och unga"])
    return app


def text_of(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def test_results_show_titles_links_and_highlighted_snippets(client, routines):
    """Does a search show each page as a link with the matched words marked in a snippet?"""
    html = text_of(client.get("/sok?q=demens"))
    assert '<a href="/sida/sip-vid-demens">SIP vid demens</a>' in html
    assert "<mark>demens</mark>" in html
    assert "1 träff för" in html


def test_filters_by_type_and_target_group_with_counts(client, routines):
    """Can staff narrow results by page type and target group, each link showing how many it gives?"""
    html = text_of(client.get("/sok?q=sip"))
    assert re.search(r'href="/sok\?q=sip&amp;typ=routine">Rutiner</a> <span class="count">\(2\)', html)
    assert re.search(r'typ=structure">Strukturer</a> <span class="count">\(1\)', html)
    assert re.search(r'malgrupp=%C3%84ldre">Äldre</a> <span class="count">\(2\)', html)

    narrowed = text_of(client.get("/sok?q=sip&typ=routine&malgrupp=Äldre"))
    assert re.findall(r'<h2 class="hit-title"><a href="[^"]+">([^<]+)</a>', narrowed) == ["SIP vid demens"]
    # Type counts ignore the type filter itself (but keep the target group one).
    assert re.search(r'typ=structure&amp;malgrupp=%C3%84ldre">Strukturer</a> <span class="count">\(1\)',
                     narrowed)
    assert 'href="/sok?q=sip&amp;malgrupp=%C3%84ldre">Alla</a>' in narrowed


def test_an_unknown_type_filter_is_ignored(client, routines):
    """Does a made-up type in the address show ordinary results instead of nothing or an error?"""
    html = text_of(client.get("/sok?q=sip&typ=hittepå"))
    assert "3 träffar" in html


def test_results_are_paginated(app, client):
    """With more hits than fit on a page, are there numbered pages and next/previous links?"""
    app.config["PER_PAGE"] = 5
    with app.app_context():
        for n in range(12):
            make_page(f"Rutin för fallprevention {n}", "Fallprevention i hemmet.\n", type="routine")
    first = text_of(client.get("/sok?q=fallprevention"))
    assert "12 träffar" in first and "Sida 1 av 3" in first
    assert first.count('class="hit hit-page"') == 5
    assert 'rel="next" href="/sok?q=fallprevention&amp;sida=2"' in first
    last = text_of(client.get("/sok?q=fallprevention&sida=3"))
    assert last.count('class="hit hit-page"') == 2 and 'rel="prev"' in last and 'rel="next"' not in last


def test_a_page_past_the_end_shows_the_last_page(app, client):
    """A bookmarked or edited address asks for ?sida=999 of 3 result pages: does the user get the last page
    of hits and a Swedish note, instead of "Sida 999 av 3" and nothing?"""
    app.config["PER_PAGE"] = 5
    with app.app_context():
        for n in range(12):
            make_page(f"Rutin för fallprevention {n}", "Fallprevention i hemmet.\n", type="routine")
    html = text_of(client.get("/sok?q=fallprevention&sida=999"))
    assert "Sida 3 av 3." in html and "Sida 999 av" not in html
    assert "Sida 999 finns inte. Träffarna ryms på 3 sidor, här är den sista." in html
    assert html.count('class="hit hit-page"') == 2 and 'rel="prev" href="/sok?q=fallprevention&amp;sida=2"' in html


ODD_QUERIES = ['"', "AND OR (", "*", "title:", "((", "a" * 600, "   ", "<script>alert(1)</script>",
               "sip)", "NOT", "\x00\x01", "%", "sip~2", "ti*le:[a TO z]", "🙂"]


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_odd_input_never_breaks_the_page(client, routines, query):
    """Does input that looks like query syntax, is huge or is junk always give a normal page?"""
    response = client.get("/sok", query_string={"q": query})
    assert response.status_code == 200
    html = text_of(response)
    assert "Sök i kunskapsbanken" in html
    assert "<script>alert" not in html


def test_empty_and_whitespace_queries_get_help(client, routines):
    """Does an empty search explain what to type instead of listing nothing?"""
    for q in ("", "   "):
        html = text_of(client.get("/sok", query_string={"q": q}))
        assert "Skriv ett eller flera ord" in html
        assert "träffar för" not in html


def test_a_too_long_query_is_cut_and_says_so(client, routines):
    """Is a query over 500 characters shortened, with a message saying so?"""
    html = text_of(client.get("/sok", query_string={"q": "sip " * 200}))
    assert "längre än 500 tecken" in html
    with client.application.app_context():
        results = index.search("sip " * 200)
    assert results.truncated and len(results.query) <= 500 and results.total == 3


def test_no_hits_gives_advice(client, routines):
    """When nothing matches, does the page say so and suggest what to try?"""
    html = text_of(client.get("/sok?q=xylofon"))
    assert "Inga sidor matchade sökningen" in html and "Kontrollera stavningen" in html


def test_a_misspelt_query_offers_did_you_mean(client, routines):
    """Does a typo get a "Menade du …?" link to the corrected search?"""
    html = text_of(client.get("/sok?q=demnes"))
    assert 'Menade du <a href="/sok?q=demens">demens</a>?' in html


def test_snippets_escape_page_text_and_only_mark_is_html(app):
    """Is page text shown in a snippet escaped, so only the <mark> tags are HTML?"""
    highlighter = Highlighter([Word.of("larm")], set())
    html, found = highlighter.snippet('Vid <script>larm</script> & "fel": ring.')
    assert found
    assert html == 'Vid &lt;script&gt;<mark>larm</mark>&lt;/script&gt; &amp; &#34;fel&#34;: ring.'


def test_title_suggestions_as_you_type(client, routines):
    """Does typing the start of a title suggest matching titles as JSON?"""
    data = client.get("/sok/forslag?q=mini").get_json()
    assert data["suggestions"] == [{"title": "Mini-Maria", "slug": "mini-maria", "url": "/sida/mini-maria"}]
    titles = [s["title"] for s in client.get("/sok/forslag?q=SIP d").get_json()["suggestions"]]
    assert titles[0] == "SIP vid demens"
    assert client.get("/sok/forslag?q=m").get_json()["suggestions"] == []
    assert client.get("/sok/forslag?q=((").get_json()["suggestions"] == []


def test_links_to_hits_carry_the_script_root_under_a_prefix(app, client, routines):
    """Mounted under a prefix (SCRIPT_NAME), do result links and suggestions point inside it?"""
    from kb.services import glossary

    with app.app_context():
        glossary.upsert(glossary.TermData("SIP", "Samordnad individuell plan"))
    base = "http://localhost/kb"
    html = text_of(client.get("/sok?q=demens", base_url=base))
    assert '<a href="/kb/sida/sip-vid-demens">SIP vid demens</a>' in html
    data = client.get("/sok/forslag?q=mini", base_url=base).get_json()
    assert data["suggestions"] == [{"title": "Mini-Maria", "slug": "mini-maria", "url": "/kb/sida/mini-maria"}]
    found = client.get("/api/search?q=SIP&kind=all", base_url=base).get_json()["results"]
    assert "http://localhost/kb/ordlista#SIP" in [r["url"] for r in found]


def test_the_results_page_works_without_javascript(client, routines):
    """Is search a plain GET form, with suggestions only as an external script (no inline code)?"""
    html = text_of(client.get("/sok?q=sip"))
    assert 'action="/sok" method="get"' in html
    assert re.search(r'<script src="/static/js/suggest\.js\?v=[0-9a-f]{12}" defer></script>', html)
    assert not re.search(r"<script>(?!alert)", html)


def test_api_search_returns_ranked_pages(client, routines):
    """Does the API answer with the query, the total and results with absolute URLs?"""
    data = client.get("/api/search?q=sip&limit=2").get_json()
    assert data["query"] == "sip" and data["total"] == 3
    assert len(data["results"]) == 2
    first = data["results"][0]
    assert set(first) == {"slug", "title", "type", "url", "snippet", "score", "area"}
    assert first["area"] == {"key": "samla", "name": "SAMLA – Vårdsamverkan Lerum Alingsås"}
    assert first["url"] == f"http://localhost/sida/{first['slug']}"
    assert "<mark>" in first["snippet"].lower()
    typed = client.get("/api/search?q=sip&type=structure").get_json()
    assert [r["slug"] for r in typed["results"]] == ["sip-natverket"]
    grouped = client.get("/api/search", query_string={"q": "sip", "target_group": "Äldre"}).get_json()
    assert {r["slug"] for r in grouped["results"]} == {"sip-vid-demens", "sip-natverket"}


BAD_PARAMS = [{"q": ""}, {"q": "sip", "limit": "x"}, {"q": "sip", "limit": "-5"},
              {"q": "sip", "limit": "100000"}, {"q": '"(('}, {}, {"q": "sip", "type": "x"}]


@pytest.mark.parametrize("params", BAD_PARAMS)
def test_api_search_never_fails_on_bad_input(client, routines, params):
    """Does the API answer 200 with the usual shape whatever the parameters are?"""
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200
    data = response.get_json()
    assert set(data) == {"query", "total", "results", "areas"}
    assert len(data["results"]) <= 50


def test_api_limit_is_clamped(client, app):
    """Is `limit` held between 1 and 50?"""
    with app.app_context():
        for n in range(55):
            make_page(f"Nätverk {n}", "Nätverksträff.\n")
    assert len(client.get("/api/search?q=nätverk&limit=500").get_json()["results"]) == 50
    assert len(client.get("/api/search?q=nätverk&limit=0").get_json()["results"]) == 1
    assert len(client.get("/api/search?q=nätverk").get_json()["results"]) == 10


def test_cli_search_prints_the_api_json(runner, routines):
    """Does `kb search --json` print the same shape as the API?"""
    result = runner.invoke(args=["search", "sip", "--json", "--limit", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == 3 and len(data["results"]) == 2
    assert set(data["results"][0]) == {"slug", "title", "type", "url", "snippet", "score", "area"}
    assert data["results"][0]["area"]["key"] == "samla"


def test_cli_search_prints_readable_lines(runner, routines):
    """Does `kb search` print numbered titles with links and marked words?"""
    result = runner.invoke(args=["search", "demens", "--type", "routine"])
    assert result.exit_code == 0, result.output
    assert "1 träffar för ”demens”" in result.output
    assert " 1. SIP vid demens (routine, SAMLA – Vårdsamverkan Lerum Alingsås) – " \
           "http://localhost/sida/sip-vid-demens" in result.output
    assert "*demens*" in result.output
    assert "Inga träffar" in runner.invoke(args=["search", "xylofon"]).output


def test_cli_reindex_rebuilds_with_progress(runner, routines):
    """Does `kb reindex` rebuild the index, report how many documents, and keep search working?"""
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "Sökindexet är ombyggt: 4 dokument" in result.output
    with runner.app.app_context():
        assert index.search("demens").total == 1


def test_a_query_of_only_punctuation_says_there_were_no_words(client, routines):
    """Does a query like "((" or "*" explain that it held no words, rather than "no hits"?"""
    for q in ("((", "*", '"'):
        html = text_of(client.get("/sok", query_string={"q": q}))
        assert "inga ord att söka efter" in html


def test_results_links_are_written_as_url_for_would(app):
    """The results page writes its filter links itself; they must be exactly url_for's."""
    from flask import url_for

    from kb.search.routes import results_url

    cases = [("sip", {}), ("vård & omsorg/ä?ö#1+2", {"typ": "routine", "sida": 3}),
             ("hur kallar man", {"malgrupp": "Barn och unga", "galler_for": "lerums-kommun", "utkast": True,
                                 "omrade": ["lerum", "alingsas"]}), ("", {"sida": 1})]
    for prefix in ("", "/kb"):
        with app.test_request_context(base_url="http://localhost" + prefix + "/"):
            for q, kw in cases:
                params = {"q": q, "typ": kw.get("typ"), "malgrupp": kw.get("malgrupp"),
                          "galler_for": kw.get("galler_for"), "omrade": kw.get("omrade", []),
                          "utkast": "1" if kw.get("utkast") else None,
                          "sida": kw.get("sida") if kw.get("sida", 0) > 1 else None}
                expected = url_for("search.results", **{k: v for k, v in params.items() if v})
                assert results_url(q, kw.get("typ"), kw.get("malgrupp"), kw.get("sida"),
                                   galler_for=kw.get("galler_for"), utkast=bool(kw.get("utkast")),
                                   omrade=kw.get("omrade")) == expected


def test_page_links_are_what_the_results_page_always_showed():
    """The pagination's numbers, computed once instead of looping over every page in the template."""
    from kb.index.searching import SearchResults

    def as_before(page: int, pages: int) -> list[int | None]:  # the template loop this replaced
        out: list[int | None] = []
        for n in range(1, pages + 1):
            if n == 1 or n == pages or abs(n - page) <= 2:
                out.append(n)
            elif abs(n - page) == 3:
                out.append(None)
        return out

    for pages in (1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 500):
        for page in range(1, pages + 1):
            results = SearchResults(query="vård", total=pages * 20, page=page, per_page=20)
            assert results.page_links == as_before(page, pages), (page, pages)
    assert SearchResults(query="vård", total=10_000, page=250, per_page=20).page_links == [
        1, None, 248, 249, 250, 251, 252, None, 500]
