"""Attachments through the service: stored in the database with versions, found by search, exported."""
from __future__ import annotations

import hashlib
import json

import attachment_files as files
import pytest
from factories import edit_page, make_app, make_page

from kb import extract, index
from kb.constants import AuditAction, ExtractionStatus
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import Attachment, AttachmentVersion, AuditEvent, Change
from kb.services import attachments, pages
from kb.services.attachments import folder as attachment_folder


def hits(query: str, **kw) -> list[index.Hit]:
    """Search hits for `query` (all kinds)."""
    return index.search(query, **kw).hits


def titles(query: str, **kw) -> list[str]:
    """Titles of the search hits for `query`."""
    return [h.title for h in hits(query, **kw)]


def test_an_upload_is_stored_in_the_database_with_its_checksum(app):
    """Are the bytes, size, SHA-256, detected type, uploader and comment kept in the database?"""
    content = files.pdf()
    with app.app_context():
        page = make_page("SIP", type="article")
        version = attachments.upload(page, "Rutin för SIP.pdf", content, author="anna", comment="Första")
        db.session.expire_all()
        stored = db.session.get(AttachmentVersion, version.id)
        assert stored.content == content and stored.size == len(content)
        assert stored.sha256 == hashlib.sha256(content).hexdigest()
        assert (stored.media_type, stored.uploader, stored.comment) == ("application/pdf", "anna", "Första")
        assert stored.extraction_status is ExtractionStatus.OK and "sammankallande" in stored.text
        attachment = stored.attachment
        assert attachment.name == "Rutin för SIP.pdf" and attachment.version_number == 1
        assert attachment.page.slug == "sip"
        change = db.session.scalars(db.select(Change).where(Change.entity == "attachment")).one()
        assert (change.entity_id, change.op, change.actor) == (attachment.id, "upsert", "anna")
        event = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.action == AuditAction.ATTACHMENT_UPLOADED.value)).one()
        assert event.target == "sip/Rutin för SIP.pdf" and stored.sha256 in event.detail


def test_the_same_name_makes_a_new_version_and_keeps_the_old(app):
    """Does uploading a file with the same name (any case) add version 2 and keep version 1's bytes?"""
    first, second = files.pdf("Första utgåvan"), files.pdf("Andra utgåvan")
    with app.app_context():
        page = make_page("SIP", type="article")
        attachments.upload(page, "Rutin.pdf", first, author="anna")
        version = attachments.upload(page, "RUTIN.pdf", second, author="bo", comment="Reviderad")
        attachment = version.attachment
        assert (version.number, attachment.version_number, attachment.name) == (2, 2, "Rutin.pdf")
        assert [v.number for v in attachments.versions(attachment)] == [2, 1]
        assert attachments.get_version(attachment, 1).content == first
        assert attachments.get_version(attachment).content == second
        assert len(attachments.for_page(page)) == 1


def test_identical_content_is_no_change(app):
    """Is re-uploading the current file reported as "no change" without a new version?"""
    with app.app_context():
        page = make_page("SIP", type="article")
        attachments.upload(page, "Rutin.pdf", files.pdf(), author="anna")
        assert attachments.upload(page, "Rutin.pdf", files.pdf(), author="anna") is None
        assert attachments.get(page, "rutin.pdf").version_number == 1


def test_a_new_version_may_have_another_file_name_but_not_another_type(app):
    """Can an editor replace "Rutin.pdf" with "rutin-v2.pdf", but not with a Word file?"""
    with app.app_context():
        page = make_page("SIP", type="article")
        attachment = attachments.upload(page, "Rutin.pdf", files.pdf(), author="anna").attachment
        version = attachments.upload(page, "rutin-v2.pdf", files.pdf("Ny text"), author="anna",
                                     replace=attachment)
        assert version.attachment.name == "Rutin.pdf" and version.number == 2
        with pytest.raises(ValidationError) as info:
            attachments.upload(page, "rutin.docx", files.docx(), author="anna", replace=attachment)
        assert "samma typ" in info.value.errors["file"]


def test_personal_identity_numbers_in_names_and_comments_are_refused(app):
    """Is a personnummer in the file name or comment refused (the knowledge base holds no patient data)?"""
    with app.app_context():
        page = make_page("SIP", type="article")
        with pytest.raises(ValidationError) as info:
            attachments.upload(page, "Remiss 19121212-1212.pdf", files.pdf(), author="anna")
        assert "personnummer" in info.value.errors["file"].lower()
        with pytest.raises(ValidationError):
            attachments.upload(page, "Remiss.pdf", files.pdf(), author="anna", comment="Gäller 19121212-1212")
        assert attachments.for_page(page, editor=True, include_deleted=True) == []


