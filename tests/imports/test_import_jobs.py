"""Spreadsheet imports in the admin: upload, preview (nothing written), confirm, result; the file back with its
errors; whose jobs are whose; the progress endpoint; the row estimate; the list's queries.

Jobs run in the request here (IMPORT_JOBS_RUNNER = "sync"); the thread and Celery runners call the same
`import_job_run`."""

import csv
import io

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports import tasks
from imports.admin import importable_kinds
from imports.choices import ImportJobStatusChoices
from imports.models import ImportJob
from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from localities.models import Village
from tests.tracker.factories import EthnicGroupFactory
from tracker.models import Household

pytestmark = pytest.mark.django_db
HEADER = ["Mã hộ", "Họ tên chủ hộ", "Số CCCD", "Mã dân tộc", "Dân tộc", "Mã xã", "Tên xã", "Thôn/bản", "Số nhân khẩu"]


def add_url():
    return reverse("admin:imports_importjob_add")


def list_url():
    return reverse("admin:imports_importjob_changelist")


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


def household_rows(commune, count, *, start=1, village="Thôn Nà Mới"):
    return [
        [
            f"IMP-{start + i:04d}",
            f"Hoàng Văn {start + i}",
            f"0061{start + i:08d}",
            "09",
            "Dao",
            commune.code,
            commune.name,
            village,
            str(3 + i % 4),
        ]
        for i in range(count)
    ]


