"""Approval in a real browser: a new routine hidden until approved, the draft banner and diff, axe."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from kbbrowser import APPROVER, EDITOR, edit_page
from playwright.sync_api import expect
from test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

WIDTHS = [360, 1280]


def create_routine(page, title: str, body: str) -> str:
    """Create a routine through the form as an editor (it becomes a draft); return its URL path."""
    page.goto("/ny?typ=routine")
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Text", exact=True).fill(body)
    page.get_by_role("button", name="Spara").click()
    page.wait_for_load_state()
    expect(page.get_by_text(f"Sidan ”{title}” skapades som utkast.")).to_be_visible()
    return urlsplit(page.url).path


@pytest.fixture(scope="module")
def approved_with_draft(browser, kb_server, login_states) -> str:
    """A routine created by the editor, approved by the fastställare, then edited again: its path."""
    context = browser.new_context(base_url=kb_server.url, storage_state=login_states(EDITOR))
    editor = context.new_page()
    path = create_routine(editor, "Rutin för nattfasta",
                          "Patienten fastar från midnatt.\n\nRing avdelningen.")
    approver_context = browser.new_context(base_url=kb_server.url, storage_state=login_states(APPROVER))
    approver = approver_context.new_page()
    approver.goto(path)
    approver.get_by_label("Förändringar sedan föregående version").fill("Ny rutin för nattfasta.")
    approver.get_by_role("button", name="Fastställ").click()
    approver.wait_for_load_state()
    expect(approver.get_by_text("är fastställd och visas nu för alla läsare")).to_be_visible()
    edit_page(editor, path, "Patienten fastar från klockan 22.\n\nRing avdelningen.", comment="Ny tid")
    context.close()
    approver_context.close()
    return path


def test_a_new_routine_is_hidden_from_readers_until_approved(new_context, unique):
    """Does a visitor get 'not found' for a new routine, and see it with its approval once approved?"""
    editor = new_context(EDITOR).new_page()
    title = f"Rutin {unique}"
    path = create_routine(editor, title, f"Text om {unique}.")
    expect(editor.get_by_text("Ej fastställd").first).to_be_visible()
    visitor = new_context().new_page()
    assert visitor.goto(path).status == 404
    approver = new_context(APPROVER).new_page()
    approver.goto(path)
    approver.get_by_label("Förändringar sedan föregående version").fill("Första versionen.")
    approver.get_by_role("button", name="Fastställ").click()
    approver.wait_for_load_state()
    visitor.goto(path)
    expect(visitor.get_by_role("heading", level=1)).to_have_text(title)
    expect(visitor.get_by_text("Första versionen.")).to_be_visible()
    expect(visitor.locator(".approval-info")).to_contain_text("Fastställd")


def test_readers_see_the_approved_text_and_editors_the_banner_and_diff(new_context, approved_with_draft):
    """Does a visitor read the approved text while an editor sees the draft banner and its changes?"""
    visitor = new_context().new_page()
    visitor.goto(approved_with_draft)
    expect(visitor.get_by_text("Patienten fastar från midnatt.")).to_be_visible()
    expect(visitor.get_by_text("klockan 22")).to_have_count(0)
    editor = new_context(EDITOR).new_page()
    editor.goto(approved_with_draft)
    banner = editor.get_by_role("region", name="Ett utkast väntar på fastställelse")
    expect(banner).to_be_visible()
    expect(banner.locator("table.diff ins").first).to_contain_text("klockan")
    expect(banner.locator("table.diff del").first).to_contain_text("midnatt")
    expect(editor.get_by_role("button", name="Fastställ")).to_have_count(0)


def test_the_approver_sends_a_draft_back_with_a_reason(new_context, unique):
    """Can a fastställare send a draft back, and does the editor then see why?"""
    editor = new_context(EDITOR).new_page()
    path = create_routine(editor, f"Tillbaka {unique}", "Ett första förslag.")
    approver = new_context(APPROVER).new_page()
    approver.goto(path)
    approver.get_by_label("Varför skickas utkastet tillbaka?").fill("Ansvar saknas.")
    approver.get_by_role("button", name="Skicka tillbaka").click()
    approver.wait_for_load_state()
    expect(approver.get_by_text("skickades tillbaka till redaktörerna")).to_be_visible()
    editor.goto(path)
    expect(editor.get_by_text("Ansvar saknas.")).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_draft_banner_diff_and_approval_forms_are_accessible(new_context, axe_js, approved_with_draft, width):
    """Do the editor's banner with the diff, and the approver's forms, pass axe at 360 and 1280 px?"""
    size = {"width": width, "height": 900}
    editor = new_context(EDITOR, bypass_csp=True, viewport=size).new_page()
    editor.goto(approved_with_draft)
    expect(editor.locator("table.diff")).to_be_visible()
    assert_accessible(editor, axe_js)
    approver = new_context(APPROVER, bypass_csp=True, viewport=size).new_page()
    approver.goto(approved_with_draft)
    expect(approver.get_by_role("button", name="Fastställ")).to_be_visible()
    assert_accessible(approver, axe_js)


@pytest.mark.parametrize("width", WIDTHS)
def test_review_list_and_expired_routine_are_accessible(new_context, axe_js, width):
    """Do /granskning, an expired routine (with its review form) and the report form pass axe?"""
    size = {"width": width, "height": 900}
    editor = new_context(EDITOR, bypass_csp=True, viewport=size).new_page()
    editor.goto("/granskning")
    expect(editor.get_by_role("heading", name="Rutiner efter giltighetstid")).to_be_visible()
    assert_accessible(editor, axe_js)
    editor.goto("/sida/lakemedel-via-jourcentralen")
    expect(editor.get_by_text("Giltighetstiden gick ut").first).to_be_visible()
    editor.locator("summary", has_text="Rapportera fel").click()
    expect(editor.get_by_label("Vad är fel eller inaktuellt?")).to_be_visible()
    assert_accessible(editor, axe_js)
    editor.goto("/sida/evi-en-vag-in")
    expect(editor.get_by_role("region", name="Felrapporter från läsare (1)")).to_be_visible()
    assert_accessible(editor, axe_js)


def test_organisation_admin_is_accessible(new_context, axe_js):
    """Does the organisation list for administrators pass axe?"""
    page = new_context("admin", bypass_csp=True).new_page()
    page.goto("/admin/organisationer")
    expect(page.get_by_role("heading", name="Organisationer", level=1)).to_be_visible()
    assert_accessible(page, axe_js)
