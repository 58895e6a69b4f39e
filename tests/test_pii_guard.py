"""The personal-data guard (kb.models.guard): no text column of any model can store a personnummer.

The walk below covers every String, Text and JSON column in the metadata, so a column added later
is tested without anyone remembering to: it is guarded automatically, and this test proves it.
"""
from __future__ import annotations

from datetime import date, datetime

import pytest
from factories import make_app
from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, LargeBinary, String, select

from kb import pii
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import guard

PNR = "Patienten 19121212-1212 ringde"
SPACED = "Patienten 121212 1212 ringde"


def text_columns() -> list[str]:
    """Every text column of every model, as "table.column"."""
    return sorted(f"{table.name}.{column.name}" for table in db.Model.metadata.tables.values()
                  for column in table.columns if guard.is_text(column))


def guarded_columns() -> list[str]:
    """The text columns that refuse a personal number (neither exempt nor masked)."""
    return [c for c in text_columns() if c not in guard.EXEMPT and c not in guard.MASKED]


def model_of(table_name: str):
    """The mapped class of a table."""
    for mapper in db.Model.registry.mappers:
        if mapper.local_table.name == table_name:
            return mapper.class_
    raise AssertionError(f"no model for table {table_name}")


def filler(column, n: int = 1) -> object:
    """A plain value of the column's type, free of personal numbers."""
    kind = column.type
    if isinstance(kind, JSON):
        return []
    if isinstance(kind, String):
        return f"x{n}"
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, DateTime):
        return datetime(2024, 5, 1, 12, 0)
    if isinstance(kind, Date):
        return date(2024, 5, 1)
    if isinstance(kind, LargeBinary):
        return b"x"
    if isinstance(kind, Integer):
        return n
    raise AssertionError(f"no filler for {column.table.name}.{column.name} ({kind!r})")


def one_row_per_table() -> dict[str, dict]:
    """Insert one row into every table (parents first, foreign keys pointing at them); the primary
    key of each, by table name."""
    keys: dict[str, dict] = {}
    for table in db.Model.metadata.sorted_tables:
        values: dict = {}
        for column in table.columns:
            if column.foreign_keys:
                if column.nullable and not column.primary_key:
                    continue  # e.g. page.published_revision_id, which points back at a later table
                target = next(iter(column.foreign_keys)).column
                values[column.name] = keys[target.table.name][target.name]
            elif column.primary_key and isinstance(column.type, Integer) and column.autoincrement is not False:
                continue
            else:
                values[column.name] = filler(column)
        result = db.session.execute(table.insert().values(**values))
        inserted = dict(zip([c.name for c in table.primary_key.columns], result.inserted_primary_key, strict=True))
        keys[table.name] = {**values, **inserted}
    db.session.commit()
    return keys


def with_number(column, text: str = PNR) -> object:
    """`text` in a form the column takes: nested inside JSON, as it is for page fields or snapshots."""
    if isinstance(column.type, JSON):
        return {"fält": ["ok", {"inre": text}]}
    return text


def column_of(name: str):
    """The Column for "table.column"."""
    table, column = name.split(".")
    return db.Model.metadata.tables[table].columns[column]


def attribute_of(model, column) -> str:
    """The mapped attribute name of a column."""
    return next(p.key for p in model.__mapper__.column_attrs if p.columns[0] is column)


@pytest.fixture(scope="module")
def walk_app(tmp_path_factory):
    """One app for the walk over every column (an app per column would take minutes), with one row
    in every table, and the rows' primary keys; each test leaves the rows as it found them."""
    app = make_app(tmp_path_factory.mktemp("guard") / "instance")
    with app.app_context():
        return app, one_row_per_table()


@pytest.fixture
def rows(walk_app):
    """An app context on the walk's app; the primary keys of its rows by table."""
    app, keys = walk_app
    with app.app_context():
        yield keys
        db.session.rollback()


@pytest.fixture
def own_rows(app):
    """An app context on a fresh app with one row in every table (for tests that change the rows)."""
    with app.app_context():
        yield one_row_per_table()


def load(table_name: str, keys: dict[str, dict]):
    """The ORM object of the one row of `table_name`."""
    table = db.Model.metadata.tables[table_name]
    model = model_of(table_name)
    pk = tuple(keys[table_name][c.name] for c in table.primary_key.columns)
    return db.session.get(model, pk if len(pk) > 1 else pk[0])


# --- the lists are explicit and true --------------------------------------------------------


def test_exempt_masked_and_reported_lists_name_existing_text_columns() -> None:
    """Does every column in EXEMPT, MASKED and REPORTED_AS exist as a text column, with a reason?"""
    existing = set(text_columns())
    for listed in (guard.EXEMPT, guard.MASKED, guard.REPORTED_AS):
        assert set(listed) <= existing, set(listed) - existing
    assert not set(guard.EXEMPT) & set(guard.MASKED)
    assert all(reason.strip() for reason in (*guard.EXEMPT.values(), *guard.MASKED.values()))


def test_exempt_list_is_only_what_no_one_writes() -> None:
    """Is the exempt list exactly the hashes, tokens, checksums and detected types (a new entry is a
    decision, and has to be made here too)?"""
    assert set(guard.EXEMPT) == {"user_account.password_hash", "user_account.session_token",
                                 "attachment_version.sha256", "attachment_version.media_type",
                                 "password_reset.token_hash", "user_account.external_id"}


