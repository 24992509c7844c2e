"""Admin building blocks shared by every app: accent-insensitive search, locality filters, bars."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from kernel.admin import ServiceWriteAdminMixin, ServiceWriteInlineMixin
from kernel.admin_input import TypedFormFieldsMixin, TypedListQueryMixin

from .exports import ExportAdminMixin
from .list_params import DeclaredParametersMixin
from .models import Commune, Province
from .querysets import unit_scope
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


class YearFilter(admin.SimpleListFilter):
    """Plan or report years from 2021 to next year, without a DISTINCT over millions of rows."""

    title = _("year")
    parameter_name = "year"
    field = "year"
    value_kind = "year"  # a typed ?year= is read by kernel.numbers (kernel/admin_input.py)

    def lookups(self, request, model_admin):
        import datetime

        return [(str(y), str(y)) for y in range(datetime.date.today().year + 1, 2020, -1)]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(**{self.field: int(self.value())})
        return queryset


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


class LockCheckFormMixin:
    """Refuses, as a form error, a change to an entry dated in an approved (locked) period."""

    def _post_clean(self):
        super()._post_clean()
        if self.errors or not hasattr(self.instance, "period_key"):
            return
        from tracker.locks import ensure_unlocked

        model = type(self.instance)
        previous = model._default_manager.filter(pk=self.instance.pk).first() if self.instance.pk else None
        try:
            ensure_unlocked(self.instance, previous=previous)
        except ValidationError as error:
            self.add_error(None, error)


def jurisdiction_choices(queryset, user):
    """The rows of a related model a user may pick: units they may record data in, rows they may edit."""
    if hasattr(queryset, "in_jurisdiction"):
        return queryset.in_jurisdiction(user)
    if hasattr(queryset, "editable_by"):
        return queryset.editable_by(user)
    return queryset


def is_locked(obj) -> str | None:
    """The reason an entry cannot change (its period is approved), or None."""
    if obj is None or obj.pk is None or not hasattr(obj, "period_key"):
        return None
    from tracker.locks import approved_report_covering, lock_message

    report = approved_report_covering(*obj.period_key())
    return lock_message(report) if report else None


class JurisdictionAdminMixin:
    """Scopes an admin to the user's jurisdiction, as decided in localities/access.py: lists and objects
    (an object outside answers "not found"), foreign-key and autocomplete choices, filters, and a re-check
    after every save."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.visible_to(request.user) if hasattr(queryset, "visible_to") else queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = kwargs.get("queryset", db_field.remote_field.model._default_manager.all())
        kwargs["queryset"] = jurisdiction_choices(queryset, request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        queryset = kwargs.get("queryset", db_field.remote_field.model._default_manager.all())
        kwargs["queryset"] = jurisdiction_choices(queryset, request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "autocomplete":
            # Choosing a related object: only those the user may record data against.
            queryset = jurisdiction_choices(queryset, request.user)
        return super().get_search_results(request, queryset, search_term)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if hasattr(self.model, "period_key"):
            form = type(form.__name__, (LockCheckFormMixin, form), {})
        return form

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not is_locked(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not is_locked(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        reason = is_locked(obj)
        if reason and request.method == "GET":
            messages.warning(request, reason)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        from .access import ensure_editable

        obj._history_user = request.user
        super().save_model(request, obj, form, change)
        ensure_editable(request.user, obj)

    def save_related(self, request, form, formsets, change):
        from .access import ensure_editable

        super().save_related(request, form, formsets, change)
        ensure_editable(request.user, form.instance)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            if is_locked(obj):
                raise PermissionDenied(is_locked(obj))
        super().delete_queryset(request, queryset)


class JurisdictionInlineMixin(TypedFormFieldsMixin, ServiceWriteInlineMixin):
    """The same scoping for inlines: related choices and locked-period checks."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = kwargs.get("queryset", db_field.remote_field.model._default_manager.all())
        kwargs["queryset"] = jurisdiction_choices(queryset, request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if hasattr(self.model, "period_key") and not issubclass(formset.form, LockCheckFormMixin):
            formset.form = type(formset.form.__name__, (LockCheckFormMixin, formset.form), {})
        return formset


class MaskingContextHelper(HistoricalRecordContextHelper):
    """Shows personal-data fields masked in a record's history."""

    masked_fields: tuple = ()

    def prepare_delta_change_value(self, change, value):
        if change.field in self.masked_fields:
            from .access import mask_personal_value

            return mask_personal_value(change.field, value)
        return super().prepare_delta_change_value(change, value)


class NtpAdmin(
    TypedListQueryMixin,
    TypedFormFieldsMixin,
    DeclaredParametersMixin,
    ExportAdminMixin,
    ServiceWriteAdminMixin,
    JurisdictionAdminMixin,
    FoldedSearchMixin,
    admin.ModelAdmin,
):
    """The base of every admin in the project: list URLs take only what the list declares (list_params.py)."""


class NtpHistoryAdmin(
    TypedListQueryMixin,
    TypedFormFieldsMixin,
    DeclaredParametersMixin,
    ExportAdminMixin,
    ServiceWriteAdminMixin,
    JurisdictionAdminMixin,
    FoldedSearchMixin,
    SimpleHistoryAdmin,
):
    """The base for models whose history is kept: officials read it from the "History" button."""

    def _ensure_visible(self, request, object_id):
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._ensure_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._ensure_visible(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        from .access import can_see_personal_data

        if self.personal_data_fields and not can_see_personal_data(request.user):
            helper = type("Masking", (MaskingContextHelper,), {"masked_fields": self.personal_data_fields})
            return helper(self.model, historical_record)
        return super().get_historical_record_context_helper(request, historical_record)


def action_with_form(
    modeladmin, request, queryset, *, form_class, action: str, title, explanation, submit_label, apply
):
    """An admin action that first asks for a few fields (a reason, a date), then applies `apply(obj, data)`
    to each selected object, reporting every refusal as a message."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                modeladmin.message_user(request, f"{obj}: {text}", messages.ERROR)
        if done:
            modeladmin.message_user(
                request,
                _("Done for %(count)d of %(total)d.") % {"count": done, "total": len(queryset)},
                messages.SUCCESS,
            )
        return None
    return TemplateResponse(
        request,
        "admin/ntp/action_form.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "explanation": explanation,
            "submit_label": submit_label,
            "queryset": queryset,
            "form": form,
            "action": action,
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )
