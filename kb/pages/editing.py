"""What the page views share: what the current user sees, the structured-fields forms of the editor,
the form as service input and a service's messages on the form."""
from __future__ import annotations

from flask import flash
from flask_login import current_user

from kb import typed
from kb.constants import PageType
from kb.forms import flash_all
from kb.pages.forms import PageForm, facts_form, facts_values
from kb.permissions import hidden_areas, sees_unpublished
from kb.services import governance, organisations, structure


def readers_only(area_id: int | None = None) -> bool:
    """Whether the current user sees only what is published (not drafts or pages never approved), in
    the area when given (an editor of another area reads this one as a reader)."""
    return not sees_unpublished(current_user, area_id)


def hidden() -> frozenset[int]:
    """The members-only areas the current user is no member of: every list leaves their pages out."""
    return hidden_areas(current_user)


def facts_forms(formdata=None, page=None, values: tuple[str, dict] | None = None) -> dict:
    """One structured-fields form per page type that has fields (filled from `values`, a type and its
    fields, else from the newest revision)."""
    structures = [(p.slug, p.title) for p in structure.live_of_type(PageType.STRUCTURE, hidden=hidden())
                  if page is None or p.id != page.id]
    current = page.current if page is not None else None
    own = values or ((current.type, current.fields) if current is not None else (None, None))
    approvers = sorted(((u.username, u.name) for u in governance.approver_accounts().values()),
                       key=lambda pair: pair[0])
    orgs = [(o.key, o.name, o.retired) for o in organisations.all_organisations()]
    return {t: facts_form(t, formdata, own[1] if own[0] == t else None, structures, approvers, orgs)
            for t, specs in typed.TYPE_FIELDS.items() if specs}


def page_data(form: PageForm, facts: dict):
    """The page form plus the chosen type's structured fields, as service input."""
    data = form.to_data()
    data.fields = facts_values(facts[data.type]) if data.type in facts else {}
    return data


def attach_errors(form: PageForm, errors: dict[str, str], facts: dict | None = None) -> None:
    """Show a service's messages at their fields; those for the page type's fact fields at those too
    (and flashed, as that part of the form may be folded away)."""
    rest = {}
    for name, message in errors.items():
        fact_form = facts.get(form.type.data) if facts and name.startswith("fields.") else None
        if fact_form is not None and not fact_form.add_service_errors({name.split(".", 1)[1]: message}):
            flash(message, "error")
        else:
            rest[name] = message
    flash_all(form.add_service_errors(rest))
