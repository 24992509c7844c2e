"""Reading the spreadsheets officials upload, and writing templates and error files back to them.

Pure Python: no models, no database. Import kinds (works, allocations, disbursements, households, ...)
build on it:

- `read_sheet(upload, columns)` → a `SheetReader`: checks the file (`Limits`), finds the header row,
  matches the columns, then yields `Row`s of parsed values, each with the `SheetError`s of its cells.
  `read_sheet(Records(items), columns)` reads a list of JSON objects the same way (`records`).
- Column specs (`TextColumn`, `CodeColumn`, `IntegerColumn`, `DecimalColumn`, `PercentColumn`,
  `AmountColumn`, `DateColumn`, `BooleanColumn`, `ChoiceColumn`) say what a column is called and holds.
- Value parsers (`parse_amount`, `parse_date`, ...) can be used alone; they raise `ValueProblem`.
- `write_template(columns, out)`, `write_error_file(sheet, errors, out)`, `escape_cell(value)`.

The modules' docstrings give the rules: `values` (numbers, separators, dates, codes), `csvfile`
(encodings, separators), `xlsx` (cells, why not python-calamine), `safety` (limits), `columns` (headers,
units), `reading` (header row, skipped rows), `writing` (formula escaping, error file layout).
"""

from .columns import (
    AmountColumn,
    BooleanColumn,
    BoundColumn,
    ChoiceColumn,
    CodeColumn,
    Column,
    DateColumn,
    DecimalColumn,
    IntegerColumn,
    PercentColumn,
    TextColumn,
    WideColumns,
)
from .errors import ErrorLog, SheetError, SheetRejected, ValueProblem
from .reading import Row, SheetReader, read_sheet
from .records import RecordError, Records, RecordsReader
from .safety import DEFAULT_LIMITS, Limits
from .values import (
    ChoiceMatcher,
    NumberStyle,
    PercentNumber,
    Unit,
    excel_date,
    format_number,
    format_vnd,
    parse_amount,
    parse_bool,
    parse_choice,
    parse_code,
    parse_date,
    parse_decimal,
    parse_integer,
    parse_number,
    parse_percent,
    parse_text,
    zero_pad,
)
from .writing import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, escape_cell, write_error_file, write_template

__all__ = [
    "CSV_CONTENT_TYPE",
    "DEFAULT_LIMITS",
    "XLSX_CONTENT_TYPE",
    "AmountColumn",
    "BooleanColumn",
    "BoundColumn",
    "ChoiceColumn",
    "ChoiceMatcher",
    "CodeColumn",
    "Column",
    "DateColumn",
    "DecimalColumn",
    "ErrorLog",
    "IntegerColumn",
    "Limits",
    "NumberStyle",
    "PercentColumn",
    "PercentNumber",
    "RecordError",
    "Records",
    "RecordsReader",
    "Row",
    "SheetError",
    "SheetReader",
    "SheetRejected",
    "TextColumn",
    "Unit",
    "WideColumns",
    "ValueProblem",
    "escape_cell",
    "excel_date",
    "format_number",
    "format_vnd",
    "parse_amount",
    "parse_bool",
    "parse_choice",
    "parse_code",
    "parse_date",
    "parse_decimal",
    "parse_integer",
    "parse_number",
    "parse_percent",
    "parse_text",
    "read_sheet",
    "write_error_file",
    "write_template",
    "zero_pad",
]
