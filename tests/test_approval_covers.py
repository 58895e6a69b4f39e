"""What approval covers: a routine's attachments, its type and its address wait for the approver like
its text, the approver who counts cannot be swapped, and nobody approves their own change."""
from __future__ import annotations

import io

import attachment_files as files
import pytest
from factories import login
from governance_helpers import account, routine

from kb import index
from kb.constants import Role
from kb.exceptions import ValidationError
from kb.services import attachments, governance, pages

OLD_WORD, NEW_WORD = "kallelsemall", "videomöte"
OLD_PDF, NEW_PDF = files.pdf(f"Ordet {OLD_WORD}."), files.pdf(f"Ordet {NEW_WORD}.")
ROLES = {"anonym": None, "läsare": "läsare", "redaktör": "redaktör", "fastställare": "fastställare",
         "administratör": "administratör"}
RANK = {"anonym": 0, "läsare": 1, "redaktör": 2, "fastställare": 3, "administratör": 4}


@pytest.fixture
def sip(app):
    """An approved routine "sip" with an approved attachment "Rutin.pdf" whose text says OLD_WORD."""
    with app.app_context():
        account("godkannare", Role.APPROVER)
        page = routine("Rutin för SIP", "Kalla till SIP inom fem dagar.\n", slug="sip")
        attachments.upload(page, "Rutin.pdf", OLD_PDF, author="import", approved=True)
    return "sip"


def upload(client, path: str, content: bytes, name: str = "Rutin.pdf"):
    """POST an upload form with a file."""
    return client.post(path, data={"file": (io.BytesIO(content), name), "comment": "Ny utgåva"},
                       content_type="multipart/form-data")


def edit_form(client, page_slug: str, **changes) -> dict:
    """The edit form's data as the browser would send it (loaded from the edit page), with changes."""
    with client.application.app_context():
        page = pages.get(page_slug)
        current = page.current
        data = {"title": current.title, "type": current.type, "source": current.source,
                "summary": current.summary, "tags": ", ".join(current.tags or []), "comment": "",
                "slug": page.slug, "base_revision": str(page.revision_number), "save": "Spara"}
        for name, value in (current.fields or {}).items():
            data[f"{current.type}-{name}"] = value
    data.update(changes)
    return data


def decide(app, action: str, **data):
    """A fastställare approves ("faststall") or sends back ("skicka-tillbaka") sip's newest draft."""
    approver = login(app, "godkannare", "fastställare")
    with app.app_context():
        number = pages.get("sip").revision_number
    return approver.post(f"/sida/sip/{action}", data={"revision": str(number), **data})


def search_titles(app, word: str) -> list[str]:
    """What a reader's search finds for `word`."""
    with app.app_context():
        return [hit.title for hit in index.search(word).hits]


# --- 1. attachments follow the page's approval ----------------------------------------------------

def test_a_new_version_of_an_approved_routines_attachment_waits_for_approval(app, sip, client, anon):
    """Does a reader keep getting the approved file (and search its text) after an editor uploads a new
    version, while the draft box lists the change with its text diff, until an approver approves?"""
    resp = upload(client, "/sida/sip/bilagor/Rutin.pdf/versioner", NEW_PDF)
    assert resp.status_code == 302
    for path in ("/sida/sip/bilagor/Rutin.pdf", "/bilagor/1"):
        assert anon.get(path).data == OLD_PDF, path
    assert anon.get("/sida/sip/bilagor/Rutin.pdf/version/2").status_code == 404
    assert "Version 2" not in anon.get("/sida/sip/bilagor/Rutin.pdf/versioner").get_data(as_text=True)
    assert search_titles(app, NEW_WORD) == [] and search_titles(app, OLD_WORD) == ["Rutin.pdf"]
    html = client.get("/sida/sip").get_data(as_text=True)
    assert "Ett utkast väntar på fastställelse" in html and "Bilagor i utkastet" in html
    assert "Version 2 väntar på fastställelse" in html and f"<ins>{NEW_WORD}" in html
    assert client.get("/sida/sip/bilagor/Rutin.pdf").data == NEW_PDF  # editors check the new file

    assert decide(app, "faststall", comment="Ny utgåva").status_code == 302
    assert anon.get("/sida/sip/bilagor/Rutin.pdf").data == NEW_PDF
    assert search_titles(app, NEW_WORD) == ["Rutin.pdf"] and search_titles(app, OLD_WORD) == []


