"""Typed pages in a real browser: the fact box, the organisation chart, the orientation path, reviews."""
from __future__ import annotations

import re

import pytest
from kbbrowser import EDITOR
from test_accessibility import assert_accessible

pytestmark = pytest.mark.browser


def test_reader_finds_mini_maria_hours_in_the_fact_box(page):
    """Can a reader see Mini-Maria's opening and phone hours at a glance?"""
    page.goto("/sida/mini-maria")
    box = page.get_by_role("complementary", name="Fakta om mottagningen")
    assert box.is_visible()
    text = box.inner_text()
    assert "Öppettider" in text and "Tisdag och torsdag" in text and "Telefontider" in text


def test_organisation_chart_links_every_structure(page):
    """Does the chart show the hierarchy and lead to a structure page that names its parent?"""
    page.goto("/struktur")
    chart = page.get_by_role("group", name="Organisationsschema")
    assert chart.get_by_role("link", name=re.compile("^SAMLA")).is_visible()
    chart.get_by_role("link", name=re.compile("^NOSAM Lerum")).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "NOSAM Lerum"
    box = page.get_by_role("complementary", name=re.compile("Fakta om"))
    assert "Överordnad struktur" in box.inner_text()


def test_orientation_path_with_read_marks(new_context):
    """Can a logged-in newcomer read to the end of a page, mark it as read and go on to the next step with
    one button, and take the mark back?"""
    page = new_context(EDITOR).new_page()
    page.goto("/sida/ny-i-samverkan")
    nav = page.get_by_role("navigation", name=re.compile("Ny i SAMLA – Vårdsamverkan Lerum Alingsås – steg 1 av"))
    assert nav.is_visible()
    before = int(re.search(r"läst (\d+) av", nav.inner_text()).group(1))
    done = page.locator("#las-klart")
    # The buttons come after the text, where a reader finishes it.
    assert page.locator(".prose").bounding_box()["y"] < done.bounding_box()["y"]
    done.get_by_role("button", name=re.compile("^Markera som läst och gå till nästa")).click()
    page.wait_for_load_state()
    nav = page.get_by_role("navigation", name=re.compile("steg 2 av"))
    assert f"läst {before + 1} av" in nav.inner_text()
    page.goto("/sida/ny-i-samverkan")
    page.locator("#las-klart").get_by_role("button", name="Markera som oläst").click()
    page.wait_for_load_state()
    assert f"läst {before} av" in page.get_by_role("navigation", name=re.compile("steg 1 av")).inner_text()


def test_type_fields_follow_the_chosen_type(new_context):
    """In the create form, are only the chosen type's fields shown (with JavaScript)?"""
    page = new_context(EDITOR).new_page()
    page.goto("/ny?typ=routine")
    assert page.get_by_label("Giltig till").is_visible()
    assert not page.get_by_label("Öppettider").is_visible()
    page.get_by_label("Sidtyp").select_option("reception")
    assert page.get_by_label("Öppettider").is_visible()
    assert not page.get_by_label("Giltig till").is_visible()


def test_overdue_routine_is_marked_in_text(page):
    """Is an expired routine marked with words, not only colour, on its page and the review list?"""
    page.goto("/att-revidera")
    assert page.get_by_text("Giltighetstiden har gått ut").first.is_visible()
    name = "Läkemedel via jourcentralen när mottagningen är stängd"
    page.get_by_role("main").get_by_role("link", name=name).click()
    page.wait_for_load_state()
    assert page.get_by_text(re.compile("Giltighetstiden gick ut")).first.is_visible()


@pytest.mark.parametrize("path", ["/struktur", "/att-revidera", "/tillganglighet", "/sida/nosam-lerum"])
def test_typed_pages_have_no_serious_violations(new_context, axe_js, path):
    """Are the chart, the review list, the statement and a structure page accessible?"""
    page = new_context(bypass_csp=True).new_page()
    page.goto(path)
    assert_accessible(page, axe_js)


def test_orientation_and_edit_form_with_fields_are_accessible(new_context, axe_js):
    """Are the orientation navigation (logged in) and the form with type fields accessible?"""
    page = new_context(EDITOR, bypass_csp=True).new_page()
    page.goto("/sida/god-och-nara-vard")
    assert_accessible(page, axe_js)
    page.goto("/ny?typ=structure")
    assert_accessible(page, axe_js)
