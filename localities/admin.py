import axes.admin  # noqa: F401 - registers the lockout admins, wrapped at the end of this module
import django.contrib.auth.admin  # noqa: F401 - registers the accounts admins, likewise
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

from kernel.admin import JurisdictionInlineMixin, NtpAdmin, NtpHistoryAdmin, Writes
from kernel.list_params import DeclaredParametersMixin

from . import services
from .models import AreaClassification, Commune, CommuneSuccession, District, Official, Province, Village
from .roles import group_label, permission_label


@admin.register(Province)
class ProvinceAdmin(NtpAdmin):
    list_display = ["code", "name", "generation", "successor", "valid_from", "valid_to"]
    list_filter = ["generation", "unit_type"]
    search_fields = ["name", "code"]
    list_select_related = ["successor"]
    ordering = ["-generation", "code"]


@admin.register(District)
class DistrictAdmin(NtpAdmin):
    list_display = ["code", "name", "province", "unit_type"]
    list_filter = ["unit_type", "province"]
    search_fields = ["name", "code", "province__name"]
    list_select_related = ["province"]
    autocomplete_fields = ["province"]


class SuccessionInline(JurisdictionInlineMixin, admin.TabularInline):
    model = CommuneSuccession
    fk_name = "predecessor"
    extra = 0
    autocomplete_fields = ["successor"]
    verbose_name = _("became (part of)")
    verbose_name_plural = _("became (2025 mapping)")


@admin.register(Commune)
class CommuneAdmin(NtpAdmin):
    list_display = ["code", "name", "unit_type", "district", "province", "generation", "successor"]
    list_filter = ["generation", "unit_type", "current_province"]
    search_fields = ["name", "code", "district__name", "province__name"]
    list_select_related = ["district", "province", "successor__province", "successor__district"]
    autocomplete_fields = ["province", "district", "successor", "current_province"]
    inlines = [SuccessionInline]
    show_full_result_count = False


@admin.register(Village)
class VillageAdmin(NtpHistoryAdmin):
    writes = Writes(
        create=services.village_create,
        update=services.village_update,
        delete=services.village_delete,
        instance="village",
    )
    list_display = ["name", "code", "commune", "valid_from", "valid_to"]
    search_fields = ["name", "commune__name"]
    list_select_related = ["commune__district", "commune__province"]
    autocomplete_fields = ["commune"]


@admin.register(AreaClassification)
class AreaClassificationAdmin(NtpAdmin):
    list_display = ["kind", "zone", "district", "commune", "village", "valid_from", "valid_to", "document"]
    list_filter = ["kind", "zone"]
    search_fields = ["commune__name", "village__name", "district__name", "document__number"]
    list_select_related = [
        "district",
        "commune__district",
        "commune__province",
        "village__commune",
        "document",
    ]
    autocomplete_fields = ["district", "commune", "village", "document"]


@admin.register(CommuneSuccession)
class CommuneSuccessionAdmin(NtpAdmin):
    list_display = ["predecessor", "successor", "is_default", "effective_on"]
    list_filter = ["is_default", "successor__province"]
    search_fields = ["predecessor__name", "successor__name", "predecessor__code", "successor__code"]
    list_select_related = [
        "predecessor__district",
        "predecessor__province",
        "successor__province",
        "successor__district",
    ]
    autocomplete_fields = ["predecessor", "successor"]


@admin.register(Official)
class OfficialAdmin(NtpHistoryAdmin):
    """Who is an official, and where: the national administrators' page."""

    list_display = ["user", "level", "province", "commune", "position", "roles"]
    list_filter = ["level", "province"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "province__name", "commune__name"]
    list_select_related = ["user", "province", "commune__province"]
    autocomplete_fields = ["user", "province", "commune"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("user__groups")

    @admin.display(description=_("roles"))
    def roles(self, obj):
        return ", ".join(sorted(group_label(g) for g in obj.user.groups.all()))


class RoleGroupLabelsMixin:
    """Django's account pages name the role groups and the permissions in the interface's language (both are
    stored in English: the groups under the names the roles set-up keeps, the permissions as Django made
    them)."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.related_model is Group:
            field.label_from_instance = group_label
        if field is not None and db_field.related_model is Permission:
            field.label_from_instance = permission_label
        return field


@admin.display(description=_("name"), ordering="name")
def _group_name(group):
    return group_label(group)


# Django's and django-axes' own admins (accounts, lockouts) take the same rule for their list URLs as the
# project's: only what the list declares (kernel/list_params.py).
for _model, _model_admin in list(admin.site._registry.items()):
    if not isinstance(_model_admin, DeclaredParametersMixin):
        _class = type(_model_admin)
        _bases = (DeclaredParametersMixin, _class)
        if _model in (Group, get_user_model()):
            _bases = (DeclaredParametersMixin, RoleGroupLabelsMixin, _class)
        _extra = {"list_display": [_group_name]} if _model is Group else {}
        admin.site.unregister(_model)
        admin.site.register(_model, type(_class.__name__, _bases, _extra))
