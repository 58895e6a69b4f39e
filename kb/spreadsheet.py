"""Tables for Excel users: CSV that Excel opens with å/ä/ö intact, and simple .xlsx sheets.

Text that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return)
is written with a leading apostrophe in CSV and as a text cell in .xlsx, so a downloaded report
never executes what someone typed (CSV/formula injection).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_formula(value: object) -> object:
    """Text that would start a formula, made harmless with a leading apostrophe."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def csv_bytes(header: Sequence[str], rows: Iterable[Iterable[object]]) -> bytes:
    """A table as CSV: UTF-8 with BOM (Excel reads å/ä/ö), ";" and CRLF."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([guard_formula(v) for v in cells] for cells in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A table as one .xlsx sheet with a bold, frozen header and a filter; text is always text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    count = 0
    for r, cells in enumerate([header, *rows], 1):
        count = r
        for c, value in enumerate(cells, 1):
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            if r == 1:
                cell.font = Font(bold=True)
    for c, name in enumerate(header, 1):
        sheet.column_dimensions[get_column_letter(c)].width = max(12, min(40, len(name) + 4))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
