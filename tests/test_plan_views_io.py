"""Importing and exporting plans through the views: downloads, uploads, and the table of errors."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from test_plan_views import SLUG, main, seed_plan, text, text_of

from kb.extensions import db
from kb.models import ActionPlan, Activity, PlanRevision
from kb.services import plans

HEADER = "Mål;Delmål;Vad;Hur;Beslut;Ansvarig;Start;Slutdatum;Uppföljning;Status;Målgrupper;Sidor;Id"


@pytest.fixture
def data(app):
    """The seeded plan's ids."""
    with app.app_context():
        return seed_plan()


def upload(content: bytes, name: str = "plan.csv", **fields) -> dict:
    """Form data with a file, as a browser sends the import form."""
    return {"file": (io.BytesIO(content), name), **fields}


def csv_file(*lines: str) -> bytes:
    """A CSV file as Excel saves it (UTF-8 with BOM, semicolons)."""
    return ("\ufeff" + "\r\n".join((HEADER, *lines)) + "\r\n").encode("utf-8")


def counts(app) -> tuple[int, int, int]:
    """(plans, live activities, revisions) in the database."""
    with app.app_context():
        return (db.session.query(ActionPlan).count(),
                db.session.query(Activity).filter_by(deleted=False).count(),
                db.session.query(PlanRevision).count())


def test_csv_export_downloads_the_plans_activities(anon, data):
    """Does "CSV" download an attachment named after the plan, with one row per activity?"""
    resp = anon.get(f"/planer/{SLUG}/export.csv")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.headers["Content-Disposition"] == f"attachment; filename={SLUG}.csv"
    body = resp.get_data().decode("utf-8-sig")
    lines = body.splitlines()
    assert lines[0] == HEADER and len(lines) == 4
    assert "Nätverk för SIP-samordnare" in lines[1] and "Pågår" in lines[1]


def test_xlsx_export_downloads_a_workbook(anon, data):
    """Does "Exportera till Excel" download a workbook with the activities and the plan's fields?"""
    resp = anon.get(f"/planer/{SLUG}/export.xlsx")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert resp.headers["Content-Disposition"] == f"attachment; filename={SLUG}.xlsx"
    book = load_workbook(io.BytesIO(resp.get_data()))
    rows = list(book["Aktiviteter"].iter_rows(values_only=True))
    assert rows[0][2] == "Vad"
    assert [r[2] for r in rows[1:]] == ["Nätverk för SIP-samordnare", "Workshop om hemgång",
                                        "Kartlägga utskrivningar"]
    assert book["Plan"]["B1"].value == "Samordningsgruppens aktivitetsplan 2024"


def test_import_form_explains_itself(client, data):
    """Does the import page say which files work and that nothing is imported when something is wrong?"""
    html = main(client.get(f"/planer/{SLUG}/importera"))
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html
    assert "Om något i filen är fel importeras ingenting" in text_of(html)


def test_importing_a_file_adds_and_updates_activities(client, app, data):
    """Does a CSV with a new row and an Id row add one activity and update the other, then say so?"""
    file = csv_file(f"Öka tilliten;;Workshop om hemgång;;;Processledare;;;;Pågår;;;{data['done']}",
                    "Öka kontinuiteten;;Ny rad från filen;;;NOSAM Lerum;2025;dec 2025;;Inte påbörjad;"
                    "Äldre;sip;")
    resp = client.post(f"/planer/{SLUG}/importera", data=upload(file), content_type="multipart/form-data")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/planer/{SLUG}")
    body = text(client.get(resp.headers["Location"]))
    assert "Importen är klar: 1 nya, 1 ändrade och 0 oförändrade aktiviteter." in body
    assert "Ny rad från filen" in body and "4 aktiviteter" in body
    with app.app_context():
        assert db.session.get(Activity, data["done"]).status == "in_progress"
        assert plans.history(plans.ACTIVITY, data["done"])[0].op == "import"