def csv_file(rows, name="ho-ngheo.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile(name, ("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv")


def xlsx_file(rows, name="ho-ngheo.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def upload(client, file, kind="households", **options):
    response = client.post(add_url(), {"kind": kind, "file": file, **options})
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.latest("pk")
    assert response.url == reverse("admin:imports_importjob_change", args=[job.pk])
    return job


def test_upload_preview_confirm_import(official, client, world):
    before = Household.objects.count()
    job = upload(client, csv_file(household_rows(world.c1, 3) + household_rows(world.c2, 2, start=10)))

    # The check is a dry run: the preview, nothing written.
    job.refresh_from_db()
    assert job.status == ImportJobStatusChoices.CHECKED
    assert job.user == official
    assert (job.result["new"], job.result["changed"], job.result["error_rows"]) == (5, 0, 0)
    assert job.result["created"] == {"villages": 2}
    assert Household.objects.count() == before
    assert not Village.objects.filter(name="Thôn Nà Mới").exists()
    page = client.get(reverse("admin:imports_importjob_change", args=[job.pk]))
    assert page.status_code == 200
    assert page.context["confirm_url"] == reverse("admin:imports_importjob_confirm", args=[job.pk])
    assert page.context["confirm_label"] == "Import 5 rows"
    assert [count for count, _what in page.context["created"]] == ["2"]
    assert page.context["error_file_url"] is None

    # Confirmed: the rows are written.
    response = client.post(page.context["confirm_url"])
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJobStatusChoices.DONE
    assert job.confirmed_at is not None and job.finished_at is not None
    assert job.result["written"] is True
    assert Household.objects.count() == before + 5
    assert Household.objects.get(code="IMP-0010").commune == world.c2
    assert Village.objects.filter(name="Thôn Nà Mới").count() == 2
    page = client.get(reverse("admin:imports_importjob_change", args=[job.pk]))
    assert page.context["confirm_url"] is None
    assert (str(Household._meta.verbose_name_plural).capitalize(), reverse("admin:tracker_household_changelist")) in (
        page.context["imported_links"]
    )

    # A second confirmation does nothing.
    client.post(reverse("admin:imports_importjob_confirm", args=[job.pk]))
    assert Household.objects.count() == before + 5


def test_the_same_file_twice_changes_nothing(official, client, world):
    rows = household_rows(world.c1, 4)
    first = upload(client, xlsx_file(rows))
    client.post(reverse("admin:imports_importjob_confirm", args=[first.pk]))
    count = Household.objects.count()

    second = upload(client, xlsx_file(rows))
    second.refresh_from_db()
    assert second.status == ImportJobStatusChoices.CHECKED
    assert (second.result["new"], second.result["changed"], second.result["unchanged"]) == (0, 0, 4)
    page = client.get(reverse("admin:imports_importjob_change", args=[second.pk]))
    assert page.context["confirm_url"] is None
    assert page.context["nothing_to_write"] is True
    assert Household.objects.count() == count


@pytest.mark.parametrize("make_file", [csv_file, xlsx_file], ids=["csv", "xlsx"])
def test_a_file_with_errors_lists_them_all_and_gives_the_file_back(official, client, world, make_file):
    rows = household_rows(world.c1, 6)
    rows[1][2] = "12345"  # an ID number of 5 digits
    rows[3][8] = "0"  # no members
    rows[4][5], rows[4][6] = world.c3.code, world.c3.name  # another province's commune
    before = Household.objects.count()
    job = upload(client, make_file(rows))

    job.refresh_from_db()
    assert job.status == ImportJobStatusChoices.REFUSED
    page = client.get(reverse("admin:imports_importjob_change", args=[job.pk]))
    listed = [(e["row"], e["column"]) for e in page.context["errors"]]
    assert listed == [(3, "Số CCCD"), (5, "Số nhân khẩu"), (6, "Mã xã")]
    assert page.context["confirm_url"] is None
    html = page.content.decode()
    assert "An ID number has exactly 12 digits." in html
    assert Household.objects.count() == before

    response = client.get(page.context["error_file_url"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = b"".join(response.streaming_content)
    if make_file is csv_file:
        table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        table = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert table[0][1:] == HEADER
    errors = {number: row[0] for number, row in enumerate(table, start=1) if number > 1 and row[0]}
    assert set(errors) == {3, 5, 6}
    assert "12 digits" in errors[3]
    assert table[2][1] == "IMP-0002"


def test_more_than_a_page_of_errors_is_paginated(official, client, world, monkeypatch):
    monkeypatch.setattr("imports.admin.ERRORS_PER_PAGE", 2)
    rows = household_rows(world.c1, 5)
    for row in rows:
        row[8] = "0"
    job = upload(client, csv_file(rows))
    url = reverse("admin:imports_importjob_change", args=[job.pk])
    first = client.get(url)
    assert [e["row"] for e in first.context["errors"]] == [2, 3]
    assert [label for label, _query in first.context["error_pages"]] == ["1", "2", "3"]
    last = client.get(url, {"page": 3})
    assert [e["row"] for e in last.context["errors"]] == [6]


def test_duplicates_skipped_on_request_are_listed(official, client, world):
    rows = household_rows(world.c1, 3)
    rows.append(list(rows[0]))  # the same household again
    job = upload(client, csv_file(rows), skip_duplicates="on")
    job.refresh_from_db()
    assert job.skip_duplicates and job.status == ImportJobStatusChoices.CHECKED
    page = client.get(reverse("admin:imports_importjob_change", args=[job.pk]))
    assert [(d["row"], d["column"]) for d in page.context["duplicates"]] == [(5, "Mã hộ")]
    assert page.context["confirm_label"] == "Import 3 rows"
    assert page.context["error_file_url"]


def test_a_file_that_cannot_be_read_is_refused_with_the_reason(official, client):
    job = upload(client, SimpleUploadedFile("notes.csv", b"just,some\ntext,here\n"))
    job.refresh_from_db()
    assert job.status == ImportJobStatusChoices.REFUSED
    assert job.result["rejected"]
    page = client.get(reverse("admin:imports_importjob_change", args=[job.pk]))
    assert page.context["error_file_url"] is None
    assert client.get(reverse("admin:imports_importjob_errors", args=[job.pk])).status_code == 404


def test_an_upload_over_the_size_limit_is_refused_at_once(official, client, settings):
    settings.IMPORT_UPLOAD_MAX_BYTES = 100
    response = client.post(add_url(), {"kind": "households", "file": csv_file([["x"] * 9] * 10)})
    assert response.status_code == 200
    assert "files larger than 100 B are refused" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_another_users_job_is_not_found(official, client, world, make_official):
    job = upload(client, csv_file(household_rows(world.c1, 1)))
    other = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    client.force_login(other)
    for name in ("change", "progress", "errors", "confirm"):
        method = client.post if name == "confirm" else client.get
        assert method(reverse(f"admin:imports_importjob_{name}", args=[job.pk])).status_code == 404, name
    assert client.get(list_url()).context["cl"].result_count == 0
    assert client.get(reverse("admin:imports_importjob_delete", args=[job.pk])).status_code == 302
    assert ImportJob.objects.filter(pk=job.pk).exists()

    # National administrators see every import, to help; only the uploader imports it.
    for admin_user in (
        User.objects.create_superuser(username="root", password="x-Secret-123"),
        make_official(Role.NATIONAL_ADMIN, Level.NATIONAL),
    ):
        client.force_login(admin_user)
        page = client.get(reverse("admin:imports_importjob_change", args=[job.pk]))
        assert page.status_code == 200
        assert page.context["confirm_url"] is None
        assert client.post(reverse("admin:imports_importjob_confirm", args=[job.pk])).status_code == 403
        assert client.get(list_url()).context["cl"].result_count == 1
    job.refresh_from_db()
    assert job.status == ImportJobStatusChoices.CHECKED


def test_progress_endpoint(official, client, world):
    job = upload(client, csv_file(household_rows(world.c1, 2)))
    data = client.get(reverse("admin:imports_importjob_progress", args=[job.pk])).json()
    assert data == {
        "status": "checked",
        "status_label": "checked, ready to import",
        "running": False,
        "rows_done": 2,
        "rows_total": 2,
        "text": "2 of about 2 rows read",
    }


def test_a_running_job_shows_its_progress_from_the_cache(official, client, world):
    job = ImportJob.objects.create(
        user=official, kind="households", filename="big.csv", status=ImportJobStatusChoices.CHECKING, rows_total=9000
    )
    writer = tasks.ProgressWriter(job.pk)
    writer(4000)
    writer(4500)  # within half a second of the last write: not written
    data = client.get(reverse("admin:imports_importjob_progress", args=[job.pk])).json()
    assert (data["running"], data["rows_done"], data["rows_total"]) == (True, 4000, 9000)
    assert data["text"] == "4,000 of about 9,000 rows read"  # the English interface writes English numbers
    page = client.get(reverse("admin:imports_importjob_change", args=[job.pk]))
    html = page.content.decode()
    assert 'id="ntp-import-progress"' in html and "tracker/import.js" in html
    assert page.context["delete_url"] is None  # not while it runs
    writer.clear()


def test_the_upload_page_offers_only_the_kinds_the_user_may_import(world, make_official, client):
    entry = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    client.force_login(entry)
    page = client.get(add_url(), {"kind": "households"})
    assert page.status_code == 200
    offered = [name for name, _label in page.context["form"].fields["kind"].choices]
    assert "households" in offered
    assert offered == [kind.name for kind in importable_kinds(entry)]
    assert page.context["form"]["kind"].value() == "households"
    template = client.get(reverse("admin:imports_importjob_template", args=["households"]))
    assert template.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(template.streaming_content))).active
    assert any("Mã hộ" in row for row in sheet.iter_rows(values_only=True))

    viewer = make_official(Role.VIEWER, Level.PROVINCE, world.p1)
    client.force_login(viewer)
    assert client.get(add_url()).status_code == 403
    assert client.get(list_url()).status_code == 403
    assert client.get(reverse("admin:imports_importjob_template", args=["households"])).status_code == 403


def test_a_kind_is_offered_only_with_all_its_permissions(world, make_official, client):
    from django.contrib.auth.models import Permission

    user = make_official(Role.VIEWER, Level.COMMUNE, world.c1)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="tracker", codename__in=["add_household", "change_household"])
    )
    client.force_login(user)
    assert client.get(add_url()).status_code == 403  # households need adding villages too

    user.user_permissions.add(Permission.objects.get(content_type__app_label="localities", codename="add_village"))
    user = User.objects.get(pk=user.pk)
    assert [kind.name for kind in importable_kinds(user)] == ["households"]
    client.force_login(user)
    response = client.post(add_url(), {"kind": "works", "file": csv_file([])})
    assert response.status_code == 200
    assert response.context["form"].errors["kind"]
    assert not ImportJob.objects.exists()


