"""Action plans as CSV and Excel files: reading, checking every cell, importing all or nothing, exporting."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

import pytest
from factories import make_app, make_page
from openpyxl import Workbook, load_workbook

from kb.constants import AuditAction, RevisionOp
from kb.extensions import db
from kb.models import AuditEvent, PlanRevision
from kb.services import plans
from kb.services.plans import io as plan_io
from kb.services.plans import table as plan_table

HEADER = list(plan_io.COLUMNS)


def seed() -> None:
    """The pages and collaboration plan every instance in these tests has."""
    make_page("Samordningsgruppen", type="structure")
    make_page("NOSAM Lerum", type="structure")
    make_page("SIP", type="routine")
    make_page("Avvikelser i samverkan", type="routine")
    plans.save_collaboration_plan(plans.CollaborationData(
        "Samverkansplan 2023–2026", "2023–2026", ["Öka tilliten", "Öka kontinuiteten"]))


@pytest.fixture
def ctx(app):
    """An app context with structures, routines and a collaboration plan."""
    with app.app_context():
        seed()
        yield app


@pytest.fixture
def plan(ctx):
    """An empty action plan of Samordningsgruppen."""
    return plans.create_plan(plans.PlanData(title="Aktivitetsplan 2024", structure="samordningsgruppen",
                                            period="2024"), author="anna")


def csv_bytes(rows: list[list[object]], *, delimiter: str = ";", bom: bool = False) -> bytes:
    """A CSV file as a spreadsheet would save it."""
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def xlsx_bytes(rows: list[list[object]], *, plan_rows: list[list[object]] | None = None,
               sheet: str = "Aktiviteter") -> bytes:
    """An Excel file with the rows (cells keep their types: dates, numbers) and an optional Plan sheet."""
    book = Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    if plan_rows is not None:
        info = book.create_sheet("Plan")
        for row in plan_rows:
            info.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(**cells: object) -> list[object]:
    """A row in COLUMNS order from keyword cells (Mal=…, Vad=…; å/ä/ö written as a/a/o)."""
    by_fold = {plan_io.column_name(k): v for k, v in cells.items()}
    return [by_fold.get(c, "") for c in HEADER]


GOOD = row(Mal="Öka tilliten", Vad="Nätverk för SIP-samordnare", Status="Pågår")


def import_errors(plan, filename: str, content: bytes) -> list[str]:
    """The errors an import into `plan` reports, as the user reads them."""
    with pytest.raises(plan_io.PlanImportError) as info:
        plan_io.import_activities(plan, filename, content, author="anna")
    return [str(e) for e in info.value.errors]


def fields(activity) -> dict:
    """Every field of an activity a file carries."""
    keys = ("goal", "subgoal", "what", "how", "decision", "responsible_text", "start", "deadline",
            "follow_up", "status", "target_groups")
    return {**{key: getattr(activity, key) for key in keys},
            "responsible": activity.responsible.slug if activity.responsible else "",
            "pages": sorted(p.slug for p in activity.pages)}


def full_plan(plan) -> None:
    """Fill `plan` with activities using every column, tricky text included."""
    rows = [
        row(Mal="Öka tilliten", Delmal="TG Äldre: trygg hemgång",
            Vad="Nätverk för SIP-samordnare\nTvå gånger per termin",
            Hur="Träffar\n\n- delge erfarenheter", Beslut="Samordningsgruppen 2024-02-01",
            Ansvarig="NOSAM Lerum; BUP sammankallande", Start="nov 2024", Slutdatum="2025-06-30",
            Uppfoljning="Öka antalet SIP i SAMSA med 20 %", Status="gul", Malgrupper="Äldre, barn och unga",
            Sidor="sip; Avvikelser i samverkan"),
        row(Mal="Öka kontinuiteten", Vad="=SUMMA(A1) är ingen formel", Hur="-punkt först",
            Ansvarig="Processledare", Slutdatum="2024", Status="Klart"),
        row(Mal="Öka kontinuiteten", Vad="Utbildning i MHFA", Ansvarig="samordningsgruppen", Status="röd"),
    ]
    plan_io.import_activities(plan, "plan.csv", csv_bytes([HEADER, *rows]), author="anna")


# --- reading and validating ----------------------------------------------------------------------

def test_every_column_of_a_csv_row_becomes_part_of_the_activity(plan):
    """Does a ";" CSV row fill every field: structure and free text as responsible, pages by slug or title?"""
    full_plan(plan)
    first, second, third = plans.plan_activities(plan)
    assert fields(first) == {
        "goal": "Öka tilliten", "subgoal": "TG Äldre: trygg hemgång",
        "what": "Nätverk för SIP-samordnare\nTvå gånger per termin", "how": "Träffar\n\n- delge erfarenheter",
        "decision": "Samordningsgruppen 2024-02-01", "responsible": "nosam-lerum",
        "responsible_text": "BUP sammankallande", "start": "2024-11", "deadline": "2025-06-30",
        "follow_up": "Öka antalet SIP i SAMSA med 20 %", "status": "in_progress",
        "target_groups": ["Barn och unga", "Äldre"], "pages": ["avvikelser-i-samverkan", "sip"]}
    assert (second.responsible, second.responsible_text, second.status) == (None, "Processledare", "done")
    assert (third.responsible.slug, third.responsible_text, third.status) == (
        "samordningsgruppen", "", "not_started")


def test_comma_csv_with_bom_and_the_paper_plans_headings(plan):
    """Are a BOM, "," as delimiter and headings like "Vem/Ansvarig" or "Deadline/slutdatum" accepted?"""
    header = ["Mål", "Aktivitet/Vad", "Tillvägagångssätt/Hur", "Vem/Ansvarig", "Startdatum",
              "Deadline/slutdatum", "Uppföljning, mätetal, utfallsmått", " status? ", "Malgrupper"]
    cells = ["Öka tilliten", "Workshop om utskrivning", "Kartlägga nuläge", "Samordningsgruppen", "2024-09",
             "dec 2024", "Färre utskrivningsklara kvar", "Pågår", "Äldre"]
    content = csv_bytes([header, cells], delimiter=",", bom=True)
    result = plan_io.import_activities(plan, "paper.csv", content, author="anna")
    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    activity = plans.plan_activities(plan)[0]
    assert (activity.how, activity.responsible.slug, activity.start, activity.deadline) == (
        "Kartlägga nuläge", "samordningsgruppen", "2024-09", "2024-12")
    assert activity.follow_up == "Färre utskrivningsklara kvar" and activity.target_groups == ["Äldre"]



@pytest.mark.parametrize("heading", ["Slutdatum", "slutdatum", "Deadline", "Deadline/slutdatum"])
def test_the_end_date_is_read_under_slutdatum_and_under_deadline_of_older_exports(plan, heading):
    """Does a file give its activities their end date whether the column says Slutdatum or, as kb's
    exports did before, Deadline?"""
    header = ["Mål", "Vad", "Status", heading]
    content = csv_bytes([header, ["Öka tilliten", "Nätverk för SIP-samordnare", "Pågår", "juni 2025"]])
    plan_io.import_activities(plan, "plan.csv", content, author="anna")
    assert plans.plan_activities(plan)[0].deadline == "2025-06"


def test_an_export_says_slutdatum_and_an_older_export_saying_deadline_still_imports(plan):
    """Is the exported column named Slutdatum, and do both that export and one from before the rename
    (the same file with the heading Deadline) import as a new plan with the same end dates?"""
    full_plan(plan)
    exported = plan_io.export_csv(plan)
    assert exported.decode("utf-8-sig").splitlines()[0].split(";")[6:8] == ["Start", "Slutdatum"]
    older = exported.replace(";Slutdatum;".encode(), b";Deadline;")
    for n, (name, content) in enumerate((("plan.csv", exported), ("plan.csv", older),
                                         ("plan.xlsx", plan_io.export_xlsx(plan)))):
        data = plans.PlanData(title=f"Kopia {n}", structure="samordningsgruppen", period="2024")
        copy = plan_io.import_new_plan(name, content, plan_data=data, author="anna").plan
        assert [a.deadline for a in plans.plan_activities(copy)] == ["2025-06-30", "2024", ""]


def test_one_bad_row_means_nothing_is_imported(plan):
    """Does a file with three good rows and a bad one leave the plan, its history and the audit log alone?"""
    revisions, events = db.session.query(PlanRevision).count(), db.session.query(AuditEvent).count()
    bad = row(Mal="Öka tilliten", Vad="Trasig", Status="Pågår", Slutdatum="31 feb 2025")
    errors = import_errors(plan, "plan.csv", csv_bytes([HEADER, GOOD, GOOD, bad, GOOD]))
    assert errors == ["rad 4, kolumn Slutdatum: Dagen ”31 feb 2025” finns inte i kalendern. Skriv ett år "
                      "(2024), en månad (nov 2024 eller 2024-11) eller en dag (2024-12-31)."]
    assert plans.plan_activities(plan) == []
    assert db.session.query(PlanRevision).count() == revisions
    assert db.session.query(AuditEvent).count() == events


def test_every_error_of_every_row_is_reported_at_once(plan):
    """Are all rows checked, so that one round of corrections is enough?"""
    rows = [row(Mal="", Vad="x", Status="blå"), GOOD, [*GOOD, "", "extra"]]
    errors = import_errors(plan, "plan.csv", csv_bytes([HEADER, *rows]))
    assert errors == [
        "rad 2, kolumn Mål: Ange vilket mål aktiviteten hör till (Mål).",
        "rad 2, kolumn Status: Okänd status ”blå”. Välj Inte påbörjad, Pågår eller Klart.",
        "rad 4, kolumn N (utan rubrik): Värdet står i en kolumn utan rubrik. Ge kolumnen en rubrik eller "
        "ta bort värdet.",
    ]


def test_missing_and_unknown_columns_are_named(plan):
    """Does a header without Status and with unknown columns say which, before any row is read?"""
    content = csv_bytes([["Mål", "Vad", "Kostnad", "Prio"], ["a", "b", "1", "2"]])
    errors = import_errors(plan, "plan.csv", content)
    assert errors[0] == "Kolumnen Status saknas."
    assert errors[1].startswith("Okända kolumner ”Kostnad”, ”Prio”. Tillåtna kolumner: Mål, Delmål, Vad")
    errors = import_errors(plan, "plan.csv", csv_bytes([["Delmål", "Vad", "Vad"], ["a", "b", "c"]]))
    assert errors == ["Kolumnerna Mål, Status saknas.", "Kolumnen Vad finns mer än en gång."]


def test_empty_rows_are_skipped_and_row_numbers_follow_the_spreadsheet(plan):
    """Are blank rows ignored while errors still name the row number the spreadsheet shows?"""
    content = csv_bytes([HEADER, GOOD, [""] * 12, [" "] * 12, row(Mal="x", Vad="y", Status="lila")])
    assert import_errors(plan, "plan.csv", content)[0].startswith("rad 5, kolumn Status")


def test_multi_line_cells_keep_their_line_breaks_and_row_numbers(plan):
    """Does a cell spanning lines stay one cell, and the next row keep its spreadsheet number?"""
    content = csv_bytes([HEADER, row(Mal="Mål", Vad="rad ett\nrad två\nrad tre", Status="Pågår"),
                         row(Mal="Mål", Vad="x", Status="fel")])
    assert import_errors(plan, "plan.csv", content)[0].startswith("rad 3, kolumn Status")
    content = csv_bytes([HEADER, row(Mal="Mål", Vad="ett\r\ntvå", Status="Pågår")])
    plan_io.import_activities(plan, "plan.csv", content, author="anna")
    assert plans.plan_activities(plan)[0].what == "ett\ntvå"


def test_a_csv_not_saved_as_utf8_is_refused_clearly(plan):
    """Is a CSV in Windows-1252 refused with advice instead of garbled å/ä/ö?"""
    content = "Mål;Vad;Status\nÖka tilliten;Träff;Pågår\n".encode("cp1252")
    assert import_errors(plan, "plan.csv", content) == [
        "Filen måste vara sparad som UTF-8 (i Excel: Spara som → ”CSV UTF-8”)."]


def test_xlsx_date_cells_numeric_years_and_number_cells(plan):
    """Are Excel date cells, whole-number years and numeric ids read as a person means them?"""
    content = xlsx_bytes([
        [*HEADER],
        row(Mal="Öka tilliten", Vad="Datumceller", Status="Pågår", Start=datetime(2024, 9, 1),
            Slutdatum=date(2024, 12, 31)),
        row(Mal="Öka tilliten", Vad="År som tal", Status="Klart", Start=2024, Slutdatum=2025.0),
        row(Mal=2030, Vad=12.0, Status="grön"),
    ])
    plan_io.import_activities(plan, "plan.xlsx", content, author="anna")
    dated, years, numbers = plans.plan_activities(plan)
    assert (dated.start, dated.deadline) == ("2024-09-01", "2024-12-31")
    assert (years.start, years.deadline) == ("2024", "2025")
    assert (numbers.goal, numbers.what) == ("2030", "12")


def test_xlsx_errors_name_the_excel_row(plan):
    """Does an Excel file's error name the row as Excel numbers it (blank rows counted)?"""
    content = xlsx_bytes([HEADER, GOOD, [], row(Mal="a", Vad="b", Status="Pågår", Slutdatum="igår")])
    assert import_errors(plan, "plan.xlsx", content) == [
        "rad 4, kolumn Slutdatum: ”igår” är inget datum. Skriv ett år (2024), en månad (nov 2024 eller "
        "2024-11) eller en dag (2024-12-31)."]


