"""`kb plans import` and `kb plans export`: action plans as CSV or Excel files."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from kb.cli.common import fail
from kb.cli.help import Group
from kb.services import instance, plans
from kb.services.plans import io as plan_io

AUTHOR = "import"


@click.group("plans", cls=Group)
def plans_group() -> None:
    """Importera och exportera aktivitetsplaner som CSV- eller Excel-filer."""


def _read(path: Path) -> bytes:
    """The file's bytes, at most one byte over the limit (the import refuses larger files)."""
    with path.open("rb") as handle:
        return handle.read(plan_io.MAX_BYTES + 1)


@plans_group.command("import")
@click.argument("file", metavar="FIL", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--plan", "plan_slug", default=None, metavar="ADRESS",
              help="Befintlig plan att lägga till aktiviteterna i (rader med Id uppdaterar sin aktivitet).")
@click.option("--structure", default=None, metavar="ADRESS", help="Ny plan: strukturen den tillhör.")
@click.option("--title", default=None, metavar="TITEL", help="Ny plan: titel.")
@click.option("--period", default=None, metavar="PERIOD", help="Ny plan: period, t.ex. 2024 eller 2024–2026.")
@with_appcontext
def import_command(file: Path, plan_slug: str | None, structure: str | None, title: str | None,
                   period: str | None) -> None:
    """Importera aktiviteter från FIL (.csv eller .xlsx).

    Med --plan läggs aktiviteterna till i en befintlig plan. Med --structure, --title och --period
    skapas en ny plan; utan dem läses planens uppgifter från Excel-filens blad Plan. Har filen
    något fel importeras ingenting och felen skrivs ut per rad.
    """
    new_plan = (structure, title, period)
    if plan_slug and any(new_plan):
        raise click.UsageError("Ange antingen --plan eller --structure, --title och --period, inte båda.")
    if any(new_plan) and not all(new_plan):
        raise click.UsageError("En ny plan behöver --structure, --title och --period.")
    instance.init_instance(current_app)
    content = _read(file)
    try:
        if plan_slug:
            plan = plans.get_plan(plan_slug)
            if plan is None:
                fail(f"Det finns ingen plan ”{plan_slug}”.")
            result = plan_io.import_activities(plan, file.name, content, author=AUTHOR)
        else:
            data = plans.PlanData(title=title, structure=structure, period=period) if all(new_plan) else None
            result = plan_io.import_new_plan(file.name, content, plan_data=data, author=AUTHOR)
    except plan_io.PlanImportError as exc:
        for error in exc.errors:
            click.echo(f"FEL: {error}", err=True)
        fail(f"Inget importerades från {file.name}.")
    click.echo(f"Planen ”{result.plan.title}” ({result.plan.slug}): {result.summary()}")


@plans_group.command("export")
@click.argument("slug", metavar="ADRESS")
@click.argument("file", metavar="FIL", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_command(slug: str, file: Path) -> None:
    """Exportera planen med adressen ADRESS till FIL (.csv eller .xlsx).

    Formatet väljs av filändelsen. Borttagna aktiviteter kommer inte med.
    """
    writers = {".csv": plan_io.export_csv, ".xlsx": plan_io.export_xlsx}
    writer = writers.get(file.suffix.lower())
    if writer is None:
        fail("Filnamnet måste sluta på .csv eller .xlsx.")
    plan = plans.get_plan(slug)
    if plan is None or plan.deleted:
        fail(f"Det finns ingen plan ”{slug}”.")
    file.write_bytes(writer(plan))
    count = len(plans.plan_activities(plan))
    click.echo(f"Exporterade {count} aktiviteter från ”{plan.title}” till {file}")

