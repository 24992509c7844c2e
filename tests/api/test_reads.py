"""Reading through the API: only the jurisdiction's rows (another's are 404), rows named by key or code, the
works' capital and progress, personal data masked (and not filterable), cursor pages that neither skip nor
repeat, changes since a moment (deletions too), the summary's figures those of the querysets, and a fixed
number of queries per list whatever the page size."""

import datetime

import pytest
from django.utils import timezone, translation

from kernel.access import VIEW
from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from tests.localities.factories import VillageFactory
from tests.tracker.factories import AllocationFactory, EthnicGroupFactory, HouseholdFactory, WorkFactory
from tracker import services
from tracker.choices import WorkStatusChoices
from tracker.models import Work

pytestmark = pytest.mark.django_db
ID_NUMBER = "006187654321"


def rows(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_commune_officials_lists_hold_only_their_commune(world, official_client):
    client, _user = official_client(Role.VIEWER, Level.COMMUNE, world.c1)
    codes = {row["code"] for row in rows(client, "/api/v1/works/")}
    assert codes == {world.works["c1"].code, world.works["l1"].code}
    households = {row["code"] for row in rows(client, "/api/v1/households/")}
    assert households == {world.households["c1"].code, world.households["l1"].code}
    allocations = {row["work"] for row in rows(client, "/api/v1/allocations/")}
    assert allocations == {world.works["c1"].pk, world.works["l1"].pk}


def test_a_province_official_sees_the_province(world, official_client):
    client, _user = official_client(Role.VIEWER, Level.PROVINCE, world.p1)
    codes = {row["code"] for row in rows(client, "/api/v1/works/")}
    assert codes == {world.works[name].code for name in ("c1", "l1", "c2")}


@pytest.mark.parametrize("route", ["works", "households", "allocations"])
def test_an_object_of_another_commune_is_not_found(world, official_client, route):
    client, _user = official_client(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    obj = {"works": world.works["c3"], "households": world.households["c3"]}.get(route)
    obj = obj or world.works["c3"].allocations.get()
    response = client.get(f"/api/v1/{route}/{obj.pk}/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
    if hasattr(obj, "code"):
        assert client.get(f"/api/v1/{route}/code:{obj.code}/").status_code == 404


def test_works_by_key_or_code_with_capital_progress_and_etag(world, official_client):
    client, _user = official_client(Role.VIEWER, Level.COMMUNE, world.c1)
    work = world.works["c1"]
    services.disbursement_record(
        work=work,
        year=2024,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=250_000_000,
        voucher_number="PC-1",
        paid_on=datetime.date(2024, 3, 1),
    )
    services.progress_report_record(
        work=work,
        reported_on=datetime.date(2024, 3, 5),
        progress_percent=40,
        status=WorkStatusChoices.UNDER_CONSTRUCTION,
    )
    work.refresh_from_db()
    by_key = client.get(f"/api/v1/works/{work.pk}/")
    by_code = client.get(f"/api/v1/works/code:{work.code}/")
    by_scheme = client.get(f"/api/v1/works/{work.code}/", {"id_scheme": "code"})
    assert by_key.json() == by_code.json() == by_scheme.json()
    data = by_key.json()
    assert data["allocated"] == 1_000_000_000
    assert data["disbursed"] == 250_000_000
    assert data["progress_percent"] == "40.00"
    assert data["progress_on"] == "2024-03-05"
    assert data["commune_code"] == world.c1.code
    assert data["components"] == [c.pk for c in work.components.all()]
    assert by_key["ETag"] == f'"{work.version}"'
    unchanged = client.get(f"/api/v1/works/{work.pk}/", HTTP_IF_NONE_MATCH=by_key["ETag"])
    assert unchanged.status_code == 304 and unchanged["ETag"] == by_key["ETag"]
    assert client.get(f"/api/v1/works/{work.pk}/", HTTP_IF_NONE_MATCH='"999"').status_code == 200
    assert client.get("/api/v1/works/code:NO-SUCH/").status_code == 404
    assert client.get("/api/v1/works/abc/").status_code == 404


def test_communes_by_gso_code_on_both_maps_with_the_mapping_and_searched_without_accents(world, official_client):
    client, _user = official_client(Role.VIEWER, Level.COMMUNE, world.c1)
    legacy = client.get(f"/api/v1/communes/legacy:{world.l1.code}/").json()
    assert legacy["id"] == world.l1.pk
    assert [s["commune"] for s in legacy["successors"]] == [world.c1.pk]
    current = client.get(f"/api/v1/communes/code:{world.c1.code}/").json()
    assert current["id"] == world.c1.pk
    assert [p["commune"] for p in current["predecessors"]] == [world.l1.pk]
    # "Xã Bình Yên <n>", searched as typed without accents.
    term = world.c1.short_name.replace("ì", "i").replace("ê", "e").lower()
    found = {row["id"] for row in rows(client, "/api/v1/communes/", q=term, generation="2025")}
    assert world.c1.pk in found
    # The real units loaded for the session: Thái Nguyên, typed without accents.
    provinces = {row["name"] for row in rows(client, "/api/v1/provinces/", q="thai nguyen")}
    assert any("Thái Nguyên" in name for name in provinces)


def test_programs_with_their_component_tree_by_code(world, official_client):
    client, _user = official_client(Role.VIEWER, Level.COMMUNE, world.c1)
    component = world.works["c1"].components.get()
    program = component.program
    data = client.get(f"/api/v1/programs/code:{program.code}/").json()
    assert data["id"] == program.pk
    assert [c["code"] for c in data["components"]] == [component.code]
    one = client.get(f"/api/v1/components/code:{program.code}:{component.code}/").json()
    assert one["id"] == component.pk and one["program_code"] == program.code


@pytest.fixture
def household(world):
    group = EthnicGroupFactory(code="34", name="Xinh-mun")
    return HouseholdFactory(id_number=ID_NUMBER, ethnic_group=group, village=VillageFactory(commune=world.c1))


@pytest.mark.parametrize(("role", "shown"), [(Role.VIEWER, False), (Role.APPROVER, False), (Role.DATA_ENTRY, True)])
def test_personal_data_is_masked_unless_the_role_shows_it(world, official_client, household, role, shown):
    client, _user = official_client(role, Level.COMMUNE, world.c1)
    listing = client.get("/api/v1/households/")
    one = client.get(f"/api/v1/households/code:{household.code}/")
    for body in (listing.content.decode(), one.content.decode()):
        assert (ID_NUMBER in body) == shown
        assert "Xinh-mun" not in body
    data = one.json()
    assert data["id_number"] == (ID_NUMBER if shown else "0061******21")
    assert data["ethnic_group"] == ("34" if shown else "***")


@pytest.mark.parametrize("params", [{"id_number": ID_NUMBER}, {"id_number__startswith": "0061"}, {"ethnic_group": "1"}])
def test_filtering_by_personal_data_is_refused_to_roles_that_do_not_see_it(world, official_client, household, params):
    client, _user = official_client(Role.VIEWER, Level.COMMUNE, world.c1)
    response = client.get("/api/v1/households/", params)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == next(iter(params)) and error["code"] == "personal_data"


def test_data_entry_finds_a_household_by_id_number(world, official_client, household):
    client, _user = official_client(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    assert [row["code"] for row in rows(client, "/api/v1/households/", id_number=ID_NUMBER)] == [household.code]
    assert rows(client, "/api/v1/households/", id_number="001100110011") == []


def test_cursor_pages_neither_skip_nor_repeat_rows_written_between_them(world, official_client):
    client, _user = official_client(Role.VIEWER, Level.NATIONAL)
    for _ in range(6):
        AllocationFactory(work__commune=world.c1)
    expected = set(Work.objects.values_list("pk", flat=True))
    seen, url, inserted = [], "/api/v1/works/?page_size=3", 0
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        if inserted < 2:  # somebody writes while the client pages
            expected.add(WorkFactory(commune=world.c2).pk)
            inserted += 1
        url = page["next"]
    assert len(seen) == len(set(seen)), "a row was repeated"
    assert set(seen) == expected, "a row was skipped"


def test_updated_since_and_deleted_rows(world, official_client):
    client, _user = official_client(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    before = timezone.now()
    Work.objects.filter(pk=world.works["c1"].pk).update(updated_at=before - datetime.timedelta(days=2))
    Work.objects.filter(pk=world.works["l1"].pk).update(updated_at=before - datetime.timedelta(days=2))
    since = timezone.localtime(before - datetime.timedelta(days=1)).strftime("%d/%m/%Y %H:%M")
    assert rows(client, "/api/v1/works/", updated_since=since) == []
    fresh = WorkFactory(commune=world.c1)
    assert [row["id"] for row in rows(client, "/api/v1/works/", updated_since=since)] == [fresh.pk]
    # Disbursements have no updated_at: their history says when they changed.
    payment = services.disbursement_record(
        work=world.works["c1"],
        year=2024,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=5,
        voucher_number="PC-7",
        paid_on=datetime.date(2024, 2, 1),
    )
    reversal = services.disbursement_reverse(
        disbursement=payment, reason="twice", reversed_on=datetime.date(2024, 2, 2)
    )
    changed = rows(client, "/api/v1/disbursements/", updated_since=since)
    assert {(row["id"], row["amount"], row["reverses"]) for row in changed} == {
        (payment.pk, 5, None),
        (reversal.pk, -5, payment.pk),
    }
    # A deletion, seen by a puller; one outside the jurisdiction is not.
    services.work_delete(work=fresh)
    services.work_delete(work=WorkFactory(commune=world.c3))
    deleted = rows(client, "/api/v1/works/deleted/", updated_since=since)
    assert [(row["id"], row["code"]) for row in deleted] == [(fresh.pk, fresh.code)]
    bad = client.get("/api/v1/works/", {"updated_since": "yesterday"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "updated_since"


def test_errors_are_in_the_callers_language(world, official_client):
    client, _user = official_client(Role.VIEWER, Level.COMMUNE, world.c1)
    english = client.get("/api/v1/works/", {"year": "2.025"}, HTTP_ACCEPT_LANGUAGE="en").json()
    with translation.override("vi"):
        vietnamese = client.get("/api/v1/works/", {"year": "2.025"}, HTTP_ACCEPT_LANGUAGE="vi").json()
    assert english["errors"][0]["field"] == vietnamese["errors"][0]["field"] == "year"
    assert english["errors"][0]["message"] != vietnamese["errors"][0]["message"]
    missing = client.get("/api/v1/works/999999/", HTTP_ACCEPT_LANGUAGE="vi").json()
    assert missing["errors"][0]["code"] == "not_found"


def test_the_summary_gives_the_querysets_figures(world, official_client, make_official):
    client, user = official_client(Role.VIEWER, Level.PROVINCE, world.p1)
    services.disbursement_record(
        work=world.works["c1"],
        year=2024,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=400_000_000,
        voucher_number="PC-2",
        paid_on=datetime.date(2024, 5, 1),
    )
    data = client.get("/api/v1/summary/", {"year": 2024, "as_of": "30/06/2024", "by": "commune"}).json()
    works = Work.objects.restrict(user, VIEW).in_year(2024)
    totals = works.totals(year=2024, as_of=datetime.date(2024, 6, 30))
    assert data["total"]["works"] == totals["works"] == 3
    assert data["total"]["allocated"] == totals["allocated"] == 3_000_000_000
    assert data["total"]["disbursed"] == totals["disbursed"] == 400_000_000
    assert {row["key"]: row["disbursed"] for row in data["rows"]} == {
        str(world.c1.pk): 400_000_000,
        str(world.c2.pk): 0,
        str(world.l1.pk): 0,
    }
    assert [row["key"] for row in data["by_capital_type"]] == [CapitalTypeChoices.INVESTMENT]
    # Before the payment, as of a date.
    early = client.get("/api/v1/summary/", {"year": 2024, "as_of": "30/04/2024"}).json()
    assert early["total"]["disbursed"] == 0
    narrowed = client.get("/api/v1/summary/", {"year": 2024, "commune": world.c2.pk}).json()
    assert narrowed["total"]["works"] == 1
    bad = client.get("/api/v1/summary/", {"by": "village", "as_of": "31/02/2024"})
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"by", "as_of"}


LIST_ROUTES = [
    "provinces",
    "communes",
    "villages",
    "programs",
    "components",
    "capital-plan-entries",
    "works",
    "allocations",
    "disbursements",
    "progress-reports",
    "households",
    "poverty-assessments",
    "supports",
    "imports",
    "works/deleted",
    "households/deleted",
]


@pytest.fixture
def many_rows(world):
    """Enough rows of every kind in C1 for a page of 50 to be fuller than a page of 1."""
    from programs.models import CapitalPlanEntry
    from tests.tracker.factories import PovertyStandardFactory

    PovertyStandardFactory()
    for i in range(3):
        work = AllocationFactory(work__commune=world.c1).work
        services.disbursement_record(
            work=work,
            year=2024,
            source=CapitalSourceChoices.CENTRAL,
            capital_type=CapitalTypeChoices.INVESTMENT,
            amount=10,
            voucher_number=f"PC-{i}",
            paid_on=datetime.date(2024, 3, 3),
        )
        services.progress_report_record(
            work=work,
            reported_on=datetime.date(2024, 3, 3),
            progress_percent=20,
            status=WorkStatusChoices.UNDER_CONSTRUCTION,
        )
        household = HouseholdFactory(village=VillageFactory(commune=world.c1))
        services.poverty_assessment_record(household=household, year=2023, status="poor")
        services.support_record(
            household=household, component=work.components.get(), year=2023, kind="livestock", quantity=2
        )
        CapitalPlanEntry.objects.create(
            component=work.components.get(),
            year=2024,
            province=world.p1,
            commune=world.c1,
            source=CapitalSourceChoices.CENTRAL,
            capital_type=CapitalTypeChoices.INVESTMENT,
            amount=5,
            decided_on=datetime.date(2024, 1, 2),
        )
        services.work_delete(work=WorkFactory(commune=world.c1))
        services.household_delete(household=HouseholdFactory(village=VillageFactory(commune=world.c1)))


@pytest.mark.parametrize("route", LIST_ROUTES)
def test_every_list_runs_a_fixed_number_of_queries_whatever_the_page_size(
    world, many_rows, make_official, api_client, django_assert_num_queries, route
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.test_admin_pages import _import_job

    client = api_client(make_official(Role.NATIONAL_ADMIN, Level.NATIONAL))
    for _ in range(3):
        _import_job()
    url = f"/api/v1/{route}/"
    client.get(url, {"page_size": 1})  # the token's first use is written once
    with CaptureQueriesContext(connection) as one:
        first = client.get(url, {"page_size": 1})
    assert first.status_code == 200 and len(first.json()["results"]) == 1, route
    with django_assert_num_queries(len(one.captured_queries)):
        many = client.get(url, {"page_size": 50})
    assert len(many.json()["results"]) > 1, route
