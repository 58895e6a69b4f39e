"""Attachments, the files themselves: type from content, safe names, and text read within bounds."""
from __future__ import annotations

import unicodedata

import attachment_files as files
import pytest

from kb import extract
from kb.constants import ExtractionStatus, MediaType
from kb.exceptions import ValidationError
from kb.services import attachments


def refused(content: bytes, name: str = "fil") -> str:
    """The Swedish message an upload of `content` named `name` is refused with."""
    with pytest.raises(ValidationError) as info:
        attachments.check_file(name, content)
    return info.value.errors["file"]


# --- type detection ---------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "expected"), [
    (files.pdf(), MediaType.PDF),
    (files.docx(), MediaType.DOCX),
    (files.xlsx(), MediaType.XLSX),
    (files.odt(), MediaType.ODT),
    ("Rutin för hemgång\nRad två\n".encode(), MediaType.TEXT),
    ("\ufeffText med BOM och åäö".encode(), MediaType.TEXT),
    (files.png(), MediaType.PNG),
    (files.JPEG, MediaType.JPEG),
])
def test_each_allowed_type_is_recognised_from_its_content(content, expected):
    """Is each allowed type known by its bytes, whatever the file is called?"""
    assert attachments.detect_type(content) is expected


def test_the_type_comes_from_the_content_not_the_name(app):
    """Is a DOCX renamed to .pdf refused with a message naming both the extension and the real type?"""
    with app.app_context():
        message = refused(files.docx(), "rutin.pdf")
        assert ".pdf" in message and "Word-dokument" in message
        assert "Kontrollera att du har valt rätt fil" in message
        assert ".png" in refused(files.pdf(), "bild.png")


@pytest.mark.parametrize(("content", "words"), [
    (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "HTML"),
    (b"  <html><body>hej</body></html>", "HTML"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "SVG"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
    (b"#!/bin/sh\nrm -rf /\n", "Skript"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00", "känns inte igen"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "känns inte igen"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "Äldre Word- och Excel-filer"),
    ("Latin-1-text: åäö".encode("latin-1"), "UTF-8"),
    (files.zip_with({"a.txt": b"hej"}), "Zip-arkiv"),
    (files.zip_with({"[Content_Types].xml": files.DOCX_TYPES.replace(
        b"wordprocessingml.document.main+xml", b"macroEnabled.main+xml").replace(
        b"vnd.openxmlformats-officedocument.", b"vnd.ms-word.document.")}), "makron"),
    (files.zip_with({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), "ODT"),
    (b"", "tom"),
])
def test_markup_scripts_programs_and_other_formats_are_refused(app, content, words):
    """Are HTML, SVG, scripts, programs, old Office files, archives and empty files refused in Swedish?"""
    with app.app_context():
        assert words in refused(content, "fil")


def test_a_text_file_named_like_a_web_page_is_refused(app):
    """Is plain text called .html or .js refused by its name, so nothing is ever stored as a web page?"""
    with app.app_context():
        assert "Filer av typen .html tas inte emot" in refused(b"bara text", "sida.html")
        assert "Filer av typen .js tas inte emot" in refused(b"bara text", "kod.js")
        assert "Filer av typen .svg tas inte emot" in refused(b"bara text", "bild.svg")


def test_a_file_over_the_size_limit_is_refused_with_the_limit(tmp_path):
    """Does a file over ATTACHMENT_MAX get a message with its size and the limit?"""
    from factories import make_app

    app = make_app(tmp_path / "instance", ATTACHMENT_MAX=1024)
    with app.app_context():
        message = refused(b"x" * 2048, "stor.txt")
        assert "Filen är för stor (2 kB)" in message and "Största tillåtna storlek är 1 kB" in message
        assert attachments.check_file("liten.txt", b"x" * 1024) == ("liten.txt", MediaType.TEXT)


# --- file names -------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "media_type", "expected"), [
    ("../../etc/passwd.txt", MediaType.TEXT, "passwd.txt"),
    ("C:\\Users\\anna\\Rutin.pdf", MediaType.PDF, "Rutin.pdf"),
    ("Rut\x00in\x1f plan.pdf", MediaType.PDF, "Rut in plan.pdf"),
    ("Överenskommelse för äldre – ÅÄÖ.pdf", MediaType.PDF, "Överenskommelse för äldre – ÅÄÖ.pdf"),
    (unicodedata.normalize("NFD", "Vårdsamverkan.docx"), MediaType.DOCX, "Vårdsamverkan.docx"),
    ('a<b>:c"d|e?f*.pdf', MediaType.PDF, "a_b__c_d_e_f_.pdf"),
    ("rutin", MediaType.PDF, "rutin.pdf"),
    ("RUTIN.PDF", MediaType.PDF, "RUTIN.pdf"),
    ("foto.jpeg", MediaType.JPEG, "foto.jpeg"),
    ("Protokoll 2024.03.12", MediaType.PDF, "Protokoll 2024.03.12.pdf"),
    ("CON.txt", MediaType.TEXT, "_CON.txt"),
    ("lpt1", MediaType.TEXT, "_lpt1.txt"),
    (".htaccess", MediaType.TEXT, "htaccess.txt"),
    ("   ", MediaType.PDF, "bilaga.pdf"),
    ("..", MediaType.PDF, "bilaga.pdf"),
    ("slut med punkter... .pdf", MediaType.PDF, "slut med punkter.pdf"),
])
def test_file_names_are_sanitised(raw, media_type, expected):
    """Are folders, control and reserved characters removed, Swedish letters kept, the extension fitted?"""
    assert attachments.sanitise_filename(raw, media_type) == expected


def test_a_right_to_left_override_cannot_disguise_an_extension():
    """Is "faktura\u202efdp.exe" (shown as "fakturaexe.pdf") refused as the .exe it is?"""
    with pytest.raises(ValidationError) as info:
        attachments.sanitise_filename("faktura\u202efdp.exe", MediaType.PDF)
    assert ".exe" in info.value.errors["file"]


def test_very_long_names_are_cut_and_keep_their_extension():
    """Is a 300-character name cut to NAME_CHARS with the extension kept?"""
    name = attachments.sanitise_filename("å" * 300 + ".docx", MediaType.DOCX)
    assert len(name) == attachments.NAME_CHARS and name.endswith("å.docx")


# --- text extraction --------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "media_type", "words"), [
    (files.pdf(), MediaType.PDF, ["sammankallande", "Checklista för den"]),
    (files.docx(), MediaType.DOCX, ["MedControl Pro", "Berörda verksamheter",
                                    "Vårdavdelning och hemsjukvård"]),
    (files.xlsx(), MediaType.XLSX, ["Uppföljning 2024", "Utskrivningsklara", "Januari\t41"]),
    (files.odt(), MediaType.ODT, ["Inbjudan", "proaktiv SIP vid demens"]),
    ("\ufeffRutin för hemgång".encode(), MediaType.TEXT, ["Rutin för hemgång"]),
])
def test_the_text_of_each_document_type_is_read(content, media_type, words):
    """Is the text of a PDF, DOCX (tables too), XLSX, ODT and text file read, å/ä/ö intact?"""
    found = extract.extract(content, media_type.value)
    assert found.status is ExtractionStatus.OK, found.message
    for word in words:
        assert word in found.text
    assert "\ufeff" not in found.text


