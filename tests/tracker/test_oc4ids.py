"""Works as an OC4IDS project package: the figures are the sums of the rows, the package is valid, the queries few."""

import datetime
import json
from decimal import Decimal

import jsonschema
import pytest
from django.db.models import Sum

from programs.choices import CapitalEntryKindChoices, CapitalSourceChoices, CapitalTypeChoices
from tests.tracker.factories import WorkFactory
from tracker import services
from tracker.choices import CapacityUnitChoices, WorkStatusChoices, WorkTypeChoices
from tracker.models import Allocation, Disbursement, ProgressReport, Work
from tracker.oc4ids import SCHEMA_PATH, project_package

pytestmark = pytest.mark.django_db
AS_OF = datetime.date(2025, 6, 30)
CHANGING = (CapitalEntryKindChoices.ASSIGNED, CapitalEntryKindChoices.ADJUSTMENT)


@pytest.fixture
def road(world):
    """The world's work of C1 (1.000.000.000 VND allocated for 2024) with more capital, payments and progress."""
    work = world.works["c1"]
    work.capacity, work.capacity_unit, work.investor = Decimal("3"), CapacityUnitChoices.KM, "UBND xã Bình Yên"
    work.latitude, work.longitude = Decimal("22.141"), Decimal("105.834")
    work.save()
    component = work.components.get()
    common = {"work": work, "component": component}
    services.allocation_record(
        **common,
        year=2024,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=-100_000_000,
        kind=CapitalEntryKindChoices.ADJUSTMENT,
        decided_on=datetime.date(2024, 6, 1),
    )
    services.allocation_record(
        **common,
        year=2025,
        source=CapitalSourceChoices.PROVINCE,
        capital_type=CapitalTypeChoices.RECURRENT,
        amount=250_000_000,
        decided_on=datetime.date(2025, 2, 1),
    )
    services.allocation_record(  # an extension adds no capital
        **common,
        year=2024,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=0,
        kind=CapitalEntryKindChoices.EXTENSION,
        extended_until=datetime.date(2025, 12, 31),
        decided_on=datetime.date(2025, 1, 10),
    )
    services.allocation_record(  # after the date of the package
        **common,
        year=2025,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=400_000_000,
        decided_on=datetime.date(2025, 8, 1),
    )
    pay = {"work": work, "source": CapitalSourceChoices.CENTRAL, "capital_type": CapitalTypeChoices.INVESTMENT}
    services.disbursement_record(
        **pay, year=2024, amount=300_000_000, voucher_number="KB-1", paid_on=datetime.date(2024, 3, 1)
    )
    twice = services.disbursement_record(
        **pay, year=2024, amount=300_000_000, voucher_number="KB-1", paid_on=datetime.date(2024, 3, 1)
    )
    services.disbursement_reverse(disbursement=twice, reason="Nhập trùng", reversed_on=datetime.date(2024, 3, 5))
    services.disbursement_record(
        work=work,
        source=CapitalSourceChoices.PROVINCE,
        capital_type=CapitalTypeChoices.RECURRENT,
        year=2025,
        amount=50_000_000,
        voucher_number="KB-2",
        paid_on=datetime.date(2025, 3, 10),
    )
    for day, percent, done in ((datetime.date(2024, 9, 30), 41, "1.2"), (datetime.date(2025, 3, 31), "62.5", None)):
        services.progress_report_record(
            work=work,
            reported_on=day,
            progress_percent=Decimal(percent),
            quantity_done=Decimal(done) if done else None,
            status=WorkStatusChoices.UNDER_CONSTRUCTION,
        )
    services.progress_report_record(  # after the date of the package
        work=work,
        reported_on=datetime.date(2025, 9, 30),
        progress_percent=80,
        status=WorkStatusChoices.UNDER_CONSTRUCTION,
    )
    work.refresh_from_db()
    return work


def validate(package):
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(package)


def amounts(node):
    """Every money amount of a package (the `amount` of each Value)."""
    if isinstance(node, dict):
        if set(node) == {"amount", "currency"}:
            yield node["amount"]
        for value in node.values():
            yield from amounts(value)
    elif isinstance(node, list):
        for value in node:
            yield from amounts(value)


