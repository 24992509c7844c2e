"""Form fields that read what an official types with the kernel's parser, and show values the same way.

Django's own fields read numbers and dates with the formats of the active locale, and fall back to
month-first dates; these read them with `kernel.numbers` in the interface's style and write them back in
that style, in inputs too, so that posting an unchanged form gives back the same values:

| model field                              | form field     | Vietnamese        | English           |
| ---------------------------------------- | -------------- | ----------------- | ----------------- |
| `BigIntegerField` (money, whole đồng)    | `AmountField`  | `1.234.567`       | `1,234,567`       |
| `DecimalField`                           | `DecimalField` | `12,5`            | `12.5`            |
| `DateField`                              | `DateField`    | `05/11/2026`      | `05/11/2026`      |
| other integer fields named `...year`     | `YearField`    | `2025`            | `2025`            |
| other integer fields (counts)            | `IntegerField` | `1.234`           | `1,234`           |

`formfield_kwargs(model_field)` says which applies; `ModelForm` uses them for every field it generates, and
`kernel.admin_input.TypedFormFieldsMixin` does the same for admin forms and inlines. Fields with choices, foreign
keys, date-times and auto fields keep Django's (date-times read day-first through `config/formats`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.contrib.admin import widgets as admin_widgets
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.fields import AutoFieldMixin

from .numbers import (
    NumberStyle,
    ValueProblem,
    amount_from_input,
    date_from_input,
    format_date,
    format_number,
    integer_from_input,
    number_from_input,
    year_from_input,
)

# ---------------------------------------------------------------------------------------------------------
# Widgets: text inputs that write the value in the interface's style


class _NumberTextInput(forms.TextInput):
    """A text input for a number, written in the active language's style; a typed text is shown as typed."""

    inputmode = "decimal"
    css_class = ""
    group = True

    def __init__(self, attrs=None):
        defaults = {"inputmode": self.inputmode, "autocomplete": "off"}
        if self.css_class:
            defaults["class"] = self.css_class
        super().__init__({**defaults, **(attrs or {})})

    def format_value(self, value):
        if value is None or value == "":
            return None
        if isinstance(value, str):  # what the official typed, shown back with its error
            return value
        return format_number(Decimal(value), NumberStyle.active(), group=self.group)


class AmountInput(_NumberTextInput):
    """An amount in whole đồng: 1.234.567 (Vietnamese), 1,234,567 (English)."""

    inputmode = "numeric"


class DecimalInput(_NumberTextInput):
    """A number with decimals: 12,5 (Vietnamese), 12.5 (English)."""


class IntegerInput(_NumberTextInput):
    """A count: 1.234 (Vietnamese), 1,234 (English)."""

    inputmode = "numeric"


class YearInput(_NumberTextInput):
    """A year, four digits, never grouped: 2025."""

    inputmode = "numeric"
    group = False

    def __init__(self, attrs=None):
        super().__init__({"maxlength": "4", **(attrs or {})})


class DateInput(forms.DateInput):
    """A date, day first in every language: 05/11/2026."""

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or "%d/%m/%Y")

    def format_value(self, value):
        if isinstance(value, datetime.date):
            return format_date(value)
        return super().format_value(value)


class AdminDateInput(admin_widgets.AdminDateWidget):
    """The admin's date input with its calendar, writing dates day first: 05/11/2026.

    The calendar writes the first of `DATE_INPUT_FORMATS` (`config/formats`: `%d/%m/%Y`).
    """

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or "%d/%m/%Y")

    def format_value(self, value):
        if isinstance(value, datetime.date):
            return format_date(value)
        return super().format_value(value)


class AdminAmountInput(AmountInput):
    css_class = "vBigIntegerField"


class AdminDecimalInput(DecimalInput):
    css_class = "vBigIntegerField"  # the admin's width for a long number


class AdminIntegerInput(IntegerInput):
    css_class = "vIntegerField"


class AdminYearInput(YearInput):
    css_class = "vIntegerField"


