"""Page templates: what "Ny sida" fills in when a page type (and a template) is chosen.

Every page type has a built-in skeleton (kb.typed.TEMPLATES). Administrators add templates of their
own, for every area (no area) or for one area; area administrators for their own area
(kb.permissions.can_edit_templates). One active template per type and area may be the default for
the type: the text "Ny sida" starts with is the area's default, else the default for every area,
else the built-in skeleton (`default_source`).

Templates are never deleted by a normal action: they are retired and can be restored. Each change is
audited (templates are not searchable, so the change log does not need them).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from kb import permissions, pii, typed
from kb.constants import AuditAction, PageType, type_label
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import Area, PageTemplate
from kb.models.base import utcnow
from kb.models.templates import NAME_MAX
from kb.services import areas, audit
from kb.services.pages import normalize_source

# The template choices on "Ny sida" besides an own template's id.
STANDARD = "standard"
EMPTY = "ingen"
EVERY_AREA = "alla områden"

__all__ = ["EMPTY", "NAME_MAX", "STANDARD"]


@dataclass
class TemplateData:
    """A template as the form or an import supplies it; `area` is an area key ('' for every area)."""

    name: str = ""
    type: str = PageType.ARTICLE.value
    source: str = ""
    area: str = ""
    is_default: bool = False


def get(template_id: int) -> PageTemplate | None:
    """The template with this id (retired too), or None."""
    return db.session.get(PageTemplate, template_id)


def area_label(area_id: int | None) -> str:
    """Where a template is offered: the area's name, or "Alla områden"."""
    return areas.name_of(area_id) if area_id is not None else EVERY_AREA.capitalize()


def _sorted(rows: Iterable[PageTemplate]) -> list[PageTemplate]:
    order = {t.value: n for n, t in enumerate(PageType)}
    return sorted(rows, key=lambda t: (order.get(t.type, 99), t.name.casefold(), t.id))


def administered(user) -> list[PageTemplate]:
    """The templates on the administration page for `user`: every one for an administrator; for an
    area administrator those for every area (to read) and their own areas' (retired ones too)."""
    rows = db.session.scalars(select(PageTemplate))
    return _sorted(t for t in rows if t.area_id is None or permissions.can_edit_templates(user, t.area_id))


def offered(area_ids: Iterable[int]) -> list[PageTemplate]:
    """The active templates for every area and for the areas `area_ids`, by type and name."""
    ids = list(area_ids)
    query = select(PageTemplate).where(PageTemplate.retired.is_(False))
    query = query.where(PageTemplate.area_id.is_(None) | PageTemplate.area_id.in_(ids)) if ids \
        else query.where(PageTemplate.area_id.is_(None))
    return _sorted(db.session.scalars(query))


def available(page_type: str, area_id: int | None) -> list[PageTemplate]:
    """The active templates of `page_type` offered in the area (its own and those for every area)."""
    return [t for t in offered([area_id] if area_id is not None else []) if t.type == page_type]


def default_for(page_type: str, area_id: int | None) -> PageTemplate | None:
    """The template filled in for `page_type` in the area: the area's default, else the default for
    every area; None when neither is set (then the built-in skeleton is used)."""
    found = [t for t in available(page_type, area_id) if t.is_default_for_type]
    return next((t for t in found if t.area_id is not None), None) or next(iter(found), None)


def default_source(page_type: str, area_id: int | None) -> str:
    """The text "Ny sida" starts with for `page_type` in the area (see `default_for`)."""
    found = default_for(page_type, area_id)
    return found.source if found is not None else typed.TEMPLATES.get(page_type, "")


def source_for(choice: str, page_type: str, area_id: int | None) -> str:
    """The text of a template choice on "Ny sida": STANDARD (the type's default), EMPTY, or an own
    template's id; an id that is not offered for this type and area gives the default."""
    if choice == EMPTY:
        return ""
    if choice.isdigit():
        found = next((t for t in available(page_type, area_id) if t.id == int(choice)), None)
        if found is not None:
            return found.source
    return default_source(page_type, area_id)


def is_template_text(text: str, area_ids: Iterable[int]) -> bool:
    """Whether `text` is empty or exactly a template (built-in, or offered in one of the areas): text
    the user has not written themselves, which filling in another template may replace."""
    text = normalize_source(text or "")
    if not text:
        return True
    known = [*typed.TEMPLATES.values(), *(t.source for t in offered(area_ids))]
    return any(text == normalize_source(k) for k in known)


