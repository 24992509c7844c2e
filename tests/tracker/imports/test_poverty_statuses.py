"""The yearly poverty status import: the review form, one "x" column per deprivation indicator of the standard."""

import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from imports.engine import run_import
from imports.registry import get_kind
from imports.sheet_templates import write_kind_template
from kernel.access import JurisdictionLevelChoices as Level
from kernel.history import ChangePathChoices
from localities.choices import RoleChoices as Role
from tests.tracker.factories import PovertyStandardFactory
from tracker import services
from tracker.choices import PovertyStatusChoices
from tracker.models import DeprivationIndicator, Household, PovertyAssessment

pytestmark = pytest.mark.django_db

INDICATORS = (
    "Việc làm,Người phụ thuộc trong hộ gia đình,Dinh dưỡng,Bảo hiểm y tế,Trình độ giáo dục của người lớn,"
    "Tình trạng đi học của trẻ em,Chất lượng nhà ở,Diện tích nhà ở bình quân đầu người,Nguồn nước sinh hoạt,"
    "Nhà tiêu hợp vệ sinh,Sử dụng dịch vụ viễn thông,Phương tiện phục vụ tiếp cận thông tin"
)
HEADER = (
    "Mã hộ,Năm,Chuẩn nghèo,Thu nhập bình quân (đồng/người/tháng),Kết quả phân loại,"
    + INDICATORS
    + ",Số quyết định,Ngày công nhận"
)
POOR_MARKS = "x,,x,,x,,,,x,,,"  # employment, nutrition, adult education, water source: 4 deprivations
NO_MARKS = ",,,,,,,,,,,"


@pytest.fixture(autouse=True)
def standards(db):
    call_command("loaddata", "legal_documents", "poverty_standards", "ethnic_groups", verbosity=0)


def csv_file(*lines, header=HEADER) -> bytes:
    return ("\ufeff" + header + "\n" + "\n".join(lines) + "\n").encode("utf-8")


def status(household, *, year="2024", standard="ND07-2021", income='"980.000"', result="Hộ nghèo", marks=POOR_MARKS):
    code = household if isinstance(household, str) else household.code
    return f"{code},{year},{standard},{income},{result},{marks},123/QĐ-UBND,12/12/{year}"


def errors_of(result) -> dict[tuple[int, str | None], str]:
    return {(e.row, e.column): e.message for e in result.errors}


def test_households_then_their_statuses_import_with_history_and_again_change_nothing(world, make_official):
    user = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    households = csv_file(
        f"TU-001,Triệu Văn Phú,,09,,{world.c1.code},,Thôm Ưng,5,",
        f"TU-002,Hoàng Thị Mai,,07,,{world.c1.code},,Thôm Ưng,3,",
        header="Mã hộ,Họ tên chủ hộ,Số CCCD,Mã dân tộc,Dân tộc,Mã xã,Tên xã,Thôn/bản,Số nhân khẩu,Địa chỉ",
    )
    assert run_import("households", households, user=user).written
    data = csv_file(
        status("TU-001"),
        status("TU-002", income='"1.460.000"', result="Hộ cận nghèo", marks=",,,,,,,,x,,,"),
    )
    result = run_import("poverty-statuses", data, user=user)
    assert result.ok and result.written, result.summary()
    assert (result.new, result.unchanged) == (2, 0)
    poor = PovertyAssessment.objects.get(household__code="TU-001")
    assert (poor.year, poor.standard.code, poor.status, poor.income_per_capita) == (
        2024,
        "ND07-2021",
        PovertyStatusChoices.POOR,
        980_000,
    )
    assert set(poor.deprivations.values_list("code", flat=True)) == {
        "employment",
        "nutrition",
        "adult_education",
        "water_source",
    }
    assert (poor.decision_number, poor.recognised_on.isoformat()) == ("123/QĐ-UBND", "2024-12-12")
    records = poor.history.order_by("history_id")
    assert records[0].history_type == "+"  # then "~" when the service sets the deprivations
    assert {(r.history_user, r.history_path) for r in records} == {(user, ChangePathChoices.IMPORT)}

    again = run_import("poverty-statuses", data, user=user)
    assert (again.new, again.changed, again.unchanged, again.written) == (0, 0, 2, True)
    assert PovertyAssessment.history.count() == len(records) * 2


def test_a_status_recorded_otherwise_is_an_error_not_a_change(world):
    household = world.households["c1"]
    run_import("poverty-statuses", csv_file(status(household)))
    result = run_import(
        "poverty-statuses", csv_file(status(household, income='"1.460.000"', result="Hộ cận nghèo", marks=NO_MARKS))
    )
    assert not result.written
    message = errors_of(result)[(2, None)]
    assert message.startswith(f"The status of household {household.code} for 2024 is already recorded with other")
    assert "status: Poor recorded, Near-poor in the file" in message
    assert "income (VND/person/month): 980.000 recorded, 1.460.000 in the file" in message
    assert "deprivations: Employment, Nutrition, Education level of adults, Domestic water source recorded" in message
    assert PovertyAssessment.objects.get().status == PovertyStatusChoices.POOR


