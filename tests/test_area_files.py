"""Areas in files: `kb export [--area]`, `kb import [--area]`, `kb backup`/`kb restore` and the demo."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from factories import make_app, make_page, make_user
from sqlalchemy import func, select
from test_transfer import dirs_equal, write

from kb.constants import AreaRole
from kb.extensions import db
from kb.models import AreaGrant, AuditEvent, Page
from kb.services import areas, attachments, backup, glossary, pages, plans, transfer

ALFA_GROUP = """---
title: Alfagruppen
type: structure
slug: alfagruppen
area: alfa
summary: Öppen grupp.
---
Gruppen samarbetar med [[hemliga-gruppen]].
"""
SECRET_GROUP = """---
title: Hemliga gruppen
type: structure
slug: hemliga-gruppen
area: beta
summary: Arbetsgrupp för medlemmar.
---
Anteckningar om Kvastgatan.
"""
PLAIN_PAGE = """---
title: {title}
type: article
slug: {slug}
---
Text.
"""
ALFA_PLAN = """\
title: Alfas plan 2024
area: alfa
structure: alfagruppen
period: 2024
activities:
  - Mål: Tryggare övergångar
    Vad: Gemensam genomgång
    Ansvarig: hemliga-gruppen; processledaren
    Status: Pågår
    Sidor: [hemliga-gruppen]
"""
GLOSSARY = """\
- term: ALFA
  expansion: Alfas förkortning
  area: alfa
- term: BETA
  expansion: Betas hemliga förkortning
  area: beta
- term: SIP
  expansion: Samordnad individuell plan
"""


def files_text(folder: Path) -> str:
    """Every text file in an export folder, concatenated."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*"))
                     if p.is_file() and p.suffix in (".md", ".yaml", ".json"))


@pytest.fixture
def two_areas(app, tmp_path):
    """An app with an open area `alfa` and a members-only area `beta`, loaded from a folder."""
    folder = tmp_path / "in"
    write(folder, "alfagruppen.md", ALFA_GROUP)
    write(folder, "hemliga-gruppen.md", SECRET_GROUP)
    write(folder, "glossary.yaml", GLOSSARY)
    write(folder, "areas.yaml", "- {key: alfa, name: Alfa}\n- {key: beta, name: Beta, members_only: true}\n")
    write(folder / "plans", "alfas-plan-2024.yaml", ALFA_PLAN)
    with app.app_context():
        report = transfer.import_folder(folder)
        assert not report.errors, report.errors
        for slug in ("alfagruppen", "hemliga-gruppen"):
            attachments.upload(pages.get(slug), f"{slug}.txt", f"Bilaga till {slug}.".encode(), author="anna",
                               approved=True)
    return app


def test_an_export_names_the_area_of_every_page_plan_and_term(two_areas, tmp_path):
    """Does a full export write `area:` on pages, plans and area terms, and list every area in areas.yaml?"""
    with two_areas.app_context():
        transfer.export_folder(tmp_path / "ut")
    out = tmp_path / "ut"
    assert "\nslug: alfagruppen\narea: alfa\n" in (out / "alfagruppen.md").read_text(encoding="utf-8")
    assert "\narea: beta\n" in (out / "hemliga-gruppen.md").read_text(encoding="utf-8")
    assert yaml.safe_load((out / "plans" / "alfas-plan-2024.yaml").read_text(encoding="utf-8"))["area"] == "alfa"
    terms = {t["term"]: t.get("area") for t in yaml.safe_load((out / "glossary.yaml").read_text(encoding="utf-8"))}
    assert terms == {"ALFA": "alfa", "BETA": "beta", "SIP": None}
    listed = yaml.safe_load((out / "areas.yaml").read_text(encoding="utf-8"))
    assert [a["key"] for a in listed] == ["gemensamt", "alfa", "beta", "samla"]
    assert {a["key"]: a.get("members_only", False) for a in listed}["beta"] is True


