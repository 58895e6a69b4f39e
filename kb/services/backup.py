"""Backup and restore: one consistent snapshot of the whole database, loaded back into an empty instance.

A backup is a folder:

    manifest.json          format, kb version, time, database dialect, schema revision and, per
                           table, its file, row count and SHA-256
    tables/<table>.jsonl   every row of every table (and alembic_version when there is one), one
                           JSON object per line with the columns by name, ordered by primary key
    attachments/           every attachment version as a file (kb.services.attachments.folder's layout)

The tables are the backup: a restore reads only them (the files' bytes are in
attachment_version.content). The attachments folder is for people, who can open the documents
without kb; it is written from the same snapshot, so it agrees with the tables.

Consistency: everything is read from one snapshot while the app keeps writing. SQLite: the live
database is first copied with SQLite's online backup API into a temporary file next to the
backup, and both the dump and the attachments are read from that copy (through a private app
bound to it, so the ORM code in kb.services.attachments.folder reads the copy as well). PostgreSQL: both are
read in one REPEATABLE READ transaction of the app's session. Either way the dump itself is
SQLAlchemy Core over the snapshot's connection, and writers are never blocked for long.

Values: JSON columns as they are, dates and times as ISO strings, bytes as {"$b64": "…"}. A
restore converts them back by the column's type, so a dump from SQLite loads into PostgreSQL
and back. Two backups of the same data have byte-identical table files.
"""
from __future__ import annotations

import base64
import hashlib
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    Table,
    Time,
    bindparam,
    func,
    inspect,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from kb.exceptions import ServiceError
from kb.extensions import db
from kb.services.attachments import folder as attachment_folder

FORMAT = 1
MANIFEST = "manifest.json"
TABLES_DIR = "tables"
ATTACHMENTS_DIR = "attachments"
# Alembic's bookkeeping table: dumped (it names the schema revision) but never loaded; a
# restore compares revisions instead, and the target's own `kb init` has filled it.
ALEMBIC_TABLE = "alembic_version"
# Rows per INSERT batch, and bytes of JSON per batch (attachment rows carry whole files).
BATCH_ROWS = 500
BATCH_BYTES = 16 * 1024 * 1024

# What the summaries count, in order: table, Swedish label for one and for several.
SUMMARY_TABLES = (("page", "sida", "sidor"), ("revision", "sidversion", "sidversioner"),
                  ("action_plan", "aktivitetsplan", "aktivitetsplaner"),
                  ("activity", "aktivitet", "aktiviteter"), ("glossary_term", "ordlisteord", "ordlisteord"),
                  ("attachment", "bilaga", "bilagor"),
                  ("attachment_version", "bilageversion", "bilageversioner"),
                  ("user_account", "användare", "användare"),
                  ("page_review", "granskning", "granskningar"), ("page_flag", "felrapport", "felrapporter"),
                  ("watch", "bevakning", "bevakningar"), ("notification", "avisering", "aviseringar"))

Progress = Callable[[str], None]


class BackupError(ServiceError):
    """A backup or restore was refused or failed; the message (Swedish) says why and what to do."""


@dataclass
class BackupReport:
    """What a backup wrote: rows per table and attachment files."""

    folder: Path
    rows: dict[str, int] = field(default_factory=dict)
    attachment_files: int = 0

    def summary(self) -> str:
        """One Swedish line for the CLI."""
        return f"Säkerhetskopia klar: {_counts(self.rows)} i {self.folder}"


@dataclass
class RestoreReport:
    """What a restore loaded: rows per table, and the documents in the rebuilt search index."""

    folder: Path
    rows: dict[str, int] = field(default_factory=dict)
    documents: int = 0

    def summary(self) -> str:
        """One Swedish line for the CLI."""
        return (f"Återläsning klar: {_counts(self.rows)} från {self.folder}. "
                f"Sökindexet är ombyggt ({self.documents} dokument).")


def _counts(rows: dict[str, int]) -> str:
    counts = [(rows.get(table, 0), one, several) for table, one, several in SUMMARY_TABLES]
    return ", ".join(f"{n} {one if n == 1 else several}" for n, one, several in counts)


def table_count() -> int:
    """How many tables a backup or restore reports progress for (the app's own tables)."""
    return len(db.metadata.sorted_tables)


# --- values ---------------------------------------------------------------------------------------

def _encode(value: Any) -> Any:
    """A column value as JSON: bytes as {"$b64": …}, dates and times as ISO strings."""
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, date | time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decoder(column_type: Any) -> Callable[[Any], Any]:
    """The inverse of `_encode` for a column of this type (JSON, text, numbers, booleans pass as is)."""
    if isinstance(column_type, LargeBinary):
        return lambda v: base64.b64decode(v["$b64"])
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat
    if isinstance(column_type, Date):
        return date.fromisoformat
    if isinstance(column_type, Time):
        return time.fromisoformat
    if isinstance(column_type, Numeric) and column_type.asdecimal:
        return lambda v: Decimal(str(v))
    return lambda v: v


