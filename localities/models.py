from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kernel.access import JurisdictionLevelChoices
from kernel.history import history_records
from kernel.querysets import ReferenceQuerySet
from kernel.versions import version_field

from .choices import URBAN_UNIT_TYPES, ClassificationKindChoices, GenerationChoices, UnitTypeChoices, ZoneChoices
from .querysets import CommuneQuerySet, ProvinceQuerySet, VillageQuerySet


class AdministrativeUnit(models.Model):
    """Fields every administrative unit shares."""

    name = models.CharField(_("name"), max_length=120, help_text=_("Full name, e.g. Xã Mỹ Thanh"))
    short_name = models.CharField(_("short name"), max_length=100, help_text=_("Without the type, e.g. Mỹ Thanh"))
    unit_type = models.CharField(_("type"), max_length=12, choices=UnitTypeChoices.choices)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


def _validity_constraint():
    return models.CheckConstraint(
        condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=F("valid_from")),
        name="%(app_label)s_%(class)s_validity_order",
        violation_error_message=_("A unit's validity cannot end before it starts."),
    )


class Province(AdministrativeUnit):
    """A province or centrally-governed city of one generation of the administrative map."""

    generation = models.CharField(_("generation"), max_length=8, choices=GenerationChoices.choices)
    code = models.CharField(_("GSO code"), max_length=2)
    successor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("merged into"),
        help_text=_("For a legacy province: the current province it became part of on 1 July 2025."),
    )

    objects = ProvinceQuerySet.as_manager()

    version = version_field()

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["-generation", "code"]
        constraints = [
            models.UniqueConstraint(fields=["generation", "code"], name="%(app_label)s_%(class)s_unique_code"),
            _validity_constraint(),
        ]

    def __str__(self):
        if self.generation == GenerationChoices.LEGACY:
            legacy = _("legacy")
            return f"{self.name} ({legacy})"
        return self.name


class District(AdministrativeUnit):
    """A district of a legacy province (districts were abolished on 1 July 2025)."""

    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="districts", verbose_name=_("province")
    )
    code = models.CharField(_("GSO code"), max_length=3, unique=True)

    objects = ReferenceQuerySet.as_manager()

    version = version_field()

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]
        constraints = [_validity_constraint()]

    def __str__(self):
        legacy = _("legacy")
        return f"{self.name} ({legacy})"


class Commune(AdministrativeUnit):
    """A commune, ward, township or special zone of one generation of the administrative map."""

    generation = models.CharField(_("generation"), max_length=8, choices=GenerationChoices.choices)
    code = models.CharField(_("GSO code"), max_length=5)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="communes", verbose_name=_("province")
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="communes",
        verbose_name=_("district"),
    )
    successor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="default_predecessors",
        verbose_name=_("became (main successor)"),
        help_text=_("For a legacy commune: the current commune that took it over, or most of it if it was split."),
    )
    # Denormalised from the mapping so that "everything in this current province" is one indexed join,
    # whichever generation a work was recorded on.
    current_province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="current_communes",
        verbose_name=_("current province"),
    )
    successors = models.ManyToManyField(
        "self",
        through="CommuneSuccession",
        through_fields=("predecessor", "successor"),
        symmetrical=False,
        related_name="predecessors",
        blank=True,
        verbose_name=_("successors"),
    )

    objects = CommuneQuerySet.as_manager()

    version = version_field()

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["-generation", "code"]
        constraints = [
            models.UniqueConstraint(fields=["generation", "code"], name="%(app_label)s_%(class)s_unique_code"),
            models.CheckConstraint(
                condition=Q(generation=GenerationChoices.LEGACY) | Q(district__isnull=True),
                name="%(app_label)s_%(class)s_current_has_no_district",
                violation_error_message=_("Communes from 1 July 2025 belong to no district."),
            ),
            _validity_constraint(),
        ]
        indexes = [models.Index(fields=["current_province", "generation"], name="localities_commune_curprov")]

    def __str__(self):
        if self.generation == GenerationChoices.LEGACY:
            legacy = _("legacy")
            return f"{self.name}, {self.district.short_name if self.district_id else ''} ({legacy})"
        return f"{self.name}, {self.province.short_name}"

    @property
    def is_urban(self) -> bool:
        return self.unit_type in URBAN_UNIT_TYPES


class CommuneSuccession(models.Model):
    """One line of the 2025 old→new mapping: a legacy commune went wholly or partly into a current one."""

    predecessor = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="succession_links", verbose_name=_("legacy commune")
    )
    successor = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="predecessor_links", verbose_name=_("current commune")
    )
    is_default = models.BooleanField(
        _("main successor"), default=True, help_text=_("For a split: the commune that took over most of it.")
    )
    effective_on = models.DateField(_("effective on"))

    objects = ReferenceQuerySet.as_manager()

    version = version_field()

    class Meta:
        verbose_name = _("commune succession")
        verbose_name_plural = _("commune successions")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="%(app_label)s_%(class)s_unique"),
        ]

    def __str__(self):
        return f"{self.predecessor} → {self.successor}"


