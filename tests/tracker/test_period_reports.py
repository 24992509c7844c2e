"""Period reports say what they do (issue 14): a draft is saved as a draft; submitting, approving, returning and
unlocking are steps of the report's page, each confirmed first; the page shows the period's figures of the commune
(a fixed number of queries) and prints on A4. The locks that approval sets are tested in test_period_locks.py."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from localities.models import Commune
from programs.choices import CapitalTypeChoices
from tests.localities.factories import CommuneFactory, VillageFactory
from tests.tracker.factories import AllocationFactory, HouseholdFactory, PovertyStandardFactory, pay
from tracker import services
from tracker.choices import PeriodReportStatusChoices as Status
from tracker.choices import PovertyStatusChoices, WorkStatusChoices
from tracker.models import PeriodReport
from tracker.period_figures import period_bounds, period_figures

pytestmark = pytest.mark.django_db


def url(name, *args, language="en"):
    """An admin URL in a language: /en/admin/... (English) or /admin/... (Vietnamese)."""
    with translation.override(language):
        return reverse(f"admin:tracker_periodreport_{name}", args=args)


@pytest.fixture
def officials(world, make_official):
    return {
        "entry": make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1),
        "province_entry": make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1),
        "approver": make_official(Role.APPROVER, Level.PROVINCE, world.p1),
        "commune_approver": make_official(Role.APPROVER, Level.COMMUNE, world.c1),
        "viewer": make_official(Role.VIEWER, Level.COMMUNE, world.c1),
    }


@pytest.fixture
def q2(world):
    """The second quarter of 2024 in C1 and in L1 (merged into C1), and what lies around it.

    Allocated 1.000.000.000 to each of the works of C1 and L1 in January (the world's), 250.000.000 more to C1's
    in May; paid 100.000.000 in March, 150.000.000 in May (C1) and 50.000.000 on 30 June (L1): to the end of the
    quarter 2.250.000.000 allocated, 300.000.000 paid (13,3%), of which 250.000.000 allocated and 200.000.000 paid
    in the quarter. After it, and in another commune, what the figures leave out."""
    c1, l1 = world.works["c1"], world.works["l1"]
    AllocationFactory(work=c1, amount=250_000_000, decided_on=datetime.date(2024, 5, 2))
    pay(c1, 100_000_000, datetime.date(2024, 3, 10))
    pay(c1, 150_000_000, datetime.date(2024, 5, 10))
    pay(l1, 50_000_000, datetime.date(2024, 6, 30))
    pay(c1, 70_000_000, datetime.date(2024, 7, 2))  # the third quarter
    pay(world.works["c2"], 999, datetime.date(2024, 5, 10))  # another commune
    AllocationFactory(work=c1, amount=5_000_000, year=2025, decided_on=datetime.date(2024, 12, 1))  # another year
    services.progress_report_record(
        work=c1, reported_on=datetime.date(2024, 5, 3), progress_percent=35, status=WorkStatusChoices.UNDER_CONSTRUCTION
    )
    services.progress_report_record(
        work=c1, reported_on=datetime.date(2024, 8, 1), progress_percent=60, status=WorkStatusChoices.UNDER_CONSTRUCTION
    )
    PovertyStandardFactory()
    services.poverty_assessment_record(household=world.households["c1"], year=2024, status=PovertyStatusChoices.POOR)
    services.poverty_assessment_record(
        household=world.households["l1"], year=2024, status=PovertyStatusChoices.NEAR_POOR
    )
    services.poverty_assessment_record(household=world.households["c2"], year=2024, status=PovertyStatusChoices.POOR)
    return world


# ---------------------------------------------------------------------------------------------------------
# Services: a draft, then a submission


def test_a_draft_is_saved_as_a_draft_and_submitted_only_when_asked(world, officials):
    entry = officials["entry"]
    draft = services.period_report_save_draft(commune=world.c1, year=2024, quarter=2, user=entry)
    assert (draft.status, draft.submitted_by, draft.submitted_at) == (Status.DRAFT, None, None)
    assert draft.history.get().history_user == entry
    with pytest.raises(ValidationError, match="already has a report for Q2/2024 \\(draft\\)"):
        services.period_report_save_draft(commune=world.c1, year=2024, quarter=2, user=entry)
    submitted = services.period_report_submit(commune=world.c1, year=2024, quarter=2, user=entry)
    assert submitted.pk == draft.pk
    assert (submitted.status, submitted.submitted_by) == (Status.SUBMITTED, entry)
    assert PeriodReport.objects.count() == 1


def test_two_drafts_of_the_same_period_saved_at_once_leave_one_and_refuse_the_other(world, officials, monkeypatch):
    entry = officials["entry"]
    services.period_report_save_draft(commune=world.c1, year=2024, quarter=2, user=entry)
    # the second official's check ran before the first one's draft was written: the database refuses it
    checked = []
    real_first = type(PeriodReport.objects.all()).first

    def first_before_the_other_saved(queryset):
        if queryset.model is PeriodReport and not checked:
            checked.append(True)
            return None
        return real_first(queryset)

    monkeypatch.setattr(type(PeriodReport.objects.all()), "first", first_before_the_other_saved)
    with pytest.raises(ValidationError, match="already has a report for Q2/2024 \\(draft\\)"):
        services.period_report_save_draft(commune=world.c1, year=2024, quarter=2, user=entry)
    assert PeriodReport.objects.count() == 1


@pytest.mark.parametrize("write", ["draft", "submit"])
def test_a_legacy_commune_is_refused_naming_what_it_became(world, officials, write):
    service = services.period_report_save_draft if write == "draft" else services.period_report_submit
    with pytest.raises(ValidationError) as error:
        service(commune=world.l1, year=2024, quarter=2, user=officials["province_entry"])
    message = " ".join(error.value.message_dict["commune"])
    assert world.l1.name in message and world.l1.district.name in message
    assert f"it became part of {world.c1.name}" in message
    assert not PeriodReport.objects.exists()


def test_who_may_save_a_draft(world, officials, make_official):
    with pytest.raises(PermissionDenied):
        services.period_report_save_draft(commune=world.c1, year=2024, quarter=1, user=officials["viewer"])
    with pytest.raises(PermissionDenied):  # another commune's official
        services.period_report_save_draft(
            commune=world.c2, year=2024, quarter=1, user=make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
        )
    assert not PeriodReport.objects.exists()


# ---------------------------------------------------------------------------------------------------------
# The figures


def test_period_bounds():
    assert period_bounds(2024, 1) == (datetime.date(2024, 1, 1), datetime.date(2024, 3, 31))
    assert period_bounds(2024, 4) == (datetime.date(2024, 10, 1), datetime.date(2024, 12, 31))
    assert period_bounds(2024, None) == (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))


def test_the_figures_of_a_quarter_hold_the_commune_and_its_legacy_communes(q2, officials):
    report = PeriodReport.objects.create(commune=q2.c1, year=2024, quarter=2)
    figures = period_figures(report, user=officials["approver"])
    investment = next(line for line in figures.capital if line.label == CapitalTypeChoices.INVESTMENT.label)
    total = figures.total
    assert (total.allocated, total.disbursed) == (2_250_000_000, 300_000_000)
    assert (total.allocated_in_period, total.disbursed_in_period) == (250_000_000, 200_000_000)
    assert round(total.rate, 2) == Decimal("13.33")
    assert (investment.allocated, investment.disbursed) == (total.allocated, total.disbursed)
    assert figures.works == 2 and dict(figures.by_status) == {
        WorkStatusChoices.APPROVED.label: 1,
        WorkStatusChoices.UNDER_CONSTRUCTION.label: 1,
    }
    assert (figures.started, figures.completed, figures.reported_in_period) == (1, 0, 1)
    rows = {row.code: row for row in figures.work_rows}
    c1 = rows[q2.works["c1"].code]
    assert (c1.allocated, c1.disbursed, c1.progress_percent, c1.progress_on) == (
        1_250_000_000,
        250_000_000,
        35,
        datetime.date(2024, 5, 3),
    )  # the August report is after the quarter
    assert rows[q2.works["l1"].code].progress_percent is None
    assert (figures.households, figures.poor, figures.near_poor) == (2, 1, 1)
    # The year: everything of 2024 up to 31 December.
    year = period_figures(PeriodReport(commune=q2.c1, year=2024), user=officials["approver"])
    assert (year.total.allocated, year.total.disbursed, year.total.disbursed_in_period) == (
        2_250_000_000,
        370_000_000,
        370_000_000,
    )


def test_the_figures_are_kept_to_the_users_jurisdiction(q2, make_official):
    report = PeriodReport.objects.create(commune=q2.c1, year=2024, quarter=2)
    outsider = make_official(Role.APPROVER, Level.PROVINCE, q2.p2)
    figures = period_figures(report, user=outsider)
    assert (figures.works, figures.total.allocated, figures.households) == (0, 0, 0)


# ---------------------------------------------------------------------------------------------------------
# The add form


def test_a_commune_official_finds_their_commune_filled_in_and_saves_a_draft(world, officials, client):
    client.force_login(officials["entry"])
    page = client.get(url("add"))
    field = page.context["adminform"].form.fields["commune"]
    assert field.disabled and list(field.queryset) == [world.c1]
    assert page.context["adminform"].form["commune"].value() == world.c1.pk
    html = page.content.decode()
    assert 'name="_save"' in html and "Save the draft" in html and "_continue" not in html
    # Another commune posted is ignored: the report is the official's commune's.
    response = client.post(url("add"), {"commune": world.c2.pk, "year": "2024", "quarter": "2"})
    report = PeriodReport.objects.get()
    assert response.status_code == 302 and response.url == url("change", report.pk)
    assert (report.commune, report.status, report.submitted_at) == (world.c1, Status.DRAFT, None)
    page = client.get(response.url)
    assert "The draft report of" in page.content.decode() and "nothing is sent yet" in page.content.decode()


def test_a_legacy_commune_chosen_is_refused_with_what_it_became(world, officials, client):
    client.force_login(officials["province_entry"])
    response = client.post(url("add"), {"commune": world.l1.pk, "year": "2024", "quarter": "2"})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert f"it became part of {world.c1.name}" in " ".join(form.errors["commune"])
    assert form["commune"].value() == str(world.l1.pk)  # the box keeps what was chosen
    assert not PeriodReport.objects.exists()


def test_the_commune_search_offers_current_communes_and_finds_a_legacy_ones_successor(world, officials, client):
    client.force_login(officials["province_entry"])
    page = client.get(url("add"))
    assert url("communes") in page.content.decode()  # the box searches here
    params = {"app_label": "tracker", "model_name": "periodreport", "field_name": "commune"}
    found = client.get(url("communes"), {**params, "term": ""}).json()["results"]
    assert {r["id"] for r in found} == {str(world.c1.pk), str(world.c2.pk)}  # current ones of the province
    found = client.get(url("communes"), {**params, "term": world.l1.name}).json()["results"]
    assert found == [{"id": str(world.c1.pk), "text": f"{world.c1} (now holds {world.l1.name})"}]
    # a name no other commune's (or province's) words hold: "Xã Bình Yên 0" would find "Xã Bình Yên 1" of
    # "Tỉnh Thử Nghiệm 0" too
    Commune.objects.filter(pk=world.c1.pk).update(name="Xã Cẩm Giàng")
    world.c1.refresh_from_db()
    found = client.get(url("communes"), {**params, "term": "cam giang"}).json()["results"]
    assert found == [{"id": str(world.c1.pk), "text": str(world.c1)}]
    # each commune is named with its province from the same query, however many are found
    with CaptureQueriesContext(connection) as two:
        client.get(url("communes"), {**params, "term": ""})
    CommuneFactory.create_batch(3, province=world.p1)
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(url("communes"), {**params, "term": ""}).json()["results"]) == 5
    assert len(five) == len(two)


# ---------------------------------------------------------------------------------------------------------
# The report's page and its steps


def test_the_reports_page_shows_the_figures_in_a_fixed_number_of_queries(
    q2, officials, client, django_assert_num_queries
):
    report = services.period_report_submit(commune=q2.c1, year=2024, quarter=2, user=officials["entry"])
    client.force_login(officials["approver"])
    client.get(url("change", report.pk))  # the session and the permissions, once
    with django_assert_num_queries(16) as few:
        page = client.get(url("change", report.pk))
    html = page.content.decode()
    assert 'id="ntp-report-figures"' in html
    for shown in ("2,250,000,000", "300,000,000", "250,000,000", "200,000,000", "13.3%", "35%", "03/05/2024"):
        assert shown in html, shown
    steps = [item["step"].name for item in page.context["steps"]]
    assert steps == ["approve", "return"]
    assert 'name="_save"' not in html  # read-only: the steps change it
    for _ in range(5):
        work = AllocationFactory(work__commune=q2.c1, year=2024).work
        pay(work, 10_000, datetime.date(2024, 4, 2))
        services.progress_report_record(
            work=work, reported_on=datetime.date(2024, 4, 3), progress_percent=5, status="construction"
        )
        HouseholdFactory(village=VillageFactory(commune=q2.c1))
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(url("change", report.pk))
    assert page.context["figures"].works == 7


def test_the_page_presents_figures_in_vietnamese(q2, officials, client):
    report = PeriodReport.objects.create(commune=q2.c1, year=2024, quarter=2)
    client.force_login(officials["entry"])
    html = client.get(url("change", report.pk, language="vi")).content.decode()
    assert "2.250.000.000" in html and "13,3%" in html


def test_submitting_asks_first_then_submits(world, officials, client):
    report = services.period_report_save_draft(commune=world.c1, year=2024, quarter=2, user=officials["entry"])
    client.force_login(officials["entry"])
    page = client.get(url("change", report.pk))
    assert [item["step"].name for item in page.context["steps"]] == ["submit"]
    assert url("submit", report.pk) in page.content.decode()
    confirm = client.get(url("submit", report.pk))
    assert confirm.status_code == 200
    assert "Submit the report of" in confirm.content.decode() and 'name="confirm"' in confirm.content.decode()
    report.refresh_from_db()
    assert report.status == Status.DRAFT  # asking is not submitting
    done = client.post(url("submit", report.pk))
    assert done.status_code == 302 and done.url == url("change", report.pk)
    report.refresh_from_db()
    assert (report.status, report.submitted_by) == (Status.SUBMITTED, officials["entry"])
    # Submitted: no step is left to the commune, and the step's page says why.
    page = client.get(url("change", report.pk))
    assert page.context["steps"] == []
    again = client.get(url("submit", report.pk), follow=True)
    assert "it cannot be taken to this step" in again.content.decode()


def test_a_returned_report_is_submitted_again_from_its_page(world, officials, client):
    report = services.period_report_submit(commune=world.c1, year=2024, quarter=2, user=officials["entry"])
    services.period_report_return(report=report, comment="Thiếu chứng từ PC-7", user=officials["approver"])
    client.force_login(officials["entry"])
    page = client.get(url("change", report.pk))
    assert "Thiếu chứng từ PC-7" in page.content.decode()
    client.post(url("submit", report.pk))
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    # submitted again, it was returned, not approved, by the approver
    header = client.get(url("print", report.pk)).content.decode()
    assert "Returned by" in header and "Approved by" not in header


def test_the_approver_approves_from_the_page_after_a_confirmation(q2, officials, client):
    report = services.period_report_submit(commune=q2.c1, year=2024, quarter=2, user=officials["entry"])
    client.force_login(officials["approver"])
    confirm = client.get(url("approve", report.pk))
    html = confirm.content.decode()
    assert "Approve the report of" in html and "01/04/2024 to 30/06/2024" in html
    assert "2,250,000,000" in html  # the figures, once more, before the decision
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    client.post(url("approve", report.pk))
    report.refresh_from_db()
    assert (report.status, report.decided_by) == (Status.APPROVED, officials["approver"])
    page = client.get(url("change", report.pk))
    assert [item["step"].name for item in page.context["steps"]] == ["unlock"]


def test_returning_needs_a_comment(world, officials, client):
    report = services.period_report_submit(commune=world.c1, year=2024, quarter=2, user=officials["entry"])
    client.force_login(officials["approver"])
    refused = client.post(url("return", report.pk), {"comment": ""})
    assert refused.status_code == 200 and refused.context["form"].errors["comment"]
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    client.post(url("return", report.pk), {"comment": "Thiếu chứng từ PC-7"})
    report.refresh_from_db()
    assert (report.status, report.comment) == (Status.RETURNED, "Thiếu chứng từ PC-7")


def test_unlocking_from_the_page(world, officials, client):
    report = services.period_report_submit(commune=world.c1, year=2024, quarter=2, user=officials["entry"])
    services.period_report_approve(report=report, user=officials["approver"])
    client.force_login(officials["approver"])
    assert client.get(url("unlock", report.pk)).status_code == 200
    client.post(url("unlock", report.pk), {"comment": "Chứng từ nhập hai lần"})
    report.refresh_from_db()
    assert report.status == Status.RETURNED and "Chứng từ nhập hai lần" in report.comment


@pytest.mark.parametrize(
    ("who", "step", "answer"),
    [
        ("commune_approver", "approve", 403),  # a commune does not approve itself
        ("entry", "approve", 403),
        ("viewer", "submit", 403),
        ("approver", "submit", 403),
    ],
)
def test_a_step_outside_the_role_is_refused(world, officials, client, who, step, answer):
    report = services.period_report_submit(commune=world.c1, year=2024, quarter=2, user=officials["entry"])
    if step == "submit":
        services.period_report_return(report=report, comment="x", user=officials["approver"])
    status = PeriodReport.objects.get(pk=report.pk).status
    client.force_login(officials[who])
    assert client.get(url(step, report.pk)).status_code == answer
    client.post(url(step, report.pk))
    assert PeriodReport.objects.get(pk=report.pk).status == status


def test_another_provinces_report_is_not_found(world, officials, client):
    report = PeriodReport.objects.create(commune=world.c3, year=2024, quarter=2, status=Status.SUBMITTED)
    client.force_login(officials["approver"])
    for name in ("approve", "print"):
        assert client.get(url(name, report.pk)).status_code == 404
    assert client.post(url("approve", report.pk)).status_code == 404
    assert PeriodReport.objects.get(pk=report.pk).status == Status.SUBMITTED


def test_the_list_action_approves_only_after_a_confirmation(world, officials, client):
    report = services.period_report_submit(commune=world.c1, year=2024, quarter=2, user=officials["entry"])
    client.force_login(officials["approver"])
    data = {"action": "approve_reports", "_selected_action": [report.pk]}
    asked = client.post(url("changelist"), data)
    assert asked.status_code == 200 and "Approve and lock" in asked.content.decode()
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    client.post(url("changelist"), {**data, "apply": "1"})
    report.refresh_from_db()
    assert report.status == Status.APPROVED


# ---------------------------------------------------------------------------------------------------------
# The print


def test_the_report_prints_on_a4_without_the_admin(q2, officials, client):
    report = services.period_report_submit(commune=q2.c1, year=2024, quarter=2, user=officials["entry"])
    services.period_report_approve(report=report, user=officials["approver"])
    officials["approver"].first_name, officials["approver"].last_name = "Đặng Thị", "Hoa"
    officials["approver"].save()
    client.force_login(officials["approver"])
    page = client.get(url("print", report.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "size: A4" in html and 'id="header"' not in html and "breadcrumbs" not in html
    for shown in (q2.c1.name, q2.c1.province.name, "Q2/2024", "01/04/2024", "30/06/2024", "Approved (locked)"):
        assert shown in html, shown
    assert "Đặng Thị Hoa" in html and "2,250,000,000" in html
    assert f'href="{reverse("admin:tracker_work_change", args=[q2.works["c1"].pk])}"' not in html  # paper: no links
    assert url("print", report.pk) in client.get(url("change", report.pk)).content.decode()


def test_poverty_status_ungrouped_is_one_line_adding_up_the_groups(q2):
    from tracker.models import Household

    by_province = Household.objects.poverty_status("province", year=2024)
    whole = Household.objects.poverty_status(year=2024)
    assert list(whole) == [()]
    assert whole[()] == {name: sum(line[name] for line in by_province.values()) for name in whole[()]}
    assert whole[()]["households"] == Household.objects.count() and whole[()]["poor"] == 2
