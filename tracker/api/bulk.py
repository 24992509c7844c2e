"""Bulk posts: many progress reports or disbursements in one request, recorded by `tracker.bulk.record_many`
(the spreadsheet import's rules, jurisdiction checks and messages; history path "api").

    POST /api/v1/progress-reports/bulk/?dry_run=1&atomic=0
    {"items": [{"work": "W-001", "reported_on": "2026-11-05", "progress_percent": 40, "status": "construction"}]}

The body is an object whose `items` is the list (at most MAX_ITEMS). `?dry_run=1` checks everything and
writes nothing; `?atomic=0` records item by item (by default all or nothing). The answer is the result's
counts and errors (`tracker.bulk.BulkResult.as_dict`), its `errors` in the API's one format (index, field,
code, message). Its status:

- 200: written, or a dry run that found nothing wrong; per item (`atomic=0`), also when some items were
  refused (they are counted in `refused` and listed in `errors`) as long as one item was recorded or found
  unchanged;
- 400, with the same body: all or nothing and an item was refused (nothing written), or per item and every
  item was refused; a dry run answers the status the same post would get;
- 400 `{"errors": [...]}` only: the request itself is wrong (no `items` list, too many items, a bad flag);
- 403, with the same body: the caller's role may not record this kind at all.

An `Idempotency-Key` makes a retry return the first answer (api/idempotency.py); refusals and dry runs
are not kept.
"""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import IDEMPOTENCY_KEY, idempotent
from api.responses import ErrorItemSerializer, error_responses

from ..bulk import record_many

MAX_ITEMS = 5000
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


# ---------------------------------------------------------------------------------------------------------
# What the schema says of the body and the answer (the items are read by the import, not by serializers)


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "string"}], "examples": [40, "12,5"]})
class NumberOrText(serializers.Field):
    """A JSON number, or a text as officials type it in a sheet (12,5; 200.000)."""


@extend_schema_field({"type": "string", "examples": ["2026-11-05", "05/11/2026"]})
class DateText(serializers.Field):
    """A date: ISO, or day first as in a sheet."""


class ItemBase(serializers.Serializer):
    work = serializers.CharField(required=False, help_text="The work's code (or give work_id).")
    work_id = serializers.IntegerField(required=False, help_text="The work's key, instead of its code.")
    note = serializers.CharField(required=False)


class ProgressItemSerializer(ItemBase):
    reported_on = DateText(help_text="The report's date; a work has one report a day.")
    progress_percent = NumberOrText(help_text="Physical progress, 0 to 100.")
    status = serializers.CharField(help_text="The work's status: its code (construction) or its label.")
    quantity_done = NumberOrText(required=False, help_text="Done so far, in the work's capacity unit.")
    capacity_unit = serializers.CharField(required=False, help_text="If given, the work's unit (km, m2, ...).")


class DisbursementItemSerializer(ItemBase):
    voucher_number = serializers.CharField(help_text="The voucher; with the work it identifies a payment.")
    paid_on = DateText()
    year = NumberOrText(required=False, help_text="The plan year (a payment).")
    source = serializers.CharField(required=False, help_text="The capital source, e.g. central (a payment).")
    capital_type = serializers.CharField(required=False, help_text="investment or recurrent (a payment).")
    amount = NumberOrText(required=False, help_text="Whole đồng, positive (a payment).")
    reverses = serializers.CharField(required=False, help_text="A reversal: the voucher it cancels (say why in note).")


def _body(item_serializer, name):
    return type(
        name,
        (serializers.Serializer,),
        {"items": serializers.ListField(child=item_serializer(), max_length=MAX_ITEMS)},
    )


class BulkResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    items = serializers.IntegerField(help_text="Items in the request.")
    created = serializers.IntegerField(help_text="Items recorded (or, in a dry run, that would be).")
    unchanged = serializers.IntegerField(help_text="Items already recorded with the same values.")
    refused = serializers.IntegerField(help_text="Items refused: each is listed in errors.")
    errors = ErrorItemSerializer(many=True)
    warnings = ErrorItemSerializer(many=True, help_text="Fields no column has, ignored.")
    written = serializers.BooleanField(help_text="Whether anything was kept.")
    dry_run = serializers.BooleanField()
    atomic = serializers.BooleanField()


DRY_RUN = OpenApiParameter(
    "dry_run", OpenApiTypes.BOOL, description="1: check everything in the database and write nothing."
)
ATOMIC = OpenApiParameter(
    "atomic", OpenApiTypes.BOOL, description="0: record item by item; by default (1) all or nothing."
)


