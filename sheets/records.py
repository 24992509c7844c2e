"""A list of records (JSON objects: field name → value) read as a sheet, for the API's bulk posts.

    with read_sheet(Records(items), COLUMNS) as sheet:   # the same reader interface as a file's
        for row in sheet:                                 # one Row per item, its number the item's index
            ...

The import kinds read a records source exactly as they read an uploaded file, so a bulk post follows the
rules and gives the messages of the spreadsheet import. What differs is only how a value arrives:

- an item's keys are the columns' keys (`work`, `reported_on`, `amount`, ...): the field names of one
  vocabulary for the files (their headers) and the API (their keys). A key no column has is a warning
  (named once, at the first item that has it), as an unknown column of a file is.
- `Row.number` is the item's position in the list (0-based), or the index given with `Records(indices=...)`
  (a second pass over some of the items keeps their first numbers); a message naming "row N" names item N.
- typed JSON values are taken exactly: a number is a number (a float through its shortest repr, never float
  arithmetic: 12.5 is Decimal("12.5")), an amount is a whole number of đồng (VND, not the million of a
  template's "Số tiền" column), `true`/`false` are yes/no, and a date may be an ISO text ("2026-11-05").
  Text follows the sheet's rules: "05/11/2026" is 5 November, "200.000" is two hundred thousand (the number
  style of each numeric field is voted from its texts, as a file's column's is).
- every item is a row: an empty item is not skipped (its required fields are missing), an item that is not
  an object, or a value that is an object or a list, is an error of that item.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any

from django.utils.translation import gettext

from .columns import AmountColumn, BoundColumn, Column, ColumnIndex, DateColumn
from .errors import SheetError, ValueProblem
from .rows import Row
from .values import NumberStyle, Unit, _date_problem, shown


@dataclass(frozen=True)
class RecordError(SheetError):
    """A problem of one item's value, with a machine-readable `code` ("required" or "invalid")."""

    code: str = "invalid"


@dataclass
class Records:
    """Items to read as the rows of a sheet; `indices` numbers them (default: their positions, from 0)."""

    items: Sequence[Any]
    indices: Sequence[int] | None = None
    name: str = ""
    _numbers: Sequence[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._numbers = range(len(self.items)) if self.indices is None else self.indices
        if len(self._numbers) != len(self.items):
            raise ValueError("one index per item")


def _kind_of(value: Any) -> str:
    """How a message names a value that is not what was expected: "a list", "an object", or the value."""
    if isinstance(value, list | tuple):
        return gettext("a list")
    if isinstance(value, dict):
        return gettext("an object")
    return f"“{shown(value)}”"


class RecordsReader:
    """`Records` opened for reading with the interface of `reading.SheetReader` (the engine's sheet)."""

    format = "records"

    def __init__(self, source: Records, columns: Sequence[Column], *, style_sample_rows: int = 1000):
        self.index = ColumnIndex(columns)
        self.source = source
        self.filename = source.name
        self.style_sample_rows = style_sample_rows
        self.skipped = {"blank": 0, "total": 0, "numbering": 0}
        self.sheet_name = self.encoding = self.delimiter = None
        self.header_row = None
        self._iterated = False
        # Every column is "in the file": a service's message on a field lands on it, whatever the items give.
        self.columns: dict[str, BoundColumn] = {
            column.key: BoundColumn(
                column=column,
                index=position,
                header=column.key,
                unit=Unit.DONG if isinstance(column, AmountColumn) else None,  # an amount of a record is in đồng
            )
            for position, column in enumerate(self.index.columns)
        }
        self._present: set[str] = set()
        unknown: dict[str, int] = {}
        for number, item in zip(source._numbers, source.items, strict=True):
            if isinstance(item, dict):
                for key in item:
                    if key in self.columns:
                        self._present.add(key)
                    elif key not in unknown:
                        unknown[key] = number
        self.warnings = [
            SheetError(
                gettext("“%(field)s” is not a known field and is ignored.") % {"field": key}, row=number, column=key
            )
            for key, number in unknown.items()
        ]

    def header_for(self, key: str) -> str:
        return key

    def has_column(self, key: str) -> bool:
        """Whether any item gives the field (an optional field absent from every item is left alone)."""
        return key in self._present

    def __iter__(self) -> Iterator:
        if self._iterated:
            raise RuntimeError("a RecordsReader can be iterated once")
        self._iterated = True
        items = self.source.items
        self._vote_styles(islice(items, self.style_sample_rows))
        plan = [
            (key, bound.column.parser(bound), bound.column.required, isinstance(bound.column, DateColumn))
            for key, bound in self.columns.items()
        ]
        blanks = {key: bound.column.blank() for key, bound in self.columns.items()}
        required_message = gettext("A value is required.")
        for number, item in zip(self.source._numbers, items, strict=True):
            values = dict(blanks)
            errors: list[SheetError] = []
            if not isinstance(item, dict):
                message = gettext("Expected an object of fields; found %(kind)s.") % {"kind": _kind_of(item)}
                errors.append(RecordError(message, row=number))
                yield Row(number, values, errors, item, self)
                continue
            for key, parse, required, is_date in plan:
                value = item.get(key)
                if value.__class__ is str:
                    value = value.strip() or None
                elif value.__class__ is float:
                    value = Decimal(repr(value))
                elif isinstance(value, dict | list | tuple):
                    message = gettext("Expected a single value; found %(kind)s.") % {"kind": _kind_of(value)}
                    errors.append(RecordError(message, row=number, column=key))
                    continue
                if value is None:
                    if required:
                        errors.append(RecordError(required_message, row=number, column=key, code="required"))
                    continue
                try:
                    if is_date and not isinstance(value, str | datetime.date):
                        raise _date_problem(value)  # a number is not an Excel serial here: JSON has no dates
                    parsed = parse(value)
                except ValueProblem as problem:
                    errors.append(RecordError(problem.message, row=number, column=key))
                    continue
                if parsed is None:
                    if required:
                        errors.append(RecordError(required_message, row=number, column=key, code="required"))
                    continue
                values[key] = parsed
            yield Row(number, values, errors, item, self)

    def _vote_styles(self, sample) -> None:
        sample = [item for item in sample if isinstance(item, dict)]
        for key, bound in self.columns.items():
            if bound.column.numeric:
                texts = (item[key] for item in sample if isinstance(item.get(key), str))
                bound.style = NumberStyle.vote(texts)

    def close(self) -> None:
        pass

    def __enter__(self) -> RecordsReader:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
