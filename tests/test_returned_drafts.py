"""Returned drafts: the author hears why, Min sida and Granskning list them until they are edited or
withdrawn, and a brand-new routine is approved without a "changes since the previous version" text."""
from __future__ import annotations

from factories import login
from governance_helpers import account, edit, routine

from kb.constants import Role
from kb.extensions import db
from kb.models import Notification
from kb.services import governance, notifications, pages, users

REASON = "Telefontiderna stämmer inte med mottagningens."


def returned_routine(app) -> None:
    """An approved routine "sip" whose draft by redaktor was sent back by godkannare."""
    with app.app_context():
        account("godkannare", Role.APPROVER)
        page = routine("Rutin för SIP", "Kalla inom fem dagar.\n", slug="sip")
        edit(page, "Kalla inom tre dagar.\n", author="redaktor")
        governance.send_back(page, actor="godkannare", reason=REASON)


def test_the_author_of_a_returned_draft_is_notified_with_the_reason(app, client):
    """Does the editor whose draft was sent back get a notification with the reason, without watching
    the page, while the approver who sent it back does not?"""
    returned_routine(app)
    with app.app_context():
        notifications.notify_changes()
        [note] = db.session.scalars(db.select(Notification).where(
            Notification.user_id == users.get("redaktor").id)).all()
        assert "skickats tillbaka" in note.text and REASON in note.text and note.link == "/sida/sip"
        assert db.session.scalars(db.select(Notification).where(
            Notification.user_id == users.get("godkannare").id)).all() == []
    html = client.get("/min-sida").get_data(as_text=True)
    assert REASON in html


def test_min_sida_and_granskning_list_returned_drafts_until_edited(app, client):
    """Do Min sida ("Utkast som skickats tillbaka") and /granskning list the returned draft with its
    reason, and does it leave both lists once the author saves a new draft?"""
    returned_routine(app)
    mine = client.get("/min-sida").get_data(as_text=True)
    assert "Utkast som skickats tillbaka" in mine
    section = mine.split('id="tillbakaskickade"', 1)[1].split("</section>", 1)[0]
    assert "Rutin för SIP" in section and REASON in section
    review = client.get("/granskning").get_data(as_text=True).split('id="tillbakaskickade"', 1)[1]
    assert "Rutin för SIP" in review.split("</section>", 1)[0]
    with app.app_context():
        edit(pages.get("sip"), "Kalla inom fyra dagar.\n", author="redaktor")
    section = client.get("/min-sida").get_data(as_text=True).split('id="tillbakaskickade"', 1)[1]
    assert "Rutin för SIP" not in section.split("</section>", 1)[0]
    review = client.get("/granskning").get_data(as_text=True).split('id="tillbakaskickade"', 1)[1]
    assert "Rutin för SIP" not in review.split("</section>", 1)[0]


def test_withdrawing_a_returned_draft_brings_back_the_approved_version(app, client, anon):
    """Can the author withdraw a returned draft, so the page is the approved version again (also in the
    edit form), the draft leaves the lists, and readers never noticed anything?"""
    returned_routine(app)
    page_html = client.get("/sida/sip").get_data(as_text=True)
    assert "Dra tillbaka utkastet" in page_html
    resp = client.post("/sida/sip/dra-tillbaka-utkast", data={})
    assert resp.status_code == 302
    assert "Utkastet drogs tillbaka" in client.get("/sida/sip").get_data(as_text=True)
    assert "fem dagar" in client.get("/sida/sip/redigera").get_data(as_text=True)
    assert "Rutin för SIP" not in client.get("/min-sida").get_data(as_text=True).split(
        'id="tillbakaskickade"', 1)[1].split("</section>", 1)[0]
    assert "fem dagar" in anon.get("/sida/sip").get_data(as_text=True)
    with app.app_context():
        page = pages.get("sip")
        assert page.current.op == "withdraw" and page.published.id == page.current.id
        assert page.published.approved_by == "godkannare" and governance.returned_drafts() == []
    assert client.post("/sida/sip/dra-tillbaka-utkast", data={}).status_code == 302  # nothing to withdraw
    assert login(app, "lasaren", "läsare").post("/sida/sip/dra-tillbaka-utkast", data={}).status_code == 403


def test_a_brand_new_routine_is_approved_without_a_change_summary(app, client):
    """Is a routine's first approval accepted without "Förändringar sedan föregående version", with
    Fastställ as the primary button and Skicka tillbaka as a secondary one?"""
    client.post("/ny", data={"title": "Helt ny rutin", "type": "routine", "source": "Första texten.\n",
                             "save": "Spara"})
    approver = login(app, "godkannare", "fastställare")
    html = approver.get("/sida/helt-ny-rutin").get_data(as_text=True)
    assert "Valfritt för en ny rutin" in html
    approve = html.split('action="/sida/helt-ny-rutin/faststall"', 1)[1].split("</form>", 1)[0]
    back = html.split('action="/sida/helt-ny-rutin/skicka-tillbaka"', 1)[1].split("</form>", 1)[0]
    assert 'class="primary"' in approve and 'class="secondary"' in back
    resp = approver.post("/sida/helt-ny-rutin/faststall", data={"revision": "1", "comment": ""})
    assert resp.status_code == 302
    with app.app_context():
        assert pages.get("helt-ny-rutin").is_published
