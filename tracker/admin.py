import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kernel import forms as kernel_forms
from kernel.access import (
    APPROVE,
    MASK,
    SUBMIT,
    VIEW,
    JurisdictionLevelChoices,
    can_see_personal_data,
    jurisdiction_of,
    mask_id_number,
    may,
)
from kernel.admin import JurisdictionInlineMixin, NtpAdmin, NtpHistoryAdmin, Writes, action_with_form
from kernel.admin_filters import FilterSetListFilter, YearFilter
from kernel.exports import export_reads
from kernel.numbers import ValueProblem, date_from_input, format_date
from kernel.presentation import MONEY, PERCENT, figure_column, format_rate, format_vnd, rate
from localities.admin import CommuneAdmin, VillageAdmin
from localities.admin_filters import CommuneFilter, ProvinceFilter
from localities.models import Commune, Village
from programs.admin import LedgerAdminMixin, ProgramFilter
from programs.models import Component

from . import services
from .choices import PeriodReportStatusChoices, PovertyStatusChoices
from .filters import (
    AllocationFilterSet,
    CapitalSummaryFilterSet,
    DisbursementFilterSet,
    HouseholdFilterSet,
    PeriodReportFilterSet,
    PovertyAssessmentFilterSet,
    ProgressReportFilterSet,
    SupportFilterSet,
    WorkFilterSet,
)
from .forms import AllocationForm, DisbursementForm, PovertyAssessmentForm
from .models import (
    Allocation,
    CapitalSummary,
    DeprivationIndicator,
    Disbursement,
    EthnicGroup,
    Household,
    PeriodReport,
    PovertyAssessment,
    PovertyStandard,
    ProgressReport,
    Support,
    Work,
)
from .period_figures import period_bounds, period_figures
from .querysets import as_of_split

# The services each entity is written through: the admin never saves a model itself.
WORK_WRITES = Writes(
    create=services.work_create, update=services.work_update, delete=services.work_delete, instance="work"
)
ALLOCATION_WRITES = Writes(create=services.allocation_record, instance="allocation")
DISBURSEMENT_WRITES = Writes(create=services.disbursement_record, instance="disbursement")
PROGRESS_WRITES = Writes(
    create=services.progress_report_record,
    update=services.progress_report_update,
    delete=services.progress_report_delete,
    instance="report",
)
HOUSEHOLD_WRITES = Writes(
    create=services.household_register,
    update=services.household_update,
    delete=services.household_delete,
    instance="household",
)
ASSESSMENT_WRITES = Writes(
    create=services.poverty_assessment_record,
    update=services.poverty_assessment_update,
    delete=services.poverty_assessment_delete,
    instance="assessment",
)
SUPPORT_WRITES = Writes(
    create=services.support_record, update=services.support_update, delete=services.support_delete, instance="support"
)


# A ledger list's parameters that the capital summary holds, and the summary's filter of each.
SUMMARY_PARAMETERS = {
    "province": "province",
    "year": "year",
    "source__exact": "source",
    "capital_type__exact": "capital_type",
}


def ledger_summary(changelist, request, ledger: str, date_field: str | None = None):
    """The capital summary's lines that add up to the rows of a ledger's list, and the list's rows to add to
    them (those of the as-of date's month up to the date, `?paid_on__lte=`; else None), and a function giving
    the months of the lines that hold a ledger's entries, as (lines, rows, months);
    None when the list is searched or filtered by what the summary does not hold (a kind, a program,
    reversals, a day), whose figures are then read from the rows themselves. The summary keeps months:
    the date hierarchy's year and month are its own."""
    if changelist.query:
        return None
    summary_data, months, as_of = {}, {}, None
    for name, values in changelist.get_filters_params().items():
        value = values[-1] if isinstance(values, list) else values
        if name in SUMMARY_PARAMETERS:
            summary_data[SUMMARY_PARAMETERS[name]] = value
        elif date_field and name in (f"{date_field}__year", f"{date_field}__month"):
            months[name.rsplit("__", 1)[1]] = value
        elif date_field and name in (f"{date_field}__lte", f"{date_field}__lt") and as_of is None:
            try:
                as_of = date_from_input(value)
            except ValueProblem:
                return None
            as_of -= datetime.timedelta(days=name.endswith("__lt"))
        else:
            return None
    lines = CapitalSummaryFilterSet(summary_data, queryset=CapitalSummary.objects.of_entries_seen_by(request.user))
    if not lines.is_valid():
        return None
    lines = everywhen = lines.qs
    first = last = None  # the months the list is narrowed to
    if months:
        try:
            year, month = int(months["year"]), int(months.get("month", 0))
            first, last = (
                (datetime.date(year, month, 1),) * 2
                if month
                else (datetime.date(year, 1, 1), datetime.date(year, 12, 1))
            )
        except (KeyError, ValueError, OverflowError):
            return None
        lines = lines.filter(month__range=(first, last))
    rows = None
    if as_of is not None:
        lines_filter, partial = as_of_split(as_of)
        lines = lines.filter(**lines_filter)
        rows = changelist.queryset.filter(**{f"{date_field}__gte": partial[0]}) if partial else None
        last = min(last, as_of) if last else as_of
    # the date hierarchy's months, read on the summary's index of months within those the list is narrowed to
    return lines, rows, lambda ledger: everywhen.ledger_months(ledger, first, last)


