"""HTTP caching: stored HTML on views, ETag/Last-Modified with 304s, and fingerprinted static files."""
from __future__ import annotations

import hashlib
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from factories import edit_page, login, make_page
from sqlalchemy import insert

from kb import caching, markup
from kb.extensions import db
from kb.models import Activity, Change, Page
from kb.services import attachments, plans, structure

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options")
STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"?]+)\?v=([0-9a-f]+)"')


@pytest.fixture
def sip(app) -> dict:
    """A routine "SIP", a structure with a plan, and one activity linked to the routine."""
    with app.app_context():
        make_page("NOSAM Lerum", type="structure", slug="nosam-lerum")
        page = make_page("SIP", "Samordnad individuell plan för **alla**.\n", type="routine", slug="sip")
        plans.save_collaboration_plan(plans.CollaborationData("Samverkansplan 2023–2026", "2023–2026",
                                                              ["Öka tilliten"]))
        plan = plans.create_plan(plans.PlanData("NOSAM Lerum 2024", "nosam-lerum", "2024",
                                                collaboration_plan="samverkansplan-2023-2026"))
        activity = plans.create_activity(plan, plans.ActivityData(goal="Öka tilliten", what="Nätverk för SIP",
                                                                  status="Pågår", pages=["sip"]))
        return {"page": page.id, "plan": plan.slug, "activity": activity.id}


def signed_in(app, username: str, role: str):
    """A logged-in client that has seen its welcome message (a response with a message has no ETag)."""
    client = login(app, username, role)
    assert "ETag" not in client.get("/sida/sip").headers
    return client


def etag(client, path: str = "/sida/sip") -> str:
    """The ETag a fresh GET of `path` answers with."""
    resp = client.get(path)
    assert resp.status_code == 200 and resp.headers.get("ETag"), (path, resp.status_code)
    return resp.headers["ETag"]


def revalidate(client, tag: str, path: str = "/sida/sip"):
    """A GET that says "I have the copy with this ETag"."""
    return client.get(path, headers={"If-None-Match": tag})


# --- stored HTML ---------------------------------------------------------------------------------

def test_viewing_a_page_never_renders_markdown(app, anon, client, sip, monkeypatch):
    """Do the page view, an old revision and the API show the HTML stored at save time, unrendered?
    (It is only cleaned again under today's rules: see test_security's stored-HTML test.)"""
    def refuse(*args, **kwargs):
        raise AssertionError("Markdown rendered while viewing")

    monkeypatch.setattr(markup, "render", refuse)
    for who in (anon, client):
        assert "<strong>alla</strong>" in who.get("/sida/sip").get_data(as_text=True)
    assert "<strong>alla</strong>" in anon.get("/sida/sip/version/1").get_data(as_text=True)
    assert "<strong>alla</strong>" in anon.get("/api/pages/sip").get_json()["html"]


# --- conditional GETs ----------------------------------------------------------------------------

def test_a_page_view_sends_validators_that_only_the_browser_may_keep(anon, sip):
    """Does a page view carry ETag and Last-Modified, and tell shared caches not to store it?"""
    resp = anon.get("/sida/sip")
    assert resp.headers["ETag"].startswith('W/"')
    assert resp.headers["Last-Modified"].endswith("GMT")
    assert set(resp.headers["Cache-Control"].split(", ")) == {"private", "no-cache"}
    assert "Cookie" in resp.headers["Vary"]


