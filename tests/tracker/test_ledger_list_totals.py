"""The ledgers' lists (disbursements, allocations): their totals and date hierarchy read from the capital
summary when filtered by what it holds, from the rows otherwise; either way the sums of the rows shown."""

import datetime
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from programs.choices import CapitalEntryKindChoices, CapitalSourceChoices, CapitalTypeChoices
from tests.tracker.factories import AllocationFactory
from tracker.models import Allocation, CapitalSummary, Disbursement

pytestmark = pytest.mark.django_db

SOURCES = [CapitalSourceChoices.CENTRAL, CapitalSourceChoices.PROVINCE]
TYPES = [CapitalTypeChoices.INVESTMENT, CapitalTypeChoices.RECURRENT]


@pytest.fixture
def ledgers(world):
    """Entries of several years, sources, types and months on the world's works, a reversal and an extension."""
    pick = random.Random(7)
    for work in world.works.values():
        for year in (2023, 2024):
            for source in SOURCES:
                capital_type = pick.choice(TYPES)
                AllocationFactory(
                    work=work,
                    year=year,
                    source=source,
                    capital_type=capital_type,
                    amount=pick.randrange(1, 900) * 1_000_000,
                    decided_on=datetime.date(year, pick.randrange(1, 12), 10),
                )
                for n in range(3):
                    Disbursement.objects.create(
                        work=work,
                        year=year,
                        source=source,
                        capital_type=capital_type,
                        amount=pick.randrange(1, 300) * 1_000_000 + n,
                        voucher_number=f"PC-{work.pk}-{year}-{source}-{n}",
                        paid_on=datetime.date(year + n // 2, pick.randrange(1, 12), pick.randrange(1, 28)),
                    )
    first = Disbursement.objects.order_by("pk").first()
    Disbursement.objects.create(
        work=first.work,
        year=first.year,
        source=first.source,
        capital_type=first.capital_type,
        amount=-first.amount,
        voucher_number="PC-reversal",
        paid_on=datetime.date(2024, 6, 15),
        reverses=first,
    )
    AllocationFactory(
        work=first.work,
        year=2023,
        kind=CapitalEntryKindChoices.EXTENSION,
        amount=7_000_000,
        extended_until=datetime.date(2024, 12, 31),
    )
    return world


def _figures(response):
    totals = dict(response.context["totals"])
    label = "net disbursed (VND)" if "net disbursed (VND)" in totals else "allocated (VND)"
    return int(totals["entries"].replace(",", "")), int(totals[label].replace(",", ""))


def _expected(rows, ledger):
    changing = [r for r in rows if ledger == "disbursement" or r.kind != CapitalEntryKindChoices.EXTENSION]
    return len(rows), sum(r.amount for r in changing)


def _summary_read(queries) -> bool:
    return any(CapitalSummary._meta.db_table in q["sql"] for q in queries.captured_queries)


def _cases(world):
    """(parameters, read from the summary?) for each ledger."""
    p1 = world.p1.pk
    both = [
        ({}, True),
        ({"province": p1}, True),
        ({"year": 2024}, True),
        ({"province": p1, "year": 2023, "source__exact": SOURCES[0]}, True),
        ({"capital_type__exact": TYPES[1]}, True),
        ({"q": "PC"}, False),
    ]
    return {
        "disbursement": [
            *both,
            ({"paid_on__year": 2024}, True),
            ({"paid_on__year": 2024, "paid_on__month": 6}, True),
            ({"paid_on__lte": "2024-06-30"}, True),  # a month's end: the lines alone
            ({"paid_on__lte": "2024-06-15", "province": p1}, True),  # the lines, and the month's rows to the date
            ({"paid_on__lt": "2024-06-16"}, True),
            ({"paid_on__year": 2024, "paid_on__month": 6, "paid_on__day": 15}, False),
            ({"paid_on__gte": "2024-01-01"}, False),
            ({"reverses__isempty": "1"}, False),
        ],
        "allocation": [*both, ({"kind__exact": CapitalEntryKindChoices.EXTENSION}, False), ({"program": 1}, False)],
    }


def _rows(ledger, params, world):
    model = Disbursement if ledger == "disbursement" else Allocation
    rows = list(model.objects.select_related("work__commune"))

    def keep(row):
        commune = row.work.commune
        day = getattr(row, "paid_on", None)
        checks = {
            "province": lambda v: v in (commune.province_id, commune.current_province_id),
            "commune": lambda v: commune.pk == v,
            "year": lambda v: row.year == v,
            "source__exact": lambda v: row.source == v,
            "capital_type__exact": lambda v: row.capital_type == v,
            "q": lambda v: v in getattr(row, "voucher_number", "") or v in row.work.code,
            "paid_on__year": lambda v: day.year == v,
            "paid_on__month": lambda v: day.month == v,
            "paid_on__day": lambda v: day.day == v,
            "paid_on__lte": lambda v: day <= datetime.date.fromisoformat(v),
            "paid_on__lt": lambda v: day < datetime.date.fromisoformat(v),
            "paid_on__gte": lambda v: day >= datetime.date.fromisoformat(v),
            "reverses__isempty": lambda v: row.reverses_id is None,
            "kind__exact": lambda v: row.kind == v,
            "program": lambda v: row.component.program_id == v,
        }
        return all(checks[name](value) for name, value in params.items())

    return [row for row in rows if keep(row)]


@pytest.mark.parametrize("ledger", ["disbursement", "allocation"])
def test_totals_are_the_sums_of_the_rows_listed(admin_client, ledgers, ledger):
    for params, from_summary in _cases(ledgers)[ledger]:
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(reverse(f"admin:tracker_{ledger}_changelist"), params)
        assert response.status_code == 200, params
        assert _figures(response) == _expected(_rows(ledger, params, ledgers), ledger), params
        assert _summary_read(queries) == from_summary, params


def test_a_province_official_totals_only_their_province(client, ledgers, make_official):
    client.force_login(make_official(Role.VIEWER, Level.PROVINCE, ledgers.p2))
    for ledger in ("disbursement", "allocation"):
        response = client.get(reverse(f"admin:tracker_{ledger}_changelist"))
        assert _figures(response) == _expected(_rows(ledger, {"province": ledgers.p2.pk}, ledgers), ledger)
        everything = _expected(_rows(ledger, {}, ledgers), ledger)
        assert _figures(response)[0] < everything[0]


@pytest.mark.parametrize(
    "params",
    [{}, {"province": "P1"}, {"paid_on__year": 2024}, {"paid_on__year": 2024, "paid_on__month": 6}, {"q": "PC"}],
)
def test_the_date_hierarchy_offers_the_dates_that_hold_rows(admin_client, ledgers, params):
    params = {k: ledgers.p1.pk if v == "P1" else v for k, v in params.items()}
    response = admin_client.get(reverse("admin:tracker_disbursement_changelist"), params)
    days = [row.paid_on for row in _rows("disbursement", params, ledgers)]
    if "paid_on__month" in params:
        expected = [formats.date_format(d, "MONTH_DAY_FORMAT") for d in sorted(set(days))]
    elif "paid_on__year" in params:
        expected = [formats.date_format(d, "YEAR_MONTH_FORMAT") for d in sorted({d.replace(day=1) for d in days})]
    else:
        expected = [str(y) for y in sorted({d.year for d in days})]
    choices = [choice["title"] for choice in _date_hierarchy(response)["choices"]]
    assert choices == expected
    assert len(expected) > 1


def _date_hierarchy(response):
    from kernel.templatetags.ntp import ntp_date_hierarchy

    return ntp_date_hierarchy(response.context["cl"])


@pytest.mark.parametrize("params", [{}, {"paid_on__year": 2024}, {"paid_on__lte": "2024-12-31"}])
def test_the_date_hierarchy_is_read_from_the_summary_without_scanning_the_ledger(admin_client, ledgers, params):
    from tracker.models import CapitalSummary

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("admin:tracker_disbursement_changelist"), params)
    ledger, summary = Disbursement._meta.db_table, CapitalSummary._meta.db_table
    scans = [
        q["sql"]
        for q in queries.captured_queries
        if (ledger in q["sql"] and ("MIN(" in q["sql"] or "DISTINCT" in q["sql"]))
        or (summary in q["sql"] and "DISTINCT" in q["sql"])  # the whole country's months: walked on the index
    ]
    assert scans == []
    assert response.context["cl"].dated_months  # read from the summary


@pytest.mark.parametrize("params", [{"q": "PC"}, {"reverses__isempty": "1"}, {"q": "PC", "paid_on__year": 2024}])
def test_a_narrowed_list_reads_its_months_once_and_offers_what_django_would(admin_client, ledgers, params):
    from django.contrib.admin.templatetags.admin_list import date_hierarchy

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("admin:tracker_disbursement_changelist"), params)
    assert response.status_code == 200
    ledger = Disbursement._meta.db_table
    dated = [q["sql"] for q in queries.captured_queries if ledger in q["sql"] and "DATE_TRUNC" in q["sql"].upper()]
    ranges = [q["sql"] for q in queries.captured_queries if ledger in q["sql"] and "MIN(" in q["sql"]]
    assert len(dated) == 1 and ranges == []
    ours, djangos = _date_hierarchy(response), date_hierarchy(response.context["cl"])
    assert ours == djangos
    assert len(ours["choices"]) > 1
