"""Glossary views: thin wrappers that validate a form, call the glossary service, flash and redirect."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kb import caching, urls
from kb.auth.guards import actor_name, require
from kb.exceptions import ConflictError, ValidationError
from kb.glossary.forms import DeleteTermForm, FilterForm, TermForm, parse_revision
from kb.models import GlossaryTerm
from kb.permissions import Permission, can, hidden_areas, sees_area
from kb.services import area_pages, areas, glossary

bp = Blueprint("glossary", __name__)

FILTER_MAX = 100


def load_term(term_id: int, *, allow_deleted: bool = False) -> GlossaryTerm:
    """The entry with this id, or 404 (deleted ones too unless allowed)."""
    row = glossary.get_by_id(term_id)
    if row is None or (row.deleted and not allow_deleted) or not sees_area(current_user, row.area_id):
        abort(404)
    return row


def term_form(row: GlossaryTerm | None = None) -> TermForm:
    """The entry form offering the areas the user sees (and a retired one the entry already has)."""
    form = TermForm()
    offered = areas.visible_areas(current_user)
    if row is not None and row.area_id is not None and row.area_id not in {a.id for a in offered}:
        offered.append(areas.by_id()[row.area_id])
    form.offer_areas(offered)
    return form


def entry_url(row: GlossaryTerm) -> str:
    """The entry's place on the glossary page."""
    return url_for("glossary.index", _anchor=urls.glossary_anchor(row.term))


@bp.get("/ordlista")
def index():
    """All terms A–Ö, optionally filtered by ?q= on term, expansion or description and by ?omrade= (an
    area's terms and the region-wide ones). Terms of members-only areas only for their members."""
    if (unchanged := caching.not_modified()) is not None:  # every glossary write logs a change
        return unchanged
    form = FilterForm(formdata=request.args)
    form.offer_areas(areas.visible_areas(current_user, include_retired=True))
    query = " ".join((form.q.data or "").split())[:FILTER_MAX]
    hidden = hidden_areas(current_user)
    terms = glossary.all_terms(hidden=hidden)
    area = area_pages.visible(form.omrade.data or "", current_user) if form.omrade.data else None
    form.omrade.data = area.key if area is not None else ""  # an unknown area: the whole glossary
    shown = glossary.matching(glossary.of_area(terms, area.id) if area is not None else terms, query)
    deleted = glossary.deleted_terms(hidden=hidden) if can(current_user, Permission.EDIT) else []
    return render_template("glossary/index.html", form=form, query=query, groups=glossary.by_initial(shown),
                           shown=len(shown), total=len(terms), deleted=deleted, area=area,
                           alphabet=glossary.ALPHABET, anchor=urls.glossary_anchor)


@bp.route("/ordlista/ny", methods=["GET", "POST"])
@require(Permission.EDIT)
def create():
    """Add a term; ?term= pre-fills it (with a deleted entry's last values, to bring it back)."""
    form = term_form()
    if request.method == "GET":
        wanted = " ".join(request.args.get("term", "").split())[:60]
        old = glossary.get(wanted) if wanted else None
        if old is not None and old.deleted and sees_area(current_user, old.area_id):
            form.fill_from(old)
        form.term.data = wanted
        return render_template("glossary/edit.html", form=form, row=None)
    if form.validate_on_submit():
        try:
            row = glossary.create(form.to_data(), author=actor_name(), comment=form.comment.data or "",
                                  user=current_user)
        except ValidationError as exc:
            form.add_service_errors(exc, "term")
        else:
            flash(f"”{row.term}” finns nu i ordlistan.", "success")
            return redirect(entry_url(row))
    return render_template("glossary/edit.html", form=form, row=None), 422


@bp.route("/ordlista/<int:term_id>/redigera", methods=["GET", "POST"])
@require(Permission.EDIT)
def edit(term_id: int):
    """Edit a term; an edit based on an older revision shows the conflict and overwrites nothing."""
    row = load_term(term_id)
    form = term_form(row)
    if request.method == "GET":
        form.fill_from(row)
        return _edit_page(row, form)
    if form.validate_on_submit():
        base = parse_revision(form.base_revision.data)
        try:
            rev = glossary.update(row, form.to_data(), base_revision=-1 if base is None else base,
                                  author=actor_name(), comment=form.comment.data or "", user=current_user)
        except ConflictError as exc:
            form.base_revision.data = str(row.revision_number)
            others = [r for r in glossary.history(row) if r.number > exc.base]
            return _edit_page(row, form, conflict=exc, others=others), 409
        except ValidationError as exc:
            form.add_service_errors(exc, "term")
        else:
            if rev is None:
                flash("Inga ändringar att spara.", "info")
            else:
                flash(f"”{row.term}” sparades (version {rev.number}).", "success")
            return redirect(entry_url(row))
    return _edit_page(row, form), 422


def _edit_page(row: GlossaryTerm, form: TermForm, **extra):
    """The edit form with the delete form below it."""
    delete_form = DeleteTermForm(formdata=None, delete_base_revision=str(row.revision_number))
    return render_template("glossary/edit.html", form=form, row=row, delete_form=delete_form, **extra)


@bp.post("/ordlista/<int:term_id>/ta-bort")
@require(Permission.EDIT)
def delete(term_id: int):
    """Delete a term (soft: its history stays and creating it again restores it)."""
    row = load_term(term_id)
    form = DeleteTermForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        glossary.delete(row, author=actor_name(), comment=form.reason.data or "",
                        base_revision=parse_revision(form.delete_base_revision.data))
    except ConflictError:
        flash("Posten ändrades av någon annan medan du tittade på den och togs inte bort. "
              "Se den nya versionen och försök igen.", "error")
        return redirect(url_for("glossary.edit", term_id=row.id))
    except ValidationError as exc:  # e.g. a personnummer in the reason
        flash(" ".join(exc.errors.values()), "error")
        return redirect(url_for("glossary.edit", term_id=row.id))
    flash(f"”{row.term}” togs bort ur ordlistan. Historiken finns kvar och posten kan skapas igen.",
          "success")
    return redirect(url_for("glossary.index"))


@bp.get("/ordlista/<int:term_id>/historik")
def history(term_id: int):
    """Every version of a term, newest first (deleted terms too)."""
    row = load_term(term_id, allow_deleted=True)
    return render_template("glossary/history.html", row=row, revisions=glossary.history(row),
                           entry_url=None if row.deleted else entry_url(row))
