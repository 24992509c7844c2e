"""The error format (api/errors.py) as the schema describes it, and the answer to an address no endpoint has."""

from __future__ import annotations

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorItemSerializer(serializers.Serializer):
    index = serializers.IntegerField(
        allow_null=True, help_text="The item of a request carrying several (a bulk post); null otherwise."
    )
    field = serializers.CharField(allow_null=True, help_text="The field's path in the item (a.b); null: the whole.")
    code = serializers.CharField(help_text="A stable word a program may test (required, invalid, refused, ...).")
    message = serializers.CharField(help_text="What an official reads, in the request's language.")


class ErrorsSerializer(serializers.Serializer):
    errors = ErrorItemSerializer(many=True)


def error_responses(**descriptions: str) -> dict[int, OpenApiResponse]:
    """`error_responses(e404="...")` → {404: the error format, with that description}, for extend_schema."""
    return {
        int(name.removeprefix("e")): OpenApiResponse(ErrorsSerializer, description=text)
        for name, text in descriptions.items()
    }


@csrf_exempt  # it writes nothing; without this a POST is refused with the CSRF check's HTML page
def not_found(request, unmatched: str = ""):
    """What no endpoint answers under /api/: 404 in the error format (not Django's HTML page). A path without
    its final slash is redirected, as Django's APPEND_SLASH would, when the path with one is an endpoint."""
    path = request.path_info[:200]
    if not path.endswith("/"):
        try:
            match = resolve(f"{path}/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            if request.method in ("GET", "HEAD"):
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(f"{request.path}/" + (f"?{query}" if query else ""))
            message = _("No endpoint at %(path)s: did you mean %(path)s/ (with the final slash)?") % {"path": path}
            return _error(message)
    return _error(_("No endpoint at %(path)s. The endpoints are listed at /api/v1/docs/.") % {"path": path})


def _error(message: str) -> JsonResponse:
    body = {"errors": [{"index": None, "field": None, "code": "not_found", "message": message}]}
    return JsonResponse(body, status=404, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})
