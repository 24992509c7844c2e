"""What fuzzing the API (bench/fuzz_api.sh, schemathesis) found, each kept fixed:
- a parameter holding a `%` (`?province=%`) is refused with its message (django-filter formatted the message
  a second time: a 500);
- a key too large for any database is the client's error (400), not a server error (SQLite overflowed);
  in a bulk post, an item naming such a `work_id` is refused as that item;
- a cursor the list did not give is a 400 naming `cursor` (it was a 404, or a 500 when its position was not
  a key);
- every operation documents the answers of the one error format (400, 401, 403, 404, 429; 409 and 415 for
  writes; 412 and 428 where If-Match is required; 304 where If-None-Match is read), which the schema left
  out, so that a generated client could not read a refusal; no parameter's schema has a title (the filter's
  translated label, after which generators named their types: `WorksListTìNhTrẠNg`);
- the keys of a many-to-many field are read from the page's prefetch: the same keys, in the same order, as
  without it."""

import base64

import pytest

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from tests.programs.factories import ComponentFactory
from tracker.api.serializers import WorkSerializer
from tracker.models import Work

pytestmark = pytest.mark.django_db
TOO_LARGE = "99999999999999999999"  # beyond a signed 64-bit integer: SQLite overflowed on it


@pytest.fixture
def viewer(world, official_client):
    client, _user = official_client(Role.VIEWER, Level.COMMUNE, world.c1)
    return client


@pytest.mark.parametrize(
    "url, field",
    [
        (f"/api/v1/works/?commune={TOO_LARGE}", "commune"),
        (f"/api/v1/works/?province={TOO_LARGE}", "province"),
        (f"/api/v1/households/?commune={TOO_LARGE}", "commune"),
        (f"/api/v1/works/?commune=-{TOO_LARGE}", "commune"),
    ],
)
def test_a_key_too_large_for_any_database_is_a_400_naming_the_parameter(viewer, url, field):
    response = viewer.get(url)
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["field"] == field and error["code"] == "invalid"
    assert TOO_LARGE in error["message"]


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/v1/progress-reports/?province=%25", "province"),
        ("/api/v1/supports/?year=%25s%25d", "year"),
        ("/api/v1/works/?updated_since=%25(value)s", "updated_since"),
        ("/api/v1/households/?commune=100%25", "commune"),
    ],
)
def test_a_parameter_holding_a_percent_sign_is_refused_with_its_message(viewer, url, field):
    response = viewer.get(url)
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["field"] == field and error["code"] == "invalid"
    typed = url.split("=", 1)[1].replace("%25", "%")
    assert f"“{typed}”" in error["message"]


def test_the_largest_key_a_database_holds_is_still_read(viewer):
    response = viewer.get(f"/api/v1/works/?commune={2**63 - 1}")
    assert response.status_code == 200
    assert response.json()["results"] == []


def _cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [_cursor("p=abc"), _cursor("p=1.5"), "not base64 at all", "%F2%AD%86%B3.%F4%85%88%9F", _cursor("o=x")],
)
def test_a_cursor_the_list_did_not_give_is_a_400_naming_it(viewer, cursor):
    response = viewer.get("/api/v1/works/", {"cursor": cursor})
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["field"] == "cursor" and error["code"] == "invalid"
    assert "next" in error["message"]


def test_a_cursor_the_list_gave_still_pages(world, viewer):
    first = viewer.get("/api/v1/works/", {"page_size": 1}).json()
    second = viewer.get(first["next"]).json()
    assert second["results"] and second["results"][0]["id"] > first["results"][0]["id"]


def test_every_operation_documents_the_error_answers(viewer):
    schema = viewer.get("/api/v1/schema/", {"format": "json"}).json()
    assert "Errors" in schema["components"]["schemas"]
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            expected = {"400", "401", "403", "404", "429"}
            if method in {"post", "put", "patch", "delete"}:
                expected |= {"409", "415"} - ({"415"} if method == "delete" else set())
            if "If-Match" in headers:
                expected |= {"412", "428"}
            if "If-None-Match" in headers:
                expected.add("304")
            titled = [p["name"] for p in operation.get("parameters", []) if "title" in p.get("schema", {})]
            assert not titled, (method, path, titled)  # generators name types after it, in the request's language
            absent = expected - set(operation["responses"])
            if absent:
                missing.append((method.upper(), path, sorted(absent)))
    assert not missing, missing
    patch = schema["paths"]["/api/v1/works/{key}/"]["patch"]["responses"]
    assert patch["428"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Errors"}


def test_many_keys_are_the_same_read_from_the_prefetch_or_not(world, viewer):
    work = world.works["c1"]
    work.components.add(ComponentFactory(program=work.components.first().program))
    expected = [component.pk for component in work.components.all()]
    assert len(expected) == 2
    listed = {row["id"]: row for row in viewer.get("/api/v1/works/").json()["results"]}
    assert listed[work.pk]["components"] == expected
    assert WorkSerializer(Work.objects.get(pk=work.pk)).data["components"] == expected


def test_a_bulk_item_naming_a_work_id_too_large_for_any_database_is_refused_as_that_item(world, make_official):
    from tracker.bulk import record_many

    user = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    item = {"work_id": int(TOO_LARGE), "reported_on": "2026-11-05", "progress_percent": 40, "status": "construction"}
    result = record_many("progress", [item], user=user, dry_run=True).as_dict()
    assert result["created"] == 0 and result["refused"] == 1
    [error] = result["errors"]
    assert error["index"] == 0 and error["field"] == "work_id" and TOO_LARGE in error["message"]