def test_a_file_with_errors_imports_nothing_and_lists_them(client, app, data):
    """Are row errors shown as a table (Rad, Kolumn, Fel) under an error summary, with nothing imported?"""
    before = counts(app)
    file = csv_file("Öka tilliten;;Bra rad;;;;;;;Pågår;;;",
                    "Öka tilliten;;Trasig rad;;;;;snart;;lila;;;")
    resp = client.post(f"/planer/{SLUG}/importera", data=upload(file), content_type="multipart/form-data")
    assert resp.status_code == 422
    html = main(resp)
    assert 'role="alert"' in html and "Filen kunde inte importeras" in html
    assert "Ingenting har importerats." in text_of(html)
    table = html[html.index('<table class="history import-errors">'):html.index("</table>")]
    assert "<th scope=\"col\">Rad</th><th scope=\"col\">Kolumn</th><th scope=\"col\">Fel</th>" in table
    cells = text_of(table)
    assert "3 Slutdatum ”snart” är inget datum." in cells and "3 Status Okänd status ”lila”." in cells
    assert counts(app) == before


def test_a_broken_header_is_an_error_for_the_whole_file(client, app, data):
    """Is a file without the required columns reported for the file as a whole?"""
    resp = client.post(f"/planer/{SLUG}/importera", data=upload("Vad;Hur\r\nEn sak;Så\r\n".encode()),
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    cells = text_of(main(resp))
    assert "Hela filen" in cells and "saknas" in cells


@pytest.mark.parametrize("form,message", [
    ({}, "Välj en fil att importera."),
    ({"file": (io.BytesIO(b"x"), "plan.pdf")},
     "Filen måste vara en CSV-fil (.csv) eller en Excel-fil (.xlsx)."),
])
def test_a_missing_or_wrong_file_is_refused_in_swedish(client, app, data, form, message):
    """Is posting no file, or a file of another kind, refused with a message at the file field?"""
    before = counts(app)
    resp = client.post(f"/planer/{SLUG}/importera", data=form, content_type="multipart/form-data")
    assert resp.status_code == 422
    body = text(resp)
    assert "Något behöver rättas" in body and message in body
    assert counts(app) == before


def test_importing_a_new_plan_with_its_fields_in_the_form(client, app, data):
    """Does "Importera ny plan" create a plan from the typed fields and the file's rows?"""
    page = main(client.get("/planer/importera"))
    assert "Importera ny plan" in page and '<option value="nosam-lerum">NOSAM Lerum</option>' in page
    file = csv_file("Öka tilliten;;Första;;;;;;;Klart;;;", "Öka tilliten;;Andra;;;;;;;Pågår;;;")
    form = upload(file, title="NOSAM Lerum 2026", structure="nosam-lerum", period="2026")
    resp = client.post("/planer/importera", data=form, content_type="multipart/form-data")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/planer/nosam-lerum-2026")
    body = text(client.get(resp.headers["Location"]))
    assert "Planen ”NOSAM Lerum 2026” skapades med 2 aktiviteter." in body
    assert "Första" in body and "Andra" in body


def test_importing_a_new_plan_from_the_excel_plan_sheet(client, app, data):
    """With the fields left empty, does the Plan sheet of an Excel file name the new plan?"""
    book = Workbook()
    sheet = book.active
    sheet.title = "Aktiviteter"
    sheet.append(["Mål", "Vad", "Status"])
    sheet.append(["Öka tilliten", "Från Excel", "grön"])
    info = book.create_sheet("Plan")
    for row in (["Titel", "Handlingsplan från Excel"], ["Struktur", "NOSAM Lerum"], ["Period", "2025–2026"]):
        info.append(row)
    out = io.BytesIO()
    book.save(out)
    resp = client.post("/planer/importera", data=upload(out.getvalue(), "plan.xlsx"),
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    body = text(client.get(resp.headers["Location"]))
    assert "Handlingsplan från Excel" in body and "Period 2025–2026" in body and "Klart" in body


def test_a_new_plan_needs_its_fields_from_the_form_or_the_file(client, app, data):
    """Is a CSV without plan fields refused with a clear message and no plan created?"""
    before = counts(app)
    resp = client.post("/planer/importera", data=upload(csv_file("Öka tilliten;;En;;;;;;;Klart;;;")),
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "Ange planens titel, struktur och period" in text(resp)
    resp = client.post("/planer/importera", data=upload(csv_file("Öka tilliten;;En;;;;;;;Klart;;;"),
                                                         title="Bara en titel"),
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    cells = text(resp)
    assert "Struktur Välj vilken struktur planen tillhör." in cells
    assert counts(app) == before
