"""The glossary: reading it A–Ö, editing it with history, and its <abbr> tooltips on pages."""
from __future__ import annotations

import re

import pytest
from factories import login, make_app, make_page
from test_sanitize import XSS_VECTORS, assert_safe

from kb.extensions import db
from kb.models import AuditEvent, Page
from kb.services import glossary, pages, transfer

SIP_ABBR = '<abbr title="Samordnad individuell plan">SIP</abbr>'
VALID_PNR = "19121212-1212"


def term_form(term="SIP", expansion="Samordnad individuell plan", description="", **extra):
    """Form data as the glossary form sends it."""
    return {"term": term, "expansion": expansion, "description": description, "comment": "",
            "save": "Spara", **extra}


def main_of(html: str) -> str:
    """The <main> element of a page, without header and footer."""
    return html.split('<main id="innehall"', 1)[1].split("</main>", 1)[0]


def add_term(app, term="SIP", expansion="Samordnad individuell plan", description=""):
    """Put a term in the glossary through the service; return its id."""
    with app.app_context():
        row, _ = glossary.upsert(glossary.TermData(term, expansion, description), author="testare")
        return row.id


def base_of(html: str) -> str:
    """The base revision the edit form carries."""
    return re.search(r'name="base_revision" type="hidden" value="(\d+)"', html).group(1)


# --- reading -------------------------------------------------------------------------------------

def test_glossary_lists_the_demo_terms_a_to_o(demo_app):
    """Does /ordlista show every demo term with expansion, description, anchor and an A–Ö jump list?"""
    html = demo_app.test_client().get("/ordlista").get_data(as_text=True)
    assert 'id="SIP"' in html and "<dfn>SIP</dfn>" in html and "Samordnad individuell plan" in html
    assert "<dfn>AU</dfn>" in html and "Arbetsutskott" in html
    assert "En mindre grupp som bereder ärenden" in html
    assert 'id="ÖK_BoU"' in html
    assert '<a href="#bokstav-S">S</a>' in html and 'href="#bokstav-Ö"' in html
    assert '<span class="letter-empty"' in html  # letters without terms are shown but not links
    # Swedish order: V before Ö, and Ö last.
    assert html.index("<dfn>VästKom</dfn>") < html.index("<dfn>ÖK</dfn>") < html.index("<dfn>ÖK BoU</dfn>")
    with demo_app.app_context():
        count = len(glossary.all_terms())
    assert f"{count} poster." in html and count >= 30
    assert '<a href="/ordlista">Ordlista</a>' in html  # in the header navigation


def test_filter_narrows_the_list_without_javascript(demo_app):
    """Does ?q= keep only terms whose abbreviation, expansion or description matches, and say how many?"""
    client = demo_app.test_client()
    html = client.get("/ordlista?q=individuell").get_data(as_text=True)
    assert "<dfn>SIP</dfn>" in html and "<dfn>BUP</dfn>" not in html
    assert "matchar ”individuell”" in html and 'value="individuell"' in html
    html = client.get("/ordlista?q=bup").get_data(as_text=True)
    assert "<dfn>BUP</dfn>" in html and "<dfn>SIP</dfn>" not in html
    html = client.get("/ordlista?q=finnsinte").get_data(as_text=True)
    assert "Inga poster matchar ”finnsinte”" in html


def test_the_filter_reads_descriptions_and_needs_no_a_ring_or_dots(demo_app):
    """Staff type "anhorig" (no ö) for a term whose description is about anhöriga: is it found, as in
    the main search, together with words from descriptions and hyphenated expansions?"""
    client = demo_app.test_client()
    html = client.get("/ordlista?q=anhorig").get_data(as_text=True)
    assert "<dfn>NSPH</dfn>" in html  # "brukar-, patient- och anhörigorganisationer" in its description
    assert "<dfn>SoL</dfn>" in html  # "stöd till anhöriga"
    assert "<dfn>SIP</dfn>" not in html
    html = client.get("/ordlista?q=personlig assistans").get_data(as_text=True)
    assert "<dfn>LSS</dfn>" in html and "<dfn>SIP</dfn>" not in html
    assert "<dfn>BUP</dfn>" in client.get("/ordlista?q=barn och ungdomspsykiatrin").get_data(as_text=True)
    assert "<dfn>ÖK</dfn>" in client.get("/ordlista?q=overenskommelse").get_data(as_text=True)


