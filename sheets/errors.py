"""The problems a spreadsheet can have, as values that say where they are and what is wrong.

Three kinds:

- `ValueProblem` (defined in `kernel.numbers`, the project's one parser) is raised by a value parser
  (`values.parse_amount`, ...) when one cell is wrong. It knows nothing of rows and columns; the reader catches
  it and turns it into a `SheetError` for that cell, so one bad cell never stops the reading of the others.
- `SheetError` is one problem at one place: row number (as Excel shows it), column (the header as the file
  wrote it) and a precise, translated message. Rows carry their errors; an importer adds its own.
- `SheetRejected` is raised when the file as a whole cannot be read (too big, not a spreadsheet, a zip
  bomb, a required column missing, ...). It carries one or more `SheetError`s.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext

from kernel.numbers import ValueProblem  # noqa: F401  (raised by the kernel's parser; re-exported)


@dataclass(frozen=True)
class SheetError:
    """One problem in an uploaded spreadsheet.

    `row` is the spreadsheet's own row number (1-based, as Excel shows it), or None for the whole file;
    `column` is the column's header as written in the file (or the expected header, for a missing column),
    or None when the problem is not about one column.
    """

    message: str
    row: int | None = None
    column: str | None = None

    def located(self) -> str:
        """The message with its column in front, for a cell of an error file that is already on its row."""
        if self.column:
            return gettext("Column “%(column)s”: %(message)s") % {"column": self.column, "message": self.message}
        return self.message

    def __str__(self) -> str:
        if self.row is None:
            return self.located()
        if self.column:
            return gettext("Row %(row)d, column “%(column)s”: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return gettext("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


class SheetRejected(Exception):
    """The file cannot be read at all; `errors` says why (usually one, several for missing columns)."""

    def __init__(self, errors: SheetError | Iterable[SheetError]):
        self.errors = [errors] if isinstance(errors, SheetError) else list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))

    @classmethod
    def because(cls, message: str, *, row: int | None = None, column: str | None = None) -> SheetRejected:
        return cls(SheetError(message, row=row, column=column))


class ErrorLog:
    """Every error of one file, collected as an importer reads it, with a cap to keep memory bounded.

    A file of a million rows with an error on each would otherwise hold a million messages. Past
    `max_errors`, errors are only counted (`dropped`); `error_file` then has the first `max_errors` only.
    """

    def __init__(self, max_errors: int = 100_000):
        self.max_errors = max_errors
        self._errors: list[SheetError] = []
        self.dropped = 0

    def add(self, error: SheetError) -> None:
        if len(self._errors) < self.max_errors:
            self._errors.append(error)
        else:
            self.dropped += 1

    def extend(self, errors: Iterable[SheetError]) -> None:
        for error in errors:
            self.add(error)

    def __iter__(self) -> Iterator[SheetError]:
        return iter(self._errors)

    def __len__(self) -> int:
        """How many errors were found, including the dropped ones."""
        return len(self._errors) + self.dropped

    def __bool__(self) -> bool:
        return bool(self._errors) or bool(self.dropped)

    def by_row(self) -> dict[int | None, list[SheetError]]:
        grouped: dict[int | None, list[SheetError]] = {}
        for error in self._errors:
            grouped.setdefault(error.row, []).append(error)
        return grouped
