"""Approval before publication: drafts readers never see, approving, sending back, and who may."""
from __future__ import annotations

import pytest
from factories import login
from governance_helpers import account, edit, routine

from kb import index
from kb.constants import ChangeOp, Role
from kb.exceptions import ConflictError, ValidationError
from kb.extensions import db
from kb.models import AuditEvent, Change
from kb.services import governance, pages

DRAFT_WORDS = "Nattpatrullen ringer jourhavande sjuksköterska."


@pytest.fixture
def sip(app):
    """An approved routine with a draft waiting for approval; its slug."""
    with app.app_context():
        page = routine("Rutin för SIP", "Kalla till SIP inom fem dagar.\n", slug="sip")
        edit(page, "Kalla till SIP inom tre dagar.\n\n" + DRAFT_WORDS + "\n")
    return "sip"


def test_an_editors_save_is_a_draft_that_readers_do_not_see(app, sip, anon):
    """Does an edit of a routine leave readers (anonymous and logged in) with the approved text?"""
    reader = login(app, "lasaren", "läsare")
    for client in (anon, reader):
        html = client.get("/sida/sip").get_data(as_text=True)
        assert "inom fem dagar" in html and "tre dagar" not in html and "Nattpatrullen" not in html
        assert "Fastställd" in html and "Förändringar sedan föregående version" in html
    assert anon.get("/sida/sip/version/2").status_code == 404
    assert "Nattpatrullen" not in anon.get("/sida/sip/historik").get_data(as_text=True)
    api = anon.get("/api/pages/sip").get_json()
    assert "fem dagar" in api["html"] and api["revision"] == 1 and api["approval"]["state"] == "approved"
    with app.app_context():
        assert index.search("nattpatrullen").total == 0


def test_editors_see_a_banner_and_the_diff_between_approved_and_draft(app, sip, client):
    """Does an editor see that a draft waits, and what it changes compared with the approved text?"""
    html = client.get("/sida/sip").get_data(as_text=True)
    assert "Ett utkast väntar på fastställelse" in html
    assert "<del>fem</del>" in html and "<ins>tre</ins>" in html and "Nattpatrullen" in html
    assert "Fastställ eller skicka tillbaka" not in html  # an editor may not approve
    form = client.get("/sida/sip/redigera").get_data(as_text=True)
    assert "inom tre dagar" in form  # editing continues from the draft


def test_approving_publishes_the_draft_with_its_change_summary(app, sip, anon):
    """Does a fastställare's approval show the draft to readers with who, when and what changed?"""
    approver = login(app, "godkannare", "fastställare")
    resp = approver.post("/sida/sip/faststall", data={"revision": "2", "comment": "Kortare svarstid."})
    assert resp.status_code == 302
    html = anon.get("/sida/sip").get_data(as_text=True)
    assert "inom tre dagar" in html and "Kortare svarstid." in html and "Fastställd" in html
    assert "godkannare" in html
    with app.app_context():
        page = pages.get("sip")
        assert page.published.number == 2 and page.published.approved_by == "godkannare"
        assert pages.pending_draft(page) is None
        assert index.search("nattpatrullen").total == 1
        ops = [c.op for c in db.session.scalars(db.select(Change).where(Change.entity_id == page.id))]
        assert ChangeOp.DRAFT.value in ops and ChangeOp.APPROVE.value in ops
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "page.approved"))
        assert event.actor == "godkannare" and "Kortare svarstid." in event.detail
    history = anon.get("/sida/sip/historik").get_data(as_text=True)
    assert "Fastställd" in history and "Kortare svarstid." in history


@pytest.mark.parametrize("comment,message", [("", "Skriv förändringar"),
                                             ("Gäller 19121212-1212", "personnummer")])
