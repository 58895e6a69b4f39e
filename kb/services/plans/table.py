"""Plan tables in CSV and XLSX files: read into rows keyed by column, written from rows.

A table has a header row naming the columns in COLUMNS (matched loosely; the paper plans'
headings are accepted too) and one activity per row, plus an optional `Id` column. This module
only turns bytes into rows and rows into bytes, refusing damaged, oversized or ambiguous files
with Swedish messages; what the rows mean is kb.services.plans.io's business.
"""
from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import TYPE_CHECKING

from kb.constants import ActivityStatus, fold_name
from kb.exceptions import ServiceError
from kb.extract import zip_entries
from kb.services.plans import PLAN_LABELS
from kb.spreadsheet import FORMULA_START, guard_formula

if TYPE_CHECKING:
    from openpyxl.styles import Alignment

# openpyxl (18 MB once imported) is imported where a workbook is read or written, not at start:
# every server worker process imports this module, few ever handle an Excel file.

COLUMNS: tuple[str, ...] = ("Mål", "Delmål", "Vad", "Hur", "Beslut", "Ansvarig", "Start", "Slutdatum",
                            "Uppföljning", "Status", "Målgrupper", "Sidor")
ID_COLUMN = "Id"
REQUIRED: tuple[str, ...] = ("Mål", "Vad", "Status")
ACTIVITY_SHEET = "Aktiviteter"
PLAN_SHEET = "Plan"

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
MAX_COLUMNS = 40
# An xlsx is a zip; refuse archives that would unpack to more than this (a "zip bomb").
XLSX_UNPACKED_MAX = 50 * 1024 * 1024
# A plan workbook has a dozen entries; more than this is refused before zipfile reads the directory.
XLSX_ENTRIES_MAX = 1000

# Headings used in the paper plans, and "Deadline" of files kb exported before the column was named
# Slutdatum, folded (see `_fold`), and the column they mean.
ALIASES: dict[str, str] = {
    "fokusomrade": "Mål", "aktivitet": "Vad", "aktivitet/vad": "Vad", "tillvagagangssatt": "Hur",
    "tillvagagangssatt/hur": "Hur", "vem": "Ansvarig", "vem/ansvarig": "Ansvarig", "ansvar": "Ansvarig",
    "startdatum": "Start", "deadline": "Slutdatum", "deadline/slutdatum": "Slutdatum",
    "uppfoljning, matetal, utfallsmatt": "Uppföljning", "uppfoljning/utfall": "Uppföljning",
    "malgrupp": "Målgrupper", "sida": "Sidor",
}
# Rows of the XLSX "Plan" sheet: label → PlanData field.
PLAN_ROWS: dict[str, str] = {label: key for key, label in PLAN_LABELS.items()}
NOT_XLSX = "Filen är ingen giltig Excel-fil (.xlsx). Spara om den i Excel och försök igen."
# Characters that make a spreadsheet read a CSV cell as a formula; such cells are written with
# a leading apostrophe, which the import removes again.
WIDTHS: dict[str, int] = {"Mål": 28, "Delmål": 24, "Vad": 48, "Hur": 40, "Beslut": 24, "Ansvarig": 24,
                          "Start": 11, "Slutdatum": 11, "Uppföljning": 40, "Status": 14, "Målgrupper": 24,
                          "Sidor": 28, ID_COLUMN: 8}


@dataclass(frozen=True)
class RowError:
    """One problem in a file: its row (0 for the file as a whole), column and Swedish message."""

    row: int
    column: str
    message: str

    def describe(self, unit: str = "rad") -> str:
        """"rad 3, kolumn Slutdatum: …" (`unit` names the row, e.g. "aktivitet" in a YAML file)."""
        if not self.row:
            return f"{self.column}: {self.message}" if self.column else self.message
        column = f", kolumn {self.column}" if self.column else ""
        return f"{unit} {self.row}{column}: {self.message}"

    def __str__(self) -> str:
        return self.describe()


