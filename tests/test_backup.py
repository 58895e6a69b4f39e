"""Backup and restore: a snapshot of everything while the app runs, loaded into an empty instance."""
from __future__ import annotations

import hashlib
import json
import threading

import attachment_files as files
import pytest
from factories import PASSWORD, edit_page, login, make_app, make_page
from sqlalchemy import func, select

from kb import index
from kb.constants import Entity, Role
from kb.extensions import db
from kb.models import (
    ActionPlan,
    Activity,
    Attachment,
    AttachmentVersion,
    AuditEvent,
    Change,
    GlossaryTerm,
    Page,
    Revision,
)
from kb.services import attachments, backup, governance, pages, plans, users
from kb.services.backup import BackupError

FIRST_PROTOCOL = files.pdf("Första protokollet från Kvarnbäcken")
ENTITY_MODELS = {Entity.PAGE.value: Page, Entity.GLOSSARY.value: GlossaryTerm, Entity.PLAN.value: ActionPlan,
                 Entity.ACTIVITY.value: Activity, Entity.ATTACHMENT.value: Attachment}


def table_rows(app) -> dict[str, list[tuple]]:
    """Every row of every table, ordered by primary key (what "the same data" means)."""
    with app.app_context():
        return {table.name: [tuple(row) for row in db.session.execute(
                    select(table).order_by(*table.primary_key.columns))]
                for table in db.metadata.sorted_tables}


def row_count(app) -> int:
    """Rows in all tables together, but for the default organisations and areas `kb init` seeds (0 for a new
    instance)."""
    with app.app_context():
        seeded = backup._seeded_tables(db.session.connection())
        return sum(db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables
                   if t.name not in seeded)


def table_files(folder) -> dict[str, bytes]:
    """The table files of a backup by name."""
    return {p.name: p.read_bytes() for p in sorted((folder / "tables").iterdir())}


@pytest.fixture
def source(demo_app):
    """The demo instance plus an edited page, a user, and a deleted attachment with two versions."""
    with demo_app.app_context():
        sip = pages.get("sip")
        edit_page(sip, sip.current.source + "\nNytt stycke om samordnarens roll.\n", author="anna")
        users.create("berit", PASSWORD, Role.EDITOR, display_name="Berit Redaktör")
        page = pages.get("mini-maria")
        attachments.upload(page, "Protokoll.pdf", FIRST_PROTOCOL, author="anna")
        version = attachments.upload(page, "Protokoll.pdf", files.pdf("Andra protokollet"), author="bo",
                                     comment="Justerat")
        attachments.delete(version.attachment, author="bo", comment="Fel sida")
        attachments.upload(page, "Öppettider.docx", files.docx("Mottagningen har kvällsöppet i Sjövik."),
                           author="anna")
    return demo_app


@pytest.fixture
def small(app):
    """A small instance: an edited page, an error report, a user and an attachment (quicker than the demo)."""
    with app.app_context():
        page = make_page("Mini-Maria", "Mottagning för unga.\n", type="reception")
        edit_page(page, "Mottagning för unga och deras föräldrar.\n", author="anna")
        governance.flag_page(page, actor="anna", note="Öppettiderna har ändrats.")
        users.create("berit", PASSWORD, Role.EDITOR)
        attachments.upload(page, "Öppettider.txt", "Kvällsöppet i Sjövik.\n".encode(), author="anna")
    return app


