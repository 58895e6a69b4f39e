"""Editing plans and activities through the views: permissions, CSRF, validation, conflicts, status."""
from __future__ import annotations

import re

import pytest
from factories import login
from test_plan_views import SLUG, main, seed_plan, text

from kb import dates
from kb.extensions import db
from kb.models import ActionPlan, Activity, PlanRevision
from kb.services import plans


@pytest.fixture
def data(app):
    """The seeded plan's ids."""
    with app.app_context():
        return seed_plan()


@pytest.fixture
def reader(app):
    """A client logged in as a reader (läsare)."""
    return login(app, "lasse", "läsare")


def base_of(html: str) -> str:
    """The hidden base revision in a form."""
    return re.search(r'name="base_revision" type="hidden" value="(\d+)"', html).group(1)


NEXT_YEAR = str(dates.today().year + 1)


def plan_form(**extra) -> dict:
    """The plan form as a browser sends it."""
    return {"title": "NOSAM Lerums handlingsplan 2025", "structure": "nosam-lerum", "period": "2025",
            "adopted": "mars 2025", "collaboration_plan": "samverkansplan-2023-2026",
            "focus_areas": "Trygga vårdövergångar\nFrämja psykisk hälsa", "description": "Plan för året.",
            "comment": "Ny plan", **extra}


def activity_form(**extra) -> dict:
    """The activity form as a browser sends it."""
    return {"goal": "Öka tilliten", "subgoal": "", "what": "Gemensam utbildning om SIP", "how": "Halvdag",
            "decision": "", "responsible": "nosam-lerum", "responsible_text": "Processledare",
            "start": NEXT_YEAR, "deadline": f"nov {NEXT_YEAR}", "follow_up": "Antal deltagare",
            "status": "in_progress",
            "target_groups": ["Barn och unga", "Äldre"], "pages": "sip\nhttp://localhost/sida/mini-maria",
            "comment": "Från mötet", **extra}


COLLABORATION = "samverkansplan-2023-2026"


def collaboration_form(**extra) -> dict:
    """The collaboration plan form as a browser sends it."""
    return {"title": "Samverkansplan 2027–2030", "period": "2027–2030",
            "goals": "Trygga vårdövergångar\n\nFrämja psykisk hälsa\n", "description": "Antagen av samrådsgruppen.",
            "comment": "Ny period", **extra}


def plan_count(app) -> int:
    """How many plans the database holds (deleted ones too)."""
    with app.app_context():
        return db.session.query(ActionPlan).count()


def activity_count(app) -> int:
    """How many live activities the database holds."""
    with app.app_context():
        return db.session.query(Activity).filter_by(deleted=False).count()


# Every write endpoint: (method, path or a function of the seeded ids, form data).
WRITES = [
    ("GET", lambda d: "/planer/ny", None),
    ("POST", lambda d: "/planer/ny", plan_form()),
    ("GET", lambda d: "/planer/importera", None),
    ("POST", lambda d: "/planer/importera", {}),
    ("GET", lambda d: f"/planer/{SLUG}/redigera", None),
    ("POST", lambda d: f"/planer/{SLUG}/redigera", plan_form(base_revision="1")),
    ("GET", lambda d: f"/planer/{SLUG}/ta-bort", None),
    ("POST", lambda d: f"/planer/{SLUG}/ta-bort", {"base_revision": "1"}),
    ("POST", lambda d: f"/planer/{SLUG}/aterskapa", {}),
    ("GET", lambda d: f"/planer/{SLUG}/ny-aktivitet", None),
    ("POST", lambda d: f"/planer/{SLUG}/ny-aktivitet", activity_form()),
    ("GET", lambda d: f"/planer/{SLUG}/importera", None),
    ("POST", lambda d: f"/planer/{SLUG}/importera", {}),
    ("GET", lambda d: f"/aktiviteter/{d['late']}/redigera", None),
    ("POST", lambda d: f"/aktiviteter/{d['late']}/redigera", activity_form(base_revision="1")),
    ("POST", lambda d: f"/aktiviteter/{d['late']}/status", {"status": "done", "base_revision": "1"}),
    ("GET", lambda d: f"/aktiviteter/{d['late']}/ta-bort", None),
    ("POST", lambda d: f"/aktiviteter/{d['late']}/ta-bort", {"base_revision": "1"}),
    ("POST", lambda d: f"/aktiviteter/{d['late']}/aterskapa", {}),
    ("GET", lambda d: "/samverkansplaner/ny", None),
    ("POST", lambda d: "/samverkansplaner/ny", collaboration_form()),
    ("GET", lambda d: f"/samverkansplaner/{COLLABORATION}/redigera", None),
    ("POST", lambda d: f"/samverkansplaner/{COLLABORATION}/redigera", collaboration_form(base_revision="1")),
]
WRITE_IDS = [f"{m} {p({'late': 'id'})}" for m, p, _ in WRITES]


