"""Min sida, the watch button, Mina bevakningar and e-mail settings, as a logged-in user sees them."""
from __future__ import annotations

import types
from datetime import timedelta

import pytest
from factories import login
from notify_helpers import activity_in, edit, page_with, person, plan_for
from sqlalchemy import select

from kb.constants import WatchKind
from kb.dates import today
from kb.extensions import db
from kb.models import AuditEvent, Notification, Page, Watch
from kb.services import my_page, notifications, pages


@pytest.fixture
def site(app):
    """A structure, an article and a reception, made by someone else."""
    app.config["APPROVAL_TYPES"] = []
    with app.app_context():
        page_with("Samordningsgruppen", "structure", author="bo")
        page_with("Handbok", "article", author="bo")
        page_with("Mini-Maria", "reception", author="bo")
    return app


@pytest.fixture
def anna(site):
    """A client logged in as Anna, a reader."""
    return login(site, "anna", "läsare")


def html(resp) -> str:
    """A response's text."""
    return resp.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/min-sida", "/min-sida/bevakningar", "/min-sida/e-post"])
def test_min_sida_needs_a_login(anon, path):
    """Is an anonymous visitor sent to the login page?"""
    resp = anon.get(path)
    assert resp.status_code == 302
    assert "/logga-in" in resp.headers["Location"]


def test_anonymous_visitors_see_no_watch_button_and_cannot_watch(site):
    """Does a visitor see no watch button, and does a watch POST send them to log in?"""
    visitor = site.test_client()
    assert "Bevaka sidan" not in html(visitor.get("/sida/handbok"))
    resp = visitor.post("/sida/handbok/bevaka", data={})
    assert resp.status_code == 302 and "/logga-in" in resp.headers["Location"]
    with site.app_context():
        assert db.session.scalar(select(db.func.count(Watch.id))) == 0


def test_a_reader_watches_a_page_and_a_structure_with_the_button_and_stops_again(site, anna):
    """Does the button say Bevaka sidan / Bevaka strukturen, and turn into Sluta bevaka?"""
    assert "Bevaka sidan</button>" in html(anna.get("/sida/handbok"))
    resp = anna.post("/sida/handbok/bevaka", data={}, follow_redirects=True)
    text = html(resp)
    assert "Du bevakar nu sidan ”Handbok” och får aviseringar när något ändras. De kommer på Min sida." in text
    assert "Sluta bevaka sidan</button>" in text
    structure = html(anna.get("/sida/samordningsgruppen"))
    assert "Bevaka strukturen</button>" in structure
    assert "Få en avisering när strukturen, dess sidor, planer eller aktiviteter ändras." in structure
    anna.post("/sida/samordningsgruppen/bevaka", data={})
    with site.app_context():
        kinds = sorted(w.kind for w in db.session.scalars(select(Watch)))
        assert kinds == [WatchKind.PAGE.value, WatchKind.STRUCTURE.value]
    resp = anna.post("/sida/handbok/sluta-bevaka", data={}, follow_redirects=True)
    assert "Du bevakar inte längre ”Handbok”." in html(resp)
    assert "Bevaka sidan</button>" in html(resp)


def test_the_button_tells_when_another_watch_already_covers_the_page(site, anna):
    """Does a page of a watched type say that the type watch already brings its news?"""
    with site.app_context():
        notifications.watch(person("anna"), WatchKind.PAGE_TYPE, "reception")
    text = html(anna.get("/sida/mini-maria"))
    assert "Du får redan besked via din bevakning av alla sidor av typen mottagning." in text


def test_watch_buttons_need_the_csrf_token_and_a_real_page(site, anna):
    """Is a forged POST refused, and a missing page a 404?"""
    assert anna.post("/sida/handbok/bevaka", data={}, with_csrf=False).status_code == 400
    assert anna.post("/sida/finns-inte/bevaka", data={}).status_code == 404
    with site.app_context():
        assert db.session.scalar(select(db.func.count(Watch.id))) == 0


