"""Members-only areas: their pages, plans, attachments and titles never appear to anyone else.

One open page (in the own area) links to a page of the members-only area "TG Äldre", which links
back. Outsiders are an anonymous visitor, a reader and a site-wide redaktör who is no member; the
member and an administrator see it all.
"""
from __future__ import annotations

import attachment_files as files
import pytest
from factories import edit_page, login, make_page, make_user

from kb.services import areas, attachments, pages

SECRET = "Hemlig rutin"
SECRET_SLUG = "hemlig-rutin"
OPEN_SLUG = "oppen-sida"
OUTSIDERS = ("anonym", "lasare", "redigerare")
INSIDERS = ("medlem", "admin")


@pytest.fixture
def world(app):
    """The two pages (the open one first, so the members-only one appears later), an attachment on
    the members-only page, and one client per kind of user."""
    with app.app_context():
        closed = areas.create("tg-aldre", "TG Äldre", members_only=True)
        make_page("Öppen sida", f"Se [[{SECRET_SLUG}]] och [[saknas]].\n", slug=OPEN_SLUG)
        secret = make_page(SECRET, f"Tillbaka till [[{OPEN_SLUG}]].\n", slug=SECRET_SLUG, area_id=closed.id)
        edit_page(secret, f"Tillbaka till [[{OPEN_SLUG}]], andra versionen.\n")
        attachments.upload(secret, "Hemlig.pdf", files.pdf("Hemligt innehåll"), author="testare")
        make_user("lasare", "läsare")
        make_user("redigerare", "redaktör")
        make_user("medlem", "läsare", areas={"tg-aldre": "medlem"})
        make_user("admin", "administratör")
    clients = {"anonym": app.test_client()}
    for name, role in (("lasare", "läsare"), ("redigerare", "redaktör"), ("medlem", "läsare"),
                       ("admin", "administratör")):
        clients[name] = login(app, name, role)
    return clients


