"""The permission matrix over every operation the API publishes (its OpenAPI schema's paths × methods), reads
and writes: anonymous 401, no role 403, and for a viewer, a data-entry official and an approver of commune C1,
what each may do with a row inside C1 and one outside (in C3). A write refused writes nothing.

An operation added to the API without a row in CASES fails `test_every_operation_is_in_the_matrix`, so the
matrix cannot fall behind the routes (tests/test_permission_matrix.py does the same for the admin).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from drf_spectacular.generators import SchemaGenerator

from imports.models import ImportJob
from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from tests.api.test_permission_matrix import REFERENCE_ROUTES, ROUTES
from tests.imports.test_import_jobs import csv_file, household_rows
from tests.programs.factories import ComponentFactory
from tests.test_permission_matrix import SCOPED_BUILDERS
from tests.tracker.factories import EthnicGroupFactory
from tracker import services
from tracker.models import Disbursement, ProgressReport, Work

pytestmark = pytest.mark.django_db

ROLES = [Role.VIEWER, Role.DATA_ENTRY, Role.APPROVER]
WRITERS = {Role.DATA_ENTRY}
# Read routes whose rows are a model's (the admin matrix's builders make them): {key} is a row of the commune.
READS = ROUTES
REFERENCE = REFERENCE_ROUTES  # the same for everybody


@dataclass
class Request:
    method: str
    url: str
    kwargs: dict


@dataclass
class Case:
    """One operation: `build(world, commune, user)` makes the request about a row of `commune` (C1 inside,
    C3 outside); a writer gets `inside` and `outside` (None: the case checks the answer itself in `check`);
    a reader of a write gets 403."""

    build: Callable[..., Request]
    writes: bool = False
    inside: int = 200
    outside: int | None = 404
    check: Callable | None = None  # check(response, world, where, user) for what the status cannot tell
    count: Callable | None = None  # rows a refused write must leave as they were
    writers_only: bool = False  # a read only for who may write (the imports' jobs)


def get(url):
    return lambda world, commune, user: Request("get", url, {})


def get_key(label):
    def build(world, commune, user):
        route = next(route for route, name in READS.items() if name == label)
        return Request("get", f"/api/v1/{route}/{SCOPED_BUILDERS[label](commune).pk}/", {})

    return build


def _listed_codes(response, world, where, user):
    codes = {project["identifiers"][0]["id"] for project in response.json()["projects"]}
    assert world.works["c1"].code in codes and world.works["c3"].code not in codes


def _summary_is_the_communes(response, world, where, user):
    # C1's work and L1's (merged into C1), not C2's or C3's: 1e9 each.
    assert response.json()["total"]["allocated"] == 2_000_000_000


def _new_work(world, commune, user):
    body = {
        "code": f"W-M-{commune.code}",
        "name": "Đường liên thôn",
        "work_type": "road_inter_village",
        "commune": f"code:{commune.code}",
        "components": [ComponentFactory().pk],
        "approved_investment": 1_000_000_000,
    }
    return Request("post", "/api/v1/works/", {"data": body, "format": "json"})


def _change_work(method):
    def build(world, commune, user):
        work = world.works["c1" if commune == world.c1 else "c3"]
        data = {"note": "đã kiểm tra"} if method == "patch" else _full_work(work)
        return Request(method, f"/api/v1/works/{work.pk}/", {"data": data, "format": "json", "HTTP_IF_MATCH": "*"})

    return build


def _full_work(work):
    return {
        "code": work.code,
        "name": work.name,
        "work_type": work.work_type,
        "commune": work.commune_id,
        "components": list(work.components.values_list("pk", flat=True)),
        "approved_investment": work.approved_investment,
        "note": "đã kiểm tra",
    }


def _bulk(url, item):
    def build(world, commune, user):
        work = world.works["c1" if commune == world.c1 else "c3"]
        return Request("post", url, {"data": {"items": [item(work)]}, "format": "json"})

    return build


def _progress(work):
    return {"work": work.code, "reported_on": "30/09/2024", "progress_percent": "41,5", "status": "construction"}


def _payment(work):
    return {
        "work": work.code,
        "year": 2024,
        "source": CapitalSourceChoices.CENTRAL,
        "capital_type": CapitalTypeChoices.INVESTMENT,
        "amount": 100_000_000,
        "voucher_number": "PC-MATRIX",
        "paid_on": "01/03/2024",
    }


def _bulk_refused(response, world, where, user):
    if where == "outside":  # the work outside is "not found" for the item, and nothing is written
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["refused"] == 1 and body["written"] is False
        assert body["errors"][0]["index"] == 0 and body["errors"][0]["field"] == "work"
    else:
        assert response.status_code == 200, response.content
        assert response.json()["created"] == 1


def _upload(world, commune, user):
    EthnicGroupFactory()
    body = {"kind": "households", "file": csv_file(household_rows(commune, 2))}
    return Request("post", "/api/v1/imports/", {"data": body, "format": "multipart"})


def _upload_checked(response, world, where, user):
    assert response.status_code == 202, response.content
    job = response.json()
    if where == "outside":  # checked, every row refused: the commune is not the official's
        assert job["counts"]["new"] == 0 and {error["row"] for error in job["errors"]} == {2, 3}
    else:
        assert job["counts"]["new"] == 2 and job["errors"] == []


def _job(world, commune, user, suffix=""):
    """A checked job: the official's own for C1, another official's for C3 (not theirs: 404)."""
    from imports.tasks import import_job_create

    EthnicGroupFactory()
    owner = user if commune == world.c1 else User.objects.create_user(username=f"other-{user.pk}")
    upload = csv_file(household_rows(world.c1, 1))
    job = import_job_create(user=owner, kind="households", upload=upload, skip_duplicates=False)
    return Request("get" if not suffix else "post", f"/api/v1/imports/{job.pk}/{suffix}", {})


def _counts():
    return (Work.objects.count(), ProgressReport.objects.count(), Disbursement.objects.count())


CASES: dict[tuple[str, str], Case] = {
    **{(f"/api/v1/{route}/", "get"): Case(get(f"/api/v1/{route}/"), outside=200) for route in READS},
    **{(f"/api/v1/{route}/{{key}}/", "get"): Case(get_key(label)) for route, label in READS.items()},
    **{(f"/api/v1/{route}/", "get"): Case(get(f"/api/v1/{route}/"), outside=200) for route in REFERENCE},
    **{(f"/api/v1/{route}/{{key}}/", "get"): None for route in REFERENCE},  # filled below
    **{
        (f"/api/v1/{route}/deleted/", "get"): Case(get(f"/api/v1/{route}/deleted/"), outside=200)
        for route in ["works", "households", "poverty-assessments", "progress-reports", "supports", "villages"]
    },
    ("/api/v1/summary/", "get"): Case(get("/api/v1/summary/?year=2024"), outside=200, check=_summary_is_the_communes),
    ("/api/v1/works/oc4ids/", "get"): Case(get("/api/v1/works/oc4ids/"), outside=200, check=_listed_codes),
    ("/api/v1/works/", "post"): Case(_new_work, writes=True, inside=201, outside=400, count=_counts),
    ("/api/v1/works/{key}/", "put"): Case(_change_work("put"), writes=True, count=_counts),
    ("/api/v1/works/{key}/", "patch"): Case(_change_work("patch"), writes=True, count=_counts),
    **{
        (url, "post"): Case(_bulk(url, item), writes=True, outside=None, check=_bulk_refused, count=_counts)
        for url, item in (("/api/v1/progress-reports/bulk/", _progress), ("/api/v1/disbursements/bulk/", _payment))
    },
    ("/api/v1/imports/", "get"): Case(get("/api/v1/imports/"), outside=200, writers_only=True),
    ("/api/v1/imports/", "post"): Case(_upload, writes=True, inside=202, outside=None, check=_upload_checked),
    ("/api/v1/imports/{key}/", "get"): Case(_job, writers_only=True),
    ("/api/v1/imports/{key}/confirm/", "post"): Case(
        lambda world, commune, user: _job(world, commune, user, "confirm/"), writes=True, inside=202
    ),
}


def _reference_key(route):
    def build(world, commune, user):
        row = {"provinces": commune.province, "communes": commune}.get(route)
        if row is None:
            row = ComponentFactory() if route == "components" else ComponentFactory().program
        return Request("get", f"/api/v1/{route}/{row.pk}/", {})

    return build


for _route in REFERENCE:  # reference data is everybody's: the row "outside" is found too
    CASES[(f"/api/v1/{_route}/{{key}}/", "get")] = Case(_reference_key(_route), outside=200)


def published_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    methods = {"get", "post", "put", "patch", "delete"}
    return {
        (path, method)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in methods and path not in ("/api/v1/schema/",)
    }


def test_every_operation_is_in_the_matrix():
    assert published_operations() == set(CASES)


def _send(client, request: Request):
    kwargs = dict(request.kwargs)
    data = kwargs.pop("data", None)
    if data is not None:
        return getattr(client, request.method)(request.url, data, **kwargs)
    return getattr(client, request.method)(request.url, **kwargs)


OPERATIONS = sorted(CASES)


@pytest.fixture(autouse=True)
def jobs_in_the_request(settings, tmp_path):
    settings.IMPORT_JOBS_RUNNER = "sync"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op[1].upper()} {op[0]}")
def test_nobody_unauthenticated_or_without_a_role_gets_anything(world, api_client, operation):
    from rest_framework.test import APIClient

    case = CASES[operation]
    nobody = User.objects.create_user(username="nobody")
    request = case.build(world, world.c1, nobody)
    anonymous = _send(APIClient(), request)
    assert anonymous.status_code == 401, (operation, anonymous.content[:200])
    refused = _send(api_client(nobody), case.build(world, world.c1, nobody))
    assert refused.status_code == 403, (operation, refused.content[:200])
    assert refused.json()["errors"][0]["code"] == "permission_denied"


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op[1].upper()} {op[0]}")
def test_each_role_inside_and_outside_its_commune(world, official_client, operation, role):
    case = CASES[operation]
    client, user = official_client(role, Level.COMMUNE, world.c1)
    for where, commune in (("inside", world.c1), ("outside", world.c3)):
        request = case.build(world, commune, user)
        before = case.count() if case.count else None
        response = _send(client, request)
        if (case.writes or case.writers_only) and role not in WRITERS:
            assert response.status_code == 403, (operation, role, where, response.content[:300])
            assert response.json()["errors"][0]["code"] == "permission_denied"
        else:
            expected = case.inside if where == "inside" else case.outside
            if expected is not None:
                assert response.status_code == expected, (operation, role, where, response.content[:300])
            if case.check is not None and (where == "inside" or expected is None or expected < 300):
                case.check(response, world, where, user)
        if before is not None and response.status_code >= 400:
            assert case.count() == before, f"{operation}: a refused write wrote"


def test_a_job_confirmed_outside_writes_nothing(world, official_client):
    """The import confirmed by its uploader writes the rows; another official's job cannot be confirmed."""
    client, user = official_client(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    request = _job(world, world.c3, user, "confirm/")
    assert _send(client, request).status_code == 404
    assert ImportJob.objects.get().status != "done"
    assert not world.c1.households.filter(code__startswith="IMP-").exists()


def test_reads_in_the_matrix_see_a_payment_only_inside(world, official_client):
    """Sanity of the matrix's world: a payment recorded in C3 is not in C1's summary."""
    services.disbursement_record(
        work=world.works["c3"],
        year=2024,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=7,
        voucher_number="PC-C3",
        paid_on=datetime.date(2024, 3, 1),
    )
    client, _user = official_client(Role.VIEWER, Level.COMMUNE, world.c1)
    assert client.get("/api/v1/summary/", {"year": 2024}).json()["total"]["disbursed"] == 0
