"""Views for read confirmations (thin: the rules live in kb.services.confirmations).

- POST /sida/<slug>/bekrafta: "Jag har läst och förstått" for the version in force.
- /sida/<slug>/lasning: who has confirmed the page (with CSV and Excel) and, for its editors and
  approvers, who must read it.
- /min-sida/lasning and /anvandare/<username>/lasning: what a person has confirmed.
- /omrade/<key>/lasning: confirmation rates of an area's required pages.
"""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from kb import spreadsheet
from kb.auth.guards import actor_name, load_page
from kb.exceptions import ValidationError
from kb.permissions import Permission, can, can_edit_in, can_report_reading
from kb.reading.forms import ConfirmReadForm, OrganisationFilterForm, RequirementForm
from kb.services import areas, confirmations, organisations, users

bp = Blueprint("reading", __name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _reportable(slug: str):
    page = load_page(slug)
    if not can_report_reading(current_user, page):
        abort(403)
    return page


@bp.post("/sida/<slug>/bekrafta")
@login_required
def confirm(slug: str):
    """Record that the current user has read and understood the version in force."""
    page = load_page(slug)
    form = ConfirmReadForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        number = int(form.revision.data) if (form.revision.data or "").isdigit() else None
        row = confirmations.confirm(current_user, page, revision=number)
    except ValidationError as exc:
        for message in exc.errors.values():
            flash(message, "error")
    else:
        flash(f"Tack! Du har bekräftat att du har läst och förstått version {row.revision_number}.", "success")
    return redirect(url_for("pages.view", slug=page.slug) + "#bekrafta")


def _requirement_form(page, formdata=None) -> RequirementForm:
    form = RequirementForm(formdata=formdata)
    form.organisations.choices = confirmations.organisation_choices(page)
    form.areas.choices = [(a.key, a.name) for a in areas.visible_areas(current_user)]
    if formdata is None:
        current = confirmations.requirement(page)
        form.organisations.data = current.organisations
        form.areas.data = [a.key for a in current.areas]
    return form


def _filter_form() -> OrganisationFilterForm:
    form = OrganisationFilterForm(request.args)
    form.organisation.choices = [("", "Alla organisationer")] + [(o.key, o.name) for o in
                                                                 organisations.all_organisations()]
    return form


@bp.route("/sida/<slug>/lasning", methods=["GET", "POST"])
@login_required
def page_report(slug: str):
    """Who has confirmed the page (current version, an older one, nothing yet) and who must read it."""
    page = _reportable(slug)
    form = _requirement_form(page, request.form if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                confirmations.set_requirement(page, organisation_keys=form.organisations.data or [],
                                              area_keys=form.areas.data or [], actor=actor_name(),
                                              allowed_areas=areas.visible_areas(current_user))
            except ValidationError as exc:
                form.add_service_errors(exc, "organisations")
                status = 422
            else:
                flash("Obligatorisk läsning är sparad.", "success")
                return redirect(url_for("reading.page_report", slug=page.slug))
        else:
            status = 422
    filters = _filter_form()
    report = confirmations.page_report(page, organisation=filters.organisation.data or "")
    required = confirmations.requirement(page)
    required_by = organisations.names(required.organisations) + [a.name for a in required.areas]
    return render_template("reading/page.html", page=page, report=report, form=form, filters=filters,
                           required_by=required_by, labels=confirmations.STATUS_LABELS), status


@bp.get("/sida/<slug>/lasning.<any(csv, xlsx):kind>")
@login_required
def page_report_file(slug: str, kind: str):
    """The confirmation report as CSV or Excel (with the organisation filter applied)."""
    page = _reportable(slug)
    report = confirmations.page_report(page, organisation=_filter_form().organisation.data or "")
    rows = confirmations.report_rows(report)
    name = f"lasbekraftelser-{page.slug}.{kind}"
    if kind == "csv":
        content, mimetype = spreadsheet.csv_bytes(confirmations.REPORT_HEADER, rows), "text/csv"
    else:
        content, mimetype = spreadsheet.xlsx_bytes("Läsbekräftelser", confirmations.REPORT_HEADER, rows), XLSX_TYPE
    return send_file(BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=name)


def _user_page(user, own: bool):
    visible = None if can(current_user, Permission.ADMIN) or own else \
        (lambda page: can_report_reading(current_user, page))
    return render_template("reading/user.html", subject=user, own=own,
                           confirmed=confirmations.user_report(user, pages_visible=visible),
                           to_read=confirmations.to_read(user) if own else [])


@bp.get("/min-sida/lasning")
@login_required
def mine():
    """What I have confirmed, and what I still must read."""
    return _user_page(current_user, own=True)


@bp.get("/anvandare/<username>/lasning")
@login_required
def user_report(username: str):
    """What a person has confirmed (for their manager's follow-up): administrators see everything,
    editors and approvers the pages they report on; a reader only their own."""
    user = users.get(username)
    if user is None:
        abort(404)
    if user.id == current_user.id:
        return redirect(url_for("reading.mine"))
    if not can(current_user, Permission.EDIT):
        abort(403)
    return _user_page(user, own=False)


@bp.get("/omrade/<key>/lasning")
@login_required
def area_report(key: str):
    """Confirmation rates of the area's required pages, for those who edit in the area."""
    area = areas.get(key)
    if area is None or not can(current_user, Permission.READ, area.id):
        abort(404)
    if not can_edit_in(current_user, area.id):
        abort(403)
    return render_template("reading/area.html", area=area, rates=confirmations.area_report(area))
