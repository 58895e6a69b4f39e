"""Attachments in a real browser: upload a document, upload a new version, find its text by search."""
from __future__ import annotations

import re

import pytest
from kbbrowser import EDITOR, create_page
from playwright.sync_api import expect
from test_accessibility import assert_accessible

from scripts.make_demo_documents import docx_bytes

pytestmark = pytest.mark.browser

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def letters(unique: str) -> str:
    """The hex of `unique` as letters only: a word no page has and the analyser keeps whole."""
    return "".join(chr(ord("a") + int(c, 16)) for c in unique)


def choose_file(page, name: str, content: bytes, comment: str) -> None:
    """Pick a file and a comment in the upload form and send it."""
    page.get_by_label("Fil", exact=True).set_input_files({"name": name, "mimeType": DOCX, "buffer": content})
    page.get_by_label("Kommentar").fill(comment)
    page.get_by_role("button", name="Ladda upp").click()
    page.wait_for_load_state()


def test_an_editor_uploads_a_document_and_a_new_version_and_search_finds_its_text(editor_page, unique):
    """Upload a DOCX, then a new version with other text: is the new text found by search, with the
    document's name and its page, the old text no longer found, and the hit a download of the file?"""
    page = editor_page
    title = f"Bilageprov {unique}"
    path = create_page(page, title, "Sidan har en blankett som bilaga.")
    name = f"Blankett {unique}.docx"
    old_word, new_word = "zx" + letters(unique), "qy" + letters(unique)

    page.goto(path + "/bilagor")
    expect(page.get_by_text("Sidan har inga bilagor.")).to_be_visible()
    first = docx_bytes("Blankett", [f"Första utgåvan nämner {old_word}."])
    choose_file(page, name, first, "Första versionen")
    expect(page.get_by_text(f"”{name}” laddades upp.")).to_be_visible()
    item = page.locator(".attachment", has_text=name)
    meta = re.compile(r"Word-dokument · .* · version 1 · uppladdad av redaktor")
    expect(item.get_by_text(meta)).to_be_visible()
    expect(item.get_by_text("Texten är sökbar.")).to_be_visible()

    choose_file(page, name, docx_bytes("Blankett", [f"Andra utgåvan nämner {new_word}."]), "Reviderad")
    expect(page.get_by_text(f"En ny version av ”{name}” sparades (version 2).")).to_be_visible()
    expect(item.get_by_text(re.compile(r"version 2 · uppladdad av redaktor"))).to_be_visible()
    item.get_by_text("Tidigare versioner (1)").click()
    expect(item.get_by_role("link", name="Version 1")).to_be_visible()

    page.goto(f"/sok?q={new_word}")
    hit = page.locator("li.hit-attachment")
    expect(hit).to_have_count(1)
    expect(hit.locator(".hit-title")).to_have_text(name)  # the file is named once, as the hit's heading
    expect(hit.locator(".meta")).to_have_text(f"Bilaga · SAMLA – Vårdsamverkan Lerum Alingsås · på sidan {title}")
    expect(hit.locator("mark")).to_have_text(new_word)
    with page.expect_download() as download:
        hit.get_by_role("link", name=name).click()
    assert download.value.suggested_filename == name
    hit.get_by_role("link", name=title).click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))

    page.goto(f"/sok?q={old_word}")
    expect(page.locator("li.hit-attachment")).to_have_count(0)


def test_the_attachment_pages_are_accessible(new_context, unique, axe_js):
    """Do the list, an error in the upload form and the versions page pass axe (WCAG 2.1 AA)?"""
    page = new_context(EDITOR, bypass_csp=True).new_page()
    path = create_page(page, f"Bilagor tillgänglighet {unique}", "Text.")
    page.goto(path + "/bilagor")
    choose_file(page, "Blankett.docx", docx_bytes("Blankett", ["Text."]), "")
    assert_accessible(page, axe_js)
    empty = {"name": "tom.txt", "mimeType": "text/plain", "buffer": b""}
    page.get_by_label("Fil", exact=True).set_input_files(empty)
    page.get_by_role("button", name="Ladda upp").click()
    expect(page.get_by_text("Filen är tom.").first).to_be_visible()
    expect(page.locator("#felsammanfattning")).to_be_focused()
    assert_accessible(page, axe_js)
    page.goto(path + "/bilagor/Blankett.docx/versioner")
    expect(page.get_by_role("heading", name="Versioner av ”Blankett.docx”")).to_be_visible()
    assert_accessible(page, axe_js)
