"""Bulk posts of progress reports and disbursements: the import's rules and messages, per item or all or nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from imports.engine import run_import
from kernel.access import JurisdictionLevelChoices as Level
from kernel.history import ChangePathChoices, change_path
from localities.choices import RoleChoices as Role
from tracker import services
from tracker.bulk import record_many
from tracker.choices import WorkStatusChoices
from tracker.models import Disbursement, ProgressReport

pytestmark = pytest.mark.django_db


def report(work, day="2024-09-30", percent=41, status="construction", **extra):
    return {"work": work.code, "reported_on": day, "progress_percent": percent, "status": status, **extra}


def payment(work, voucher, amount=100_000_000, paid="2024-03-01", **extra):
    item = {"work": work.code, "year": 2024, "source": "central", "capital_type": "investment"}
    return {**item, "amount": amount, "voucher_number": voucher, "paid_on": paid, **extra}


def csv_file(header: str, *lines: str) -> bytes:
    return ("\ufeff" + header + "\n" + "\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture
def clerk(world, make_official):
    return make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)


def test_progress_reports_are_recorded_with_history_through_the_api_and_a_retry_is_unchanged(world, clerk):
    work, legacy = world.works["c1"], world.works["l1"]
    items = [
        report(work, "2024-09-30", 41, "construction", quantity_done=0.15),
        report(work, "31/12/2024", "100", "Hoàn thành", note="Đã nghiệm thu, bàn giao."),  # typed as in a sheet
        report(legacy, "2024-09-30", 12.5, "construction"),
    ]
    result = record_many("progress", items, user=clerk)
    assert result.as_dict() == {
        "kind": "progress",
        "items": 3,
        "created": 3,
        "unchanged": 0,
        "refused": 0,
        "errors": [],
        "warnings": [],
        "written": True,
        "dry_run": False,
        "atomic": True,
    }
    first = ProgressReport.objects.get(work=work, reported_on=datetime.date(2024, 9, 30))
    assert (first.progress_percent, first.quantity_done) == (Decimal("41"), Decimal("0.15"))
    assert ProgressReport.objects.get(work=legacy).progress_percent == Decimal("12.5")  # a JSON 12.5, exactly
    work.refresh_from_db()
    assert work.status == WorkStatusChoices.COMPLETED  # the service's rule: the newest report's status
    record = first.history.get()
    assert (record.history_type, record.history_user, record.history_path) == ("+", clerk, ChangePathChoices.API)
    assert work.history.latest().history_path == ChangePathChoices.API

    again = record_many("progress", items, user=clerk)
    assert (again.created, again.unchanged, again.refused, again.written) == (0, 3, 0, True)
    assert ProgressReport.objects.count() == 3 and ProgressReport.history.count() == 3


def test_disbursements_a_double_entry_and_its_reversal_are_recorded_and_a_retry_is_unchanged(world, clerk):
    work = world.works["c1"]
    items = [
        payment(work, "KB-1", amount=194_600_000),
        payment(work, "KB-2", amount="300.000.000", paid="11/05/2024"),  # an amount typed as officials write it
        payment(work, "KB-2", amount=300_000_000, paid="2024-05-11", note="Nhập trùng chứng từ"),
        {
            "work": work.code,
            "voucher_number": "KB-2",
            "reverses": "KB-2",
            "paid_on": "2024-05-17",
            "note": "Nhập trùng",
        },
    ]
    result = record_many("disbursements", items, user=clerk)
    assert (result.created, result.unchanged, result.refused, result.written) == (4, 0, 0, True), result.errors
    amounts = list(Disbursement.objects.filter(work=work).order_by("pk").values_list("amount", flat=True))
    assert amounts == [194_600_000, 300_000_000, 300_000_000, -300_000_000]  # a reversal is a negative entry
    reversal = Disbursement.objects.get(amount__lt=0)
    assert reversal.history.get().history_user == clerk
    assert reversal.history.get().history_path == ChangePathChoices.API

    again = record_many("disbursements", items, user=clerk)
    assert (again.created, again.unchanged, again.written) == (0, 4, True)
    assert Disbursement.objects.count() == 4


def test_by_work_id_and_unknown_ids_or_fields(world, clerk):
    work = world.works["c1"]
    items = [
        {"work_id": work.pk, "reported_on": "2024-09-30", "progress_percent": 10, "status": "construction"},
        {"work_id": 999_999_999, "reported_on": "2024-09-30", "progress_percent": 10, "status": "construction"},
        {**report(work, "2024-10-31"), "progres": 5},
        "not an object",
    ]
    result = record_many("progress", items, user=clerk, atomic=False)
    assert (result.created, result.refused) == (2, 2)
    assert result.errors == [
        {"index": 1, "field": "work_id", "code": "invalid", "message": "No work has the id 999999999."},
        {
            "index": 3,
            "field": None,
            "code": "invalid",
            "message": "Expected an object of fields; found “not an object”.",
        },
    ]
    assert result.warnings == [
        {
            "index": 2,
            "field": "progres",
            "code": "unknown_field",
            "message": "“progres” is not a known field and is ignored.",
        }
    ]


def test_all_or_nothing_by_default_and_per_item_on_request(world, clerk):
    work = world.works["c1"]
    items = [
        report(work, "2024-09-30", 41),
        report(work, "2024-10-31", 120),  # above 100
        report(work, "2024-11-30", 50, status="sắp xong"),  # no such status
        report(work, "2024-12-31", 60),
    ]
    atomic = record_many("progress", items, user=clerk)
    assert (atomic.created, atomic.unchanged, atomic.refused, atomic.written) == (0, 0, 2, False)
    assert [(e["index"], e["field"], e["code"]) for e in atomic.errors] == [
        (1, "progress_percent", "invalid"),
        (2, "status", "invalid"),
    ]
    assert atomic.errors[0]["message"] == "Expected at most 100; found 120."
    assert not ProgressReport.objects.exists()

    per_item = record_many("progress", items, user=clerk, atomic=False)
    assert (per_item.created, per_item.refused, per_item.written) == (2, 2, True)
    assert per_item.errors == atomic.errors
    assert sorted(ProgressReport.objects.values_list("progress_percent", flat=True)) == [41, 60]


def test_per_item_runs_again_when_a_refused_item_is_what_another_depends_on(world, clerk):
    work = world.works["c1"]
    items = [
        payment(work, "KB-1", amount=2_000_000_000),  # above the 1,000,000,000 allocated: refused
        {"work": work.code, "voucher_number": "KB-1", "reverses": "KB-1", "paid_on": "2024-03-05", "note": "Sai"},
        payment(work, "KB-3"),
    ]
    result = record_many("disbursements", items, user=clerk, atomic=False)
    assert (result.created, result.refused, result.written, result.runs) == (1, 2, True, 2)
    assert [(e["index"], e["field"]) for e in result.errors] == [(0, "amount"), (1, "reverses")]
    assert "No payment of work" in result.errors[1]["message"]
    assert list(Disbursement.objects.values_list("voucher_number", flat=True)) == ["KB-3"]


@pytest.mark.parametrize("atomic", [True, False])
def test_a_dry_run_writes_nothing_and_answers_as_the_post_would(world, clerk, atomic):
    work = world.works["c1"]
    items = [report(work, "2024-09-30", 41), report(work, "2024-10-31", 120), report(work, "2024-09-30", 41)]
    preview = record_many("progress", items, user=clerk, dry_run=True, atomic=atomic)
    assert not preview.written and not ProgressReport.objects.exists()
    assert not ProgressReport.history.exists()
    posted = record_many("progress", items, user=clerk, atomic=atomic)
    assert posted.written is not atomic
    assert {k: v for k, v in preview.as_dict().items() if k not in ("written", "dry_run")} == {
        k: v for k, v in posted.as_dict().items() if k not in ("written", "dry_run")
    }
    assert [e["message"] for e in preview.errors] == [
        "Expected at most 100; found 120.",
        "Duplicate of row 0: the same work and date.",
    ]


def test_the_same_bad_value_gives_the_message_of_the_spreadsheet_import(world, clerk):
    """One rule, one message: what the import says of a cell, the bulk post says of the item's field."""
    work = world.works["c1"]
    header = "Mã công trình,Ngày báo cáo,Tiến độ (%),Tình trạng"
    cases = [
        ("progress_percent", f"{work.code},30/09/2024,120,Đang thi công", report(work, "2024-09-30", 120)),
        ("reported_on", f"{work.code},31/02/2024,10,Đang thi công", report(work, "31/02/2024", 10)),
        ("status", f"{work.code},30/09/2024,10,sắp xong", report(work, "2024-09-30", 10, "sắp xong")),
        ("work", "KHONG-CO,30/09/2024,10,Đang thi công", {**report(work), "work": "KHONG-CO"}),
    ]
    for field_name, line, item in cases:
        imported = run_import("progress", csv_file(header, line), user=clerk)
        posted = record_many("progress", [item], user=clerk)
        [sheet_error] = imported.errors
        [error] = posted.errors
        assert (error["field"], error["message"]) == (field_name, sheet_error.message)

    payments = "Mã công trình,Năm,Nguồn vốn,Loại vốn,Số tiền (đồng),Số chứng từ,Ngày chứng từ"
    imported = run_import("disbursements", csv_file(payments, f"{work.code},2024,NSTW,ĐTPT,-5,KB-1,01/03/2024"))
    posted = record_many("disbursements", [payment(work, "KB-1", amount=-5)], user=clerk)
    [sheet_error], [error] = imported.errors, posted.errors
    assert (error["field"], sheet_error.column) == ("amount", "Số tiền (đồng)")
    # The message names the field that cancels a payment as the source calls it: a file's header, an item's key.
    assert error["message"] == sheet_error.message.replace("“Hủy chứng từ số”", "“reverses”")
    assert error["message"].startswith("A payment is a positive amount. To cancel a payment, give its voucher")


