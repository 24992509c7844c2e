"""The generic pieces of the FilterSets (django-filter) that the admin's lists, the API and the pages share.

Each app's `filters.py` declares one FilterSet per model on `FilterSet` below, with these filters and its
own; the admin takes a FilterSet's filters as list filters through `kernel.admin_filters`, the API and the
status pages take the FilterSet whole.

Typed values are read by the project's one parser (`kernel.numbers`), through the fields of
`kernel.forms`: dates day first in every language (`30/06/2025`, ISO `2025-06-30` too), years of four
digits (`2025`; `2.025` is refused, not guessed), counts and amounts in the interface's style. So are the
filters `FilterSet` generates from `Meta.fields`. A value that cannot be read is an error of its field
(`filterset.errors["as_of"]`), in the user's language; that filter is not applied, and `problems` says
so, naming the parameter.

- `YearFilter`: rows of a year (`?year=2025`).
- `AsOfFilter`: rows dated on or before a date (`?as_of=30/06/2025`: a ledger as it stood that day).
- `UpdatedSinceFilter`: rows changed at or after a date or a time (`?updated_since=01/07/2025 08:00`),
  by the model's `updated_at`, else by its history records.
- `KeyFilter`: a row named by its key (`?province=12`): a key of no row keeps no row, it is no error.
"""

from __future__ import annotations

import datetime
import re

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from django_filters.constants import EMPTY_VALUES
from simple_history.utils import get_app_model_primary_key_name, get_history_model_for_model

from . import forms as kernel_forms
from .numbers import ValueProblem, date_from_input, quoted

# ---------------------------------------------------------------------------------------------------------
# Fields


class KeyField(forms.Field):
    """The key of a row, as a URL names it (`12`), read as the database reads a key; a key of no row is valid."""

    widget = forms.TextInput

    # No database holds a key beyond a signed 64-bit integer (SQLite cannot even compare one).
    LARGEST = 2**63 - 1

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            key = int(str(value))
        except ValueError:
            key = None
        if key is None or abs(key) > self.LARGEST:
            raise ValidationError(
                gettext("Expected the number of a row, such as 12; found “%(value)s”.") % {"value": quoted(str(value))},
                code="invalid",
            )
        return key


_MOMENT = re.compile(
    r"(?P<date>[^\sT]+)"
    r"(?:[\sT]+(?P<hour>\d{1,2})(?P<time>:\d{2}(?::\d{2}(?:[.,]\d+)?)?)(?P<zone>Z|[+-]\d{2}:?\d{2})?)?"
)


class MomentField(forms.Field):
    """A date (its start) or a date and a time, the date typed day first: `01/07/2025`, `01/07/2025 08:30`,
    ISO `2025-07-01T08:30:00+07:00`. Without a zone, the time is the interface's (`TIME_ZONE`)."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return _aware(value)
        if isinstance(value, datetime.date):
            return _aware(datetime.datetime.combine(value, datetime.time()))
        text = " ".join(str(value).split())
        match = _MOMENT.fullmatch(text)
        if match is None:
            raise self._problem(text)
        try:
            day = date_from_input(match["date"])
        except ValueProblem as problem:
            raise ValidationError(problem.message, code="invalid") from None
        moment = datetime.time()
        if match["hour"]:
            iso = f"{int(match['hour']):02d}{match['time'].replace(',', '.')}{match['zone'] or ''}"
            try:
                moment = datetime.time.fromisoformat(iso)
            except ValueError:
                raise self._problem(text) from None
        return _aware(datetime.datetime.combine(day, moment))

    @staticmethod
    def _problem(text: str) -> ValidationError:
        return ValidationError(
            gettext("Expected a date, or a date and a time, such as 31/12/2025 or 31/12/2025 14:30; found “%(value)s”.")
            % {"value": quoted(text)},
            code="invalid",
        )


def _aware(moment: datetime.datetime) -> datetime.datetime:
    if settings.USE_TZ and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


# ---------------------------------------------------------------------------------------------------------
# Filters


class KeyFilter(django_filters.Filter):
    """Rows whose `field_name` is the row of a key (`?component=12`)."""

    field_class = KeyField


class YearFilter(django_filters.Filter):
    """Rows of a year, four digits (`?year=2025`): the model's `year` unless another field is named."""

    field_class = kernel_forms.YearField

    def __init__(self, field_name="year", *args, **kwargs):
        super().__init__(field_name, *args, **kwargs)