def test_the_figures_are_the_sums_of_the_rows_as_of_the_date(road):
    package = project_package(Work.objects.filter(pk=road.pk), as_of=AS_OF, uri="https://example.org/oc4ids/1")
    validate(package)
    [project] = package["projects"]
    assert project["id"] == f"oc4ids-ntpvn-{road.code}"
    assert package["publishedDate"] == "2025-06-30T23:59:59+07:00"

    allocations = Allocation.objects.filter(work=road, kind__in=CHANGING, decided_on__lte=AS_OF)
    allocated = allocations.aggregate(total=Sum("amount"))["total"]
    assert allocated == 1_000_000_000 - 100_000_000 + 250_000_000
    assert project["budget"]["amount"] == {"amount": allocated, "currency": "VND"}
    [breakdowns] = project["budget"]["budgetBreakdowns"]
    expected = {
        f"{row['year']}-{row['source']}-{row['capital_type']}": row["total"]
        for row in allocations.values("year", "source", "capital_type").annotate(total=Sum("amount"))
    }
    assert {line["id"]: line["amount"]["amount"] for line in breakdowns["budgetBreakdown"]} == expected
    assert expected == {"2024-central-investment": 900_000_000, "2025-province-recurrent": 250_000_000}

    disbursements = Disbursement.objects.filter(work=road, paid_on__lte=AS_OF)
    values = [t["value"]["amount"] for t in project["transactions"]]
    assert values == [300_000_000, 300_000_000, -300_000_000, 50_000_000]  # the reversal, negative
    assert sum(values) == disbursements.total() == 350_000_000

    metrics = {metric["id"]: metric for metric in project["metrics"]}
    physical = metrics["physicalProgress"]["observations"]
    reports = ProgressReport.objects.filter(work=road, reported_on__lte=AS_OF).order_by("reported_on")
    assert [o["measure"] for o in physical if o["id"].endswith("-percent")] == [41, 62.5]
    assert [o for o in physical if o["id"].endswith("-quantity")][0]["unit"] == {
        "name": "km",
        "scheme": "UNCEFACT",
        "id": "KMT",
    }
    assert len([o for o in physical if o["id"].endswith("-percent")]) == reports.count()
    financial = {o["id"]: o for o in metrics["financialProgress"]["observations"]}
    assert financial["financial-total"]["value"]["amount"] == 350_000_000
    assert financial["financial-total"]["measure"] == round(350 / 1150 * 100, 2)  # 30.43
    assert financial["financial-2024"]["measure"] == round(300 / 900 * 100, 2)
    assert financial["financial-2025"]["measure"] == 20  # 50 of 250 million

    assert all(isinstance(amount, int) for amount in amounts(package))  # money: integers, never floats
    json.dumps(package)  # plain JSON: no Decimal, no date objects


def test_everything_recorded_without_a_date_and_the_parties_and_locations(road, world):
    package = project_package(Work.objects.filter(pk__in=[road.pk, world.works["l1"].pk]))
    validate(package)
    project, legacy = sorted(package["projects"], key=lambda p: p["id"] != f"oc4ids-ntpvn-{road.code}")
    assert project["budget"]["amount"]["amount"] == 1_550_000_000
    assert sum(t["value"]["amount"] for t in project["transactions"]) == 350_000_000
    assert project["publicAuthority"] == {"id": "VN-ubnd-xa-binh-yen", "name": "UBND xã Bình Yên"}
    assert project["parties"] == [{**project["publicAuthority"], "roles": ["publicAuthority"]}]
    [location] = project["locations"]
    assert location["gazetteer"] == {"scheme": "VN-GSO", "identifiers": [world.c1.code]}
    assert location["address"]["region"] == world.p1.name
    assert location["geometry"] == {"type": "Point", "coordinates": [105.834, 22.141]}
    # A work of a commune of before 1 July 2025: the commune it was recorded in, and the one it became.
    assert [loc["gazetteer"]["identifiers"] for loc in legacy["locations"]] == [[world.l1.code], [world.c1.code]]
    assert legacy["parties"][0]["name"] == f"People's Committee of {world.l1.name}"  # no investor named
    assert "transactions" not in legacy and "physicalProgress" not in str(legacy.get("metrics"))


@pytest.mark.parametrize(
    ("status", "work_type", "maintenance", "expected"),
    [
        (WorkStatusChoices.PROPOSED, WorkTypeChoices.SCHOOL, False, ("identification", "construction", ["education"])),
        (
            WorkStatusChoices.APPROVED,
            WorkTypeChoices.BRIDGE,
            True,
            ("preparation", "rehabilitation", ["transport", "transport.road"]),
        ),
        (WorkStatusChoices.SUSPENDED, WorkTypeChoices.POWER, False, ("implementation", "construction", ["energy"])),
        (
            WorkStatusChoices.SETTLED,
            WorkTypeChoices.DOMESTIC_WATER,
            False,
            ("completion", "construction", ["waterAndWaste"]),
        ),
        (WorkStatusChoices.CANCELLED, WorkTypeChoices.OTHER, False, ("cancelled", "construction", None)),
    ],
)
def test_status_type_and_sector_come_from_the_codelists(world, status, work_type, maintenance, expected):
    done = datetime.date(2025, 5, 1) if status == WorkStatusChoices.SETTLED else None
    work = WorkFactory(
        commune=world.c2, status=status, work_type=work_type, is_maintenance=maintenance, actual_completion_date=done
    )
    package = project_package(Work.objects.filter(pk=work.pk))
    validate(package)
    [project] = package["projects"]
    assert (project["status"], project["type"], project.get("sector")) == expected


def test_a_constant_number_of_queries_for_any_number_of_works(road, world, django_assert_num_queries):
    with django_assert_num_queries(5):
        project_package(Work.objects.filter(pk=road.pk))
    for work in world.works.values():
        if work != road:
            services.progress_report_record(
                work=work, reported_on=datetime.date(2025, 1, 31), progress_percent=10, status="construction"
            )
    with django_assert_num_queries(5):
        package = project_package(Work.objects.all())
    assert len(package["projects"]) == Work.objects.count() == 4


def test_no_works_is_an_empty_list_of_projects(db):
    package = project_package(Work.objects.none())
    assert package["projects"] == [] and package["version"] == "0.9"
    with pytest.raises(jsonschema.ValidationError):
        validate(package)  # the standard wants at least one project: the caller answers "nothing found"