def test_jurisdiction_and_roles_come_from_the_import(world, clerk, make_official):
    other_commune = world.works["c2"]
    result = record_many(
        "disbursements", [payment(world.works["c1"], "KB-1"), payment(other_commune, "KB-2")], user=clerk, atomic=False
    )
    assert (result.created, result.refused) == (1, 1)
    assert result.errors == [
        {
            "index": 1,
            "field": "work",
            "code": "refused",
            "message": f"The work {other_commune.code} is outside your jurisdiction.",
        }
    ]

    viewer = make_official(Role.VIEWER, Level.COMMUNE, world.c1)
    denied = record_many("progress", [report(world.works["c1"])], user=viewer)
    assert denied.denied and not denied.written and denied.refused == 1
    assert denied.errors == [
        {
            "index": None,
            "field": None,
            "code": "permission_denied",
            "message": "You may not import progress reports: your role does not allow it.",
        }
    ]
    assert not ProgressReport.objects.exists()


def test_an_empty_post_and_an_unknown_kind(clerk):
    assert record_many("progress", [], user=clerk).as_dict()["items"] == 0
    with pytest.raises(ValueError):
        record_many("households", [], user=clerk)


# ---------------------------------------------------------------------------------------------------------
# The set-based service under the bulk post: the rules and the history of `progress_report_record`


