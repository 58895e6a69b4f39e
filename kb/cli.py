"""The `kb` command: thin wrappers over services and the index."""
from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from kb.clihelp import SUBCOMMAND_METAVAR, Command, Group, SwedishHelp
from kb.extensions import db

# Flask's own options of its command group: kb always builds its app with create_app, reads no .env
# file and runs no debug server.
FLASK_OPTIONS = frozenset({"app", "env_file", "debug"})
# Flask-Migrate's `db` group, for developers writing a migration (`kb db migrate`), with its own English
# help: runs, but is not listed. Installations upgrade their database with `kb upgrade`.
UNLISTED_COMMANDS = frozenset({"db"})


class KbGroup(SwedishHelp, FlaskGroup):
    """The `kb` command: Flask's group of the app's commands, with Swedish help and without Flask's
    --app, --env-file and --debug options."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("subcommand_metavar", SUBCOMMAND_METAVAR)
        super().__init__(**kwargs)
        self.params = [p for p in self.params if p.name not in FLASK_OPTIONS]

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The app's commands, without the unlisted ones."""
        return [name for name in super().list_commands(ctx) if name not in UNLISTED_COMMANDS]


def _create_app() -> Flask:
    from kb import create_app

    return create_app()


@click.group(cls=KbGroup, create_app=_create_app, add_default_commands=False, load_dotenv=False,
             add_version_option=False)
def main() -> None:
    """kb – kunskapsbank för vårdsamverkan."""


def demo_folder() -> Path:
    """Where the packaged demo content lives."""
    return Path(str(resources.files("kb") / "demo"))


def init_instance(app: Flask) -> None:
    """Create the instance folder, secret key, database schema (migrated) and search index (idempotent)."""
    from kb import config as kbconfig
    from kb import database, index
    from kb.services import organisations

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    kbconfig.load_or_create_secret_key(app.instance_path, create=True)
    database.init_schema(app)
    organisations.ensure_defaults()
    index.ensure(app)


@click.command("init", cls=Command)
@with_appcontext
def init_command() -> None:
    """Skapa instansmapp, databas och sökindex (går att köra flera gånger)."""
    init_instance(current_app)
    click.echo(f"Instansen är klar i {current_app.instance_path}")


@click.command("upgrade", cls=Command)
@with_appcontext
def upgrade_command() -> None:
    """Uppgradera databasens schema till den senaste versionen."""
    from alembic.util import CommandError

    from kb import database
    from kb.services import organisations

    before = database.current_revision()
    try:
        database.init_schema(current_app)
        organisations.ensure_defaults()
    except CommandError as exc:
        click.echo(f"Fel: databasens schema kunde inte uppgraderas: {exc}", err=True)
        sys.exit(1)
    after = database.current_revision()
    if before == after:
        click.echo(f"Databasens schema är redan den senaste versionen ({after}).")
    else:
        click.echo(f"Databasens schema uppgraderades från {before or 'en tom databas'} till {after}.")


def _run_import(folder: Path, *, demo: bool = False) -> int:
    from kb.services import demo as demo_content
    from kb.services import transfer

    files = sorted(Path(folder).glob("*.md"))
    with click.progressbar(length=len(files), label="Importerar", file=sys.stderr,
                           show_pos=True) as bar:
        progress = lambda _name: bar.update(1)  # noqa: E731
        report = (demo_content.load(folder, progress=progress) if demo
                  else transfer.import_folder(folder, progress=progress))
    for name, reason in report.errors:
        click.echo(f"FEL i {name}: {reason}", err=True)
    click.echo(report.summary(), err=bool(report.errors))
    return 1 if report.errors else 0


@click.command("demo", cls=Command)
@with_appcontext
def demo_command() -> None:
    """Läs in demoinnehållet (om kunskapsbanken är tom)."""
    from kb.services import pages

    init_instance(current_app)
    if pages.count_pages():
        click.echo("Kunskapsbanken har redan innehåll; demoinnehållet lästes inte in.")
        return
    code = _run_import(demo_folder(), demo=True)
    ensure_demo_admin()
    from kb.notify_cli import load_demo_notifications

    load_demo_notifications()
    sys.exit(code)


