"""Flask extensions, created unbound and bound in the app factory."""
from __future__ import annotations

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Deterministic constraint and index names, the same on SQLite and PostgreSQL, so migrations can
# name what they alter or drop. Constraints given an explicit name keep it.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for all models."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
login_manager = LoginManager()
migrate = Migrate()


def _without_nul(value: object) -> object:
    """Parameters (a value, or rows of them) with NUL characters dropped from every string."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {key: _without_nul(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_without_nul(item) for item in value)
    return value


@event.listens_for(Engine, "before_cursor_execute", retval=True)
def _strip_nul_on_postgresql(conn, cursor, statement, parameters, context, executemany):
    """Drop NUL characters from text parameters on PostgreSQL, which refuses them in text (SQLite keeps them).

    A NUL is never meaningful in our text (inside "javascript:" it only hides the scheme from naive
    filters), but on PostgreSQL it would turn a save, a login or a lookup into a server error.
    """
    if conn.dialect.name != "postgresql" or not parameters:
        return statement, parameters
    return statement, _without_nul(parameters)
