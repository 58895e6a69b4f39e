"""Dates as the paper plans write them: a year ("2024"), a month ("Nov 2024") or a day ("2024-12-31").

A fuzzy date is stored in canonical ISO form, as precise as it was given: "2024", "2024-11"
or "2024-12-31". It covers a span of days: a deadline "2024" is met until 31 December 2024,
a start "Nov 2024" begins on 1 November.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime

YEAR_MIN, YEAR_MAX = 1990, 2100

MONTHS: dict[str, int] = {
    "jan": 1, "januari": 1, "feb": 2, "februari": 2, "mar": 3, "mars": 3, "apr": 4, "april": 4,
    "maj": 5, "may": 5, "jun": 6, "juni": 6, "jul": 7, "juli": 7, "aug": 8, "augusti": 8,
    "sep": 9, "sept": 9, "september": 9, "okt": 10, "oktober": 10, "oct": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}
MONTH_ABBR = ("", "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
HINT = "Skriv ett år (2024), en månad (nov 2024 eller 2024-11) eller en dag (2024-12-31)."

_YEAR = re.compile(r"^(\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]00:00(?::00)?)?$")
_NAMED_MONTH = re.compile(r"^([a-zåäö]+)\.?\s+(\d{4})$")
_NAMED_DAY = re.compile(r"^(\d{1,2})\s+([a-zåäö]+)\.?\s+(\d{4})$")


class FuzzyDateError(ValueError):
    """A value that is not a year, a month or a day; the message is Swedish."""


def parse(value: object) -> str:
    """The canonical form of `value` ('' for empty); FuzzyDateError if it is not a date.

    Accepts what people type and what spreadsheets hold: "2024", "Nov 2024", "november 2024",
    "2024-11", "2024-12-31", "31 dec 2024", a date or datetime, or a whole number year.
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _year_ok(value.date().isoformat(), value.year, value)
    if isinstance(value, date):
        return _year_ok(value.isoformat(), value.year, value)
    if isinstance(value, bool):
        raise FuzzyDateError(f"”{value}” är inget datum. {HINT}")
    if isinstance(value, int | float):
        if float(value).is_integer():
            return parse(str(int(value)))
        raise FuzzyDateError(f"”{value}” är inget datum. {HINT}")
    text = " ".join(str(value).strip().lower().split())
    if not text:
        return ""
    if m := _YEAR.match(text):
        return _year_ok(m.group(1), int(m.group(1)), value)
    if m := _YEAR_MONTH.match(text):
        return _month(int(m.group(1)), int(m.group(2)), value)
    if m := _DAY.match(text):
        return _day(int(m.group(1)), int(m.group(2)), int(m.group(3)), value)
    if m := _NAMED_MONTH.match(text):
        return _month(int(m.group(2)), _month_number(m.group(1), value), value)
    if m := _NAMED_DAY.match(text):
        return _day(int(m.group(3)), _month_number(m.group(2), value), int(m.group(1)), value)
    raise FuzzyDateError(f"”{value}” är inget datum. {HINT}")


def _year_ok(canonical: str, year: int, original: object) -> str:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise FuzzyDateError(f"Året i ”{original}” verkar fel (tillåtet {YEAR_MIN}–{YEAR_MAX}).")
    return canonical


def _month_number(name: str, original: object) -> int:
    if name not in MONTHS:
        raise FuzzyDateError(f"Okänd månad i ”{original}”. {HINT}")
    return MONTHS[name]


def _month(year: int, month: int, original: object) -> str:
    if not 1 <= month <= 12:
        raise FuzzyDateError(f"Månaden i ”{original}” finns inte. {HINT}")
    return _year_ok(f"{year:04d}-{month:02d}", year, original)


def _day(year: int, month: int, day: int, original: object) -> str:
    try:
        date(year, month, day)
    except ValueError:
        raise FuzzyDateError(f"Dagen ”{original}” finns inte i kalendern. {HINT}") from None
    return _year_ok(f"{year:04d}-{month:02d}-{day:02d}", year, original)


def _parts(canonical: str) -> tuple[int, int | None, int | None]:
    bits = [int(b) for b in canonical.split("-")]
    return bits[0], (bits[1] if len(bits) > 1 else None), (bits[2] if len(bits) > 2 else None)


def first_day(canonical: str) -> date | None:
    """The first day the date covers (None for '')."""
    if not canonical:
        return None
    year, month, day = _parts(canonical)
    return date(year, month or 1, day or 1)


def last_day(canonical: str) -> date | None:
    """The last day the date covers (None for ''): a deadline "2024" is met until 2024-12-31."""
    if not canonical:
        return None
    year, month, day = _parts(canonical)
    if month is None:
        return date(year, 12, 31)
    return date(year, month, day or calendar.monthrange(year, month)[1])


def label(canonical: str) -> str:
    """How the date is shown: "2024", "nov 2024" or "2024-12-31"."""
    if not canonical:
        return ""
    year, month, day = _parts(canonical)
    if month is None:
        return str(year)
    if day is None:
        return f"{MONTH_ABBR[month]} {year}"
    return canonical
