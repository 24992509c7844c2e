"""Reports, approval and locks: approved data cannot change by any path until an approver unlocks it."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from tracker import services
from tracker.choices import PeriodReportStatusChoices, WorkStatusChoices
from tracker.models import Disbursement, ProgressReport

pytestmark = pytest.mark.django_db
Q2 = datetime.date(2024, 5, 10)
Q3 = datetime.date(2024, 8, 10)


def pay(work, day, user=None, voucher="PC-1"):
    return services.disbursement_record(
        work=work,
        year=2024,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=1_000,
        voucher_number=voucher,
        paid_on=day,
        user=user,
    )


@pytest.fixture
def approved_q2(world, make_official):
    entry = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    approver = make_official(Role.APPROVER, Level.PROVINCE, world.p1)
    approver.first_name, approver.last_name = "Đặng Thị", "Phê"
    approver.save()
    report = services.period_report_submit(commune=world.c1, year=2024, quarter=2, user=entry)
    assert report.status == PeriodReportStatusChoices.SUBMITTED
    report = services.period_report_approve(report=report, user=approver)
    return report, entry, approver


def test_approved_period_refuses_new_entries_and_says_why(world, approved_q2):
    report, entry, approver = approved_q2
    with pytest.raises(ValidationError) as error:
        pay(world.works["c1"], Q2, entry)
    message = " ".join(error.value.messages)
    assert "Đặng Thị Phê" in message
    assert timezone.localtime(report.decided_at).strftime("%d/%m/%Y") in message
    assert "unlock" in message
    assert not Disbursement.objects.exists()
    pay(world.works["c1"], Q3, entry)  # another quarter is open


def test_legacy_commune_data_is_locked_by_its_successors_report(world, approved_q2):
    with pytest.raises(ValidationError):
        pay(world.works["l1"], Q2)
    pay(world.works["c2"], Q2)  # another commune is not locked


@pytest.mark.parametrize("path", ["allocation", "progress", "reversal", "assessment", "support"])
def test_every_service_respects_the_lock(world, approved_q2, path):
    from tests.tracker.factories import PovertyStandardFactory

    work = world.works["c1"]
    if path == "reversal":
        payment = pay(work, datetime.date(2024, 3, 30))  # Q1, open
    report, entry, approver = approved_q2
    with pytest.raises(ValidationError, match="locked"):
        if path == "allocation":
            services.allocation_record(
                work=work,
                component=work.components.first(),
                year=2024,
                source=CapitalSourceChoices.CENTRAL,
                capital_type=CapitalTypeChoices.INVESTMENT,
                amount=5,
                decided_on=Q2,
            )
        elif path == "progress":
            services.progress_report_record(
                work=work, reported_on=Q2, progress_percent=10, status=WorkStatusChoices.UNDER_CONSTRUCTION
            )
        elif path == "reversal":
            services.disbursement_reverse(disbursement=payment, reason="twice", reversed_on=Q2)
        elif path == "assessment":
            PovertyStandardFactory()
            year_report = services.period_report_submit(commune=world.c1, year=2023, quarter=None, user=entry)
            services.period_report_approve(report=year_report, user=approver)
            services.poverty_assessment_record(household=world.households["c1"], year=2023, status="poor")
        else:
            services.support_record(
                household=world.households["c1"],
                component=work.components.first(),
                year=2024,
                kind="livestock",
                quantity=1,
                received_on=Q2,
            )


def test_year_report_locks_every_quarter_and_unlock_reopens(world, make_official):
    entry = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    approver = make_official(Role.APPROVER, Level.NATIONAL)
    report = services.period_report_submit(commune=world.c1, year=2024, quarter=None, user=entry)
    services.period_report_approve(report=report, user=approver)
    for day in (datetime.date(2024, 1, 2), Q2, Q3, datetime.date(2024, 12, 31)):
        with pytest.raises(ValidationError):
            pay(world.works["c1"], day)
    with pytest.raises(ValidationError):
        services.period_report_unlock(report=report, reason="  ", user=approver)
    report = services.period_report_unlock(report=report, reason="Voucher entered twice", user=approver)
    assert report.status == PeriodReportStatusChoices.RETURNED
    assert "Voucher entered twice" in report.comment
    pay(world.works["c1"], Q2)
    # Resubmitted and approved again, it locks again.
    report = services.period_report_submit(commune=world.c1, year=2024, quarter=None, user=entry)
    services.period_report_approve(report=report, user=approver)
    with pytest.raises(ValidationError):
        pay(world.works["c1"], Q3, voucher="PC-2")


def test_who_may_approve(world, make_official):
    entry = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    report = services.period_report_submit(commune=world.c1, year=2024, quarter=1, user=entry)
    with pytest.raises(PermissionDenied):  # the commune does not approve itself
        services.period_report_approve(report=report, user=make_official(Role.APPROVER, Level.COMMUNE, world.c1))
    with pytest.raises(PermissionDenied):  # another province's approver
        services.period_report_approve(report=report, user=make_official(Role.APPROVER, Level.PROVINCE, world.p2))
    with pytest.raises(PermissionDenied):  # a viewer
        services.period_report_approve(report=report, user=make_official(Role.VIEWER, Level.PROVINCE, world.p1))
    with pytest.raises(PermissionDenied):  # submitting needs the data-entry role
        services.period_report_submit(
            commune=world.c1, year=2024, quarter=2, user=make_official(Role.VIEWER, Level.COMMUNE, world.c1)
        )
    returned = services.period_report_return(
        report=report, comment="Thiếu chứng từ PC-7", user=make_official(Role.APPROVER, Level.PROVINCE, world.p1)
    )
    assert returned.status == PeriodReportStatusChoices.RETURNED
    with pytest.raises(ValidationError):  # a returned report is not approved before resubmission
        services.period_report_approve(report=returned, user=make_official(Role.APPROVER, Level.NATIONAL))


def test_admin_refuses_a_change_in_a_locked_period(world, approved_q2, client):
    report, entry, approver = approved_q2
    work = world.works["c1"]
    reported = services.progress_report_record(
        work=work,
        reported_on=datetime.date(2024, 3, 1),
        progress_percent=5,
        status=WorkStatusChoices.UNDER_CONSTRUCTION,
    )
    client.force_login(entry)
    response = client.post(
        reverse("admin:tracker_progressreport_add"),
        {"work": work.pk, "reported_on": "2024-05-10", "progress_percent": "20", "status": "construction", "note": ""},
    )
    assert response.status_code == 200
    assert "Đặng Thị Phê" in response.content.decode()
    assert ProgressReport.objects.filter(work=work).count() == 1
    # Moving an open report into the locked quarter is refused too.
    response = client.post(
        reverse("admin:tracker_progressreport_change", args=[reported.pk]),
        {"work": work.pk, "reported_on": "2024-05-10", "progress_percent": "5", "status": "construction", "note": ""},
    )
    assert response.status_code == 200
    reported.refresh_from_db()
    assert reported.reported_on == datetime.date(2024, 3, 1)


def test_locked_entry_is_shown_read_only_with_the_reason(world, approved_q2, client):
    report, entry, approver = approved_q2
    services.period_report_unlock(report=report, reason="add a report", user=approver)
    reported = services.progress_report_record(
        work=world.works["c1"], reported_on=Q2, progress_percent=30, status=WorkStatusChoices.UNDER_CONSTRUCTION
    )
    report = services.period_report_submit(commune=world.c1, year=2024, quarter=2, user=entry)
    services.period_report_approve(report=report, user=approver)
    client.force_login(entry)
    page = client.get(reverse("admin:tracker_progressreport_change", args=[reported.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Đặng Thị Phê" in body
    assert 'name="_save"' not in body
