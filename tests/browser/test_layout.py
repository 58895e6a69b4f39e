"""Layout from 360 px phones to wide screens, the print stylesheet, and nothing loaded from outside."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from kbbrowser import EDITOR
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

WIDTHS = [360, 768, 1280]
SCREENS = [
    ("start", "/"),
    ("sida", "/sida/mini-maria"),
    # A structure and a routine: fact boxes with long names and lists, and wide tables in the text.
    ("struktur", "/sida/nosam-lerum"),
    ("rutin", "/sida/in-och-utskrivningsprocessen"),
    ("organisation", "/sida/sa-ar-samla-organiserat"),
    ("granskning", "/granskning"),
    ("min sida", "/min-sida"),
    ("redigera", "/sida/sip/redigera"),
    ("sök", "/sok?q=sip"),
    ("historik", "/sida/sip/historik"),
    ("jämför", "/sida/sip/jamfor?fran=1&till=1"),
]


@pytest.fixture(scope="module")
def editor_context(browser, kb_server, login_states):
    """One logged-in context for the layout checks (they only read)."""
    context = browser.new_context(base_url=kb_server.url, storage_state=login_states(EDITOR))
    yield context
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", [p for _, p in SCREENS], ids=[n for n, _ in SCREENS])
def test_no_horizontal_scrolling_and_the_menu_is_usable(editor_context, width, path):
    """At phone, tablet and desktop widths: nothing is wider than the screen and every menu item shows."""
    page = editor_context.new_page()
    try:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(path)
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"{path} at {width}px scrolls sideways: {widths}"
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(el => { const r = el.getBoundingClientRect(); return r.width && r.right > innerWidth + 1
                            && !el.closest('.table-wrap, .diff-wrap, pre, .visually-hidden'); })
            .slice(0, 5).map(el => el.tagName + '.' + el.className)""")
        assert not wide, f"{path} at {width}px: elements stick out: {wide}"
        menu = page.evaluate("""() => [...document.querySelectorAll('.site-nav a, .site-nav button')].map(el => {
            const r = el.getBoundingClientRect();
            return {text: el.textContent.trim(), left: r.left, right: r.right, height: r.height,
                    shown: r.width > 0 && getComputedStyle(el).visibility === 'visible'}; })""")
        assert len(menu) >= 3, menu
        for item in menu:
            assert item["shown"], f"{item['text']!r} is hidden at {width}px"
            assert item["left"] >= 0 and item["right"] <= width, f"{item['text']!r} is off screen: {item}"
            assert item["height"] >= 20, f"{item['text']!r} is too small to tap: {item}"
    finally:
        page.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_the_menu_takes_you_places_on_a_phone_and_a_desktop(page, width):
    """Tapping a menu item in the header opens that page, at both widths."""
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/sida/sip")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Alla sidor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alla sidor")
    page.get_by_role("link", name=re.compile("Kunskapsbanken")).first.click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_text_has_a_comfortable_line_length_and_system_fonts(page):
    """On a wide screen lines of running text stay under about 80 characters, in the system's own font."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/sida/sip")
    per_line = page.evaluate("""() => [...document.querySelectorAll('.prose p')].map(p => {
        const range = document.createRange();
        range.selectNodeContents(p);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
        return lines > 1 ? p.textContent.length / lines : 0; })""")
    assert max(per_line) > 40, per_line  # there are long paragraphs to measure
    assert max(per_line) <= 80, f"about {max(per_line):.0f} characters per line"
    assert "system-ui" in page.locator(".prose").first.evaluate("el => getComputedStyle(el).fontFamily")


@pytest.mark.parametrize("path", ["/sida/sip", "/sida/samordningsgruppen"])
def test_on_a_wide_screen_the_text_and_the_fact_box_fill_the_page(page, path):
    """At 1280 px, does the fact box stand beside the text so that together they span at least 80 % of
    the page's width, instead of both keeping to the text's measure and leaving a third empty?"""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(path)
    box = page.evaluate("""() => {
        const rect = s => document.querySelector(s).getBoundingClientRect();
        const main = document.querySelector('main'), style = getComputedStyle(main);
        const [text, facts] = [rect('.page-body > .prose'), rect('.fact-box')];
        return {container: main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
                left: Math.min(text.left, facts.left), right: Math.max(text.right, facts.right),
                beside: facts.left >= text.right && facts.top < text.bottom};}""")
    assert box["beside"], box
    assert box["right"] - box["left"] >= 0.8 * box["container"], box

def test_print_shows_the_page_without_header_and_menu(page):
    """Printing a page leaves out the header, search, menu and page tools but keeps the text."""
    page.goto("/sida/sip")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_be_hidden()
    expect(page.locator(".page-actions")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_have_text("SIP – samordnad individuell plan")
    expect(page.locator(".prose")).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.locator(".site-header")).to_be_visible()


@pytest.mark.parametrize("path", ["/", "/sida/sip", "/sok?q=sip", "/sida/sip/redigera", "/logga-in"])
def test_everything_is_served_by_the_app_itself(new_context, kb_server, path):
    """Stylesheets and scripts come from /static/ on the same server; the browser asks no one else."""
    context = new_context(EDITOR)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.goto(path)
    page.wait_for_load_state("networkidle")
    sources = page.evaluate("""[...document.querySelectorAll('link[href], script')]
        .filter(el => el.tagName === 'SCRIPT' || /stylesheet|preload|icon|modulepreload/.test(el.rel))
        .map(el => el.tagName === 'SCRIPT' ? (el.src || 'inline') : el.href)""")
    assert sources, "no stylesheet or script at all?"
    for src in sources:
        assert src != "inline", "inline script (the CSP forbids it)"
        parts = urlsplit(src)
        assert f"{parts.scheme}://{parts.netloc}" == kb_server.url and parts.path.startswith("/static/"), src
    assert page.locator("style, [style]").count() == 0, "inline styles (the CSP forbids them)"
    foreign = [u for u in requested if not u.startswith(kb_server.url + "/") and not u.startswith("data:")]
    assert not foreign, foreign


def test_on_a_phone_the_search_hits_come_before_the_folded_filters(page):
    """At 360 px are the filters folded under "Avgränsa sökningen" so the first hit shows at once, and
    does a tap open them? On a wide screen they stay open beside the hits."""
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/sok?q=sip")
    summary = page.get_by_text("Avgränsa sökningen", exact=True)
    typ = page.locator(".facet-type")
    expect(typ).to_be_hidden()
    first_hit = page.locator(".hit-title").first
    assert first_hit.bounding_box()["y"] + 40 < 800, "the first hit is below the fold"
    summary.click()
    expect(typ).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/sok?q=sip")
    expect(page.locator(".facet-type")).to_be_visible()


def test_a_table_box_is_a_tab_stop_only_when_it_scrolls(page):
    """Can a keyboard reach a wide table's scroll box on a phone, without an extra tab stop on a desktop,
    and does turning or resizing the screen change it?"""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/sida/sa-ar-samla-organiserat")
    box = page.locator(".prose .table-wrap").first
    expect(box).to_have_attribute("tabindex", "-1")
    page.set_viewport_size({"width": 360, "height": 800})
    expect(box).to_have_attribute("tabindex", "0", timeout=3000)
    box.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.prose .table-wrap').scrollLeft > 0")
