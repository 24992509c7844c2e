"""The capital summary the status pages read: exact after every kind of write, as of any date.

Every figure read through `WorkQuerySet.capital_by` / `totals` / `with_capital` (summary lines of the months
before the date, plus that month's entries up to it) is compared with sums of the ledger rows computed here
in Python, after writes through the services, the spreadsheet import, plain ORM saves and deletes, and a
work moved to another commune; on several dates: none, before everything, mid-month, a month's end, the
last day of a leap February, after everything.
"""

import datetime
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from imports.engine import run_import
from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from programs.choices import CapitalEntryKindChoices, CapitalSourceChoices, CapitalTypeChoices
from programs.querysets import CAPITAL_CHANGING_KINDS
from tests.tracker.factories import AllocationFactory, pay
from tests.tracker.imports.test_capital_kinds import DISBURSEMENT_HEADER, csv_file
from tracker import capital_summary, services
from tracker.models import Allocation, CapitalSummary, Disbursement, Work

pytestmark = pytest.mark.django_db

CENTRAL, LOCAL = CapitalSourceChoices.CENTRAL, CapitalSourceChoices.PROVINCE
INVESTMENT, RECURRENT = CapitalTypeChoices.INVESTMENT, CapitalTypeChoices.RECURRENT
D = datetime.date
DATES = [
    None,
    D(2023, 12, 31),
    D(2024, 1, 15),
    D(2024, 2, 29),
    D(2024, 3, 31),
    D(2024, 6, 30),
    D(2024, 7, 1),
    D(2030, 1, 1),
]


def independent_sums(fields, *, year, as_of):
    """The same split, summed here from the ledger rows one by one."""
    sums = defaultdict(lambda: {"allocated": 0, "disbursed": 0})

    def key(entry):
        values = {
            "province": entry.work.commune.current_province_id,
            "commune": entry.work.commune_id,
            "work": entry.work_id,
            "capital_type": entry.capital_type,
            "source": entry.source,
        }
        return tuple(values[field] for field in fields)

    for entry in Allocation.objects.select_related("work__commune"):
        if entry.kind in CAPITAL_CHANGING_KINDS and (year is None or entry.year == year):
            if as_of is None or entry.decided_on <= as_of:
                sums[key(entry)]["allocated"] += entry.amount
    for entry in Disbursement.objects.select_related("work__commune"):
        if (year is None or entry.year == year) and (as_of is None or entry.paid_on <= as_of):
            sums[key(entry)]["disbursed"] += entry.amount
    return {k: v for k, v in sums.items() if v["allocated"] or v["disbursed"]}


def assert_exact():
    assert capital_summary.differences() == []
    works = Work.objects.all()
    for as_of in DATES:
        for year in (2024, 2025, None):
            for fields in (("province", "capital_type", "source"), ("commune", "work"), ("source",)):
                assert works.capital_by(*fields, year=year, as_of=as_of) == independent_sums(
                    fields, year=year, as_of=as_of
                ), (fields, year, as_of)
            whole = independent_sums(("source",), year=year, as_of=as_of).values()
            totals = works.totals(year=year, as_of=as_of)
            assert totals["allocated"] == sum(line["allocated"] for line in whole)
            assert totals["disbursed"] == sum(line["disbursed"] for line in whole)
            per_work = independent_sums(("work",), year=year, as_of=as_of)
            for work in works.with_capital(year, as_of=as_of):
                expected = per_work.get((work.pk,), {"allocated": 0, "disbursed": 0})
                assert (work.allocated, work.disbursed) == (expected["allocated"], expected["disbursed"])


def allocate(work, amount, day, *, year=2024, source=CENTRAL, capital_type=INVESTMENT, kind="assigned", until=None):
    return services.allocation_record(
        work=work,
        component=work.components.first(),
        year=year,
        source=source,
        capital_type=capital_type,
        amount=amount,
        decided_on=day,
        kind=kind,
        extended_until=until,
    )


@pytest.fixture
def ledger(world):
    c1, l1, c2 = (world.works[name] for name in ("c1", "l1", "c2"))
    allocate(c1, 900_000_000, D(2024, 1, 10))
    allocate(c1, 300_000_000, D(2024, 1, 20), source=LOCAL, capital_type=RECURRENT)
    allocate(c1, -100_000_000, D(2024, 3, 31), kind=CapitalEntryKindChoices.ADJUSTMENT)
    allocate(c1, 200_000_000, D(2024, 12, 1), kind=CapitalEntryKindChoices.EXTENSION, until=D(2025, 12, 31))
    allocate(l1, 500_000_000, D(2024, 2, 29))
    allocate(c2, 700_000_000, D(2024, 7, 1))
    allocate(c2, 400_000_000, D(2025, 1, 5), year=2025)
    pay(c1, 300_000_000, D(2024, 1, 15))
    wrong = pay(c1, 50_000_000, D(2024, 2, 29))
    services.disbursement_reverse(disbursement=wrong, reason="nhập trùng", reversed_on=D(2024, 3, 1))
    pay(c1, 120_000_000, D(2024, 3, 31), source=LOCAL, capital_type=RECURRENT)
    pay(l1, 250_000_000, D(2024, 6, 30))
    pay(c2, 80_000_000, D(2024, 7, 1))
    pay(c1, 100_000_000, D(2025, 3, 1))  # extended capital of 2024, paid in 2025
    pay(c2, 10_000_000, D(2025, 2, 1), year=2025)
    return world


