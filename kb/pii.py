"""Find Swedish personal identity numbers in text, so patient data can be refused before saving.

Pure functions (no Flask, no I/O). A match must look like a personnummer or samordningsnummer
in every respect that can be checked without a register: shape (10 or 12 digits, optional
separator before the last four: "-", "+" or one space), a real calendar date (samordningsnummer: day + 60) and a
valid Luhn check digit. Requiring all three keeps phone numbers, dates, organisation numbers
and other digit runs from being reported; a number that passes all three is treated as
personal data even if it happens to be something else (e.g. an unseparated mobile number
such as 0701234569 is also a valid personnummer, and nothing in the digits tells them apart).

`strip_personal_data` goes further, for text kept only as statistics (what people search for): it
also replaces e-mail addresses and Swedish phone numbers, which are not refused elsewhere.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

PERSONNUMMER = "personnummer"
SAMORDNINGSNUMMER = "samordningsnummer"

# [0-9] rather than \d: \d also matches other scripts' digits, which no one writes
# personnummer with and which int() would happily convert.
# The look-arounds keep a match from being a slice of a longer number: no digit, and no
# "-"/"+" joined to a digit, right before or after (so "1-1912121212" and a 14-digit run do
# not match). Century is optional and greedy; the regex backtracks to the 10-digit reading
# when only ten digits are present.
_CANDIDATE = re.compile(
    r"""
    (?<![0-9])(?<![0-9][-+])
    (?P<century>[0-9]{2})?
    (?P<yy>[0-9]{2})(?P<mm>[0-9]{2})(?P<dd>[0-9]{2})
    (?P<sep>[-+]?)
    (?P<serial>[0-9]{3})(?P<check>[0-9])
    (?![0-9])(?![-+][0-9])
    """,
    re.VERBOSE,
)

# The same with one space (or no-break space) before the last four digits: "121212 1212",
# "19121212 1212". Digits grouped by spaces are common in other numbers (phone numbers,
# amounts), so a spaced number must stand alone: no digit, and no space, "-" or "+" joined to a
# digit, on either side ("031 121212 1212" and "121212 1212 55" are left alone).
_SPACED = re.compile(
    r"""
    (?<![0-9])(?<![0-9][-+  ])
    (?P<century>[0-9]{2})?
    (?P<yy>[0-9]{2})(?P<mm>[0-9]{2})(?P<dd>[0-9]{2})
    (?P<sep>[  ])
    (?P<serial>[0-9]{3})(?P<check>[0-9])
    (?![0-9])(?![-+  ][0-9])
    """,
    re.VERBOSE,
)

# Samordningsnummer add 60 to the day of birth, so days 61–91 stand for 1–31.
_SAMORDNING_OFFSET = 60

# Centuries a 12-digit number may start with: people alive, or recently dead, in the records.
_CENTURIES = (18, 19, 20)

# What `mask` puts in place of each digit of a number.
MASK = "X"

# Cap on how many numbers `describe` quotes: a pasted patient list should not produce a
# message as long as the list itself.
_MAX_QUOTED = 5


@dataclass(frozen=True)
class Finding:
    """One personal identity number found in a text."""

    text: str  # the matched number as written
    start: int  # offset in the text
    line: int  # 1-based line number
    kind: str  # PERSONNUMMER or SAMORDNINGSNUMMER


def find_personal_numbers(text: str) -> list[Finding]:
    """Return every valid personnummer or samordningsnummer in `text`, in order of appearance."""
    findings: list[Finding] = []
    # Two patterns rather than one optional space: with a space in the separator, a valid
    # unseparated number followed by " 2024" would be read (and refused) as one 12-digit number.
    # A spaced match never overlaps an unspaced one (neither may touch a digit).
    candidates = sorted((*_CANDIDATE.finditer(text), *_SPACED.finditer(text)), key=lambda m: m.start())
    for match in candidates:
        kind = _classify(match)
        if kind is None:
            continue
        start = match.start()
        findings.append(
            Finding(text=match.group(0), start=start, line=text.count("\n", 0, start) + 1, kind=kind)
        )
    return findings


def describe(findings: list[Finding], where: str, *, then: str = "spara igen") -> str:
    """Return a Swedish message telling the user that the text in `where` holds personal numbers
    (`then`: what to do after removing them, e.g. "ladda upp filen igen")."""
    if not findings:
        raise ValueError("describe() needs at least one finding")
    kinds = {f.kind for f in findings}
    if len(findings) == 1:
        what = f"något som ser ut som ett {findings[0].kind}"
        it = "numret"
    else:
        # Both words are the same in singular and plural, so only the quantity changes.
        noun = " eller ".join(k for k in (PERSONNUMMER, SAMORDNINGSNUMMER) if k in kinds)
        what = f"{len(findings)} nummer som ser ut som {noun}"
        it = "numren"
    places = [f"rad {f.line}: {f.text}" for f in findings[:_MAX_QUOTED]]
    if len(findings) > _MAX_QUOTED:
        places.append(f"och {len(findings) - _MAX_QUOTED} till")
    return (
        f"Texten i ”{where}” innehåller {what} ({'; '.join(places)}). "
        f"Kunskapsbanken får inte innehålla patientuppgifter – ta bort {it} och {then}."
    )


def field_errors(texts: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """For (field name, Swedish label, text) triples: a message per field whose text holds a number."""
    errors: dict[str, str] = {}
    for name, label, text in texts:
        findings = find_personal_numbers(text)
        if findings:
            errors[name] = describe(findings, label)
    return errors


def mask(text: str) -> str:
    """`text` with the digits of every personnummer and samordningsnummer in it replaced by X.

    For records written automatically from what someone typed (the audit log, login attempts),
    which must be kept without the number. The length stays the same, so a value that fitted its
    column still does.
    """
    findings = find_personal_numbers(text)
    if not findings:
        return text
    out = list(text)
    for finding in findings:
        for i in range(finding.start, finding.start + len(finding.text)):
            if out[i].isdigit():
                out[i] = MASK
    return "".join(out)


# What `strip_personal_data` puts in place of what it removes: a statistic still says what kind of
# thing was searched for (people searching for a personnummer is itself worth knowing).
STRIPPED_NUMBER = "[personnummer]"
STRIPPED_EMAIL = "[e-post]"
STRIPPED_PHONE = "[telefonnummer]"

# An e-mail address: something@domain.tld, loosely (statistics lose nothing if a look-alike goes too).
_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[^\s@<>()\[\],;:\"']+")

# A Swedish phone number: a trunk 0 or the country code (+46, 0046, optionally "(0)" after it), then
# 7-9 digits, grouped by spaces or one hyphen as people write them: 070-123 45 67, +46 70 123 45 67,
# 031-123456, 08-123 456 78. Years, dates, postcodes and organisation numbers do not start with 0 or +46.
_PHONE = re.compile(
    r"""
    (?<![0-9+])
    (?:\+46|0046)[ \u00a0]?(?:\(0\)[ \u00a0]?)?[1-9](?:[ \u00a0]?-?[ \u00a0]?[0-9]){6,8}
    |
    (?<![0-9+])
    0[1-9](?:[ \u00a0]?-?[ \u00a0]?[0-9]){6,8}
    """,
    re.VERBOSE,
)


def strip_personal_data(text: str) -> str:
    """`text` with every personnummer, samordningsnummer, e-mail address and Swedish phone number
    replaced by a marker ("[personnummer]", "[e-post]", "[telefonnummer]"), for text kept as
    statistics without knowing who typed it."""
    findings = find_personal_numbers(text)
    for finding in reversed(findings):  # from the end, so earlier offsets stay right
        text = text[:finding.start] + STRIPPED_NUMBER + text[finding.start + len(finding.text):]
    text = _EMAIL.sub(STRIPPED_EMAIL, text)
    return _PHONE.sub(STRIPPED_PHONE, text)


def _classify(match: re.Match[str]) -> str | None:
    """Return the kind of number `match` is, or None if its separator, date or check digit is wrong."""
    century, sep = match.group("century"), match.group("sep")
    # "+" marks a person aged 100 or more in the 10-digit form; the 12-digit form already
    # states the century, so there it is not a separator anyone uses.
    if century is not None and sep == "+":
        return None
    yy, mm, dd = (int(match.group(g)) for g in ("yy", "mm", "dd"))
    kind = PERSONNUMMER
    if dd > _SAMORDNING_OFFSET:
        kind, dd = SAMORDNINGSNUMMER, dd - _SAMORDNING_OFFSET
    # Without a century the year is ambiguous; accept the date if it exists in any plausible
    # century (this only matters for 29 February: "00" is a leap year as 2000).
    centuries = (int(century),) if century is not None else _CENTURIES
    if not any(_is_date(c * 100 + yy, mm, dd) for c in centuries if c in _CENTURIES):
        return None
    # The check digit covers the 10-digit form only, so a 12-digit number's century is left out.
    body = "".join(match.group(g) for g in ("yy", "mm", "dd", "serial"))
    if _luhn_check_digit(body) != int(match.group("check")):
        return None
    return kind


def _is_date(year: int, month: int, day: int) -> bool:
    """Return True if year-month-day exists in the calendar."""
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _luhn_check_digit(digits: str) -> int:
    """Return the Luhn check digit for `digits` (the nine digits YYMMDDNNN)."""
    total = 0
    # Weights alternate 2, 1, 2, … from the first digit; for nine digits that is the same as
    # the usual "double every second digit from the right", counting the missing check digit.
    for i, ch in enumerate(digits):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10