def test_the_first_sheet_is_used_when_there_is_no_aktiviteter_sheet(plan):
    """Does a workbook whose table sheet has another name still import?"""
    plan_io.import_activities(plan, "plan.xlsx", xlsx_bytes([HEADER, GOOD], sheet="Blad1"), author="anna")
    assert len(plans.plan_activities(plan)) == 1


def zip_with(entries: dict[str, bytes]) -> bytes:
    """A zip archive (as an xlsx is) holding the entries."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(("filename", "content", "expected"), [
    ("plan.xlsx", b"det h\xe4r \xe4r ingen excelfil", "Filen är ingen giltig Excel-fil (.xlsx)."),
    ("plan.xlsx", zip_with({"word/document.xml": b"<w/>"}), "Filen är ingen giltig Excel-fil (.xlsx)."),
    ("plan.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "Filen är lösenordsskyddad"),
    ("plan.xlsx", b"", "Filen är tom."),
    ("plan.csv", b"", "Filen är tom."),
    ("plan.csv", b"\n\n  \n", "Filen är tom."),
    ("plan.csv", "Mål;Vad;Status\n".encode(), "Filen har en rubrikrad men inga aktiviteter."),
    ("plan.csv", zip_with({"a": b"b"}), "Filen är en Excel-fil, inte en CSV-fil."),
    ("plan.xls", b"x", "Filen måste vara en CSV-fil (.csv) eller en Excel-fil (.xlsx). Gamla Excel-filer"),
    ("plan.pdf", b"%PDF", "Filen måste vara en CSV-fil (.csv) eller en Excel-fil (.xlsx)."),
    ("plan", b"x", "Filen måste vara en CSV-fil"),
    ("plan.csv", b"x" * (plan_table.MAX_BYTES + 1), "Filen är för stor (högst 5 MB)."),
])
def test_damaged_empty_or_wrong_files_are_refused_clearly(plan, filename, content, expected):
    """Is every file that cannot be a plan table refused with a Swedish reason, never a crash?"""
    errors = import_errors(plan, filename, content)
    assert len(errors) == 1 and errors[0].startswith(expected), errors


def test_too_many_rows_are_refused(plan):
    """Is a table longer than the limit refused as a whole (CSV and Excel)?"""
    rows = [HEADER] + [GOOD] * (plan_table.MAX_ROWS + 1)
    expected = [f"Filen har för många rader (högst {plan_table.MAX_ROWS} aktiviteter)."]
    assert import_errors(plan, "plan.csv", csv_bytes(rows)) == expected
    assert import_errors(plan, "plan.xlsx", xlsx_bytes(rows)) == expected


def test_a_zip_bomb_is_refused_before_it_is_unpacked(plan):
    """Is an xlsx whose parts would unpack to more than the limit refused from the zip directory alone?"""
    bomb = zip_with({"[Content_Types].xml": b"<Types/>",
                     "xl/worksheets/sheet1.xml": b"\0" * (plan_table.XLSX_UNPACKED_MAX + 1)})
    assert len(bomb) < plan_table.MAX_BYTES
    assert import_errors(plan, "plan.xlsx", bomb) == ["Excel-filen är för stor uppackad (högst 50 MB)."]


# --- ids: updating activities ---------------------------------------------------------------------

def test_rows_with_an_id_update_their_activity_and_rows_without_are_added(plan):
    """Does a row with Id change that activity, a row without Id add one, and the rest stay as they were?"""
    full_plan(plan)
    first, second, third = plans.plan_activities(plan)
    header = [*HEADER, "Id"]
    content = csv_bytes([header, [*row(Mal="Öka tilliten", Vad="Nytt namn", Status="Klart"), first.id],
                         [*row(Mal="Nytt mål", Vad="Helt ny", Status="Pågår"), ""]])
    result = plan_io.import_activities(plan, "plan.csv", content, author="bertil")
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert (first.what, first.status, first.revision_number) == ("Nytt namn", "done", 2)
    assert (second.revision_number, third.revision_number) == (1, 1)
    assert [a.what for a in plans.plan_activities(plan)][-1] == "Helt ny"
    rev = plans.history(plans.ACTIVITY, first.id)[0]
    assert (rev.op, rev.author) == (RevisionOp.IMPORT.value, "bertil")


def test_ids_of_other_plans_deleted_unknown_or_repeated_are_row_errors(plan):
    """Is an Id that does not name a live activity of this plan refused on its row?"""
    other = plans.create_plan(plans.PlanData(title="Annan plan", structure="nosam-lerum", period="2024"))
    foreign = plans.create_activity(other, plans.ActivityData(goal="Mål", what="Annan", status="Pågår"))
    own = plans.create_activity(plan, plans.ActivityData(goal="Mål", what="Egen", status="Pågår"))
    gone = plans.create_activity(plan, plans.ActivityData(goal="Mål", what="Borta", status="Pågår"))
    plans.delete_activity(gone)
    header = [*HEADER, "Id"]
    content = csv_bytes([header, [*GOOD, foreign.id], [*GOOD, 9999], [*GOOD, "sju"], [*GOOD, gone.id],
                         [*GOOD, own.id], [*GOOD, own.id]])
    assert import_errors(plan, "plan.csv", content) == [
        f"rad 2, kolumn Id: Aktivitet {foreign.id} finns inte i den här planen. Lämna Id tomt för en ny "
        "aktivitet.",
        "rad 3, kolumn Id: Aktivitet 9999 finns inte i den här planen. Lämna Id tomt för en ny aktivitet.",
        "rad 4, kolumn Id: ”sju” är inget id. Lämna Id tomt för en ny aktivitet.",
        f"rad 5, kolumn Id: Aktivitet {gone.id} är borttagen. Återskapa den först. Lämna Id tomt för en ny "
        "aktivitet.",
        f"rad 7, kolumn Id: Aktivitet {own.id} finns redan på rad 6.",
    ]
    assert own.what == "Egen"


def test_an_import_is_recorded_as_import_revisions_and_one_audit_event(plan):
    """Are imported activities marked "Importerad" in their history, with one audit event for the file?"""
    plan_io.import_activities(plan, "vår plan.csv", csv_bytes([HEADER, GOOD, GOOD]), author="anna")
    revs = db.session.query(PlanRevision).filter_by(entity=plans.ACTIVITY).all()
    assert {(r.op, r.author, r.comment) for r in revs} == {("import", "anna", plan_io.IMPORT_COMMENT)}
    imported = db.session.query(AuditEvent).filter_by(action=AuditAction.PLAN_IMPORTED.value).all()
    assert len(imported) == 1 and imported[0].target == plan.slug and imported[0].actor == "anna"
    assert imported[0].detail == "vår plan.csv: 2 nya, 0 ändrade och 0 oförändrade aktiviteter."


def test_a_deleted_plan_takes_no_import(plan):
    """Is an import into a deleted plan refused?"""
    plans.delete_plan(plan)
    errors = import_errors(plan, "plan.csv", csv_bytes([HEADER, GOOD]))
    assert errors == ["Planen är borttagen. Återskapa den först."]


# --- new plans ------------------------------------------------------------------------------------

def test_a_new_plan_from_options_or_from_the_plan_sheet(ctx):
    """Can a file create a plan, its fields given by the caller or by the workbook's Plan sheet?"""
    data = plans.PlanData(title="NOSAM Lerum 2025", structure="nosam-lerum", period="2025")
    result = plan_io.import_new_plan("plan.csv", csv_bytes([HEADER, GOOD, GOOD]), plan_data=data,
                                     author="anna")
    assert (result.plan.slug, result.plan.structure.slug, result.created) == (
        "nosam-lerum-2025", "nosam-lerum", 2)
    content = xlsx_bytes([HEADER, GOOD], plan_rows=[
        ["Titel", "Samordningsgruppen 2024–2026"], ["Adress", "sg-2024"], ["Struktur", "Samordningsgruppen"],
        ["Period", "2024–2026"], ["Fastställd", datetime(2024, 3, 15)],
        ["Samverkansplan", "Samverkansplan 2023–2026"],
        ["Beskrivning", "Rad ett\nRad två"], ["Fokusområden", "Öka tilliten\nÖka kontinuiteten"]])
    plan = plan_io.import_new_plan("plan.xlsx", content, author="anna").plan
    assert (plan.slug, plan.title, plan.structure.slug, plan.period) == (
        "sg-2024", "Samordningsgruppen 2024–2026", "samordningsgruppen", "2024–2026")
    assert (plan.adopted, plan.collaboration_plan.slug) == ("2024-03-15", "samverkansplan-2023-2026")
    assert plan.description == "Rad ett\nRad två"
    assert plan.focus_areas == ["Öka tilliten", "Öka kontinuiteten"]
    assert len(plans.plan_activities(plan)) == 1


