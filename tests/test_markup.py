"""Tests for kb.markup: Markdown rendering, wiki links, headings, TOC, glossary and text."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from kb.markup import Rendered, plain_text, render, scroll_tables

GLOSSARY = {"SIP": "Samordnad individuell plan", "NOSAM": "Nord-Östra samverkan"}


def test_render_returns_rendered():
    """Does render return a Rendered with all four fields?"""
    result = render("Hej **världen**")
    assert isinstance(result, Rendered)
    assert result.html.strip() == "<p>Hej <strong>världen</strong></p>"
    assert result.links == ()
    assert result.headings == ()
    assert result.text == "Hej världen"


def test_table_renders_with_alignment():
    """Do tables render, with column alignment kept as align instead of style?"""
    html = render("| Vem | Antal |\n|:---|---:|\n| SAMLA | 3 |").html
    assert "<table>" in html
    assert '<th align="left">Vem</th>' in html
    assert '<td align="right">3</td>' in html
    assert "style" not in html


def test_each_table_is_shown_in_its_own_focusable_scroll_box():
    """Is every table, from Markdown or HTML, shown in a labelled scroll box a keyboard can reach,
    while the stored HTML (and the API) keeps the plain table?"""
    stored = render("| A | B |\n|---|---|\n| 1 | 2 |\n\n<table><tr><td>x</td></tr></table>\n\n`<table>`").html
    assert "table-wrap" not in stored
    shown = scroll_tables(stored)
    wrap = '<div class="table-wrap" tabindex="0" role="region" aria-label="Tabell, rulla i sidled vid behov">'
    assert shown.count(wrap + "<table>") == 2 and shown.count("</table></div>") == 2
    assert "<code>&lt;table&gt;</code>" in shown  # a table written as code stays text
    assert scroll_tables("<p>Ingen tabell</p>") == "<p>Ingen tabell</p>"


def test_strikethrough():
    """Is ~~text~~ rendered as struck-through text?"""
    assert "<s>gammalt</s>" in render("~~gammalt~~").html


def test_wikilink_to_existing_page():
    """Does a link to an existing page get class wikilink and the page URL?"""
    html = render("Se [[Mini-Maria]].", page_exists=lambda s: True).html
    assert '<a class="wikilink" href="/sida/mini-maria">Mini-Maria</a>' in html


def test_wikilink_to_missing_page():
    """Does a link to a missing page point at the new-page form with a Swedish title?"""
    html = render("[[Ny rutin]]", page_exists=lambda s: False).html
    assert 'class="wikilink missing"' in html
    assert 'title="Sidan finns inte ännu – skapa den"' in html
    href = html.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    query = parse_qs(urlsplit(href).query)
    assert urlsplit(href).path == "/ny"
    assert query == {"slug": ["ny-rutin"], "title": ["Ny rutin"]}


def test_wikilink_custom_url_builders():
    """Are url_for_slug and url_for_new used, and page_exists asked once per slug?"""
    asked: list[str] = []

    def exists(slug: str) -> bool:
        asked.append(slug)
        return slug == "finns"

    html = render(
        "[[finns]] [[saknas|Saknad sida]] [[finns]]",
        page_exists=exists,
        url_for_slug=lambda s: f"/p/{s}",
        url_for_new=lambda slug, title: f"/skapa/{slug}?t={title}",
    ).html
    assert 'href="/p/finns"' in html
    assert 'href="/skapa/saknas?t=Saknad sida"' in html
    assert asked == ["finns", "saknas"]


def test_wikilink_with_text():
    """Does [[target|text]] link to target but show text?"""
    html = render("[[sip|Samordnad plan]]").html
    assert '<a class="wikilink" href="/sida/sip">Samordnad plan</a>' in html


def test_wikilink_anchor_is_kept():
    """Does [[sip#kallelse]] keep the anchor on an existing page, as the id that page's heading has?"""
    result = render("[[sip#Kallelse]]")
    assert 'href="/sida/sip#user-content-kallelse"' in result.html
    assert '<h2 id="user-content-kallelse">' in render("## Kallelse").html
    assert result.links == ("sip",)


def test_links_collected_and_deduplicated():
    """Are wiki link slugs collected once each, in order of first appearance?"""
    result = render("[[B]] och [[a]] och [[b|igen]] och [[A#x]]\n\n- [[c]]")
    assert result.links == ("b", "a", "c")


def test_swedish_slugification_of_targets():
    """Are å, ä and ö folded when wiki targets become slugs?"""
    result = render("[[Socialmedicinsk mottagning]] [[Åtgärder för äldre]] [[Öppenvård]]")
    assert result.links == ("socialmedicinsk-mottagning", "atgarder-for-aldre", "oppenvard")
    assert 'href="/sida/atgarder-for-aldre">Åtgärder för äldre</a>' in result.html


def test_wikilink_with_empty_slug_is_literal_text():
    """Are targets without a usable slug rendered as escaped literal text?"""
    for source in ('[[""]]', "[[<script>]]", "[[ | text]]"):
        result = render(source)
        assert "<a" not in result.html
        assert result.links == ()
    assert "[[&lt;script&gt;]]" in render("[[<script>]]").html


def test_wikilink_quotes_do_not_break_attributes():
    """Do quotes in wiki link text stay inside the element text?"""
    html = render('[[x|" onmouseover="alert(1)]]').html
    assert 'onmouseover="' not in html
    assert "&quot; onmouseover=&quot;alert(1)</a>" in html


def test_wikilink_in_code_is_not_a_link():
    """Are [[...]] inside code spans and code blocks left alone?"""
    result = render("`[[sip]]`\n\n```\n[[nosam]]\n```\n\n    [[samla]]")
    assert "<a" not in result.html
    assert "<code>[[sip]]</code>" in result.html
    assert result.links == ()


def test_escaped_wikilink_is_not_a_link():
    """Does a backslash before [[ prevent a wiki link?"""
    assert "<a" not in render(r"\[[sip]]").html


def test_heading_ids_and_duplicates():
    """Do headings get slug ids (with the user-content- prefix of all ids in page text), with -2, -3 for
    duplicates?"""
    result = render("# Översikt\n\n## Kontakt\n\n## Kontakt\n\n## Kontakt\n\nText")
    assert '<h1 id="user-content-oversikt">Översikt</h1>' in result.html
    assert '<h2 id="user-content-kontakt">' in result.html
    assert '<h2 id="user-content-kontakt-2">' in result.html
    assert '<h2 id="user-content-kontakt-3">' in result.html
    assert result.headings == (
        (1, "Översikt", "oversikt"),
        (2, "Kontakt", "kontakt"),
        (2, "Kontakt", "kontakt-2"),
        (2, "Kontakt", "kontakt-3"),
    )


def test_heading_without_slug_gets_fallback_id():
    """Does a heading with no letters or digits still get an id?"""
    assert render("## ???").headings == ((2, "???", "rubrik"),)


def test_no_toc_below_three_headings():
    """Is the TOC left out when there are fewer than three h2–h4 headings?"""
    html = render("# Titel\n\n## Ett\n\n## Två\n\n##### Fem").html
    assert "toc" not in html


def test_toc_at_three_headings():
    """Is a nested TOC prepended when there are three or more h2–h4 headings?"""
    html = render("## Ett\n\n### Ett a\n\n## Två\n\ntext").html
    assert html.startswith('<nav class="toc" aria-label="Innehåll"><p class="toc-title">Innehåll</p><ol>')
    assert (
        '<ol><li><a href="#user-content-ett">Ett</a><ol><li><a href="#user-content-ett-a">Ett a</a></li></ol></li>'
        '<li><a href="#user-content-tva">Två</a></li></ol></nav>'
    ) in html
    assert html.index("</nav>") < html.index('<h2 id="user-content-ett">')


def test_toc_handles_skipped_levels():
    """Does a jump from h2 to h4 still give a balanced TOC?"""
    html = render("### Först\n\n## Ett\n\n#### Djup\n\n## Två").html
    toc = html.split("</nav>")[0]
    assert toc.count("<ol>") == toc.count("</ol>")
    assert toc.count("<li>") == toc.count("</li>") == 4


def test_glossary_wraps_first_occurrence_only():
    """Is only the first occurrence of each term wrapped in <abbr>?"""
    html = render("SIP görs med NOSAM. En SIP till.", glossary=GLOSSARY).html
    assert html.count("<abbr") == 2
    assert '<abbr title="Samordnad individuell plan">SIP</abbr> görs' in html
    assert '<abbr title="Nord-Östra samverkan">NOSAM</abbr>' in html
    assert "En SIP till" in html


def test_glossary_whole_words_and_case():
    """Are all-caps terms matched case-sensitively and as whole words only?"""
    html = render("sip och SIPS och SIPär men inte", glossary=GLOSSARY).html
    assert "<abbr" not in html
    assert "<abbr" in render("Ordet (SIP).", glossary=GLOSSARY).html


def test_glossary_skips_headings_links_and_code():
    """Are headings, links and code left without glossary markup?"""
    source = "## SIP\n\n[SIP](https://x.se) [[SIP]] `SIP` <a href=\"/x\">SIP</a>\n\nSedan SIP."
    html = render(source, glossary=GLOSSARY).html
    assert html.count("<abbr") == 1
    assert "Sedan <abbr" in html


def test_glossary_escapes_expansion():
    """Is a glossary expansion with quotes escaped inside title?"""
    html = render("SIP", glossary={"SIP": '"><script>alert(1)</script>'}).html
    assert "<script" not in html
    assert "<abbr title=" in html


def test_raw_html_is_sanitised():
    """Is disallowed raw HTML escaped while allowed HTML is kept?"""
    html = render("<kbd>Ctrl</kbd> <marquee>x</marquee>").html
    assert "<kbd>Ctrl</kbd>" in html
    assert "&lt;marquee&gt;" in html


def test_plain_text():
    """Does plain_text drop markup, keep link text and decode entities?"""
    source = (
        "# Rubrik\n\nEtt **fett** ord och [[sip|Samordnad plan]] och [länk](https://x.se).\n"
        "Rad två &amp; &ouml;.\n\n- punkt ett\n- punkt två\n\n<div><b>Rå</b> HTML</div>\n\n"
        "<script>alert(1)</script>"
    )
    assert plain_text(source) == (
        "Rubrik\nEtt fett ord och Samordnad plan och länk. Rad två & ö.\n"
        "punkt ett\npunkt två\nRå HTML"
    )


def test_plain_text_matches_rendered_text():
    """Is Rendered.text the same as plain_text of the source, table cells apart without Markdown's pipes?"""
    source = "## A\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n```\nkod\n```"
    assert render(source).text == plain_text(source) == "A\nx · y\n1 · 2\nkod"


def test_empty_source():
    """Does an empty source render to empty results?"""
    assert render("") == Rendered(html="", links=(), headings=(), text="")
    assert plain_text("") == ""