def values(work, day, percent=41, status=WorkStatusChoices.UNDER_CONSTRUCTION, **extra):
    return {"work": work, "reported_on": day, "progress_percent": Decimal(percent), "status": status, **extra}


def history_of(report):
    fields = ("history_type", "history_user_id", "history_path", "work_id", "reported_on", "progress_percent")
    return [tuple(getattr(record, f) for f in fields) for record in report.history.all()]


def test_many_reports_are_written_as_one_by_one_with_the_same_history(world, clerk):
    work, other = world.works["c1"], world.works["l1"]
    work.components.add(*other.components.all())  # a many-to-many snapshot in the work's history
    with change_path(ChangePathChoices.API):
        one = services.progress_report_record(**values(other, datetime.date(2024, 9, 30)), user=clerk)
        many = services.progress_reports_record_many(
            reports=[
                values(work, datetime.date(2024, 9, 30)),
                values(work, datetime.date(2024, 12, 31), 100, WorkStatusChoices.COMPLETED),
            ],
            user=clerk,
        )
    assert all(isinstance(report, ProgressReport) and report.pk for report in many)
    assert history_of(many[0])[0][:3] == history_of(one)[0][:3] == ("+", clerk.pk, ChangePathChoices.API)
    work.refresh_from_db()
    other.refresh_from_db()
    assert (work.status, other.status) == (WorkStatusChoices.COMPLETED, WorkStatusChoices.UNDER_CONSTRUCTION)
    # One new version of each work, recorded as a save records it (with the work's components then).
    for changed in (work, other):
        latest = changed.history.latest()
        assert (latest.history_type, latest.history_user, latest.history_path) == ("~", clerk, ChangePathChoices.API)
        assert latest.version == changed.version == 2
        assert {c.component_id for c in latest.components.all()} == set(changed.components.values_list("pk", flat=True))


