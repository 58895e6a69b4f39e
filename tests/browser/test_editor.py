"""The page editor for people who have never seen Markdown (js/editor.js, js/markdown.js): paste from Word
and web pages, the toolbar and its shortcuts, links to pages, tables, images and files, drafts kept in the
browser, and the warning before leaving."""
from __future__ import annotations

import re

import attachment_files as files
import pytest
from kbbrowser import EDITOR, create_page
from playwright.sync_api import expect
from test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

MOD = "Control"

WORD_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word">
<head><meta name=Generator content="Microsoft Word 15"><style><!-- p.MsoNormal {mso-style-parent:""; margin:0cm;}
--></style><!--[if gte mso 9]><xml><w:WordDocument><w:View>Normal</w:View></w:WordDocument></xml><![endif]--></head>
<body lang=SV style='tab-interval:65.2pt'><!--StartFragment-->
<h1><span style='mso-fareast-font-family:"Times New Roman"'>Rutin för SIP<o:p></o:p></span></h1>
<p class=MsoNormal>Kallelsen skickas <b style='mso-bidi-font-weight:normal'>senast</b> fem dagar
före, se <a href="https://www.1177.se/sip"><span style='color:blue'>1177</span></a> och <i>inte</i>
<a href="javascript:alert(1)">det här</a>.<o:p></o:p></p>
<h2 style='mso-list:l2 level1 lfo3'>Så här gör du</h2>
<p class=MsoListParagraphCxSpFirst style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span
style='font-family:Symbol;mso-list:Ignore'>·<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;
</span></span><![endif]>Boka mötet<o:p></o:p></p>
<p class=MsoListParagraphCxSpMiddle
style='margin-left:72.0pt;mso-add-space:auto;text-indent:-18.0pt;mso-list:l0 level2 lfo1'>
<![if !supportLists]><span
style='font-family:"Courier New";mso-list:Ignore'>o<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;
</span></span><![endif]>Bjud in <span class=SpellE>den enskilde</span><o:p></o:p></p>
<p class=MsoListParagraphCxSpLast style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span
style='font-family:Symbol;mso-list:Ignore'>·<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;
</span></span><![endif]>Skriv planen<o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoListParagraphCxSpFirst style='text-indent:-18.0pt;mso-list:l1 level1 lfo2'><![if !supportLists]><span
style='mso-list:Ignore'>1.<span style='font:7.0pt "Times New Roman"'>&nbsp; </span></span><![endif]>Första
steget<o:p></o:p></p>
<p class=MsoListParagraphCxSpLast style='text-indent:-18.0pt;mso-list:l1 level1 lfo2'><![if !supportLists]><span
style='mso-list:Ignore'>2.<span style='font:7.0pt "Times New Roman"'>&nbsp; </span></span><![endif]>Andra
steget<o:p></o:p></p>
<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0 style='border-collapse:collapse;mso-yfti-tbllook:1184'>
 <tr style='mso-yfti-irow:0;mso-yfti-firstrow:yes'>
  <td width=302 valign=top style='width:226.5pt;border:solid windowtext 1.0pt'>
<p class=MsoNormal><b>Vem<o:p></o:p></b></p></td>
  <td width=302 valign=top style='width:226.5pt'><p class=MsoNormal><b>Gör vad<o:p></o:p></b></p></td></tr>
 <tr style='mso-yfti-irow:1;mso-yfti-lastrow:yes'>
  <td valign=top><p class=MsoNormal>Kommunen<o:p></o:p></p></td>
  <td valign=top><p class=MsoNormal>Kallar | bokar<o:p></o:p></p><p class=MsoNormal>och påminner</p></td></tr>
</table>
<p class=MsoNormal><span style='font-size:11.0pt;font-family:"Calibri",sans-serif;
mso-ascii-theme-font:minor-latin'>Slut.</span></p>
<!--EndFragment--></body></html>"""

WORD_MARKDOWN = """## Rutin för SIP

