"""Plans in the folder format of `kb export` / `kb import`: plans/*.yaml next to the pages."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from factories import make_app
from test_plan_io import csv_bytes, fields, full_plan, row, seed
from test_transfer import dirs_equal

from kb.extensions import db
from kb.models import PlanRevision
from kb.services import plans, transfer
from kb.services.plans import folder as plan_folder
from kb.services.plans import io as plan_io

PLAN_FILE = """\
title: NOSAM Lerum 2024
structure: nosam-lerum
period: 2024
adopted: 2024-02-15
collaboration_plan: samverkansplan-2023-2026
focus_areas:
  - Öka tilliten
activities:
  - Mål: Öka tilliten
    Vad: |
      Nätverk för SIP-samordnare
      två gånger per termin
    Ansvarig: NOSAM Lerum; BUP
    Start: nov 2024
    Slutdatum: 2025-06-30
    Status: gul
    Målgrupper: [Barn och unga, Äldre]
    Sidor: sip, avvikelser-i-samverkan
  - Mål: Öka tilliten
    Vad: Utbildning i MHFA
    # Deadline: the column's name in exports before it was named Slutdatum
    Deadline: 2025
    Status: Inte påbörjad
"""


@pytest.fixture
def ctx(app):
    """An app context with structures, routines and a collaboration plan."""
    with app.app_context():
        seed()
        yield app


def write_plan(folder: Path, name: str, text: str) -> Path:
    """Write a file in the plans/ folder of an import folder."""
    (folder / "plans").mkdir(parents=True, exist_ok=True)
    path = folder / "plans" / name
    path.write_text(text, encoding="utf-8")
    return path


def revisions() -> int:
    """How many plan revisions exist."""
    return db.session.query(PlanRevision).count()


def test_a_plan_file_is_read_with_the_same_row_parser(ctx, tmp_path):
    """Does a hand-written plan file (unquoted dates, lists or comma strings) become a plan?"""
    write_plan(tmp_path / "in", "nosam-lerum-2024.yaml", PLAN_FILE)
    result = plan_folder.import_plans(tmp_path / "in", author="import")
    assert (result.created, result.errors) == (["nosam-lerum-2024"], [])
    plan = plans.get_plan("nosam-lerum-2024")
    assert (plan.title, plan.period, plan.adopted, plan.collaboration_plan.slug) == (
        "NOSAM Lerum 2024", "2024", "2024-02-15", "samverkansplan-2023-2026")
    first, second = plans.plan_activities(plan)
    assert first.what == "Nätverk för SIP-samordnare\ntvå gånger per termin"
    assert (first.responsible.slug, first.responsible_text, first.start, first.deadline) == (
        "nosam-lerum", "BUP", "2024-11", "2025-06-30")
    assert first.target_groups == ["Barn och unga", "Äldre"]
    assert sorted(p.slug for p in first.pages) == ["avvikelser-i-samverkan", "sip"]
    assert (second.deadline, second.status) == ("2025", "not_started")


def test_bad_activities_are_named_by_position_and_nothing_of_the_file_is_imported(ctx, tmp_path):
    """Is a bad activity reported as "aktivitet N, kolumn X", its file skipped whole, the others imported?"""
    folder = tmp_path / "in"
    broken = (PLAN_FILE.replace("Deadline: 2025\n", "Deadline: snart\n").replace("Status: gul", "Status: blå")
              .replace("Vad: Utbildning", "Budget: 100\n    Vad: Utbildning"))
    write_plan(folder, "trasig.yaml", broken)
    write_plan(folder, "hel.yaml", PLAN_FILE.replace("NOSAM Lerum 2024", "Hel plan"))
    write_plan(folder, "ingen-yaml.yaml", "title: [oavslutad\n")
    write_plan(folder, "fel-nyckel.yaml", "title: X\nstructure: nosam-lerum\nperiod: 2024\nägare: Anna\n")
    write_plan(folder, "ingen-struktur.yaml", "title: X\nstructure: sip\nperiod: 2024\n")
    write_plan(folder, "lista.yaml", "title: X\nstructure: nosam-lerum\nperiod: 2024\nactivities:\n"
                                     "  - {Mål: [a, b], Vad: x, Status: Pågår}\n  - Bara text\n")
    result = plan_folder.import_plans(folder, author="import")
    errors = dict(result.errors)
    assert errors["plans/trasig.yaml"] == (
        "aktivitet 1, kolumn Status: Okänd status ”blå”. Välj Inte påbörjad, Pågår eller Klart.; "
        "aktivitet 2, kolumn Budget: okänd kolumn (tillåtna: Mål, Delmål, Vad, Hur, Beslut, Ansvarig, Start, "
        "Slutdatum, Uppföljning, Status, Målgrupper, Sidor); "
        "aktivitet 2, kolumn Slutdatum: ”snart” är inget datum. Skriv ett år (2024), en månad (nov 2024 eller "
        "2024-11) eller en dag (2024-12-31).")
    assert errors["plans/ingen-yaml.yaml"].startswith("ogiltig YAML på rad")
    assert errors["plans/fel-nyckel.yaml"].startswith("okända nycklar ägare (tillåtna: title, slug")
    assert errors["plans/ingen-struktur.yaml"] == "Struktur: ”SIP” är ingen struktursida."
    assert errors["plans/lista.yaml"].startswith(
        "aktivitet 1, kolumn Mål: ska vara text; aktivitet 2: ska vara kolumnnamn med värden")
    # Without a slug in the file, the file name is the plan's address.
    assert result.created == ["hel"]
    assert [p.slug for p in plans.live_plans()] == ["hel"]


def test_the_file_is_the_plan(ctx, tmp_path):
    """Are activities matched by order: changed ones updated, extra rows added, missing ones deleted?"""
    folder = tmp_path / "in"
    write_plan(folder, "nosam-lerum-2024.yaml", PLAN_FILE)
    plan_folder.import_plans(folder, author="import")
    plan = plans.get_plan("nosam-lerum-2024")
    first, second = plans.plan_activities(plan)
    shorter = PLAN_FILE.split("  - Mål: Öka tilliten\n    Vad: Utbildning")[0]
    write_plan(folder, "nosam-lerum-2024.yaml", shorter.replace("Status: gul", "Status: grön"))
    result = plan_folder.import_plans(folder, author="import")
    assert result.updated == ["nosam-lerum-2024"]
    assert (first.status, first.revision_number) == ("done", 2)
    assert second.deleted
    assert plans.history(plans.ACTIVITY, second.id)[0].comment == plan_folder.DELETE_COMMENT
    write_plan(folder, "nosam-lerum-2024.yaml", PLAN_FILE)
    plan_folder.import_plans(folder, author="import")
    assert [a.what for a in plans.plan_activities(plan)] == [first.what, "Utbildning i MHFA"]


def test_reimporting_an_unchanged_folder_writes_no_revisions(ctx, tmp_path):
    """Does importing the same plan files again leave every plan, activity and collaboration plan alone?"""
    folder = tmp_path / "in"
    write_plan(folder, "nosam-lerum-2024.yaml", PLAN_FILE)
    write_plan(folder, "samverkansplaner.yaml", "- slug: samverkansplan-2020-2023\n"
                                                "  title: Samverkansplan 2020–2023\n"
                                                "  period: 2020-2023\n  goals: [Öka tilliten]\n")
    first = plan_folder.import_plans(folder, author="import")
    assert first.collaboration_changed == 1 and first.created == ["nosam-lerum-2024"]
    before = revisions()
    again = plan_folder.import_plans(folder, author="import")
    assert (again.unchanged, again.collaboration_changed, again.errors) == (["nosam-lerum-2024"], 0, [])
    assert revisions() == before


def test_export_import_export_of_plans_is_identical(ctx, tmp_path):
    """Does a folder export → import into an empty instance → export give byte-identical plan files?"""
    plan = plans.create_plan(plans.PlanData(
        title="Aktivitetsplan 2024", structure="samordningsgruppen", period="2024-2026", adopted="2024-03",
        collaboration_plan="samverkansplan-2023-2026", description="Rad ett\n\nRad tre",
        focus_areas=["Öka tilliten", "Öka kontinuiteten"]))
    full_plan(plan)
    plans.delete_activity(plans.plan_activities(plan)[1])
    gone = plans.create_plan(plans.PlanData(title="Borttagen", structure="nosam-lerum", period="2023"))
    plans.delete_plan(gone)
    transfer.export_folder(tmp_path / "e1")
    assert sorted(p.name for p in (tmp_path / "e1" / "plans").iterdir()) == [
        "aktivitetsplan-2024.yaml", "samverkansplaner.yaml"]
    text = (tmp_path / "e1" / "plans" / "aktivitetsplan-2024.yaml").read_text(encoding="utf-8")
    assert "description: |-\n  Rad ett\n\n  Rad tre\n" in text and "Vad: |-\n" in text
    data = yaml.safe_load(text)
    assert list(data) == list(plan_folder.PLAN_KEYS)
    assert len(data["activities"]) == 2 and set(data["activities"][0]) <= set(plan_io.COLUMNS)
    other = make_app(tmp_path / "other")
    with other.app_context():
        report = transfer.import_folder(tmp_path / "e1")
        assert not report.errors, report.errors
        assert "aktivitetsplaner: 1 nya, 0 ändrade, 0 oförändrade" in report.summary()
        transfer.export_folder(tmp_path / "e2")
        before = revisions()
        report = transfer.import_folder(tmp_path / "e2")
        assert report.plans.unchanged == ["aktivitetsplan-2024"] and revisions() == before
    assert dirs_equal(tmp_path / "e1" / "plans", tmp_path / "e2" / "plans")


def test_a_folder_without_plans_exports_no_plans_folder(ctx, tmp_path):
    """Does an instance without plans export no plans/ folder (and import without one)?"""
    db.session.delete(plans.get_collaboration_plan("samverkansplan-2023-2026"))
    db.session.commit()
    transfer.export_folder(tmp_path / "out")
    assert not (tmp_path / "out" / "plans").exists()
    assert transfer.import_folder(tmp_path / "out").plans == plan_folder.FolderResult()


def test_plan_import_refers_to_pages_of_the_same_import(tmp_path):
    """Are plans imported after pages, so a plan may name a structure that arrives in the same folder?"""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "nosam-lerum.md").write_text("---\ntitle: NOSAM Lerum\ntype: structure\n---\nText\n",
                                           encoding="utf-8")
    write_plan(folder, "plan.yaml", "title: Plan\nstructure: nosam-lerum\nperiod: 2024\nactivities:\n"
                                    "  - {Mål: Mål, Vad: Något, Status: Pågår, Ansvarig: NOSAM Lerum}\n")
    app = make_app(tmp_path / "inst")
    with app.app_context():
        report = transfer.import_folder(folder)
        assert not report.errors and report.plans.created == ["plan"]
        assert plans.plan_activities(plans.get_plan("plan"))[0].responsible.slug == "nosam-lerum"


def test_csv_rows_and_yaml_rows_mean_the_same(ctx, tmp_path):
    """Do the CSV and YAML forms of one activity give equal activities?"""
    via_csv = plans.create_plan(plans.PlanData(title="A", structure="nosam-lerum", period="2024"))
    plan_io.import_activities(via_csv, "a.csv", csv_bytes([list(plan_io.COLUMNS), row(
        Mal="Öka tilliten", Vad="Nätverk för SIP-samordnare\ntvå gånger per termin",
        Ansvarig="NOSAM Lerum; BUP", Start="nov 2024", Slutdatum="2025-06-30", Status="gul",
        Malgrupper="Barn och unga, Äldre", Sidor="sip, avvikelser-i-samverkan")]), author="import")
    write_plan(tmp_path / "in", "b.yaml", PLAN_FILE.replace("NOSAM Lerum 2024", "B"))
    plan_folder.import_plans(tmp_path / "in", author="import")
    yaml_activity = plans.plan_activities(plans.get_plan("b"))[0]
    csv_activity = plans.plan_activities(via_csv)[0]
    assert fields(csv_activity) == fields(yaml_activity)
