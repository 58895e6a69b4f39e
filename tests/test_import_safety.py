"""An import folder from outside cannot make `kb import` read outside it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_plan_io import seed
from test_plan_io_folder import PLAN_FILE
from test_transfer import PAGE, write

from kb.extensions import db
from kb.models import ActionPlan, Attachment, CollaborationPlan, GlossaryTerm, Page
from kb.services import import_safety, organisations, pages, transfer

SIP = "---\ntitle: SIP\ntype: routine\nslug: sip\n---\nKalla till SIP inom fem dagar.\n"
COLLABORATION = "- slug: samverkansplan-2030\n  title: Samverkansplan 2030\n  period: '2030'\n"


def count(model) -> int:
    """How many rows of `model` there are."""
    return db.session.scalar(select(func.count()).select_from(model))


def secret(tmp_path: Path) -> Path:
    """A file outside the import folder that must never be read by it."""
    path = tmp_path / "hemligt" / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("inte-för-publicering", encoding="utf-8")
    return path


def link(at: Path, target: Path) -> Path:
    """A symbolic link `at` → `target`, its folder created."""
    at.parent.mkdir(parents=True, exist_ok=True)
    at.symlink_to(target)
    return at


def test_cli_refuses_an_attachment_that_links_to_the_instance_secret(app, runner, tmp_path):
    """Does `kb import` refuse a link in attachments/ to the secret key, name it, import nothing and fail?"""
    folder = tmp_path / "in"
    write(folder, "sip.md", SIP)
    link(folder / "attachments" / "sip" / "nyckel.txt", Path(app.instance_path) / "secret_key")
    result = runner.invoke(args=["import", str(folder)])
    assert result.exit_code == 1
    assert "FEL i attachments/sip/nyckel.txt: symbolisk länk" in result.output
    assert "Ingenting importerades" in result.output
    with app.app_context():
        assert count(Attachment) == 0 and pages.get("sip") is None


@pytest.mark.parametrize("name", ["mini-maria.md", "glossary.yaml", "organisations.yaml"])
def test_a_linked_page_or_list_file_refuses_the_whole_import(app, tmp_path, name):
    """Is a page, glossary or organisations file that is a link refused by name, with nothing imported?"""
    folder = tmp_path / "in"
    write(folder, "sip.md", SIP)
    contents = {"mini-maria.md": PAGE, "glossary.yaml": "- term: SIP\n  expansion: Samordnad plan\n",
                "organisations.yaml": "- key: hemlig\n  name: Hemlig förvaltning\n"}
    target = secret(tmp_path)
    target.write_text(contents[name], encoding="utf-8")
    link(folder / name, target)
    with app.app_context():
        report = transfer.import_folder(folder)
        assert report.refused and report.errors == [(name, import_safety.LINK_REASON)]
        assert "Ingenting importerades" in report.summary()
        assert count(Page) == 0 and count(GlossaryTerm) == 0 and organisations.get("hemlig") is None


def test_a_linked_plan_file_is_refused(app, tmp_path):
    """Is a plans/ file that links outside the folder refused by name, and no plan made from it?"""
    folder = tmp_path / "in"
    target = secret(tmp_path)
    target.write_text(PLAN_FILE, encoding="utf-8")
    link(folder / "plans" / "nosam-lerum-2024.yaml", target)
    with app.app_context():
        seed()
        report = transfer.import_folder(folder)
        assert report.refused and report.errors == [("plans/nosam-lerum-2024.yaml", import_safety.LINK_REASON)]
        assert count(ActionPlan) == 0


@pytest.mark.parametrize("linked", ["attachments/sip", "attachments", "plans"])
def test_a_linked_folder_is_refused_and_nothing_read_through_it(app, tmp_path, linked):
    """Is a folder that links elsewhere refused by name, and no file behind it imported?"""
    folder = tmp_path / "in"
    write(folder, "sip.md", SIP)
    elsewhere = tmp_path / "annanstans"
    write(elsewhere / "sip", "nyckel.txt", "inte-för-publicering")
    write(elsewhere, "samverkansplaner.yaml", COLLABORATION)
    target = {"attachments/sip": elsewhere / "sip", "attachments": elsewhere, "plans": elsewhere}[linked]
    link(folder / linked, target)
    with app.app_context():
        report = transfer.import_folder(folder)
        assert report.refused and report.errors == [(linked, import_safety.LINK_REASON)]
        assert count(Attachment) == 0 and count(CollaborationPlan) == 0 and pages.get("sip") is None


def test_a_manifest_naming_a_file_outside_the_folder_refuses_the_import(app, tmp_path):
    """Does a bilagor.json that points to ../../ refuse the whole import, naming the path?"""
    folder = tmp_path / "in"
    write(folder, "sip.md", SIP)
    secret(tmp_path)
    manifest = {"format": 1, "attachments": [{"page": "sip", "name": "nyckel.txt", "deleted": False,
                                              "versions": [{"number": 1, "file": "../../hemligt/secret_key"}]}]}
    write(folder / "attachments", "bilagor.json", json.dumps(manifest))
    with app.app_context():
        report = transfer.import_folder(folder)
        [(name, reason)] = report.errors
        assert report.refused and name == "attachments/bilagor.json"
        assert "../../hemligt/secret_key" in reason and "utanför importmappen" in reason
        assert count(Attachment) == 0 and pages.get("sip") is None


def test_a_plain_folder_with_no_links_still_imports(app, tmp_path):
    """Are ordinary files in attachments/ still uploaded (the guard refuses links, not files)?"""
    folder = tmp_path / "in"
    write(folder, "sip.md", SIP)
    write(folder / "attachments" / "sip", "Checklista.txt", "Kalla till SIP inom fem dagar.")
    with app.app_context():
        report = transfer.import_folder(folder)
        assert not report.errors and report.attachments.stored == 1
