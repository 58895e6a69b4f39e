"""Recorded reviews ("Granskad utan ändring"), expired routines, the review list and readers' reports."""
from __future__ import annotations

from datetime import timedelta

from factories import login
from governance_helpers import account, edit, routine

from kb import dates, typed
from kb.constants import ChangeOp, Role
from kb.extensions import db
from kb.models import AuditEvent, Change, Flag
from kb.services import governance, pages, users


def test_a_review_moves_the_validity_forward_and_is_recorded(app, client, anon):
    """Does "Granskad utan ändring" move valid-until one interval on, with who, when and why shown?"""
    today = dates.today()
    with app.app_context():
        account("anna", Role.APPROVER)
        routine("Gammal rutin", slug="gammal", review_interval=12, approver="anna",
                valid_until=(today - timedelta(days=40)).isoformat())
    assert "Giltighetstiden gick ut" in anon.get("/sida/gammal").get_data(as_text=True)
    client = login(app, "anna", "fastställare")
    resp = client.post("/sida/gammal/granskad", data={"comment": "Läst med NOSAM, stämmer."})
    assert resp.status_code == 302
    expected = typed.add_months(today, 12)
    with app.app_context():
        page = pages.get("gammal")
        assert page.fields["valid_until"] == expected.isoformat() and page.revision_number == 1
        [review] = governance.reviews_for(page)
        assert review.reviewed_by == "anna" and review.valid_until == expected
        assert ChangeOp.REVIEW.value in [c.op for c in db.session.scalars(db.select(Change))]
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "page.reviewed"))
        assert "Läst med NOSAM" in event.detail
    html = anon.get("/sida/gammal").get_data(as_text=True)
    assert "Giltighetstiden gick ut" not in html
    assert "Granskad utan ändring" in html and "Läst med NOSAM" in html
    assert "Granskad utan ändring" in anon.get("/sida/gammal/historik").get_data(as_text=True)


def test_reviews_move_the_validity_to_at_most_today_plus_the_interval(app):
    """Do five reviews in a row move valid-until to today + the interval once, never years ahead, and
    never cut short a date that was already later?"""
    today = dates.today()
    with app.app_context():
        account("admin2", Role.ADMIN)
        page = routine("Giltig", valid_until=(today + timedelta(days=10)).isoformat(), review_interval=24)
        for _ in range(5):
            review = governance.record_review(page, actor="admin2")
        assert page.fields["valid_until"] == typed.add_months(today, 24).isoformat()
        assert review.valid_until == typed.add_months(today, 24)
        later = routine("Lång", valid_until="2099-01-31", review_interval=1)
        assert governance.record_review(later, actor="admin2").valid_until.isoformat() == "2099-01-31"


def test_only_the_named_approver_owner_watchers_and_admins_may_review(app):
    """May an editor who neither is the named approver nor watches the owner structure record a review,
    in the view or the service? And may the approver, a watcher of the owner and an administrator?"""
    from kb.constants import WatchKind
    from kb.exceptions import ValidationError
    from kb.services import notifications

    with app.app_context():
        for name, role in (("anna", Role.APPROVER), ("bertil", Role.APPROVER), ("ed", Role.EDITOR),
                           ("vera", Role.EDITOR), ("admin2", Role.ADMIN)):
            account(name, role)
        owner = pages.create_page(pages.PageData(title="NOSAM Lerum", type="structure", source="x\n"))
        notifications.watch(users.get("vera"), WatchKind.STRUCTURE, owner)
        routine("Ägd rutin", slug="agd", approver="anna", owner="nosam-lerum")
    for name, role, allowed in (("bertil", "fastställare", False), ("ed", "redaktör", False),
                                ("anna", "fastställare", True), ("vera", "redaktör", True),
                                ("admin2", "administratör", True)):
        client = login(app, name, role)
        html = client.get("/sida/agd").get_data(as_text=True)
        assert ('action="/sida/agd/granskad"' in html) is allowed, name
        status = client.post("/sida/agd/granskad", data={"comment": ""}).status_code
        assert status == (302 if allowed else 403), name
    with app.app_context():
        import pytest

        with pytest.raises(ValidationError):
            governance.record_review(pages.get("agd"), actor="ed")
        assert sorted(r.reviewed_by for r in governance.reviews_for(pages.get("agd"))) == ["admin2", "anna", "vera"]


def test_only_published_routines_can_be_reviewed(app):
    """Is a review of a page never approved, or of an article, refused?"""
    import pytest

    from kb.exceptions import ValidationError

    with app.app_context():
        draft = routine("Utkast", approved=False)
        article = pages.create_page(pages.PageData(title="Artikel", type="article", source="x\n"))
        for page in (draft, article):
            with pytest.raises(ValidationError):
                governance.record_review(page, actor="redaktor")


