"""Area administration: the areas (administrators create and change them) and each area's members
and roles (administrators, and the area's own områdesadministratörer). Registered on the admin
blueprint (kb.admin.routes calls `register`): endpoints admin.area_list, admin.area_members …"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kb.admin.forms import AreaForm, MemberForm, MemberRoleForm
from kb.auth.guards import require, require_area_manager, require_managing
from kb.exceptions import NotFoundError, ValidationError
from kb.forms import ConfirmForm, flash_all
from kb.models import Area
from kb.permissions import Permission, can
from kb.services import areas, groups


def _area(key: str) -> Area:
    """The area of the URL, or 404."""
    try:
        return areas.require(key)
    except NotFoundError:
        abort(404)


@require_area_manager
def area_list():
    """The areas the user manages (an administrator: all, with a form for a new one)."""
    admin = can(current_user, Permission.ADMIN)
    form = AreaForm()
    status = 200
    if request.method == "POST":
        if not admin:
            abort(403)
        if form.validate_on_submit():
            try:
                area = areas.create(form.key.data or "", form.name.data or "", description=form.description.data or "",
                                    members_only=bool(form.members_only.data), actor=current_user.username)
            except ValidationError as exc:
                form.add_service_errors(exc, "key")
            else:
                flash(f"Området ”{area.name}” skapades.", "success")
                return redirect(url_for("admin.area_members", key=area.key))
        status = 422
    shown = areas.all_areas() if admin else areas.managed_areas(current_user)
    return render_template("admin/areas.html", areas=shown, form=form, admin=admin,
                           counts=areas.content_counts() if admin else {}), status


@require_area_manager
def area_members(key: str):
    """One area: its members with their roles, a form to add one (and, for administrators, the area's
    own name, description and visibility)."""
    area = _area(key)
    require_managing(area.id)
    form = MemberForm()
    status = 200
    if form.validate_on_submit():
        try:
            areas.set_member(form.username.data or "", area.key, form.role.data or "", by=current_user)
        except ValidationError as exc:
            form.add_service_errors(exc, "username")
            status = 422
        else:
            flash(f"{form.username.data.strip().lower()} är nu {form.role.data} i {area.name}.", "success")
            return redirect(url_for("admin.area_members", key=area.key))
    elif request.method == "POST":
        status = 422
    admin = can(current_user, Permission.ADMIN)
    edit_form = AreaForm(formdata=None, obj=area) if admin else None
    return render_template("admin/area.html", area=area, form=form, edit_form=edit_form,
                           members=areas.members(area), role_form=MemberRoleForm, remove_form=ConfirmForm(),
                           hand=areas.BY_HAND, source_label=groups.grant_source_label, admin=admin), status


@require(Permission.ADMIN)
def area_edit(key: str):
    """Change an area's name, description, visibility or retirement (administrators)."""
    area = _area(key)
    form = AreaForm()
    if not form.validate_on_submit():
        flash_all([f"{getattr(form, name).label.text}: {' '.join(errors)}" for name, errors in form.errors.items()])
        return redirect(url_for("admin.area_members", key=area.key))
    try:
        areas.update(area.key, name=form.name.data or "", description=form.description.data or "",
                     members_only=bool(form.members_only.data), retired=bool(form.retired.data),
                     actor=current_user.username)
    except ValidationError as exc:
        flash(" ".join(exc.errors.values()), "error")
    else:
        flash(f"Området ”{area.name}” sparades.", "success")
    return redirect(url_for("admin.area_members", key=area.key))


def _change(key: str, username: str, role: str | None, done: str):
    area = _area(key)
    require_managing(area.id)
    try:
        areas.set_member(username, area.key, role, by=current_user)
    except ValidationError as exc:
        flash(" ".join(exc.errors.values()), "error")
    else:
        flash(done.format(username=username, area=area.name, role=role), "success")
    return redirect(url_for("admin.area_members", key=area.key))


@require_area_manager
def member_role(key: str, username: str):
    """Change one member's role in the area."""
    form = MemberRoleForm()
    if not form.validate_on_submit():
        abort(400)
    if not form.role.data:
        abort(400)
    return _change(key, username, form.role.data, "{username} är nu {role} i {area}.")


@require_area_manager
def member_remove(key: str, username: str):
    """Take away one member's role in the area."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _change(key, username, None, "{username} har inte längre någon roll i {area}.")


def register(bp: Blueprint) -> None:
    """Add the area views to the admin blueprint (under /admin)."""
    bp.add_url_rule("/omraden", "area_list", area_list, methods=["GET", "POST"])
    bp.add_url_rule("/omraden/<key>", "area_members", area_members, methods=["GET", "POST"])
    bp.add_url_rule("/omraden/<key>/andra", "area_edit", area_edit, methods=["POST"])
    bp.add_url_rule("/omraden/<key>/medlemmar/<username>/roll", "member_role", member_role, methods=["POST"])
    bp.add_url_rule("/omraden/<key>/medlemmar/<username>/ta-bort", "member_remove", member_remove,
                    methods=["POST"])
