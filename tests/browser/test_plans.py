"""Action plans in a real browser: an editor builds a plan, a reader filters it, an editor changes a status.

The demo server may hold no plans, so the module builds its own through the forms (with a unique title,
so the shared server stays usable in any order), which also exercises the create forms end to end.
"""
from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest
from kbbrowser import EDITOR
from playwright.sync_api import expect
from test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

ACTIVITIES = [
    # (goal, what, status label, deadline)
    ("Öka tilliten", "Nätverk för SIP-samordnare", "Pågår", "2020"),
    ("Öka tilliten", "Workshop om hemgång", "Klart", "2020"),
    ("Öka kontinuiteten", "Kartlägga utskrivningar", "Inte påbörjad", "2099"),
]


def add_activity(page, plan_path: str, goal: str, what: str, status: str, deadline: str) -> str:
    """Add an activity through the form; its URL path."""
    page.goto(plan_path + "/ny-aktivitet")
    page.get_by_label("Mål", exact=True).fill(goal)
    page.get_by_label("Vad", exact=True).fill(what)
    page.get_by_label("Slutdatum").fill(deadline)
    page.get_by_label("Status", exact=True).select_option(label=status)
    page.get_by_label("Äldre").check()
    page.get_by_label("Sidor").fill("sip")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text(f"Aktiviteten ”{what}” lades till i planen.")).to_be_visible()
    return urlsplit(page.url).path


@pytest.fixture(scope="module")
def plan(browser, kb_server, login_states) -> dict:
    """A plan with three activities made through the forms: its path and the activities' paths."""
    context = browser.new_context(base_url=kb_server.url, storage_state=login_states(EDITOR))
    context.set_default_timeout(10_000)
    page = context.new_page()
    title = f"Webbläsarplan {uuid.uuid4().hex[:8]}"
    page.goto("/planer/ny")
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Struktur").select_option(label="Samordningsgruppen")
    page.get_by_label("Period").fill("2024")
    page.get_by_label("Kommentar").fill("Skapad i webbläsartest")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text(f"Planen ”{title}” skapades.")).to_be_visible()
    path = urlsplit(page.url).path
    activities = [add_activity(page, path, *row) for row in ACTIVITIES]
    context.close()
    return {"title": title, "path": path, "activities": activities}


def test_a_reader_filters_the_plan_with_the_form(page, plan):
    """Does choosing a status and pressing Visa narrow the list (and the URL), and Rensa filter undo it?"""
    page.goto(plan["path"])
    expect(page.get_by_text("3 aktiviteter", exact=True)).to_be_visible()
    page.get_by_label("Status").select_option(label="Klart")
    page.get_by_role("button", name="Visa").click()
    expect(page).to_have_url(re.compile(r"status=done"))
    expect(page.get_by_text("1 av 3 aktiviteter")).to_be_visible()
    table = page.locator("table.activities")
    expect(table.get_by_role("link", name="Workshop om hemgång")).to_be_visible()
    expect(table.get_by_role("link", name="Nätverk för SIP-samordnare")).to_have_count(0)
    expect(page.get_by_label("Status")).to_have_value("done")
    page.get_by_label("Mål", exact=True).select_option(label="Öka kontinuiteten")
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_text("0 av 3 aktiviteter")).to_be_visible()
    expect(page.get_by_text("Inga aktiviteter matchar filtret.")).to_be_visible()
    page.get_by_role("link", name="Rensa filter").click()
    expect(page.get_by_text("3 aktiviteter", exact=True)).to_be_visible()
    late = page.locator("tr.is-overdue")
    expect(late).to_have_count(1)
    expect(late.get_by_text("Försenad")).to_be_visible()
    expect(late.get_by_text("Pågår")).to_be_visible()


def test_an_editor_changes_a_status_on_the_activity_page(editor_page, plan):
    """Does the status form change the status, say so, and list the change with its comment in the history?"""
    page = editor_page
    page.goto(plan["activities"][2])
    expect(page.locator(".activity-state")).to_contain_text("Inte påbörjad")
    page.get_by_label("Ny status").select_option(label="Pågår")
    page.get_by_label("Kommentar").fill("Kartläggningen har börjat")
    page.get_by_role("button", name="Ändra status").click()
    expect(page.get_by_text("Status ändrad till Pågår.")).to_be_visible()
    expect(page.locator(".activity-state")).to_contain_text("Pågår")
    newest = page.locator("#statushistorik tbody tr").first
    expect(newest).to_contain_text("Inte påbörjad")
    expect(newest).to_contain_text("Pågår")
    expect(newest).to_contain_text("Kartläggningen har börjat")
    expect(newest).to_contain_text(EDITOR)
    page.goto(plan["path"] + "?status=in_progress")
    expect(page.get_by_text("2 av 3 aktiviteter")).to_be_visible()


