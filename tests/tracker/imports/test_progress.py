"""The progress import: a report a work and date, through the service, locks and jurisdiction included."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from imports.engine import run_import
from imports.registry import get_kind
from kernel.access import JurisdictionLevelChoices
from kernel.history import ChangePathChoices
from localities.choices import RoleChoices
from tests.sheets.files import report_xlsx
from tests.tracker.factories import WorkFactory
from tracker import services
from tracker.choices import CapacityUnitChoices, WorkStatusChoices
from tracker.models import ProgressReport

pytestmark = pytest.mark.django_db

HEADER = "Mã công trình,Ngày báo cáo,Tiến độ (%),Khối lượng hoàn thành,Đơn vị tính,Tình trạng,Ghi chú"


@pytest.fixture
def road(world):
    return WorkFactory(commune=world.c1, capacity=Decimal("3"), capacity_unit=CapacityUnitChoices.KM)


def csv_file(*lines, header=HEADER) -> bytes:
    return ("\ufeff" + header + "\n" + "\n".join(lines) + "\n").encode("utf-8")


def imported(data, user=None, **options):
    return run_import("progress", data, user=user, filename="progress.csv", **options)


def errors_of(result) -> set[tuple[int, str | None]]:
    return {(e.row, e.column) for e in result.errors}


def messages(result) -> str:
    return " ".join(str(e.message) for e in result.errors)


def test_a_progress_file_imports_through_the_service_and_again_changes_nothing(world, road, make_official):
    user = make_official(RoleChoices.DATA_ENTRY, JurisdictionLevelChoices.COMMUNE, world.c1)
    data = csv_file(
        f'{road.code},30/09/2024,41,"0,15",km,Đang thi công,',
        f'{road.code},31/12/2024,100,"2,95",km,Hoàn thành,"Đã nghiệm thu, bàn giao."',
        f'{world.works["l1"].code},30/09/2024,"12,5",,,Đang thi công,',
    )
    result = imported(data, user)
    assert result.ok and result.written, result.summary()
    assert (result.rows, result.new, result.changed, result.unchanged) == (3, 3, 0, 0)
    report = ProgressReport.objects.get(work=road, reported_on=datetime.date(2024, 12, 31))
    assert (report.progress_percent, report.quantity_done, report.status, report.note) == (
        Decimal("100"),
        Decimal("2.95"),
        WorkStatusChoices.COMPLETED,
        "Đã nghiệm thu, bàn giao.",
    )
    road.refresh_from_db()
    assert road.status == WorkStatusChoices.COMPLETED  # the newest report's status (the service's rule)
    assert ProgressReport.objects.get(work=world.works["l1"]).progress_percent == Decimal("12.5")
    record = report.history.get()
    assert (record.history_type, record.history_user, record.history_path) == ("+", user, ChangePathChoices.IMPORT)

    again = imported(data, user)
    assert (again.new, again.changed, again.unchanged, again.written) == (0, 0, 3, True)
    assert ProgressReport.history.count() == 3


def test_other_figures_for_a_recorded_date_are_an_error_not_an_update(world, road):
    imported(csv_file(f"{road.code},30/09/2024,41,,,Đang thi công,"))
    result = imported(csv_file(f"{road.code},30/09/2024,45,,,Đang thi công,"))
    assert not result.written and errors_of(result) == {(2, None)}
    assert "already recorded with other values (physical progress (%))" in messages(result)
    assert ProgressReport.objects.get(work=road).progress_percent == 41


def test_dry_run_writes_nothing(world, road):
    result = imported(csv_file(f"{road.code},30/09/2024,41,,,Đang thi công,"), dry_run=True)
    assert result.ok and not result.written and result.new == 1
    assert not ProgressReport.objects.filter(work=road).exists()
    assert not ProgressReport.history.exists()
    road.refresh_from_db()
    assert road.status == WorkStatusChoices.APPROVED


def test_every_bad_row_is_reported_with_its_column_and_nothing_is_written(world, road):
    data = csv_file(
        f"{road.code},30/06/2024,20,,,Đang thi công,",
        "KHONG-CO,30/06/2024,20,,,Đang thi công,",
        f"{road.code},31/06/2024,20,,,Đang thi công,",
        f"{road.code},01/07/2024,120,,,Đang thi công,",
        f"{road.code},02/07/2024,20,4,km,Đang thi công,",
        f"{road.code},03/07/2024,20,300,m,Đang thi công,",
        f"{road.code},04/07/2024,20,,,,",
        f"{road.code},30/06/2024,25,,,Đang thi công,",
        f"{road.code},05/07/2024,hai mươi,,,Đang thi công,",
    )
    result = imported(data)
    assert not result.ok and not result.written
    assert errors_of(result) == {
        (3, "Mã công trình"),
        (4, "Ngày báo cáo"),
        (5, "Tiến độ (%)"),
        (6, "Khối lượng hoàn thành"),  # more than the work's 3 km
        (7, "Đơn vị tính"),  # the work is measured in km
        (8, "Tình trạng"),
        (9, None),  # the same work and date as row 2
        (10, "Tiến độ (%)"),
    }
    assert "import the works first" in messages(result)
    assert "Duplicate of row 2" in messages(result)
    assert not ProgressReport.objects.exists()


def test_another_provinces_official_gets_jurisdiction_errors_and_nothing_is_written(world, road, make_official):
    outsider = make_official(RoleChoices.DATA_ENTRY, JurisdictionLevelChoices.PROVINCE, world.p2)
    data = csv_file(
        f"{world.works['c3'].code},30/09/2024,10,,,Đang thi công,",
        f"{road.code},30/09/2024,10,,,Đang thi công,",
    )
    result = imported(data, outsider)
    assert not result.written
    assert errors_of(result) == {(3, "Mã công trình")}
    assert "outside your jurisdiction" in messages(result)
    assert not ProgressReport.objects.exists()


def test_a_date_in_an_approved_period_is_refused(world, road, make_official):
    entry = make_official(RoleChoices.DATA_ENTRY, JurisdictionLevelChoices.COMMUNE, world.c1)
    approver = make_official(RoleChoices.APPROVER, JurisdictionLevelChoices.PROVINCE, world.p1)
    approver.first_name, approver.last_name = "Đặng Thị", "Phê"
    approver.save()
    report = services.period_report_submit(commune=world.c1, year=2024, quarter=2, user=entry)
    services.period_report_approve(report=report, user=approver)
    data = csv_file(
        f"{road.code},30/06/2024,20,,,Đang thi công,",  # in the approved quarter
        f"{road.code},30/09/2024,40,,,Đang thi công,",
    )
    result = imported(data, entry)
    assert not result.written
    assert [error.row for error in result.errors] == [2]
    assert "is locked" in messages(result) and "Đặng Thị Phê" in messages(result)
    assert not ProgressReport.objects.exists()


def test_english_headers_and_an_xlsx_file_with_percent_cells(world, road):
    english = "Work code,Date,Progress (%),Quantity done,Unit,Status,Note"
    result = imported(csv_file(f'{road.code},2024-09-30,41%,"0,15",km,Under construction,', header=english))
    assert result.ok and result.new == 1, result.summary()

    book = Workbook()
    sheet = book.active
    sheet.append(["Mã công trình", "Ngày báo cáo", "Tiến độ", "Khối lượng hoàn thành", "Tình trạng"])
    sheet.append([road.code, datetime.date(2024, 12, 31), 0.755, 2.5, "Đang thi công"])
    sheet["C2"].number_format = "0.0%"
    out = io.BytesIO()
    book.save(out)
    result = run_import("progress", out.getvalue(), filename="progress.xlsx")
    assert result.ok and result.new == 1, result.summary()
    report = ProgressReport.objects.get(work=road, reported_on=datetime.date(2024, 12, 31))
    assert (report.progress_percent, report.quantity_done) == (Decimal("75.5"), Decimal("2.5"))


def test_rows_read_in_several_chunks_are_compared_across_them(world, road, monkeypatch):
    monkeypatch.setattr(type(get_kind("progress")), "chunk_size", 2)
    lines = [f"{road.code},{day}/10/2024,{day},,,Đang thi công," for day in range(10, 15)]
    assert imported(csv_file(*lines)).new == 5
    result = imported(csv_file(*lines, lines[0]))
    assert (result.unchanged, errors_of(result)) == (5, {(7, None)})  # row 7 repeats row 2, two chunks back


xlsx = report_xlsx


def test_a_progress_report_form_dated_by_its_title_or_its_header(world, road):
    # "Tính đến ngày 30/6/2025" in the title, no date column: the title dates every row.
    titled = xlsx(
        [
            ["UBND XÃ"],
            ["BÁO CÁO TIẾN ĐỘ THỰC HIỆN CÁC CÔNG TRÌNH (Tính đến ngày 30/6/2025)"],
            ["Mã công trình", "Tiến độ (%)", "Tình trạng"],
            [road.code, 41, "Đang thi công"],
            [None, "Bắc Kạn, ngày 2 tháng 7 năm 2025"],
        ]
    )
    result = imported(titled)
    assert result.written, result.summary()
    assert ProgressReport.objects.get(work=road).reported_on == datetime.date(2025, 6, 30)
    assert "as of: 30/06/2025" in result.notes[0]
    # The header's own date comes first: "Tiến độ đến 30/9/2025" under a title dated otherwise.
    headed = xlsx(
        [
            ["BÁO CÁO TIẾN ĐỘ (lũy kế đến ngày 30 tháng 6 năm 2025)"],
            ["Mã công trình", "Tiến độ đến 30/9/2025 (%)", "Tình trạng"],
            [road.code, 55, "Đang thi công"],
        ]
    )
    result = imported(headed)
    assert result.written, result.summary()
    assert ProgressReport.objects.get(work=road, reported_on=datetime.date(2025, 9, 30)).progress_percent == 55
    # Neither: the row says what is missing.
    bare = xlsx([["Mã công trình", "Tiến độ (%)", "Tình trạng"], [road.code, 60, "Đang thi công"]])
    result = imported(bare)
    assert not result.written
    assert "no title or section row above this row gives it" in messages(result)
