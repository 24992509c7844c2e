"""Spreadsheet import: the kinds officials send (works, capital, disbursements, progress, households, ...).

`run_import(kind, file, user=...)` reads the file with `sheets`, checks every row (jurisdiction,
localities, codes, duplicates, locked periods, the services' rules) and writes all rows or none, with one
history record per row written. `ImportResult` is the preview. See docs/import.md.
"""

from .base import ImportContext, ImportKind, ImportResult
from .engine import run_import, write_errors
from .registry import KIND_CLASSES, UnknownKind, get_kind

__all__ = [
    "KIND_CLASSES",
    "ImportContext",
    "ImportKind",
    "ImportResult",
    "UnknownKind",
    "get_kind",
    "run_import",
    "write_errors",
]
