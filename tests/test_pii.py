"""Tests for kb.pii: finding personnummer and samordningsnummer, and not finding look-alikes."""
from __future__ import annotations

import pytest

from kb.pii import Finding, describe, find_personal_numbers, mask, strip_personal_data


def luhn(nine: str) -> str:
    """Return the check digit for the nine digits YYMMDDNNN (computed independently of kb.pii)."""
    # Double every second digit from the right of the full ten-digit number, i.e. positions
    # 0, 2, 4, 6, 8 of the nine given digits.
    total = 0
    for i, ch in enumerate(nine):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


def valid(nine: str) -> str:
    """Return the ten digits `nine` + their correct check digit."""
    return nine + luhn(nine)


def wrong(nine: str) -> str:
    """Return the ten digits `nine` + a check digit that is not the correct one."""
    return nine + str((int(luhn(nine)) + 1) % 10)


def found(text: str) -> list[str]:
    """Return the matched strings in `text`."""
    return [f.text for f in find_personal_numbers(text)]


# --- the helper itself -------------------------------------------------------------------


def test_helper_agrees_with_published_test_numbers() -> None:
    """Does the test helper give the check digits of Skatteverket's example numbers?"""
    assert valid("121212121") == "1212121212"  # 19121212-1212
    assert valid("701063239") == "7010632391"  # samordningsnummer example


# --- valid numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "19121212-1212",
        "191212121212",
        "121212-1212",
        "1212121212",
        "121212+1212",
        "20" + valid("050617123")[:6] + "-" + valid("050617123")[6:],
        valid("850101432")[:6] + "-" + valid("850101432")[6:],
        "19" + valid("850101432"),
    ],
)
def test_valid_personnummer_is_found(number: str) -> None:
    """Is a valid personnummer found in 10- and 12-digit form, with and without separator?"""
    findings = find_personal_numbers(number)
    assert findings == [Finding(text=number, start=0, line=1, kind="personnummer")]


def test_plus_separator_means_over_a_hundred() -> None:
    """Is the `+` form (person aged 100 or more) found as a personnummer?"""
    number = valid("190304567")
    text = f"Född 1919: {number[:6]}+{number[6:]}."
    assert found(text) == [f"{number[:6]}+{number[6:]}"]


def test_plus_separator_is_not_accepted_in_twelve_digit_form() -> None:
    """Is a 12-digit number with `+` (not a form anyone uses) left alone?"""
    assert found("19121212+1212") == []


@pytest.mark.parametrize(
    "number",
    [
        "701063-2391",
        "7010632391",
        "19701063-2391",
        "197010632391",
        # 12 February 2000 + 60 → day 72.
        "20" + valid("000272123")[:6] + "-" + valid("000272123")[6:],
        # 31 December → day 91, the highest possible.
        valid("881291765"),
    ],
)
def test_samordningsnummer_is_found(number: str) -> None:
    """Is a samordningsnummer (day + 60) found and reported as such?"""
    [finding] = find_personal_numbers(number)
    assert finding.kind == "samordningsnummer"
    assert finding.text == number


def test_samordningsnummer_day_must_exist() -> None:
    """Is a samordningsnummer for 31 April (day 91 in month 04) rejected?"""
    assert found(valid("850491123")) == []


# --- leap years and calendar dates -------------------------------------------------------


@pytest.mark.parametrize(
    "nine, century, expected",
    [
        ("040229123", "19", True),  # 1904 is a leap year
        ("030229123", "19", False),  # 1903 is not
        ("000229123", "20", True),  # 2000 is (divisible by 400)
        ("000229123", "19", False),  # 1900 is not (divisible by 100)
        ("000289123", "20", True),  # samordningsnummer for 29 Feb 2000
        ("000289123", "19", False),
    ],
)
def test_leap_years_in_twelve_digit_form(nine: str, century: str, expected: bool) -> None:
    """Is 29 February accepted exactly in leap years when the century is written out?"""
    number = century + valid(nine)
    assert bool(found(number)) is expected


