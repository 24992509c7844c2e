"""The FilterSets (*/filters.py), tested directly: what each filter keeps, on both maps; typed values read
by the kernel's parser (dates day first, four-digit years), an unreadable one an error naming its field;
and the admin's list filters, all built on them (kernel/admin_filters.py)."""

import datetime
import itertools

import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import RequestFactory
from django.utils import timezone, translation

from kernel.access import JurisdictionLevelChoices as Level
from kernel.admin_filters import FilterSetListFilter
from kernel.filters import FilterSet, UpdatedSinceFilter
from localities.choices import RoleChoices as Role
from localities.filters import VillageFilterSet
from localities.models import Village
from programs.choices import CapitalEntryKindChoices, CapitalSourceChoices, CapitalTypeChoices
from programs.filters import CapitalPlanEntryFilterSet
from programs.models import CapitalPlanEntry
from tests.localities.factories import LegacyProvinceFactory
from tests.programs.factories import ComponentFactory
from tests.tracker.factories import AllocationFactory, EthnicGroupFactory, PovertyStandardFactory
from tracker import services
from tracker.choices import PeriodReportStatusChoices, PovertyStatusChoices, SupportKindChoices, WorkStatusChoices
from tracker.filters import (
    AllocationFilterSet,
    DisbursementFilterSet,
    HouseholdFilterSet,
    PeriodReportFilterSet,
    PovertyAssessmentFilterSet,
    ProgressReportFilterSet,
    SupportFilterSet,
    WorkFilterSet,
)
from tracker.models import (
    Allocation,
    Disbursement,
    Household,
    PeriodReport,
    ProgressReport,
    Work,
)

pytestmark = pytest.mark.django_db
_n = itertools.count(1)


def kept(filterset_class, data, queryset=None, **kwargs):
    """The keys of the rows a FilterSet keeps given `data`, asserting that it could read every value."""
    filterset = filterset_class(data, queryset=queryset, **kwargs)
    assert filterset.is_valid(), filterset.errors
    return sorted(filterset.qs.values_list("pk", flat=True))


def pks(*rows):
    return sorted(row.pk for row in rows)


def moment(*parts) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*parts))


# ---------------------------------------------------------------------------------------------------------
# Localities: either map


@pytest.fixture
def legacy_province(world):
    """The legacy province of the legacy commune L1 (merged into C1, in the current province P1)."""
    return world.l1.province


def test_a_current_province_holds_its_communes_and_the_legacy_ones_mapped_into_it(world):
    works = world.works
    assert kept(WorkFilterSet, {"province": world.p1.pk}) == pks(works["c1"], works["l1"], works["c2"])
    assert kept(WorkFilterSet, {"province": world.p2.pk}) == pks(works["c3"])


def test_a_legacy_province_holds_its_legacy_communes(world, legacy_province):
    assert legacy_province.generation == "legacy"
    assert kept(WorkFilterSet, {"province": legacy_province.pk}) == pks(world.works["l1"])
    assert kept(HouseholdFilterSet, {"province": legacy_province.pk}) == pks(world.households["l1"])


def test_a_commune_of_either_map(world):
    assert kept(WorkFilterSet, {"commune": world.c2.pk}) == pks(world.works["c2"])
    assert kept(WorkFilterSet, {"commune": world.l1.pk}) == pks(world.works["l1"])
    assert kept(HouseholdFilterSet, {"province": world.p1.pk, "commune": world.c1.pk}) == pks(world.households["c1"])


@pytest.mark.parametrize("key", ["-1", "999999999"])
def test_a_unit_that_does_not_exist_keeps_no_row(world, key):
    assert kept(WorkFilterSet, {"province": key}) == []
    assert kept(WorkFilterSet, {"commune": key}) == []


def test_a_unit_that_is_not_a_key_is_an_error_naming_the_field(world):
    filterset = WorkFilterSet({"province": "abc", "commune": world.c1.pk})
    assert not filterset.is_valid()
    assert filterset.errors == {"province": ["Expected the number of a row, such as 12; found “abc”."]}
    # The other filters are applied; the unreadable one is not, and the FilterSet says so.
    assert sorted(filterset.qs.values_list("pk", flat=True)) == pks(world.works["c1"])
    assert filterset.problems == [
        "The filter “province” was not applied: Expected the number of a row, such as 12; found “abc”."
    ]


