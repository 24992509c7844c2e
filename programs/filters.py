"""Filters by program and component, and the FilterSet of capital plan entries.

`?program=` takes a program's key, `?program_code=` its code (`NTP-GNBV`); `?component=` a component's
key. A model reaching them otherwise than through `component` names the path (`field_name`).
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from kernel.filters import FilterSet, KeyFilter, YearFilter
from localities.filters import LocalityFilterSet

from .models import CapitalPlanEntry, Component


class ProgramFilter(KeyFilter):
    """Rows of a program, by its key: through the component (`component__program`) unless another path is named."""

    def __init__(self, field_name="component__program", *args, **kwargs):
        kwargs.setdefault("label", _("program"))
        super().__init__(field_name, *args, **kwargs)


class ProgramCodeFilter(django_filters.CharFilter):
    """Rows of a program, by its code (exact)."""

    def __init__(self, field_name="component__program__code", *args, **kwargs):
        kwargs.setdefault("label", _("program"))
        super().__init__(field_name, *args, **kwargs)


class ComponentFilter(KeyFilter):
    """Rows of a component, by its key (the component itself, not its sub-components)."""

    def __init__(self, field_name="component", *args, **kwargs):
        kwargs.setdefault("label", _("component"))
        super().__init__(field_name, *args, **kwargs)


class CapitalPlanEntryFilterSet(LocalityFilterSet):
    """Capital plan entries: of a province (those held at province level too) or a commune, a program or
    component, a plan year, a source, a capital type, a kind."""

    commune_path = "commune"
    province_path = "province"

    program = ProgramFilter()
    program_code = ProgramCodeFilter()
    component = ComponentFilter()
    year = YearFilter(label=_("plan year"))

    class Meta:
        model = CapitalPlanEntry
        fields = ["source", "capital_type", "kind"]


class ComponentFilterSet(FilterSet):
    """Components of a program (by key or code), of a level, under a parent."""

    program = ProgramFilter("program")
    program_code = ProgramCodeFilter("program__code")
    parent = KeyFilter("parent", label=_("parent"))

    class Meta:
        model = Component
        fields = ["level"]
