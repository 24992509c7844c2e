"""Uploads refused leave no file behind; a job whose process died shows "stopped" and can be deleted with its file.

Jobs run in the request (IMPORT_JOBS_RUNNER = "sync", from test_import_jobs); the beats of running jobs are
written by hand where a test needs a process that is alive, gone, or silent."""

import json
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from imports import tasks
from imports.choices import ImportJobStatusChoices as Status
from imports.models import ImportJob
from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from tests.sheets.files import hand_made_xlsx
from tests.tracker.factories import EthnicGroupFactory

from .test_import_jobs import HEADER, add_url, csv_file, household_rows, list_url, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def jobs_in_the_request(settings, tmp_path):
    settings.IMPORT_JOBS_RUNNER = "sync"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def official(world, make_official, client):
    """A province official of P1 (data entry), logged in."""
    EthnicGroupFactory()
    user = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    client.force_login(user)
    return user


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT / "imports"
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []


def deeply_nested_xlsx() -> bytes:
    data = hand_made_xlsx([HEADER, ["IMP-1"] + ["x"] * 8])
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.endswith("sheet1.xml"):
                content = content.replace(b"</sheetData>", b"</sheetData>" + b"<a>" * 200 + b"</a>" * 200)
            target.writestr(info.filename, content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "This is not an .xlsx or .csv file."),
        (
            "long.csv",
            ",".join(HEADER).encode() + b"\r\nIMP-1," + b"x" * 200_000 + b"\r\n",
            "This row is longer than 147.452 characters",
        ),
        ("nested.xlsx", deeply_nested_xlsx(), "elements nested more than 64 deep"),
    ],
    ids=["not-a-spreadsheet", "csv-row-too-long", "xml-nested"],
)
def test_a_file_refused_at_the_check_is_deleted(official, client, settings, name, data, message):
    job = upload(client, SimpleUploadedFile(name, data))
    job.refresh_from_db()
    assert job.status == Status.REFUSED
    assert message in job.result["rejected"][0]["message"]
    assert not job.file
    assert stored_files(settings) == []
    page = client.get(reverse("admin:imports_importjob_change", args=[job.pk]))
    assert message in page.content.decode()


def test_a_file_with_errors_in_its_rows_is_kept_for_the_file_of_errors(official, client, world, settings):
    job = upload(client, csv_file(household_rows(world.c1, 1) + [["IMP-9", "", "", "", "", "99999", "", "", "x"]]))
    job.refresh_from_db()
    assert job.status == Status.REFUSED and job.result["errors"] and not job.result["rejected"]
    assert stored_files(settings) == [job.file.name.removeprefix("imports/")]


@pytest.mark.parametrize("too_large", [False, True])
def test_no_temporary_file_of_the_upload_is_left(official, client, world, settings, tmp_path, too_large):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every upload to a temporary file, as large ones are
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    os.makedirs(settings.FILE_UPLOAD_TEMP_DIR)
    if too_large:
        settings.IMPORT_UPLOAD_MAX_BYTES = 100
    response = client.post(add_url(), {"kind": "households", "file": csv_file(household_rows(world.c1, 3))})
    assert response.status_code == (200 if too_large else 302)
    assert os.listdir(settings.FILE_UPLOAD_TEMP_DIR) == []
    assert ImportJob.objects.exists() is not too_large
    if too_large:
        assert stored_files(settings) == []


# -- jobs whose process died ----------------------------------------------------------------------------------


def running_job(user, status=Status.CHECKING, started=None) -> ImportJob:
    job = ImportJob(user=user, kind="households", filename="big.csv", status=status, rows_total=9000)
    job.started_at = started or timezone.now()
    job.file.save("big.csv", ContentFile(b"secret,rows\n"), save=False)
    job.save()
    return job


def beat(job, *, pid, token="another-process", age=0.0, host=None):
    path = tasks._beats.path(job.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"host": host or socket.gethostname(), "pid": pid, "token": token, "at": time.time() - age}
    path.write_text(json.dumps(data))


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def status_after_reading_the_list(client, job) -> str:
    assert client.get(list_url()).status_code == 200
    job.refresh_from_db()
    return job.status