def test_the_demo_glossary_explains_the_laws_staff_name_by_abbreviation(demo_app):
    """Does the demo glossary say what SoL, HSL, LSS, LVU, LVM, LPT and OSL stand for, with a description?"""
    laws = {"SoL": "Socialtjänstlagen", "HSL": "Hälso- och sjukvårdslagen",
            "LSS": "Lagen om stöd och service till vissa funktionshindrade",
            "LVU": "Lagen med särskilda bestämmelser om vård av unga",
            "LVM": "Lagen om vård av missbrukare i vissa fall", "LPT": "Lagen om psykiatrisk tvångsvård",
            "OSL": "Offentlighets- och sekretesslagen"}
    with demo_app.app_context():
        for term, expansion in laws.items():
            row = glossary.get(term)
            assert row is not None and not row.deleted, term
            assert row.expansion == expansion and len(row.description) > 40, term
    html = demo_app.test_client().get("/sok?q=lvu").get_data(as_text=True)
    assert "<mark>Lagen med särskilda bestämmelser om vård av unga</mark>" in html


def test_sorting_and_grouping_follow_the_swedish_alphabet(app):
    """Are Å, Ä and Ö sorted after Z in that order, and digits grouped before A?"""
    for term in ("Ö-term", "Ä-term", "Å-term", "Z-term", "112"):
        add_term(app, term, "förklaring")
    with app.app_context():
        groups = glossary.by_initial(glossary.all_terms())
    assert [letter for letter, _ in groups] == ["#", "Z", "Å", "Ä", "Ö"]


# --- editing -------------------------------------------------------------------------------------

def test_editor_creates_a_term_and_sees_it_with_history(client, app):
    """Can an editor add a term, land on its entry and see version 1 in its history?"""
    resp = client.post("/ordlista/ny",
                       data=term_form("NPÖ", "Nationell patientöversikt", "Visar journaluppgifter."))
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/ordlista#NP%C3%96")  # its entry
    html = client.get("/ordlista").get_data(as_text=True)
    assert "<dfn>NPÖ</dfn>" in html and "Nationell patientöversikt" in html
    with app.app_context():
        row = glossary.get("NPÖ")
        assert row.revision_number == 1
        term_id = row.id
    history = client.get(f"/ordlista/{term_id}/historik").get_data(as_text=True)
    assert "Skapad" in history and "redaktor" in history and "Nationell patientöversikt" in history


