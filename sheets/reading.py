"""Reading an uploaded spreadsheet into rows of parsed values, with every problem of every cell collected.

    with read_sheet(upload, WORK_COLUMNS) as sheet:       # SheetRejected if the file cannot be read at all
        for warning in sheet.warnings: ...                 # unknown columns, ignored
        for row in sheet:                                  # data rows only, streaming
            if row.errors:                                 # every cell problem of the row, located
                log.extend(row.errors)
                continue
            ... row["amount"] ...                          # 212600000: parsed, scaled, exact
            if something_wrong:
                row.add_error(gettext("..."), column="code")  # the importer's own checks, same shape
                log.extend(row.errors)

What the reader does, in order:

1. `safety.open_source`: size limit, kind of file from its first bytes (.xlsx or .csv), zip inspection.
2. Finds the header row among the first `header_search_rows` rows (title rows above it are skipped): the
   row with the most cells naming known columns (`columns.ColumnIndex`). For a workbook, the first visible
   worksheet whose header row has every required column (else the one that came closest, for the error);
   for a CSV, the separator that matches best. Missing required columns, duplicated columns and unknown
   units refuse the file (`SheetRejected`, every problem listed); unknown columns are `warnings`.
3. Skips a row of column numbers right under the header ("1 2 3 ..." or "(1) (2) (3)", as Vietnamese forms
   print), blank rows (no value in any known column), and total rows (a first non-empty cell such as
   "Tổng cộng", "Cộng", "Tổng", "Total", "Tổng số ...", "Cộng:").
4. Picks each number column's separator style from its first `style_sample_rows` values
   (`values.NumberStyle.vote`): Vietnamese unless most values that tell are English.
5. Yields a `Row` per data row: its number as Excel shows it, each column's value (or None, and an error),
   the raw cells (for the error file).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Iterator, Sequence
from itertools import chain, dropwhile, islice
from typing import Any

from django.utils.translation import gettext

from kernel.text import fold

from .columns import BoundColumn, Column, ColumnIndex, HeaderMatch, WideColumns, sheet_unit
from .csvfile import DELIMITERS, csv_rows, detect_encoding, sep_line
from .errors import SheetError, SheetRejected, ValueProblem
from .layout import Layout, is_numbering_row, title_context
from .records import Records, RecordsReader
from .rows import Row
from .safety import DEFAULT_LIMITS, Limits, Source, open_source
from .values import NumberStyle
from .xlsx import WorksheetInfo, XlsxWorkbook, column_letter

RawRow = tuple[int, list[Any]]

_TOTAL = re.compile(
    r"(?:tong cong|tong so|cong don|grand total|sub ?total|total)\b.*"
    r"|(?:tong|cong)(?:\s*[:(\-–+=].*|\s+(?:toan|chung|cac|ca)\b.*|\s+[ivx]+\.?|\s+[a-d]\.?)?"
)


_TOTAL_INITIALS = frozenset("TtCcGgSs")  # every word of _TOTAL starts with one of these


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def is_total_row(cells: Sequence[Any]) -> bool:
    """Whether a row is a total ("Tổng cộng", "Cộng:", "Total", ...) by its first non-empty cell."""
    for cell in cells:
        if _blank(cell):
            continue
        if not isinstance(cell, str) or cell.lstrip()[:1] not in _TOTAL_INITIALS:
            return False
        return _TOTAL.fullmatch(fold(cell).strip(" .:")) is not None
    return False


def _header_like(lower: Sequence[RawRow], top: RawRow) -> bool:
    """Whether rows may continue a header: texts only (no number, no date, no "1.234"), not a numbering row,
    under a top row of at least two cells."""
    if sum(1 for cell in top[1] if not _blank(cell)) < 2:
        return False
    for _, cells in lower:
        if is_numbering_row(cells):
            return False
        for cell in cells:
            if _blank(cell):
                continue
            if not isinstance(cell, str) or _NUMBER_TEXT.fullmatch(cell.strip()):
                return False
    return True


def _header_block(match: HeaderMatch, depth: int) -> bool:
    """Whether every row of a header block is part of the header: some column's header was read from it."""
    return 0 in match.used and all(level in match.used or level in match.merged for level in range(1, depth))