def test_a_new_attachment_and_a_deletion_wait_and_sending_back_discards_them(app, sip, client, anon):
    """Is a new attachment invisible to readers and a deleted one still there until approval, and does
    "skicka tillbaka" discard both, so readers never see the new file?"""
    assert upload(client, "/sida/sip/bilagor", NEW_PDF, name="Ny.pdf").status_code == 302
    assert client.post("/sida/sip/bilagor/Rutin.pdf/ta-bort", data={}).status_code == 302
    for path in ("/sida/sip/bilagor/Ny.pdf", "/sida/sip/bilagor/Ny.pdf/versioner"):
        assert anon.get(path).status_code == 404, path
    page = anon.get("/sida/sip").get_data(as_text=True)
    assert "Rutin.pdf" in page and "Ny.pdf" not in page
    assert anon.get("/sida/sip/bilagor/Rutin.pdf").data == OLD_PDF
    assert search_titles(app, NEW_WORD) == [] and search_titles(app, OLD_WORD) == ["Rutin.pdf"]
    draft_box = client.get("/sida/sip").get_data(as_text=True)
    assert "Ny bilaga som väntar på fastställelse" in draft_box and "Borttagningen väntar" in draft_box

    assert decide(app, "skicka-tillbaka", reason="Fel fil.").status_code == 302
    assert anon.get("/sida/sip/bilagor/Ny.pdf").status_code == 404
    assert anon.get("/sida/sip/bilagor/Rutin.pdf").data == OLD_PDF
    with app.app_context():
        items = {a.name: a for a in attachments.for_page(pages.get("sip"), editor=True, include_deleted=True)}
        assert not items["Rutin.pdf"].deleted and items["Ny.pdf"].deleted
        assert attachments.pending_changes(pages.get("sip")) == []
    # The discarded file stays in the history (editors), and the next upload gets a number of its own.
    assert upload(client, "/sida/sip/bilagor/Rutin.pdf/versioner", files.pdf("Tredje.")).status_code == 302
    with app.app_context():
        rutin = attachments.get(pages.get("sip"), "Rutin.pdf")
        assert (rutin.version_number, rutin.published_version) == (2, 1)


def test_attachments_of_pages_without_approval_are_published_at_once(app, client, anon):
    """Does an article's attachment still reach readers and search straight away?"""
    with app.app_context():
        pages.create_page(pages.PageData(title="Artikel", type="article", source="Text.\n", slug="artikel"))
    assert upload(client, "/sida/artikel/bilagor", NEW_PDF, name="A.pdf").status_code == 302
    assert anon.get("/sida/artikel/bilagor/A.pdf").data == NEW_PDF
    assert search_titles(app, NEW_WORD) == ["A.pdf"]


# --- 2. changing the type or the address does not escape approval ---------------------------------

def test_a_new_routine_saved_as_an_article_stays_a_draft(app, client, anon):
    """Created as a routine (a draft), then saved as an article: do readers still get 404 until approved?"""
    resp = client.post("/ny", data={"title": "Hemlig", "type": "routine", "source": "Ej fastställd.\n",
                                    "save": "Spara"})
    assert resp.status_code == 302 and anon.get("/sida/hemlig").status_code == 404
    resp = client.post("/sida/hemlig/redigera", data=edit_form(client, "hemlig", type="article"))
    assert resp.status_code == 302
    assert anon.get("/sida/hemlig").status_code == 404
    resp = client.post("/sida/hemlig/redigera", data=edit_form(client, "hemlig", source="Igen.\n"))
    assert anon.get("/sida/hemlig").status_code == 404
    with app.app_context():
        page = pages.get("hemlig")
        assert page.type == "article" and not page.is_published and pages.pending_draft(page) is not None
        account("godkannare", Role.APPROVER)
        governance.approve(page, actor="godkannare", comment="Godkänd som artikel")
    assert "Igen." in anon.get("/sida/hemlig").get_data(as_text=True)
    # Approved as an article, it is free to edit from now on.
    client.post("/sida/hemlig/redigera", data=edit_form(client, "hemlig", source="Fri text.\n"))
    assert "Fri text." in anon.get("/sida/hemlig").get_data(as_text=True)