def test_the_figures_equal_the_ledgers_after_the_services_wrote(ledger):
    assert CapitalSummary.objects.exists()
    assert_exact()


def test_and_after_rows_written_deleted_and_changed_without_the_services(ledger):
    c1, c3 = ledger.works["c1"], ledger.works["c3"]
    made = AllocationFactory(work=c3, amount=1_234_567_890, decided_on=D(2024, 5, 5))  # a plain ORM save
    Disbursement.objects.create(
        work=c3, year=2024, source=CENTRAL, capital_type=INVESTMENT, amount=9, voucher_number="X", paid_on=D(2024, 5, 6)
    )
    assert_exact()
    Allocation.objects.filter(pk=made.pk).update(amount=1_000, decided_on=D(2024, 8, 8), year=2025)
    assert_exact()
    Disbursement.objects.filter(work=c3).delete()
    Allocation.objects.filter(pk=made.pk).delete()
    assert_exact()
    Allocation.objects.filter(work=c1).update(source=LOCAL)  # many lines at once
    assert_exact()


def test_and_after_a_work_moves_to_another_commune(ledger):
    c1 = ledger.works["c1"]
    Work.objects.filter(pk=c1.pk).update(commune=ledger.c2)
    assert set(CapitalSummary.objects.filter(work=c1).values_list("commune", flat=True)) == {ledger.c2.pk}
    assert_exact()


def test_and_after_the_import_wrote(ledger, make_official):
    official = make_official(Role.DATA_ENTRY, Level.PROVINCE, ledger.p1)
    c1 = ledger.works["c1"]
    rows = [
        f'{c1.code},2024,Ngân sách trung ương,Đầu tư phát triển,"20,5",NK-{i},{day},,'
        for i, day in enumerate(("10/04/2024", "30/04/2024", "01/05/2024"))
    ]
    result = run_import("disbursements", csv_file(DISBURSEMENT_HEADER, *rows), user=official, filename="giai-ngan.csv")
    assert result.written, [e.message for e in result.errors]
    assert Disbursement.objects.filter(voucher_number__startswith="NK-").count() == 3
    assert_exact()


def test_a_dry_run_of_the_import_leaves_the_summary_as_it_was(ledger, make_official):
    official = make_official(Role.DATA_ENTRY, Level.PROVINCE, ledger.p1)
    before = list(CapitalSummary.objects.order_by("pk").values())
    line = f"{ledger.works['c1'].code},2024,Ngân sách trung ương,Đầu tư phát triển,1,NK-9,10/04/2024,,"
    result = run_import("disbursements", csv_file(DISBURSEMENT_HEADER, line), user=official, dry_run=True)
    assert not result.written and not result.errors
    assert list(CapitalSummary.objects.order_by("pk").values()) == before


def test_the_check_command_finds_a_wrong_line_and_the_rebuild_mends_it(ledger, capsys):
    call_command("capital_summary", "--check")
    line = CapitalSummary.objects.filter(disbursed__gt=0).first()
    with connection.cursor() as cursor:  # as a careless hand-written UPDATE would
        cursor.execute("UPDATE tracker_capitalsummary SET disbursed = disbursed + 1 WHERE id = %s", [line.pk])
    with pytest.raises(CommandError, match="differs from the ledgers on 1 line"):
        call_command("capital_summary", "--check")
    call_command("capital_summary", "--rebuild")
    call_command("capital_summary", "--check")
    assert "agrees with the ledgers" in capsys.readouterr().out
    assert_exact()


@pytest.mark.parametrize("threshold", [Decimal(20), Decimal("50.5"), Decimal(100)])
def test_the_works_behind_are_those_the_ledgers_put_under_the_threshold(ledger, threshold):
    for as_of in [d for d in DATES if d is not None]:
        per_work = independent_sums(("work",), year=2024, as_of=as_of)
        behind = [
            (work, line["allocated"], line["disbursed"])
            for (work,), line in per_work.items()
            if line["allocated"] > 0 and line["disbursed"] * 100 < threshold * line["allocated"]
        ]
        behind.sort(key=lambda item: (Fraction(item[2], item[1]), item[0]))
        found = Work.objects.all().behind(year=2024, as_of=as_of, threshold=threshold, limit=100)
        assert found == behind, as_of
        assert Work.objects.all().behind(year=2024, as_of=as_of, threshold=threshold, limit=1) == behind[:1]
