"""Page views: thin wrappers that validate a form, call the page service, flash and redirect."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from kb import caching, pagecache, typed
from kb.constants import PageType
from kb.pages.forms import CommentForm, PageForm, facts_form, facts_values
from kb.permissions import Permission, actor_name, require
from kb.services import attachments, pages, structure
from kb.services import diff as diffs
from kb.services import plans as plan_service
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


def facts_forms(formdata=None, page=None) -> dict:
    """One structured-fields form per page type that has fields."""
    structures = [(p.slug, p.title) for p in structure.live_of_type(PageType.STRUCTURE)
                  if page is None or p.id != page.id]
    own = (page.type, page.fields) if page is not None else (None, None)
    return {t: facts_form(t, formdata, own[1] if own[0] == t else None, structures)
            for t, specs in typed.TYPE_FIELDS.items() if specs}


def page_data(form: PageForm, facts: dict):
    """The page form plus the chosen type's structured fields, as service input."""
    data = form.to_data()
    data.fields = facts_values(facts[data.type]) if data.type in facts else {}
    return data


def _attach_errors(form: PageForm, exc: ValidationError, facts: dict | None = None) -> None:
    for name, message in exc.errors.items():
        if name.startswith("fields.") and facts and form.type.data in facts:
            field = getattr(facts[form.type.data], name.split(".", 1)[1], None)
            if field is not None:
                field.errors = [*field.errors, message]
                flash(message, "error")
                continue
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
    head = pages.head(slug)  # a light query; the page itself is loaded only to render it
    if head is None or head.deleted:
        page, redirected = pages.resolve(slug)
        if page is None:
            abort(404)
        if redirected:
            return redirect(url_for("pages.view", slug=page.slug), code=301)
        return render_template("pages/deleted.html", page=page, form=CommentForm()), 410
    if (unchanged := caching.not_modified(*view_state(head), last_modified=head.updated_at)) is not None:
        return unchanged
    if (kept := pagecache.cached()) is not None:  # rendered before, and nothing it shows changed since
        return kept
    page = pages.get(slug)
    if page is None:  # deleted or renamed this very moment
        abort(404)
    context = {"linked": structure.linked_pages(page), "children": structure.children(page),
               "owned": structure.owned_routines(page), "activities": plan_service.activities_for_page(page),
               "structure_plans": [], "page_attachments": attachments.for_page(page)}
    if page.type == PageType.STRUCTURE.value:
        context["structure_plans"] = plan_service.live_plans(structure=page)
    if page.type == PageType.ORIENTATION.value:
        path = structure.orientation_path()
        index = next((i for i, p in enumerate(path) if p.id == page.id), None)
        read = structure.read_page_ids(current_user.id) if current_user.is_authenticated else set()
        context.update(path=path, position=index, read=read, read_form=CommentForm(),
                       prev_page=path[index - 1] if index else None,
                       next_page=path[index + 1] if index is not None and index + 1 < len(path) else None)
    return pagecache.keep(render_template("pages/view.html", page=page, backlinks=pages.backlinks(page),
                                          **context))


def view_state(page) -> tuple:
    """What a page view shows besides logged changes (kb.caching): the page and the user's read marks."""
    read = sorted(structure.read_page_ids(current_user.id)) \
        if page.type == PageType.ORIENTATION.value and current_user.is_authenticated else []
    return page.id, page.revision_number, page.updated_at, read


@bp.post("/sida/<slug>/last")
@login_required
def mark_read(slug: str):
    """Mark an orientation page as read (or unread) for the logged-in user."""
    page = load_page(slug)
    form = CommentForm()
    if not form.validate_on_submit():
        abort(400)
    read = request.form.get("read", "1") == "1"
    structure.set_read(current_user.id, page, read)
    flash("Markerad som läst." if read else "Markeringen togs bort.", "success")
    return redirect(url_for("pages.view", slug=page.slug) + "#introduktion")


@bp.get("/struktur")
def chart():
    """The organisation chart of structures."""
    return render_template("pages/chart.html", roots=structure.structure_tree())


@bp.get("/att-revidera")
def review():
    """Routines past or near their review date."""
    return render_template("pages/review.html", due=structure.review_list(), today=structure.today())


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
        form.source.data = typed.TEMPLATES.get(form.type.data, "")
        return render_template("pages/edit.html", form=form, page=None, facts=facts_forms())
    facts = facts_forms(request.form)
    preview = None
    failed = False
    if form.validate_on_submit():
        data = page_data(form, facts)
        if form.preview.data:
            preview = pages.render(pages.normalize_source(data.source)).html
        else:
            try:
                page = pages.create_page(data, author=actor_name(), comment=form.comment.data or "")
            except ValidationError as exc:
                _attach_errors(form, exc, facts)
                failed = True
            else:
                flash(f"Sidan ”{page.title}” skapades.", "success")
                return redirect(url_for("pages.view", slug=page.slug))
    return render_template("pages/edit.html", form=form, page=None, preview=preview, facts=facts), (
        422 if failed or form.errors else 200)


@bp.route("/sida/<slug>/redigera", methods=["GET", "POST"])
@require(Permission.EDIT)
def edit(slug: str):
    """Edit a page; an edit based on an old revision leads to the conflict page."""
    page = load_page(slug)
    form = PageForm()
    if request.method == "GET":
        form.fill_from(page)
        return render_template("pages/edit.html", form=form, page=page, facts=facts_forms(page=page))
    facts = facts_forms(request.form, page)
    preview = None
    failed = False
    if form.validate_on_submit():
        data = page_data(form, facts)
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
                return _conflict(page, form, exc, facts)
            except ValidationError as exc:
                _attach_errors(form, exc, facts)
                failed = True
            else:
                if rev is None:
                    flash("Inga ändringar att spara.", "info")
                else:
                    flash(f"Sidan sparades (version {rev.number}).", "success")
                return redirect(url_for("pages.view", slug=page.slug))
    return render_template("pages/edit.html", form=form, page=page, preview=preview, facts=facts), (
        422 if failed or form.errors else 200)


def _conflict(page, form: PageForm, exc: ConflictError, facts: dict):
    """Show what the other person changed and keep this user's text for merging."""
    base_source = pages.get_revision(page, exc.base).source if exc.base >= 1 else ""
    current = page.current
    theirs = diffs.diff_text(base_source, current.source)
    yours = diffs.diff_text(current.source, pages.normalize_source(form.source.data or ""))
    others = [r for r in pages.history(page) if r.number > exc.base]
    form.base_revision.data = str(page.revision_number)
    return render_template("pages/conflict.html", page=page, form=form, theirs=theirs, yours=yours,
                           others=others, current=current, facts=facts), 409


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
    revisions = pages.recent_revisions(current_app.config["RECENT_CHANGES"])
    return render_template("pages/recent.html", revisions=revisions)


@bp.get("/sida/<slug>/lankar-hit")
def links_here(slug: str):
    """Pages that link to this page."""
    page = load_page(slug)
    return render_template("pages/backlinks.html", page=page, backlinks=pages.backlinks(page))


@bp.get("/ny-adress")
def suggest_slug():
    """The slug a title would get (for the create form's enhancement)."""
    return jsonify(slug=slugify(request.args.get("title", "")[:200]))