def test_a_new_address_of_an_approved_routine_waits_for_approval(app, sip, client, anon):
    """Does an address change keep readers on the approved address (no redirect) until it is approved?"""
    resp = client.post("/sida/sip/redigera", data=edit_form(client, "sip", slug="sip-rutin"))
    assert resp.status_code == 302
    assert anon.get("/sida/sip").status_code == 200 and anon.get("/sida/sip-rutin").status_code == 404
    html = client.get("/sida/sip").get_data(as_text=True)
    assert "Adress" in html and "sip-rutin" in html  # listed among the draft's changed details
    assert 'value="sip-rutin"' in client.get("/sida/sip/redigera").get_data(as_text=True)
    assert decide(app, "faststall", comment="Ny adress").status_code == 302
    assert anon.get("/sida/sip-rutin").status_code == 200
    moved = anon.get("/sida/sip")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/sida/sip-rutin")


# --- 3. who approves -----------------------------------------------------------------------------

def test_a_faststallare_cannot_take_over_a_never_approved_routine(app, client):
    """If fastställare Bertil edits a new routine's draft to name himself, may he approve it? (No: Anna,
    named when the editor submitted it, still decides.)"""
    with app.app_context():
        account("anna", Role.APPROVER)
        account("bertil", Role.APPROVER)
        routine("Ny rutin", approved=False, slug="ny-rutin", approver="anna", author="redaktor")
    bertil = login(app, "bertil", "fastställare")
    resp = bertil.post("/sida/ny-rutin/redigera", data=edit_form(bertil, "ny-rutin", **{"routine-approver": "bertil"}))
    assert resp.status_code == 302
    with app.app_context():
        page = pages.get("ny-rutin")
        assert governance.named_approver(page).username == "anna"
        number = page.revision_number
        assert [p.slug for p in governance.drafts_awaiting(pages_user("anna"))] == ["ny-rutin"]
        assert governance.drafts_awaiting(pages_user("bertil")) == []
    assert bertil.post("/sida/ny-rutin/faststall", data={"revision": str(number), "comment": "Min nu"}
                       ).status_code == 403
    anna = login(app, "anna", "fastställare")
    assert anna.post("/sida/ny-rutin/faststall", data={"revision": str(number), "comment": "OK"}).status_code == 302


def pages_user(name: str):
    """A user by name (inside an app context)."""
    from kb.services import users

    return users.get(name)


def test_nobody_approves_their_own_change(app, sip):
    """May the named approver approve a draft they edited themselves? (No: another fastställare or an
    administrator does.) May an administrator approve their own edit? (No.)"""
    with app.app_context():
        account("anna", Role.APPROVER)
        account("bertil", Role.APPROVER)
        account("chef", Role.ADMIN)
        page = pages.get("sip")
        pages.update_page(page, pages.PageData(title=page.title, type="routine", source="Annas text.\n",
                                               fields={**page.fields, "approver": "anna"}),
                          base_revision=page.revision_number, author="redaktor", check=False)
        governance.approve(page, actor="godkannare", comment="Anna fastställer härefter")
        pages.update_page(page, pages.PageData(title=page.title, type="routine", source="Annas ändring.\n",
                                               fields=dict(page.published.fields)),
                          base_revision=page.revision_number, author="anna", check=False)
        assert governance.named_approver(page).username == "anna"
        with pytest.raises(ValidationError):
            governance.approve(page, actor="anna", comment="Min egen")
        assert governance.drafts_awaiting(pages_user("anna")) == []
        assert [p.slug for p in governance.drafts_awaiting(pages_user("bertil"))] == ["sip"]
        pages.update_page(page, pages.PageData(title=page.title, type="routine", source="Chefens ändring.\n",
                                               fields=dict(page.published.fields)),
                          base_revision=page.revision_number, author="chef", check=False)
        with pytest.raises(ValidationError):
            governance.approve(page, actor="chef", comment="Min egen")
        governance.approve(page, actor="bertil", comment="Granskad av Bertil")
        assert page.published.approved_by == "bertil"


# --- the approval paths for each role -------------------------------------------------------------