class PlanImportError(ServiceError):
    """A file that was refused; `errors` says where and why. Nothing of it was imported."""

    def __init__(self, errors: list[RowError]):
        errors = sorted(errors, key=lambda e: e.row)  # the file's own errors first, then row by row
        shown = "; ".join(str(e) for e in errors[:10])
        more = f" … och {len(errors) - 10} fel till" if len(errors) > 10 else ""
        super().__init__(f"Inget importerades: {shown}{more}")
        self.errors = errors


@dataclass
class Table:
    """A read file: the Plan sheet's fields (PlanData names), the rows as (row number, cells by column),
    and values found outside the table's columns (reported with the rows' own errors)."""

    meta: dict[str, str]
    rows: list[tuple[int, dict[str, object]]]
    errors: list[RowError] = field(default_factory=list)


def file_error(message: str) -> PlanImportError:
    """A PlanImportError about the file as a whole."""
    return PlanImportError([RowError(0, "", message)])


# --- columns and cells -----------------------------------------------------------------------

def _fold(text: str) -> str:
    """A heading or key compared loosely: case, spaces, a trailing "?" or ":" and å/ä/ö ignored."""
    return fold_name(text).rstrip("?:").strip()


_COLUMN_BY_FOLD: dict[str, str] = {**{_fold(c): c for c in (*COLUMNS, ID_COLUMN)}, **ALIASES}


def column_name(heading: object) -> str | None:
    """The column a heading names (its canonical spelling), or None for an unknown heading."""
    return _COLUMN_BY_FOLD.get(_fold(cell_text(heading)))


def cell_text(value: object) -> str:
    """A cell as text: whole numbers without ".0", dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _blank(cells: Iterable[object]) -> bool:
    """Whether every cell is empty or only spaces."""
    return all(not cell_text(c).strip() for c in cells)


# --- reading -----------------------------------------------------------------------------------

def read_table(filename: str, content: bytes) -> Table:
    """Read a .csv or .xlsx file into a Table; PlanImportError says what is wrong with the file."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        hint = " Gamla Excel-filer (.xls) går inte att läsa: spara som .xlsx." if suffix == ".xls" else ""
        raise file_error(f"Filen måste vara en CSV-fil (.csv) eller en Excel-fil (.xlsx).{hint}")
    if not content:
        raise file_error("Filen är tom.")
    if len(content) > MAX_BYTES:
        raise file_error(f"Filen är för stor (högst {MAX_BYTES // (1024 * 1024)} MB).")
    if suffix == ".csv":
        return _table(_csv_grid(content), {})
    return _xlsx_table(content)


