"""restrict(user, action): one place decides who may do what where (the where: jurisdictions; the whole
role-by-action table is in tests/test_permission_matrix.py)."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from localities.models import Commune, Province
from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from programs.models import CapitalPlanEntry
from tests.programs.factories import ComponentFactory
from tracker import services
from tracker.models import Allocation, Household, Support, Work

pytestmark = pytest.mark.django_db


def codes(queryset, world, mapping):
    by_pk = {obj.pk: name for name, obj in mapping.items()}
    return {by_pk[pk] for pk in queryset.values_list("pk", flat=True) if pk in by_pk}


@pytest.mark.parametrize(
    ("level", "unit", "expected"),
    [
        (Level.NATIONAL, None, {"c1", "l1", "c2", "c3"}),
        (Level.PROVINCE, "p1", {"c1", "l1", "c2"}),
        (Level.PROVINCE, "p2", {"c3"}),
        (Level.COMMUNE, "c1", {"c1", "l1"}),  # a current commune covers the legacy commune merged into it
        (Level.COMMUNE, "c2", {"c2"}),
    ],
)
def test_jurisdiction_decides_works_households_and_their_records(world, make_official, level, unit, expected):
    user = make_official(Role.VIEWER, level, getattr(world, unit) if unit else None)
    assert codes(Work.objects.restrict(user), world, world.works) == expected
    assert codes(Household.objects.restrict(user), world, world.households) == expected
    allocations = {name: work.allocations.get() for name, work in world.works.items()}
    assert codes(Allocation.objects.restrict(user), world, allocations) == expected
    # The role decides what: a viewer changes nothing, wherever it is.
    assert not Work.objects.restrict(user, "change").exists()


def test_superuser_sees_everything_and_a_user_without_jurisdiction_nothing(world):
    root = User.objects.create_superuser(username="root", password="x-Secret-123")
    nobody = User.objects.create_user(username="nobody", password="x-Secret-123", is_staff=True)
    assert codes(Work.objects.restrict(root), world, world.works) == {"c1", "l1", "c2", "c3"}
    assert not Work.objects.restrict(nobody).exists()
    nobody.is_active = False
    assert not Work.objects.restrict(nobody).exists()


def test_units_one_may_record_data_in(world, make_official):
    commune_official = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    assert set(Commune.objects.in_jurisdiction(commune_official)) == {world.c1, world.l1}
    province_official = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    assert set(
        Commune.objects.in_jurisdiction(province_official).filter(
            pk__in=[world.c1.pk, world.c2.pk, world.c3.pk, world.l1.pk]
        )
    ) == {world.c1, world.c2, world.l1}
    assert set(Province.objects.in_jurisdiction(province_official)) == {world.p1}
    # Reference data is read by everybody.
    assert Commune.objects.restrict(commune_official).filter(pk=world.c3.pk).exists()


def test_province_level_plan_entries_belong_to_the_province(world, make_official):
    component = ComponentFactory()
    common = {
        "component": component,
        "year": 2024,
        "source": CapitalSourceChoices.CENTRAL,
        "capital_type": CapitalTypeChoices.INVESTMENT,
        "amount": 10,
        "decided_on": datetime.date(2024, 1, 1),
    }
    province_entry = CapitalPlanEntry.objects.create(province=world.p1, **common)
    commune_entry = CapitalPlanEntry.objects.create(province=world.p1, commune=world.c1, **common)
    other = CapitalPlanEntry.objects.create(province=world.p2, **common)
    province_official = make_official(Role.VIEWER, Level.PROVINCE, world.p1)
    commune_official = make_official(Role.VIEWER, Level.COMMUNE, world.c1)
    assert set(CapitalPlanEntry.objects.restrict(province_official)) == {province_entry, commune_entry}
    assert set(CapitalPlanEntry.objects.restrict(commune_official)) == {commune_entry}
    assert other not in CapitalPlanEntry.objects.restrict(commune_official)


def test_a_service_refuses_to_write_outside_the_jurisdiction_and_writes_nothing(world, make_official):
    official = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    outside = world.works["c3"]
    with pytest.raises(PermissionDenied):
        services.disbursement_record(
            work=outside,
            year=2024,
            source=CapitalSourceChoices.CENTRAL,
            capital_type=CapitalTypeChoices.INVESTMENT,
            amount=1_000,
            voucher_number="X-1",
            paid_on=datetime.date(2024, 3, 1),
            user=official,
        )
    assert not outside.disbursements.exists()
    with pytest.raises(PermissionDenied):
        services.support_record(
            household=world.households["c3"],
            component=ComponentFactory(),
            year=2024,
            kind="livestock",
            quantity=1,
            user=official,
        )
    assert not Support.objects.exists()
    with pytest.raises(PermissionDenied):
        services.household_register(
            code="HH-OUT",
            head_name="Lò Văn B",
            ethnic_group=world.households["c3"].ethnic_group,
            commune=world.c3,
            village=world.households["c3"].village,
            member_count=2,
            user=official,
        )
    assert not Household.objects.filter(code="HH-OUT").exists()
    # Inside, the same official may write.
    services.disbursement_record(
        work=world.works["l1"],
        year=2024,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=1_000,
        voucher_number="X-2",
        paid_on=datetime.date(2024, 3, 1),
        user=official,
    )


def test_the_role_decides_what_in_the_same_call(world, make_official):
    entry = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    assert codes(Work.objects.restrict(entry, "change"), world, world.works) == {"c1", "l1"}
    assert not Work.objects.restrict(entry, "delete").exists()  # data entry deletes no work
    assert codes(Household.objects.restrict(entry, "view_personal_data"), world, world.households) == {"c1", "l1"}
    approver = make_official(Role.APPROVER, Level.PROVINCE, world.p1)
    assert not Household.objects.restrict(approver, "view_personal_data").exists()
    with pytest.raises(ValueError, match="Unknown action"):
        Work.objects.restrict(entry, "edit")


def test_a_service_refuses_what_the_role_does_not_allow_and_writes_nothing(world, make_official):
    viewer = make_official(Role.VIEWER, Level.COMMUNE, world.c1)
    with pytest.raises(PermissionDenied, match="role does not allow you to add"):
        services.disbursement_record(
            work=world.works["c1"],
            year=2024,
            source=CapitalSourceChoices.CENTRAL,
            capital_type=CapitalTypeChoices.INVESTMENT,
            amount=1_000,
            voucher_number="X-3",
            paid_on=datetime.date(2024, 3, 1),
            user=viewer,
        )
    assert not world.works["c1"].disbursements.exists()
