"""Word in: a .docx becomes a page, in the editor ("Ny sida från Word-dokument") and with `kb import`."""
from __future__ import annotations

import base64
import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import word_documents as docs
from factories import login, make_app

from kb import markup, word
from kb.html_markdown import to_markdown
from kb.services import attachments, pages

# A 1×1 GIF: an image format attachments do not take.
GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def rendered(source: str) -> str:
    """The Markdown as kb renders it (no page exists, no glossary)."""
    return markup.render(source, page_exists=lambda slug: False, url_for_slug=lambda slug: f"/sida/{slug}",
                         url_for_new=lambda slug, title: f"/ny?slug={slug}").html


# --- the conversion -----------------------------------------------------------------------------

def test_a_routine_keeps_its_structure():
    """Does a routine keep its title, header table, headings, emphasis, nested lists, link, footnote
    and image, as Markdown kb renders?"""
    converted = word.convert(docs.routine())
    assert converted.title == "Rutin för samordnad individuell plan (SIP)"
    md = converted.markdown
    assert md.startswith("| Dokumenttyp | Rutin |\n| --- | --- |\n| Fastställd | 2024-03-12 av Samordningsgruppen |")
    assert "| Giltig till | 2026-03-31 |" in md
    assert "## Syfte" in md and "## Arbetsgång" in md and "### Att tänka på" in md
    assert "**samordnad individuell plan**" in md and "*både*" in md
    assert ("1. Behovet uppmärksammas\n   1. Samtycke inhämtas från den enskilde\n   2. Kallelse skickas\n"
            "      1. Inom fem arbetsdagar\n2. SIP-mötet hålls") in md
    assert "- Den enskilde är delaktig\n  - Närstående bjuds in\n- Planen dokumenteras i journalen" in md
    assert "[1177](https://www.1177.se/)" in md
    assert "när det behövs.[^1]" in md and "[^1]: Socialtjänstlagen 2 kap. 7 §" in md
    assert "![Flödesschema för SIP](bild-1.png)" in md
    assert [(i.name, i.media_type) for i in converted.images] == [("bild-1.png", "image/png")]
    assert converted.images[0].content == docs.png(8, 6)
    html = rendered(md)
    assert "<th>Dokumenttyp</th>" in html and "<td>2026-03-31</td>" in html
    assert re.search(r"<ol>\s*<li>Behovet uppmärksammas\s*<ol>", html)
    assert "<strong>samordnad individuell plan</strong>" in html
    assert 'href="#user-content-fn1"' in html and "<h2>Fotnoter</h2>" in html
    assert "Rutin för samordnad" not in md  # the title is not repeated in the text


def test_the_title_property_wins_and_the_first_heading_stays():
    """With a title property, is that the title and the first heading kept (as h2)?"""
    content = docs.Builder("Handbok i brukarinflytande").heading("Inledning").paragraph("Text.").bytes()
    converted = word.convert(content)
    assert converted.title == "Handbok i brukarinflytande"
    assert converted.markdown == "## Inledning\n\nText.\n"


def test_a_first_heading_repeating_the_title_property_is_not_repeated():
    """Is a first heading that says what the title property says left out of the text?"""
    content = docs.Builder("Mini-Maria").heading("Mini-Maria").paragraph("Mottagning för unga.").bytes()
    assert word.convert(content).markdown == "Mottagning för unga.\n"


def test_without_a_title_property_the_first_heading_is_the_title():
    """Without a title property, does the first heading become the title and leave the text, the
    next heading levels moving up so the highest is h2?"""
    content = (docs.Builder().paragraph("Inledande text.").heading("Samverkan kring äldre", 1)
               .heading("Mål", 2).heading("Delmål", 3).bytes())
    converted = word.convert(content)
    assert converted.title == "Samverkan kring äldre"
    assert converted.markdown == "Inledande text.\n\n## Mål\n\n### Delmål\n"