def _line(table: Table, row: Any) -> bytes:
    """One row as a line of JSON, columns in table order (stable, so equal data gives equal bytes)."""
    values = {column.name: _encode(value) for column, value in zip(table.columns, row, strict=True)}
    return (json.dumps(values, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


# --- backup ---------------------------------------------------------------------------------------

def backup(folder: Path, *, progress: Progress | None = None) -> BackupReport:
    """Write a consistent snapshot of the database and the attachments to the new (or empty) `folder`."""
    folder = Path(folder)
    created = _prepare_folder(folder)
    dialect = db.engine.dialect.name
    report = BackupReport(folder=folder)
    try:
        with _snapshot(folder) as conn:
            (folder / TABLES_DIR).mkdir()
            alembic = _alembic_table(conn)
            revision = _schema_revision(conn, alembic)
            entries = []
            for table in ([alembic] if alembic is not None else []) + list(db.metadata.sorted_tables):
                rows, digest = _dump_table(conn, table, folder / TABLES_DIR / f"{table.name}.jsonl")
                entries.append({"name": table.name, "file": f"{TABLES_DIR}/{table.name}.jsonl", "rows": rows,
                                "sha256": digest})
                report.rows[table.name] = rows
                if progress and table is not alembic:
                    progress(table.name)
            report.attachment_files = attachment_folder.export_folder(folder / ATTACHMENTS_DIR,
                                                                      include_deleted=True)
        manifest = {"format": FORMAT, "kb_version": _kb_version(),
                    "created_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
                    "dialect": dialect, "schema_revision": revision, "tables": entries,
                    "attachment_files": report.attachment_files}
        # Written last: a folder without a manifest is not a backup, so a failed run cannot be restored.
        (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n",
                                       encoding="utf-8")
    except BaseException:
        _remove_contents(folder, remove_folder=created)
        raise
    return report


def _prepare_folder(folder: Path) -> bool:
    """Create `folder` (private to the owner: it holds password hashes); True if it was created."""
    if folder.exists():
        if not folder.is_dir() or any(folder.iterdir()):
            raise BackupError(f"Mappen {folder} finns redan och är inte tom. Ange en ny eller tom mapp.")
        return False
    try:
        folder.mkdir(parents=True, mode=0o700)
    except OSError as exc:
        raise BackupError(f"Mappen {folder} kunde inte skapas: {exc.strerror or exc}.") from exc
    return True


def _remove_contents(folder: Path, *, remove_folder: bool) -> None:
    """Undo a failed backup: remove what it wrote (the folder was new or empty)."""
    if remove_folder:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for child in folder.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


@contextmanager
def _snapshot(folder: Path) -> Iterator[Connection]:
    """A connection reading one consistent snapshot; inside, `db.session` reads the same snapshot."""
    if db.engine.dialect.name == "sqlite":
        with tempfile.TemporaryDirectory(prefix=".snapshot-", dir=folder) as tmp:
            copy = Path(tmp).resolve() / "kb.sqlite3"  # absolute: Flask-SQLAlchemy would resolve it elsewhere
            _copy_sqlite(db.engine, copy)
            # A minimal app of our own whose database is the copy: db.session (and so the ORM
            # code that writes the attachments folder) then reads the copy, not the live file.
            reader = Flask(__name__)
            reader.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(copy)
            db.init_app(reader)
            with reader.app_context():
                try:
                    yield db.session.connection()
                finally:
                    db.session.close()
                    for engine in db.engines.values():
                        engine.dispose()
    else:
        # A context of our own, so its db.session is fresh and the caller's is left alone; every
        # read of this REPEATABLE READ transaction sees the database as at its first statement.
        with current_app._get_current_object().app_context():
            conn = db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            try:
                yield conn
            finally:
                db.session.rollback()


def _copy_sqlite(engine: Engine, target: Path) -> None:
    """Copy the live SQLite database to `target` with the online backup API (one consistent step)."""
    raw = engine.raw_connection()
    try:
        copy = sqlite3.connect(target)
        try:
            raw.driver_connection.backup(copy)  # all pages in one step: never a mix of before and after
        finally:
            copy.close()
    finally:
        raw.close()


def _alembic_table(conn: Connection) -> Table | None:
    """Alembic's version table as it is in the database, or None when there is none."""
    if not inspect(conn).has_table(ALEMBIC_TABLE):
        return None
    return Table(ALEMBIC_TABLE, MetaData(), autoload_with=conn)


def _schema_revision(conn: Connection, alembic: Table | None) -> str | None:
    """The database's Alembic revision ("a1b2c3", several joined by commas), None without Alembic."""
    if alembic is None:
        return None
    versions = sorted(conn.scalars(select(alembic.c.version_num)))
    return ",".join(versions) or None


def _dump_table(conn: Connection, table: Table, path: Path) -> tuple[int, str]:
    """Write every row of `table` to `path` ordered by primary key; return (rows, SHA-256 of the file)."""
    order = list(table.primary_key.columns) or list(table.columns)
    digest, rows = hashlib.sha256(), 0
    # Stream the rows; tables with file contents a few at a time (each row may be a whole document).
    files = any(isinstance(column.type, LargeBinary) for column in table.columns)
    result = conn.execute(select(table).order_by(*order).execution_options(yield_per=4 if files else 500))
    with path.open("wb") as out:
        for row in result:
            line = _line(table, row)
            out.write(line)
            digest.update(line)
            rows += 1
    return rows, digest.hexdigest()


def _kb_version() -> str:
    try:
        return metadata.version("kb")
    except metadata.PackageNotFoundError:
        return "okänd"


# --- restore --------------------------------------------------------------------------------------

def restore(folder: Path, *, progress: Progress | None = None) -> RestoreReport:
    """Load a backup into this (empty) instance in one transaction, then rebuild the search index."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    _verify_files(folder, manifest)
    report = RestoreReport(folder=folder)
    conn = db.session.connection()
    try:
        _check_revision(manifest, _schema_revision(conn, _alembic_table(conn)))
        seeded = _seeded_tables(conn)
        _check_empty(conn, ignore=seeded)
        for name in seeded:  # what `kb init` put there gives way to the backup's rows
            conn.execute(db.metadata.tables[name].delete())
        later: list[tuple[Table, list[dict[str, Any]]]] = []
        for table in db.metadata.sorted_tables:
            report.rows[table.name], links = _load_table(conn, table, folder / TABLES_DIR / f"{table.name}.jsonl")
            if links:
                later.append((table, links))
            if progress:
                progress(table.name)
        for table, links in later:  # the references that close a cycle, now that their rows exist
            _set_cycle_links(conn, table, links)
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn)
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        raise BackupError(f"Återläsningen misslyckades och ingenting sparades: {exc.__class__.__name__}: "
                          f"{str(exc).splitlines()[0]}") from exc
    except BaseException:
        db.session.rollback()
        raise
    from kb import index

    report.documents = index.rebuild(current_app._get_current_object())
    return report


def read_manifest(folder: Path) -> dict[str, Any]:
    """The backup's manifest.json, checked for a known format and a table list (BackupError if not)."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} är ingen säkerhetskopia: {MANIFEST} saknas.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        tables = manifest["tables"]
        valid = all(isinstance(t["name"], str) and isinstance(t["sha256"], str) for t in tables)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{MANIFEST} i {folder} kunde inte läsas ({exc}).") from exc
    if not valid:
        raise BackupError(f"{MANIFEST} i {folder} är skadad.")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Säkerhetskopian har formatet {manifest.get('format')!r}, men den här versionen "
                          f"av kb läser format {FORMAT}. Återläs med samma version av kb som gjorde kopian "
                          f"({manifest.get('kb_version', 'okänd')}).")
    return manifest


def _verify_files(folder: Path, manifest: dict[str, Any]) -> None:
    """Every table of this schema is in the backup, and every table file has its recorded SHA-256."""
    listed = {entry["name"]: entry for entry in manifest["tables"]}
    wanted = {table.name for table in db.metadata.sorted_tables}
    missing = sorted(wanted - set(listed))
    extra = sorted(set(listed) - wanted - {ALEMBIC_TABLE})
    if missing or extra:
        parts = ([f"saknar tabellerna {', '.join(missing)}"] if missing else []) + \
                ([f"har tabellerna {', '.join(extra)}, som databasen inte har"] if extra else [])
        raise BackupError(f"Säkerhetskopian passar inte den här databasen: den {' och '.join(parts)}. "
                          "Återläs med samma version av kb som gjorde kopian och kör sedan kb upgrade.")
    for name, entry in listed.items():
        path = folder / TABLES_DIR / f"{name}.jsonl"
        if not path.is_file():
            raise BackupError(f"Filen {TABLES_DIR}/{name}.jsonl saknas i säkerhetskopian.")
        if _file_sha256(path) != entry["sha256"].lower():
            raise BackupError(f"Kontrollsumman för {TABLES_DIR}/{name}.jsonl stämmer inte: filen är skadad "
                              "eller ändrad. Ingenting har återlästs.")


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_revision(manifest: dict[str, Any], target: str | None) -> None:
    """Refuse a backup of another schema revision than the target database's."""
    source = manifest.get("schema_revision")
    if source != target:
        raise BackupError(f"Säkerhetskopian har databasversion {source or 'ingen'}, men den här databasen "
                          f"har {target or 'ingen'}. Återläs med samma version av kb som gjorde kopian "
                          f"({manifest.get('kb_version', 'okänd')}) och kör sedan kb upgrade.")


def _seeded_tables(conn: Connection) -> list[str]:
    """Tables that hold only what `kb init` seeds (the default organisations and areas), untouched."""
    from kb.services import areas, organisations

    seeded = ["organisation"] if organisations.only_defaults(conn) else []
    return seeded + ["area"] if areas.only_defaults(conn) else seeded


def _check_empty(conn: Connection, ignore: Iterable[str] = ()) -> None:
    """Refuse unless every table of the target is empty, or only seeded by `kb init` (`ignore`):
    a restore never merges."""
    filled = {table.name: count for table in db.metadata.sorted_tables
              if table.name not in ignore and (count := conn.scalar(select(func.count()).select_from(table)))}
    if filled:
        found = [f"{filled[name]} {one if filled[name] == 1 else several}"
                 for name, one, several in SUMMARY_TABLES if name in filled]
        found = found or [f"{count} rader i {name}" for name, count in filled.items()]
        raise BackupError(f"Instansen är inte tom (den har {', '.join(found[:4])}), så ingenting återlästes. "
                          "Återläs till en ny instans – en ny instansmapp eller en ny, tom databas – och kör "
                          "kb restore där.")


def _cycle_columns(table: Table) -> list[str]:
    """Columns of foreign keys that close a cycle between tables (use_alter: page.published_revision_id
    points at a revision, whose page_id points back): such a row's target is inserted after it."""
    return [column.name for fk in table.foreign_key_constraints if fk.use_alter for column in fk.columns]


def _set_cycle_links(conn: Connection, table: Table, links: list[dict[str, Any]]) -> None:
    """Fill in the cycle-closing references `_load_table` left empty (rows of key and value)."""
    keys = [column.name for column in table.primary_key.columns]
    values = [name for name in links[0] if name not in keys]
    statement = (table.update().where(*(table.c[k] == bindparam(f"key_{k}") for k in keys))
                 .values({name: bindparam(f"value_{name}") for name in values}))
    conn.execute(statement, [{**{f"key_{k}": row[k] for k in keys}, **{f"value_{n}": row[n] for n in values}}
                             for row in links])


def _load_table(conn: Connection, table: Table, path: Path) -> tuple[int, list[dict[str, Any]]]:
    """Insert the rows of one table file, converting values back by column type; return the count
    and the cycle-closing references left empty for now (see _cycle_columns)."""
    decoders = {column.name: _decoder(column.type) for column in table.columns}
    cycle = _cycle_columns(table)
    keys = [column.name for column in table.primary_key.columns]
    links: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    size = rows = 0
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            where = f"Rad {number} i {TABLES_DIR}/{path.name}"
            try:
                data = json.loads(line)
                if not isinstance(data, dict) or data.keys() != decoders.keys():
                    raise BackupError(f"{where} har inte tabellens kolumner. Ingenting har återlästs.")
                row = {k: None if v is None else decoders[k](v) for k, v in data.items()}
                if any(row[name] is not None for name in cycle):
                    links.append({name: row[name] for name in (*keys, *cycle)})
                    row.update(dict.fromkeys(cycle))
                batch.append(row)
            except (ValueError, KeyError, TypeError) as exc:
                raise BackupError(f"{where} kunde inte läsas ({exc}). Ingenting har återlästs.") from exc
            size += len(line)
            rows += 1
            if len(batch) >= BATCH_ROWS or size >= BATCH_BYTES:
                conn.execute(table.insert(), batch)
                batch, size = [], 0
    if batch:
        conn.execute(table.insert(), batch)
    return rows, links


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL: move each serial id sequence past the restored ids, so new rows do not collide."""
    preparer = conn.dialect.identifier_preparer
    for table in db.metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer) or keys[0].autoincrement is False:
            continue
        key = keys[0]
        sequence = func.pg_get_serial_sequence(preparer.format_table(table), key.name)
        # setval(seq, max, true): the next id is max + 1; an empty table starts again at 1.
        conn.execute(select(func.setval(sequence, func.coalesce(func.max(key), 1),
                                        func.max(key).is_not(None))).select_from(table))