def test_leap_day_in_ten_digit_form() -> None:
    """Is 29 February accepted in the 10-digit form only if some century makes it a leap year?"""
    assert found(valid("000229123")) == [valid("000229123")]  # 2000
    assert found(valid("960229123")) == [valid("960229123")]
    assert found(valid("970229123")) == []


@pytest.mark.parametrize(
    "nine",
    [
        "850230123",  # 30 February
        "850231123",  # 31 February
        "851301123",  # month 13
        "850001123",  # month 00
        "850100123",  # day 00
        "850132123",  # day 32
        "850431123",  # 31 April
        "850160123",  # day 60: neither a day nor a samordningsnummer day
        "850192123",  # day 92: beyond samordningsnummer range
    ],
)
def test_invalid_dates_are_rejected(nine: str) -> None:
    """Is a number with a correct check digit but an impossible date left alone?"""
    number = valid(nine)
    assert found(number) == []
    assert found(f"{number[:6]}-{number[6:]}") == []
    assert found(f"19{number[:6]}-{number[6:]}") == []


@pytest.mark.parametrize("century", ["17", "21", "00", "99"])
def test_implausible_centuries_are_rejected(century: str) -> None:
    """Is a 12-digit number rejected unless it starts with 18, 19 or 20?"""
    assert found(century + "121212-1212") == []


def test_nineteenth_century_is_accepted() -> None:
    """Is a 12-digit number from the 1800s found?"""
    assert found("18" + valid("991231123")) == ["18" + valid("991231123")]


# --- check digit -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "19121212-1213",
        "121212-1213",
        "1212121211",
        "701063-2390",
        wrong("850101432"),
        "19" + wrong("850101432"),
    ],
)
def test_invalid_check_digit_is_rejected(number: str) -> None:
    """Is a number with a wrong Luhn check digit left alone?"""
    assert found(number) == []


def test_check_digit_ignores_the_century() -> None:
    """Is the Luhn digit computed over the 10-digit form, not all twelve digits?"""
    # Luhn over all twelve digits of 191212121212 would want a different check digit,
    # so this only passes if the century is left out.
    assert found("191212121212") == ["191212121212"]
    assert found("19" + wrong("121212121")) == []


# --- in context --------------------------------------------------------------------------


def test_found_in_swedish_sentence() -> None:
    """Is a number in running Swedish text found with its offset?"""
    text = "Patienten (19121212-1212) remitterades till BUP, se journalen."
    [finding] = find_personal_numbers(text)
    assert finding.text == "19121212-1212"
    assert finding.start == text.index("19121212")
    assert finding.line == 1


@pytest.mark.parametrize(
    "text",
    [
        "Pnr: 121212-1212.",
        "Pnr:121212-1212",
        "personnummer 1212121212, samordningsnummer 7010632391",
        "»121212-1212«",
        "(121212-1212)",
        "patient121212-1212",  # glued to letters: still a number someone wrote down
        "121212-1212kvinna",
        "**121212-1212**",
        "`121212-1212`",
        "nr/121212-1212",
    ],
)
def test_found_next_to_punctuation_and_letters(text: str) -> None:
    """Is a number found when it touches punctuation, letters or Markdown markup?"""
    assert "121212-1212" in found(text) or "1212121212" in found(text)


def test_found_in_markdown_table_and_list_with_line_numbers() -> None:
    """Are numbers in Markdown tables and lists found with the right line numbers?"""
    second = valid("850101432")
    text = (
        "# Remisslista\n"  # 1
        "\n"  # 2
        "| Namn | Personnummer |\n"  # 3
        "|------|--------------|\n"  # 4
        "| Tolvan | 19121212-1212 |\n"  # 5
        f"| Kalle | {second[:6]}-{second[6:]} |\n"  # 6
        "\n"  # 7
        "- Samordningsnr: 701063-2391\n"  # 8
        "- Telefon: 031-123 45 67\n"  # 9
        "1. 121212+1212\n"  # 10
    )
    findings = find_personal_numbers(text)
    assert [(f.line, f.text, f.kind) for f in findings] == [
        (5, "19121212-1212", "personnummer"),
        (6, f"{second[:6]}-{second[6:]}", "personnummer"),
        (8, "701063-2391", "samordningsnummer"),
        (10, "121212+1212", "personnummer"),
    ]
    for f in findings:
        assert text[f.start : f.start + len(f.text)] == f.text


