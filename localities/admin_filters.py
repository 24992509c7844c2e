"""The admin's locality filters: rows within a province or a commune, on either map.

Their choices are the admin's (the user's provinces; the communes of the chosen province); the rows they
keep are those of the `province` and `commune` filters of the model admin's FilterSet (localities/filters.py),
which knows the model's path to its commune.

Both list the units of the current map first and fold those of the legacy map (before 1 July 2025) under a
title of their own (kernel.admin_filters.GroupedChoicesMixin): 34 current provinces, then 63 former ones.
"""

from django.utils.translation import gettext_lazy as _

from kernel.admin_filters import FilterSetListFilter, GroupedChoicesMixin
from kernel.text import fold

from .choices import GenerationChoices
from .filters import province_of_request
from .models import Commune, Province


def _by_generation(units, legacy_title) -> list[tuple[str, list[tuple[str, str]]]]:
    """The units' choices, current then legacy, each in alphabetical order of the name without its type
    ("An Giang, Bắc Ninh, Cần Thơ", not "Thành phố ..." before "Tỉnh ..."), accents folded."""
    units = sorted(units, key=lambda unit: (fold(unit.short_name), fold(unit.name), unit.pk))
    current = [(str(u.pk), str(u)) for u in units if u.generation == GenerationChoices.CURRENT]
    legacy = [(str(u.pk), str(u)) for u in units if u.generation != GenerationChoices.CURRENT]
    return [("", current), (legacy_title, legacy)]


class ProvinceFilter(GroupedChoicesMixin, FilterSetListFilter):
    """Rows within a province, current or legacy (a current province also holds legacy units mapped into it)."""

    title = _("province")
    parameter_name = "province"

    def lookup_groups(self, request, model_admin):
        provinces = Province.objects.in_jurisdiction(request.user).only("pk", "name", "short_name", "generation")
        return _by_generation(provinces, _("Former provinces (until 30 June 2025)"))


class CommuneFilter(GroupedChoicesMixin, FilterSetListFilter):
    """Rows of one commune; its choices appear once a province is chosen (a country has 13,000 communes)."""

    title = _("commune")
    parameter_name = "commune"

    def lookup_groups(self, request, model_admin):
        province_id = request.GET.get(ProvinceFilter.parameter_name)
        if not province_id or not province_id.isdigit():
            return []
        province = province_of_request(request, int(province_id))
        if province is None:
            return []
        communes = Commune.objects.in_jurisdiction(request.user).within(province).select_related("district", "province")
        return _by_generation(communes, _("Former communes (until 30 June 2025)"))

    def has_output(self):
        return True