def test_a_provider_id_holding_a_personnummer_is_kept_as_a_hash() -> None:
    """Some SITHS-based providers use the personnummer as the subject: kb keeps only its SHA-256."""
    from kb.services.sign_in import stable_id

    kept = stable_id("https://idp.example.se 191212121212")
    assert kept.startswith("sha256:") and "191212121212" not in kept
    assert kept == stable_id("https://idp.example.se 191212121212")
    assert stable_id("https://idp.example.se 3f2a-b") == "https://idp.example.se 3f2a-b"


def test_every_guarded_column_has_a_swedish_name() -> None:
    """Can every refusal name its table and column in Swedish?"""
    for name in guarded_columns():
        table, column = name.split(".")
        assert table in guard.TABLE_LABELS, f"{table}: add it to guard.TABLE_LABELS"
        assert column in guard.COLUMN_LABELS, f"{name}: add {column!r} to guard.COLUMN_LABELS"


# --- every column, on a real row -------------------------------------------------------------


def test_every_table_with_text_got_a_row(rows) -> None:
    """Did the walk below really have a row for every table with a text column?"""
    tables = {name.split(".")[0] for name in text_columns()}
    assert tables <= set(rows)
    for table in tables:
        assert load(table, rows) is not None, table


@pytest.mark.parametrize("name", guarded_columns())
def test_changing_any_text_column_to_hold_a_personnummer_is_refused(rows, name: str) -> None:
    """Is a personnummer written into this column of an existing row refused, and nothing stored?"""
    column = column_of(name)
    model = model_of(column.table.name)
    row = load(column.table.name, rows)
    key = attribute_of(model, column)
    before = getattr(row, key)
    setattr(row, key, with_number(column))
    with pytest.raises(guard.PersonalDataError) as refused:
        db.session.commit()
    assert refused.value.columns == [name]
    message = " ".join(refused.value.errors.values())
    assert "19121212-1212" in message and "patientuppgifter" in message
    assert guard.label(column.table.name, column.name) in message
    db.session.rollback()
    assert getattr(load(column.table.name, rows), key) == before


@pytest.mark.parametrize("name", guarded_columns())
def test_a_new_row_with_a_personnummer_in_any_text_column_is_refused(rows, name: str) -> None:
    """Is a new row holding a personnummer (written with a space) in this column refused at flush,
    with the session rolled back?"""
    column = column_of(name)
    table = column.table
    model = model_of(table.name)
    values = {attribute_of(model, c): filler(c, 2) for c in table.columns
              if not (c.primary_key and isinstance(c.type, Integer) and c.autoincrement is not False)}
    values[attribute_of(model, column)] = with_number(column, SPACED)
    count = select(db.func.count()).select_from(table)
    before = db.session.scalar(count)
    db.session.add(model(**values))
    with pytest.raises(ValidationError) as refused:
        db.session.flush()
    assert isinstance(refused.value, guard.PersonalDataError)
    assert "121212 1212" in " ".join(refused.value.errors.values())
    assert not db.session.new  # rolled back: nothing pending, nothing flushed
    assert db.session.scalar(count) == before


def stored_after_commit(rows, name: str, value: str) -> str:
    """Write `value` into the column "table.column" of its row and commit; what the database then
    holds (the row gets its old value back afterwards)."""
    column = column_of(name)
    row = load(column.table.name, rows)
    key = attribute_of(model_of(column.table.name), column)
    before = getattr(row, key)
    setattr(row, key, value)
    db.session.commit()
    stored = db.session.execute(select(column)).scalar_one()
    setattr(row, key, before)
    db.session.commit()
    return stored


@pytest.mark.parametrize("name", sorted(guard.MASKED))
def test_masked_columns_keep_the_record_without_the_number(rows, name: str) -> None:
    """Is a personnummer in an automatic record (audit log, login attempts) masked, not refused?"""
    assert stored_after_commit(rows, name, "19121212-1212") == pii.mask("19121212-1212") == "XXXXXXXX-XXXX"


@pytest.mark.parametrize("name", sorted(guard.EXEMPT))
def test_exempt_columns_are_not_searched(rows, name: str) -> None:
    """Are the exempt columns (hashes, tokens, checksums, detected types) left alone?"""
    assert stored_after_commit(rows, name, "1212121212") == "1212121212"


def test_a_row_stored_before_the_guard_can_still_be_changed(own_rows) -> None:
    """Does a row that already holds a number (stored before the guard) stay editable in its other
    columns, so old data does not block work (only changed columns are searched)?"""
    table = db.Model.metadata.tables["page"]
    db.session.execute(table.update().values(summary=PNR))
    db.session.commit()
    page = load("page", own_rows)
    page.title = "Ny titel"
    db.session.commit()
    assert load("page", own_rows).title == "Ny titel"


def test_a_refusal_inside_commit_leaves_nothing_to_commit_later(rows) -> None:
    """When the guard fires inside commit() (where it cannot roll back), does the refused row stay
    refused, so an unrelated later commit cannot store the half-written change?"""
    page = load("page", rows)
    page.title = "Ny titel"
    page.summary = PNR
    with pytest.raises(guard.PersonalDataError):
        db.session.commit()
    with pytest.raises(guard.PersonalDataError):
        db.session.commit()
    db.session.rollback()
    assert load("page", rows).title != "Ny titel"
