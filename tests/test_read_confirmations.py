"""Read confirmations ("Jag har läst och förstått"), required reading and the reports of who has read."""
from __future__ import annotations

import io
from datetime import date

import pytest
from factories import PASSWORD, login, make_user
from governance_helpers import account, edit, routine
from openpyxl import load_workbook

from kb.constants import Role
from kb.extensions import db
from kb.models import Notification
from kb.services import confirmations, governance, organisations, pages, reminders, users


@pytest.fixture
def world(app):
    """A routine approved in version 1 that applies to Lerums kommun, an approver and three readers."""
    with app.app_context():
        organisations.ensure_defaults()
        account("godkannare", Role.APPROVER)
        account("redaktor", Role.EDITOR)
        for name, org in (("anna", "lerums-kommun"), ("bo", "lerums-kommun"), ("cia", "alingsas-kommun")):
            users.create(name, PASSWORD, Role.READER)
            users.set_organisation(name, org, commit=True)
        page = routine("Rutin för SIP", "Så här gör vi.\n", slug="sip-rutin",
                       applies_to=["lerums-kommun", "alingsas-kommun"])
        assert page.published.number == 1
    return app


def approve_new_version(app, source: str, comment: str) -> None:
    with app.app_context():
        page = pages.get("sip-rutin")
        edit(page, source)
        governance.approve(page, actor="godkannare", comment=comment)


def test_a_reader_confirms_the_version_in_force(world):
    """Does "Jag har läst och förstått" record the user and the approved version, once?"""
    anna = login(world, "anna", "läsare")
    html = anna.get("/sida/sip-rutin").get_data(as_text=True)
    assert "Jag har läst och förstått" in html and "(version 1)" in html
    resp = anna.post("/sida/sip-rutin/bekrafta", data={"revision": "1"}, follow_redirects=True)
    text = resp.get_data(as_text=True)
    assert "Du har bekräftat att du har läst och förstått version 1" in text
    assert "Du bekräftade version 1" in text and "Jag har läst och förstått</button>" not in text
    anna.post("/sida/sip-rutin/bekrafta", data={"revision": "1"})
    with world.app_context():
        page = pages.get("sip-rutin")
        assert confirmations.confirmed_number(users.get("anna").id, page.id) == 1
        assert len(confirmations.page_report(page).rows) == 1


def test_anonymous_visitors_see_no_confirmation_and_cannot_post_one(world):
    """Is the button only for logged-in users?"""
    anon = world.test_client()
    assert "Jag har läst och förstått" not in anon.get("/sida/sip-rutin").get_data(as_text=True)
    assert anon.post("/sida/sip-rutin/bekrafta", data={"revision": "1"}).status_code in (302, 400, 401)
    with world.app_context():
        assert confirmations.page_report(pages.get("sip-rutin")).rows == []


def test_a_new_version_with_a_change_comment_asks_again_with_the_diff(world):
    """After a new approved version, does the reader see "Du bekräftade version N – läs vad som ändrats"
    with what changed, and can confirm again?"""
    anna = login(world, "anna", "läsare")
    anna.post("/sida/sip-rutin/bekrafta", data={"revision": "1"})
    approve_new_version(world, "Så här gör vi nu.\nRing först.\n", "Nytt första steg: ring först.")
    html = anna.get("/sida/sip-rutin").get_data(as_text=True)
    assert "Du bekräftade version 1 – läs vad som ändrats." in html
    assert "Nytt första steg: ring först." in html and "Ring först." in html
    # Confirming what one did not see is refused: a newer version came meanwhile.
    resp = anna.post("/sida/sip-rutin/bekrafta", data={"revision": "1"}, follow_redirects=True)
    assert "Sidan har ändrats medan du läste: version 2 gäller nu" in resp.get_data(as_text=True)
    anna.post("/sida/sip-rutin/bekrafta", data={"revision": "2"})
    assert "Du bekräftade version 2" in anna.get("/sida/sip-rutin").get_data(as_text=True)