@pytest.mark.parametrize("role", list(ROLES))
def test_approval_paths_for_each_role(app, sip, role):
    """For each role: are attachment uploads, deletions, a type change and an address change refused
    without the right, and drafts (readers unchanged) with it; and may only a fastställare or
    administrator who did not write the change approve it?"""
    client = app.test_client() if role == "anonym" else login(app, f"u{RANK[role]}", ROLES[role])
    anon = app.test_client()
    may_edit = RANK[role] >= RANK["redaktör"]
    steps = [upload(client, "/sida/sip/bilagor/Rutin.pdf/versioner", NEW_PDF),
             upload(client, "/sida/sip/bilagor", files.pdf("Ny fil."), name="Ny.pdf"),
             client.post("/sida/sip/bilagor/Rutin.pdf/ta-bort", data={}),
             client.post("/sida/sip/redigera", data=edit_form(app.test_client(), "sip", type="article",
                                                             slug="annan-adress"))]
    for resp in steps:
        if may_edit:
            assert resp.status_code == 302 and "/logga-in" not in resp.headers["Location"], role
        elif role == "anonym":
            assert resp.status_code == 302 and "/logga-in" in resp.headers["Location"]
        else:
            assert resp.status_code == 403
    # Readers see exactly what was approved, whatever happened.
    html = anon.get("/sida/sip").get_data(as_text=True)
    assert "fem dagar" in html and "Ny.pdf" not in html and "Rutin.pdf" in html
    assert anon.get("/sida/sip/bilagor/Rutin.pdf").data == OLD_PDF
    assert anon.get("/sida/annan-adress").status_code == 404
    with app.app_context():
        page = pages.get("sip")
        assert page.type == "routine" and page.slug == "sip"
        number = page.revision_number
    resp = client.post("/sida/sip/faststall", data={"revision": str(number), "comment": "OK"})
    if not may_edit:
        assert resp.status_code in (302, 403) and (role != "anonym" or "/logga-in" in resp.headers["Location"])
        return
    # The change is this user's own: nobody approves their own change, whatever the role.
    assert resp.status_code == 403
    assert login(app, "godkannare", "fastställare").post(
        "/sida/sip/faststall", data={"revision": str(number), "comment": "OK"}).status_code == 302
    assert anon.get("/sida/annan-adress").status_code == 200
    assert anon.get("/sida/annan-adress/bilagor/Rutin.pdf").status_code == 404  # its deletion was approved


# --- 11. titles of pages readers may not see -------------------------------------------------------

def test_activity_history_and_plan_exports_hide_a_never_approved_routine(app, client, anon):
    """Does a reader see neither the title nor the address of a never-approved routine that an activity
    links to, in the activity's history or the plan's CSV and XLSX, while an editor sees both?"""
    from factories import make_page

    from kb.services import plans

    with app.app_context():
        make_page("NOSAM Lerum", type="structure")
        routine("Hemlig avvikelserutin", approved=False, slug="hemlig-avvikelserutin")
        plan = plans.create_plan(plans.PlanData("NOSAM Lerums plan 2026", "nosam-lerum", "2026"), author="anna")
        activity = plans.create_activity(plan, plans.ActivityData(
            goal="Färre avvikelser", what="Ny rutin", status="Pågår", pages=["hemlig-avvikelserutin"]),
            author="anna")
        activity_id, plan_slug = activity.id, plan.slug
    for path in (f"/aktiviteter/{activity_id}", f"/planer/{plan_slug}/export.csv"):
        text = anon.get(path).get_data(as_text=True)
        assert "Hemlig avvikelserutin" not in text and "hemlig-avvikelserutin" not in text, path
    assert "(en sida som inte är fastställd)" in anon.get(f"/aktiviteter/{activity_id}").get_data(as_text=True)
    xlsx = anon.get(f"/planer/{plan_slug}/export.xlsx").data
    with app.app_context():
        from kb.services.plans import table as plan_table

        cells = [str(c) for _, row in plan_table.read_table("plan.xlsx", xlsx).rows for c in row.values()]
    assert not any("hemlig" in c for c in cells)
    assert "Hemlig avvikelserutin" in client.get(f"/aktiviteter/{activity_id}").get_data(as_text=True)
    assert "hemlig-avvikelserutin" in client.get(f"/planer/{plan_slug}/export.csv").get_data(as_text=True)


def test_kb_export_writes_the_approved_attachments_only(app, sip, client, tmp_path):
    """Does `kb export` leave out an attachment version and a new attachment that wait for approval, so
    that an import elsewhere cannot publish what no approver approved?"""
    from kb.services import transfer

    upload(client, "/sida/sip/bilagor/Rutin.pdf/versioner", NEW_PDF)
    upload(client, "/sida/sip/bilagor", files.pdf("Ej fastställd."), name="Ny.pdf")
    with app.app_context():
        transfer.export_folder(tmp_path / "ut")
    folder = tmp_path / "ut" / "attachments"
    assert (folder / "sip" / "Rutin.pdf").read_bytes() == OLD_PDF
    assert not (folder / "sip" / "Ny.pdf").exists()
    assert "Ny.pdf" not in (folder / "bilagor.json").read_text(encoding="utf-8")
    assert not (folder / "sip" / "_versioner").exists()
