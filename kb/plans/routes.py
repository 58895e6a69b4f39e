"""Views for collaboration plans, action plans and activities (thin: logic in kb.services.plans).

Reading: /planer (overview), /planer/<slug> (a plan like the paper plan, with a filter form),
/planer/<slug>/utskrift, /aktiviteter/<id>, /samverkansplaner/<slug>. Writing needs
Permission.EDIT (restoring a deleted plan Permission.ADMIN, as for pages) and a CSRF token.
"""
from __future__ import annotations

from dataclasses import asdict
from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from kb import caching
from kb.auth.guards import actor_name, require
from kb.constants import ActivityStatus, PageType
from kb.exceptions import ConflictError, ValidationError
from kb.models import ActionPlan, Activity
from kb.permissions import Permission, can, sees_unpublished
from kb.plans import chart
from kb.plans.forms import (
    ActivityForm,
    CollaborationForm,
    DeleteForm,
    FilterForm,
    ImportForm,
    ImportPlanForm,
    PlanForm,
    RestoreForm,
    StatusForm,
    parse_revision,
)
from kb.services import plans, structure
from kb.services.plans import io as plan_io
from kb.slugs import is_valid_slug
from kb.templating import plural

bp = Blueprint("plans", __name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv"  # Flask adds "; charset=utf-8"


# --- loading -----------------------------------------------------------------------------------

def load_plan(slug: str, *, allow_deleted: bool = False) -> ActionPlan:
    """The plan for a URL slug, or 404."""
    plan = plans.get_plan(slug) if is_valid_slug(slug) and not slug.isdigit() else None
    if plan is None or (plan.deleted and not allow_deleted):
        abort(404)
    return plan


def load_activity(activity_id: int, *, allow_deleted: bool = False) -> Activity:
    """The activity with this id, or 404 (also when it or its plan is deleted, unless allowed)."""
    activity = plans.get_activity(activity_id)
    if activity is None or ((activity.deleted or activity.plan.deleted) and not allow_deleted):
        abort(404)
    return activity


def structures() -> list:
    """Live structure pages, by title (the choices for "Struktur" and "Ansvarig")."""
    return structure.live_of_type(PageType.STRUCTURE)


def base_revision(form) -> int:
    """The revision the form was based on; a missing one counts as stale (-1), never as "no check"."""
    base = parse_revision(form.base_revision.data)
    return -1 if base is None else base


def plan_state(plan: ActionPlan) -> tuple:
    """What a plan view shows besides logged changes (kb.caching): the plan and its collaboration plan."""
    collaboration = plan.collaboration_plan  # collaboration plans record no Change
    return (plan.id, plan.revision_number, plan.updated_at,
            collaboration and (collaboration.id, collaboration.revision_number, collaboration.updated_at))


# --- reading -----------------------------------------------------------------------------------

@bp.get("/planer")
def overview():
    """All live plans grouped by collaboration plan, with counts per status as a table and a chart."""
    if (unchanged := caching.not_modified(plans.collaboration_state())) is not None:
        return unchanged
    counts = plans.status_counts()
    groups: dict[object, list[plans.PlanCounts]] = {}
    for row in sorted(counts, key=lambda r: r.plan.collaboration_plan is None):
        groups.setdefault(row.plan.collaboration_plan, []).append(row)
    ordered = [row for rows in groups.values() for row in rows]
    deleted = plans.deleted_plans() if can(current_user, Permission.EDIT) else []
    return render_template("plans/overview.html", groups=groups, chart=chart.status_chart(ordered),
                           description=chart.describe(ordered), collaborations=plans.collaboration_plans(),
                           deleted=deleted, statuses=chart.ORDER)


@bp.get("/planer/<slug>")
def view(slug: str):
    """A plan laid out like the paper plan: activities by goal, narrowed by the filter form."""
    plan = load_plan(slug, allow_deleted=True)
    if plan.deleted:
        return render_template("plans/deleted.html", plan=plan, form=RestoreForm()), 410
    if (unchanged := caching.not_modified(*plan_state(plan), last_modified=plan.updated_at)) is not None:
        return unchanged
    everything = plans.plan_activities(plan)
    form = FilterForm(formdata=request.args)
    form.set_choices(everything)
    shown, filtered, code = everything, True, 200
    try:
        wanted = plans.parse_filter(request.args)
    except ValidationError as exc:  # shown with the whole plan below it
        form.add_service_errors(exc, "status")
        code = 400
    else:
        filtered = wanted.active
        if filtered:
            shown = plans.find_activities(wanted, plan=plan)
    changed = max([plan.updated_at, *(a.updated_at for a in everything)])
    deleted = plans.deleted_activities(plan) if can(current_user, Permission.EDIT) else []
    return render_template("plans/view.html", plan=plan, form=form, groups=plans.group_by_goal(plan, shown),
                           shown=len(shown), total=len(everything), filtered=filtered, changed=changed,
                           deleted=deleted), code


@bp.get("/planer/<slug>/utskrift")
def print_view(slug: str):
    """The whole plan as one table for printing (the annual report)."""
    plan = load_plan(slug)
    activities = plans.plan_activities(plan)
    counts = {s: sum(1 for a in activities if a.status == s.value) for s in chart.ORDER}
    overdue = sum(1 for a in activities if a.is_overdue(plans.today()))
    changed = max([plan.updated_at, *(a.updated_at for a in activities)])
    return render_template("plans/print.html", plan=plan, groups=plans.group_by_goal(plan, activities),
                           total=len(activities), counts=counts, overdue=overdue, changed=changed,
                           today=plans.today())


@bp.get("/planer/<slug>/historik")
def plan_history(slug: str):
    """Every revision of the plan's own fields, newest first (deleted plans too)."""
    plan = load_plan(slug, allow_deleted=True)
    if (unchanged := caching.not_modified(*plan_state(plan))) is not None:
        return unchanged
    entries = plans.history_entries(plans.PLAN, plan.id, published_only=_reader())
    return render_template("plans/history.html", plan=plan, entries=entries)


def load_collaboration(slug: str):
    """A live collaboration plan by slug, or 404."""
    row = plans.get_collaboration_plan(slug) if is_valid_slug(slug) and not slug.isdigit() else None
    if row is None or row.deleted:
        abort(404)
    return row


@bp.get("/samverkansplaner/<slug>")
def collaboration(slug: str):
    """A collaboration plan: its period, prioritised goals and the action plans that follow it."""
    row = load_collaboration(slug)
    counts = plans.status_counts(of=[p for p in plans.live_plans() if p.collaboration_plan_id == row.id])
    return render_template("plans/collaboration.html", row=row, counts=counts, statuses=chart.ORDER)


@bp.route("/samverkansplaner/ny", methods=["GET", "POST"])
@require(Permission.EDIT)
def create_collaboration():
    """A new collaboration plan: title, period and prioritised goals."""
    form = CollaborationForm()
    if request.method == "GET":
        return render_template("plans/collaboration_form.html", form=form, row=None)
    if form.validate_on_submit():
        try:
            row = plans.save_collaboration_plan(form.to_data(), author=actor_name(),
                                                comment=form.comment.data or "")
        except ValidationError as exc:
            form.add_service_errors(exc, "title")
        else:
            flash(f"Samverkansplanen ”{row.title}” skapades.", "success")
            return redirect(url_for("plans.collaboration", slug=row.slug))
    return render_template("plans/collaboration_form.html", form=form, row=None), 422


@bp.route("/samverkansplaner/<slug>/redigera", methods=["GET", "POST"])
@require(Permission.EDIT)
def edit_collaboration(slug: str):
    """Edit a collaboration plan; an edit based on an older revision shows the conflict."""
    row = load_collaboration(slug)
    form = CollaborationForm()
    if request.method == "GET":
        form.fill_from(row)
        return render_template("plans/collaboration_form.html", form=form, row=row)
    if form.validate_on_submit():
        data, before = form.to_data(), row.revision_number
        try:
            plans.save_collaboration_plan(data, current=row, base_revision=base_revision(form),
                                          author=actor_name(), comment=form.comment.data or "")
        except ConflictError as exc:
            yours = asdict(plans.clean_collaboration(data, current=row))
            return _conflict("plans/collaboration_form.html", form, exc, plans.COLLABORATION, row, yours,
                             row=row)
        except ValidationError as exc:
            form.add_service_errors(exc, "title")
        else:
            saved = row.revision_number != before
            flash(f"Samverkansplanen sparades (version {row.revision_number})." if saved
                  else "Inga ändringar att spara.", "success" if saved else "info")
            return redirect(url_for("plans.collaboration", slug=row.slug))
    return render_template("plans/collaboration_form.html", form=form, row=row), 422


@bp.get("/samverkansplaner/<slug>/historik")
def collaboration_history(slug: str):
    """Every revision of a collaboration plan, newest first."""
    row = load_collaboration(slug)
    if (unchanged := caching.not_modified(plans.collaboration_state())) is not None:
        return unchanged
    return render_template("plans/collaboration_history.html", row=row,
                           entries=plans.history_entries(plans.COLLABORATION, row.id, published_only=_reader()))


@bp.get("/aktiviteter/<int:activity_id>")
def activity(activity_id: int):
    """One activity: all fields, the status form for editors, the status history and the full history."""
    item = load_activity(activity_id, allow_deleted=True)
    form = StatusForm(formdata=None, status=item.status, base_revision=str(item.revision_number))
    return _activity_page(item, form)


def _activity_page(item: Activity, form: StatusForm, code: int = 200, **extra):
    """The activity page with a given status form (fresh, with errors, or after a conflict)."""
    gone = item.deleted or item.plan.deleted
    if gone and code == 200:
        code = 410
    return render_template("plans/activity.html", activity=item, plan=item.plan, form=form,
                           restore_form=RestoreForm(),
                           entries=plans.history_entries(plans.ACTIVITY, item.id, published_only=_reader()),
                           status_entries=plans.status_history(item, published_only=_reader()), **extra), code


def _reader() -> bool:
    """Whether the viewer sees only approved pages (names of others are hidden in history and exports)."""
    return not sees_unpublished(current_user)


# --- plans: create, edit, delete, restore ------------------------------------------------------

@bp.route("/planer/ny", methods=["GET", "POST"])
@require(Permission.EDIT)
def create_plan():
    """A new, empty plan for a structure (?struktur= pre-selects it)."""
    form = PlanForm()
    form.set_choices(structures(), plans.collaboration_plans())
    if request.method == "GET":
        form.structure.data = request.args.get("struktur", "")
        form.period.data = str(plans.today().year)
        return render_template("plans/plan_form.html", form=form, plan=None)
    if form.validate_on_submit():
        try:
            plan = plans.create_plan(form.to_data(), author=actor_name(), comment=form.comment.data or "")
        except ValidationError as exc:
            form.add_service_errors(exc, "title")
        else:
            flash(f"Planen ”{plan.title}” skapades. Lägg till aktiviteter eller importera dem från en fil.",
                  "success")
            return redirect(url_for("plans.view", slug=plan.slug))
    return render_template("plans/plan_form.html", form=form, plan=None), 422


@bp.route("/planer/<slug>/redigera", methods=["GET", "POST"])
@require(Permission.EDIT)
def edit_plan(slug: str):
    """Edit a plan's own fields; an edit based on an older revision shows the conflict."""
    plan = load_plan(slug)
    form = PlanForm()
    form.set_choices(structures(), plans.collaboration_plans())
    if request.method == "GET":
        form.fill_from(plan)
        return render_template("plans/plan_form.html", form=form, plan=plan)
    if form.validate_on_submit():
        data = form.to_data()
        try:
            rev = plans.update_plan(plan, data, base_revision=base_revision(form), author=actor_name(),
                                    comment=form.comment.data or "")
        except ConflictError as exc:
            yours = asdict(plans.clean_plan(data, current=plan))
            return _conflict("plans/plan_form.html", form, exc, plans.PLAN, plan, yours, plan=plan)
        except ValidationError as exc:
            form.add_service_errors(exc, "title")
        else:
            flash("Inga ändringar att spara." if rev is None else f"Planen sparades (version {rev.number}).",
                  "info" if rev is None else "success")
            return redirect(url_for("plans.view", slug=plan.slug))
    return render_template("plans/plan_form.html", form=form, plan=plan), 422


def _conflict(template: str, form, exc: ConflictError, entity: str, saved, yours: dict, **context):
    """The form again with the user's values kept, what others saved since, and where the two differ."""
    entries = plans.history_entries(entity, saved.id)
    current = entries[0].revision.data if entries else {}
    others = [e for e in entries if e.revision.number > exc.base]
    differences = plans.describe_changes(entity, current, yours)
    form.base_revision.data = str(saved.revision_number)
    return render_template(template, form=form, conflict=exc, others=others, differences=differences,
                           **context), 409


@bp.route("/planer/<slug>/ta-bort", methods=["GET", "POST"])
@require(Permission.EDIT)
def delete_plan(slug: str):
    """Ask, then delete a plan with its activities (an administrator can restore it)."""
    plan = load_plan(slug)
    count = plural(len(plans.plan_activities(plan)), "aktivitet", "aktiviteter")
    note = (f"Planen och dess {count} försvinner från listor och sök. Historiken sparas och en "
            "administratör kan återskapa planen.")
    return _delete(plan, plans.delete_plan, what="planen", title=plan.title, note=note,
                   back=url_for("plans.view", slug=plan.slug), after=url_for("plans.overview"),
                   done=f"Planen ”{plan.title}” togs bort. Historiken finns kvar och en administratör kan "
                        "återskapa den.")


@bp.post("/planer/<slug>/aterskapa")
@require(Permission.ADMIN)
def restore_plan(slug: str):
    """Bring a deleted plan back with its activities."""
    plan = load_plan(slug, allow_deleted=True)
    return _restore(plan, plans.restore_plan, what="planen", title=plan.title,
                    back=url_for("plans.view", slug=plan.slug))


def _delete(row, delete, *, what: str, title: str, note: str, back: str, after: str, done: str):
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


def _restore(row, restore, *, what: str, title: str, back: str):
    """Bring back a deleted `row` with `restore` (a confirmed POST) and return to `back`."""
    form = RestoreForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        restore(row, author=actor_name(), comment=form.comment.data or "")
    except (ConflictError, ValidationError) as exc:
        flash(_message(exc), "error")
    else:
        flash(f"{what.capitalize()} ”{title}” återskapades.", "success")
    return redirect(back)


def _message(exc: Exception) -> str:
    """A service error as one Swedish sentence for a flash."""
    return " ".join(exc.errors.values()) if isinstance(exc, ValidationError) else str(exc)


# --- activities --------------------------------------------------------------------------------

@bp.route("/planer/<slug>/ny-aktivitet", methods=["GET", "POST"])
@require(Permission.EDIT)
def create_activity(slug: str):
    """Add an activity to a plan (?mal= pre-fills the goal)."""
    plan = load_plan(slug)
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


@bp.route("/aktiviteter/<int:activity_id>/redigera", methods=["GET", "POST"])
@require(Permission.EDIT)
def edit_activity(activity_id: int):
    """Edit every field of an activity; an edit based on an older revision shows the conflict."""
    item = load_activity(activity_id)
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
            return _conflict("plans/activity_form.html", form, exc, plans.ACTIVITY, item, yours, **context)
        except ValidationError as exc:
            form.add_service_errors(exc, "what")
        else:
            flash("Inga ändringar att spara." if rev is None
                  else f"Aktiviteten sparades (version {rev.number}).", "info" if rev is None else "success")
            return redirect(url_for("plans.activity", activity_id=item.id))
    return render_template("plans/activity_form.html", form=form, **context), 422


@bp.post("/aktiviteter/<int:activity_id>/status")
@require(Permission.EDIT)
def change_status(activity_id: int):
    """The quick status change: a new status and/or a follow-up comment."""
    item = load_activity(activity_id)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    before = item.status
    try:
        plans.set_status(item, form.status.data or "", comment=form.comment.data or "",
                         base_revision=base_revision(form), author=actor_name())
    except ConflictError as exc:
        form.base_revision.data = str(item.revision_number)
        return _activity_page(item, form, 409, conflict=exc)
    except ValidationError as exc:
        form.add_service_errors(exc, "status")
        return _activity_page(item, form, 422)
    label = item.activity_status.label
    flash(f"Status ändrad till {label}." if item.status != before
          else f"Kommentaren sparades i statushistoriken (status fortfarande {label}).", "success")
    return redirect(url_for("plans.activity", activity_id=item.id) + "#statushistorik")


@bp.route("/aktiviteter/<int:activity_id>/ta-bort", methods=["GET", "POST"])
@require(Permission.EDIT)
def delete_activity(activity_id: int):
    """Ask, then delete an activity (it can be restored from its page)."""
    item = load_activity(activity_id)
    return _delete(item, plans.delete_activity, what="aktiviteten", title=item.title,
                   note="Aktiviteten försvinner från planen och sök. Historiken sparas och den kan "
                        "återskapas.",
                   back=url_for("plans.activity", activity_id=item.id),
                   after=url_for("plans.view", slug=item.plan.slug),
                   done=f"Aktiviteten ”{item.title}” togs bort. Den kan återskapas från planens sida.")


@bp.post("/aktiviteter/<int:activity_id>/aterskapa")
@require(Permission.EDIT)
def restore_activity(activity_id: int):
    """Bring a deleted activity back into its plan."""
    item = load_activity(activity_id, allow_deleted=True)
    return _restore(item, plans.restore_activity, what="aktiviteten", title=item.title,
                    back=url_for("plans.activity", activity_id=item.id))


# --- import and export -------------------------------------------------------------------------

@bp.route("/planer/<slug>/importera", methods=["GET", "POST"])
@require(Permission.EDIT)
def import_activities(slug: str):
    """Read activities from a CSV or Excel file into the plan; on any error nothing is imported."""
    plan = load_plan(slug)
    form = ImportForm()
    row_errors = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = plan_io.import_activities(plan, upload.filename, upload.read(), author=actor_name())
        except plan_io.PlanImportError as exc:
            row_errors = exc.errors
        else:
            flash("Importen är klar: " + result.summary(), "success")
            return redirect(url_for("plans.view", slug=plan.slug))
    return render_template("plans/import.html", form=form, plan=plan, row_errors=row_errors), (
        422 if request.method == "POST" else 200)


@bp.route("/planer/importera", methods=["GET", "POST"])
@require(Permission.EDIT)
def import_plan():
    """Create a plan from a file: its fields from the form, or from the Excel file's Plan sheet."""
    form = ImportPlanForm()
    form.set_choices(structures())
    row_errors = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = plan_io.import_new_plan(upload.filename, upload.read(), plan_data=form.plan_data(),
                                             author=actor_name())
        except plan_io.PlanImportError as exc:
            row_errors = exc.errors
        else:
            noun = "aktivitet" if result.created == 1 else "aktiviteter"
            flash(f"Planen ”{result.plan.title}” skapades med {result.created} {noun}.", "success")
            return redirect(url_for("plans.view", slug=result.plan.slug))
    return render_template("plans/import.html", form=form, plan=None, row_errors=row_errors), (
        422 if request.method == "POST" else 200)


@bp.get("/planer/<slug>/export.xlsx")
def export_xlsx(slug: str):
    """The plan as an Excel file (a Plan sheet and an Aktiviteter sheet)."""
    plan = load_plan(slug)
    return send_file(BytesIO(plan_io.export_xlsx(plan, published_only=_reader())), mimetype=XLSX_TYPE,
                     as_attachment=True, download_name=f"{plan.slug}.xlsx")


@bp.get("/planer/<slug>/export.csv")
def export_csv(slug: str):
    """The plan's activities as CSV."""
    plan = load_plan(slug)
    return send_file(BytesIO(plan_io.export_csv(plan, published_only=_reader())), mimetype=CSV_TYPE, as_attachment=True,
                     download_name=f"{plan.slug}.csv")
