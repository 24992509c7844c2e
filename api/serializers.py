"""The API's serializer base: DRF's `ModelSerializer`, with the same output made faster for pages of rows.

DRF's `Serializer.to_representation` walks its readable fields (a generator over a property) for each row,
and each field reads its attribute through `Field.get_attribute` (a loop with a `Mapping` check, a
callable check and exception handling) before converting it. For a page of 100 works of 31 fields that is
about half of the request's time (bench/api_serve.py). `ModelSerializer` here decides once per serializer
how each field is read and converted:

- A field whose source is a plain attribute path (``name``, ``commune.code``) and that keeps DRF's own
  `get_attribute` is read with `operator.attrgetter`; any surprise (a missing related row, a callable, an
  error) falls back to the field's own `get_attribute`, so every edge case answers as DRF does.
- A value of an `IntegerField`, `CharField` or `BooleanField`, or a `DateField` or an aware
  `DateTimeField` value in ISO 8601, is converted inline exactly as the field would (`int(v)`, `str(v)`,
  DRF's true/false sets, `v.isoformat()`, in the request's time zone taken once per serializer); every other
  field converts with its own `to_representation`.
- A `ChoiceField` maps a stored text through the field's own table; a `DecimalField` shown as a string is
  quantized with the field's places, digits and rounding; a key field (`KeyOrCodeField`) on a foreign key
  reads its column, as DRF's pk-only optimisation does.
- None is None, without conversion, as in DRF.

`tests/api/test_serializers.py` checks that every API serializer answers exactly what DRF's own
`to_representation` answers, on rows with every kind of value (nulls, decimals, dates, times, masks).
"""

from __future__ import annotations

import copy
import datetime
import decimal
from collections.abc import Callable
from operator import attrgetter

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from rest_framework import fields as drf_fields
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

from .fields import KeyOrCodeField


def _boolean(field: serializers.BooleanField) -> Callable:
    true, false = field.TRUE_VALUES, field.FALSE_VALUES

    def convert(value):
        if value in true:
            return True
        if value in false:
            return False
        return bool(value)

    return convert


def _converter(field: serializers.Field) -> Callable:
    """How `field` turns a non-None value into its representation: inline where it is certain to be the same."""
    kind = type(field)
    if kind is serializers.IntegerField:
        return int
    if kind is serializers.CharField:
        return str
    if kind is serializers.BooleanField:
        return _boolean(field)
    if kind is serializers.DateField:
        output = getattr(field, "format", api_settings.DATE_FORMAT)
        if output is not None and output.lower() == drf_fields.ISO_8601:

            def iso(value, fallback=field.to_representation):
                return value.isoformat() if type(value) is datetime.date else fallback(value)

            return iso
    if kind is serializers.ChoiceField:
        choices = field.choice_strings_to_values

        def choice(value, fallback=field.to_representation):
            return choices.get(value, value) if type(value) is str and value else fallback(value)

        return choice
    if kind is serializers.DecimalField:
        coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        if coerce and not field.localize and not field.normalize_output and field.decimal_places is not None:
            exponent = decimal.Decimal(1).scaleb(-field.decimal_places)
            context = decimal.getcontext().copy()
            if field.max_digits is not None:
                context.prec = field.max_digits
            rounding = field.rounding

            def fixed(value, fallback=field.to_representation):
                if type(value) is not decimal.Decimal:
                    return fallback(value)
                return f"{value.quantize(exponent, rounding=rounding, context=context):f}"

            return fixed
    if isinstance(field, KeyOrCodeField):
        return _identity  # the key itself, read by _reader
    if kind is serializers.DateTimeField:
        output = getattr(field, "format", api_settings.DATETIME_FORMAT)
        if output is not None and output.lower() == drf_fields.ISO_8601:
            zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
            if zone is not None:  # the zone of the request (as DRF's enforce_timezone), taken once per serializer

                def iso_moment(value, fallback=field.to_representation):
                    if type(value) is not datetime.datetime or value.tzinfo is None:
                        return fallback(value)
                    text = value.astimezone(zone).isoformat()
                    return text[:-6] + "Z" if text.endswith("+00:00") else text

                return iso_moment
    return field.to_representation


def _identity(value):
    return value


def _reader(field: serializers.Field, model) -> Callable:
    """How `field` reads its attribute from a row: attrgetter, or the field's own way for anything unusual."""
    own = field.get_attribute
    if isinstance(field, KeyOrCodeField) and len(field.source_attrs) == 1 and model is not None:
        # DRF's pk-only optimisation reads the foreign key's column (`commune_id`), without the related row.
        try:
            column = model._meta.get_field(field.source_attrs[0])
        except FieldDoesNotExist:
            return own
        if not (column.many_to_one and column.concrete):
            return own
        return attrgetter(column.attname)
    plain = type(field).get_attribute is serializers.Field.get_attribute
    attrs = field.source_attrs
    if not plain or not attrs or field.source == "*" or any(not name.isidentifier() for name in attrs):
        return own
    getter = attrgetter(".".join(attrs))

    def read(instance):
        try:
            value = getter(instance)
        except (AttributeError, ObjectDoesNotExist, KeyError):
            return own(instance)  # the field decides: its default, None, skipped, or its error
        if callable(value):
            return own(instance)
        return value

    return read


class ModelSerializer(serializers.ModelSerializer):
    """`serializers.ModelSerializer` with the representation planned once per serializer (see the module),
    and its fields built from the model once per class: each serializer gets a deep copy of them, as DRF
    gives each its own copy of the declared fields (building them again reads the model's fields and their
    options every time: a tenth of a page of 100 works)."""

    _built_fields: dict = {}  # class → its fields as `get_fields` builds them (never bound: copied first)

    def get_fields(self):
        cls = type(self)
        built = ModelSerializer._built_fields.get(cls)
        if built is None:
            built = ModelSerializer._built_fields[cls] = super().get_fields()
        return copy.deepcopy(built)

    def representation_plan(self) -> list[tuple[str, Callable, Callable]]:
        plan = self.__dict__.get("_representation_plan")
        if plan is None:
            model = getattr(getattr(self, "Meta", None), "model", None)
            plan = [(field.field_name, _reader(field, model), _converter(field)) for field in self._readable_fields]
            self.__dict__["_representation_plan"] = plan
        return plan

    def to_representation(self, instance):
        result = {}
        for name, read, convert in self.representation_plan():
            try:
                value = read(instance)
            except SkipField:
                continue
            if value is None or (isinstance(value, PKOnlyObject) and value.pk is None):
                result[name] = None
            else:
                result[name] = convert(value)
        return result