def test_every_bad_status_row_is_reported_and_nothing_is_written(world):
    household = world.households["c1"]
    other = PovertyStandardFactory(code="TEST-07")
    DeprivationIndicator.objects.create(standard=other, code="employment", dimension="Employment", name="Employment")
    data = csv_file(
        status(household),
        status("KHONG-CO"),
        status(world.households["c2"], result="Hộ cận nghèo"),
        status(world.households["l1"], standard="ND99"),
        status(world.households["c3"], year="2021"),
        status(household, year="2023", result="Giàu"),
        status(household, year="2025", standard="TEST-07"),
        status(household),
    )
    result = run_import("poverty-statuses", data)
    assert not result.written and not PovertyAssessment.objects.exists()
    errors = errors_of(result)
    assert errors[(3, "Mã hộ")] == "No household has the code KHONG-CO; import the households first."
    assert "is Poor, not Near-poor" in errors[(4, "Kết quả phân loại")]
    assert errors[(5, "Chuẩn nghèo")].startswith("No poverty standard is called “ND99”")
    assert errors[(6, "Chuẩn nghèo")] == "The standard ND07-2021 does not apply to 2021."
    assert (7, "Kết quả phân loại") in errors
    assert errors[(8, "Nguồn nước sinh hoạt")] == "The standard TEST-07 has no such indicator."
    assert errors[(9, None)] == "Duplicate of row 2: the same household and year."
    assert result.error_rows == 7


def test_english_headers_and_indicator_codes_work_too(world):
    header = ["Household code", "Year", "Income per capita (VND)", "Status"]
    header += ["employment", "Nutrition", "Education level of adults", "water_source", "Decision number"]
    book = Workbook()
    book.active.append(header)
    book.active.append([world.households["c1"].code, 2024, 980000, "Poor", "x", "x", "x", "", "12/QĐ"])
    out = io.BytesIO()
    book.save(out)
    result = run_import("poverty-statuses", out.getvalue(), filename="statuses.xlsx")
    assert result.written, result.summary()
    assessment = PovertyAssessment.objects.get()
    assert assessment.standard.code == "ND07-2021"  # the standard in force that year
    assert assessment.deprivations.count() == 3


def test_the_indicator_columns_come_from_the_indicators_recorded(world):
    kind = get_kind("poverty-statuses")
    water = next(c for c in kind.columns if c.key == "lacks_water_source")
    assert (water.header, set(water.aliases)) == ("Nguồn nước sinh hoạt", {"water_source", "Domestic water source"})
    standard = PovertyStandardFactory(code="TEST-07")
    DeprivationIndicator.objects.create(
        standard=standard, code="digital_skills", dimension="Digital", name="Kỹ năng số"
    )
    assert "Kỹ năng số" in [c.header for c in kind.columns]

    out = io.BytesIO()
    write_kind_template(kind, out)
    headers = [cell.value for cell in next(load_workbook(out).worksheets[0].iter_rows())]
    assert "Nguồn nước sinh hoạt" in headers and "Kỹ năng số" in headers


def test_statuses_outside_the_jurisdiction_or_in_a_locked_year_are_refused(world, make_official):
    official = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    result = run_import(
        "poverty-statuses", csv_file(status(world.households["l1"]), status(world.households["c2"])), user=official
    )
    assert errors_of(result) == {
        (3, "Mã hộ"): f"The household {world.households['c2'].code} is outside your jurisdiction."
    }

    approver = make_official(Role.APPROVER, Level.PROVINCE, world.p1)
    report = services.period_report_submit(commune=world.c1, year=2024, quarter=None, user=official)
    services.period_report_approve(report=report, user=approver)
    locked = run_import("poverty-statuses", csv_file(status(world.households["l1"])), user=official)
    [error] = locked.errors
    assert error.row == 2 and "is locked" in error.message
    assert not PovertyAssessment.objects.exists()


def test_a_dry_run_of_statuses_writes_nothing(world):
    result = run_import("poverty-statuses", csv_file(status(world.households["c1"])), dry_run=True)
    assert result.ok and result.new == 1 and not result.written
    assert not PovertyAssessment.objects.exists() and not PovertyAssessment.history.exists()
    assert Household.objects.filter(pk=world.households["c1"].pk).exists()


def test_a_list_of_poor_households_takes_its_year_from_the_title(world):
    # "DANH SÁCH HỘ NGHÈO NĂM 2024" above the header, no year column: the title's year, and its standard.
    line = status(world.households["c1"]).replace(",2024,", ",", 1)
    data = csv_file(HEADER.replace(",Năm,", ",", 1), line, header="DANH SÁCH HỘ NGHÈO NĂM 2024")
    result = run_import("poverty-statuses", data, filename="ho_ngheo.csv")
    assert result.written, result.summary()
    assessment = PovertyAssessment.objects.get(household=world.households["c1"])
    assert (assessment.year, assessment.standard.code) == (2024, "ND07-2021")