def test_the_plan_reads_as_cards_on_a_phone(new_context, plan):
    """At 360 px, does the plan page fit the screen with each value labelled by its column?"""
    page = new_context().new_page()
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(plan["path"])
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths
    cell = page.locator("tr.is-overdue td[data-label='Slutdatum']")
    label = cell.evaluate("el => getComputedStyle(el, '::before').content")
    assert label == '"Slutdatum"'
    box = page.locator("tr.is-overdue").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box


# Words in the plan's cells that are split inside a word because their cell is narrower than the word
# ("länsgemensam|ma"): a word may wrap only where hyphenation (hyphens: auto, lang="sv") breaks it at a
# syllable, and only if it would fit on a line of its own. Each word is measured unbroken in its font.
SPLIT_WORDS_JS = r"""() => {
  const out = [], ctx = document.createElement('canvas').getContext('2d');
  for (const cell of document.querySelectorAll('table.activities th, table.activities td')) {
    const style = getComputedStyle(cell);
    const room = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (!cell.getClientRects().length || room < 20) continue;  // hidden, or the visually hidden header
    if (style.wordBreak === 'break-all' || style.overflowWrap === 'anywhere' || style.hyphens !== 'auto')
      out.push(`${cell.dataset.label || cell.textContent}: word-break ${style.wordBreak}, ` +
               `overflow-wrap ${style.overflowWrap}, hyphens ${style.hyphens}`);
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node; (node = walker.nextNode());) {
      ctx.font = getComputedStyle(node.parentElement).font;
      for (const m of node.data.matchAll(/[\p{L}\p{N}]+/gu)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width).map(r => Math.round(r.top))).size;
        const width = ctx.measureText(m[0]).width;
        if (width > room + 0.5 || (lines > 1 && style.hyphens !== 'auto'))
          out.push(`${m[0]} (${Math.round(width)} px in ${Math.round(room)} px, ${lines} lines)`);
      }
    }
  }
  return out;
}"""


PLANS_WITH_LONG_WORDS = ["/planer/nosam-aktivitetsplan-2024-2026", "/planer/nosam-gbg-sydvast-handlingsplan-2024",
                         "/planer/nosam-gbg-sydvast-handlingsplan-2024/utskrift"]


@pytest.mark.parametrize("path", PLANS_WITH_LONG_WORDS)
def test_no_word_in_a_plan_is_split_at_desktop_width(page, path):
    """At 1280 px, is every word in the plan's cells ("länsgemensamma", "Samordningsgruppen", the column
    names) whole on its line, the activities shown as cards since ten columns do not fit?"""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(path)
    assert page.locator("table.activities td").count() > 20
    split = page.evaluate(SPLIT_WORDS_JS)
    assert not split, f"{path}: split words: {split[:10]}"
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths

@pytest.mark.parametrize("which", ["översikt", "plan", "aktivitet", "utskrift"])
def test_plan_pages_have_no_serious_violations(new_context, axe_js, plan, which):
    """Do the overview, a plan, an activity and the print version pass axe for a reader?"""
    path = {"översikt": "/planer", "plan": plan["path"], "aktivitet": plan["activities"][0],
            "utskrift": plan["path"] + "/utskrift"}[which]
    page = new_context(bypass_csp=True).new_page()
    page.goto(path)
    assert_accessible(page, axe_js)


@pytest.mark.parametrize("which", ["aktivitet", "ny aktivitet", "redigera plan", "importera", "filterfel"])
def test_editor_plan_pages_have_no_serious_violations(new_context, axe_js, plan, which):
    """Do the activity page with its status form, the forms and a filter error pass axe for an editor?"""
    path = {"aktivitet": plan["activities"][0], "ny aktivitet": plan["path"] + "/ny-aktivitet",
            "redigera plan": plan["path"] + "/redigera", "importera": plan["path"] + "/importera",
            "filterfel": plan["path"] + "?status=lila"}[which]
    page = new_context(EDITOR, bypass_csp=True).new_page()
    page.goto(path)
    assert_accessible(page, axe_js)


def test_status_form_with_an_error_has_no_serious_violations(new_context, axe_js, plan):
    """Does the activity page showing a refused status change (error summary) pass axe?"""
    page = new_context(EDITOR, bypass_csp=True).new_page()
    page.goto(plan["activities"][1])
    page.get_by_role("button", name="Ändra status").click()
    page.locator("#felsammanfattning").wait_for()
    expect(page.locator("#felsammanfattning")).to_contain_text("Aktiviteten har redan status Klart.")
    assert_accessible(page, axe_js)