def choices(page_type: str, area_id: int | None) -> list[tuple[str, str]]:
    """(value, label) of the template choices on "Ny sida" for the type in the area."""
    label = type_label(page_type).lower()
    own = [(str(t.id), t.name) for t in available(page_type, area_id)]
    return [(STANDARD, f"Standard för {label}"), *own, (EMPTY, "Ingen mall (tom sida)")]


def for_script(area_ids: Iterable[int]) -> dict:
    """What the page form's script needs to fill in templates without asking the server: the built-in
    skeletons by type and the active templates for the areas (keys, not ids, name the areas)."""
    by_id = areas.by_id()
    return {
        "builtin": {t.value: typed.TEMPLATES.get(t.value, "") for t in PageType},
        "labels": {t.value: t.label.lower() for t in PageType},
        "templates": [{"id": str(t.id), "name": t.name, "type": t.type, "source": t.source,
                       "area": by_id[t.area_id].key if t.area_id in by_id else None,
                       "default": t.is_default_for_type} for t in offered(area_ids)],
    }


# --- changes ------------------------------------------------------------------------------------

def _area(key: str, by, current: PageTemplate | None) -> Area | None:
    """The area a template is for ('' → every area), checked against what `by` may edit."""
    area = areas.get(key) if key else None
    if key and area is None:
        raise ValidationError({"area": f"Det finns inget område ”{key}”."})
    area_id = area.id if area is not None else None
    if by is not None and not permissions.can_edit_templates(by, area_id):
        where = f"området ”{area.name}”" if area is not None else "alla områden"
        raise ValidationError({"area": f"Du har inte behörighet att ändra mallar för {where}."})
    if area is not None and area.retired and (current is None or current.area_id != area.id):
        raise ValidationError({"area": f"Området ”{area.name}” är avvecklat och tar inte emot nya mallar."})
    return area


def _taken(name: str, area_id: int | None, *, other_than: int | None = None) -> bool:
    query = select(PageTemplate).where(PageTemplate.retired.is_(False))
    query = query.where(PageTemplate.area_id.is_(None) if area_id is None else PageTemplate.area_id == area_id)
    return any(t.name.casefold() == name.casefold() and t.id != other_than for t in db.session.scalars(query))


def _taken_message(name: str, area_id: int | None) -> str:
    where = f"i {areas.name_of(area_id)}" if area_id is not None else "för alla områden"
    return f"Det finns redan en mall som heter ”{name}” {where}. Välj ett annat namn."


def clean(data: TemplateData, *, by=None, current: PageTemplate | None = None) -> tuple[TemplateData, Area | None]:
    """Normalise and check a template (`by`: who saves it, None for a command); ValidationError with a
    Swedish message per field, everything checked before anything is saved."""
    errors: dict[str, str] = {}
    name = " ".join((data.name or "").split())
    if not name:
        errors["name"] = "Ange mallens namn, t.ex. ”Mötesanteckningar”."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Namnet får vara högst {NAME_MAX} tecken (nu {len(name)})."
    if data.type not in {t.value for t in PageType}:
        errors["type"] = "Välj en sidtyp: " + ", ".join(t.label.lower() for t in PageType) + "."
    # Line endings as a page's; trailing spaces stay ("1. " waits for the first step).
    source = (data.source or "").replace("\r\n", "\n").replace("\r", "\n")
    limit = current_app.config["BODY_MAX"]
    if len(source.encode("utf-8")) > limit:
        errors["source"] = f"Texten är för lång: högst {limit // 1000} kB, nu {len(source.encode('utf-8')) // 1000} kB."
    area = None
    try:
        area = _area((data.area or "").strip().lower(), by, current)
    except ValidationError as exc:
        errors.update(exc.errors)
    errors.update({k: v for k, v in pii.field_errors((("name", "Namn", name), ("source", "Text", source))).items()
                   if k not in errors})
    if "name" not in errors and "area" not in errors:
        area_id = area.id if area is not None else None
        if _taken(name, area_id, other_than=current.id if current is not None else None):
            errors["name"] = _taken_message(name, area_id)
    if errors:
        raise ValidationError(errors)
    return TemplateData(name=name, type=data.type, source=source, area=area.key if area else "",
                        is_default=bool(data.is_default)), area


def _actor(by) -> str | None:
    return getattr(by, "username", None) if by is not None else None


