"""Page views: thin wrappers that validate a form, call the page service, flash and redirect."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from kb import caching, dates, markup, pagecache
from kb.auth.guards import actor_name, editable, load_page, require
from kb.constants import PageType, RevisionState
from kb.exceptions import ConflictError, EditConflict, NotFoundError, ValidationError
from kb.forms import ConfirmForm
from kb.governance.forms import ApproveForm, FlagForm, ResolveFlagForm, ReturnForm, ReviewForm
from kb.pages import creating, documents
from kb.pages.area_choice import chosen_area
from kb.pages.editing import attach_errors, facts_forms, hidden, page_data, readers_only
from kb.pages.forms import CommentForm, PageForm, conflict_choices, conflicts_form
from kb.permissions import Permission, can_read_page, can_report_reading
from kb.reading.forms import ConfirmReadForm
from kb.services import area_pages, areas, attachments, confirmations, governance, pages, statistics, structure
from kb.services import diff as diffs
from kb.services import plans as plan_service
from kb.services.pages import merging
from kb.slugs import is_valid_slug, slugify

bp = Blueprint("pages", __name__)
creating.register(bp)
documents.register(bp)


@bp.get("/")
def start():
    """Start page: search, the orientation entry, the areas and recently changed pages."""
    orientation = pages.get("ny-i-samverkan")
    visible = orientation is not None and not orientation.deleted and can_read_page(current_user, orientation)
    only = readers_only()
    return render_template("pages/start.html",
                           recent=pages.recently_changed(8, published_only=only, hidden=hidden()),
                           orientation=orientation if visible else None,
                           counts=pages.count_by_type(published_only=only, hidden=hidden()),
                           areas=area_pages.start_list(current_user))


@bp.get("/sida/<slug>")
def view(slug: str):
    """Show a page; an old slug redirects, a deleted page explains itself."""
    if not is_valid_slug(slug):
        abort(404)
    head = pages.current_head(slug)  # no query while nothing changed; the page is loaded only to render it
    if head is None or head.deleted:
        page, redirected = pages.resolve(slug)
        if page is None or not can_read_page(current_user, page):
            abort(404)
        if redirected:
            return redirect(url_for("pages.view", slug=page.slug), code=301)
        return render_template("pages/deleted.html", page=page, form=CommentForm()), 410
    if not can_read_page(current_user, head):
        abort(404)
    count_view(head.id)  # a view answered with a 304 or from memory is a view too
    # The user's read marks and confirmations are in the validator's viewer stamp (kb.caching).
    state = (head.id, head.revision_number, head.updated_at)
    if (unchanged := caching.not_modified(*state, last_modified=head.updated_at)) is not None:
        return unchanged
    if (kept := pagecache.cached()) is not None:  # rendered before, and nothing it shows changed since
        return kept
    page = pages.get(slug)
    if page is None:  # deleted or renamed this very moment
        abort(404)
    only, unseen = readers_only(page.area_id), hidden()
    context = {"linked": structure.linked_pages(page, published_only=only, hidden=unseen),
               "children": structure.children(page, published_only=only, hidden=unseen),
               "owned": structure.owned_routines(page, published_only=only, hidden=unseen),
               "activities": plan_service.activities_for_page(page, hidden=unseen),
               "structure_plans": [],
               "page_attachments": attachments.for_page(page, editor=not only),
               "gov": governance.page_governance(page, current_user)}
    if current_user.is_authenticated:  # a form starts a session (its CSRF token): not for every visitor
        context.update(approve_form=ApproveForm(), return_form=ReturnForm(), review_form=ReviewForm(),
                       flag_form=FlagForm(), resolve_form=ResolveFlagForm())
        context.update(reading=confirmations.my_state(current_user, page), confirm_form=ConfirmReadForm(),
                       may_report_reading=can_report_reading(current_user, page))
        if not page.is_published:  # a first approval has no earlier version to describe changes from
            context["approve_form"].comment.description = ("Valfritt för en ny rutin: det finns ingen tidigare "
                                                           "version. Visas för läsarna.")
    if page.type == PageType.STRUCTURE.value:
        context["structure_plans"] = plan_service.live_plans(structure=page, hidden=unseen)
    if page.type == PageType.ORIENTATION.value:
        path, index = structure.orientation_step(page, published_only=only, hidden=unseen)
        read = structure.read_page_ids(current_user.id) if current_user.is_authenticated else set()
        context.update(path=path, position=index, read=read, read_form=ConfirmForm(),
                       prev_page=path[index - 1] if index else None,
                       next_page=path[index + 1] if index is not None and index + 1 < len(path) else None)
    return pagecache.keep(render_template("pages/view.html", page=page,
                                          backlinks=pages.backlinks(page, published_only=only, hidden=unseen),
                                          search_area=areas.search_scope(page.area_id), **context))


def count_view(page_id: int) -> None:
    """Count a GET of a page in the statistics (in memory; kb.services.statistics) and tell the page
    cache (kb.pagecache) which page it answers, so that it counts the views it serves itself, and to
    whom, so that it keeps a signed-in user's view only for them."""
    request.environ[pagecache.PAGE_ID] = page_id
    request.environ[pagecache.USER_ID] = current_user.id if current_user.is_authenticated else None
    if request.method == "GET":
        statistics.record_view(page_id, request.user_agent.string)


