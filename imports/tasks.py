"""Import jobs: an uploaded spreadsheet is checked (a dry run: the preview), then imported once the official
confirms, in the background, with a progress bar.

Where a job runs (`settings.IMPORT_JOBS_RUNNER`):

- "celery": on a Celery worker (`celery -A config worker`), when CELERY_BROKER_URL is set: production;
- "thread": in one background thread of the web process, the default with no broker, so that a new user
  needs nothing installed. Jobs run one after the other (SQLite takes one writer at a time). It is for one
  machine: a job dies with the process that runs it (a server restart), and with several web processes
  only the one running the job sees its progress bar move (the others show it at the end).
- "sync": in the request itself (the tests).

A job runs twice at most, each time as one transaction of `run_import`: `import_check` (dry run, rolled
back: the preview) and `import_apply` (committed only if no row is in error). Each claims the job with a
conditional UPDATE first, so a task delivered twice, or a double click on "Import", runs once.

Progress goes to the cache, not to the job's row: the import runs inside one transaction, and on PostgreSQL
an UPDATE of the job made inside it would be invisible to the page polling for it until the commit (and
lost with the rollback of a dry run). A cache write is seen at once: local memory is shared by the threads
of the web process (the thread runner); with Celery workers the cache must be shared too (CACHE_URL, a
Redis), which the system check `imports.W001` reminds. The job's row gets the final figures at the end.

A job dies with the process running it (a restart, a crash, a Celery worker killed): its transaction is rolled
back, so nothing of it is written, but its row still says "checking" or "importing". So the process holding a
job (queued in its thread, or running) writes a beat every `BEAT_EVERY` seconds to a file beside the uploads,
MEDIA_ROOT/imports/running/<job>.json (its host, process id and a token of the process), which every web
process and worker sees, as they see the uploaded files. A job whose beat is older than `BEAT_STALE_AFTER`,
or whose process is gone from this host, is stopped: when the jobs list, the job's page or its progress is
read, it is marked failed ("stopped") with a message, and its owner may delete it and its file. A job with
no beat (queued in Celery's broker, say) is stopped after `STALE_AFTER`, as before.

A file refused whole (not a spreadsheet, a safety limit, no header row) is deleted at once: it holds personal
data and there is nothing to give back. A file with errors in its rows is kept for the file of errors.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import queue
import re
import socket
import threading
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

from celery import shared_task
from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sheets import SheetError, SheetRejected
from sheets.safety import DEFAULT_LIMITS, open_source
from sheets.xlsx import XlsxWorkbook

from .base import ImportResult
from .choices import RUNNING_IMPORT_STATUSES, ImportJobStatusChoices
from .engine import run_import, write_errors
from .models import ImportJob
from .registry import get_kind

logger = logging.getLogger(__name__)
Status = ImportJobStatusChoices

PROGRESS_EVERY = 0.5  # seconds between two progress writes
PROGRESS_TTL = 24 * 3600
# A job still running after this is taken as stopped (its process was killed or restarted; its transaction
# was rolled back, so nothing of it was written).
STALE_AFTER = datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 600)
BEAT_EVERY = 10  # seconds between two beats of the process holding a job
BEAT_STALE_AFTER = 90  # seconds without a beat: the process holding the job is gone


# -- starting, confirming, deleting ---------------------------------------------------------------------------


def import_job_create(*, user, kind: str, upload, skip_duplicates: bool = False) -> ImportJob:
    """Store an uploaded file as a job of `kind` for `user` and queue its check (the preview)."""
    import_kind = get_kind(kind)
    job = ImportJob(
        user=user,
        kind=import_kind.name,
        filename=(getattr(upload, "name", "") or "")[:255],
        skip_duplicates=bool(skip_duplicates and import_kind.supports_skip_duplicates),
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    with transaction.atomic():
        job.file.save(job.filename or "upload", upload, save=False)
        job.save()
    _dispatch(job.pk, apply=False)
    return job


def import_job_confirm(*, job: ImportJob) -> bool:
    """Queue the import of a checked job (the official confirmed the preview). False if it is not checked
    (already confirmed, refused, or still running)."""
    queued = ImportJob.objects.filter(pk=job.pk, status=Status.CHECKED).update(
        status=Status.QUEUED, confirmed_at=timezone.now(), rows_done=0, started_at=None, finished_at=None
    )
    if queued:
        _dispatch(job.pk, apply=True)
    return bool(queued)


def import_job_delete(*, job: ImportJob) -> None:
    """Delete a job and its stored file (which holds personal data)."""
    if job.file:
        job.file.delete(save=False)
    _beats.forget(job.pk)
    job.delete()


def import_jobs_stop_stale(jobs) -> int:
    """Mark stopped each running job of `jobs` whose process is gone (`job_is_stale`); how many.

    Its transaction was rolled back with its process: nothing of it was written, which the message says.
    """
    stopped = 0
    for job in jobs:
        if not job_is_stale(job):
            continue
        with translation.override(job.language or settings.LANGUAGE_CODE):
            message = _(
                "The job stopped: the process running it ended (a restart or a crash) before it finished, and "
                "nothing was written. Upload the file again."
            )
        now = timezone.now()
        if ImportJob.objects.filter(pk=job.pk, status__in=RUNNING_IMPORT_STATUSES).update(
            status=Status.STOPPED, finished_at=now, error=message
        ):
            logger.warning("Import job %s stopped with its process (status was %s)", job.pk, job.status)
            job.status, job.finished_at, job.error = Status.STOPPED, now, message
            stopped += 1
        _beats.forget(job.pk)
    return stopped


def _dispatch(job_id: int, *, apply: bool) -> None:
    runner = settings.IMPORT_JOBS_RUNNER
    if runner == "sync":
        import_job_run(job_id, apply=apply)
    elif runner == "thread":
        transaction.on_commit(lambda: _thread_submit(job_id, apply))
    elif runner == "celery":
        transaction.on_commit(lambda: _celery_submit(job_id, apply))
    else:
        raise ImproperlyConfigured(f"IMPORT_JOBS_RUNNER is {runner!r}: use 'celery', 'thread' or 'sync'.")


def _celery_submit(job_id: int, apply: bool) -> None:
    try:
        (import_apply if apply else import_check).delay(job_id)
    except Exception:  # the broker is down: say so on the job rather than answering 500
        logger.exception("Import job %s could not be queued", job_id)
        ImportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
            status=Status.FAILED,
            finished_at=timezone.now(),
            error=_("The job could not be queued: the task queue is not reachable. Nothing was written."),
        )


# The thread runner: one daemon thread takes the jobs one after the other.
_jobs: queue.SimpleQueue = queue.SimpleQueue()
_worker: threading.Thread | None = None
_worker_lock = threading.Lock()


def _thread_submit(job_id: int, apply: bool) -> None:
    global _worker
    _beats.hold(job_id)  # queued in this process's memory: it dies with the process
    _jobs.put((job_id, apply))
    with _worker_lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_thread_loop, name="ntp-import-jobs", daemon=True)
            _worker.start()


def _thread_loop() -> None:
    while True:
        job_id, apply = _jobs.get()
        close_old_connections()
        try:
            import_job_run(job_id, apply=apply)
        except Exception:  # never let one job stop the thread
            logger.exception("Import job %s", job_id)
        finally:
            connections.close_all()


# -- the tasks -----------------------------------------------------------------------------------------------


@shared_task(name="imports.import_check")
def import_check(job_id: int) -> None:
    """Check an uploaded file (a dry run): the preview."""
    import_job_run(job_id, apply=False)


@shared_task(name="imports.import_apply")
def import_apply(job_id: int) -> None:
    """Import a checked file: every row or none."""
    import_job_run(job_id, apply=True)


def import_job_run(job_id: int, *, apply: bool) -> None:
    """Check (`apply=False`) or import a queued job, and store the result on it."""
    claimed = ImportJob.objects.filter(pk=job_id, status=Status.QUEUED, confirmed_at__isnull=not apply).update(
        status=Status.IMPORTING if apply else Status.CHECKING,
        started_at=timezone.now(),
        finished_at=None,
        rows_done=0,
        error="",
    )
    if not claimed:
        logger.info("Import job %s: not queued for %s, skipped", job_id, "import" if apply else "check")
        _beats.release(job_id)
        return
    _beats.hold(job_id)
    try:
        _run_claimed(job_id, apply=apply)
    finally:
        _beats.release(job_id)


def _run_claimed(job_id: int, *, apply: bool) -> None:
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    progress = ProgressWriter(job.pk)
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE), job.file.open("rb") as source:
            if job.rows_total is None:
                job.rows_total = estimate_rows(source)
                ImportJob.objects.filter(pk=job.pk).update(rows_total=job.rows_total)
                source.seek(0)
            result = run_import(
                job.kind,
                source,
                user=job.user,
                filename=job.filename,
                dry_run=not apply,
                skip_duplicates=job.skip_duplicates,
                progress=progress,
            )
    except Exception as error:
        logger.exception("Import job %s stopped", job_id)
        with translation.override(job.language or settings.LANGUAGE_CODE):
            message = _(
                "The job stopped on an unexpected error (%(error)s); nothing was written. Upload the file again; "
                "if it happens again, tell an administrator (import no. %(job)d)."
            ) % {"error": type(error).__name__, "job": job_id}
        ImportJob.objects.filter(pk=job_id).update(status=Status.FAILED, finished_at=timezone.now(), error=message)
        return
    finally:
        progress.clear()
    if apply:
        status = Status.DONE if result.written else Status.REFUSED
    else:
        status = Status.CHECKED if result.ok else Status.REFUSED
    cleared = {}
    if result.rejected and job.file:  # refused whole: nothing to give back, and it holds personal data
        job.file.delete(save=False)
        cleared = {"file": ""}
    ImportJob.objects.filter(pk=job_id).update(
        status=status,
        result=result.as_dict(),
        rows_done=result.rows,
        rows_total=result.rows,
        finished_at=timezone.now(),
        **cleared,
    )


# -- progress ---------------------------------------------------------------------------------------------------


def _progress_key(job_id: int) -> str:
    return f"ntp:import-job:{job_id}:rows"


class ProgressWriter:
    """The engine's progress callback: rows read so far, to the cache, at most every PROGRESS_EVERY seconds."""

    def __init__(self, job_id: int):
        self.key = _progress_key(job_id)
        self.last = 0.0
        self.failed = False

    def __call__(self, rows_done: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY or self.failed:
            return
        self.last = now
        try:
            cache.set(self.key, rows_done, PROGRESS_TTL)
        except Exception:  # a cache that is down costs the progress bar, never the import
            logger.warning("Import progress not written to the cache", exc_info=True)
            self.failed = True

    def clear(self) -> None:
        try:
            cache.delete(self.key)
        except Exception:
            logger.warning("Import progress not cleared from the cache", exc_info=True)


def job_rows_done(job: ImportJob) -> int:
    """Rows read so far: from the cache while the job runs, from the job's row once it has finished."""
    if not job.is_running:
        return job.rows_done
    try:
        cached = cache.get(_progress_key(job.pk))
    except Exception:
        cached = None
    return max(job.rows_done, cached or 0)


def job_is_stale(job: ImportJob) -> bool:
    """Whether a job said to be queued or running is held by no process any more (see the module docstring):
    its beat is older than `BEAT_STALE_AFTER`, or names a process of this host that is gone; without a beat,
    it has been running for longer than any job may (`STALE_AFTER`)."""
    if not job.is_running:
        return False
    beat = _beats.read(job.pk)
    if beat is None:
        since = job.started_at or job.created_at
        return since is not None and timezone.now() - since > STALE_AFTER
    if time.time() - beat.get("at", 0) > BEAT_STALE_AFTER:
        return True
    return beat.get("host") == _HOST and not _process_alive(beat.get("pid"), beat.get("token"))


# -- beats: which process holds a job -------------------------------------------------------------------------

_HOST = socket.gethostname()
_TOKEN = uuid.uuid4().hex  # this process, even when a restarted one has the same pid (PID 1 in a container)


def _process_alive(pid: Any, token: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    if pid == os.getpid():
        return token == _TOKEN
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


class _Beats:
    """The beats of the jobs this process holds: a file per job, rewritten every BEAT_EVERY seconds by one thread."""

    def __init__(self) -> None:
        self.held: set[int] = set()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    @staticmethod
    def path(job_id: int) -> Path:
        return Path(settings.MEDIA_ROOT) / "imports" / "running" / f"{job_id}.json"

    def hold(self, job_id: int) -> None:
        with self.lock:
            self.held.add(job_id)
            if settings.IMPORT_JOBS_RUNNER != "sync" and (self.thread is None or not self.thread.is_alive()):
                self.thread = threading.Thread(target=self._loop, name="ntp-import-beats", daemon=True)
                self.thread.start()
        self.write(job_id)

    def release(self, job_id: int) -> None:
        with self.lock:  # not while the beats are written: none is written again after this
            self.held.discard(job_id)
            self.forget(job_id)

    def write(self, job_id: int) -> None:
        path = self.path(job_id)
        beat = {"host": _HOST, "pid": os.getpid(), "token": _TOKEN, "at": time.time()}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{path.name}.{_TOKEN}")
            partial.write_text(json.dumps(beat))
            os.replace(partial, path)  # readers never see half a beat
        except OSError:
            logger.warning("Import job %s: its beat could not be written", job_id, exc_info=True)

    def read(self, job_id: int) -> dict | None:
        try:
            beat = json.loads(self.path(job_id).read_text())
        except (OSError, ValueError):
            return None
        return beat if isinstance(beat, dict) else None

    def forget(self, job_id: int) -> None:
        try:
            self.path(job_id).unlink(missing_ok=True)
        except OSError:
            logger.warning("Import job %s: its beat could not be removed", job_id, exc_info=True)

    def _loop(self) -> None:
        while True:
            time.sleep(BEAT_EVERY)
            with self.lock:
                for job_id in self.held:
                    self.write(job_id)


_beats = _Beats()


# -- the file back with its errors ------------------------------------------------------------------------------


def job_result(job: ImportJob) -> ImportResult | None:
    """The job's stored result as an `ImportResult` (errors and duplicates as `SheetError`s)."""
    data = job.result
    if not data:
        return None
    result = ImportResult(kind=job.kind, filename=data.get("filename", ""), format=data.get("format", ""))
    for name in ("rows", "new", "changed", "unchanged", "skipped", "error_rows"):
        setattr(result, name, data.get(name, 0))
    result.dry_run = data.get("dry_run", False)
    result.written = data.get("written", False)
    result.created = dict(data.get("created", {}))
    result.errors.extend(_sheet_errors(data.get("errors", [])))
    result.errors.dropped = data.get("errors_dropped", 0)
    result.duplicates = _sheet_errors(data.get("duplicates", []))
    result.rejected = _sheet_errors(data.get("rejected", []))
    result.warnings = _sheet_errors(data.get("warnings", []))
    result.named = {what: list(names) for what, names in data.get("named", {}).items()}
    result.named_dropped = dict(data.get("named_dropped", {}))
    return result


def _sheet_errors(items: list[dict]) -> list[SheetError]:
    return [SheetError(item["message"], row=item.get("row"), column=item.get("column")) for item in items]


def job_error_file(job: ImportJob, out: BinaryIO) -> str:
    """Write the job's file back with an error column (same format as uploaded) to `out`; its format."""
    result = job_result(job)
    with job.file.open("rb") as source:
        write_errors(job.kind, source, result, out, filename=job.filename)
    return result.format or "xlsx"


# -- how many rows, before reading them ---------------------------------------------------------------------------

_DIMENSION = re.compile(rb"<(?:\w{1,10}:)?dimension\s+ref=\"[A-Z]*(\d*)(?::[A-Z]*(\d+))?\"")
_ROW = re.compile(rb"<(?:\w{1,10}:)?row[\s>]")
_SHEET_DATA = re.compile(rb"<(?:\w{1,10}:)?sheetData[\s>/]")
_CHUNK = 1024 * 1024
_COUNT_AT_MOST = 64 * 1024 * 1024  # bytes of a sheet whose rows are counted; the rest is extrapolated


def estimate_rows(source: Any) -> int | None:
    """About how many data rows a file has (the header row taken off), fast and in bounded memory: a .csv's
    line feeds counted, an .xlsx's last row from its sheet's `<dimension ref="A1:M5001">` or, when the
    writer left that out, its `<row` elements counted as the sheet's XML streams out of the zip. None when
    the file cannot be read (the import will say why)."""
    try:
        opened = open_source(source)
    except SheetRejected:
        return None
    try:
        if opened.kind == "csv":
            return max(_count_lines(opened.stream) - 1, 0)
        workbook = XlsxWorkbook(opened.stream, DEFAULT_LIMITS)
        try:
            sheets = [info for info in workbook.sheets if info.visible] or workbook.sheets
            return max(max(_sheet_rows(workbook.zip, info.path) for info in sheets) - 1, 0)
        finally:
            workbook.close()
    except (SheetRejected, zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError):
        return None
    finally:
        opened.close()


def _count_lines(stream: BinaryIO) -> int:
    stream.seek(0)
    lines, last = 0, b""
    while chunk := stream.read(_CHUNK):
        lines += chunk.count(b"\n")
        last = chunk
    return lines + (1 if last and not last.endswith(b"\n") else 0)


def _sheet_rows(archive: zipfile.ZipFile, path: str) -> int:
    with archive.open(path) as member:
        head = member.read(64 * 1024)
        data_at = _SHEET_DATA.search(head)
        found = _DIMENSION.search(head, 0, data_at.start() if data_at else len(head))
        if found and (found.group(2) or found.group(1)):
            last = int(found.group(2) or found.group(1))
            if last > 1:
                return last
        # No dimension (or "A1", as streaming writers put): count the rows, keeping a tail across chunks
        # so that a tag cut in two is counted once; past _COUNT_AT_MOST, by the share of the sheet read.
        count, buffer, read = 0, head, len(head)
        while True:
            end = 0
            for match in _ROW.finditer(buffer):
                count += 1
                end = match.end()
            buffer = buffer[max(end, len(buffer) - 16) :]
            if read >= _COUNT_AT_MOST:
                return count * archive.getinfo(path).file_size // read
            chunk = member.read(_CHUNK)
            if not chunk:
                return count
            read += len(chunk)
            buffer += chunk


# -- configuration ----------------------------------------------------------------------------------------------


@checks.register()
def check_progress_cache(app_configs, **kwargs):
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.IMPORT_JOBS_RUNNER == "celery" and backend.endswith(("LocMemCache", "DummyCache")):
        return [
            checks.Warning(
                "Imports run on Celery workers but the cache is local to each process: the import progress bar "
                "will not move.",
                hint="Set CACHE_URL to a Redis (e.g. redis://127.0.0.1:6379/1) shared by the web and the workers.",
                id="imports.W001",
            )
        ]
    return []
