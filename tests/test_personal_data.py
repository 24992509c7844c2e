"""ID numbers and ethnicity (Decree 13/2023/NĐ-CP): whole only for roles with the personal-data permission,
masked on every other surface. The response bodies are scanned."""

import pytest
from django.urls import reverse

from kernel.access import JurisdictionLevelChoices as Level
from kernel.access import mask_id_number
from localities.choices import RoleChoices as Role
from tests.localities.factories import VillageFactory
from tests.tracker.factories import HouseholdFactory, PovertyStandardFactory
from tracker import services
from tracker.models import EthnicGroup

pytestmark = pytest.mark.django_db
ID_NUMBER = "006187654321"


@pytest.fixture
def household(world):
    group = EthnicGroup.objects.create(code="34", name="Xinh-mun")
    household = HouseholdFactory(
        id_number=ID_NUMBER, ethnic_group=group, village=VillageFactory(commune=world.c1), head_name="Triệu Văn Hữu"
    )
    PovertyStandardFactory()
    services.poverty_assessment_record(household=household, year=2022, status="poor")
    # A change, so that the history has a delta to show.
    household.id_number = "006187654322"
    household.save()
    household.id_number = ID_NUMBER
    household.save()
    return household


def surfaces(household):
    return [
        reverse("admin:tracker_household_changelist"),
        reverse("admin:tracker_household_changelist") + "?q=Hữu",
        reverse("admin:tracker_household_change", args=[household.pk]),
        reverse("admin:tracker_household_history", args=[household.pk]),
        reverse("admin:tracker_household_simple_history", args=[household.pk, household.history.first().history_id]),
        reverse("admin:tracker_povertyassessment_changelist"),
        reverse("admin:autocomplete") + "?app_label=tracker&model_name=povertyassessment&field_name=household&term=Hữu",
    ]


@pytest.mark.parametrize(
    ("role", "level"),
    [(Role.VIEWER, Level.COMMUNE), (Role.APPROVER, Level.PROVINCE), (Role.VIEWER, Level.NATIONAL)],
)
def test_roles_without_the_permission_never_see_an_id_number_or_ethnicity(
    household, world, make_official, client, role, level
):
    unit = {Level.COMMUNE: world.c1, Level.PROVINCE: world.p1, Level.NATIONAL: None}[level]
    client.force_login(make_official(role, level, unit))
    for url in surfaces(household):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert ID_NUMBER not in body, url
        assert "006187654322" not in body, url
        assert "Xinh-mun" not in body, url
    change = client.get(reverse("admin:tracker_household_change", args=[household.pk])).content.decode()
    assert mask_id_number(ID_NUMBER) in change
    assert "Triệu Văn Hữu" in change
    # Searching by ID number finds nothing for them.
    found = client.get(reverse("admin:tracker_household_changelist"), {"q": ID_NUMBER})
    assert list(found.context["cl"].result_list) == []


def test_data_entry_sees_them_whole(household, world, make_official, client):
    client.force_login(make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1))
    change = client.get(reverse("admin:tracker_household_change", args=[household.pk])).content.decode()
    assert ID_NUMBER in change
    assert "Xinh-mun" in change
    found = client.get(reverse("admin:tracker_household_changelist"), {"q": ID_NUMBER})
    assert [h.pk for h in found.context["cl"].result_list] == [household.pk]


@pytest.mark.parametrize(("value", "masked"), [("001234567889", "0012******89"), ("12345", "*****"), ("", "")])
def test_masking(value, masked):
    assert mask_id_number(value) == masked


def test_no_id_number_in_the_text_of_a_household(household):
    assert ID_NUMBER not in str(household)
    assert ID_NUMBER not in str(household.assessments.first())