def test_models_reaching_their_commune_through_a_path(world):
    """Disbursements and progress through their work; yearly statuses and support through their household."""
    work = world.works["l1"]
    disbursement = services.disbursement_record(
        work=work,
        year=2024,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=10,
        voucher_number="PC-1",
        paid_on=datetime.date(2024, 3, 1),
    )
    report = services.progress_report_record(
        work=work, reported_on=datetime.date(2024, 3, 2), progress_percent=10, status=WorkStatusChoices.APPROVED
    )
    PovertyStandardFactory()
    household = world.households["l1"]
    assessment = services.poverty_assessment_record(household=household, year=2023, status=PovertyStatusChoices.POOR)
    support = services.support_record(
        household=household, component=ComponentFactory(), year=2023, kind=SupportKindChoices.LIVESTOCK, quantity=2
    )
    for filterset_class, row in [
        (DisbursementFilterSet, disbursement),
        (ProgressReportFilterSet, report),
        (PovertyAssessmentFilterSet, assessment),
        (SupportFilterSet, support),
    ]:
        for data in ({"province": world.p1.pk}, {"commune": world.l1.pk}, {"province": world.l1.province_id}):
            assert kept(filterset_class, data) == [row.pk], (filterset_class.__name__, data)
        assert kept(filterset_class, {"province": world.p2.pk}) == [], filterset_class.__name__
        assert kept(filterset_class, {"commune": world.c1.pk}) == [], filterset_class.__name__
    allocations = {name: w.allocations.get().pk for name, w in world.works.items()}
    assert kept(AllocationFilterSet, {"province": world.p1.pk}) == sorted(allocations[k] for k in ("c1", "l1", "c2"))
    assert kept(AllocationFilterSet, {"province": world.l1.province_id}) == [allocations["l1"]]
    assert kept(AllocationFilterSet, {"commune": world.l1.pk}) == [allocations["l1"]]


def test_villages_of_a_province(world):
    [village] = Village.objects.filter(commune=world.l1)
    assert kept(VillageFilterSet, {"province": world.p1.pk, "commune": world.l1.pk}) == [village.pk]


# ---------------------------------------------------------------------------------------------------------
# Programs and capital plans


def test_works_of_a_program_by_key_or_code_each_once(world):
    work = world.works["c1"]
    program = work.components.get().program
    work.components.add(ComponentFactory(program=program))
    assert kept(WorkFilterSet, {"program": program.pk}) == [work.pk]
    assert kept(WorkFilterSet, {"program_code": program.code}) == [work.pk]
    assert kept(WorkFilterSet, {"program": "999999999"}) == []


def test_works_and_allocations_of_a_component(world):
    work = world.works["c2"]
    component = work.components.get()
    assert kept(WorkFilterSet, {"component": component.pk}) == [work.pk]
    assert kept(AllocationFilterSet, {"component": component.pk}) == pks(work.allocations.get())
    assert kept(AllocationFilterSet, {"program": component.program_id}) == pks(work.allocations.get())


def _plan_entry(**fields):
    return CapitalPlanEntry.objects.create(
        **{
            "component": ComponentFactory(),
            "year": 2024,
            "source": CapitalSourceChoices.CENTRAL,
            "capital_type": CapitalTypeChoices.INVESTMENT,
            "amount": 1_000_000_000,
            "decided_on": datetime.date(2024, 1, 5),
            **fields,
        }
    )