# ---------------------------------------------------------------------------------------------------------
# Fields


def _invalid(problem: ValueProblem) -> ValidationError:
    return ValidationError(problem.message, code="invalid")


class _TypedIntegerField(forms.IntegerField):
    """A whole number typed in the interface's style, read by `parse` (one of kernel.numbers' readers)."""

    parse = staticmethod(integer_from_input)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return self.parse(str(value))
        except ValueProblem as problem:
            raise _invalid(problem) from None


class AmountField(_TypedIntegerField):
    """An amount of money in whole đồng, typed in the interface's style; never rounded, never scaled."""

    widget = AmountInput
    parse = staticmethod(amount_from_input)


class IntegerField(_TypedIntegerField):
    """A whole number (a count), typed in the interface's style: `1.234` in Vietnamese is 1234."""

    widget = IntegerInput


class YearField(_TypedIntegerField):
    """A year, four digits: `2.025` is refused, not read as 2025."""

    widget = YearInput
    parse = staticmethod(year_from_input)


class DecimalField(forms.DecimalField):
    """A number with decimals typed in the interface's style: `12,5` (Vietnamese), `12.5` (English)."""

    widget = DecimalInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        try:
            return number_from_input(str(value))
        except ValueProblem as problem:
            raise _invalid(problem) from None


class DateField(forms.DateField):
    """A date typed day first in every language: `05/11/2026`, `5/11/2026`, `05/11/26`, `2026-11-05`."""

    widget = DateInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        try:
            return date_from_input(str(value))
        except ValueProblem as problem:
            raise _invalid(problem) from None


# ---------------------------------------------------------------------------------------------------------
# Which field a model field gets


def is_money(field: models.Field) -> bool:
    """Whether a model field holds money: in this project, money is a `BigIntegerField` of whole đồng."""
    return isinstance(field, models.BigIntegerField) and not isinstance(field, AutoFieldMixin)


def is_year(field: models.Field) -> bool:
    """Whether an integer model field holds a year: named `year`, `start_year`, `first_year`, ..."""
    return isinstance(field, models.IntegerField) and field.name.endswith("year")


def formfield_kwargs(field: models.Field, *, admin: bool = False) -> dict:
    """The kernel's `form_class` and `widget` for a model field, or {} where Django's own are kept."""
    if field.choices or not field.editable or isinstance(field, AutoFieldMixin):
        return {}
    if isinstance(field, models.DateTimeField):
        return {}
    if isinstance(field, models.DateField):
        return {"form_class": DateField, "widget": AdminDateInput if admin else DateInput}
    if isinstance(field, models.DecimalField):
        return {"form_class": DecimalField, "widget": AdminDecimalInput if admin else DecimalInput}
    if is_money(field):
        return {"form_class": AmountField, "widget": AdminAmountInput if admin else AmountInput}
    if is_year(field):
        return {"form_class": YearField, "widget": AdminYearInput if admin else YearInput}
    if isinstance(field, models.IntegerField):
        return {"form_class": IntegerField, "widget": AdminIntegerInput if admin else IntegerInput}
    return {}


def formfield(field: models.Field, **kwargs):
    """A model field's form field with the kernel's parsing (`formfield_callback` of `ModelForm`)."""
    return field.formfield(**{**formfield_kwargs(field), **kwargs})


class _ModelFormMetaclass(forms.models.ModelFormMetaclass):
    """Gives a form's own `Meta` the kernel's `formfield_callback` unless it names one: Django reads only the
    form's own `Meta`, not its bases'."""

    def __new__(mcs, name, bases, attrs):
        meta = attrs.get("Meta")
        if meta is not None and getattr(meta, "formfield_callback", None) is None:
            attrs["Meta"] = type("Meta", (meta,), {"formfield_callback": staticmethod(formfield)})
        return super().__new__(mcs, name, bases, attrs)


class ModelForm(forms.ModelForm, metaclass=_ModelFormMetaclass):
    """A `ModelForm` whose generated fields read numbers, amounts and dates with the kernel's parser."""
