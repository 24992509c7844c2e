"""The language switch in a real browser: from the admin's header and the status pages' header, the page
changes language, and the choice stays with the official."""

import pytest

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from localities.models import LanguagePreference

from .conftest import screenshot, vi

pytestmark = pytest.mark.django_db(transaction=True)


def test_switching_the_language_from_the_headers(world, make_official, page_as, live_server):
    official = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    official.first_name, official.last_name = "Triệu Thị", "Xã"
    official.save()
    page = page_as(official)

    page.goto(f"{live_server.url}{vi('admin:tracker_allocation_changelist')}")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "Xã" in page.text_content("#user-tools") and "Triệu Thị" not in page.text_content("#user-tools")
    assert "1.000.000.000" in page.inner_text("#result_list")
    screenshot(page, "language-admin-vi")

    page.click("#header .ntp-language button[value=en]")
    page.wait_for_load_state()
    assert page.url.startswith(f"{live_server.url}/en/admin/tracker/allocation/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Welcome," in page.text_content("#user-tools")
    assert "1,000,000,000" in page.inner_text("#result_list")
    screenshot(page, "language-admin-en")
    assert LanguagePreference.objects.get(user=official).language == "en"

    page.goto(f"{live_server.url}{vi('status:overview')}?year=2024")  # an unprefixed address: the choice holds
    assert page.url.startswith(f"{live_server.url}/en/status/")
    assert "3,000,000,000" in page.inner_text("main")
    screenshot(page, "language-status-en")

    page.click("header .ntp-language button[value=vi]")
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/status/?year=2024"
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "3.000.000.000" in page.inner_text("main")
    screenshot(page, "language-status-vi")
    assert LanguagePreference.objects.get(user=official).language == "vi"