def test_capital_plan_entries(world):
    merged = LegacyProvinceFactory(successor=world.p1)
    held = _plan_entry(province=world.p1)
    of_c1 = _plan_entry(province=world.p1, commune=world.c1, year=2025, source=CapitalSourceChoices.PROVINCE)
    of_l1 = _plan_entry(
        province=world.l1.province,
        commune=world.l1,
        kind=CapitalEntryKindChoices.EXTENSION,
        extended_until=datetime.date(2025, 6, 30),
    )
    of_merged = _plan_entry(province=merged, capital_type=CapitalTypeChoices.RECURRENT)
    elsewhere = _plan_entry(province=world.p2, commune=world.c3, component=of_c1.component)
    # A current province holds its own entries, those of its communes (either map) and of the legacy
    # provinces merged into it; a legacy province its own.
    assert kept(CapitalPlanEntryFilterSet, {"province": world.p1.pk}) == pks(held, of_c1, of_l1, of_merged)
    assert kept(CapitalPlanEntryFilterSet, {"province": merged.pk}) == pks(of_merged)
    assert kept(CapitalPlanEntryFilterSet, {"province": world.l1.province_id}) == pks(of_l1)
    assert kept(CapitalPlanEntryFilterSet, {"commune": world.c1.pk}) == pks(of_c1)
    assert kept(CapitalPlanEntryFilterSet, {"program": of_c1.component.program_id}) == pks(of_c1, elsewhere)
    assert kept(CapitalPlanEntryFilterSet, {"component": elsewhere.component_id}) == pks(of_c1, elsewhere)
    assert kept(CapitalPlanEntryFilterSet, {"year": "2025"}) == pks(of_c1)
    assert kept(CapitalPlanEntryFilterSet, {"source": "province"}) == pks(of_c1)
    assert kept(CapitalPlanEntryFilterSet, {"capital_type": "recurrent"}) == pks(of_merged)
    assert kept(CapitalPlanEntryFilterSet, {"kind": "extension"}) == pks(of_l1)


# ---------------------------------------------------------------------------------------------------------
# Years


def test_works_with_capital_allocated_in_a_plan_year(world):
    work = world.works["c2"]
    AllocationFactory(work=work, year=2025)
    AllocationFactory(work=work, year=2025, amount=5)
    assert kept(WorkFilterSet, {"year": "2025"}) == [work.pk]
    assert kept(WorkFilterSet, {"year": "2024"}) == pks(*world.works.values())
    assert kept(WorkFilterSet, {"year": "2023"}) == []
    assert kept(AllocationFilterSet, {"year": "2025"}) == sorted(
        work.allocations.filter(year=2025).values_list("pk", flat=True)
    )


@pytest.mark.parametrize("typed", ["2.025", "2,025", "25", "năm 2025"])
def test_an_unreadable_year_is_an_error_naming_the_field(world, typed):
    filterset = WorkFilterSet({"year": typed})
    assert not filterset.is_valid()
    message = f"Expected a year written with four digits, such as 2025; found “{typed}”."
    assert filterset.errors == {"year": [message]}
    assert filterset.problems == [f"The filter “year” was not applied: {message}"]
    with pytest.raises(ValidationError) as refused:
        WorkFilterSet.apply(Work.objects.all(), "year", typed)
    assert refused.value.message_dict == {"year": [message]}


def test_the_error_is_in_the_users_language(world):
    with translation.override("vi"):
        errors = WorkFilterSet({"year": "2.025"}).errors["year"]
    assert "2.025" in errors[0]
    assert errors[0] != "Expected a year written with four digits, such as 2025; found “2.025”."


def test_yearly_records(world):
    PovertyStandardFactory()
    household = world.households["c1"]
    poor = services.poverty_assessment_record(household=household, year=2023, status=PovertyStatusChoices.POOR)
    near = services.poverty_assessment_record(household=household, year=2024, status=PovertyStatusChoices.NEAR_POOR)
    assert kept(PovertyAssessmentFilterSet, {"year": "2023"}) == [poor.pk]
    assert kept(PovertyAssessmentFilterSet, {"status": "near_poor"}) == [near.pk]
    assert kept(PovertyAssessmentFilterSet, {"standard": poor.standard_id}) == pks(poor, near)
    component = ComponentFactory()
    loan = services.support_record(
        household=household, component=component, year=2023, kind=SupportKindChoices.LOAN, amount=1_000_000
    )
    cows = services.support_record(
        household=household, component=ComponentFactory(), year=2024, kind=SupportKindChoices.LIVESTOCK, quantity=2
    )
    assert kept(SupportFilterSet, {"year": "2024"}) == [cows.pk]
    assert kept(SupportFilterSet, {"kind": "loan"}) == [loan.pk]
    assert kept(SupportFilterSet, {"component": component.pk}) == [loan.pk]
    assert kept(SupportFilterSet, {"program": component.program_id}) == [loan.pk]
    assert kept(SupportFilterSet, {"program_code": component.program.code}) == [loan.pk]


