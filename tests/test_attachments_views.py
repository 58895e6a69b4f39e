"""Attachments in the browser's view: upload form, versions, downloads and their headers, who may do what."""
from __future__ import annotations

import io
import re

import attachment_files as files
import pytest
from factories import login, make_app, make_page

from kb.constants import MediaType
from kb.extensions import db
from kb.models import AttachmentVersion
from kb.services import attachments, pages

LIST = "/sida/sip/bilagor"


@pytest.fixture
def sip(app):
    """A routine page "SIP" (slug sip)."""
    with app.app_context():
        make_page("SIP", "Samordnad individuell plan.\n", type="article", slug="sip")
    return "sip"


def upload(client, content: bytes, name: str, comment: str = "", path: str = LIST, **kw):
    """POST the upload form with a file."""
    data = {"file": (io.BytesIO(content), name), "comment": comment, **kw}
    return client.post(path, data=data, content_type="multipart/form-data")


def text(response) -> str:
    """The response body as text, whitespace collapsed."""
    return " ".join(response.get_data(as_text=True).split())


def stored(app, name: str = "Rutin.pdf"):
    """The attachment called `name` on the SIP page (None if there is none)."""
    with app.app_context():
        return attachments.get(pages.get("sip"), name)


def current(app, name: str = "Rutin.pdf") -> AttachmentVersion:
    """The current version of the attachment `name` on the SIP page (without its bytes)."""
    with app.app_context():
        return attachments.get_version(attachments.get(pages.get("sip"), name))


def upload_large(client, content: bytes, name: str):
    """POST a large file as a ready-made multipart body (the test client would leave a spooled file open)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), filename=name),
                                       "csrf_token": client.csrf_token()})
    return client.post(LIST, data=body, content_type=f"multipart/form-data; boundary={boundary}")


# --- upload, versions -------------------------------------------------------------------------

def test_an_editor_uploads_a_document_and_sees_it_listed(app, client, sip):
    """Does an upload redirect to the list, which shows the name, type, size, uploader and search status?"""
    response = upload(client, files.pdf(), "Rutin.pdf", "Första versionen")
    assert response.status_code == 302 and response.headers["Location"].startswith(LIST + "#bilaga-")
    page = text(client.get(LIST))
    assert "”Rutin.pdf” laddades upp." in page
    assert re.search(r"PDF · [\d,]+ (byte|kB) · version 1 · uppladdad av redaktor", page)
    assert "Texten är sökbar." in page and "Första versionen" in page
    assert 'enctype="multipart/form-data"' in page


def test_a_second_upload_of_the_same_name_is_a_new_version_and_the_old_one_stays(app, client, sip):
    """After uploading "Rutin.pdf" twice, does the list show version 2 and link version 1's old bytes?"""
    upload(client, files.pdf("Första"), "Rutin.pdf")
    upload(client, files.pdf("Andra"), "Rutin.pdf", "Reviderad")
    page = text(client.get(LIST))
    assert "En ny version av ”Rutin.pdf” sparades (version 2). De tidigare versionerna finns kvar." in page
    assert "version 2" in page and "Tidigare versioner (1)" in page
    old = client.get(LIST + "/Rutin.pdf/version/1")
    assert old.data == files.pdf("Första")
    assert 'filename="Rutin (version 1).pdf"' in old.headers["Content-Disposition"]
    assert client.get(LIST + "/Rutin.pdf").data == files.pdf("Andra")


def test_a_new_version_can_be_uploaded_from_the_versions_page_under_another_name(app, client, sip):
    """Can an editor pick "rutin-2025.pdf" on the versions page of "Rutin.pdf" to replace it?"""
    upload(client, files.pdf("Första"), "Rutin.pdf")
    versions = LIST + "/Rutin.pdf/versioner"
    response = upload(client, files.pdf("Andra"), "rutin-2025.pdf", "Årets", path=versions)
    assert response.status_code == 302
    page = text(client.get(versions))
    assert "Version 2</a> (nuvarande)" in page and "Årets" in page and "Version 1</a>" in page
    assert stored(app).version_number == 2 and stored(app, "rutin-2025.pdf") is None
    wrong = upload(client, files.docx(), "rutin.docx", path=versions)
    assert wrong.status_code == 422 and "måste vara av samma typ" in text(wrong)


def test_an_identical_file_is_reported_as_no_change(app, client, sip):
    """Is uploading the same file again answered "Ingen ändring" with no new version?"""
    upload(client, files.pdf(), "Rutin.pdf")
    response = upload(client, files.pdf(), "Rutin.pdf")
    assert response.status_code == 302
    message = "Ingen ändring: filen är identisk med den nuvarande versionen av ”Rutin.pdf”."
    assert message in text(client.get(LIST))
    assert stored(app).version_number == 1