def test_several_on_one_line() -> None:
    """Are several numbers on the same line all found, in order?"""
    text = "19121212-1212,121212-1212;1212121212 och 701063-2391"
    assert found(text) == ["19121212-1212", "121212-1212", "1212121212", "701063-2391"]
    assert {f.line for f in find_personal_numbers(text)} == {1}


def test_windows_line_endings() -> None:
    """Are line numbers right with CRLF line endings?"""
    text = "rad ett\r\nrad två\r\n19121212-1212\r\n"
    assert [f.line for f in find_personal_numbers(text)] == [3]


def test_empty_and_clean_text() -> None:
    """Does text without numbers give no findings?"""
    assert find_personal_numbers("") == []
    assert find_personal_numbers("Ring vårdcentralen på vardagar 8–17.") == []


# --- look-alikes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # Phone numbers, as people write them.
        "031-123 45 67",
        "0322-59 60 00",
        "+46 31 123 45 67",
        "010-441 00 00",
        "08-123 456 78",
        "070-123 45 67",
        "0701234567",  # valid date 2007-01-23 but wrong check digit
        "+46701234567",
        "46701234567",
        "1177",
        # Dates and year ranges.
        "2024-12-31",
        "20241231",
        "2023–2026",
        "2023-2026",
        "31/12 2024",
        "2024-12-31 14:30",
        # Organisation numbers (third digit ≥ 2, so never a month).
        "232100-0164",
        "2321000164",
        "556036-0793",
        "16232100-0164",
        # Postal codes and short numbers.
        "411 05 Göteborg",
        "41105",
        "12345678",
        "1234-5678",
        "123456-123",
        # Version numbers, money, decimals.
        "v. 1.2.3",
        "12 345 678 kr",
        "3,1415926535",
    ],
)
def test_look_alikes_are_not_flagged(text: str) -> None:
    """Are phone numbers, dates, organisation numbers and other digit runs left alone?"""
    assert found(text) == []


def test_unseparated_mobile_number_with_invalid_date_is_rejected_even_with_valid_luhn() -> None:
    """Is a 07… mobile number with an impossible month rejected even if its Luhn digit fits?"""
    number = valid("073123456")  # "month" 31
    assert found(number) == []
    assert found("Ring " + number + " efter 16.") == []


def test_organisation_number_is_rejected_by_date_not_check_digit() -> None:
    """Is 232100-0164 rejected although its check digit is valid (month 21 does not exist)?"""
    assert luhn("232100016") == "4"
    assert found("Org.nr 232100-0164") == []


@pytest.mark.parametrize(
    "text",
    [
        "1" + "1212121212",  # 11 digits
        "1212121212" + "1",
        "12" + "1212121212" + "3",  # 13 digits
        "1234" + "191212121212",  # 16 digits
        "191212121212" + "34",  # 14 digits
        "99" + "191212121212",
        "19121212-12123",
        "119121212-1212",
        "1-19121212-1212",
        "19121212-1212-5",
        "19121212-1212+5",
        "5+121212-1212",
        "0046-121212-1212",
    ],
)
def test_part_of_longer_digit_run_is_not_flagged(text: str) -> None:
    """Is a valid number inside a longer digit run (or joined to one by - or +) left alone?"""
    assert found(text) == []


def test_separator_without_digit_does_not_block() -> None:
    """Is a number found after a dash or plus that is not joined to another digit?"""
    assert found("Pnr -121212-1212") == ["121212-1212"]
    assert found("-19121212-1212") == ["19121212-1212"]
    assert found("121212-1212- nästa") == ["121212-1212"]
    assert found("121212-1212+") == ["121212-1212"]


def test_other_separators_are_not_part_of_the_format() -> None:
    """Are forms with other separators (en dash, dots, two spaces, a tab) left alone?"""
    assert found("121212–1212") == []
    assert found("12.12.12-1212") == []
    assert found("121212  1212") == []
    assert found("121212\t1212") == []


