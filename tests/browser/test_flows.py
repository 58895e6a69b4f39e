"""What people do with the knowledge base, step by step in a real browser against `kb serve`."""
from __future__ import annotations

import re

import pytest
from kbbrowser import EDITOR, LEAVER, PASSWORD, create_page, edit_page, log_in
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_newcomer_reads_the_start_page_and_follows_the_orientation_entry(page):
    """A newcomer lands on the start page, sees what it is and follows "Ny i samverkan"."""
    page.goto("/")
    expect(page).to_have_title(re.compile("Kunskapsbanken för vårdsamverkan"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kunskapsbanken för vårdsamverkan")
    expect(page.get_by_role("heading", name="Ny i samverkan?")).to_be_visible()
    page.get_by_role("link", name=re.compile("Börja här")).click()
    expect(page).to_have_url(re.compile("/sida/ny-i-samverkan$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny i samverkan")
    expect(page.locator(".type-badge")).to_have_text(re.compile("Introduktion", re.I))


def test_a_visitor_searches_and_opens_a_result(page):
    """Searching "mini-maria öppettider" from the start page finds Mini-Maria first, and it opens."""
    page.goto("/")
    page.get_by_label("Vad letar du efter?").fill("mini-maria öppettider")
    page.get_by_label("Vad letar du efter?").press("Enter")
    expect(page).to_have_url(re.compile(r"/sok\?q=mini-maria"))
    expect(page.locator(".result-count")).to_contain_text("träff")
    first = page.locator(".hit-title a").first
    expect(first).to_have_text("Mini-Maria")
    first.click()
    expect(page).to_have_url(re.compile("/sida/mini-maria$"))
    expect(page.get_by_role("heading", name=re.compile("Öppettider"))).to_be_visible()


def test_an_editor_logs_in(page):
    """An editor logs in from the header and sees the editing tools."""
    page.goto("/sida/sip")
    expect(page.get_by_role("link", name="Redigera")).to_have_count(0)
    page.get_by_role("link", name="Logga in").click()
    page.get_by_label("Användarnamn").fill(EDITOR)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(re.compile("/sida/sip$"))  # back where they were
    expect(page.get_by_text(re.compile("Välkommen"))).to_be_visible()
    expect(page.get_by_role("link", name="Redigera")).to_be_visible()
    expect(page.get_by_role("link", name="Ny sida")).to_be_visible()


def test_a_wrong_password_is_refused_with_a_message(page):
    """A wrong password keeps the visitor logged out and says why, in the error summary."""
    page.goto("/logga-in")
    page.get_by_label("Användarnamn").fill(EDITOR)
    page.get_by_label("Lösenord").fill("fel-lösenord-helt-klart")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_contain_text("Fel användarnamn eller lösenord")
    expect(page.get_by_role("button", name="Logga ut")).to_have_count(0)


def test_an_editor_creates_a_page_then_the_missing_page_it_links_to(editor_page, unique):
    """A link to a page that does not exist yet shows as missing, and following it creates that page."""
    page = editor_page
    path = create_page(page, f"Ursprungssida {unique}",
                       f"Läs mer på [[stodsida-{unique}|stödsidan]] när den finns.")
    missing = page.locator("a.wikilink.missing")
    expect(missing).to_have_text("stödsidan")
    missing.click()
    expect(page).to_have_url(re.compile(rf"/ny\?slug=stodsida-{unique}"))
    expect(page.get_by_label("Adress", exact=True)).to_have_value(f"stodsida-{unique}")
    page.get_by_label("Titel").fill(f"Stödsida {unique}")
    page.get_by_label("Text", exact=True).fill("Här finns stödet.")
    page.get_by_role("button", name="Spara").click()
    expect(page).to_have_url(re.compile(rf"/sida/stodsida-{unique}$"))
    expect(page.get_by_text("Här finns stödet.")).to_be_visible()
    expect(page.locator(".backlinks")).to_contain_text(f"Ursprungssida {unique}")
    page.goto(path)
    link = page.get_by_role("link", name="stödsidan")
    expect(link).not_to_have_class(re.compile("missing"))
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Stödsida {unique}")


def test_an_editor_previews_before_saving(editor_page, unique):
    """The preview button shows the rendered text without saving; typing also updates a live preview."""
    page = editor_page
    path = create_page(page, f"Förhandsprov {unique}", "Första texten.")
    page.goto(path + "/redigera")
    source = page.get_by_label("Text", exact=True)
    source.fill("Texten med **fetstil** och en lista:\n\n- ett\n- två")
    page.get_by_role("button", name="Förhandsgranska").click()
    preview = page.locator("section.preview")
    expect(preview.get_by_role("heading")).to_have_text("Förhandsgranskning (inte sparad)")
    expect(preview.locator("strong")).to_have_text("fetstil")
    expect(preview.get_by_role("listitem")).to_have_count(2)
    expect(source).to_have_value(re.compile("fetstil"))  # the text is still in the form
    page.goto(path)
    expect(page.locator(".prose")).to_have_text("Första texten.")  # nothing was saved

    page.goto(path + "/redigera")
    live = page.locator(".live-preview")
    expect(live).not_to_contain_text("Live rubrik")  # on a wide screen it is beside the text from the start
    page.get_by_label("Text", exact=True).focus()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\n## Live _rubrik_", delay=5)
    expect(live).to_be_visible()
    expect(live.get_by_role("heading", name="Live rubrik")).to_be_visible()
    expect(live.locator("em")).to_have_text("rubrik")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text(re.compile(r"Sidan sparades \(version 2\)"))).to_be_visible()
    expect(page.get_by_role("heading", name="Live rubrik")).to_be_visible()


def test_two_editors_adding_at_the_same_place_choose_how_to_keep_both_texts(new_context, unique):
    """The second save from the same base revision shows both additions marked in the text box; saving
    them unchanged is refused, and choosing "Behåll båda" keeps both."""
    anna = new_context(EDITOR).new_page()
    path = create_page(anna, f"Krock {unique}", "Gemensam text.")
    bertil = new_context(EDITOR).new_page()
    anna.goto(path + "/redigera")
    bertil.goto(path + "/redigera")

    anna.get_by_label("Text", exact=True).fill("Gemensam text.\n\nAnnas tillägg.")
    anna.get_by_role("button", name="Spara").click()
    expect(anna.get_by_text("Sidan sparades")).to_be_visible()

    bertil.get_by_label("Text", exact=True).fill("Gemensam text.\n\nBertils tillägg.")
    bertil.get_by_role("button", name="Spara").click()
    expect(bertil.get_by_role("alert")).to_contain_text("Någon annan har sparat sidan medan du redigerade")
    expect(bertil.locator("table.diff").first).to_contain_text("Annas tillägg.")
    textarea = bertil.get_by_label("Text", exact=True)
    marked = ("Gemensam text.\n\n<<<<<<< Din version (krock 1)\nBertils tillägg.\n=======\nAnnas tillägg.\n"
              ">>>>>>> Deras version (version 2)\n")
    expect(textarea).to_have_value(marked)

    # Saving the marked text as it is would lose nothing, but it is refused: Bertil must choose.
    bertil.get_by_role("button", name="Spara").click()
    expect(bertil.get_by_role("alert")).to_contain_text("Texten innehåller fortfarande krockmarkeringar")
    expect(textarea).to_have_value(marked)

    bertil.get_by_label("Behåll båda (min först)").check()
    bertil.get_by_role("button", name="Spara").click()
    expect(bertil.get_by_text(re.compile(r"Sidan sparades \(version 3\)"))).to_be_visible()
    expect(bertil.locator(".prose")).to_contain_text("Annas tillägg.")
    expect(bertil.locator(".prose")).to_contain_text("Bertils tillägg.")


def test_two_editors_changing_different_paragraphs_are_merged_without_asking(new_context, unique):
    """Anna changes the first paragraph and Bertil the last: Bertil's save keeps both and says so."""
    anna = new_context(EDITOR).new_page()
    path = create_page(anna, f"Sammanfogning {unique}", "Första stycket.\n\nMitten.\n\nSista stycket.")
    bertil = new_context(EDITOR).new_page()
    bertil.goto(path + "/redigera")
    edit_page(anna, path, "Första stycket, av Anna.\n\nMitten.\n\nSista stycket.")

    bertil.get_by_label("Text", exact=True).fill("Första stycket.\n\nMitten.\n\nSista stycket, av Bertil.")
    bertil.get_by_role("button", name="Spara").click()
    expect(bertil.get_by_text("Din ändring sammanfogades med någon annans ändring (version 2)")).to_be_visible()
    expect(bertil.locator(".prose")).to_contain_text("Första stycket, av Anna.")
    expect(bertil.locator(".prose")).to_contain_text("Sista stycket, av Bertil.")


def test_enter_in_a_one_line_field_of_the_edit_form_does_not_save(editor_page, unique):
    """Pressing Enter in Titel (or Etiketter) leaves the form open and unsaved; Enter in the text box
    still makes a new line, and Spara saves."""
    page = editor_page
    path = create_page(page, f"Enterprov {unique}", "Text.")
    page.goto(path + "/redigera")
    page.evaluate("window.kbStillHere = true")  # gone if the form was sent (a new page loads)
    page.get_by_label("Titel").fill(f"Enterprov {unique} ändrad")
    page.get_by_label("Titel").press("Enter")
    page.get_by_label("Etiketter").fill("prov")
    page.get_by_label("Etiketter").press("Enter")
    page.wait_for_timeout(500)
    assert page.evaluate("window.kbStillHere === true"), "the form was sent"
    expect(page).to_have_url(re.compile("/redigera$"))
    text = page.get_by_label("Text", exact=True)
    text.focus()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("Ny rad.")
    expect(text).to_have_value("Text.\n\nNy rad.")  # the saved text ends with a newline
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text(re.compile(r"Sidan sparades \(version 2\)"))).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Enterprov {unique} ändrad")


def test_an_editor_reads_history_compares_and_reverts(editor_page, unique):
    """History lists the versions; the diff marks removed and added text; an old version can be restored."""
    page = editor_page
    path = create_page(page, f"Historikprov {unique}", "Mottagningen har öppet måndagar.")
    edit_page(page, path, "Mottagningen har öppet tisdagar.", comment="Ny öppetdag")

    page.get_by_role("link", name="Historik", exact=True).click()
    rows = page.get_by_role("table", name="Versioner av sidan, nyast först").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Ny öppetdag")
    page.get_by_role("button", name="Jämför valda versioner").click()
    expect(page).to_have_url(re.compile(r"/jamfor\?"))
    expect(page.get_by_role("heading", name="Skillnader mellan version 1 och 2")).to_be_visible()
    expect(page.locator("table.diff del")).to_have_text(["måndagar"])
    expect(page.locator("table.diff ins")).to_have_text(["tisdagar"])
    expect(page.locator("table.diff del").first).to_be_visible()
    expect(page.locator("table.diff ins").first).to_be_visible()

    page.goto(path + "/historik")
    page.get_by_role("link", name="1", exact=True).click()
    expect(page.get_by_text("Du läser version 1")).to_be_visible()
    page.get_by_label("Kommentar (valfri)").fill("Måndagar gäller igen")
    page.get_by_role("button", name="Återställ till den här versionen").click()
    expect(page.get_by_text("Sidan återställdes till version 1 (ny version 3).")).to_be_visible()
    expect(page.locator(".prose")).to_have_text("Mottagningen har öppet måndagar.")
    page.get_by_role("link", name="Historik", exact=True).click()
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Återställd")
    expect(rows.first).to_contain_text("Måndagar gäller igen")


def test_an_editor_logs_out(new_context):
    """Logging out from the header ends the session: editing needs a new login."""

    page = new_context().new_page()
    log_in(page, LEAVER, PASSWORD)
    page.goto("/sida/sip")
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_text("Du är utloggad.")).to_be_visible()
    expect(page.get_by_role("link", name="Logga in")).to_be_visible()
    expect(page.get_by_role("button", name="Logga ut")).to_have_count(0)
    page.goto("/sida/sip/redigera")
    expect(page).to_have_url(re.compile("/logga-in"))


