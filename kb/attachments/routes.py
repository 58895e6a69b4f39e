"""Views for attachments: upload, versions, download (thin: logic in kb.services.attachments).

Files are served with the type detected at upload (never text/html or image/svg+xml), inline
only for PNG and JPEG, as a download otherwise, with `nosniff`, a CSP that allows nothing and
the SHA-256 as ETag. Reading follows the pages: whoever may read the page may read its files.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from kb import urls
from kb.attachments.forms import UploadForm
from kb.auth.guards import actor_name, editable, require
from kb.constants import MediaType
from kb.exceptions import NotFoundError, ValidationError
from kb.forms import ConfirmForm, flash_all
from kb.models import Attachment, AttachmentVersion, Page
from kb.models.attachments import size_label
from kb.permissions import Permission, can, can_edit, can_read_page
from kb.services import attachments, pages
from kb.slugs import is_valid_slug

bp = Blueprint("attachments", __name__)

# The response headers of every served file: nothing in it may run, load or be framed.
FILE_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


def _is_admin() -> bool:
    return can(current_user, Permission.ADMIN)


def _is_editor(page: Page) -> bool:
    """Whether the current user edits in the page's area (sees its unapproved files, uploads)."""
    return can_edit(current_user, page)


def load_page(slug: str) -> Page:
    """The page of a URL (an old slug works too); 404 when missing, or deleted for non-admins."""
    if not is_valid_slug(slug):
        abort(404)
    page, _ = pages.resolve(slug)
    if page is None or (page.deleted and not _is_admin()) or not can_read_page(current_user, page):
        abort(404)
    return page


def load_attachment(page: Page, name: str) -> Attachment:
    """A page's attachment by name, or 404 (deleted and unapproved ones are shown to editors only)."""
    attachment = attachments.get(page, name)
    if not attachments.visible(attachment, editor=_is_editor(page), admin=_is_admin()):
        abort(404)
    return attachment


def _upload_form() -> UploadForm:
    form = UploadForm()
    form.file.description = (f"{form.file.description} Högst {size_label(attachments.max_size())}. "
                             "En fil med samma namn som en befintlig bilaga sparas som en ny version.")
    return form


def _read(form: UploadForm) -> tuple[str, bytes]:
    storage = form.file.data
    # One byte over the limit is enough for the service to say "too large".
    return storage.filename or "", storage.stream.read(attachments.max_size() + 1)


def _saved_messages(version: AttachmentVersion, name: str) -> list[tuple[str, str]]:
    """What to tell the uploader, as (message, flash category): saved, and whether its text is searchable."""
    if version.number == 1:
        messages = [(f"”{name}” laddades upp.", "success")]
    else:
        messages = [(f"En ny version av ”{name}” sparades (version {version.number}). "
                     "De tidigare versionerna finns kvar.", "success")]
    if version.extraction_message:
        messages.append((f"{version.extraction_message} Filen är sparad, men dess text går inte att hitta "
                         "via sökningen.", "error" if version.extraction == "failed" else "info"))
    return messages


def _flash_saved(version: AttachmentVersion, name: str) -> None:
    for message, category in _saved_messages(version, name):
        flash(message, category)


# --- lists ------------------------------------------------------------------------------------

def _render_list(page: Page, form: UploadForm, status: int = 200):
    editor = _is_editor(page)
    items = attachments.for_page(page, editor=editor, include_deleted=editor)
    return render_template("attachments/list.html", page=page, form=form, action_form=ConfirmForm(),
                           live=[a for a in items if not a.deleted], deleted=[a for a in items if a.deleted],
                           editor=editor and not page.deleted), status


@bp.get("/sida/<slug>/bilagor")
def index(slug: str):
    """A page's attachments with their versions; the upload form for editors."""
    return _render_list(load_page(slug), _upload_form())


@bp.post("/sida/<slug>/bilagor")
@require(Permission.EDIT)
def upload(slug: str):
    """Upload a file: a new attachment, or a new version when the name exists already."""
    page = editable(load_page(slug))
    form = _upload_form()
    stored = _store_upload(page, form)
    if stored is None:
        return _render_list(page, form, 422)
    if stored.version is None:
        flash(f"Ingen ändring: filen är identisk med den nuvarande versionen av ”{stored.name}”.", "info")
        return redirect(url_for("attachments.index", slug=page.slug))
    _flash_saved(stored.version, stored.name)
    return redirect(url_for("attachments.index", slug=page.slug, _anchor=f"bilaga-{stored.version.attachment_id}"))