def with_ledger_totals(response, request, label, ledger: str, date_field: str | None = None):
    """Add the count and the amount of the filtered rows (capital-changing entries only for allocations) to a
    ledger's list: from the capital summary when its filters are the summary's (a national list is not
    summed entry by entry), else from the rows. The date hierarchy's years and months come from the summary too
    (read by the `ntp_date_hierarchy` tag)."""
    changelist = getattr(response, "context_data", {}).get("cl")
    if changelist is None:
        return response
    summary = ledger_summary(changelist, request, ledger, date_field)
    if summary is None:
        figures = changelist.queryset.figures()
        entries, amount = figures["entries"], figures["amount"]
    else:
        lines, rows, months_of = summary
        figures = lines.ledger_figures(ledger)
        entries, amount = figures["entries"], figures["amount"]
        if rows is not None:
            of_the_month = rows.figures()
            entries, amount = entries + of_the_month["entries"], amount + of_the_month["amount"]
        if date_field and rows is None:
            changelist.dated_months = months_of(ledger)
    response.context_data["totals"] = [(_("entries"), format_vnd(entries)), (label, format_vnd(amount))]
    return response


class ComponentFilter(FilterSetListFilter):
    """Components of the chosen program (the choices appear once a program is chosen)."""

    title = _("component")
    parameter_name = "component"

    def lookups(self, request, model_admin):
        program_id = request.GET.get(ProgramFilter.parameter_name)
        if not program_id or not program_id.isdigit():
            return []
        return [(str(c.pk), f"{c.code}: {c.name}") for c in Component.objects.filter(program_id=program_id)]

    def has_output(self):
        return True


class CapitalYearFilter(YearFilter):
    """Works with capital allocated for a plan year."""

    title = _("plan year")


class AllocationInline(JurisdictionInlineMixin, admin.TabularInline):
    writes = ALLOCATION_WRITES
    model = Allocation
    form = AllocationForm
    extra = 0
    fields = [
        "component",
        "year",
        "source",
        "capital_type",
        "kind",
        "amount",
        "extended_until",
        "decided_on",
        "document",
        "note",
    ]
    autocomplete_fields = ["document"]
    can_delete = False
    verbose_name_plural = _("capital allocated (a correction is a new adjustment entry)")

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("component__program", "document")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "component":
            kwargs["queryset"] = Component.objects.select_related("program")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class DisbursementInline(JurisdictionInlineMixin, admin.TabularInline):
    writes = DISBURSEMENT_WRITES
    model = Disbursement
    form = DisbursementForm
    fk_name = "work"
    extra = 0
    fields = ["year", "source", "capital_type", "amount", "voucher_number", "paid_on", "reverses", "note"]
    readonly_fields = ["reverses"]
    can_delete = False
    verbose_name_plural = _("disbursements (a wrong one is reversed from the disbursement list)")

    def has_change_permission(self, request, obj=None):
        return False


