"""The tracker's endpoints: thin over the querysets (reads, through `restrict(user, action)`), the FilterSets
(tracker/filters.py) and the services (writes: tracker/services.py)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import IDEMPOTENCY_KEY, idempotent
from api.views import (
    IF_MATCH,
    KEY_PARAMETER,
    DeletedMixin,
    ReadViewSet,
    RolePermission,
    api_filterset,
    etag_of,
    if_match_version,
)
from kernel.access import VIEW, can_see_personal_data
from kernel.forms import DateField, YearField
from kernel.presentation import rate

from .. import filters, services
from ..models import Allocation, Disbursement, Household, PovertyAssessment, ProgressReport, Support, Work
from ..status import StatusQuery
from . import serializers

CODE = {"code": lambda code: {"code": code}}


@extend_schema_view(
    create=extend_schema(parameters=[IDEMPOTENCY_KEY], responses={201: serializers.WorkSerializer}),
    update=extend_schema(parameters=[KEY_PARAMETER, IF_MATCH, IDEMPOTENCY_KEY]),
    partial_update=extend_schema(parameters=[KEY_PARAMETER, IF_MATCH, IDEMPOTENCY_KEY]),
)
class WorkViewSet(DeletedMixin, ReadViewSet):
    """Works, with their capital totals and latest progress; created and changed through the services, a
    change based on the version its ETag gave (If-Match)."""

    model = Work
    schemes = CODE
    serializer_class = serializers.WorkSerializer
    filterset_class = api_filterset(filters.WorkFilterSet, Work)

    def prepare(self, queryset):
        return queryset.with_capital().with_progress().select_related("commune").with_keys("components", "villages")

    def _saved(self, work, status_code):
        work = self.prepare(Work.objects.filter(pk=work.pk)).get()
        data = self.get_serializer(work).data
        return Response(data, status=status_code, headers={"ETag": etag_of(work)})

    @idempotent()
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        components, villages = fields.pop("components"), fields.pop("villages", [])
        # The service's refusals (ValidationError, PermissionDenied) are answered by api.errors.
        work = services.work_create(components=components, villages=villages, user=request.user, **fields)
        response = self._saved(work, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{work.pk}/")
        return response

    @idempotent()  # PATCH too: partial_update calls it
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        work = self.get_object()
        version = if_match_version(request)
        serializer = self.get_serializer(work, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        components, villages = fields.pop("components", None), fields.pop("villages", None)
        # A stale version (StaleVersion) is 412, with the message saying who changed what since.
        services.work_update(
            work=work, user=request.user, version=version, components=components, villages=villages, **fields
        )
        return self._saved(work, status.HTTP_200_OK)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class AllocationViewSet(ReadViewSet):
    model = Allocation
    serializer_class = serializers.AllocationSerializer
    filterset_class = api_filterset(filters.AllocationFilterSet, Allocation)

    def prepare(self, queryset):
        return queryset.select_related("work", "component__program", "document")


class DisbursementViewSet(ReadViewSet):
    """Disbursements; a reversal is an entry of its own (a negative amount naming the payment it reverses)."""

    model = Disbursement
    serializer_class = serializers.DisbursementSerializer
    filterset_class = api_filterset(filters.DisbursementFilterSet, Disbursement)

    def prepare(self, queryset):
        return queryset.select_related("work", "reversed_by")


class ProgressReportViewSet(DeletedMixin, ReadViewSet):
    model = ProgressReport
    serializer_class = serializers.ProgressReportSerializer
    filterset_class = api_filterset(filters.ProgressReportFilterSet, ProgressReport)

    def prepare(self, queryset):
        return queryset.select_related("work")


# Parameters that reach personal data: refused (400) for a user who may not see it, so that a filter's
# answer cannot tell a masked value digit by digit.
PERSONAL_PARAMETERS = ("id_number", "ethnic_group")


class HouseholdViewSet(DeletedMixin, ReadViewSet):
    """Households; the head's ID number and the ethnic group are masked, and cannot be filtered by, unless the
    user's role shows personal data. `?id_number=` finds a household by its head's ID number (for those)."""

    model = Household
    schemes = CODE
    serializer_class = serializers.HouseholdSerializer
    filterset_class = api_filterset(filters.HouseholdFilterSet, Household)

    def prepare(self, queryset):
        return queryset.select_related("commune", "ethnic_group")

    def filter_queryset(self, queryset):
        params = self.request.query_params
        refused = [name for name in params if any(name == p or name.startswith(f"{p}__") for p in PERSONAL_PARAMETERS)]
        shows = can_see_personal_data(self.request.user)
        if refused and not shows:
            message = _("Your role does not show personal data; it cannot be filtered by either.")
            raise exceptions.ValidationError(
                {name: [exceptions.ErrorDetail(message, code="personal_data")] for name in refused}
            )
        queryset = super().filter_queryset(queryset)
        if shows and params.get("id_number"):
            queryset = queryset.filter(id_number=params["id_number"].strip())
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "id_number",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description="The head's ID number (12 digits); refused (400) for roles that do not see personal data.",
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class PovertyAssessmentViewSet(DeletedMixin, ReadViewSet):
    model = PovertyAssessment
    serializer_class = serializers.PovertyAssessmentSerializer
    filterset_class = api_filterset(filters.PovertyAssessmentFilterSet, PovertyAssessment)

    def prepare(self, queryset):
        return queryset.select_related("household", "standard").prefetch_related("deprivations")


class SupportViewSet(DeletedMixin, ReadViewSet):
    model = Support
    serializer_class = serializers.SupportSerializer
    filterset_class = api_filterset(filters.SupportFilterSet, Support)

    def prepare(self, queryset):
        return queryset.select_related("household", "component")


# ---------------------------------------------------------------------------------------------------------
# The disbursement summary: the status pages' figures


def _figures(row: dict) -> dict:
    return {**row, "rate_of_allocated": rate(row["disbursed"], row["allocated"])}


class SummaryView(APIView):
    """The status pages' figures for the works of the jurisdiction with capital in a plan year (`year`, by
    default the latest with capital), as of a date (`as_of`, today by default), narrowed by the works'
    filters (province, commune, program, component, status, ...): the total, a row per province, commune
    or work (`by`), and the splits by capital type and by source. Read by the querysets the pages use
    (`totals`, `disbursement_status`, `capital_by`)."""

    model = Work
    permission_classes = [RolePermission]
    filterset_class = filters.WorkFilterSet
    BY = tuple(Work.objects.none().STATUS_GROUPS)

    def required_action(self):
        return VIEW

    @extend_schema(
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, description="Plan year (four digits)."),
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="As of this date (30/06/2025 or 2025-06-30)."),
            OpenApiParameter(
                "by", OpenApiTypes.STR, enum=list(BY), description="One row per province, commune or work."
            ),
            OpenApiParameter("province", OpenApiTypes.INT),
            OpenApiParameter("commune", OpenApiTypes.INT),
            OpenApiParameter("program", OpenApiTypes.INT),
            OpenApiParameter("program_code", OpenApiTypes.STR),
            OpenApiParameter("component", OpenApiTypes.INT),
            OpenApiParameter("status", OpenApiTypes.STR),
        ],
        responses=serializers.SummarySerializer,
    )
    def get(self, request):
        user = request.user
        errors = {}
        year, as_of = self._read(YearField, "year", errors), self._read(DateField, "as_of", errors)
        by = request.query_params.get("by") or "province"
        if by not in self.BY:
            errors["by"] = [_("One of: %(choices)s.") % {"choices": ", ".join(self.BY)}]
        params = request.query_params.copy()
        for name in ("year", "as_of", "by"):
            params.pop(name, None)
        filterset = self.filterset_class(params, queryset=Work.objects.restrict(user, VIEW), request=request)
        if not filterset.is_valid():
            errors.update(filterset.errors)
        if errors:
            raise exceptions.ValidationError(errors)
        year = year or StatusQuery.latest_year(user, timezone.localdate())
        as_of = as_of or timezone.localdate()
        works = filterset.qs.in_year(year)
        rows = works.disbursement_status(by, year=year, as_of=as_of)
        splits = {
            field: [
                _figures({"key": key[0], "works": None, **sums})
                for key, sums in sorted(works.capital_by(field, year=year, as_of=as_of).items())
            ]
            for field in ("capital_type", "source")
        }
        data = {
            "year": year,
            "as_of": as_of,
            "by": by,
            "total": _figures(works.totals(year=year, as_of=as_of)),
            "rows": [_figures(row) for row in rows],
            "by_capital_type": splits["capital_type"],
            "by_source": splits["source"],
        }
        return Response(serializers.SummarySerializer(data).data)

    def _read(self, field_class, name, errors):
        value = self.request.query_params.get(name)
        if not value:
            return None
        try:
            return field_class(required=False).clean(value)
        except Exception as error:  # a django ValidationError with the field's message
            errors[name] = list(getattr(error, "messages", [str(error)]))
            return None