def test_text_that_looks_like_markup_stays_text():
    """Does text that looks like Markdown, HTML or a wiki link show as the text it is?"""
    content = docs.Builder("Test").paragraph("*inte kursiv* [[sip]] <script>alert(1)</script> a|b &amp; _x_").bytes()
    doc = docs.Builder("Test")
    doc.paragraph("1. inte en lista")
    doc.paragraph("# inte en rubrik")
    html = rendered(word.convert(content).markdown + "\n" + word.convert(doc.bytes()).markdown)
    assert "<em>" not in html and "<script" not in html and "wikilink" not in html and "<h" not in html
    assert "*inte kursiv* [[sip]] &lt;script&gt;alert(1)&lt;/script&gt; a|b &amp;amp; _x_" in html
    assert "<p>1. inte en lista</p>" in html and "<p># inte en rubrik</p>" in html


def test_html_of_tables_with_lists_and_merged_cells():
    """Does a cell with paragraphs and a list, and a merged cell, keep the table's shape?"""
    md = to_markdown("<table><tr><th>Vem</th><th>Vad</th></tr><tr><td colspan=\"2\"><p>Alla</p></td></tr>"
                     "<tr><td><p>BUP</p><ul><li>utreder</li><li>behandlar</li></ul></td><td>a | b</td></tr></table>")
    assert md == ("| Vem | Vad |\n| --- | --- |\n| Alla |  |\n| BUP<br>utreder<br>behandlar | a \\| b |\n")


def test_an_image_kb_cannot_show_leaves_a_note_and_a_warning():
    """Is a GIF left out with a note in the text and a warning, the PNG beside it kept?"""
    content = docs.Builder("Bilder").image(GIF, "Gammal logga").image(docs.png()).bytes()
    converted = word.convert(content)
    assert [i.name for i in converted.images] == ["bild-1.png"]
    assert "Gammal logga" in converted.markdown and "bara PNG- och JPEG-bilder" in converted.markdown
    assert converted.warnings == ("Bilden ”Gammal logga” kunde inte tas med: bara PNG- och JPEG-bilder kan visas.",)


def test_an_image_missing_from_the_document_leaves_a_note():
    """Is an image whose file is missing (linked from elsewhere) a note in the text, not a failure?"""
    content = docs.Builder("Länkad").paragraph("Före.").image(docs.png(), "Karta").bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if not info.filename.startswith("word/media/"):
                dst.writestr(info.filename, src.read(info.filename))
    converted = word.convert(out.getvalue())
    assert converted.images == ()
    assert converted.markdown.startswith("Före.\n\n*(Bilden ”Karta” kunde inte tas med: den finns inte i dokumentet")


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"\0" * (8 * 1024 * 1024))
    return out.getvalue()


def _xlsx() -> bytes:
    from attachment_files import xlsx

    return xlsx()


@pytest.mark.parametrize(("make", "reason", "says"), [
    (lambda: b"Detta \xe4r ingen Word-fil", "not_word", "inget Word-dokument"),
    (lambda: docs.routine()[:3000], "corrupt", "skadat"),
    (docs.encrypted, "encrypted", "krypterat eller lösenordsskyddat"),
    (docs.old_word, "old", "Äldre Word-dokument (.doc)"),
    (docs.macro_enabled, "macro", "makron (.docm)"),
    (docs.with_vba_project, "macro", "makron (.docm)"),
    (_xlsx, "not_word", "inget Word-dokument"),
    (_zip_bomb, "zip", "zip-bomb"),
], ids=["not-a-zip", "truncated", "encrypted", "doc", "docm", "vba-project", "xlsx", "zip-bomb"])
def test_documents_that_cannot_be_read_are_refused_in_swedish(make, reason, says):
    """Is a damaged, encrypted, old, macro-enabled or non-Word file refused with a clear reason?"""
    with pytest.raises(word.WordError) as refused:
        word.convert(make())
    assert refused.value.reason == reason
    assert says in str(refused.value)


