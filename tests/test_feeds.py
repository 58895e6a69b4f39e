"""Atom feeds of recent changes: what a feed reader without a login gets, for the site, an area,
a page type and a structure."""
from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - parsing kb's own output in a test

import pytest
from factories import edit_page, login, make_app, make_page
from sqlalchemy import select

from kb.extensions import db
from kb.models import ActionPlan, Page
from kb.services import areas, pages, plans

A = "{http://www.w3.org/2005/Atom}"


def feed(client, url: str) -> ET.Element:
    resp = client.get(url)
    assert resp.status_code == 200, resp.status_code
    assert resp.mimetype == "application/atom+xml"
    root = ET.fromstring(resp.data)  # noqa: S314
    assert root.tag == f"{A}feed"
    return root


def titles(root: ET.Element) -> list[str]:
    return [e.findtext(f"{A}title") for e in root.findall(f"{A}entry")]


def links(root: ET.Element) -> list[str]:
    return [e.find(f"{A}link").get("href") for e in root.findall(f"{A}entry")]


def test_start_page_names_the_site_feed_and_a_reader_without_login_can_read_it(demo_app):
    """Does the start page point feed readers at a feed that answers with Atom entries?"""
    anon = demo_app.test_client()
    html = anon.get("/").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml" title="Senaste ändringar (flöde)" ' \
           'href="/andringar.atom">' in html
    root = feed(anon, "/andringar.atom")
    assert root.findtext(f"{A}title") == "Senaste ändringar – Kunskapsbanken för vårdsamverkan"
    entries = root.findall(f"{A}entry")
    assert 0 < len(entries) <= 50
    for entry in entries:
        assert entry.findtext(f"{A}id").startswith("tag:localhost,2026:")
        assert entry.findtext(f"{A}updated").endswith("Z")
        assert entry.find(f"{A}link").get("href").startswith("http://localhost/")
        assert entry.findtext(f"{A}author/{A}name")
    assert len({e.findtext(f"{A}id") for e in entries}) == len(entries)


def test_members_only_content_and_drafts_never_reach_a_feed_whoever_asks(demo_app):
    """A feed's address is shared: does it leave out members-only pages and unapproved routine drafts,
    even when an administrator fetches it?"""
    admin = login(demo_app, "chefen", "administratör")
    with demo_app.app_context():
        routine = pages.get("avvikelser-i-samverkan")
        edit_page(routine, routine.current.source + "\nHemlig ändring.\n", approved=False,
                  title="Avvikelser i samverkan UTKAST")
        closed = areas.get("gbg-arbetsgrupp-aldre")
        members_only = [p.title for p in db.session.scalars(select(Page).where(Page.area_id == closed.id))]
    everything = " ".join(titles(feed(admin, "/andringar.atom?typ=routine")) + titles(feed(admin, "/andringar.atom")))
    assert "UTKAST" not in everything
    assert members_only and not any(t in everything for t in members_only)
    assert admin.get("/omrade/gbg-arbetsgrupp-aldre/andringar.atom").status_code == 404
    assert demo_app.test_client().get("/sida/arbetsgrupp-vardovergangar/andringar.atom").status_code == 404


def test_an_approved_routine_version_appears_with_its_change_comment(demo_app):
    """When a routine's new version is approved, does the routines feed show it with the comment?"""
    with demo_app.app_context():
        routine = pages.get("avvikelser-i-samverkan")
        data = pages.PageData(title=routine.title, type=routine.type, source=routine.current.source + "\nNytt.\n",
                              summary=routine.summary, tags=list(routine.tags),
                              target_groups=list(routine.target_groups))
        pages.update_page(routine, data, base_revision=routine.revision_number, author="demo",
                          comment="Ny kontaktväg", approval=pages.Approval(by="demo"))
    root = feed(demo_app.test_client(), "/andringar.atom?typ=routine")
    first = root.find(f"{A}entry")
    assert first.findtext(f"{A}title") == "Avvikelser i samverkan"
    assert first.findtext(f"{A}summary") == "Ny kontaktväg"
    assert first.find(f"{A}link").get("href") == "http://localhost/sida/avvikelser-i-samverkan"
    with demo_app.app_context():
        kinds = {p.type for p in db.session.scalars(select(Page))
                 if p.title in titles(root)}
    assert kinds == {"routine"}