class Village(models.Model):
    """A village, hamlet or residential group (thôn, bản, tổ) of a commune; villages have no national code."""

    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="villages", verbose_name=_("commune"))
    name = models.CharField(_("name"), max_length=120)
    code = models.CharField(_("local code"), max_length=20, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = VillageQuerySet.as_manager()
    version = version_field()
    history = history_records()

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["commune_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "name"],
                name="%(app_label)s_%(class)s_unique_name",
                violation_error_message=_("This commune already has a village of that name."),
            ),
            models.UniqueConstraint(
                fields=["commune", "code"],
                condition=~Q(code=""),
                name="%(app_label)s_%(class)s_unique_code",
                violation_error_message=_("This commune already has a village with that code."),
            ),
            _validity_constraint(),
        ]

    def __str__(self):
        return f"{self.name}, {self.commune.name}"


class AreaClassification(models.Model):
    """A classification a unit held for a period, with the document that decided it."""

    kind = models.CharField(_("classification"), max_length=20, choices=ClassificationKindChoices.choices)
    zone = models.CharField(_("zone"), max_length=3, choices=ZoneChoices.choices, blank=True)
    district = models.ForeignKey(
        District,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="classifications",
        verbose_name=_("district"),
    )
    commune = models.ForeignKey(
        Commune,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="classifications",
        verbose_name=_("commune"),
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="classifications",
        verbose_name=_("village"),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), null=True, blank=True, help_text=_("For a standard met in a given year.")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    document = models.ForeignKey(
        "programs.LegalDocument",
        on_delete=models.PROTECT,
        related_name="classifications",
        verbose_name=_("deciding document"),
    )

    objects = ReferenceQuerySet.as_manager()

    version = version_field()

    class Meta:
        verbose_name = _("area classification")
        verbose_name_plural = _("area classifications")
        ordering = ["kind", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=ClassificationKindChoices.EM_COMMUNE_ZONE,
                        commune__isnull=False,
                        district__isnull=True,
                        village__isnull=True,
                    )
                    & ~Q(zone="")
                )
                | Q(
                    kind=ClassificationKindChoices.EXTREMELY_DIFFICULT_VILLAGE,
                    village__isnull=False,
                    commune__isnull=True,
                    district__isnull=True,
                    zone="",
                )
                | Q(
                    kind=ClassificationKindChoices.POOR_DISTRICT,
                    district__isnull=False,
                    commune__isnull=True,
                    village__isnull=True,
                    zone="",
                )
                | Q(
                    kind=ClassificationKindChoices.NTM_STANDARD,
                    commune__isnull=False,
                    district__isnull=True,
                    village__isnull=True,
                    zone="",
                ),
                name="%(app_label)s_%(class)s_kind_matches_unit",
                violation_error_message=_(
                    "A zone classification needs a commune and a zone; an extremely difficult village a village; "
                    "a poor district a district; a New Rural standard a commune."
                ),
            ),
            _validity_constraint(),
        ]

    def __str__(self):
        unit = self.commune or self.village or self.district
        label = self.get_kind_display()
        if self.zone:
            label = f"{label} {self.zone}"
        return f"{unit}: {label}"

    @property
    def unit(self):
        return self.commune or self.village or self.district

    def clean(self):
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("A classification cannot end before it starts.")})


class Official(models.Model):
    """An official's jurisdiction: the whole country, one current province or one current commune.

    A current unit also covers the legacy units mapped into it. What the official may do inside it comes
    from their roles (permission groups); what they may see and change is decided in kernel/access.py.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="official", verbose_name=_("user")
    )
    level = models.CharField(_("jurisdiction"), max_length=10, choices=JurisdictionLevelChoices.choices)
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officials",
        verbose_name=_("province"),
        limit_choices_to={"generation": GenerationChoices.CURRENT},
    )
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officials",
        verbose_name=_("commune"),
        limit_choices_to={"generation": GenerationChoices.CURRENT},
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    version = version_field()
    history = history_records()

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        ordering = ["level", "user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level=JurisdictionLevelChoices.NATIONAL, province__isnull=True, commune__isnull=True)
                | Q(level=JurisdictionLevelChoices.PROVINCE, province__isnull=False, commune__isnull=True)
                | Q(level=JurisdictionLevelChoices.COMMUNE, commune__isnull=False),
                name="%(app_label)s_%(class)s_level_matches_unit",
                violation_error_message=_(
                    "A national official has no unit, a province official a province, a commune official a commune."
                ),
            ),
        ]

    def __str__(self):
        unit = self.commune or self.province
        return f"{self.user.get_username()} ({unit or self.get_level_display()})"

    def clean(self):
        errors = {}
        if self.province_id and self.province.generation != GenerationChoices.CURRENT:
            errors["province"] = _("A jurisdiction is a current province (from 1 July 2025).")
        if self.commune_id:
            if self.commune.generation != GenerationChoices.CURRENT:
                errors["commune"] = _("A jurisdiction is a current commune (from 1 July 2025).")
            elif self.province_id and self.province_id != self.commune.province_id:
                errors["province"] = _("The commune %(commune)s is not in %(province)s.") % {
                    "commune": self.commune.name,
                    "province": self.province.name,
                }
        if errors:
            raise ValidationError(errors)
        if self.commune_id and not self.province_id:
            self.province_id = self.commune.province_id


class LanguagePreference(models.Model):
    """The interface language a user chose with the header's switch: the one they see whenever they log in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="language_preference",
        verbose_name=_("user"),
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    chosen_at = models.DateTimeField(_("chosen at"), auto_now=True)

    class Meta:
        verbose_name = _("language preference")
        verbose_name_plural = _("language preferences")

    def __str__(self):
        return f"{self.user.get_username()}: {self.language}"
