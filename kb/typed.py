"""Structured fields per page type: declared once, validated here, shown in the fact box.

The same names are the front-matter keys of the import/export format (after the common keys).
Values are stored in `Page.fields` / `Revision.fields` as strings, lists of strings or an int.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kb.constants import PageType

TEXT, LONG, DATE, LIST, PAGE, CHOICE, NUMBER = "text", "long", "date", "list", "page", "choice", "number"
# A username (validated against the accounts by the page service) and a list of organisation keys.
USER, ORGANISATIONS = "user", "organisations"
ROUTINE_STATUSES = ("gällande", "under revidering", "upphävd")
TEXT_MAX = 2000
LIST_MAX = 50


@dataclass(frozen=True)
class FieldSpec:
    """One structured field of a page type."""

    name: str
    label: str
    kind: str
    help: str = ""
    choices: tuple[str, ...] = ()
    # Largest value of a NUMBER field.
    maximum: int = 999
    # Shown in the fact box (False: a setting of the page, such as its place in the orientation path).
    fact: bool = True


TYPE_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    PageType.STRUCTURE.value: (
        FieldSpec("parent", "Överordnad struktur", PAGE, "Strukturen som den här gruppen rapporterar till."),
        FieldSpec("mandate", "Uppdrag och mandat", LONG),
        FieldSpec("members", "Medlemmar", LIST, "En organisation eller funktion per rad."),
        FieldSpec("meeting_rhythm", "Mötesrytm", TEXT, "T.ex. ”3 timmar var 5–6:e vecka”."),
        FieldSpec("chair", "Ordförande / sammankallande", TEXT),
        FieldSpec("contact", "Kontakt", TEXT),
    ),
    PageType.RECEPTION.value: (
        FieldSpec("target_group", "Målgrupp", LONG),
        FieldSpec("opening_hours", "Öppettider", LONG, "T.ex. ”Tisdag och torsdag 8–16”."),
        FieldSpec("phone_hours", "Telefontider", LONG),
        FieldSpec("location", "Plats", TEXT),
        FieldSpec("staffing", "Bemanning", LONG),
        FieldSpec("financing", "Finansiering", TEXT),
        FieldSpec("opened", "Öppnade", DATE, "Datum som ÅÅÅÅ-MM-DD."),
        FieldSpec("contact", "Kontakt", TEXT),
    ),
    PageType.ROUTINE.value: (
        FieldSpec("owner", "Ägare (struktur)", PAGE, "Strukturen som äger rutinen."),
        FieldSpec("approver", "Fastställare", USER,
                  "Den som fastställer rutinen. Utan namn kan alla med rollen fastställare göra det."),
        FieldSpec("applies_to", "Gäller för", ORGANISATIONS, "Organisationerna som rutinen gäller för."),
        FieldSpec("valid_from", "Gäller från", DATE, "Datum som ÅÅÅÅ-MM-DD."),
        FieldSpec("review_interval", "Granskningsintervall (månader)", NUMBER,
                  "Hur ofta rutinen ska granskas. Tomt: standardintervallet.", maximum=120),
        FieldSpec("valid_until", "Giltig till", DATE,
                  "Lämna tomt eller oförändrat så räknas datumet ut när rutinen fastställs: "
                  "fastställelsedatum plus granskningsintervallet."),
        FieldSpec("status", "Status", CHOICE, choices=ROUTINE_STATUSES),
        FieldSpec("related", "Relaterade dokument och länkar", LIST,
                  "Ett per rad: en webbadress, [[sida]] eller ett dokuments namn."),
    ),
    PageType.ORIENTATION.value: (
        FieldSpec("position", "Plats i introduktionen", NUMBER, "1 för första sidan, 2 för nästa och så vidare.",
                  fact=False),
    ),
    PageType.ARTICLE.value: (),
}

ALL_FIELD_NAMES: frozenset[str] = frozenset(f.name for specs in TYPE_FIELDS.values() for f in specs)
# Old front-matter names still read on import (review_by was the routine's date before valid_until).
FIELD_ALIASES: dict[str, str] = {"review_by": "valid_until"}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_USERNAME_RE = re.compile(r"^[a-z0-9åäö][a-z0-9åäö._-]{1,79}$")


def specs_for(page_type: str) -> tuple[FieldSpec, ...]:
    """The field declarations of a page type."""
    return TYPE_FIELDS.get(page_type, ())


def fact_specs(page_type: str) -> tuple[FieldSpec, ...]:
    """The fields of a page type that the fact box shows readers."""
    return tuple(s for s in specs_for(page_type) if s.fact)


def parse_date(value: str) -> date | None:
    """An ISO date string as a date, or None when it is not one."""
    if not _DATE_RE.match(value or ""):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _as_list(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        items = str(value or "").replace("\r\n", "\n").split("\n")
    return [" ".join(item.split()) for item in items if item and item.strip()]


def clean_fields(page_type: str, raw: dict) -> tuple[dict, dict[str, str]]:
    """Normalise the fields of a type; return (values without empties, errors keyed `fields.<name>`)."""
    values: dict = {}
    errors: dict[str, str] = {}
    for spec in specs_for(page_type):
        value = raw.get(spec.name)
        if value is None or value == "" or value == []:
            continue
        key = f"fields.{spec.name}"
        if spec.kind in (LIST, ORGANISATIONS):
            items = _as_list(value)
            if len(items) > LIST_MAX:
                errors[key] = f"{spec.label}: högst {LIST_MAX} rader."
            elif any(len(i) > 500 for i in items):
                errors[key] = f"{spec.label}: en rad får vara högst 500 tecken."
            elif items:
                values[spec.name] = items
            continue
        if spec.kind == NUMBER:
            text = str(value).strip()
            if not text.isdigit() or not 1 <= int(text) <= spec.maximum:
                errors[key] = f"{spec.label} ska vara ett heltal från 1 till {spec.maximum}."
            else:
                values[spec.name] = int(text)
            continue
        if isinstance(value, date):
            value = value.isoformat()
        if not isinstance(value, str | int | float):
            errors[key] = f"{spec.label} ska vara text."
            continue
        text = str(value).strip() if spec.kind != LONG else str(value).replace("\r\n", "\n").strip()
        if not text:
            continue
        if spec.kind == DATE and parse_date(text) is None:
            errors[key] = f"{spec.label}: ”{text[:40]}” är inte ett giltigt datum. Skriv ÅÅÅÅ-MM-DD, t.ex. 2026-12-31."
        elif spec.kind == CHOICE and text not in spec.choices:
            errors[key] = f"{spec.label} ska vara en av: {', '.join(spec.choices)}."
        elif spec.kind == PAGE and not re.match(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", text):
            errors[key] = f"{spec.label}: ange sidans adress (slug), t.ex. samordningsgruppen."
        elif spec.kind == USER and not _USERNAME_RE.match(text.lower()):
            errors[key] = f"{spec.label}: ange ett användarnamn, t.ex. anna.svensson."
        elif len(text) > TEXT_MAX:
            errors[key] = f"{spec.label} får vara högst {TEXT_MAX} tecken."
        else:
            values[spec.name] = text.lower() if spec.kind == USER else text
    if page_type == PageType.ROUTINE.value and "valid_from" in values and "valid_until" in values \
            and values["valid_until"] < values["valid_from"]:
        errors["fields.valid_until"] = "Giltig till kan inte vara före Gäller från."
    return values, errors


def relation_errors(slug: str, page_type: str, fields: dict,
                    structures: dict[str, str | None]) -> dict[str, str]:
    """Errors for page-reference fields: each must name a structure, and parents must not form a cycle.

    `structures` maps every known structure's slug to its parent's slug (or None).
    """
    errors: dict[str, str] = {}
    for spec in specs_for(page_type):
        target = fields.get(spec.name) if spec.kind == PAGE else None
        if not target:
            continue
        key = f"fields.{spec.name}"
        if target not in structures:
            errors[key] = f"{spec.label}: det finns ingen struktursida med adressen ”{target}”."
        elif spec.name == "parent":
            seen, cursor = {slug}, target
            while cursor:
                if cursor in seen:
                    errors[key] = (f"{spec.label}: ”{target}” ligger redan under den här strukturen. "
                                   "Det skulle bli en cirkel.")
                    break
                seen.add(cursor)
                cursor = structures.get(cursor)
    return errors


def add_months(day: date, months: int) -> date:
    """`day` plus a number of months; the 31st becomes the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - date.resolution).day
    return date(year, month, min(day.day, last))


