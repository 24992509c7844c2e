"""The OC4IDS export through the API: the works the caller may view, filtered as the works list is, as a
valid package whose figures are the sums of the rows; nothing found is 404, too many 400; a fixed number of
queries."""

import datetime
import json

import jsonschema
import pytest
from django.contrib.auth.models import User
from django.db.models import Sum

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from programs.choices import CapitalEntryKindChoices, CapitalSourceChoices, CapitalTypeChoices
from tests.tracker.factories import AllocationFactory
from tracker import services
from tracker.models import Allocation, Disbursement
from tracker.oc4ids import SCHEMA_PATH

pytestmark = pytest.mark.django_db
URL = "/api/v1/works/oc4ids/"
CHANGING = (CapitalEntryKindChoices.ASSIGNED, CapitalEntryKindChoices.ADJUSTMENT)


def validate(package):
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(package)


def pay(work, voucher, amount, paid_on, year=2024):
    return services.disbursement_record(
        work=work,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        year=year,
        amount=amount,
        voucher_number=voucher,
        paid_on=paid_on,
    )


@pytest.fixture
def viewer(world, official_client):
    client, _user = official_client(Role.VIEWER, Level.COMMUNE, world.c1)
    return client


@pytest.fixture
def paid(world):
    """Payments on C1's work (one of them reversed, one in 2025) and on L1's."""
    work = world.works["c1"]
    pay(work, "KB-1", 300_000_000, datetime.date(2024, 3, 1))
    twice = pay(work, "KB-2", 200_000_000, datetime.date(2024, 4, 1))
    services.disbursement_reverse(disbursement=twice, reason="Nhập trùng", reversed_on=datetime.date(2024, 4, 5))
    pay(work, "KB-3", 100_000_000, datetime.date(2025, 1, 20))
    pay(world.works["l1"], "KB-9", 50_000_000, datetime.date(2024, 5, 1))
    return work


def test_the_jurisdictions_works_as_a_valid_package_whose_figures_are_the_sums_of_the_rows(world, viewer, paid):
    response = viewer.get(URL)
    assert response.status_code == 200, response.content
    package = response.json()
    validate(package)
    assert package["uri"] == "http://testserver/api/v1/works/oc4ids/"
    mine = {world.works["c1"], world.works["l1"]}  # not C2's or C3's
    projects = {project["identifiers"][0]["id"]: project for project in package["projects"]}
    assert set(projects) == {work.code for work in mine}
    for work in mine:
        project = projects[work.code]
        allocated = Allocation.objects.filter(work=work, kind__in=CHANGING).aggregate(total=Sum("amount"))["total"]
        assert project["budget"]["amount"] == {"amount": allocated, "currency": "VND"}
        transactions = [t["value"]["amount"] for t in project.get("transactions", [])]
        assert sum(transactions) == Disbursement.objects.filter(work=work).total()
    assert [t["value"]["amount"] for t in projects[paid.code]["transactions"]] == [
        300_000_000,
        200_000_000,
        -200_000_000,
        100_000_000,
    ]


def test_as_of_limits_the_figures(world, viewer, paid):
    response = viewer.get(URL, {"as_of": "31/12/2024", "commune": world.c1.pk})
    assert response.status_code == 200
    package = response.json()
    assert package["publishedDate"] == "2024-12-31T23:59:59+07:00"
    project = next(p for p in package["projects"] if p["identifiers"][0]["id"] == paid.code)
    as_of = Disbursement.objects.filter(work=paid, paid_on__lte=datetime.date(2024, 12, 31)).total()
    assert sum(t["value"]["amount"] for t in project["transactions"]) == as_of == 300_000_000


def test_the_works_filters_narrow_the_package(world, official_client, paid):
    client, _user = official_client(Role.VIEWER, Level.PROVINCE, world.p1)
    codes = lambda response: {p["identifiers"][0]["id"] for p in response.json()["projects"]}  # noqa: E731
    assert codes(client.get(URL)) == {world.works[name].code for name in ("c1", "l1", "c2")}
    assert codes(client.get(URL, {"commune": world.c2.pk})) == {world.works["c2"].code}
    assert codes(client.get(URL, {"year": 2024})) == {world.works[name].code for name in ("c1", "l1", "c2")}
    response = client.get(URL, {"year": 2031})
    assert response.status_code == 404
    [error] = response.json()["errors"]
    assert error["code"] == "not_found" and "No work matches these filters" in error["message"]


def test_another_jurisdictions_commune_is_nothing_found(world, viewer):
    response = viewer.get(URL, {"commune": world.c3.pk})
    assert response.status_code == 404  # its works are not in what this official may view
    assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize(("params", "field"), [({"as_of": "31/02/2025"}, "as_of"), ({"year": "twenty"}, "year")])
def test_a_wrong_parameter_is_400_naming_it(viewer, params, field):
    response = viewer.get(URL, params)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_more_works_than_a_package_holds_is_400_asking_to_narrow(world, official_client, monkeypatch):
    monkeypatch.setattr("tracker.api.oc4ids.MAX_WORKS", 2)
    client, _user = official_client(Role.VIEWER, Level.NATIONAL)
    response = client.get(URL)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == (None, "too_many")
    assert error["message"].startswith("A package holds at most 2 works") and "narrow" in error["message"]
    assert client.get(URL, {"province": world.p2.pk}).status_code == 200  # C3's one work


def test_a_user_without_a_role_is_refused(world, api_client):
    client = api_client(User.objects.create_user(username="nobody-oc4ids"))
    response = client.get(URL)
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"
    assert api_client().get(URL).status_code == 401


def test_a_fixed_number_of_queries_for_one_work_and_for_five(
    world, make_official, api_client, paid, django_assert_num_queries
):
    client = api_client(make_official(Role.VIEWER, Level.NATIONAL))
    client.get(URL)  # the token's first use is written once a minute: not counted below
    for _ in range(2):
        extra = AllocationFactory(work__commune=world.c2, amount=300_000_000).work
        pay(extra, f"KB-{extra.pk}", 10_000_000, datetime.date(2024, 6, 1))
    # The token, the role's permissions (one query: kernel/auth.py), the jurisdiction, the province filter's
    # row, the works' keys, and the package's five.
    with django_assert_num_queries(10):
        response = client.get(URL, {"province": world.p2.pk})
    assert len(response.json()["projects"]) == 1  # C3's
    with django_assert_num_queries(10):
        response = client.get(URL, {"province": world.p1.pk})
    assert len(response.json()["projects"]) == 5  # C1, L1, C2 and the two new ones of C2
