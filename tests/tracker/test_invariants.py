"""Rules on works, progress and households, each refusing bad input with a message an official understands."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.localities.factories import CommuneFactory, VillageFactory
from tests.programs.factories import ComponentFactory
from tests.tracker.factories import HouseholdFactory, PovertyStandardFactory, WorkFactory
from tracker import services
from tracker.choices import CapacityUnitChoices, PovertyStatusChoices, WorkStatusChoices
from tracker.models import DeprivationIndicator, ProgressReport, Work

pytestmark = pytest.mark.django_db


def messages_of(error: ValidationError) -> str:
    return " ".join(m for messages in error.message_dict.values() for m in messages)


@pytest.mark.parametrize("percent", [Decimal("-1"), Decimal("100.01"), Decimal("250")])
def test_progress_outside_0_to_100_is_refused(percent):
    work = WorkFactory()
    with pytest.raises(ValidationError) as error:
        services.progress_report_record(
            work=work, reported_on=datetime.date(2024, 5, 1), progress_percent=percent, status="construction"
        )
    assert "progress_percent" in error.value.message_dict or "0 to 100" in messages_of(error.value)
    assert not ProgressReport.objects.exists()


def test_database_refuses_progress_above_100():
    work = WorkFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReport.objects.create(
            work=work, reported_on=datetime.date(2024, 5, 1), progress_percent=Decimal("101"), status="construction"
        )


def test_newest_progress_report_sets_the_work_status():
    work = WorkFactory(status=WorkStatusChoices.APPROVED)
    services.progress_report_record(
        work=work,
        reported_on=datetime.date(2024, 5, 1),
        progress_percent=40,
        status=WorkStatusChoices.UNDER_CONSTRUCTION,
    )
    services.progress_report_record(
        work=work,
        reported_on=datetime.date(2024, 3, 1),
        progress_percent=10,
        status=WorkStatusChoices.UNDER_CONSTRUCTION,
    )
    work.refresh_from_db()
    assert work.status == WorkStatusChoices.UNDER_CONSTRUCTION
    assert Work.objects.with_progress().get(pk=work.pk).progress_percent == 40


def test_quantity_done_cannot_exceed_capacity():
    work = WorkFactory(capacity=Decimal("3"), capacity_unit=CapacityUnitChoices.KM)
    with pytest.raises(ValidationError) as error:
        services.progress_report_record(
            work=work,
            reported_on=datetime.date(2024, 5, 1),
            progress_percent=50,
            quantity_done=Decimal("3.5"),
            status=WorkStatusChoices.UNDER_CONSTRUCTION,
        )
    assert "3.5" in messages_of(error.value)


def test_completion_before_start_is_refused():
    work = WorkFactory.build(
        commune=CommuneFactory(),
        start_date=datetime.date(2024, 5, 1),
        actual_completion_date=datetime.date(2024, 4, 1),
        status=WorkStatusChoices.COMPLETED,
    )
    with pytest.raises(ValidationError) as error:
        work.full_clean()
    assert "completion date cannot be before the start date" in messages_of(error.value)


def test_completed_work_needs_its_completion_date():
    work = WorkFactory.build(commune=CommuneFactory(), status=WorkStatusChoices.COMPLETED)
    with pytest.raises(ValidationError) as error:
        work.full_clean()
    assert "actual_completion_date" in error.value.message_dict


def test_small_work_is_at_most_five_billion():
    work = WorkFactory.build(commune=CommuneFactory(), is_small_work=True, approved_investment=5_000_000_001)
    with pytest.raises(ValidationError) as error:
        work.full_clean()
    assert "5.000.000.000" in messages_of(error.value)


def test_negative_investment_is_refused():
    work = WorkFactory.build(commune=CommuneFactory(), approved_investment=-1)
    with pytest.raises(ValidationError) as error:
        work.full_clean()
    assert "cannot be negative" in messages_of(error.value)


def test_work_codes_are_unique():
    existing = WorkFactory()
    duplicate = WorkFactory.build(code=existing.code, commune=existing.commune)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "code" in error.value.message_dict


def test_village_of_a_household_must_be_in_its_commune():
    village = VillageFactory()
    other_commune = CommuneFactory()
    with pytest.raises(ValidationError) as error:
        services.household_register(
            code="HH-X",
            head_name="Lý Văn A",
            ethnic_group=HouseholdFactory().ethnic_group,
            commune=other_commune,
            village=village,
            member_count=3,
        )
    assert village.name in messages_of(error.value)


def test_the_same_household_cannot_be_registered_twice():
    first = HouseholdFactory(id_number="006123456789")
    with pytest.raises(ValidationError) as by_code:
        services.household_register(
            code=first.code,
            head_name="Other",
            ethnic_group=first.ethnic_group,
            commune=first.commune,
            village=first.village,
            member_count=2,
        )
    assert "code" in by_code.value.message_dict
    with pytest.raises(ValidationError) as by_id:
        services.household_register(
            code="HH-NEW",
            head_name="Other",
            ethnic_group=first.ethnic_group,
            id_number="006123456789",
            commune=first.commune,
            village=first.village,
            member_count=2,
        )
    assert "ID number is already registered" in messages_of(by_id.value)
    # The message never repeats the ID number itself.
    assert "006123456789" not in messages_of(by_id.value)


@pytest.mark.parametrize("id_number", ["12345", "00612345678X", "0061234567890"])
def test_id_number_has_twelve_digits(id_number):
    household = HouseholdFactory.build(village=VillageFactory(), id_number=id_number)
    household.commune = household.village.commune
    household.ethnic_group.save()
    with pytest.raises(ValidationError) as error:
        household.full_clean()
    assert "id_number" in error.value.message_dict


def _indicators(standard, count):
    return [
        DeprivationIndicator.objects.create(standard=standard, code=f"d{i}", dimension="dim", name=f"Indicator {i}")
        for i in range(count)
    ]


@pytest.mark.parametrize(
    ("income", "deprivations", "status", "ok"),
    [
        (1_400_000, 3, PovertyStatusChoices.POOR, True),
        (1_400_000, 2, PovertyStatusChoices.NEAR_POOR, True),
        (1_400_000, 2, PovertyStatusChoices.POOR, False),
        (1_600_000, 5, PovertyStatusChoices.NOT_POOR, True),
        (1_600_000, 5, PovertyStatusChoices.POOR, False),
    ],
)
def test_yearly_status_follows_the_standard(income, deprivations, status, ok):
    household = HouseholdFactory()
    standard = PovertyStandardFactory()
    record = lambda: services.poverty_assessment_record(  # noqa: E731
        household=household,
        year=2022,
        status=status,
        income_per_capita=income,
        deprivations=_indicators(standard, deprivations),
    )
    if ok:
        assert record().standard == standard
    else:
        with pytest.raises(ValidationError) as error:
            record()
        assert "status" in error.value.message_dict


def test_yearly_status_needs_a_standard_in_force_and_is_once_a_year():
    household = HouseholdFactory()
    PovertyStandardFactory()
    with pytest.raises(ValidationError, match="No poverty standard applies to 2019"):
        services.poverty_assessment_record(household=household, year=2019, status=PovertyStatusChoices.POOR)
    services.poverty_assessment_record(household=household, year=2023, status=PovertyStatusChoices.POOR)
    with pytest.raises(ValidationError) as error:
        services.poverty_assessment_record(household=household, year=2023, status=PovertyStatusChoices.NEAR_POOR)
    assert "already has a status for that year" in messages_of(error.value)


def test_only_a_poor_household_escapes_poverty():
    household = HouseholdFactory()
    PovertyStandardFactory()
    services.poverty_assessment_record(household=household, year=2022, status=PovertyStatusChoices.NEAR_POOR)
    with pytest.raises(ValidationError):
        services.poverty_assessment_record(household=household, year=2023, status=PovertyStatusChoices.ESCAPED)


def test_component_of_a_support_amount_or_quantity_is_required():
    household = HouseholdFactory()
    with pytest.raises(ValidationError) as error:
        services.support_record(household=household, component=ComponentFactory(), year=2023, kind="livestock")
    assert "amount in VND or the quantity" in messages_of(error.value)