class ProgressReportInline(JurisdictionInlineMixin, admin.TabularInline):
    writes = PROGRESS_WRITES
    model = ProgressReport
    extra = 0
    fields = ["reported_on", "progress_percent", "quantity_done", "status", "note"]
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Work)
class WorkAdmin(NtpHistoryAdmin):
    writes = WORK_WRITES
    list_display = [
        "code",
        "name",
        "commune",
        "work_type",
        "status",
        "allocated_vnd",
        "disbursed_vnd",
        "disbursement_rate",
        "physical_progress",
    ]
    filterset_class = WorkFilterSet
    list_filter = [
        ProvinceFilter,
        CommuneFilter,
        ProgramFilter,
        ComponentFilter,
        CapitalYearFilter,
        "status",
        "work_type",
        "is_small_work",
        "is_maintenance",
    ]
    search_fields = ["code", "name", "commune__name", "investor"]
    autocomplete_fields = ["commune", "villages", "components"]
    list_select_related = ["commune__district", "commune__province"]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["code", "name", "work_type", "is_maintenance", "components", "status"]}),
        (_("Place"), {"fields": ["commune", "villages", "latitude", "longitude"]}),
        (
            _("Investment"),
            {"fields": ["investor", "approved_investment", "is_small_work", "capacity", "capacity_unit"]},
        ),
        (
            _("Dates"),
            {"fields": ["start_date", "planned_completion_date", "actual_completion_date"]},
        ),
        (_("Other"), {"fields": ["beneficiary_households", "note"]}),
    ]
    inlines = [AllocationInline, DisbursementInline, ProgressReportInline]
    change_list_template = "admin/tracker/change_list_totals.html"

    def get_queryset(self, request):
        return super().get_queryset(request).with_capital().with_progress()

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            # the list's count, unless it stopped counting at its cap
            paginator = changelist.paginator
            totals = changelist.queryset.totals(count=None if paginator.capped else paginator.count)
            response.context_data["totals"] = [
                (_("works"), format_vnd(totals["works"])),
                (_("allocated (VND)"), format_vnd(totals["allocated"])),
                (_("disbursed (VND)"), format_vnd(totals["disbursed"])),
                (_("disbursement rate"), format_rate(totals["disbursed"], totals["allocated"])),
            ]
        return response

    def get_inline_instances(self, request, obj=None):
        # Capital and progress need a saved work whose components are known.
        return super().get_inline_instances(request, obj) if obj is not None else []

    @figure_column(_("allocated (VND)"), kind=MONEY, ordering="allocated", reads=["allocated"])
    def allocated_vnd(self, obj):
        return obj.allocated

    @figure_column(_("disbursed (VND)"), kind=MONEY, ordering="disbursed", reads=["disbursed"])
    def disbursed_vnd(self, obj):
        return obj.disbursed

    @figure_column(_("disbursement rate"), kind=PERCENT, colour="#2e7d32", reads=["disbursed", "allocated"])
    def disbursement_rate(self, obj):
        return rate(obj.disbursed, obj.allocated)

    @figure_column(_("physical progress"), kind=PERCENT, ordering="progress_percent", reads=["progress_percent"])
    def physical_progress(self, obj):
        return obj.progress_percent


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
    reversed_on = kernel_forms.DateField(label=_("Reversal date"), initial=datetime.date.today)


@admin.register(Disbursement)
class DisbursementAdmin(LedgerAdminMixin, NtpHistoryAdmin):
    writes = DISBURSEMENT_WRITES
    form = DisbursementForm
    list_display = ["voucher_number", "paid_on", "work", "year", "source", "capital_type", "amount_vnd", "reverses"]
    filterset_class = DisbursementFilterSet
    list_filter = [
        ProvinceFilter,
        YearFilter,
        "source",
        "capital_type",
        ("reverses", admin.EmptyFieldListFilter),
    ]
    search_fields = ["voucher_number", "work__code", "work__name"]
    list_select_related = ["work", "reverses"]
    autocomplete_fields = ["work"]
    date_hierarchy = "paid_on"
    # A work's disbursements, as of a date with `?paid_on__lte=` (the date hierarchy's ranges).
    extra_list_lookups = ("work__id__exact",)
    actions = ["reverse_disbursements"]
    show_full_result_count = False
    change_list_template = "admin/tracker/change_list_totals.html"

    def changelist_view(self, request, extra_context=None):
        # `?paid_on__lte=2025-06-30` gives the disbursement as of a date.
        response = super().changelist_view(request, extra_context)
        return with_ledger_totals(response, request, _("net disbursed (VND)"), "disbursement", "paid_on")

    @figure_column(_("amount (VND)"), kind=MONEY, ordering="amount", reads=["amount"])
    def amount_vnd(self, obj):
        return obj.amount

    @admin.action(description=_("Reverse the selected disbursements"), permissions=["add"])
    def reverse_disbursements(self, request, queryset):
        return action_with_form(
            self,
            request,
            queryset.select_related("work"),
            form_class=ReverseForm,
            action="reverse_disbursements",
            title=_("Reverse disbursements"),
            explanation=_(
                "Each disbursement below will be cancelled by a reversing entry of the opposite amount. "
                "The original entry stays in the ledger."
            ),
            submit_label=_("Reverse"),
            apply=lambda obj, data: services.disbursement_reverse(
                disbursement=obj, reason=data["reason"], reversed_on=data["reversed_on"], user=request.user
            ),
        )


@admin.register(Allocation)
class AllocationAdmin(LedgerAdminMixin, NtpHistoryAdmin):
    writes = ALLOCATION_WRITES
    form = AllocationForm
    list_display = ["work", "component", "year", "source", "capital_type", "kind", "amount_vnd", "decided_on"]
    filterset_class = AllocationFilterSet
    list_filter = [
        ProvinceFilter,
        YearFilter,
        ProgramFilter,
        "source",
        "capital_type",
        "kind",
    ]
    search_fields = ["work__code", "work__name", "component__code"]
    list_select_related = ["work", "component__program"]
    autocomplete_fields = ["work", "component", "document"]
    show_full_result_count = False
    change_list_template = "admin/tracker/change_list_totals.html"

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        return with_ledger_totals(response, request, _("allocated (VND)"), "allocation")

    @figure_column(_("amount (VND)"), kind=MONEY, ordering="amount", reads=["amount"])
    def amount_vnd(self, obj):
        return obj.amount