def _csv_grid(content: bytes) -> list[tuple[int, list[object]]]:
    if content.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise file_error("Filen är en Excel-fil, inte en CSV-fil. Ladda upp den med ändelsen .xlsx.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise file_error("Filen måste vara sparad som UTF-8 (i Excel: Spara som → ”CSV UTF-8”).") from None
    delimiter = max((";", ","), key=lambda d: _header_score(text, d))  # a tie means ";"
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise file_error(f"Filen går inte att läsa som CSV ({exc}).") from None
    # The record number is the row number a spreadsheet shows, even when a cell spans lines.
    return [(n, [_unguard(cell) for cell in cells]) for n, cells in enumerate(rows, 1)]


def _header_score(text: str, delimiter: str) -> tuple[int, int]:
    """How well the first row, split by `delimiter`, reads as a header: known columns, then cells."""
    try:
        for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if not _blank(cells):
                return sum(column_name(c) is not None for c in cells), len(cells)
    except csv.Error:
        pass
    return 0, 0


def _unguard(cell: str) -> str:
    """Remove the apostrophe export puts before a cell that looks like a formula."""
    return cell[1:] if cell.startswith("'") and cell[1:2] and cell[1] in FORMULA_START else cell


def _check_zip(content: bytes) -> None:
    """Refuse what is not an unencrypted xlsx, or would unpack to too much, before opening it."""
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise file_error("Filen är lösenordsskyddad eller sparad i det gamla Excel-formatet (.xls). "
                         "Spara den som .xlsx utan lösenord.")
    # Counted from the zip's end records, before zipfile builds an object per directory entry.
    count = zip_entries(content)
    if count is None:
        raise file_error(NOT_XLSX)
    if count > XLSX_ENTRIES_MAX:
        raise file_error(f"Excel-filen består av för många delar (högst {XLSX_ENTRIES_MAX}). "
                         "Spara om den i Excel och försök igen.")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise file_error(NOT_XLSX) from None
    if any(e.flag_bits & 0x1 for e in entries):
        raise file_error("Filen är lösenordsskyddad. Spara den som .xlsx utan lösenord.")
    if sum(e.file_size for e in entries) > XLSX_UNPACKED_MAX:
        raise file_error(f"Excel-filen är för stor uppackad (högst {XLSX_UNPACKED_MAX // (1024 * 1024)} MB).")


def _xlsx_table(content: bytes) -> Table:
    from openpyxl import load_workbook

    _check_zip(content)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it drops; none matter here
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            try:
                sheets = {_fold(ws.title): ws for ws in book.worksheets}
                data = sheets.get(_fold(ACTIVITY_SHEET)) or next(
                    (ws for key, ws in sheets.items() if key != _fold(PLAN_SHEET)), None)
                if data is None:
                    raise file_error(f"Excel-filen saknar bladet {ACTIVITY_SHEET}.")
                grid = _sheet_grid(data)
                meta = _plan_meta(sheets[_fold(PLAN_SHEET)]) if _fold(PLAN_SHEET) in sheets else {}
            finally:
                book.close()
    except PlanImportError:
        raise
    except Exception:  # openpyxl raises many kinds of error on damaged files
        raise file_error(NOT_XLSX) from None
    return _table(grid, meta)


def _sheet_grid(sheet) -> list[tuple[int, list[object]]]:
    """The sheet's non-empty rows (numbered as in Excel); stops early when there are too many."""
    out: list[tuple[int, list[object]]] = []
    for number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True), 1):
        if _blank(cells):
            continue
        if len(cells) > MAX_COLUMNS and not _blank(cells[MAX_COLUMNS:]):
            raise file_error(f"Tabellen har för många kolumner (högst {MAX_COLUMNS}).")
        out.append((number, list(cells[:MAX_COLUMNS])))
        if len(out) > MAX_ROWS + 1:
            raise file_error(f"Filen har för många rader (högst {MAX_ROWS} aktiviteter).")
    return out


def _plan_meta(sheet) -> dict[str, str]:
    """The Plan sheet: rows of label and value (Titel, Adress, Struktur, …) → PlanData fields."""
    meta: dict[str, str] = {}
    known = {_fold(label): key for label, key in PLAN_ROWS.items()}
    for number, cells in enumerate(sheet.iter_rows(max_col=2, values_only=True), 1):
        if _blank(cells):
            continue
        label = cell_text(cells[0]).strip()
        if _fold(label) not in known:
            raise file_error(f"Bladet {PLAN_SHEET}, rad {number}: okänd uppgift ”{label}”. "
                             f"Tillåtna: {', '.join(PLAN_ROWS)}.")
        meta[known[_fold(label)]] = cell_text(cells[1] if len(cells) > 1 else None).strip()
    return meta


