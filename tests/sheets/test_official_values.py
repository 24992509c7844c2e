"""Values as officials write them (issue 13): choices in their words, a quantity with its unit, a percentage
Excel computed, short dates."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from imports.engine import run_import
from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from sheets import PercentNumber, ValueProblem, parse_date
from sheets.values import Quantity, RoundedNumber, parse_quantity, round_percent
from tests.programs.factories import ComponentFactory, ProgramFactory
from tests.tracker.factories import WorkFactory
from tracker.choices import CapacityUnitChoices, WorkStatusChoices, WorkTypeChoices
from tracker.import_kinds.capital import CAPITAL_TYPE, SOURCE
from tracker.import_kinds.works import COLUMNS, WORK_STATUS
from tracker.models import ProgressReport, Work

WORK_TYPE = next(column for column in COLUMNS if column.key == "work_type")


@pytest.mark.parametrize(
    ("column", "text", "expected"),
    [
        (WORK_TYPE, "Giao thông nông thôn", WorkTypeChoices.ROAD),
        (WORK_TYPE, "GIAO THÔNG", WorkTypeChoices.ROAD),
        (WORK_TYPE, "Thủy lợi", WorkTypeChoices.IRRIGATION),
        (WORK_TYPE, "Thuỷ lợi", WorkTypeChoices.IRRIGATION),
        (WORK_TYPE, "thuy loi", WorkTypeChoices.IRRIGATION),
        (WORK_TYPE, "Điện", WorkTypeChoices.POWER),
        (WORK_TYPE, "Nước sinh hoạt", WorkTypeChoices.DOMESTIC_WATER),
        (WORK_TYPE, "Trường học", WorkTypeChoices.SCHOOL),
        (WORK_TYPE, "Nhà văn hoá", WorkTypeChoices.CULTURAL_HOUSE),
        (WORK_STATUS, "Chưa khởi công", WorkStatusChoices.APPROVED),
        (WORK_STATUS, "Đang thi công", WorkStatusChoices.UNDER_CONSTRUCTION),
        (WORK_STATUS, "Hoàn thành", WorkStatusChoices.COMPLETED),
        (WORK_STATUS, "Đã hoàn thành", WorkStatusChoices.COMPLETED),
        (CAPITAL_TYPE, "Vốn ĐTPT", CapitalTypeChoices.INVESTMENT),
        (CAPITAL_TYPE, "Vốn đầu tư phát triển", CapitalTypeChoices.INVESTMENT),
        (CAPITAL_TYPE, "Vốn SN", CapitalTypeChoices.RECURRENT),
        (CAPITAL_TYPE, "vốn sự nghiệp", CapitalTypeChoices.RECURRENT),
        (SOURCE, "Ngân sách trung ương", CapitalSourceChoices.CENTRAL),
        (SOURCE, "NSTW", CapitalSourceChoices.CENTRAL),
        (SOURCE, "Ngân sách địa phương", CapitalSourceChoices.PROVINCE),
        (SOURCE, "NSĐP", CapitalSourceChoices.PROVINCE),
        (SOURCE, "nsdp", CapitalSourceChoices.PROVINCE),
    ],
)
def test_choices_in_officials_words(column, text, expected):
    assert column.matcher(text) == expected


def test_an_unknown_word_lists_the_words_accepted():
    with pytest.raises(ValueProblem) as caught:
        CAPITAL_TYPE.matcher("Vốn vay")
    message = caught.value.message
    assert message.startswith("Expected one of: Development investment (also: Đầu tư phát triển, ĐTPT, Vốn ĐTPT, ")
    assert "Recurrent (sự nghiệp) (also: Sự nghiệp, Vốn SN, SN, Vốn sự nghiệp, " in message
    assert message.endswith("; found “Vốn vay”.")


# -- quantities --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number", "unit"),
    [
        ("3 km", Decimal("3"), "km"),
        ("3,5 km", Decimal("3.5"), "km"),
        ("3,5km", Decimal("3.5"), "km"),
        ("300 m", Decimal("300"), "m"),
        ("L = 300 m", Decimal("300"), "m"),
        ("2 phòng học", Decimal("2"), "phòng học"),
        ("1 trạm", Decimal("1"), "trạm"),
        ("1.250 m", Decimal("1250"), "m"),
    ],
)
def test_a_quantity_with_its_unit(text, number, unit):
    value = parse_quantity(text)
    assert isinstance(value, Quantity) and (Decimal(value), value.unit) == (number, unit)


def test_a_quantity_without_a_unit_is_a_number():
    assert parse_quantity("3,5") == Decimal("3.5") and not isinstance(parse_quantity("3,5"), Quantity)
    assert parse_quantity(Decimal("0.38")) == Decimal("0.38")
    with pytest.raises(ValueProblem, match="Expected at least 0"):
        parse_quantity("-3 km", min_value=0)


# -- percentages -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (PercentNumber("0.6666666667"), Decimal("66.67")),
        ("66,666666667%", Decimal("66.67")),
        ("66,666666667", Decimal("66.67")),
        (Decimal("33.333333333"), Decimal("33.33")),
        (PercentNumber("0.99995"), Decimal("100.00")),
    ],
)
def test_a_percentage_excel_computed_is_rounded_and_remembers_what_it_was(value, rounded):
    result = round_percent(value, max_places=2)
    assert isinstance(result, RoundedNumber) and result == rounded
    assert result.original != rounded


def test_a_percentage_within_the_places_is_as_given():
    assert not isinstance(round_percent("45,5", max_places=2), RoundedNumber)
    assert round_percent(PercentNumber("0.45"), max_places=2) == Decimal("45")
    assert round_percent("100,004%", max_places=2) == Decimal("100")
    with pytest.raises(ValueProblem, match="Expected at most 100"):
        round_percent("100,5", max_places=2)


# -- dates -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5/6/22", datetime.date(2022, 6, 5)),  # 5 June, never 6 May
        ("05/06/22", datetime.date(2022, 6, 5)),
        ("31/12/25", datetime.date(2025, 12, 31)),
        ("5-6-22", datetime.date(2022, 6, 5)),
        ("05/06/2022", datetime.date(2022, 6, 5)),
        ("5/6/2022", datetime.date(2022, 6, 5)),
    ],
)
def test_short_dates_are_day_first(text, expected):
    assert parse_date(text) == expected


def test_a_short_date_month_first_is_refused_saying_how_it_was_read():
    with pytest.raises(ValueProblem) as caught:
        parse_date("6/25/22")
    assert "read as day 6, month 25, year 2022" in caught.value.message
    assert "If you meant day 25 of month 6, write 25/06/2022." in caught.value.message


# -- through the imports -----------------------------------------------------------------------------------------

HEADER = "Mã công trình,Tên công trình,Mã xã,Loại công trình,Chương trình,Mã hợp phần,Quy mô,Đơn vị tính,Ngày khởi công"


def works_file(*lines, header=HEADER) -> bytes:
    return ("\ufeff" + header + "\n" + "\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture
def infra(db):
    return ComponentFactory(program=ProgramFactory(code="NTP-T1"), code="DA4.TDA1")


def test_a_capacity_with_its_unit_is_in_the_works_unit(world, infra):
    c1 = world.c1.code
    data = works_file(
        f"Q-1,Đường A,{c1},Giao thông nông thôn,NTP-T1,DA4.TDA1,300 m,km,5/6/22",
        f'Q-2,Đường B,{c1},Đường nội thôn,NTP-T1,DA4.TDA1,"3,5 km",,5/6/22',
        f"Q-3,Trường C,{c1},Trường học,NTP-T1,DA4.TDA1,2 phòng học,,5/6/22",
        f"Q-4,Trạm D,{c1},Điện,NTP-T1,DA4.TDA1,1 trạm,,5/6/22",
        f'Q-5,Đường E,{c1},Thuỷ lợi,NTP-T1,DA4.TDA1,"1.200 m",,5/6/22',
    )
    result = run_import("works", data)
    assert result.written, result.summary()
    works = {w.code: (w.capacity, w.capacity_unit, w.start_date) for w in Work.objects.filter(code__startswith="Q-")}
    june = datetime.date(2022, 6, 5)
    assert works == {
        "Q-1": (Decimal("0.3"), CapacityUnitChoices.KM, june),
        "Q-2": (Decimal("3.5"), CapacityUnitChoices.KM, june),
        "Q-3": (Decimal("2"), CapacityUnitChoices.CLASSROOM, june),
        "Q-4": (Decimal("1"), CapacityUnitChoices.UNIT, june),
        "Q-5": (Decimal("1200"), CapacityUnitChoices.M, june),
    }


def test_a_unit_that_does_not_convert_is_an_error_naming_both(world, infra):
    c1 = world.c1.code
    data = works_file(
        f"Q-1,Đường A,{c1},Giao thông,NTP-T1,DA4.TDA1,2 phòng học,km,5/6/22",
        f"Q-2,Đường B,{c1},Giao thông,NTP-T1,DA4.TDA1,3 dặm,km,5/6/22",
    )
    result = run_import("works", data)
    assert not result.written and not Work.objects.filter(code__startswith="Q-").exists()
    errors = {(e.row, e.column): e.message for e in result.errors}
    assert errors[(2, "Quy mô")] == "2 classrooms cannot be written in km, the work's unit."
    assert errors[(3, "Quy mô")].startswith("Unknown unit “dặm”; expected one of: km (also: ki-lô-mét")


def test_the_header_unit_is_the_works_unit(world, infra):
    header = "Mã công trình,Tên công trình,Mã xã,Loại công trình,Chương trình,Mã hợp phần,Quy mô (km),Ngày khởi công"
    data = works_file(f"Q-1,Đường A,{world.c1.code},Giao thông,NTP-T1,DA4.TDA1,800 m,5/6/22", header=header)
    result = run_import("works", data)
    assert result.written, result.summary()
    work = Work.objects.get(code="Q-1")
    assert (work.capacity, work.capacity_unit) == (Decimal("0.8"), CapacityUnitChoices.KM)


PROGRESS = "Mã công trình,Ngày báo cáo,Tiến độ (%),Khối lượng hoàn thành,Tình trạng"


def test_a_percentage_excel_computed_is_rounded_and_the_preview_says_so(world):
    road = WorkFactory(commune=world.c1, capacity=Decimal("3"), capacity_unit=CapacityUnitChoices.KM)
    book = Workbook()
    sheet = book.active
    sheet.append(PROGRESS.split(","))
    sheet.append([road.code, "30/9/24", 2 / 3, "300 m", "Đang thi công"])
    sheet.cell(row=2, column=3).number_format = "0.00%"
    sheet.append([road.code, "31/12/24", "100", "3 km", "Đã hoàn thành"])
    out = io.BytesIO()
    book.save(out)
    result = run_import("progress", out.getvalue(), filename="progress.xlsx")
    assert result.written, result.summary()
    reports = ProgressReport.objects.filter(work=road).order_by("reported_on")
    assert [(r.reported_on, r.progress_percent, r.quantity_done, r.status) for r in reports] == [
        (datetime.date(2024, 9, 30), Decimal("66.67"), Decimal("0.3"), WorkStatusChoices.UNDER_CONSTRUCTION),
        (datetime.date(2024, 12, 31), Decimal("100"), Decimal("3"), WorkStatusChoices.COMPLETED),
    ]
    assert [(w.row, w.column, w.message) for w in result.warnings] == [
        (2, "Tiến độ (%)", "66,6666666666667 rounded to 66,67, the precision kept.")
    ]


def test_a_progress_quantity_in_a_unit_that_does_not_convert_is_an_error(world):
    road = WorkFactory(commune=world.c1, capacity=Decimal("3"), capacity_unit=CapacityUnitChoices.KM)
    data = ("\ufeff" + PROGRESS + f"\n{road.code},30/9/24,50,2 phòng học,Đang thi công\n").encode()
    result = run_import("progress", data)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "Khối lượng hoàn thành", "2 classrooms cannot be written in km, the work's unit.")
    ]
