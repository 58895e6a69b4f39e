"""The page editor's "Bild eller fil" dialog: its JSON list of a page's files and its upload, who may use them."""
from __future__ import annotations

import io

import attachment_files as files
import pytest
from factories import login, make_app, make_page, make_user

from kb.services import areas, attachments, pages

URL = "/sida/sip/redigera/bilagor"
JSON = {"Accept": "application/json"}


@pytest.fixture
def sip(app):
    """A page "SIP" (slug sip) with a PDF and a PNG, and a page of another area (GBG) with a file."""
    with app.app_context():
        page = make_page("SIP", "Samordnad individuell plan.\n", type="article", slug="sip")
        attachments.upload(page, "Rutin.pdf", files.pdf(), author="testare")
        attachments.upload(page, "Karta över flödet.png", files.png(), author="testare")
        areas.create("gbg-sydvast", "NOSAM GBG Sydväst")
        other = make_page("GBG:s rutin", type="article", slug="gbg-rutin", area_id=areas.require("gbg-sydvast").id)
        attachments.upload(other, "gbg.pdf", files.pdf(), author="testare")
        make_user("red-gbg", "läsare", areas={"gbg-sydvast": "redaktör"})
    return "sip"


def upload(client, content: bytes, name: str, url: str = URL, **kw):
    """POST a file as the editor's dialog does (multipart, asking for JSON)."""
    return client.post(url, data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data",
                       headers=JSON, **kw)


def names(app) -> list[str]:
    """The names of the SIP page's attachments (deleted ones too)."""
    with app.app_context():
        return [a.name for a in attachments.for_page(pages.get("sip"), editor=True, include_deleted=True)]


def test_an_editor_gets_the_pages_files_with_the_links_the_text_uses(app, client, sip):
    """Does the list give each file's name, the /sida/…/bilagor/… path and whether it is an image?"""
    response = client.get(URL, headers=JSON)
    assert response.status_code == 200
    data = response.get_json()
    assert data["attachments"] == [
        {"name": "Karta över flödet.png", "url": "/sida/sip/bilagor/Karta%20%C3%B6ver%20fl%C3%B6det.png",
         "is_image": True},
        {"name": "Rutin.pdf", "url": "/sida/sip/bilagor/Rutin.pdf", "is_image": False},
    ]
    assert "Tillåtna filtyper" in data["help"]
    assert client.get(data["attachments"][0]["url"]).mimetype == "image/png"


def test_an_upload_from_the_editor_answers_with_the_file_to_insert(app, client, sip):
    """Is a new file stored, and answered 201 with its link and a Swedish message?"""
    response = upload(client, files.docx(), "Mall för SIP.docx")
    assert response.status_code == 201
    data = response.get_json()
    assert data["attachment"] == {"name": "Mall för SIP.docx", "url": "/sida/sip/bilagor/Mall%20f%C3%B6r%20SIP.docx",
                                  "is_image": False}
    assert data["message"] == "”Mall för SIP.docx” laddades upp."
    assert "Mall för SIP.docx" in names(app)


def test_the_same_file_again_is_no_new_version_but_can_still_be_inserted(app, client, sip):
    """Is an identical file answered 200 with the existing attachment, and no new version?"""
    response = upload(client, files.pdf(), "Rutin.pdf")
    assert response.status_code == 200
    assert response.get_json()["attachment"]["url"] == "/sida/sip/bilagor/Rutin.pdf"
    assert "identisk" in response.get_json()["message"]
    with app.app_context():
        assert attachments.get(pages.get("sip"), "Rutin.pdf").version_number == 1


@pytest.mark.parametrize(("content", "name", "message"), [
    (files.docx(), "rutin.pdf", "Filens namn slutar på .pdf men innehållet är av typen Word-dokument."),
    (b"", "tom.txt", "Filen är tom."),
    (b"<svg onload=alert(1)>", "bild.svg", "tas inte emot"),
])
def test_a_bad_file_gets_a_swedish_reason_and_nothing_is_stored(app, client, sip, content, name, message):
    """Is a refused file answered 422 with the reason in Swedish, and is nothing stored?"""
    response = upload(client, content, name)
    assert response.status_code == 422
    data = response.get_json()
    assert data["error"] == "Filen kunde inte laddas upp."
    assert any(message in reason for reason in data["errors"]), data
    assert sorted(names(app)) == ["Karta över flödet.png", "Rutin.pdf"]


def test_no_file_is_a_clear_error(app, client, sip):
    """Is a POST without a file answered 422 "Välj en fil att ladda upp."?"""
    response = client.post(URL, data={}, content_type="multipart/form-data", headers=JSON)
    assert response.status_code == 422 and response.get_json()["errors"] == ["Välj en fil att ladda upp."]


def test_a_file_over_the_limit_names_the_limit(tmp_path):
    """With ATTACHMENT_MAX at 1 kB, is a 2 kB file refused with the limit in Swedish?"""
    app = make_app(tmp_path / "instance", ATTACHMENT_MAX=1024)
    with app.app_context():
        make_page("SIP", type="article", slug="sip")
    response = upload(login(app, "redaktor"), b"x" * 2048, "stor.txt")
    assert response.status_code == 422
    assert "Största tillåtna storlek är 1 kB" in " ".join(response.get_json()["errors"])


def test_an_upload_without_the_csrf_token_is_refused_in_json(app, client, sip):
    """Is an upload without the CSRF token answered 400 (as JSON, in Swedish) and nothing stored?"""
    response = upload(client, files.docx(), "Mall.docx", with_csrf=False)
    assert response.status_code == 400
    assert "säkerhetstoken" in response.get_json()["message"]
    assert "Mall.docx" not in names(app)


def test_readers_anonymous_visitors_and_other_areas_editors_are_refused(app, client, anon, sip):
    """May a reader, a visitor or an editor of another area list or upload? (No; and GBG's own editor may.)"""
    reader = login(app, "lasare", "läsare")
    assert reader.get(URL, headers=JSON).status_code == 403
    assert upload(reader, files.docx(), "Mall.docx").status_code == 403
    assert anon.get(URL).status_code == 302 and "/logga-in" in anon.get(URL).headers["Location"]
    assert upload(anon, files.docx(), "Mall.docx", with_csrf=False).status_code in (302, 400)
    other = login(app, "red-gbg")
    assert other.get(URL, headers=JSON).status_code == 403
    assert upload(other, files.docx(), "Mall.docx").status_code == 403
    assert "Mall.docx" not in names(app)
    assert [a["name"] for a in other.get("/sida/gbg-rutin/redigera/bilagor", headers=JSON).get_json()["attachments"]] \
        == ["gbg.pdf"]


def test_the_edit_form_offers_files_only_for_a_saved_page_and_works_without_javascript(app, client, sip):
    """Does the edit form name the files' address (a new page's form does not), and keep the plain text
    box and its buttons for a browser without JavaScript?"""
    html = client.get("/sida/sip/redigera").get_data(as_text=True)
    assert f'data-attachments-url="{URL}"' in html
    assert '<textarea class="source-field" id="source" name="source"' in html or 'id="source"' in html
    assert 'type="submit"' in html and 'value="Spara"' in html and 'value="Förhandsgranska"' in html
    assert "js/editor.js" in html and "js/markdown.js" in html
    new = client.get("/ny").get_data(as_text=True)
    assert "data-attachments-url" not in new and 'id="source"' in new and "js/editor.js" in new
