"""`kb backup` and `kb restore`: thin wrappers over kb.services.backup."""
from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from kb.cli.help import Command
from kb.services import backup, instance


def _run(label: str, action: Callable[..., Any], path: Path) -> None:
    """Run a backup or restore with a progress bar over the tables; a refusal exits 1 with its reason."""
    try:
        with click.progressbar(length=backup.table_count(), label=label, file=sys.stderr,
                               show_pos=True) as bar:
            report = action(path, progress=lambda _table: bar.update(1))
    except backup.BackupError as exc:
        click.echo(f"Fel: {exc}", err=True)
        sys.exit(1)
    click.echo(report.summary())


@click.command("backup", cls=Command)
@click.argument("path", metavar="MAPP", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Säkerhetskopiera databasen och bilagorna till en ny mapp (går bra medan kb är igång)."""
    _run("Säkerhetskopierar", backup.backup, path)


@click.command("restore", cls=Command)
@click.argument("path", metavar="MAPP", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def restore_command(path: Path) -> None:
    """Återläs en säkerhetskopia till en ny, tom instans och bygg om sökindexet."""
    instance.init_instance(current_app)
    _run("Återläser", backup.restore, path)
