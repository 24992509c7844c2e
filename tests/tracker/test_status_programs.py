"""The program drill-down: program -> project -> sub-project -> province -> commune -> work, the same figures
at every level, a payment on a line funded by two programs shared between them to the last đồng."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from programs.choices import ComponentLevelChoices
from tests.programs.factories import ComponentFactory
from tests.tracker.factories import AllocationFactory
from tests.tracker.test_status_pages import numbers, pay, vnd
from tracker.querysets import _shares

pytestmark = pytest.mark.django_db


def url(name, *args, **extra):
    query = {"year": "2024", "as_of": "30/06/2024", **extra}
    with translation.override("vi"):
        return reverse(name, args=args) + "?" + "&".join(f"{k}={v}" for k, v in query.items())


@pytest.fixture
def shared(world):
    """Work C1 funded by program A's sub-project (1.000 million, from the world) and by program B (500
    million) on the same capital line; 400.000.001 đồng paid on that line before the date."""
    c1 = world.works["c1"]
    sub = c1.components.first()
    project = ComponentFactory(program=sub.program, code="DA9")
    sub.parent, sub.level, sub.code = project, ComponentLevelChoices.SUBPROJECT, "DA9.TDA1"
    sub.save()
    other = ComponentFactory()
    c1.components.add(other)
    AllocationFactory(work=c1, component=other, amount=500_000_000)
    pay(c1, 300_000_000, datetime.date(2024, 3, 1))
    pay(c1, 100_000_001, datetime.date(2024, 4, 1))
    pay(c1, 7_000_000, datetime.date(2024, 8, 1))  # after the date
    world.sub, world.project, world.other = sub, project, other
    return world


# A: 400.000.001 × 1.000/1.500 = 266.666.667,33; B: 133.333.333,67 → the left đồng to B's larger fraction.
A_PAID, B_PAID = 266_666_667, 133_333_334


def test_a_shared_payment_is_split_between_the_programs_to_the_last_dong(shared, make_official, client):
    client.force_login(make_official(Role.VIEWER, Level.NATIONAL))
    a = client.get(url("status:program", shared.sub.program_id)).content.decode()
    b = client.get(url("status:program", shared.other.program_id)).content.decode()
    assert numbers(a, "Tổng cộng")[2:5:2] == [vnd(1_000_000_000), vnd(A_PAID)]
    assert numbers(b, "Tổng cộng")[2:5:2] == [vnd(500_000_000), vnd(B_PAID)]
    assert A_PAID + B_PAID == 400_000_001
    # The project holds its sub-project's capital; the sub-project is listed under it.
    assert numbers(a, "DA9:")[2:5:2] == [vnd(1_000_000_000), vnd(A_PAID)]
    assert numbers(a, "— DA9.TDA1")[2:5:2] == [vnd(1_000_000_000), vnd(A_PAID)]
    assert numbers(a, shared.p1.name)[2:5:2] == [vnd(1_000_000_000), vnd(A_PAID)]


def test_drilling_down_a_sub_project_keeps_its_figures_at_every_level(shared, make_official, client):
    client.force_login(make_official(Role.VIEWER, Level.NATIONAL))
    levels = [
        (url("status:component", shared.sub.pk), shared.p1.name),
        (url("status:component", shared.sub.pk, province=shared.p1.pk), shared.c1.name),
        (url("status:component", shared.sub.pk, province=shared.p1.pk, commune=shared.c1.pk), shared.works["c1"].code),
    ]
    for address, row in levels:
        html = client.get(address).content.decode()
        assert numbers(html, row)[0] == "1"
        assert numbers(html, row)[2:5:2] == [vnd(1_000_000_000), vnd(A_PAID)], address
        assert numbers(html, "Tổng cộng")[2:5:2] == [vnd(1_000_000_000), vnd(A_PAID)], address
    later = client.get(url("status:component", shared.other.pk, as_of="01/09/2024")).content.decode()
    assert numbers(later, "Tổng cộng")[4] == vnd(B_PAID + 7_000_000 // 3)  # 7.000.000 × 500/1.500, rounded down


def test_a_commune_official_sees_only_their_communes_share(shared, make_official, client):
    client.force_login(make_official(Role.VIEWER, Level.COMMUNE, shared.c2))
    html = client.get(url("status:program", shared.sub.program_id)).content.decode()
    assert numbers(html, "Tổng cộng")[2:5:2] == [vnd(0), vnd(0)]
    other_province = client.get(url("status:component", shared.sub.pk, province=shared.p2.pk))
    assert other_province.status_code == 404


def test_the_program_pages_run_a_fixed_number_of_queries(shared, make_official, client):
    client.force_login(make_official(Role.VIEWER, Level.NATIONAL))

    def count(address):
        client.get(address)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(address).status_code == 200
        return len(queries)

    pages = [url("status:program", shared.sub.program_id), url("status:component", shared.sub.pk)]
    before = [count(page) for page in pages]
    for name in ("c2", "c3", "l1"):
        shared.works[name].components.add(shared.sub)
        AllocationFactory(work=shared.works[name], component=shared.sub, amount=3_000_000)
    assert [count(page) for page in pages] == before
    assert max(before) <= 12


@pytest.mark.parametrize(
    ("amount", "weights", "shares"),
    [
        (10, {1: (1, 1), 2: (1, 1), 3: (1, 1)}, {1: 4, 2: 3, 3: 3}),
        (-10, {1: (1, 1), 2: (2, 2)}, {1: -3, 2: -7}),
        (5, {1: (0, 4), 2: (0, 1)}, {1: 4, 2: 1}),  # nothing decided by the date: the later decisions weigh
        (5, {}, {None: 5}),
    ],
)
def test_a_payment_is_shared_in_whole_dong_adding_up_to_it(amount, weights, shares):
    assert _shares(amount, weights) == shares
    assert sum(_shares(amount, weights).values()) == amount
