"""User HTML kept apart from kb's own page: no borrowed classes or ids, images only from allowed hosts.

A page's text may not look like kb's own markup (a "Fastställd" badge), take the id of an element of
the page around it, or load images from anywhere (a tracking pixel); the CSP agrees with the sanitiser.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from factories import make_app, make_page

from kb import config as kbconfig
from kb import sanitize
from kb.extensions import db
from kb.services import pages

FAKE_BADGE = '<span class="badge badge-ok">✓ Fastställd</span>'
TRACKER = "https://tracker.example/p.png"


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


def assert_links_lead_into_the_text(html: str, fragments: list[str]) -> None:
    """The page text's in-page links go to exactly `fragments`, each the id of one element, in the text."""
    page, text = anchors(html), anchors(prose(html))
    assert sorted(set(text.fragments)) == fragments
    for fragment in text.fragments:
        assert page.ids.count(fragment) == 1 and fragment in text.ids, fragment


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
    assert_links_lead_into_the_text(html, ["user-content-fn1", "user-content-fnref1", "user-content-innehall",
                                           "user-content-kontakt", "user-content-lankar-hit"])
    assert 'href="#innehall"' in html  # kb's skip link still leads to <main>



def test_markdown_footnotes_are_shown_whole_with_their_way_back(app, anon):
    """Does a page written with Markdown footnotes ([^1] and its definition, one referred to twice) show
    raised numbers linking to a list under Fotnoter, each note with a link back to every reference, all
    leading to exactly one element of the text?"""
    source = ("SIP är lagstadgad[^lag] sedan 2010[^lag] och följs upp årligen.[^2]\n\n"
              "[^lag]: Hälso- och sjukvårdslagen och socialtjänstlagen.\n"
              "[^2]: I årsrapporten, se *uppföljning*.\n")
    with app.app_context():
        make_page("Fotnoter", source, slug="fotnoter")
    html = anon.get("/sida/fotnoter").get_data(as_text=True)
    text = prose(html)
    assert "[^" not in text
    assert ('lagstadgad<sup id="user-content-fnref1"><a href="#user-content-fn1" title="Fotnot 1">1</a></sup> '
            'sedan 2010<sup id="user-content-fnref1-2"><a href="#user-content-fn1" title="Fotnot 1">1</a></sup>'
            in text)
    notes = text[text.index("<h2>Fotnoter</h2>"):]
    assert re.sub(r"\s+", " ", notes).startswith(
        '<h2>Fotnoter</h2> <ol> <li id="user-content-fn1"><p>Hälso- och sjukvårdslagen och socialtjänstlagen. '
        '<a href="#user-content-fnref1">↩︎ tillbaka (1)</a> <a href="#user-content-fnref1-2">↩︎ tillbaka (2)</a>'
        '</p> </li> <li id="user-content-fn2"><p>I årsrapporten, se <em>uppföljning</em>. '
        '<a href="#user-content-fnref2">↩︎ tillbaka</a></p> </li> </ol>')
    assert_links_lead_into_the_text(html, ["user-content-fn1", "user-content-fn2", "user-content-fnref1",
                                           "user-content-fnref1-2", "user-content-fnref2"])

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
    """A page and version saved before these rules have a fake badge, a kb id and a tracking pixel in
    their stored HTML: are the page, the version and the API shown without them?"""
    old = (f'<p>{FAKE_BADGE}</p>\n<h2 id="innehall">Innehåll</h2>\n<p><a href="#innehall">Upp</a></p>\n'
           f'<p><img src="{TRACKER}"></p>\n')
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
        assert "tracker.example" not in html, path
    api = anon.get("/api/pages/gammal").get_json()["html"]
    assert "badge" not in api and 'id="user-content-innehall"' in api and "tracker.example" not in api


# --- images ---------------------------------------------------------------------------------------

IMAGES = (f"![Karta]({TRACKER})\n\n<img src=\"{TRACKER}\">\n\n"
          "![Egen bild](/sida/bilder/bilagor/karta.png)\n")


