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

from kb import caching, dates
from kb.auth.guards import actor_name, editable, require
from kb.exceptions import ConflictError, ValidationError
from kb.models import ActionPlan
from kb.pages import documents as page_files
from kb.permissions import Permission, can_edit, sees_area
from kb.plans import activities, chart
from kb.plans.common import (
    base_revision,
    conflict_page,
    delete_row,
    hidden,
    load_plan,
    reader,
    restore_row,
    structures,
)
from kb.plans.forms import (
    CollaborationForm,
    FilterForm,
    ImportForm,
    ImportPlanForm,
    PlanForm,
    RestoreForm,
    area_choices,
)
from kb.services import areas, documents, plans
from kb.services.plans import io as plan_io
from kb.slugs import is_valid_slug
from kb.templating import plural

bp = Blueprint("plans", __name__)
activities.register(bp)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv"  # Flask adds "; charset=utf-8"


# --- loading -----------------------------------------------------------------------------------

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
    counts = plans.status_counts(hidden=hidden())
    groups: dict[object, list[plans.PlanCounts]] = {}
    for row in sorted(counts, key=lambda r: r.plan.collaboration_plan is None):
        groups.setdefault(row.plan.collaboration_plan, []).append(row)
    ordered = [row for rows in groups.values() for row in rows]
    deleted = [p for p in plans.deleted_plans(hidden=hidden()) if can_edit(current_user, p)]
    return render_template("plans/overview.html", groups=groups, chart=chart.status_chart(ordered),
                           description=chart.describe(ordered),
                           collaborations=plans.collaboration_plans(hidden=hidden()),
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
    form.set_choices(everything, hidden())
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
    deleted = plans.deleted_activities(plan) if can_edit(current_user, plan) else []
    return render_template("plans/view.html", plan=plan, form=form, groups=plans.group_by_goal(plan, shown),
                           shown=len(shown), total=len(everything), filtered=filtered, changed=changed,
                           deleted=deleted, search_area=areas.search_scope(plan.area_id)), code


@bp.get("/planer/<slug>/utskrift")
def print_view(slug: str):
    """The whole plan as one table for printing (the annual report)."""
    return render_template("plans/print.html", **_print_context(load_plan(slug)))


def _print_context(plan: ActionPlan) -> dict:
    """What the printable plan and its PDF show: activities by goal, counts per status, overdue ones."""
    activities = plans.plan_activities(plan)
    return {"plan": plan, "groups": plans.group_by_goal(plan, activities), "total": len(activities),
            "counts": {s: sum(1 for a in activities if a.status == s.value) for s in chart.ORDER},
            "overdue": sum(1 for a in activities if a.is_overdue(dates.today())),
            "changed": max([plan.updated_at, *(a.updated_at for a in activities)]), "today": dates.today()}


@bp.get("/planer/<slug>.pdf")
def print_pdf(slug: str):
    """The whole plan as an A4 PDF (landscape), made on the server: for the annual report and filing."""
    plan = load_plan(slug)
    if (unchanged := caching.not_modified(*plan_state(plan), "pdf")) is not None:
        return unchanged
    context = _print_context(plan)
    body = render_template("plans/_print_body.html", **context)
    doc = documents.plan_document(plan, current_user, page_files.base_url(), body, context["changed"])
    return page_files.send_document(doc, "pdf", plan.slug)


@bp.get("/planer/<slug>/historik")
def plan_history(slug: str):
    """Every revision of the plan's own fields, newest first (deleted plans too)."""
    plan = load_plan(slug, allow_deleted=True)
    if (unchanged := caching.not_modified(*plan_state(plan))) is not None:
        return unchanged
    entries = plans.history_entries(plans.PLAN, plan.id, published_only=reader(plan.area_id))
    return render_template("plans/history.html", plan=plan, entries=entries)


def load_collaboration(slug: str):
    """A live collaboration plan by slug, or 404."""
    row = plans.get_collaboration_plan(slug) if is_valid_slug(slug) and not slug.isdigit() else None
    if row is None or row.deleted or not sees_area(current_user, row.area_id):
        abort(404)
    return row


@bp.get("/samverkansplaner/<slug>")
def collaboration(slug: str):
    """A collaboration plan: its period, prioritised goals and the action plans that follow it."""
    row = load_collaboration(slug)
    counts = plans.status_counts(of=[p for p in plans.live_plans(hidden=hidden())
                                     if p.collaboration_plan_id == row.id])
    return render_template("plans/collaboration.html", row=row, counts=counts, statuses=chart.ORDER,
                           search_area=areas.search_scope(row.area_id))


@bp.route("/samverkansplaner/ny", methods=["GET", "POST"])
@require(Permission.EDIT)
def create_collaboration():
    """A new collaboration plan: title, period and prioritised goals."""
    form = CollaborationForm()
    form.area.choices = area_choices(areas.editable_areas(current_user))
    if request.method == "GET":
        start = areas.default_choice(current_user)
        form.area.data = start.key if start else ""
        return render_template("plans/collaboration_form.html", form=form, row=None)
    if form.validate_on_submit():
        chosen = areas.get(form.area.data or "")
        try:
            row = plans.save_collaboration_plan(form.to_data(), author=actor_name(), comment=form.comment.data or "",
                                                user=current_user, area_id=chosen.id if chosen else None)
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
    row = editable(load_collaboration(slug))
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
            return conflict_page("plans/collaboration_form.html", form, exc, plans.COLLABORATION, row, yours,
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
                           entries=plans.history_entries(plans.COLLABORATION, row.id,
                                                         published_only=reader(row.area_id)))


# --- plans: create, edit, delete, restore ------------------------------------------------------

@bp.route("/planer/ny", methods=["GET", "POST"])
@require(Permission.EDIT)
def create_plan():
    """A new, empty plan for a structure (?struktur= pre-selects it)."""
    form = PlanForm()
    form.set_choices(structures(), plans.collaboration_plans(hidden=hidden()))
    form.area.choices = area_choices(areas.editable_areas(current_user), blank="(samma som strukturen)")
    if request.method == "GET":
        form.structure.data = request.args.get("struktur", "")
        form.period.data = str(dates.today().year)
        return render_template("plans/plan_form.html", form=form, plan=None)
    if form.validate_on_submit():
        try:
            chosen = areas.get(form.area.data or "")
            plan = plans.create_plan(form.to_data(), author=actor_name(), comment=form.comment.data or "",
                                     user=current_user, area_id=chosen.id if chosen else None)
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
    plan = editable(load_plan(slug))
    form = PlanForm()
    form.set_choices(structures(), plans.collaboration_plans(hidden=hidden()))
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
            return conflict_page("plans/plan_form.html", form, exc, plans.PLAN, plan, yours, plan=plan)
        except ValidationError as exc:
            form.add_service_errors(exc, "title")
        else:
            flash("Inga ändringar att spara." if rev is None else f"Planen sparades (version {rev.number}).",
                  "info" if rev is None else "success")
            return redirect(url_for("plans.view", slug=plan.slug))
    return render_template("plans/plan_form.html", form=form, plan=plan), 422


@bp.route("/planer/<slug>/ta-bort", methods=["GET", "POST"])
@require(Permission.EDIT)
def delete_plan(slug: str):
    """Ask, then delete a plan with its activities (an administrator can restore it)."""
    plan = editable(load_plan(slug))
    count = plural(len(plans.plan_activities(plan)), "aktivitet", "aktiviteter")
    note = (f"Planen och dess {count} försvinner från listor och sök. Historiken sparas och en "
            "administratör kan återskapa planen.")
    return delete_row(plan, plans.delete_plan, what="planen", title=plan.title, note=note,
                   back=url_for("plans.view", slug=plan.slug), after=url_for("plans.overview"),
                   done=f"Planen ”{plan.title}” togs bort. Historiken finns kvar och en administratör kan "
                        "återskapa den.")


@bp.post("/planer/<slug>/aterskapa")
@require(Permission.ADMIN)
def restore_plan(slug: str):
    """Bring a deleted plan back with its activities."""
    plan = load_plan(slug, allow_deleted=True)
    return restore_row(plan, plans.restore_plan, what="planen", title=plan.title,
                    back=url_for("plans.view", slug=plan.slug))


# --- import and export -------------------------------------------------------------------------

@bp.route("/planer/<slug>/importera", methods=["GET", "POST"])
@require(Permission.EDIT)
def import_activities(slug: str):
    """Read activities from a CSV or Excel file into the plan; on any error nothing is imported."""
    plan = editable(load_plan(slug))
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
                                             author=actor_name(), user=current_user)
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
    return send_file(BytesIO(plan_io.export_xlsx(plan, published_only=reader(plan.area_id))), mimetype=XLSX_TYPE,
                     as_attachment=True, download_name=f"{plan.slug}.xlsx")


@bp.get("/planer/<slug>/export.csv")
def export_csv(slug: str):
    """The plan's activities as CSV."""
    plan = load_plan(slug)
    return send_file(BytesIO(plan_io.export_csv(plan, published_only=reader(plan.area_id))), mimetype=CSV_TYPE,
                     as_attachment=True, download_name=f"{plan.slug}.csv")
