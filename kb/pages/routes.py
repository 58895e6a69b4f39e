"""Page views: thin wrappers that validate a form, call the page service, flash and redirect."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for

from kb.constants import PageType
from kb.pages.forms import CommentForm, PageForm
from kb.permissions import Permission, actor_name, require
from kb.services import diff as diffs
from kb.services import pages
from kb.services.errors import ConflictError, NotFoundError, ValidationError
from kb.slugs import is_valid_slug, slugify

bp = Blueprint("pages", __name__)


def load_page(slug: str, *, allow_deleted: bool = False):
    """The page for a URL slug, or 404 (invalid slugs too)."""
    if not is_valid_slug(slug):
        abort(404)
    page, _ = pages.resolve(slug)
    if page is None or (page.deleted and not allow_deleted):
        abort(404)
    return page


def _attach_errors(form: PageForm, exc: ValidationError) -> None:
    for name, message in exc.errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        else:
            flash(message, "error")


@bp.get("/")
def start():
    """Start page: search, the orientation entry and recently changed pages."""
    orientation = pages.get("ny-i-samverkan")
    return render_template("pages/start.html", recent=pages.recently_changed(8),
                           orientation=orientation if orientation and not orientation.deleted else None,
                           by_type=pages.pages_by_type())


@bp.get("/sida/<slug>")
def view(slug: str):
    """Show a page; an old slug redirects, a deleted page explains itself."""
    if not is_valid_slug(slug):
        abort(404)
    page, redirected = pages.resolve(slug)
    if page is None:
        abort(404)
    if redirected:
        return redirect(url_for("pages.view", slug=page.slug), code=301)
    if page.deleted:
        return render_template("pages/deleted.html", page=page, form=CommentForm()), 410
    return render_template("pages/view.html", page=page, backlinks=pages.backlinks(page))


@bp.route("/ny", methods=["GET", "POST"])
@require(Permission.EDIT)
def create():
    """Create a page, optionally pre-filled from a missing-page link."""
    form = PageForm()
    if request.method == "GET":
        form.title.data = request.args.get("title", "")[:200]
        slug = request.args.get("slug", "")
        form.slug.data = slug if is_valid_slug(slug) else ""
        wanted = request.args.get("typ", "")
        form.type.data = wanted if wanted in {t.value for t in PageType} else PageType.ARTICLE.value
        return render_template("pages/edit.html", form=form, page=None)
    preview = None
    if form.validate_on_submit():
        data = form.to_data()
        if form.preview.data:
            preview = pages.render(pages.normalize_source(data.source)).html
        else:
            try:
                page = pages.create_page(data, author=actor_name(), comment=form.comment.data or "")
            except ValidationError as exc:
                _attach_errors(form, exc)
            else:
                flash(f"Sidan ”{page.title}” skapades.", "success")
                return redirect(url_for("pages.view", slug=page.slug))
    return render_template("pages/edit.html", form=form, page=None, preview=preview), (
        200 if preview is not None or not form.errors else 422)


@bp.route("/sida/<slug>/redigera", methods=["GET", "POST"])
@require(Permission.EDIT)
def edit(slug: str):
    """Edit a page; an edit based on an old revision leads to the conflict page."""
    page = load_page(slug)
    form = PageForm()
    if request.method == "GET":
        form.fill_from(page)
        return render_template("pages/edit.html", form=form, page=page)
    preview = None
    if form.validate_on_submit():
        data = form.to_data()
        try:
            base = int(form.base_revision.data or "0")
        except ValueError:
            base = 0
        if form.preview.data:
            preview = pages.render(pages.normalize_source(data.source)).html
        else:
            try:
                rev = pages.update_page(page, data, base_revision=base, author=actor_name(),
                                        comment=form.comment.data or "")
            except ConflictError as exc:
                return _conflict(page, form, exc)
            except ValidationError as exc:
                _attach_errors(form, exc)
            else:
                if rev is None:
                    flash("Inga ändringar att spara.", "info")
                else:
                    flash(f"Sidan sparades (version {rev.number}).", "success")
                return redirect(url_for("pages.view", slug=page.slug))
    return render_template("pages/edit.html", form=form, page=page, preview=preview), (
        200 if preview is not None or not form.errors else 422)


def _conflict(page, form: PageForm, exc: ConflictError):
    """Show what the other person changed and keep this user's text for merging."""
    base_source = pages.get_revision(page, exc.base).source if exc.base >= 1 else ""
    current = page.current
    theirs = diffs.diff_text(base_source, current.source)
    yours = diffs.diff_text(current.source, pages.normalize_source(form.source.data or ""))
    others = [r for r in pages.history(page) if r.number > exc.base]
    form.base_revision.data = str(page.revision_number)
    return render_template("pages/conflict.html", page=page, form=form, theirs=theirs, yours=yours,
                           others=others, current=current), 409


