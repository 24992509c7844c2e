"""Running an import: read, check, write in one transaction, and keep it only if every row was right.

The rows are read as a stream, checked and written a chunk at a time inside one transaction; at the end the
transaction is committed only if no row was in error and it was not a dry run. So:

- all or nothing: an error anywhere (or the process killed half-way) leaves no row and no history;
- the preview is exact: a dry run does everything but commit, so database checks (unique codes, a
  household registered by another import a second ago) are in it too;
- memory stays bounded: a chunk of rows at a time, plus 12 bytes per written row (`RowRegistry`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kernel.history import ChangePathChoices, change_path
from sheets import SheetError, SheetRejected, read_sheet, write_error_file
from sheets.xlsx import column_letter

from .base import ImportContext, ImportKind, ImportResult
from .registry import get_kind

Progress = Callable[[int], None]


class _Rollback(Exception):
    pass


def run_import(
    kind: str | ImportKind,
    source: Any,
    *,
    user=None,
    filename: str | None = None,
    dry_run: bool = False,
    skip_duplicates: bool = False,
    progress: Progress | None = None,
    path: str = ChangePathChoices.IMPORT,
) -> ImportResult:
    """Import a spreadsheet of `kind` as `user` (None: the system, e.g. a command run by the operator).

    `source` is a path, bytes or a binary file, or `sheets.Records` (the API's bulk posts). Returns the
    preview; `result.written` says whether the rows were kept. Never raises for a bad file or bad rows: they
    are in `result.rejected` / `result.errors`. `path` is the change path history records (the API passes
    its own).
    """
    kind = get_kind(kind) if isinstance(kind, str) else kind
    result = ImportResult(kind=kind.name, dry_run=dry_run, skip_duplicates=skip_duplicates, filename=filename or "")
    started = time.perf_counter()
    if not kind.allows(user):
        result.rejected.append(
            SheetError(_("You may not import %(kind)s: your role does not allow it.") % {"kind": kind.label})
        )
        return result
    if skip_duplicates and not kind.supports_skip_duplicates:
        skip_duplicates = result.skip_duplicates = False
    try:
        with change_path(path), read_sheet(source, kind.columns, filename=filename, wide=kind.wide_columns) as sheet:
            result.filename = sheet.filename or result.filename
            result.format = sheet.format
            result.warnings = list(sheet.warnings)
            ctx = ImportContext(user=user, result=result, sheet=sheet)
            ctx.skip_duplicates = skip_duplicates
            try:
                with transaction.atomic():
                    try:
                        _run(kind, sheet, ctx, progress)
                        describe_layout(sheet, result)
                    finally:
                        kind.close(ctx)
                    if result.errors or dry_run:
                        raise _Rollback
                    result.written = True
            except _Rollback:
                pass
    except SheetRejected as rejected:
        result.rejected = list(rejected.errors)
    result.seconds = time.perf_counter() - started
    return result


def _run(kind: ImportKind, sheet, ctx: ImportContext, progress: Progress | None) -> None:
    kind.prepare(ctx)
    chunk = []
    for row in sheet:
        chunk.append(row)
        if len(chunk) >= kind.chunk_size:
            _process(kind, chunk, ctx)
            chunk = []
            if progress:
                progress(ctx.result.rows)
    if chunk:
        _process(kind, chunk, ctx)
    kind.finish(ctx)
    if progress:
        progress(ctx.result.rows)


def _process(kind: ImportKind, chunk, ctx: ImportContext) -> None:
    result = ctx.result
    result.rows += len(chunk)
    kind.process(chunk, ctx)
    for row in chunk:
        if row.errors:
            result.error_rows += 1
            result.errors.extend(row.errors)


def describe_layout(sheet, result: ImportResult) -> None:
    """Put on the result how the file was understood (the preview shows it): the header as read, the title's
    context, sections, totals checked (a mismatch is a warning naming the section and both figures), rows left
    out and why; a heading with nothing under it that is numbered like the data rows is an error."""
    layout = getattr(sheet, "layout", None)
    if layout is None:  # records (the API's bulk posts) have no layout
        return
    match = sheet.header_match
    columns = [
        {
            "letter": bound.letter,
            "header": bound.header,
            "field": key,
            "label": bound.column.header,
            "unit": bound.unit.label if bound.unit is not None else "",
            "how": match.how.get(key, "single"),
        }
        for key, bound in sorted(sheet.columns.items(), key=lambda item: item[1].index)
    ]
    result.layout = {
        "header_rows": list(sheet.header_rows),
        "columns": columns,
        "ignored": [{"letter": column_letter(index), "header": header} for index, header in match.unknown],
        "stt": column_letter(match.stt) if match.stt is not None else None,
        **layout.describe(),
    }
    notes, warnings = layout.messages()
    if len(sheet.header_rows) > 1:
        notes.insert(
            0,
            _("The header is read over rows %(first)d–%(last)d (merged cells): %(columns)s.")
            % {
                "first": sheet.header_rows[0],
                "last": sheet.header_rows[-1],
                "columns": "; ".join(f"{c['letter']} “{c['header']}” → {c['label']}" for c in columns),
            },
        )
    if layout.title:
        notes.insert(
            0,
            _("The title says, for every row: %(context)s.")
            % {"context": "; ".join(f"{CONTEXT_LABELS.get(k, k)}: {v}" for k, v in result.layout["context"].items())},
        )
    result.notes = [*notes, *result.notes]  # the kind's own notes (a wide form's columns) after the layout's
    result.warnings.extend(SheetError(w["message"], row=w["row"], column=w.get("column")) for w in warnings)
    for number, label in layout.errors:
        result.errors.add(
            SheetError(
                _(
                    "This row has only “%(label)s” and no row is numbered under it: if it is a data row, fill in "
                    "its values; if it is a heading, number the rows under it (1.1, 1.2) or take its number off."
                )
                % {"label": label},
                row=number,
            )
        )
        result.error_rows += 1


CONTEXT_LABELS = {
    "province": _lazy("province"),
    "district": _lazy("district"),
    "commune": _lazy("commune"),
    "program": _lazy("program"),
    "component": _lazy("component"),
    "year": _lazy("year"),
    "as_of": _lazy("as of"),
    "decided_on": _lazy("decision date"),
    "group": _lazy("group"),
}


def write_errors(kind: str | ImportKind, source: Any, result: ImportResult, out: Any, *, filename: str | None = None):
    """The uploaded file back, with an error column on every row in error (same format as uploaded)."""
    kind = get_kind(kind) if isinstance(kind, str) else kind
    with read_sheet(source, kind.columns, filename=filename, wide=kind.wide_columns) as sheet:
        write_error_file(sheet, [*result.errors, *result.duplicates], out)
