"""What every import kind shares: the result (the preview), the context of one run, the kind's protocol."""

from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kernel.access import ADD, CHANGE, commune_scope, may
from localities.models import Commune
from sheets import Column, ErrorLog, Row, SheetError, WideColumns

MAX_ERRORS = 10_000  # errors kept and shown; a file with more is counted, not listed in full
MAX_NAMED = 1_000  # records named in the preview, of each kind (a register of 100,000 households is counted)
CREATED_LABELS = {
    "villages": gettext_lazy("villages"),
    "yearly statuses": gettext_lazy("yearly poverty statuses"),
    "works": gettext_lazy("works"),
    "households": gettext_lazy("households"),
    "capital entries": gettext_lazy("capital entries"),
}
# The same, after a count: "1 village", "3 villages".
CREATED_COUNTED = {
    "villages": lambda n: ngettext("village", "villages", n),
    "yearly statuses": lambda n: ngettext("yearly poverty status", "yearly poverty statuses", n),
    "works": lambda n: ngettext("work", "works", n),
    "households": lambda n: ngettext("household", "households", n),
    "capital entries": lambda n: ngettext("capital entry", "capital entries", n),
}


def created_label(name: str, count: int) -> str:
    """What was created, after its count: "1 village", "3 villages"."""
    counted = CREATED_COUNTED.get(name)
    return counted(count) if counted else str(CREATED_LABELS.get(name, name))


@dataclass
class ImportResult:
    """What an import found and did: the preview an official reads before and after writing."""

    kind: str
    filename: str = ""
    format: str = ""
    dry_run: bool = False
    skip_duplicates: bool = False
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0
    error_rows: int = 0
    created: dict[str, int] = field(default_factory=dict)  # other rows created on the way: {"villages": 3}
    errors: ErrorLog = field(default_factory=lambda: ErrorLog(MAX_ERRORS))
    duplicates: list[SheetError] = field(default_factory=list)  # skipped on request, listed
    rejected: list[SheetError] = field(default_factory=list)  # the file itself could not be read
    warnings: list[SheetError] = field(default_factory=list)
    # What the import creates, named, by kind ("works", "villages", "households"): {"villages": ["Khau Mu
    # (Xã Mỹ Thanh)"]}; `named_dropped` counts those past MAX_NAMED.
    named: dict[str, list[str]] = field(default_factory=dict)
    named_dropped: dict[str, int] = field(default_factory=dict)
    # How the file was understood (`engine.describe_layout`): the header as read (column → field), the title's
    # context, the sections found, the totals checked, the rows skipped and why; `notes` say it in sentences.
    layout: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    written: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.errors

    def name_created(self, what: str, label: str) -> None:
        """Name one record the import creates, for the preview (`what`: "works", "villages", "households")."""
        names = self.named.setdefault(what, [])
        if len(names) < MAX_NAMED:
            names.append(label)
        else:
            self.named_dropped[what] = self.named_dropped.get(what, 0) + 1

    def unname_created(self, what: str, label: str) -> None:
        """Take back a name: the row that would have created it was refused after all."""
        names = self.named.get(what, [])
        if label in names:
            names.remove(label)
        elif self.named_dropped.get(what):
            self.named_dropped[what] -= 1

    @property
    def imported(self) -> int:
        """Rows written: new and changed rows, once the import committed."""
        return self.new + self.changed if self.written else 0

    def as_dict(self) -> dict[str, Any]:
        def errors(items):
            return [{"row": e.row, "column": e.column, "message": str(e.message)} for e in items]

        return {
            "kind": self.kind,
            "filename": self.filename,
            "format": self.format,
            "dry_run": self.dry_run,
            "skip_duplicates": self.skip_duplicates,
            "rows": self.rows,
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "error_rows": self.error_rows,
            "error_count": len(self.errors),
            "errors_dropped": self.errors.dropped,
            "created": dict(self.created),
            "errors": errors(self.errors),
            "duplicates": errors(self.duplicates),
            "rejected": errors(self.rejected),
            "warnings": errors(self.warnings),
            "named": {what: list(names) for what, names in self.named.items()},
            "named_dropped": dict(self.named_dropped),
            "layout": self.layout,
            "notes": [str(note) for note in self.notes],
            "written": self.written,
            "seconds": round(self.seconds, 3),
        }

    def summary(self) -> list[str]:
        """The preview as lines of text (the command prints them)."""
        lines = []
        if self.rejected:
            lines.append(_("The file was not imported:"))
            lines += [f"  {e}" for e in self.rejected]
            return lines
        lines.append(
            _("%(rows)d rows: %(new)d new, %(changed)d changed, %(unchanged)d unchanged, %(errors)d in error.")
            % {
                "rows": self.rows,
                "new": self.new,
                "changed": self.changed,
                "unchanged": self.unchanged,
                "errors": self.error_rows,
            }
        )
        for name, count in self.created.items():
            if count:
                lines.append(
                    _("Also added: %(count)d %(what)s.") % {"count": count, "what": created_label(name, count)}
                )
        for what, names in self.named.items():
            more = len(names) - 20 + self.named_dropped.get(what, 0)
            if names:
                shown = ", ".join(names[:20]) + (" " + _("and %(count)d more") % {"count": more} if more > 0 else "")
                lines.append(_("New %(what)s: %(names)s.") % {"what": CREATED_LABELS.get(what, what), "names": shown})
        if self.duplicates:
            lines.append(_("%(count)d duplicate rows skipped:") % {"count": len(self.duplicates)})
            lines += [f"  {e}" for e in self.duplicates]
        lines += [f"  {note}" for note in self.notes]
        lines += [f"  {e}" for e in self.warnings]
        if self.errors:
            lines += [f"  {e}" for e in self.errors]
            if self.errors.dropped:
                lines.append(_("… and %(count)d more errors.") % {"count": self.errors.dropped})
        if self.written:
            lines.append(_("Imported."))
        elif self.dry_run and self.ok:
            lines.append(_("Checked only (dry run): nothing was written."))
        else:
            lines.append(_("Nothing was written: fix the rows in error and upload the file again."))
        return lines


