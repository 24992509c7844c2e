"""Many works at once (`services.works_create_many`, the works import's path for new rows): the same works,
history, villages and refusals as `work_create` one by one, in a number of queries that does not grow
with the batch."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from imports.engine import run_import
from imports.registry import get_kind
from kernel.access import JurisdictionLevelChoices as Level
from kernel.history import ChangePathChoices, change_path
from localities.choices import RoleChoices as Role
from localities.models import Village
from localities.services import village_create
from tests.localities.factories import VillageFactory
from tests.tracker.factories import WorkFactory
from tests.tracker.imports.test_works import csv_file, row
from tracker import services
from tracker.choices import CapacityUnitChoices, WorkStatusChoices, WorkTypeChoices
from tracker.models import Work

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(world, make_official):
    return make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)


def item(code, commune, components, villages=(), **fields):
    values = {
        "code": code,
        "name": f"Đường bê tông nội thôn {code}",
        "commune_id": commune.pk,
        "work_type": WorkTypeChoices.ROAD_IN_VILLAGE,
        "capacity": Decimal("0.38"),
        "capacity_unit": CapacityUnitChoices.KM,
        "approved_investment": 212_600_000,
        "start_date": datetime.date(2022, 8, 31),
        "components": list(components),
        "villages": list(villages),
    }
    values.update(fields)
    return values


def one_by_one(items, user):
    """`work_create` for each item in its savepoint, its new villages added first (as the import does)."""
    outcomes, made = [], {}
    for values in items:
        fresh = {}
        try:
            with transaction.atomic():
                villages = []
                for village in values["villages"]:
                    if isinstance(village, Village) and village.pk is None:
                        key = (village.commune_id, village.name)
                        village = (
                            made.get(key)
                            or fresh.get(key)
                            or village_create(user=user, commune_id=village.commune_id, name=village.name)
                        )
                        fresh[key] = village
                    villages.append(village)
                outcomes.append(services.work_create(**{**values, "villages": villages}, user=user))
        except (ValidationError, PermissionDenied) as error:
            outcomes.append(error)
            continue
        made.update(fresh)
    return outcomes


def refusal(outcome):
    if isinstance(outcome, ValidationError):
        return ("invalid", outcome.message_dict if hasattr(outcome, "error_dict") else outcome.messages)
    if isinstance(outcome, PermissionDenied):
        return ("denied", str(outcome))
    return ("saved", outcome.code)


WORK_FIELDS = [
    f.attname for f in Work._meta.concrete_fields if f.attname not in {"id", "code", "created_at", "updated_at"}
]


def written(code):
    """A work as stored and its history, in order: what does not depend on when or under which key."""
    work = Work.objects.get(code=code)
    history = [
        (
            r.history_type,
            r.history_user_id,
            r.history_path,
            r.history_change_reason,
            sorted(c.component_id for c in r.components.all()),
            sorted(Village.objects.get(pk=v.village_id).name for v in r.villages.all()),
            {name: getattr(r, name) for name in WORK_FIELDS},
        )
        for r in work.history.order_by("history_date", "history_id")
    ]
    return (
        {name: getattr(work, name) for name in WORK_FIELDS},
        sorted(c.pk for c in work.components.all()),
        sorted(v.name for v in work.villages.all()),
        history,
    )


def test_the_batch_writes_the_works_and_history_one_by_one_writes(world, clerk, components):
    known = VillageFactory(commune=world.c1, name="Khau Mu")
    shapes = [
        {"components": [components["infra"]], "villages": [known]},
        {"components": [components["water"], components["ntm"], components["water"]], "villages": []},
        {"components": [components["infra"]], "villages": [known, known.pk]},
        {"components": [], "villages": [known], "status": WorkStatusChoices.UNDER_CONSTRUCTION},
    ]
    with change_path(ChangePathChoices.IMPORT):
        single = one_by_one(
            [item(f"ONE-{i}", world.c1, name=f"W {i}", **shape) for i, shape in enumerate(shapes)], clerk
        )
        many = services.works_create_many(
            [item(f"MANY-{i}", world.c1, name=f"W {i}", **shape) for i, shape in enumerate(shapes)], user=clerk
        )
    assert all(isinstance(w, Work) and w.pk for w in [*single, *many])
    for index in range(len(shapes)):
        one, batch = written(f"ONE-{index}"), written(f"MANY-{index}")
        assert batch == one
        steps = 1 + bool(shapes[index]["components"]) + bool(shapes[index]["villages"])
        assert [step[0] for step in batch[3]] == ["+", "~", "~"][:steps]
        assert {(step[1], step[2]) for step in batch[3]} == {(clerk.pk, ChangePathChoices.IMPORT)}
    # The records of a work follow one another (a record's change is read against the one before it).
    records = list(Work.objects.get(code="MANY-0").history.order_by("history_date"))
    assert records[1].prev_record == records[0]
    tracked = [f.attname for f in Work.history.model.tracked_fields]
    for work in many:
        work.refresh_from_db()
        record = work.history.earliest("history_date")
        assert {n: getattr(record, n) for n in tracked} == {n: getattr(work, n) for n in tracked}


def test_a_new_village_is_added_once_with_the_first_work_written(world, clerk, components):
    shared = Village(commune=world.c1, name="Bản Mới")
    items = [
        item("W-A", world.c1, [components["infra"]], villages=[shared], approved_investment=-1),  # refused
        item("W-B", world.c1, [components["infra"]], villages=[shared]),
        item("W-C", world.c1, [components["water"]], villages=[shared, Village(commune=world.c1, name="Nà Lẹng")]),
    ]
    with change_path(ChangePathChoices.IMPORT):
        outcomes = services.works_create_many(items, user=clerk)
    assert [refusal(o)[0] for o in outcomes] == ["invalid", "saved", "saved"]
    village = Village.objects.get(commune=world.c1, name="Bản Mới")
    assert shared.pk == village.pk
    assert set(village.works.values_list("code", flat=True)) == {"W-B", "W-C"}
    [record] = village.history.all()
    assert (record.history_type, record.history_user, record.history_path) == ("+", clerk, ChangePathChoices.IMPORT)
    assert written("W-C")[2] == ["Bản Mới", "Nà Lẹng"]
    assert not Work.objects.filter(code="W-A").exists()


def refused_items(world, components):
    WorkFactory(code="TAKEN", commune=world.c1)
    infra = [components["infra"]]
    return [
        item("OK-1", world.c1, infra),
        item("BAD-DATES", world.c1, infra, actual_completion_date=datetime.date(2022, 1, 1)),
        item("BAD-UNIT", world.c1, infra, capacity_unit=""),
        item("BAD-DONE", world.c1, infra, status=WorkStatusChoices.COMPLETED, approved_investment=-5),
        item("SMALL", world.c1, infra, is_small_work=True, approved_investment=6_000_000_000),
        item("TAKEN", world.c1, infra),
        item("X" * 41, world.c1, infra, name=""),
        item("NO-COMMUNE", world.c1, infra, commune_id=999_999),
        item("ELSEWHERE", world.c3, infra),
        item("NEW-VILLAGE", world.c1, infra, villages=[Village(commune=world.c1, name="N" * 121)]),
        item("OK-2", world.c1, infra),
        item("OK-2", world.c1, infra),  # a code twice: the second is refused as already recorded
    ]


@pytest.mark.parametrize("fallback", [False, True], ids=["batch", "one-by-one"])
@pytest.mark.parametrize("who", ["clerk", "viewer", "system"])
def test_the_batch_refuses_what_one_by_one_refuses_with_the_same_messages(
    world, components, make_official, who, fallback
):
    user = {
        "clerk": lambda: make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1),
        "viewer": lambda: make_official(Role.VIEWER, Level.PROVINCE, world.p1),
        "system": lambda: None,
    }[who]()
    items = refused_items(world, components)
    if not fallback:  # without what only the database or the saved row can refuse (the batch is then redone)
        items = [i for i in items[:-1] if i["code"] != "ELSEWHERE"]
    with transaction.atomic():
        expected = [refusal(o) for o in one_by_one(items, user)]
        transaction.set_rollback(True)
    before = (Work.objects.count(), Work.history.count(), Village.objects.count())
    with CaptureQueriesContext(connection) as queries:
        outcomes = services.works_create_many(items, user=user)
    assert [refusal(o) for o in outcomes] == expected
    saved = [o for o in outcomes if isinstance(o, Work)]
    assert (Work.objects.count(), Work.history.count(), Village.objects.count()) == (
        before[0] + len(saved),
        before[1] + 2 * len(saved),
        before[2],
    )
    kinds = [kind for kind, _ in expected]
    assert expected[5][1] == {"code": ["Work with this Code already exists."]}
    if who == "viewer":
        assert set(kinds) == {"invalid", "denied"}
    else:
        assert kinds.count("saved") == 2 + (who == "system" and fallback)
        assert kinds.count("denied") == (who == "clerk" and fallback)
    if fallback and who != "viewer":
        assert expected[-1][1] == {"code": ["Work with this Code already exists."]}
    else:  # written together, in one savepoint (a refused item's message is `full_clean`'s, at its cost)
        for table in ("tracker_work", "tracker_historicalwork"):
            inserts = [q["sql"] for q in queries if q["sql"].startswith(f'INSERT INTO "{table}" ')]
            assert len(inserts) == (who != "viewer")


def test_a_batch_of_many_takes_the_queries_of_a_batch_of_two(world, clerk, components):
    known = VillageFactory(commune=world.c1, name="Khau Mu")

    def batch(prefix, size):
        return [
            item(
                f"{prefix}-{i}",
                world.c1 if i % 2 else world.c2,
                [components["infra"], components["ntm"]],
                villages=[known, Village(commune=world.c1 if i % 2 else world.c2, name=f"{prefix} {i}")],
                status=WorkStatusChoices.COMPLETED,
                actual_completion_date=datetime.date(2022, 12, 9),
            )
            for i in range(size)
        ]

    services.works_create_many(batch("WARM", 1), user=clerk)  # the official's permissions, read once
    statements = []
    for prefix, size in (("S", 2), ("M", 10), ("L", 40)):
        items = batch(prefix, size)
        with CaptureQueriesContext(connection) as queries:
            outcomes = services.works_create_many(items, user=clerk)
        assert all(isinstance(o, Work) for o in outcomes)
        assert Village.objects.filter(name__startswith=f"{prefix} ").count() == size
        statements.append([q["sql"].split(" (")[0].split(' "s')[0] for q in queries])  # savepoints unnamed
    assert len(statements[0]) == 18
    assert statements[1] == statements[0]
    # Only the backend's limit of parameters a statement takes (SQLite's 999) cuts a long insert in several.
    assert sorted(set(statements[2])) == sorted(set(statements[0]))


# ---------------------------------------------------------------------------------------------------------
# The import: new rows a chunk at a time, as row by row


def imported_state(codes, villages):
    works = {code: written(code) for code in codes if Work.objects.filter(code=code).exists()}
    added = sorted(Village.objects.filter(name__in=villages).values_list("commune_id", "name"))
    return works, added


def summary(result):
    return (
        result.ok,
        result.written,
        (result.rows, result.new, result.changed, result.unchanged),
        dict(result.created),
        {what: sorted(names) for what, names in result.named.items()},
        sorted((e.row, e.column, str(e.message)) for e in result.errors),
    )


def both_ways(data, user, codes, villages):
    """The import row by row, then (on the same database) a chunk at a time: their results and what each
    wrote."""
    outcomes = []
    for batched in (False, True):
        kind = type(get_kind("works"))()
        kind.batched = batched
        with transaction.atomic():
            result = run_import(kind, data, user=user, filename="works.csv")
            outcomes.append((summary(result), imported_state(codes, villages)))
            transaction.set_rollback(True)
    return outcomes


def test_rows_that_depend_on_one_another_import_as_row_by_row(world, clerk, components):
    VillageFactory(commune=world.c1, name="Khau Mu")
    WorkFactory(code="OLD", commune=world.c1)
    data = csv_file(
        row("W-001", world.c1, villages='"Khau Mu; Bản Mới"'),
        row("OLD", world.c1, villages='"Bản Mới; Pác Pài"', component="DA1"),  # updates a work, adds a village
        row("W-002", world.c1, villages='"bản mới, Pác Pài"'),  # the villages the rows above add
        row("W-001", world.c1, villages="Khau Mu"),  # the code again: a duplicate
        row("W-003", world.c2, villages="Bản Mới"),  # another commune: another village
        row("W-004", world.c1, villages="Nà Lẹng", start="31/12/2022"),  # completed before it started
        row("W-005", world.c1, villages="Nà Lẹng"),
    )
    codes = ["W-001", "W-002", "W-003", "W-004", "W-005", "OLD"]
    villages = ["Bản Mới", "bản mới", "Pác Pài", "Nà Lẹng"]
    (rows, stored), (batch_rows, batch_stored) = both_ways(data, clerk, codes, villages)
    assert batch_rows == rows
    assert batch_stored == stored
    assert not rows[1]  # the file has errors: nothing was kept
    errors = {(row_number, message) for row_number, _column, message in rows[5]}
    assert (5, "Duplicate of row 2: the same work code.") in errors
    assert any(n == 7 and "completion" in m for n, m in errors)

    good = csv_file(*(r for i, r in enumerate(data.decode("utf-8-sig").strip().split("\n")[1:]) if i not in (3, 5)))
    (rows, stored), (batch_rows, batch_stored) = both_ways(good, clerk, codes, villages)
    assert rows[:2] == (True, True)
    assert (batch_rows, batch_stored) == (rows, stored)
    works, added = stored
    assert added == sorted(
        [(world.c1.pk, "Bản Mới"), (world.c1.pk, "Pác Pài"), (world.c1.pk, "Nà Lẹng"), (world.c2.pk, "Bản Mới")]
    )
    assert works["W-002"][2] == ["Bản Mới", "Pác Pài"]
    assert works["OLD"][2] == ["Bản Mới", "Pác Pài"]
    assert rows[3]["villages"] == 4


def test_a_refused_row_leaves_nothing_of_the_import(world, clerk, components):
    data = csv_file(
        row("W-001", world.c1, villages="Bản Mới"),
        row("W-002", world.c1, villages="Nà Lẹng", small="x", investment="6000"),
    )
    result = run_import("works", data, user=clerk, filename="works.csv")
    assert not result.written and result.error_rows == 1, result.summary()
    assert (result.new, result.created["villages"]) == (1, 1)  # the refused row's village is not added
    assert not Work.objects.filter(code__in=["W-001", "W-002"]).exists()
    assert not Work.history.filter(code__in=["W-001", "W-002"]).exists()
    assert not Village.objects.filter(name__in=["Bản Mới", "Nà Lẹng"]).exists()
    assert not Village.history.filter(name__in=["Bản Mới", "Nà Lẹng"]).exists()


def test_two_spellings_of_one_new_village_are_written_as_the_first_row_spells_it(world, clerk, components):
    data = csv_file(
        row("W-001", world.c1, villages="Bản Mới", actual="01/01/2022"),  # refused: before its start
        row("W-002", world.c1, villages="ban moi"),
        row("W-003", world.c1, villages="Bản Mới"),
    )
    (rows, stored), (batch_rows, batch_stored) = both_ways(data, clerk, ["W-002", "W-003"], ["Bản Mới", "ban moi"])
    assert (batch_rows, batch_stored) == (rows, stored)
    assert rows[3] == {"villages": 1}
