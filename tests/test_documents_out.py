"""Pages out as documents: "Ladda ner som PDF" (/sida/<slug>.pdf) and "Ladda ner som Word" (.docx).

A routine prints with its header block (dokumenttyp, titel, version, fastställd, giltig till,
gäller för, ägare) and a footer with page numbers, the page's address and the disclaimer; readers and
editors alike get the approved version, never a draft waiting for approval. The PDF's text is read
back with pypdf, the Word file with python-docx.
"""
from __future__ import annotations

import io
import threading
from datetime import datetime

import docx
import pytest
from factories import PASSWORD, login, make_app, make_page, make_user
from pypdf import PdfReader
from test_plan_views import SLUG as PLAN_SLUG
from test_plan_views import seed_plan

from kb import printing
from kb.constants import Role
from kb.printing.pdf import Refused, url_fetcher
from kb.services import areas, attachments, organisations, pages, users
from scripts.make_demo_documents import png_bytes

BASE = "https://kb.example.se"
SLUG = "rutin-sip"
SOURCE = """## Så här gör du

1. Kalla till SIP inom fem dagar.
2. Skicka kallelsen till **alla** berörda.

| Vem | Gör vad |
|---|---|
| Sammankallande | Ring vårdcentralen |

Läs mer på [Vårdgivarwebben](https://vardgivare.example.se/sip).
"""


def pdf_text(data: bytes) -> str:
    """The PDF's text with white space collapsed (the footer wraps)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


@pytest.fixture
def app(tmp_path):
    """An app that knows its address (KB_BASE_URL), as the footer shows it."""
    return make_app(tmp_path / "instance", BASE_URL=BASE)


@pytest.fixture
def routine(app):
    """An approved routine with every header field, then a draft that waits for approval."""
    with app.app_context():
        users.create("anna.fast", PASSWORD, Role.APPROVER, display_name="Anna Fastställare")
        make_page("Samordningsgruppen", type="structure", slug="samordningsgruppen")
        orgs = organisations.all_organisations()[:2]
        data = pages.PageData(title="Rutin för SIP", type="routine", source=SOURCE, slug=SLUG,
                              fields={"owner": "samordningsgruppen", "applies_to": [o.key for o in orgs],
                                      "approver": "anna.fast", "valid_until": "2028-03-31"})
        page = pages.create_page(data, author="redaktor", check=False,
                                 approval=pages.Approval(by="anna.fast", at=datetime(2026, 3, 12, 10, 0)))
        draft = pages.PageData(title=page.title, type="routine", source=SOURCE + "\nHEMLIGT UTKAST\n",
                               fields=dict(page.fields))
        pages.update_page(page, draft, base_revision=page.revision_number, author="redaktor", check=False)
        return [o.name for o in orgs]


def test_a_routines_pdf_has_its_header_block_text_and_footer(app, routine, anon):
    """Does an anonymous reader's PDF of a routine say what it is, who approved it and until when it is
    valid, hold the text and its table, and end every page with the address and the disclaimer?"""
    response = anon.get(f"/sida/{SLUG}.pdf")
    assert response.status_code == 200
    assert response.content_type == "application/pdf"
    assert response.headers["Content-Disposition"] == f"attachment; filename={SLUG}.pdf"
    text = pdf_text(response.data)
    for expected in ("Dokumenttyp Rutin", "Titel Rutin för SIP", "Version 1",
                     "Fastställd 12 mars 2026 av Anna Fastställare", "Giltig till 31 mars 2028",
                     f"Gäller för {routine[0]}, {routine[1]}", "Ägare Samordningsgruppen",
                     "Så här gör du", "Kalla till SIP inom fem dagar.", "Ring vårdcentralen",
                     f"{BASE}/sida/{SLUG}", "Sida 1 av 1", printing.DISCLAIMER):
        assert expected in text


def test_the_draft_waiting_for_approval_is_in_nobodys_pdf(app, routine, anon, client):
    """Do readers and editors alike print the approved version, not the draft saved since?"""
    for who in (anon, client):
        text = pdf_text(who.get(f"/sida/{SLUG}.pdf").data)
        assert "Kalla till SIP" in text
        assert "HEMLIGT UTKAST" not in text


def test_a_long_page_numbers_its_pages(app, anon):
    """Does a page that fills several sheets say "Sida 1 av N" … "Sida N av N"?"""
    with app.app_context():
        make_page("Lång artikel", "\n\n".join(f"Stycke {n}. " + "Ord för ord. " * 40 for n in range(60)),
                  slug="lang-artikel")
    reader = PdfReader(io.BytesIO(anon.get("/sida/lang-artikel.pdf").data))
    total = len(reader.pages)
    assert total > 2
    assert f"Sida 1 av {total}" in reader.pages[0].extract_text()
    assert f"Sida {total} av {total}" in reader.pages[-1].extract_text()


def test_an_article_has_no_routine_header(app, anon):
    """Is an article printed without the routine's header block (no one approves an article)?"""
    with app.app_context():
        make_page("Om samverkan", "Samverkan är när vi gör saker tillsammans.\n", slug="om-samverkan")
    text = pdf_text(anon.get("/sida/om-samverkan.pdf").data)
    assert "Om samverkan" in text and "gör saker tillsammans" in text
    assert "Version 1, sparad" in text
    for absent in ("Dokumenttyp", "Fastställd", "Giltig till", "Ägare"):
        assert absent not in text
    document = docx.Document(io.BytesIO(anon.get("/sida/om-samverkan.docx").data))
    assert document.tables == []