@dataclass(frozen=True)
class Stored:
    """A file from the upload form, stored: its version (None when identical to the current one)."""

    version: AttachmentVersion | None
    name: str
    media_type: str


def _store_upload(page: Page, form: UploadForm, *, fallback: str | None = None) -> Stored | None:
    """Validate the upload form and store its file through the service; None when refused (the reasons
    at the form's fields, or flashed when no field fits and there is no `fallback` field)."""
    if not form.validate_on_submit():
        return None
    filename, content = _read(form)
    try:
        version = attachments.upload(page, filename, content, author=actor_name(), comment=form.comment.data or "")
    except ValidationError as exc:
        flash_all(form.add_service_errors(exc, fallback=fallback))
        return None
    if version is None:
        name, media_type = attachments.check_file(filename, content)
        return Stored(None, name, media_type.value)
    return Stored(version, version.attachment.name, version.media_type)


# --- the page editor's "Bild eller fil" dialog (JSON) --------------------------------------------

def _editor_item(page: Page, name: str, media_type: str) -> dict:
    """An attachment as the editor inserts it: the path the page text links to (as a Word import writes
    it: by name, relative to the app's root, so an old slug still leads to it) and whether it is an image."""
    try:
        image = MediaType(media_type).inline
    except ValueError:
        image = False
    return {"name": name, "url": urls.attachment_file_path(page.slug, name),
            "is_image": image}


@bp.get("/sida/<slug>/redigera/bilagor")
@require(Permission.EDIT)
def editor_list(slug: str):
    """The page's attachments for the editor to insert (the newest version of each live one), as JSON."""
    page = editable(load_page(slug))
    return jsonify(attachments=[_editor_item(page, a.name, a.current.media_type)
                                for a in attachments.for_page(page, editor=True)],
                   help=_upload_form().file.description)


@bp.post("/sida/<slug>/redigera/bilagor")
@require(Permission.EDIT)
def editor_upload(slug: str):
    """Upload a file from the editor: the same checks as the upload form, answered as JSON (201 with the
    attachment to insert; 200 when the file is identical to the current version; 422 with the reasons)."""
    page = editable(load_page(slug))
    form = _upload_form()
    stored = _store_upload(page, form, fallback="file")
    if stored is None:
        errors = [message for messages in form.errors.values() for message in messages]
        return jsonify(error="Filen kunde inte laddas upp.", errors=errors), 422
    item = _editor_item(page, stored.name, stored.media_type)
    if stored.version is None:
        return jsonify(attachment=item, message=f"Filen är identisk med den nuvarande versionen av ”{stored.name}”.")
    message = " ".join(text for text, _ in _saved_messages(stored.version, stored.name))
    return jsonify(attachment=item, message=message), 201


def _render_versions(page: Page, attachment: Attachment, form: UploadForm, status: int = 200):
    editor = _is_editor(page)
    return render_template("attachments/versions.html", page=page, attachment=attachment, form=form,
                           action_form=ConfirmForm(),
                           versions=[v for v in attachments.versions(attachment)
                                     if attachments.may_open(v, editor=editor)],
                           current_number=attachments.shown_number(attachment, editor=editor),
                           pending=attachments.pending_change(attachment) if editor else "",
                           editor=editor and not page.deleted), status


@bp.get("/sida/<slug>/bilagor/<name>/versioner")
def versions(slug: str, name: str):
    """One attachment's versions, each downloadable; editors upload a new version here."""
    page = load_page(slug)
    return _render_versions(page, load_attachment(page, name), _upload_form())


@bp.post("/sida/<slug>/bilagor/<name>/versioner")
@require(Permission.EDIT)
def new_version(slug: str, name: str):
    """Upload a new version of this attachment (whatever the file is called, if the type fits)."""
    page = editable(load_page(slug))
    attachment = load_attachment(page, name)
    form = _upload_form()
    if form.validate_on_submit():
        filename, content = _read(form)
        try:
            version = attachments.upload(page, filename, content, author=actor_name(),
                                         comment=form.comment.data or "", replace=attachment)
        except ValidationError as exc:
            flash_all(form.add_service_errors(exc))
        else:
            if version is None:
                flash(f"Ingen ändring: filen är identisk med den nuvarande versionen av ”{attachment.name}”.",
                      "info")
            else:
                _flash_saved(version, attachment.name)
            return redirect(url_for("attachments.versions", slug=page.slug, name=attachment.name))
    return _render_versions(page, attachment, form, 422)