_NUMBER_TEXT = re.compile(r"[-+(]?\s*[\d.,\s]+\)?%?|\d{1,2}[/-]\d{1,2}[/-]\d{2,4}")


class SheetReader:
    """An uploaded spreadsheet opened for reading; made by `read_sheet`, iterated once for its `Row`s.

    Attributes set once the file is open: `format` ("xlsx" or "csv"), `filename`, `sheet_name` (xlsx),
    `encoding` and `delimiter` (csv), `header_row` (its number), `columns` (the `BoundColumn` of every
    column found, by key), `warnings` (unknown columns). While iterating, `skipped` counts the rows left
    out: {"blank": ..., "total": ..., "numbering": ...}.
    """

    def __init__(
        self,
        source: Any,
        columns: Sequence[Column],
        *,
        filename: str | None = None,
        limits: Limits = DEFAULT_LIMITS,
        sheet: str | int | None = None,
        header_search_rows: int = 30,
        style_sample_rows: int = 1000,
        wide: WideColumns | None = None,
    ):
        self.index = ColumnIndex(columns, wide)
        self.limits = limits
        self.header_search_rows = header_search_rows
        self.style_sample_rows = style_sample_rows
        self.sheet_name: str | None = None
        self.encoding: str | None = None
        self.delimiter: str | None = None
        self.warnings: list[SheetError] = []
        self.skipped = {"blank": 0, "total": 0, "numbering": 0}
        self._workbook: XlsxWorkbook | None = None
        self._worksheet: WorksheetInfo | None = None
        self._raw: Generator[RawRow, None, None] | None = None
        self._rows: Iterator[RawRow] = iter(())
        self._buffered: list[RawRow] = []
        self._title_rows: list[RawRow] = []
        self._iterated = False
        self._source: Source = open_source(source, filename=filename, limits=limits)
        self.format = self._source.kind
        self.filename = self._source.name
        try:
            self._open(sheet)
        except BaseException:
            self.close()
            raise

    # -- opening ---------------------------------------------------------------------------------------------

    def _open(self, sheet: str | int | None) -> None:
        if self.format == "xlsx":
            self._workbook = XlsxWorkbook(self._source.stream, self.limits)
            choices: Sequence[Any] = self._worksheets(sheet)
        else:
            self.encoding = detect_encoding(self._source.stream)
            forced = sep_line(self._source.stream, self.encoding)
            choices = (forced,) if forced else DELIMITERS

        # Each choice (worksheet or separator) is tried on the first rows; every trial is closed before the
        # next one starts (trials share the stream), and the winner is read again from the top.
        best: tuple[HeaderMatch, Any, list[RawRow], int, list[RawRow]] | None = None
        refused: SheetRejected | None = None
        for choice in choices:
            rows = self._rows_of(choice)
            try:
                found = self._find_header(rows)
            except SheetRejected as error:
                if self.format == "xlsx":
                    raise
                refused = refused or error  # a wrong separator may make a line unreadable: try the next one
                continue
            finally:
                rows.close()
            if found is None:
                continue
            match = found[0]
            if best is None or (match.complete, match.score) > (best[0].complete, best[0].score):
                best = (match, choice, *found[1:])
            if match.complete and self.format == "xlsx":
                break
        if best is None and refused is not None:
            raise refused
        if best is None:
            examples = ", ".join(f"“{column.template_header}”" for column in self.index.columns[:4])
            raise SheetRejected.because(
                gettext("No header row found in the first %(rows)d rows: expected column headers such as %(examples)s.")
                % {"rows": self.header_search_rows, "examples": examples}
            )
        # The title rows of the winning trial (a later trial of another separator would have left its own).
        match, choice, self._buffered, last_read, self._title_rows = best
        if self.format == "xlsx":
            self._worksheet = choice
            self.sheet_name = choice.name
        else:
            self.delimiter = choice
        self._raw = self._rows_of(choice)
        self._rows = dropwhile(lambda row: row[0] <= last_read, self._raw)
        errors = match.problems + self.index.missing_errors(match)
        if errors:
            raise SheetRejected(errors)
        self.header_row = match.row
        self.header_rows = match.rows or [match.row]
        self.header_match = match
        self.columns: dict[str, BoundColumn] = match.bound
        self._headers = {key: bound.header for key, bound in match.bound.items()}
        title = title_context([cells for _, cells in self._title_rows])
        self.layout = Layout(match.bound, stt=match.stt, context=title)
        self.warnings = [
            SheetError(
                gettext("Column %(letter)s is not a known column and is ignored.") % {"letter": column_letter(index)},
                row=match.row,
                column=header,
            )
            for index, header in match.unknown
        ]

    def _worksheets(self, sheet: str | int | None) -> list[WorksheetInfo]:
        sheets = self._workbook.sheets
        if sheet is None:
            visible = [info for info in sheets if info.visible]
            return visible or sheets
        if isinstance(sheet, int):
            if 0 <= sheet < len(sheets):
                return [sheets[sheet]]
        else:
            for info in sheets:
                if fold(info.name) == fold(sheet):
                    return [info]
        raise SheetRejected.because(
            gettext("The workbook has no sheet “%(sheet)s”; its sheets are: %(sheets)s.")
            % {"sheet": sheet, "sheets": ", ".join(f"“{info.name}”" for info in sheets)}
        )

    def _rows_of(self, choice: Any) -> Generator[RawRow, None, None]:
        """The raw rows of a worksheet (xlsx) or with a separator (csv), from the top."""
        if self._workbook is not None:
            return self._workbook.rows(choice)
        return csv_rows(self._source.stream, self.encoding or "utf-8", choice, self.limits)

    def _find_header(self, rows: Iterator[RawRow]) -> tuple[HeaderMatch, list[RawRow], int, list[RawRow]] | None:
        """The best header among the first rows with a value, the rows read after it, the last row read, the
        title rows above it.

        A header may be one row, or two or three rows of a report form (merged cells): each block of up to
        three rows is read as one header (`ColumnIndex.match_rows`) when its lower rows are text that belongs
        to it (`_header_block`); the block that names the most columns wins, a longer block on a tie.
        """
        read: list[RawRow] = []
        best: HeaderMatch | None = None
        best_at = 0
        unit = None
        date1904 = self._workbook.date1904 if self._workbook else False
        searched = 0
        recent: list[tuple[int, RawRow]] = []  # (position in `read`, row): the last rows with a value
        self._title_rows: list[RawRow] = []
        for number, cells in rows:
            read.append((number, cells))
            if all(_blank(cell) for cell in cells):
                continue
            searched += 1
            recent = [*recent[-2:], (len(read), (number, cells))]
            for depth in range(1, len(recent) + 1):
                block = [row for _, row in recent[-depth:]]
                if depth > 1 and not _header_like(block[1:], block[0]):
                    break
                match = self.index.match_rows(block, unit, date1904)
                if depth > 1 and not _header_block(match, depth):
                    continue
                if match.score and (best is None or (match.score, len(match.rows)) > (best.score, len(best.rows))):
                    best, best_at = match, len(read)
                    top = recent[-depth][0] - 1
                    self._title_rows = [row for row in read[:top] if not all(_blank(cell) for cell in row[1])]
            if best is None:
                unit = next((found for cell in cells if (found := sheet_unit(cell))), unit)
            if searched >= self.header_search_rows:
                break
        if best is None:
            return None
        return best, read[best_at:], read[-1][0], self._title_rows

    # -- rows ------------------------------------------------------------------------------------------------

    def header_for(self, key: str) -> str:
        """The header of column `key` as the file wrote it, or as the template writes it if it is absent."""
        header = self._headers.get(key)
        if header is not None:
            return header
        column = self.index.by_key.get(key)
        return column.template_header if column else key

    def has_column(self, key: str) -> bool:
        """Whether the file has column `key` (an optional column may be absent: its values are then None)."""
        return key in self.columns

    def __iter__(self) -> Iterator[Row]:
        if self._iterated:
            raise RuntimeError("a SheetReader can be iterated once")
        self._iterated = True
        rows: Iterator[RawRow] = chain(self._buffered, self._rows)
        self._buffered = []
        leading: list[RawRow] = []  # blank rows between the header and the first row with a value
        for number, cells in rows:
            if not all(_blank(cell) for cell in cells):
                if is_numbering_row(cells):
                    self.skipped["numbering"] += 1
                    self.layout.skipped.append((number, "numbering", ""))
                else:
                    leading.append((number, cells))
                break
            leading.append((number, cells))
        rows = chain(leading, rows)
        sample = list(islice(rows, self.style_sample_rows))
        self._vote_styles(sample)
        self._blanks = {column.key: column.blank() for column in self.index.columns}
        self._plan = [
            (key, bound.index, bound.header, bound.column.parser(bound), bound.column.required, bound.column.context)
            for key, bound in self.columns.items()
        ]
        # Required columns the file does not have, whose value the title or a section may give instead.
        self._from_context = [
            (column.key, column.context)
            for column in self.index.columns
            if column.required
            and column.context
            and column.key not in self.columns
            and not (self.header_match.wide and column.key in self.index.wide.replaces)
        ]
        self._width = max((bound.index + 1 for bound in self.columns.values()), default=0)
        layout = self.layout
        rows = chain(sample, rows)
        for number, cells in rows:
            row = self._row(number, cells)
            if row is not None:
                yield row
            elif layout.end is not None:
                break
        for number, cells in rows:  # below the end of the table
            row = self._below(number, cells)
            if row is not None:
                yield row

    def _vote_styles(self, sample: Iterable[RawRow]) -> None:
        numeric = [bound for bound in self.columns.values() if bound.column.numeric]
        for bound in numeric:
            index = bound.index
            texts = (cells[index] for _, cells in sample if index < len(cells) and isinstance(cells[index], str))
            bound.style = NumberStyle.vote(texts)

    def _row(self, number: int, cells: list[Any]) -> Row | None:
        # The hot path of a read: one call per row. A row with every required value and a value in some known
        # column is data; only the others are looked at as the layout of a report form (`layout.Layout`).
        source = cells if len(cells) >= self._width else cells + [None] * (self._width - len(cells))
        values = dict(self._blanks)
        errors: list[SheetError] = []
        missing: list[tuple[str, str]] | None = None
        unreadable: list[str] | None = None
        empty = True
        for key, index, header, parse, required, context in self._plan:
            value = source[index]
            if value.__class__ is str:
                value = value.strip()
                if not value:
                    value = None
                elif value[0] == "'" and len(value) > 1 and value[1] in "=+-@\t\r":
                    value = value[1:]  # an export's formula guard (`escape_cell`)
            if value is None:
                if required:
                    missing = [(header, context)] if missing is None else [*missing, (header, context)]
                continue
            empty = False
            try:
                parsed = parse(value)
            except ValueProblem as problem:
                errors.append(SheetError(problem.message, row=number, column=header))
                unreadable = [key] if unreadable is None else [*unreadable, key]
                continue
            if parsed is None:
                if required:
                    missing = [(header, context)] if missing is None else [*missing, (header, context)]
                continue
            values[key] = parsed
        layout = self.layout
        # A total whose label sits in a column the data fills ("Tổng cộng" under "Mã công trình", every amount
        # given) reads as a complete row: its label says otherwise. Looked at only in a sheet with amounts (a
        # total's figures would be imported): a list without them (households) pays nothing.
        if empty or missing or (layout.tracking and is_total_row(cells)):
            kind = layout.classify(number, cells, values)
            if kind is not None:
                if kind in ("total", "numbering"):
                    self.skipped[kind] += 1
                return None
            if empty:
                self.skipped["blank"] += 1
                return None
        if layout.tracking:
            stt = cells[layout.stt] if layout.stt is not None and layout.stt < len(cells) else None
            context = layout.data(number, values, unreadable or (), stt)
        else:
            context = layout.context
        if missing:
            missing = [(header, key) for header, key in missing if not (key and key in context)]
        if missing or self._from_context:
            required_message = gettext("A value is required.")
            errors.extend(SheetError(required_message, row=number, column=header) for header, _ in missing or ())
            for key, context_key in self._from_context:
                if context_key not in context:
                    errors.append(
                        SheetError(
                            gettext(
                                "A value is required: the file has no such column, and no title or section row "
                                "above this row gives it."
                            ),
                            row=number,
                            column=self.header_for(key),
                        )
                    )
        return Row(number, values, errors, cells, self, context)

    def _below(self, number: int, cells: list[Any]) -> Row | None:
        """A row below the end of the table: not read; an error if it reads as a whole data row."""
        self.layout.after_end(number, cells)
        if all(_blank(cell) for cell in cells):
            return None
        source = cells if len(cells) >= self._width else cells + [None] * (self._width - len(cells))
        for _, index, _, _, required, _ in self._plan:
            if required and _blank(source[index]):
                return None
        end_row, end_text = self.layout.end
        message = gettext(
            "This row is below the end of the table (row %(row)d, “%(text)s”) and is not read: move it into the "
            "table, or delete it."
        ) % {"row": end_row, "text": end_text[:60]}
        return Row(number, dict(self._blanks), [SheetError(message, row=number)], cells, self, self.layout.context)

    def raw_rows(self) -> Iterator[RawRow]:
        """Every row of the chosen sheet from the top (title rows included), as read: for the error file.

        It reads the file again from the top, so it ends the iteration of the reader's rows if one is going on.
        """
        if self._raw is not None:
            self._raw.close()
        return self._rows_of(self._worksheet if self._workbook is not None else self.delimiter)

    # -- closing ---------------------------------------------------------------------------------------------

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
        if self._workbook is not None:
            self._workbook.close()
        self._source.close()

    def __enter__(self) -> SheetReader:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def read_sheet(
    source: Any,
    columns: Sequence[Column],
    *,
    filename: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    sheet: str | int | None = None,
    header_search_rows: int = 30,
    style_sample_rows: int = 1000,
    wide: WideColumns | None = None,
) -> SheetReader | RecordsReader:
    """Open an uploaded .xlsx or .csv for `columns`; iterate the result for its rows. Use it as a context manager.

    `source` is a path, bytes, or a binary file object (Django's UploadedFile); `filename` names it in
    messages. `sheet` forces a worksheet by name or position. Raises `SheetRejected` when the file cannot
    be read: too big, not a spreadsheet, unsafe, no header row, required columns missing.

    `source` may also be `records.Records(items)`: a list of JSON objects read as rows (the API's bulk posts).
    `wide` makes columns from a wide form's headers (`columns.WideColumns`: a capital form's amount columns).
    """
    if isinstance(source, Records):
        return RecordsReader(source, columns, style_sample_rows=style_sample_rows)
    return SheetReader(
        source,
        columns,
        filename=filename,
        limits=limits,
        sheet=sheet,
        header_search_rows=header_search_rows,
        style_sample_rows=style_sample_rows,
        wide=wide,
    )