def test_change_lists_link_to_the_import_page(official, client):
    response = client.get(reverse("admin:tracker_household_changelist"))
    assert response.context["ntp_import_url"] == f"{add_url()}?kind=households"
    assert f'href="{add_url()}?kind=households"' in response.content.decode()
    response = client.get(reverse("admin:localities_village_changelist"))
    expected = f"{add_url()}?kind=villages" if any(k.name == "villages" for k in importable_kinds(official)) else None
    assert response.context.get("ntp_import_url") == expected
    assert "ntp_import_url" not in client.get(reverse("admin:tracker_ethnicgroup_changelist")).context


def test_deleting_a_job_deletes_its_file(official, client, world):
    job = upload(client, csv_file(household_rows(world.c1, 1)))
    path = job.file.path
    response = client.post(reverse("admin:imports_importjob_delete", args=[job.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not ImportJob.objects.filter(pk=job.pk).exists()
    import os

    assert not os.path.exists(path)


@pytest.mark.parametrize("count", [2, 5])
def test_the_jobs_list_does_a_fixed_number_of_queries(official, client, world, count, django_assert_num_queries):
    other = User.objects.create_user(username="someone-else")
    for i in range(count):
        ImportJob.objects.create(
            user=official,
            kind="households",
            filename=f"f{i}.csv",
            status=ImportJobStatusChoices.DONE,
            result={"new": 3, "changed": 1, "error_rows": 0},
            rows_total=4,
        )
        ImportJob.objects.create(user=other, kind="households", filename=f"other{i}.csv")
    client.get(list_url())  # warm the caches (permissions, kinds)
    with django_assert_num_queries(6):  # one of them: the running jobs, to stop those whose process died
        response = client.get(list_url())
    assert response.context["cl"].result_count == count
    assert "3 new, 1 changed, 0 in error" in response.content.decode()


def test_a_job_that_crashes_is_failed_without_personal_data(official, client, world, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("duplicate key (id_number)=(006100000001)")

    monkeypatch.setattr(tasks, "run_import", boom)
    job = upload(client, csv_file(household_rows(world.c1, 1)))
    job.refresh_from_db()
    assert job.status == ImportJobStatusChoices.FAILED
    assert "RuntimeError" in job.error and "0061" not in job.error


@pytest.mark.parametrize(
    ("make_file", "rows", "expected"),
    [(csv_file, 0, 0), (csv_file, 7, 7), (xlsx_file, 7, 7), (xlsx_file, 1200, 1200)],
)
def test_rows_are_estimated_before_reading(make_file, rows, expected):
    file = make_file([["x"] * 9] * rows)
    assert tasks.estimate_rows(io.BytesIO(file.read())) == expected


def test_an_xlsx_without_dimension_has_its_rows_counted():
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for i in range(3001):
        sheet.append([f"r{i}", i])
    out = io.BytesIO()
    workbook.save(out)
    assert tasks.estimate_rows(io.BytesIO(out.getvalue())) == 3000


def test_the_thread_runner_starts_the_job_once_committed(
    official, world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.IMPORT_JOBS_RUNNER = "thread"
    started = []
    monkeypatch.setattr(tasks, "_thread_submit", lambda job_id, apply: started.append((job_id, apply)))
    with django_capture_on_commit_callbacks(execute=True):
        job = tasks.import_job_create(user=official, kind="households", upload=csv_file(household_rows(world.c1, 1)))
    assert started == [(job.pk, False)]
    job.refresh_from_db()
    assert job.status == ImportJobStatusChoices.QUEUED


def test_the_celery_runner_queues_the_tasks(official, world, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.IMPORT_JOBS_RUNNER = "celery"
    queued = []
    monkeypatch.setattr(tasks.import_check, "delay", lambda job_id: queued.append(("check", job_id)))
    monkeypatch.setattr(tasks.import_apply, "delay", lambda job_id: queued.append(("apply", job_id)))
    with django_capture_on_commit_callbacks(execute=True):
        job = tasks.import_job_create(user=official, kind="households", upload=csv_file(household_rows(world.c1, 2)))
    tasks.import_check.run(job.pk)  # what the worker does
    job.refresh_from_db()
    assert job.status == ImportJobStatusChoices.CHECKED
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.import_job_confirm(job=job) is True
        assert tasks.import_job_confirm(job=job) is False  # a double click queues it once
    assert queued == [("check", job.pk), ("apply", job.pk)]
    tasks.import_apply.run(job.pk)
    tasks.import_apply.run(job.pk)  # delivered twice: runs once
    job.refresh_from_db()
    assert job.status == ImportJobStatusChoices.DONE
    assert Household.objects.filter(code__startswith="IMP-").count() == 2


def test_a_broker_that_is_down_fails_the_job_with_a_message(
    official, world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.IMPORT_JOBS_RUNNER = "celery"

    def down(job_id):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(tasks.import_check, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        job = tasks.import_job_create(user=official, kind="households", upload=csv_file(household_rows(world.c1, 1)))
    job.refresh_from_db()
    assert job.status == ImportJobStatusChoices.FAILED
    assert "task queue is not reachable" in job.error
