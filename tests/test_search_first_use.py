"""What a new user trips over in search (issue 18): Markdown in snippets, glossary expansions that
mark half the page, no "Menade du …?" when nothing was found, query syntax, a page past the end,
and an editor who cannot find the routine they just wrote."""
from __future__ import annotations

import re

import pytest
from factories import login, make_app, make_page

from kb import index, urls
from kb.extensions import db
from kb.services import demo, glossary

TABLE_LIST_AND_LINKS = """## Kontakt

Ring **jourhavande** sjuksköterska eller läs [1177 om larm](https://www.1177.se/larm) och [[mini-maria|Mini-Maria]].

- larmnummer finns i pärmen
- *larm* testas varje månad

| Vem | Larmnummer |
|-----|------------|
| Hemtjänsten | 010-123 45 |
| Nattpatrullen | 010-678 90 |
"""


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """The demo content, loaded once for this module: every story here only reads it."""
    app = make_app(tmp_path_factory.mktemp("first-use") / "instance")
    with app.app_context():
        report = demo.load(demo.demo_folder(), author="demo")
        assert not report.errors, report.errors
    return app


def text_of(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def hit_items(html: str) -> list[str]:
    """The HTML of each hit on a results page."""
    return re.findall(r'<li class="hit hit-\w+">.*?</li>', html, re.DOTALL)


def assert_no_markup(snippet: str) -> None:
    """A snippet shows text: no table pipes, link syntax, list dashes, heading marks or stars."""
    for syntax in ("|", "](", "[[", "]]", "**", "\n- ", "## "):
        assert syntax not in snippet, (syntax, snippet)


# --- 4. Snippets are text


def test_a_snippet_of_a_page_with_a_table_a_list_and_links_shows_only_text(app, client):
    """A routine has a table, a list, a Markdown link and a wiki link, and lists a related page as
    [[…]]: does its search snippet show the words without pipes, brackets, dashes or stars?"""
    with app.app_context():
        page = make_page("Larmrutin", TABLE_LIST_AND_LINKS, type="routine")
        page.fields = {**page.fields, "related": ["[[mini-maria|Mini-Maria]]", "[[avvikelser]]"]}
        db.session.commit()
        index.rebuild(app)
        hits = {h.slug: h for h in index.search("larmnummer nattpatrullen").hits}
        assert_no_markup(hits["larmrutin"].snippet_html)
        assert "<mark>Nattpatrullen</mark> · 010-678 90" in index.search("nattpatrullen").hits[0].snippet_html
        related = index.search("avvikelser").hits[0].snippet_html
        assert_no_markup(related)
        assert "Mini-Maria" in related
    html = text_of(client.get("/sok?q=larm"))
    snippets = re.findall(r'<p class="snippet">(.*?)</p>', html, re.DOTALL)
    assert snippets and "<mark>larm</mark>" in snippets[0]
    for snippet in snippets:
        assert_no_markup(snippet)


def test_text_stored_with_table_pipes_before_is_shown_without_them(app):
    """A page saved before table cells were kept apart by " · " still has pipes in its stored text:
    does its snippet show the cells without them once the index is rebuilt?"""
    with app.app_context():
        page = make_page("Telefonlista", "Text.\n")
        page.text = "Vem | Telefon\nJourhavande | 010-111 22\n|---|---|\n# Rubrik\n- punkt om jouren"
        db.session.commit()
        index.rebuild(app)
        snippet = index.search("jourhavande").hits[0].snippet_html
    assert snippet == "Vem · Telefon\n<mark>Jourhavande</mark> · 010-111 22\nRubrik\npunkt om jouren"


def test_an_attachment_hit_names_its_file_once(demo_app):
    """Does a hit on an attachment name the file once (as its heading), not again beside the type?"""
    html = text_of(demo_app.test_client().get("/sok?q=checklista&typ=attachment"))
    items = [item for item in hit_items(html) if "Rutin för SIP - checklista.pdf" in item]
    assert len(items) == 1
    assert items[0].count("Rutin för SIP - checklista.pdf") == 1
    assert "på sidan" in items[0]


# --- 5. Glossary expansions match as whole phrases

# A <mark> around one word that starts like "samordnad" (Samordningsgruppen, samordnas, samordnare …):
# the phrase is marked whole ("<mark>samordnade individuella planer</mark>"), never one word of it.
WORD_OF_THE_PHRASE_MARKED = r"<mark>samordn\w*</mark>"


@pytest.fixture
def sip_pages(app):
    """The SIP glossary entry, a page that writes the phrase and one that only has its words apart."""
    with app.app_context():
        glossary.upsert(glossary.TermData("SIP", "Samordnad individuell plan"))
        make_page("Kallelse", "Kalla till en samordnad individuell plan i god tid. Samordningsgruppen "
                              "och varje samordnare får en kopia.\n")
        make_page("Mötesplan", "Samordningsgruppen har en plan för året och en individuell introduktion "
                               "för nya ledamöter, samordnad av ordföranden.\n")
    return app


def test_sip_marks_the_whole_expansion_not_every_word_that_starts_like_it(sip_pages, client):
    """Searching "sip" (the glossary says samordnad individuell plan): is the phrase marked as one,
    and are "Samordningsgruppen" and "samordnare" left alone?"""
    html = text_of(client.get("/sok?q=sip"))
    assert "<mark>samordnad individuell plan</mark>" in html
    assert not re.search(WORD_OF_THE_PHRASE_MARKED, html, re.IGNORECASE), html
    assert "<mark>plan</mark>" not in html and "<mark>individuell</mark>" not in html


def test_an_expansion_finds_only_pages_with_the_whole_phrase(sip_pages):
    """Is a page that merely has "samordnad", "individuell" and "plan" somewhere no hit for "sip"?"""
    with sip_pages.app_context():
        assert [h.title for h in index.search("sip", kinds=("page",)).hits] == ["Kallelse"]
        # The words typed themselves still match anywhere on a page.
        assert {h.title for h in index.search("individuell plan", kinds=("page",)).hits} == {"Kallelse", "Mötesplan"}


def test_in_the_demo_sip_marks_no_samordningsgruppen(demo_app):
    """Over the demo content, does the "sip" results page mark no word that only starts like the
    expansion (Samordningsgruppen, samordnas, samordnare)?"""
    html = text_of(demo_app.test_client().get("/sok?q=sip"))
    assert "<mark>samordnad individuell plan</mark>" in html.lower()
    assert "Samordningsgruppen" in html and not re.search(WORD_OF_THE_PHRASE_MARKED, html, re.IGNORECASE)


# --- 6. Zero hits offer a spelling, and suggestions know the glossary


def test_a_name_written_together_offers_the_title(demo_app):
    """Nothing matches "minimaria": does the page offer Mini-Maria, written as the title is?"""
    html = text_of(demo_app.test_client().get("/sok?q=minimaria"))
    assert 'Menade du <a href="/sok?q=Mini-Maria">Mini-Maria</a>?' in html


def test_an_unknown_compound_offers_its_known_part(demo_app):
    """Nothing matches "avvikelserapport": is there a suggestion that starts with avvikelse and finds pages?"""
    with demo_app.test_request_context():
        found = index.search("avvikelserapport")
        assert found.suggestion and found.suggestion.startswith("avvikelse")
        assert index.search(found.suggestion).total > 0


def test_typing_an_abbreviation_suggests_the_glossary_entry(demo_app):
    """Typing "bup" in a search box: is BUP offered with what it stands for, linking to the glossary?"""
    data = demo_app.test_client().get("/sok/forslag?q=bup").get_json()
    entry = {"title": "BUP – Barn- och ungdomspsykiatrin", "slug": "BUP",
             "url": urls.glossary_entry_path("BUP"), "kind": "glossary"}
    assert entry in data["suggestions"]


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
