"""Admin building blocks shared by every app: accent-insensitive search, locality filters, bars."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Commune, Province
from .search import folded_search_q


class FoldedSearchMixin:
    """Admin search and autocomplete that ignore Vietnamese accents and case: "bac kan" finds "Bắc Kạn".

    `search_fields` name plain model fields or lookups across relations (no `^`, `=` or `@` prefixes).
    """

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        fields = list(self.get_search_fields(request))
        queryset, condition = folded_search_q(queryset, fields, search_term)
        may_have_duplicates = any("__" in f for f in fields)
        return queryset.filter(condition), may_have_duplicates


class ProvinceFilter(admin.SimpleListFilter):
    """Rows within a province, current or legacy (a current province also holds legacy units mapped into it)."""

    title = _("province")
    parameter_name = "province"
    commune_path = "commune"

    def lookups(self, request, model_admin):
        provinces = Province.objects.order_by("-generation", "name").only("pk", "name", "generation")
        return [(str(p.pk), str(p)) for p in provinces]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        from tracker.querysets import _commune_scope

        province = Province.objects.filter(pk=self.value()).first()
        if province is None:
            return queryset.none()
        return queryset.filter(_commune_scope(province, self.commune_path))


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
        communes = Commune.objects.within(province).select_related("district", "province").order_by("name")
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


def bar(percent, *, colour: str = "#417690"):
    """A small horizontal bar with the figure beside it, for list columns."""
    if percent is None:
        return "—"
    width = max(0, min(100, float(percent)))
    return format_html(
        '<div style="display:flex;align-items:center;gap:6px;min-width:130px">'
        '<div style="background:#e5e5e5;width:90px;height:10px;border-radius:3px">'
        '<div style="background:{};width:{}%;height:10px;border-radius:3px"></div></div>'
        "<span>{}%</span></div>",
        colour,
        f"{width:.1f}",
        f"{float(percent):.1f}".replace(".", ","),
    )