@pytest.mark.parametrize(("content", "name", "message"), [
    (files.docx(), "rutin.pdf", "Filens namn slutar på .pdf men innehållet är av typen Word-dokument."),
    (b"", "tom.txt", "Filen är tom."),
    (b"<html><script>alert(1)</script></html>", "sida.txt", "HTML-, SVG- och XML-filer tas inte emot."),
    (b"<svg onload=alert(1)>", "bild.svg", "tas inte emot"),
    (files.zip_bomb_docx(), "bomb.docx", "zip-bomb"),
])
def test_refused_files_get_a_swedish_message_and_nothing_is_stored(app, client, sip, content, name, message):
    """Does a refused file give 422 with the reason next to the file field, and store nothing?"""
    response = upload(client, content, name)
    assert response.status_code == 422
    body = text(response)
    assert message in body and "Något behöver rättas" in body and 'aria-invalid="true"' in body
    with app.app_context():
        assert attachments.for_page(pages.get("sip"), include_deleted=True) == []


def test_no_file_chosen_is_a_validation_error(app, client, sip):
    """Is submitting the form without a file answered with "Välj en fil att ladda upp."?"""
    response = client.post(LIST, data={"comment": "x"}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Välj en fil att ladda upp." in text(response)


def test_a_file_whose_text_cannot_be_read_is_stored_with_a_clear_message(app, client, sip):
    """Is an encrypted PDF stored, with "Texten kunde inte läsas" in the flash and the list?"""
    locked = files.encrypted_pdf()
    upload(client, locked, "Låst.pdf")
    page = text(client.get(LIST))
    assert "Texten kunde inte läsas: filen är krypterad eller lösenordsskyddad." in page
    assert "Filen går att ladda ner men inte att hitta via sökningen." in page
    assert client.get(LIST + "/Låst.pdf").data == locked


def test_a_file_over_the_attachment_limit_gets_the_limit_in_swedish(tmp_path):
    """With ATTACHMENT_MAX at 1 kB, is a 2 kB upload refused with both sizes?"""
    app = make_app(tmp_path / "instance", ATTACHMENT_MAX=1024)
    with app.app_context():
        make_page("SIP", type="article", slug="sip")
    response = upload(login(app, "redaktor"), b"x" * 2048, "stor.txt")
    assert response.status_code == 422 and "Största tillåtna storlek är 1 kB" in text(response)


def test_a_request_over_the_request_limit_gets_a_swedish_413_page(tmp_path):
    """Is a request larger than MAX_CONTENT_LENGTH answered 413 with the file limit, in Swedish?"""
    app = make_app(tmp_path / "instance", ATTACHMENT_MAX=1024 * 1024, MAX_CONTENT_LENGTH=2 * 1024 * 1024)
    with app.app_context():
        make_page("SIP", type="article", slug="sip")
    response = upload_large(login(app, "redaktor"), b"x" * (3 * 1024 * 1024), "stor.txt")
    assert response.status_code == 413
    assert "Filen är för stor. Största tillåtna storlek är 1 MB." in text(response)


def test_the_request_limit_lets_the_largest_allowed_file_through(app, client, sip):
    """Does the default config accept a file of exactly ATTACHMENT_MAX (20 MB) through the form?"""
    assert app.config["ATTACHMENT_MAX"] == 20 * 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] > app.config["ATTACHMENT_MAX"]
    big = files.png()
    big += b"\x00" * (app.config["ATTACHMENT_MAX"] - len(big))
    response = upload_large(client, big, "Stor bild.png")
    assert response.status_code == 302
    assert current(app, "Stor bild.png").size == 20 * 1024 * 1024


# --- downloads --------------------------------------------------------------------------------