def text(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


SECRET_PATHS = [f"/sida/{SECRET_SLUG}", f"/sida/{SECRET_SLUG}/historik", f"/sida/{SECRET_SLUG}/version/1",
                f"/sida/{SECRET_SLUG}/jamfor", f"/sida/{SECRET_SLUG}/jamfor?fran=1&till=2",
                f"/sida/{SECRET_SLUG}/lankar-hit", f"/sida/{SECRET_SLUG}/bilagor",
                f"/sida/{SECRET_SLUG}/bilagor/Hemlig.pdf", f"/sida/{SECRET_SLUG}/bilagor/Hemlig.pdf/versioner",
                f"/sida/{SECRET_SLUG}/bilagor/Hemlig.pdf/version/1", f"/api/pages/{SECRET_SLUG}"]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_for_every_view_of_a_members_only_page(world, who):
    """Does anyone outside the area learn the page exists, from any of its addresses?"""
    for path in SECRET_PATHS:
        response = world[who].get(path)
        assert response.status_code == 404, path
        assert SECRET not in text(response), path


@pytest.mark.parametrize("who", INSIDERS)
def test_members_and_administrators_see_the_page(world, who):
    """Do the area's members and administrators reach every view of it?"""
    for path in SECRET_PATHS:
        response = world[who].get(path)
        assert response.status_code == 200, path


def test_an_old_address_does_not_reveal_a_members_only_page(app, world):
    """Does a renamed page's old address redirect outsiders (and so say the page exists)?"""
    with app.app_context():
        page = pages.get(SECRET_SLUG)
        edit_page(page, page.current.source, slug="hemlig-rutin-ny")
    assert world["anonym"].get(f"/sida/{SECRET_SLUG}").status_code == 404
    assert world["redigerare"].get(f"/sida/{SECRET_SLUG}/historik").status_code == 404
    assert world["medlem"].get(f"/sida/{SECRET_SLUG}").status_code == 301


def test_the_attachment_link_by_id_is_404_for_outsiders(app, world):
    """Does the stable attachment address (search hits use it) hand the file to outsiders?"""
    with app.app_context():
        [item] = attachments.for_page(pages.get(SECRET_SLUG), editor=True)
        path = f"/bilagor/{item.attachment.id if hasattr(item, 'attachment') else item.id}"
    for who in OUTSIDERS:
        assert world[who].get(path).status_code == 404, who
    assert world["medlem"].get(path).status_code == 200


@pytest.mark.parametrize("who", OUTSIDERS)
def test_a_revalidation_does_not_tell_outsiders_the_page_exists(world, who):
    """Does an ETag the member got answer an outsider's conditional request with 304?"""
    world["medlem"].get("/")  # shows the login's flash message
    etag = world["medlem"].get(f"/sida/{SECRET_SLUG}").headers.get("ETag")
    assert etag
    response = world[who].get(f"/sida/{SECRET_SLUG}", headers={"If-None-Match": etag})
    assert response.status_code == 404


# --- links and backlinks ----------------------------------------------------------------------------

def test_a_link_to_a_members_only_page_is_plain_text_on_other_areas_pages(world):
    """Does an open page's link to a members-only page say (by link or title) that the page exists?"""
    for who in (*OUTSIDERS, *INSIDERS):  # the stored HTML is the same for everyone
        html = text(world[who].get(f"/sida/{OPEN_SLUG}"))
        assert f'wikilink" href="/sida/{SECRET_SLUG}"' not in html and f"slug={SECRET_SLUG}" not in html, who
        if who in OUTSIDERS:
            assert f'href="/sida/{SECRET_SLUG}"' not in html and SECRET not in html, who
        assert "Se hemlig-rutin och" in html, who
        assert 'class="wikilink missing"' in html, who  # a missing page is still offered to be created
    member_view = text(world["medlem"].get(f"/sida/{SECRET_SLUG}"))
    assert f'<a class="wikilink" href="/sida/{OPEN_SLUG}">' in member_view


def test_links_within_the_members_only_area_stay_links(app, world):
    """Do pages of the same members-only area link to each other as usual?"""
    with app.app_context():
        closed = areas.get("tg-aldre")
        make_page("Hemlig översikt", f"Se [[{SECRET_SLUG}]].\n", area_id=closed.id)
    html = text(world["medlem"].get("/sida/hemlig-oversikt"))
    assert f'<a class="wikilink" href="/sida/{SECRET_SLUG}">' in html


def test_links_follow_the_area_when_it_opens_or_closes(app, world):
    """When an area opens (or becomes members-only again), do other areas' links to it follow?"""
    with app.app_context():
        areas.update("tg-aldre", members_only=False)
    assert f'href="/sida/{SECRET_SLUG}"' in text(world["anonym"].get(f"/sida/{OPEN_SLUG}"))
    assert SECRET in text(world["anonym"].get(f"/sida/{OPEN_SLUG}/lankar-hit"))
    with app.app_context():
        areas.update("tg-aldre", members_only=True)
    html = text(world["anonym"].get(f"/sida/{OPEN_SLUG}"))
    assert f'href="/sida/{SECRET_SLUG}"' not in html and SECRET not in html
    assert world["anonym"].get(f"/sida/{SECRET_SLUG}").status_code == 404


@pytest.mark.parametrize("who", OUTSIDERS)
def test_backlinks_leave_out_members_only_pages_for_outsiders(world, who):
    """Does "Länkar hit" on the open page name the members-only page that links to it?"""
    assert SECRET not in text(world[who].get(f"/sida/{OPEN_SLUG}"))
    assert SECRET not in text(world[who].get(f"/sida/{OPEN_SLUG}/lankar-hit"))


@pytest.mark.parametrize("who", INSIDERS)
def test_backlinks_show_members_only_pages_to_members(world, who):
    """Does the member see the members-only page among the open page's backlinks?"""
    assert SECRET in text(world[who].get(f"/sida/{OPEN_SLUG}"))
    assert SECRET in text(world[who].get(f"/sida/{OPEN_SLUG}/lankar-hit"))


# --- lists, history, recent changes, the organisation chart ---------------------------------------

LISTS = ["/", "/sidor", "/sidor?typ=article", "/sidor?typ=structure", "/andringar", "/struktur",
         "/att-revidera"]


def typed_page(title: str, page_type: str, fields: dict, *, slug: str | None = None, area_id: int | None = None):
    """A page of a type with structured fields (approved, as an import makes it)."""
    data = pages.PageData(title=title, type=page_type, source="Text.\n", fields=fields, slug=slug, area_id=area_id)
    approval = pages.Approval(by="testare") if pages.requires_approval(page_type) else None
    return pages.create_page(data, author="testare", approval=approval)


@pytest.fixture
def structures(app, world):
    """A members-only structure under an open one, a routine it owns and an open structure under it."""
    with app.app_context():
        closed = areas.get("tg-aldre")
        typed_page("Samordningsgruppen", "structure", {}, slug="samordningsgruppen")
        typed_page("Hemlig styrgrupp", "structure", {"parent": "samordningsgruppen"}, slug="hemlig-styrgrupp",
                   area_id=closed.id)
        typed_page("Hemlig ägd rutin", "routine", {"owner": "samordningsgruppen", "valid_until": "2020-01-01"},
                   area_id=closed.id)
        typed_page("Öppen undergrupp", "structure", {"parent": "hemlig-styrgrupp"}, slug="oppen-undergrupp")
    return world


@pytest.mark.parametrize("who", OUTSIDERS)
def test_lists_and_the_chart_leave_out_members_only_pages(structures, who):
    """Do page lists, counts, recent changes, the review list and the organisation chart name them?"""
    for path in [*LISTS, "/sida/samordningsgruppen"]:
        html = text(structures[who].get(path))
        assert "Hemlig" not in html, path
    assert "Öppen undergrupp" in text(structures[who].get("/struktur"))  # its parent is hidden: a root


@pytest.mark.parametrize("who", INSIDERS)
def test_members_see_them_in_lists_and_the_chart(structures, who):
    """Do members find the members-only pages in the lists?"""
    assert SECRET in text(structures[who].get("/sidor"))
    assert "Hemlig styrgrupp" in text(structures[who].get("/struktur"))
    assert "Hemlig styrgrupp" in text(structures[who].get("/sida/samordningsgruppen"))


def test_counts_leave_out_members_only_pages(structures):
    """Do the page counts per type count pages an outsider cannot open?"""
    assert "Strukturer (2)" in text(structures["anonym"].get("/sidor")) or \
        "2 sidor" in text(structures["anonym"].get("/sidor?typ=structure"))
    assert "2 sidor" in text(structures["anonym"].get("/sidor?typ=structure"))
    assert "3 sidor" in text(structures["medlem"].get("/sidor?typ=structure"))


def test_the_structure_choices_of_the_page_form_leave_out_members_only_structures(structures):
    """Does a site-wide redaktör who is no member see a members-only structure among the parents?"""
    assert "Hemlig styrgrupp" not in text(structures["redigerare"].get("/ny?typ=structure"))
    assert "Hemlig styrgrupp" in text(structures["admin"].get("/ny?typ=structure"))


# --- plans, activities and the API -----------------------------------------------------------------

@pytest.fixture
def plan_world(app, world):
    """A collaboration plan, an action plan and an activity of the members-only area."""
    from kb.extensions import db
    from kb.services import plans

    with app.app_context():
        closed = areas.get("tg-aldre")
        make_page("Hemlig styrgrupp", "Hemlig.\n", type="structure", slug="hemlig-styrgrupp", area_id=closed.id)
        make_page("Öppen grupp", "Öppen.\n", type="structure", slug="oppen-grupp")
        collab = plans.save_collaboration_plan(plans.CollaborationData("Hemlig samverkansplan", "2024–2026",
                                                                       slug="hemlig-samverkansplan"))
        plan = plans.create_plan(plans.PlanData("Hemlig plan", "hemlig-styrgrupp", "2025",
                                                collaboration_plan="hemlig-samverkansplan", slug="hemlig-plan"))
        open_plan = plans.create_plan(plans.PlanData("Öppen plan", "oppen-grupp", "2025", slug="oppen-plan"))
        plan.area_id = collab.area_id = closed.id
        db.session.commit()
        activity = plans.create_activity(plan, plans.ActivityData(goal="Hemligt mål", what="Hemlig aktivitet",
                                                                  responsible="hemlig-styrgrupp"))
        plans.create_activity(open_plan, plans.ActivityData(goal="Öppet mål", what="Öppen aktivitet",
                                                            responsible="oppen-grupp"))
        world["activity"] = activity.id
    return world


def plan_paths(activity_id: int) -> list[str]:
    """Every view of the members-only plan, its activity and its collaboration plan."""
    return ["/planer/hemlig-plan", "/planer/hemlig-plan/utskrift", "/planer/hemlig-plan/historik",
            "/planer/hemlig-plan/export.csv", "/planer/hemlig-plan/export.xlsx", f"/aktiviteter/{activity_id}",
            "/samverkansplaner/hemlig-samverkansplan", "/samverkansplaner/hemlig-samverkansplan/historik",
            "/api/plans/hemlig-plan", "/api/activities?plan=hemlig-plan"]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_for_members_only_plans(plan_world, who):
    """Can an outsider open the plan, its activity, its exports or its collaboration plan?"""
    for path in plan_paths(plan_world["activity"]):
        assert plan_world[who].get(path).status_code == 404, path


@pytest.mark.parametrize("who", INSIDERS)
def test_members_open_members_only_plans(plan_world, who):
    """Do members and administrators open them?"""
    for path in plan_paths(plan_world["activity"]):
        assert plan_world[who].get(path).status_code == 200, path


@pytest.mark.parametrize("who", OUTSIDERS)
def test_plan_lists_and_the_api_leave_out_members_only_plans(plan_world, who):
    """Do the plan overview, the plan API and the activity API list the members-only plan?"""
    client = plan_world[who]
    overview = text(client.get("/planer"))
    assert "Öppen plan" in overview and "Hemlig" not in overview
    listed = client.get("/api/plans").get_json()
    assert [p["slug"] for p in listed["plans"]] == ["oppen-plan"]
    found = client.get("/api/activities").get_json()
    assert [a["what"] for a in found["activities"]] == ["Öppen aktivitet"]
    assert "Hemlig" not in text(client.get("/planer/ny")) if who == "redigerare" else True


def test_members_see_members_only_plans_in_lists(plan_world):
    """Does the member find the plan in the overview and the API?"""
    client = plan_world["medlem"]
    assert "Hemlig plan" in text(client.get("/planer"))
    assert {p["slug"] for p in client.get("/api/plans").get_json()["plans"]} == {"oppen-plan", "hemlig-plan"}
    assert client.get("/api/activities").get_json()["total"] == 2


@pytest.mark.parametrize("who", OUTSIDERS)
def test_a_members_only_structure_page_lists_no_plans_for_outsiders(plan_world, who):
    """(The structure page itself is 404.) Does an open page list activities of members-only plans?"""
    assert plan_world[who].get("/sida/hemlig-styrgrupp").status_code == 404
    assert "Hemlig" not in text(plan_world[who].get("/sida/oppen-grupp"))


# --- notifications, digests, watches and Min sida ------------------------------------------------------

@pytest.fixture
def watched(app):
    """An open structure, a members-only routine that names it as owner, a members-only plan of it;
    an outsider and a member who both watch the structure and the routine type."""
    from kb.constants import WatchKind
    from kb.extensions import db
    from kb.services import notifications, plans

    with app.app_context():
        closed = areas.create("tg-aldre", "TG Äldre", members_only=True)
        typed_page("Samordningsgruppen", "structure", {}, slug="samordningsgruppen")
        make_user("lasare", "läsare")
        make_user("medlem", "läsare", areas={"tg-aldre": "medlem"})
        for name in ("lasare", "medlem"):
            user = users_get(name)
            notifications.watch(user, WatchKind.STRUCTURE, pages.get("samordningsgruppen"))
            notifications.watch(user, WatchKind.PAGE_TYPE, "routine")
        typed_page(SECRET, "routine", {"owner": "samordningsgruppen"}, slug=SECRET_SLUG, area_id=closed.id)
        plan = plans.create_plan(plans.PlanData("Hemlig plan", "samordningsgruppen", "2025", slug="hemlig-plan"))
        plan.area_id = closed.id
        db.session.commit()
        plans.create_activity(plan, plans.ActivityData(goal="Mål", what="Hemlig aktivitet"))
        notifications.notify_changes()
    return app


def users_get(name: str):
    """The account with this username."""
    from kb.services import users

    return users.get(name)


def test_outsiders_hear_nothing_of_members_only_pages_and_plans(watched):
    """Does a watcher who is no member get notifications about the area's routine, plan or activity?"""
    from kb.services import notifications

    with watched.app_context():
        assert notifications.recent(users_get("lasare")) == []
        texts = " ".join(n.text for n in notifications.recent(users_get("medlem")))
        assert SECRET in texts and "Hemlig plan" in texts and "Hemlig aktivitet" in texts


def test_a_membership_taken_away_hides_what_was_notified(watched):
    """After the member leaves the area, do Min sida, the unread count and the digest still show it?"""
    from kb.constants import WatchKind
    from kb.dates import today
    from kb.services import digests, notifications

    with watched.app_context():
        member = users_get("medlem")
        notifications.watch(member, WatchKind.PAGE, pages.get(SECRET_SLUG))
        assert notifications.unread_count(member) == 3
        areas.revoke("medlem", "tg-aldre")
        member = users_get("medlem")
        assert notifications.recent(member) == [] and notifications.unread_count(member) == 0
        assert notifications.header_count(member) == 0  # the header's count
        assert digests.claim(member, today()) is None  # nothing to mail: the notifications wait
        labels = [w.label for w in notifications.watches_of(member)]
        assert not any(SECRET in label for label in labels)
    client = login(watched, "medlem", "läsare")
    client.get("/")
    for path in ("/min-sida", "/min-sida/bevakningar"):
        html = text(client.get(path))
        assert SECRET not in html and "Hemlig" not in html, path


def test_a_member_gets_the_digest(watched):
    """Does the member's digest carry the notifications about the area?"""
    from kb.dates import today
    from kb.services import digests

    with watched.app_context():
        member = users_get("medlem")
        digest = digests.claim(member, today())
        assert digest is not None
        assert any(SECRET in n.text for n in digests.claimed(digest))


# --- conditional GETs and the page caches ----------------------------------------------------------------

def test_the_page_caches_never_serve_a_members_view_to_others(app, world):
    """A member's rendering of the open page names the members-only page among its backlinks: does a
    visitor without a cookie (kept in memory), or a reader, ever get that rendering?"""
    for _ in range(2):
        assert SECRET in text(world["medlem"].get(f"/sida/{OPEN_SLUG}"))
    for _ in range(3):
        assert SECRET not in text(app.test_client().get(f"/sida/{OPEN_SLUG}"))
        assert SECRET not in text(world["lasare"].get(f"/sida/{OPEN_SLUG}"))
    assert SECRET in text(world["admin"].get(f"/sida/{OPEN_SLUG}"))


def test_a_membership_taken_away_changes_the_validator(app, world):
    """After the member leaves the area, does their old ETag still answer 304 (keeping the backlink)?"""
    client = world["medlem"]
    client.get("/")
    response = client.get(f"/sida/{OPEN_SLUG}")
    assert SECRET in text(response)
    etag = response.headers["ETag"]
    assert client.get(f"/sida/{OPEN_SLUG}", headers={"If-None-Match": etag}).status_code == 304
    with app.app_context():
        areas.revoke("medlem", "tg-aldre")
    again = client.get(f"/sida/{OPEN_SLUG}", headers={"If-None-Match": etag})
    assert again.status_code == 200 and SECRET not in text(again)
    assert client.get(f"/sida/{SECRET_SLUG}").status_code == 404


def test_the_review_overview_leaves_out_members_only_pages_for_other_editors(app, world):
    """Does /granskning show a site-wide redaktör who is no member the area's routines and drafts?"""
    with app.app_context():
        closed = areas.get("tg-aldre")
        typed_page("Hemlig granskad rutin", "routine", {"valid_until": "2020-01-01"}, area_id=closed.id)
        edit_page(pages.get(SECRET_SLUG), "Ett utkast.\n", approved=False)
    assert "Hemlig" not in text(world["redigerare"].get("/granskning"))
    assert "Hemlig granskad rutin" in text(world["admin"].get("/granskning"))


@pytest.mark.parametrize("who", OUTSIDERS)
def test_an_open_plan_never_names_a_members_only_structure(app, plan_world, who):
    """An open plan whose structure, collaboration plan and responsible page sit in the members-only
    area: do its views, print and the plan overview leave out their titles for outsiders?"""
    from kb.extensions import db
    from kb.services import plans

    with app.app_context():
        plan = plans.get_plan("oppen-plan")
        plan.structure_id = pages.get("hemlig-styrgrupp").id
        plan.collaboration_plan_id = plans.get_collaboration_plan("hemlig-samverkansplan").id
        db.session.commit()
        plans.create_activity(plan, plans.ActivityData(goal="Mål", what="Något", responsible="hemlig-styrgrupp"))
    for path in ("/planer/oppen-plan", "/planer/oppen-plan/utskrift", "/planer"):
        body = text(plan_world[who].get(path))
        assert "Öppen plan" in body, path
        assert "Hemlig styrgrupp" not in body and "Hemlig samverkansplan" not in body, path
    member = text(plan_world["medlem"].get("/planer/oppen-plan"))
    assert "Hemlig styrgrupp" in member and "Hemlig samverkansplan" in member


def test_a_fact_field_naming_a_members_only_structure_shows_nothing_of_it_to_readers(app, world):
    """An open structure whose "Ingår i" names the members-only structure: do readers see neither its
    title nor its address in the fact box, while the member sees the link?"""
    with app.app_context():
        closed = areas.get("tg-aldre")
        make_page("Hemlig grupp", "Hemlig.\n", type="structure", slug="hemlig-grupp", area_id=closed.id)
        data = pages.PageData("Öppen undergrupp", "structure", "Öppen.\n", fields={"parent": "hemlig-grupp"})
        pages.create_page(data, author="testare")
    for who in ("anonym", "lasare"):
        body = text(world[who].get("/sida/oppen-undergrupp"))
        assert "Öppen undergrupp" in body
        assert "Hemlig grupp" not in body and "hemlig-grupp" not in body, who
    assert "Hemlig grupp" in text(world["medlem"].get("/sida/oppen-undergrupp"))
