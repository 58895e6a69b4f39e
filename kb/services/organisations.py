"""The editable list of organisations routines apply to ("Gäller för"): add, rename, retire.

Pages store an organisation's `key` (made from its first name, never changed), so a rename changes
no page; the search index is told to re-read the pages that use the organisation.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from kb import pii, typed
from kb.constants import AuditAction, ChangeOp, Entity, fold_name
from kb.exceptions import ValidationError
from kb.extensions import db
from kb.models import Organisation, Page
from kb.models.base import utcnow
from kb.services import audit, changes
from kb.slugs import slugify

NAME_MAX = 200
# Seeded into a new instance; administrators edit the list at /admin/organisationer.
DEFAULTS: tuple[str, ...] = (
    "Lerums kommun",
    "Alingsås kommun",
    "Västra Götalandsregionen",
    "Närhälsan",
    "Privata vårdcentraler",
    "Alingsås lasarett",
    "Södra Älvsborgs sjukhus",
)


def all_organisations() -> list[Organisation]:
    """Every organisation, active ones first, by name."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.retired, Organisation.name)))


def name_by_key() -> dict[str, str]:
    """Every organisation's name by key (retired ones included), read as plain rows: pages that
    only name organisations (search results, printouts) need no ORM objects."""
    return {key: name for key, name in db.session.execute(select(Organisation.key, Organisation.name))}


def active() -> list[Organisation]:
    """Organisations that can be chosen for a routine, by name."""
    return [o for o in all_organisations() if not o.retired]


def by_key() -> dict[str, Organisation]:
    """Every organisation by key (retired ones included)."""
    return {o.key: o for o in all_organisations()}


def get(key: str) -> Organisation | None:
    """One organisation by key."""
    return db.session.scalar(select(Organisation).where(Organisation.key == key))


def only_defaults(connection) -> bool:
    """Whether the list holds exactly the seeded defaults, unchanged (as `kb init` left it)."""
    rows = connection.execute(select(Organisation.key, Organisation.name, Organisation.retired)).all()
    return sorted(tuple(r) for r in rows) == sorted((slugify(name), name, False) for name in DEFAULTS)


def ensure_defaults() -> int:
    """Seed the default organisations into an empty list; return how many were added."""
    if db.session.scalar(select(Organisation.id).limit(1)) is not None:
        return 0
    for name in DEFAULTS:
        db.session.add(Organisation(key=slugify(name), name=name))
    db.session.commit()
    return len(DEFAULTS)


def resolve(values: Iterable[str]) -> tuple[list[str], list[str]]:
    """Keys for organisation keys or names (loosely: case, å/ä/ö); the second list is what is unknown."""
    orgs = all_organisations()
    lookup = {o.key: o.key for o in orgs}
    lookup.update({fold_name(o.name): o.key for o in orgs})
    keys: list[str] = []
    unknown: list[str] = []
    for value in values:
        key = lookup.get(value) or lookup.get(fold_name(value))
        if key is None:
            unknown.append(value)
        elif key not in keys:
            keys.append(key)
    return keys, unknown


def clean_page_fields(page_type: str, fields: dict) -> tuple[dict, dict[str, str]]:
    """Organisation fields of a page as keys; errors (keyed `fields.<name>`) for unknown names."""
    out = dict(fields)
    errors: dict[str, str] = {}
    for spec in typed.specs_for(page_type):
        if spec.kind != typed.ORGANISATIONS or not out.get(spec.name):
            continue
        keys, unknown = resolve(out[spec.name])
        if unknown:
            names = ", ".join(o.name for o in active())
            errors[f"fields.{spec.name}"] = (f"{spec.label}: okänd organisation ”{', '.join(unknown)}”. "
                                             f"Välj bland: {names}.")
        else:
            out[spec.name] = keys
    return out, errors


def names(keys: Iterable[str], known: dict[str, Organisation] | None = None) -> list[str]:
    """Display names for organisation keys (an unknown key is shown as it is)."""
    known = by_key() if known is None else known
    return [known[k].name if k in known else k for k in keys]


def _check_name(name: str, *, except_id: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Ange organisationens namn."})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"Namnet får vara högst {NAME_MAX} tecken."})
    errors = pii.field_errors((("name", "Namn", name),))
    if errors:
        raise ValidationError(errors)
    for other in all_organisations():
        if other.id != except_id and fold_name(other.name) == fold_name(name):
            raise ValidationError({"name": f"Det finns redan en organisation som heter ”{other.name}”."})
    return name


def create(name: str, *, actor: str = "", key: str | None = None, commit: bool = True) -> Organisation:
    """Add an organisation to the list."""
    name = _check_name(name)
    key = key or slugify(name)
    if not key:
        raise ValidationError({"name": "Namnet måste innehålla minst en bokstav eller siffra."})
    base, n = key, 2
    while get(key) is not None:
        key, n = f"{base}-{n}", n + 1
    org = Organisation(key=key, name=name)
    db.session.add(org)
    audit.record(AuditAction.ORGANISATION_SAVED, name, f"ny organisation ({key})", actor=actor or None)
    if commit:
        db.session.commit()
    return org


def _reindex_users_of(org: Organisation, actor: str) -> None:
    """Tell the search index to re-read live pages that apply to `org` (their text names it)."""
    org_fields = [s.name for specs in typed.TYPE_FIELDS.values() for s in specs
                  if s.kind == typed.ORGANISATIONS]
    for page in db.session.scalars(select(Page).where(Page.deleted.is_(False))):
        if any(org.key in ((page.fields or {}).get(name) or []) for name in org_fields):
            changes.record(Entity.PAGE, page.id, ChangeOp.UPSERT, actor)


def rename(org: Organisation, name: str, *, actor: str = "") -> Organisation:
    """Give an organisation a new name (pages keep pointing to it by key)."""
    name = _check_name(name, except_id=org.id)
    if name == org.name:
        return org
    audit.record(AuditAction.ORGANISATION_SAVED, name, f"hette tidigare ”{org.name}”", actor=actor or None)
    org.name, org.updated_at = name, utcnow()
    _reindex_users_of(org, actor)
    changes.commit()
    return org


def set_retired(org: Organisation, retired: bool, *, actor: str = "") -> Organisation:
    """Retire an organisation (it can no longer be chosen; pages that name it keep it) or bring it back."""
    if org.retired != retired:
        org.retired, org.updated_at = retired, utcnow()
        audit.record(AuditAction.ORGANISATION_RETIRED if retired else AuditAction.ORGANISATION_RESTORED,
                     org.name, actor=actor or None)
        db.session.commit()
    return org


@dataclass
class FileOrganisation:
    """One entry of organisations.yaml in the import/export folder."""

    key: str
    name: str
    retired: bool = False


def export_rows() -> list[dict]:
    """The list as organisations.yaml holds it."""
    rows: list[dict] = []
    for org in sorted(all_organisations(), key=lambda o: o.key):
        row: dict = {"key": org.key, "name": org.name}
        if org.retired:
            row["retired"] = True
        rows.append(row)
    return rows


def import_rows(rows: list[FileOrganisation], *, actor: str = "import") -> int:
    """Add or update organisations by key (the file is the truth for names and retirement)."""
    changed = 0
    for row in rows:
        org = get(row.key)
        if org is None:
            create(row.name, actor=actor, key=row.key, commit=False)
            org = get(row.key)
            changed += 1
        elif org.name != row.name:
            rename(org, row.name, actor=actor)
            changed += 1
        if org is not None and org.retired != row.retired:
            set_retired(org, row.retired, actor=actor)
            changed += 1
    db.session.commit()
    return changed
