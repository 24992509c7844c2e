"""Writing spreadsheets back to officials: the template of an import kind, and the upload with its errors.

Every text cell written here goes through `escape_cell`, so a value such as `=HYPERLINK(...)` that an
upload (or anyone) put in the data is shown as text and never runs as a formula when the file is opened.
Workbooks are written with openpyxl's write-only mode, one row at a time, so an error file of a million
rows takes no more memory than one of ten.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO, Any

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill

from .columns import AmountColumn, BooleanColumn, ChoiceColumn, Column, DateColumn, PercentColumn
from .errors import ErrorLog, SheetError
from .reading import SheetReader
from .values import PercentNumber, Unit, excel_precision, format_number, shown
from .xlsx import column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

# What makes Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP's CSV injection list,
# with the full-width forms some versions also accept).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def escape_cell(value: Any) -> Any:
    """A cell value made safe to open in a spreadsheet: text starting with a formula trigger gets a `'` in front.

    `=1+2` → `'=1+2`, `-1.000` (as text) → `'-1.000`, `@SUM(A1)` → `'@SUM(A1)`. Numbers, dates and other
    text are returned unchanged. The readers take the `'` off again, so an escaped file uploads as it was.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Promise):  # a lazy translation (a column's help)
        value = str(value)
    value = escape_cell(value)
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, PercentNumber):
        return Decimal(value)
    return value


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        return escape_cell(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, PercentNumber):
        return format_number(Decimal(value) * 100, group=False) + "%"
    if isinstance(value, Decimal | int | float):
        number = excel_precision(Decimal(repr(value))) if isinstance(value, float) else value
        return escape_cell(format_number(number, group=False))
    if isinstance(value, datetime.date):
        return shown(value)
    return escape_cell(str(value))


def _open_output(out: Any) -> tuple[IO[bytes], bool]:
    if isinstance(out, str | os.PathLike):
        return open(out, "wb"), True  # noqa: SIM115 - closed by the caller below
    return out, False


# ---------------------------------------------------------------------------------------------------------
# The template


_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _sample(column: Column) -> str:
    if column.example:
        return column.example
    if isinstance(column, AmountColumn):
        return "1.234,5"
    if isinstance(column, DateColumn):
        return "31/12/2025"
    if isinstance(column, BooleanColumn):
        return "x"
    if isinstance(column, PercentColumn):
        return "45"
    if isinstance(column, ChoiceColumn):
        labels = column.matcher.labels()
        return labels[0] if labels else ""
    return ""


def _unit_text(column: Column) -> str:
    if isinstance(column, AmountColumn):
        others = ", ".join(f"({unit.label})" for unit in Unit if unit is not column.unit)
        return gettext("%(unit)s (the header may say instead: %(others)s)") % {
            "unit": column.unit.label,
            "others": others,
        }
    return column.unit_label


def _cell(
    sheet: Any, value: Any, *, font: Font | None = None, fill: PatternFill | None = None, wrap: bool = False
) -> Any:
    cell = WriteOnlyCell(sheet, value=_xlsx_value(value))
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if wrap:
        cell.alignment = _WRAP
    return cell


def write_template(columns: Sequence[Column], out: Any, *, title: str | None = None) -> None:
    """An .xlsx template for `columns`: a data sheet with the header row, and a guide sheet.

    The data sheet's header row has each column's Vietnamese header with its unit ("Số tiền (triệu đồng)"),
    required columns shaded. The guide lists, for every column, each header accepted, the unit, whether it
    is required, the format and an example, followed by general notes. `out` is a path or a binary file.
    """
    workbook = Workbook(write_only=True)
    data = workbook.create_sheet(title=_sheet_title(pgettext("spreadsheet", "Data")))
    guide = workbook.create_sheet(title=_sheet_title(pgettext("spreadsheet", "Guide")))

    for index, column in enumerate(columns):
        data.column_dimensions[column_letter(index)].width = max(14, min(40, len(column.template_header) + 4))
    data.freeze_panes = "A2"
    data.append(
        [
            _cell(data, column.template_header, font=_BOLD, fill=_REQUIRED_FILL if column.required else _HEADER_FILL)
            for column in columns
        ]
    )

    for letter, width in zip("ABCDEFG", (32, 40, 28, 12, 44, 20, 40), strict=True):
        guide.column_dimensions[letter].width = width
    if title:
        guide.append([_cell(guide, title, font=Font(bold=True, size=13))])
        guide.append([])
    labels = [
        pgettext("spreadsheet", "Column header"),
        pgettext("spreadsheet", "Other accepted headers"),
        pgettext("spreadsheet", "Unit"),
        pgettext("spreadsheet", "Required"),
        pgettext("spreadsheet", "Format"),
        pgettext("spreadsheet", "Example"),
        pgettext("spreadsheet", "Notes"),
    ]
    guide.append([_cell(guide, label, font=_BOLD, fill=_HEADER_FILL) for label in labels])
    for column in columns:
        guide.append(
            [
                _cell(guide, column.template_header, font=_BOLD if column.required else None, wrap=True),
                _cell(guide, "; ".join(column.aliases), wrap=True),
                _cell(guide, _unit_text(column), wrap=True),
                _cell(guide, pgettext("spreadsheet", "Yes") if column.required else pgettext("spreadsheet", "No")),
                _cell(guide, column.describe(), wrap=True),
                _cell(guide, _sample(column)),
                _cell(guide, column.help, wrap=True),
            ]
        )
    guide.append([])
    for note in (
        gettext("Headers may be written with or without accents, in any case, in Vietnamese or in English."),
        gettext("Numbers are written the Vietnamese way: a dot between thousands and a comma before decimals."),
        gettext("Dates are written dd/mm/yyyy, or entered as Excel dates."),
        gettext("Title rows above the header row, blank rows and total rows (Tổng cộng, Cộng) are ignored."),
        gettext("Save the file as .xlsx, or as CSV UTF-8, and upload it."),
    ):
        guide.append([_cell(guide, note)])
    _save(workbook, out)