def test_images_have_no_text_to_read():
    """Is an image stored with status 'none' (nothing to read) rather than a failure?"""
    found = extract.extract(files.png(), MediaType.PNG.value)
    assert found.status is ExtractionStatus.NONE and found.text == ""


@pytest.mark.parametrize(("content", "media_type", "reason"), [
    (files.encrypted_pdf(), MediaType.PDF, "krypterad"),
    (files.corrupt_pdf(), MediaType.PDF, "skadad"),
    (files.malformed_docx(), MediaType.DOCX, "skadad"),
    (files.zip_bomb_docx(), MediaType.DOCX, "zip-bomb"),
    (files.zip_with({f"{n}.xml": b"x" for n in range(extract.ZIP_MAX_ENTRIES + 1)}), MediaType.XLSX,
     "zip-bomb"),
    (files.zip_with({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml":
                     b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                     b"<d>&b;</d>"}), MediaType.ODT, "skadad"),
])
def test_unreadable_files_give_a_clear_reason(content, media_type, reason):
    """Do encrypted, corrupt, malformed, bomb-like and entity-laden files say why their text is unreadable?"""
    found = extract.extract(content, media_type.value)
    assert found.status is ExtractionStatus.FAILED and found.text == ""
    assert found.message.startswith("Texten kunde inte läsas:") and reason in found.message


def test_a_pdf_locked_only_against_editing_is_still_read():
    """Does a PDF with only an owner password (opens without one) have its text read?"""
    found = extract.extract(files.encrypted_pdf(password=""), MediaType.PDF.value)
    assert found.status is ExtractionStatus.OK and "Hemlig text" in found.text


def test_reading_is_stopped_after_the_time_limit():
    """Is a reading that takes longer than the timeout killed and reported, not waited for?"""
    found = extract.extract(files.pdf(), MediaType.PDF.value, timeout=0.01)
    assert found.status is ExtractionStatus.FAILED and "för lång tid" in found.message


def test_reading_is_bounded_in_memory():
    """Does a reading that needs more memory than allowed fail with a message, not take the server down?"""
    found = extract.extract(b"ord " * 5_000_000, MediaType.TEXT.value, memory=48 * 1024 * 1024)
    assert found.status is ExtractionStatus.FAILED and "minne" in found.message


def test_the_text_kept_is_capped():
    """Is the text kept cut at text_max characters?"""
    found = extract.extract(("samverkan " * 1000).encode(), MediaType.TEXT.value, text_max=500)
    assert found.status is ExtractionStatus.OK and len(found.text) <= 500


def test_the_zip_guard_reads_only_the_directory():
    """Does the zip check judge sizes from the directory, passing ordinary documents?"""
    assert extract.zip_problem(files.docx()) is None
    assert extract.zip_problem(files.xlsx()) is None
    assert extract.zip_problem(files.zip_bomb_docx()) == "zip"
    assert extract.zip_problem(b"PK\x03\x04 not really a zip") == "corrupt"


def test_the_size_limit_is_configurable_and_the_request_limit_follows():
    """Does KB_ATTACHMENT_MAX set the limit, and is MAX_CONTENT_LENGTH raised to let such a file through?"""
    from kb import config

    assert config.env_overrides({"KB_ATTACHMENT_MAX": "52428800"}) == {"ATTACHMENT_MAX": 50 * 1024 * 1024}
    settings = {"ATTACHMENT_MAX": 50 * 1024 * 1024, "MAX_CONTENT_LENGTH": 30 * 1024 * 1024}
    config.fit_upload_limit(settings)
    assert settings["MAX_CONTENT_LENGTH"] == 50 * 1024 * 1024 + config.UPLOAD_OVERHEAD
    assert config.DEFAULTS["ATTACHMENT_MAX"] == 20 * 1024 * 1024
