"""The glossary in a real browser: the list, its filter and letters, and the <abbr> tooltip on pages."""
from __future__ import annotations

import re

import pytest
from kbbrowser import EDITOR, create_page
from playwright.sync_api import expect
from test_accessibility import assert_accessible

pytestmark = pytest.mark.browser


def test_a_reader_sees_what_sip_stands_for_on_its_first_use(page):
    """Is the first SIP on the SIP routine an <abbr> with the expansion as its tooltip, and only the first?"""
    page.goto("/sida/sip")
    abbr = page.locator("main .prose abbr", has_text="SIP")
    expect(abbr).to_have_count(1)
    expect(abbr).to_be_visible()
    expect(abbr).to_have_attribute("title", "Samordnad individuell plan")


def test_a_visitor_filters_the_glossary_and_jumps_to_a_letter(page):
    """Does the filter work as a plain form, and does a letter in the A–Ö list jump to its section?"""
    page.goto("/ordlista")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ordlista")
    page.get_by_label("Filtrera på förkortning eller förklaring").fill("individuell")
    page.get_by_role("button", name="Filtrera").click()
    expect(page).to_have_url(re.compile(r"/ordlista\?q=individuell"))
    expect(page.locator("dfn", has_text=re.compile("^SIP$"))).to_be_visible()
    expect(page.locator("dfn", has_text=re.compile("^BUP$"))).to_have_count(0)
    page.get_by_role("link", name="Visa alla").click()
    page.get_by_role("navigation", name="Bokstäver A–Ö").get_by_role("link", name="Ö", exact=True).click()
    expect(page).to_have_url(re.compile("#bokstav-"))
    expect(page.get_by_role("heading", name="Ö", exact=True)).to_be_in_viewport()


def test_an_editor_changes_an_expansion_and_the_tooltip_follows(editor_page, unique):
    """When an editor adds a term and later edits its expansion, does a page's tooltip change with it?"""
    page = editor_page
    term = f"ZQ{unique.upper()}"
    page.goto("/ordlista/ny")
    page.get_by_label("Förkortning eller begrepp").fill(term)
    page.get_by_label("Förklaring").fill("Första förklaringen")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text(f"”{term}” finns nu i ordlistan.")).to_be_visible()
    path = create_page(page, f"Ordlisteprov {unique}", f"Vi använder {term} här. Och {term} igen.")
    abbr = page.locator("main .prose abbr")
    expect(abbr).to_have_count(1)
    expect(abbr).to_have_attribute("title", "Första förklaringen")
    page.goto(f"/ordlista?q={term}")
    page.get_by_role("link", name=f"Redigera {term}").click()
    page.get_by_label("Förklaring").fill("Andra förklaringen")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text(f"”{term}” sparades (version 2).")).to_be_visible()
    page.goto(path)
    expect(page.locator("main .prose abbr")).to_have_attribute("title", "Andra förklaringen")


@pytest.mark.parametrize("path,user", [("/ordlista", None), ("/ordlista?q=sip", None), ("/ordlista/ny", EDITOR)])
def test_glossary_pages_have_no_serious_violations(new_context, axe_js, path, user):
    """Do the glossary list, a filtered list and the new-term form pass axe's WCAG 2.1 AA rules?"""
    page = new_context(user, bypass_csp=True).new_page()
    page.goto(path)
    assert_accessible(page, axe_js)


def test_glossary_edit_and_history_have_no_serious_violations(new_context, axe_js):
    """Do the edit form (with its delete form) and a history pass axe?"""
    page = new_context(EDITOR, bypass_csp=True).new_page()
    page.goto("/ordlista?q=SAMLA")
    page.get_by_role("link", name="Redigera SAMLA").click()
    expect(page.get_by_role("heading", name="Ta bort posten")).to_be_visible()
    assert_accessible(page, axe_js)
    page.get_by_role("link", name="Historik").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Historik")
    assert_accessible(page, axe_js)
