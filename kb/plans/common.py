"""What the plan and activity views share: loading (404 for what is gone), the structures to choose
from, conflicts, and deleting or restoring with a confirmation."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_login import current_user

from kb.auth.guards import actor_name
from kb.constants import PageType
from kb.exceptions import ConflictError, ValidationError
from kb.models import ActionPlan, Activity
from kb.permissions import hidden_areas, sees_area, sees_unpublished
from kb.plans.forms import DeleteForm, RestoreForm, parse_revision
from kb.services import plans, structure
from kb.slugs import is_valid_slug


def load_plan(slug: str, *, allow_deleted: bool = False) -> ActionPlan:
    """The plan for a URL slug, or 404 (also a plan of a members-only area the user is no member of)."""
    plan = plans.get_plan(slug) if is_valid_slug(slug) and not slug.isdigit() else None
    if plan is None or (plan.deleted and not allow_deleted) or not sees_area(current_user, plan.area_id):
        abort(404)
    return plan


def load_activity(activity_id: int, *, allow_deleted: bool = False) -> Activity:
    """The activity with this id, or 404 (also when it or its plan is deleted, unless allowed)."""
    activity = plans.get_activity(activity_id)
    if activity is None or ((activity.deleted or activity.plan.deleted) and not allow_deleted) \
            or not sees_area(current_user, activity.plan.area_id):
        abort(404)
    return activity


def structures() -> list:
    """Live structure pages, by title (the choices for "Struktur" and "Ansvarig")."""
    return structure.live_of_type(PageType.STRUCTURE, hidden=hidden())


def hidden() -> frozenset[int]:
    """The members-only areas the current user is no member of: their plans and pages are left out."""
    return hidden_areas(current_user)


def base_revision(form) -> int:
    """The revision the form was based on; a missing one counts as stale (-1), never as "no check"."""
    base = parse_revision(form.base_revision.data)
    return -1 if base is None else base


def reader(area_id: int | None = None) -> bool:
    """Whether the viewer sees only approved pages (names of others are hidden in history and exports),
    in the area when given (an editor of another area reads this one as a reader)."""
    return not sees_unpublished(current_user, area_id)


def conflict_page(template: str, form, exc: ConflictError, entity: str, saved, yours: dict, **context):
    """The form again with the user's values kept, what others saved since, and where the two differ."""
    entries = plans.history_entries(entity, saved.id)
    current = entries[0].revision.data if entries else {}
    others = [e for e in entries if e.revision.number > exc.base]
    differences = plans.describe_changes(entity, current, yours)
    form.base_revision.data = str(saved.revision_number)
    return render_template(template, form=form, conflict=exc, others=others, differences=differences,
                           **context), 409


def delete_row(row, delete, *, what: str, title: str, note: str, back: str, after: str, done: str):
    """The delete confirmation for `row`; on POST `delete` it, unless someone changed it meanwhile."""
    form = DeleteForm()
    if request.method == "GET":
        form.base_revision.data = str(row.revision_number)
    elif form.validate_on_submit():
        try:
            delete(row, author=actor_name(), comment=form.comment.data or "",
                   base_revision=base_revision(form))
        except (ConflictError, ValidationError) as exc:
            if isinstance(exc, ValidationError) and "comment" in exc.errors:  # e.g. a personnummer
                form.comment.errors = [*form.comment.errors, exc.errors["comment"]]
                return render_template("plans/delete.html", form=form, title=title, what=what, back=back,
                                       note=note), 422
            flash(f"{what.capitalize()} ändrades av någon annan medan du tittade på den och togs inte bort. "
                  "Se den nya versionen och försök igen.", "error")
            return redirect(back)
        flash(done, "success")
        return redirect(after)
    return render_template("plans/delete.html", form=form, title=title, what=what, back=back, note=note)


def restore_row(row, restore, *, what: str, title: str, back: str):
    """Bring back a deleted `row` with `restore` (a confirmed POST) and return to `back`."""
    form = RestoreForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        restore(row, author=actor_name(), comment=form.comment.data or "")
    except (ConflictError, ValidationError) as exc:
        flash(message(exc), "error")
    else:
        flash(f"{what.capitalize()} ”{title}” återskapades.", "success")
    return redirect(back)


def message(exc: Exception) -> str:
    """A service error as one Swedish sentence for a flash."""
    return " ".join(exc.errors.values()) if isinstance(exc, ValidationError) else str(exc)
