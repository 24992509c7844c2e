"""API tokens: issued in the admin (the key shown once, only its hash kept), refused when revoked or expired,
their last use recorded; nothing answers without one (or a session)."""

import datetime
import hashlib

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from api.services import api_token_create, api_token_revoke
from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role

pytestmark = pytest.mark.django_db

LIST_ROUTES = [
    "provinces",
    "communes",
    "villages",
    "programs",
    "components",
    "capital-plan-entries",
    "works",
    "allocations",
    "disbursements",
    "progress-reports",
    "households",
    "poverty-assessments",
    "supports",
    "imports",
    "works/deleted",
    "summary",
    "schema",
    "docs",
]


@pytest.mark.parametrize("route", LIST_ROUTES)
def test_nothing_answers_anonymously(route):
    response = APIClient().get(f"/api/v1/{route}/")
    assert response.status_code == 401, route
    assert response["WWW-Authenticate"].startswith("Bearer")
    if route not in ("schema", "docs"):  # those answer in their own formats (YAML, HTML)
        assert response.json()["errors"][0]["code"] == "not_authenticated"


def test_the_key_is_kept_hashed_and_works_once_issued(world, make_official):
    user = make_official(Role.VIEWER, Level.COMMUNE, world.c1)
    token, key = api_token_create(user=user, name="provincial system")
    stored = ApiToken.objects.get(pk=token.pk)
    assert key.startswith("ntp_") and len(key) > 40
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {getattr(stored, f.attname) for f in ApiToken._meta.concrete_fields}
    assert key.startswith(stored.prefix)
    client = APIClient()
    assert stored.last_used_at is None
    for keyword in ("Bearer", "Token"):
        client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
        assert client.get("/api/v1/works/").status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


@pytest.mark.parametrize("state", ["revoked", "expired", "wrong", "inactive"])
def test_a_token_revoked_expired_unknown_or_of_an_inactive_official_is_refused(world, make_official, state):
    user = make_official(Role.VIEWER, Level.COMMUNE, world.c1)
    token, key = api_token_create(user=user, name="x")
    if state == "revoked":
        assert api_token_revoke(token=token)
        assert not api_token_revoke(token=token)
    elif state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    elif state == "wrong":
        key = key[:-2] + ("AA" if not key.endswith("AA") else "BB")
    else:
        User.objects.filter(pk=user.pk).update(is_active=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = client.get("/api/v1/works/")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "authentication_failed"


def test_the_admin_issues_a_token_shows_its_key_once_and_revokes_it(world, make_official, client):
    admin_user = make_official(Role.NATIONAL_ADMIN, Level.NATIONAL)
    official = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    client.force_login(admin_user)
    expires = timezone.localtime() + datetime.timedelta(days=30)
    response = client.post(
        reverse("admin:api_apitoken_add"),
        {
            "user": official.pk,
            "name": "Ứng dụng nhà thầu",
            "expires_at_0": expires.strftime("%d/%m/%Y"),
            "expires_at_1": expires.strftime("%H:%M:%S"),
        },
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user=official)
    shown = [str(m) for m in response.context["messages"]]
    keys = [
        part for text in shown for part in text.replace("<", " ").replace(">", " ").split() if part.startswith("ntp_")
    ]
    assert len(keys) == 1
    key = keys[0]
    assert hashlib.sha256(key.encode()).hexdigest() == token.key_hash
    # Never again: the token's pages do not show it.
    for url in (reverse("admin:api_apitoken_changelist"), reverse("admin:api_apitoken_change", args=[token.pk])):
        page = client.get(url)
        assert page.status_code == 200
        assert key not in page.content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/works/").status_code == 200
    client.post(
        reverse("admin:api_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert api.get("/api/v1/works/").status_code == 401


@pytest.mark.parametrize("role", [Role.DATA_ENTRY, Role.VIEWER, Role.APPROVER])
def test_officials_cannot_issue_tokens_in_the_admin(world, make_official, client, role):
    client.force_login(make_official(role, Level.PROVINCE, world.p1))
    assert client.get(reverse("admin:api_apitoken_add")).status_code == 403


def test_requests_are_throttled_per_token(world, make_official, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    user = make_official(Role.VIEWER, Level.COMMUNE, world.c1)
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "api": "3/minute"}
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        first, second = APIClient(), APIClient()
        first.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user, name='a')[1]}")
        second.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user, name='b')[1]}")
        answers = [first.get("/api/v1/programs/").status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        assert second.get("/api/v1/programs/").status_code == 200
        refused = first.get("/api/v1/programs/")
        assert refused.json()["errors"][0]["code"] == "throttled"
        assert "Retry-After" in refused
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original