def test_a_restore_gives_the_same_pages_history_plans_users_and_files(source, tmp_path):
    """Does an empty instance restored from a backup hold exactly the same rows, and work like the old one?"""
    folder = tmp_path / "kopia"
    with source.app_context():
        report = backup.backup(folder)
        dialect = db.engine.dialect.name
    assert report.rows["page"] >= 25 and report.rows["attachment_version"] >= 7
    target = make_app(tmp_path / "ny")
    with target.app_context():
        restored = backup.restore(folder)
    assert restored.rows == {k: v for k, v in report.rows.items() if k != "alembic_version"}
    assert table_rows(target) == table_rows(source)

    with target.app_context():
        sip = pages.get("sip")
        latest = pages.history(sip)[0]
        assert (latest.author, latest.number) == ("anna", sip.revision_number)
        assert "samordnarens roll" in latest.source and "samordnarens roll" in sip.html
        assert len(pages.history(sip)) == sip.revision_number >= 2
        plan = plans.live_plans()[0]
        assert plans.plan_activities(plan) and plans.history("action_plan", plan.id)
        protocol = attachments.get(pages.get("mini-maria"), "Protokoll.pdf")
        assert protocol.deleted and [v.number for v in attachments.versions(protocol)] == [2, 1]
        for version in db.session.scalars(select(AttachmentVersion)):
            assert hashlib.sha256(version.content).hexdigest() == version.sha256
        assert attachments.get_version(protocol, 1).content == FIRST_PROTOCOL
        assert db.session.scalar(select(func.count(AuditEvent.id))) > 0
        # The index was rebuilt from the restored rows: pages and documents are found.
        assert "Mini-Maria" in [h.title for h in index.search("Mini-Maria").hits]
        assert [h.kind for h in index.search("Sjövik").hits] == ["attachment"]
        assert index.search("Kvarnbäcken").hits == []  # deleted stays out of search
    login(target, "berit")  # the same password works: the hash came along
    with target.app_context():  # new rows get new ids (on PostgreSQL: the sequences were moved on)
        page = make_page("Skriven efter återläsningen")
        assert page.id > max(row[0] for row in table_rows(source)["page"])

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == 1 and manifest["dialect"] == dialect
    listed = {t["name"] for t in manifest["tables"]}
    assert listed >= {"page", "revision", "user_account", "attachment_version"}
    bilagor = json.loads((folder / "attachments" / "bilagor.json").read_text(encoding="utf-8"))
    deleted = [a for a in bilagor["attachments"] if a["name"] == "Protokoll.pdf"]
    assert deleted[0]["deleted"] and len(deleted[0]["versions"]) == 2
    assert (folder / "attachments" / "mini-maria" / "Öppettider.docx").is_file()


def test_backups_of_the_same_data_are_byte_identical_also_after_a_restore(source, tmp_path):
    """Do two backups of unchanged data, and a backup of the restored instance, have identical tables?"""
    with source.app_context():
        backup.backup(tmp_path / "en")
        backup.backup(tmp_path / "två")
    assert table_files(tmp_path / "en") == table_files(tmp_path / "två")
    first = json.loads((tmp_path / "en" / "manifest.json").read_text(encoding="utf-8"))
    second = json.loads((tmp_path / "två" / "manifest.json").read_text(encoding="utf-8"))
    assert first["tables"] == second["tables"]
    target = make_app(tmp_path / "ny")
    with target.app_context():
        backup.restore(tmp_path / "en")
        backup.backup(tmp_path / "efter")
    assert table_files(tmp_path / "efter") == table_files(tmp_path / "en")


def test_the_backup_is_one_snapshot_while_edits_are_saved(app, tmp_path):
    """With a writer saving edits between every table of the dump, is the restored data still whole?"""
    with app.app_context():
        make_page("Skrivsida", "Version 0.\n")
    saved, errors, stop = [0], [], threading.Event()
    turn = threading.Condition()

    def writer() -> None:
        with app.app_context():
            n = 0
            try:
                while not stop.is_set():
                    n += 1
                    if n % 3 == 0:
                        make_page(f"Ny sida {n}", f"Skapad medan kopian görs ({n}).\n")
                    else:
                        edit_page(pages.get("skrivsida"), f"Version {n}.\n")
                    with turn:
                        saved[0] = n
                        turn.notify_all()
            except Exception as exc:  # noqa: BLE001 - reported by the test below
                errors.append(exc)

    def after_each_table(_name: str) -> None:
        with turn:  # let at least one more edit commit before the next table is read
            seen = saved[0]
            assert turn.wait_for(lambda: saved[0] > seen or errors, timeout=20)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        with turn:
            turn.wait_for(lambda: saved[0] >= 2 or errors, timeout=20)
        with app.app_context():
            backup.backup(tmp_path / "kopia", progress=after_each_table)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors
    with app.app_context():
        final = pages.get("skrivsida").revision_number

    target = make_app(tmp_path / "ny")
    with target.app_context():
        backup.restore(tmp_path / "kopia")
        page = pages.get("skrivsida")
        assert 3 <= page.revision_number < final  # taken mid-run, before the writer stopped
        for page in db.session.scalars(select(Page)):
            numbers = list(db.session.scalars(select(Revision.number).where(Revision.page_id == page.id)
                                              .order_by(Revision.number)))
            assert numbers == list(range(1, page.revision_number + 1)), page.slug
            assert page.current is not None and page.current.source.strip() in page.text + "\n"
        for change in db.session.scalars(select(Change)):
            assert db.session.get(ENTITY_MODELS[change.entity], change.entity_id) is not None, change.id


def test_restore_refuses_an_instance_that_is_not_empty(small, tmp_path):
    """Does a restore into an instance with content refuse, in Swedish, and leave it as it was?"""
    with small.app_context():
        backup.backup(tmp_path / "kopia")
    target = make_app(tmp_path / "ny")
    with target.app_context():
        make_page("Egen sida")
    before = table_rows(target)
    with target.app_context(), pytest.raises(BackupError, match="Instansen är inte tom"):
        backup.restore(tmp_path / "kopia")
    assert table_rows(target) == before