@click.command("import", cls=Command)
@click.argument("path", metavar="MAPP", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def import_command(path: Path) -> None:
    """Importera sidor (.md med front matter), glossary.yaml, plans/ och attachments/ från en mapp."""
    init_instance(current_app)
    sys.exit(_run_import(path))


@click.command("export", cls=Command)
@click.argument("path", metavar="MAPP", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export_command(path: Path) -> None:
    """Exportera alla sidor, ordlistan, aktivitetsplanerna och bilagorna till en mapp."""
    from kb.services import pages, transfer

    total = len(pages.live_pages())
    with click.progressbar(length=total, label="Exporterar", file=sys.stderr, show_pos=True) as bar:
        report = transfer.export_folder(path, progress=lambda _slug: bar.update(1))
    click.echo(f"{report.summary()} till {path}")


def _release_connections(app: Flask) -> None:
    """Close this process's pooled database connections, so none is inherited by a forked worker."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


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
    from kb import create_app, serve

    app = current_app._get_current_object()
    init_instance(app)
    click.echo(f"kb svarar på http://{host}:{port}/ (avsluta med Ctrl+C)")
    if workers > 1:
        _release_connections(app)
        serve.run_gunicorn(create_app, serve.gunicorn_options(host, port, workers, threads))
        return
    from waitress import serve as waitress_serve

    waitress_serve(app, host=host, port=port, threads=threads, ident="kb")


@click.group("user", cls=Group)
def user_group() -> None:
    """Hantera användarkonton."""


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Lösenord", hide_input=True, confirmation_prompt="Upprepa lösenordet")


def _role(value: str):
    from kb.constants import Role

    try:
        return Role.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _fail(exc) -> None:
    for message in getattr(exc, "errors", {}).values() or [str(exc)]:
        click.echo(f"Fel: {message}", err=True)
    sys.exit(1)


@user_group.command("create")
@click.argument("name", metavar="NAMN")
@click.option("--role", "role", default="läsare", show_default=True, metavar="ROLL",
              help="läsare, redaktör, fastställare eller administratör")
@click.option("--display-name", default="", metavar="NAMN", help="Namn som visas.")
@click.option("--password-stdin", is_flag=True, help="Läs lösenordet från standard in.")
@with_appcontext
def user_create(name: str, role: str, display_name: str, password_stdin: bool) -> None:
    """Skapa ett konto."""
    from kb.exceptions import ValidationError
    from kb.services import users

    parsed = _role(role)
    try:
        user = users.create(name, _read_password(password_stdin), parsed, display_name=display_name)
    except ValidationError as exc:
        _fail(exc)
    click.echo(f"Användaren {user.username} skapades med rollen {user.role}.")


@user_group.command("set-role")
@click.argument("name", metavar="NAMN")
@click.argument("role", metavar="ROLL")
@with_appcontext
def user_set_role(name: str, role: str) -> None:
    """Byt roll för ett konto."""
    from kb.exceptions import ValidationError
    from kb.services import users

    try:
        user = users.set_role(name, _role(role))
    except ValidationError as exc:
        _fail(exc)
    click.echo(f"{user.username} har nu rollen {user.role}.")


@user_group.command("disable")
@click.argument("name", metavar="NAMN")
@with_appcontext
def user_disable(name: str) -> None:
    """Inaktivera ett konto (det kan inte längre logga in)."""
    from kb.exceptions import ValidationError
    from kb.services import users

    try:
        user = users.set_disabled(name, True)
    except ValidationError as exc:
        _fail(exc)
    click.echo(f"{user.username} är inaktiverad.")


@user_group.command("list")
@with_appcontext
def user_list() -> None:
    """Lista konton."""
    from kb.services import users

    rows = users.all_users()
    if not rows:
        click.echo("Inga användare. Skapa en administratör med: kb user create NAMN --role administratör")
    for u in rows:
        status = "inaktiverad" if u.disabled else "aktiv"
        click.echo(f"{u.username:<24} {u.role:<14} {status}")


def ensure_demo_admin() -> None:
    """With no accounts yet, create `admin` and the demo approver with generated passwords, printed once."""
    from kb.constants import Role
    from kb.services import demo, users

    if users.all_users():
        return
    password = users.generate_password()
    users.create("admin", password, Role.ADMIN, display_name="Demoadministratör")
    click.echo("Ett demokonto för administratör skapades. Lösenordet visas bara nu:")
    click.echo("  användarnamn: admin")
    click.echo(f"  lösenord:     {password}")
    password = users.generate_password()
    users.create(demo.APPROVER, password, Role.APPROVER, display_name="Demofastställare")
    click.echo("Ett demokonto för fastställare (fastställer rutiner) skapades. Lösenordet visas bara nu:")
    click.echo(f"  användarnamn: {demo.APPROVER}")
    click.echo(f"  lösenord:     {password}")
    click.echo("Skapa egna konton med: kb user create NAMN --role redaktör")


def init_app(app: Flask) -> None:
    """Register the commands on the app's CLI group (so `kb` and tests' runner see them)."""
    for command in (init_command, upgrade_command, demo_command, import_command, export_command,
                    serve_command, user_group):
        app.cli.add_command(command)
    from kb.search.cli import reindex_command, search_command

    app.cli.add_command(search_command)
    app.cli.add_command(reindex_command)
    from kb.plans.cli import plans_group

    app.cli.add_command(plans_group)
    from kb.backup_cli import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    from kb.notify_cli import init_app as init_notify_cli

    init_notify_cli(app)