class AsOfFilter(django_filters.Filter):
    """Rows dated on or before a date (`?as_of=30/06/2025`): a ledger, or reports, as they stood that day.

    The date is the model's `field_name` (`AsOfFilter("reported_on")`), or a queryset's own reading of "as
    of" through `method=` (a FilterSet method calling `queryset.as_of(value)`).
    """

    field_class = kernel_forms.DateField

    def __init__(self, field_name=None, *args, **kwargs):
        kwargs.setdefault("lookup_expr", "lte")
        super().__init__(field_name, *args, **kwargs)


class UpdatedSinceFilter(django_filters.Filter):
    """Rows changed at or after a moment (`?updated_since=01/07/2025`, `...=01/07/2025 08:30`).

    A model with an `updated_at` is read by it; any other by its history records (`history_records()`):
    a row with a record dated at or after the moment. Either way a row's creation is a change.
    """

    field_class = MomentField

    def filter(self, qs: QuerySet, value):
        if value in EMPTY_VALUES:
            return qs
        return qs.filter(updated_since_q(qs.model, value))


def updated_since_q(model, since: datetime.datetime):
    """The condition of rows of `model` changed at or after `since` (see `UpdatedSinceFilter`)."""
    try:
        model._meta.get_field("updated_at")
    except FieldDoesNotExist:
        history = get_history_model_for_model(model)
        key = get_app_model_primary_key_name(model)
        records = history._default_manager.filter(**{key: OuterRef("pk")}, history_date__gte=since)
        return Exists(records)
    return Q(updated_at__gte=since)


# The filters of the kernel's typed fields, for the filters a FilterSet generates from `Meta.fields`.
def _typed(form_class) -> type[django_filters.Filter]:
    return type(f"{form_class.__name__}Filter", (django_filters.Filter,), {"field_class": form_class})


_TYPED_FILTERS = {
    kernel_forms.DateField: _typed(kernel_forms.DateField),
    kernel_forms.YearField: _typed(kernel_forms.YearField),
    kernel_forms.AmountField: _typed(kernel_forms.AmountField),
    kernel_forms.IntegerField: _typed(kernel_forms.IntegerField),
    kernel_forms.DecimalField: _typed(kernel_forms.DecimalField),
}
_VALUE_LOOKUPS = {"exact", "lt", "lte", "gt", "gte"}


# ---------------------------------------------------------------------------------------------------------
# The base FilterSet


class FilterSet(django_filters.FilterSet):
    """The base of every FilterSet of the project.

    The filters it generates from `Meta.fields` read dates, years, amounts and counts with the kernel's
    fields. `apply` filters by one parameter, as a list URL carries it (the admin's list filters);
    `problems` names the parameters whose values could not be read.
    """

    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        filter_class, params = super().filter_for_lookup(field, lookup_type)
        if filter_class is not None and lookup_type in _VALUE_LOOKUPS and not getattr(field, "choices", None):
            typed = _TYPED_FILTERS.get(kernel_forms.formfield_kwargs(field).get("form_class"))
            if typed is not None:
                return typed, params
        return filter_class, params

    @property
    def problems(self) -> list[str]:
        """A message for each parameter whose value could not be read (that filter is not applied)."""
        return [
            gettext("The filter “%(parameter)s” was not applied: %(problem)s")
            % {"parameter": name, "problem": " ".join(str(message) for message in messages)}
            for name, messages in self.errors.items()
        ]

    @classmethod
    def apply(cls, queryset: QuerySet, name: str, value: str, *, request=None) -> QuerySet:
        """`queryset` filtered by the filter `name` alone, given the text of its parameter.

        A value the filter cannot read is a `ValidationError` naming the parameter; a filter this request
        is not offered (see a FilterSet's `__init__`) is not applied.
        """
        data = QueryDict(mutable=True)
        data[name] = value
        filterset = cls(data, queryset=queryset, request=request)
        if name not in filterset.filters:
            return queryset
        form = filterset.form
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        return filterset.filters[name].filter(queryset, form.cleaned_data[name])
