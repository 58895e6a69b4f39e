"""Accessibility to WCAG 2.1 AA: axe-core on every page type, and the checks axe cannot make alone.

axe-core is injected as a script tag, which the app's CSP (`script-src 'self'`) would block, so only
the axe contexts bypass the CSP; every other browser test runs under the real policy.
"""
from __future__ import annotations

import re

import pytest
from kbbrowser import AXE_TAGS, EDITOR, create_page, edit_page
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")


def axe_violations(page, axe_js) -> list[dict]:
    """Run axe-core with the WCAG 2.1 A and AA rules on the page as it is now."""
    page.add_script_tag(path=str(axe_js))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS)
    return result["violations"]


def describe(violations: list[dict]) -> str:
    """A readable list of violations: rule, impact, help and where."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


def assert_accessible(page, axe_js) -> None:
    """No serious or critical WCAG 2.1 A/AA violations on the page."""
    blocking = [v for v in axe_violations(page, axe_js) if v["impact"] in BLOCKING]
    assert not blocking, f"{page.url}\n{describe(blocking)}"


@pytest.fixture(scope="module")
def two_versions(browser, kb_server, login_states) -> str:
    """A page with two versions (for the diff and revision pages); its path."""
    context = browser.new_context(base_url=kb_server.url, storage_state=login_states(EDITOR))
    page = context.new_page()
    path = create_page(page, "Tillgänglighetsprov", "## Rubrik\n\nFörsta versionen av texten.\n\nEn rad till.")
    edit_page(page, path, "## Rubrik\n\nAndra versionen av texten.\n\nEn rad till.\n\nEn ny rad.",
              comment="Skrev om")
    context.close()
    return path


ANONYMOUS_PAGES = [
    ("start", "/"),
    ("struktur", "/sida/samla"),
    ("mottagning", "/sida/mini-maria"),
    ("rutin", "/sida/sip"),
    ("introduktion", "/sida/ny-i-samverkan"),
    ("artikel", "/sida/arsrapport-och-resultat"),
    ("historik", "/sida/sip/historik"),
    ("länkar hit", "/sida/sip/lankar-hit"),
    ("sökresultat", "/sok?q=sip"),
    ("sök utan träffar", "/sok?q=xyzzyqwerty"),
    ("sök utan fråga", "/sok"),
    ("inloggning", "/logga-in"),
    ("404", "/sida/finns-inte-alls"),
    ("alla sidor", "/sidor"),
    ("alla rutiner", "/sidor?typ=routine"),
    ("senaste ändringar", "/andringar"),
    ("samverkansplan", "/samverkansplaner/samverkansplan-2023-2026"),
    ("samverkansplanens historik", "/samverkansplaner/samverkansplan-2023-2026/historik"),
    ("tillgänglighet", "/tillganglighet"),
    ("personuppgifter", "/personuppgifter"),
    ("aktivitetsplan", "/planer/nosam-aktivitetsplan-2024-2026"),
]


@pytest.mark.parametrize("path", [p for _, p in ANONYMOUS_PAGES], ids=[n for n, _ in ANONYMOUS_PAGES])
def test_pages_a_visitor_sees_have_no_serious_violations(new_context, axe_js, path):
    """Does every page an anonymous visitor can reach pass axe's WCAG 2.1 AA rules?"""
    page = new_context(bypass_csp=True).new_page()
    page.goto(path)
    assert_accessible(page, axe_js)


EDITOR_PAGES = [
    ("redigera", "/sida/sip/redigera"),
    ("ny sida", "/ny"),
    ("ta bort", "/sida/sip/ta-bort"),
    ("redigera samverkansplan", "/samverkansplaner/samverkansplan-2023-2026/redigera"),
    ("ny samverkansplan", "/samverkansplaner/ny"),
    ("byt lösenord", "/min-sida/losenord"),
    ("rutin med läsbekräftelse", "/sida/avvikelser-i-samverkan"),
    ("läsbekräftelser", "/sida/avvikelser-i-samverkan/lasning"),
    ("min läsning", "/min-sida/lasning"),
    ("granskning", "/granskning"),
    ("obligatorisk läsning i området", "/omrade/samla/lasning"),
    ("statistik", "/statistik"),
]


@pytest.mark.parametrize("path", [p for _, p in EDITOR_PAGES], ids=[n for n, _ in EDITOR_PAGES])
def test_editor_pages_have_no_serious_violations(new_context, axe_js, path):
    """Do the edit, create and delete forms pass axe for a logged-in editor?"""
    page = new_context(EDITOR, bypass_csp=True).new_page()
    page.goto(path)
    assert_accessible(page, axe_js)


@pytest.mark.parametrize("path", ["/admin/anvandare", "/admin/logg", "/admin/grupper",
                                  "/admin/anvandare/redaktor/tillfalligt-losenord"])
