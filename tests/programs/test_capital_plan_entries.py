"""Capital plan entries as every path writes them (programs.services.capital_plan_entry_record)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from programs.models import CapitalPlanEntry
from programs.services import capital_plan_entry_record
from tests.programs.factories import ComponentFactory

pytestmark = pytest.mark.django_db


def _entry(world, **changes):
    return {
        "component": ComponentFactory(),
        "year": 2025,
        "province": world.p1,
        "commune": world.c1,
        "source": "central",
        "capital_type": "investment",
        "kind": "assigned",
        "amount": 1_500_000_000,
        "decided_on": datetime.date(2025, 3, 15),
        **changes,
    }


def test_a_commune_officials_entry_names_its_commune_whatever_sent_it(world, make_official):
    official = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    with pytest.raises(ValidationError) as refused:
        capital_plan_entry_record(user=official, **_entry(world, commune=None))
    assert list(refused.value.message_dict) == ["commune"]
    assert "a commune official enters the commune's own plan" in refused.value.message_dict["commune"][0]
    assert not CapitalPlanEntry.objects.exists()
    assert capital_plan_entry_record(user=official, **_entry(world)).commune == world.c1


def test_a_province_official_enters_capital_held_at_province_level(world, make_official):
    official = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    assert capital_plan_entry_record(user=official, **_entry(world, commune=None)).commune is None