def revisions(app) -> int:
    """How many plan revisions exist: every write adds one."""
    with app.app_context():
        return db.session.query(PlanRevision).count()


@pytest.mark.parametrize("method,path,form", WRITES, ids=WRITE_IDS)
def test_anonymous_visitors_are_sent_to_log_in_and_nothing_changes(app, anon, data, method, path, form):
    """Does every edit address send an anonymous visitor to the login page without writing anything?"""
    before = revisions(app)
    resp = anon.open(path(data), method=method, data=form)
    assert resp.status_code == 302 and "/logga-in" in resp.headers["Location"]
    assert revisions(app) == before


@pytest.mark.parametrize("method,path,form", WRITES, ids=WRITE_IDS)
def test_readers_are_refused_and_nothing_changes(app, reader, data, method, path, form):
    """Does every edit address answer 403 to a reader without writing anything?"""
    before = revisions(app)
    resp = reader.open(path(data), method=method, data=form)
    assert resp.status_code == 403 and "Åtkomst nekad" in text(resp)
    assert revisions(app) == before


@pytest.mark.parametrize("method,path,form", [w for w in WRITES if w[0] == "POST"],
                         ids=[i for i, w in zip(WRITE_IDS, WRITES, strict=True) if w[0] == "POST"])
def test_posts_without_csrf_token_are_refused(app, admin, data, method, path, form):
    """Is every form POST without a CSRF token refused with 400 and nothing written?"""
    before = revisions(app)
    resp = admin.post(path(data), data=form, with_csrf=False)
    assert resp.status_code == 400 and "säkerhetstoken" in text(resp)
    assert revisions(app) == before


# --- plans --------------------------------------------------------------------------------------

def test_editor_creates_a_plan_through_the_form(client, app, data):
    """Does the create form offer structures and collaboration plans, and save a plan with a revision?"""
    page = client.get("/planer/ny?struktur=nosam-lerum")
    html = main(page)
    assert '<option selected value="nosam-lerum">NOSAM Lerum</option>' in html
    assert "Samverkansplan 2023–2026 (2023–2026)" in html and f'value="{dates.today().year}"' in html
    resp = client.post("/planer/ny", data=plan_form())
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/planer/nosam-lerums-handlingsplan-2025")
    shown = client.get(resp.headers["Location"])
    body = text(shown)
    assert "NOSAM Lerums handlingsplan 2025" in body and "Fastställd mar 2025" in body
    assert "skapades" in body
    with app.app_context():
        plan = plans.get_plan("nosam-lerums-handlingsplan-2025")
        assert plan.focus_areas == ["Trygga vårdövergångar", "Främja psykisk hälsa"]
        assert plan.collaboration_plan.slug == "samverkansplan-2023-2026"
        rev = plans.history(plans.PLAN, plan.id)[0]
        assert (rev.author, rev.comment, rev.op) == ("redaktor", "Ny plan", "create")