def test_the_word_file_has_the_header_table_headings_table_and_footer(app, routine, anon):
    """Can an organisation file the routine in its own document system: a Word file with the same header
    fields as a table, the text's headings and table, and the footer?"""
    response = anon.get(f"/sida/{SLUG}.docx")
    assert response.status_code == 200
    assert response.content_type == printing.DOCX
    assert response.headers["Content-Disposition"] == f"attachment; filename={SLUG}.docx"
    document = docx.Document(io.BytesIO(response.data))
    header = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert header == {"Dokumenttyp": "Rutin", "Titel": "Rutin för SIP", "Version": "1",
                      "Fastställd": "12 mars 2026 av Anna Fastställare", "Giltig till": "31 mars 2028",
                      "Gäller för": f"{routine[0]}, {routine[1]}", "Ägare": "Samordningsgruppen"}
    assert [[c.text for c in row.cells] for row in document.tables[1].rows] == [
        ["Vem", "Gör vad"], ["Sammankallande", "Ring vårdcentralen"]]
    paragraphs = {p.text: p.style.name for p in document.paragraphs}
    assert paragraphs["Rutin för SIP"] == "Title"
    assert paragraphs["Så här gör du"] == "Heading 2"
    assert paragraphs["1. Kalla till SIP inom fem dagar."] == "List"
    assert "Läs mer på Vårdgivarwebben." in paragraphs
    assert "HEMLIGT UTKAST" not in " ".join(paragraphs)
    links = [r.target_ref for r in document.part.rels.values() if r.is_external]
    assert "https://vardgivare.example.se/sip" in links
    footer = " ".join(p.text for p in document.sections[0].footer.paragraphs)
    assert printing.DISCLAIMER in footer and f"{BASE}/sida/{SLUG}" in footer
    assert 'w:instr="NUMPAGES"' in document.sections[0].footer._element.xml


def test_the_page_offers_both_downloads(app, routine, anon):
    """Does the page itself link to its PDF and its Word file?"""
    html = anon.get(f"/sida/{SLUG}").get_data(as_text=True)
    assert f'href="/sida/{SLUG}.pdf"' in html and "Ladda ner som PDF" in html
    assert f'href="/sida/{SLUG}.docx"' in html and "Ladda ner som Word" in html


def test_members_only_and_unapproved_pages_print_for_those_who_may_read_them(app, anon):
    """Is a members-only page's file as hidden as the page (404 for outsiders, there for members), and a
    routine never approved printable only by editors, marked as not approved?"""
    with app.app_context():
        closed = areas.create("tg-aldre", "TG Äldre", members_only=True)
        make_page("Hemlig sida", "Hemligt innehåll.\n", slug="hemlig-sida", area_id=closed.id)
        make_page("Ny rutin", "Inte fastställd än.\n", type="routine", slug="ny-rutin", approved=False)
        make_user("lasare", "läsare")
        make_user("medlem", "läsare", areas={"tg-aldre": "medlem"})
    reader, member = login(app, "lasare", "läsare"), login(app, "medlem", "läsare")
    editor = login(app, "redaktor", "redaktör")
    for ext in ("pdf", "docx"):
        for who in (anon, reader):
            assert who.get("/sida/hemlig-sida").status_code == 404
            assert who.get(f"/sida/hemlig-sida.{ext}").status_code == 404
            assert who.get(f"/sida/ny-rutin.{ext}").status_code == 404
        assert member.get(f"/sida/hemlig-sida.{ext}").status_code == 200
    text = pdf_text(editor.get("/sida/ny-rutin.pdf").data)
    assert "Utkast – inte fastställt" in text and "Fastställd Inte fastställd" in text


