"""Governance views: approve or send back a draft, record a review, report and resolve errors, and
the review list (/granskning). Thin: check the right, call kb.services.governance, flash, redirect."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from kb import dates
from kb.auth.guards import actor_name, load_page, require
from kb.exceptions import ConflictError, ValidationError
from kb.forms import KbForm
from kb.governance.forms import ApproveForm, FlagForm, ResolveFlagForm, ReturnForm, ReviewForm
from kb.permissions import Permission, can_flag, hidden_areas
from kb.services import governance

bp = Blueprint("governance", __name__)


def _retry(page, form: KbForm, heading: str, action: str, field: str, status: int = 422):
    """The form again, alone on a page, with its errors and the text kept."""
    return render_template("governance/form.html", page=page, form=form, heading=heading, action=action,
                           field_name=field), status


def _decide(slug: str, form: KbForm, field: str, heading: str, endpoint: str, decide, done: str):
    """Approve or send back a page's draft: the shared steps of both decisions.

    `decide(page, text, revision)` calls the service with the form's text; `done` is the flash on
    success, formatted with the revision's number.
    """
    page = load_page(slug)
    if not governance.can_approve(current_user, page):
        abort(403)
    if not form.validate_on_submit():
        abort(400)
    try:
        rev = decide(page, getattr(form, field).data or "", _number(form.revision.data))
    except ConflictError:
        flash("Utkastet har ändrats sedan du läste det. Granska den nya versionen först.", "error")
        return redirect(url_for("pages.view", slug=page.slug) + "#faststallelse")
    except ValidationError as exc:
        if field not in exc.errors:
            flash(" ".join(exc.errors.values()), "error")
            return redirect(url_for("pages.view", slug=page.slug))
        form.add_service_errors(exc, field)
        return _retry(page, form, heading, url_for(endpoint, slug=page.slug), field)
    flash(done.format(number=rev.number), "success")
    return redirect(url_for("pages.view", slug=page.slug))


@bp.post("/sida/<slug>/faststall")
@require(Permission.APPROVE)
def approve(slug: str):
    """Approve the page's draft (the named approver, a fastställare or an administrator)."""
    return _decide(slug, ApproveForm(), "comment", "Fastställ utkastet", "governance.approve",
                   lambda page, text, revision: governance.approve(page, actor=actor_name(), comment=text,
                                                                  revision=revision),
                   "Version {number} är fastställd och visas nu för alla läsare.")


@bp.post("/sida/<slug>/skicka-tillbaka")
@require(Permission.APPROVE)
def send_back(slug: str):
    """Send the page's draft back to the editors with a reason."""
    return _decide(slug, ReturnForm(), "reason", "Skicka tillbaka utkastet", "governance.send_back",
                   lambda page, text, revision: governance.send_back(page, actor=actor_name(), reason=text,
                                                                    revision=revision),
                   "Utkastet (version {number}) skickades tillbaka till redaktörerna.")


@bp.post("/sida/<slug>/dra-tillbaka-utkast")
@require(Permission.EDIT)
def withdraw(slug: str):
    """Withdraw a draft that was sent back: the page returns to its approved version."""
    page = load_page(slug)
    if not KbForm().validate_on_submit():
        abort(400)
    try:
        governance.withdraw(page, actor=actor_name())
    except ValidationError as exc:
        flash(" ".join(exc.errors.values()), "error")
    else:
        flash("Utkastet drogs tillbaka. Sidan är som den senast fastställda versionen.", "success")
    return redirect(url_for("pages.view", slug=page.slug))


@bp.post("/sida/<slug>/granskad")
@require(Permission.EDIT)
def review(slug: str):
    """Record that a routine was reviewed without changes; its validity moves forward."""
    page = load_page(slug)
    if not governance.may_review(current_user, page):
        abort(403)
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        done = governance.record_review(page, actor=actor_name(), comment=form.comment.data or "")
    except ValidationError as exc:
        if "comment" not in exc.errors:
            flash(" ".join(exc.errors.values()), "error")
            return redirect(url_for("pages.view", slug=page.slug))
        form.add_service_errors(exc, "comment")
        action = url_for("governance.review", slug=page.slug)
        return _retry(page, form, "Granskad utan ändring", action, "comment")
    flash(f"Granskningen är registrerad. Rutinen gäller nu till {done.valid_until.isoformat()}.", "success")
    return redirect(url_for("pages.view", slug=page.slug) + "#granskningar")


@bp.route("/sida/<slug>/rapportera", methods=["GET", "POST"])
@login_required
def flag(slug: str):
    """Report a page as outdated or wrong (any logged-in reader); the owner's queue gets it."""
    page = load_page(slug)
    if not can_flag(current_user) or not page.is_published:
        abort(403)
    form = FlagForm()
    action = url_for("governance.flag", slug=page.slug)
    if not form.is_submitted():
        return _retry(page, form, "Rapportera fel", action, "note", status=200)
    if not form.validate_on_submit():
        abort(400)
    try:
        governance.flag_page(page, actor=actor_name(), note=form.note.data or "")
    except ValidationError as exc:
        form.add_service_errors(exc, "note")
        return _retry(page, form, "Rapportera fel", action, "note")
    flash("Tack! Din rapport har skickats till dem som ansvarar för sidan.", "success")
    return redirect(url_for("pages.view", slug=page.slug))


@bp.post("/felrapport/<int:flag_id>/atgarda")
@require(Permission.EDIT)
def resolve(flag_id: int):
    """Close an error report with a comment saying what was done."""
    found = governance.get_flag(flag_id)
    if found is None:
        abort(404)
    page = load_page(found.page.slug)
    form = ResolveFlagForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        governance.resolve_flag(found, actor=actor_name(), comment=form.comment.data or "")
    except ValidationError as exc:
        form.add_service_errors(exc, "comment")
        action = url_for("governance.resolve", flag_id=flag_id)
        return _retry(page, form, "Åtgärda felrapport", action, "comment")
    flash("Felrapporten är markerad som åtgärdad.", "success")
    return redirect(url_for("pages.view", slug=page.slug) + "#felrapporter")


@bp.get("/granskning")
@require(Permission.EDIT)
def overview():
    """The review list: routines by valid-until date (expired first), drafts waiting, open reports."""
    hidden = hidden_areas(current_user)
    return render_template("governance/overview.html", overview=governance.overview(hidden=hidden),
                           returned=[(p, d) for p, d in governance.returned_drafts() if p.area_id not in hidden],
                           today=dates.today())


def _number(value: str | None) -> int | None:
    """A revision number from a hidden field (None when missing or unreadable)."""
    try:
        return int(value) if value else None
    except ValueError:
        return None
