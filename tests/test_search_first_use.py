"""What a new user trips over in search (issue 18): Markdown in snippets, glossary expansions that
mark half the page, no "Menade du …?" when nothing was found, query syntax, a page past the end,
and an editor who cannot find the routine they just wrote."""
from __future__ import annotations

import re

from factories import make_page

from kb import index


def text_of(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


# --- 7. Query syntax is words


def test_field_syntax_is_plain_words(app, client):
    """Someone used to other search engines types title:sip: does it find the SIP page rather than
    whatever mentions "title"?"""
    with app.app_context():
        make_page("SIP för barn", "Kalla till SIP när barnet behöver insatser från flera.\n")
        make_page("Roller i gruppen", "Vilken title har samordnaren? Title står på kortet.\n")
    html = text_of(client.get("/sok?q=title:sip"))
    titles = re.findall(r'<h2 class="hit-title"><a href="[^"]+">([^<]+)</a>', html)
    assert titles[:1] == ["SIP för barn"]
    with app.app_context():
        assert index.search("sip:en").hits[0].title == "SIP för barn"  # "SIP:en" is still SIP, inflected