def test_mina_bevakningar_lists_watches_adds_a_page_type_and_removes_only_ones_own(site, anna):
    """Can Anna list, add and remove her watches, but not remove Bo's?"""
    anna.post("/sida/samordningsgruppen/bevaka", data={})
    resp = anna.post("/min-sida/bevakningar", data={"page_type": "routine"}, follow_redirects=True)
    text = html(resp)
    assert "Du bevakar nu alla sidor av typen rutin." in text
    assert '<a href="/sida/samordningsgruppen">Samordningsgruppen</a>' in text
    assert "Alla sidor av typen rutin" in text
    assert "Sluta bevaka<span class=\"visually-hidden\"> Samordningsgruppen</span>" in text
    assert anna.post("/min-sida/bevakningar", data={"page_type": "blogg"}).status_code == 200
    with site.app_context():
        bo = person("bo")
        bos = notifications.watch(bo, WatchKind.PAGE, pages.get("handbok")).id
        annas = [w.id for w in db.session.scalars(select(Watch).where(Watch.user_id != bo.id))]
    assert anna.post(f"/min-sida/bevakningar/{bos}/ta-bort", data={}).status_code == 404
    for watch_id in annas:
        resp = anna.post(f"/min-sida/bevakningar/{watch_id}/ta-bort", data={}, follow_redirects=True)
        assert "Bevakningen är borttagen." in html(resp)
    assert "Du bevakar ingenting ännu." in html(resp)
    with site.app_context():
        assert [w.id for w in db.session.scalars(select(Watch))] == [bos]


def test_min_sida_shows_notifications_with_the_unread_count_in_the_header(site, anna):
    """Does the header say Min sida (2), and do Markera som läst and Markera alla som lästa work?"""
    anna.post("/sida/handbok/bevaka", data={})
    anna.post("/sida/mini-maria/bevaka", data={})
    with site.app_context():
        edit(pages.get("handbok"), "Ny text.\n", author="bo")
        edit(pages.get("mini-maria"), "Öppet tisdagar.\n", author="bo")
        notifications.notify_changes()
        first, second = db.session.scalars(select(Notification).order_by(Notification.id))
        first_id, second_id = first.id, second.id
    start = html(anna.get("/"))
    assert 'aria-label="Min sida, 2 olästa aviseringar">Min sida <span class="unread-count">(2)</span>' in start
    text = html(anna.get("/min-sida"))
    assert '<a href="/sida/handbok">Sidan ”Handbok” har ändrats</a>' in text
    assert '<a href="/sida/mini-maria">Mottagningen ”Mini-Maria” har ändrats</a>' in text
    assert "2 olästa" in text
    resp = anna.post(f"/min-sida/aviseringar/{first_id}/last", data={}, follow_redirects=True)
    assert "Aviseringen är markerad som läst." in html(resp)
    assert 'aria-label="Min sida, 1 oläst avisering"' in html(resp)
    bo = login(site, "bo", "läsare")
    assert bo.post(f"/min-sida/aviseringar/{second_id}/last", data={}).status_code == 404
    resp = anna.post("/min-sida/aviseringar/alla-lasta", data={}, follow_redirects=True)
    assert "1 avisering är markerad som lästa." in html(resp)
    assert "unread-count" not in html(resp)


def test_min_sida_lists_the_activities_the_user_answers_for(site, anna):
    """Is an activity of a watched structure with a deadline passed shown under Aktiviteter du ansvarar för?"""
    anna.post("/sida/samordningsgruppen/bevaka", data={})
    with site.app_context():
        plan = plan_for("samordningsgruppen", author="bo")
        activity_in(plan, "Nätverk för SIP-samordnare", author="bo", deadline=(today() - timedelta(days=2)).isoformat())
        activity_in(plan, "Senare aktivitet", author="bo", deadline=(today() + timedelta(days=200)).isoformat())
    text = html(anna.get("/min-sida"))
    assert "Nätverk för SIP-samordnare" in text
    assert "Försenad" in text
    assert "Senare aktivitet" not in text