@admin.register(ProgressReport)
class ProgressReportAdmin(NtpHistoryAdmin):
    writes = PROGRESS_WRITES
    list_display = ["work", "reported_on", "progress_bar", "quantity_done", "status"]
    filterset_class = ProgressReportFilterSet
    list_filter = [ProvinceFilter, "status"]
    search_fields = ["work__code", "work__name"]
    list_select_related = ["work"]
    autocomplete_fields = ["work"]
    date_hierarchy = "reported_on"
    show_full_result_count = False

    @figure_column(_("physical progress"), kind=PERCENT, ordering="progress_percent", reads=["progress_percent"])
    def progress_bar(self, obj):
        return obj.progress_percent


def _by_standard(indicators) -> list[tuple[str, list[tuple[int, str]]]]:
    """Deprivation indicators as choices grouped under their poverty standard: two standards name the same
    indicators ("Việc làm: Việc làm" twice) and a household is assessed against one."""
    return [
        (str(standard), [(indicator.pk, str(indicator)) for indicator in group])
        for standard, group in itertools.groupby(indicators, key=lambda indicator: indicator.standard)
    ]


class PovertyAssessmentInline(JurisdictionInlineMixin, admin.StackedInline):
    writes = ASSESSMENT_WRITES
    model = PovertyAssessment
    form = PovertyAssessmentForm
    extra = 0
    # Short fields side by side (they wrap on a phone); the indicators as checkboxes in columns (kernel/admin.css).
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("year", "status"),
                    "standard",
                    "income_per_capita",
                    ("decision_number", "recognised_on"),
                    "deprivations",
                ]
            },
        )
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("standard").prefetch_related("deprivations")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name != "deprivations":
            return super().formfield_for_manytomany(db_field, request, **kwargs)
        kwargs["queryset"] = DeprivationIndicator.objects.select_related("standard")
        kwargs["widget"] = forms.CheckboxSelectMultiple(attrs={"class": "ntp-checkbox-columns"})
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        # Read once for every assessment of the household, not once per form; values are still checked
        # against the queryset.
        field.choices = _by_standard(field.queryset)
        return field


class SupportInline(JurisdictionInlineMixin, admin.StackedInline):
    writes = SUPPORT_WRITES
    model = Support
    extra = 0
    # Stacked, not a table: nine columns with a component's full name (150 characters) made the household form
    # 4,356 px wide at 1366 px.
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("year", "received_on"),
                    ("kind", "amount"),
                    "component",
                    ("quantity", "quantity_unit"),
                    "note",
                ]
            },
        )
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "component":
            kwargs["queryset"] = Component.objects.select_related("program")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Household)
