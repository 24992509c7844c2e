"""A period report in a real browser, in the Vietnamese admin: the commune saves a draft, submits it after a
confirmation, the province reads the figures and approves after a confirmation, and the report prints on A4."""

import datetime

import pytest

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from tracker import services
from tracker.choices import PeriodReportStatusChoices as Status
from tracker.models import PeriodReport

from .conftest import SCREENSHOTS, screenshot, vi

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_report_from_draft_to_approval_and_print(world, make_official, page_as, live_server):
    services.disbursement_record(
        work=world.works["c1"],
        year=2024,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=250_000_000,
        voucher_number="PC-1",
        paid_on=datetime.date(2024, 5, 10),
    )
    entry = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    approver = make_official(Role.APPROVER, Level.PROVINCE, world.p1)

    page = page_as(entry)
    page.goto(f"{live_server.url}{vi('admin:tracker_periodreport_add')}")
    assert page.locator("#id_commune").is_disabled()  # the official's own commune, filled in
    page.fill("#id_year", "2024")
    page.fill("#id_quarter", "2")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    report = PeriodReport.objects.get()
    assert report.status == Status.DRAFT
    assert "2.000.000.000" in page.locator("#ntp-report-figures").inner_text()  # C1 and L1, Vietnamese figures
    screenshot(page, "period-report-draft")
    page.click("#ntp-step-submit")
    page.wait_for_load_state()
    screenshot(page, "period-report-submit-confirmation")
    report.refresh_from_db()
    assert report.status == Status.DRAFT  # the confirmation page asks; it does not submit
    page.click("input[name=confirm]")
    page.wait_for_load_state()
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED

    page = page_as(approver)
    page.goto(f"{live_server.url}{vi('admin:tracker_periodreport_change', report.pk)}")
    assert "12,5%" in page.locator("#ntp-report-figures").inner_text()  # 250.000.000 of 2.000.000.000
    page.click("#ntp-step-approve")
    page.wait_for_load_state()
    screenshot(page, "period-report-approve-confirmation")
    page.click("input[name=confirm]")
    page.wait_for_load_state()
    report.refresh_from_db()
    assert report.status == Status.APPROVED

    page.goto(f"{live_server.url}{vi('admin:tracker_periodreport_print', report.pk)}")
    page.emulate_media(media="print")
    assert not page.locator(".toolbar").is_visible()  # on paper: the report only
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(path=str(SCREENSHOTS / "period-report.pdf"), format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