def test_period_reports(world):
    q1 = PeriodReport.objects.create(commune=world.c1, year=2025, quarter=1)
    q2 = PeriodReport.objects.create(commune=world.c1, year=2025, quarter=2, status=PeriodReportStatusChoices.SUBMITTED)
    whole = PeriodReport.objects.create(commune=world.c3, year=2024)
    assert kept(PeriodReportFilterSet, {"province": world.p1.pk}) == pks(q1, q2)
    assert kept(PeriodReportFilterSet, {"commune": world.c3.pk}) == pks(whole)
    assert kept(PeriodReportFilterSet, {"year": "2025"}) == pks(q1, q2)
    assert kept(PeriodReportFilterSet, {"quarter": "2"}) == pks(q2)
    assert kept(PeriodReportFilterSet, {"status": "submitted"}) == pks(q2)


# ---------------------------------------------------------------------------------------------------------
# As of a date


@pytest.fixture
def ledger(world):
    """Two payments to C1's work (1 March and 1 September 2024), the second reversed on 1 October."""
    work = world.works["c1"]

    def pay(paid_on):
        return services.disbursement_record(
            work=work,
            year=2024,
            source=CapitalSourceChoices.CENTRAL,
            capital_type=CapitalTypeChoices.INVESTMENT,
            amount=100,
            voucher_number=f"PC-{next(_n)}",
            paid_on=paid_on,
        )

    march, september = pay(datetime.date(2024, 3, 1)), pay(datetime.date(2024, 9, 1))
    reversal = services.disbursement_reverse(
        disbursement=september, reason="Sai số tiền", reversed_on=datetime.date(2024, 10, 1)
    )
    return march, september, reversal


@pytest.mark.parametrize(
    ("typed", "count"),
    [
        ("30/06/2024", 1),
        ("2024-06-30", 1),
        ("05/09/2024", 2),  # 5 September (day first): not 9 May
        ("09/05/2024", 1),
        ("1/10/24", 3),
        ("29/02/2024", 0),  # 2024 is a leap year
        ("01/03/2024", 1),
    ],
)
def test_the_ledger_as_of_a_date(ledger, typed, count):
    filterset = DisbursementFilterSet({"as_of": typed})
    assert filterset.is_valid(), filterset.errors
    assert filterset.qs.count() == count
    assert filterset.qs.total() == {0: 0, 1: 100, 2: 200, 3: 100}[count]


@pytest.mark.parametrize("typed", ["31/02/2024", "2024-13-01", "hôm qua"])
def test_an_unreadable_date_is_an_error_naming_the_field(ledger, typed):
    filterset = DisbursementFilterSet({"as_of": typed})
    assert not filterset.is_valid()
    assert list(filterset.errors) == ["as_of"]
    assert f"“{typed}”" in filterset.errors["as_of"][0]
    assert filterset.problems[0].startswith("The filter “as_of” was not applied: Expected a date")


def test_reversals_or_not(ledger):
    march, september, reversal = ledger
    assert kept(DisbursementFilterSet, {"is_reversal": "true"}) == [reversal.pk]
    assert kept(DisbursementFilterSet, {"is_reversal": "false"}) == pks(march, september)
    assert kept(DisbursementFilterSet, {"year": "2024", "source": "central", "capital_type": "investment"}) == pks(
        *ledger
    )
    assert kept(DisbursementFilterSet, {"capital_type": "recurrent"}) == []