def test_a_file_whose_text_cannot_be_read_is_still_stored(app, monkeypatch):
    """Is an encrypted PDF kept with status failed and the reason, and is a crashing reader survived?"""
    with app.app_context():
        page = make_page("SIP", type="article")
        version = attachments.upload(page, "Låst.pdf", files.encrypted_pdf(), author="anna")
        assert version.extraction_status is ExtractionStatus.FAILED
        assert version.extraction_message == ("Texten kunde inte läsas: "
                                              "filen är krypterad eller lösenordsskyddad.")
        monkeypatch.setattr(extract, "extract", lambda *a, **k: extract.failed("timeout"))
        version = attachments.upload(page, "Långsam.pdf", files.pdf(), author="anna")
        assert version.extraction_status is ExtractionStatus.FAILED
        assert "för lång tid" in version.extraction_message
        assert attachments.get_version(version.attachment).content == files.pdf()


def test_the_time_limit_comes_from_the_config(tmp_path):
    """Does EXTRACT_TIMEOUT bound the reading of an upload (the file is stored anyway)?"""
    app = make_app(tmp_path / "instance", EXTRACT_TIMEOUT=0.01)
    with app.app_context():
        page = make_page("SIP", type="article")
        version = attachments.upload(page, "Rutin.pdf", files.pdf(), author="anna")
        assert version.extraction_status is ExtractionStatus.FAILED
        assert "för lång tid" in version.extraction_message


def test_a_zip_bomb_is_refused_at_upload(app):
    """Is a DOCX that inflates like a zip bomb refused, not stored?"""
    with app.app_context():
        page = make_page("Avvikelser", type="article")
        with pytest.raises(ValidationError) as info:
            attachments.upload(page, "bomb.docx", files.zip_bomb_docx(), author="anna")
        assert "zip-bomb" in info.value.errors["file"]
        assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0


def test_search_finds_text_inside_a_pdf_and_a_docx_with_page_and_name(app):
    """Does a word only in a PDF or a DOCX find the document, with its name and its page's title?"""
    with app.app_context():
        sip = make_page("SIP – samordnad individuell plan", type="article", slug="sip")
        avv = make_page("Avvikelser i samverkan", type="article")
        attachments.upload(sip, "Rutin för SIP - checklista.pdf",
                           files.pdf("Kallelsen skickas av sammankallande."), author="anna")
        attachments.upload(avv, "Blankettstöd.docx", files.docx(cell="Konsekvensbeskrivning"), author="anna")
        [hit] = hits("sammankallande")
        assert (hit.kind, hit.type) == ("attachment", "attachment")
        assert hit.title == "Rutin för SIP - checklista.pdf"
        assert hit.context == "SIP – samordnad individuell plan" and hit.parent_path == "/sida/sip"
        assert hit.url_path == f"/bilagor/{attachments.get(sip, 'Rutin för SIP - checklista.pdf').id}"
        assert "<mark>sammankallande</mark>" in hit.snippet_html
        [hit] = hits("konsekvensbeskrivning")
        assert hit.title == "Blankettstöd.docx" and hit.context == "Avvikelser i samverkan"


def test_pages_outrank_attachments_with_the_same_match(app):
    """Does a page that mentions a word rank above an attachment that mentions it as well?"""
    with app.app_context():
        page = make_page("Utskrivning", "Hemgångsplanering görs tidigt, innan den planerade utskrivningen.\n",
                         type="article")
        # The attachment says it more often in fewer words: on its own it would score higher.
        attachments.upload(page, "Rutin.txt", "Hemgångsplanering. Hemgångsplanering.".encode(), author="anna")
        found = hits("hemgångsplanering")
        assert [h.kind for h in found] == ["page", "attachment"]


def test_a_new_version_replaces_the_old_text_in_search(app):
    """After a new version, is the old version's text no longer found, and the new one's is?"""
    with app.app_context():
        page = make_page("SIP", type="article")
        attachments.upload(page, "Rutin.pdf", files.pdf("Gammal formulering om telefonkedja."), author="anna")
        attachments.upload(page, "Rutin.pdf", files.pdf("Ny formulering om videomöte."), author="anna")
        assert titles("telefonkedja") == []
        assert titles("videomöte") == ["Rutin.pdf"]


def test_deleting_an_attachment_removes_it_from_search_and_restore_brings_it_back(app):
    """Is a deleted attachment gone from search and the list, and back (with its versions) after restore?"""
    with app.app_context():
        page = make_page("SIP", type="article")
        version = attachments.upload(page, "Rutin.pdf", files.pdf("Ordet kallelsemall."), author="anna")
        attachment = version.attachment
        attachments.delete(attachment, author="anna")
        assert titles("kallelsemall") == [] and attachments.for_page(page) == []
        assert [a.name for a in attachments.for_page(page, editor=True, include_deleted=True)] == ["Rutin.pdf"]
        with pytest.raises(ValidationError):
            attachments.delete(attachment, author="anna")
        attachments.restore(attachment, author="anna")
        assert titles("kallelsemall") == ["Rutin.pdf"]
        actions = set(db.session.scalars(db.select(AuditEvent.action)))
        assert {AuditAction.ATTACHMENT_DELETED.value, AuditAction.ATTACHMENT_RESTORED.value} <= actions