class HouseholdAdmin(NtpHistoryAdmin):
    """ID numbers and ethnicity are sensitive personal data (Decree 13/2023/NĐ-CP): shown whole only to
    roles with the personal-data permission, masked everywhere else (lists, forms, history, filters)."""

    writes = HOUSEHOLD_WRITES

    list_display = ["code", "head_name", "village", "commune", "ethnicity", "member_count", "latest_status"]
    filterset_class = HouseholdFilterSet
    # The ethnic-group filter and the ID-number search are there only for roles that see personal data: the
    # admin base drops what reaches `personal_data_fields` for everybody else (kernel/list_params.py).
    list_filter = [ProvinceFilter, CommuneFilter, "ethnic_group"]
    # an ID number is searched by its beginning, as typed (its own index), by the roles that may see it
    search_fields = ["code", "head_name", "village__name", "commune__name", "^id_number"]
    list_select_related = ["village__commune", "commune__district", "commune__province", "ethnic_group"]
    autocomplete_fields = ["commune", "village"]
    inlines = [PovertyAssessmentInline, SupportInline]
    show_full_result_count = False
    personal_data_fields = ("id_number", "ethnic_group")

    def get_queryset(self, request):
        latest = PovertyAssessment.objects.filter(household=OuterRef("pk")).order_by("-year")
        # Decided per request, in the query itself: the admin object is shared between requests. A subquery,
        # not a join: the list's count, of keys alone, then reads the households without their groups.
        group = EthnicGroup.objects.filter(pk=OuterRef("ethnic_group_id")).values("name")[:1]
        ethnicity = Subquery(group) if can_see_personal_data(request.user) else Value(MASK)
        return (
            super()
            .get_queryset(request)
            .annotate(
                _latest_status=Subquery(latest.values("status")[:1]),
                _latest_year=Subquery(latest.values("year")[:1]),
                _ethnicity=ethnicity,
            )
        )

    def get_fieldsets(self, request, obj=None):
        # The household, then its place; which personal-data fields show is get_fields' (masked or whole).
        (name, options), *rest = super().get_fieldsets(request, obj)
        place = ["commune", "village", "address"]
        first = [field for field in options["fields"] if field not in place]
        return [(name, {**options, "fields": first}), (_("Place"), {"fields": place}), *rest]

    def get_fields(self, request, obj=None):
        fields = ["code", "head_name", "id_number", "ethnic_group", "commune", "village", "member_count", "address"]
        if can_see_personal_data(request.user):
            return fields
        return [
            "code",
            "head_name",
            "masked_id_number",
            "masked_ethnicity",
            "commune",
            "village",
            "member_count",
            "address",
        ]

    def get_readonly_fields(self, request, obj=None):
        if can_see_personal_data(request.user):
            return self.readonly_fields
        return [*self.readonly_fields, "masked_id_number", "masked_ethnicity"]

    @admin.display(description=_("ethnic group"))
    @export_reads("_ethnicity")
    def ethnicity(self, obj):
        return obj._ethnicity

    @admin.display(description=_("head's ID number"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number) if obj else ""

    @admin.display(description=_("ethnic group"))
    def masked_ethnicity(self, obj):
        return MASK if obj and obj.ethnic_group_id else ""

    @admin.display(description=_("latest poverty status"))
    @export_reads("_latest_status", "_latest_year")
    def latest_status(self, obj):
        if not obj._latest_status:
            return "—"
        return f"{PovertyStatusChoices(obj._latest_status).label} ({obj._latest_year})"


@admin.register(PovertyAssessment)
class PovertyAssessmentAdmin(NtpHistoryAdmin):
    writes = ASSESSMENT_WRITES
    form = PovertyAssessmentForm
    list_display = ["household", "year", "status", "income_vnd", "standard", "decision_number"]
    filterset_class = PovertyAssessmentFilterSet
    list_filter = [ProvinceFilter, YearFilter, "status", "standard"]
    search_fields = ["household__code", "household__head_name"]
    list_select_related = ["household", "standard"]
    autocomplete_fields = ["household"]
    show_full_result_count = False

    @figure_column(
        _("income (VND/person/month)"), kind=MONEY, ordering="income_per_capita", reads=["income_per_capita"]
    )
    def income_vnd(self, obj):
        return obj.income_per_capita

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "deprivations":
            kwargs["queryset"] = DeprivationIndicator.objects.select_related("standard")
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Support)
class SupportAdmin(NtpHistoryAdmin):
    writes = SUPPORT_WRITES
    list_display = ["household", "year", "kind", "component", "amount_vnd", "quantity", "quantity_unit"]
    filterset_class = SupportFilterSet
    list_filter = [ProvinceFilter, YearFilter, "kind"]
    search_fields = ["household__code", "household__head_name"]
    list_select_related = ["household", "component__program"]
    autocomplete_fields = ["household", "component"]
    show_full_result_count = False

    @figure_column(_("amount (VND)"), kind=MONEY, ordering="amount", reads=["amount"])
    def amount_vnd(self, obj):
        return obj.amount


@admin.register(EthnicGroup)
class EthnicGroupAdmin(NtpAdmin):
    list_display = ["code", "name", "other_names"]
    search_fields = ["code", "name", "other_names"]


class DeprivationIndicatorInline(JurisdictionInlineMixin, admin.TabularInline):
    model = DeprivationIndicator
    extra = 0
    fields = ["sort_order", "code", "dimension", "name", "display_name"]
    readonly_fields = ["display_name"]


@admin.register(PovertyStandard)
class PovertyStandardAdmin(NtpAdmin):
    list_display = ["code", "display_name", "first_year", "last_year", "rural_line", "urban_line", "to_verify"]
    list_select_related = ["document"]
    inlines = [DeprivationIndicatorInline]
    autocomplete_fields = ["document"]

    @figure_column(_("rural line (VND)"), kind=MONEY)
    def rural_line(self, obj):
        return obj.rural_income_line

    @figure_column(_("urban line (VND)"), kind=MONEY)
    def urban_line(self, obj):
        return obj.urban_income_line


