"""One error format for every 4xx answer of the API:

    {"errors": [{"index": 3, "field": "components.1", "code": "does_not_exist", "message": "..."}]}

`index` is the item of a request carrying several (a bulk post), null otherwise; `field` the path of the
field in the item (`a.b`, list positions as numbers), null for the item (or the request) as a whole;
`code` a stable word a program may test; `message` what an official reads, in the request's language
(`Accept-Language`). The services' refusals are mapped here: a ValidationError is 400 with its fields, a
stale version (kernel.versions.StaleVersion) 412 with the message saying who changed what, a refusal of
the role or jurisdiction (PermissionDenied) 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from kernel.versions import StaleVersion

_WHOLE = {NON_FIELD_ERRORS, api_settings.NON_FIELD_ERRORS_KEY}


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "Send the record's version in an If-Match header (its ETag, as the last read gave it), so that a change "
        "made since by somebody else is not overwritten."
    )
    default_code = "version_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("This record was changed after you read it.")
    default_code = "stale"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the record's state.")
    default_code = "conflict"


def _join(field: str | None, name: str | None) -> str | None:
    if name is None:
        return field
    return f"{field}.{name}" if field else name


def error_item(detail: Any, *, field: str | None = None, index: int | None = None) -> dict:
    return {
        "index": index,
        "field": field,
        "code": getattr(detail, "code", None) or "invalid",
        "message": str(detail),
    }


def error_items(detail: Any, *, field: str | None = None, index: int | None = None) -> list[dict]:
    """A DRF error detail (nested dicts and lists of ErrorDetail) as the flat list of the format."""
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            name = None if key in _WHOLE else str(key)
            items += error_items(value, field=_join(field, name), index=index)
        return items
    if isinstance(detail, list | tuple):
        items = []
        for position, value in enumerate(detail):
            if isinstance(value, dict | list | tuple):
                items += error_items(value, field=_join(field, str(position)), index=index)
            else:
                items.append(error_item(value, field=field, index=index))
        return items
    return [error_item(detail, field=field, index=index)]


def items_of(exc: exceptions.APIException) -> list[dict]:
    """The error items of an API exception; a list of per-item dicts (a serializer of many) gets indexes."""
    detail = exc.detail
    if isinstance(detail, list) and detail and all(isinstance(value, dict) for value in detail):
        return [item for index, value in enumerate(detail) for item in error_items(value, index=index)]
    return error_items(detail)


def error_response(items: list[dict], status_code: int, headers: dict | None = None) -> Response:
    return Response({"errors": items}, status=status_code, headers=headers)


def stale_api_message(exc: StaleVersion) -> str:
    """A stale If-Match in a client's words: who changed what since, and the ETag to read again."""
    if not exc.since:  # raised without the details: the service's own message
        return " ".join(str(m) for m in exc.messages)
    return gettext(
        "The record was changed after the version in If-Match: %(since)s. Nothing was written. Read the record "
        'again (its ETag is now "%(version)s") and send the change with that If-Match.'
    ) % {"since": exc.since, "version": exc.current}


def api_exception(exc: Exception) -> Exception:
    """A service's refusal as the API exception that answers it."""
    if isinstance(exc, StaleVersion):
        return PreconditionFailed(detail=stale_api_message(exc), code="stale")
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(detail=get_error_detail(exc))
    if isinstance(exc, DjangoPermissionDenied):
        # The service's message says which action or which jurisdiction refused it.
        return exceptions.PermissionDenied(detail=str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    return exc


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, with the services' refusals mapped, every 4xx in the one format."""
    exc = api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if 400 <= response.status_code < 500:
        response.data = {"errors": items_of(exc)}
    return response
