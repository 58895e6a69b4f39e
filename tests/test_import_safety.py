"""An import folder from outside cannot make `kb import` read outside it or blow up on YAML."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from factories import make_page
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


def alias_bomb(levels: int) -> str:
    """A glossary entry whose term is nested aliases, nine times bigger per level when expanded.

    Nine levels make a billion strings (the attack); the import test uses three, so a missing
    guard shows as a wrong answer and not as a machine out of memory.
    """
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, levels + 1)]
    return "- anchors:\n" + "".join(f"    {line}\n" for line in lines) + f"  term: *a{levels}\n  expansion: Bomb\n"


def test_an_alias_bomb_in_the_glossary_is_refused_at_once(app, tmp_path):
    """Is a glossary.yaml with nested aliases refused quickly by name, with no term imported?"""
    folder = tmp_path / "in"
    write(folder, "glossary.yaml", "- term: SIP\n  expansion: Samordnad individuell plan\n" + alias_bomb(3))
    with app.app_context():
        started = time.monotonic()
        report = transfer.import_folder(folder)
        assert time.monotonic() - started < 5
        [(name, reason)] = report.errors
        assert name == "glossary.yaml"
        assert "innehåller YAML-ankare eller alias (& eller *)" in reason and "som inte tas emot vid import" in reason
        assert count(GlossaryTerm) == 0


def test_the_guard_stops_a_full_size_bomb_before_expanding_it():
    """Is a nine-level bomb (a billion strings if expanded) refused before anything is built?"""
    with pytest.raises(import_safety.Refused, match="YAML-ankare eller alias"):
        import_safety.load_yaml(alias_bomb(9))


def test_anchors_in_front_matter_refuse_the_page_and_the_rest_is_imported(app, tmp_path):
    """Is a page whose front matter has an anchor and alias refused with its line, the others imported?"""
    folder = tmp_path / "in"
    write(folder, "ankare.md", "---\ntitle: &t Ankare\ntype: article\nsummary: *t\n---\nText\n")
    write(folder, "mini-maria.md", PAGE)
    with app.app_context():
        report = transfer.import_folder(folder)
        assert report.errors == [("ankare.md", "front matter innehåller YAML-ankare eller alias (& eller *), "
                                               "som inte tas emot vid import (rad 2)")]
        assert pages.get("ankare") is None and report.created == ["mini-maria"]


@pytest.mark.parametrize("name", ["organisations.yaml", "plans/samverkansplaner.yaml", "plans/plan.yaml"])
def test_anchors_are_refused_in_every_yaml_file_an_import_reads(app, tmp_path, name):
    """Are anchors refused by file name in organisations.yaml and plans/ as in the glossary?"""
    folder = tmp_path / "in"
    text = {"organisations.yaml": "- key: &k ankare\n  name: *k\n",
            "plans/samverkansplaner.yaml": COLLABORATION.replace("title:", "title: &t") + "  description: *t\n",
            "plans/plan.yaml": "title: &t Plan\nstructure: nosam-lerum\nperiod: '2024'\ndescription: *t\n"}[name]
    write(folder / Path(name).parent, Path(name).name, text)
    with app.app_context():
        make_page("NOSAM Lerum", type="structure")
        report = transfer.import_folder(folder)
        [(where, reason)] = report.errors
        assert where == name and "YAML-ankare eller alias" in reason
        assert organisations.get("ankare") is None and count(CollaborationPlan) == count(ActionPlan) == 0


def test_an_oversized_yaml_file_is_refused_unread(app, tmp_path):
    """Is a glossary.yaml over the size limit refused by name with the limit, and nothing imported from it?"""
    folder = tmp_path / "in"
    padding = "#" * (import_safety.MAX_YAML_BYTES + 1) + "\n"
    write(folder, "glossary.yaml", padding + "- term: SIP\n  expansion: Samordnad individuell plan\n")
    write(folder, "mini-maria.md", PAGE)
    with app.app_context():
        report = transfer.import_folder(folder)
        [(name, reason)] = report.errors
        assert name == "glossary.yaml" and "högst 5 MB" in reason and "5,0 MB" in reason
        assert count(GlossaryTerm) == 0 and report.created == ["mini-maria"]
