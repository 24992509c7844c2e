"""The permission matrix over the API's routes: every scoped list and object, for every role at every level,
answers only the jurisdiction's rows (another's object is 404); a user with no role is refused (403) on every
route, and nothing answers anonymously (test_tokens.py)."""

import pytest
from django.contrib.auth.models import User

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from tests.test_permission_matrix import CASES, SCOPED_BUILDERS

pytestmark = pytest.mark.django_db

ROUTES = {
    "works": "tracker.work",
    "allocations": "tracker.allocation",
    "disbursements": "tracker.disbursement",
    "progress-reports": "tracker.progressreport",
    "households": "tracker.household",
    "poverty-assessments": "tracker.povertyassessment",
    "supports": "tracker.support",
    "villages": "localities.village",
    "capital-plan-entries": "programs.capitalplanentry",
}
REFERENCE_ROUTES = ["provinces", "communes", "programs", "components"]


@pytest.fixture
def world(module_world, db):
    return module_world


@pytest.mark.parametrize(("role", "level"), CASES, ids=lambda v: str(v))
@pytest.mark.parametrize("route", list(ROUTES))
def test_scoped_routes_answer_the_jurisdiction_only(world, official_client, route, role, level):
    unit = {Level.NATIONAL: None, Level.PROVINCE: world.p1, Level.COMMUNE: world.c1}[level]
    client, _user = official_client(role, level, unit)
    builder = SCOPED_BUILDERS[ROUTES[route]]
    inside, outside = builder(world.c1), builder(world.c3)
    listing = client.get(f"/api/v1/{route}/", {"id_scheme": "id", "page_size": 500})
    assert listing.status_code == 200, (route, listing.content)
    keys = {row["id"] for row in listing.json()["results"]}
    assert inside.pk in keys, f"{route}: {role}@{level} misses a row inside"
    assert (outside.pk in keys) == (level == Level.NATIONAL), f"{route}: {role}@{level} outside"
    assert client.get(f"/api/v1/{route}/{inside.pk}/").status_code == 200
    assert client.get(f"/api/v1/{route}/{outside.pk}/").status_code == (200 if level == Level.NATIONAL else 404)


@pytest.mark.parametrize("route", [*ROUTES, *REFERENCE_ROUTES, "works/deleted", "summary"])
def test_a_user_without_a_role_is_refused_everywhere(world, api_client, route):
    client = api_client(User.objects.create_user(username=f"nobody-{route.replace('/', '-')}"))
    response = client.get(f"/api/v1/{route}/")
    assert response.status_code == 403, route
    assert response.json()["errors"][0]["code"] == "permission_denied"


@pytest.mark.parametrize("route", REFERENCE_ROUTES)
@pytest.mark.parametrize("role", [Role.VIEWER, Role.DATA_ENTRY, Role.APPROVER])
def test_reference_routes_are_read_by_every_role(world, official_client, route, role):
    client, _user = official_client(role, Level.COMMUNE, world.c1)
    assert client.get(f"/api/v1/{route}/").status_code == 200