def test_an_area_feed_holds_only_that_area(demo_app):
    """Does NOSAM GBG Sydväst's feed hold its own pages and plans and nothing of SAMLA's?"""
    anon = demo_app.test_client()
    html = anon.get("/omrade/nosam-gbg-sydvast").get_data(as_text=True)
    assert 'href="/omrade/nosam-gbg-sydvast/andringar.atom"' in html
    root = feed(anon, "/omrade/nosam-gbg-sydvast/andringar.atom")
    with demo_app.app_context():
        area = areas.get("nosam-gbg-sydvast")
        own = {p.slug for p in db.session.scalars(select(Page).where(Page.area_id == area.id))}
        own_plans = {p.slug for p in db.session.scalars(select(ActionPlan).where(ActionPlan.area_id == area.id))}
    assert links(root)
    for href in links(root):
        path = href.removeprefix("http://localhost")
        assert (path.startswith("/sida/") and path.split("/")[2] in own) or \
               (path.startswith("/planer/") and path.split("/")[2] in own_plans), path
    assert anon.get("/omrade/finns-inte/andringar.atom").status_code == 404


def test_a_structure_feed_holds_its_routines_and_its_plan_activities(demo_app):
    """Does Samordningsgruppen's feed show a routine it owns and a status change in its action plan,
    and is the feed named on the structure's page?"""
    anon = demo_app.test_client()
    html = anon.get("/sida/samordningsgruppen").get_data(as_text=True)
    assert 'href="/sida/samordningsgruppen/andringar.atom"' in html
    with demo_app.app_context():
        plan = db.session.scalar(select(ActionPlan).where(ActionPlan.slug.like("samordningsgruppens%")))
        activity = plan.activities[0]
        plans.set_status(activity, "Klart", comment="Klart enligt beslut", author="demo")
        what, title, slug = activity.what, plan.title, plan.slug
    root = feed(anon, "/sida/samordningsgruppen/andringar.atom")
    entries = root.findall(f"{A}entry")
    first = entries[0]
    assert first.findtext(f"{A}title").startswith(title + ": " + " ".join(what.split())[:20])
    assert first.findtext(f"{A}summary") == "Klart enligt beslut"
    assert first.find(f"{A}link").get("href") == f"http://localhost/planer/{slug}"
    assert "Avvikelser i samverkan" in titles(root)  # owned by Samordningsgruppen
    assert "Mini-Maria" not in titles(root)
    # Only structures have a feed of their own.
    assert anon.get("/sida/mini-maria/andringar.atom").status_code == 404
    assert anon.get("/sida/finns-inte/andringar.atom").status_code == 404


def test_a_feed_is_revalidated_cheaply(demo_app):
    """Does a feed reader polling with the ETag it got get a 304 while nothing changed?"""
    anon = demo_app.test_client()
    first = anon.get("/andringar.atom")
    again = anon.get("/andringar.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("url", ["/andringar.atom", "/andringar.atom?typ=routine",
                                 "/omrade/samla/andringar.atom"])
def test_no_feeds_when_reading_needs_a_login(tmp_path, url):
    """With KB_PUBLIC_READ=false nothing is public: is there no feed, and no link to one?"""
    app = make_app(tmp_path / "instance", PUBLIC_READ=False)
    with app.app_context():
        make_page("Intern sida")
    member = login(app, "medarbetare", "läsare")
    assert member.get(url).status_code == 404
    assert "application/atom+xml" not in member.get("/").get_data(as_text=True)


def test_an_unknown_page_type_has_no_feed(anon):
    """Does a made-up type answer 404 rather than an empty feed?"""
    assert anon.get("/andringar.atom?typ=hemligt").status_code == 404
