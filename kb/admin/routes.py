"""Administration views: users and roles, organisations, the audit log (areas: kb.admin.areas; roles
from groups: kb.admin.groups; page templates: kb.admin.page_templates)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from kb.admin import areas as areas_views
from kb.admin import groups as groups_views
from kb.admin import page_templates as templates_views
from kb.admin.forms import (
    AuditFilterForm,
    CreateUserForm,
    OrganisationForm,
    RoleForm,
    TemporaryPasswordForm,
    UserOrganisationForm,
)
from kb.auth.guards import require
from kb.constants import AuditAction, Role
from kb.exceptions import ValidationError
from kb.forms import ConfirmForm
from kb.me.forms import EmailForm
from kb.permissions import Permission
from kb.services import areas, audit, organisations, passwords, users

bp = Blueprint("admin", __name__, url_prefix="/admin")
areas_views.register(bp)
groups_views.register(bp)
templates_views.register(bp)


@bp.route("/anvandare", methods=["GET", "POST"])
@require(Permission.ADMIN)
def user_list():
    """List users and create new ones."""
    form = CreateUserForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = users.create(form.username.data, form.password.data, Role(form.role.data),
                                display_name=form.display_name.data or "")
        except ValidationError as exc:
            for name, message in exc.errors.items():
                getattr(form, name).errors = [message]
            status = 422
        else:
            flash(f"Användaren {user.username} skapades.", "success")
            return redirect(url_for("admin.user_list"))
    elif request.method == "POST":
        status = 422
    return render_template("admin/users.html", form=form, users=users.all_users(), role_form=RoleForm,
                           toggle_form=ConfirmForm(), area_roles=areas.roles_by_user(),
                           organisations=organisations.all_organisations()), status


@bp.post("/anvandare/<username>/organisation")
@require(Permission.ADMIN)
def set_organisation(username: str):
    """Set the organisation a user works for (their required reading follows it)."""
    user = users.get(username)
    if user is None:
        abort(404)
    form = UserOrganisationForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        users.set_organisation(user, form.organisation.data or "", actor=current_user.username, commit=True)
    except ValidationError as exc:
        for message in exc.errors.values():
            flash(message, "error")
    else:
        name = organisations.names([user.organisation_key])[0] if user.organisation_key else "ingen organisation"
        flash(f"{user.username} hör nu till {name}.", "success")
    return redirect(url_for("admin.user_list"))


@bp.post("/anvandare/<username>/roll")
@require(Permission.ADMIN)
def set_role(username: str):
    """Change a user's role."""
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    if username == current_user.username and form.role.data != Role.ADMIN.value:
        flash("Du kan inte ta bort din egen administratörsroll.", "error")
        return redirect(url_for("admin.user_list"))
    try:
        user = users.set_role(username, Role(form.role.data))
    except ValidationError:
        abort(404)
    in_effect = f" I kraft: {user.role}, från grupp." if user.role != user.hand_role else ""
    flash(f"{username} har nu rollen {user.hand_role} given för hand.{in_effect}", "success")
    return redirect(url_for("admin.user_list"))


@bp.post("/anvandare/<username>/aktiv")
@require(Permission.ADMIN)
def toggle(username: str):
    """Disable or enable an account."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    user = users.get(username)
    if user is None:
        abort(404)
    if user.username == current_user.username:
        flash("Du kan inte inaktivera ditt eget konto.", "error")
        return redirect(url_for("admin.user_list"))
    users.set_disabled(username, not user.disabled)
    flash(f"{username} är nu {'inaktiverad' if user.disabled else 'aktiv'}.", "success")
    return redirect(url_for("admin.user_list"))


@bp.post("/anvandare/<username>/nodadministrator")
@require(Permission.ADMIN)
def break_glass(username: str):
    """Mark or unmark an administrator as a break-glass administrator (may use a local password when
    KB_LOCAL_LOGIN=false)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = users.get(username)
    if user is None:
        abort(404)
    try:
        users.set_break_glass(username, not user.break_glass, actor=current_user.username)
    except ValidationError as exc:
        flash(" ".join(exc.errors.values()), "error")
    else:
        flash(f"{username} är {'nu' if user.break_glass else 'inte längre'} nödadministratör.", "success")
    return redirect(url_for("admin.user_list"))