def interval_months(fields: dict, default: int) -> int:
    """A routine's review interval in months: its own, else the default."""
    value = fields.get("review_interval")
    return int(value) if isinstance(value, int) or str(value or "").isdigit() else default


def with_valid_until(fields: dict, previous: str | None, published_on: date, default_months: int, *,
                     keep: bool = False) -> dict:
    """Fields with the effective valid-until date of a routine published (or approved) on `published_on`.

    A date the editor entered or changed is kept; an empty or unchanged one starts a new period:
    publication date plus the review interval. `keep` keeps `previous` (the content is not new).
    """
    out = dict(fields)
    given = out.get("valid_until")
    if keep and previous:
        out["valid_until"] = previous
    elif not given or given == previous:
        out["valid_until"] = add_months(published_on, interval_months(out, default_months)).isoformat()
    return out


REVIEW_SOON_DAYS = 60


def review_state(fields: dict, today: date) -> str | None:
    """'overdue', 'soon' (within 60 days) or None for a routine's valid-until date."""
    due = parse_date(str(fields.get("valid_until", "")))
    if due is None or fields.get("status") == "upphävd":
        return None
    if due < today:
        return "overdue"
    if (due - today).days <= REVIEW_SOON_DAYS:
        return "soon"
    return None


TEMPLATES: dict[str, str] = {
    PageType.STRUCTURE.value: "## Uppdrag\n\n\n## Sammansättning\n\n\n## Möten\n\n\n## Kontakt\n\n",
    PageType.RECEPTION.value: "## Vem mottagningen är till för\n\n\n## Så kommer du i kontakt\n\n\n"
                              "## Vad mottagningen erbjuder\n\n\n## Samverkan\n\n",
    PageType.ROUTINE.value: "## Syfte\n\n\n## Målgrupp\n\n\n## Så här gör du\n\n1. \n2. \n3. \n\n"
                            "## Ansvar\n\n\n## Uppföljning\n\n",
    PageType.ORIENTATION.value: "## Det här får du veta\n\n\n## Bra att känna till\n\n\n## Läs vidare\n\n",
    PageType.ARTICLE.value: "",
}
