"""No personnummer gets in anywhere: every place people type or load text, through the real forms,
services and commands. (The column-by-column proof is tests/test_pii_guard.py.)"""
from __future__ import annotations

import io
import json
import re
from html import unescape

import attachment_files as files
import pytest
from factories import PASSWORD, login, make_page
from test_plan_views import SLUG, seed_plan
from test_plan_views_editing import activity_form, base_of, collaboration_form, plan_form

from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import (
    ActionPlan,
    Activity,
    Attachment,
    AttachmentVersion,
    AuditEvent,
    CollaborationPlan,
    LoginAttempt,
    Organisation,
    Page,
    PlanRevision,
    Revision,
    User,
)
from kb.services import pages, plans, transfer, users
from kb.services.attachments import folder as attachment_folder

PNR = "19121212-1212"
REFUSED = "Kunskapsbanken får inte innehålla patientuppgifter"


def text(response) -> str:
    """What a reader reads: the body without tags, whitespace collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def count(app, model) -> int:
    """How many rows of `model` there are."""
    with app.app_context():
        return db.session.query(model).count()


def nothing_holds(app, number: str = PNR) -> None:
    """Assert that no text anywhere in the database holds `number` (the guard's tables, searched raw)."""
    digits = number.replace("-", "").replace(" ", "")
    with app.app_context():
        for table in db.Model.metadata.sorted_tables:
            for row in db.session.execute(table.select()).mappings():
                for column, value in row.items():
                    flat = str(value).replace("-", "").replace(" ", "")
                    assert digits not in flat, f"{table.name}.{column} holds {number}: {value!r}"


@pytest.fixture
def sip(app):
    """A page "SIP" (slug sip) an editor can change."""
    with app.app_context():
        make_page("SIP", "Samordnad individuell plan.\n", slug="sip")
    return "sip"


# --- pages --------------------------------------------------------------------------------------


def edit_form(client, slug: str, **changes) -> dict:
    """The edit form of a page as a browser sends it, with `changes`."""
    html = client.get(f"/sida/{slug}/redigera").get_data(as_text=True)
    base = re.search(r'name="base_revision" type="hidden" value="(\d+)"', html).group(1)
    return {"title": "SIP", "type": "article", "slug": slug, "summary": "", "tags": "",
            "source": "Samordnad individuell plan, ny text.\n", "comment": "", "base_revision": base, **changes}


def test_an_edit_comment_with_a_personnummer_is_refused_at_the_comment_field(app, client, anon, sip):
    """Is a change comment holding a personnummer refused at the comment field, so it never reaches
    Senaste ändringar (/andringar), which anonymous visitors read?"""
    before = count(app, Revision)
    resp = client.post("/sida/sip/redigera", data=edit_form(client, "sip", comment=f"Gäller {PNR}"))
    assert resp.status_code == 422
    body = text(resp)
    assert "Texten i ”Kommentar” innehåller något som ser ut som ett personnummer (rad 1: 19121212-1212)." in body
    assert REFUSED in body
    assert re.search(r'id="comment"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="comment"',
                     resp.get_data(as_text=True))
    assert count(app, Revision) == before
    assert PNR not in anon.get("/andringar").get_data(as_text=True)
    nothing_holds(app)


def test_a_personnummer_written_with_a_space_is_refused_too(app, client, sip):
    """Is "121212 1212" (a space instead of a hyphen) in a page's text refused like "121212-1212"?"""
    resp = client.post("/sida/sip/redigera", data=edit_form(client, "sip", source="Patient 121212 1212 har SIP.\n"))
    assert resp.status_code == 422
    assert "Texten i ”Text” innehåller något som ser ut som ett personnummer (rad 1: 121212 1212)." in text(resp)
    nothing_holds(app, "121212 1212")


def test_a_page_address_that_is_a_personnummer_is_refused(app, client):
    """Is a new page whose address (slug) is a personnummer refused at the address field?"""
    before = count(app, Page)
    resp = client.post("/ny", data={"title": "Remiss", "type": "article", "slug": "121212-1212",
                                    "source": "Text.\n", "comment": ""})
    assert resp.status_code == 422
    assert "Texten i ”Adress” innehåller något som ser ut som ett personnummer (rad 1: 121212-1212)." in text(resp)
    assert count(app, Page) == before


def test_renaming_a_page_to_a_personnummer_is_refused(app, client, sip):
    """Is moving a page to an address that is a personnummer refused, and the page left where it was?"""
    resp = client.post("/sida/sip/redigera", data={**edit_form(client, "sip"), "slug": "sip-191212121212"})
    assert resp.status_code == 422 and "ser ut som ett personnummer" in text(resp)
    with app.app_context():
        assert pages.get("sip") is not None and pages.resolve("sip-191212121212")[0] is None


def test_an_address_made_from_the_title_is_caught_by_the_guard_with_a_clear_message(app, client):
    """When the title has no personnummer but the address made from it has ("121212.1212" becomes
    "121212-1212"), does the editor get a Swedish message at the address field, not a server error?"""
    before = count(app, Page)
    resp = client.post("/ny", data={"title": "Remiss 121212.1212", "type": "article", "source": "Text.\n"})
    assert resp.status_code == 422
    assert "Texten i ”Adress (sida)” innehåller något som ser ut som ett personnummer" in text(resp)
    assert count(app, Page) == before
    nothing_holds(app, "121212-1212")


def test_a_hidden_personnummer_in_markdown_is_caught_when_it_is_rendered(app, client, sip):
    """Is a number that only appears after rendering (an escaped hyphen) still refused, at the text?"""
    resp = client.post("/sida/sip/redigera", data=edit_form(client, "sip", source="Patient 121212\\-1212.\n"))
    assert resp.status_code == 422
    assert "innehåller något som ser ut som ett personnummer" in text(resp)
    nothing_holds(app, "121212-1212")


@pytest.mark.parametrize("action", ["ta-bort", "aterstall/1"])
def test_delete_and_revert_comments_with_a_personnummer_are_refused(app, client, sip, action):
    """Are the comments of a delete and of a revert refused when they hold a personnummer?"""
    with app.app_context():
        pages.update_page(pages.get("sip"), pages.PageData(title="SIP", type="article", source="Ny text.\n"),
                          base_revision=1, author="redaktor")
    before = count(app, Revision)
    resp = client.post(f"/sida/sip/{action}", data={"comment": f"Patient {PNR}"})
    body = text(resp) if resp.status_code == 422 else text(client.get(resp.headers["Location"]))
    assert "Texten i ”Kommentar” innehåller något som ser ut som ett personnummer" in body
    assert count(app, Revision) == before
    with app.app_context():
        assert not pages.get("sip").deleted
    nothing_holds(app)


# --- plans, activities, collaboration plans -------------------------------------------------------


@pytest.fixture
def data(app):
    """The seeded plans (see test_plan_views.seed_plan)."""
    with app.app_context():
        return seed_plan()


def test_plan_and_activity_comments_with_a_personnummer_are_refused(app, client, data):
    """Are the change comments of a plan edit, an activity edit, a status change and a delete refused
    when they hold a personnummer (plan history is public)?"""
    before = count(app, PlanRevision)
    plan_page = client.get(f"/planer/{SLUG}/redigera").get_data(as_text=True)
    resp = client.post(f"/planer/{SLUG}/redigera", data=plan_form(
        title="Samordningsgruppens aktivitetsplan 2024", structure="samordningsgruppen", period="2024",
        base_revision=base_of(plan_page), comment=f"Enligt {PNR}"))
    assert resp.status_code == 422 and "Texten i ”Kommentar” innehåller" in text(resp)
    path = f"/aktiviteter/{data['late']}"
    activity_page = client.get(path + "/redigera").get_data(as_text=True)
    resp = client.post(path + "/redigera", data=activity_form(base_revision=base_of(activity_page),
                                                              comment=f"Se {PNR}"))
    assert resp.status_code == 422 and "Texten i ”Kommentar” innehåller" in text(resp)
    resp = client.post(path + "/status", data={"status": "done", "comment": f"Klar för {PNR}",
                                               "base_revision": base_of(activity_page)})
    assert resp.status_code == 422 and "Texten i ”Kommentar” innehåller" in text(resp)
    resp = client.post(path + "/ta-bort", data={"base_revision": base_of(activity_page), "comment": PNR})
    assert resp.status_code == 422 and "Texten i ”Kommentar” innehåller" in text(resp)
    assert count(app, PlanRevision) == before
    with app.app_context():
        assert not db.session.get(Activity, data["late"]).deleted
    nothing_holds(app)


def test_collaboration_plan_goals_and_description_with_a_personnummer_are_refused(app, client, data):
    """Are a collaboration plan's goals and description refused, each at its field, when they hold a
    personnummer (and its comment too)?"""
    before = count(app, CollaborationPlan)
    resp = client.post("/samverkansplaner/ny", data=collaboration_form(
        goals="Trygga vårdövergångar\nFölj upp 121212 1212", description=f"Gäller {PNR}.", comment=PNR))
    assert resp.status_code == 422
    body = text(resp)
    assert "Texten i ”Mål” innehåller något som ser ut som ett personnummer (rad 2: 121212 1212)." in body
    assert "Texten i ”Beskrivning” innehåller" in body
    assert count(app, CollaborationPlan) == before
    resp = client.post("/samverkansplaner/ny", data=collaboration_form(comment=f"Från {PNR}"))
    assert resp.status_code == 422 and "Texten i ”Kommentar” innehåller" in text(resp)
    assert count(app, CollaborationPlan) == before
    nothing_holds(app, PNR)
    nothing_holds(app, "121212 1212")


def test_a_plan_address_that_is_a_personnummer_is_refused(app, client, data):
    """Is a new action plan refused when the address made from its title would be a personnummer
    ("121212.1212" in the title becomes "121212-1212" in the address)?"""
    before = count(app, ActionPlan)
    resp = client.post("/planer/ny", data=plan_form(title="Plan 121212.1212"))
    assert resp.status_code == 422
    assert "Texten i ”Adress” innehåller något som ser ut som ett personnummer (rad 1: 121212-1212)" in text(resp)
    assert count(app, ActionPlan) == before


# --- attachments ----------------------------------------------------------------------------------


def upload(client, content: bytes, name: str):
    """POST the upload form of the SIP page with a file."""
    return client.post("/sida/sip/bilagor", data={"file": (io.BytesIO(content), name), "comment": ""},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("content, name, line", [
    (files.docx(f"Patienten {PNR} kallas till SIP."), "Kallelse.docx", 2),
    ("Kallelse\n\nLista:\nTolvan 121212 1212\n".encode(), "Lista.txt", 4),
], ids=["docx", "text"])
def test_an_attachment_whose_text_holds_a_personnummer_is_refused(app, client, sip, content, name, line):
    """Is a document whose text holds a personnummer refused with a message naming the page, the
    file and the line, so its text never reaches search snippets?"""
    resp = upload(client, content, name)
    assert resp.status_code == 422
    body = text(resp)
    assert f"Filen togs inte emot på sidan ”SIP”. Texten i ”{name}” innehåller något som ser ut som ett " \
           f"personnummer (rad {line}:" in body
    assert "ta bort numret och ladda upp filen igen" in body
    assert count(app, Attachment) == 0 and count(app, AttachmentVersion) == 0
    nothing_holds(app)
    nothing_holds(app, "121212 1212")


def test_an_attachment_folder_with_a_personnummer_imports_nothing_of_that_attachment(app, sip, tmp_path):
    """Does importing an attachment folder (bilagor.json) refuse an attachment one of whose versions
    holds a personnummer, store none of its versions, say why, and still import the others?"""
    folder = tmp_path / "attachments"
    (folder / "sip" / "_versioner").mkdir(parents=True)
    (folder / "sip" / "_versioner" / "Lista (version 1).txt").write_text("Lista utan namn.\n", encoding="utf-8")
    (folder / "sip" / "Lista.txt").write_text(f"Lista\n{PNR}\n", encoding="utf-8")
    (folder / "sip" / "Rutin.txt").write_text("Rutin för SIP.\n", encoding="utf-8")
    manifest = {"format": 1, "attachments": [
        {"page": "sip", "name": "Lista.txt", "deleted": False, "versions": [
            {"number": 1, "file": "sip/_versioner/Lista (version 1).txt", "uploader": "anna"},
            {"number": 2, "file": "sip/Lista.txt", "uploader": "anna"}]},
        {"page": "sip", "name": "Rutin.txt", "deleted": False, "versions": [
            {"number": 1, "file": "sip/Rutin.txt", "uploader": "anna"}]}]}
    (folder / "bilagor.json").write_text(json.dumps(manifest), encoding="utf-8")
    with app.app_context():
        report = attachment_folder.import_folder(folder, author="import")
        assert report.stored == 1
        [(where, reason)] = report.skipped
        assert where == "sip/Lista.txt"
        assert "Filen togs inte emot på sidan ”SIP”. Texten i ”Lista.txt” innehåller något som ser ut som " \
               "ett personnummer (rad 2: 19121212-1212)." in reason
        assert [a.name for a in db.session.query(Attachment)] == ["Rutin.txt"]
    nothing_holds(app)


# --- accounts, organisations, e-mail ---------------------------------------------------------------


def test_kb_user_create_refuses_a_display_name_with_a_personnummer(app, runner):
    """Does `kb user create --display-name` refuse a name holding a personnummer, and create no one?"""
    result = runner.invoke(args=["user", "create", "anna", "--display-name", f"Anna {PNR}", "--password-stdin"],
                           input=PASSWORD + "\n")
    assert result.exit_code == 1
    assert "Texten i ”Namn som visas” innehåller något som ser ut som ett personnummer" in result.output
    assert count(app, User) == 0
    nothing_holds(app)


def test_a_username_that_is_a_personnummer_is_refused_in_admin(app, admin):
    """Is a new account whose username is a personnummer refused at the username field?"""
    before = count(app, User)
    resp = admin.post("/admin/anvandare", data={"username": "121212-1212", "display_name": "",
                                                "role": "läsare", "password": PASSWORD})
    assert resp.status_code == 422
    assert "Texten i ”Användarnamnet” innehåller något som ser ut som ett personnummer" in text(resp)
    assert count(app, User) == before


def test_an_organisation_name_with_a_personnummer_is_refused_in_admin(app, admin):
    """Is an organisation named with a personnummer refused, both when added and when renamed?"""
    before = count(app, Organisation)
    resp = admin.post("/admin/organisationer", data={"name": f"Boende för {PNR}"})
    assert resp.status_code == 422
    assert "Texten i ”Namn” innehåller något som ser ut som ett personnummer" in text(resp)
    assert count(app, Organisation) == before
    resp = admin.post("/admin/organisationer/narhalsan/namn", data={"name": f"Närhälsan {PNR}"})
    listed = text(admin.get(resp.headers["Location"]))
    assert "Texten i ”Namn” innehåller något som ser ut som ett personnummer" in listed
    nothing_holds(app)


def test_an_email_address_with_a_personnummer_is_refused_on_min_sida(app):
    """Is an e-mail address holding a personnummer refused on Min sida, and the old address kept?"""
    anna = login(app, "anna", "läsare")
    resp = anna.post("/min-sida/e-post", data={"email": "191212121212@lerum.se", "email_notifications": "y"})
    assert resp.status_code == 422
    assert "Texten i ”E-postadress” innehåller något som ser ut som ett personnummer" in text(resp)
    with app.app_context():
        assert users.get("anna").email == ""
    nothing_holds(app)


def test_a_login_with_a_personnummer_as_username_is_recorded_masked(app):
    """When someone types a personnummer as username on the login form, does the login fail as usual
    (no server error) and the attempt and the audit log keep the number masked?"""
    client = app.test_client()
    resp = client.post("/logga-in", data={"username": PNR, "password": "fel-lösenord-123"})
    assert resp.status_code == 401 and "Fel användarnamn eller lösenord." in text(resp)
    with app.app_context():
        assert [a.username for a in db.session.query(LoginAttempt)] == ["XXXXXXXX-XXXX"]
        assert "XXXXXXXX-XXXX" in {e.target for e in db.session.query(AuditEvent)}
    nothing_holds(app)


# --- kb import -------------------------------------------------------------------------------------


def test_kb_import_refuses_an_approval_comment_with_a_personnummer(app, runner, tmp_path):
    """Does `kb import` refuse a page file whose approval_comment holds a personnummer, name the file
    and the key, and import the rest?"""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "rutin.md").write_text(
        "---\ntitle: Rutin för SIP\ntype: routine\napproved_by: anna\napproved_at: 2024-05-01\n"
        f"approval_comment: Ändrad efter avvikelse för {PNR}\n---\nKalla till SIP.\n", encoding="utf-8")
    (folder / "hel.md").write_text("---\ntitle: Hel sida\ntype: article\n---\nText\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(folder)])
    assert result.exit_code == 1
    assert "rutin.md" in result.output
    assert "Texten i ”approval_comment” innehåller något som ser ut som ett personnummer" in result.output
    assert "1 nya sidor" in result.output
    with app.app_context():
        assert pages.get("rutin") is None and pages.get("hel") is not None
    nothing_holds(app)


def test_the_import_service_reports_the_approval_comment_too(app, tmp_path):
    """Does the import (as the service reports it) name the refused key for a samordningsnummer?"""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "rutin.md").write_text(
        "---\ntitle: Rutin\ntype: routine\napproval_comment: Se 701063 2391\n---\nText\n", encoding="utf-8")
    with app.app_context():
        report = transfer.import_folder(folder)
    [(name, reason)] = report.errors
    assert name == "rutin.md" and "samordningsnummer (rad 1: 701063 2391)" in reason
    assert "approval_comment" in reason


def test_plans_service_refuses_before_writing(app, data):
    """Does a service call with a personnummer in the comment leave nothing half-written in the session?"""
    with app.app_context():
        plan = plans.get_plan(SLUG)
        with pytest.raises(ValidationError, match="personnummer"):
            plans.delete_plan(plan, author="anna", comment=PNR)
        assert not db.session.new and not db.session.dirty
