"""A row of a sheet as the reader yields it: its number, the parsed values by column key, its errors.

Shared by the file reader (`reading`) and the records reader (`records`).
"""

from __future__ import annotations

from typing import Any

from .errors import SheetError

_NO_CONTEXT: dict[str, Any] = {}


class Row:
    """One data row of the sheet: its number as Excel shows it, parsed values by column key, its errors.

    `values` holds every column of the spec: None for a blank cell, a column absent from the file, or a
    value that did not parse (its error is in `errors`). `cells` are the raw cells, as the file holds them.
    `context` is what the file's title block and the section rows above the row say about it, by key:
    "province", "district", "commune" (names as written), "program" (the text), "component" (a code such as
    "DA4.TDA1" when the section reads as one, else its text), "year" (an int), "group" (the section's
    numbering or label). Read-only (rows of a section share it); the import kinds read it where the row has
    no value of its own (`layout`).
    """

    __slots__ = ("number", "values", "errors", "cells", "_sheet", "context")

    def __init__(
        self,
        number: int,
        values: dict[str, Any],
        errors: list[SheetError],
        cells: list[Any],
        sheet: Any,
        context: dict[str, Any] | None = None,
    ):
        self.number = number
        self.values = values
        self.errors = errors
        self.cells = cells
        self._sheet = sheet
        self.context = _NO_CONTEXT if context is None else context

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value is None else value

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, message: str, *, column: str | None = None) -> SheetError:
        """Record a problem the importer found in this row; `column` is a column key (None: the whole row).

        The error names the column by its header as the file wrote it, like the reader's own errors.
        """
        error = SheetError(message, row=self.number, column=self._sheet.header_for(column) if column else None)
        self.errors.append(error)
        return error

    def __repr__(self) -> str:
        return f"<Row {self.number} {self.values!r} errors={len(self.errors)}>"
