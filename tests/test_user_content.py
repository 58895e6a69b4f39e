"""User HTML kept apart from kb's own page: no borrowed classes or ids.

A page's text may not look like kb's own markup (a "Fastställd" badge) or take the id of an element of
the page around it.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from factories import make_page

from kb import sanitize
from kb.extensions import db
from kb.services import pages

FAKE_BADGE = '<span class="badge badge-ok">✓ Fastställd</span>'


class _Anchors(HTMLParser):
    """Collects every id and every in-page link (href="#…") of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.fragments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.append(value)
            if name == "href" and value and value.startswith("#") and len(value) > 1:
                self.fragments.append(value[1:])


def anchors(html: str) -> _Anchors:
    """The ids and in-page links of an HTML document."""
    parser = _Anchors()
    parser.feed(html)
    parser.close()
    return parser


def prose(html: str) -> str:
    """The page text of a page view (what kb.sanitize produced), without kb's own page around it."""
    start = html.index('<div class="prose">') + len('<div class="prose">')
    depth = 1
    for tag in re.finditer(r"<(/?)div\b", html[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return html[start:start + tag.start()]
    raise AssertionError("the page text's <div> is not closed")


# --- classes --------------------------------------------------------------------------------------

def test_a_page_cannot_show_a_fake_status_badge(app, anon):
    """Does a page whose text dresses up as kb's "Fastställd" badge, notice or status show the words
    without any of kb's classes, while the classes kb's renderer writes (wiki links, also to a page not
    yet written, the table of contents, a code block's language) stay?"""
    source = (f"Rutinen är {FAKE_BADGE}.\n\n"
              '<div class="notice notice-draft">Utkast</div>\n\n'
              '<p class="badge badge-warn">Ej fastställd</p>\n\n'
              'Se <a class="wikilink badge badge-ok" href="/sida/x">här</a> och '
              '<code class="status status-klar">klar</code>.\n\n'
              "[[Finns inte]]\n\n## Ett\n\n## Två\n\n## Tre\n\n```python\nx = 1\n```\n")
    with app.app_context():
        make_page("Falsk rutin", source, slug="falsk")
    text = prose(anon.get("/sida/falsk").get_data(as_text=True))
    assert "✓ Fastställd" in text and "Ej fastställd" in text and "Utkast" in text
    assert "badge" not in text and "notice" not in text and "status" not in text
    assert '<a class="wikilink" href="/sida/x">här</a>' in text and 'class="wikilink missing"' in text
    assert '<nav class="toc"' in text and 'class="toc-title"' in text
    assert '<code class="language-python">' in text


# --- ids and in-page links ------------------------------------------------------------------------

@pytest.mark.parametrize("source, taken", [
    ('<h2 id="innehall">Rubrik</h2>\n', "innehall"),  # the skip link's target, <main>
    ("## Innehåll\n\nText.\n", "innehall"),  # a heading whose slug is that id
    ("## Länkar hit\n\nText.\n", "lankar-hit"),  # the heading of the backlinks
    ('<h3 id="sok-huvud">Sök</h3>\n', "sok-huvud"),  # the search field in the header
])
def test_a_heading_never_takes_the_id_of_an_element_of_the_page(app, anon, source, taken):
    """Does a heading whose id (written, or made from its text) is one of kb's own ids leave that id
    to kb's element, so that the page has it exactly once?"""
    with app.app_context():
        make_page("Id-krock", source, slug="id-krock")
    html = anon.get("/sida/id-krock").get_data(as_text=True)
    assert anchors(html).ids.count(taken) == 1
    assert f'id="user-content-{taken}"' in prose(html)


def test_in_page_links_lead_to_their_heading_or_footnote(app, anon):
    """Does every in-page link of a page's text (table of contents, a link to a heading written by
    hand, footnote references and their way back) lead to exactly one element, inside the text?"""
    source = ("## Innehåll\n\nSe [kontakt](#kontakt).<sup id=\"fnref1\"><a href=\"#fn1\">1</a></sup>\n\n"
              "## Kontakt\n\nRing.\n\n## Länkar hit\n\nInga.\n\n"
              '<ol><li id="fn1">Fotnoten. <a href="#fnref1">↩</a></li></ol>\n')
    with app.app_context():
        make_page("Navigering", source, slug="navigering")
    html = anon.get("/sida/navigering").get_data(as_text=True)
    page, text = anchors(html), anchors(prose(html))
    assert sorted(set(text.fragments)) == ["user-content-fn1", "user-content-fnref1", "user-content-innehall",
                                           "user-content-kontakt", "user-content-lankar-hit"]
    for fragment in text.fragments:
        assert page.ids.count(fragment) == 1 and fragment in text.ids, fragment
    assert 'href="#innehall"' in html  # kb's skip link still leads to <main>


def test_a_wiki_link_to_a_section_leads_to_that_heading(app, anon):
    """Does [[Kontakt#Länkar hit]] lead to that heading on the other page, and nowhere else there?"""
    with app.app_context():
        make_page("Kontakt", "## Länkar hit\n\nText.\n", slug="kontakt")
        make_page("Källa", "Se [[Kontakt#Länkar hit]].\n", slug="kalla")
    link = anon.get("/sida/kalla").get_data(as_text=True)
    assert 'href="/sida/kontakt#user-content-lankar-hit"' in link
    target = anon.get("/sida/kontakt").get_data(as_text=True)
    assert anchors(target).ids.count("user-content-lankar-hit") == 1
    assert "user-content-lankar-hit" in anchors(prose(target)).ids


def test_html_saved_under_the_old_rules_is_shown_under_the_new(app, anon):
    """A page and version saved before these rules have a fake badge and a kb id in their stored HTML:
    are the page, the version and the API shown without them?"""
    old = f'<p>{FAKE_BADGE}</p>\n<h2 id="innehall">Innehåll</h2>\n<p><a href="#innehall">Upp</a></p>\n'
    with app.app_context():
        page = make_page("Gammal", "Ny text.\n", slug="gammal")
        page.html = page.current.html = old
        db.session.commit()
    for path in ("/sida/gammal", "/sida/gammal/version/1"):
        html = anon.get(path).get_data(as_text=True)
        text = prose(html)
        assert "✓ Fastställd" in text and "badge" not in text, path
        assert anchors(html).ids.count("innehall") == 1, path
        assert '<a href="#user-content-innehall">Upp</a>' in text, path
    api = anon.get("/api/pages/gammal").get_json()["html"]
    assert "badge" not in api and 'id="user-content-innehall"' in api


def test_page_text_is_cleaned_once_per_content_when_shown(app, monkeypatch):
    """Is stored HTML shown again and again cleaned once, not at every view (it is a pure function)?"""
    calls = []
    real = sanitize.clean

    def counting(html, **kw):
        calls.append(html)
        return real(html, **kw)

    with app.app_context():
        page = make_page("Räknad", "Unik text för räkningen.\n", slug="raknad")
        monkeypatch.setattr(sanitize, "clean", counting)
        shown = [pages.shown_html(page.html) for _ in range(3)]
    assert shown == [page.html] * 3 and calls.count(page.html) <= 1