@admin.register(DeprivationIndicator)
class DeprivationIndicatorAdmin(NtpAdmin):
    list_display = ["code", "display_name", "display_dimension", "standard"]
    list_filter = ["standard"]
    list_select_related = ["standard"]


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=pgettext_lazy("period report review", "Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class ApprovalForm(forms.Form):
    """Approving asks for nothing but the confirmation itself."""


class CurrentCommuneSelect(AutocompleteSelect):
    """The commune of a report, searched among the communes a report can be made for."""

    def get_url(self):
        return reverse("admin:tracker_periodreport_communes")


class CurrentCommuneSearch(AutocompleteJsonView):
    """The communes a report can be made for: the current communes of the jurisdiction. A legacy commune's name
    typed finds the current commune it became part of (its data is reported there)."""

    def get_queryset(self):
        communes = Commune.objects.in_jurisdiction(self.request.user).current().select_related("province")
        if self.term.strip():
            found = super().get_queryset()  # the communes' own search, both generations
            communes = communes.filter(Q(pk__in=found.values("pk")) | Q(pk__in=found.values("successor"))).annotate(
                found_itself=Exists(found.filter(pk=OuterRef("pk"))),
                took_in=Subquery(found.filter(successor=OuterRef("pk")).order_by("name").values("name")[:1]),
            )
        return communes.order_by("name", "pk")

    def serialize_result(self, obj, to_field_name):
        text = str(obj)
        if getattr(obj, "took_in", None) and not obj.found_itself:
            text = _("%(commune)s (now holds %(legacy)s)") % {"commune": text, "legacy": obj.took_in}
        return {"id": str(obj.pk), "text": text}


@dataclass(frozen=True)
class ReportStep:
    """A step a report's page offers (submit, approve, return, unlock): asked on a confirmation page, then
    applied by its service, which decides again. It starts from some statuses (`starts_from`) and is taken by
    the roles and levels `allowed(user)` accepts."""

    name: str
    title: str
    button: str
    question: str
    done: str
    starts_from: tuple[str, ...]
    allowed: Callable
    apply: Callable
    form_class: type[forms.Form] | None = None
    shows_figures: bool = True
    primary: bool = True

    def offered(self, report, user) -> bool:
        return report.status in self.starts_from and self.allowed(user)


REPORT_STEPS = {
    step.name: step
    for step in (
        ReportStep(
            name="submit",
            title=_("Submit the report to the province"),
            button=pgettext_lazy("period report", "Submit to the province"),
            question=_(
                "Submit the report of %(commune)s for %(period)s to the province? Once submitted it cannot be "
                "changed: the province approves it, which locks the period's data, or returns it for correction."
            ),
            done=_("The report of %(commune)s for %(period)s is submitted to the province."),
            starts_from=(PeriodReportStatusChoices.DRAFT, PeriodReportStatusChoices.RETURNED),
            allowed=lambda user: may(user, SUBMIT, PeriodReport),
            apply=lambda report, data, user: services.period_report_submit(
                commune=report.commune, year=report.year, quarter=report.quarter, user=user
            ),
        ),
        ReportStep(
            name="approve",
            title=_("Approve the report"),
            button=pgettext_lazy("period report", "Approve and lock"),
            question=_(
                "Approve the report of %(commune)s for %(period)s? Its data from %(starts)s to %(ends)s is then "
                "locked: no entry dated in the period can be added, changed or deleted until an approver unlocks it."
            ),
            done=_("The report of %(commune)s for %(period)s is approved; its data for the period is locked."),
            starts_from=(PeriodReportStatusChoices.SUBMITTED,),
            allowed=services.period_report_may_decide,
            apply=lambda report, data, user: services.period_report_approve(report=report, user=user),
            form_class=ApprovalForm,
        ),
        ReportStep(
            name="return",
            title=_("Return the report to the commune"),
            button=pgettext_lazy("period report", "Return to the commune"),
            question=_(
                "Return the report of %(commune)s for %(period)s to the commune? Say what the commune should "
                "correct; it submits the report again once corrected."
            ),
            done=_("The report of %(commune)s for %(period)s is returned to the commune."),
            starts_from=(PeriodReportStatusChoices.SUBMITTED,),
            allowed=services.period_report_may_decide,
            apply=lambda report, data, user: services.period_report_return(
                report=report, comment=data["comment"], user=user
            ),
            form_class=CommentForm,
            primary=False,
        ),
        ReportStep(
            name="unlock",
            title=_("Unlock the approved report"),
            button=_("Unlock"),
            question=_(
                "Unlock the report of %(commune)s for %(period)s? Its data for the period can be changed again and "
                "the report goes back to the commune. Say why the approved data must change."
            ),
            done=_("The report of %(commune)s for %(period)s is unlocked and back with the commune."),
            starts_from=(PeriodReportStatusChoices.APPROVED,),
            allowed=services.period_report_may_decide,
            apply=lambda report, data, user: services.period_report_unlock(
                report=report, reason=data["comment"], user=user
            ),
            form_class=CommentForm,
            shows_figures=False,
            primary=False,
        ),
    )
}


@admin.register(PeriodReport)
class PeriodReportAdmin(NtpHistoryAdmin):
    """Commune reports per quarter or year. The commune saves a draft, reads its figures on the report's page and
    submits it to the province (a confirmation first); the province reads the figures and approves (locks) or
    returns it from the same page; an approver unlocks an approved report. Every step goes through its service."""

    writes = Writes(create=services.period_report_save_draft, instance="report")
    list_display = ["commune", "period", "status", "submitted_by", "submitted_at", "decided_by", "decided_at"]
    filterset_class = PeriodReportFilterSet
    list_filter = [ProvinceFilter, "status", YearFilter, "quarter"]
    search_fields = ["commune__name"]
    list_select_related = ["commune__province", "submitted_by", "decided_by"]
    fields = [
        "commune",
        "year",
        "quarter",
        "status",
        "submitted_by",
        "submitted_at",
        "decided_by",
        "decided_at",
        "comment",
    ]
    actions = ["approve_reports", "return_reports", "unlock_reports"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("commune__province", "submitted_by", "decided_by")

    def get_fields(self, request, obj=None):
        return ["commune", "year", "quarter", "status"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        readonly = ["status", "submitted_by", "submitted_at", "decided_by", "decided_at", "comment"]
        return readonly if obj is None else ["commune", "year", "quarter", *readonly]

    def has_add_permission(self, request):
        return may(request.user, SUBMIT, PeriodReport)

    def has_change_permission(self, request, obj=None):
        # A report's fields never change by a form: its steps (submit, approve, return, unlock) change its status.
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting an approved report would unlock its period without a trace: unlock it instead.
        return False

    def has_approve_permission(self, request):
        return may(request.user, APPROVE, PeriodReport)

    @admin.display(description=_("period"), ordering="quarter")
    def period(self, obj):
        return obj.period_label

    # -- the add form: a draft, the commune official's own commune --------------------------------------------

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name != "commune":
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        jurisdiction = jurisdiction_of(request.user)
        if jurisdiction.level == JurisdictionLevelChoices.COMMUNE:
            # A commune official reports for their own commune: shown, not chosen.
            kwargs["queryset"] = Commune.objects.filter(pk=jurisdiction.commune_id)
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.disabled, field.initial = True, jurisdiction.commune_id  # a posted commune is ignored
            return field
        # Any commune of the jurisdiction is a valid choice, so that a legacy one is refused with what it became
        # (period_report_save_draft) rather than as "not one of the available choices"; the search offers only
        # current communes.
        kwargs["widget"] = CurrentCommuneSelect(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("year", timezone.localdate().year)
        return initial

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            _(
                "The draft report of %(commune)s for %(period)s is saved; nothing is sent yet. Read its figures "
                "below, then submit it to the province."
            )
            % {"commune": obj.commune.name, "period": obj.period_label},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:tracker_periodreport_change", args=[obj.pk]))

    # -- the report's page: its figures, its steps, its print -------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        steps = [
            path(
                f"<path:object_id>/{name}/",
                wrap(self.step_view),
                {"step": name},
                name="{}_{}_{}".format(*info, name),
            )
            for name in REPORT_STEPS
        ]
        return [
            path(
                "communes/",
                wrap(CurrentCommuneSearch.as_view(admin_site=self.admin_site)),
                name="{}_{}_communes".format(*info),
            ),
            path("<path:object_id>/print/", wrap(self.print_view), name="{}_{}_print".format(*info)),
            *steps,
            *super().get_urls(),
        ]

    def _report_or_404(self, request, object_id) -> PeriodReport:
        report = self.get_object(request, unquote(object_id))
        if report is None:
            raise Http404
        return report

    def report_context(self, request, report, *, figures=True) -> dict:
        """What the report's page, its confirmation pages and its print show beside the record."""
        user = request.user
        starts, ends = period_bounds(report.year, report.quarter)
        return {
            "report": report,
            "period_starts": starts,
            "period_ends": ends,
            "figures": period_figures(report, user=user) if figures else None,
            "works_linked": may(user, VIEW, Work),
            "steps": [
                {"url": reverse(f"admin:tracker_periodreport_{step.name}", args=[report.pk]), "step": step}
                for step in REPORT_STEPS.values()
                if step.offered(report, user)
            ],
            "print_url": reverse("admin:tracker_periodreport_print", args=[report.pk]),
            "change_url": reverse("admin:tracker_periodreport_change", args=[report.pk]),
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        report = self.get_object(request, unquote(object_id))
        if report is not None:
            extra_context.update(self.report_context(request, report))
        return super().change_view(request, object_id, form_url, extra_context)

    def step_view(self, request, object_id, step):
        """A step's confirmation page (GET), and the step taken through its service (POST)."""
        report = self._report_or_404(request, object_id)
        step = REPORT_STEPS[step]
        names = {
            "commune": report.commune.name,
            "period": report.period_label,
        }
        change_url = reverse("admin:tracker_periodreport_change", args=[report.pk])
        if not step.allowed(request.user):
            raise PermissionDenied
        if report.status not in step.starts_from:  # e.g. decided meanwhile by somebody else
            self.message_user(
                request,
                _("The report of %(commune)s for %(period)s is %(status)s: it cannot be taken to this step.")
                % {**names, "status": report.get_status_display().lower()},
                messages.WARNING,
            )
            return HttpResponseRedirect(change_url)
        form = None
        if step.form_class is not None:
            form = step.form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and (form is None or form.is_valid()):
            try:
                step.apply(report, form.cleaned_data if form is not None else {}, request.user)
            except (ValidationError, PermissionDenied) as error:
                text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                self.message_user(request, text, messages.ERROR)
            else:
                self.message_user(request, step.done % names, messages.SUCCESS)
            return HttpResponseRedirect(change_url)
        context = self.report_context(request, report, figures=step.shows_figures)
        starts, ends = context["period_starts"], context["period_ends"]
        context.update(
            {
                **self.admin_site.each_context(request),
                "title": step.title,
                "subtitle": str(report),
                "question": step.question % {**names, "starts": format_date(starts), "ends": format_date(ends)},
                "step": step,
                "form": form,
                "opts": self.opts,
                "original": report,
                "media": self.media + (form.media if form is not None else forms.Media()),
            }
        )
        return TemplateResponse(request, "admin/tracker/periodreport/confirm.html", context)

    def print_view(self, request, object_id):
        """The report on A4: its header and its figures, without the admin around them."""
        report = self._report_or_404(request, object_id)
        context = self.report_context(request, report)
        context.update(
            {
                "title": _("Period report"),
                "printed_at": timezone.now(),
                "printed_by": request.user,
                "opts": self.opts,
            }
        )
        return TemplateResponse(request, "admin/tracker/periodreport/print.html", context)

    # -- the list's actions ---------------------------------------------------------------------------------

    @admin.action(description=_("Approve (lock) the selected reports"), permissions=["approve"])
    def approve_reports(self, request, queryset):
        return action_with_form(
            self,
            request,
            queryset,
            form_class=ApprovalForm,
            action="approve_reports",
            title=_("Approve reports"),
            explanation=_(
                "Approving locks each commune's data for the report's period: no entry dated in it can be added, "
                "changed or deleted until an approver unlocks it. To read a report's figures first, open the report."
            ),
            submit_label=pgettext_lazy("period report", "Approve and lock"),
            apply=lambda obj, data: services.period_report_approve(report=obj, user=request.user),
        )

    @admin.action(description=_("Return the selected reports to the commune"), permissions=["approve"])
    def return_reports(self, request, queryset):
        return action_with_form(
            self,
            request,
            queryset,
            form_class=CommentForm,
            action="return_reports",
            title=_("Return reports"),
            explanation=_("Say what the commune should correct."),
            submit_label=_("Return"),
            apply=lambda obj, data: services.period_report_return(
                report=obj, comment=data["comment"], user=request.user
            ),
        )

    @admin.action(description=_("Unlock the selected approved reports"), permissions=["approve"])
    def unlock_reports(self, request, queryset):
        return action_with_form(
            self,
            request,
            queryset,
            form_class=CommentForm,
            action="unlock_reports",
            title=_("Unlock reports"),
            explanation=_("Say why the approved data must change."),
            submit_label=_("Unlock"),
            apply=lambda obj, data: services.period_report_unlock(
                report=obj, reason=data["comment"], user=request.user
            ),
        )


# ---------------------------------------------------------------------------------------------------------
# A commune's and a village's pages: what the place holds. Localities cannot know works and households (the
# apps' layers), so tracker extends their admins.

PLACE_WORKS_SHOWN = 50


class PlaceHoldingsMixin:
    """The change page of a place (commune, village) shows its works with their capital and its households,
    counted within the official's jurisdiction and linked to the lists that hold them."""

    change_form_template = "admin/tracker/place_change_form.html"

    def place_of_lists(self, obj):
        """The commune whose lists (`?commune=`) hold the place's rows: the commune itself."""
        return obj

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if object_id is not None:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                extra_context["holdings"] = self.holdings(request, obj)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def holdings(self, request, place) -> dict:
        user = request.user
        works = Work.objects.restrict(user).within(place)
        totals = works.totals()
        rows = list(works.with_capital().order_by("code")[:PLACE_WORKS_SHOWN])
        may_see_works = may(user, "view", Work)
        list_place = self.place_of_lists(place)
        return {
            "works": format_vnd(totals["works"]),
            "works_count": totals["works"],
            "allocated": format_vnd(totals["allocated"]),
            "disbursed": format_vnd(totals["disbursed"]),
            "households": format_vnd(Household.objects.restrict(user).within(place).count()),
            "works_url": _list_url(Work, list_place) if may_see_works else None,
            "households_url": _list_url(Household, list_place) if may(user, "view", Household) else None,
            "work_rows": [
                {
                    "code": work.code,
                    "name": work.name,
                    "status": work.get_status_display(),
                    "allocated": format_vnd(work.allocated),
                    "disbursed": format_vnd(work.disbursed),
                    "url": reverse("admin:tracker_work_change", args=[work.pk]) if may_see_works else None,
                }
                for work in rows
            ],
            "more": totals["works"] > len(rows),
        }


def _list_url(model, commune) -> str:
    opts = model._meta
    return f"{reverse(f'admin:{opts.app_label}_{opts.model_name}_changelist')}?commune={commune.pk}"


admin.site.unregister(Commune)
admin.site.unregister(Village)


@admin.register(Commune)
class CommunePageAdmin(PlaceHoldingsMixin, CommuneAdmin):
    """A commune's page, with its works, capital and households."""


@admin.register(Village)
class VillagePageAdmin(PlaceHoldingsMixin, VillageAdmin):
    """A village's page, with the works built in it and its households (the lists: of its commune)."""

    def place_of_lists(self, obj):
        return obj.commune
