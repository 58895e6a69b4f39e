"""The demo plans (kb/demo/plans/*.yaml): loaded with the demo pages, linked to live pages, mixed statuses."""
from __future__ import annotations

from collections import Counter

import pytest

from kb.constants import TARGET_GROUPS, ActivityStatus, PageType
from kb.dates import today
from kb.services import pages, plans, transfer
from kb.services.demo import demo_folder

ACTION_PLANS = {
    "samordningsgruppens-aktivitetsplan-2023": ("samordningsgruppen", "2023"),
    "nosam-barn-och-unga-2023": ("nosam-barn-och-unga", "2023"),
    "nosam-psykisk-halsa-och-missbruk-2023": ("nosam-psykisk-halsa-och-missbruk", "2023"),
    "nosam-aldre-2023": ("nosam-aldre", "2023"),
    "nosam-aktivitetsplan-2024-2026": ("nosam", "2024–2026"),
    "nosam-gbg-sydvast-handlingsplan-2024": ("nosam-gbg-sydvast", "2024"),
}
GBG = "nosam-gbg-sydvast-handlingsplan-2024"
GBG_FOCUS = ["Trygga, säkra och effektiva vårdövergångar", "Främja hälsa och förebygga ohälsa"]


@pytest.fixture
def ctx(demo_app):
    """An app context on the demo content."""
    with demo_app.app_context():
        yield demo_app


def all_activities():
    """Every live activity of every live plan."""
    return [a for plan in plans.live_plans() for a in plans.plan_activities(plan)]


def test_all_plans_are_loaded(ctx):
    """Are the six action plans and the two collaboration plans there, with their structure and period?"""
    loaded = {p.slug: p for p in plans.live_plans()}
    assert set(ACTION_PLANS) <= set(loaded)
    for slug, (structure, period) in ACTION_PLANS.items():
        plan = loaded[slug]
        assert plan.structure.slug == structure
        assert plan.period == period
        assert plan.description.strip()
        assert plans.plan_activities(plan), f"{slug} has no activities"
    collaborations = {c.slug: c for c in plans.collaboration_plans()}
    assert {"samverkansplan-2023-2026", "samverkansplan-2020-2023"} <= set(collaborations)
    assert collaborations["samverkansplan-2023-2026"].period == "2023–2026"
    assert len(collaborations["samverkansplan-2023-2026"].goals) == 4
    assert collaborations["samverkansplan-2020-2023"].period == "2020–2023"
    assert len(collaborations["samverkansplan-2020-2023"].goals) == 6


def test_samla_plans_follow_the_collaboration_plan(ctx):
    """Do SAMLA's plans belong to Samverkansplan 2023–2026, with activities under its goals?"""
    collaboration = plans.get_collaboration_plan("samverkansplan-2023-2026")
    goals = set(collaboration.goals)
    for slug in ACTION_PLANS:
        if slug == GBG:
            continue
        plan = plans.get_plan(slug)
        assert plan.collaboration_plan is collaboration
        assert any(a.goal in goals for a in plans.plan_activities(plan))


def test_each_plan_belongs_to_a_structure_page(ctx):
    """Is every plan's structure a live structure page?"""
    for plan in plans.live_plans():
        assert plan.structure.type == PageType.STRUCTURE.value, plan.slug
        assert not plan.structure.deleted


def test_every_activity_links_live_pages(ctx):
    """Does every activity have a goal, a what, target groups and at least one linked page that exists?"""
    activities = all_activities()
    assert len(activities) >= 40
    for activity in activities:
        assert activity.goal and activity.what
        assert activity.target_groups and set(activity.target_groups) <= set(TARGET_GROUPS)
        assert activity.pages, f"{activity.plan.slug}: {activity.title} links no page"
        for page in activity.pages:
            found, _ = pages.resolve(page.slug)
            assert found is not None and not found.deleted, page.slug
        if activity.responsible is not None:
            assert activity.responsible.type == PageType.STRUCTURE.value


def test_statuses_are_mixed(ctx):
    """Does the demo show every status, several of each?"""
    counts = Counter(a.status for a in all_activities())
    assert counts[ActivityStatus.DONE.value] >= 5
    assert counts[ActivityStatus.IN_PROGRESS.value] >= 5
    assert counts[ActivityStatus.NOT_STARTED.value] >= 2


def test_some_activities_are_overdue(ctx):
    """Are at least three activities past their deadline and not done?"""
    overdue = plans.find_activities(plans.ActivityFilter(overdue=True))
    assert len(overdue) >= 3
    assert all(a.status != ActivityStatus.DONE.value and a.due_on < today() for a in overdue)
    # …and not all of them: most of the plans' rows are done or still within their deadline.
    assert len(overdue) < len(all_activities()) / 3


def test_sip_page_lists_its_activities(ctx):
    """Does the SIP routine page find the SIP activities of several plans?"""
    sip, _ = pages.resolve("sip")
    found = plans.activities_for_page(sip)
    assert len(found) >= 5
    assert len({a.plan.slug for a in found}) >= 4
    assert any("SIP" in a.what for a in found)


def test_structure_page_lists_the_activities_it_is_responsible_for(ctx):
    """Does a structure (NOSAM Lerum) find the activities it is responsible for?"""
    lerum, _ = pages.resolve("nosam-lerum")
    found = plans.activities_for_page(lerum)
    assert any(a.responsible is not None and a.responsible.slug == "nosam-lerum" for a in found)


def test_gbg_plan_has_focus_areas_and_adoption_date(ctx):
    """Is the GBG plan adopted 2024-03-15, laid out by its two focus areas plus the appendix?"""
    plan = plans.get_plan(GBG)
    assert plan.adopted == "2024-03-15"
    assert list(plan.focus_areas) == GBG_FOCUS
    groups = plans.group_by_goal(plan, plans.plan_activities(plan))
    assert [g.goal for g in groups][:2] == GBG_FOCUS
    assert groups[-1].goal == "Lokalt identifierade närområdesfrågor"
    subgoals = {sub for g in groups for sub, _ in g.subgroups}
    assert "TG Äldre: Öka kvaliteten och delaktigheten för individen i vårdens övergångar" in subgoals
    stimulus = [a for a in plans.plan_activities(plan) if a.deadline == "2024-12-31"]
    assert stimulus and stimulus[0].start == "2024-01-01"


def test_reimporting_the_demo_changes_no_plan(ctx):
    """Is importing the demo folder a second time a no-op for the plans?"""
    report = transfer.import_folder(demo_folder(), author="demo")
    assert not report.errors
    assert not report.plans.created and not report.plans.updated
    assert set(ACTION_PLANS) <= set(report.plans.unchanged)