def test_an_unchanged_page_answers_304_without_a_body(anon, sip):
    """Does a browser that still has the page get an empty 304 with the security headers?"""
    first = anon.get("/sida/sip")
    again = revalidate(anon, first.headers["ETag"])
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    for name in SECURITY_HEADERS:
        assert again.headers[name] == first.headers[name]
    by_date = anon.get("/sida/sip", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 304 and by_date.data == b""


def test_a_304_is_answered_before_anything_is_rendered(app, anon, sip, monkeypatch):
    """Is the template left alone when the browser's copy is current?"""
    tag = etag(anon)
    monkeypatch.setattr(structure, "linked_pages", lambda page: pytest.fail("rendered a 304"))
    assert revalidate(anon, tag).status_code == 304


def test_an_old_copy_or_date_gets_the_full_page(anon, sip):
    """Does a stale ETag or an old If-Modified-Since get the page again?"""
    assert revalidate(anon, 'W/"nagot-annat"').status_code == 200
    old = anon.get("/sida/sip", headers={"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})
    assert old.status_code == 200 and "Samordnad individuell plan" in old.get_data(as_text=True)


@pytest.mark.parametrize("change", ["revision", "title", "attachment", "activity status", "linked page",
                                    "new day"])
def test_whatever_the_page_shows_changes_its_etag(app, anon, sip, change, monkeypatch):
    """Does a new revision, title, attachment, activity status, linked page's title or day give a new ETag?"""
    before = etag(anon)
    with app.app_context():
        page = db.session.get(Page, sip["page"])
        if change == "revision":
            edit_page(page, "Ny text om SIP.\n")
        elif change == "title":
            edit_page(page, page.current.source, title="SIP – samordnad individuell plan")
        elif change == "attachment":
            attachments.upload(page, "Checklista.txt", "Kalla alla berörda.\n".encode(), author="anna")
        elif change == "activity status":
            plans.set_status(db.session.get(Activity, sip["activity"]), "Klart", author="anna")
        elif change == "linked page":
            structure_page = db.session.scalar(db.select(Page).where(Page.slug == "nosam-lerum"))
            edit_page(structure_page, "Text.\n", title="NOSAM i Lerum")
        else:
            tomorrow = caching.today() + timedelta(days=1)
            monkeypatch.setattr(caching, "today", lambda: tomorrow)
    resp = revalidate(anon, before)
    assert resp.status_code == 200 and resp.headers["ETag"] != before


def test_a_change_that_becomes_visible_late_still_changes_the_etag(app, anon, sip):
    """On PostgreSQL a lower change id can commit after a higher one: does the ETag still move?"""
    with app.app_context():
        seq = db.session.scalar(db.select(db.func.max(Change.id)))
        db.session.execute(insert(Change).values(id=seq + 2, entity="page", entity_id=sip["page"],
                                                 op="upsert"))
        db.session.commit()
    before = etag(anon)
    with app.app_context():  # the transaction that took id seq+1 commits only now
        db.session.execute(insert(Change).values(id=seq + 1, entity="activity", entity_id=sip["activity"],
                                                 op="upsert"))
        db.session.commit()
    assert revalidate(anon, before).status_code == 200


def test_the_etag_depends_on_who_is_looking(app, anon, sip):
    """Do a visitor, two editors, the same editor in another browser (another CSRF token) and an
    administrator each get their own ETag?"""
    tags = {etag(anon), etag(signed_in(app, "anna", "redaktör")), etag(signed_in(app, "bo", "redaktör")),
            etag(signed_in(app, "anna", "redaktör")), etag(signed_in(app, "admin", "administratör"))}
    assert len(tags) == 5


def test_an_editors_copy_is_never_confirmed_for_a_visitor(app, anon, sip):
    """Is an editor's cached page (with edit links) never confirmed to a visitor, by ETag or by date?"""
    editor = signed_in(app, "anna", "redaktör")
    mine = editor.get("/sida/sip")
    assert "Redigera" in mine.get_data(as_text=True)
    assert revalidate(anon, mine.headers["ETag"]).status_code == 200
    assert "Last-Modified" not in mine.headers  # so no bare If-Modified-Since can confirm it
    assert editor.get("/sida/sip", headers={"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}
                      ).status_code == 200


def test_a_role_change_changes_the_etag(app, sip):
    """Does an editor who becomes an administrator get a new page, never a 304 of the old one: first as
    a visitor (a role change ends the sessions), then, logged in again, with the admin menu?"""
    from kb.constants import Role
    from kb.services import users

    editor = signed_in(app, "anna", "redaktör")
    before = etag(editor)
    with app.app_context():
        users.set_role("anna", Role.ADMIN)
    resp = revalidate(editor, before)
    assert resp.status_code == 200 and "Logga in" in resp.get_data(as_text=True)
    resp = revalidate(signed_in(app, "anna", "administratör"), before)
    assert resp.status_code == 200 and "Administration" in resp.get_data(as_text=True)


def test_watching_and_a_new_notification_change_the_etag(app, sip):
    """Does a reader who starts watching the page, or gets a notification (the header's unread
    count), get a new copy rather than a 304 of the old one?"""
    from kb.constants import WatchKind
    from kb.services import notifications, users

    reader = signed_in(app, "lisa", "läsare")
    before = etag(reader)
    with app.app_context():
        notifications.watch(users.get("lisa"), WatchKind.PAGE, db.session.get(Page, sip["page"]))
        db.session.commit()
    resp = revalidate(reader, before)
    assert resp.status_code == 200 and "Sluta bevaka sidan" in resp.get_data(as_text=True)
    watching = resp.headers["ETag"]
    with app.app_context():
        edit_page(db.session.get(Page, sip["page"]), "Ny text om SIP.\n", author="anna")
        notifications.notify_changes()
    fresh = reader.get("/sida/sip")
    assert "Min sida <span class=\"unread-count\">(1)</span>" in fresh.get_data(as_text=True)
    with app.app_context():
        notifications.mark_all_read(users.get("lisa"))
    resp = revalidate(reader, fresh.headers["ETag"])
    assert resp.status_code == 200 and "unread-count" not in resp.get_data(as_text=True)
    assert fresh.headers["ETag"] != watching


def test_a_page_with_a_flash_message_is_sent_in_full(anon, sip):
    """Does a waiting flash message always reach the user (no 304, no ETag for that response)?"""
    tag = etag(anon)
    with anon.session_transaction() as session:
        session["_flashes"] = [("success", "Sidan sparades.")]
    resp = revalidate(anon, tag)
    assert resp.status_code == 200 and "Sidan sparades." in resp.get_data(as_text=True)
    assert "ETag" not in resp.headers
    assert revalidate(anon, tag).status_code == 304  # the message was shown once


def test_read_marks_change_the_introduction_pages(app, sip):
    """Does marking an introduction page as read give the reader a new copy of the path?"""
    with app.app_context():
        first = make_page("Ny i samverkan", type="orientation", slug="ny-i-samverkan").id
    reader = signed_in(app, "lasse", "läsare")
    before = etag(reader, "/sida/ny-i-samverkan")
    with app.app_context():
        from kb.services import users

        structure.set_read(users.get("lasse").id, db.session.get(Page, first), True)
    assert revalidate(reader, before, "/sida/ny-i-samverkan").status_code == 200


def test_the_page_api_and_plan_view_answer_304_too(app, anon, sip):
    """Do the page JSON and a plan view validate, and change when the page or collaboration plan does?"""
    for path in ("/api/pages/sip", f"/planer/{sip['plan']}"):
        assert revalidate(anon, etag(anon, path), path).status_code == 304, path
    api_tag, plan_tag = etag(anon, "/api/pages/sip"), etag(anon, f"/planer/{sip['plan']}")
    with app.app_context():
        collaboration = plans.get_collaboration_plan("samverkansplan-2023-2026")
        plans.save_collaboration_plan(plans.CollaborationData(
            "Samverkansplan för SAMLA", "2023–2026", ["Öka tilliten"]),
            current=collaboration, base_revision=collaboration.revision_number)
    resp = revalidate(anon, plan_tag, f"/planer/{sip['plan']}")
    assert resp.status_code == 200 and "Samverkansplan för SAMLA" in resp.get_data(as_text=True)
    with app.app_context():
        edit_page(db.session.get(Page, sip["page"]), "Ändrad.\n")
    assert revalidate(anon, api_tag, "/api/pages/sip").status_code == 200


def _edit_sip(app, sip):
    with app.app_context():
        edit_page(db.session.get(Page, sip["page"]), "Ändrad.\n")


def _add_term(app, sip):
    from kb.services import glossary

    with app.app_context():
        glossary.create(glossary.TermData("SIP", "Samordnad individuell plan"))


def _rename_collaboration_plan(app, sip):
    with app.app_context():
        collaboration = plans.get_collaboration_plan("samverkansplan-2023-2026")
        plans.save_collaboration_plan(plans.CollaborationData(
            "Samverkansplan för SAMLA", "2023–2026", ["Öka tilliten"]),
            current=collaboration, base_revision=collaboration.revision_number)


def _edit_plan(app, sip):
    with app.app_context():
        plan = plans.get_plan(sip["plan"])
        plans.update_plan(plan, plans.PlanData("NOSAM Lerum 2024–2025", "nosam-lerum", "2024–2025",
                                               collaboration_plan="samverkansplan-2023-2026"),
                          base_revision=plan.revision_number)


@pytest.mark.parametrize(("path", "change"), [
    ("/sidor", _edit_sip), ("/andringar", _edit_sip), ("/struktur", _edit_sip), ("/att-revidera", _edit_sip),
    ("/sida/sip/historik", _edit_sip), ("/ordlista", _add_term), ("/planer", _rename_collaboration_plan),
    ("/planer/nosam-lerum-2024/historik", _edit_plan)], ids=lambda v: v if isinstance(v, str) else "")
def test_lists_and_histories_answer_304_until_what_they_show_changes(app, anon, sip, path, change):
    """Do the lists, histories, the glossary and the plan overview validate, and change with their data?"""
    tag = etag(anon, path)
    assert revalidate(anon, tag, path).status_code == 304
    change(app, sip)
    resp = revalidate(anon, tag, path)
    assert resp.status_code == 200 and resp.headers["ETag"] != tag


def test_a_deleted_or_missing_page_gets_no_validators(app, anon, sip):
    """Are 404 and 410 answers left without an ETag?"""
    assert "ETag" not in anon.get("/sida/finns-inte").headers
    with app.app_context():
        from kb.services import pages

        pages.delete_page(db.session.get(Page, sip["page"]))
    resp = anon.get("/sida/sip")
    assert resp.status_code == 410 and "ETag" not in resp.headers


# --- static files ---------------------------------------------------------------------------------

def test_static_urls_carry_the_files_fingerprint(app, anon, sip):
    """Does every stylesheet and script URL on a page name the first 12 hex digits of its SHA-256?"""
    found = STATIC_URL.findall(anon.get("/sida/sip").get_data(as_text=True))
    assert {path for path, _ in found} >= {"/static/css/kb.css", "/static/js/kb.js"}
    for path, version in found:
        content = (Path(app.static_folder) / path.removeprefix("/static/")).read_bytes()
        assert version == hashlib.sha256(content).hexdigest()[:12]


def test_fingerprinted_static_files_are_cached_for_a_year(anon, sip):
    """Is a fingerprinted file immutable for a year, an unversioned or outdated URL cached briefly?"""
    path, version = STATIC_URL.findall(anon.get("/sida/sip").get_data(as_text=True))[0]
    with anon.get(f"{path}?v={version}") as versioned:
        assert versioned.status_code == 200
        lifetime = set(versioned.headers["Cache-Control"].split(", "))
        assert lifetime == {"public", "max-age=31536000", "immutable"}
        assert "Content-Security-Policy" in versioned.headers
    for url in (path, f"{path}?v=000000000000"):
        with anon.get(url) as resp:
            assert resp.status_code == 200 and "immutable" not in resp.headers["Cache-Control"]
            assert f"max-age={caching.SHORT_MAX_AGE}" in resp.headers["Cache-Control"]


def test_a_changed_static_file_gets_a_new_fingerprint_and_new_page_etags(app, anon, sip, tmp_path):
    """When a stylesheet changes, do its URL and the pages that link it change too?"""
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    sheet = static / "css" / "kb.css"
    sheet.write_text("body { color: black; }\n")
    app.static_folder = str(static)
    with app.test_request_context():
        from flask import url_for

        first = url_for("static", filename="css/kb.css")
    page_tag = etag(anon)
    sheet.write_text("body { color: navy; }\n")
    os.utime(sheet, ns=(sheet.stat().st_atime_ns, sheet.stat().st_mtime_ns + 10**9))
    with app.test_request_context():
        second = url_for("static", filename="css/kb.css")
    assert first != second and second.endswith("v=" + hashlib.sha256(sheet.read_bytes()).hexdigest()[:12])
    assert revalidate(anon, page_tag).status_code == 200
