"""The database schema: created and migrated by Alembic from the migrations in kb/migrations.

`kb init` calls `init_schema`, `kb upgrade` too (and says what changed); tests use the same path, so
SQLite and PostgreSQL get their schema from the migrations (`create_all` only fills in the missing
tables of an instance made before there were migrations).
"""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from sqlalchemy import inspect
from werkzeug.routing import IntegerConverter, Map

from kb.extensions import db
from kb.models.base import INTEGER_MAX

# The first migration: the schema of instances made before migrations existed (with create_all).
BASELINE = "cdfbb5c5b443"
# The tables of that schema, for recognising such an instance.
BASELINE_TABLES = frozenset({
    "action_plan", "activity", "activity_page", "attachment", "attachment_version", "audit_event",
    "change", "collaboration_plan", "glossary_revision", "glossary_term", "login_attempt", "page",
    "page_link", "plan_revision", "read_mark", "revision", "slug_alias", "user_account",
})
VERSION_TABLE = "alembic_version"
# Baseline tables that later migrations alter (a7e3c9d21f04: routine governance).
ALTERED_LATER = frozenset({"page", "revision", "user_account"})


class IdConverter(IntegerConverter):
    """`<int:…>` in URLs, up to INTEGER_MAX: a larger number names no row (a 404, not a database error)."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = INTEGER_MAX, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def alembic_config(app: Flask) -> Config:
    """Alembic's configuration for this app (the packaged migrations, the app's engine)."""
    return app.extensions["migrate"].migrate.get_config()


def current_revision() -> str | None:
    """The revision the current app's database is at; None when it has never been migrated."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision among the packaged migrations."""
    return ScriptDirectory.from_config(alembic_config(current_app)).get_current_head()


def upgrade(app: Flask, revision: str = "head") -> None:
    """Run the migrations up to `revision` (default: the newest)."""
    with app.app_context():
        command.upgrade(alembic_config(app), revision)


def init_schema(app: Flask) -> None:
    """Bring the database to the newest schema: create it, adopt a pre-migration one, or migrate."""
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        if VERSION_TABLE not in tables and tables & BASELINE_TABLES:
            _adopt_pre_migration_database(app, missing=BASELINE_TABLES - tables)
    upgrade(app)


def _adopt_pre_migration_database(app: Flask, missing: set[str]) -> None:
    """Mark a database made by `create_all` (before migrations) as being at the baseline revision.

    Instances older than some of the baseline's tables lack them; those are created first, as the
    old `kb init` did. The models' definitions of those tables equal the baseline's as long as no
    later migration changes them. Later migrations alter only tables that every such instance has
    (ALTERED_LATER, from the first version of kb on).
    """
    if missing & ALTERED_LATER:
        raise RuntimeError(f"Databasen saknar tabellerna {', '.join(sorted(missing & ALTERED_LATER))} "
                           "och kan inte uppgraderas.")
    if missing:
        db.metadata.create_all(db.engine, tables=[db.metadata.tables[name] for name in sorted(missing)])
    command.stamp(alembic_config(app), BASELINE)