def _sheet_title(text: str) -> str:
    for character in "[]:*?/\\":
        text = text.replace(character, " ")
    return text[:31] or "Sheet"


def _save(workbook: Workbook, out: Any) -> None:
    stream, owned = _open_output(out)
    try:
        workbook.save(stream)
    finally:
        if owned:
            stream.close()


# ---------------------------------------------------------------------------------------------------------
# The error file


_ERROR_FONT = Font(color="C00000", bold=True)
_ERROR_FILL = PatternFill("solid", fgColor="FFE5E5")


def _messages_by_row(errors: Iterable[SheetError]) -> tuple[dict[int, list[SheetError]], list[str]]:
    rows: dict[int, list[SheetError]] = {}
    general: list[str] = []
    for error in errors:
        if error.row is None:
            general.append(error.located())
        else:
            rows.setdefault(error.row, []).append(error)
    if isinstance(errors, ErrorLog) and errors.dropped:
        general.append(gettext("… and %(count)d more errors not listed.") % {"count": errors.dropped})
    return rows, general


def write_error_file(sheet: SheetReader, errors: Iterable[SheetError], out: Any, *, format: str | None = None) -> None:
    """The uploaded sheet written back, every row where it was, with an error column in front.

    Officials fix the rows in Excel and upload the file again: the reader ignores the error column. Each
    row's cell lists that row's messages, one a line, with the column each is about; messages not about one
    row go in the header row's cell, and messages for rows the sheet does not have in a last row. `format`
    is "xlsx" or "csv" (default: the upload's). `sheet` is the reader the upload was read with (the file is
    read again from the top, streaming).
    """
    format = format or sheet.format
    if format not in ("xlsx", "csv"):
        raise ValueError(f"unknown format {format!r}")
    by_row, general = _messages_by_row(errors)

    def lines() -> Iterator[tuple[str, list[Any]]]:
        expected = 1
        for number, cells in sheet.raw_rows():
            while expected < number:  # rows a workbook left out because they are empty
                yield "", []
                expected += 1
            expected = number + 1
            messages = [error.located() for error in by_row.pop(number, [])]
            if number == sheet.header_row:
                messages = [pgettext("spreadsheet", "Errors"), *general, *messages]
            yield "\n".join(messages), cells
        if by_row:
            yield "", []
            yield "\n".join(str(error) for row in sorted(by_row) for error in by_row[row]), []

    if format == "xlsx":
        _write_error_xlsx(sheet, lines(), out)
    else:
        _write_error_csv(sheet, lines(), out)


def _write_error_xlsx(sheet: SheetReader, lines: Iterable[tuple[str, list[Any]]], out: Any) -> None:
    workbook = Workbook(write_only=True)
    target = workbook.create_sheet(title=_sheet_title(sheet.sheet_name or pgettext("spreadsheet", "Data")))
    target.column_dimensions["A"].width = 60
    target.freeze_panes = f"B{sheet.header_row + 1}"
    header_row = sheet.header_row
    number = 0
    for message, cells in lines:
        number += 1
        row: list[Any] = []
        if message:
            font = _BOLD if number == header_row else _ERROR_FONT
            row.append(_cell(target, message, font=font, fill=None if number == header_row else _ERROR_FILL, wrap=True))
        else:
            row.append(None)
        for value in cells:
            if isinstance(value, datetime.datetime):
                cell = WriteOnlyCell(target, value=value)
                cell.number_format = "DD/MM/YYYY HH:MM"
                row.append(cell)
            elif isinstance(value, datetime.date):
                cell = WriteOnlyCell(target, value=value)
                cell.number_format = "DD/MM/YYYY"
                row.append(cell)
            elif isinstance(value, PercentNumber):
                cell = WriteOnlyCell(target, value=Decimal(value))
                cell.number_format = "0.##%"
                row.append(cell)
            else:
                row.append(_xlsx_value(value))
        target.append(row)
    _save(workbook, out)


def _write_error_csv(sheet: SheetReader, lines: Iterable[tuple[str, list[Any]]], out: Any) -> None:
    stream, owned = _open_output(out)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text, delimiter=sheet.delimiter or ",")
        for message, cells in lines:
            writer.writerow([_csv_value(message), *(_csv_value(value) for value in cells)])
        text.flush()
    finally:
        text.detach()
        if owned:
            stream.close()
