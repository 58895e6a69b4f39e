"""Page templates in the browser: administrators edit the templates for every area and for each area,
area administrators their own area's. Registered on the admin blueprint (kb.admin.routes calls
`register`): endpoints admin.template_list, admin.template_new, admin.template_edit,
admin.template_retire and admin.template_restore."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from kb import typed
from kb.admin.forms import PageTemplateForm
from kb.auth.guards import require_area_manager
from kb.constants import PageType
from kb.exceptions import ValidationError
from kb.forms import ConfirmForm
from kb.models import PageTemplate
from kb.permissions import Permission, can, can_edit_templates
from kb.services import areas, page_templates


def _form(current: PageTemplate | None = None) -> PageTemplateForm:
    """The form with the areas the user may put a template in (and the template's own area)."""
    form = PageTemplateForm()
    choices = [SelectChoice("", "Alla områden")] if can(current_user, Permission.ADMIN) else []
    choices += [SelectChoice(a.key, a.name) for a in areas.all_areas(include_retired=False)
                if can_edit_templates(current_user, a.id)]
    if current is not None and current.area_id is not None and all(c.value != areas.key_of(current.area_id)
                                                                    for c in choices):
        choices.insert(0, SelectChoice(areas.key_of(current.area_id), areas.name_of(current.area_id)))
    form.area.choices = choices
    return form


def _data(form: PageTemplateForm) -> page_templates.TemplateData:
    return page_templates.TemplateData(name=form.name.data or "", type=form.type.data or "",
                                       source=form.source.data or "", area=form.area.data or "",
                                       is_default=bool(form.is_default.data))


def _editable(template_id: int) -> PageTemplate:
    """The template of the URL if the user may change it; 404 or 403 otherwise."""
    template = page_templates.get(template_id)
    if template is None:
        abort(404)
    if not can_edit_templates(current_user, template.area_id):
        abort(403)
    return template


@require_area_manager
def template_list():
    """The built-in templates, those for every area and each administered area's, with their actions."""
    admin = can(current_user, Permission.ADMIN)
    rows = page_templates.administered(current_user)
    groups = [(None, "Alla områden", [t for t in rows if t.area_id is None])]
    groups += [(a, a.name, [t for t in rows if t.area_id == a.id]) for a in areas.all_areas()
               if can_edit_templates(current_user, a.id)]
    return render_template("admin/templates.html", groups=groups, admin=admin, builtin=typed.TEMPLATES,
                           editable=lambda t: can_edit_templates(current_user, t.area_id), confirm=ConfirmForm())


@require_area_manager
def template_new():
    """A new own template (`?omrade=KEY` starts in that area, `?typ=` with that type)."""
    form = _form()
    if request.method == "GET":
        wanted = request.args.get("omrade", "")
        keys = [c.value for c in form.area.choices]
        form.area.data = wanted if wanted in keys else (keys[0] if keys else "")
        wanted_type = request.args.get("typ", "")
        form.type.data = wanted_type if wanted_type in {t.value for t in PageType} else PageType.ARTICLE.value
        form.source.data = typed.TEMPLATES.get(form.type.data, "")
        return render_template("admin/template_edit.html", form=form, template=None)
    return _save(form, None)


@require_area_manager
def template_edit(template_id: int):
    """Change an own template."""
    template = _editable(template_id)
    form = _form(template)
    if request.method == "GET":
        form.name.data, form.type.data, form.source.data = template.name, template.type, template.source
        form.area.data = areas.key_of(template.area_id)
        form.is_default.data = template.is_default_for_type
        return render_template("admin/template_edit.html", form=form, template=template)
    return _save(form, template)


def _save(form: PageTemplateForm, template: PageTemplate | None):
    """Create (`template` None) or change the template from the sent form; the form again with the
    errors at their fields (422) when refused."""
    if form.validate_on_submit():
        try:
            if template is None:
                saved = page_templates.create(_data(form), by=current_user)
            else:
                saved = page_templates.update(template, _data(form), by=current_user)
        except ValidationError as exc:
            form.add_service_errors(exc, "name")
        else:
            flash(f"Mallen ”{saved.name}” sparades.", "success")
            return redirect(url_for("admin.template_list"))
    return render_template("admin/template_edit.html", form=form, template=template), 422


@require_area_manager
def template_retire(template_id: int):
    """Take a template away from "Ny sida" (it is kept and can be brought back)."""
    template = _editable(template_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    page_templates.retire(template, by=current_user)
    flash(f"Mallen ”{template.name}” är borttagen och erbjuds inte längre. Du kan återinföra den.", "success")
    return redirect(url_for("admin.template_list"))


@require_area_manager
def template_restore(template_id: int):
    """Offer a retired template again."""
    template = _editable(template_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        page_templates.restore(template, by=current_user)
    except ValidationError as exc:
        flash(" ".join(exc.errors.values()), "error")
    else:
        flash(f"Mallen ”{template.name}” erbjuds igen.", "success")
    return redirect(url_for("admin.template_list"))


def register(bp: Blueprint) -> None:
    """Add the template views to the admin blueprint (under /admin)."""
    bp.add_url_rule("/mallar", "template_list", template_list, methods=["GET"])
    bp.add_url_rule("/mallar/ny", "template_new", template_new, methods=["GET", "POST"])
    bp.add_url_rule("/mallar/<int:template_id>", "template_edit", template_edit, methods=["GET", "POST"])
    bp.add_url_rule("/mallar/<int:template_id>/ta-bort", "template_retire", template_retire, methods=["POST"])
    bp.add_url_rule("/mallar/<int:template_id>/aterinfor", "template_restore", template_restore, methods=["POST"])
