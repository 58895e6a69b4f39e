"""`kb plans import` and `kb plans export` from the terminal."""
from __future__ import annotations

import pytest
from test_plan_io import HEADER, csv_bytes, row, seed

from kb.services import plans
from kb.services.plans import io as plan_io

GOOD = row(Mal="Öka tilliten", Vad="Nätverk för SIP-samordnare", Status="Pågår")


@pytest.fixture
def runner(app):
    """A CLI runner on an instance with structures and a plan."""
    with app.app_context():
        seed()
        plans.create_plan(plans.PlanData(title="Aktivitetsplan 2024", structure="samordningsgruppen",
                                         period="2024"))
    return app.test_cli_runner()


def test_import_into_a_plan_then_export_it(app, runner, tmp_path):
    """Does `kb plans import FILE --plan SLUG` add the rows, and `kb plans export` write CSV and Excel?"""
    source = tmp_path / "plan.csv"
    source.write_bytes(csv_bytes([HEADER, GOOD, GOOD]))
    result = runner.invoke(args=["plans", "import", str(source), "--plan", "aktivitetsplan-2024"])
    assert result.exit_code == 0, result.output
    assert ("Planen ”Aktivitetsplan 2024” (aktivitetsplan-2024): 2 nya, 0 ändrade och 0 oförändrade "
            "aktiviteter.") in result.output
    for name in ("ut.csv", "ut.xlsx"):
        out = runner.invoke(args=["plans", "export", "aktivitetsplan-2024", str(tmp_path / name)])
        assert out.exit_code == 0 and "Exporterade 2 aktiviteter" in out.output
    with app.app_context():
        assert len(plan_io.read_table("ut.xlsx", (tmp_path / "ut.xlsx").read_bytes()).rows) == 2
        assert (tmp_path / "ut.csv").read_bytes() == plan_io.export_csv(plans.get_plan("aktivitetsplan-2024"))


def test_row_errors_are_printed_and_nothing_is_imported(app, runner, tmp_path):
    """Does a bad file print each error as "rad N, kolumn X: …", import nothing and exit 1?"""
    source = tmp_path / "plan.csv"
    bad = row(Mal="Mål", Vad="Något", Status="Pågår", Slutdatum="snart")
    source.write_bytes(csv_bytes([HEADER, GOOD, bad]))
    result = runner.invoke(args=["plans", "import", str(source), "--plan", "aktivitetsplan-2024"])
    assert result.exit_code == 1
    assert "FEL: rad 3, kolumn Slutdatum: ”snart” är inget datum." in result.output
    assert "Inget importerades från plan.csv." in result.output
    with app.app_context():
        assert plans.plan_activities(plans.get_plan("aktivitetsplan-2024")) == []


def test_import_creates_a_new_plan_from_options(app, runner, tmp_path):
    """Does --structure, --title and --period create a new plan with the file's activities?"""
    source = tmp_path / "plan.csv"
    source.write_bytes(csv_bytes([HEADER, GOOD]))
    result = runner.invoke(args=["plans", "import", str(source), "--structure", "nosam-lerum",
                                 "--title", "NOSAM Lerum 2025", "--period", "2025"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        plan = plans.get_plan("nosam-lerum-2025")
        assert plan.structure.slug == "nosam-lerum" and len(plans.plan_activities(plan)) == 1
    bad = runner.invoke(args=["plans", "import", str(source), "--structure", "sip", "--title", "X",
                              "--period", "2025"])
    assert bad.exit_code == 1 and "FEL: Struktur: ”SIP” är ingen struktursida." in bad.output


@pytest.mark.parametrize(("args", "message"), [
    (["--plan", "aktivitetsplan-2024", "--title", "X"], "Ange antingen --plan eller --structure"),
    (["--title", "X"], "En ny plan behöver --structure, --title och --period."),
    (["--plan", "finns-inte"], "Fel: Det finns ingen plan ”finns-inte”."),
    ([], "FEL: Ange planens titel, struktur och period"),
])
def test_import_options_are_checked(runner, tmp_path, args, message):
    """Are conflicting, incomplete or unknown plan options refused with a Swedish message?"""
    source = tmp_path / "plan.csv"
    source.write_bytes(csv_bytes([HEADER, GOOD]))
    result = runner.invoke(args=["plans", "import", str(source), *args])
    assert result.exit_code != 0 and message in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["aktivitetsplan-2024", "plan.pdf"], "Filnamnet måste sluta på .csv eller .xlsx."),
    (["finns-inte", "plan.csv"], "Det finns ingen plan ”finns-inte”."),
])
def test_export_refuses_unknown_formats_and_plans(runner, tmp_path, args, message):
    """Does export name what is wrong and exit 1?"""
    result = runner.invoke(args=["plans", "export", args[0], str(tmp_path / args[1])])
    assert result.exit_code == 1 and message in result.output
    assert not (tmp_path / args[1]).exists()


def test_kb_import_and_export_include_plans(app, runner, tmp_path):
    """Do `kb export` and `kb import` carry the plans, with plans in the import summary?"""
    with app.app_context():
        plan_io.import_activities(plans.get_plan("aktivitetsplan-2024"), "p.csv", csv_bytes([HEADER, GOOD]),
                                  author="anna")
    assert runner.invoke(args=["export", str(tmp_path / "ut")]).exit_code == 0
    assert (tmp_path / "ut" / "plans" / "aktivitetsplan-2024.yaml").is_file()
    (tmp_path / "ut" / "plans" / "trasig.yaml").write_text("title: [\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(tmp_path / "ut")])
    assert result.exit_code == 1
    assert "FEL i plans/trasig.yaml: ogiltig YAML" in result.output
    assert "aktivitetsplaner: 0 nya, 0 ändrade, 1 oförändrade" in result.output