def test_progress_as_of_a_date(world):
    work = world.works["c2"]
    may = services.progress_report_record(
        work=work,
        reported_on=datetime.date(2024, 5, 3),
        progress_percent=35,
        status=WorkStatusChoices.UNDER_CONSTRUCTION,
    )
    august = services.progress_report_record(
        work=work, reported_on=datetime.date(2024, 8, 1), progress_percent=40, status=WorkStatusChoices.SUSPENDED
    )
    assert kept(ProgressReportFilterSet, {"as_of": "31/07/2024"}) == [may.pk]
    assert kept(ProgressReportFilterSet, {"as_of": "01/08/2024"}) == pks(may, august)
    assert kept(ProgressReportFilterSet, {"status": "suspended"}) == [august.pk]
    assert kept(ProgressReportFilterSet, {"province": world.p2.pk}) == []
    # The work's status follows its newest report.
    assert kept(WorkFilterSet, {"status": "suspended"}) == [work.pk]


# ---------------------------------------------------------------------------------------------------------
# Updated since


def test_works_updated_since_by_their_updated_at(world):
    Work.objects.update(updated_at=moment(2025, 1, 1))
    changed = world.works["l1"]
    Work.objects.filter(pk=changed.pk).update(updated_at=moment(2025, 7, 1, 10, 0))
    for typed, expected in [
        ("01/07/2025", [changed.pk]),
        ("01/07/2025 10:00", [changed.pk]),
        ("1/7/2025 9:59:59", [changed.pk]),
        ("2025-07-01T03:00:00+00:00", [changed.pk]),  # 10:00 in Hà Nội
        ("01/07/2025 10:01", []),
        ("02/07/2025", []),
        ("31/12/2024", pks(*world.works.values())),
    ]:
        assert kept(WorkFilterSet, {"updated_since": typed}) == expected, typed


def test_households_updated_since(world):
    Household.objects.update(updated_at=moment(2025, 1, 1))
    assert kept(HouseholdFilterSet, {"updated_since": "02/01/2025"}) == []
    household = world.households["c3"]
    household.member_count = 5
    household.save()
    assert kept(HouseholdFilterSet, {"updated_since": "02/01/2025"}) == [household.pk]


class AllocationsSince(FilterSet):
    """Allocations have no `updated_at`: their history records tell when they changed."""

    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Allocation
        fields = []


class DisbursementsSince(FilterSet):
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Disbursement
        fields = []


def test_rows_without_updated_at_are_read_by_their_history(world):
    assert not any(f.name == "updated_at" for f in Allocation._meta.get_fields())
    Allocation.history.update(history_date=moment(2024, 1, 15))
    allocation = world.works["c3"].allocations.get()
    allocation.history.update(history_date=moment(2025, 7, 1, 10, 0))
    assert kept(AllocationsSince, {"updated_since": "01/07/2025 08:30"}) == [allocation.pk]
    assert kept(AllocationsSince, {"updated_since": "01/07/2025 10:00"}) == [allocation.pk]
    assert kept(AllocationsSince, {"updated_since": "01/07/2025 10:01"}) == []
    assert kept(AllocationsSince, {"updated_since": "15/01/2024"}) == sorted(
        Allocation.objects.values_list("pk", flat=True)
    )


def test_a_later_change_is_a_new_history_record(world):
    paid = services.disbursement_record(
        work=world.works["c3"],
        year=2024,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=10,
        voucher_number="PC-h",
        paid_on=datetime.date(2024, 3, 1),
    )
    Disbursement.history.update(history_date=moment(2024, 3, 1, 9, 0))
    assert kept(DisbursementsSince, {"updated_since": "01/03/2024 09:00"}) == [paid.pk]
    assert kept(DisbursementsSince, {"updated_since": "01/03/2024 09:01"}) == []
    paid.note = "Chứng từ bổ sung"
    paid.save()
    assert kept(DisbursementsSince, {"updated_since": "01/03/2024 09:01"}) == [paid.pk]