def test_plan_form_errors_are_swedish_and_nothing_is_saved(client, app, data):
    """Are an empty title, a backwards period, a bad date and an unknown structure refused in Swedish?"""
    before = plan_count(app)
    resp = client.post("/planer/ny", data=plan_form(title="", period="2026-2024", adopted="snart",
                                                    structure="sip", description="Min beskrivning"))
    assert resp.status_code == 422
    body = text(resp)
    assert "Något behöver rättas" in body
    for message in ("Ange planens titel.", "Periodens sista år kan inte vara före det första.", "inget datum",
                    "”SIP” är ingen struktursida."):
        assert message in body, message
    assert "Min beskrivning" in body  # the typed text is kept
    assert 'aria-invalid="true"' in resp.get_data(as_text=True)
    assert plan_count(app) == before


def test_a_plan_cannot_take_an_address_the_views_use(client, app, data):
    """Do plans titled "Ny" or "2025" get addresses of their own instead of hiding a view or an id?"""
    resp = client.post("/planer/ny", data=plan_form(title="Ny"))
    assert resp.headers["Location"].endswith("/planer/ny-2")
    assert "Ny aktivitetsplan" in text(client.get("/planer/ny"))
    resp = client.post("/planer/ny", data=plan_form(title="2025"))  # a number would be read as an id
    assert resp.headers["Location"].endswith("/planer/2025-2")
    assert client.get("/planer/2025-2").status_code == 200


def test_editor_edits_a_plan_with_a_comment(client, app, data):
    """Does saving the edit form make a new revision with the comment, shown in the plan's history?"""
    html = client.get(f"/planer/{SLUG}/redigera").get_data(as_text=True)
    assert 'value="Samordningsgruppens aktivitetsplan 2024"' in html
    resp = client.post(f"/planer/{SLUG}/redigera", data=plan_form(
        title="Samordningsgruppens aktivitetsplan 2024", structure="samordningsgruppen", period="2024–2025",
        base_revision=base_of(html), comment="Förlängd"))
    assert resp.status_code == 302
    assert "Planen sparades (version 2)." in text(client.get(resp.headers["Location"]))
    history = text(client.get(f"/planer/{SLUG}/historik"))
    assert "Förlängd" in history and "Period: före: 2024 → efter: 2024–2025" in history


def test_stale_plan_edit_shows_the_conflict_and_keeps_the_users_values(client, app, data):
    """When someone saved the plan meanwhile, is nothing overwritten and are my values kept for merging?"""
    html = client.get(f"/planer/{SLUG}/redigera").get_data(as_text=True)
    with app.app_context():
        plan = plans.get_plan(SLUG)
        plans.update_plan(plan, plans.PlanData(plan.title, "samordningsgruppen", "2024", adopted="2024-02-15",
                                               description="Bosses text"), base_revision=1, author="bosse",
                          comment="Bosses ändring")
    resp = client.post(f"/planer/{SLUG}/redigera", data=plan_form(
        title="Samordningsgruppens aktivitetsplan 2024", structure="samordningsgruppen", period="2024",
        description="Min text", base_revision=base_of(html)))
    assert resp.status_code == 409
    body = text(resp)
    assert "Någon annan har sparat planen medan du redigerade" in body
    assert "Bosses ändring" in body and "bosse" in body
    assert "Beskrivning Bosses text Min text" in body  # the differences table: field, current, yours
    assert "Min text" in resp.get_data(as_text=True).split("<form", 2)[-1]
    assert base_of(resp.get_data(as_text=True)) == "2"
    with app.app_context():
        assert plans.get_plan(SLUG).description == "Bosses text"


