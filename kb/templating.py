"""Jinja filters and globals shared by all templates."""
from __future__ import annotations

import re

from flask import Flask, g
from markupsafe import Markup, escape

from kb import fuzzydate, markup, urls
from kb.constants import TARGET_GROUPS, ActivityStatus, PageType, RevisionOp, type_label
from kb.dates import format_date_long, format_datetime, long_date, month_label
from kb.permissions import Permission, area_of, can, can_manage_area, readable_pages, sees_area
from kb.permissions import can_edit as _can_edit
from kb.services import areas, users
from kb.typed import fact_specs


def op_label(value: str) -> str:
    """The Swedish description of a revision operation."""
    try:
        return RevisionOp(value).label
    except ValueError:
        return value


def iso_date_long(value: str) -> str:
    """'2026-12-31' as '31 december 2026' (other text unchanged)."""
    from kb.typed import parse_date

    parsed = parse_date(str(value))
    return long_date(parsed) if parsed else str(value)


def nl2br(value: str) -> Markup:
    """Escaped text with line breaks kept."""
    return Markup("<br>").join(escape(line) for line in str(value).split("\n"))


_WIKI_ITEM = re.compile(r"^\[\[([^\]|]+)(?:\|([^\]]+))?\]\]$")


def fact_item(value: str) -> Markup:
    """A list item of a fact field: [[slug|text]] and https links become links; the rest is text."""
    from kb.slugs import slugify

    text = str(value).strip()
    match = _WIKI_ITEM.match(text)
    if match:
        slug = slugify(match.group(1))
        return Markup('<a href="%s">%s</a>') % (urls.page_path(slug), (match.group(2) or match.group(1)).strip())
    if re.match(r"^https?://[^\s<>\"']+$", text):
        return Markup('<a href="%s" rel="noopener nofollow">%s</a>') % (text, text)
    return escape(text)


def review_state(fields: dict) -> str | None:
    """A routine's review state today ('overdue', 'soon' or None)."""
    from kb.dates import today
    from kb.typed import review_state as state

    return state(fields or {}, today())


def fuzzy_date(value: str | None) -> str:
    """A plan date as people write it: "2024", "nov 2024" or "2024-12-31"."""
    try:
        return fuzzydate.label(str(value or ""))
    except ValueError:
        return str(value)


def status_label(value: str) -> str:
    """The Swedish name of an activity status ("Pågår")."""
    try:
        return ActivityStatus(value).label
    except ValueError:
        return str(value)


def plural(count: int, one: str, many: str) -> str:
    """"1 aktivitet", "3 aktiviteter"."""
    return f"{count} {one if count == 1 else many}"


def is_overdue(activity) -> bool:
    """Whether an activity's deadline has passed (in Sweden, today) and it is not done."""
    from kb.dates import today

    return activity.is_overdue(today())


def readable(pages) -> list:
    """The pages the current user may open (not deleted; readers: published ones only)."""
    from flask_login import current_user

    return readable_pages(current_user, pages)


def person(username: str) -> str:
    """A username as the person's name ("Demofastställare"), or as it is when there is no such account.

    Looked up once per name and request: a list names the same people again and again."""
    if not username:
        return "okänd"
    names: dict[str, str] = g.setdefault("kb_person_names", {})
    if username not in names:
        names.update(users.display_names({username}))
    return names[username]


def know_people(items, attribute: str) -> str:
    """Look up, in one query, the people a list names (`attribute` of each item, dotted for nested ones:
    "revision.author"), so `person` in the loop that follows costs nothing. Returns "" for templates."""
    names: dict[str, str] = g.setdefault("kb_person_names", {})
    wanted = set()
    for item in items or ():
        value = item
        for part in attribute.split("."):
            value = getattr(value, part, None)
        if value and value not in names:
            wanted.add(value)
    names.update(users.display_names(wanted))
    return ""


def can_edit(obj) -> bool:
    """Whether the current user may change `obj` (a page, plan, activity, attachment or collaboration
    plan): edit links and buttons show only then."""
    from flask_login import current_user

    return _can_edit(current_user, obj)


def can_in(permission: Permission, obj=None) -> bool:
    """Whether the current user has `permission` in `obj`'s area (without one: in some area)."""
    from flask_login import current_user

    return can(current_user, permission, area_of(obj) if obj is not None else None)


def seen(obj):
    """`obj` (a page, plan or collaboration plan another record refers to) when the current user may
    know it exists, else None: a plan never names a structure of a members-only area to outsiders."""
    from flask_login import current_user

    return obj if obj is not None and sees_area(current_user, area_of(obj)) else None


def reject_key(mapping: dict, key: str) -> dict:
    """A copy of a mapping without one key (for building pagination links)."""
    return {k: v for k, v in mapping.items() if k != key}


def prose(html: str | None) -> Markup:
    """Stored page HTML for a template: cleaned under today's rules, tables in scroll boxes (kb.markup)."""
    from kb.services import pages

    return Markup(markup.scroll_tables(pages.shown_html(html)))  # noqa: S704 - kb.sanitize cleaned it just now


def init_app(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.filters.update(datetime=format_datetime, date_long=format_date_long,
                                 type_label=type_label, op_label=op_label,
                                 reject_key=reject_key, iso_date_long=iso_date_long, nl2br=nl2br,
                                 fact_item=fact_item, fuzzy_date=fuzzy_date, status_label=status_label,
                                 plural=plural, readable=readable, prose=prose, month_label=month_label)
    app.jinja_env.globals.update(PAGE_TYPES=list(PageType), TARGET_GROUPS=TARGET_GROUPS,
                                 Permission=Permission, can=can, can_edit=can_edit, can_in=can_in,
                                 can_manage_area=can_manage_area, facts_specs=fact_specs,
                                 review_state=review_state, is_overdue=is_overdue, person=person,
                                 know_people=know_people, area_ref=areas.ref, seen=seen)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
