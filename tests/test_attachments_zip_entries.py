"""Zip entry bombs: a DOCX or XLSX of hundreds of thousands of empty entries is refused from the
zip's end records, before zipfile reads (and builds an object for) every entry of its directory."""
from __future__ import annotations

import io
import subprocess
import tracemalloc
import zipfile

import attachment_files as files
import pytest
from factories import make_page
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from kb import extract
from kb.constants import ExtractionStatus, MediaType
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import Attachment
from kb.services import attachments
from kb.services.plans import table as plan_table

REFUSED = f"Filen består av fler än {extract.ZIP_MAX_ENTRIES} delar"


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A 20 MB "DOCX" of 240,000 empty entries (ZIP64 end records, as zipfile writes them)."""
    return files.many_entries_docx(240_000)


def forbid_zipfile(monkeypatch, content: bytes) -> list[str]:
    """Record (and fail) every attempt to open `content` with zipfile; the list stays empty when
    its directory is never read."""
    real = zipfile.ZipFile
    opened: list[str] = []

    def guarded(file, *args, **kwargs):
        if isinstance(file, io.BytesIO) and file.getvalue() == content:
            opened.append("zipfile.ZipFile")
            raise AssertionError("zipfile read the directory of a zip entry bomb")
        return real(file, *args, **kwargs)

    monkeypatch.setattr(zipfile, "ZipFile", guarded)
    return opened


# --- counting entries -------------------------------------------------------------------------

def test_the_entry_count_comes_from_the_end_records():
    """Does the count from the end records match what zipfile finds, for documents and ZIP64 files?"""
    for content in (files.docx(), files.xlsx(), files.odt(), files.many_entries_docx(70_000)):
        assert extract.zip_entries(content) == len(zipfile.ZipFile(io.BytesIO(content)).infolist())
    assert extract.zip_entries(b"PK\x03\x04 not really a zip") is None
    assert extract.zip_entries(b"") is None


def test_a_zip64_end_record_written_by_zipfile_is_read(monkeypatch):
    """Is the ZIP64 end record's count used when zipfile writes one (it does past 65,535 entries)?"""
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 2)
    content = files.zip_with({f"{n}.xml": b"x" for n in range(5)})
    assert b"PK\x06\x06" in content and extract.zip_entries(content) == 5


def test_an_end_record_that_understates_its_entries_is_not_believed():
    """Is a zip whose end record claims one entry counted by the directory it points at, and one that
    claims 240,000 refused on its word?"""
    understated = files.many_entries_docx(extract.ZIP_MAX_ENTRIES + 1, declared=1)
    assert extract.zip_entries(understated) == extract.ZIP_MAX_ENTRIES + 2
    assert extract.zip_problem(understated) == "entries"
    assert extract.zip_problem(files.many_entries_docx(10, declared=240_000)) == "entries"


# --- refused everywhere, before zipfile ---------------------------------------------------------

def test_type_detection_refuses_the_bomb_without_reading_its_directory(app, monkeypatch, bomb):
    """Is the 240,000-entry DOCX refused by the upload check with a Swedish message, without zipfile and
    without copying the file (less than a megabyte allocated for a 20 MB file)?"""
    opened = forbid_zipfile(monkeypatch, bomb)
    with app.app_context():
        tracemalloc.start()
        try:
            with pytest.raises(ValidationError) as info:
                attachments.check_file("rapport.docx", bomb)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert info.value.errors["file"].startswith(REFUSED) and "zip-bomb" in info.value.errors["file"]
    assert opened == [] and peak < 1024 * 1024


def test_an_upload_of_the_bomb_is_refused_and_nothing_is_stored(app, monkeypatch, bomb):
    """Does the attachment service refuse the bomb with the Swedish reason and store nothing?"""
    opened = forbid_zipfile(monkeypatch, bomb)
    with app.app_context():
        page = make_page("Avvikelser", type="routine")
        with pytest.raises(ValidationError) as info:
            attachments.upload(page, "rapport.docx", bomb, author="anna")
        assert REFUSED in info.value.errors["file"]
        assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0
    assert opened == []


def test_the_upload_form_refuses_the_bomb_next_to_the_file_field(app, client, monkeypatch, bomb):
    """Does uploading the bomb in the browser give 422 with the reason at the file field, and store nothing?"""
    with app.app_context():
        make_page("SIP", "Samordnad individuell plan.\n", type="routine", slug="sip")
    opened = forbid_zipfile(monkeypatch, bomb)
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(bomb), filename="rapport.docx"),
                                       "csrf_token": client.csrf_token()})
    response = client.post("/sida/sip/bilagor", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    page = " ".join(response.get_data(as_text=True).split())
    assert response.status_code == 422
    assert REFUSED in page and 'aria-invalid="true"' in page
    assert opened == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0


def test_text_extraction_refuses_the_bomb_without_a_child_process(monkeypatch, bomb):
    """Does reading the text of such a file (an imported version) fail at once with the reason, never
    starting the reader process or zipfile?"""
    opened = forbid_zipfile(monkeypatch, bomb)

    def no_child(*args, **kwargs):
        raise AssertionError("the reader process was started")

    monkeypatch.setattr(subprocess, "run", no_child)
    found = extract.extract(bomb, MediaType.DOCX.value)
    assert found.status is ExtractionStatus.FAILED
    assert found.message == "Texten kunde inte läsas: filen består av orimligt många delar (den liknar en zip-bomb)."
    assert opened == []


@pytest.mark.parametrize("declared", [None, 1])
def test_a_plan_import_refuses_a_workbook_of_too_many_entries(monkeypatch, declared):
    """Is an .xlsx with more entries than a plan workbook can have refused with a Swedish message before
    zipfile reads it, even when its end record understates the count?"""
    content = files.many_entries_docx(plan_table.XLSX_ENTRIES_MAX, declared=declared)
    opened = forbid_zipfile(monkeypatch, content)
    with pytest.raises(plan_table.PlanImportError) as info:
        plan_table.read_table("plan.xlsx", content)
    assert [str(e) for e in info.value.errors] == [
        f"Excel-filen består av för många delar (högst {plan_table.XLSX_ENTRIES_MAX}). "
        "Spara om den i Excel och försök igen."]
    assert opened == []
