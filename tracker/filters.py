"""The FilterSets of the tracker's lists: works, capital allocated and disbursed, progress, households and
their yearly records, period reports. Shared by the admin (kernel/admin_filters.py), the API and the pages.

Every one takes `?province=` and `?commune=` (localities/filters.py); the rest is each model's.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from kernel.access import can_see_personal_data
from kernel.filters import AsOfFilter, UpdatedSinceFilter, YearFilter
from localities.filters import LocalityFilterSet
from programs.filters import ComponentFilter, ProgramCodeFilter, ProgramFilter
from programs.models import Program

from .models import (
    Allocation,
    CapitalSummary,
    Disbursement,
    Household,
    PeriodReport,
    PovertyAssessment,
    ProgressReport,
    Support,
    Work,
)


class WorkFilterSet(LocalityFilterSet):
    """Works of a place, a program or component, with capital allocated in a plan year, of a status, type,
    mechanism; or changed since a moment."""

    commune_path = "commune"

    program = ProgramFilter(method="filter_program")
    program_code = ProgramCodeFilter(method="filter_program")
    component = ComponentFilter("components")
    year = YearFilter(method="filter_year", label=_("plan year"))
    updated_since = UpdatedSinceFilter(label=_("updated since"))

    class Meta:
        model = Work
        fields = ["status", "work_type", "is_small_work", "is_maintenance"]

    def filter_program(self, queryset, name, value):
        # A work is funded by several components: once each, however many of them are the program's.
        return queryset.of_program(value if isinstance(value, str) else Program(pk=value))

    def filter_year(self, queryset, name, value):
        return queryset.in_year(value)


class AllocationFilterSet(LocalityFilterSet):
    commune_path = "work__commune"

    program = ProgramFilter()
    program_code = ProgramCodeFilter()
    component = ComponentFilter()
    year = YearFilter(label=_("plan year"))

    class Meta:
        model = Allocation
        fields = ["source", "capital_type", "kind"]


class CapitalSummaryFilterSet(LocalityFilterSet):
    """Lines of the capital summary by the filters it shares with the ledgers' lists (place, plan year, source,
    capital type): what those lists' totals and dates are read from when they are filtered by these alone."""

    year = YearFilter(label=_("plan year"))

    class Meta:
        model = CapitalSummary
        fields = ["source", "capital_type"]


class DisbursementFilterSet(LocalityFilterSet):
    """Disbursements; `?as_of=30/06/2025` gives the ledger as it stood that day (reversals included)."""

    commune_path = "work__commune"

    year = YearFilter(label=_("plan year"))
    as_of = AsOfFilter(method="filter_as_of", label=_("as of"))
    is_reversal = django_filters.BooleanFilter(method="filter_reversal", label=_("reversal"))

    class Meta:
        model = Disbursement
        fields = ["source", "capital_type"]

    def filter_as_of(self, queryset, name, value):
        return queryset.as_of(value)

    def filter_reversal(self, queryset, name, value):
        return queryset.filter(reverses__isnull=not value)


class ProgressReportFilterSet(LocalityFilterSet):
    commune_path = "work__commune"

    as_of = AsOfFilter("reported_on", label=_("as of"))

    class Meta:
        model = ProgressReport
        fields = ["status"]


class HouseholdFilterSet(LocalityFilterSet):
    """Households. The ethnic-group filter is personal data (Decree 13/2023/NĐ-CP): it is there only for a
    request whose user may see personal data; for anybody else `?ethnic_group=` is not applied."""

    commune_path = "commune"
    personal_data_filters = ("ethnic_group",)

    updated_since = UpdatedSinceFilter(label=_("updated since"))

    class Meta:
        model = Household
        fields = ["ethnic_group"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        if request is None or not can_see_personal_data(request.user):
            for name in self.personal_data_filters:
                self.filters.pop(name, None)


class PovertyAssessmentFilterSet(LocalityFilterSet):
    commune_path = "household__commune"

    year = YearFilter()

    class Meta:
        model = PovertyAssessment
        fields = ["status", "standard"]


class SupportFilterSet(LocalityFilterSet):
    commune_path = "household__commune"

    year = YearFilter()
    program = ProgramFilter()
    program_code = ProgramCodeFilter()
    component = ComponentFilter()

    class Meta:
        model = Support
        fields = ["kind"]


class PeriodReportFilterSet(LocalityFilterSet):
    commune_path = "commune"

    year = YearFilter()

    class Meta:
        model = PeriodReport
        fields = ["status", "quarter"]
