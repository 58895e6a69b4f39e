"""Views for activities: one activity, create, edit, the quick status change, delete and restore.

They belong to the plans blueprint (kb.plans.routes calls `register`), so their endpoints are
plans.activity, plans.create_activity and so on.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from kb.auth.guards import actor_name, editable, require
from kb.constants import ActivityStatus
from kb.exceptions import ConflictError, ValidationError
from kb.models import Activity
from kb.permissions import Permission
from kb.plans.common import (
    base_revision,
    conflict_page,
    delete_row,
    load_activity,
    load_plan,
    reader,
    restore_row,
    structures,
)
from kb.plans.forms import ActivityForm, RestoreForm, StatusForm
from kb.services import areas, plans


def activity(activity_id: int):
    """One activity: all fields, the status form for editors, the status history and the full history."""
    item = load_activity(activity_id, allow_deleted=True)
    form = StatusForm(formdata=None, status=item.status, base_revision=str(item.revision_number))
    return activity_page(item, form)


def activity_page(item: Activity, form: StatusForm, code: int = 200, **extra):
    """The activity page with a given status form (fresh, with errors, or after a conflict)."""
    gone = item.deleted or item.plan.deleted
    if gone and code == 200:
        code = 410
    return render_template("plans/activity.html", activity=item, plan=item.plan, form=form,
                           search_area=areas.search_scope(item.plan.area_id),
                           restore_form=RestoreForm(),
                           entries=plans.history_entries(plans.ACTIVITY, item.id,
                                                         published_only=reader(item.plan.area_id)),
                           status_entries=plans.status_history(item, published_only=reader(item.plan.area_id)),
                           **extra), code


@require(Permission.EDIT)
def create_activity(slug: str):
    """Add an activity to a plan (?mal= pre-fills the goal)."""
    plan = editable(load_plan(slug))
    form = ActivityForm()
    form.set_choices(structures())
    context = {"plan": plan, "activity": None, "goals": plans.goal_choices(plan)}
    if request.method == "GET":
        form.goal.data = request.args.get("mal", "")[:500]
        form.status.data = ActivityStatus.NOT_STARTED.value
        form.responsible.data = plan.structure.slug if plan.structure else ""
        return render_template("plans/activity_form.html", form=form, **context)
    if form.validate_on_submit():
        try:
            item = plans.create_activity(plan, form.to_data(), author=actor_name(),
                                         comment=form.comment.data or "")
        except ValidationError as exc:
            form.add_service_errors(exc, "what")
        else:
            flash(f"Aktiviteten ”{item.title}” lades till i planen.", "success")
            return redirect(url_for("plans.activity", activity_id=item.id))
    return render_template("plans/activity_form.html", form=form, **context), 422


@require(Permission.EDIT)
def edit_activity(activity_id: int):
    """Edit every field of an activity; an edit based on an older revision shows the conflict."""
    item = editable(load_activity(activity_id))
    form = ActivityForm()
    form.set_choices(structures())
    context = {"plan": item.plan, "activity": item, "goals": plans.goal_choices(item.plan)}
    if request.method == "GET":
        form.fill_from(item)
        return render_template("plans/activity_form.html", form=form, **context)
    if form.validate_on_submit():
        data = form.to_data()
        try:
            rev = plans.update_activity(item, data, base_revision=base_revision(form), author=actor_name(),
                                        comment=form.comment.data or "")
        except ConflictError as exc:
            yours = plans.clean_activity(data).data.snapshot()
            return conflict_page("plans/activity_form.html", form, exc, plans.ACTIVITY, item, yours, **context)
        except ValidationError as exc:
            form.add_service_errors(exc, "what")
        else:
            flash("Inga ändringar att spara." if rev is None
                  else f"Aktiviteten sparades (version {rev.number}).", "info" if rev is None else "success")
            return redirect(url_for("plans.activity", activity_id=item.id))
    return render_template("plans/activity_form.html", form=form, **context), 422


@require(Permission.EDIT)
def change_status(activity_id: int):
    """The quick status change: a new status and/or a follow-up comment."""
    item = editable(load_activity(activity_id))
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    before = item.status
    try:
        plans.set_status(item, form.status.data or "", comment=form.comment.data or "",
                         base_revision=base_revision(form), author=actor_name())
    except ConflictError as exc:
        form.base_revision.data = str(item.revision_number)
        return activity_page(item, form, 409, conflict=exc)
    except ValidationError as exc:
        form.add_service_errors(exc, "status")
        return activity_page(item, form, 422)
    label = item.activity_status.label
    flash(f"Status ändrad till {label}." if item.status != before
          else f"Kommentaren sparades i statushistoriken (status fortfarande {label}).", "success")
    return redirect(url_for("plans.activity", activity_id=item.id) + "#statushistorik")


@require(Permission.EDIT)
def delete_activity(activity_id: int):
    """Ask, then delete an activity (it can be restored from its page)."""
    item = editable(load_activity(activity_id))
    return delete_row(item, plans.delete_activity, what="aktiviteten", title=item.title,
                   note="Aktiviteten försvinner från planen och sök. Historiken sparas och den kan "
                        "återskapas.",
                   back=url_for("plans.activity", activity_id=item.id),
                   after=url_for("plans.view", slug=item.plan.slug),
                   done=f"Aktiviteten ”{item.title}” togs bort. Den kan återskapas från planens sida.")


@require(Permission.EDIT)
def restore_activity(activity_id: int):
    """Bring a deleted activity back into its plan."""
    item = editable(load_activity(activity_id, allow_deleted=True))
    return restore_row(item, plans.restore_activity, what="aktiviteten", title=item.title,
                    back=url_for("plans.activity", activity_id=item.id))


FORM = ["GET", "POST"]  # a form page: shown, then posted


def register(bp: Blueprint) -> None:
    """Add the activity views to the plans blueprint (endpoints plans.activity, plans.edit_activity …)."""
    bp.add_url_rule("/aktiviteter/<int:activity_id>", "activity", activity, methods=["GET"])
    bp.add_url_rule("/planer/<slug>/ny-aktivitet", "create_activity", create_activity, methods=FORM)
    bp.add_url_rule("/aktiviteter/<int:activity_id>/redigera", "edit_activity", edit_activity, methods=FORM)
    bp.add_url_rule("/aktiviteter/<int:activity_id>/status", "change_status", change_status, methods=["POST"])
    bp.add_url_rule("/aktiviteter/<int:activity_id>/ta-bort", "delete_activity", delete_activity, methods=FORM)
    bp.add_url_rule("/aktiviteter/<int:activity_id>/aterskapa", "restore_activity", restore_activity, methods=["POST"])
