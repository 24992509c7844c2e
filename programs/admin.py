from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from kernel.access import CHANGE, DELETE, JurisdictionLevelChoices, jurisdiction_of, may
from kernel.admin import JurisdictionInlineMixin, NtpAdmin, NtpHistoryAdmin, Writes
from kernel.admin_filters import FilterSetListFilter, YearFilter
from kernel.presentation import MONEY, figure_column

from . import services
from .filters import CapitalPlanEntryFilterSet
from .models import CapitalPlanEntry, Component, LegalDocument, Program


class ProgramFilter(FilterSetListFilter):
    """Rows of a program: the programs themselves are the choices (not the distinct programs of the rows)."""

    title = _("program")
    parameter_name = "program"

    def lookups(self, request, model_admin):
        return [(str(p.pk), p.code) for p in Program.objects.order_by("start_year", "code")]


class LedgerAdminMixin:
    """Ledger entries are added, never edited or deleted: a correction is a new entry."""

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def refusal_reason(self, request, action, obj=None):
        if action in (CHANGE, DELETE) and may(request.user, action, self.model):
            return _("Entries of this ledger are never changed or deleted: a correction is a new adjustment entry.")
        return super().refusal_reason(request, action, obj)


@admin.register(LegalDocument)
class LegalDocumentAdmin(NtpAdmin):
    list_display = ["number", "title", "issuer", "issued_on", "to_verify"]
    list_filter = ["to_verify", "issuer"]
    search_fields = ["number", "title"]


class ComponentInline(JurisdictionInlineMixin, admin.TabularInline):
    model = Component
    extra = 0
    fields = ["code", "level", "parent", "name", "name_vi", "sort_order", "to_verify"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent", "program")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = Component.objects.select_related("program")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Program)
class ProgramAdmin(NtpAdmin):
    list_display = ["code", "display_name", "legal_basis", "start_year", "end_year", "component_count", "to_verify"]
    search_fields = ["code", "name", "name_vi"]
    list_select_related = ["legal_basis"]
    autocomplete_fields = ["legal_basis"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_components=Count("components"))

    @admin.display(description=_("components"), ordering="_components")
    def component_count(self, obj):
        return obj._components


@admin.register(Component)
class ComponentAdmin(NtpAdmin):
    list_display = ["code", "display_name", "level", "program", "parent", "to_verify"]
    list_filter = ["program", "level", "to_verify"]
    search_fields = ["code", "name", "name_vi", "program__code"]
    list_select_related = ["program", "parent__program"]
    autocomplete_fields = ["parent"]


@admin.register(CapitalPlanEntry)
class CapitalPlanEntryAdmin(LedgerAdminMixin, NtpHistoryAdmin):
    writes = Writes(create=services.capital_plan_entry_record, instance="entry")
    list_display = [
        "year",
        "component",
        "province",
        "commune",
        "source",
        "capital_type",
        "kind",
        "amount_vnd",
        "extended_until",
        "document",
        "decided_on",
    ]
    filterset_class = CapitalPlanEntryFilterSet
    list_filter = [
        YearFilter,
        ProgramFilter,
        ("province", admin.RelatedOnlyFieldListFilter),
        "source",
        "capital_type",
        "kind",
    ]
    search_fields = ["component__code", "component__name", "province__name", "commune__name", "document__number"]
    list_select_related = ["component__program", "province", "commune__district", "commune__province", "document"]
    autocomplete_fields = ["component", "province", "commune", "document"]

    @figure_column(_("amount (VND)"), kind=MONEY, ordering="amount", reads=["amount"])
    def amount_vnd(self, obj):
        return obj.amount

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        jurisdiction = jurisdiction_of(request.user)
        commune = form.base_fields.get("commune")
        if jurisdiction.level == JurisdictionLevelChoices.COMMUNE and commune is not None:
            # A commune official's entries are the commune's: a province-level entry (no commune) would lie
            # outside their jurisdiction (CapitalPlanEntryQuerySet), so the form does not offer to leave it empty.
            commune.required = True
            commune.help_text = services.COMMUNE_OFFICIALS_GIVE_THE_COMMUNE
            if "province" in form.base_fields:
                form.base_fields["province"].initial = jurisdiction.province_id
        return form
