"""The tracker's resources as the API shows and takes them: works, capital allocated and disbursed, progress,
households and their yearly records, and the disbursement summary. Fields are named; personal data is
masked unless the request's user may see it (kernel.access.can_see_personal_data)."""

from rest_framework import serializers

from api.fields import KeyOrCodeField
from api.serializers import ModelSerializer
from kernel.access import MASK, VIEW, can_see_personal_data, mask_id_number
from localities.api.lookups import UNIT_SCHEMES
from localities.models import Commune, Village
from programs.api.lookups import COMPONENT_SCHEMES
from programs.models import Component

from ..models import Allocation, Disbursement, Household, PovertyAssessment, ProgressReport, Support, Work


def _user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class WorkSerializer(ModelSerializer):
    """A work, with its capital (allocated and net disbursed VND, all plan years) and its latest progress."""

    commune = KeyOrCodeField(queryset_for=lambda user: Commune.objects.in_jurisdiction(user), schemes=UNIT_SCHEMES)
    components = KeyOrCodeField(
        many=True, queryset_for=lambda user: Component.objects.restrict(user, VIEW), schemes=COMPONENT_SCHEMES
    )
    villages = KeyOrCodeField(many=True, required=False, queryset_for=lambda user: Village.objects.restrict(user, VIEW))
    commune_code = serializers.CharField(source="commune.code", read_only=True)
    commune_name = serializers.CharField(source="commune.name", read_only=True)
    allocated = serializers.IntegerField(read_only=True, help_text="Allocated VND, all plan years.")
    disbursed = serializers.IntegerField(read_only=True, help_text="Net disbursed VND (reversals netted).")
    progress_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, read_only=True, allow_null=True, help_text="Latest physical progress (%)."
    )
    progress_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="Date of the latest progress report."
    )

    class Meta:
        model = Work
        fields = [
            "id",
            "code",
            "name",
            "work_type",
            "is_maintenance",
            "commune",
            "commune_code",
            "commune_name",
            "components",
            "villages",
            "investor",
            "capacity",
            "capacity_unit",
            "approved_investment",
            "is_small_work",
            "status",
            "start_date",
            "planned_completion_date",
            "actual_completion_date",
            "latitude",
            "longitude",
            "beneficiary_households",
            "note",
            "allocated",
            "disbursed",
            "progress_percent",
            "progress_on",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "version", "created_at", "updated_at"]
        # The services check the code's uniqueness (with the model's message) inside their transaction.
        extra_kwargs = {"code": {"validators": []}}


class AllocationSerializer(ModelSerializer):
    work_code = serializers.CharField(source="work.code", read_only=True)
    component_code = serializers.CharField(source="component.code", read_only=True)
    program_code = serializers.CharField(source="component.program.code", read_only=True)
    document_number = serializers.CharField(source="document.number", read_only=True, allow_null=True)

    class Meta:
        model = Allocation
        fields = [
            "id",
            "work",
            "work_code",
            "component",
            "component_code",
            "program_code",
            "year",
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


class DisbursementSerializer(ModelSerializer):
    """A payment, or the reversal of one (`reverses`: the payment it cancels; a negative amount)."""

    work_code = serializers.CharField(source="work.code", read_only=True)
    reversed_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Disbursement
        fields = [
            "id",
            "work",
            "work_code",
            "year",
            "source",
            "capital_type",
            "amount",
            "voucher_number",
            "paid_on",
            "reverses",
            "reversed_by",
            "note",
            "version",
            "created_at",
        ]
        read_only_fields = fields


class ProgressReportSerializer(ModelSerializer):
    work_code = serializers.CharField(source="work.code", read_only=True)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "work",
            "work_code",
            "reported_on",
            "progress_percent",
            "quantity_done",
            "status",
            "note",
            "version",
            "created_at",
        ]
        read_only_fields = fields


class HouseholdSerializer(ModelSerializer):
    """A household. The head's ID number and the ethnic group are personal data (Decree 13/2023/NĐ-CP):
    masked (0012******89, ***) unless the user's role shows them."""

    ethnic_group = serializers.CharField(source="ethnic_group.code", read_only=True, help_text="Its code, or ***.")
    commune_code = serializers.CharField(source="commune.code", read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "code",
            "head_name",
            "id_number",
            "ethnic_group",
            "commune",
            "commune_code",
            "village",
            "member_count",
            "address",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        shows = self.context.get("shows_personal_data")
        if shows is None:
            shows = self.context["shows_personal_data"] = can_see_personal_data(_user(self))
        if not shows:
            data["id_number"] = mask_id_number(data["id_number"])
            data["ethnic_group"] = MASK if data["ethnic_group"] else ""
        return data


class PovertyAssessmentSerializer(ModelSerializer):
    household_code = serializers.CharField(source="household.code", read_only=True)
    standard = serializers.CharField(source="standard.code", read_only=True)
    deprivations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = PovertyAssessment
        fields = [
            "id",
            "household",
            "household_code",
            "year",
            "standard",
            "status",
            "income_per_capita",
            "deprivations",
            "decision_number",
            "recognised_on",
            "version",
        ]
        read_only_fields = fields


class SupportSerializer(ModelSerializer):
    household_code = serializers.CharField(source="household.code", read_only=True)
    component_code = serializers.CharField(source="component.code", read_only=True)

    class Meta:
        model = Support
        fields = [
            "id",
            "household",
            "household_code",
            "component",
            "component_code",
            "year",
            "kind",
            "amount",
            "quantity",
            "quantity_unit",
            "received_on",
            "note",
            "version",
        ]
        read_only_fields = fields


# ---------------------------------------------------------------------------------------------------------
# The disbursement summary


class FiguresSerializer(serializers.Serializer):
    works = serializers.IntegerField(allow_null=True)
    allocated = serializers.IntegerField(help_text="VND")
    disbursed = serializers.IntegerField(help_text="VND, reversals netted")
    rate_of_allocated = serializers.DecimalField(
        max_digits=12, decimal_places=4, allow_null=True, coerce_to_string=True, help_text="disbursed ÷ allocated, %"
    )


class SummaryRowSerializer(FiguresSerializer):
    key = serializers.CharField(allow_null=True, help_text="The province's, commune's or work's key; a type or source.")


class SummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    by = serializers.CharField()
    total = FiguresSerializer()
    rows = SummaryRowSerializer(many=True)
    by_capital_type = SummaryRowSerializer(many=True)
    by_source = SummaryRowSerializer(many=True)
