"""Officials in a real browser, in the Vietnamese admin: what they type is what is stored, and two officials
editing one work do not undo each other."""

import datetime
from decimal import Decimal

import pytest

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from tracker.models import ProgressReport, Work

from .conftest import screenshot, vi

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def official(world, make_official):
    user = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    user.first_name, user.last_name = "Lò Thị", "Bình"
    user.save()
    return user


def test_a_progress_report_typed_the_vietnamese_way_is_stored_exactly(world, official, page_as, live_server):
    work = world.works["c1"]
    page = page_as(official)
    page.goto(f"{live_server.url}{vi('admin:tracker_progressreport_add')}?work={work.pk}")
    page.fill("#id_reported_on", "05/11/2026")
    page.fill("#id_progress_percent", "12,5")
    page.fill("#id_quantity_done", "1,8")
    page.select_option("#id_status", "construction")
    screenshot(page, "progress-typed")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    screenshot(page, "progress-saved")
    report = ProgressReport.objects.get(work=work)
    assert report.reported_on == datetime.date(2026, 11, 5)
    assert report.progress_percent == Decimal("12.5")
    assert report.quantity_done == Decimal("1.8")


def test_two_officials_on_one_work_the_second_is_told_and_nothing_is_undone(
    world, official, make_official, page_as, live_server
):
    work = world.works["c1"]
    other = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    other.first_name, other.last_name = "Nguyễn Văn", "An"
    other.save()
    url = f"{live_server.url}{vi('admin:tracker_work_change', work.pk)}"
    first, second = page_as(official), page_as(other)
    first.goto(url)
    second.goto(url)

    second.fill("#id_name", "Đường Bản Chán - Thôm Ưng")
    second.click("input[name=_save]")
    second.wait_for_load_state()

    first.fill("#id_investor", "UBND xã Mỹ Thanh")
    first.click("input[name=_save]")
    first.wait_for_load_state()
    screenshot(first, "work-conflict")
    errors = " ".join(first.locator(".errorlist").all_inner_texts())
    assert "Nguyễn Văn An" in errors
    assert first.input_value("#id_investor") == "UBND xã Mỹ Thanh"
    assert first.input_value("#id_name") == "Đường Bản Chán - Thôm Ưng"
    work.refresh_from_db()
    assert (work.name, work.investor) == ("Đường Bản Chán - Thôm Ưng", "")

    first.click("input[name=_save]")
    first.wait_for_load_state()
    work = Work.objects.get(pk=work.pk)
    assert (work.name, work.investor, work.version) == ("Đường Bản Chán - Thôm Ưng", "UBND xã Mỹ Thanh", 3)