# --- a space as separator ----------------------------------------------------------------


@pytest.mark.parametrize(
    "number, kind",
    [
        ("121212 1212", "personnummer"),
        ("19121212 1212", "personnummer"),
        ("121212\u00a01212", "personnummer"),  # no-break space, as word processors write it
        ("19121212\u00a01212", "personnummer"),
        ("701063 2391", "samordningsnummer"),
        ("19701063 2391", "samordningsnummer"),
    ],
)
def test_space_separator_is_found(number: str, kind: str) -> None:
    """Is a number written with a space (or no-break space) before the last four digits found?"""
    assert find_personal_numbers(number) == [Finding(text=number, start=0, line=1, kind=kind)]


def test_space_separator_in_running_text() -> None:
    """Is a spaced number found in a sentence, a table cell and after a label, with its line?"""
    text = "Remiss\nPatient 121212 1212 har kallats.\n| Tolvan | 19121212 1212 |\nPnr: 701063 2391."
    assert [(f.line, f.text) for f in find_personal_numbers(text)] == [
        (2, "121212 1212"), (3, "19121212 1212"), (4, "701063 2391")]


def test_space_separator_has_the_same_checks() -> None:
    """Is a spaced number with a wrong check digit, an impossible date or an odd century left alone?"""
    assert found("121212 1213") == []
    assert found("19121212 1213") == []
    bad_date = valid("850230123")  # 30 February
    assert found(f"{bad_date[:6]} {bad_date[6:]}") == []
    assert found("17121212 1212") == []
    number = valid("850101432")
    assert found(f"Pnr {number[:6]} {number[6:]}.") == [f"{number[:6]} {number[6:]}"]


@pytest.mark.parametrize(
    "text",
    [
        "031 121212 1212",  # a spaced group right after another group of digits
        "121212 1212 55",  # … or right before one
        "1 121212 1212",
        "12 121212 1212",
        "0701-121212 1212",
        "121212 1212-5",
        "08 121 212 1212",  # phone numbers and amounts grouped by spaces
        "121 212 1212",
        "1 212 121 212 kr",
        "2024-12-31 1430",
        "556036 0793",  # organisation number (month 60)
        "232100 0164",
        "411 05 Göteborg",
    ],
)
def test_spaced_look_alikes_are_not_flagged(text: str) -> None:
    """Are spaced digit groups that are part of something longer, or no valid date, left alone?"""
    assert found(text) == []


def test_unseparated_number_followed_by_a_spaced_number_is_still_found() -> None:
    """Is "1212121212 2024" still read as a personnummer followed by a year (not one 14-digit group)?"""
    assert found("1212121212 2024") == ["1212121212"]
    assert found("191212121212 2024") == ["191212121212"]


def test_spaced_and_hyphenated_numbers_together_in_order() -> None:
    """Are spaced and hyphenated numbers in one text all reported, in order of appearance?"""
    assert found("121212 1212, 19121212-1212 och 701063 2391") == ["121212 1212", "19121212-1212",
                                                                   "701063 2391"]


# --- masking -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, masked",
    [
        ("19121212-1212", "XXXXXXXX-XXXX"),
        ("121212 1212", "XXXXXX XXXX"),
        ("pnr1212121212", "pnrXXXXXXXXXX"),
        ("Inlogg som 121212-1212 och 701063-2391.", "Inlogg som XXXXXX-XXXX och XXXXXX-XXXX."),
    ],
)
def test_mask_replaces_the_digits_of_every_number(text: str, masked: str) -> None:
    """Does mask() hide each number's digits, keep the rest and keep the length?"""
    assert mask(text) == masked
    assert len(mask(text)) == len(text)
    assert find_personal_numbers(mask(text)) == []


def test_mask_leaves_other_digits_alone() -> None:
    """Does mask() leave phone numbers, dates and text without numbers unchanged?"""
    for text in ("", "Ring 031-123 45 67", "2024-12-31", "version 12 av rutinen", "121212-1213"):
        assert mask(text) == text


def test_non_ascii_digits_are_ignored() -> None:
    """Are digits from other scripts (which no one writes personnummer with) ignored?"""
    assert found("١٩١٢١٢١٢-١٢١٢") == []


