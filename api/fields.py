"""Serializer fields shared by the apps' APIs: a related row named by its key or its natural code."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from kernel.querysets import KEYS_SUFFIX

# A code lookup: the text after "code:" (or another scheme's prefix) → the filter naming the row.
CodeLookup = Callable[[str], dict]
KEY_OR_CODE_SCHEMA = {
    "oneOf": [
        {"type": "integer", "description": "The row's key (id)."},
        {"type": "string", "description": "The row's natural code, as code:<code> (e.g. code:W-001)."},
    ]
}


def key_lookup(value, schemes: dict[str, CodeLookup], *, id_scheme: str | None = None) -> dict | None:
    """The filter naming a row by `value`: an integer key (12, "12"), or "<scheme>:<code>" for one of
    `schemes` ("code:W-001"); with `id_scheme` ("code", as DHIS2's idScheme), a bare value is a code of
    that scheme. None when the value names nothing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return {"pk": value}
    if not isinstance(value, str) or not value:
        return None
    scheme, sep, rest = value.partition(":")
    if sep and scheme in schemes and rest:
        return schemes[scheme](rest)
    if id_scheme in schemes:
        return schemes[id_scheme](value)
    if value.isdigit():
        return {"pk": int(value)}
    return None


def code_of(field: str = "code") -> CodeLookup:
    return lambda code: {field: code}


@extend_schema_field(KEY_OR_CODE_SCHEMA)
class KeyOrCodeField(serializers.RelatedField):
    """A related row named by its key (12) or its natural code ("code:W-001"), among the rows the request's
    user may use (`queryset_for(user)`: their jurisdiction's). Any other value is an error of the field,
    which does not tell a row outside the jurisdiction from one that does not exist. Shown as its key."""

    default_error_messages = {
        "does_not_exist": _(
            "No {model} “{value}” that you may use: it does not exist or is outside your jurisdiction."
        ),
        "ambiguous": _("“{value}” names several {models}; give the key instead."),
        "invalid": _("Expected the key of a {model} (a number) or its code as code:<code>; found “{value}”."),
    }

    def __init__(self, *, queryset_for: Callable, schemes: dict[str, CodeLookup] | None = None, **kwargs):
        self.queryset_for = queryset_for
        self.schemes = schemes or {}
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.queryset_for(getattr(request, "user", None))

    def to_internal_value(self, data):
        queryset = self.get_queryset()
        opts = queryset.model._meta
        names = {"model": opts.verbose_name, "models": opts.verbose_name_plural, "value": str(data)[:60]}
        lookup = key_lookup(data, self.schemes)
        if lookup is None:
            self.fail("invalid", **names)
        try:
            return queryset.get(**lookup)
        except ObjectDoesNotExist:
            self.fail("does_not_exist", **names)
        except MultipleObjectsReturned:
            self.fail("ambiguous", **names)
        except (TypeError, ValueError):
            self.fail("invalid", **names)

    def to_representation(self, value):
        return value.pk

    def use_pk_only_optimization(self):
        return True

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        list_kwargs.update((key, value) for key, value in kwargs.items() if key in MANY_RELATION_KWARGS)
        return KeyListField(**list_kwargs)


class KeyListField(serializers.ManyRelatedField):
    """`KeyOrCodeField(many=True)`: shown as the list of the related rows' keys, read from what the view
    fetched when it did: the keys of `queryset.with_keys(name)` (kernel.querysets), or a plain prefetch."""

    def get_attribute(self, instance):
        if len(self.source_attrs) == 1:
            name = self.source_attrs[0]
            keys = instance.__dict__.get(name + KEYS_SUFFIX)
            if keys is not None:
                return keys
            prefetched = getattr(instance, "_prefetched_objects_cache", {})
            if name in prefetched:
                return prefetched[name]
        return super().get_attribute(instance)

    def to_representation(self, iterable):
        return [value if isinstance(value, int) else value.pk for value in iterable]