def test_an_approval_needs_a_clean_comment_and_changes_nothing_without_one(app, sip, comment, message):
    """Is an approval without a comment, or with a personnummer in it, refused with the text kept?"""
    approver = login(app, "godkannare", "fastställare")
    resp = approver.post("/sida/sip/faststall", data={"revision": "2", "comment": comment})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and message in html and comment in html
    with app.app_context():
        assert pages.get("sip").published.number == 1 and pages.pending_draft(pages.get("sip")) is not None


def test_sending_back_keeps_the_approved_text_and_tells_the_editors_why(app, sip, anon, client):
    """Does a draft sent back stay unpublished, with the reason shown to editors and logged?"""
    approver = login(app, "godkannare", "fastställare")
    assert approver.post("/sida/sip/skicka-tillbaka", data={"revision": "2", "reason": ""}).status_code == 422
    resp = approver.post("/sida/sip/skicka-tillbaka",
                         data={"revision": "2", "reason": "Tre dagar räcker inte."})
    assert resp.status_code == 302
    assert "fem dagar" in anon.get("/sida/sip").get_data(as_text=True)
    html = client.get("/sida/sip").get_data(as_text=True)
    assert "skickades tillbaka" in html and "Tre dagar räcker inte." in html
    with app.app_context():
        page = pages.get("sip")
        assert page.current.state == "returned" and governance.drafts_awaiting(users_get("godkannare")) == []
        returned = db.select(AuditEvent).where(AuditEvent.action == "page.returned")
        assert db.session.scalar(returned) is not None
        assert ChangeOp.RETURN.value in [c.op for c in db.session.scalars(db.select(Change))]
    assert "Skickad tillbaka" in client.get("/sida/sip/historik").get_data(as_text=True)


def users_get(name):
    """A user by name (inside an app context)."""
    from kb.services import users

    return users.get(name)


def test_an_approval_of_a_draft_that_changed_meanwhile_is_refused(app, sip):
    """If a new draft was saved after the approver read the old one, is the approval refused?"""
    with app.app_context():
        edit(pages.get("sip"), "En tredje text.\n")
        with pytest.raises(ConflictError):
            governance.approve(pages.get("sip"), actor="godkannare", comment="OK", revision=2)
    approver = login(app, "godkannare", "fastställare")
    resp = approver.post("/sida/sip/faststall", data={"revision": "2", "comment": "OK"},
                         follow_redirects=True)
    assert "har ändrats sedan du läste det" in resp.get_data(as_text=True)
    with app.app_context():
        assert pages.get("sip").published.number == 1


def test_a_routine_never_approved_is_invisible_to_readers(app, client, anon):
    """Is a new routine a draft that readers cannot open, list or find, while editors see it marked?"""
    resp = client.post("/ny", data={"title": "Hemlig rutin", "type": "routine", "source": DRAFT_WORDS,
                                    "save": "Spara"}, follow_redirects=True)
    assert "skapades som utkast" in resp.get_data(as_text=True)
    assert "Ej fastställd" in client.get("/sida/hemlig-rutin").get_data(as_text=True)
    reader = login(app, "lasaren", "läsare")
    for c in (anon, reader):
        for path in ("/sida/hemlig-rutin", "/sida/hemlig-rutin/historik", "/api/pages/hemlig-rutin",
                     "/sida/hemlig-rutin/version/1", "/sida/hemlig-rutin/jamfor"):
            assert c.get(path).status_code == 404, path
        for path in ("/", "/sidor", "/andringar", "/sok?q=nattpatrullen", "/sok?q=nattpatrullen&utkast=1"):
            assert "Hemlig rutin" not in c.get(path).get_data(as_text=True), path
        assert c.get("/api/search?q=nattpatrullen&drafts=1").get_json()["total"] == 0
    assert "Hemlig rutin" in client.get("/sidor").get_data(as_text=True)