# --- without JavaScript ---------------------------------------------------------------------------

def test_without_javascript_a_visitor_reads_and_searches(new_context):
    """With JavaScript off, pages read and the search form still finds things."""
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/")
    page.get_by_role("link", name=re.compile("Börja här")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny i samverkan")
    page.get_by_role("searchbox", name="Sök i kunskapsbanken").fill("sip")
    page.get_by_role("search", name="Sök i kunskapsbanken").get_by_role("button", name="Sök").click()
    expect(page).to_have_url(re.compile(r"/sok\?q=sip"))
    expect(page.locator(".hit-title a").first).to_be_visible()
    page.locator(".hit-title a").first.click()
    expect(page.locator(".prose")).to_be_visible()


def test_without_javascript_an_editor_previews_and_saves(new_context, unique):
    """With JavaScript off, an editor can preview with the button and save a change."""
    context = new_context(EDITOR, java_script_enabled=False)
    page = context.new_page()
    path = create_page(page, f"Utan skript {unique}", "Skrivet utan JavaScript.")
    page.goto(path + "/redigera")
    page.get_by_label("Text", exact=True).fill("Ändrat utan **JavaScript**.")
    page.get_by_role("button", name="Förhandsgranska").click()
    expect(page.locator("section.preview strong")).to_have_text("JavaScript")
    expect(page.locator(".live-preview")).to_be_hidden()
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text(re.compile(r"Sidan sparades \(version 2\)"))).to_be_visible()
    expect(page.locator(".prose")).to_have_text("Ändrat utan JavaScript.")


def test_search_as_you_type_suggests_titles(page):
    """Does typing in the start page's search box offer matching titles, and open one with the keyboard?"""
    page.goto("/")
    box = page.get_by_role("combobox", name="Vad letar du efter?")
    box.press_sequentially("mini", delay=50)
    option = page.get_by_role("option", name=re.compile("Mini-Maria"))
    option.first.wait_for()
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url("**/sida/mini-maria")
    assert page.get_by_role("heading", level=1).inner_text() == "Mini-Maria"
