"""What a new user trips over in search (issue 18): Markdown in snippets, glossary expansions that
mark half the page, no "Menade du …?" when nothing was found, query syntax, a page past the end,
and an editor who cannot find the routine they just wrote."""
from __future__ import annotations

import re

from factories import login, make_page

from kb import index


def text_of(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


# --- 7. Query syntax is words; drafts for their author


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


def test_an_editor_finds_the_new_routine_they_just_wrote(app, anon):
    """An editor writes a new routine (a draft until approved) and searches for it: is it there,
    marked as a draft, while readers, anonymous visitors and other editors do not get it?"""
    writer = login(app, "skribent", "redaktör")
    resp = writer.post("/ny", data={"title": "Rutin för nattlarm", "type": "routine",
                                    "source": "Nattlarmet går till jourhavande.\n", "save": "Spara"})
    assert resp.status_code == 302
    html = text_of(writer.get("/sok?q=nattlarm"))
    assert "Rutin för nattlarm" in html and "Utkast, ej fastställt" in html
    assert writer.get("/api/search?q=nattlarm").get_json()["results"][0]["kind"] == "draft"
    for other in (anon, login(app, "lasaren", "läsare"), login(app, "kollegan", "redaktör")):
        assert "Rutin för nattlarm" not in text_of(other.get("/sok?q=nattlarm"))
        assert other.get("/api/search?q=nattlarm").get_json()["total"] == 0