def test_a_review_without_change_does_not_ask_again(world):
    """Does "Granskad utan ändring" leave a confirmation current?"""
    anna = login(world, "anna", "läsare")
    anna.post("/sida/sip-rutin/bekrafta", data={"revision": "1"})
    with world.app_context():
        page = pages.get("sip-rutin")
        account("chefen", Role.ADMIN)
        governance.record_review(page, actor="chefen", comment="Inget att ändra", on=date(2026, 12, 1))
    html = anna.get("/sida/sip-rutin").get_data(as_text=True)
    assert "läs vad som ändrats" not in html and "Du bekräftade version 1" in html


def test_required_reading_for_an_organisation_reaches_my_page_and_the_digest(world):
    """Marked as required reading for Lerums kommun: do Anna and Bo (not Cia) find it on Min sida and
    get one reminder per version, which stops when they have confirmed?"""
    approver = login(world, "godkannare", "fastställare")
    form = approver.get("/sida/sip-rutin/lasning").get_data(as_text=True)
    assert "Lerums kommun" in form and "Alingsås kommun" in form
    resp = approver.post("/sida/sip-rutin/lasning", data={"organisations": ["lerums-kommun"]}, follow_redirects=True)
    assert "Obligatorisk läsning är sparad." in resp.get_data(as_text=True)
    anna, cia = login(world, "anna", "läsare"), login(world, "cia", "läsare")
    assert "Rutin för SIP" in anna.get("/min-sida").get_data(as_text=True).split("Att läsa och bekräfta")[1][:600]
    assert "Du har inget att läsa och bekräfta." in cia.get("/min-sida").get_data(as_text=True)
    with world.app_context():
        assert reminders.create_reminders(date(2026, 12, 7)) == 2
        assert reminders.create_reminders(date(2026, 12, 8)) == 0
        texts = {n.text for n in db.session.query(Notification)}
        assert texts == {"Att läsa och bekräfta: ”Rutin för SIP” (version 1)."}
    anna.post("/sida/sip-rutin/bekrafta", data={"revision": "1"})
    assert "Du har inget att läsa och bekräfta." in anna.get("/min-sida").get_data(as_text=True)
    approve_new_version(world, "Ny text.\n", "Ny kontaktväg.")
    assert "du bekräftade version 1" in anna.get("/min-sida").get_data(as_text=True)


def test_required_reading_for_an_area_means_its_members(world):
    """Are the members of an area (a role there) the ones who must read?"""
    with world.app_context():
        make_user("dan", "läsare", areas={"samla": "medlem"})
        page = pages.get("sip-rutin")
        confirmations.set_requirement(page, organisation_keys=[], area_keys=["samla"], actor="godkannare",
                                      allowed_areas=[page.area])
        assert [u.username for u in confirmations.audience(page)] == ["dan"]
        assert [t.page.slug for t in confirmations.to_read(users.get("dan"))] == ["sip-rutin"]
        with pytest.raises(confirmations.ValidationError):
            confirmations.set_requirement(page, organisation_keys=["finns-inte"], area_keys=[], actor="x",
                                          allowed_areas=[])


def test_the_report_shows_current_older_and_none_filterable_and_downloadable(world):
    """Does the routine's report count who confirmed the current version, an older one, or nothing,
    per organisation, and download as CSV and Excel?"""
    with world.app_context():
        page = pages.get("sip-rutin")
        confirmations.set_requirement(page, organisation_keys=["lerums-kommun", "alingsas-kommun"], area_keys=[],
                                      actor="godkannare", allowed_areas=[])
        confirmations.confirm(users.get("anna"), page)
    approve_new_version(world, "Version två.\n", "Ändrat.")
    with world.app_context():
        confirmations.confirm(users.get("bo"), pages.get("sip-rutin"))
    approver = login(world, "godkannare", "fastställare")
    html = approver.get("/sida/sip-rutin/lasning").get_data(as_text=True)
    assert "<strong>1</strong> har bekräftat gällande version" in html
    assert "<strong>1</strong> har bekräftat en äldre version" in html
    assert "<strong>1</strong> har inte bekräftat" in html
    only_lerum = approver.get("/sida/sip-rutin/lasning?organisation=lerums-kommun").get_data(as_text=True)
    assert "<strong>0</strong> har inte bekräftat" in only_lerum
    csv_text = approver.get("/sida/sip-rutin/lasning.csv").data.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "Namn;Användarnamn;Organisation;Ska läsa;Läget;Bekräftad version;Bekräftad"
    assert "cia;Alingsås kommun;ja;Har inte bekräftat;;" in csv_text
    assert "anna;Lerums kommun;ja;Har bekräftat en äldre version;1;" in csv_text
    book = load_workbook(io.BytesIO(approver.get("/sida/sip-rutin/lasning.xlsx?organisation=lerums-kommun").data))
    rows = list(book.active.values)
    assert rows[0][0] == "Namn" and {r[1] for r in rows[1:]} == {"anna", "bo"}


