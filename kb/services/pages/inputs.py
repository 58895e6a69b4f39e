"""A page as a form, an import or the API supplies it, and its checks (Swedish messages)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import current_app
from sqlalchemy import select

from kb import permissions, pii, typed
from kb.constants import (
    TARGET_GROUPS,
    PageType,
)
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import Page, Revision, SlugAlias
from kb.services import organisations, users
from kb.services.pages import merging
from kb.services.pages.data import PageData
from kb.slugs import is_valid_slug


def requires_approval(page_type: str) -> bool:
    """Whether edits of this page type are drafts until approved (config APPROVAL_TYPES)."""
    return page_type in (current_app.config.get("APPROVAL_TYPES") or ())


def under_approval(page: Page) -> bool:
    """Whether the page's changes wait for approval whatever type the next save gives it: its shown
    type needs approval, or it has never been approved and was ever of a type that does (a new
    routine saved as an article stays a draft until approved)."""
    if requires_approval(page.type):
        return True
    if page.is_published or page.id is None:
        return False
    types = tuple(current_app.config.get("APPROVAL_TYPES") or ())
    return bool(types) and db.session.scalar(
        select(Revision.id).where(Revision.page_id == page.id, Revision.type.in_(types)).limit(1)) is not None


def needs_approval(page: Page, new_type: str) -> bool:
    """A save is a draft when the new type needs approval, or the page is under approval (no escape
    by changing the type)."""
    return requires_approval(new_type) or under_approval(page)


def normalize_source(source: str) -> str:
    """Unify line endings and trailing space so that export → import → export is stable."""
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\n".join(line.rstrip() for line in lines).strip("\n")
    return text + "\n" if text else ""


def _clean_list(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        value = " ".join(str(value).split())
        if value and value not in out:
            out.append(value)
    return out


def clean(data: PageData, *, comment: str = "") -> PageData:
    """Normalise and validate page data (and the change's `comment`); raise ValidationError with
    Swedish messages per field."""
    cfg = current_app.config
    errors: dict[str, str] = {}
    title = " ".join((data.title or "").split())
    if not title:
        errors["title"] = "Ange en titel."
    elif len(title) > cfg["TITLE_MAX"]:
        errors["title"] = f"Titeln får vara högst {cfg['TITLE_MAX']} tecken (nu {len(title)})."
    if data.type not in {t.value for t in PageType}:
        errors["type"] = "Välj en sidtyp: " + ", ".join(t.label.lower() for t in PageType) + "."
    summary = " ".join((data.summary or "").split())
    if len(summary) > cfg["SUMMARY_MAX"]:
        errors["summary"] = f"Sammanfattningen får vara högst {cfg['SUMMARY_MAX']} tecken (nu {len(summary)})."
    source = normalize_source(data.source or "")
    if len(source.encode("utf-8")) > cfg["BODY_MAX"]:
        errors["source"] = (
            f"Texten är för lång: högst {cfg['BODY_MAX'] // 1000} kB, "
            f"nu {len(source.encode('utf-8')) // 1000} kB."
        )
    elif merging.has_markers(source):  # a conflict of two edits, not resolved yet
        errors["source"] = merging.MARKERS_LEFT
    tags = [t.lower() for t in _clean_list(data.tags)]
    if len(tags) > cfg["TAGS_MAX"]:
        errors["tags"] = f"Högst {cfg['TAGS_MAX']} etiketter."
    elif any(len(t) > 60 for t in tags):
        errors["tags"] = "En etikett får vara högst 60 tecken."
    groups = _clean_list(data.target_groups)
    unknown = [g for g in groups if g not in TARGET_GROUPS]
    if unknown:
        errors["target_groups"] = (
            f"Okänd målgrupp: {', '.join(unknown)}. Välj bland: {', '.join(TARGET_GROUPS)}."
        )
    slug = (data.slug or "").strip() or None
    if slug is not None and not is_valid_slug(slug):
        errors["slug"] = "Adressen får bara innehålla a–z, 0–9 och bindestreck (t.ex. mini-maria)."
    fields, field_errors = typed.clean_fields(data.type, dict(data.fields or {}))
    errors.update(field_errors)
    fields, org_errors = organisations.clean_page_fields(data.type, fields)
    errors.update({k: v for k, v in org_errors.items() if k not in errors})
    pnr = pii.field_errors((("title", "Titel", title), ("summary", "Sammanfattning", summary),
                            ("source", "Text", source), ("tags", "Etiketter", ", ".join(tags)),
                            ("slug", "Adress", slug or ""), ("comment", "Kommentar", comment or ""),
                            *((f"fields.{s.name}", s.label, _field_text(fields.get(s.name)))
                              for s in typed.specs_for(data.type))))
    errors.update({k: v for k, v in pnr.items() if k not in errors})  # other errors come first
    if errors:
        raise ValidationError(errors)
    return PageData(title=title, type=data.type, source=source, summary=summary, tags=tags,
                    target_groups=groups, fields=fields, slug=slug, area_id=data.area_id)


def check_comment(comment: str) -> None:
    """Refuse a change comment that holds a personal number (they are shown to every visitor)."""
    errors = pii.field_errors((("comment", "Kommentar", comment or ""),))
    if errors:
        raise ValidationError(errors)


def _field_text(value: object) -> str:
    if isinstance(value, list):
        return "\n".join(value)
    return "" if value is None else str(value)


def structure_parents() -> dict[str, str | None]:
    """Every live structure's slug (and old slugs) mapped to the slug of its parent."""
    parents = {p.slug: (p.fields or {}).get("parent") for p in db.session.scalars(
        select(Page).where(Page.deleted.is_(False), Page.type == PageType.STRUCTURE.value))}
    for alias, slug in db.session.execute(
            select(SlugAlias.slug, Page.slug).join(Page, Page.id == SlugAlias.page_id)
            .where(Page.deleted.is_(False), Page.type == PageType.STRUCTURE.value)):
        parents[alias] = parents.get(slug)
    return parents


def approver_errors(data: PageData, previous: Mapping | None = None) -> dict[str, str]:
    """A user field (the approver) that is new or changed must name an active fastställare (of the
    page's area, when the data names one) or administrator."""
    errors: dict[str, str] = {}
    for spec in typed.specs_for(data.type):
        name = data.fields.get(spec.name) if spec.kind == typed.USER else None
        if not name or name == (previous or {}).get(spec.name):
            continue
        user = users.get(name)
        if user is None or user.disabled or not permissions.is_approver(user, data.area_id):
            errors[f"fields.{spec.name}"] = (f"{spec.label}: ”{name}” är ingen aktiv användare med rollen "
                                             "fastställare eller administratör.")
    return errors


def check_relations(slug: str, data: PageData, previous: Mapping | None = None) -> None:
    """Parent and owner fields must name live structure pages, parents must not form a cycle, and a
    new approver must be a fastställare (`previous`: the fields this edit is based on)."""
    errors = typed.relation_errors(slug, data.type, data.fields, structure_parents())
    errors.update({k: v for k, v in approver_errors(data, previous).items() if k not in errors})
    if errors:
        raise ValidationError(errors)