@bp.route("/anvandare/<username>/tillfalligt-losenord", methods=["GET", "POST"])
@require(Permission.ADMIN)
def temporary_password(username: str):
    """Set a temporary password for a local account (typed, or generated and shown once): the user's
    sessions end and they choose their own password at the next login."""
    user = users.get(username)
    if user is None:
        abort(404)
    form = TemporaryPasswordForm()
    status = 200
    refused = ("Byt ditt eget lösenord under Min sida." if user.username == current_user.username
               else users.not_local(user))
    if refused is None and form.validate_on_submit():
        typed = form.password.data or ""
        try:
            password = passwords.set_temporary(user.username, typed, actor=current_user.username)
        except ValidationError as exc:
            form.add_service_errors(exc, "password")
            status = 422
        else:
            page = make_response(render_template("admin/temporary_password.html", subject=user, form=None,
                                                 refused=None, generated=None if typed else password))
            page.headers["Cache-Control"] = "no-store"  # the generated password is shown once
            return page
    elif form.is_submitted():
        status = 422 if refused is None else 403
    return render_template("admin/temporary_password.html", subject=user, form=form, refused=refused,
                           generated=None), status


@bp.route("/anvandare/<username>/e-post", methods=["GET", "POST"])
@require(Permission.ADMIN)
def email(username: str):
    """Set a user's e-mail address and e-mail choice for notifications."""
    user = users.get(username)
    if user is None:
        abort(404)
    form = EmailForm(obj=user)
    if form.validate_on_submit():
        users.set_email(user.username, form.email.data or "",
                        notifications=bool(form.email_notifications.data))
        flash(f"E-postinställningarna för {user.username} är sparade.", "success")
        return redirect(url_for("admin.user_list"))
    status = 422 if form.is_submitted() else 200
    return render_template("me/email.html", form=form, subject=user, own=False), status


@bp.route("/organisationer", methods=["GET", "POST"])
@require(Permission.ADMIN)
def organisation_list():
    """The organisations routines can apply to ("Gäller för"): list them and add new ones."""
    form = OrganisationForm()
    status = 200
    if form.validate_on_submit():
        try:
            org = organisations.create(form.name.data or "", actor=current_user.username)
        except ValidationError as exc:
            form.name.errors = list(exc.errors.values())
            status = 422
        else:
            flash(f"Organisationen ”{org.name}” lades till.", "success")
            return redirect(url_for("admin.organisation_list"))
    elif request.method == "POST":
        status = 422
    return render_template("admin/organisations.html", form=form, rename_form=OrganisationForm,
                           organisations=organisations.all_organisations(), retire_form=ConfirmForm()), status


@bp.post("/organisationer/<key>/namn")
@require(Permission.ADMIN)
def organisation_rename(key: str):
    """Rename an organisation (pages keep pointing to it)."""
    org = organisations.get(key)
    if org is None:
        abort(404)
    form = OrganisationForm()
    if not form.validate_on_submit():
        flash("Ange organisationens nya namn.", "error")
        return redirect(url_for("admin.organisation_list"))
    old = org.name
    try:
        organisations.rename(org, form.name.data or "", actor=current_user.username)
    except ValidationError as exc:
        flash(" ".join(exc.errors.values()), "error")
    else:
        flash(f"”{old}” heter nu ”{org.name}”.", "success")
    return redirect(url_for("admin.organisation_list"))


@bp.post("/organisationer/<key>/avveckla")
@require(Permission.ADMIN)
def organisation_retire(key: str):
    """Retire an organisation (it can no longer be chosen) or bring it back."""
    org = organisations.get(key)
    if org is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    organisations.set_retired(org, not org.retired, actor=current_user.username)
    flash(f"”{org.name}” är {'avvecklad' if org.retired else 'åter valbar'}.", "success")
    return redirect(url_for("admin.organisation_list"))


@bp.get("/logg")
@require(Permission.ADMIN)
def audit_log():
    """The audit log, filterable by event, person, target and dates."""
    form = AuditFilterForm(request.args)
    valid = form.validate()
    since = datetime.combine(form.since.data, time()) if valid and form.since.data else None
    until = datetime.combine(form.until.data, time()) + timedelta(days=1) if valid and form.until.data else None
    action = form.action.data if valid and form.action.data in {a.value for a in AuditAction} else None
    pagination = audit.events(action=action, actor=(form.actor.data or "").strip() or None,
                              target=(form.target.data or "").strip() or None, since=since, until=until,
                              page=request.args.get("sida", 1, type=int))
    labels = {a.value: a.label for a in AuditAction}
    return render_template("admin/audit.html", form=form, pagination=pagination, labels=labels)