def _table(grid: list[tuple[int, list[object]]], meta: dict[str, str]) -> Table:
    """Check the header, then key each data row's cells by column."""
    rows = [(n, cells) for n, cells in grid if not _blank(cells)]
    if not rows:
        raise file_error("Filen är tom.")
    columns = _header(rows[0][1])
    data = rows[1:]
    if not data:
        raise file_error("Filen har en rubrikrad men inga aktiviteter.")
    if len(data) > MAX_ROWS:
        raise file_error(f"Filen har för många rader (högst {MAX_ROWS} aktiviteter).")
    errors: list[RowError] = []
    out: list[tuple[int, dict[str, object]]] = []
    for number, cells in data:
        row: dict[str, object] = {}
        for index, value in enumerate(cells):
            name = columns[index] if index < len(columns) else None
            if name is not None:
                row[name] = value
            elif cell_text(value).strip():
                errors.append(RowError(number, f"{column_letter(index + 1)} (utan rubrik)",
                                       "Värdet står i en kolumn utan rubrik. Ge kolumnen en rubrik eller "
                                       "ta bort värdet."))
        out.append((number, row))
    return Table(meta, out, errors)


def _header(cells: list[object]) -> list[str | None]:
    """The column of each header cell (None for a blank one); PlanImportError for a bad header."""
    columns: list[str | None] = []
    unknown: list[str] = []
    twice: list[str] = []
    for value in cells:
        text = " ".join(cell_text(value).split())
        name = column_name(text) if text else None
        if text and name is None:
            unknown.append(text)
        elif name is not None and name in columns:
            twice.append(name)
        columns.append(name)
    errors: list[RowError] = []
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        errors.append(RowError(0, "", f"Kolumnen {missing[0]} saknas." if len(missing) == 1
                               else f"Kolumnerna {', '.join(missing)} saknas."))
    if unknown:
        names = ", ".join(f"”{u}”" for u in unknown)
        which = f"Okänd kolumn {names}." if len(unknown) == 1 else f"Okända kolumner {names}."
        errors.append(RowError(0, "", f"{which} Tillåtna kolumner: {', '.join((*COLUMNS, ID_COLUMN))}."))
    if twice:
        errors.append(RowError(0, "", f"Kolumnen {', '.join(dict.fromkeys(twice))} finns mer än en gång."))
    if errors:
        raise PlanImportError(errors)
    return columns


# --- writing -----------------------------------------------------------------------------------

def write_csv(rows: Iterable[Iterable[object]]) -> bytes:
    """A table as CSV under the header: UTF-8 with BOM (Excel reads å/ä/ö), ";" and CRLF."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow((*COLUMNS, ID_COLUMN))
    writer.writerows([guard_formula(v) for v in cells] for cells in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def column_letter(number: int) -> str:
    """Excel's name of a column: 1 → A, 27 → AA."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(number)


def _put(sheet, row: int, column: int, value: object, style: Alignment | None = None) -> None:
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text starting with "=" stays text, never a formula
    if style is not None:
        cell.alignment = style


def write_xlsx(rows: list[list[object]], plan_fields: dict[str, object]) -> bytes:
    """An Excel file: sheet Aktiviteter (header and rows) and sheet Plan (`plan_fields` by PlanData name)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wrap = Alignment(wrap_text=True, vertical="top")
    book = Workbook()
    sheet = book.active
    sheet.title = ACTIVITY_SHEET
    header = (*COLUMNS, ID_COLUMN)
    for col, name in enumerate(header, 1):
        _put(sheet, 1, col, name, wrap)
        sheet.cell(row=1, column=col).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(col)].width = WIDTHS[name]
    for r, cells in enumerate(rows, 2):
        for col, value in enumerate(cells, 1):
            _put(sheet, r, col, value, wrap)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    status = get_column_letter(COLUMNS.index("Status") + 1)
    choices = DataValidation(type="list", formula1='"' + ",".join(s.label for s in ActivityStatus) + '"',
                             allow_blank=False)
    choices.add(f"{status}2:{status}{max(len(rows), 1) + 500}")
    sheet.add_data_validation(choices)
    info = book.create_sheet(PLAN_SHEET)
    for r, (key, label) in enumerate(PLAN_LABELS.items(), 1):
        _put(info, r, 1, label, wrap)
        info.cell(row=r, column=1).font = Font(bold=True)
        _put(info, r, 2, plan_fields.get(key, ""), wrap)
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