BULK_DESCRIPTION = """The body is `{"items": [...]}` (at most 5,000 items), each item an object of the fields below:
typed JSON values are taken exactly (ISO dates, amounts in whole đồng); text is read as officials type it in a sheet
(05/11/2026, 200.000). The import's rules, jurisdiction checks and messages apply, in the request's language.

`?dry_run=1` checks everything and writes nothing; `?atomic=0` records item by item (by default all or
nothing). The answer counts created, unchanged and refused items and lists each refused item's errors
(index, field, code, message). Status:

- 200: written, or a dry run that found nothing wrong; with `atomic=0` also when some items were refused
  (counted in `refused`, listed in `errors`), as long as one item was recorded or found unchanged;
- 400 with the same body: all or nothing and an item was refused (nothing written), or `atomic=0` and every
  item was refused; a dry run answers the status the same post would get;
- 400 with `errors` only: the request itself is wrong (no `items` list, too many items, a bad flag);
- 403 with the same body: the role may not record this kind.

With an `Idempotency-Key`, a retry of a post answered 200 gets that answer and writes nothing again; refusals
(4xx) and dry runs are not kept (they wrote nothing)."""


def bulk_schema(item_serializer, name: str, what: str):
    return extend_schema(
        operation_id=f"{name.lower()}_bulk_create",
        summary=f"Record many {what}",
        description=BULK_DESCRIPTION,
        request=_body(item_serializer, f"{name}Bulk"),
        parameters=[DRY_RUN, ATOMIC, IDEMPOTENCY_KEY],
        responses={
            200: BulkResultSerializer,
            400: OpenApiResponse(
                # anyOf, not oneOf: a bulk result also carries `errors`, so it matches the error format too
                {"anyOf": [{"$ref": "#/components/schemas/BulkResult"}, {"$ref": "#/components/schemas/Errors"}]},
                description="Items refused (the same body), or only `errors` when the request itself is wrong.",
            ),
            403: OpenApiResponse(BulkResultSerializer, description="The role may not record this kind."),
            **error_responses(e409="The Idempotency-Key was used for another request."),
        },
    )


# ---------------------------------------------------------------------------------------------------------
# The views


def _flag(request, name: str, default: bool) -> bool:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    value = value.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    message = _("Expected 1 or 0 (true or false); found “%(value)s”.") % {"value": value[:40]}
    raise exceptions.ValidationError({name: [exceptions.ErrorDetail(message, code="invalid")]})


def _is_dry_run(view, request) -> bool:
    try:
        return _flag(request, "dry_run", False)
    except exceptions.ValidationError:
        return False  # the handler answers the bad flag


def _grouped(number: int) -> str:
    return number_format(number, force_grouping=True)


def _items(data) -> list:
    if not isinstance(data, dict) or "items" not in data:
        message = _("Expected an object with the list of items: {“items”: [...]}.")
        raise exceptions.ValidationError({"items": [exceptions.ErrorDetail(message, code="required")]})
    items = data["items"]
    if not isinstance(items, list):
        message = _("Expected “items” to be a list of objects, one per item.")
        raise exceptions.ValidationError({"items": [exceptions.ErrorDetail(message, code="invalid")]})
    if len(items) > MAX_ITEMS:
        message = _(
            "A bulk post carries at most %(limit)s items; this one has %(count)s. Send them in several posts."
        ) % {"limit": _grouped(MAX_ITEMS), "count": _grouped(len(items))}
        raise exceptions.ValidationError({"items": [exceptions.ErrorDetail(message, code="too_many")]})
    return items


def status_of(result) -> int:
    """The answer's status for a BulkResult (see the module docstring)."""
    if result.denied:
        return status.HTTP_403_FORBIDDEN
    if not result.errors:
        return status.HTTP_200_OK
    if result.atomic or result.created + result.unchanged == 0:
        return status.HTTP_400_BAD_REQUEST
    return status.HTTP_200_OK


class BulkView(APIView):
    kind: str = ""
    permission_classes = [permissions.IsAuthenticated]  # the import kind's role check decides (403)

    @idempotent(skip=_is_dry_run)
    def post(self, request, *args, **kwargs):
        dry_run, atomic = _flag(request, "dry_run", False), _flag(request, "atomic", True)
        items = _items(request.data)
        result = record_many(self.kind, items, user=request.user, dry_run=dry_run, atomic=atomic)
        return Response(result.as_dict(), status=status_of(result))


class ProgressReportBulkView(BulkView):
    """Many progress reports in one request: `work` (or `work_id`), `reported_on`, `progress_percent`,
    `status`, and optionally `quantity_done`, `capacity_unit`, `note`."""

    kind = "progress"

    @bulk_schema(ProgressItemSerializer, "ProgressReport", "progress reports")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class DisbursementBulkView(BulkView):
    """Many disbursements in one request: payments (`work`, `voucher_number`, `paid_on`, `year`, `source`,
    `capital_type`, `amount`) and reversals (`work`, `voucher_number`, `paid_on`, `reverses`, `note`)."""

    kind = "disbursements"

    @bulk_schema(DisbursementItemSerializer, "Disbursement", "disbursements")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
