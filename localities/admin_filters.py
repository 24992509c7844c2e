"""The admin's locality filters: rows within a province or a commune, on either map."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Commune, Province
from .querysets import unit_scope


class ProvinceFilter(admin.SimpleListFilter):
    """Rows within a province, current or legacy (a current province also holds legacy units mapped into it)."""

    title = _("province")
    parameter_name = "province"
    commune_path = "commune"

    def lookups(self, request, model_admin):
        provinces = Province.objects.in_jurisdiction(request.user).order_by("-generation", "name")
        return [(str(p.pk), str(p)) for p in provinces.only("pk", "name", "generation")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        province = Province.objects.filter(pk=self.value()).first()
        if province is None:
            return queryset.none()
        return queryset.filter(unit_scope(province, self.commune_path))


class CommuneFilter(admin.SimpleListFilter):
    """Rows of one commune; its choices appear once a province is chosen (a country has 13,000 communes)."""

    title = _("commune")
    parameter_name = "commune"
    commune_path = "commune"

    def lookups(self, request, model_admin):
        province_id = request.GET.get(ProvinceFilter.parameter_name)
        if not province_id or not province_id.isdigit():
            return []
        province = Province.objects.filter(pk=province_id).first()
        if province is None:
            return []
        communes = (
            Commune.objects.in_jurisdiction(request.user)
            .within(province)
            .select_related("district", "province")
            .order_by("name")
        )
        return [(str(c.pk), str(c)) for c in communes]

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(**{f"{self.commune_path}__pk": self.value()})


def scoped_filter(base, path: str):
    """A copy of a locality filter for a model that reaches its commune through `path`."""
    return type(f"{base.__name__}_{path.replace('__', '_')}", (base,), {"commune_path": path})
