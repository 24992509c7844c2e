"""Security basics: login throttling, production settings that pass the deployment checks, refusals that say what
and why (a styled page; the API's own format)."""

import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from api.services import api_token_create
from kernel.access import JurisdictionLevelChoices as Level
from kernel.admin import permission_denied
from localities.choices import RoleChoices as Role
from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from programs.models import CapitalPlanEntry
from tests.programs.factories import ComponentFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def test_password_guessing_is_throttled(client, settings):
    User.objects.create_user(username="tinh.nhaplieu", password="right-Password-1", is_staff=True)
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"username": "tinh.nhaplieu", "password": "wrong", "next": "/admin/"})
        assert response.status_code == 200  # the login form again, with its error
    last_try = client.post(url, {"username": "tinh.nhaplieu", "password": "wrong", "next": "/admin/"})
    assert last_try.status_code == 429
    locked = client.post(url, {"username": "tinh.nhaplieu", "password": "right-Password-1", "next": "/admin/"})
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content or "Quá nhiều".encode() in locked.content
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not locked out by these failures.
    User.objects.create_user(username="xa.nhaplieu", password="right-Password-2", is_staff=True)
    other = client.post(url, {"username": "xa.nhaplieu", "password": "right-Password-2", "next": "/admin/"})
    assert other.status_code == 302


def test_a_successful_login_resets_the_count(client, settings):
    User.objects.create_user(username="official", password="right-Password-1", is_staff=True)
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(url, {"username": "official", "password": "wrong"})
    assert client.post(url, {"username": "official", "password": "right-Password-1"}).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(url, {"username": "official", "password": "wrong"})
    assert client.post(url, {"username": "official", "password": "right-Password-1"}).status_code == 302


def test_production_settings_pass_the_deployment_checks():
    env = {
        # the browser tests let their thread run the ORM beside Playwright's event loop; production does not
        **{name: value for name, value in os.environ.items() if name != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "test-" + "k" * 60,
        "DJANGO_ALLOWED_HOSTS": "ntp.example.gov.vn",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env["DJANGO_DEBUG"] = "0"
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


# -- a refusal is a page of the admin, in the interface's language, saying what and why -------------------------


def _plan_entry(commune):
    return CapitalPlanEntry.objects.create(
        component=ComponentFactory(),
        year=2025,
        province=commune.province,
        commune=commune,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=5_000_000_000,
        decided_on=datetime.date(2025, 1, 5),
    )


def _links(html: str) -> dict[str, str]:
    """The refusal page's links: text → address."""
    return {text.strip(): href for href, text in re.findall(r'<a class="button" href="([^"]+)">([^<]+)</a>', html)}


REFUSED_DELETE = {
    "vi": (
        "",
        "Bạn không có quyền xóa kế hoạch vốn",
        "Vai trò của bạn không cho phép xóa kế hoạch vốn.",
        {"Quay lại danh sách": "/admin/programs/capitalplanentry/", "Trang chủ": "/admin/"},
    ),
    "en": (
        "/en",
        "You may not delete capital plan entries",
        "Your role does not allow you to delete capital plan entries.",
        {"Back to the list": "/en/admin/programs/capitalplanentry/", "Home": "/en/admin/"},
    ),
}


@pytest.mark.parametrize("language", list(REFUSED_DELETE))
def test_a_delete_address_the_role_may_not_use_is_the_refusal_page(world, make_official, client, language):
    prefix, title, reason, links = REFUSED_DELETE[language]
    entry = _plan_entry(world.c1)
    client.force_login(make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1))
    response = client.get(f"{prefix}/admin/programs/capitalplanentry/{entry.pk}/delete/")
    assert response.status_code == 403
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert 'id="header"' in html and "admin/css/base.css" in html  # the admin's page, not a bare "403 Forbidden"
    assert f"<h1>{title}</h1>" in html
    assert f'<p class="errornote">{reason}</p>' in html
    assert _links(html) == links
    assert type(entry).objects.filter(pk=entry.pk).exists()
    # Posted anyway, the same page; nothing is deleted.
    posted = client.post(f"{prefix}/admin/programs/capitalplanentry/{entry.pk}/delete/", {"post": "yes"})
    assert posted.status_code == 403 and f"<h1>{title}</h1>" in posted.content.decode()
    assert type(entry).objects.filter(pk=entry.pk).exists()


def test_a_refusal_the_role_allows_but_the_admin_does_not_says_why(world, make_official, client):
    """A national administrator's role may delete plan entries, but a ledger's entries are never deleted."""
    entry = _plan_entry(world.c1)
    client.force_login(make_official(Role.NATIONAL_ADMIN, Level.NATIONAL))
    response = client.get(f"/en/admin/programs/capitalplanentry/{entry.pk}/delete/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>You may not delete capital plan entries</h1>" in html
    assert "never changed or deleted: a correction is a new adjustment entry" in html
    assert "ask a national administrator" not in html  # not a question of role
    assert _links(html) == {"Back to the list": "/en/admin/programs/capitalplanentry/", "Home": "/en/admin/"}


def test_a_page_of_no_model_refused_is_the_refusal_page(client):
    """The status pages ask for a role that reads works: a staff account without one is refused, in Vietnamese."""
    user = User.objects.create_user(username="khong.vai.tro", password="x-Secret-123", is_staff=True)
    client.force_login(user)
    response = client.get("/status/")
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="vi"' in html and 'id="header"' in html
    assert "<h1>Bạn không có quyền mở trang này</h1>" in html
    assert "Vai trò của bạn không được phép truy cập trang này." in html
    assert _links(html) == {"Trang chủ": "/admin/"}


def test_the_api_keeps_its_own_refusals(client):
    """Under /api/ a refusal stays in the API's error format (api/errors.py), whichever way it is raised."""
    _token, key = api_token_create(user=User.objects.create_user(username="no.role"), name="test")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = api.get("/api/v1/works/")
    assert response.status_code == 403 and response["Content-Type"].startswith("application/json")
    assert response.json()["errors"][0]["code"] == "permission_denied"

    raised = permission_denied(RequestFactory().get("/api/v1/works/"), PermissionDenied("Not yours."))
    assert raised.status_code == 403 and raised["Content-Type"].startswith("application/json")
    assert json.loads(raised.content) == {
        "errors": [{"index": None, "field": None, "code": "permission_denied", "message": "Not yours."}]
    }