def test_uploading_the_name_of_a_deleted_attachment_brings_it_back_as_a_new_version(app):
    """Does uploading "Rutin.pdf" again after deleting it restore it, keeping the old version?"""
    with app.app_context():
        page = make_page("SIP", type="article")
        attachment = attachments.upload(page, "Rutin.pdf", files.pdf("Första"), author="anna").attachment
        attachments.delete(attachment, author="anna")
        version = attachments.upload(page, "Rutin.pdf", files.pdf("Andra"), author="anna")
        assert version.attachment.id == attachment.id and version.number == 2 and not attachment.deleted


def test_a_deleted_page_takes_its_attachments_out_of_search(app):
    """Are a page's attachments gone from search while the page is deleted, and back when restored?"""
    with app.app_context():
        page = make_page("SIP", type="article")
        attachments.upload(page, "Rutin.pdf", files.pdf("Ordet samtyckesblankett."), author="anna")
        pages.delete_page(page, author="anna")
        assert titles("samtyckesblankett") == []
        with pytest.raises(ValidationError):
            attachments.upload(page, "Ny.pdf", files.pdf(), author="anna")
        pages.restore_page(page, author="anna")
        assert titles("samtyckesblankett") == ["Rutin.pdf"]


def test_hits_follow_the_page_title_and_the_rebuilt_index(app):
    """Does a renamed page show in its attachments' hits, also after a full rebuild of the index?"""
    with app.app_context():
        page = make_page("SIP", type="article")
        attachments.upload(page, "Rutin.pdf", files.pdf("Ordet nätverksträff."), author="anna")
        edit_page(page, "Text.\n", title="SIP för barn")
        assert [h.context for h in hits("nätverksträff")] == ["SIP för barn"]
        index.rebuild(app)
        assert [h.context for h in hits("nätverksträff")] == ["SIP för barn"]
        assert index.source_count(app) == 2


def test_attachments_can_be_filtered_by_kind(app):
    """Does kinds=("attachment",) give only attachments, and kinds=("page",) none?"""
    with app.app_context():
        page = make_page("Sammankallande", type="article")
        attachments.upload(page, "Rutin.pdf", files.pdf(), author="anna")
        assert [h.kind for h in hits("sammankallande", kinds=("attachment",))] == ["attachment"]
        assert [h.kind for h in hits("sammankallande", kinds=("page",))] == ["page"]
        assert [h.kind for h in hits("sammankallande", type="attachment")] == ["attachment"]


# --- export, import, demo -----------------------------------------------------------------------

def test_export_and_import_keep_every_version(app, tmp_path):
    """Does an export carry every version's bytes and metadata, and an import rebuild them elsewhere?"""
    with app.app_context():
        page = make_page("SIP", type="article")
        attachments.upload(page, "Rutin.pdf", files.pdf("Version ett."), author="anna", comment="Ny")
        attachments.upload(page, "Rutin.pdf", files.pdf("Version två."), author="bo", comment="Reviderad")
        gone = attachments.upload(page, "Gammal.txt", b"Borttagen text", author="anna").attachment
        attachments.delete(gone, author="anna")
        exported = list(attachments.iter_for_export())
        assert [(e.page_slug, e.name, e.deleted) for e in exported] == [("sip", "Gammal.txt", True),
                                                                        ("sip", "Rutin.pdf", False)]
        assert [e.name for e in attachments.iter_for_export(include_deleted=False)] == ["Rutin.pdf"]
    rutin = exported[1]
    assert [(v.number, v.uploader, v.comment) for v in rutin.versions] == [(1, "anna", "Ny"),
                                                                          (2, "bo", "Reviderad")]
    assert rutin.versions[0].content == files.pdf("Version ett.")
    assert rutin.versions[0].sha256 == hashlib.sha256(rutin.versions[0].content).hexdigest()

    other = make_app(tmp_path / "other")
    with other.app_context():
        page = make_page("SIP", type="article")
        for version in rutin.versions:
            attachments.import_version(page, rutin.name, version.content, uploader=version.uploader,
                                       comment=version.comment, created_at=version.created_at,
                                       sha256=version.sha256, text=version.text,
                                       extraction=version.extraction)
        attachment = attachments.get(page, "Rutin.pdf")
        copied = attachments.versions(attachment)
        assert [(v.number, v.uploader, v.sha256) for v in copied] == [
            (2, "bo", rutin.versions[1].sha256), (1, "anna", rutin.versions[0].sha256)]
        assert copied[1].created_at == rutin.versions[0].created_at
        assert titles("två") == ["Rutin.pdf"]
        # Importing again changes nothing; a damaged file is refused.
        again = rutin.versions[0]
        assert attachments.import_version(page, rutin.name, again.content, sha256=again.sha256) is None
        with pytest.raises(ValidationError) as info:
            attachments.import_version(page, "Annan.pdf", again.content + b"\n", sha256=again.sha256)
        assert "Kontrollsumman" in info.value.errors["file"]


