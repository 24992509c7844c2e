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

from kernel.history import ChangePathChoices, change_path
from sheets import SheetError, SheetRejected, read_sheet, write_error_file

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
        with change_path(path), read_sheet(source, kind.columns, filename=filename) as sheet:
            result.filename = sheet.filename or result.filename
            result.format = sheet.format
            result.warnings = list(sheet.warnings)
            ctx = ImportContext(user=user, result=result, sheet=sheet)
            ctx.skip_duplicates = skip_duplicates
            try:
                with transaction.atomic():
                    try:
                        _run(kind, sheet, ctx, progress)
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


def write_errors(kind: str | ImportKind, source: Any, result: ImportResult, out: Any, *, filename: str | None = None):
    """The uploaded file back, with an error column on every row in error (same format as uploaded)."""
    kind = get_kind(kind) if isinstance(kind, str) else kind
    with read_sheet(source, kind.columns, filename=filename) as sheet:
        write_error_file(sheet, [*result.errors, *result.duplicates], out)
