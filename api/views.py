"""The base of every API view: the role and the jurisdiction decide (`restrict(user, action)`), rows are named
by key or code, every object carries its version as an ETag, and a change is based on one (If-Match).

A viewset names its `model`, its `filterset_class` (the app's FilterSet, which the admin and the pages
use too) and `schemes` (its natural codes); `scoped(action)` is `model.objects.restrict(user, action)`,
which a viewset narrows or annotates in `prepare`.
"""

from __future__ import annotations

import re

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet
from simple_history.utils import get_history_model_for_model

from kernel.access import ADD, CHANGE, DELETE, VIEW, commune_scope, may
from kernel.filters import FilterSet, MomentField, UpdatedSinceFilter

from .errors import PreconditionRequired
from .fields import key_lookup
from .pagination import KeyCursorPagination

METHOD_ACTIONS = {
    "GET": VIEW,
    "HEAD": VIEW,
    "OPTIONS": VIEW,
    "POST": ADD,
    "PUT": CHANGE,
    "PATCH": CHANGE,
    "DELETE": DELETE,
}


class RolePermission(permissions.BasePermission):
    """The role's part of `restrict`: may the user take the method's action on the view's model at all?
    (Where: the view's queryset is `restrict(user, action)`, so a row outside answers 404.)"""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        model = getattr(view, "model", None)
        if model is None:
            return True
        return may(user, view.required_action(), model)


# ---------------------------------------------------------------------------------------------------------
# Versions as ETags


def etag_of(obj) -> str:
    return f'"{obj.version}"'


_ETAG = re.compile(r'^\s*(?:W/)?"?(?P<version>\d+)"?\s*$')


def if_match_version(request) -> int | None:
    """The version an update is based on, from `If-Match` (`"3"`, `W/"3"` or `3`); `*` means whatever the
    current version is (None). Missing: 428; unreadable: 400."""
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        raise PreconditionRequired()
    if header.strip() == "*":
        return None
    match = _ETAG.match(header)
    if match is None:
        raise exceptions.ValidationError(
            {
                "If-Match": [
                    gettext('Expected the record\'s ETag, such as "3"; found “%(value)s”.') % {"value": header[:40]}
                ]
            }
        )
    return int(match["version"])


def not_modified(request, etag: str) -> bool:
    given = request.headers.get("If-None-Match")
    if not given:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in given.split(",")}
    return "*" in tags or etag in tags


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag of the record as last read; without it the change is refused (428), stale 412.",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description="An ETag: 304 if unchanged."
)
KEY_PARAMETER = OpenApiParameter(
    "key",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The row's key (12), or its natural code as code:<code> (e.g. code:W-001).",
)
ID_SCHEME = OpenApiParameter(
    "id_scheme",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=["id", "code"],
    description="How the path names the row: by key (id, the default) or by natural code (code).",
)


# ---------------------------------------------------------------------------------------------------------
# FilterSets with updated_since


def has_changes(model) -> bool:
    """Whether `updated_since` can be read for the model: an `updated_at`, or a history."""
    try:
        model._meta.get_field("updated_at")
        return True
    except FieldDoesNotExist:
        pass
    try:
        get_history_model_for_model(model)
        return True
    except Exception:  # noqa: BLE001 - simple_history raises NotHistoricalModelError
        return False


def api_filterset(base: type[FilterSet] | None, model) -> type[FilterSet]:
    """The app's FilterSet for `model`, with `updated_since` wherever the model's changes can be read."""
    if base is None:
        base = type(
            f"{model.__name__}FilterSet", (FilterSet,), {"Meta": type("Meta", (), {"model": model, "fields": []})}
        )
    if "updated_since" in base.base_filters or not has_changes(model):
        return base
    return type(f"Api{base.__name__}", (base,), {"updated_since": UpdatedSinceFilter(label=_("updated since"))})


# ---------------------------------------------------------------------------------------------------------
# The viewsets


