from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kernel.history import history_records
from kernel.querysets import ReferenceQuerySet
from kernel.versions import version_field

from .choices import (
    CapitalEntryKindChoices,
    CapitalSourceChoices,
    CapitalTypeChoices,
    ComponentLevelChoices,
)
from .querysets import CapitalPlanEntryQuerySet, ComponentQuerySet


def name_in_language(english: str, vietnamese: str) -> str:
    """A reference record's name in the interface's language: its Vietnamese name (from the deciding document) in
    Vietnamese when it has one, else its English name, which the record keeps beside it."""
    if vietnamese and (get_language() or "vi").startswith("vi"):
        return vietnamese
    return english


class LegalDocumentManager(models.Manager.from_queryset(ReferenceQuerySet)):
    def get_by_natural_key(self, number):
        return self.get(number=number)


class LegalDocument(models.Model):
    """A decision, decree, circular or resolution that decides something officials record."""

    number = models.CharField(_("number"), max_length=64, unique=True, help_text=_("e.g. 1719/QĐ-TTg"))
    title = models.CharField(_("title"), max_length=500)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    to_verify = models.BooleanField(
        _("to verify"), default=False, help_text=_("Details not yet checked against the official text.")
    )

    objects = LegalDocumentManager()

    version = version_field()

    class Meta:
        verbose_name = _("legal document")
        verbose_name_plural = _("legal documents")
        ordering = ["-issued_on", "number"]

    def __str__(self):
        return self.number

    def natural_key(self):
        return (self.number,)


class ProgramManager(models.Manager.from_queryset(ReferenceQuerySet)):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Program(models.Model):
    """A National Target Program with its legal basis and period."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("English name"), max_length=300)
    name_vi = models.CharField(_("Vietnamese name"), max_length=300, blank=True)
    legal_basis = models.ForeignKey(
        LegalDocument, on_delete=models.PROTECT, related_name="programs", verbose_name=_("legal basis")
    )
    start_year = models.PositiveSmallIntegerField(_("start year"))
    end_year = models.PositiveSmallIntegerField(_("end year"))
    note = models.TextField(_("note"), blank=True)
    to_verify = models.BooleanField(_("to verify"), default=False)

    objects = ProgramManager()

    version = version_field()

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["start_year", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=F("start_year")), name="%(app_label)s_%(class)s_period_order"
            ),
        ]

    def __str__(self):
        return self.code

    def display_name(self) -> str:
        return name_in_language(self.name, self.name_vi)

    display_name.short_description = _("name")
    display_name.admin_order_field = "name"

    def natural_key(self):
        return (self.code,)


class ComponentManager(models.Manager.from_queryset(ComponentQuerySet)):
    def get_by_natural_key(self, program_code, code):
        return self.get(program__code=program_code, code=code)


class Component(models.Model):
    """One node of a program's tree: a project, a sub-project of a project, or a content of either."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="components", verbose_name=_("program"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    level = models.CharField(_("level"), max_length=12, choices=ComponentLevelChoices.choices)
    code = models.CharField(_("code"), max_length=40, help_text=_("Unique in the program, e.g. DA4 or DA4.TDA1"))
    name = models.CharField(_("English name"), max_length=500)
    name_vi = models.CharField(_("Vietnamese name"), max_length=500, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    to_verify = models.BooleanField(
        _("to verify"), default=False, help_text=_("Numbering or name not yet checked against the decision.")
    )

    objects = ComponentManager()

    version = version_field()

    class Meta:
        verbose_name = _("program component")
        verbose_name_plural = _("program components")
        ordering = ["program__start_year", "program__code", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="%(app_label)s_%(class)s_unique_code"),
            models.CheckConstraint(
                condition=Q(level=ComponentLevelChoices.PROJECT, parent__isnull=True)
                | (~Q(level=ComponentLevelChoices.PROJECT) & Q(parent__isnull=False)),
                name="%(app_label)s_%(class)s_project_is_root",
            ),
        ]

    def __str__(self):
        return f"{self.program_id and self.program.code} {self.code}: {self.display_name()}"

    def display_name(self) -> str:
        return name_in_language(self.name, self.name_vi)

    display_name.short_description = _("name")
    display_name.admin_order_field = "name"

    def natural_key(self):
        return (self.program.code, self.code)

    natural_key.dependencies = ["programs.program"]

    def clean(self):
        if self.parent_id is None:
            return
        if self.parent.program_id != self.program_id:
            raise ValidationError({"parent": _("The parent component belongs to another program.")})
        allowed = {
            ComponentLevelChoices.SUBPROJECT: {ComponentLevelChoices.PROJECT},
            ComponentLevelChoices.CONTENT: {ComponentLevelChoices.PROJECT, ComponentLevelChoices.SUBPROJECT},
        }.get(self.level, set())
        if self.parent.level not in allowed:
            raise ValidationError(
                {
                    "parent": _("A %(level)s cannot sit under a %(parent)s.")
                    % {"level": self.get_level_display(), "parent": self.parent.get_level_display()}
                }
            )