def test_documents_download_with_their_type_nosniff_and_a_csp_that_allows_nothing(app, client, sip):
    """Is a PDF served as application/pdf, as a download with a Swedish filename*, nosniff, CSP none, ETag?"""
    upload(client, files.pdf(), "Överenskommelse för äldre.pdf")
    response = client.get(LIST + "/Överenskommelse för äldre.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%C3%96verenskommelse%20f%C3%B6r%20%C3%A4ldre.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    sha = current(app, "Överenskommelse för äldre.pdf").sha256
    assert response.headers["ETag"] == f'"{sha}"'
    assert "private" in response.headers["Cache-Control"]
    again = client.get(LIST + "/Överenskommelse för äldre.pdf", headers={"If-None-Match": f'"{sha}"'})
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize(("content", "name", "mimetype", "inline"), [
    (files.png(), "Flöde.png", "image/png", True),
    (files.JPEG, "Foto.jpg", "image/jpeg", True),
    (files.docx(), "Blankett.docx", MediaType.DOCX.value, False),
    (files.xlsx(), "Uppföljning.xlsx", MediaType.XLSX.value, False),
    (files.odt(), "Inbjudan.odt", "application/vnd.oasis.opendocument.text", False),
    ("Anteckning åäö".encode(), "Anteckning.txt", "text/plain", False),
])
def test_images_are_shown_inline_and_everything_else_is_downloaded(app, client, sip, content, name, mimetype,
                                                                    inline):
    """Are PNG and JPEG served inline, and DOCX, XLSX, ODT and text as downloads, each with its own type?"""
    upload(client, content, name)
    response = client.get(f"{LIST}/{name}")
    assert response.mimetype == mimetype and response.data == content
    assert response.headers["Content-Disposition"].startswith("inline;" if inline else "attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if mimetype == "text/plain":
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_nothing_stored_is_ever_served_as_html_or_svg(app, client, sip):
    """Even if a stored type said text/html, is the file served as an octet-stream download?"""
    upload(client, b"<p>bara text</p> men inte html", "Anteckning.txt")
    with app.app_context():
        version = db.session.scalars(db.select(AttachmentVersion)).one()
        version.media_type = "text/html"
        db.session.commit()
    response = client.get(LIST + "/Anteckning.txt")
    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_the_stable_link_serves_the_current_version(app, client, sip):
    """Does /bilagor/<id> (the link search hits use) serve the current version?"""
    upload(client, files.pdf("Första"), "Rutin.pdf")
    upload(client, files.pdf("Andra"), "Rutin.pdf")
    response = client.get(f"/bilagor/{stored(app).id}")
    assert response.data == files.pdf("Andra") and response.mimetype == "application/pdf"
    assert client.get("/bilagor/999").status_code == 404
    assert client.get(LIST + "/Rutin.pdf/version/9").status_code == 404
    assert client.get(LIST + "/Finns inte.pdf").status_code == 404


# --- who may do what ----------------------------------------------------------------------------

def test_anonymous_visitors_read_files_when_reading_is_public(app, client, anon, sip):
    """With public reading on, can an anonymous visitor list and download, but not upload?"""
    upload(client, files.pdf(), "Rutin.pdf")
    assert anon.get(LIST).status_code == 200 and "Ladda upp en fil" not in text(anon.get(LIST))
    assert anon.get(LIST + "/Rutin.pdf").status_code == 200
    response = upload(anon, files.pdf("Annan"), "Rutin.pdf")
    assert response.status_code == 302 and "/logga-in" in response.headers["Location"]
    assert stored(app).version_number == 1


def test_files_need_a_login_when_reading_is_not_public(tmp_path):
    """With PUBLIC_READ off, are the list, the file and the stable link closed to anonymous visitors?"""
    app = make_app(tmp_path / "instance", PUBLIC_READ=False)
    with app.app_context():
        page = make_page("SIP", type="article", slug="sip")
        attachment_id = attachments.upload(page, "Rutin.pdf", files.pdf(), author="anna").attachment_id
    anon = app.test_client()
    for path in (LIST, LIST + "/Rutin.pdf", LIST + "/Rutin.pdf/version/1", f"/bilagor/{attachment_id}",
                 LIST + "/Rutin.pdf/versioner"):
        response = anon.get(path)
        assert response.status_code == 302 and "/logga-in" in response.headers["Location"], path
    reader = login(app, "lasare", "läsare")
    assert reader.get(LIST + "/Rutin.pdf").data == files.pdf()


def test_a_reader_cannot_upload_delete_or_restore(app, client, sip):
    """Is a logged-in reader refused (403) every change, and shown no upload form?"""
    upload(client, files.pdf(), "Rutin.pdf")
    reader = login(app, "lasare", "läsare")
    assert "Ladda upp en fil" not in text(reader.get(LIST))
    assert upload(reader, files.pdf("Annan"), "Rutin.pdf").status_code == 403
    assert upload(reader, files.pdf("Annan"), "x.pdf", path=LIST + "/Rutin.pdf/versioner").status_code == 403
    assert reader.post(LIST + "/Rutin.pdf/ta-bort", data={}).status_code == 403
    assert reader.post(LIST + "/Rutin.pdf/aterskapa", data={}).status_code == 403
    assert stored(app).version_number == 1 and not stored(app).deleted


def test_an_upload_without_a_csrf_token_is_refused(app, client, sip):
    """Is a multipart upload without the CSRF token answered 400, with nothing stored?"""
    data = {"file": (io.BytesIO(files.pdf()), "Rutin.pdf")}
    response = client.post(LIST, data=data, content_type="multipart/form-data", with_csrf=False)
    assert response.status_code == 400 and "säkerhetstoken" in text(response)
    assert stored(app) is None


def test_editors_delete_and_restore_attachments(app, client, anon, sip):
    """Is a deleted attachment hidden from readers but listed for editors, and back after restore?"""
    upload(client, files.pdf(), "Rutin.pdf")
    response = client.post(LIST + "/Rutin.pdf/ta-bort", data={})
    assert response.status_code == 302
    page = text(client.get(LIST))
    assert "”Rutin.pdf” togs bort. Den kan återskapas under Borttagna bilagor." in page
    assert "Borttagna bilagor" in page and "Återskapa" in page
    assert anon.get(LIST + "/Rutin.pdf").status_code == 404
    assert "Rutin.pdf" not in text(anon.get(LIST))
    assert client.get(LIST + "/Rutin.pdf/versioner").status_code == 200
    client.post(LIST + "/Rutin.pdf/aterskapa", data={})
    assert "”Rutin.pdf” återskapades." in text(client.get(LIST))
    assert anon.get(LIST + "/Rutin.pdf").status_code == 200


def test_attachments_of_a_deleted_page_are_for_admins_only(app, client, admin, sip):
    """When the page is deleted, do its files 404 for editors and readers but open for an admin?"""
    upload(client, files.pdf(), "Rutin.pdf")
    attachment_id = stored(app).id
    with app.app_context():
        pages.delete_page(pages.get("sip"), author="admin")
    for path in (LIST, LIST + "/Rutin.pdf", f"/bilagor/{attachment_id}"):
        assert client.get(path).status_code == 404, path
        assert admin.get(path).status_code == 200, path
    assert "Sidan är borttagen" in text(admin.get(LIST)) and "Ladda upp en fil" not in text(admin.get(LIST))


# --- search ---------------------------------------------------------------------------------------

def test_the_results_page_shows_the_document_and_its_page(app, client, anon, sip):
    """Does /sok show the document's name (once, as the heading) and "Bilaga · på sidan <page>", with
    links to the file and the page?"""
    upload(client, files.docx("Mallen heter kallelseunderlag."), "Kallelse.docx")
    body = text(anon.get("/sok?q=kallelseunderlag"))
    assert ('Bilaga</span> · <span class="hit-area">SAMLA – Vårdsamverkan Lerum Alingsås</span> · '
            'på sidan <a href="/sida/sip">SIP</a>') in body
    assert re.search(r'<a href="/bilagor/\d+">Kallelse.docx</a>', body) and body.count("Kallelse.docx") == 1
    assert "<mark>kallelseunderlag</mark>" in body
    facets = text(anon.get("/sok?q=kallelseunderlag&typ=attachment"))
    assert "Bilagor" in facets and "1 träff" in facets


def test_the_api_finds_attachments_when_asked(app, client, anon, sip):
    """Does /api/search?kind=attachment return the document with its page, and pages only by default?"""
    upload(client, files.pdf("Ordet telefonkedja."), "Rutin.pdf")
    body = anon.get("/api/search?q=telefonkedja&kind=attachment").get_json()
    [result] = body["results"]
    assert (result["kind"], result["title"], result["page"], result["page_slug"]) == (
        "attachment", "Rutin.pdf", "SIP", "sip")
    assert result["url"].endswith(f"/bilagor/{stored(app).id}") and result["page_url"].endswith("/sida/sip")
    assert anon.get("/api/search?q=telefonkedja").get_json()["total"] == 0
    assert anon.get("/api/search?q=telefonkedja&kind=all").get_json()["total"] == 1


def test_the_page_view_section_lists_the_documents(app, client, sip):
    """Does the partial for the page view list each document with its type, size and version?"""
    from flask import render_template

    upload(client, files.pdf("Första"), "Rutin.pdf")
    upload(client, files.pdf("Andra"), "Rutin.pdf")
    with app.test_request_context("/sida/sip"):
        page = pages.get("sip")
        html = " ".join(render_template("attachments/_section.html", page=page,
                                        page_attachments=attachments.for_page(page)).split())
    assert '<a href="/sida/sip/bilagor/Rutin.pdf">Rutin.pdf</a>' in html and "(PDF," in html
    assert "version 2)" in html and 'href="/sida/sip/bilagor">Alla bilagor och tidigare versioner' in html
