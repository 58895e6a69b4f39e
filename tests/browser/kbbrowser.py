"""What a person does in the browser, shared by the browser tests: log in, create and edit a page."""
from __future__ import annotations

from urllib.parse import urlsplit

from scripts.kbdemo import log_in  # noqa: F401 - re-exported for the tests

EDITOR = "redaktor"
# A fastställare (approves routines) created for the browser tests.
APPROVER = "godkannare"
# An editor only the logout test uses: logging out ends every session of the account (on every
# device), so it must not be an account other tests keep a session for.
LEAVER = "utloggare"
PASSWORD = "Rätt-häftig-fras-2026"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def create_page(page, title: str, body: str, *, comment: str = "") -> str:
    """Create a page through the form as an editor; return its URL path."""
    page.goto("/ny")
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Text", exact=True).fill(body)
    if comment:
        page.get_by_label("Kort beskrivning av ändringen").fill(comment)
    page.get_by_role("button", name="Spara").click()
    page.wait_for_load_state()
    assert page.get_by_text(f"Sidan ”{title}” skapades.").is_visible(), page.locator("main").inner_text()
    return urlsplit(page.url).path


def edit_page(page, path: str, body: str, *, comment: str = "") -> None:
    """Replace a page's text through the edit form."""
    page.goto(path + "/redigera")
    page.get_by_label("Text", exact=True).fill(body)
    if comment:
        page.get_by_label("Kort beskrivning av ändringen").fill(comment)
    page.get_by_role("button", name="Spara").click()
    page.wait_for_load_state()
    assert page.get_by_text("Sidan sparades").is_visible(), page.locator("main").inner_text()

