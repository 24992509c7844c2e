"""`/api/v1/`: the schema and its documentation, and each app's endpoints (their `api/urls.py`, included by
name so that this package imports no app)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html"), name="redoc"),
    path("", include("localities.api.urls")),
    path("", include("programs.api.urls")),
    path("", include("tracker.api.urls")),
    path("", include("imports.api.urls")),
]