def _delete_or_restore(slug: str, name: str, change, done: str, anchor: bool):
    """Run `change` (attachments.delete or .restore) on an attachment, flash, back to the list."""
    page = editable(load_page(slug))
    attachment = load_attachment(page, name)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        change(attachment, author=actor_name())
    except ValidationError as exc:
        flash(" ".join(exc.errors.values()), "error")
    else:
        flash(done.format(name=attachment.name), "success")
    return redirect(url_for("attachments.index", slug=page.slug,
                            _anchor=f"bilaga-{attachment.id}" if anchor else None))


@bp.post("/sida/<slug>/bilagor/<name>/ta-bort")
@require(Permission.EDIT)
def delete(slug: str, name: str):
    """Delete an attachment (it can be restored)."""
    return _delete_or_restore(slug, name, attachments.delete,
                              "”{name}” togs bort. Den kan återskapas under Borttagna bilagor.", anchor=False)


@bp.post("/sida/<slug>/bilagor/<name>/aterskapa")
@require(Permission.EDIT)
def restore(slug: str, name: str):
    """Restore a deleted attachment with all its versions."""
    return _delete_or_restore(slug, name, attachments.restore, "”{name}” återskapades.", anchor=True)


# --- files ------------------------------------------------------------------------------------

def send_version(attachment: Attachment, version: AttachmentVersion):
    """The file response: detected type, inline only for images, nosniff, no-everything CSP, ETag."""
    try:
        media_type = MediaType(version.media_type)
    except ValueError:  # not a type we accept (cannot happen through upload): never let a browser render it
        media_type = None
    name = attachment.name
    if version.number != attachments.shown_number(attachment, editor=_is_editor(attachment.page)):
        name = attachments.versioned_name(name, version.number)
    response = send_file(
        io.BytesIO(version.content),
        mimetype=media_type.value if media_type else "application/octet-stream",
        as_attachment=not (media_type and media_type.inline),
        download_name=name,
        etag=version.sha256,
        last_modified=version.created_at,
        max_age=0,
        conditional=True,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    # Readable only by those allowed to read the page: never in a shared cache.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _send_current(attachment: Attachment):
    """The version this viewer gets: editors the current one, readers the approved one."""
    return send_version(attachment, attachments.get_version(
        attachment, attachments.shown_number(attachment, editor=_is_editor(attachment.page))))


@bp.get("/sida/<slug>/bilagor/<name>")
def download(slug: str, name: str):
    """The current version of an attachment (for readers: the approved one)."""
    return _send_current(load_attachment(load_page(slug), name))


@bp.get("/sida/<slug>/bilagor/<name>/version/<int:number>")
def download_version(slug: str, name: str, number: int):
    """An older (or the current) version of an attachment; readers only get approved versions."""
    attachment = load_attachment(load_page(slug), name)
    try:
        version = attachments.get_version(attachment, number)
    except NotFoundError:
        abort(404)
    if not attachments.may_open(version, editor=_is_editor(attachment.page)):
        abort(404)
    return send_version(attachment, version)


@bp.get("/bilagor/<int:attachment_id>")
def by_id(attachment_id: int):
    """The current version by id: the stable link search hits use (it survives a page rename)."""
    attachment = attachments.get_by_id(attachment_id)
    if attachment is None or not attachments.visible(attachment, editor=_is_editor(attachment.page),
                                                     admin=_is_admin()) \
            or not can_read_page(current_user, attachment.page):
        abort(404)
    return _send_current(attachment)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc: RequestEntityTooLarge):
    """An upload over MAX_CONTENT_LENGTH: a Swedish page saying what the limit is."""
    limit = f"Filen är för stor. Största tillåtna storlek är {size_label(attachments.max_size())}."
    if request.endpoint == "attachments.editor_upload":
        return jsonify(error="Filen kunde inte laddas upp.", errors=[limit]), 413
    text = f"{limit} Gå tillbaka och välj en mindre fil."
    return render_template("errors/error.html", code=413, title="Filen är för stor", text=text), 413
