"""The admin's side of typed input: form fields from `kernel.forms`, and list URLs read with the same parser.

- `TypedFormFieldsMixin` gives every admin form and inline the kernel's fields for dates, money, decimals,
  years and counts (`kernel.forms.formfield_kwargs`).
- `TypedListQueryMixin` rewrites the date and number values of a list's URL parameters before the admin
  reads them (`normalise_list_query`): `?paid_on__lte=30/06/2025` is read as 30 June 2025, `?amount__gte=
  200.000` as 200000 in Vietnamese, `?paid_on__year=2025` as a year. A value that cannot be read is dropped
  with a message saying why, instead of the admin's "incorrect parameters" page or an error. Which lookups
  are allowed at all is not decided here (`lookup_allowed`).

A `SimpleListFilter` whose parameter is not a model lookup declares what it takes with `value_kind`
("date", "amount", "decimal", "year" or "integer").
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.admin import SimpleListFilter
from django.contrib.admin.options import IS_FACETS_VAR, IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.views.main import ALL_VAR, ERROR_FLAG, ORDER_VAR, PAGE_VAR, SEARCH_VAR
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import QueryDict
from django.utils.translation import gettext

from .forms import formfield_kwargs, is_money, is_year
from .numbers import (
    ValueProblem,
    amount_from_input,
    date_from_input,
    integer_from_input,
    number_from_input,
    year_from_input,
)

_NOT_FILTERS = {ALL_VAR, ORDER_VAR, PAGE_VAR, SEARCH_VAR, IS_POPUP_VAR, TO_FIELD_VAR, IS_FACETS_VAR, ERROR_FLAG}
_NOT_FILTERS |= {"_changelist_filters"}
# Lookups whose value is not a value of the field (a flag, a pattern, a text).
_OTHER_VALUES = {"isnull", "regex", "iregex", "contains", "icontains", "startswith", "istartswith"}
_OTHER_VALUES |= {"endswith", "iendswith", "iexact", "search", "has_key", "has_keys", "has_any_keys"}
_LISTS = {"in", "range"}
_DATE_PARTS = {"month": 12, "day": 31, "week_day": 7, "iso_week_day": 7, "quarter": 4, "week": 53}


def _kind_of_field(field: models.Field) -> str | None:
    if isinstance(field, models.DateField):  # date-times too: a typed date is the day's start
        return "date"
    if isinstance(field, models.DecimalField):
        return "decimal"
    if is_money(field):
        return "amount"
    if is_year(field):
        return "year"
    if isinstance(field, models.IntegerField | models.AutoField | models.fields.AutoFieldMixin):
        return "integer"
    return None


def lookup_kind(model: type[models.Model], parameter: str) -> str | None:
    """What a list URL parameter's value is (a kind, as `read_value` takes it), or None to leave it alone.

    `paid_on__lte` → "date", `paid_on__year` → "year", `paid_on__month` → "month", `work__year` → "year",
    `amount__in` → "amount list", `work__id__exact` → "integer"; `name__icontains`, `reverses__isnull` → None.
    """
    opts = model._meta
    field = None
    parts = parameter.split("__")
    index = 0
    while index < len(parts):
        try:
            candidate = opts.get_field(parts[index])
        except FieldDoesNotExist:
            break
        field = candidate
        index += 1
        if field.is_relation and field.related_model is not None:
            if index < len(parts):
                opts = field.related_model._meta
            elif hasattr(field, "target_field"):
                field = field.target_field
    if field is None or field.is_relation:
        return None
    lookups = parts[index:]
    if any(lookup in _OTHER_VALUES for lookup in lookups):
        return None
    transforms = [lookup for lookup in lookups if lookup not in _LISTS | {"exact", "lt", "lte", "gt", "gte"}]
    if transforms:
        if len(transforms) > 1 or not isinstance(field, models.DateField):
            return None
        kind = "year" if transforms[0] in ("year", "iso_year") else transforms[0]
        if kind != "year" and kind not in _DATE_PARTS:
            return None
    else:
        kind = _kind_of_field(field)
    if kind is None:
        return None
    return f"{kind} list" if lookups and lookups[-1] in _LISTS else kind


def read_value(kind: str, text: str) -> str:
    """`text` typed for a value of `kind`, rewritten as the ORM reads it (ISO date, plain digits); or a
    `ValueProblem` saying why it cannot be read."""
    if kind.endswith(" list"):
        item = kind.removesuffix(" list")
        if item == "decimal":  # a decimal comma cannot be told from the list's commas
            return text
        return ",".join(read_value(item, part) for part in text.split(","))
    if kind == "date":
        return date_from_input(text).isoformat()
    if kind == "amount":
        return str(amount_from_input(text))
    if kind == "decimal":
        return str(number_from_input(text))
    if kind == "year":
        return str(year_from_input(text))
    number = integer_from_input(text)
    limit = _DATE_PARTS.get(kind)
    if limit is not None and not 1 <= number <= limit:
        raise ValueProblem(
            gettext("Expected a number from 1 to %(limit)d; found “%(value)s”.") % {"limit": limit, "value": text}
        )
    return str(number)


def normalise_list_query(
    model: type[models.Model],
    query: QueryDict,
    *,
    filter_kinds: dict[str, str] | None = None,
    date_hierarchy: str | None = None,
) -> tuple[QueryDict, list[str]]:
    """A list's query with every date and number value read by the kernel's parser and written canonically,
    and the messages of the values dropped because they cannot be read.

    `filter_kinds` gives the kinds of parameters that are not model lookups (`SimpleListFilter.value_kind`).
    """
    result = QueryDict(mutable=True)
    problems: list[str] = []
    for parameter, values in query.lists():
        kind = None
        if parameter not in _NOT_FILTERS:
            kind = (filter_kinds or {}).get(parameter) or lookup_kind(model, parameter)
        if kind is None:
            result.setlist(parameter, values)
            continue
        kept = []
        for value in values:
            if not value.strip():
                kept.append(value)
                continue
            try:
                kept.append(read_value(kind, value))
            except ValueProblem as problem:
                problems.append(_dropped(parameter, problem.message))
        if kept:
            result.setlist(parameter, kept)
    if date_hierarchy:
        _check_hierarchy(result, date_hierarchy, problems)
    result._mutable = False
    return result, problems


def _dropped(parameter: str, message: str) -> str:
    return gettext("The filter “%(parameter)s” was not applied: %(problem)s") % {
        "parameter": parameter,
        "problem": message,
    }


def _check_hierarchy(query: QueryDict, field: str, problems: list[str]) -> None:
    """Drop a date hierarchy's day (or month) that makes no date with the rest (31 February)."""
    year, month, day = (query.get(f"{field}__{part}") for part in ("year", "month", "day"))
    if year is None or month is None or day is None:
        return
    try:
        datetime.date(int(year), int(month), int(day))
    except ValueError:
        problems.append(
            _dropped(
                f"{field}__day",
                gettext("there is no %(day)s/%(month)s/%(year)s.") % {"day": day, "month": month, "year": year},
            )
        )
        query.pop(f"{field}__day")


class TypedFormFieldsMixin:
    """For a ModelAdmin or an inline: the kernel's form fields for dates, money, decimals, years and counts."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        kwargs = {**formfield_kwargs(db_field, admin=True), **kwargs}
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class TypedListQueryMixin:
    """For a ModelAdmin: the list's URL values read with the kernel's parser (`normalise_list_query`)."""

    def changelist_view(self, request, extra_context=None):
        filter_kinds = {
            list_filter.parameter_name: list_filter.value_kind
            for list_filter in self.get_list_filter(request)
            if isinstance(list_filter, type)
            and issubclass(list_filter, SimpleListFilter)
            and getattr(list_filter, "value_kind", None)
        }
        request.GET, problems = normalise_list_query(
            self.model, request.GET, filter_kinds=filter_kinds, date_hierarchy=self.date_hierarchy
        )
        for problem in problems:
            messages.warning(request, problem)
        return super().changelist_view(request, extra_context)
