from io import StringIO

import pytest
from django.core.management import call_command


def pytest_configure(config):
    """Test speed only (nothing under test depends on it): users made by the tests hash their password with MD5.

    Django's default PBKDF2 (a million iterations) costs about half a second of CPU a user, and most tests make
    one (make_official, admin_client): over two CPU-minutes of the suite. Production settings are untouched.
    """
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with both generations of administrative units loaded once per session.

    Every test can rely on the real provinces, districts and communes (and the 2025 mapping) being there;
    factories use codes that cannot collide with them. Tests marked ``transaction=True`` flush the
    database when they finish, which removes the units for the tests that run after them: avoid them, or
    reload in the test.
    """
    output = StringIO()
    with django_db_blocker.unblock():
        call_command("load_localities", stdout=output)
    return output.getvalue()


@pytest.fixture(scope="module")
def localities_present(django_db_setup, django_db_blocker):
    """The administrative units, loaded again (for good: outside any test's transaction) if a transactional
    test that ran before this module on the same worker flushed them (the browser tests do)."""
    from localities.models import Commune

    with django_db_blocker.unblock():
        if not Commune.objects.exists():
            call_command("load_localities", stdout=StringIO())


@pytest.fixture(scope="session")
def localities_loaded(django_db_setup):
    """What ``load_localities`` printed when the session loaded the administrative units."""
    return django_db_setup


@pytest.fixture
def roles(db):
    """The officials' roles (permission groups), as `manage.py setup_roles` makes them."""
    from localities.roles import roles_setup

    roles_setup()


@pytest.fixture
def make_official(roles):
    """make_official(role, level, unit=None) → an active staff user holding that role and jurisdiction."""
    import itertools

    from django.contrib.auth.models import User

    from kernel.access import JurisdictionLevelChoices
    from localities.models import Official
    from localities.roles import role_group

    counter = itertools.count(1)

    def make(role, level, unit=None):
        user = User.objects.create_user(username=f"{role}-{level}-{next(counter)}", password="x-Secret-123")
        user.is_staff = True
        user.save()
        user.groups.add(role_group(role))
        province = unit if level == JurisdictionLevelChoices.PROVINCE else getattr(unit, "province", None)
        commune = unit if level == JurisdictionLevelChoices.COMMUNE else None
        official = Official(user=user, level=level, province=province, commune=commune)
        official.full_clean()
        official.save()
        return user

    return make


@pytest.fixture
def world(db):
    """Two current provinces; communes C1, C2 in P1 and C3 in P2; a legacy commune L1 merged into C1;
    a work and a household in each of C1, L1, C2, C3."""
    return build_world()


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    """The same world, built once for a module whose tests only read it (each test's own writes are rolled
    back to a savepoint inside it), and rolled back after the module. A module uses it by defining
    `world` as `module_world` (tests/test_permission_matrix.py)."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def build_world():
    import datetime
    from types import SimpleNamespace

    from localities.choices import GenerationChoices
    from localities.models import CommuneSuccession
    from tests.localities.factories import CommuneFactory, DistrictFactory, ProvinceFactory, VillageFactory
    from tests.tracker.factories import AllocationFactory, HouseholdFactory

    p1, p2 = ProvinceFactory(), ProvinceFactory()
    c1, c2, c3 = CommuneFactory(province=p1), CommuneFactory(province=p1), CommuneFactory(province=p2)
    district = DistrictFactory()
    l1 = CommuneFactory(
        generation=GenerationChoices.LEGACY,
        province=district.province,
        district=district,
        successor=c1,
        current_province=p1,
    )
    CommuneSuccession.objects.create(predecessor=l1, successor=c1, effective_on=datetime.date(2025, 7, 1))
    works, households = {}, {}
    for name, commune in {"c1": c1, "l1": l1, "c2": c2, "c3": c3}.items():
        works[name] = AllocationFactory(work__commune=commune, amount=1_000_000_000).work
        households[name] = HouseholdFactory(village=VillageFactory(commune=commune))
    return SimpleNamespace(p1=p1, p2=p2, c1=c1, c2=c2, c3=c3, l1=l1, works=works, households=households)


@pytest.fixture(autouse=True)
def english_messages():
    """Messages are asserted in English; pages requested under /admin/ still render in Vietnamese."""
    from django.utils import translation

    with translation.override("en"):
        yield
