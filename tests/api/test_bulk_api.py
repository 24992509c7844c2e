"""Bulk posts through the API: counts and every refused item's errors (index, field, code, message), all or
nothing by default or per item, dry runs that write nothing, the jurisdiction, the roles, the request's
language, the cap on items."""

import pytest
from django.utils import translation

from kernel.access import JurisdictionLevelChoices as Level
from kernel.history import ChangePathChoices
from localities.choices import RoleChoices as Role
from tracker.bulk import record_many
from tracker.models import Disbursement, ProgressReport

pytestmark = pytest.mark.django_db
PROGRESS = "/api/v1/progress-reports/bulk/"
DISBURSEMENTS = "/api/v1/disbursements/bulk/"


def report(work, day="2024-09-30", percent=41, status="construction", **extra):
    return {"work": work.code, "reported_on": day, "progress_percent": percent, "status": status, **extra}


def payment(work, voucher, amount=100_000_000, paid="2024-03-01", **extra):
    item = {"work": work.code, "year": 2024, "source": "central", "capital_type": "investment"}
    return {**item, "amount": amount, "voucher_number": voucher, "paid_on": paid, **extra}


def post(client, url, items, **params):
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return client.post(f"{url}?{query}" if query else url, {"items": items}, format="json")


@pytest.fixture
def clerk(world, official_client):
    """A data-entry official of commune C1 (whose works are C1's and the legacy L1's)."""
    return official_client(Role.DATA_ENTRY, Level.COMMUNE, world.c1)


def test_progress_reports_are_created_with_history_and_a_repeat_is_unchanged(world, clerk):
    client, user = clerk
    items = [report(world.works["c1"]), report(world.works["l1"], "31/12/2024", "12,5")]
    response = post(client, PROGRESS, items)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "kind": "progress",
        "items": 2,
        "created": 2,
        "unchanged": 0,
        "refused": 0,
        "errors": [],
        "warnings": [],
        "written": True,
        "dry_run": False,
        "atomic": True,
    }
    assert ProgressReport.objects.count() == 2
    record = ProgressReport.objects.get(work=world.works["c1"]).history.get()
    assert (record.history_user, record.history_path) == (user, ChangePathChoices.API)

    again = post(client, PROGRESS, items)
    assert again.status_code == 200
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 2)
    assert ProgressReport.objects.count() == ProgressReport.history.count() == 2


def test_disbursements_a_payment_and_its_reversal_by_work_id(world, clerk):
    client, _user = clerk
    work = world.works["c1"]
    items = [
        payment(work, "KB-1", amount=194_600_000),
        {"work_id": work.pk, "voucher_number": "KB-1", "reverses": "KB-1", "paid_on": "2024-03-05", "note": "Sai"},
    ]
    response = post(client, DISBURSEMENTS, items)
    assert response.status_code == 200, response.content
    assert (response.json()["created"], response.json()["refused"]) == (2, 0)
    assert list(Disbursement.objects.order_by("pk").values_list("amount", flat=True)) == [194_600_000, -194_600_000]


def test_all_or_nothing_refuses_the_post_with_every_error_and_writes_nothing(world, clerk):
    client, _user = clerk
    work = world.works["c1"]
    items = [report(work, "2024-09-30"), report(work, "2024-10-31", 120), report(work, "2024-11-30", status="?")]
    response = post(client, PROGRESS, items)
    assert response.status_code == 400
    body = response.json()
    assert (body["created"], body["unchanged"], body["refused"], body["written"]) == (0, 0, 2, False)
    assert body["errors"] == [
        {"index": 1, "field": "progress_percent", "code": "invalid", "message": "Expected at most 100; found 120."},
        {"index": 2, "field": "status", "code": "invalid", "message": body["errors"][1]["message"]},
    ]
    assert "?" in body["errors"][1]["message"]
    assert not ProgressReport.objects.exists() and not ProgressReport.history.exists()


def test_per_item_records_the_good_items_and_lists_the_refused(world, clerk):
    client, _user = clerk
    work = world.works["c1"]
    items = [report(work, "2024-09-30"), report(work, "2024-10-31", 120), report(work, "2024-12-31", 60)]
    response = post(client, PROGRESS, items, atomic=0)
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["refused"], body["written"], body["atomic"]) == (2, 1, True, False)
    assert [(e["index"], e["field"], e["code"]) for e in body["errors"]] == [(1, "progress_percent", "invalid")]
    assert sorted(ProgressReport.objects.values_list("progress_percent", flat=True)) == [41, 60]

    every = post(client, PROGRESS, [report(work, "2025-01-31", 150)], atomic="false")
    assert every.status_code == 400  # per item, but no item recorded
    assert every.json()["refused"] == 1 and ProgressReport.objects.count() == 2


@pytest.mark.parametrize("atomic", [1, 0])
def test_a_dry_run_writes_nothing_and_answers_as_the_post_would(world, clerk, atomic):
    client, _user = clerk
    work = world.works["c1"]
    good = [report(work, "2024-09-30"), report(work, "2024-10-31", 50)]
    versions = work.history.count()
    preview = post(client, PROGRESS, good, dry_run=1, atomic=atomic)
    assert preview.status_code == 200
    assert (preview.json()["created"], preview.json()["written"], preview.json()["dry_run"]) == (2, False, True)
    assert not ProgressReport.objects.exists() and not ProgressReport.history.exists()
    assert work.history.count() == versions  # the work's status was not changed either

    bad = [*good, report(work, "2024-11-30", 120)]
    checked = post(client, PROGRESS, bad, dry_run="yes", atomic=atomic)
    posted = post(client, PROGRESS, bad, atomic=atomic)
    assert checked.status_code == posted.status_code == (400 if atomic else 200)
    assert checked.json()["errors"] == posted.json()["errors"]
    assert ProgressReport.objects.count() == (0 if atomic else 2)


