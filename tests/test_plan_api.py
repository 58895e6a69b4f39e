"""The JSON API for plans and activities, and activities found by search."""
from __future__ import annotations

import pytest
from factories import make_page

from kb import dates, index
from kb.services import plans


@pytest.fixture
def data(app):
    """A plan with three activities: one overdue, one done, one linked to SIP."""
    with app.app_context():
        make_page("Samordningsgruppen", type="structure")
        make_page("SIP", "Samordnad individuell plan.", type="routine")
        plan = plans.create_plan(plans.PlanData("Samordningsgruppens aktivitetsplan", "samordningsgruppen",
                                                "2023", adopted="2023-02-15"))
        late = str(dates.today().year - 1)
        plans.create_activity(plan, plans.ActivityData(goal="Öka tilliten", what="Analysera avvikelser halvårsvis",
                                                       status="Pågår", deadline=late,
                                                       responsible="samordningsgruppen"))
        plans.create_activity(plan, plans.ActivityData(goal="Öka tilliten", what="Workshop om hemgång",
                                                       status="Klart", deadline=late))
        plans.create_activity(plan, plans.ActivityData(goal="Öka kontinuiteten", what="Nätverk för SIP-samordnare",
                                                       status="Inte påbörjad", pages=["sip"],
                                                       target_groups=["Äldre"]))
        return {"plan_id": plan.id, "slug": plan.slug}


def test_plans_are_listed_with_counts_per_status(anon, data):
    body = anon.get("/api/plans").get_json()
    assert body["total"] == 1
    plan = body["plans"][0]
    assert plan["id"] == data["plan_id"] and plan["slug"] == data["slug"]
    assert plan["structure"]["slug"] == "samordningsgruppen"
    assert plan["period"] == "2023" and plan["adopted"] == "2023-02-15"
    assert plan["counts"] == {"not_started": 1, "in_progress": 1, "done": 1, "overdue": 1, "total": 3}
    assert plan["url"].endswith(f"/planer/{data['slug']}")


def test_one_plan_has_its_activities_in_order(anon, data):
    body = anon.get(f"/api/plans/{data['plan_id']}").get_json()
    assert [a["what"] for a in body["activities"]] == ["Analysera avvikelser halvårsvis", "Workshop om hemgång",
                                                       "Nätverk för SIP-samordnare"]
    assert anon.get(f"/api/plans/{data['slug']}").get_json()["id"] == data["plan_id"]
    first = body["activities"][0]
    assert first["status"] == "in_progress" and first["status_label"] == "Pågår" and first["overdue"] is True
    assert first["responsible"]["slug"] == "samordningsgruppen"
    assert first["url"].endswith(f"/aktiviteter/{first['id']}")


def test_unknown_plan_is_404_json(anon, data):
    for path in ("/api/plans/999", "/api/plans/finns-inte"):
        response = anon.get(path)
        assert response.status_code == 404 and response.get_json()["status"] == 404


def test_activities_filter_by_status_overdue_and_page(anon, data):
    def whats(query):
        response = anon.get("/api/activities" + query)
        assert response.status_code == 200
        body = response.get_json()
        assert body["total"] == len(body["activities"])
        return [a["what"] for a in body["activities"]]

    assert len(whats("")) == 3
    assert whats("?status=done") == ["Workshop om hemgång"]
    assert whats("?status=Klart") == ["Workshop om hemgång"]
    assert whats("?overdue=1") == ["Analysera avvikelser halvårsvis"]
    assert whats("?page=sip") == ["Nätverk för SIP-samordnare"]
    assert whats("?page=samordningsgruppen") == ["Analysera avvikelser halvårsvis"]
    assert whats("?status=not_started&page=sip") == ["Nätverk för SIP-samordnare"]
    assert whats("?target_group=Äldre") == ["Nätverk för SIP-samordnare"]
    assert whats(f"?plan={data['slug']}&overdue=0") == whats("")
    activity = anon.get("/api/activities?page=sip").get_json()["activities"][0]
    assert {"id", "plan", "goal", "what", "status", "deadline", "overdue", "pages", "target_groups"} <= set(activity)
    assert activity["pages"][0]["slug"] == "sip"


def test_bad_filters_are_400_with_swedish_messages(anon, data):
    response = anon.get("/api/activities?status=lila&overdue=kanske")
    assert response.status_code == 400
    body = response.get_json()
    assert "Okänd status ”lila”" in body["errors"]["status"] and "overdue" in body["errors"]
    for query in ("?page=finns-inte", "?plan=finns-inte"):
        response = anon.get("/api/activities" + query)
        assert response.status_code == 404 and "finns ingen" in response.get_json()["message"]


def test_deleted_plans_and_activities_leave_the_api(app, anon, data):
    with app.app_context():
        plan = plans.get_plan(data["plan_id"])
        plans.delete_activity(plans.plan_activities(plan)[0])
        assert len(anon.get("/api/activities").get_json()["activities"]) == 2
        plans.delete_plan(plan)
    assert anon.get("/api/plans").get_json()["plans"] == []
    assert anon.get(f"/api/plans/{data['plan_id']}").status_code == 404
    assert anon.get("/api/activities").get_json()["activities"] == []


def test_api_needs_login_when_reading_is_not_public(tmp_path):
    from factories import make_app

    app = make_app(tmp_path / "closed", PUBLIC_READ=False)
    for path in ("/api/plans", "/api/activities"):
        assert app.test_client().get(path).status_code in (401, 403)


# --- search ------------------------------------------------------------------------------------

def test_activities_are_found_by_search_with_their_plan_and_status(app, data):
    with app.app_context(), app.test_request_context():
        found = index.search("avvikelser halvårsvis")
        hit = next(h for h in found.hits if h.kind == "activity")
        assert hit.title == "Analysera avvikelser halvårsvis"
        assert hit.context == "Samordningsgruppens aktivitetsplan"
        assert (hit.status, hit.status_label) == ("in_progress", "Pågår")
        assert hit.url_path.startswith("/aktiviteter/")
        assert found.facets["type"].get("activity") == 1
        plan_hit = next(h for h in index.search("aktivitetsplan").hits if h.kind == "plan")
        assert plan_hit.url_path == f"/planer/{data['slug']}"


def test_search_page_shows_activity_hits_with_plan_and_status(anon, data):
    html = anon.get("/sok?q=workshop+hemgång").get_data(as_text=True)
    assert "Workshop om hemgång" in html and "i Samordningsgruppens aktivitetsplan" in html
    assert "Klart" in html and "Aktivitet" in html
    html = anon.get("/sok?q=workshop&typ=activity").get_data(as_text=True)
    assert "bland aktiviteter" in html


def test_index_follows_edits_deletes_and_plan_renames(app, data):
    with app.app_context(), app.test_request_context():
        plan = plans.get_plan(data["plan_id"])
        activity = plans.plan_activities(plan)[1]
        plans.update_activity(activity, plans.ActivityData(goal="Öka tilliten", what="Kartläggning av hemgång",
                                                           status="Klart"), base_revision=1)
        assert [h.title for h in index.search("kartläggning").hits] == ["Kartläggning av hemgång"]
        assert index.search("workshop").total == 0
        plans.update_plan(plan, plans.PlanData("Omdöpt plan", "samordningsgruppen", "2023"), base_revision=1)
        assert index.search("kartläggning").hits[0].context == "Omdöpt plan"
        plans.delete_plan(plan)
        assert index.search("kartläggning").total == 0
        plans.restore_plan(plan)
        assert index.search("kartläggning").total == 1
        plans.delete_activity(activity)
        assert index.search("kartläggning").total == 0


def test_rebuild_includes_plans_and_activities(app, data):
    with app.app_context(), app.test_request_context():
        before = {(h.kind, h.title) for h in index.search("aktivitetsplan samordningsgruppen SIP", per_page=50).hits}
        index.rebuild(app)
        after = {(h.kind, h.title) for h in index.search("aktivitetsplan samordningsgruppen SIP", per_page=50).hits}
        assert before == after and ("activity", "Nätverk för SIP-samordnare") in after


def test_a_page_outranks_an_activity_that_matches_as_well(app, data):
    with app.app_context(), app.test_request_context():
        make_page("Nätverk för SIP-samordnare", "Om nätverket.", type="article")
        kinds = [h.kind for h in index.search("nätverk för SIP-samordnare").hits]
        assert kinds[0] == "page" and "activity" in kinds


def test_api_search_finds_activities_when_asked(anon, data):
    pages_only = anon.get("/api/search?q=workshop").get_json()
    assert pages_only["results"] == []
    body = anon.get("/api/search?q=workshop&kind=activity").get_json()
    result = body["results"][0]
    assert result["kind"] == "activity" and result["status"] == "done" and result["status_label"] == "Klart"
    assert result["plan"] == "Samordningsgruppens aktivitetsplan" and "/aktiviteter/" in result["url"]
    assert anon.get("/api/search?q=workshop&kind=all").get_json()["total"] == 1
