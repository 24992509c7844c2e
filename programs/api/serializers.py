"""Programs, their component trees (each component names its parent) and capital plan entries."""

from rest_framework import serializers

from api.serializers import ModelSerializer

from ..models import CapitalPlanEntry, Component, Program


class ComponentSerializer(ModelSerializer):
    program_code = serializers.CharField(source="program.code", read_only=True)

    class Meta:
        model = Component
        fields = [
            "id",
            "program",
            "program_code",
            "parent",
            "level",
            "code",
            "name",
            "name_vi",
            "sort_order",
            "version",
        ]
        read_only_fields = fields


class ProgramComponentSerializer(ModelSerializer):
    """A node of a program's tree: a project (no parent), a sub-project or a content (its parent's key)."""

    class Meta:
        model = Component
        fields = ["id", "parent", "level", "code", "name", "name_vi", "sort_order"]
        read_only_fields = fields


class ProgramSerializer(ModelSerializer):
    legal_basis = serializers.CharField(source="legal_basis.number", read_only=True)
    components = ProgramComponentSerializer(
        many=True, read_only=True, help_text="The tree: each node names its parent."
    )

    class Meta:
        model = Program
        fields = [
            "id",
            "code",
            "name",
            "name_vi",
            "legal_basis",
            "start_year",
            "end_year",
            "note",
            "version",
            "components",
        ]
        read_only_fields = fields


class CapitalPlanEntrySerializer(ModelSerializer):
    component_code = serializers.CharField(source="component.code", read_only=True)
    program_code = serializers.CharField(source="component.program.code", read_only=True)
    document_number = serializers.CharField(source="document.number", read_only=True, allow_null=True)

    class Meta:
        model = CapitalPlanEntry
        fields = [
            "id",
            "component",
            "component_code",
            "program_code",
            "year",
            "province",
            "commune",
            "source",
            "capital_type",
            "kind",
            "amount",
            "extended_until",
            "decided_on",
            "document",
            "document_number",
            "note",
            "version",
            "created_at",
        ]
        read_only_fields = fields
