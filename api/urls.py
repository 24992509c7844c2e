"""`/api/v1/`: the schema and its documentation, and each app's endpoints (their `api/urls.py`, included by
name so that this package imports no app)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from .responses import not_found

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html"), name="redoc"),
    path("", include("localities.api.urls")),
    path("", include("programs.api.urls")),
    path("", include("tracker.api.urls")),
    path("", include("imports.api.urls")),
    # Last: an address no endpoint has is 404 in the error format, not Django's HTML page.
    re_path(r"^(?P<unmatched>.*)$", not_found, name="not-found"),
]
