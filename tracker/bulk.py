"""Recording many progress reports or disbursements at once (the API's bulk posts), as the import records them.

    result = record_many("progress", items, user=request.user, dry_run=False, atomic=True)
    result.as_dict()  # {"created": 480, "unchanged": 20, "refused": 0, "errors": [], "written": True, ...}

The items run through the spreadsheet import itself (`imports.engine.run_import` on a `sheets.Records`
source): the same import kind checks them (`tracker.import_kinds.progress`, `.capital`), the same services
write them, with the same rules, jurisdiction checks and messages, in the caller's language. History
records the path "api" and the caller.

An item is an object whose keys are the import's column keys (the names below); `work_id` may replace
`work`. Typed JSON values are taken exactly (numbers, ISO dates "2026-11-05", amounts as whole đồng); text
is read as officials write it in a sheet ("05/11/2026", "200.000"): see `sheets.records`.

- `progress`: `work` (the work's code) or `work_id`, `reported_on` (date), `progress_percent` (0-100),
  `status` (a work status: its code, e.g. "construction", or its label), and optionally `quantity_done` (in
  the work's capacity unit), `capacity_unit` (if given, the work's unit), `note`. A work has one report a
  day: the work and date identify a report. Posting a report already recorded with the same figures is
  "unchanged" (so a retried post writes nothing twice); with other figures it is refused.
- `disbursements`: `work` or `work_id`, `voucher_number`, `paid_on` (date), and for a payment `year` (the
  plan year), `source` (e.g. "central"), `capital_type` ("investment" or "recurrent"), `amount` (đồng,
  positive); a reversal gives `reverses` (the voucher it cancels, also its `voucher_number`) and says why in
  `note`. A work's voucher identifies a payment: a payment already recorded with the same values is
  "unchanged".

The answer (`BulkResult`) counts what the request did (or, for a dry run, would do): `created`, `unchanged`
and `refused` items, and lists each refused item's errors as {index, field, code, message}: `index` is the
item's position in the list (a message naming "row N" names item N), `field` its key (None for the whole
item), `code` "required", "invalid" (a value that cannot be read), "refused" (a rule refused it) or
"permission_denied" (the caller's role may not record this kind at all: no item is recorded).

- `atomic=True` (the default): all or nothing, as an import: one refused item and nothing is written
  (`created` is then 0; the errors are the ones to fix).
- `atomic=False`: per item: the items that can be recorded are, the others are listed. The import is all
  or nothing, so a post with refused items runs again without them (their writes were rolled back), until a
  run refuses no item: an item may depend on another (a reversal on the payment it cancels).
- `dry_run=True`: everything is checked in the database and rolled back: the answer is the one the same
  post would get, with `written` False.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from imports.engine import run_import
from imports.registry import get_kind
from kernel.filters import KeyField
from kernel.history import ChangePathChoices
from sheets import RecordError, Records

from .models import Work

BULK_KINDS = ("progress", "disbursements")  # the import kinds a bulk post may record


@dataclass
class BulkResult:
    """What a bulk post did (or, for a dry run, would do) with its items."""

    kind: str
    items: int = 0
    created: int = 0
    unchanged: int = 0
    refused: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # {index, field, code, message}, by index
    warnings: list[dict[str, Any]] = field(default_factory=list)  # fields no column has, ignored
    written: bool = False
    dry_run: bool = False
    atomic: bool = True
    denied: bool = False  # the caller may not record this kind at all
    runs: int = 0  # passes of the import (more than one only for a per-item post with refused items)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "items": self.items,
            "created": self.created,
            "unchanged": self.unchanged,
            "refused": self.refused,
            "errors": [dict(error) for error in self.errors],
            "warnings": [dict(warning) for warning in self.warnings],
            "written": self.written,
            "dry_run": self.dry_run,
            "atomic": self.atomic,
        }


def _error(index: int | None, field_name: str | None, code: str, message: Any) -> dict[str, Any]:
    return {"index": index, "field": field_name, "code": code, "message": str(message)}


def _resolve_work_ids(items: list[Any], errors: dict[int, list[dict]]) -> tuple[list[Any], set[int]]:
    """Items giving `work_id` get the work's `work` code (one query); an unknown id is an error of the item.

    Returns the items to import and the indices of those that named their work by id (whose errors on
    `work` are reported on `work_id`)."""
    by_id: dict[int, list[int]] = {}
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("work_id") is not None and item.get("work") is None:
            work_id = item["work_id"]
            if isinstance(work_id, int) and not isinstance(work_id, bool):
                by_id.setdefault(work_id, []).append(index)
            else:
                message = _("Expected the id of a work (a whole number); found “%(value)s”.") % {"value": work_id}
                errors.setdefault(index, []).append(_error(index, "work_id", "invalid", message))
    if not by_id:
        return items, set()
    # A key beyond a signed 64-bit integer names no work (and SQLite cannot even compare it).
    keys = [work_id for work_id in by_id if abs(work_id) <= KeyField.LARGEST]
    codes = dict(Work.objects.filter(pk__in=keys).values_list("pk", "code"))
    resolved = list(items)
    named = set()
    for work_id, indices in by_id.items():
        for index in indices:
            if work_id in codes:
                item = {key: value for key, value in items[index].items() if key != "work_id"}
                item["work"] = codes[work_id]
                resolved[index] = item
                named.add(index)
            else:
                message = _("No work has the id %(id)d.") % {"id": work_id}
                errors.setdefault(index, []).append(_error(index, "work_id", "invalid", message))
    return resolved, named


def record_many(kind: str, items: list[dict], *, user, dry_run: bool = False, atomic: bool = True) -> BulkResult:
    """Record `items` of `kind` ("progress" or "disbursements") as `user`; see the module docstring.

    Never raises for bad items: they are in `result.errors`. Raises ValueError for another kind.
    """
    if kind not in BULK_KINDS:
        raise ValueError(f"record_many records {' or '.join(BULK_KINDS)}, not {kind!r}")
    items = list(items)
    result = BulkResult(kind=kind, items=len(items), dry_run=dry_run, atomic=atomic)
    import_kind = get_kind(kind)
    if not import_kind.allows(user):
        # The import's own refusal (the engine says the same): the role may not record this kind at all.
        message = _("You may not import %(kind)s: your role does not allow it.") % {"kind": import_kind.label}
        result.denied = True
        result.errors = [_error(None, None, "permission_denied", message)]
        result.refused = len(items)
        return result
    errors: dict[int, list[dict]] = {}
    items, by_id = _resolve_work_ids(items, errors)
    active = [index for index in range(len(items)) if index not in errors]
    if atomic and errors:
        dry_run = True  # nothing will be written: the other items are still checked, for every error at once
    clean = None  # the run that refused no item
    while active:
        run = run_import(
            kind,
            Records([items[index] for index in active], indices=active),
            user=user,
            dry_run=dry_run,
            path=ChangePathChoices.API,
        )
        result.runs += 1
        if run.rejected:
            result.denied = True
            result.errors = [_error(None, None, "permission_denied", e.message) for e in run.rejected]
            result.refused = len(items)
            return result
        if result.runs == 1:
            result.warnings = [_error(w.row, w.column, "unknown_field", w.message) for w in run.warnings]
        refused = set()
        for error in run.errors:
            index = error.row
            name = "work_id" if error.column == "work" and index in by_id else error.column
            code = error.code if isinstance(error, RecordError) else "refused"
            errors.setdefault(index, []).append(_error(index, name, code, error.message))
            refused.add(index)
        if not refused:
            clean = run
            break
        if atomic:
            result.unchanged = run.unchanged
            break
        active = [index for index in active if index not in refused]
    result.errors = [error for index in sorted(errors, key=lambda i: (i is None, i)) for error in errors[index]]
    result.refused = len(errors)
    if clean is not None:
        result.unchanged = clean.unchanged
        if not (atomic and errors):
            result.created = clean.new + clean.changed
            result.written = clean.written
    return result