Kallelsen skickas **senast** fem dagar före, se [1177](https://www.1177.se/sip) och *inte* det här.

### Så här gör du

- Boka mötet
  - Bjud in den enskilde
- Skriv planen

1. Första steget
2. Andra steget

| Vem      | Gör vad                         |
| -------- | ------------------------------- |
| Kommunen | Kallar \\| bokar<br>och påminner |

Slut."""

WEB_HTML = """<meta charset="utf-8"><div><h2>Öppettider</h2><p>Ring <strong>010-123 45 67</strong><br>eller
mejla <a href="mailto:mottagning@example.se">mottagningen</a>.</p><ul><li><p>Måndag</p><ul><li>8–12</li>
<li>13–16</li></ul></li><li>Tisdag</li></ul><ol start="3"><li>Ett <em>steg</em></li><li>Två</li></ol>
<p>1. inte en lista, *inte* fet</p></div>"""

WEB_MARKDOWN = """## Öppettider

Ring **010-123 45 67**\\
eller mejla [mottagningen](mailto:mottagning@example.se).

- Måndag
  - 8–12
  - 13–16
- Tisdag

1. Ett *steg*
2. Två

1\\. inte en lista, \\*inte\\* fet"""


def open_editor(page, path: str = "/ny"):
    """The edit form with its toolbar ready; the text box."""
    page.goto(path)
    expect(page.get_by_role("toolbar", name="Textformat")).to_be_visible()
    return page.locator("#source")


def paste_html(box, html: str, plain: str = "") -> None:
    """Paste HTML as a browser does from the clipboard (a paste event with text/html in its DataTransfer)."""
    box.evaluate("""(el, [html, plain]) => {
        const data = new DataTransfer();
        data.setData('text/html', html);
        data.setData('text/plain', plain);
        el.focus();
        el.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
    }""", [html, plain])


def select(box, start: int, end: int | None = None) -> None:
    """Put the selection (or the caret) in the text box."""
    box.evaluate("(el, [s, e]) => { el.focus(); el.setSelectionRange(s, e); }", [start, start if end is None else end])


def drafts(page) -> list[str]:
    """The editor's drafts kept in this browser (their keys)."""
    return page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('kb-utkast:'))")


def wait_for_draft(page) -> None:
    """Wait until the editor has kept a draft (it saves half a second after typing stops)."""
    for _ in range(50):
        if drafts(page):
            return
        page.wait_for_timeout(100)
    pytest.fail("inget utkast sparades")


# --- paste ------------------------------------------------------------------------------------

def test_pasting_from_word_gives_markdown_with_the_same_structure(editor_page):
    """Does Word's HTML (mso lists, a table, headings, a link, bold and italic, styles) become clean Markdown?"""
    box = open_editor(editor_page)
    paste_html(box, WORD_HTML, "Rutin för SIP ...")
    assert box.input_value() == WORD_MARKDOWN
    assert "mso" not in box.input_value().lower() and "<o:p>" not in box.input_value()


def test_pasting_from_a_web_page_keeps_lists_line_breaks_and_escapes_markdown(editor_page):
    """Does a web page's HTML keep nested lists, a line break and a mail link, and is text that looks like
    Markdown escaped? (No <h1> in it, so its <h2> stays ##.)"""
    box = open_editor(editor_page)
    box.fill("Före.\n\n")
    select(box, len("Före.\n\n"))
    paste_html(box, WEB_HTML)
    assert box.input_value() == "Före.\n\n" + WEB_MARKDOWN


def test_pasting_plain_text_is_left_to_the_browser(editor_page):
    """Is a paste without HTML not touched by the editor (nothing inserted by it, the event not cancelled)?"""
    box = open_editor(editor_page)
    cancelled = box.evaluate("""el => {
        const data = new DataTransfer();
        data.setData('text/plain', '*bara text*');
        return !el.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
    }""")
    assert cancelled is False and box.input_value() == ""


# --- toolbar and shortcuts --------------------------------------------------------------------------

def test_bold_heading_and_lists_from_the_toolbar_and_the_keyboard(editor_page):
    """Do Fet, Rubrik and the lists work by click and by shortcut, and toggle off again?"""
    page = editor_page
    box = open_editor(page)
    toolbar = page.get_by_role("toolbar", name="Textformat")
    box.fill("Viktigt")
    select(box, 0, 7)
    toolbar.get_by_role("button", name="Fet").click()
    assert box.input_value() == "**Viktigt**"
    box.press(f"{MOD}+b")
    assert box.input_value() == "Viktigt"
    box.press(f"{MOD}+i")
    assert box.input_value() == "*Viktigt*"

    box.fill("Bakgrund")
    box.press(f"{MOD}+Shift+Digit2")
    assert box.input_value() == "## Bakgrund"
    toolbar.get_by_role("button", name="Underrubrik").click()
    assert box.input_value() == "### Bakgrund"
    box.press(f"{MOD}+Shift+Digit0")
    assert box.input_value() == "Bakgrund"

    box.fill("Ett\nTvå")
    select(box, 0, 7)
    toolbar.get_by_role("button", name="Punktlista").click()
    assert box.input_value() == "- Ett\n- Två"
    box.press(f"{MOD}+Shift+Digit7")
    assert box.input_value() == "1. Ett\n2. Två"
    select(box, len("1. Ett\n2. Två"))
    box.press("Enter")
    box.type("Tre")
    box.press("Enter")
    box.press("Enter")  # an empty item ends the list
    assert box.input_value() == "1. Ett\n2. Två\n3. Tre\n"
    # Undo works: the last edits were made through the browser's own editing.
    box.press(f"{MOD}+z")
    assert box.input_value() != "1. Ett\n2. Två\n3. Tre\n"


