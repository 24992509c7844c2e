"""`GET /api/v1/works/oc4ids/`: the works the caller may view, filtered as the works list is (year, province,
commune, program, component, status, ...), as one OC4IDS 0.9 project package (`tracker.oc4ids`), figures
as of `as_of` (everything recorded without it).

A package is one document, not a page: it holds at most MAX_WORKS works, and a selection of more is 400,
asking to narrow the filter (by commune, program or year). An empty selection is 404: the standard does not
allow a package with no project. The same number of queries whatever the number of works: after the
token's, the role's and the filters' own, the selection's keys, then the package's five.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from api.responses import error_responses
from api.views import RolePermission, api_filterset
from kernel.access import VIEW
from kernel.forms import DateField

from .. import filters
from ..models import Work
from ..oc4ids import project_package

MAX_WORKS = 1000


class WorkPackageView(GenericAPIView):
    """The works of the jurisdiction matching the filters, as an OC4IDS project package."""

    model = Work
    permission_classes = [permissions.IsAuthenticated, RolePermission]
    filterset_class = api_filterset(filters.WorkFilterSet, Work)
    pagination_class = None

    def required_action(self) -> str:
        return VIEW

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Work.objects.none()
        return Work.objects.restrict(self.request.user, VIEW)

    @extend_schema(
        operation_id="works_oc4ids_retrieve",
        filters=True,
        parameters=[
            OpenApiParameter(
                "as_of", OpenApiTypes.DATE, description="Figures as of this date (30/06/2025 or 2025-06-30)."
            ),
        ],
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="An OC4IDS 0.9 project package: one project per work (status, budget by year, "
                "source and capital type, transactions, physical and financial progress metrics, locations).",
            ),
            **error_responses(
                e400="A filter is wrong, or the selection holds more than 1,000 works (narrow the filter).",
                e404="No work matches the filters.",
            ),
        },
    )
    def get(self, request, *args, **kwargs):
        as_of = self._as_of()
        works = self.filter_queryset(self.get_queryset())
        keys = list(works.order_by("code", "pk").values_list("pk", flat=True)[: MAX_WORKS + 1])
        if len(keys) > MAX_WORKS:
            message = _(
                "A package holds at most %(limit)s works and more match these filters: narrow them (by "
                "province, commune, program or year)."
            ) % {"limit": number_format(MAX_WORKS, force_grouping=True)}
            raise exceptions.ValidationError([exceptions.ErrorDetail(message, code="too_many")])
        if not keys:
            raise exceptions.NotFound(_("No work matches these filters: an OC4IDS package needs one project."))
        package = project_package(
            Work.objects.filter(pk__in=keys).order_by("code", "pk"),
            as_of=as_of,
            uri=request.build_absolute_uri(),
        )
        return Response(package)

    def _as_of(self):
        value = self.request.query_params.get("as_of")
        if not value:
            return None
        try:
            return DateField(required=False).clean(value)
        except DjangoValidationError as error:
            raise exceptions.ValidationError({"as_of": error.messages}) from None
