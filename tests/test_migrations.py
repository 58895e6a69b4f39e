"""Schema migrations: `kb init` and `kb upgrade` on SQLite, and on PostgreSQL when the suite runs there."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from factories import edit_page, make_app, make_page
from sqlalchemy import inspect, text

from kb import database
from kb.constants import RevisionState
from kb.extensions import db
from kb.services import pages


def schema_differences(app) -> list:
    """What Alembic would change to make the app's database match the models ([] when equal)."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def table_names(app) -> set[str]:
    """The tables in the app's database."""
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def baseline_database(app) -> None:
    """A database as `kb init` made it before there were migrations: the baseline schema, unstamped."""
    database.upgrade(app, database.BASELINE)
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(f"DROP TABLE {database.VERSION_TABLE}"))


def test_kb_init_migrates_an_empty_database_to_exactly_the_models(tmp_path):
    """Does `kb init` on an empty database build, through the migrations, exactly the models' schema?"""
    app = make_app(tmp_path / "inst", init=False)
    assert table_names(app) == set()
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert schema_differences(app) == []
    assert table_names(app) == set(db.metadata.tables) | {"alembic_version"}
    with app.app_context():
        assert database.current_revision() == database.head_revision()


def test_kb_upgrade_is_idempotent_and_says_so_in_swedish(tmp_path):
    """Does `kb upgrade` on an up-to-date instance change nothing and say that the schema is current?"""
    app = make_app(tmp_path / "inst")
    with app.app_context():
        make_page("Mini-Maria", "Mottagning för unga.\n")
        head = database.head_revision()
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["upgrade"])
        assert result.exit_code == 0, result.output
        assert result.output == f"Databasens schema är redan den senaste versionen ({head}).\n"
    assert schema_differences(app) == []
    with app.app_context():
        assert database.current_revision() == head
        assert pages.get("mini-maria").title == "Mini-Maria"


def test_kb_upgrade_on_an_empty_database_reports_what_it_did(tmp_path):
    """Does `kb upgrade` on a new, empty database create the schema and name the revision it reached?"""
    app = make_app(tmp_path / "inst", init=False)
    result = app.test_cli_runner().invoke(args=["upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        head = database.head_revision()
    assert result.output == f"Databasens schema uppgraderades från en tom databas till {head}.\n"
    assert schema_differences(app) == []


def test_a_database_from_before_migrations_is_stamped_and_keeps_its_pages(tmp_path):
    """Does `kb init` adopt a database made by create_all (no alembic_version) without losing a page?"""
    app = make_app(tmp_path / "inst", init=False)
    baseline_database(app)  # what `kb init` made before there were migrations
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO page (id, slug, title, type, summary, tags, target_groups, fields, html, text,"
            " revision_number, deleted, created_at, updated_at)"
            " VALUES (1, 'sip', 'Samordnad individuell plan', 'routine', '', '[]', '[]',"
            " '{\"review_by\": \"2027-03-01\"}', '<p>SIP görs tillsammans.</p>', 'SIP görs tillsammans.',"
            " 1, false, '2025-01-01 10:00:00', '2025-01-01 10:00:00')"))
        connection.execute(text(
            "INSERT INTO revision (id, page_id, number, op, title, type, summary, tags, target_groups, fields,"
            " source, html, author, comment, created_at)"
            " VALUES (1, 1, 1, 'create', 'Samordnad individuell plan', 'routine', '', '[]', '[]',"
            " '{\"review_by\": \"2027-03-01\"}', 'SIP görs tillsammans.\n', '<p>SIP görs tillsammans.</p>',"
            " 'anna', '', '2025-01-01 10:00:00')"))
    assert "alembic_version" not in table_names(app)

    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert database.current_revision() == database.head_revision()
        sip = pages.get("sip")
        assert sip.title == "Samordnad individuell plan" and "SIP görs tillsammans." in sip.current.source
        # Routine governance: what was shown stays shown, and the old date keeps its value.
        assert sip.published_revision_id == sip.current.id and sip.current.state == RevisionState.PUBLISHED.value
        assert sip.fields == {"valid_until": "2027-03-01"} and sip.current.fields == {"valid_until": "2027-03-01"}
    assert schema_differences(app) == []


def test_an_old_database_without_the_newer_tables_gets_them(tmp_path):
    """Does an instance older than the attachments (tables missing) get those tables and keep its pages?"""
    app = make_app(tmp_path / "inst", init=False)
    baseline_database(app)
    with app.app_context():
        db.metadata.tables["attachment_version"].drop(db.engine)
        db.metadata.tables["attachment"].drop(db.engine)

    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert {"attachment", "attachment_version"} <= table_names(app)
    assert schema_differences(app) == []
    with app.app_context():
        make_page("Mini-Maria", "Mottagning för unga.\n")
        assert pages.get("mini-maria").title == "Mini-Maria"


def test_the_governance_migration_keeps_pages_shown_and_goes_back_and_forth(tmp_path):
    """Down to before routine governance and up again: does every page show its newest revision,
    published, with a routine's date under its new name?"""
    app = make_app(tmp_path / "inst")
    with app.app_context():
        page = make_page("Mini-Maria", "Mottagning för unga.\n", type="reception")
        edit_page(page, "Mottagning för unga, 13–20 år.\n")
        sip = pages.create_page(pages.PageData(title="SIP", type="routine", source="Text.\n",
                                               fields={"valid_until": "2030-06-30"}),
                                author="anna", approval=pages.Approval(by="anna"))
        newest = {p.slug: p.current.id for p in (pages.get("mini-maria"), sip)}
    with app.app_context():
        command.downgrade(database.alembic_config(app), database.BASELINE)
        with db.engine.connect() as connection:
            assert "review_by" in connection.execute(text("SELECT fields FROM page WHERE slug = 'sip'")).scalar()
    database.upgrade(app)
    assert schema_differences(app) == []
    with app.app_context():
        for slug, revision_id in newest.items():
            page = pages.get(slug)
            assert page.published_revision_id == revision_id
            assert {r.state for r in pages.history(page)} == {RevisionState.PUBLISHED.value}
        assert pages.get("sip").fields["valid_until"] == "2030-06-30"
        assert "review_by" not in pages.get("sip").fields


def test_the_migrations_downgrade_to_nothing_and_up_again(tmp_path):
    """Can the migrations be undone down to an empty database, and run again to the same schema?"""
    app = make_app(tmp_path / "inst")
    with app.app_context():
        command.downgrade(database.alembic_config(app), "base")
        assert database.current_revision() is None
    assert table_names(app) == {"alembic_version"}
    database.upgrade(app)
    assert schema_differences(app) == []


def test_the_templates_migration_adds_the_table_and_takes_it_away_again(tmp_path):
    """From the revision before page templates and back: does `kb upgrade` add page_template (its
    defaults filled in for a plain insert), and the downgrade remove only it?"""
    app = make_app(tmp_path / "inst")
    with app.app_context():
        make_page("Mini-Maria", "Mottagning för unga.\n")
        command.downgrade(database.alembic_config(app), "d4f7b1a9e2c6")
    assert "page_template" not in table_names(app)
    result = app.test_cli_runner().invoke(args=["upgrade"])
    assert result.exit_code == 0, result.output
    assert schema_differences(app) == []
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("INSERT INTO page_template (name, type) VALUES ('Mötesanteckningar', 'article')"))
        row = connection.execute(text("SELECT source, retired, is_default_for_type, area_id FROM page_template")).one()
        assert tuple(row) == ("", False, False, None)
    with app.app_context():
        assert pages.get("mini-maria").title == "Mini-Maria"
