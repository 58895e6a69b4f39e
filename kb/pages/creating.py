"""Creating a page: from scratch, from a missing-page link, or from a Word document.

They belong to the pages blueprint (kb.pages.routes calls `register`), so their endpoints are
pages.create, pages.create_from_word and pages.word_image. A Word document opens the editor on the
converted text (kb.services.word_import); nothing is saved until the user saves the page.
"""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from wtforms import SelectChoice

from kb.auth.guards import actor_name, require
from kb.constants import PageType, fold_name
from kb.exceptions import ValidationError
from kb.forms import flash_all
from kb.pages.area_choice import came_from, chosen_area
from kb.pages.editing import attach_errors, facts_forms, page_data
from kb.pages.forms import NewPageForm, PageForm, WordUploadForm
from kb.permissions import Permission
from kb.services import areas, attachments, page_templates, pages, word_import
from kb.slugs import is_valid_slug

# The images of a document waiting for its page: shown only as images, never stored by a browser.
IMAGE_CSP = "default-src 'none'; sandbox"


# Without JavaScript, "Använd mallen" never replaces text the user wrote (Enter in a field may press it).
KEEPS_OWN_TEXT = ("Textrutan innehåller redan din egen text, så mallen fylldes inte i. Töm textrutan och välj "
                  "”Använd mallen” igen om du vill ersätta texten med mallen.")


def _new_page_form() -> NewPageForm:
    form = NewPageForm()
    form.set_areas(areas.editable_areas(current_user))
    return form


def _area_id(form: PageForm) -> int | None:
    """The id of the area chosen in the form (the user's default area when none is)."""
    area = areas.get(form.area.data or "") or areas.default_choice(current_user)
    return area.id if area is not None else None


def _page_type(wanted: str) -> str:
    """The page type a link asks for, by its value or its Swedish name ("routine", "rutin"); else article."""
    folded = fold_name(wanted)
    found = next((t for t in PageType if folded in (t.value, fold_name(t.label))), PageType.ARTICLE)
    return found.value


def _offer_templates(form: NewPageForm, choice: str | None = None) -> None:
    """Offer the templates for the form's type and area, keeping `choice` when it is still offered."""
    offered = page_templates.choices(form.type.data or "", _area_id(form))
    form.template.choices = [SelectChoice(value, label) for value, label in offered]
    wanted = form.template.data if choice is None else choice
    form.template.data = wanted if wanted in {value for value, _ in offered} else page_templates.STANDARD


def _fill_template(form: NewPageForm) -> bool:
    """Put the chosen template's text in the text box ("Använd mallen" without JavaScript), unless the
    box holds text of the user's own; False (and a message at the template field) then."""
    editable = [a.id for a in areas.editable_areas(current_user)]
    if not page_templates.is_template_text(form.source.data or "", editable):
        form.template.errors = [KEEPS_OWN_TEXT]
        return False
    form.source.data = page_templates.source_for(form.template.data or "", form.type.data or "", _area_id(form))
    return True


def _owner() -> str:
    """Whose waiting images these are: the signed-in account."""
    return str(current_user.id)


def _editor(form: PageForm, upload: WordUploadForm | None = None, facts: dict | None = None, preview=None,
            status: int = 200):
    upload = upload or WordUploadForm(formdata=None)
    upload.type.data = form.type.data
    if isinstance(form, NewPageForm):
        _offer_templates(form)
    templates = page_templates.for_script([a.id for a in areas.editable_areas(current_user)])
    return render_template("pages/edit.html", form=form, page=None, facts=facts or facts_forms(), preview=preview,
                           upload=upload, templates=templates), status


def create():
    """Create a page, optionally pre-filled from a missing-page link."""
    form = _new_page_form()
    if request.method == "GET":
        start = areas.default_choice(current_user, preferred=came_from())
        form.area.data = start.key if start else ""
        form.title.data = request.args.get("title", "")[:200]
        slug = request.args.get("slug", "")
        form.slug.data = slug if is_valid_slug(slug) else ""
        form.type.data = _page_type(request.args.get("typ", ""))
        _offer_templates(form, request.args.get("mall", page_templates.STANDARD))
        form.source.data = page_templates.source_for(form.template.data, form.type.data, _area_id(form))
        return _editor(form)
    facts = facts_forms(request.form)
    preview = None
    failed = False
    if form.use_template.data and form.validate_on_submit():
        filled = _fill_template(form)
        return _editor(form, facts=facts, status=200 if filled else 422)
    if form.validate_on_submit():
        data = page_data(form, facts)
        if form.preview.data:
            preview = pages.render(pages.normalize_source(data.source)).html
        else:
            try:
                data.area_id = chosen_area(form).id
                page = word_import.create_page(data, token=form.word_images.data or "", owner=_owner(),
                                               author=actor_name(), comment=form.comment.data or "")
            except ValidationError as exc:
                attach_errors(form, exc.errors, facts)
                failed = True
            else:
                if page.is_published:
                    flash(f"Sidan ”{page.title}” skapades.", "success")
                else:
                    flash(f"Sidan ”{page.title}” skapades som utkast. "
                          "Läsarna ser den när den har fastställts.", "success")
                return redirect(url_for("pages.view", slug=page.slug))
    return _editor(form, facts=facts, preview=preview, status=422 if failed or form.errors else 200)


def create_from_word():
    """Ny sida från Word-dokument: the editor opens on the converted document, to check and save."""
    upload = WordUploadForm()
    form = _new_page_form()
    start = areas.default_choice(current_user)
    form.area.data = start.key if start else ""
    wanted = upload.type.data or ""
    form.type.data = wanted if wanted in {t.value for t in PageType} else PageType.ARTICLE.value
    if upload.validate_on_submit():
        storage = upload.document.data
        content = storage.stream.read(attachments.max_size() + 1)
        try:
            draft = word_import.read_upload(storage.filename or "", content, owner=_owner())
        except ValidationError as exc:
            flash_all(upload.add_service_errors(exc, fallback="document"))
        else:
            form.title.data, form.source.data, form.word_images.data = draft.title, draft.source, draft.token
            images = "" if not draft.images else (
                " Dokumentets bild blir en bilaga till sidan när du sparar." if draft.images == 1
                else f" Dokumentets {draft.images} bilder blir bilagor till sidan när du sparar.")
            flash(f"Dokumentet ”{storage.filename}” har lästs in. Kontrollera texten och spara sidan.{images}",
                  "success")
            for warning in draft.warnings:
                flash(warning, "info")
            return _editor(form, upload)
    form.source.data = page_templates.default_source(form.type.data, _area_id(form))
    return _editor(form, upload, status=422)


def word_image(token: str, name: str):
    """An image of a Word document waiting for its page, for the user who uploaded the document."""
    found = word_import.pending_image(token, name, owner=_owner())
    if found is None:
        abort(404)
    content, media_type = found
    response = send_file(io.BytesIO(content), mimetype=media_type, download_name=name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = IMAGE_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


def register(bp: Blueprint) -> None:
    """Add the views that create pages to the pages blueprint."""
    bp.add_url_rule("/ny", "create", require(Permission.EDIT)(create), methods=["GET", "POST"])
    bp.add_url_rule("/ny/word", "create_from_word", require(Permission.EDIT)(create_from_word), methods=["POST"])
    bp.add_url_rule("/ny/word/<token>/<name>", "word_image", require(Permission.EDIT)(word_image), methods=["GET"])
