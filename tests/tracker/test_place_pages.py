"""A commune's and a village's pages show what the place holds: works with their capital, households, linked to
the lists, within the official's jurisdiction (issue 14)."""

import pytest
from django.urls import reverse

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from tests.tracker.factories import AllocationFactory
from tracker.models import Work

pytestmark = pytest.mark.django_db


def holdings(client, model, pk):
    response = client.get(reverse(f"admin:localities_{model}_change", args=[pk]))
    assert response.status_code == 200
    return response.context["holdings"], response.content.decode()


def test_a_communes_page_holds_its_works_and_households_as_its_lists_do(world, make_official, client):
    client.force_login(make_official(Role.VIEWER, Level.PROVINCE, world.p1))
    AllocationFactory(work=world.works["c1"], amount=250_000_000, year=2025)
    found, html = holdings(client, "commune", world.c1.pk)
    # The works recorded on the commune, as its list `?commune=` keeps them: 1.000.000.000 + 250.000.000 VND.
    assert found["works_count"] == 1
    assert found["allocated"] == "1,250,000,000"  # the English interface of the tests' messages
    assert found["households"] == "1"
    assert found["works_url"] == f"{reverse('admin:tracker_work_changelist')}?commune={world.c1.pk}"
    assert [row["code"] for row in found["work_rows"]] == [world.works["c1"].code]
    assert 'id="ntp-place-holdings"' in html and world.works["c1"].code in html
    listed = client.get(found["works_url"]).context["cl"].queryset
    assert set(listed.values_list("code", flat=True)) == {row["code"] for row in found["work_rows"]}
    # The legacy commune merged into it has its own page, with its own work.
    found, _html = holdings(client, "commune", world.l1.pk)
    assert [row["code"] for row in found["work_rows"]] == [world.works["l1"].code]


def test_a_village_page_holds_the_works_built_in_it_and_its_households(world, make_official, client):
    client.force_login(make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1))
    household = world.households["c2"]
    village = household.village
    work = world.works["c2"]
    work.villages.add(village)
    found, _html = holdings(client, "village", village.pk)
    assert (found["works_count"], found["households"]) == (1, "1")
    assert [row["code"] for row in found["work_rows"]] == [work.code]
    assert found["households_url"].endswith(f"?commune={village.commune_id}")


def test_another_jurisdictions_holdings_are_not_counted(world, make_official, client):
    # A commune official of c1 opens c2's page (reference data, readable by all): nothing of c2 is theirs.
    client.force_login(make_official(Role.VIEWER, Level.COMMUNE, world.c1))
    found, html = holdings(client, "commune", world.c2.pk)
    assert (found["works_count"], found["households"], found["work_rows"]) == (0, "0", [])
    assert world.works["c2"].code not in html
    assert Work.objects.filter(commune=world.c2).exists()