def test_editors_can_search_drafts_and_readers_cannot(app, sip, client, anon):
    """Does utkast=1 add draft text for editors only, showing the page once, marked as a draft?"""
    assert "Nattpatrullen" not in client.get("/sok?q=nattpatrullen").get_data(as_text=True)
    html = client.get("/sok?q=nattpatrullen&utkast=1").get_data(as_text=True)
    assert "Utkast, ej fastställt" in html and html.count('href="/sida/sip"') == 1
    assert 'name="utkast"' in html and 'name="utkast"' not in anon.get("/sok?q=sip").get_data(as_text=True)
    assert client.get("/api/search?q=nattpatrullen&drafts=1").get_json()["results"][0]["kind"] == "draft"
    assert anon.get("/api/search?q=nattpatrullen&drafts=1").get_json()["total"] == 0


def test_readers_compare_approved_versions_skipping_drafts(app, sip, anon):
    """With a returned draft between two approved versions, do readers compare the approved ones only?"""
    with app.app_context():
        account("godkannare", Role.APPROVER)
        governance.send_back(pages.get("sip"), actor="godkannare", reason="Nej")
        edit(pages.get("sip"), "Kalla till SIP inom fyra dagar.\n")
        governance.approve(pages.get("sip"), actor="godkannare", comment="Fyra dagar")
    history = anon.get("/sida/sip/historik").get_data(as_text=True)
    assert "jamfor?fran=1&amp;till=3" in history and "Nattpatrullen" not in history
    diff = anon.get("/sida/sip/jamfor?fran=2&till=3").get_data(as_text=True)  # 2 is a draft: 1 is shown
    assert "Skillnader mellan version 1 och 3" in diff and "Nattpatrullen" not in diff


def test_changing_the_type_does_not_escape_approval(app, sip):
    """Is an edit that turns an approved routine into an article still a draft?"""
    with app.app_context():
        rev = edit(pages.get("sip"), "Nu en artikel.\n", type="article", fields={})
        assert rev.state == "draft" and pages.get("sip").type == "routine"


def test_pages_of_other_types_are_published_at_once(app, client, anon):
    """Does an article appear to readers as soon as it is saved (no approval for its type)?"""
    client.post("/ny", data={"title": "Nyhet", "type": "article", "source": "Publicerad direkt.",
                             "save": "Spara"})
    assert "Publicerad direkt." in anon.get("/sida/nyhet").get_data(as_text=True)


def test_approval_types_are_configurable(tmp_path, monkeypatch):
    """With KB_APPROVAL_TYPES=none, are routines published at once; with article, articles need approval?"""
    from factories import make_app

    from kb.config import env_overrides

    assert env_overrides({"KB_APPROVAL_TYPES": "none"})["APPROVAL_TYPES"] == []
    both = env_overrides({"KB_APPROVAL_TYPES": "routine, article"})
    assert both["APPROVAL_TYPES"] == ["routine", "article"]
    app = make_app(tmp_path / "i", APPROVAL_TYPES=["article"])
    with app.app_context():
        assert routine("Direkt", approved=False).is_published
        art = pages.create_page(pages.PageData(title="Artikel", type="article", source="x\n"))
        assert not art.is_published


def test_delete_and_restore_keep_the_approval(app, sip):
    """Does a deleted and restored routine come back approved, with its draft left in the history?"""
    with app.app_context():
        page = pages.get("sip")
        pages.delete_page(page, author="redaktor")
        pages.restore_page(page, author="admin")
        page = pages.get("sip")
        assert page.is_published and page.published.approved_by == "godkannare"
        assert "fem dagar" in page.html and pages.pending_draft(page) is None


def test_reverting_an_approved_routine_makes_a_draft(app, sip):
    """Is a revert of a routine a draft too (readers keep the approved text)?"""
    with app.app_context():
        account("godkannare", Role.APPROVER)
        governance.approve(pages.get("sip"), actor="godkannare", comment="Ny text")
        rev = pages.revert_page(pages.get("sip"), 1, author="redaktor")
        assert rev.state == "draft" and "tre dagar" in pages.get("sip").html


# --- who may approve ----------------------------------------------------------------------------