def test_external_images_are_not_loaded_by_default(app, anon):
    """With no image hosts set, is an image from another site (a tracking pixel) never loaded: shown as
    a link labelled with its alt text, or left out without one, while kb's own images stay?"""
    with app.app_context():
        make_page("Bilder", IMAGES, slug="bilder")
    text = prose(anon.get("/sida/bilder").get_data(as_text=True))
    assert f'src="{TRACKER}"' not in text
    assert f'<a href="{TRACKER}" rel="nofollow noopener">Karta</a>' in text
    assert '<img src="/sida/bilder/bilagor/karta.png" alt="Egen bild">' in text


def test_images_from_a_host_in_kb_image_hosts_are_shown(tmp_path):
    """With the host in KB_IMAGE_HOSTS, is its image shown (and other hosts' images still not)?"""
    app = make_app(tmp_path / "instance", IMAGE_HOSTS=["tracker.example"])
    with app.app_context():
        make_page("Bilder", IMAGES + "\n![Annan](https://annan.example/a.png)\n", slug="bilder")
    text = prose(app.test_client().get("/sida/bilder").get_data(as_text=True))
    assert f'<img src="{TRACKER}" alt="Karta">' in text and f'<img src="{TRACKER}">' in text
    assert 'src="https://annan.example/a.png"' not in text


def test_kb_image_hosts_is_read_as_a_list_of_host_names(tmp_path):
    """Is KB_IMAGE_HOSTS read as comma-separated host names, and a value that is not a host name
    (a scheme, a path, something that would change the CSP) refused at start?"""
    assert kbconfig.env_overrides({"KB_IMAGE_HOSTS": "bilder.lerum.se, Karta.Example:8443"}) == {
        "IMAGE_HOSTS": ["bilder.lerum.se", "Karta.Example:8443"]}
    app = make_app(tmp_path / "a", init=False, IMAGE_HOSTS="bilder.lerum.se, Karta.Example:8443,,")
    assert app.config["IMAGE_HOSTS"] == ("bilder.lerum.se", "karta.example:8443")
    for bad in ("https://bilder.lerum.se/", "bilder.lerum.se; script-src *", "*.lerum.se"):
        with pytest.raises(ValueError, match="KB_IMAGE_HOSTS"):
            make_app(tmp_path / "b", init=False, IMAGE_HOSTS=[bad])


# --- the CSP agrees ---------------------------------------------------------------------------------

def img_src(resp) -> list[str]:
    """The sources of the CSP's img-src directive."""
    directives = dict(d.strip().split(" ", 1) for d in resp.headers["Content-Security-Policy"].split(";"))
    return directives["img-src"].split()


def test_csp_allows_images_from_kb_only_by_default(anon):
    """Does the CSP let pages load images from kb itself only: no https: (or data:) wildcard?"""
    assert img_src(anon.get("/logga-in")) == ["'self'"]


def test_csp_allows_images_from_the_configured_hosts(tmp_path):
    """With KB_IMAGE_HOSTS set, does the CSP's img-src list exactly those hosts over https, besides kb?"""
    app = make_app(tmp_path / "instance", IMAGE_HOSTS=["bilder.lerum.se", "karta.example"])
    resp = app.test_client().get("/logga-in")
    assert img_src(resp) == ["'self'", "https://bilder.lerum.se", "https://karta.example"]


def test_a_host_taken_off_kb_image_hosts_no_longer_shows_its_images(tmp_path):
    """When a host is taken off KB_IMAGE_HOSTS (and kb restarted), do pages saved while it was listed stop
    showing its images, and is a browser's copy with the image sent again rather than confirmed by a 304?"""
    instance = tmp_path / "instance"
    before = make_app(instance, IMAGE_HOSTS=["tracker.example"])
    with before.app_context():
        make_page("Bilder", IMAGES, slug="bilder")
    resp = before.test_client().get("/sida/bilder")
    assert f'<img src="{TRACKER}" alt="Karta">' in resp.get_data(as_text=True)
    after = make_app(instance, init=False)
    resp = after.test_client().get("/sida/bilder", headers={"If-None-Match": resp.headers["ETag"]})
    assert resp.status_code == 200 and f'src="{TRACKER}"' not in resp.get_data(as_text=True)
    assert f'<a href="{TRACKER}" rel="nofollow noopener">Karta</a>' in resp.get_data(as_text=True)


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