def test_a_folder_export_holds_every_version_and_imports_into_another_instance(app, tmp_path):
    """Does export_folder write current files by name, older ones under _versioner and bilagor.json, and
    does import_folder rebuild the same versions (and deletions) elsewhere, once?"""
    out = tmp_path / "export" / "attachments"
    with app.app_context():
        page = make_page("SIP", type="article", slug="sip")
        attachments.upload(page, "Rutin.pdf", files.pdf("Version ett."), author="anna", comment="Ny")
        attachments.upload(page, "Rutin.pdf", files.pdf("Version två."), author="bo", comment="Reviderad")
        gone = attachments.upload(page, "Gammal.txt", b"Borttagen text", author="anna").attachment
        attachments.delete(gone, author="anna")
        assert attachment_folder.export_folder(out) == 2
        assert attachment_folder.export_folder(tmp_path / "backup", include_deleted=True) == 3
    assert (out / "sip" / "Rutin.pdf").read_bytes() == files.pdf("Version två.")
    assert (out / "sip" / "_versioner" / "Rutin (version 1).pdf").read_bytes() == files.pdf("Version ett.")
    assert (tmp_path / "backup" / "sip" / "_versioner" / "Gammal (version 1).txt").exists()

    other = make_app(tmp_path / "other")
    with other.app_context():
        page = make_page("SIP", type="article", slug="sip")
        report = attachment_folder.import_folder(tmp_path / "backup")
        assert (report.stored, report.skipped) == (3, [])
        rutin = attachments.get(page, "Rutin.pdf")
        assert [(v.number, v.uploader, v.comment) for v in attachments.versions(rutin)] == [
            (2, "bo", "Reviderad"), (1, "anna", "Ny")]
        assert attachments.get(page, "Gammal.txt").deleted
        assert titles("två") == ["Rutin.pdf"]
        assert attachment_folder.import_folder(tmp_path / "backup").stored == 0


def test_a_manifest_cannot_point_outside_its_folder(app, tmp_path):
    """Is a bilagor.json entry whose file lies outside the folder skipped, not read?"""
    (tmp_path / "secret.txt").write_text("hemligt")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bilagor.json").write_text(json.dumps({"format": 1, "attachments": [
        {"page": "sip", "name": "secret.txt", "versions": [{"file": "../secret.txt"}]}]}))
    with app.app_context():
        make_page("SIP", type="article", slug="sip")
        report = attachment_folder.import_folder(folder)
        assert report.stored == 0
        assert report.skipped == [
            ("bilagor.json", "bilagefilen ”../secret.txt” ligger utanför importmappen och tas inte emot")]


def test_the_demo_documents_are_attached_to_routine_pages_and_searchable(demo_app):
    """Does the demo import attach the generated documents to their pages, once?"""
    from kb.services.demo import demo_folder

    with demo_app.app_context():
        assert sum(len(attachments.for_page(p)) for p in pages.live_pages()) == 5
        sip = pages.get("sip")
        assert [a.name for a in attachments.for_page(sip)] == ["Rutin för SIP - checklista.pdf"]
        assert attachments.for_page(sip)[0].versions[0].uploader == "demo"
        [hit] = hits("sammankallande", kinds=("attachment",))
        assert hit.context == sip.title
        for word, name in (("MedControl Pro", "Avvikelser i samverkan - blankettstöd.docx"),
                           ("demenssjuksköterska", "Inbjudan till proaktiv SIP.odt"),
                           ("utskrivningsklara", "Uppföljning in- och utskrivning.xlsx")):
            assert hits(word, kinds=("attachment",))[0].title == name
        assert attachment_folder.import_folder(demo_folder() / "attachments").stored == 0


def test_the_demo_documents_are_made_by_the_script_in_the_repository(tmp_path):
    """Does scripts/make_demo_documents.py make exactly the committed files (small, deterministic)?"""
    from kb.services.demo import demo_folder
    from scripts.make_demo_documents import demo_documents, main

    main(tmp_path)
    committed = demo_folder() / "attachments"
    for relative, content in demo_documents().items():
        assert (tmp_path / relative).read_bytes() == content == (committed / relative).read_bytes(), relative
        assert len(content) < 50 * 1024
