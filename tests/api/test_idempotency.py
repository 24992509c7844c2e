"""Idempotency-Key: a retried write gets the first answer and writes nothing again; the same key with another
request is 409; keys are per official, expire after 24 hours, are not kept for dry runs or server errors;
two requests racing with one key write once (PostgreSQL)."""

import datetime
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from api.models import IdempotencyKey
from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from tests.programs.factories import ComponentFactory
from tracker.models import ProgressReport, Work

pytestmark = pytest.mark.django_db
PROGRESS = "/api/v1/progress-reports/bulk/"
DISBURSEMENTS = "/api/v1/disbursements/bulk/"


def report(work, day="2024-09-30", percent=41, status="construction"):
    return {"work": work.code, "reported_on": day, "progress_percent": percent, "status": status}


def post(client, url, body, key, **extra):
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key, **extra)


@pytest.fixture
def clerk(world, official_client):
    return official_client(Role.DATA_ENTRY, Level.COMMUNE, world.c1)


def counts(work):
    return ProgressReport.objects.count(), ProgressReport.history.count(), work.history.count()


def test_a_retried_bulk_post_gets_the_first_answer_and_writes_nothing_more(world, clerk):
    client, user = clerk
    work = world.works["c1"]
    body = {"items": [report(work), report(work, "2024-12-31", 100, "completed")]}
    first = post(client, PROGRESS, body, "key-1")
    assert first.status_code == 200 and first.json()["created"] == 2
    assert not first.has_header("Idempotent-Replayed")
    written = counts(work)
    assert written[:2] == (2, 2)

    # The same request, its keys in another order: the stored answer, marked as a replay.
    retry = post(client, PROGRESS, {"items": [dict(reversed(list(i.items()))) for i in body["items"]]}, "key-1")
    assert retry.status_code == 200
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()  # "created": 2, not "unchanged": 2: nothing ran
    assert counts(work) == written
    stored = IdempotencyKey.objects.get(user=user, key="key-1")
    assert (stored.method, stored.path, stored.response_status) == ("POST", PROGRESS, 200)


def test_a_refused_post_is_not_kept_so_the_corrected_one_may_use_the_key(world, clerk):
    client, _user = clerk
    work = world.works["c1"]
    refused = post(client, PROGRESS, {"items": [report(work, percent=120)]}, "key-2")
    assert refused.status_code == 400
    assert not IdempotencyKey.objects.exists()  # it wrote nothing: nothing to guard
    again = post(client, PROGRESS, {"items": [report(work, percent=120)]}, "key-2")
    assert again.status_code == 400 and not again.has_header("Idempotent-Replayed")

    corrected = post(client, PROGRESS, {"items": [report(work, percent=12)]}, "key-2")
    assert corrected.status_code == 200 and corrected.json()["created"] == 1
    changed = post(client, PROGRESS, {"items": [report(work, percent=13)]}, "key-2")
    assert changed.status_code == 409
    [error] = changed.json()["errors"]
    assert (error["index"], error["field"], error["code"]) == (None, None, "idempotency_key_reused")
    assert f"POST {PROGRESS}" in error["message"]
    assert list(ProgressReport.objects.values_list("progress_percent", flat=True)) == [12]


@pytest.mark.parametrize("other", ["path", "query"])
def test_the_same_key_for_another_path_or_query_is_409(world, clerk, other):
    client, _user = clerk
    body = {"items": [report(world.works["c1"])]}
    assert post(client, PROGRESS, body, "key-4").status_code == 200
    url = DISBURSEMENTS if other == "path" else f"{PROGRESS}?atomic=0"
    response = post(client, url, body, "key-4")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert ProgressReport.objects.count() == 1