def test_the_review_list_puts_expired_routines_first_with_drafts_and_reports(app, client):
    """Does /granskning list expired routines first, with owner and approver, drafts waiting and reports?"""
    today = dates.today()
    with app.app_context():
        account("anna", Role.APPROVER)
        pages.create_page(pages.PageData(title="Samordningsgruppen", type="structure", source="x\n"))
        routine("Bra rutin", owner="samordningsgruppen",
                valid_until=(today + timedelta(days=400)).isoformat())
        routine("Utgången rutin", valid_until=(today - timedelta(days=1)).isoformat(), approver="anna")
        edit(routine("Ändrad rutin", valid_until=(today + timedelta(days=100)).isoformat()), "Nytt utkast.\n")
        governance.flag_page(pages.get("bra-rutin"), actor="lasaren",
                             note="Länken till blanketten är trasig.")
    html = client.get("/granskning").get_data(as_text=True)
    routines = html.split('id="rutiner"', 1)[1]
    assert routines.index("Utgången rutin") < routines.index("Ändrad rutin") < routines.index("Bra rutin")
    assert "Samordningsgruppen" in routines and "anna" in routines and "Gick ut" in routines
    assert "utkast väntar" in routines
    drafts = html.split('id="utkast"', 1)[1].split('id="rutiner"', 1)[0]
    assert "Ändrad rutin" in drafts and "Utgången rutin" not in drafts
    assert "Länken till blanketten är trasig." in html.split('id="felrapporter"', 1)[1]


def test_a_reader_reports_an_error_and_an_editor_resolves_it(app, anon, client):
    """Can a logged-in reader flag a page, editors see and resolve it with a comment, all logged?"""
    with app.app_context():
        routine("EVI", "Ring 031-123 45 67.\n", slug="evi")
    reader = login(app, "lasaren", "läsare")
    page_html = reader.get("/sida/evi").get_data(as_text=True)
    assert "Rapportera fel" in page_html and "Felrapporter från läsare" not in page_html
    assert "Rapportera fel" not in anon.get("/sida/evi").get_data(as_text=True)
    assert anon.post("/sida/evi/rapportera", data={"note": "x"}).status_code == 302  # to the login page
    resp = reader.post("/sida/evi/rapportera", data={"note": "Telefonnumret har bytts."})
    assert resp.status_code == 302
    assert "Telefonnumret har bytts." not in reader.get("/sida/evi").get_data(as_text=True)
    html = client.get("/sida/evi").get_data(as_text=True)
    assert "Felrapporter från läsare (1)" in html and "Telefonnumret har bytts." in html
    with app.app_context():
        flag = db.session.scalar(db.select(Flag))
        assert flag.created_by == "lasaren" and flag.revision_number == 1 and not flag.resolved
        assert [f.id for f in governance.open_flags(users.get("redaktor"))] == [flag.id]
        assert governance.open_flags(users.get("lasaren")) == []
    assert client.post(f"/felrapport/{flag.id}/atgarda", data={"comment": ""}).status_code == 422
    done = client.post(f"/felrapport/{flag.id}/atgarda", data={"comment": "Numret uppdaterat."})
    assert done.status_code == 302
    assert "Felrapporter från läsare" not in client.get("/sida/evi").get_data(as_text=True)
    with app.app_context():
        flag = db.session.get(Flag, flag.id)
        assert flag.resolved and flag.resolved_by == "redaktor" and flag.resolution == "Numret uppdaterat."
        actions = set(db.session.scalars(db.select(AuditEvent.action)))
        assert {"page.flagged", "flag.resolved"} <= actions
        ops = [c.op for c in db.session.scalars(db.select(Change))]
        assert ChangeOp.FLAG.value in ops and ChangeOp.FLAG_RESOLVED.value in ops


def test_a_report_refuses_personnummer_and_overlong_notes(app):
    """Is a report with a personnummer, too long or empty refused with the text kept?"""
    with app.app_context():
        routine("EVI", slug="evi")
    reader = login(app, "lasaren", "läsare")
    for note, message in (("Gäller 19121212-1212", "personnummer"), ("x" * 501, "högst 500"),
                          ("", "Skriv vad är fel")):
        resp = reader.post("/sida/evi/rapportera", data={"note": note})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422 and message in html, note[:20]
    with app.app_context():
        assert db.session.scalar(db.select(Flag)) is None


def test_open_flags_go_to_the_named_approver(app):
    """Do reports on a routine with a named approver go to that approver (and admins), not other editors?"""
    with app.app_context():
        account("anna", Role.APPROVER)
        account("ed", Role.EDITOR)
        account("boss", Role.ADMIN)
        governance.flag_page(routine("Annas", approver="anna"), actor="lasaren", note="Fel.")
        governance.flag_page(routine("Allas"), actor="lasaren", note="Också fel.")
        notes = lambda name: sorted(f.note for f in governance.open_flags(users.get(name)))  # noqa: E731
        assert notes("anna") == ["Fel.", "Också fel."] and notes("ed") == ["Också fel."]
        assert notes("boss") == ["Fel.", "Också fel."]


def test_demo_shows_every_governance_state(demo_app):
    """Does the demo have approved routines, one expired, one with a draft waiting and one flagged?"""
    with demo_app.app_context():
        routines = [p for p in pages.live_pages() if p.type == "routine"]
        assert all(p.is_published and p.published.approved_by == "fastställare" for p in routines)
        expired = [p.slug for p in routines if governance.is_expired(p)]
        assert expired == ["lakemedel-via-jourcentralen"]
        assert [p.slug for p in routines if pages.pending_draft(p)] == ["in-och-utskrivningsprocessen"]
        assert [f.page.slug for f in governance.all_open_flags()] == ["evi-en-vag-in"]
    html = demo_app.test_client().get("/sida/lakemedel-via-jourcentralen").get_data(as_text=True)
    assert "Giltighetstiden gick ut" in html
