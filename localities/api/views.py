from django.db.models import Prefetch

from api.views import DeletedMixin, ReadViewSet, api_filterset

from ..filters import CommuneUnitFilterSet, ProvinceUnitFilterSet, VillageFilterSet
from ..models import Commune, CommuneSuccession, Province, Village
from . import serializers
from .lookups import UNIT_SCHEMES


class ProvinceViewSet(ReadViewSet):
    """Provinces of both maps (`?generation=legacy` or `2025`); `?q=` finds them by name, accents optional."""

    model = Province
    schemes = UNIT_SCHEMES
    serializer_class = serializers.ProvinceSerializer
    filterset_class = ProvinceUnitFilterSet


class CommuneViewSet(ReadViewSet):
    """Communes of both maps, each with its side of the 2025 mapping (a legacy commune its successors, a
    current one its predecessors); by GSO code as code:<code> (current) or legacy:<code>."""

    model = Commune
    schemes = UNIT_SCHEMES
    serializer_class = serializers.CommuneSerializer
    filterset_class = CommuneUnitFilterSet

    def prepare(self, queryset):
        links = CommuneSuccession.objects.order_by("pk")
        return queryset.select_related("province").prefetch_related(
            Prefetch("succession_links", queryset=links.select_related("successor")),
            Prefetch("predecessor_links", queryset=links.select_related("predecessor")),
        )


class VillageViewSet(DeletedMixin, ReadViewSet):
    """Villages of the jurisdiction's communes."""

    model = Village
    serializer_class = serializers.VillageSerializer
    filterset_class = api_filterset(VillageFilterSet, Village)
