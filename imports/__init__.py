"""Spreadsheet import, as its own part: the engine, the job model, the pages and the background tasks.

- `engine.run_import(kind, file, user=...)` reads the file with `sheets`, checks every row (jurisdiction,
  localities, codes, duplicates, locked periods, the services' rules) and writes all rows or none, with one
  history record per row written; `base.ImportResult` is the preview. `bulk` writes many rows with their
  history in a few statements; `lookups` finds units and villages by code or name.
- The kinds (what a file holds: works, capital, households, ...) belong to the apps whose data they write:
  each app lists them in `<app>/import_kinds/` (`IMPORT_KINDS`), collected by `registry`. A kind calls the
  app's services, as the admin does.
- `models.ImportJob` (an uploaded file, its check and its import), `admin` (upload, preview, progress,
  confirm), `tasks` (where a job runs: Celery, a thread, or the request), the commands `import_sheet` and
  `sheet_template`.

See docs/import.md.
"""
