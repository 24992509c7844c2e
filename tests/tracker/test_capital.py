"""Capital rules: allocations and disbursements, reversals, deadlines, and totals that count a work once."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from programs.choices import CapitalEntryKindChoices, CapitalSourceChoices, CapitalTypeChoices
from tests.localities.factories import CommuneFactory, ProvinceFactory
from tests.programs.factories import ComponentFactory
from tests.tracker.factories import AllocationFactory, WorkFactory
from tracker import services
from tracker.models import Allocation, Disbursement, Work

pytestmark = pytest.mark.django_db

CENTRAL = CapitalSourceChoices.CENTRAL
PROVINCE = CapitalSourceChoices.PROVINCE
INVESTMENT = CapitalTypeChoices.INVESTMENT


def pay(work, amount, *, year=2024, source=CENTRAL, paid_on=datetime.date(2024, 6, 1), voucher="PC-001"):
    return services.disbursement_record(
        work=work,
        year=year,
        source=source,
        capital_type=INVESTMENT,
        amount=amount,
        voucher_number=voucher,
        paid_on=paid_on,
    )


def test_disbursement_within_allocation_is_recorded():
    allocation = AllocationFactory(amount=1_000_000_000)
    pay(allocation.work, 600_000_000)
    pay(allocation.work, 400_000_000, voucher="PC-002")
    assert Disbursement.objects.filter(work=allocation.work).total() == 1_000_000_000


def test_disbursement_above_allocation_is_refused_with_the_figures():
    allocation = AllocationFactory(amount=1_000_000_000)
    pay(allocation.work, 900_000_000)
    with pytest.raises(ValidationError) as error:
        pay(allocation.work, 150_000_000, voucher="PC-002")
    message = " ".join(error.value.message_dict["amount"])
    # The message is in English (tests/conftest.py): its figures too.
    assert "1,050,000,000" in message  # the total it would reach
    assert "1,000,000,000" in message  # what was allocated
    assert "100,000,000" in message  # what is left
    assert allocation.work.code in message
    assert Disbursement.objects.filter(work=allocation.work).count() == 1


def test_allocation_of_another_source_or_year_does_not_cover_a_disbursement():
    allocation = AllocationFactory(amount=1_000_000_000, source=PROVINCE)
    with pytest.raises(ValidationError):
        pay(allocation.work, 1_000, source=CENTRAL)
    with pytest.raises(ValidationError):
        pay(allocation.work, 1_000, source=PROVINCE, year=2023, paid_on=datetime.date(2023, 5, 1))
    pay(allocation.work, 1_000, source=PROVINCE)


def test_reversal_cancels_a_payment_and_keeps_the_original():
    allocation = AllocationFactory(amount=1_000_000_000)
    first = pay(allocation.work, 1_000_000_000)
    reversal = services.disbursement_reverse(
        disbursement=first, reason="Entered twice", reversed_on=datetime.date(2024, 6, 2)
    )
    assert reversal.amount == -1_000_000_000
    assert reversal.reverses == first
    assert Disbursement.objects.filter(work=allocation.work).total() == 0
    assert Disbursement.objects.filter(pk=first.pk).exists()
    # The room is free again.
    pay(allocation.work, 1_000_000_000, voucher="PC-002")


def test_a_payment_is_reversed_once_and_a_reversal_is_not_reversed():
    allocation = AllocationFactory(amount=1_000_000_000)
    first = pay(allocation.work, 500_000_000)
    reversal = services.disbursement_reverse(disbursement=first, reason="Wrong work", reversed_on=first.paid_on)
    with pytest.raises(ValidationError, match="already reversed"):
        services.disbursement_reverse(disbursement=first, reason="Again", reversed_on=first.paid_on)
    with pytest.raises(ValidationError, match="itself a reversal"):
        services.disbursement_reverse(disbursement=reversal, reason="Undo", reversed_on=first.paid_on)


def test_reversal_needs_a_reason():
    allocation = AllocationFactory()
    first = pay(allocation.work, 1_000)
    with pytest.raises(ValidationError):
        services.disbursement_reverse(disbursement=first, reason="  ", reversed_on=first.paid_on)


def test_database_refuses_negative_disbursement_that_reverses_nothing():
    allocation = AllocationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.create(
            work=allocation.work,
            year=2024,
            source=CENTRAL,
            capital_type=INVESTMENT,
            amount=-5,
            voucher_number="X",
            paid_on=datetime.date(2024, 1, 2),
        )


def test_payment_after_the_deadline_needs_an_extension():
    allocation = AllocationFactory(amount=1_000_000_000, year=2024)
    pay(allocation.work, 1_000, paid_on=datetime.date(2025, 1, 31))
    with pytest.raises(ValidationError) as error:
        pay(allocation.work, 1_000, paid_on=datetime.date(2025, 3, 1), voucher="PC-2")
    assert "31/01/2025" in " ".join(error.value.message_dict["paid_on"])
    services.allocation_record(
        work=allocation.work,
        component=allocation.component,
        year=2024,
        source=CENTRAL,
        capital_type=INVESTMENT,
        amount=500_000_000,
        kind=CapitalEntryKindChoices.EXTENSION,
        extended_until=datetime.date(2025, 12, 31),
        decided_on=datetime.date(2025, 1, 20),
    )
    pay(allocation.work, 1_000, paid_on=datetime.date(2025, 3, 1), voucher="PC-2")
    # An extension adds no capital.
    assert Allocation.objects.filter(work=allocation.work).total() == 1_000_000_000


def test_payment_before_its_plan_year_is_refused():
    allocation = AllocationFactory(year=2024)
    with pytest.raises(ValidationError) as error:
        pay(allocation.work, 1_000, paid_on=datetime.date(2023, 12, 31))
    assert "paid_on" in error.value.message_dict


@pytest.mark.parametrize(
    ("kind", "amount", "field"),
    [
        (CapitalEntryKindChoices.ASSIGNED, -1, "__all__"),
        (CapitalEntryKindChoices.ADJUSTMENT, 0, "__all__"),
        (CapitalEntryKindChoices.EXTENSION, 10, "__all__"),  # an extension needs its date
    ],
)
def test_allocation_amount_rules(kind, amount, field):
    work = WorkFactory()
    with pytest.raises(ValidationError) as error:
        services.allocation_record(
            work=work,
            component=work.components.first(),
            year=2024,
            source=CENTRAL,
            capital_type=INVESTMENT,
            amount=amount,
            kind=kind,
            decided_on=datetime.date(2024, 1, 1),
        )
    assert field in error.value.message_dict
    assert not Allocation.objects.filter(work=work).exists()


def test_allocation_from_a_component_that_does_not_fund_the_work_is_refused():
    work = WorkFactory()
    with pytest.raises(ValidationError) as error:
        services.allocation_record(
            work=work,
            component=ComponentFactory(),
            year=2024,
            source=CENTRAL,
            capital_type=INVESTMENT,
            amount=10,
            decided_on=datetime.date(2024, 1, 1),
        )
    assert "component" in error.value.message_dict


def test_reduction_below_what_was_disbursed_is_refused():
    allocation = AllocationFactory(amount=1_000_000_000)
    pay(allocation.work, 800_000_000)
    with pytest.raises(ValidationError) as error:
        services.allocation_record(
            work=allocation.work,
            component=allocation.component,
            year=2024,
            source=CENTRAL,
            capital_type=INVESTMENT,
            amount=-300_000_000,
            kind=CapitalEntryKindChoices.ADJUSTMENT,
            decided_on=datetime.date(2024, 7, 1),
        )
    assert "800,000,000" in " ".join(error.value.message_dict["amount"])
    services.allocation_record(
        work=allocation.work,
        component=allocation.component,
        year=2024,
        source=CENTRAL,
        capital_type=INVESTMENT,
        amount=-200_000_000,
        kind=CapitalEntryKindChoices.ADJUSTMENT,
        decided_on=datetime.date(2024, 7, 1),
    )
    assert Allocation.objects.filter(work=allocation.work).total() == 800_000_000


def test_a_work_funded_by_two_programs_counts_once():
    province = ProvinceFactory()
    commune = CommuneFactory(province=province)
    ethnic, rural = ComponentFactory(), ComponentFactory()
    shared = WorkFactory(commune=commune, components=[ethnic, rural])
    only_ethnic = WorkFactory(commune=commune, components=[ethnic])
    for component, amount in ((ethnic, 700), (rural, 300)):
        AllocationFactory(work=shared, component=component, amount=amount)
    AllocationFactory(work=only_ethnic, component=ethnic, amount=50)

    works = Work.objects.within(province)
    assert works.count() == 2
    assert works.totals() == {"works": 2, "allocated": 1050, "disbursed": 0}
    assert works.of_program(ethnic.program).count() == 2
    assert works.of_program(rural.program.code).count() == 1
    annotated = {w.code: w.allocated for w in works.with_capital()}
    assert annotated == {shared.code: 1000, only_ethnic.code: 50}


def test_totals_and_disbursement_status_by_year_and_as_of_a_date():
    """Per province, commune and work, for a plan year, as of a date: each figure equal to the sum of the
    entries it covers, a reversal netted, an extension adding nothing."""
    province, other_province = ProvinceFactory(), ProvinceFactory()
    commune, second = CommuneFactory(province=province), CommuneFactory(province=province)
    far = CommuneFactory(province=other_province)
    a, b, c = WorkFactory(commune=commune), WorkFactory(commune=second), WorkFactory(commune=far)
    AllocationFactory(work=a, amount=1_000_000_000, year=2024, decided_on=datetime.date(2024, 1, 10))
    AllocationFactory(work=a, amount=500_000_000, year=2025, decided_on=datetime.date(2025, 1, 10))
    AllocationFactory(work=b, amount=300_000_000, year=2024, decided_on=datetime.date(2024, 8, 1))
    AllocationFactory(work=c, amount=70_000_000, year=2024)
    AllocationFactory(
        work=a,
        amount=0,
        year=2024,
        kind=CapitalEntryKindChoices.EXTENSION,
        extended_until=datetime.date(2025, 12, 31),
        decided_on=datetime.date(2024, 12, 1),
    )
    pay(a, 400_000_000, paid_on=datetime.date(2024, 3, 1), voucher="PC-1")
    wrong = pay(a, 50_000_000, paid_on=datetime.date(2024, 5, 1), voucher="PC-2")
    services.disbursement_reverse(disbursement=wrong, reason="sai", reversed_on=datetime.date(2024, 9, 1))
    pay(b, 100_000_000, paid_on=datetime.date(2024, 9, 15), voucher="PC-3")
    pay(a, 200_000_000, year=2025, paid_on=datetime.date(2025, 2, 1), voucher="PC-4")

    works = Work.objects.within(province)
    assert works.totals() == {"works": 2, "allocated": 1_800_000_000, "disbursed": 700_000_000}
    assert works.totals(year=2024) == {"works": 2, "allocated": 1_300_000_000, "disbursed": 500_000_000}
    # As of 30/06/2024: b's allocation (1 August) and payment (15 September) and the reversal not yet made.
    assert works.totals(year=2024, as_of=datetime.date(2024, 6, 30)) == {
        "works": 2,
        "allocated": 1_000_000_000,
        "disbursed": 450_000_000,
    }

    by_province = Work.objects.all().disbursement_status("province", year=2024)
    assert by_province == [
        {"key": province.pk, "works": 2, "allocated": 1_300_000_000, "disbursed": 500_000_000},
        {"key": other_province.pk, "works": 1, "allocated": 70_000_000, "disbursed": 0},
    ]
    by_commune = works.disbursement_status("commune", year=2024, as_of=datetime.date(2024, 6, 30))
    assert by_commune == [
        {"key": commune.pk, "works": 1, "allocated": 1_000_000_000, "disbursed": 450_000_000},
        {"key": second.pk, "works": 1, "allocated": 0, "disbursed": 0},
    ]
    by_work = works.disbursement_status("work")
    assert {row["key"]: row["disbursed"] for row in by_work} == {a.pk: 600_000_000, b.pk: 100_000_000}
    with pytest.raises(ValueError, match="Cannot group by"):
        works.disbursement_status("village")
