"""Administrative units of both maps, the 2025 old→new mapping, and villages."""

from rest_framework import serializers

from api.serializers import ModelSerializer

from ..models import Commune, CommuneSuccession, Province, Village


class ProvinceSerializer(ModelSerializer):
    class Meta:
        model = Province
        fields = [
            "id",
            "generation",
            "code",
            "name",
            "short_name",
            "unit_type",
            "successor",
            "valid_from",
            "valid_to",
            "version",
        ]
        read_only_fields = fields


class SuccessorSerializer(ModelSerializer):
    """One line of the mapping, seen from the legacy commune: the current commune it went (wholly or partly) into."""

    commune = serializers.IntegerField(source="successor_id", read_only=True)
    code = serializers.CharField(source="successor.code", read_only=True)
    name = serializers.CharField(source="successor.name", read_only=True)

    class Meta:
        model = CommuneSuccession
        fields = ["commune", "code", "name", "is_default", "effective_on"]
        read_only_fields = fields


class PredecessorSerializer(ModelSerializer):
    """One line of the mapping, seen from the current commune: a legacy commune that went into it."""

    commune = serializers.IntegerField(source="predecessor_id", read_only=True)
    code = serializers.CharField(source="predecessor.code", read_only=True)
    name = serializers.CharField(source="predecessor.name", read_only=True)

    class Meta:
        model = CommuneSuccession
        fields = ["commune", "code", "name", "is_default", "effective_on"]
        read_only_fields = fields


class CommuneSerializer(ModelSerializer):
    province_code = serializers.CharField(source="province.code", read_only=True)
    successors = SuccessorSerializer(source="succession_links", many=True, read_only=True)
    predecessors = PredecessorSerializer(source="predecessor_links", many=True, read_only=True)

    class Meta:
        model = Commune
        fields = [
            "id",
            "generation",
            "code",
            "name",
            "short_name",
            "unit_type",
            "province",
            "province_code",
            "district",
            "current_province",
            "successor",
            "successors",
            "predecessors",
            "latitude",
            "longitude",
            "valid_from",
            "valid_to",
            "version",
        ]
        read_only_fields = fields


class VillageSerializer(ModelSerializer):
    class Meta:
        model = Village
        fields = ["id", "commune", "name", "code", "valid_from", "valid_to", "version"]
        read_only_fields = fields