def test_delete_and_restore_a_plan(client, admin, app, data):
    """Can an editor delete a plan (gone from the overview, page says so) and only an admin restore it?"""
    page = client.get(f"/planer/{SLUG}/ta-bort")
    assert "Ta bort planen?" in text(page) and "3 aktiviteter" in text(page)
    resp = client.post(f"/planer/{SLUG}/ta-bort", data={"base_revision": base_of(page.get_data(as_text=True)),
                                                        "comment": "Ersatt"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/planer")
    overview = client.get("/planer")
    assert "togs bort" in text(overview) and "Borttagna planer" in text(overview)
    gone = client.get(f"/planer/{SLUG}")
    assert gone.status_code == 410 and "Planen är borttagen" in text(gone)
    assert "Be en administratör" in text(gone)
    assert "Nätverk för SIP-samordnare" not in text(client.get("/sida/sip"))
    assert client.get(f"/aktiviteter/{data['late']}").status_code == 410
    assert client.post(f"/planer/{SLUG}/aterskapa", data={}).status_code == 403
    assert "Återskapa planen" in text(admin.get(f"/planer/{SLUG}"))
    resp = admin.post(f"/planer/{SLUG}/aterskapa", data={})
    assert resp.status_code == 302
    back = admin.get(f"/planer/{SLUG}")
    assert back.status_code == 200 and "återskapades" in text(back) and "3 aktiviteter" in text(back)


def test_stale_delete_is_refused(client, app, data):
    """Is a delete based on an old revision refused with a message, leaving the plan in place?"""
    resp = client.post(f"/planer/{SLUG}/ta-bort", data={"base_revision": "0"})
    assert resp.status_code == 302
    assert "togs inte bort" in text(client.get(resp.headers["Location"]))
    with app.app_context():
        assert not plans.get_plan(SLUG).deleted


# --- activities ---------------------------------------------------------------------------------

def test_editor_adds_an_activity_with_every_field(client, app, data):
    """Does the new-activity form offer goal suggestions and save every field, pasted page addresses too?"""
    form = main(client.get(f"/planer/{SLUG}/ny-aktivitet"))
    assert 'list="malforslag"' in form and '<datalist id="malforslag">' in form
    assert '<option value="Öka tilliten">' in form and '<option value="Öka kontinuiteten">' in form
    assert "2024, nov 2024 eller 2024-12-31" in form
    assert '<option selected value="samordningsgruppen">' in form  # the plan's structure by default
    resp = client.post(f"/planer/{SLUG}/ny-aktivitet", data=activity_form())
    assert resp.status_code == 302
    shown = client.get(resp.headers["Location"])
    body = text(shown)
    assert "Aktiviteten ”Gemensam utbildning om SIP” lades till i planen." in body
    assert "Ansvarig NOSAM Lerum , Processledare" in body and f"Slutdatum nov {NEXT_YEAR} Uppföljning" in body
    assert "Målgrupper Barn och unga, Äldre" in body
    with app.app_context():
        item = db.session.get(Activity, int(resp.headers["Location"].rsplit("/", 1)[1]))
        assert [p.slug for p in item.pages] == ["mini-maria", "sip"]
        assert (item.status, item.start, item.deadline) == ("in_progress", NEXT_YEAR, f"{NEXT_YEAR}-11")
        assert plans.history(plans.ACTIVITY, item.id)[0].comment == "Från mötet"


def test_activity_form_errors_are_swedish_and_nothing_is_saved(client, app, data):
    """Are a missing goal and what, a bad deadline and an unknown page refused in Swedish, with input kept?"""
    before = activity_count(app)
    resp = client.post(f"/planer/{SLUG}/ny-aktivitet", data=activity_form(
        goal="", what="", how="Mitt hur", deadline="snart", pages="finns-inte"))
    assert resp.status_code == 422
    body = text(resp)
    for message in ("Ange vilket mål aktiviteten hör till (Mål).", "Beskriv vad som ska göras (Vad).",
                    "”snart” är inget datum.", "Sidan ”finns-inte” finns inte."):
        assert message in body, message
    assert "Något behöver rättas" in body and "Mitt hur" in body
    assert activity_count(app) == before


def test_editor_edits_an_activity_and_the_history_shows_old_and_new(client, app, data):
    """Does an edit save a revision whose changed fields are listed as old → new on the activity page?"""
    path = f"/aktiviteter/{data['fresh']}"
    html = client.get(path + "/redigera").get_data(as_text=True)
    assert "Kartlägga utskrivningar" in html and '<option selected value="nosam-lerum">' in html
    resp = client.post(path + "/redigera", data=activity_form(
        goal="Öka kontinuiteten", subgoal="Trygg hemgång", what="Kartlägga utskrivningar", how="",
        responsible="nosam-lerum", responsible_text="", start="", deadline="2026-06-30", follow_up="",
        status="not_started", target_groups=["Barn och unga"], pages="", comment="Nytt datum",
        base_revision=base_of(html)))
    assert resp.status_code == 302
    body = text(client.get(path))
    assert "Aktiviteten sparades (version 2)." in body
    assert "Nytt datum" in body and "Slutdatum: före: " in body and "→ efter: 2026-06-30" in body


def test_stale_activity_edit_shows_the_conflict_and_keeps_the_users_values(client, app, data):
    """When the status changed meanwhile, is the edit refused with the differences and my text kept?"""
    path = f"/aktiviteter/{data['fresh']}"
    html = client.get(path + "/redigera").get_data(as_text=True)
    with app.app_context():
        plans.set_status(db.session.get(Activity, data["fresh"]), "Pågår", comment="Startat", author="bosse")
    resp = client.post(path + "/redigera", data=activity_form(
        goal="Öka kontinuiteten", what="Kartlägga utskrivningar noga", status="not_started",
        base_revision=base_of(html)))
    assert resp.status_code == 409
    body = text(resp)
    assert "Någon annan har sparat aktiviteten medan du redigerade" in body
    assert "Version 2 (status ändrad) av bosse" in body and "Startat" in body
    assert "Status Pågår Inte påbörjad" in body  # current, then yours
    assert "Kartlägga utskrivningar noga" in body
    with app.app_context():
        item = db.session.get(Activity, data["fresh"])
        assert item.what == "Kartlägga utskrivningar" and item.status == "in_progress"


def test_editor_changes_the_status_and_it_enters_the_status_history(client, app, data):
    """Does the quick status form change the status, flash it and list old → new with the comment?"""
    path = f"/aktiviteter/{data['late']}"
    html = client.get(path).get_data(as_text=True)
    assert 'action="' + path + '/status"' in html
    resp = client.post(path + "/status", data={"status": "done", "comment": "Nätverket är igång",
                                               "base_revision": base_of(html)})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#statushistorik")
    page = client.get(path)
    body = text(page)
    assert "Status ändrad till Klart." in body
    history = main(page)
    history = text_of_section(history, "statushistorik")
    assert "redaktor Pågår → till Klart Nätverket är igång" in history
    assert "Försenad" not in text_of_section(main(page), "andra-status", tag="header")
    with app.app_context():
        assert plans.history(plans.ACTIVITY, data["late"])[0].op == "status"


def text_of_section(html: str, anchor: str, tag: str = "section") -> str:
    """The text of the element with this id (or, for tag header, the page header)."""
    if tag == "header":
        part = html[html.index("<header"):html.index("</header>")]
    else:
        part = html[html.index(f'id="{anchor}"'):]
        part = part[:part.index("</section>")]
    return " ".join(re.sub(r"<[^>]+>", " ", part).split())


def test_a_comment_without_a_new_status_is_a_follow_up_note(client, app, data):
    """Does keeping the status with a comment record a note, and keeping it without one ask for a change?"""
    path = f"/aktiviteter/{data['late']}"
    refused = client.post(path + "/status", data={"status": "in_progress", "base_revision": "1"})
    assert refused.status_code == 422
    assert "Aktiviteten har redan status Pågår." in text(refused)
    resp = client.post(path + "/status", data={"status": "in_progress", "comment": "Två träffar hållna",
                                               "base_revision": "1"})
    assert resp.status_code == 302
    body = text(client.get(path))
    assert "Kommentaren sparades i statushistoriken (status fortfarande Pågår)." in body
    assert "Två träffar hållna" in body and "Pågår (oförändrad)" in body


def test_stale_status_change_keeps_the_comment_and_changes_nothing(client, app, data):
    """When someone changed the activity after I opened it, is my change refused with my comment kept?"""
    path = f"/aktiviteter/{data['late']}"
    with app.app_context():
        plans.set_status(db.session.get(Activity, data["late"]), "Klart", author="bosse")
    resp = client.post(path + "/status", data={"status": "not_started", "comment": "Mitt skäl",
                                               "base_revision": "1"})
    assert resp.status_code == 409
    body = text(resp)
    assert "Någon annan ändrade aktiviteten medan du tittade på den" in body
    assert "Nu är status Klart (version 2)" in body
    assert 'value="Mitt skäl"' in resp.get_data(as_text=True)
    assert base_of(resp.get_data(as_text=True)) == "2"
    with app.app_context():
        assert db.session.get(Activity, data["late"]).status == "done"


def test_a_status_form_without_its_base_revision_is_treated_as_stale(client, app, data):
    """Is a status POST missing the base revision refused as a conflict rather than applied blindly?"""
    resp = client.post(f"/aktiviteter/{data['late']}/status", data={"status": "done"})
    assert resp.status_code == 409
    with app.app_context():
        assert db.session.get(Activity, data["late"]).status == "in_progress"


def test_unknown_status_gets_a_swedish_message(client, data):
    """Is a tampered status value refused in Swedish?"""
    resp = client.post(f"/aktiviteter/{data['late']}/status", data={"status": "lila", "base_revision": "1"})
    assert resp.status_code == 422 and "Okänd status ”lila”" in text(resp)


def test_delete_and_restore_an_activity(client, app, data):
    """Can an editor delete an activity (it leaves the plan, listed as deleted) and restore it?"""
    path = f"/aktiviteter/{data['done']}"
    confirm = client.get(path + "/ta-bort")
    assert "Ta bort aktiviteten?" in text(confirm)
    resp = client.post(path + "/ta-bort", data={"base_revision": base_of(confirm.get_data(as_text=True)),
                                                "comment": "Dubblett"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/planer/{SLUG}")
    plan_page = client.get(f"/planer/{SLUG}")
    body = text(plan_page)
    assert "togs bort" in body and "2 aktiviteter" in body and "Borttagna aktiviteter" in body
    assert client.get(path + "/redigera").status_code == 404
    resp = client.post(path + "/aterskapa", data={})
    assert resp.status_code == 302
    assert "återskapades" in text(client.get(path))
    assert "3 aktiviteter" in text(client.get(f"/planer/{SLUG}"))
    with app.app_context():
        assert [r.op for r in plans.history(plans.ACTIVITY, data["done"])] == ["restore", "delete", "create"]


# --- collaboration plans ------------------------------------------------------------------------

def test_editor_creates_a_collaboration_plan_that_new_plans_can_follow(client, app, data):
    """Does the form save a collaboration plan with its goals one per line, offered to action plans?"""
    assert "Ny samverkansplan" in text(client.get("/planer"))
    resp = client.post("/samverkansplaner/ny", data=collaboration_form())
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/samverkansplaner/samverkansplan-2027-2030")
    body = text(client.get(resp.headers["Location"]))
    assert "Samverkansplanen ”Samverkansplan 2027–2030” skapades." in body
    assert "Trygga vårdövergångar" in body and "Antagen av samrådsgruppen." in body
    with app.app_context():
        row = plans.get_collaboration_plan("samverkansplan-2027-2030")
        assert row.goals == ["Trygga vårdövergångar", "Främja psykisk hälsa"] and row.period == "2027–2030"
        rev = plans.history(plans.COLLABORATION, row.id)[0]
        assert (rev.author, rev.comment, rev.op) == ("redaktor", "Ny period", "create")
    assert "Samverkansplan 2027–2030 (2027–2030)" in main(client.get("/planer/ny"))


def test_collaboration_form_errors_are_swedish_and_nothing_is_saved(client, app, data):
    """Are an empty title, a backwards period, a taken or reserved address refused in Swedish, text kept?"""
    with app.app_context():
        before = len(plans.collaboration_plans())
    resp = client.post("/samverkansplaner/ny", data=collaboration_form(title="", period="2030-2027"))
    assert resp.status_code == 422
    body = text(resp)
    for message in ("Något behöver rättas", "Ange samverkansplanens titel.",
                    "Periodens sista år kan inte vara före det första."):
        assert message in body, message
    assert "Antagen av samrådsgruppen." in body and 'aria-invalid="true"' in resp.get_data(as_text=True)
    taken = text(client.post("/samverkansplaner/ny", data=collaboration_form(title="Samverkansplan 2023–2026")))
    assert "Det finns redan en samverkansplan med adressen ”samverkansplan-2023-2026”." in taken
    reserved = client.post("/samverkansplaner/ny", data=collaboration_form(title="Ny"))
    assert "Adressen ”ny” är reserverad" in text(reserved)
    with app.app_context():
        assert len(plans.collaboration_plans()) == before


def test_editor_edits_a_collaboration_plan_and_its_history_and_plans_show_it(client, app, data):
    """Does an edit make a revision shown in the history, and do the plans that follow it show the new title?"""
    html = client.get(f"/samverkansplaner/{COLLABORATION}/redigera").get_data(as_text=True)
    assert "Öka tilliten" in html
    resp = client.post(f"/samverkansplaner/{COLLABORATION}/redigera", data=collaboration_form(
        title="Samverkansplan för SAMLA", period="2023–2026", goals="Öka tilliten\nÖka kontinuiteten",
        base_revision=base_of(html), comment="Nytt namn"))
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/samverkansplaner/{COLLABORATION}")
    assert "Samverkansplanen sparades (version 2)." in text(client.get(resp.headers["Location"]))
    history = text(client.get(f"/samverkansplaner/{COLLABORATION}/historik"))
    assert "Nytt namn" in history and "Titel: före: Samverkansplan 2023–2026 → efter: Samverkansplan för SAMLA" \
        in history
    assert "Samverkansplan för SAMLA" in text(client.get(f"/planer/{SLUG}"))


def test_stale_collaboration_edit_shows_the_conflict_and_keeps_the_users_values(client, app, data):
    """When someone saved the collaboration plan meanwhile, is nothing overwritten and are my values kept?"""
    html = client.get(f"/samverkansplaner/{COLLABORATION}/redigera").get_data(as_text=True)
    with app.app_context():
        row = plans.get_collaboration_plan(COLLABORATION)
        plans.save_collaboration_plan(plans.CollaborationData(row.title, row.period, row.goals, "Bosses text"),
                                      current=row, base_revision=1, author="bosse", comment="Bosses ändring")
    resp = client.post(f"/samverkansplaner/{COLLABORATION}/redigera", data=collaboration_form(
        title="Samverkansplan 2023–2026", period="2023–2026", description="Min text", base_revision=base_of(html)))
    assert resp.status_code == 409
    body = text(resp)
    assert "Någon annan har sparat samverkansplanen medan du redigerade" in body and "Bosses ändring" in body
    assert "Beskrivning Bosses text Min text" in body
    assert base_of(resp.get_data(as_text=True)) == "2"
    with app.app_context():
        assert plans.get_collaboration_plan(COLLABORATION).description == "Bosses text"

