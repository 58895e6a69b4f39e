"""Administration views: users and roles, the audit log."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kb.admin.forms import AuditFilterForm, CreateUserForm, RoleForm, ToggleForm
from kb.constants import AuditAction, Role
from kb.permissions import Permission, require
from kb.services import audit, users
from kb.services.errors import ValidationError

bp = Blueprint("admin", __name__, url_prefix="/admin")


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
                           toggle_form=ToggleForm()), status


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
        users.set_role(username, Role(form.role.data))
    except ValidationError:
        abort(404)
    flash(f"{username} har nu rollen {form.role.data}.", "success")
    return redirect(url_for("admin.user_list"))


@bp.post("/anvandare/<username>/aktiv")
@require(Permission.ADMIN)
def toggle(username: str):
    """Disable or enable an account."""
    form = ToggleForm()
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
