"""Uploading a spreadsheet through the API: the admin's job (check, then confirm), polled; a job is its
uploader's."""

import pytest

from imports.choices import ImportJobStatusChoices as Status
from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from tests.imports.test_import_jobs import csv_file, household_rows
from tests.tracker.factories import EthnicGroupFactory
from tracker.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def jobs_in_the_request(settings, tmp_path):
    settings.IMPORT_JOBS_RUNNER = "sync"
    settings.MEDIA_ROOT = tmp_path / "media"


def test_upload_poll_and_confirm(world, official_client):
    EthnicGroupFactory()
    client, user = official_client(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    upload = client.post(
        "/api/v1/imports/", {"kind": "households", "file": csv_file(household_rows(world.c1, 3))}, format="multipart"
    )
    assert upload.status_code == 202, upload.content
    job = upload.json()
    assert job["status"] == Status.CHECKED
    assert job["counts"]["new"] == 3 and job["errors"] == []
    assert not Household.objects.filter(code__startswith="IMP-").exists()
    polled = client.get(f"/api/v1/imports/{job['id']}/").json()
    assert polled["counts"] == job["counts"]
    listed = client.get("/api/v1/imports/").json()["results"]
    assert [row["id"] for row in listed] == [job["id"]]

    # Somebody else's job is not found, and cannot be confirmed.
    other, _other_user = official_client(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    assert other.get(f"/api/v1/imports/{job['id']}/").status_code == 404
    assert other.post(f"/api/v1/imports/{job['id']}/confirm/").status_code == 404

    done = client.post(f"/api/v1/imports/{job['id']}/confirm/")
    assert done.status_code == 202
    assert done.json()["status"] == Status.DONE and done.json()["written"]
    assert Household.objects.filter(code__startswith="IMP-").count() == 3
    again = client.post(f"/api/v1/imports/{job['id']}/confirm/")
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "conflict"


def test_rows_in_error_are_listed_with_row_and_column(world, official_client):
    EthnicGroupFactory()
    client, _user = official_client(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    rows = household_rows(world.c3, 2)  # another province's commune
    job = client.post("/api/v1/imports/", {"kind": "households", "file": csv_file(rows)}, format="multipart").json()
    assert job["status"] == Status.REFUSED
    assert job["counts"]["error_rows"] == 2
    assert all(error["row"] and error["message"] for error in job["errors"])


@pytest.mark.parametrize(("kind", "field"), [("nonsense", "kind"), ("households", "file")])
def test_an_upload_refused_says_which_field(world, official_client, kind, field):
    client, _user = official_client(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    body = {"kind": kind} if field == "file" else {"kind": kind, "file": csv_file([])}
    response = client.post("/api/v1/imports/", body, format="multipart")
    assert response.status_code == 400
    assert field in {e["field"] for e in response.json()["errors"]}


def test_a_viewer_cannot_upload(world, official_client):
    client, _user = official_client(Role.VIEWER, Level.PROVINCE, world.p1)
    response = client.post("/api/v1/imports/", {"kind": "households", "file": csv_file([])}, format="multipart")
    assert response.status_code == 403


def test_a_retried_upload_under_one_idempotency_key_is_one_job(world, official_client):
    from imports.models import ImportJob

    EthnicGroupFactory()
    client, _user = official_client(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    rows = household_rows(world.c1, 2)

    def upload(key, file_rows):
        body = {"kind": "households", "file": csv_file(file_rows)}
        return client.post("/api/v1/imports/", body, format="multipart", HTTP_IDEMPOTENCY_KEY=key)

    first = upload("upload-1", rows)
    assert first.status_code == 202, first.content
    retry = upload("upload-1", rows)
    assert retry.status_code == 202 and retry["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert ImportJob.objects.count() == 1
    # Another file under the same key is another request: refused, not taken for the first.
    other = upload("upload-1", household_rows(world.c1, 3))
    assert other.status_code == 409
    assert other.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert ImportJob.objects.count() == 1
    assert upload("upload-2", rows).status_code == 202
    assert ImportJob.objects.count() == 2
