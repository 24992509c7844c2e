"""What the OpenAPI schema says of the kernel's filters (kernel/filters.py names no API library): their
parameters' types, set on the filter classes when the app is ready; and the error answers of every operation
(`AutoSchema`, the schema class of REST_FRAMEWORK)."""

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field

from kernel import filters

from .responses import ErrorsSerializer


def annotate_filters() -> None:
    extend_schema_field(OpenApiTypes.INT)(filters.KeyFilter)
    extend_schema_field(OpenApiTypes.INT)(filters.YearFilter)
    # Dates are read day first (30/06/2025) or ISO (2025-06-30): text, not format: date.
    extend_schema_field({"type": "string", "examples": ["30/06/2025", "2025-06-30"]})(filters.AsOfFilter)
    extend_schema_field({"type": "string", "examples": ["01/07/2025 08:30", "2025-07-01T08:30:00+07:00"]})(
        filters.UpdatedSinceFilter
    )


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, with the answers every operation may give in the one error format (api/errors.py)
    documented beside its own: what a generated client must expect, and a fuzzer may check. A parameter's
    schema has no title: it would be the filter's label, translated, and generators name types after it
    (`WorksListTìnhTrạng` for a Vietnamese request, another name for an English one)."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        for parameter in parameters:
            parameter.get("schema", {}).pop("title", None)
        headers = {p["name"] for p in parameters if p.get("in") == "header"}
        responses = operation["responses"]
        for code, description in self._error_codes(headers):
            if str(code) not in responses:
                error = OpenApiResponse(ErrorsSerializer, description=description)
                responses[str(code)] = self._get_response_for_code(error, str(code))
        if "If-None-Match" in headers:
            responses.setdefault("304", {"description": "Not modified: the ETag given in If-None-Match is current."})
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_codes(self, headers: set[str]) -> list[tuple[int, str]]:
        codes = [
            (400, "The request is wrong: each error names the parameter or field, with what was expected."),
            (401, "No token or session, or the token is unknown, revoked or expired."),
            (403, "The official's role or jurisdiction does not allow this."),
            (404, "No such row in the official's jurisdiction."),
            (429, "Too many requests for this token: wait as Retry-After says."),
        ]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.append((409, "The request conflicts with the record's state."))
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append((415, "The body is not of a media type the operation reads."))
        if "If-Match" in headers:
            codes += [
                (412, "The version given in If-Match is stale: the message says who changed what since."),
                (428, "If-Match is missing: send the ETag of the record as last read."),
            ]
        return codes
