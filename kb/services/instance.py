"""The instance: its folder, secret key, database schema, default rows and search index.

`init_instance` is what `kb init` (and every command that may meet a fresh instance) runs;
`upgrade_schema` what `kb upgrade` runs; `release_connections` what `kb serve` does before forking.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from kb import config as kbconfig
from kb import database, index
from kb.extensions import db
from kb.services import organisations


def init_instance(app: Flask) -> None:
    """Create the instance folder, secret key, database schema (migrated) and search index (idempotent)."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    kbconfig.load_or_create_secret_key(app.instance_path, create=True)
    database.init_schema(app)
    organisations.ensure_defaults()
    index.ensure(app)


def upgrade_schema(app: Flask) -> tuple[str | None, str | None]:
    """Migrate the database schema to the newest revision and add the default rows.

    Returns the revision before and after (before is None for an empty database). Alembic's
    CommandError passes through when the schema cannot be migrated.
    """
    before = database.current_revision()
    database.init_schema(app)
    organisations.ensure_defaults()
    return before, database.current_revision()


def release_connections(app: Flask) -> None:
    """Close this process's pooled database connections, so none is inherited by a forked worker."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