@bp.post("/forhandsgranska")
@require(Permission.EDIT)
def preview():
    """Render Markdown for the live preview (JavaScript enhancement); CSRF-protected."""
    source = request.form.get("source", "")
    if len(source.encode("utf-8")) > current_app.config["BODY_MAX"]:
        return jsonify(error="Texten är för lång för att förhandsgranskas."), 413
    return jsonify(html=pages.render(pages.normalize_source(source)).html)


@bp.get("/sida/<slug>/historik")
def history(slug: str):
    """All revisions of a page, with a form to compare any two."""
    page = load_page(slug, allow_deleted=True)
    return render_template("pages/history.html", page=page, revisions=pages.history(page), form=CommentForm())


@bp.get("/sida/<slug>/version/<int:number>")
def revision(slug: str, number: int):
    """An old revision as it was rendered when saved."""
    page = load_page(slug, allow_deleted=True)
    try:
        rev = pages.get_revision(page, number)
    except NotFoundError:
        abort(404)
    return render_template("pages/revision.html", page=page, rev=rev, form=CommentForm())


@bp.get("/sida/<slug>/jamfor")
def compare(slug: str):
    """Differences between two revisions (defaults: the previous one and the newest)."""
    page = load_page(slug, allow_deleted=True)
    newest = page.revision_number
    new_no = request.args.get("till", type=int) or newest
    old_no = request.args.get("fran", type=int) or max(new_no - 1, 1)
    if old_no > new_no:
        old_no, new_no = new_no, old_no
    try:
        old, new = pages.get_revision(page, old_no), pages.get_revision(page, new_no)
    except NotFoundError:
        abort(404)
    return render_template("pages/diff.html", page=page, old=old, new=new,
                           rows=diffs.diff_text(old.source, new.source),
                           meta=diffs.metadata_changes(old, new), revisions=pages.history(page))


@bp.post("/sida/<slug>/aterstall/<int:number>")
@require(Permission.EDIT)
def revert(slug: str, number: int):
    """Make an old revision current again."""
    page = load_page(slug)
    form = CommentForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        rev = pages.revert_page(page, number, author=actor_name(), comment=form.comment.data or "")
    except NotFoundError:
        abort(404)
    except ConflictError:
        flash("Sidan ändrades samtidigt av någon annan. Försök igen.", "error")
        return redirect(url_for("pages.history", slug=page.slug))
    except ValidationError as exc:
        flash(" ".join(exc.errors.values()), "error")
        return redirect(url_for("pages.history", slug=page.slug))
    if rev is None:
        flash(f"Version {number} har samma innehåll som den nuvarande; inget ändrades.", "info")
    else:
        flash(f"Sidan återställdes till version {number} (ny version {rev.number}).", "success")
    return redirect(url_for("pages.view", slug=page.slug))


@bp.route("/sida/<slug>/ta-bort", methods=["GET", "POST"])
@require(Permission.EDIT)
def delete(slug: str):
    """Ask, then delete a page (it can be restored from its history)."""
    page = load_page(slug)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            pages.delete_page(page, author=actor_name(), comment=form.comment.data or "")
        except (ConflictError, ValidationError):
            flash("Sidan kunde inte tas bort eftersom den ändrades samtidigt. Försök igen.", "error")
            return redirect(url_for("pages.view", slug=page.slug))
        flash(f"Sidan ”{page.title}” togs bort. Den kan återskapas.", "success")
        return redirect(url_for("pages.view", slug=page.slug))
    return render_template("pages/delete.html", page=page, form=form)


@bp.post("/sida/<slug>/aterskapa")
@require(Permission.ADMIN)
def restore(slug: str):
    """Bring a deleted page back."""
    page = load_page(slug, allow_deleted=True)
    form = CommentForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        pages.restore_page(page, author=actor_name(), comment=form.comment.data or "")
    except (ConflictError, ValidationError) as exc:
        flash(str(exc), "error")
    else:
        flash(f"Sidan ”{page.title}” återskapades.", "success")
    return redirect(url_for("pages.view", slug=page.slug))


@bp.get("/sidor")
def index():
    """All pages grouped by type."""
    return render_template("pages/index.html", by_type=pages.pages_by_type(), deleted=pages.deleted_pages())


@bp.get("/andringar")
def recent():
    """Recent changes across the knowledge base."""
    return render_template("pages/recent.html", revisions=pages.recent_revisions(current_app.config["RECENT_CHANGES"]))


@bp.get("/sida/<slug>/lankar-hit")
def links_here(slug: str):
    """Pages that link to this page."""
    page = load_page(slug)
    return render_template("pages/backlinks.html", page=page, backlinks=pages.backlinks(page))


@bp.get("/ny-adress")
def suggest_slug():
    """The slug a title would get (for the create form's enhancement)."""
    return jsonify(slug=slugify(request.args.get("title", "")[:200]))
