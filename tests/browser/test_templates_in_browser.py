"""Page templates in a real browser: Ny sida fills in the chosen type's template, or an own one, at once,
and never silently over text the user wrote; the Sidmallar page is accessible."""
from __future__ import annotations

import re

import pytest
from kbbrowser import EDITOR
from test_accessibility import assert_accessible

from kb import typed

pytestmark = pytest.mark.browser


def text_box(page):
    """The page text's textarea."""
    return page.locator("textarea#source")


def test_choosing_routine_fills_the_routine_template(new_context):
    """Does choosing Rutin on Ny sida put the routine template in the text box at once?"""
    page = new_context(EDITOR).new_page()
    page.goto("/ny")
    assert text_box(page).input_value() == ""
    page.get_by_label("Sidtyp").select_option("routine")
    assert text_box(page).input_value() == typed.TEMPLATES["routine"]
    mall = page.get_by_label("Mall", exact=True)
    assert mall.locator("option:checked").inner_text() == "Standard för rutin"
    assert "Rutin – kort" in mall.locator("option").all_inner_texts()


def test_a_filled_in_template_is_not_an_unsaved_change(new_context):
    """Choosing a type fills its template: is leaving the page then free of the "unsaved changes" warning
    and of a kept draft, while a word typed into it brings both?"""
    page = new_context(EDITOR).new_page()
    page.goto("/ny")
    page.get_by_label("Sidtyp").select_option("routine")
    page.wait_for_timeout(800)  # the editor keeps drafts half a second after a change
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('kb-'))") == []
    asked = []
    page.on("dialog", lambda d: (asked.append(d.type), d.dismiss()))
    page.close(run_before_unload=True)
    page.context.new_page().wait_for_timeout(300)  # time for a dialog to show, if one were asked for
    assert asked == [] and page.is_closed()


def test_choosing_an_own_template_fills_it(new_context):
    """Does choosing the demo's "Mötesanteckningar" fill in its text, and "Ingen mall" empty the box?"""
    page = new_context(EDITOR).new_page()
    page.goto("/ny?typ=article")
    page.get_by_label("Mall", exact=True).select_option(label="Mötesanteckningar")
    assert "## Beslut" in text_box(page).input_value()
    assert "Mallen ”Mötesanteckningar” fylldes i." in page.locator("#mall-status").inner_text()
    page.get_by_label("Mall", exact=True).select_option(label="Ingen mall (tom sida)")
    assert text_box(page).input_value() == ""


def test_own_text_is_not_overwritten_without_asking(new_context):
    """After the user typed in the text box, does changing the type leave the text (and say so), and does
    "Använd mallen" replace it only after the user confirms?"""
    page = new_context(EDITOR).new_page()
    page.goto("/ny?typ=article")
    text_box(page).fill("Min egen text om samverkan.")
    page.get_by_label("Sidtyp").select_option("routine")
    assert text_box(page).input_value() == "Min egen text om samverkan."
    assert re.search("mallen fylldes inte i", page.locator("#mall-status").inner_text())
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Använd mallen").click()
    assert text_box(page).input_value() == "Min egen text om samverkan."
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Använd mallen").click()
    assert text_box(page).input_value() == typed.TEMPLATES["routine"]
    assert page.url.endswith("/ny?typ=article")  # filled in place: nothing was sent


def test_templates_admin_page_is_accessible(new_context, axe_js):
    """Are the Sidmallar page and the form for a new template accessible?"""
    page = new_context("admin", bypass_csp=True).new_page()
    page.goto("/admin/mallar")
    assert page.get_by_role("heading", level=1).inner_text() == "Sidmallar"
    assert page.get_by_text("Mötesanteckningar").first.is_visible()
    assert_accessible(page, axe_js)
    page.goto("/admin/mallar/ny")
    assert_accessible(page, axe_js)
