"""The admin's locality filters: rows within a province or a commune, on either map.

Their choices are the admin's (the user's provinces; the communes of the chosen province); the rows they
keep are those of the `province` and `commune` filters of the model admin's FilterSet (localities/filters.py),
which knows the model's path to its commune.
"""

from django.utils.translation import gettext_lazy as _

from kernel.admin_filters import FilterSetListFilter

from .models import Commune, Province


class ProvinceFilter(FilterSetListFilter):
    """Rows within a province, current or legacy (a current province also holds legacy units mapped into it)."""

    title = _("province")
    parameter_name = "province"

    def lookups(self, request, model_admin):
        provinces = Province.objects.in_jurisdiction(request.user).order_by("-generation", "name")
        return [(str(p.pk), str(p)) for p in provinces.only("pk", "name", "generation")]


class CommuneFilter(FilterSetListFilter):
    """Rows of one commune; its choices appear once a province is chosen (a country has 13,000 communes)."""

    title = _("commune")
    parameter_name = "commune"

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