def test_an_area_export_holds_that_area_only_and_no_title_of_a_members_only_area(two_areas, tmp_path):
    """Does `kb export --area alfa` write alfa's pages, plan, terms and files, and nothing that names beta's?"""
    result = two_areas.test_cli_runner().invoke(args=["export", str(tmp_path / "alfa"), "--area", "alfa"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "alfa"
    assert sorted(p.name for p in out.glob("*.md")) == ["alfagruppen.md"]
    assert (out / "attachments" / "alfagruppen" / "alfagruppen.txt").is_file()
    assert not (out / "attachments" / "hemliga-gruppen").exists()
    assert [a["key"] for a in yaml.safe_load((out / "areas.yaml").read_text(encoding="utf-8"))] == ["alfa"]
    terms = [t["term"] for t in yaml.safe_load((out / "glossary.yaml").read_text(encoding="utf-8"))]
    assert terms == ["ALFA", "SIP"]
    plan = yaml.safe_load((out / "plans" / "alfas-plan-2024.yaml").read_text(encoding="utf-8"))
    assert plan["activities"][0]["Ansvarig"] == "hemliga-gruppen; processledaren"
    text = files_text(out)
    assert "Hemliga gruppen" not in text and "Kvastgatan" not in text and "Beta" not in text
    # The author's own [[slug]] link is the page's text, and stays.
    assert "[[hemliga-gruppen]]" in text


def test_a_full_export_names_the_responsible_structure_by_title(two_areas, tmp_path):
    """Does the installation's full export still write titles (nothing is hidden from the administrator)?"""
    with two_areas.app_context():
        transfer.export_folder(tmp_path / "allt")
    plan = yaml.safe_load((tmp_path / "allt" / "plans" / "alfas-plan-2024.yaml").read_text(encoding="utf-8"))
    assert plan["activities"][0]["Ansvarig"] == "Hemliga gruppen; processledaren"
    assert (tmp_path / "allt" / "hemliga-gruppen.md").is_file()


def test_an_export_of_an_unknown_area_says_so_and_writes_nothing(app, tmp_path):
    """Does `kb export --area okänt` fail with the known keys and leave no folder behind?"""
    result = app.test_cli_runner().invoke(args=["export", str(tmp_path / "ut"), "--area", "okant"])
    assert result.exit_code == 1
    assert "Det finns inget område ”okant”" in result.output and "samla" in result.output
    assert not (tmp_path / "ut").exists()


def test_import_area_places_files_without_area_and_front_matter_wins(app, tmp_path):
    """Does `kb import --area alfa` put unmarked pages and plans in alfa, and a file's own area win?"""
    folder = tmp_path / "in"
    write(folder, "utan.md", PLAIN_PAGE.format(title="Utan område", slug="utan"))
    write(folder, "med.md", PLAIN_PAGE.format(title="Med område", slug="med").replace(
        "slug: med\n", "slug: med\narea: gemensamt\n"))
    write(folder, "alfagruppen.md", ALFA_GROUP.replace("area: alfa\n", "").replace("[[hemliga-gruppen]]", "andra"))
    write(folder / "plans", "alfas-plan-2024.yaml", ALFA_PLAN.replace("area: alfa\n", "").replace(
        "hemliga-gruppen", "alfagruppen"))
    with app.app_context():
        areas.create("alfa", "Alfa")
    result = app.test_cli_runner().invoke(args=["import", str(folder), "--area", "alfa"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert {slug: pages.get(slug).area.key for slug in ("utan", "med", "alfagruppen")} == {
            "utan": "alfa", "med": "gemensamt", "alfagruppen": "alfa"}
        assert plans.live_plans()[0].area.key == "alfa"


def test_without_area_new_pages_go_to_the_own_area_and_old_ones_stay(app, tmp_path):
    """Does an import without --area leave an existing page where it is, and put a new one in the own area?"""
    with app.app_context():
        areas.create("alfa", "Alfa")
        make_page("Finns", slug="finns", area_id=areas.get("alfa").id)
    folder = tmp_path / "in"
    write(folder, "finns.md", PLAIN_PAGE.format(title="Finns", slug="finns"))
    write(folder, "ny.md", PLAIN_PAGE.format(title="Ny", slug="ny"))
    with app.app_context():
        report = transfer.import_folder(folder)
        assert not report.errors and report.moved == []
        assert pages.get("finns").area.key == "alfa" and pages.get("ny").area.key == "samla"


def test_an_unknown_area_in_a_file_is_named_and_the_rest_imported(app, tmp_path):
    """Is a file naming an unknown area refused by name, the others imported, and the exit code 1?"""
    folder = tmp_path / "in"
    write(folder, "bra.md", PLAIN_PAGE.format(title="Bra", slug="bra"))
    write(folder, "fel.md", PLAIN_PAGE.format(title="Fel", slug="fel").replace("slug: fel\n",
                                                                               "slug: fel\narea: finns-inte\n"))
    result = app.test_cli_runner().invoke(args=["import", str(folder)])
    assert result.exit_code == 1
    assert "FEL i fel.md: okänt område ”finns-inte” (områden: gemensamt, samla)" in result.output
    with app.app_context():
        assert pages.get("bra") is not None and pages.get("fel") is None


def test_an_unknown_area_option_imports_nothing(app, tmp_path):
    """Does `kb import --area okänt` stop before anything is written, naming the known areas?"""
    folder = tmp_path / "in"
    write(folder, "bra.md", PLAIN_PAGE.format(title="Bra", slug="bra"))
    write(folder, "areas.yaml", "- {key: alfa, name: Alfa}\n")
    write(folder, "glossary.yaml", "- {term: SIP, expansion: Samordnad individuell plan}\n")
    result = app.test_cli_runner().invoke(args=["import", str(folder), "--area", "okant"])
    assert result.exit_code == 1
    assert "Fel: Det finns inget område ”okant”, så ingenting importerades. Områden: alfa, gemensamt, samla." \
        in result.output
    with app.app_context():
        assert pages.count_pages() == 0 and areas.get("alfa") is None and glossary.get("SIP") is None


def test_an_area_the_folder_brings_may_be_named_by_the_option(app, tmp_path):
    """Can `kb import --area alfa` name an area that the folder's own areas.yaml creates?"""
    folder = tmp_path / "in"
    write(folder, "bra.md", PLAIN_PAGE.format(title="Bra", slug="bra"))
    write(folder, "areas.yaml", "- {key: alfa, name: Alfa, description: Ett område}\n")
    with app.app_context():
        report = transfer.import_folder(folder, area="alfa")
        assert not report.errors and report.areas_changed == 1
        assert pages.get("bra").area.key == "alfa" and areas.get("alfa").description == "Ett område"


def test_a_bad_areas_file_is_named_and_its_pages_refused(app, tmp_path):
    """Is a broken areas.yaml reported, with the pages naming its areas refused and the others imported?"""
    folder = tmp_path / "in"
    write(folder, "areas.yaml", "- {key: Alfa Beta, name: Alfa}\n")
    write(folder, "bra.md", PLAIN_PAGE.format(title="Bra", slug="bra"))
    write(folder, "alfagruppen.md", ALFA_GROUP)
    with app.app_context():
        report = transfer.import_folder(folder)
        names = [name for name, _ in report.errors]
        assert names == ["areas.yaml", "alfagruppen.md"] and "a–z, 0–9" in report.errors[0][1]
        assert pages.get("bra") is not None and areas.get("alfa") is None


def test_an_import_never_opens_a_members_only_area(two_areas, tmp_path):
    """Does an areas.yaml that leaves out members_only keep a closed area closed (but may close one)?"""
    folder = tmp_path / "in"
    write(folder, "areas.yaml", "- {key: beta, name: Beta}\n- {key: alfa, name: Alfa, members_only: true}\n")
    with two_areas.app_context():
        transfer.import_folder(folder)
        assert areas.get("beta").members_only and areas.get("alfa").members_only


def test_an_import_that_only_changes_the_area_moves_the_page(two_areas, tmp_path):
    """Does re-importing a page with another area move it, with no new revision but a line in the audit log?"""
    with two_areas.app_context():
        transfer.export_folder(tmp_path / "ut")
        before = pages.get("alfagruppen").revision_number
    path = tmp_path / "ut" / "alfagruppen.md"
    path.write_text(path.read_text(encoding="utf-8").replace("area: alfa", "area: gemensamt"), encoding="utf-8")
    with two_areas.app_context():
        report = transfer.import_folder(tmp_path / "ut")
        assert not report.errors
        assert report.moved == ["alfagruppen"] and report.updated == ["alfagruppen"]
        assert "1 flyttade till ett annat område" in report.summary()
        page = pages.get("alfagruppen")
        assert page.area.key == "gemensamt" and page.revision_number == before
        details = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.target == "alfagruppen"))
        assert "flyttad från området alfa till gemensamt" in list(details)
        again = transfer.import_folder(tmp_path / "ut")
        assert again.moved == [] and "alfagruppen" in again.unchanged


def test_a_multi_area_instance_travels_whole_to_a_fresh_instance(two_areas, tmp_path):
    """Does export → import into a new instance → export give identical files, areas and places included?"""
    with two_areas.app_context():
        transfer.export_folder(tmp_path / "e1")
    other = make_app(tmp_path / "other")
    with other.app_context():
        report = transfer.import_folder(tmp_path / "e1")
        assert not report.errors, report.errors
        assert areas.get("beta").members_only and pages.get("hemliga-gruppen").area.key == "beta"
        assert glossary.get("BETA").area.key == "beta"
        transfer.export_folder(tmp_path / "e2")
        again = transfer.import_folder(tmp_path / "e2")
        assert not again.created and not again.updated and not again.glossary_changed and not again.areas_changed
    assert dirs_equal(tmp_path / "e1", tmp_path / "e2")


def test_backup_and_restore_carry_areas_and_grants(app, tmp_path):
    """Does a restore into a fresh instance (seeded with its own two areas) bring back every area,
    grant and page in its area?"""
    with app.app_context():
        areas.create("alfa", "Alfa", description="Öppet")
        areas.create("beta", "Beta", members_only=True)
        make_user("anna", "läsare", areas={"beta": "redaktör"})
        make_page("Hemligt", slug="hemligt", area_id=areas.get("beta").id)
        make_page("Gemensamt", slug="delat", area_id=areas.get("gemensamt").id)
        backup.backup(tmp_path / "kopia")
    target = make_app(tmp_path / "ny")
    with target.app_context():
        assert [a.key for a in areas.all_areas()] == ["gemensamt", "samla"]
        backup.restore(tmp_path / "kopia")
    with target.app_context():
        assert [(a.key, a.members_only) for a in areas.all_areas()] == [
            ("gemensamt", False), ("alfa", False), ("beta", True), ("samla", False)]
        assert areas.roles_of("anna") == {"beta": AreaRole.EDITOR}
        assert db.session.scalar(select(func.count()).select_from(AreaGrant)) == 1
        assert pages.get("hemligt").area.key == "beta" and pages.get("delat").area.key == "gemensamt"
        assert areas.get("alfa").description == "Öppet"


def test_the_demo_has_its_areas_and_sip_is_region_wide_and_linked_from_both(demo_app):
    """Does the demo hold SAMLA, NOSAM GBG Sydväst with its theme groups and a plan, a members-only working
    group, and SIP in the shared area linked from a SAMLA page and a GBG page?"""
    with demo_app.app_context():
        by_key = {a.key: a for a in areas.all_areas()}
        assert set(by_key) == {"gemensamt", "samla", "nosam-gbg-sydvast", "gbg-arbetsgrupp-aldre"}
        assert by_key["gbg-arbetsgrupp-aldre"].members_only and not by_key["nosam-gbg-sydvast"].members_only
        gbg = [p for p in pages.live_pages() if p.area_id == by_key["nosam-gbg-sydvast"].id]
        assert {"tg-aldre", "tg-rehab-hab", "tg-bou"} <= {p.slug for p in gbg}
        assert all(pages.get(s).fields["parent"] == "nosam-gbg-sydvast" for s in ("tg-aldre", "tg-rehab-hab", "tg-bou"))
        assert [p.slug for p in plans.live_plans() if p.area_id == by_key["nosam-gbg-sydvast"].id] == [
            "nosam-gbg-sydvast-handlingsplan-2024"]
        closed = db.session.scalar(select(func.count()).select_from(Page).where(
            Page.area_id == by_key["gbg-arbetsgrupp-aldre"].id))
        assert closed >= 1
        sip = pages.get("sip")
        assert sip.area.key == "gemensamt"
        linking = {p.area.key for p in pages.backlinks(sip)}
        assert {"samla", "nosam-gbg-sydvast"} <= linking