@bp.post("/sida/<slug>/last")
@login_required
def mark_read(slug: str):
    """Mark an orientation page as read (or unread) for the logged-in user."""
    page = load_page(slug)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    read = request.form.get("read", "1") == "1"
    structure.set_read(current_user.id, page, read)
    flash("Markerad som läst." if read else "Markeringen togs bort.", "success")
    if read and request.form.get("then") == "next":  # "Markera som läst och gå till nästa"
        path, index = structure.orientation_step(page, published_only=readers_only(), hidden=hidden())
        if index is not None and index + 1 < len(path):
            return redirect(url_for("pages.view", slug=path[index + 1].slug) + "#innehall")
    return redirect(url_for("pages.view", slug=page.slug) + "#las-klart")


@bp.get("/struktur")
def chart():
    """The organisation chart of structures."""
    if (unchanged := caching.not_modified()) is not None:
        return unchanged
    return render_template("pages/chart.html", roots=structure.structure_tree(published_only=readers_only(),
                                                                            hidden=hidden()))


@bp.get("/att-revidera")
def review():
    """Routines past or near their valid-until date."""
    if (unchanged := caching.not_modified()) is not None:  # the validator includes today's date
        return unchanged
    return render_template("pages/review.html", today=dates.today(),
                           due=structure.review_list(published_only=readers_only(), hidden=hidden()))


@bp.route("/sida/<slug>/redigera", methods=["GET", "POST"])
@require(Permission.EDIT)
def edit(slug: str):
    """Edit a page. An edit based on an old revision is merged with the changes saved since; where both
    changed the same part, the conflict page shows both, marked, until the user chooses."""
    page = editable(load_page(slug))
    form = PageForm()
    form.set_areas(areas.editable_areas(current_user), areas.by_id().get(page.area_id))
    if request.method == "GET":
        form.fill_from(page)
        form.area.data = areas.key_of(page.area_id)
        return render_template("pages/edit.html", form=form, page=page, facts=facts_forms(page=page))
    facts = facts_forms(request.form, page)
    # Conflicts still marked in the text (a save from the conflict page) and the choices made for them.
    choices = conflicts_form(merging.conflict_numbers(form.source.data or ""), request.form)
    preview = None
    failed = False
    if form.validate_on_submit():
        data = page_data(form, facts)
        data.source = merging.resolve(data.source, conflict_choices(choices))
        try:
            base = int(form.base_revision.data or "0")
        except ValueError:
            base = 0
        if form.preview.data:
            preview = pages.render(pages.normalize_source(data.source)).html
        else:
            try:
                target = chosen_area(form, page)  # moving to another area: the user must edit in both
                rev = pages.update_page(page, data, base_revision=base, author=actor_name(),
                                        comment=form.comment.data or "")
                if target is not None and pages.move_page(page, target.id, author=actor_name()):
                    flash(f"Sidan flyttades till området ”{target.name}”.", "success")
            except ConflictError as exc:
                return _conflict(page, form, exc, facts)
            except ValidationError as exc:
                attach_errors(form, exc.errors, facts)
                failed = True
            else:
                _flash_saved(rev, merged_with=rev.number - 1 if rev is not None and base != rev.number - 1 else None)
                return redirect(url_for("pages.view", slug=page.slug))
    status = 422 if failed or form.errors else 200
    if choices._fields:  # still resolving a conflict: keep its choices and explanations
        return _conflict_page(page, form, facts, choices, status, preview=preview)
    return render_template("pages/edit.html", form=form, page=page, preview=preview, facts=facts), status


