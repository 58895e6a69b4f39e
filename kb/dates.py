"""Dates and times in Sweden: the Stockholm time zone, today's date and the Swedish ways kb writes them.

Pure helpers (no Flask, no database). Times are stored as naive UTC; everything a person sees is local.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
          "oktober", "november", "december")


def today() -> date:
    """Today's date in Sweden."""
    return datetime.now(STOCKHOLM).date()


def local_time(value: datetime | None) -> datetime | None:
    """A stored (naive UTC) time in Swedish local time."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(STOCKHOLM)


def local_date(moment: datetime) -> date:
    """The date in Sweden of a stored (naive UTC) time."""
    return moment.replace(tzinfo=UTC).astimezone(STOCKHOLM).date()


def format_datetime(value: datetime | None) -> str:
    """'2026-11-23 14:05' in Swedish local time."""
    local = local_time(value)
    return local.strftime("%Y-%m-%d %H:%M") if local else ""


def long_date(value: date) -> str:
    """'23 november 2026'."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def format_date_long(value: datetime | None) -> str:
    """'23 november 2026' in Swedish local time."""
    local = local_time(value)
    return long_date(local) if local else ""


def week_start(day: date) -> date:
    """The Monday of `day`'s week (ISO weeks start on Monday, as Swedish calendars do)."""
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    """The first day of `day`'s month."""
    return day.replace(day=1)


def months_before(day: date, months: int) -> date:
    """The first day of the month `months` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def week_label(monday: date) -> str:
    """'vecka 49, 2026' for the week starting on `monday` (ISO week numbering)."""
    year, week, _ = monday.isocalendar()
    return f"vecka {week}, {year}"


def month_label(first: date) -> str:
    """'december 2026'."""
    return f"{MONTHS[first.month - 1]} {first.year}"