def test_a_conversion_over_its_time_is_stopped():
    """Is a conversion that takes too long stopped, with a Swedish message?"""
    with pytest.raises(word.WordError, match="för lång tid"):
        word.convert(docs.routine(), timeout=0.001)


def test_images_over_the_limit_are_refused():
    """Are images larger together than allowed refused, rather than half kept?"""
    with pytest.raises(word.WordError, match="bilder är för stora"):
        word.convert(docs.routine(), image_max=20)


# --- in the editor --------------------------------------------------------------------------------

class _FormFields(HTMLParser):
    """The fields of the page form (form.page-form) of an editor page, as a browser would send them."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.fields: dict[str, str] = {}
        self._text: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = "page-form" in (a.get("class") or "")
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "checkbox", "radio"):
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "textarea" and a.get("name"):
            self._text = a["name"]
            self.fields[self._text] = ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and ("selected" in a or self._select not in self.fields):
            self.fields[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._text = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._text:
            self.fields[self._text] += data


def editor_fields(html: str) -> dict[str, str]:
    parser = _FormFields()
    parser.feed(html)
    fields = parser.fields
    fields["source"] = fields.get("source", "").removeprefix("\n")
    return fields


def upload(client, content: bytes, name: str = "Rutin SIP.docx", page_type: str = "article"):
    return client.post("/ny/word", data={"document": (io.BytesIO(content), name), "type": page_type},
                       content_type="multipart/form-data")


def test_the_new_page_form_offers_a_word_document(client):
    """Does "Ny sida" offer "Ny sida från Word-dokument" as a multipart upload?"""
    html = client.get("/ny").get_data(as_text=True)
    assert "Ny sida från Word-dokument" in html
    assert len(re.findall(r'id="csrf_token"', html)) == 1 and len(re.findall(r'id="type"', html)) == 1
    assert re.search(r'<form method="post" action="/ny/word" enctype="multipart/form-data">', html)


def test_a_document_opens_the_editor_and_saving_creates_the_page_with_its_images(app, client):
    """Does a routine open in the editor, filled in and with its image shown, and does saving create
    the page as a draft with the image as its attachment, shown where it stood?"""
    response = upload(client, docs.routine(), page_type="routine")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "Dokumentet ”Rutin SIP.docx” har lästs in" in html and "Dokumentets bild blir en bilaga till sidan" in html
    fields = editor_fields(html)
    assert fields["title"] == "Rutin för samordnad individuell plan (SIP)"
    assert fields["type"] == "routine"
    assert "## Arbetsgång" in fields["source"]
    image_url = re.search(r"\(/ny/word/[\w-]+/bild-1\.png\)", fields["source"]).group(0)[1:-1]
    assert fields["word_images"] in image_url
    shown = client.get(image_url)
    assert shown.status_code == 200 and shown.data == docs.png(8, 6) and shown.mimetype == "image/png"
    assert login(app, "annan", "redaktör").get(image_url).status_code == 404  # only for the uploader
    with app.app_context():
        assert not pages.count_pages()  # nothing saved yet
    saved = client.post("/ny", data={**fields, "save": "Spara"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with app.app_context():
        page = pages.get("rutin-for-samordnad-individuell-plan-sip")
        assert page is not None and not page.is_published  # a routine waits for approval
        assert [a.name for a in attachments.for_page(page, editor=True)] == ["bild-1.png"]
        source = page.current.source
        assert "![Flödesschema för SIP](/sida/rutin-for-samordnad-individuell-plan-sip/bilagor/bild-1.png)" in source
        assert "/ny/word/" not in source
        assert '<img src="/sida/rutin-for-samordnad-individuell-plan-sip/bilagor/bild-1.png"' in page.html
    assert client.get("/sida/rutin-for-samordnad-individuell-plan-sip/bilagor/bild-1.png").data == docs.png(8, 6)
    assert client.get(image_url).status_code == 404  # no longer waiting
    assert not any((Path(app.instance_path) / "word-import").iterdir())


def test_an_image_taken_out_of_the_text_is_not_attached(app, client):
    """If the user removes an image from the text before saving, does the page get no attachment for it?"""
    fields = editor_fields(upload(client, docs.routine()).get_data(as_text=True))
    fields["source"] = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", fields["source"])
    assert client.post("/ny", data={**fields, "save": "Spara"}).status_code == 302
    with app.app_context():
        page = pages.get("rutin-for-samordnad-individuell-plan-sip")
        assert page.is_published and attachments.for_page(page, editor=True) == []


def test_a_refused_document_says_why_in_swedish(client):
    """Does an encrypted document give the reason at the upload field, with the editor still there?"""
    response = upload(client, docs.encrypted())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Dokumentet kunde inte läsas in" in html and "krypterat eller lösenordsskyddat" in html
    assert 'name="source"' in html


def test_an_oversized_document_is_refused(tmp_path):
    """Is a document larger than the attachment limit refused before it is read?"""
    app = make_app(tmp_path / "instance", ATTACHMENT_MAX=4000)
    response = upload(login(app, "redaktor"), docs.routine())
    assert response.status_code == 422
    assert "Dokumentet är för stort" in response.get_data(as_text=True)


def test_a_document_with_a_personnummer_is_refused(app, client):
    """Is a document with a personnummer refused with the usual message, nothing kept?"""
    content = docs.Builder("Avvikelse").paragraph("Patienten 19121212-1212 skrevs ut.").image().bytes()
    html = upload(client, content, name="Avvikelse.docx").get_data(as_text=True)
    assert "personnummer" in html and "ladda upp dokumentet igen" in html
    assert not (Path(app.instance_path) / "word-import").exists()


# --- kb import ------------------------------------------------------------------------------------

def test_kb_import_makes_pages_of_word_documents_with_their_type(app, tmp_path):
    """Does `kb import --type routine` make an approved routine of each .docx, its images attachments,
    report each file, and change nothing when run again?"""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "sip-rutin.docx").write_bytes(docs.routine())
    (folder / "Mötesformer.docx").write_bytes(docs.Builder("Mötesformer").paragraph("Vi möts varannan vecka.").bytes())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", str(folder), "--type", "routine"])
    assert result.exit_code == 0, result.output
    assert "sip-rutin.docx: ny sida ”Rutin för samordnad individuell plan (SIP)” (sip-rutin), 1 bild som bilaga" \
        in result.output
    assert "Mötesformer.docx: ny sida ”Mötesformer” (motesformer)" in result.output
    assert "Word-dokument: 2 nya sidor, 0 ändrade, 0 oförändrade, 1 nya bilder som bilagor." in result.output
    with app.app_context():
        page = pages.get("sip-rutin")
        assert page.type == "routine" and page.is_published
        assert "](/sida/sip-rutin/bilagor/bild-1.png)" in page.published.source
        assert [a.name for a in attachments.for_page(page)] == ["bild-1.png"]
    again = runner.invoke(args=["import", str(folder), "--type", "routine"])
    assert again.exit_code == 0 and "0 nya sidor, 0 ändrade, 2 oförändrade, 0 nya bilder" in again.output


def test_kb_import_reports_a_bad_document_and_imports_the_rest(app, tmp_path):
    """Is a document with a personnummer or a broken one named, nothing of it saved, the rest imported
    as articles (the default type)?"""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "hel.docx").write_bytes(docs.Builder("Hel").paragraph("Text.").bytes())
    (folder / "pnr.docx").write_bytes(docs.Builder("Pnr").paragraph("Se 19121212-1212.").image().bytes())
    (folder / "trasig.docx").write_bytes(b"PK\x03\x04trasig")
    result = app.test_cli_runner().invoke(args=["import", str(folder)])
    assert result.exit_code == 1
    assert "FEL i pnr.docx: " in result.output and "personnummer" in result.output
    assert "FEL i trasig.docx: " in result.output
    with app.app_context():
        assert pages.get("hel").type == "article"
        assert pages.get("pnr") is None and pages.get("trasig") is None
