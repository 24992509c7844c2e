import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from kernel.history import history_records
from kernel.numbers import format_date
from kernel.presentation import format_vnd
from kernel.querysets import ReferenceQuerySet
from kernel.versions import version_field
from programs.choices import CapitalEntryKindChoices, CapitalSourceChoices, CapitalTypeChoices

from .choices import (
    CapacityUnitChoices,
    PeriodReportStatusChoices,
    PovertyStatusChoices,
    SupportKindChoices,
    WorkStatusChoices,
    WorkTypeChoices,
)
from .querysets import (
    AllocationQuerySet,
    CapitalSummaryQuerySet,
    DisbursementQuerySet,
    HouseholdQuerySet,
    HouseholdRecordQuerySet,
    PeriodReportQuerySet,
    ProgressReportQuerySet,
    WorkQuerySet,
)

SMALL_WORK_CEILING_VND = 5_000_000_000  # Decree 27/2022/NĐ-CP, art. 17: at most 5 billion VND


class Work(models.Model):
    """An infrastructure work (công trình) built or maintained in one commune under one or more programs."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=300)
    work_type = models.CharField(_("type"), max_length=20, choices=WorkTypeChoices.choices)
    is_maintenance = models.BooleanField(_("maintenance or repair"), default=False)
    components = models.ManyToManyField(
        "programs.Component", related_name="works", verbose_name=_("program components")
    )
    commune = models.ForeignKey(
        "localities.Commune", on_delete=models.PROTECT, related_name="works", verbose_name=_("commune")
    )
    villages = models.ManyToManyField(
        "localities.Village", related_name="works", blank=True, verbose_name=_("villages")
    )
    investor = models.CharField(_("investor"), max_length=200, blank=True)
    capacity = models.DecimalField(_("capacity"), max_digits=14, decimal_places=3, null=True, blank=True)
    capacity_unit = models.CharField(_("capacity unit"), max_length=12, choices=CapacityUnitChoices.choices, blank=True)
    approved_investment = models.BigIntegerField(_("approved total investment (VND)"), default=0)
    is_small_work = models.BooleanField(
        _("small work, special mechanism"),
        default=False,
        help_text=_("Decree 27/2022/NĐ-CP: one commune, at most 5 billion VND, simple design."),
    )
    status = models.CharField(
        _("status"), max_length=14, choices=WorkStatusChoices.choices, default=WorkStatusChoices.PROPOSED
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    planned_completion_date = models.DateField(_("planned completion"), null=True, blank=True)
    actual_completion_date = models.DateField(_("actual completion"), null=True, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(8), MaxValueValidator(24)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(102), MaxValueValidator(118)],
    )
    beneficiary_households = models.PositiveIntegerField(_("households benefiting"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = WorkQuerySet.as_manager()
    version = version_field()
    history = history_records(m2m_fields=[components, villages])

    class Meta:
        verbose_name = _("work")
        verbose_name_plural = _("works")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_investment__gte=0),
                name="%(app_label)s_%(class)s_investment_non_negative",
                violation_error_message=_("The approved investment cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(actual_completion_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(actual_completion_date__gte=F("start_date")),
                name="%(app_label)s_%(class)s_completion_after_start",
                violation_error_message=_("The actual completion date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(planned_completion_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(planned_completion_date__gte=F("start_date")),
                name="%(app_label)s_%(class)s_planned_after_start",
                violation_error_message=_("The planned completion date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(is_small_work=False) | Q(approved_investment__lte=SMALL_WORK_CEILING_VND),
                name="%(app_label)s_%(class)s_small_work_ceiling",
                violation_error_message=_("A small work under the special mechanism costs at most 5.000.000.000 VND."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=0),
                name="%(app_label)s_%(class)s_capacity_non_negative",
                violation_error_message=_("The capacity cannot be negative."),
            ),
        ]
        indexes = [models.Index(fields=["commune", "status"], name="tracker_work_commune_status")]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        errors = {}
        if self.capacity is not None and not self.capacity_unit:
            errors["capacity_unit"] = _("Give the unit of the capacity (km, m, classrooms, ...).")
        if self.status in (WorkStatusChoices.COMPLETED, WorkStatusChoices.SETTLED) and not self.actual_completion_date:
            errors["actual_completion_date"] = _("A completed work needs its actual completion date.")
        if errors:
            raise ValidationError(errors)


class CapitalEntry(models.Model):
    """Fields shared by a work's allocations and disbursements."""

    year = models.PositiveSmallIntegerField(
        _("plan year"),
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("The year of the capital plan this money belongs to."),
    )
    source = models.CharField(_("capital source"), max_length=20, choices=CapitalSourceChoices.choices)
    capital_type = models.CharField(_("capital type"), max_length=12, choices=CapitalTypeChoices.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        abstract = True


class Allocation(CapitalEntry):
    """Capital allocated (phân bổ) to a work from one program component, year, source and type.

    A ledger like the capital plan: a change is an adjustment entry (the only kind that may be negative)
    and an extension (kéo dài) records how long part of the year's capital may still be disbursed.
    """

    work = models.ForeignKey(Work, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("work"))
    component = models.ForeignKey(
        "programs.Component", on_delete=models.PROTECT, related_name="allocations", verbose_name=_("component")
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=CapitalEntryKindChoices.choices, default=CapitalEntryKindChoices.ASSIGNED
    )
    amount = models.BigIntegerField(_("amount (VND)"))
    extended_until = models.DateField(_("extended until"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"))
    document = models.ForeignKey(
        "programs.LegalDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
        verbose_name=_("deciding document"),
    )

    objects = AllocationQuerySet.as_manager()
    version = version_field()
    history = history_records()

    class Meta:
        verbose_name = _("capital allocation")
        verbose_name_plural = _("capital allocations")
        ordering = ["work_id", "year", "decided_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) | Q(kind=CapitalEntryKindChoices.ADJUSTMENT),
                name="%(app_label)s_%(class)s_amount_non_negative",
                violation_error_message=_("An allocated amount cannot be negative; use an adjustment to reduce it."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=CapitalEntryKindChoices.ADJUSTMENT) | ~Q(amount=0),
                name="%(app_label)s_%(class)s_adjustment_not_zero",
                violation_error_message=_("An adjustment of zero changes nothing."),
            ),
            models.CheckConstraint(
                condition=(Q(kind=CapitalEntryKindChoices.EXTENSION) & Q(extended_until__isnull=False))
                | (~Q(kind=CapitalEntryKindChoices.EXTENSION) & Q(extended_until__isnull=True)),
                name="%(app_label)s_%(class)s_extension_has_date",
                violation_error_message=_("An extension, and only an extension, has an 'extended until' date."),
            ),
        ]
        indexes = [
            models.Index(fields=["work", "year", "source"], name="tracker_alloc_work_year_src"),
            # the status pages take away the entries decided after their "as of" date
            models.Index(fields=["year", "decided_on"], name="tracker_alloc_year_decided"),
            # the extensions (kéo dài) running into a year
            models.Index(
                fields=["extended_until"],
                condition=Q(kind=CapitalEntryKindChoices.EXTENSION),
                name="tracker_alloc_extension",
            ),
        ]

    def __str__(self):
        return _("%(kind)s %(amount)s VND to %(work)s for %(year)s") % {
            "kind": self.get_kind_display(),
            "amount": format_vnd(self.amount),
            "work": self.work.code,
            "year": self.year,
        }

    def clean(self):
        if self.kind == CapitalEntryKindChoices.EXTENSION and self.extended_until and self.year:
            if self.extended_until.year <= self.year:
                raise ValidationError(
                    {"extended_until": _("An extension runs past the plan year %(year)s.") % {"year": self.year}}
                )

    def period_key(self):
        """The commune and date whose reporting period holds this entry (for approval locks)."""
        return self.work.commune, self.decided_on


class Disbursement(CapitalEntry):
    """A payment (giải ngân) for a work through the State Treasury, or the reversal of one.

    A wrong entry is never edited or deleted: a reversing entry with the opposite amount cancels it.
    """

    work = models.ForeignKey(Work, on_delete=models.PROTECT, related_name="disbursements", verbose_name=_("work"))
    amount = models.BigIntegerField(_("amount (VND)"), help_text=_("Negative only for a reversal."))
    voucher_number = models.CharField(_("treasury voucher number"), max_length=50)
    paid_on = models.DateField(_("voucher date"))
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )

    objects = DisbursementQuerySet.as_manager()
    version = version_field()
    history = history_records()

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["work_id", "paid_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(reverses__isnull=True) & Q(amount__gt=0)) | (Q(reverses__isnull=False) & Q(amount__lt=0)),
                name="%(app_label)s_%(class)s_sign_matches_reversal",
                violation_error_message=_(
                    "A disbursement is a positive amount; only a reversal of an earlier one is negative."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["work", "year", "source"], name="tracker_disb_work_year_src"),
            # the status pages take away the entries paid after their "as of" date
            models.Index(fields=["year", "paid_on"], name="tracker_disb_year_paid"),
        ]

    def __str__(self):
        return _("Voucher %(voucher)s of %(date)s: %(amount)s VND") % {
            "voucher": self.voucher_number,
            "date": format_date(self.paid_on) if self.paid_on else "",
            "amount": format_vnd(self.amount),
        }

    def period_key(self):
        return self.work.commune, self.paid_on


_SUMMARY_FIGURES = ("capital_type", "source", "allocated", "disbursed", "allocation_entries", "disbursement_entries")


class CapitalSummary(models.Model):
    """What a work's capital ledgers add up to for one plan year, capital type, source and month: the
    allocations decided and the payments made (reversals netted) in that month.

    Kept by the database itself (triggers on both ledgers and on the work's commune, created by migration
    0010: per statement on PostgreSQL, per row on SQLite), so every write path keeps it exact: the services,
    the import's COPY, the national data generator, a fixture. The status pages read their figures from it:
    the months before the "as of" date's, plus that month's entries up to the date (none to add when the
    date ends its month). `manage.py capital_summary --check` compares it with the ledgers.
    """

    # No index on the work alone: the unique constraint's index begins with the work and its year, and the
    # covering index below with the work, its year and month (an index on the work alone drew PostgreSQL to
    # it, reading every year's lines of a province's works).
    work = models.ForeignKey(
        Work, on_delete=models.CASCADE, related_name="capital_summaries", verbose_name=_("work"), db_index=False
    )
    # The work's commune, copied so that the pages group by place without reading the works (a trigger on
    # the works keeps it when a work moves).
    commune = models.ForeignKey(
        "localities.Commune", on_delete=models.CASCADE, related_name="+", verbose_name=_("commune")
    )
    year = models.PositiveSmallIntegerField(_("plan year"))
    source = models.CharField(_("capital source"), max_length=20, choices=CapitalSourceChoices.choices)
    capital_type = models.CharField(_("capital type"), max_length=12, choices=CapitalTypeChoices.choices)
    month = models.DateField(_("month"), help_text=_("The first day of the month the entries are dated in."))
    allocated = models.BigIntegerField(_("allocated (VND)"), default=0)
    disbursed = models.BigIntegerField(_("net disbursed (VND)"), default=0)
    allocation_entries = models.IntegerField(_("allocation entries"), default=0)
    disbursement_entries = models.IntegerField(_("disbursement entries"), default=0)

    objects = CapitalSummaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("capital summary")
        verbose_name_plural = _("capital summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["work", "year", "capital_type", "source", "month"], name="%(app_label)s_%(class)s_one_per_line"
            )
        ]
        indexes = [
            # the status pages' sums read from the index alone on PostgreSQL (SQLite ignores INCLUDE)
            models.Index(
                fields=["year", "month"],
                include=["commune", "work", "capital_type", "source", "allocated", "disbursed"],
                name="tracker_capsum_year_month_all",
            ),
            # "works with capital in the year" (`in_year`, `count_with_capital`) from the index alone
            models.Index(
                fields=["year", "work", "commune"],
                condition=Q(allocation_entries__gt=0),
                name="tracker_capsum_year_work",
            ),
            # capital of earlier years paid in a year (`carried_over`)
            models.Index(fields=["month", "year"], name="tracker_capsum_month_year"),
            # the lines of some works (a list's totals: `totals`, `with_capital`) and of the communes of a
            # province (the ledgers' list totals and months) from the index alone: a province's hundred
            # thousand lines in 20 to 40 ms, not a scan of the whole summary (PostgreSQL; SQLite ignores INCLUDE)
            models.Index(
                fields=["work", "year", "month"],
                include=[*_SUMMARY_FIGURES],
                name="tracker_capsum_work_all",
            ),
            models.Index(
                fields=["commune", "year", "month"],
                include=[*_SUMMARY_FIGURES],
                name="tracker_capsum_commune_all",
            ),
        ]

    def __str__(self):
        return f"{self.work_id} {self.year} {self.capital_type} {self.source} {self.month:%m/%Y}"