def test_keys_are_per_official(world, clerk, official_client):
    client, _user = clerk
    other, _other_user = official_client(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    work = world.works["c1"]
    assert post(client, PROGRESS, {"items": [report(work)]}, "shared").status_code == 200
    response = post(other, PROGRESS, {"items": [report(work, "2024-10-31")]}, "shared")
    assert response.status_code == 200 and not response.has_header("Idempotent-Replayed")
    assert ProgressReport.objects.count() == 2 and IdempotencyKey.objects.filter(key="shared").count() == 2


def test_a_dry_run_is_not_kept_so_the_post_may_follow_with_the_key(world, clerk):
    client, _user = clerk
    body = {"items": [report(world.works["c1"])]}
    preview = post(client, f"{PROGRESS}?dry_run=1", body, "key-5")
    assert preview.status_code == 200 and preview.json()["written"] is False
    assert not IdempotencyKey.objects.exists()
    posted = post(client, PROGRESS, body, "key-5")
    assert posted.status_code == 200 and posted.json()["created"] == 1
    assert ProgressReport.objects.count() == 1


def test_a_work_created_twice_with_one_key_is_created_once(world, clerk):
    client, _user = clerk
    component = ComponentFactory()
    body = {
        "code": "W-IDEM-1",
        "name": "Nhà văn hóa thôn Nà Mò",
        "work_type": "cultural_house",
        "commune": world.c1.pk,
        "components": [component.pk],
        "approved_investment": 900_000_000,
    }
    first = post(client, "/api/v1/works/", body, "work-1")
    assert first.status_code == 201, first.content
    work = Work.objects.get(code="W-IDEM-1")
    versions = work.history.count()
    retry = post(client, "/api/v1/works/", body, "work-1")
    assert (retry.status_code, retry["Idempotent-Replayed"]) == (201, "true")
    assert retry["Location"] == first["Location"] and retry["ETag"] == first["ETag"] == '"1"'
    assert retry.json() == first.json()
    assert Work.objects.filter(code="W-IDEM-1").count() == 1 and work.history.count() == versions

    # Without the key the same post is refused: the code is taken.
    assert client.post("/api/v1/works/", body, format="json").status_code == 400


def test_a_retried_update_gets_its_answer_rather_than_412(world, clerk):
    client, _user = clerk
    work = world.works["c1"]
    url = f"/api/v1/works/{work.pk}/"
    first = client.patch(url, {"name": "Đường mới"}, format="json", HTTP_IF_MATCH='"1"', HTTP_IDEMPOTENCY_KEY="u-1")
    assert first.status_code == 200, first.content
    retry = client.patch(url, {"name": "Đường mới"}, format="json", HTTP_IF_MATCH='"1"', HTTP_IDEMPOTENCY_KEY="u-1")
    assert (retry.status_code, retry["Idempotent-Replayed"], retry["ETag"]) == (200, "true", first["ETag"])
    work.refresh_from_db()
    assert work.version == 2
    stale = client.patch(url, {"name": "Đường mới"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412

    # A refusal is not kept: the update that lacked If-Match may be sent again, with it, under its key.
    body = {"name": "Đường mới nữa"}
    assert client.patch(url, body, format="json", HTTP_IDEMPOTENCY_KEY="u-2").status_code == 428
    fixed = client.patch(url, body, format="json", HTTP_IF_MATCH='"2"', HTTP_IDEMPOTENCY_KEY="u-2")
    assert fixed.status_code == 200 and fixed["ETag"] == '"3"'


def test_answers_expire_after_a_day(world, clerk):
    client, user = clerk
    work = world.works["c1"]
    body = {"items": [report(work)]}
    assert post(client, PROGRESS, body, "old").status_code == 200
    IdempotencyKey.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    again = post(client, PROGRESS, body, "old")
    assert again.status_code == 200 and not again.has_header("Idempotent-Replayed")
    assert again.json()["unchanged"] == 1  # it ran: the report was already there
    assert IdempotencyKey.objects.filter(user=user).count() == 1

    IdempotencyKey.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    out = StringIO()
    call_command("purge_idempotency_keys", stdout=out)
    assert not IdempotencyKey.objects.exists() and "1" in out.getvalue()


def test_a_server_error_is_not_kept(world, clerk, monkeypatch):
    client, _user = clerk

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("tracker.api.bulk.record_many", broken)
    client.raise_request_exception = False
    response = post(client, PROGRESS, {"items": [report(world.works["c1"])]}, "key-6")
    assert response.status_code == 500
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "khóa-1", "two words"])
def test_an_unreadable_key_is_400(world, clerk, key):
    client, _user = clerk
    response = post(client, PROGRESS, {"items": [report(world.works["c1"])]}, key)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("Idempotency-Key", "invalid")
    assert not ProgressReport.objects.exists()


# ---------------------------------------------------------------------------------------------------------
# Two first requests at once: the unique constraint makes the second wait for the first, then replay it


@pytest.fixture(scope="module")
def localities_reloaded(django_db_setup, django_db_blocker):
    """A transactional test flushes the database, the session's localities with it: load them again after
    the module (its other tests make their own units)."""
    yield
    with django_db_blocker.unblock():
        call_command("load_localities", stdout=StringIO())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: no race to lose")
@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_with_one_key_write_once(
    localities_reloaded, world, make_official, api_client, monkeypatch
):
    import time  # noqa: PLC0415

    from tracker.api import bulk  # noqa: PLC0415

    recorded = bulk.record_many

    def slow(*args, **kwargs):  # the first request is still running when the second arrives
        result = recorded(*args, **kwargs)
        time.sleep(0.5)
        return result

    monkeypatch.setattr(bulk, "record_many", slow)
    user = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    work = world.works["c1"]
    body = {"items": [report(work, f"2024-{month:02d}-28", month * 5) for month in range(1, 13)]}
    clients = [api_client(user), api_client(user)]
    barrier = threading.Barrier(2)
    answers = [None, None]

    def send(position):
        from django.db import connections  # noqa: PLC0415 - each thread has its connection

        try:
            barrier.wait()
            answers[position] = post(clients[position], PROGRESS, body, "race")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [200, 200]
    replayed = [a.has_header("Idempotent-Replayed") for a in answers]
    assert sorted(replayed) == [False, True]
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["created"] == 12
    assert ProgressReport.objects.count() == ProgressReport.history.count() == 12
    assert IdempotencyKey.objects.filter(key="race").count() == 1
