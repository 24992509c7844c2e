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

A filter with many choices of two kinds shows them in groups (`GroupedChoicesMixin`): the first group open,
the others folded under their title until opened or holding the chosen value (the province filter: the 34
current provinces, then the 63 legacy ones folded).
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

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


class ChoiceGroup(NamedTuple):
    """A group of a grouped filter's choices, as its template reads it: `title` ("" for the group shown first,
    unfolded) and whether it is `folded` (its folded state is remembered under the filter's title and its own)."""

    title: str
    folded: bool


class GroupedChoicesMixin:
    """For a list filter: its choices in groups (`lookup_groups`), shown by admin/ntp/filter_grouped.html.

    The first group and "All" are shown as Django shows a filter; every later group is folded under its title
    (a <details>), unless it holds the chosen value. `lookups` is derived, so the filter validates and applies
    exactly the same values as an ungrouped one.
    """

    template = "admin/ntp/filter_grouped.html"

    def lookup_groups(self, request, model_admin) -> list[tuple[str, list[tuple[str, str]]]]:
        """[(group title, [(value, label), ...]), ...]; the first group's title is not shown."""
        raise NotImplementedError

    def lookups(self, request, model_admin):
        groups = [(str(title), list(choices)) for title, choices in self.lookup_groups(request, model_admin)]
        groups = [(title, choices) for title, choices in groups if choices]
        self._group_titles = {str(value): title for title, choices in groups for value, _label in choices}
        self._first_group = groups[0][0] if groups else ""
        return [choice for _title, choices in groups for choice in choices]

    def choices(self, changelist):
        choices = list(super().choices(changelist))
        # "All" first, then one choice per lookup, in order (SimpleListFilter.choices); facets only add counts.
        values = [None, *(str(value) for value, _label in self.lookup_choices)]
        if len(values) != len(choices):  # a subclass that adds choices of its own: shown ungrouped
            values = [None] * len(choices)
        chosen = {self._group_titles.get(str(self.value()))} if self.value() is not None else set()
        for value, choice in zip(values, choices, strict=True):
            title = self._group_titles.get(value, self._first_group) if value is not None else self._first_group
            first = title == self._first_group
            group = ChoiceGroup(title="" if first else title, folded=not first and title not in chosen)
            yield {**choice, "group": group}


class YearFilter(FilterSetListFilter):
    """Plan or report years from 2021 to next year, without a DISTINCT over millions of rows."""

    title = _("year")
    parameter_name = "year"
    value_kind = "year"  # a typed ?year= is read by kernel.numbers (kernel/admin_input.py)

    def lookups(self, request, model_admin):
        return [(str(y), str(y)) for y in range(datetime.date.today().year + 1, 2020, -1)]