def test_min_sida_shows_drafts_reviews_and_flags_from_the_governance_service(site, anna, monkeypatch):
    """Are the governance service's three lists (drafts to approve, routines to revise, reader reports)
    shown on Min sida, each page linked?"""
    with site.app_context():
        routine = page_with("SIP", "routine", author="bo", raw_fields={"valid_until": today().isoformat()})
        routine_id = routine.id
    flag = types.SimpleNamespace(page=types.SimpleNamespace(slug="handbok", title="Handbok", area_id=None),
                                 note="Telefontiderna stämmer inte", created_by="cecilia", created_at=None)
    monkeypatch.setattr(my_page, "governance", types.SimpleNamespace(
        drafts_awaiting=lambda user: [db.session.get(Page, routine_id)],
        reviews_due=lambda user, within_days=30: [db.session.get(Page, routine_id)],
        open_flags=lambda user: [flag], returned_drafts=lambda user: []))
    text = html(anna.get("/min-sida"))
    assert "Utkast att godkänna" in text and "Rutiner att revidera" in text
    assert text.count('<a href="/sida/sip">SIP</a>') == 2
    assert "Telefontiderna stämmer inte" in text
    assert "Aktiviteter du ansvarar för" in text


def test_a_user_sets_a_valid_email_address_and_chooses_mail(site, anna):
    """Is a bad address refused in Swedish, and a good one saved with the choice and logged?"""
    resp = anna.post("/min-sida/e-post", data={"email": "anna@", "email_notifications": "y"})
    assert resp.status_code == 422
    assert "Ange en giltig e-postadress, t.ex. anna.svensson@lerum.se." in html(resp)
    resp = anna.post("/min-sida/e-post", data={"email": " Anna@Lerum.SE ", "email_notifications": "y"},
                     follow_redirects=True)
    assert "Dina e-postinställningar är sparade." in html(resp)
    assert 'value="Anna@lerum.se"' in html(resp)
    with site.app_context():
        anna_user = person("anna")
        assert (anna_user.email, anna_user.email_notifications) == ("Anna@lerum.se", True)
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.email_changed")).actor == "anna"
    anna.post("/min-sida/e-post", data={"email": ""})
    with site.app_context():
        assert (person("anna").email, person("anna").email_notifications) == ("", False)


def test_an_administrator_sets_someones_email_and_others_may_not(site, anna, admin):
    """Can an administrator set Anna's address from the user list, while Anna cannot open that page?"""
    assert "Ange e-post<span class=\"visually-hidden\"> för anna</span>" in html(admin.get("/admin/anvandare"))
    assert anna.get("/admin/anvandare/anna/e-post").status_code == 403
    resp = admin.post("/admin/anvandare/anna/e-post", data={"email": "anna@alingsas.se", "email_notifications": "y"},
                      follow_redirects=True)
    assert "E-postinställningarna för anna är sparade." in html(resp)
    assert "anna@alingsas.se" in html(resp)
    assert admin.get("/admin/anvandare/ingen/e-post").status_code == 404
    assert admin.post("/admin/anvandare/anna/e-post", data={"email": "inte en adress"}).status_code == 422


def test_kb_user_set_email(site, runner):
    """Does `kb user set-email` set an address, and refuse a bad one in Swedish?"""
    with site.app_context():
        person("anna")
    ok = runner.invoke(args=["user", "set-email", "anna", "anna@lerum.se"])
    assert ok.exit_code == 0 and "anna har nu e-postadressen anna@lerum.se." in ok.output
    bad = runner.invoke(args=["user", "set-email", "anna", "anna.lerum.se"])
    assert bad.exit_code == 1 and "Fel: Ange en giltig e-postadress" in bad.output
