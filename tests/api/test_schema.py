"""The published schema: OpenAPI 3.1, valid against the specification, generated without warnings; the
documentation served from here (its assets from the sidecar package, nothing from elsewhere)."""

import io
import re

import pytest
from django.core.management import call_command
from openapi_spec_validator import validate

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(world, official_client):
    client, _user = official_client(Role.VIEWER, Level.COMMUNE, world.c1)
    return client


def test_the_schema_is_valid_openapi_3_1(viewer):
    response = viewer.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    validate(schema)
    paths = schema["paths"]
    for path in (
        "/api/v1/works/",
        "/api/v1/works/{key}/",
        "/api/v1/works/deleted/",
        "/api/v1/summary/",
        "/api/v1/imports/",
        "/api/v1/imports/{key}/confirm/",
        "/api/v1/communes/{key}/",
    ):
        assert path in paths, path
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    parameters = {p["name"] for p in paths["/api/v1/works/{key}/"]["patch"]["parameters"]}
    assert "If-Match" in parameters


def test_the_schema_generates_without_warnings():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out)
    assert '"openapi": "3.1.0"' in out.getvalue()


@pytest.mark.parametrize("page", ["docs", "redoc"])
def test_the_documentation_is_served_with_local_assets(viewer, page):
    response = viewer.get(f"/api/v1/{page}/")
    assert response.status_code == 200
    body = response.content.decode()
    assets = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', body)
    assets += re.findall(r'(?:https?:)?//[^\s"\'<>]+', body)
    outside = [url for url in assets if url.startswith(("http://", "https://", "//"))]
    assert not outside, outside
    assert any("/static/drf_spectacular_sidecar/" in url for url in assets)
