"""Roles from groups: which groups at the identity provider give which site role or area role
(administrators). Registered on the admin blueprint (kb.admin.routes calls `register`): endpoints
admin.group_list and admin.group_remove."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kb.admin.forms import GroupRoleForm
from kb.auth.guards import require
from kb.exceptions import ValidationError
from kb.forms import ConfirmForm, flash_all
from kb.permissions import Permission
from kb.services import groups


@require(Permission.ADMIN)
def group_list():
    """The mappings, and a form to add one or change a group's role in a place."""
    form = GroupRoleForm()
    form.area.choices = [("", "Hela kunskapsbanken"), *groups.area_choices()]
    status = 200
    if form.validate_on_submit():
        area_key = form.area.data or None
        try:
            row = groups.map_group(form.group.data or "", form.role_name, area_key=area_key,
                                   actor=current_user.username)
        except ValidationError as exc:
            flash_all(form.add_service_errors(exc, "group"))
            status = 422
        else:
            flash(f"Gruppen ”{row.group_name}” ger nu rollen {row.role} {groups.where_label(area_key)}.", "success")
            return redirect(url_for("admin.group_list"))
    elif request.method == "POST":
        status = 422
    return render_template("admin/groups.html", form=form, mappings=groups.mappings(), remove_form=ConfirmForm(),
                           require_group=groups.require_group()), status


@require(Permission.ADMIN)
def group_remove(mapping_id: int):
    """Remove one mapping: the group's members lose the role at once."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    found = groups.remove(mapping_id, actor=current_user.username)
    if found is None:
        flash("Kopplingen fanns inte längre.", "error")
    else:
        flash(f"Gruppen ”{found.group}” ger inte längre rollen {found.role} {groups.where_label(found.area_key)}.",
              "success")
    return redirect(url_for("admin.group_list"))


def register(bp: Blueprint) -> None:
    """Add the group views to the admin blueprint (under /admin)."""
    bp.add_url_rule("/grupper", "group_list", group_list, methods=["GET", "POST"])
    bp.add_url_rule("/grupper/<int:mapping_id>/ta-bort", "group_remove", group_remove, methods=["POST"])
