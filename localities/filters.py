"""Filters of rows by locality, on either map: `?province=` and `?commune=` (the units' keys).

A model reaches its commune through a path (`commune`, `work__commune`, `household__commune`): a FilterSet
built on `LocalityFilterSet` names it in `commune_path`, or a filter takes it as `commune_path=`. A
province keeps the rows of its communes (`unit_scope`): a legacy province its legacy communes, a current
province its own and the legacy communes mapped into it. A key of no unit keeps no row.
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.filters import FilterSet, KeyFilter
from kernel.search import search

from .choices import GenerationChoices
from .models import Commune, Province, Village
from .querysets import unit_scope


def province_of_request(request, pk):
    """The province of key `pk`, or None; read once per request (a list's province filter and its commune
    filter's choices both need the province chosen)."""
    cache = getattr(request, "_ntp_provinces", None) if request is not None else None
    if cache is None:
        cache = {}
        if request is not None:
            request._ntp_provinces = cache
    if pk not in cache:
        cache[pk] = Province.objects.filter(pk=pk).first()
    return cache[pk]


class _LocalityFilter(KeyFilter):
    def __init__(self, *args, commune_path: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.commune_path = commune_path

    def path(self) -> str:
        return self.commune_path or self.parent.commune_path


class ProvinceFilter(_LocalityFilter):
    """Rows within a province, current or legacy (a current province also holds the legacy units mapped into it).

    Rows that may be held at province level, without a commune, name their province through the
    FilterSet's `province_path` (or `province_path=`): a current province also holds those of the legacy
    provinces merged into it.
    """

    def __init__(self, *args, province_path: str | None = None, **kwargs):
        kwargs.setdefault("label", _("province"))
        super().__init__(*args, **kwargs)
        self.province_path = province_path

    def filter(self, qs, value):
        if value is None:
            return qs
        province = province_of_request(getattr(self.parent, "request", None), value)
        if province is None:
            return qs.none()
        condition = unit_scope(province, self.path())
        province_path = self.province_path or getattr(self.parent, "province_path", None)
        if province_path:
            held = Q(**{province_path: province})
            if province.generation == GenerationChoices.CURRENT:
                held |= Q(**{f"{province_path}__successor": province})
            condition |= Q(**{f"{self.path()}__isnull": True}) & held
        return qs.filter(condition)


class CommuneFilter(_LocalityFilter):
    """Rows of one commune, of either map."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("commune"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(unit_scope(Commune(pk=value), self.path()))


class LocalityFilterSet(FilterSet):
    """The base of the FilterSets of rows that belong to a commune (reached through `commune_path`)."""

    commune_path = "commune"
    province_path: str | None = None

    province = ProvinceFilter()
    commune = CommuneFilter()


class VillageFilterSet(LocalityFilterSet):
    class Meta:
        model = Village
        fields = ["province", "commune"]


# ---------------------------------------------------------------------------------------------------------
# The units themselves (the API's lists): by map, by province, by name without accents


class UnitSearchFilter(django_filters.CharFilter):
    """Units whose name holds every word of the term, accents, case and spacing aside ("bac kan")."""

    def __init__(self, *args, fields=("name", "short_name"), **kwargs):
        kwargs.setdefault("label", _("name (accents optional)"))
        super().__init__(*args, **kwargs)
        self.search_fields = list(fields)

    def filter(self, qs, value):
        if not value or not value.strip():
            return qs
        return search(qs, self.search_fields, value)


class ProvinceUnitFilterSet(FilterSet):
    q = UnitSearchFilter()

    class Meta:
        model = Province
        fields = ["generation", "code"]


class CommuneUnitFilterSet(FilterSet):
    """Communes of a map, of a province (a current province holds the legacy communes mapped into it too),
    of a district, by code or name."""

    q = UnitSearchFilter()
    province = KeyFilter(method="filter_province", label=_("province"))
    district = KeyFilter("district", label=_("district"))

    class Meta:
        model = Commune
        fields = ["generation", "code"]

    def filter_province(self, queryset, name, value):
        province = Province.objects.filter(pk=value).first()
        return queryset.none() if province is None else queryset.within(province)