def tamper(folder) -> str:
    """Change one character in the page table file."""
    path = folder / "tables" / "page.jsonl"
    path.write_bytes(path.read_bytes().replace(b"Mini-Maria", b"Mini-Mario", 1))
    return "Kontrollsumman för tables/page.jsonl stämmer inte"


def remove_manifest(folder) -> str:
    """Delete manifest.json."""
    (folder / "manifest.json").unlink()
    return "ingen säkerhetskopia: manifest.json saknas"


def other_revision(folder) -> str:
    """Say the backup was made at another schema revision."""
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["schema_revision"] = "0123abcd"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return "databasversion 0123abcd.*kör sedan kb upgrade"


def missing_table(folder) -> str:
    """Leave a table out of the manifest (a backup of another schema)."""
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["tables"] = [t for t in manifest["tables"] if t["name"] != "read_mark"]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return "saknar tabellerna read_mark"


@pytest.mark.parametrize("damage", [tamper, remove_manifest, other_revision, missing_table])
def test_restore_refuses_a_damaged_or_foreign_backup_and_writes_nothing(small, tmp_path, damage):
    """Is a changed file, a missing manifest or another schema refused before anything is written?"""
    with small.app_context():
        backup.backup(tmp_path / "kopia")
    message = damage(tmp_path / "kopia")
    target = make_app(tmp_path / "ny")
    with target.app_context(), pytest.raises(BackupError, match=message):
        backup.restore(tmp_path / "kopia")
    assert row_count(target) == 0
    with target.app_context():
        assert index.search("Mini-Maria").hits == []


def test_a_row_that_does_not_fit_rolls_the_whole_restore_back(small, tmp_path):
    """If a table file with a valid checksum holds a foreign row, is nothing at all kept?"""
    folder = tmp_path / "kopia"
    with small.app_context():
        backup.backup(folder)
    path = folder / "tables" / "revision.jsonl"
    path.write_bytes(path.read_bytes() + '{"id":999999,"oväntad":1}\n'.encode())
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["tables"]:
        if entry["name"] == "revision":
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    target = make_app(tmp_path / "ny")
    with target.app_context(), pytest.raises(BackupError, match="inte tabellens kolumner"):
        backup.restore(folder)
    assert row_count(target) == 0


def test_backup_refuses_a_folder_that_is_not_empty(app, tmp_path):
    """Does a backup refuse to write into a folder with files in it, and leave them alone?"""
    folder = tmp_path / "kopia"
    folder.mkdir()
    (folder / "viktig.txt").write_text("behåll mig", encoding="utf-8")
    with app.app_context(), pytest.raises(BackupError, match="finns redan och är inte tom"):
        backup.backup(folder)
    assert [p.name for p in folder.iterdir()] == ["viktig.txt"]


def test_the_commands_back_up_and_restore_with_progress_and_exit_codes(small, tmp_path, monkeypatch):
    """Do `kb backup` and `kb restore` show progress and a Swedish summary, and exit 1 when refused?"""
    monkeypatch.chdir(tmp_path)  # a folder given relative to where the command runs
    folder = "kopia"
    result = small.test_cli_runner().invoke(args=["backup", folder])
    assert result.exit_code == 0, result.output
    assert "Säkerhetskopierar" in result.stderr
    assert result.stdout.startswith("Säkerhetskopia klar: ")
    assert "1 sida, 2 sidversioner" in result.stdout and "1 bilaga, 1 bilageversion" in result.stdout
    assert "0 granskningar, 1 felrapport" in result.stdout
    assert result.stdout.rstrip().endswith(f"i {folder}")
    again = small.test_cli_runner().invoke(args=["backup", folder])
    assert again.exit_code == 1 and "finns redan och är inte tom" in again.stderr

    target = make_app(tmp_path / "ny")
    runner = target.test_cli_runner()
    restored = runner.invoke(args=["restore", folder])
    assert restored.exit_code == 0, restored.output
    assert "Återläser" in restored.stderr
    assert restored.stdout.startswith("Återläsning klar: ") and "Sökindexet är ombyggt" in restored.stdout
    with target.app_context():
        assert users.get("berit") is not None and pages.get("mini-maria").revision_number == 2
        assert [h.title for h in index.search("Sjövik").hits] == ["Öppettider.txt"]
    twice = runner.invoke(args=["restore", folder])
    assert twice.exit_code == 1 and "Instansen är inte tom" in twice.stderr
    missing = runner.invoke(args=["restore", str(tmp_path / "finns-inte")])
    assert missing.exit_code == 1 and "manifest.json saknas" in missing.stderr