def test_admin_pages_have_no_serious_violations(new_context, axe_js, path):
    """Do the user list, the audit log, the groups' roles and the temporary password pass axe?"""
    page = new_context("admin", bypass_csp=True).new_page()
    page.goto(path)
    assert_accessible(page, axe_js)


def test_diff_and_old_version_have_no_serious_violations(new_context, axe_js, two_versions):
    """Do the diff between two versions and an old version (with its revert form) pass axe?"""
    page = new_context(EDITOR, bypass_csp=True).new_page()
    page.goto(f"{two_versions}/jamfor?fran=1&till=2")
    assert page.locator("table.diff ins").first.is_visible()
    assert_accessible(page, axe_js)
    page.goto(f"{two_versions}/version/1")
    assert page.get_by_role("button", name="Återställ till den här versionen").is_visible()
    assert_accessible(page, axe_js)
    page.goto(f"{two_versions}/historik")
    assert_accessible(page, axe_js)


def test_form_with_errors_and_preview_have_no_serious_violations(new_context, axe_js):
    """Do the edit form with an error summary, and with a server-side preview, pass axe?"""
    page = new_context(EDITOR, bypass_csp=True).new_page()
    page.goto("/ny")
    page.get_by_role("button", name="Spara").click()
    page.locator("#felsammanfattning").wait_for()
    assert_accessible(page, axe_js)
    page.get_by_label("Text", exact=True).fill("Förhandsgranskad **text** med [[saknad-sida]].")
    page.get_by_role("button", name="Förhandsgranska").click()
    page.get_by_role("heading", name="Förhandsgranskning (inte sparad)").wait_for()
    assert_accessible(page, axe_js)


def test_failed_login_has_no_serious_violations(new_context, axe_js):
    """Does the login form with an error pass axe?"""
    page = new_context(bypass_csp=True).new_page()
    page.goto("/logga-in")
    page.get_by_role("button", name="Logga in").click()
    page.locator("#felsammanfattning").wait_for()
    assert_accessible(page, axe_js)


def test_conflict_page_has_no_serious_violations(new_context, axe_js, unique):
    """Does the page shown when two people save the same page pass axe?"""
    first = new_context(EDITOR, bypass_csp=True).new_page()
    path = create_page(first, f"Krockprov {unique}", "Ursprunglig text.")
    second = new_context(EDITOR, bypass_csp=True).new_page()
    first.goto(path + "/redigera")
    second.goto(path + "/redigera")
    second.get_by_label("Text", exact=True).fill("Den andras text.")
    second.get_by_role("button", name="Spara").click()
    second.get_by_text("Sidan sparades").wait_for()
    first.get_by_label("Text", exact=True).fill("Min text.")
    first.get_by_role("button", name="Spara").click()
    first.get_by_text("Någon annan har sparat sidan medan du redigerade").wait_for()
    assert_accessible(first, axe_js)


# --- what axe cannot check on its own -------------------------------------------------------------

def test_the_interface_is_in_swedish(page):
    """Is the document language Swedish, so screen readers pronounce it right?"""
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "sv"


def test_skip_link_moves_focus_to_the_main_content(page):
    """Does the first Tab reach a visible skip link, and does following it move focus to main?"""
    page.goto("/sida/sip")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Hoppa till innehållet"
    assert page.get_by_role("link", name="Hoppa till innehållet").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "innehall"
    assert page.evaluate("document.activeElement.tagName") == "MAIN"
    # The next Tab continues inside the main content, not in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')")


@pytest.mark.parametrize("selector", ["main a[href]", "header button", "main button", "header input"])
def test_keyboard_focus_is_visible(editor_page, selector):
    """Does a link, a button and a field show a clear outline when reached by keyboard?"""
    editor_page.goto("/sida/sip/historik")
    target = editor_page.locator(selector).first
    # Focus by keyboard so :focus-visible applies, as for a person tabbing.
    editor_page.keyboard.press("Tab")
    for _ in range(80):
        if target.evaluate("el => el === document.activeElement"):
            break
        editor_page.keyboard.press("Tab")
    else:
        pytest.fail(f"{selector} kunde inte nås med Tab")
    style = target.evaluate("el => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth]; }")
    assert style[0] != "none" and style[1] != "0px", style


@pytest.mark.parametrize("path", ["/sida/sip/redigera", "/ny", "/logga-in", "/sok?q=sip", "/admin/anvandare",
                                  "/admin/logg", "/sida/sip/historik"])