def _flash_saved(rev, *, merged_with: int | None) -> None:
    if rev is None:
        flash("Inga ändringar att spara.", "info")
        return
    merged = (f"Din ändring sammanfogades med någon annans ändring (version {merged_with}) och sparades"
              if merged_with else "Sidan sparades")
    if rev.state == RevisionState.DRAFT.value:
        flash(f"{merged} som utkast (version {rev.number}). Läsarna ser den fastställda "
              "versionen tills utkastet har fastställts.", "success")
    else:
        flash(f"{merged} (version {rev.number}).", "success")


def _conflict(page, form: PageForm, exc: ConflictError, facts: dict):
    """Show what the other person changed, with this user's edit merged into it where it could be."""
    if isinstance(exc, EditConflict):
        merged = exc.merge.data
        form.fill_from_data(merged)
        facts = facts_forms(page=page, values=(merged.type, merged.fields))
        attach_errors(form, {name: _changed_by_others(value, exc.current)
                              for name, value in exc.merge.fields.items()}, facts)
    form.base_revision.data = str(page.revision_number)
    form.merge_base.data = str(exc.base)
    choices = conflicts_form(merging.conflict_numbers(form.source.data or ""))
    return _conflict_page(page, form, facts, choices, 409, merged=isinstance(exc, EditConflict))


def _changed_by_others(value: str, version: int) -> str:
    theirs = f"till ”{value}”" if value else "så att det blev tomt"
    return (f"Någon annan ändrade också detta i version {version}, {theirs}. Ditt värde står kvar: "
            "ändra det om deras ska gälla.")


def _conflict_page(page, form: PageForm, facts: dict, choices, status: int, *, preview=None, merged=False):
    """The conflict page: the changes saved since the user began (`form.merge_base`) and the form."""
    current = page.current
    try:
        base = int(form.merge_base.data or "0")
    except ValueError:
        base = 0
    theirs, others = None, []
    if 0 < base < current.number:
        theirs = diffs.diff_text(pages.get_revision(page, base).source, current.source)
        others = [r for r in pages.history(page) if r.number > base]
    yours = diffs.diff_text(current.source, pages.normalize_source(form.source.data or ""))
    return render_template("pages/conflict.html", page=page, form=form, facts=facts, choices=choices,
                           theirs=theirs, yours=yours, others=others, current=current, preview=preview,
                           merged=merged), status


@bp.post("/forhandsgranska")
@require(Permission.EDIT)
def preview():
    """Render Markdown for the live preview (JavaScript enhancement); CSRF-protected."""
    source = request.form.get("source", "")
    if len(source.encode("utf-8")) > current_app.config["BODY_MAX"]:
        return jsonify(error="Texten är för lång för att förhandsgranskas."), 413
    return jsonify(html=markup.scroll_tables(pages.render(pages.normalize_source(source)).html))


@bp.get("/sida/<slug>/historik")
def history(slug: str):
    """All revisions of a page, with a form to compare any two."""
    page = load_page(slug, allow_deleted=True)
    views = statistics.monthly_views(page.id)
    if (unchanged := caching.not_modified(page.id, page.revision_number, page.updated_at, views)) is not None:
        return unchanged
    reviews = governance.reviews_for(page) if governance.has_validity(page.type) else []
    return render_template("pages/history.html", page=page, reviews=reviews, views=views,
                           revisions=pages.history(page, published_only=readers_only(page.area_id)))


@bp.get("/sida/<slug>/version/<int:number>")
def revision(slug: str, number: int):
    """An old revision as it was rendered when saved."""
    page = load_page(slug, allow_deleted=True)
    try:
        rev = pages.get_revision(page, number)
    except NotFoundError:
        abort(404)
    if not rev.public and readers_only(page.area_id):
        abort(404)
    return render_template("pages/revision.html", page=page, rev=rev, form=CommentForm())