def test_creating_an_existing_term_is_refused(client, app):
    """Is a second entry for the same abbreviation refused in Swedish, with the text kept?"""
    add_term(app)
    resp = client.post("/ordlista/ny", data=term_form(expansion="Något annat helt nytt"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "”SIP” finns redan i ordlistan" in html
    assert "Något annat helt nytt" in html


def test_validation_errors_are_shown_in_the_form_with_the_text_kept(client):
    """Is a missing expansion refused in Swedish with the typed term and description kept?"""
    resp = client.post("/ordlista/ny", data=term_form("VIP", "", "Min beskrivning som ska finnas kvar"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Något behöver rättas" in html and "Ange vad förkortningen står för" in html
    assert 'value="VIP"' in html and "Min beskrivning som ska finnas kvar" in html


def test_edit_saves_a_new_version_and_keeps_the_old_one(client, app):
    """Does an edit create version 2, with version 1 still readable in the history?"""
    term_id = add_term(app)
    form = client.get(f"/ordlista/{term_id}/redigera").get_data(as_text=True)
    assert base_of(form) == "1"
    resp = client.post(f"/ordlista/{term_id}/redigera",
                       data=term_form(expansion="Samordnad individuell plan enligt HSL och SoL",
                                      base_revision="1", comment="lagrum"))
    assert resp.status_code == 302
    history = client.get(f"/ordlista/{term_id}/historik").get_data(as_text=True)
    assert "enligt HSL och SoL" in history and "lagrum" in history
    assert history.count("<tr>") == 3  # header + two versions
    assert "Ändrad" in history and "Skapad" in history


def test_stale_edit_is_a_conflict_and_overwrites_nothing(app):
    """When someone saved in between, is my save refused in Swedish and my text kept?"""
    term_id = add_term(app)
    anna, bo = login(app, "anna"), login(app, "bo")
    base = base_of(anna.get(f"/ordlista/{term_id}/redigera").get_data(as_text=True))
    assert bo.post(f"/ordlista/{term_id}/redigera",
                   data=term_form(expansion="Bos förklaring", base_revision=base)).status_code == 302
    resp = anna.post(f"/ordlista/{term_id}/redigera",
                     data=term_form(expansion="Annas förklaring", base_revision=base))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "Någon annan har ändrat posten medan du redigerade" in html
    assert "ingenting har skrivits över" in html
    assert 'value="Annas förklaring"' in html and "Bos förklaring" in html  # mine kept, theirs shown
    assert base_of(html) == "2"  # saving again is a deliberate overwrite of version 2
    with app.app_context():
        assert glossary.get("SIP").expansion == "Bos förklaring"


def test_delete_hides_the_term_keeps_history_and_recreating_restores_it(client, app, tmp_path):
    """Is a deleted term gone from the list and the export, its history kept, and can it come back?"""
    term_id = add_term(app, "MAS", "Medicinskt ansvarig sjuksköterska")
    resp = client.post(f"/ordlista/{term_id}/ta-bort",
                       data={"reason": "dubblett", "delete_base_revision": "1"})
    assert resp.status_code == 302
    listing = client.get("/ordlista").get_data(as_text=True)
    assert "<dfn>MAS</dfn>" not in listing and "Borttagna poster" in listing  # editors see what was deleted
    assert "<dfn>MAS</dfn>" not in client.get("/ordlista?q=MAS").get_data(as_text=True)
    history = client.get(f"/ordlista/{term_id}/historik").get_data(as_text=True)
    assert "Borttagen" in history and "dubblett" in history and "Posten är borttagen" in history
    assert client.get(f"/ordlista/{term_id}/redigera").status_code == 404
    with app.app_context():
        transfer.export_folder(tmp_path / "ut")
        assert db.session.query(AuditEvent).filter_by(action="glossary.deleted", target="MAS").count() == 1
    assert "MAS" not in (tmp_path / "ut" / "glossary.yaml").read_text(encoding="utf-8")
    # Creating it again brings the same entry back, as a new version.
    form = client.get("/ordlista/ny?term=MAS").get_data(as_text=True)
    assert "Medicinskt ansvarig sjuksköterska" in form
    resp = client.post("/ordlista/ny", data=term_form("MAS", "Medicinskt ansvarig sjuksköterska"))
    assert resp.status_code == 302
    with app.app_context():
        row = glossary.get("MAS")
        assert row.id == term_id and not row.deleted and row.revision_number == 3
        assert [r.op for r in glossary.history(row)] == ["restore", "delete", "create"]


def test_import_restores_a_deleted_term(app):
    """Does upserting (as an import does) a deleted term bring it back?"""
    add_term(app, "TG", "Temagrupp")
    with app.app_context():
        glossary.delete("TG", author="testare")
        assert [t.term for t in glossary.all_terms()] == []
        row, changed = glossary.upsert(glossary.TermData("TG", "Temagrupp"), author="import")
        assert changed and not row.deleted and glossary.history(row)[0].op == "restore"


def test_stale_delete_is_refused(client, app):
    """Is a delete based on an older version refused, leaving the entry in place?"""
    term_id = add_term(app)
    with app.app_context():
        glossary.update(glossary.get("SIP"), glossary.TermData("SIP", "Ny förklaring"), base_revision=1)
    resp = client.post(f"/ordlista/{term_id}/ta-bort", data={"reason": "", "delete_base_revision": "1"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/ordlista/{term_id}/redigera")
    with app.app_context():
        assert not glossary.get("SIP").deleted


def test_personnummer_is_refused_and_the_text_kept(client, app):
    """Is a glossary entry with a personal identity number refused, naming where, with the text kept?"""
    resp = client.post("/ordlista/ny", data=term_form("SIP", "Samordnad individuell plan",
                                                      f"Exempel: patient {VALID_PNR} fick en plan."))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "personnummer" in html.lower() and "Beskrivning" in html
    assert f"patient {VALID_PNR} fick en plan" in html
    with app.app_context():
        assert glossary.get("SIP") is None


# --- permissions ---------------------------------------------------------------------------------

WRITE_ROUTES = [("GET", "/ordlista/ny"), ("POST", "/ordlista/ny"), ("GET", "/ordlista/{id}/redigera"),
                ("POST", "/ordlista/{id}/redigera"), ("POST", "/ordlista/{id}/ta-bort")]


@pytest.mark.parametrize("method,path", WRITE_ROUTES, ids=[f"{m} {p}" for m, p in WRITE_ROUTES])
def test_anonymous_visitors_and_readers_cannot_edit(app, method, path):
    """Are anonymous visitors sent to the login page and readers refused, with nothing changed?"""
    term_id = add_term(app)
    url = path.format(id=term_id)
    data = {**term_form(expansion="Ändrad"), "base_revision": "1", "delete_base_revision": "1"}
    anon = app.test_client()
    resp = anon.get(url) if method == "GET" else anon.post(url, data=data)
    assert resp.status_code == 302 and "/logga-in" in resp.headers["Location"]
    reader = login(app, "lasare", "läsare")
    resp = reader.get(url) if method == "GET" else reader.post(url, data=data)
    assert resp.status_code == 403 and "Åtkomst nekad" in resp.get_data(as_text=True)
    with app.app_context():
        row = glossary.get("SIP")
        assert row.expansion == "Samordnad individuell plan" and not row.deleted


def test_everyone_who_may_read_sees_the_glossary_and_history(app, anon):
    """Can an anonymous visitor read the list and a history, without edit links?"""
    term_id = add_term(app)
    html = anon.get("/ordlista").get_data(as_text=True)
    assert "<dfn>SIP</dfn>" in html and "/redigera" not in html and "/ordlista/ny" not in html
    assert "Skapad" in anon.get(f"/ordlista/{term_id}/historik").get_data(as_text=True)


def test_closed_instance_requires_login_to_read_the_glossary(tmp_path):
    """When reading is not public, is /ordlista behind the login?"""
    app = make_app(tmp_path / "i", PUBLIC_READ=False)
    resp = app.test_client().get("/ordlista")
    assert resp.status_code == 302 and "/logga-in" in resp.headers["Location"]


def test_missing_csrf_token_changes_nothing(client, app):
    """Is a delete without a CSRF token refused?"""
    term_id = add_term(app)
    resp = client.post(f"/ordlista/{term_id}/ta-bort", data={"delete_base_revision": "1"}, with_csrf=False)
    assert resp.status_code == 400
    with app.app_context():
        assert not glossary.get("SIP").deleted


# --- XSS -----------------------------------------------------------------------------------------

def test_xss_in_glossary_entries_is_inert_on_the_list_and_in_abbr_titles(client, app):
    """Does every vector saved as term, expansion and description render inert, also as an abbr title?"""
    terms = []
    for n, (name, vector) in enumerate(XSS_VECTORS):
        term = f"XSS{n}"
        resp = client.post("/ordlista/ny", data=term_form(term, f"{n} {vector[:290]}", vector[:1900]))
        assert resp.status_code == 302, (name, resp.status_code)
        terms.append(term)
    for n, (name, vector) in enumerate(XSS_VECTORS[:40]):  # the vector itself as the term
        resp = client.post("/ordlista/ny", data=term_form(f"V{n} {vector[:50]}", "förklaring"))
        assert resp.status_code in (302, 422), (name, resp.status_code)
    listing = main_of(client.get("/ordlista").get_data(as_text=True))
    entries = listing.split('<section class="glossary-letter"', 1)[1]  # after the filter form
    assert_safe(entries)
    assert "<script" not in listing.lower() and "&lt;script&gt;" in entries
    with app.app_context():
        page = make_page("Förkortningar", " ".join(terms) + "\n")
        assert_safe(page.html)
        assert page.html.count("<abbr title=") == len(terms)
    # The page's own text (the forms around it, such as "Rapportera fel", are the app's).
    body = main_of(client.get("/sida/forkortningar").get_data(as_text=True))
    body = body.split('<div class="prose">', 1)[1]
    assert_safe(body.split("</div>", 1)[0])
    assert '<abbr title="0 &lt;script&gt;alert(1)&lt;/script&gt;">XSS0</abbr>' in body


# --- abbr on pages -------------------------------------------------------------------------------

def test_first_use_of_a_term_becomes_an_abbr_that_follows_the_glossary(client, app):
    """Is the first SIP on a page explained, and does the explanation follow edits and deletion?"""
    term_id = add_term(app)
    with app.app_context():
        make_page("Samordning", "En SIP görs med barnet. Varje SIP följs upp.\n")
    html = client.get("/sida/samordning").get_data(as_text=True)
    assert html.count(SIP_ABBR) == 1 and "Varje SIP följs upp" in html
    client.post(f"/ordlista/{term_id}/redigera",
                data=term_form(expansion="Samordnad individuell plan (HSL/SoL)", base_revision="1"))
    html = client.get("/sida/samordning").get_data(as_text=True)
    assert '<abbr title="Samordnad individuell plan (HSL/SoL)">SIP</abbr>' in html and SIP_ABBR not in html
    with app.app_context():  # the revision keeps what was rendered when it was saved
        assert SIP_ABBR in pages.get("samordning").current.html
    client.post(f"/ordlista/{term_id}/ta-bort", data={"delete_base_revision": "2"})
    html = client.get("/sida/samordning").get_data(as_text=True)
    assert "<abbr" not in main_of(html) and "En SIP görs" in html


def test_new_term_explains_pages_that_already_use_it(app):
    """When a term is added, do existing pages that use it get the tooltip, and others stay as they were?"""
    with app.app_context():
        make_page("Mini-Maria", "Mini-Maria samarbetar med BUP.\n")
        make_page("Annat", "Bupa och bup i gemener är inte förkortningen.\n")
        untouched = pages.get("annat").html
        glossary.upsert(glossary.TermData("BUP", "Barn- och ungdomspsykiatrin"), author="testare")
        assert '<abbr title="Barn- och ungdomspsykiatrin">BUP</abbr>' in pages.get("mini-maria").html
        assert pages.get("annat").html == untouched
        assert pages.refresh_html_for_terms(["BUP"]) == 1  # all-caps terms match case-sensitively


def test_renaming_a_term_moves_the_tooltip(app):
    """When a term is renamed, do pages with the old and the new spelling both follow?"""
    add_term(app, "HSNV", "Västra hälso- och sjukvårdsnämnden")
    with app.app_context():
        make_page("Nämnder", "HSNV och HSN V är samma nämnd.\n")
        row = glossary.get("HSNV")
        glossary.update(row, glossary.TermData("HSN V", row.expansion), base_revision=1)
        html = pages.get("namnder").html
    assert '<abbr title="Västra hälso- och sjukvårdsnämnden">HSN V</abbr>' in html
    assert "<abbr title=\"Västra hälso- och sjukvårdsnämnden\">HSNV</abbr>" not in html


def test_demo_pages_explain_sip(demo_app):
    """Does a demo page that mentions SIP explain it on first use?"""
    with demo_app.app_context():
        using = [p for p in db.session.query(Page).filter_by(deleted=False) if "SIP" in (p.text or "")]
    assert using
    html = demo_app.test_client().get(f"/sida/{using[0].slug}").get_data(as_text=True)
    assert SIP_ABBR in html


def test_export_import_round_trip_keeps_the_glossary_and_skips_deleted(demo_app, tmp_path):
    """Is glossary.yaml identical after export → import → export, with deleted terms left out?"""
    with demo_app.app_context():
        glossary.delete("MCP", author="testare")
        transfer.export_folder(tmp_path / "e1")
    first = (tmp_path / "e1" / "glossary.yaml").read_text(encoding="utf-8")
    assert "term: MCP" not in first and "term: SIP" in first
    other = make_app(tmp_path / "other")
    with other.app_context():
        assert not transfer.import_folder(tmp_path / "e1").errors
        transfer.export_folder(tmp_path / "e2")
    assert (tmp_path / "e2" / "glossary.yaml").read_text(encoding="utf-8") == first