def test_only_editors_approvers_and_admins_see_reports_a_reader_only_their_own(world):
    """Is the report closed to readers, and does a reader's own page show only their own confirmations?"""
    anna = login(world, "anna", "läsare")
    anna.post("/sida/sip-rutin/bekrafta", data={"revision": "1"})
    assert anna.get("/sida/sip-rutin/lasning").status_code == 403
    assert anna.get("/sida/sip-rutin/lasning.csv").status_code == 403
    assert anna.get("/anvandare/bo/lasning").status_code == 403
    assert anna.get("/omrade/samla/lasning").status_code == 403
    assert "Vem har läst?" not in anna.get("/sida/sip-rutin").get_data(as_text=True)
    mine = anna.get("/min-sida/lasning").get_data(as_text=True)
    assert "Rutin för SIP" in mine and "Gällande version" in mine
    editor = login(world, "redaktor", "redaktör")
    assert "Vem har läst?" in editor.get("/sida/sip-rutin").get_data(as_text=True)
    assert "Rutin för SIP" in editor.get("/anvandare/anna/lasning").get_data(as_text=True)
    admin = login(world, "chef", "administratör")
    assert admin.get("/sida/sip-rutin/lasning").status_code == 200


def test_area_report_gives_confirmation_rates(world):
    """Does the area's report show how many of those who must read confirmed?"""
    with world.app_context():
        page = pages.get("sip-rutin")
        confirmations.set_requirement(page, organisation_keys=["lerums-kommun"], area_keys=[], actor="godkannare",
                                      allowed_areas=[])
        confirmations.confirm(users.get("anna"), page)
        key = page.area.key
    html = login(world, "redaktor", "redaktör").get(f"/omrade/{key}/lasning").get_data(as_text=True)
    assert "Rutin för SIP" in html and "<td>2</td>" in html and "<td>1</td>" in html and "50 %" in html


def test_administrator_sets_a_users_organisation(world):
    """Can an administrator set the organisation on the user list, and is an unknown one refused?"""
    admin = login(world, "chef", "administratör")
    resp = admin.post("/admin/anvandare/cia/organisation", data={"organisation": "lerums-kommun"},
                      follow_redirects=True)
    assert "cia hör nu till Lerums kommun." in resp.get_data(as_text=True)
    resp = admin.post("/admin/anvandare/cia/organisation", data={"organisation": "okand"}, follow_redirects=True)
    assert "Det finns ingen organisation ”okand”." in resp.get_data(as_text=True)
    with world.app_context():
        assert users.get("cia").organisation_key == "lerums-kommun"


def test_organisation_from_sign_in_is_matched_by_name_and_unknown_ones_are_ignored(world):
    """An identity provider names the organisation: is it matched by name, and an unknown one left as is?"""
    with world.app_context():
        user = users.get("cia")
        users.set_organisation(user, "Lerums kommun", source="OpenID Connect (test)", commit=True)
        assert user.organisation_key == "lerums-kommun"
        users.set_organisation(user, "Enhet X", source="OpenID Connect (test)", commit=True)
        assert user.organisation_key == "lerums-kommun"
