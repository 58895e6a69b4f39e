"""Import and export in the shared folder format."""
from __future__ import annotations

import filecmp
from pathlib import Path

from factories import make_app, make_page

from kb.services import glossary, pages, transfer

PAGE = """---
title: Mini-Maria
type: reception
slug: mini-maria
summary: Mottagning för unga.
tags: [unga, alkohol]
target_groups: [Barn och unga]
---
## Öppettider

Tisdag och torsdag.
"""


def write(folder: Path, name: str, text: str) -> Path:
    """Write a file in an import folder."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def dirs_equal(a: Path, b: Path) -> bool:
    """Whether two folders (and their subfolders) hold the same files with the same bytes."""
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    return files_a == files_b and all(filecmp.cmp(a / n, b / n, shallow=False) for n in files_a)


def test_import_reads_front_matter_and_body(app, tmp_path):
    """Does an import create the page with every front-matter field?"""
    write(tmp_path / "in", "mini-maria.md", PAGE)
    with app.app_context():
        report = transfer.import_folder(tmp_path / "in")
        page = pages.get("mini-maria")
        assert report.created == ["mini-maria"] and not report.errors
        assert page.type == "reception" and page.tags == ["unga", "alkohol"]
        assert page.target_groups == ["Barn och unga"] and page.summary == "Mottagning för unga."
        assert "Tisdag och torsdag" in page.html


def test_slug_defaults_to_file_name(app, tmp_path):
    """Without a slug in the front matter, is the file name used?"""
    write(tmp_path / "in", "evi.md", "---\ntitle: En väg in\ntype: routine\n---\nText\n")
    with app.app_context():
        transfer.import_folder(tmp_path / "in")
        assert pages.get("evi").title == "En väg in"


def test_reimport_unchanged_makes_no_revision_and_changed_makes_one(app, tmp_path):
    """Does re-importing an unchanged file leave history alone, and a changed file add a revision?"""
    write(tmp_path / "in", "mini-maria.md", PAGE)
    with app.app_context():
        transfer.import_folder(tmp_path / "in")
        report = transfer.import_folder(tmp_path / "in")
        assert report.unchanged == ["mini-maria"] and pages.get("mini-maria").revision_number == 1
        write(tmp_path / "in", "mini-maria.md", PAGE.replace("Tisdag", "Måndag"))
        report = transfer.import_folder(tmp_path / "in")
        assert report.updated == ["mini-maria"] and pages.get("mini-maria").revision_number == 2


def test_malformed_file_is_named_and_the_rest_imported(app, tmp_path):
    """Is a broken file reported by name and reason while the good ones are imported?"""
    folder = tmp_path / "in"
    write(folder, "trasig.md", "---\ntitle: [oavslutad\ntype: routine\n---\nText\n")
    write(folder, "fel-typ.md", "---\ntitle: Fel\ntype: blogg\n---\nText\n")
    write(folder, "ingen-fm.md", "Bara text\n")
    write(folder, "hel.md", "---\ntitle: Hel sida\ntype: article\n---\nText\n")
    with app.app_context():
        report = transfer.import_folder(folder)
        errors = dict(report.errors)
        assert set(errors) == {"trasig.md", "fel-typ.md", "ingen-fm.md"}
        assert "YAML" in errors["trasig.md"] and "sidtyp" in errors["fel-typ.md"]
        assert "front matter" in errors["ingen-fm.md"]
        assert pages.get("hel") is not None and pages.get("trasig") is None and pages.get("fel-typ") is None


def test_glossary_is_imported_and_exported(app, tmp_path):
    """Is glossary.yaml read and written as a list of term/expansion/description?"""
    write(tmp_path / "in", "glossary.yaml",
          "- term: SIP\n  expansion: Samordnad individuell plan\n  description: Gemensam plan.\n")
    with app.app_context():
        transfer.import_folder(tmp_path / "in")
        assert glossary.get("SIP").expansion == "Samordnad individuell plan"
        transfer.export_folder(tmp_path / "out")
    assert "term: SIP" in (tmp_path / "out" / "glossary.yaml").read_text(encoding="utf-8")


def test_export_import_export_is_identical(demo_app, tmp_path):
    """Does export → import into an empty instance → export give identical files?"""
    with demo_app.app_context():
        exported = transfer.export_folder(tmp_path / "e1")
    assert exported.pages >= 25 and exported.plans == 6 and exported.attachment_files == 5
    other = make_app(tmp_path / "other")
    with other.app_context():
        report = transfer.import_folder(tmp_path / "e1")
        assert not report.errors
        transfer.export_folder(tmp_path / "e2")
    assert dirs_equal(tmp_path / "e1", tmp_path / "e2")


def test_export_skips_deleted_pages_and_quotes_tricky_values(app, tmp_path):
    """Are deleted pages left out, and titles with colons exported as valid YAML?"""
    with app.app_context():
        make_page("Rutin: SIP för barn", "Text\n", type="routine", tags=["sip", "barn: unga"])
        gone = make_page("Borta", "x\n")
        pages.delete_page(gone)
        transfer.export_folder(tmp_path / "out")
    files = sorted(p.name for p in (tmp_path / "out").glob("*.md"))
    assert files == ["rutin-sip-for-barn.md"]
    other = make_app(tmp_path / "other")
    with other.app_context():
        report = transfer.import_folder(tmp_path / "out")
        assert not report.errors
        assert pages.get("rutin-sip-for-barn").title == "Rutin: SIP för barn"


def test_export_and_import_carry_attachments_with_every_version(app, tmp_path):
    """Do attachments travel with their versions, uploaders and times, and stay identical on a second trip?"""
    import attachment_files as files

    from kb.services import attachments

    with app.app_context():  # approved attachments (an upload to a routine waits in its draft otherwise)
        sip = make_page("SIP", type="routine", slug="sip")
        attachments.upload(sip, "Checklista.pdf", files.pdf("Första versionen"), author="anna", comment="Ny",
                           approved=True)
        attachments.upload(sip, "Checklista.pdf", files.pdf("Andra versionen"), author="bo", comment="Rättad",
                           approved=True)
        gone = attachments.upload(sip, "Gammal.txt", b"Inaktuell rutin", author="anna", approved=True).attachment
        attachments.delete(gone, author="anna", approved=True)
        exported = transfer.export_folder(tmp_path / "e1")
    assert exported.attachment_files == 2
    folder = tmp_path / "e1" / "attachments"
    assert (folder / "sip" / "Checklista.pdf").read_bytes() == files.pdf("Andra versionen")
    assert (folder / "sip" / "_versioner").is_dir() and not (folder / "sip" / "Gammal.txt").exists()
    other = make_app(tmp_path / "other")
    with other.app_context():
        report = transfer.import_folder(tmp_path / "e1")
        assert not report.errors and report.attachments.stored == 2
        assert "2 nya bilageversioner" in report.summary()
        [attachment] = attachments.for_page(pages.get("sip"))
        assert [(v.uploader, v.comment) for v in attachment.versions] == [("anna", "Ny"), ("bo", "Rättad")]
        transfer.export_folder(tmp_path / "e2")
        again = transfer.import_folder(tmp_path / "e1")
        assert not again.errors and again.attachments.stored == 0
    assert dirs_equal(tmp_path / "e1", tmp_path / "e2")


def test_an_attachment_for_a_missing_page_is_reported_and_the_rest_imported(app, tmp_path):
    """Is an attachment whose page is not in the import named as an error, without stopping the pages?"""
    from kb.services import attachments

    with app.app_context():
        sip = make_page("SIP", type="routine", slug="sip")
        attachments.upload(sip, "Checklista.txt", b"Kalla till SIP inom fem dagar.", author="anna", approved=True)
        make_page("Mini-Maria", type="reception", slug="mini-maria")
        transfer.export_folder(tmp_path / "e1")
    (tmp_path / "e1" / "sip.md").unlink()
    other = make_app(tmp_path / "other")
    with other.app_context():
        report = transfer.import_folder(tmp_path / "e1")
        assert report.errors == [("attachments/sip/Checklista.txt", "sidan finns inte")]
        assert pages.get("sip") is None and report.created == ["mini-maria"]
