"""Officials' report forms imported as they are: a Bắc Kạn 2022 report of infrastructure works in the form of a
"biểu mẫu báo cáo" (title block, a two-row merged header with a numbering row, district and project section
rows, a grand total first under the header, district subtotals, a signature block)."""

import io

import pytest
from openpyxl import Workbook

from imports.engine import run_import
from localities.models import Commune
from programs.choices import ComponentLevelChoices
from tests.programs.factories import ComponentFactory, ProgramFactory
from tracker.models import Allocation, Work

pytestmark = pytest.mark.django_db
MILLION = 1_000_000

# Real communes of two districts of Bắc Kạn (legacy map, 2022), named without their codes: the district
# section narrows the name.
BACH_THONG = [("Xã Vi Hương", 2), ("Xã Sỹ Bình", 2), ("Thị trấn Phủ Thông", 1)]
CHO_DON = [("Xã Xuân Lạc", 2), ("Xã Nam Cường", 1)]


@pytest.fixture
def programs(db):
    ntp_1719 = ProgramFactory(
        code="NTP-1719",
        name_vi="Chương trình mục tiêu quốc gia phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi",
    )
    gnbv = ProgramFactory(code="NTP-GNBV", name_vi="Chương trình mục tiêu quốc gia giảm nghèo bền vững")
    da4 = ComponentFactory(program=ntp_1719, code="DA4")
    return {
        "infra": ComponentFactory(
            program=ntp_1719, code="DA4.TDA1", parent=da4, level=ComponentLevelChoices.SUBPROJECT
        ),
        # The same code in another program: the title's program settles it.
        "other": ComponentFactory(program=gnbv, code="DA4.TDA1"),
    }


def works_of(district_rows, start: int, amount) -> list[tuple[str, str, int]]:
    works, number = [], start
    for commune, count in district_rows:
        for _ in range(count):
            works.append((f"BK-RF-{number:04d}", commune, amount(number)))
            number += 1
    return works