def test_the_toolbar_names_its_shortcuts_and_explains_them(editor_page):
    """Does each button say its shortcut, and does "Kortkommandon" show the list?"""
    page = editor_page
    open_editor(page)
    bold = page.get_by_role("button", name="Fet")
    assert bold.get_attribute("title") == "Fet (Ctrl+B)" and bold.get_attribute("aria-keyshortcuts") == "Control+B"
    help_button = page.get_by_role("button", name="Kortkommandon")
    help_button.click()
    expect(help_button).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_text("Kortkommandon i textrutan")).to_be_visible()
    expect(page.locator(".editor-help")).to_contain_text("Ctrl+Shift+2 Rubrik")


def test_a_link_is_checked_and_inserted(editor_page):
    """Does Länk refuse javascript: with a Swedish message, and insert [text](address)?"""
    page = editor_page
    box = open_editor(page)
    box.fill("Läs mer hos 1177.")
    select(box, 12, 16)
    box.press(f"{MOD}+k")
    dialog = page.get_by_role("dialog", name="Länk")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Länktext")).to_have_value("1177")
    dialog.get_by_label("Webbadress eller e-post").fill("javascript:alert(1)")
    dialog.get_by_role("button", name="Infoga länk").click()
    expect(dialog.get_by_text("Adressen måste börja med https://")).to_be_visible()
    dialog.get_by_label("Webbadress eller e-post").fill("www.1177.se")
    dialog.get_by_role("button", name="Infoga länk").click()
    expect(dialog).to_be_hidden()
    assert box.input_value() == "Läs mer hos [1177](https://www.1177.se)."


def test_link_to_a_page_found_by_its_title(editor_page):
    """Does "Länk till sida" find Mini-Maria by its title and insert [[mini-maria|Mini-Maria]]?"""
    page = editor_page
    box = open_editor(page)
    box.fill("Se ")
    select(box, 3)
    page.get_by_role("button", name="Länk till sida").click()
    dialog = page.get_by_role("dialog", name="Länk till sida")
    dialog.get_by_label("Sök sida").fill("mini-mar")
    dialog.get_by_role("button", name="Mini-Maria", exact=True).click()
    expect(dialog).to_be_hidden()
    assert box.input_value() == "Se [[mini-maria|Mini-Maria]]"


def test_the_page_link_dialog_works_with_the_keyboard_only(editor_page):
    """From the text box: Shift+Tab to the toolbar, arrows to "Länk till sida", Enter, type, arrow down, Enter."""
    page = editor_page
    box = open_editor(page)
    box.focus()
    for _ in range(5):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.closest('[role=toolbar]') !== null"):
            break
    page.keyboard.press("Home")
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.textContent") == "Länk till sida …"
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Länk till sida")
    expect(dialog.get_by_label("Sök sida")).to_be_focused()
    page.keyboard.type("mini-maria")
    expect(dialog.get_by_role("button", name="Mini-Maria", exact=True)).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(box).to_be_focused()
    assert box.input_value() == "[[mini-maria|Mini-Maria]]"
    page.keyboard.press(f"{MOD}+k")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Länk")).to_be_hidden()
    expect(box).to_be_focused()


# --- tables -----------------------------------------------------------------------------------