@bp.get("/sida/<slug>/jamfor")
def compare(slug: str):
    """Differences between two revisions (defaults: the previous one and the newest)."""
    page = load_page(slug, allow_deleted=True)
    only = readers_only(page.area_id)
    visible = pages.history(page, published_only=only)
    if not visible:
        abort(404)
    numbers = [r.number for r in visible]  # newest first

    def shown(number: int) -> int:
        """The number itself if the user may see it, else the nearest older one they may (404: none,
        or no such version at all)."""
        if not 0 < number <= page.revision_number:
            abort(404)
        found = next((n for n in numbers if n <= number), None)
        if found is None:
            abort(404)
        return found

    new_no = shown(request.args.get("till", type=int) or numbers[0])
    old_no = request.args.get("fran", type=int) or next((n for n in numbers if n < new_no), min(numbers))
    old_no = shown(old_no)
    if old_no > new_no:
        old_no, new_no = new_no, old_no
    old, new = (next(r for r in visible if r.number == n) for n in (old_no, new_no))
    return render_template("pages/diff.html", page=page, old=old, new=new,
                           rows=diffs.diff_text(old.source, new.source),
                           meta=diffs.metadata_changes(old, new), revisions=visible)


@bp.post("/sida/<slug>/aterstall/<int:number>")
@require(Permission.EDIT)
def revert(slug: str, number: int):
    """Make an old revision current again."""
    page = editable(load_page(slug))
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
    page = editable(load_page(slug))
    form = CommentForm()
    if form.validate_on_submit():
        try:
            pages.delete_page(page, author=actor_name(), comment=form.comment.data or "")
        except (ConflictError, ValidationError) as exc:
            if isinstance(exc, ValidationError) and "comment" in exc.errors:  # e.g. a personnummer
                form.comment.errors = [*form.comment.errors, exc.errors["comment"]]
                return render_template("pages/delete.html", page=page, form=form), 422
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
        flash(" ".join(exc.errors.values()) if isinstance(exc, ValidationError) else str(exc), "error")
    else:
        flash(f"Sidan ”{page.title}” återskapades.", "success")
    return redirect(url_for("pages.view", slug=page.slug))


@bp.get("/sidor")
def index():
    """All pages grouped by type (the first of each type), or with ?typ= every page of one type."""
    if (unchanged := caching.not_modified()) is not None:
        return unchanged
    only, config = readers_only(), current_app.config
    if "typ" in request.args:
        try:
            page_type = PageType(request.args["typ"])
        except ValueError:
            abort(404)
        number = request.args.get("sida", 1, type=int)  # not a number: the first page
        listed = pages.pages_of_type(page_type, number=number, per_page=config["PAGE_LIST_PER_PAGE"],
                                     published_only=only, hidden=hidden())
        if number < 1 or (number > 1 and not listed.items):
            abort(404)
        return render_template("pages/index_type.html", page_type=page_type, pagination=listed)
    unseen = hidden()
    return render_template("pages/index.html", counts=pages.count_by_type(published_only=only, hidden=unseen),
                           deleted=pages.deleted_pages(published_only=only, hidden=unseen),
                           by_type=pages.pages_by_type(published_only=only, per_type=config["PAGE_LIST_PREVIEW"],
                                                       hidden=unseen))


@bp.get("/andringar")
def recent():
    """Recent changes across the knowledge base."""
    if (unchanged := caching.not_modified()) is not None:
        return unchanged
    revisions = pages.recent_revisions(current_app.config["RECENT_CHANGES"], published_only=readers_only(),
                                       hidden=hidden())
    return render_template("pages/recent.html", revisions=revisions)


@bp.get("/sida/<slug>/lankar-hit")
def links_here(slug: str):
    """Pages that link to this page."""
    page = load_page(slug)
    return render_template("pages/backlinks.html", page=page,
                           backlinks=pages.backlinks(page, published_only=readers_only(), hidden=hidden()))


@bp.get("/ny-adress")
def suggest_slug():
    """The slug a title would get (for the create form's enhancement)."""
    return jsonify(slug=slugify(request.args.get("title", "")[:200]))
