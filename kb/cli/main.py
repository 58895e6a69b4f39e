"""`kb`: the console entry point, Flask's command group with the app's commands and Swedish help."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from kb import create_app
from kb.cli.help import SUBCOMMAND_METAVAR, SwedishHelp

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
    return create_app()


@click.group(cls=KbGroup, create_app=_create_app, add_default_commands=False, load_dotenv=False,
             add_version_option=False)
def main() -> None:
    """kb – kunskapsbank för vårdsamverkan."""