class ProgressReport(models.Model):
    """What a work had achieved on a date: physical progress, quantity done and status."""

    work = models.ForeignKey(Work, on_delete=models.PROTECT, related_name="progress_reports", verbose_name=_("work"))
    reported_on = models.DateField(_("as of"))
    progress_percent = models.DecimalField(
        _("physical progress (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    quantity_done = models.DecimalField(
        _("quantity done"),
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("In the work's capacity unit, e.g. km of road."),
    )
    status = models.CharField(_("status"), max_length=14, choices=WorkStatusChoices.choices)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    objects = ProgressReportQuerySet.as_manager()
    version = version_field()
    history = history_records()

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["work_id", "-reported_on"]
        get_latest_by = "reported_on"
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_percent__gte=0) & Q(progress_percent__lte=100),
                name="%(app_label)s_%(class)s_percent_range",
                violation_error_message=_("Physical progress is a percentage from 0 to 100."),
            ),
            models.CheckConstraint(
                condition=Q(quantity_done__isnull=True) | Q(quantity_done__gte=0),
                name="%(app_label)s_%(class)s_quantity_non_negative",
                violation_error_message=_("The quantity done cannot be negative."),
            ),
            models.UniqueConstraint(
                fields=["work", "reported_on"],
                name="%(app_label)s_%(class)s_one_per_day",
                violation_error_message=_("This work already has a progress report for that date."),
            ),
        ]

    def __str__(self):
        return f"{self.work.code} {self.reported_on:%d/%m/%Y}: {self.progress_percent}%"

    def period_key(self):
        return self.work.commune, self.reported_on

    def clean(self):
        if (
            self.work_id
            and self.quantity_done is not None
            and self.work.capacity is not None
            and self.quantity_done > self.work.capacity
        ):
            raise ValidationError(
                {
                    "quantity_done": _("The quantity done (%(done)s) exceeds the work's capacity (%(capacity)s).")
                    % {"done": self.quantity_done, "capacity": self.work.capacity}
                }
            )