def test_images_are_the_pages_own_attachments_and_nothing_is_fetched(tmp_path):
    """Is an image attached to the page embedded in both files, while an image from elsewhere (even an
    allowed host) stays out, since making a file never fetches a URL?"""
    app = make_app(tmp_path / "instance", BASE_URL=BASE, IMAGE_HOSTS=["bilder.example.se"])
    with app.app_context():
        page = make_page("Karta", "Text.\n", slug="karta")
        attachments.upload(page, "karta.png", png_bytes(40, 20, lambda x, y: (200, x * 5, y * 10)), author="testare")
        pages.update_page(page, pages.PageData(
            title="Karta", type="article",
            source="![Kartan](/sida/karta/bilagor/karta.png)\n\n![Extern](https://bilder.example.se/x.png)\n"),
            base_revision=page.revision_number, author="testare")
    anon = app.test_client()
    reader = PdfReader(io.BytesIO(anon.get("/sida/karta.pdf").data))
    assert len(reader.pages[0].images) == 1
    document = docx.Document(io.BytesIO(anon.get("/sida/karta.docx").data))
    assert len(document.inline_shapes) == 1
    assert "[Bild: Extern]" in " ".join(p.text for p in document.paragraphs)
    fetch = url_fetcher({f"{BASE}/sida/karta/bilagor/karta.png": printing.Image("image/png", b"x")})
    for url in ("file:///etc/passwd", "https://bilder.example.se/x.png", "data:image/png;base64,AAAA",
                f"{BASE}/sida/annan/bilagor/karta.png"):
        with pytest.raises(Refused):
            fetch(url)


def test_a_file_that_takes_too_long_is_a_swedish_error_page(tmp_path):
    """When the file cannot be made in time, does the reader get a page saying so (503), not a hung worker?"""
    app = make_app(tmp_path / "instance", DOCUMENT_TIMEOUT=0.01)
    with app.app_context():
        make_page("Om samverkan", "Text.\n", slug="om-samverkan")
    response = app.test_client().get("/sida/om-samverkan.pdf")
    assert response.status_code == 503
    assert "Filen kunde inte skapas: det tog för lång tid." in response.get_data(as_text=True)


def test_files_are_made_afresh_and_not_kept_in_the_page_cache(app, routine, anon):
    """Is a file for a cookieless visitor not kept in memory like a page view (it can take megabytes),
    while the page view itself still is?"""
    kept = app.wsgi_app.views.entries
    assert anon.get(f"/sida/{SLUG}.pdf").status_code == 200
    assert anon.get(f"/sida/{SLUG}.docx").status_code == 200
    assert kept == {}
    app.test_client(use_cookies=False).get(f"/sida/{SLUG}")
    assert len(kept) == 1


def test_an_action_plan_prints_as_a_landscape_pdf_with_its_facts_and_activities(app, anon):
    """Does the plan (the annual report's table) come as an A4 landscape PDF with its structure, period
    and adoption, every activity by goal, and the footer, and is the link on the plan?"""
    with app.app_context():
        seed_plan()
    assert f'href="/planer/{PLAN_SLUG}.pdf"' in anon.get(f"/planer/{PLAN_SLUG}").get_data(as_text=True)
    response = anon.get(f"/planer/{PLAN_SLUG}.pdf")
    assert response.status_code == 200 and response.content_type == "application/pdf"
    assert response.headers["Content-Disposition"] == f"attachment; filename={PLAN_SLUG}.pdf"
    reader = PdfReader(io.BytesIO(response.data))
    box = reader.pages[0].mediabox
    assert box.width > box.height  # landscape
    text = pdf_text(response.data)
    for expected in ("Dokumenttyp Aktivitetsplan", "Struktur Samordningsgruppen", "Period 2024",
                     "Samverkansplan Samverkansplan 2023–2026", "Mål: Öka tilliten", "Workshop om hemgång",
                     "Delmål: Trygg hemgång", "Kartlägga utskrivningar", f"{BASE}/planer/{PLAN_SLUG}",
                     printing.DISCLAIMER, "Sida 1 av"):
        assert expected in text


def test_a_burst_of_downloads_waits_its_turn_and_then_says_the_server_is_busy(monkeypatch):
    """With every turn taken, does a request wait within its own time limit, then fail with a Swedish
    message instead of starting one more WeasyPrint?"""
    monkeypatch.setattr(printing, "_slots", threading.BoundedSemaphore(1))
    printing._slots.acquire()
    doc = printing.Document(title="Om samverkan", kind="Artikel", url=f"{BASE}/sida/om-samverkan", body="<p>x</p>")
    with pytest.raises(printing.PrintError) as caught:
        printing.render(doc, "docx", timeout=0.05)
    assert caught.value.message == "Filen kunde inte skapas: servern gör redan så många filer den hinner. " \
                                   "Försök igen om en stund."
