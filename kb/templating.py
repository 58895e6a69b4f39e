"""Jinja filters and globals shared by all templates."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask

from kb.constants import TARGET_GROUPS, PageType, RevisionOp
from kb.permissions import Permission, can

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
          "oktober", "november", "december")


def local_time(value: datetime | None) -> datetime | None:
    """A stored UTC time in Swedish local time."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(STOCKHOLM)


def format_datetime(value: datetime | None) -> str:
    """'2026-11-23 14:05' in Swedish local time."""
    local = local_time(value)
    return local.strftime("%Y-%m-%d %H:%M") if local else ""


def format_date_long(value: datetime | None) -> str:
    """'23 november 2026' in Swedish local time."""
    local = local_time(value)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}" if local else ""


def type_label(value: str, plural: bool = False) -> str:
    """The Swedish name of a page type."""
    try:
        page_type = PageType(value)
    except ValueError:
        return value
    return page_type.plural if plural else page_type.label


def op_label(value: str) -> str:
    """The Swedish description of a revision operation."""
    try:
        return RevisionOp(value).label
    except ValueError:
        return value


def reject_key(mapping: dict, key: str) -> dict:
    """A copy of a mapping without one key (for building pagination links)."""
    return {k: v for k, v in mapping.items() if k != key}


def init_app(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.filters.update(datetime=format_datetime, date_long=format_date_long,
                                 type_label=type_label, op_label=op_label,
                                 reject_key=reject_key)
    app.jinja_env.globals.update(PAGE_TYPES=list(PageType), TARGET_GROUPS=TARGET_GROUPS, Permission=Permission,
                                 can=can)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
