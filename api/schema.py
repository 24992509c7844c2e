"""What the OpenAPI schema says of the kernel's filters (kernel/filters.py names no API library): their
parameters' types, set on the filter classes when the app is ready."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from kernel import filters


def annotate_filters() -> None:
    extend_schema_field(OpenApiTypes.INT)(filters.KeyFilter)
    extend_schema_field(OpenApiTypes.INT)(filters.YearFilter)
    # Dates are read day first (30/06/2025) or ISO (2025-06-30): text, not format: date.
    extend_schema_field({"type": "string", "examples": ["30/06/2025", "2025-06-30"]})(filters.AsOfFilter)
    extend_schema_field({"type": "string", "examples": ["01/07/2025 08:30", "2025-07-01T08:30:00+07:00"]})(
        filters.UpdatedSinceFilter
    )