class CapitalPlanEntry(models.Model):
    """One entry of a capital plan: capital assigned, adjusted or extended for a year, component and locality.

    Plans are a ledger: a change is a new entry (an adjustment or an extension), never an edit of the
    first, so the plan as it stood on any date can be read back.
    """

    component = models.ForeignKey(
        Component, on_delete=models.PROTECT, related_name="plan_entries", verbose_name=_("component")
    )
    year = models.PositiveSmallIntegerField(_("plan year"))
    province = models.ForeignKey(
        "localities.Province", on_delete=models.PROTECT, related_name="plan_entries", verbose_name=_("province")
    )
    commune = models.ForeignKey(
        "localities.Commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_entries",
        verbose_name=_("commune"),
        help_text=_("Empty for capital held at province level."),
    )
    source = models.CharField(_("capital source"), max_length=20, choices=CapitalSourceChoices.choices)
    capital_type = models.CharField(_("capital type"), max_length=12, choices=CapitalTypeChoices.choices)
    kind = models.CharField(
        _("kind"), max_length=12, choices=CapitalEntryKindChoices.choices, default=CapitalEntryKindChoices.ASSIGNED
    )
    amount = models.BigIntegerField(_("amount (VND)"))
    extended_until = models.DateField(_("extended until"), null=True, blank=True)
    document = models.ForeignKey(
        LegalDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_entries",
        verbose_name=_("deciding document"),
    )
    decided_on = models.DateField(_("decided on"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    objects = CapitalPlanEntryQuerySet.as_manager()
    version = version_field()
    history = history_records()

    class Meta:
        verbose_name = _("capital plan entry")
        verbose_name_plural = _("capital plan entries")
        ordering = ["-year", "component_id", "decided_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) | Q(kind=CapitalEntryKindChoices.ADJUSTMENT),
                name="%(app_label)s_%(class)s_amount_non_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind=CapitalEntryKindChoices.ADJUSTMENT) | ~Q(amount=0),
                name="%(app_label)s_%(class)s_adjustment_not_zero",
            ),
            models.CheckConstraint(
                condition=(Q(kind=CapitalEntryKindChoices.EXTENSION) & Q(extended_until__isnull=False))
                | (~Q(kind=CapitalEntryKindChoices.EXTENSION) & Q(extended_until__isnull=True)),
                name="%(app_label)s_%(class)s_extension_has_date",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="%(app_label)s_%(class)s_year_range"
            ),
        ]
        indexes = [models.Index(fields=["year", "province"], name="programs_plan_year_province")]

    def __str__(self):
        return f"{self.component.program.code} {self.component.code} {self.year} {self.get_kind_display()}"

    def clean(self):
        errors = {}
        if self.commune_id and self.province_id and self.commune.province_id != self.province_id:
            errors["commune"] = _("The commune %(commune)s is not in the province %(province)s.") % {
                "commune": self.commune,
                "province": self.province,
            }
        if self.component_id and self.year:
            program = self.component.program
            if not program.start_year <= self.year <= program.end_year:
                errors["year"] = _("%(year)s is outside the program's period %(start)s-%(end)s.") % {
                    "year": self.year,
                    "start": program.start_year,
                    "end": program.end_year,
                }
        if self.kind == CapitalEntryKindChoices.EXTENSION and self.extended_until and self.year:
            if self.extended_until.year <= self.year:
                errors["extended_until"] = _("An extension runs past the plan year %(year)s.") % {"year": self.year}
        if errors:
            raise ValidationError(errors)