def test_a_job_whose_process_was_killed_shows_stopped_and_can_be_deleted(official, client, settings):
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        job = running_job(official, Status.IMPORTING)
        beat(job, pid=process.pid)
        assert status_after_reading_the_list(client, job) == Status.IMPORTING  # alive: still importing
        page = client.get(reverse("admin:imports_importjob_change", args=[job.pk]))
        assert page.context["delete_url"] is None
    finally:
        process.kill()
        process.wait()
    assert status_after_reading_the_list(client, job) == Status.STOPPED
    assert job.finished_at is not None
    with translation.override(job.language or settings.LANGUAGE_CODE):  # the message is in the job's language
        expected = gettext(
            "The job stopped: the process running it ended (a restart or a crash) before it finished, and nothing "
            "was written. Upload the file again."
        )
    assert job.error == expected
    assert not tasks._beats.path(job.pk).exists()
    page = client.get(reverse("admin:imports_importjob_change", args=[job.pk]))
    assert page.context["running"] is False
    assert job.error in page.content.decode()
    path = job.file.path
    assert os.path.exists(path)
    response = client.post(page.context["delete_url"], {"post": "yes"})
    assert response.status_code == 302
    assert not ImportJob.objects.filter(pk=job.pk).exists()
    assert not os.path.exists(path)


@pytest.mark.parametrize(
    ("case", "stopped"),
    [
        ("alive-here", False),  # this process, beating
        ("same-pid-other-process", True),  # a restarted server with the same pid (PID 1 in a container)
        ("dead-pid", True),
        ("silent", True),  # no beat for longer than BEAT_STALE_AFTER (a worker on another host, killed)
        ("other-host", False),  # a pid of another machine is not looked up here
        ("no-beat-recent", False),  # queued in Celery's broker, or just claimed
        ("no-beat-hours", True),  # longer than any job may take
    ],
)
def test_which_jobs_are_stopped(official, client, case, stopped):
    started = timezone.now() - timedelta(hours=5) if case == "no-beat-hours" else None
    job = running_job(official, Status.CHECKING, started)
    if case == "alive-here":
        tasks._beats.write(job.pk)
    elif case == "same-pid-other-process":
        beat(job, pid=os.getpid())
    elif case == "dead-pid":
        beat(job, pid=dead_pid())
    elif case == "silent":
        beat(job, pid=os.getpid(), token=tasks._TOKEN, age=tasks.BEAT_STALE_AFTER + 5)
    elif case == "other-host":
        beat(job, pid=dead_pid(), host="worker-2.example")
    progress = client.get(reverse("admin:imports_importjob_progress", args=[job.pk])).json()
    assert progress["running"] is not stopped
    job.refresh_from_db()
    assert job.status == (Status.STOPPED if stopped else Status.CHECKING)
    tasks._beats.forget(job.pk)


def test_the_process_running_a_job_beats_until_it_ends(official, client, world, monkeypatch):
    seen = []
    original = tasks.run_import

    def watched(*args, **kwargs):
        job = ImportJob.objects.latest("pk")
        seen.append(tasks._beats.read(job.pk))
        assert not tasks.job_is_stale(job)
        return original(*args, **kwargs)

    monkeypatch.setattr(tasks, "run_import", watched)
    job = upload(client, csv_file(household_rows(world.c1, 2)))
    assert seen[0]["pid"] == os.getpid() and seen[0]["token"] == tasks._TOKEN
    assert not tasks._beats.path(job.pk).exists()


def test_a_zip_bomb_is_refused_and_deleted(official, client, settings):
    from tests.sheets.test_safety import bomb

    job = upload(client, SimpleUploadedFile("bomb.xlsx", bomb(8 * 1024 * 1024)))
    job.refresh_from_db()
    assert job.status == Status.REFUSED
    assert "as a zip bomb does" in job.result["rejected"][0]["message"]
    assert stored_files(settings) == []


def test_rows_of_a_large_sheet_without_dimension_are_estimated_from_a_part(monkeypatch):
    monkeypatch.setattr(tasks, "_COUNT_AT_MOST", 16 * 1024)
    rows = [HEADER] + [[f"IMP-{n:05d}", f"Hoàng Văn {n}"] for n in range(3000)]
    import io

    estimate = tasks.estimate_rows(io.BytesIO(hand_made_xlsx(rows)))
    assert 2700 < estimate < 3300
