"""`kb init`, `kb upgrade`, `kb demo`, `kb import`, `kb export` and `kb serve`: the instance and its content."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from kb import serve
from kb.cli.common import fail
from kb.cli.help import Command
from kb.constants import PageType, Role
from kb.exceptions import ServiceError
from kb.services import demo as demo_content
from kb.services import instance, pages, transfer, word_import

# How `kb demo` introduces each demo account it creates.
DEMO_ACCOUNT_NAMES = {Role.ADMIN: "administratör", Role.APPROVER: "fastställare (fastställer rutiner)"}


@click.command("init", cls=Command)
@with_appcontext
def init_command() -> None:
    """Skapa instansmapp, databas och sökindex (går att köra flera gånger)."""
    instance.init_instance(current_app)
    click.echo(f"Instansen är klar i {current_app.instance_path}")


@click.command("upgrade", cls=Command)
@with_appcontext
def upgrade_command() -> None:
    """Uppgradera databasens schema till den senaste versionen."""
    from alembic.util import CommandError

    try:
        before, after = instance.upgrade_schema(current_app)
    except CommandError as exc:
        click.echo(f"Fel: databasens schema kunde inte uppgraderas: {exc}", err=True)
        sys.exit(1)
    if before == after:
        click.echo(f"Databasens schema är redan den senaste versionen ({after}).")
    else:
        click.echo(f"Databasens schema uppgraderades från {before or 'en tom databas'} till {after}.")


def _run_import(folder: Path, *, demo: bool = False, area: str | None = None,
                page_type: str = PageType.ARTICLE.value) -> int:
    files = sorted(Path(folder).glob("*.md")) + ([] if demo else word_import.word_files(folder))
    documents = None
    try:
        with click.progressbar(length=len(files), label="Importerar", file=sys.stderr,
                               show_pos=True) as bar:
            progress = lambda _name: bar.update(1)  # noqa: E731
            report = (demo_content.load(folder, progress=progress) if demo
                      else transfer.import_folder(folder, area=area, progress=progress))
            if not demo and not report.refused:
                documents = word_import.import_folder(folder, page_type=page_type, area=area, progress=progress)
    except (transfer.FileError, ServiceError) as exc:
        fail(exc)
    for name, reason in report.errors:
        click.echo(f"FEL i {name}: {reason}", err=True)
    click.echo(report.summary(), err=bool(report.errors))
    if documents is not None and (documents.lines or documents.errors):
        for line in documents.lines:
            click.echo(line)
        for name, warning in documents.warnings:
            click.echo(f"Obs! {name}: {warning}", err=True)
        for name, reason in documents.errors:
            click.echo(f"FEL i {name}: {reason}", err=True)
        click.echo(documents.summary(), err=bool(documents.errors))
    return 1 if report.errors or (documents is not None and documents.errors) else 0


def _print_demo_accounts(accounts: list[demo_content.DemoAccount]) -> None:
    """The demo accounts just created, with their passwords (printed only this once)."""
    if not accounts:
        return
    for account in accounts:
        click.echo(f"Ett demokonto för {DEMO_ACCOUNT_NAMES[account.role]} skapades. Lösenordet visas bara nu:")
        click.echo(f"  användarnamn: {account.username}")
        click.echo(f"  lösenord:     {account.password}")
    click.echo("Skapa egna konton med: kb user create NAMN --role redaktör")


@click.command("demo", cls=Command)
@with_appcontext
def demo_command() -> None:
    """Läs in demoinnehållet (om kunskapsbanken är tom)."""
    instance.init_instance(current_app)
    if pages.count_pages():
        click.echo("Kunskapsbanken har redan innehåll; demoinnehållet lästes inte in.")
        return
    code = _run_import(demo_content.demo_folder(), demo=True)
    _print_demo_accounts(demo_content.create_demo_accounts())
    demo_content.load_demo_notifications()
    sys.exit(code)


@click.command("import", cls=Command)
@click.argument("path", metavar="MAPP", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--area", default=None, metavar="NYCKEL",
              help="Området för filer som inte anger något (area: i filen gäller före detta).")
@click.option("--type", "page_type", default=PageType.ARTICLE.value, show_default=True,
              type=click.Choice([t.value for t in PageType]), help="Sidtypen för Word-dokumenten (.docx) i mappen.")
@with_appcontext
def import_command(path: Path, area: str | None, page_type: str) -> None:
    """Importera sidor (.md, Word-dokument .docx), areas.yaml, glossary.yaml, plans/ och attachments/ från en mapp."""
    instance.init_instance(current_app)
    sys.exit(_run_import(path, area=area, page_type=page_type))


@click.command("export", cls=Command)
@click.argument("path", metavar="MAPP", type=click.Path(file_okay=False, path_type=Path))
@click.option("--area", default=None, metavar="NYCKEL", help="Exportera bara det här områdets innehåll.")
@with_appcontext
def export_command(path: Path, area: str | None) -> None:
    """Exportera alla sidor, områdena, ordlistan, aktivitetsplanerna och bilagorna till en mapp."""
    try:
        total = transfer.export_size(area)
        with click.progressbar(length=total, label="Exporterar", file=sys.stderr, show_pos=True) as bar:
            report = transfer.export_folder(path, area=area, progress=lambda _slug: bar.update(1))
    except ServiceError as exc:
        fail(exc)
    click.echo(f"{report.summary()} till {path}")


@click.command("serve", cls=Command)
@click.option("--host", default="127.0.0.1", show_default=True, metavar="ADRESS", help="Adress att lyssna på.")
@click.option("--port", default=5000, show_default=True, type=int, metavar="PORT", help="Port att lyssna på.")
@click.option("--threads", default=8, show_default=True, type=int, metavar="ANTAL",
              help="Antal trådar (per arbetsprocess).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1), envvar="KB_WORKERS",
              metavar="ANTAL",
              help="Antal arbetsprocesser; fler än 1 kör gunicorn i stället för waitress (KB_WORKERS).")
@with_appcontext
def serve_command(host: str, port: int, threads: int, workers: int) -> None:
    """Kör kunskapsbanken: waitress, eller gunicorn med flera arbetsprocesser (--workers)."""
    app = current_app._get_current_object()
    instance.init_instance(app)
    click.echo(f"kb svarar på http://{host}:{port}/ (avsluta med Ctrl+C)")
    if workers > 1:
        instance.release_connections(app)
        # Each worker builds its own app with the factory `kb` was started with (kb.cli.main's, which
        # calls kb.create_app), so this module need not import kb itself.
        factory = click.get_current_context().ensure_object(ScriptInfo).create_app
        serve.run_gunicorn(factory, serve.gunicorn_options(host, port, workers, threads))
        return
    from waitress import serve as waitress_serve

    serve.settle_heap()
    waitress_serve(app, host=host, port=port, threads=threads, ident="kb")