def test_a_report_the_database_refuses_sends_the_batch_one_by_one(world, clerk):
    work = world.works["c1"]
    day = datetime.date(2024, 9, 30)
    outcomes = services.progress_reports_record_many(
        reports=[values(work, day), values(work, day, 50), values(work, datetime.date(2024, 10, 31), 101)], user=clerk
    )
    assert isinstance(outcomes[0], ProgressReport)
    assert outcomes[1].messages == ["This work already has a progress report for that date."]
    assert "progress_percent" in outcomes[2].message_dict
    assert list(ProgressReport.objects.values_list("progress_percent", flat=True)) == [41]
    assert ProgressReport.history.count() == 1


def test_the_service_refuses_what_one_by_one_refuses(world, clerk, make_official):
    mine, theirs = world.works["c1"], world.works["c3"]
    day = datetime.date(2024, 9, 30)
    outcomes = services.progress_reports_record_many(reports=[values(mine, day), values(theirs, day)], user=clerk)
    assert isinstance(outcomes[0], ProgressReport)
    assert isinstance(outcomes[1], PermissionDenied) and "outside your jurisdiction" in str(outcomes[1])
    assert list(ProgressReport.objects.values_list("work", flat=True)) == [mine.pk]

    approver = make_official(Role.APPROVER, Level.PROVINCE, world.p1)
    period = services.period_report_submit(commune=world.c1, year=2024, quarter=4, user=clerk)
    services.period_report_approve(report=period, user=approver)
    [locked] = services.progress_reports_record_many(reports=[values(mine, datetime.date(2024, 11, 30))], user=clerk)
    assert isinstance(locked, ValidationError) and "is locked" in locked.messages[0]

    viewer = make_official(Role.VIEWER, Level.COMMUNE, world.c1)
    denied = services.progress_reports_record_many(reports=[values(mine, datetime.date(2025, 1, 31))], user=viewer)
    assert isinstance(denied[0], PermissionDenied)
    assert ProgressReport.objects.count() == 1


def test_bulk_history_holds_the_rows_as_saved_as_one_by_one_saves_record_them(world, clerk):
    """The bulk post's history is copied by the database (kernel.history.history_of_inserts): every tracked
    value, the type, the official, the path and the moment are those the one-by-one service records."""
    work, other = world.works["c1"], world.works["l1"]
    before = ProgressReport.history.count()
    result = record_many(
        "progress",
        [report(work, "2024-09-30", 41, quantity_done=0.15, note="Đợt 1"), report(other, "2024-10-31", 7.5)],
        user=clerk,
    )
    assert (result.created, result.written) == (2, True)
    with change_path(ChangePathChoices.IMPORT):
        one = services.progress_report_record(
            work=work,
            reported_on=datetime.date(2024, 11, 30),
            progress_percent=Decimal("50"),
            status="construction",
            user=clerk,
        )
    assert ProgressReport.history.count() == before + 3
    tracked = [f.attname for f in ProgressReport.history.model.tracked_fields]
    for saved in ProgressReport.objects.filter(work__in=[work, other]):
        record = saved.history.get()
        assert {name: getattr(record, name) for name in tracked} == {name: getattr(saved, name) for name in tracked}
        assert (record.history_type, record.history_user_id, record.history_change_reason) == ("+", clerk.pk, None)
        expected = ChangePathChoices.IMPORT if saved.pk == one.pk else ChangePathChoices.API
        assert record.history_path == expected
        assert record.history_date >= saved.created_at - datetime.timedelta(seconds=1)