def test_a_new_plan_reports_its_field_errors_with_the_row_errors(ctx):
    """Are errors in the plan's own fields and in the rows reported together, and nothing created?"""
    data = plans.PlanData(title="Plan", structure="sip", period="2026–2024")
    bad = row(Mal="Mål", Vad="x", Status="?")
    with pytest.raises(plan_io.PlanImportError) as info:
        plan_io.import_new_plan("plan.csv", csv_bytes([HEADER, bad]), plan_data=data, author="anna")
    assert [str(e) for e in info.value.errors] == [
        "Struktur: ”SIP” är ingen struktursida.", "Period: Periodens sista år kan inte vara före det första.",
        "rad 2, kolumn Status: Okänd status ”?”. Välj Inte påbörjad, Pågår eller Klart."]
    assert plans.live_plans() == []


def test_a_csv_cannot_make_a_plan_without_its_fields(ctx):
    """Does a CSV without plan fields given say what is missing?"""
    with pytest.raises(plan_io.PlanImportError) as info:
        plan_io.import_new_plan("plan.csv", csv_bytes([HEADER, GOOD]), author="anna")
    assert str(info.value.errors[0]) == (
        "Ange planens titel, struktur och period (filen har inget blad Plan med dem).")
    content = xlsx_bytes([HEADER, GOOD], plan_rows=[["Titel", "X"], ["Budget", "100"]])
    with pytest.raises(plan_io.PlanImportError) as info:
        plan_io.import_new_plan("plan.xlsx", content, author="anna")
    assert str(info.value.errors[0]).startswith("Bladet Plan, rad 2: okänd uppgift ”Budget”.")