def report_form(
    *,
    bach_thong,
    cho_don,
    total=None,
    subtotals=None,
    extra_rows=(),
    work_type="Đường giao thông nông thôn",
) -> bytes:
    """The report as a district office sends it (the amounts in million VND, as the header says)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Biểu 01"
    rows = [
        ["UBND TỈNH BẮC KẠN", None, None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        ["BAN DÂN TỘC", None, None, None, None, "Độc lập - Tự do - Hạnh phúc"],
        [],
        [
            "BÁO CÁO DANH MỤC CÔNG TRÌNH CƠ SỞ HẠ TẦNG THUỘC CHƯƠNG TRÌNH MTQG PHÁT TRIỂN KT-XH VÙNG ĐỒNG BÀO DTTS VÀ "
            "MIỀN NÚI NĂM 2022"
        ],
        [None, None, None, None, None, None, "ĐVT: triệu đồng"],
        [
            "STT",
            "Mã công trình",
            "Tên công trình",
            "Địa điểm xây dựng",
            None,
            "Loại công trình",
            "Quyết định đầu tư",
            None,
            "Tình trạng",
        ],
        [None, None, None, "Xã", "Thôn, bản", None, "Số, ngày quyết định", "Tổng mức đầu tư", None],
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)"],
    ]
    merges = ["A6:A7", "B6:B7", "C6:C7", "D6:E6", "F6:F7", "G6:H6", "I6:I7"]
    all_works = bach_thong + cho_don
    grand = total if total is not None else sum(amount for *_, amount in all_works)
    rows.append([None, "TỔNG CỘNG", None, None, None, None, None, grand / 1, None])
    subtotals = subtotals or {}
    for roman, district, works in (("I", "Huyện Bạch Thông", bach_thong), ("II", "Huyện Chợ Đồn", cho_don)):
        figure = sum(amount for *_, amount in works)
        rows.append([roman, district, None, None, None, None, None, figure, None])
        rows.append(
            [
                None,
                "Dự án 4: Đầu tư cơ sở hạ tầng thiết yếu phục vụ sản xuất, đời sống trong vùng đồng bào "
                "dân tộc thiểu số và miền núi",
            ]
        )
        rows.append([None, "Tiểu dự án 1: Đầu tư cơ sở hạ tầng thiết yếu"])
        for item, (code, commune, amount) in enumerate(works, 1):
            rows.append(
                [
                    item,
                    code,
                    f"Đường bê tông thôn Nà {code[-2:]}",
                    commune,
                    f"Thôn Nà {code[-2:]}",
                    work_type,
                    "Số 123/QĐ-UBND ngày 15/3/2022",
                    amount,
                    "Đang thi công",
                ]
            )
        rows.append(
            [
                None,
                f"Cộng {district[0].lower()}{district[1:]}",
                None,
                None,
                None,
                None,
                None,
                subtotals.get(district, figure),
                None,
            ]
        )
    rows.extend(extra_rows)
    rows += [
        [],
        [None, None, None, None, None, None, "Bắc Kạn, ngày 15 tháng 6 năm 2022"],
        [None, "Người lập biểu", None, None, "Kế toán trưởng", None, "Thủ trưởng đơn vị"],
        [None, "(Ký, họ tên)", None, None, "(Ký, họ tên)", None, "(Ký, họ tên, đóng dấu)"],
        [],
        [None, "Hoàng Văn Minh", None, None, "Lý Thị Hoa", None, "Nông Văn Bình"],
    ]
    for values in rows:
        sheet.append(values)
    for merged in merges:
        sheet.merge_cells(merged)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def amounts(number: int) -> float:
    # Million VND with a decimal, as reports write them: 1.234,5 triệu đồng.
    return 180 + number * 7.3


@pytest.fixture
def report():
    return {
        "bach_thong": works_of(BACH_THONG, 1, amounts),
        "cho_don": works_of(CHO_DON, 20, amounts),
    }


def test_a_district_report_form_imports_as_it_is(programs, report):
    result = run_import("works", report_form(**report), filename="bao-cao-ha-tang-2022.xlsx")
    assert result.ok, result.summary()
    assert result.written and result.new == 8
    # The header as read: two rows, merged cells, each column to its field.
    layout = result.layout
    assert layout["header_rows"] == [6, 7]
    read = {c["letter"]: (c["header"], c["field"]) for c in layout["columns"]}
    assert read["D"] == ("Địa điểm xây dựng / Xã", "commune_name")
    assert read["E"] == ("Địa điểm xây dựng / Thôn, bản", "villages")
    assert read["H"] == ("Quyết định đầu tư / Tổng mức đầu tư", "approved_investment")
    assert layout["context"]["province"] == "BẮC KẠN" and layout["context"]["year"] == 2022
    # Every work in its district's commune, on the title's program component.
    works = {w.code: w for w in Work.objects.filter(code__startswith="BK-RF-").select_related("commune__district")}
    for district, rows in (("Huyện Bạch Thông", report["bach_thong"]), ("Huyện Chợ Đồn", report["cho_don"])):
        for code, commune, amount in rows:
            work = works[code]
            assert (work.commune.name, work.commune.district.name) == (commune, district)
            assert work.approved_investment == round(amount * MILLION)
            assert list(work.components.all()) == [programs["infra"]]
    # The totals reproduce the report's own subtotals to the đồng, and every one was checked.
    totals = {t["label"]: t for t in layout["totals"]}
    assert {label: t["status"] for label, t in totals.items()} == {
        "TỔNG CỘNG": "ok",
        "Huyện Bạch Thông": "ok",
        "Cộng huyện Bạch Thông": "ok",
        "Huyện Chợ Đồn": "ok",
        "Cộng huyện Chợ Đồn": "ok",
    }
    bach_thong = sum(works[code].approved_investment for code, *_ in report["bach_thong"])
    assert totals["Cộng huyện Bạch Thông"]["checks"][0]["figure"] == bach_thong
    assert totals["TỔNG CỘNG"]["checks"][0]["figure"] == sum(w.approved_investment for w in works.values())
    # Sections, their rows, and the end of the table.
    sections = {s["row"]: (s["label"], s["first"], s["last"]) for s in layout["sections"]}
    assert sections[10] == ("Huyện Bạch Thông", 13, 17)
    assert layout["end"]["row"] > 17 and layout["skipped"][0] == {"row": 8, "reason": "numbering", "text": ""}
    assert any("rows 13–17 are read as in Huyện Bạch Thông" in note for note in result.notes)
    assert result.as_dict()["layout"] == layout


def test_a_faulty_subtotal_is_a_warning_naming_the_section_and_both_figures(programs, report):
    wrong = sum(amount for *_, amount in report["cho_don"]) + 0.5
    result = run_import("works", report_form(**report, subtotals={"Huyện Chợ Đồn": wrong}))
    assert result.written, result.summary()
    mismatches = [w for w in result.warnings if "Huyện Chợ Đồn" in w.message]
    assert len(mismatches) == 1, [str(w) for w in result.warnings]
    message = mismatches[0].message
    figure = sum(round(amount * MILLION) for *_, amount in report["cho_don"])
    assert "(row 25, “Cộng huyện Chợ Đồn”)" in message
    assert f"{figure // MILLION:,}".replace(",", ".") in message and "a difference of 0,5 triệu đồng" in message
    assert mismatches[0].column == "Quyết định đầu tư / Tổng mức đầu tư"
    statuses = {t["label"]: t["status"] for t in result.layout["totals"]}
    assert statuses["Cộng huyện Chợ Đồn"] == "mismatch" and statuses["Cộng huyện Bạch Thông"] == "ok"


def test_a_faulty_grand_total_is_a_warning_for_the_whole_table(programs, report):
    result = run_import("works", report_form(**report, total=1.0))
    assert result.written
    assert any(
        "The total of the whole table (row 9, “TỔNG CỘNG”) is 1 triệu đồng" in w.message for w in result.warnings
    )


def test_a_faulty_data_row_refuses_the_file_and_writes_nothing(programs, report):
    report["cho_don"][1] = ("BK-RF-0021", "Xã Không Có", 200.0)
    result = run_import("works", report_form(**report))
    assert not result.written and not Work.objects.filter(code__startswith="BK-RF-").exists()
    assert [e.row for e in result.errors] == [23]
    assert next(iter(result.errors)).column == "Địa điểm xây dựng / Xã"


def test_layout_rows_are_not_errors_and_a_row_below_the_table_is(programs, report):
    # The signature rows are below the table, not errors; a data row after them would be lost: it is an error.
    result = run_import("works", report_form(**report))
    assert result.ok and result.layout["end"]["rows_below"] == 3
    late_row = [
        [],
        [
            1,
            "BK-RF-0099",
            "Đường thôn Bản Chang",
            "Xã Vi Hương",
            "",
            "Đường giao thông nông thôn",
            "",
            150,
            "Đang thi công",
        ],
    ]
    book_bytes = report_form(**report, extra_rows=[[None, "Ghi chú: số liệu đến 15/6/2022"], *late_row])
    result = run_import("works", book_bytes)
    assert not result.written
    assert {e.row for e in result.errors} == {28}
    assert "below the end of the table (row 26, “Ghi chú: số liệu đến 15/6/2022”)" in next(iter(result.errors)).message


def test_an_allocations_report_takes_its_year_from_the_title(programs, report):
    run_import("works", report_form(**report))
    book = Workbook()
    sheet = book.active
    works = report["bach_thong"]
    for values in [
        ["UBND HUYỆN BẠCH THÔNG"],
        ["KẾ HOẠCH VỐN NĂM 2022 CHƯƠNG TRÌNH MTQG PHÁT TRIỂN KT-XH VÙNG ĐỒNG BÀO DTTS VÀ MIỀN NÚI"],
        ["STT", "Mã công trình", "Nguồn vốn", "Loại vốn", "Quyết định giao vốn", None],
        [None, None, None, None, "Ngày QĐ", "Số vốn (triệu đồng)"],
        ["1", "2", "3", "4", "5", "6"],
        [None, "Tổng số", None, None, None, sum(a for *_, a in works)],
        ["A", "Tiểu dự án 1 - Dự án 4"],
        *[[i, code, "NSTW", "Vốn ĐTPT", "15/06/2022", amount] for i, (code, _, amount) in enumerate(works, 1)],
        [None, "Thủ trưởng đơn vị"],
    ]:
        sheet.append(values)
    sheet.merge_cells("E3:F3")
    out = io.BytesIO()
    book.save(out)
    result = run_import("allocations", out.getvalue())
    assert result.written, result.summary()
    entries = Allocation.objects.filter(work__code__in=[code for code, *_ in works])
    assert {e.year for e in entries} == {2022}
    assert {e.component_id for e in entries} == {programs["infra"].pk}
    assert sum(e.amount for e in entries) == sum(round(a * MILLION) for *_, a in works)
    assert [t["status"] for t in result.layout["totals"]] == ["ok"]


def test_the_communes_are_real(db):
    # The fixture's communes exist on the legacy map under the districts the sections name.
    for district, rows in (("Huyện Bạch Thông", BACH_THONG), ("Huyện Chợ Đồn", CHO_DON)):
        for name, _ in rows:
            assert Commune.objects.filter(name=name, district__name=district, province__code="06").exists()