def test_every_form_control_has_an_accessible_name(admin_page, path):
    """Does every visible input, select, textarea and button have a name a screen reader can say?"""
    admin_page.goto(path)
    unnamed = admin_page.evaluate("""() => [...document.querySelectorAll(
            'input:not([type=hidden]), select, textarea, button')]
        .filter(el => {
            const labelled = el.labels && [...el.labels].some(l => l.textContent.trim());
            const byId = (el.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean)
                .some(id => (document.getElementById(id) || {}).textContent);
            const own = (el.getAttribute('aria-label') || el.title || (el.tagName === 'BUTTON' ? el.textContent : '')
                         || (['submit', 'button'].includes(el.type) ? el.value : '')).trim();
            return !(labelled || byId || own); })
        .map(el => el.outerHTML.slice(0, 120))""")
    assert admin_page.locator("input:not([type=hidden]), select, textarea, button").count() > 0
    assert not unnamed, unnamed


def test_errors_are_announced_and_get_focus(editor_page):
    """After a bad submit, is there an alert summary that has focus and links to the field?"""
    editor_page.goto("/ny")
    editor_page.get_by_role("button", name="Spara").click()
    summary = editor_page.locator("#felsammanfattning")
    summary.wait_for()
    assert summary.get_attribute("role") == "alert"
    # The deferred script moves focus once the page has loaded; wait for it rather than race it.
    editor_page.wait_for_function("() => document.activeElement && document.activeElement.id === 'felsammanfattning'")
    link = summary.get_by_role("link").first
    assert link.get_attribute("href") == "#title"
    title = editor_page.get_by_label("Titel")
    assert title.get_attribute("aria-invalid") == "true"
    assert "title-fel" in title.get_attribute("aria-describedby")
    error = editor_page.locator("#title-fel")
    assert error.inner_text().strip() == "Ange en titel."
    assert "Fel" in error.evaluate("el => getComputedStyle(el, '::before').content")


def test_a_missing_page_link_says_so_in_text(editor_page, unique):
    """Is a link to a page that does not exist marked by words, not only by its colour?"""
    path = create_page(editor_page, f"Länkprov {unique}", f"Se [[finns-inte-{unique}|den saknade sidan]].")
    editor_page.goto(path)
    link = editor_page.locator("a.wikilink.missing")
    assert link.inner_text().strip() == "den saknade sidan"
    after = link.evaluate("el => getComputedStyle(el, '::after').content")
    assert "saknas" in after
    assert "finns inte" in (link.get_attribute("title") or "")



def test_footnotes_lead_to_their_note_and_back(new_context, axe_js, unique):
    """Does a footnote's raised number lead to its note under Fotnoter, marked, and its "tillbaka" link
    back to the reference, on a page with no serious axe violations?"""
    page = new_context(EDITOR, bypass_csp=True).new_page()
    path = create_page(page, f"Fotnotsprov {unique}", "SIP är lagstadgad.[^1]\n\n[^1]: Hälso- och sjukvårdslagen.\n")
    page.goto(path)
    page.locator(".prose sup a").click()
    expect(page).to_have_url(re.compile(r"#user-content-fn1$"))
    note = page.locator(".prose li:target")
    expect(note).to_contain_text("Hälso- och sjukvårdslagen.")
    expect(page.get_by_role("heading", name="Fotnoter")).to_be_visible()
    note.get_by_role("link", name=re.compile("tillbaka")).click()
    expect(page).to_have_url(re.compile(r"#user-content-fnref1$"))
    assert_accessible(page, axe_js)

def test_history_marks_changes_with_more_than_colour(page, two_versions):
    """Are removed and added lines in a diff marked by strike/underline and hidden labels, not just red/green?"""
    page.goto(f"{two_versions}/jamfor?fran=1&till=2")
    deleted = page.locator("table.diff del").first
    inserted = page.locator("table.diff ins").first
    assert "line-through" in deleted.evaluate("el => getComputedStyle(el).textDecorationLine")
    assert "underline" in inserted.evaluate("el => getComputedStyle(el).textDecorationLine")
    assert page.locator("table.diff .visually-hidden", has_text="Borttaget").count() > 0
    assert page.locator("table.diff .visually-hidden", has_text="Tillagt").count() > 0


def test_the_edit_flow_works_with_the_keyboard_only(editor_page, unique):
    """Can an editor reach the fields, type, reach Spara and save using only Tab and Enter?"""
    page = editor_page
    page.goto("/ny")
    title = f"Tangentbordsprov {unique}"

    def tab_to(name: str, limit: int = 60) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            current = page.evaluate("""() => { const el = document.activeElement;
                return (el.labels && el.labels[0] ? el.labels[0].textContent
                                                  : el.textContent || el.value || '').trim(); }""")
            if current == name:
                return
        pytest.fail(f"nådde aldrig {name!r} med Tab")

    tab_to("Titel")
    page.keyboard.type(title)
    tab_to("Text")
    page.keyboard.type("Skriven med bara tangentbordet.")
    tab_to("Spara")
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name=title).wait_for()
    assert page.get_by_text("Skriven med bara tangentbordet.").is_visible()