class RowRegistry:
    """Which database rows this import wrote, and from which sheet row: in-file duplicates are found by the
    database look-up of a later chunk, and named by the row that came first.

    Two machine-word arrays (12 bytes a row), sorted a chunk at a time: a million rows fit in 12 MB, where a
    set of codes and a set of ID numbers would take over 150 MB.
    """

    def __init__(self):
        self.chunks: list[tuple[array, array]] = []

    def add(self, pairs: list[tuple[int, int]]) -> None:
        if pairs:
            pairs.sort()
            self.chunks.append((array("q", (p for p, _ in pairs)), array("l", (r for _, r in pairs))))

    def row_of(self, pk: int) -> int | None:
        for pks, rows in self.chunks:
            i = bisect.bisect_left(pks, pk)
            if i < len(pks) and pks[i] == pk:
                return rows[i]
        return None


class ImportContext:
    """One run of an import: who imports, what they may change, what has been written so far."""

    def __init__(self, *, user, result: ImportResult, sheet):
        self.user = user
        self.result = result
        self.sheet = sheet
        self.registry = RowRegistry()
        self._allowed = ...

    @property
    def allowed_communes(self) -> set[int] | None:
        """Communes (either map) the user may change rows of; None: the whole country (or the system)."""
        if self._allowed is ...:
            if self.user is None:
                self._allowed = None
            else:
                scope = commune_scope(self.user, "")
                communes = Commune.objects.filter(scope) if scope is not None else None
                self._allowed = None if communes is None else set(communes.values_list("pk", flat=True))
        return self._allowed

    def may_change(self, commune_id: int | None) -> bool:
        allowed = self.allowed_communes
        return allowed is None or commune_id in allowed


class ImportKind:
    """One kind of spreadsheet: its columns, how a row becomes a record, how records are written.

    Subclasses set `name`, `label`, `model`, `columns` and implement `process(chunk, ctx)`, which checks a
    chunk of rows (errors go on the rows), counts new/changed/unchanged/skipped on `ctx.result` and writes
    what it may. The engine runs everything in one transaction and rolls it back if any row is in error
    (or for a dry run), so a kind writes as it goes.
    """

    name: ClassVar[str]
    label: ClassVar[Any]
    model: ClassVar[Any]
    columns: ClassVar[list[Column]]
    # Columns made from a wide form's headers (a capital form's amount columns), or None.
    wide_columns: ClassVar[WideColumns | None] = None
    description: ClassVar[Any] = ""
    chunk_size: ClassVar[int] = 2000
    supports_skip_duplicates: ClassVar[bool] = False

    def required_actions(self) -> tuple[tuple[Any, str], ...]:
        """The (model, action) pairs a user's roles must allow to import this kind at all: adding and
        changing `model` by default. Where the rows go is checked row by row (and again by the services)."""
        return ((self.model, ADD), (self.model, CHANGE))

    def allows(self, user) -> bool:
        """Whether the user may import this kind (`user=None`: the system)."""
        return user is None or all(may(user, action, model) for model, action in self.required_actions())

    def prepare(self, ctx: ImportContext) -> None:
        """Load what the rows will be looked up in (once per import)."""

    def process(self, chunk: list[Row], ctx: ImportContext) -> None:
        raise NotImplementedError

    def finish(self, ctx: ImportContext) -> None:
        """After the last chunk, inside the transaction."""

    def close(self, ctx: ImportContext) -> None:
        """Always, last, inside the transaction (also when an error stops the import): release resources."""