# --- message -----------------------------------------------------------------------------


def test_describe_single_personnummer() -> None:
    """Is the message for one personnummer the agreed Swedish sentence?"""
    findings = find_personal_numbers("Rubrik\n\nPatient 19121212-1212 har remiss.")
    assert describe(findings, "Text") == (
        "Texten i ”Text” innehåller något som ser ut som ett personnummer "
        "(rad 3: 19121212-1212). Kunskapsbanken får inte innehålla patientuppgifter "
        "– ta bort numret och spara igen."
    )


def test_describe_single_samordningsnummer() -> None:
    """Does the message name a samordningsnummer as such?"""
    message = describe(find_personal_numbers("701063-2391"), "Sammanfattning")
    assert message.startswith(
        "Texten i ”Sammanfattning” innehåller något som ser ut som ett samordningsnummer "
        "(rad 1: 701063-2391)."
    )
    assert "ta bort numret" in message


def test_describe_several_numbers() -> None:
    """Does the message for several numbers list them all and use the plural?"""
    findings = find_personal_numbers("19121212-1212\n\n701063-2391")
    assert describe(findings, "Text") == (
        "Texten i ”Text” innehåller 2 nummer som ser ut som personnummer eller "
        "samordningsnummer (rad 1: 19121212-1212; rad 3: 701063-2391). Kunskapsbanken får "
        "inte innehålla patientuppgifter – ta bort numren och spara igen."
    )


def test_describe_several_of_one_kind() -> None:
    """Does the message name only the kind found when all numbers are of one kind?"""
    message = describe(find_personal_numbers("121212-1212 1212121212"), "Text")
    assert "2 nummer som ser ut som personnummer (" in message
    assert "samordningsnummer" not in message


def test_describe_caps_the_list() -> None:
    """Does a long list of numbers give a short message that says how many were left out?"""
    text = "\n".join(["19121212-1212"] * 12)
    message = describe(find_personal_numbers(text), "Text")
    assert "12 nummer" in message
    assert "rad 5: 19121212-1212; och 7 till)" in message
    assert "rad 6:" not in message


def test_describe_needs_findings() -> None:
    """Does describe refuse an empty list rather than produce a misleading message?"""
    with pytest.raises(ValueError):
        describe([], "Text")


def test_finding_is_immutable() -> None:
    """Is a Finding frozen, so callers cannot alter a result by accident?"""
    finding = find_personal_numbers("19121212-1212")[0]
    with pytest.raises(AttributeError):
        finding.line = 2  # type: ignore[misc]


# --- stripping for statistics ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "stripped"), [
    ("SIP 19121212-1212", "SIP [personnummer]"),
    ("121212-1212 vårdplan", "[personnummer] vårdplan"),
    ("samordningsnummer 121272-1219", "samordningsnummer [personnummer]"),
    ("fråga anna.svensson@alingsas.se om SIP", "fråga [e-post] om SIP"),
    ("ring 070-123 45 67", "ring [telefonnummer]"),
    ("ring +46 70 123 45 67", "ring [telefonnummer]"),
    ("+46 (0)70-123 45 67", "[telefonnummer]"),
    ("0046701234567", "[telefonnummer]"),
    ("växeln 031-123456", "växeln [telefonnummer]"),
    ("08-123 456 78 och 0303-12345", "[telefonnummer] och [telefonnummer]"),
])
def test_strip_personal_data_replaces_numbers_addresses_and_phone_numbers(text, stripped) -> None:
    """Are personnummer, e-mail addresses and Swedish phone numbers replaced by what they were?"""
    assert strip_personal_data(text) == stripped


@pytest.mark.parametrize("text", ["rutin 2024", "2024-05-01", "441 81 Alingsås", "212000-1355", "SIP 2 gånger",
                                  "kl 08.00-16.30", "v. 49", "ICD F10.2", "1177"])
def test_strip_personal_data_keeps_dates_postcodes_and_other_numbers(text) -> None:
    """Do years, dates, postcodes, organisation numbers and codes stay as they were?"""
    assert strip_personal_data(text) == text
