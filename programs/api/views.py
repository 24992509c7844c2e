from django.db.models import Prefetch

from api.views import ReadViewSet, api_filterset

from ..filters import CapitalPlanEntryFilterSet, ComponentFilterSet
from ..models import CapitalPlanEntry, Component, Program
from . import serializers
from .lookups import COMPONENT_SCHEMES, PROGRAM_SCHEMES


class ProgramViewSet(ReadViewSet):
    """Programs, each with its component tree (projects, sub-projects, contents; each names its parent)."""

    model = Program
    schemes = PROGRAM_SCHEMES
    serializer_class = serializers.ProgramSerializer

    def prepare(self, queryset):
        tree = Component.objects.order_by("sort_order", "code")
        return queryset.select_related("legal_basis").prefetch_related(Prefetch("components", queryset=tree))


class ComponentViewSet(ReadViewSet):
    model = Component
    schemes = COMPONENT_SCHEMES
    serializer_class = serializers.ComponentSerializer
    filterset_class = ComponentFilterSet

    def prepare(self, queryset):
        return queryset.select_related("program")


class CapitalPlanEntryViewSet(ReadViewSet):
    """Capital plan entries of the jurisdiction (a province's own, and its communes')."""

    model = CapitalPlanEntry
    serializer_class = serializers.CapitalPlanEntrySerializer
    filterset_class = api_filterset(CapitalPlanEntryFilterSet, CapitalPlanEntry)

    def prepare(self, queryset):
        return queryset.select_related("component__program", "document")