def test_a_table_is_inserted_and_edited_without_typing_pipes(editor_page):
    """Insert a 2×2 table, then edit it: add a column, change a cell (with a "|"); is the GFM right?"""
    page = editor_page
    box = open_editor(page)
    box.fill("Ansvar:")
    select(box, 7)
    page.get_by_role("button", name="Tabell").click()
    dialog = page.get_by_role("dialog", name="Tabell")
    dialog.get_by_label("Kolumner", exact=True).fill("2")
    dialog.get_by_label("Kolumner", exact=True).press("Enter")
    dialog.get_by_label("Rader utöver rubrikraden").fill("1")
    dialog.get_by_label("Rader utöver rubrikraden").press("Enter")
    expect(dialog.locator(".editor-table-grid input")).to_have_count(4)
    dialog.get_by_label("Rubrik, kolumn 1").fill("Vem")
    dialog.get_by_label("Rubrik, kolumn 2").fill("Vad")
    dialog.get_by_label("Rad 1, kolumn 1").fill("Kommunen")
    dialog.get_by_label("Rad 1, kolumn 2").fill("Kallar")
    dialog.get_by_role("button", name="Infoga tabellen").click()
    expect(dialog).to_be_hidden()
    assert box.input_value() == ("Ansvar:\n\n"
                                 "| Vem      | Vad    |\n"
                                 "| -------- | ------ |\n"
                                 "| Kommunen | Kallar |\n")

    select(box, len("Ansvar:\n\n| Vem"))
    page.get_by_role("button", name="Tabell").click()
    expect(dialog.get_by_label("Rad 1, kolumn 2")).to_have_value("Kallar")
    dialog.get_by_label("Rad 1, kolumn 2").fill("Kallar | bokar")
    dialog.get_by_label("Rad 1, kolumn 2").focus()
    dialog.get_by_role("button", name="Lägg till kolumn").click()
    expect(dialog.get_by_label("Rad 1, kolumn 3")).to_be_focused()
    dialog.get_by_label("Rubrik, kolumn 3").fill("När")
    dialog.get_by_label("Rad 1, kolumn 3").fill("Före mötet")
    dialog.get_by_role("button", name="Lägg till rad").click()
    dialog.get_by_role("button", name="Ta bort rad").click()
    dialog.get_by_role("button", name="Spara tabellen").click()
    assert box.input_value() == ("Ansvar:\n\n"
                                 "| Vem      | Vad             | När        |\n"
                                 "| -------- | --------------- | ---------- |\n"
                                 "| Kommunen | Kallar \\| bokar | Före mötet |\n")


# --- images and files -------------------------------------------------------------------------------

def test_a_new_page_says_why_it_cannot_have_files_yet(editor_page):
    """Is "Bild eller fil" on a new page marked unavailable, and does it say to save first?"""
    page = editor_page
    open_editor(page)
    button = page.get_by_role("button", name="Bild eller fil")
    assert button.get_attribute("aria-disabled") == "true"
    button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Spara sidan först")).to_be_visible()


def test_an_image_is_uploaded_from_the_editor_inserted_and_shown_after_saving(editor_page, unique):
    """Upload a PNG in "Bild eller fil", insert it, insert a listed file too, save: does the page show the image?"""
    page = editor_page
    path = create_page(page, f"Bildprov {unique}", "Text.")
    box = open_editor(page, path + "/redigera")
    select(box, len(box.input_value()))
    page.get_by_role("button", name="Bild eller fil").click()
    dialog = page.get_by_role("dialog", name="Bild eller fil")
    expect(dialog.get_by_text("Sidan har inga bilagor än.")).to_be_visible()
    dialog.get_by_role("button", name="Ladda upp och infoga").click()
    expect(dialog.get_by_text("Välj en fil att ladda upp.")).to_be_visible()
    dialog.get_by_label("Ladda upp en ny fil").set_input_files(
        {"name": "fel.pdf", "mimeType": "application/pdf", "buffer": files.docx()})
    dialog.get_by_role("button", name="Ladda upp och infoga").click()
    expect(dialog.get_by_text("Filens namn slutar på .pdf men innehållet är av typen Word-dokument.")).to_be_visible()
    dialog.get_by_label("Ladda upp en ny fil").set_input_files(
        {"name": "flöde.png", "mimeType": "image/png", "buffer": files.png()})
    dialog.get_by_role("button", name="Ladda upp och infoga").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status").filter(has_text="”flöde.png” laddades upp.")).to_be_visible()
    image = f"![flöde.png]({path}/bilagor/fl%C3%B6de.png)"
    assert box.input_value() == "Text.\n" + image

    box.fill("Text.\n\n")
    select(box, len("Text.\n\n"))
    page.get_by_role("button", name="Bild eller fil").click()
    dialog.get_by_role("button", name=re.compile("flöde.png")).click()
    assert box.input_value() == "Text.\n\n" + image
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Sidan sparades")).to_be_visible()
    expect(page.locator(f'.prose img[src="{path}/bilagor/fl%C3%B6de.png"]')).to_have_attribute("alt", "flöde.png")


# --- drafts and leaving -----------------------------------------------------------------------------

