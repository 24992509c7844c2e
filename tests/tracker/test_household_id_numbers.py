"""A head's ID number registered to another household is refused on every path; the refusal names that
household only inside the official's jurisdiction, and outside says "elsewhere": never where, never whose."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from tests.localities.factories import VillageFactory
from tests.test_permission_matrix import Level, Role
from tests.tracker.imports.test_households import csv_file, imported, row
from tracker import services
from tracker.models import Household

pytestmark = pytest.mark.django_db
TAKEN = "006187654321"
ELSEWHERE = "A household whose head has this ID number is already registered elsewhere."


@pytest.fixture
def theirs(world):
    """A household in C3 (province P2) whose head's ID number is TAKEN."""
    household = world.households["c3"]
    household.id_number = TAKEN
    household.save()
    return household


def _register(world, user, id_number=TAKEN, code="HH-NEW"):
    return services.household_register(
        code=code,
        head_name="Lý Văn Mới",
        ethnic_group=world.households["c1"].ethnic_group,
        id_number=id_number,
        commune=world.c1,
        village=world.households["c1"].village,
        member_count=3,
        user=user,
    )


def _secrets(household) -> list[str]:
    """What a refusal must not tell about somebody else's household."""
    return [household.code, household.head_name, household.commune.name, household.village.name, TAKEN]


def test_registering_a_taken_id_number_outside_says_elsewhere(world, theirs, make_official):
    official = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    with pytest.raises(ValidationError) as refused:
        _register(world, official)
    assert refused.value.message_dict == {"id_number": [ELSEWHERE]}
    assert not Household.objects.filter(code="HH-NEW").exists()


def test_registering_a_taken_id_number_inside_names_the_household(world, make_official):
    ours = world.households["c2"]
    ours.id_number = TAKEN
    ours.save()
    official = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    with pytest.raises(ValidationError) as refused:
        _register(world, official)
    assert refused.value.message_dict == {
        "id_number": [f"A household whose head has this ID number is already registered, as {ours.code}."]
    }


def test_correcting_an_id_number_to_a_taken_one_outside_says_elsewhere(world, theirs, make_official):
    official = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    ours = world.households["c1"]
    with pytest.raises(ValidationError) as refused:
        services.household_update(household=ours, id_number=TAKEN, user=official, version=ours.version)
    assert refused.value.message_dict == {"id_number": [ELSEWHERE]}
    ours.refresh_from_db()
    assert ours.id_number != TAKEN


def test_the_import_says_elsewhere_and_compares_no_id_number_of_someone_elses_household(world, theirs, make_official):
    call_command("loaddata", "ethnic_groups", verbosity=0)
    official = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    result = imported(csv_file(row("H-NEW", world.c1, id_number=TAKEN)), official)
    assert not result.written
    assert [e.message for e in result.errors] == [ELSEWHERE]
    # Their household's code with the right and a wrong ID number: the same refusal, no oracle.
    answers = []
    for guess in (TAKEN, "006187654322"):
        result = imported(csv_file(row(theirs.code, world.c1, id_number=guess)), official)
        assert not result.written
        answers.append([(e.column, e.message) for e in result.errors])
    assert answers[0] == answers[1]
    assert "outside your jurisdiction" in answers[0][0][1]


def test_the_admin_form_does_not_say_where_or_whose(world, theirs, make_official, client):
    client.force_login(make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1))
    village = VillageFactory(commune=world.c1)
    response = client.post(
        reverse("admin:tracker_household_add"),
        {
            "code": "HH-NEW",
            "head_name": "Lý Văn Mới",
            "id_number": TAKEN,
            "ethnic_group": theirs.ethnic_group.pk,
            "commune": world.c1.pk,
            "village": village.pk,
            "member_count": "3",
            "address": "",
            "assessments-TOTAL_FORMS": "0",
            "assessments-INITIAL_FORMS": "0",
            "supports-TOTAL_FORMS": "0",
            "supports-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200  # the form again, with the refusal
    assert not Household.objects.filter(code="HH-NEW").exists()
    errors = " ".join(str(e) for e in response.context["adminform"].form.errors.values())
    assert "already registered" in errors
    body = response.content.decode()
    for secret in _secrets(theirs)[:4]:
        assert secret not in body, secret