class EthnicGroupManager(models.Manager.from_queryset(ReferenceQuerySet)):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class EthnicGroup(models.Model):
    """One of Vietnam's 54 ethnic groups, with its official statistics code (01-54)."""

    code = models.CharField(_("code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=60)
    other_names = models.CharField(_("other names"), max_length=300, blank=True)

    objects = EthnicGroupManager()

    version = version_field()

    class Meta:
        verbose_name = _("ethnic group")
        verbose_name_plural = _("ethnic groups")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def natural_key(self):
        return (self.code,)


class Household(models.Model):
    """A household registered in a village, whose poverty status and support are recorded year by year."""

    code = models.CharField(_("household code"), max_length=30, unique=True)
    head_name = models.CharField(_("head of household"), max_length=120)
    id_number = models.CharField(
        _("head's ID number"), max_length=12, blank=True, help_text=_("Citizen identity card number: 12 digits.")
    )
    ethnic_group = models.ForeignKey(
        EthnicGroup, on_delete=models.PROTECT, related_name="households", verbose_name=_("ethnic group")
    )
    commune = models.ForeignKey(
        "localities.Commune", on_delete=models.PROTECT, related_name="households", verbose_name=_("commune")
    )
    village = models.ForeignKey(
        "localities.Village", on_delete=models.PROTECT, related_name="households", verbose_name=_("village")
    )
    member_count = models.PositiveSmallIntegerField(_("members"), validators=[MinValueValidator(1)])
    address = models.CharField(_("address"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = HouseholdQuerySet.as_manager()
    # History is read an object at a time (by `id`): indexes on its other columns would only slow the
    # imports that write a record for each of a province's households.
    version = version_field()
    history = history_records(no_db_index=["code", "ethnic_group", "commune", "village"])

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        # By the foreign keys themselves: ordering by the related rows would join and sort 2 million rows.
        ordering = ["commune_id", "village_id", "code"]
        permissions = [("view_personal_data", _("Can see ID numbers and ethnicity in full"))]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~Q(id_number=""),
                name="%(app_label)s_%(class)s_unique_id_number",
                violation_error_message=_("A household whose head has this ID number is already registered."),
            ),
            models.CheckConstraint(
                condition=Q(member_count__gte=1),
                name="%(app_label)s_%(class)s_has_members",
                violation_error_message=_("A household has at least one member."),
            ),
        ]

    def __str__(self):
        # Never the ID number: it is personal data (Decree 13/2023/NĐ-CP).
        return f"{self.code} {self.head_name}"

    def clean(self):
        errors = {}
        if self.id_number and not (self.id_number.isdigit() and len(self.id_number) == 12):
            errors["id_number"] = _("An ID number has exactly 12 digits.")
        if self.village_id and self.commune_id and self.village.commune_id != self.commune_id:
            errors["village"] = _("The village %(village)s is not in the commune %(commune)s.") % {
                "village": self.village.name,
                "commune": self.commune.name,
            }
        if errors:
            raise ValidationError(errors)


class PovertyStandardManager(models.Manager.from_queryset(ReferenceQuerySet)):
    def get_by_natural_key(self, code):
        return self.get(code=code)


# The names of the reference fixtures (fixtures/poverty_standards.json), stored in English, shown in the interface's
# language: their Vietnamese is the catalogue's (the words of Decree 07/2021/NĐ-CP and 351/2025/NĐ-CP). The models
# have no Vietnamese name field; a name not listed here (entered in the admin) shows as entered.
REFERENCE_NAMES = [
    pgettext_lazy("poverty standard", "Multidimensional poverty standard 2022-2025 (Decree 07/2021/NĐ-CP)"),
    pgettext_lazy(
        "poverty standard",
        "National multidimensional poverty standard 2026-2030, applied from 2027 (Decree 351/2025/NĐ-CP)",
    ),
    pgettext_lazy("deprivation dimension", "Employment"),
    pgettext_lazy("deprivation dimension", "Health"),
    pgettext_lazy("deprivation dimension", "Education"),
    pgettext_lazy("deprivation dimension", "Housing"),
    pgettext_lazy("deprivation dimension", "Domestic water and sanitation"),
    pgettext_lazy("deprivation dimension", "Information"),
    pgettext_lazy("deprivation indicator", "Employment"),
    pgettext_lazy("deprivation indicator", "Dependants in the household"),
    pgettext_lazy("deprivation indicator", "Nutrition"),
    pgettext_lazy("deprivation indicator", "Health insurance"),
    pgettext_lazy("deprivation indicator", "Education level of adults"),
    pgettext_lazy("deprivation indicator", "School attendance of children"),
    pgettext_lazy("deprivation indicator", "Housing quality"),
    pgettext_lazy("deprivation indicator", "Housing area per person"),
    pgettext_lazy("deprivation indicator", "Domestic water source"),
    pgettext_lazy("deprivation indicator", "Hygienic latrine"),
    pgettext_lazy("deprivation indicator", "Use of telecommunication services"),
    pgettext_lazy("deprivation indicator", "Means of accessing information"),
]


class PovertyStandard(models.Model):
    """A multidimensional poverty standard and the years it applies to (e.g. Decree 07/2021 for 2022-2025)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("English name"), max_length=300)
    document = models.ForeignKey(
        "programs.LegalDocument",
        on_delete=models.PROTECT,
        related_name="poverty_standards",
        verbose_name=_("document"),
    )
    first_year = models.PositiveSmallIntegerField(_("first year applied"))
    last_year = models.PositiveSmallIntegerField(_("last year applied"), null=True, blank=True)
    rural_income_line = models.BigIntegerField(_("rural income line (VND/person/month)"))
    urban_income_line = models.BigIntegerField(_("urban income line (VND/person/month)"))
    poor_min_deprivations = models.PositiveSmallIntegerField(_("deprivations that make a household poor"), default=3)
    to_verify = models.BooleanField(_("to verify"), default=False)

    objects = PovertyStandardManager()

    version = version_field()

    class Meta:
        verbose_name = _("poverty standard")
        verbose_name_plural = _("poverty standards")
        ordering = ["first_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_year__isnull=True) | Q(last_year__gte=F("first_year")),
                name="%(app_label)s_%(class)s_years_order",
            ),
        ]

    def __str__(self):
        return self.display_name()

    def display_name(self) -> str:
        return pgettext("poverty standard", self.name)

    display_name.short_description = _("name")
    display_name.admin_order_field = "name"

    def natural_key(self):
        return (self.code,)

    def applies_to(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)

    def classify(self, *, income_per_capita: int, deprivation_count: int, urban: bool) -> str:
        """The status the standard gives a household: poor, near-poor or not poor."""
        line = self.urban_income_line if urban else self.rural_income_line
        if income_per_capita > line:
            return PovertyStatusChoices.NOT_POOR
        if deprivation_count >= self.poor_min_deprivations:
            return PovertyStatusChoices.POOR
        return PovertyStatusChoices.NEAR_POOR


class DeprivationIndicatorManager(models.Manager.from_queryset(ReferenceQuerySet)):
    def get_by_natural_key(self, standard_code, code):
        return self.get(standard__code=standard_code, code=code)


class DeprivationIndicator(models.Model):
    """One indicator of lack of basic social services in a poverty standard (e.g. hygienic latrine)."""

    standard = models.ForeignKey(
        PovertyStandard, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("standard")
    )
    code = models.CharField(_("code"), max_length=30)
    dimension = models.CharField(_("dimension"), max_length=100)
    name = models.CharField(_("English name"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = DeprivationIndicatorManager()

    version = version_field()

    class Meta:
        verbose_name = _("deprivation indicator")
        verbose_name_plural = _("deprivation indicators")
        ordering = ["standard_id", "sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "code"], name="%(app_label)s_%(class)s_unique_code"),
        ]

    def __str__(self):
        return f"{self.display_dimension()}: {self.display_name()}"

    def display_name(self) -> str:
        return pgettext("deprivation indicator", self.name)

    display_name.short_description = _("name")
    display_name.admin_order_field = "name"

    def display_dimension(self) -> str:
        return pgettext("deprivation dimension", self.dimension)

    display_dimension.short_description = _("dimension")
    display_dimension.admin_order_field = "dimension"

    def natural_key(self):
        return (self.standard.code, self.code)

    natural_key.dependencies = ["tracker.povertystandard"]


class PovertyAssessment(models.Model):
    """A household's poverty status for one year, as recognised by the commune after the yearly review."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("household")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    standard = models.ForeignKey(
        PovertyStandard, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("standard")
    )
    status = models.CharField(_("status"), max_length=10, choices=PovertyStatusChoices.choices)
    income_per_capita = models.BigIntegerField(
        _("income (VND/person/month)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    deprivations = models.ManyToManyField(
        DeprivationIndicator, blank=True, related_name="assessments", verbose_name=_("deprivations")
    )
    decision_number = models.CharField(_("decision number"), max_length=64, blank=True)
    recognised_on = models.DateField(_("recognised on"), null=True, blank=True)

    objects = HouseholdRecordQuerySet.as_manager()
    version = version_field()
    history = history_records(m2m_fields=[deprivations])

    class Meta:
        verbose_name = _("yearly poverty status")
        verbose_name_plural = _("yearly poverty statuses")
        ordering = ["household_id", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year"],
                name="%(app_label)s_%(class)s_one_per_year",
                violation_error_message=_("This household already has a status for that year."),
            ),
            models.CheckConstraint(
                condition=Q(income_per_capita__isnull=True) | Q(income_per_capita__gte=0),
                name="%(app_label)s_%(class)s_income_non_negative",
                violation_error_message=_("Income cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.household.code} {self.year}: {self.get_status_display()}"

    def period_key(self):
        # A yearly status belongs to the year's report.
        return self.household.commune, datetime.date(self.year, 12, 31)

    def clean(self):
        if self.standard_id and self.year and not self.standard.applies_to(self.year):
            raise ValidationError(
                {
                    "standard": _("The standard %(standard)s does not apply to %(year)s.")
                    % {"standard": self.standard.code, "year": self.year}
                }
            )


class Support(models.Model):
    """Support a household received in a year under a program component (a loan, livestock, a house, ...)."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="supports", verbose_name=_("household")
    )
    component = models.ForeignKey(
        "programs.Component", on_delete=models.PROTECT, related_name="supports", verbose_name=_("component")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    kind = models.CharField(_("kind"), max_length=20, choices=SupportKindChoices.choices)
    amount = models.BigIntegerField(_("amount (VND)"), null=True, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, null=True, blank=True)
    quantity_unit = models.CharField(_("unit"), max_length=30, blank=True, help_text=_("e.g. cows, trees, m²"))
    received_on = models.DateField(_("received on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = HouseholdRecordQuerySet.as_manager()
    version = version_field()
    history = history_records()

    class Meta:
        verbose_name = _("support received")
        verbose_name_plural = _("support received")
        ordering = ["household_id", "-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="%(app_label)s_%(class)s_amount_non_negative",
                violation_error_message=_("An amount of support cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gt=0),
                name="%(app_label)s_%(class)s_quantity_positive",
                violation_error_message=_("A quantity of support is more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | Q(quantity__isnull=False),
                name="%(app_label)s_%(class)s_amount_or_quantity",
                violation_error_message=_("Give the amount in VND or the quantity received."),
            ),
        ]

    def __str__(self):
        return f"{self.household.code} {self.year}: {self.get_kind_display()}"

    def period_key(self):
        return self.household.commune, self.received_on or datetime.date(self.year, 12, 31)


class PeriodReport(models.Model):
    """A commune's data for a reporting period (a quarter, or the whole year), submitted and approved.

    Approved data is locked: no entry dated in the period can be added, changed or deleted by any path
    until an approver unlocks the report.
    """

    commune = models.ForeignKey(
        "localities.Commune", on_delete=models.PROTECT, related_name="period_reports", verbose_name=_("commune")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    quarter = models.PositiveSmallIntegerField(
        _("quarter"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_("Empty for the whole year."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PeriodReportStatusChoices.choices, default=PeriodReportStatusChoices.DRAFT
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved or returned by"),
    )
    decided_at = models.DateTimeField(_("approved or returned at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    objects = PeriodReportQuerySet.as_manager()
    version = version_field()
    history = history_records()

    class Meta:
        verbose_name = _("period report")
        verbose_name_plural = _("period reports")
        ordering = ["-year", "-quarter", "commune_id"]
        permissions = [
            ("submit_periodreport", _("Can submit a commune's report for a period")),
            ("approve_periodreport", _("Can approve, return and unlock period reports")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "year", "quarter"],
                condition=Q(quarter__isnull=False),
                name="%(app_label)s_%(class)s_unique_quarter",
                violation_error_message=_("This commune already has a report for that quarter."),
            ),
            models.UniqueConstraint(
                fields=["commune", "year"],
                condition=Q(quarter__isnull=True),
                name="%(app_label)s_%(class)s_unique_year",
                violation_error_message=_("This commune already has a report for that year."),
            ),
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                name="%(app_label)s_%(class)s_quarter_range",
                violation_error_message=_("A quarter is 1, 2, 3 or 4."),
            ),
        ]

    def __str__(self):
        return f"{self.commune.name} {self.period_label}"

    @property
    def period_label(self) -> str:
        if self.quarter:
            return _("Q%(quarter)s/%(year)s") % {"quarter": self.quarter, "year": self.year}
        return _("year %(year)s") % {"year": self.year}

    def covers(self, day: datetime.date) -> bool:
        if day.year != self.year:
            return False
        return self.quarter is None or (day.month - 1) // 3 + 1 == self.quarter