class ScopedViewSet(GenericViewSet):
    """Rows of `model` through `restrict(user, action)`, named by key or code, paged by key."""

    model = None
    schemes: dict = {}
    lookup_url_kwarg = "key"
    lookup_value_regex = r"[^/]+"
    pagination_class = KeyCursorPagination
    permission_classes = [permissions.IsAuthenticated, RolePermission]

    def required_action(self) -> str:
        return METHOD_ACTIONS.get(self.request.method, VIEW)

    def scoped(self, action: str):
        return self.model.objects.restrict(self.request.user, action)

    def prepare(self, queryset):
        """The viewset's narrowing, annotations and related rows (a fixed number of queries per page)."""
        return queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.prepare(self.scoped(self.required_action()))

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        lookup = key_lookup(
            self.kwargs[self.lookup_url_kwarg], self.schemes, id_scheme=self.request.query_params.get("id_scheme")
        )
        if lookup is None:
            raise Http404
        try:
            obj = queryset.get(**lookup)
        except (self.model.DoesNotExist, self.model.MultipleObjectsReturned, ValueError, TypeError):
            raise Http404 from None
        self.check_object_permissions(self.request, obj)
        return obj


class ListMixin:
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)


class RetrieveMixin:
    """GET of one row, with its version as ETag; If-None-Match answers 304 when it is unchanged."""

    @extend_schema(parameters=[KEY_PARAMETER, ID_SCHEME, IF_NONE_MATCH])
    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        if hasattr(obj, "version"):
            etag = etag_of(obj)
            if not_modified(request, etag):
                return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
            return Response(self.get_serializer(obj).data, headers={"ETag": etag})
        return Response(self.get_serializer(obj).data)


class ReadViewSet(ListMixin, RetrieveMixin, ScopedViewSet):
    """A read-only resource."""


# ---------------------------------------------------------------------------------------------------------
# Deletions, read from the history


class DeletedRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The key the deleted row had.")
    code = serializers.CharField(allow_null=True, help_text="Its natural code, if it had one.")
    deleted_at = serializers.DateTimeField(source="history_date")


class DeletedPagination(KeyCursorPagination):
    ordering = "history_id"


class DeletedMixin:
    """`<resource>/deleted/`: rows deleted at or after `?updated_since=` (all without it), as the history
    records them (its '-' records), in the user's jurisdiction as the row stood when deleted."""

    @extend_schema(
        parameters=[
            OpenApiParameter("updated_since", OpenApiTypes.STR, OpenApiParameter.QUERY, description="A moment."),
        ],
        responses=DeletedRecordSerializer(many=True),
        filters=False,
    )
    @action(
        detail=False,
        methods=["get"],
        serializer_class=DeletedRecordSerializer,
        pagination_class=DeletedPagination,
        filter_backends=[],
    )
    def deleted(self, request, *args, **kwargs):
        history = get_history_model_for_model(self.model)
        records = history.objects.filter(history_type="-")
        if not may(request.user, VIEW, self.model):
            raise exceptions.PermissionDenied()
        path = getattr(self.model.objects.all(), "commune_path", None)
        if path is not None:
            where = commune_scope(request.user, path)
            if where is not None:
                records = records.filter(where)
        since = request.query_params.get("updated_since")
        if since:
            try:
                moment = MomentField().clean(since)
            except DjangoValidationError as error:
                raise exceptions.ValidationError({"updated_since": error.messages}) from None
            records = records.filter(history_date__gte=moment)
        fields = ["history_id", "id", "history_date"]
        has_code = any(f.name == "code" for f in history._meta.concrete_fields)
        records = records.only(*fields, *(["code"] if has_code else []))
        page = self.paginate_queryset(records)
        rows = [{"id": r.id, "code": getattr(r, "code", None), "history_date": r.history_date} for r in page]
        return self.get_paginated_response(DeletedRecordSerializer(rows, many=True).data)
