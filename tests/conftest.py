from io import StringIO

import pytest
from django.core.management import call_command


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


@pytest.fixture(scope="session")
def localities_loaded(django_db_setup):
    """What ``load_localities`` printed when the session loaded the administrative units."""
    return django_db_setup