def _one_default(template: PageTemplate, actor: str | None) -> None:
    """Make `template` the only active default for its type and area."""
    others = db.session.scalars(select(PageTemplate).where(
        PageTemplate.id != template.id, PageTemplate.type == template.type,
        PageTemplate.is_default_for_type.is_(True),
        PageTemplate.area_id.is_(None) if template.area_id is None else PageTemplate.area_id == template.area_id))
    for other in others:
        other.is_default_for_type = False
        audit.record(AuditAction.TEMPLATE_SAVED, other.name, f"{area_label(other.area_id)}: inte längre standardmall "
                     f"för {type_label(other.type).lower()} (ersatt av ”{template.name}”)", actor=actor)


def create(data: TemplateData, *, by=None, actor: str | None = None) -> PageTemplate:
    """Add an own template (see `clean` for the checks); committed and audited. `by`: the user who
    adds it (checked); without one, `actor` names who acts (an import)."""
    data, area = clean(data, by=by)
    actor = _actor(by) or actor
    template = PageTemplate(name=data.name, type=data.type, source=data.source,
                            area_id=area.id if area is not None else None, is_default_for_type=data.is_default,
                            created_by=actor or "", updated_by=actor or "")
    db.session.add(template)
    db.session.flush()
    if template.is_default_for_type:
        _one_default(template, actor)
    audit.record(AuditAction.TEMPLATE_SAVED, template.name,
                 f"{area_label(template.area_id)}: ny mall för {type_label(template.type).lower()}"
                 f"{' (standardmall)' if template.is_default_for_type else ''}", actor=actor)
    db.session.commit()
    return template


def update(template: PageTemplate, data: TemplateData, *, by=None, actor: str | None = None) -> PageTemplate:
    """Change a template's name, type, area, text or default (see `clean`); committed and audited.
    `by` must also be allowed to change the template where it is now."""
    if by is not None and not permissions.can_edit_templates(by, template.area_id):
        raise ValidationError({"area": "Du har inte behörighet att ändra den här mallen."})
    data, area = clean(data, by=by, current=template)
    area_id = area.id if area is not None else None
    done = []
    if data.name != template.name:
        done.append(f"namn (tidigare ”{template.name}”)")
    if data.type != template.type:
        done.append(f"sidtyp: {type_label(data.type).lower()}")
    if area_id != template.area_id:
        done.append(f"område: {area_label(area_id)}")
    if data.source != template.source:
        done.append("text")
    if data.is_default != template.is_default_for_type:
        done.append("standardmall" if data.is_default else "inte längre standardmall")
    if not done:
        return template
    actor = _actor(by) or actor
    template.name, template.type, template.source, template.area_id = data.name, data.type, data.source, area_id
    template.is_default_for_type = data.is_default
    template.updated_at, template.updated_by = utcnow(), actor or ""
    if template.is_default_for_type and not template.retired:
        _one_default(template, actor)
    audit.record(AuditAction.TEMPLATE_SAVED, template.name, f"{area_label(area_id)}: " + ", ".join(done),
                 actor=actor)
    db.session.commit()
    return template


def retire(template: PageTemplate, *, by=None) -> PageTemplate:
    """Hide a template from "Ny sida" (it is kept and can be restored); committed and audited."""
    if by is not None and not permissions.can_edit_templates(by, template.area_id):
        raise ValidationError({"area": "Du har inte behörighet att ändra den här mallen."})
    if not template.retired:
        template.retired = True
        template.updated_at, template.updated_by = utcnow(), _actor(by) or ""
        audit.record(AuditAction.TEMPLATE_RETIRED, template.name, area_label(template.area_id), actor=_actor(by))
        db.session.commit()
    return template


def restore(template: PageTemplate, *, by=None) -> PageTemplate:
    """Offer a retired template again; ValidationError when an active one has taken its name. A
    restored default stays the default only when the type and area have no other default."""
    if by is not None and not permissions.can_edit_templates(by, template.area_id):
        raise ValidationError({"area": "Du har inte behörighet att ändra den här mallen."})
    if not template.retired:
        return template
    if _taken(template.name, template.area_id, other_than=template.id):
        raise ValidationError({"name": _taken_message(template.name, template.area_id)})
    template.retired = False
    if template.is_default_for_type and any(
            t.is_default_for_type and t.area_id == template.area_id and t.id != template.id
            for t in available(template.type, template.area_id)):
        template.is_default_for_type = False
    template.updated_at, template.updated_by = utcnow(), _actor(by) or ""
    audit.record(AuditAction.TEMPLATE_RESTORED, template.name, area_label(template.area_id), actor=_actor(by))
    db.session.commit()
    return template
