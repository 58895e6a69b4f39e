"""Min sida and the watch button in a real browser: watch a page, get a notification, read it, stop watching.

The demo administrator watches two structures after `kb demo`, so Min sida has content from the start.
The editor's flow makes its own page (unique title); `kb notify --no-mail` runs against the server's
instance, as cron would.
"""
from __future__ import annotations

import os
import re
import subprocess

import pytest
from kbbrowser import EDITOR, create_page, edit_page
from playwright.sync_api import expect
from test_accessibility import assert_accessible

from scripts.kbdemo import kb_command

pytestmark = pytest.mark.browser


def run_notify(instance) -> str:
    """`kb notify --no-mail` against the server's instance (what cron runs); its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env["KB_INSTANCE_PATH"] = str(instance)
    done = subprocess.run([kb_command(), "notify", "--no-mail"], env=env, capture_output=True, text=True,  # noqa: S603
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_an_editor_watches_a_page_reads_the_notification_and_stops_watching(new_context, kb_server, unique):
    """Watch with the button, someone else edits, `kb notify` runs: is it on Min sida, and can it be read?"""
    editor = new_context(EDITOR).new_page()
    admin = new_context("admin").new_page()
    # Start from nothing unread (other tests may have sent this editor notifications, e.g. a draft sent back).
    run_notify(kb_server.instance)
    editor.goto("/min-sida")
    read_all = editor.get_by_role("button", name="Markera alla som lästa")
    if read_all.count():
        read_all.click()
        editor.wait_for_load_state()
    title = f"Bevakad sida {unique}"
    path = create_page(admin, title, "Första versionen.")
    editor.goto(path)
    editor.get_by_role("button", name="Bevaka sidan").click()
    expect(editor.get_by_text(f"Du bevakar nu sidan ”{title}”")).to_be_visible()
    expect(editor.get_by_role("button", name="Sluta bevaka sidan")).to_be_visible()

    edit_page(admin, path, "Andra versionen.", comment="Uppdaterad")
    assert "Aviseringar om ändringar:" in run_notify(kb_server.instance)

    editor.goto("/")
    header_link = editor.get_by_role("link", name="Min sida, 1 oläst avisering", exact=True)
    expect(header_link).to_be_visible()
    header_link.click()
    expect(editor.get_by_role("heading", name="Min sida", level=1)).to_be_visible()
    note = editor.locator("li.notification", has_text=f"Sidan ”{title}” har ändrats")
    expect(note).to_have_count(1)
    expect(note.get_by_text("av Demoadministratör")).to_be_visible()  # people by name, not user name
    note.get_by_role("button", name="Markera som läst").click()
    expect(editor.get_by_text("Aviseringen är markerad som läst.")).to_be_visible()
    expect(editor.locator("li.notification.is-unread", has_text=title)).to_have_count(0)

    editor.get_by_role("link", name="Mina bevakningar").click()
    editor.get_by_role("button", name=f"Sluta bevaka {title}").click()
    expect(editor.get_by_text("Bevakningen är borttagen.")).to_be_visible()
    editor.goto(path)
    expect(editor.get_by_role("button", name="Bevaka sidan")).to_be_visible()


def test_the_demo_administrator_has_watches_and_notifications(new_context):
    """After `kb demo`, does admin's Min sida hold notifications and its watches page the demo structures?"""
    page = new_context("admin").new_page()
    page.goto("/min-sida")
    expect(page.locator("li.notification", has_text="Strukturen ”NOSAM Lerum” har skapats")).to_have_count(1)
    expect(page.get_by_role("heading", name=re.compile("^Aktiviteter du ansvarar för"))).to_be_visible()
    page.get_by_role("link", name="Mina bevakningar").click()
    expect(page.get_by_role("link", name="Samordningsgruppen")).to_be_visible()
    expect(page.get_by_role("link", name="NOSAM Lerum")).to_be_visible()


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("path", ["/min-sida", "/min-sida/bevakningar", "/min-sida/e-post", "/sida/mini-maria"])
def test_my_pages_are_accessible_and_fit_the_screen(new_context, axe_js, width, path):
    """Do Min sida, the watches page, the e-mail page and a page with the watch button pass axe and fit the width?"""
    page = new_context("admin", bypass_csp=True, viewport={"width": width, "height": 900}).new_page()
    page.goto(path)
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{path} at {width}px scrolls sideways: {widths}"
    assert_accessible(page, axe_js)


def test_unsubscribe_page_is_accessible(new_context, axe_js):
    """Does the page a forged unsubscribe link leads to explain itself and pass axe?"""
    page = new_context(bypass_csp=True).new_page()
    response = page.goto("/avsluta-epost/ogiltig")
    assert response.status == 404
    expect(page.get_by_text("Länken fungerar inte.")).to_be_visible()
    assert_accessible(page, axe_js)