def test_a_named_approver_alone_may_approve_besides_administrators(app):
    """With an approver named on the routine, may only that fastställare (and admins) approve?"""
    with app.app_context():
        account("anna", Role.APPROVER)
        account("bertil", Role.APPROVER)
        page = routine("Namngiven", approver="anna", slug="namngiven")
        edit(page, "Ändrad.\n")
    assert login(app, "bertil", "fastställare").post(
        "/sida/namngiven/faststall", data={"revision": "2", "comment": "x"}).status_code == 403
    with app.app_context():
        assert [p.slug for p in governance.drafts_awaiting(users_get("anna"))] == ["namngiven"]
        assert governance.drafts_awaiting(users_get("bertil")) == []
    assert login(app, "anna", "fastställare").post(
        "/sida/namngiven/faststall", data={"revision": "2", "comment": "OK"}).status_code == 302


def test_without_a_named_approver_every_faststallare_may(app, sip):
    """Without an approver on the routine, does any fastställare see and approve the draft?"""
    with app.app_context():
        account("bertil", Role.APPROVER)
        account("ed", Role.EDITOR)
        assert [p.slug for p in governance.drafts_awaiting(users_get("bertil"))] == ["sip"]
        assert governance.drafts_awaiting(users_get("ed")) == []
    assert login(app, "bertil", "fastställare").post(
        "/sida/sip/faststall", data={"revision": "2", "comment": "OK"}).status_code == 302


def test_service_refuses_when_there_is_no_draft(app):
    """Is approving a routine without a pending draft refused with a Swedish message?"""
    with app.app_context():
        page = routine("Klar")
        with pytest.raises(ValidationError) as exc:
            governance.approve(page, actor="x", comment="y")
        assert "inget utkast" in exc.value.errors["page"]


ROLES = {"anonym": None, "läsare": "läsare", "redaktör": "redaktör", "fastställare": "fastställare",
         "administratör": "administratör"}
# (method, path, lowest role that may): every governance endpoint.
ROUTES = [
    ("POST", "/sida/sip/faststall", "fastställare"),
    ("POST", "/sida/sip/skicka-tillbaka", "fastställare"),
    # No approver is named on this routine and nobody watches an owner: only administrators may review.
    ("POST", "/sida/sip/granskad", "administratör"),
    ("GET", "/sida/sip/rapportera", "läsare"),
    ("POST", "/sida/sip/rapportera", "läsare"),
    ("POST", "/felrapport/1/atgarda", "redaktör"),
    ("GET", "/granskning", "redaktör"),
    ("GET", "/admin/organisationer", "administratör"),
    ("POST", "/admin/organisationer", "administratör"),
    ("POST", "/admin/organisationer/narhalsan/namn", "administratör"),
    ("POST", "/admin/organisationer/narhalsan/avveckla", "administratör"),
]
RANK = {"anonym": 0, "läsare": 1, "redaktör": 2, "fastställare": 3, "administratör": 4}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("method,path,needs", ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_governance_permission_matrix(app, sip, role, method, path, needs):
    """Is each governance route allowed only for roles with the right, else 403 or the login page?"""
    with app.app_context():
        governance.flag_page(pages.get("sip"), actor="lasaren", note="Fel telefonnummer.")
    client = app.test_client() if role == "anonym" else login(app, f"u{RANK[role]}", ROLES[role])
    data = {"revision": "2", "comment": "Klart.", "reason": "Saknar källa.", "note": "Inaktuellt.",
            "name": "Ny organisation AB"}
    resp = client.get(path) if method == "GET" else client.post(path, data=data)
    if RANK[role] >= RANK[needs]:
        assert resp.status_code in (200, 302), (role, path, resp.status_code)
        if resp.status_code == 302:
            assert "/logga-in" not in resp.headers["Location"]
    elif role == "anonym":
        assert resp.status_code == 302 and "/logga-in" in resp.headers["Location"]
    else:
        assert resp.status_code == 403 and "Åtkomst nekad" in resp.get_data(as_text=True)