# --- exporting ------------------------------------------------------------------------------------

def test_csv_export_is_utf8_with_bom_semicolons_and_crlf(plan):
    """Does the CSV open in Excel with å/ä/ö, one row per activity and formula-like text kept as text?"""
    full_plan(plan)
    content = plan_io.export_csv(plan)
    assert content.startswith("\ufeffMål;Delmål;Vad;Hur;Beslut;Ansvarig;Start;Slutdatum;Uppföljning;Status;"
                              "Målgrupper;Sidor;Id\r\n".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(rows) == 4
    first, second = rows[1], rows[2]
    assert first[5] == "NOSAM Lerum; BUP sammankallande" and first[6:8] == ["2024-11", "2025-06-30"]
    assert first[9:12] == ["Pågår", "Barn och unga, Äldre", "avvikelser-i-samverkan, sip"]
    assert first[2] == "Nätverk för SIP-samordnare\nTvå gånger per termin"
    assert (second[2], second[3]) == ("'=SUMMA(A1) är ingen formel", "'-punkt först")


def test_xlsx_export_has_the_table_and_the_plan_sheet(plan):
    """Does the Excel file hold a formatted Aktiviteter sheet and a Plan sheet with the plan's fields?"""
    full_plan(plan)
    book = load_workbook(io.BytesIO(plan_io.export_xlsx(plan)))
    table, info = book["Aktiviteter"], book["Plan"]
    assert [c.value for c in table[1]] == [*HEADER, "Id"]
    assert table["A1"].font.bold and table.freeze_panes == "A2" and table["C2"].alignment.wrap_text
    assert table.column_dimensions["C"].width > table.column_dimensions["G"].width
    assert table["C3"].value == "=SUMMA(A1) är ingen formel" and table["C3"].data_type == "s"
    assert [[c.value for c in r] for r in info.iter_rows()][:4] == [
        ["Titel", "Aktivitetsplan 2024"], ["Adress", "aktivitetsplan-2024"],
        ["Struktur", "Samordningsgruppen"], ["Period", "2024"]]


def test_deleted_activities_are_not_exported(plan):
    """Are deleted activities left out of both formats?"""
    full_plan(plan)
    plans.delete_activity(plans.plan_activities(plan)[0])
    assert len(plan_io.read_table("plan.csv", plan_io.export_csv(plan)).rows) == 2
    assert len(plan_io.read_table("plan.xlsx", plan_io.export_xlsx(plan)).rows) == 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_reimporting_an_export_into_the_same_plan_changes_nothing(plan, fmt):
    """Does importing the plan's own export find every activity unchanged and write no revision?"""
    full_plan(plan)
    content = plan_io.export_csv(plan) if fmt == "csv" else plan_io.export_xlsx(plan)
    revisions, events = db.session.query(PlanRevision).count(), db.session.query(AuditEvent).count()
    result = plan_io.import_activities(plan, f"plan.{fmt}", content, author="anna")
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert db.session.query(PlanRevision).count() == revisions
    assert db.session.query(AuditEvent).count() == events


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_elsewhere_gives_the_same_plan(plan, tmp_path, fmt):
    """Does an export imported into another instance give a plan with the same fields and activities?"""
    full_plan(plan)
    plan_fields = {"title": "Aktivitetsplan 2024", "structure": "samordningsgruppen", "period": "2024–2025",
                   "adopted": "2024-03", "collaboration_plan": "samverkansplan-2023-2026",
                   "description": "Första raden\nAndra raden",
                   "focus_areas": ["Öka tilliten", "Öka kontinuiteten"]}
    plans.update_plan(plan, plans.PlanData(**plan_fields), base_revision=None)
    content = plan_io.export_csv(plan) if fmt == "csv" else plan_io.export_xlsx(plan)
    expected = [fields(a) for a in plans.plan_activities(plan)]
    own = {k: getattr(plan, k) for k in ("title", "slug", "period", "adopted", "description", "focus_areas")}
    other = make_app(tmp_path / "other")
    with other.app_context():
        seed()
        # The Plan sheet carries the plan's fields; a CSV needs them given.
        data = plans.PlanData(**plan_fields) if fmt == "csv" else None
        copy = plan_io.import_new_plan(f"plan.{fmt}", content, plan_data=data, author="anna").plan
        assert {k: getattr(copy, k) for k in own} == own
        assert (copy.structure.slug, copy.collaboration_plan.slug) == (
            "samordningsgruppen", "samverkansplan-2023-2026")
        assert [fields(a) for a in plans.plan_activities(copy)] == expected


def test_row_to_activity_reads_the_responsible_column(ctx):
    """Is "Ansvarig" a structure (title or slug), free text, or "structure; free text"?"""
    names = plan_io.Names.load()

    def responsible(text: str) -> tuple[str, str]:
        data = plan_io.row_to_activity({"Ansvarig": text}, names=names)
        return data.responsible, data.responsible_text

    assert responsible("Samordningsgruppen") == ("samordningsgruppen", "")
    assert responsible("nosam-lerum; BUP") == ("nosam-lerum", "BUP")
    assert responsible("Processledare SAMLA") == ("", "Processledare SAMLA")
    assert responsible("Socialtjänsten; BUP") == ("", "Socialtjänsten; BUP")
    assert responsible("SIP") == ("", "SIP")  # a page, but not a structure


def test_a_structure_title_shared_by_two_structures_is_exported_as_its_address(plan):
    """With two structures of one title, does export name the responsible one by slug, so it comes back?"""
    make_page("Temagrupp", type="structure", slug="temagrupp-aldre")
    make_page("Temagrupp", type="structure", slug="temagrupp-rehab")
    plans.create_activity(plan, plans.ActivityData(goal="Mål", what="Rehab", status="Pågår",
                                                   responsible="temagrupp-rehab",
                                                   responsible_text="TG Rehab"))
    exported = plan_io.export_csv(plan)
    assert ';"temagrupp-rehab; TG Rehab";' in exported.decode("utf-8-sig")
    result = plan_io.import_activities(plan, "plan.csv", exported, author="anna")
    assert result.unchanged == 1
    assert plan_io.row_to_activity({"Ansvarig": "Temagrupp"}).responsible_text == "Temagrupp"


def test_a_clash_with_another_save_is_reported_and_nothing_is_kept(plan, monkeypatch):
    """If another editor's save collides at commit, is the import refused as a whole with a clear message?"""
    from sqlalchemy.exc import IntegrityError

    def clash() -> None:
        raise IntegrityError("INSERT", {}, Exception("unique"))

    monkeypatch.setattr(plans, "commit", clash)
    errors = import_errors(plan, "plan.csv", csv_bytes([HEADER, GOOD, GOOD]))
    assert errors == ["Planen ändrades samtidigt av någon annan. Försök igen."]
    monkeypatch.undo()
    assert plans.plan_activities(plan) == []
