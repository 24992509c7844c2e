"""Creating and changing works through the API: the services' rules and messages, writable keys only inside
the jurisdiction, optimistic concurrency by ETag (no If-Match 428, stale 412 saying who changed what),
history recording the token's official and the API path."""

import pytest

from kernel.access import JurisdictionLevelChoices as Level
from kernel.history import ChangePathChoices
from localities.choices import RoleChoices as Role
from tests.localities.factories import VillageFactory
from tests.programs.factories import ComponentFactory
from tracker.models import Work

pytestmark = pytest.mark.django_db


def new_work(world, component, **extra):
    return {
        "code": "W-API-1",
        "name": "Đường liên thôn Nà Mò",
        "work_type": "road_inter_village",
        "commune": f"code:{world.c1.code}",
        "components": [f"code:{component.program.code}:{component.code}"],
        "approved_investment": 1_500_000_000,
        **extra,
    }


@pytest.fixture
def entry(world, official_client):
    client, user = official_client(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    return client, user


def test_create_by_codes_answers_201_with_etag_and_history_by_the_token_official(world, entry):
    client, user = entry
    component = ComponentFactory()
    village = VillageFactory(commune=world.c1)
    response = client.post("/api/v1/works/", new_work(world, component, villages=[village.pk]), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    work = Work.objects.get(code="W-API-1")
    assert data["id"] == work.pk and data["commune"] == world.c1.pk
    assert data["components"] == [component.pk] and data["villages"] == [village.pk]
    assert data["allocated"] == 0 and data["progress_percent"] is None
    assert response["ETag"] == '"1"'
    assert response["Location"].endswith(f"/api/v1/works/{work.pk}/")
    # The row and its components' and villages' changes: each record by the token's official, through the API.
    records = list(work.history.all())
    assert {r.history_type for r in records} >= {"+"}
    assert {(r.history_user, r.history_path) for r in records} == {(user, ChangePathChoices.API)}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("commune", "c3"),
        ("commune", "code:99999"),
        ("components", "nonsense"),
        ("villages", "c3"),
    ],
)
def test_a_writable_key_outside_the_jurisdiction_is_an_error_of_its_field(world, entry, field, value):
    client, _user = entry
    component = ComponentFactory()
    body = new_work(world, component)
    if field == "commune":
        body["commune"] = world.c3.pk if value == "c3" else value
    elif field == "components":
        body["components"] = [value]
    else:
        body["villages"] = [VillageFactory(commune=world.c3).pk]
    response = client.post("/api/v1/works/", body, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert errors[0]["index"] is None
    assert "outside your jurisdiction" in errors[0]["message"] or "Expected the key" in errors[0]["message"]
    assert "%(" not in errors[0]["message"] and "{" not in errors[0]["message"]
    assert not Work.objects.filter(code="W-API-1").exists()


def test_the_services_rules_answer_with_their_fields(world, entry):
    client, _user = entry
    body = new_work(world, ComponentFactory(), code=world.works["c1"].code, status="completed")
    response = client.post("/api/v1/works/", body, format="json")
    assert response.status_code == 400
    fields = {e["field"]: e for e in response.json()["errors"]}
    assert "code" in fields and "actual_completion_date" in fields
    assert "completed work needs its actual completion date" in fields["actual_completion_date"]["message"]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.APPROVER])
def test_roles_that_do_not_write_works_are_refused(world, official_client, role):
    client, _user = official_client(role, Level.COMMUNE, world.c1)
    response = client.post("/api/v1/works/", new_work(world, ComponentFactory()), format="json")
    assert response.status_code == 403
    work = world.works["c1"]
    assert client.patch(f"/api/v1/works/{work.pk}/", {"name": "x"}, HTTP_IF_MATCH='"1"').status_code == 403


def test_an_update_needs_if_match_and_a_stale_one_is_refused(world, entry, official_client):
    client, user = entry
    other, other_user = official_client(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    other_user.first_name, other_user.last_name = "Lò Thị", "Mai"
    other_user.save()
    work = world.works["c1"]
    url = f"/api/v1/works/{work.pk}/"
    etag = client.get(url)["ETag"]

    missing = client.patch(url, {"name": "Đường mới"}, format="json")
    assert missing.status_code == 428
    assert missing.json()["errors"][0]["code"] == "version_required"

    # Two officials read the same version; the first to write wins.
    first = other.patch(url, {"name": "Đường bê tông Nà Mò", "investor": "UBND xã"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200, first.content
    assert first["ETag"] == f'"{int(etag.strip(chr(34))) + 1}"'
    assert first.json()["name"] == "Đường bê tông Nà Mò"

    stale = client.patch(url, {"note": "mine"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    [error] = stale.json()["errors"]
    assert error["code"] == "stale"
    assert "Lò Thị Mai" in error["message"] and "name" in error["message"]
    # In a client's words: nothing written, the ETag to read again; not the admin's "kept below".
    assert f'its ETag is now "{int(etag.strip(chr(34))) + 1}"' in error["message"]
    assert "below" not in error["message"] and "Nothing was written" in error["message"]
    work.refresh_from_db()
    assert work.note == "" and work.name == "Đường bê tông Nà Mò"

    again = client.patch(url, {"note": "mine"}, format="json", HTTP_IF_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again.json()["note"] == "mine"
    latest = work.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == user and latest.history_path == ChangePathChoices.API

    assert client.patch(url, {"note": "x"}, format="json", HTTP_IF_MATCH="v7").status_code == 400


def test_put_replaces_and_moves_only_within_the_jurisdiction(world, entry):
    client, _user = entry
    work = world.works["c1"]
    url = f"/api/v1/works/{work.pk}/"
    current = client.get(url)
    body = {key: value for key, value in current.json().items() if value is not None}
    body["commune"] = world.l1.pk
    moved = client.put(url, body, format="json", HTTP_IF_MATCH=current["ETag"])
    assert moved.status_code == 200, moved.content
    assert moved.json()["commune"] == world.l1.pk
    body["commune"] = world.c3.pk
    refused = client.put(url, body, format="json", HTTP_IF_MATCH=moved["ETag"])
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "commune"


def test_another_communes_work_cannot_be_changed(world, entry):
    client, _user = entry
    work = world.works["c3"]
    assert client.patch(f"/api/v1/works/{work.pk}/", {"name": "x"}, HTTP_IF_MATCH='"1"').status_code == 404


def test_a_session_write_needs_its_csrf_token(world, make_official):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1))
    assert client.get("/api/v1/works/").status_code == 200
    response = client.post("/api/v1/works/", {}, format="json")
    assert response.status_code == 403