def test_a_draft_is_offered_after_a_reload_restored_and_gone_after_saving(editor_page, unique):
    """Type, reload without saving: is the draft offered once, restored, and cleared by saving?"""
    page = editor_page
    path = create_page(page, f"Utkastprov {unique}", "Sparad text.")
    box = open_editor(page, path + "/redigera")
    box.fill("Sparad text.\n\nNy text som inte har sparats.")
    wait_for_draft(page)
    page.evaluate("() => { window.onbeforeunload = null; }")
    page.once("dialog", lambda d: d.accept())
    page.reload()
    expect(box).to_have_value("Sparad text.\n")
    notice = page.locator(".editor-draft")
    expect(notice).to_contain_text("Det finns en osparad text från")
    notice.get_by_role("button", name="Återställ utkastet").click()
    expect(notice).to_be_hidden()
    assert box.input_value() == "Sparad text.\n\nNy text som inte har sparats."
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Sidan sparades")).to_be_visible()
    assert drafts(page) == []
    open_editor(page, path + "/redigera")
    expect(page.locator(".editor-draft")).to_have_count(0)


def test_a_draft_can_be_thrown_away_and_is_not_offered_on_another_page(editor_page, unique):
    """Is a draft for one page never offered on another, and gone after "Släng utkastet"?"""
    page = editor_page
    box = open_editor(page, "/sida/mini-maria/redigera")
    box.fill("Utkast för Mini-Maria.")
    wait_for_draft(page)
    page.once("dialog", lambda d: d.accept())
    open_editor(page, "/sida/sip/redigera")
    expect(page.locator(".editor-draft")).to_have_count(0)
    page.once("dialog", lambda d: d.accept())
    open_editor(page, "/sida/mini-maria/redigera")
    page.get_by_role("button", name="Släng utkastet").click()
    assert drafts(page) == []


def test_leaving_with_unsaved_changes_asks_first(editor_page):
    """Does closing the page with typed text ask first (beforeunload), and not without changes?"""
    page = editor_page
    box = open_editor(page)
    asked = []
    page.on("dialog", lambda d: (asked.append(d.type), d.dismiss()))
    box.fill("Något nytt.")
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    assert not page.is_closed()


# --- end to end, accessibility ------------------------------------------------------------------

def test_pasted_word_text_is_saved_and_shown_with_its_table_and_headings(editor_page, unique):
    """Paste from Word into a new page and save: does the page show the headings, list and table?"""
    page = editor_page
    box = open_editor(page)
    page.get_by_label("Titel").fill(f"Inklistrad rutin {unique}")
    paste_html(box, WORD_HTML)
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Inklistrad rutin {unique}")
    prose = page.locator(".prose").first
    expect(prose.get_by_role("heading", level=2, name="Rutin för SIP")).to_be_visible()
    expect(prose.get_by_role("heading", level=3, name="Så här gör du")).to_be_visible()
    expect(prose.get_by_role("columnheader", name="Gör vad")).to_be_visible()
    expect(prose.get_by_role("cell", name="Kallar | bokar och påminner")).to_be_visible()
    expect(prose.locator("ul ul li")).to_have_text("Bjud in den enskilde")
    expect(prose.get_by_role("link", name="1177")).to_have_attribute("href", "https://www.1177.se/sip")
    assert drafts(page) == []


def test_the_editor_and_its_dialogs_have_no_serious_violations(new_context, axe_js):
    """Do the edit page with its toolbar, and with the page link and table dialogs open, pass axe?"""
    page = new_context(EDITOR, bypass_csp=True).new_page()
    open_editor(page, "/sida/sip/redigera")
    page.get_by_role("button", name="Kortkommandon").click()
    assert_accessible(page, axe_js)
    page.get_by_role("button", name="Länk till sida").click()
    page.get_by_role("dialog").get_by_label("Sök sida").fill("sip")
    expect(page.get_by_role("dialog").get_by_role("listitem").first).to_be_visible()
    assert_accessible(page, axe_js)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Tabell").click()
    assert_accessible(page, axe_js)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Bild eller fil").click()
    expect(page.get_by_role("dialog").get_by_text("Välj en bilaga")).to_be_visible()
    assert_accessible(page, axe_js)


def test_the_preview_is_beside_the_text_on_a_wide_screen(new_context):
    """On a wide screen, is the live preview to the right of the text box (and below it on a phone)?"""
    wide = new_context(EDITOR, viewport={"width": 1400, "height": 900}).new_page()
    box = open_editor(wide, "/sida/sip/redigera")
    preview = wide.locator(".live-preview")
    expect(preview).to_be_visible()
    assert preview.bounding_box()["x"] > box.bounding_box()["x"] + box.bounding_box()["width"]
    narrow = new_context(EDITOR, viewport={"width": 400, "height": 800}).new_page()
    box = open_editor(narrow, "/sida/sip/redigera")
    box.fill("## Ny rubrik")
    preview = narrow.locator(".live-preview")
    expect(preview.get_by_role("heading", name="Ny rubrik")).to_be_visible()
    assert preview.bounding_box()["y"] > box.bounding_box()["y"]
