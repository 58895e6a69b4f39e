"""Fuzzy dates as the paper plans write them: a year, a month or a day."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from kb import fuzzydate


@pytest.mark.parametrize(("typed", "canonical"), [
    ("2024", "2024"),
    (" 2024 ", "2024"),
    (2024, "2024"),
    (2024.0, "2024"),
    ("Nov 2024", "2024-11"),
    ("nov. 2024", "2024-11"),
    ("november 2024", "2024-11"),
    ("Oktober 2024", "2024-10"),
    ("Dec 2023", "2023-12"),
    ("maj 2025", "2025-05"),
    ("2024-11", "2024-11"),
    ("2024-3", "2024-03"),
    ("2024-12-31", "2024-12-31"),
    ("2024-12-31 00:00:00", "2024-12-31"),
    ("31 dec 2024", "2024-12-31"),
    (date(2024, 3, 15), "2024-03-15"),
    (datetime(2024, 3, 15, 0, 0), "2024-03-15"),
    ("", ""),
    (None, ""),
])
def test_parse_accepts_years_months_and_days(typed, canonical):
    assert fuzzydate.parse(typed) == canonical


@pytest.mark.parametrize("bad", ["2024-13", "2024-02-30", "30 feb 2024", "Nox 2024", "snart", "24",
                                 "1800", "2024.5", 2024.5, True, "Q3 2024", "2024-12-31 13:00"])
def test_parse_refuses_what_is_not_a_date_with_a_swedish_message(bad):
    with pytest.raises(fuzzydate.FuzzyDateError) as info:
        fuzzydate.parse(bad)
    assert f"”{bad}”" in str(info.value)  # the message quotes what was typed


def test_spans_cover_the_whole_year_month_or_day():
    assert fuzzydate.first_day("2024") == date(2024, 1, 1)
    assert fuzzydate.last_day("2024") == date(2024, 12, 31)
    assert fuzzydate.first_day("2024-02") == date(2024, 2, 1)
    assert fuzzydate.last_day("2024-02") == date(2024, 2, 29)
    assert fuzzydate.last_day("2023-02") == date(2023, 2, 28)
    assert fuzzydate.first_day("2024-12-31") == fuzzydate.last_day("2024-12-31") == date(2024, 12, 31)
    assert fuzzydate.first_day("") is None and fuzzydate.last_day("") is None


def test_labels_are_swedish_and_as_precise_as_the_date():
    assert fuzzydate.label("2024") == "2024"
    assert fuzzydate.label("2024-11") == "nov 2024"
    assert fuzzydate.label("2024-05") == "maj 2024"
    assert fuzzydate.label("2024-12-31") == "2024-12-31"
    assert fuzzydate.label("") == ""


def test_a_label_parses_back_to_the_same_date():
    for canonical in ("2024", "2024-01", "2024-10", "2024-12-31"):
        assert fuzzydate.parse(fuzzydate.label(canonical)) == canonical