def test_an_item_of_another_commune_is_refused_by_its_index(world, clerk):
    client, _user = clerk
    theirs = world.works["c3"]
    response = post(client, DISBURSEMENTS, [payment(world.works["c1"], "KB-1"), payment(theirs, "KB-2")], atomic=0)
    assert response.status_code == 200
    assert response.json()["errors"] == [
        {
            "index": 1,
            "field": "work",
            "code": "refused",
            "message": f"The work {theirs.code} is outside your jurisdiction.",
        }
    ]
    assert list(Disbursement.objects.values_list("voucher_number", flat=True)) == ["KB-1"]

    atomic = post(client, DISBURSEMENTS, [payment(world.works["c1"], "KB-3"), payment(theirs, "KB-4")])
    assert atomic.status_code == 400 and atomic.json()["errors"][0]["index"] == 1
    assert Disbursement.objects.count() == 1


@pytest.mark.parametrize("url", [PROGRESS, DISBURSEMENTS])
def test_a_viewer_is_refused_403_and_nothing_is_written(world, official_client, url):
    client, _user = official_client(Role.VIEWER, Level.COMMUNE, world.c1)
    item = report(world.works["c1"]) if url == PROGRESS else payment(world.works["c1"], "KB-1")
    response = post(client, url, [item])
    assert response.status_code == 403
    body = response.json()
    assert [(e["index"], e["field"], e["code"]) for e in body["errors"]] == [(None, None, "permission_denied")]
    assert "your role does not allow it" in body["errors"][0]["message"]
    assert body["refused"] == 1 and body["written"] is False
    assert not ProgressReport.objects.exists() and not Disbursement.objects.exists()


def test_anonymous_is_401(world, api_client):
    response = post(api_client(), PROGRESS, [report(world.works["c1"])])
    assert response.status_code == 401
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    ("body", "params", "field", "code"),
    [
        ([{"work": "W"}], "", "items", "required"),  # a bare list: the body is an object
        ({"rows": []}, "", "items", "required"),
        ({"items": {"work": "W"}}, "", "items", "invalid"),
        ({"items": []}, "?dry_run=maybe", "dry_run", "invalid"),
        ({"items": []}, "?atomic=2", "atomic", "invalid"),
    ],
)
def test_a_malformed_request_is_400_in_the_error_format(clerk, body, params, field, code):
    client, _user = clerk
    response = client.post(f"{PROGRESS}{params}", body, format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["index"], error["field"], error["code"]) == (None, field, code)
    assert "%(" not in error["message"]


def test_an_empty_list_is_answered_with_zero_counts(clerk):
    client, _user = clerk
    response = post(client, PROGRESS, [])
    assert response.status_code == 200 and response.json()["items"] == 0


def test_more_items_than_the_cap_is_400_saying_the_limit(world, clerk):
    client, _user = clerk
    response = post(client, PROGRESS, [report(world.works["c1"])] * 5001)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("items", "too_many")
    assert error["message"] == (
        "A bulk post carries at most 5,000 items; this one has 5,001. Send them in several posts."
    )
    assert not ProgressReport.objects.exists()


def test_the_messages_are_in_the_callers_language(world, clerk):
    client, user = clerk
    items = [report(world.works["c1"], "2024-10-31", 120)]
    response = client.post(PROGRESS, {"items": items}, format="json", HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 400
    with translation.override("vi"):
        expected = record_many("progress", items, user=user, dry_run=True).errors
    assert response.json()["errors"] == expected
    assert expected[0]["message"] != "Expected at most 100; found 120."


def test_the_schema_documents_the_bulk_posts_and_the_export(clerk):
    client, _user = clerk
    paths = client.get("/api/v1/schema/", {"format": "json"}).json()["paths"]
    for path in (PROGRESS, DISBURSEMENTS):
        operation = paths[path]["post"]
        assert {p["name"] for p in operation["parameters"]} == {"dry_run", "atomic", "Idempotency-Key"}
        assert set(operation["responses"]) >= {"200", "400", "403", "409"}
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body["$ref"].endswith("BulkRequest")
    export = paths["/api/v1/works/oc4ids/"]["get"]
    assert {"as_of", "year", "province", "commune", "program"} <= {p["name"] for p in export["parameters"]}
    assert "Idempotency-Key" in {p["name"] for p in paths["/api/v1/works/"]["post"]["parameters"]}


def test_the_schema_says_a_400_is_a_bulk_result_or_the_error_format(clerk):
    """Both bodies a 400 can carry are in the schema (a fuzzer found the error-only one undocumented)."""
    client, _user = clerk
    schema = client.get("/api/v1/schema/?format=json").json()
    for path in ("/api/v1/progress-reports/bulk/", "/api/v1/disbursements/bulk/"):
        refused = schema["paths"][path]["post"]["responses"]["400"]["content"]["application/json"]["schema"]
        assert refused == {
            "anyOf": [{"$ref": "#/components/schemas/BulkResult"}, {"$ref": "#/components/schemas/Errors"}]
        }
