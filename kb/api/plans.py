"""`GET /api/plans`, `/api/plans/<id>` and `/api/activities`: plans and activities as JSON.

Added to the api blueprint by `register`. Bad filter values answer 400 with Swedish messages
per parameter; an unknown plan or page answers 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user

from kb import dates, fuzzydate, urls
from kb.constants import ActivityStatus
from kb.exceptions import ValidationError
from kb.models import ActionPlan, Activity, Page
from kb.permissions import can_read_page, hidden_areas, readable_pages, sees_area
from kb.services import areas, pages
from kb.services import plans as plan_service


def _url(path: str) -> str:
    return request.host_url.rstrip("/") + request.script_root + path


def _page_ref(page: Page | None) -> dict | None:
    if page is None:
        return None
    return {"slug": page.slug, "title": page.title, "url": _url(urls.page_path(page.slug))}


def _iso(value) -> str:
    return value.isoformat() + "Z" if value else ""


def plan_json(plan: ActionPlan, counts: plan_service.PlanCounts | None = None) -> dict:
    """A plan's own fields (and its counts per status, when given)."""
    collaboration = plan.collaboration_plan
    out = {
        "id": plan.id,
        "slug": plan.slug,
        "title": plan.title,
        "area": areas.ref(plan.area_id),
        "structure": _page_ref(plan.structure),
        "period": plan.period,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "adopted": plan.adopted,
        "collaboration_plan": {"slug": collaboration.slug, "title": collaboration.title,
                               "period": collaboration.period} if collaboration is not None else None,
        "focus_areas": list(plan.focus_areas or []),
        "description": plan.description,
        "revision": plan.revision_number,
        "updated": _iso(plan.updated_at),
        "url": _url(urls.plan_path(plan.slug)),
    }
    if counts is not None:
        out["counts"] = {**counts.by_status, "overdue": counts.overdue, "total": counts.total}
    return out


def activity_json(activity: Activity, *, on=None) -> dict:
    """An activity with its plan, responsible, dates, status and linked pages."""
    on = on or dates.today()
    plan = activity.plan
    return {
        "id": activity.id,
        "plan": {"id": plan.id, "slug": plan.slug, "title": plan.title},
        "goal": activity.goal,
        "subgoal": activity.subgoal,
        "what": activity.what,
        "how": activity.how,
        "decision": activity.decision,
        "responsible": _page_ref(activity.responsible),
        "responsible_text": activity.responsible_text,
        "start": activity.start,
        "deadline": activity.deadline,
        "deadline_label": fuzzydate.label(activity.deadline),
        "due_on": activity.due_on.isoformat() if activity.due_on else None,
        "follow_up": activity.follow_up,
        "status": activity.status,
        "status_label": ActivityStatus(activity.status).label,
        "overdue": activity.is_overdue(on),
        "target_groups": list(activity.target_groups or []),
        "pages": [_page_ref(p) for p in readable_pages(current_user, activity.pages)],
        "revision": activity.revision_number,
        "updated": _iso(activity.updated_at),
        "url": _url(urls.activity_path(activity.id)),
    }


def api_plans():
    """All live plans with counts per status: {plans: [...], total}."""
    rows = plan_service.status_counts(hidden=hidden_areas(current_user))
    return jsonify({"plans": [plan_json(c.plan, c) for c in rows], "total": len(rows)})


def api_plan(key: str):
    """One live plan (by id or slug) with its activities in plan order."""
    plan = plan_service.get_plan(key)
    if plan is None or plan.deleted or not sees_area(current_user, plan.area_id):
        abort(404)
    [counts] = plan_service.status_counts(of=[plan])
    on = dates.today()
    return jsonify({**plan_json(plan, counts),
                    "activities": [activity_json(a, on=on) for a in plan_service.plan_activities(plan)]})


def api_activities():
    """Activities of live plans: ?status=&overdue=1&page=<slug>&plan=&target_group=&goal=&responsible=."""
    try:
        wanted = plan_service.parse_filter(request.args)
    except ValidationError as exc:
        return jsonify(error="Felaktig begäran", message=" ".join(exc.errors.values()), errors=exc.errors,
                       status=400), 400
    missing = _missing(wanted)
    if missing:
        return jsonify(error="Finns inte", message=missing, status=404), 404
    on = dates.today()
    found = plan_service.find_activities(wanted, on=on, hidden=hidden_areas(current_user))
    return jsonify({"activities": [activity_json(a, on=on) for a in found], "total": len(found)})


def _missing(wanted: plan_service.ActivityFilter) -> str | None:
    """Why a filter names something that does not exist (None when all is there)."""
    if wanted.page:
        page, _ = pages.resolve(wanted.page)
        if page is None or page.deleted or not can_read_page(current_user, page):
            return f"Det finns ingen sida ”{wanted.page}”."
    if wanted.plan:
        plan = plan_service.get_plan(wanted.plan)
        if plan is None or plan.deleted or not sees_area(current_user, plan.area_id):
            return f"Det finns ingen plan ”{wanted.plan}”."
    return None


def register(bp: Blueprint) -> None:
    """Add the plan and activity endpoints to the api blueprint."""
    bp.add_url_rule("/plans", "plans", api_plans, methods=["GET"])
    bp.add_url_rule("/plans/<key>", "plan", api_plan, methods=["GET"])
    bp.add_url_rule("/activities", "activities", api_activities, methods=["GET"])
