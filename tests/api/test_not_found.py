"""An address no endpoint has, under /api/, is 404 in the API's error format, not Django's HTML page."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here/", "/api/v1/works/1/nothing/", "/api/v2/works/", "/api/", "/api/v1/"]
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_address_is_a_json_404(world, official_client, api_client, path, method):
    from rest_framework.test import APIClient  # noqa: PLC0415

    client, _user = official_client(Role.VIEWER, Level.COMMUNE, world.c1)
    browser = APIClient(enforce_csrf_checks=True)  # a POST without a CSRF token is not the CSRF page either
    browser.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    for caller in (client, api_client(), browser):  # signed in or not: nothing to tell either way
        response = getattr(caller, method)(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        [error] = response.json()["errors"]
        assert (error["index"], error["field"], error["code"]) == (None, None, "not_found")
        assert error["message"] == f"No endpoint at {path}. The endpoints are listed at /api/v1/docs/."


def test_an_endpoint_without_its_final_slash(world, official_client):
    client, _user = official_client(Role.VIEWER, Level.COMMUNE, world.c1)
    redirected = client.get("/api/v1/works?status=approved")
    assert redirected.status_code == 301 and redirected["Location"] == "/api/v1/works/?status=approved"
    posted = client.post("/api/v1/progress-reports/bulk", {"items": []}, format="json")
    assert posted.status_code == 404
    assert "did you mean /api/v1/progress-reports/bulk/" in posted.json()["errors"][0]["message"]


def test_the_message_is_in_the_callers_language(world, official_client):
    client, _user = official_client(Role.VIEWER, Level.COMMUNE, world.c1)
    response = client.get("/api/v1/nothing-here/", HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 404 and response["Content-Language"] == "vi"
    with translation.override("vi"):
        expected = gettext("No endpoint at %(path)s. The endpoints are listed at /api/v1/docs/.")
    assert response.json()["errors"][0]["message"] == expected % {"path": "/api/v1/nothing-here/"}
