"""The admin's list filters made from FilterSets (kernel/filters.py): one adapter, `FilterSetListFilter`.

A model admin names its FilterSet in `filterset_class`; each list filter built on the adapter declares
what the admin shows (its `title`, its `parameter_name`, its choices in `lookups`) and keeps the rows that
the FilterSet's filter of the same name keeps, so that the admin, the API and the pages filter alike:

    class ProvinceFilter(FilterSetListFilter):
        title = _("province")
        parameter_name = "province"

        def lookups(self, request, model_admin): ...

    class WorkAdmin(NtpHistoryAdmin):
        filterset_class = WorkFilterSet
        list_filter = [ProvinceFilter, CommuneFilter, "status"]

A key the filter cannot read (`?province=abc`) is a `ValidationError`: the admin's "incorrect
parameters" (kernel/list_params.py). A filter of a typed value declares its kind in `value_kind`: the
list's URL reader (kernel/admin_input.py) reads it first (`?year=2.025` is dropped, saying why), and an
unreadable value that reaches the filter all the same is not applied.
"""

from __future__ import annotations

import datetime

from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_lazy as _


class FilterSetListFilter(admin.SimpleListFilter):
    """A list filter applying the filter `parameter_name` of the model admin's `filterset_class`."""

    value_kind: str | None = None

    def __init__(self, request, params, model, model_admin):
        self.filterset_class = getattr(model_admin, "filterset_class", None)
        if self.filterset_class is None or self.parameter_name not in self.filterset_class.base_filters:
            raise ImproperlyConfigured(
                f"{type(model_admin).__name__} lists {type(self).__name__}: its filterset_class needs a filter "
                f"named {self.parameter_name!r}."
            )
        super().__init__(request, params, model, model_admin)

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            return self.filterset_class.apply(queryset, self.parameter_name, self.value(), request=request)
        except ValidationError:
            if self.value_kind is None:
                raise
            # A typed value the list's URL reader dropped, saying why (kernel/admin_input.py); one that reaches
            # here unread (an export's URL) is not applied either.
            return queryset


class YearFilter(FilterSetListFilter):
    """Plan or report years from 2021 to next year, without a DISTINCT over millions of rows."""

    title = _("year")
    parameter_name = "year"
    value_kind = "year"  # a typed ?year= is read by kernel.numbers (kernel/admin_input.py)

    def lookups(self, request, model_admin):
        return [(str(y), str(y)) for y in range(datetime.date.today().year + 1, 2020, -1)]
