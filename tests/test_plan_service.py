"""Plans and activities in the service layer: validation, history, conflicts, status, queries."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import make_page

from kb import dates
from kb.constants import ActivityStatus, AuditAction, RevisionOp
from kb.exceptions import ConflictError, ValidationError
from kb.extensions import db
from kb.models import AuditEvent, Change, PlanRevision
from kb.services import pages, plans


@pytest.fixture
def ctx(app):
    """An app context with two structures, a routine and a collaboration plan."""
    with app.app_context():
        make_page("Samordningsgruppen", type="structure")
        make_page("NOSAM Lerum", type="structure")
        make_page("SIP", type="routine")
        make_page("Avvikelser i samverkan", type="routine")
        plans.save_collaboration_plan(plans.CollaborationData(
            "Samverkansplan 2023–2026", "2023–2026", ["Öka tilliten", "Öka kontinuiteten"]))
        yield app


def new_plan(**kw):
    data = {"title": "Aktivitetsplan 2024", "structure": "samordningsgruppen", "period": "2024", **kw}
    return plans.create_plan(plans.PlanData(**data), author="anna")


def new_activity(plan, **kw):
    data = {"goal": "Öka tilliten", "what": "Nätverk för SIP-samordnare", "status": "Pågår", **kw}
    return plans.create_activity(plan, plans.ActivityData(**data), author="anna")


def test_a_plan_belongs_to_a_structure_and_a_period(ctx):
    plan = new_plan(period="2024-2026", adopted="2024-03-15", collaboration_plan="samverkansplan-2023-2026",
                    focus_areas="Trygga vårdövergångar\nFrämja hälsa")
    assert plan.slug == "aktivitetsplan-2024"
    assert plan.structure.slug == "samordningsgruppen"
    assert (plan.period_start, plan.period_end, plan.period) == (2024, 2026, "2024–2026")
    assert plan.adopted == "2024-03-15"
    assert plan.collaboration_plan.goals == ["Öka tilliten", "Öka kontinuiteten"]
    assert plan.focus_areas == ["Trygga vårdövergångar", "Främja hälsa"]
    assert plans.get_plan(plan.id) is plans.get_plan("aktivitetsplan-2024") is plan


def test_plan_fields_are_validated_in_swedish(ctx):
    with pytest.raises(ValidationError) as info:
        plans.create_plan(plans.PlanData(title="", structure="sip", period="2026-2024", adopted="snart",
                                         collaboration_plan="finns-inte"))
    errors = info.value.errors
    assert errors["title"] == "Ange planens titel."
    assert "ingen struktursida" in errors["structure"]
    assert "före det första" in errors["period"]
    assert "inget datum" in errors["adopted"]
    assert "ingen samverkansplan" in errors["collaboration_plan"]
    with pytest.raises(ValidationError) as info:
        plans.create_plan(plans.PlanData(title="X", structure="", period="tjugotjugofyra"))
    assert set(info.value.errors) == {"structure", "period"}
    assert db.session.query(PlanRevision).count() == 1  # only the collaboration plan's


def test_a_second_plan_with_the_same_title_gets_a_free_address(ctx):
    first, second = new_plan(), new_plan()
    assert (first.slug, second.slug) == ("aktivitetsplan-2024", "aktivitetsplan-2024-2")
    with pytest.raises(ValidationError) as info:
        new_plan(slug="aktivitetsplan-2024")
    assert "redan en plan" in info.value.errors["slug"]


def test_an_activity_holds_every_column_of_the_paper_plan(ctx):
    plan = new_plan()
    activity = new_activity(
        plan, subgoal="TG Äldre: öka delaktigheten", how="Träffas varje termin\nDela erfarenheter",
        decision="Beslutat i samordningsgruppen", responsible="nosam-lerum", responsible_text="BUP sammankallande",
        start="Nov 2024", deadline="2025", follow_up="Öka antalet SIP i SAMSA med 20 %",
        target_groups=["barn och unga", "Äldre"], pages="sip, avvikelser-i-samverkan")
    assert activity.subgoal == "TG Äldre: öka delaktigheten"
    assert activity.how == "Träffas varje termin\nDela erfarenheter"
    assert activity.responsible.slug == "nosam-lerum" and activity.responsible_text == "BUP sammankallande"
    assert (activity.start, activity.deadline) == ("2024-11", "2025")
    assert (activity.start_on, activity.due_on) == (date(2024, 11, 1), date(2025, 12, 31))
    assert activity.status == ActivityStatus.IN_PROGRESS.value
    assert activity.target_groups == ["Barn och unga", "Äldre"]
    assert sorted(p.slug for p in activity.pages) == ["avvikelser-i-samverkan", "sip"]
    assert activity.position == 1 and new_activity(plan).position == 2


def test_activity_validation_names_each_field(ctx):
    plan = new_plan()
    with pytest.raises(ValidationError) as info:
        plans.create_activity(plan, plans.ActivityData(
            goal=" ", what="", status="blå", start="2025", deadline="2024", target_groups=["Vuxna"],
            pages=["sip", "finns-inte"], responsible="sip"))
    errors = info.value.errors
    assert errors["goal"] == "Ange vilket mål aktiviteten hör till (Mål)."
    assert errors["what"] == "Beskriv vad som ska göras (Vad)."
    assert "Okänd status ”blå”" in errors["status"]
    assert errors["deadline"] == "Slutdatum kan inte ligga före start."
    assert "Okänd målgrupp ”Vuxna”" in errors["target_groups"]
    assert errors["pages"] == "Sidan ”finns-inte” finns inte."
    assert "ingen struktursida" in errors["responsible"]
    assert plans.plan_activities(plan) == []


def test_personal_numbers_are_refused_in_activity_text(ctx):
    with pytest.raises(ValidationError) as info:
        new_activity(new_plan(), how="Ring om 19121212-1212")
    assert "personnummer" in info.value.errors["how"]


def test_every_change_is_a_revision_with_who_when_and_comment(ctx):
    plan = new_plan()
    activity = new_activity(plan)
    rev = plans.update_activity(activity, plans.ActivityData(goal="Öka tilliten", what="Nätverk för SIP",
                                                             status="Pågår", deadline="dec 2024"),
                                base_revision=1, author="bertil", comment="Kortare text")
    assert rev.number == 2 and rev.author == "bertil" and rev.comment == "Kortare text"
    entries = plans.history_entries(plans.ACTIVITY, activity.id)
    assert [e.revision.number for e in entries] == [2, 1]
    changed = {c.key: (c.old, c.new) for c in entries[0].changes}
    assert changed == {"what": ("Nätverk för SIP-samordnare", "Nätverk för SIP"), "deadline": ("", "dec 2024")}
    assert entries[1].revision.op == RevisionOp.CREATE.value
    # Saving the same again changes nothing and adds no revision.
    assert plans.update_activity(activity, plans.ActivityData(goal="Öka tilliten", what="Nätverk för SIP",
                                                              status="Pågår", deadline="2024-12"),
                                 base_revision=2) is None
    assert activity.revision_number == 2


def test_revisions_are_immutable_snapshots(ctx):
    activity = new_activity(new_plan())
    plans.set_status(activity, "Klart", comment="Genomfört", author="anna")
    first = plans.get_revision(plans.ACTIVITY, activity.id, 1)
    assert first.data["status"] == "in_progress" and first.data["what"] == "Nätverk för SIP-samordnare"
    assert plans.get_revision(plans.ACTIVITY, activity.id, 2).data["status"] == "done"


def test_a_stale_edit_is_a_conflict_and_changes_nothing(ctx):
    activity = new_activity(new_plan())
    plans.update_activity(activity, plans.ActivityData(goal="Öka tilliten", what="Först", status="Pågår"),
                          base_revision=1, author="anna")
    with pytest.raises(ConflictError) as info:
        plans.update_activity(activity, plans.ActivityData(goal="Öka tilliten", what="Sen", status="Pågår"),
                              base_revision=1, author="bertil")
    assert (info.value.base, info.value.current) == (1, 2)
    assert activity.what == "Först"
    with pytest.raises(ConflictError):
        plans.set_status(activity, "Klart", base_revision=1)
    plan = activity.plan
    plans.update_plan(plan, plans.PlanData(title="Ny titel", structure="samordningsgruppen", period="2024"),
                      base_revision=1)
    with pytest.raises(ConflictError):
        plans.update_plan(plan, plans.PlanData(title="Annan titel", structure="samordningsgruppen",
                                               period="2024"), base_revision=1)


def test_quick_status_change_is_recorded_in_the_status_history(ctx):
    activity = new_activity(new_plan(), status="Inte påbörjad")
    plans.update_activity(activity, plans.ActivityData(goal="Öka tilliten", what="Annan text",
                                                       status="Inte påbörjad"), base_revision=1)
    plans.set_status(activity, "gul", comment="Arbetsgruppen har startat", base_revision=2, author="cecilia")
    plans.set_status(activity, "Pågår", comment="Halvvägs", author="cecilia")  # a follow-up note
    plans.set_status(activity, "Klart", author="david")
    history = plans.status_history(activity)
    assert [(e.revision.author, e.status_change.new if e.status_change else None, e.revision.comment)
            for e in history] == [("david", "Klart", ""), ("cecilia", None, "Halvvägs"),
                                  ("cecilia", "Pågår", "Arbetsgruppen har startat"),
                                  ("anna", "Inte påbörjad", "Ny aktivitet")]
    assert activity.status == "done"
    events = db.session.query(AuditEvent).filter_by(action=AuditAction.ACTIVITY_STATUS.value).count()
    assert events == 3


def test_status_change_needs_a_new_status_or_a_comment(ctx):
    activity = new_activity(new_plan())
    with pytest.raises(ValidationError) as info:
        plans.set_status(activity, "Pågår")
    assert "redan status Pågår" in info.value.errors["status"]
    with pytest.raises(ValidationError) as info:
        plans.set_status(activity, "lila")
    assert "Okänd status" in info.value.errors["status"]
    assert activity.revision_number == 1


def test_deleting_keeps_the_record_and_its_history(ctx):
    plan = new_plan()
    activity = new_activity(plan)
    plans.delete_activity(activity, author="anna", comment="Dubblett")
    assert activity.deleted and plans.plan_activities(plan) == []
    assert plans.get_activity(activity.id) is activity
    with pytest.raises(ValidationError):
        plans.update_activity(activity, plans.ActivityData(goal="x", what="y", status="Klart"), base_revision=2)
    plans.restore_activity(activity)
    assert plans.plan_activities(plan) == [activity]
    plans.delete_plan(plan)
    assert plans.live_plans() == [] and plans.deleted_plans() == [plan]
    assert plans.find_activities(plans.ActivityFilter()) == []
    plans.restore_plan(plan)
    assert plans.find_activities(plans.ActivityFilter()) == [activity]
    assert [r.op for r in reversed(plans.history(plans.PLAN, plan.id))] == ["create", "delete", "restore"]


def test_overdue_means_deadline_passed_and_not_done(ctx):
    plan = new_plan()
    today = dates.today()
    last_year = str(today.year - 1)
    late = new_activity(plan, what="Sen", deadline=last_year)
    done = new_activity(plan, what="Klar", deadline=last_year, status="Klart")
    this_month = new_activity(plan, what="Denna månad", deadline=today.strftime("%Y-%m"))
    undated = new_activity(plan, what="Utan deadline")
    assert late.is_overdue(today)
    assert not done.is_overdue(today) and not this_month.is_overdue(today) and not undated.is_overdue(today)
    assert plans.find_activities(plans.ActivityFilter(overdue=True)) == [late]
    assert this_month.is_overdue(today + timedelta(days=32))
    counts = plans.status_counts()[0]
    assert counts.by_status == {"not_started": 0, "in_progress": 3, "done": 1}
    assert (counts.overdue, counts.total) == (1, 4)


def test_filters_narrow_by_status_goal_target_group_responsible_and_page(ctx):
    plan = new_plan()
    a = new_activity(plan, what="A", status="Klart", target_groups=["Äldre"], responsible="nosam-lerum",
                     pages=["sip"])
    b = new_activity(plan, what="B", goal="Öka kontinuiteten", responsible_text="Delregional samordnare",
                     pages=["avvikelser-i-samverkan"])
    c = new_activity(plan, what="C", responsible="samordningsgruppen")

    def find(**args):
        return plans.find_activities(plans.parse_filter(args))

    assert find(status="klart") == [a]
    assert find(status="Pågår") == [b, c]
    assert find(goal="Öka kontinuiteten") == [b]
    assert find(target_group="äldre") == [a]
    assert find(responsible="NOSAM Lerum") == [a] == find(responsible="nosam-lerum")
    assert find(responsible="Delregional samordnare") == [b]
    assert find(page="sip") == [a]
    assert find(page="samordningsgruppen") == [c]  # the structure is responsible
    assert find(page="finns-inte") == []
    assert find(plan=plan.slug) == [a, b, c] == find(plan=str(plan.id))
    assert find(overdue="0") == [a, b, c]
    with pytest.raises(ValidationError) as info:
        plans.parse_filter({"status": "lila", "target_group": "Vuxna", "overdue": "kanske"})
    assert set(info.value.errors) == {"status", "target_group", "overdue"}


def test_activities_for_a_page(ctx):
    plan = new_plan()
    linked = new_activity(plan, pages=["sip"])
    new_activity(plan, what="Annat")
    assert plans.activities_for_page(pages.get("sip")) == [linked]


def test_group_by_goal_follows_focus_areas_then_first_appearance(ctx):
    plan = new_plan(focus_areas=["Främja hälsa", "Trygga övergångar"])
    a = new_activity(plan, goal="Trygga övergångar", subgoal="TG Äldre", what="A")
    b = new_activity(plan, goal="Övrigt", what="B")
    c = new_activity(plan, goal="Trygga övergångar", subgoal="TG BoU", what="C")
    d = new_activity(plan, goal="Trygga övergångar", subgoal="TG Äldre", what="D")
    groups = plans.group_by_goal(plan, plans.plan_activities(plan))
    assert [g.goal for g in groups] == ["Trygga övergångar", "Övrigt"]
    assert groups[0].subgroups == [("TG Äldre", [a, d]), ("TG BoU", [c])]
    assert groups[1].subgroups == [("", [b])] and groups[0].count == 3
    assert plans.goal_choices(plan)[:2] == ["Främja hälsa", "Trygga övergångar"]


def test_goal_choices_include_the_collaboration_plans_goals(ctx):
    plan = new_plan(collaboration_plan="samverkansplan-2023-2026")
    new_activity(plan, goal="Eget mål")
    assert plans.goal_choices(plan) == ["Öka tilliten", "Öka kontinuiteten", "Eget mål"]


def test_writes_are_logged_for_the_index_and_the_audit(ctx):
    before = db.session.query(Change).count()
    plan = new_plan()
    activity = new_activity(plan)
    plans.update_plan(plan, plans.PlanData(title="Omdöpt", structure="samordningsgruppen", period="2024"),
                      base_revision=1)
    entities = [(c.entity, c.entity_id, c.op) for c in db.session.query(Change).order_by(Change.id)][before:]
    # The rename re-indexes the plan's activities (their hits show the plan's title).
    assert entities == [("plan", plan.id, "upsert"), ("activity", activity.id, "upsert"),
                        ("plan", plan.id, "upsert"), ("activity", activity.id, "upsert")]
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions[-3:] == [AuditAction.PLAN_SAVED.value, AuditAction.ACTIVITY_SAVED.value,
                            AuditAction.PLAN_SAVED.value]


def test_collaboration_plans_keep_history_and_validate(ctx):
    row = plans.get_collaboration_plan("samverkansplan-2023-2026")
    plans.save_collaboration_plan(plans.CollaborationData("Samverkansplan 2023–2026", "2023–2026",
                                                          ["Öka tilliten"]), current=row, base_revision=1)
    assert row.revision_number == 2 and row.goals == ["Öka tilliten"]
    with pytest.raises(ValidationError) as info:
        plans.save_collaboration_plan(plans.CollaborationData("", "2023–2040"))
    assert set(info.value.errors) == {"title", "period"}
    assert plans.collaboration_plans() == [row]


def test_history_names_structures_pages_and_plans_by_title(ctx):
    """Does history show the titles of the structures, pages and collaboration plan a revision names?"""
    plan = new_plan(collaboration_plan="samverkansplan-2023-2026")
    activity = new_activity(plan)
    plans.update_activity(activity, plans.ActivityData(goal="Öka tilliten", what="Nätverk för SIP-samordnare",
                                                       status="Pågår", responsible="nosam-lerum",
                                                       pages=["sip", "avvikelser-i-samverkan"]),
                          base_revision=1)
    changed = {c.key: c.new for c in plans.history_entries(plans.ACTIVITY, activity.id)[0].changes}
    assert changed == {"responsible": "NOSAM Lerum", "pages": "SIP, Avvikelser i samverkan"}
    created = {c.key: c.new for c in plans.history_entries(plans.PLAN, plan.id)[0].changes}
    assert created["structure"] == "Samordningsgruppen"
    assert created["collaboration_plan"] == "Samverkansplan 2023–2026"
    # An address whose page is gone is shown as it is.
    assert plans.format_value("pages", ["sip", "borttagen"], plans.reference_titles([{"pages": ["sip"]}])) \
        == "SIP, borttagen"