@pytest.mark.parametrize("typed", ["01/07/2025 25:00", "01/07/2025 lúc 8 giờ", "32/07/2025"])
def test_an_unreadable_moment_is_an_error_naming_the_field(world, typed):
    filterset = WorkFilterSet({"updated_since": typed})
    assert not filterset.is_valid()
    assert list(filterset.errors) == ["updated_since"]
    assert f"“{typed}”" in filterset.errors["updated_since"][0]


# ---------------------------------------------------------------------------------------------------------
# Personal data


@pytest.fixture
def ethnic_groups(world):
    dao, tay = EthnicGroupFactory(), EthnicGroupFactory(code="02", name="Tày")
    household = world.households["c2"]
    household.ethnic_group = tay
    household.save()
    return dao, tay


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_the_ethnic_group_filter_is_for_roles_that_see_personal_data(world, ethnic_groups, make_official):
    dao, tay = ethnic_groups
    data_entry = _request(make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c2))
    assert kept(HouseholdFilterSet, {"ethnic_group": tay.pk}, request=data_entry) == [world.households["c2"].pk]
    # For anybody else (and without a request) the parameter is not applied: the answer tells nothing.
    viewer = _request(make_official(Role.VIEWER, Level.COMMUNE, world.c2))
    for request in (viewer, None):
        filterset = HouseholdFilterSet({"ethnic_group": tay.pk}, request=request)
        assert "ethnic_group" not in filterset.filters
        assert filterset.qs.count() == len(world.households)
        assert (
            HouseholdFilterSet.apply(Household.objects.all(), "ethnic_group", str(tay.pk), request=request).count() == 4
        )


# ---------------------------------------------------------------------------------------------------------
# The admin's list filters are the FilterSets'


def _list_filters(model_admin):
    return [f for f in model_admin.list_filter if isinstance(f, type) and issubclass(f, FilterSetListFilter)]


ADAPTED = [m for m in admin.site._registry.values() if _list_filters(m)]


def test_the_admin_lists_filter_through_filtersets():
    assert {type(m).__name__ for m in ADAPTED} >= {
        "WorkAdmin",
        "AllocationAdmin",
        "DisbursementAdmin",
        "ProgressReportAdmin",
        "HouseholdAdmin",
        "PovertyAssessmentAdmin",
        "SupportAdmin",
        "PeriodReportAdmin",
        "CapitalPlanEntryAdmin",
    }


@pytest.mark.parametrize("model_admin", ADAPTED, ids=lambda m: type(m).__name__)
def test_every_list_filter_has_its_filter_in_the_admins_filterset(model_admin):
    for list_filter in _list_filters(model_admin):
        assert list_filter.parameter_name in model_admin.filterset_class.base_filters, list_filter
        if list_filter.parameter_name == "year":
            assert list_filter.value_kind == "year"


def test_a_list_filter_without_its_filterset_is_a_configuration_error(rf, admin_user):
    class Bare(admin.ModelAdmin):
        list_filter = [_list_filters(admin.site._registry[Work])[0]]

    request = rf.get("/")
    request.user = admin_user
    with pytest.raises(ImproperlyConfigured, match="filterset_class"):
        Bare.list_filter[0](request, {}, Work, Bare(Work, admin.site))


def test_a_list_filter_applies_the_filtersets_filter(rf, admin_user, world):
    model_admin = admin.site._registry[ProgressReport]
    [province_filter] = [f for f in _list_filters(model_admin) if f.parameter_name == "province"]
    request = rf.get("/", {"province": world.p1.pk})
    request.user = admin_user
    services.progress_report_record(
        work=world.works["c3"], reported_on=datetime.date(2024, 5, 3), progress_percent=5, status="approved"
    )
    in_l1 = services.progress_report_record(
        work=world.works["l1"], reported_on=datetime.date(2024, 5, 3), progress_percent=5, status="approved"
    )
    spec = province_filter(request, {"province": [str(world.p1.pk)]}, ProgressReport, model_admin)
    assert list(spec.queryset(request, ProgressReport.objects.all())) == [in_l1]
    spec = province_filter(request, {"province": ["abc"]}, ProgressReport, model_admin)
    with pytest.raises(ValidationError):
        spec.queryset(request, ProgressReport.objects.all())
