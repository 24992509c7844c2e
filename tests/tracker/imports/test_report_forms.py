"""Officials' report forms imported as they are: a Bắc Kạn 2022 report of infrastructure works in the form of a
"biểu mẫu báo cáo" (title block, a two-row merged header with a numbering row, district and project section
rows, a grand total first under the header, district subtotals, a signature block)."""

import datetime

import pytest

from imports.engine import run_import
from localities.models import Commune
from programs.choices import ComponentLevelChoices
from tests.programs.factories import ComponentFactory, ProgramFactory
from tests.sheets.files import report_xlsx
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
    return report_xlsx(rows, merges, title="Biểu 01")


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
    works = report["bach_thong"]
    rows = [
        ["UBND HUYỆN BẠCH THÔNG"],
        ["KẾ HOẠCH VỐN NĂM 2022 CHƯƠNG TRÌNH MTQG PHÁT TRIỂN KT-XH VÙNG ĐỒNG BÀO DTTS VÀ MIỀN NÚI"],
        ["STT", "Mã công trình", "Nguồn vốn", "Loại vốn", "Quyết định giao vốn", None],
        [None, None, None, None, "Ngày QĐ", "Số vốn (triệu đồng)"],
        ["1", "2", "3", "4", "5", "6"],
        [None, "Tổng số", None, None, None, sum(a for *_, a in works)],
        ["A", "Tiểu dự án 1 - Dự án 4"],
        *[[i, code, "NSTW", "Vốn ĐTPT", "15/06/2022", amount] for i, (code, _, amount) in enumerate(works, 1)],
        [None, "Thủ trưởng đơn vị"],
    ]
    result = run_import("allocations", report_xlsx(rows, ["E3:F3"]))
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


# -- wide capital forms ----------------------------------------------------------------------------------------


def wide_form(works, *, rows=None, title_year="2022") -> bytes:
    """A district's capital plan as it sends it: one row per work, an amount column per kind of capital under a
    header over three rows, capital of the year before carried over, a disbursement column beside."""
    header = [
        ["UBND HUYỆN BẠCH THÔNG"],
        [f"KẾ HOẠCH VỐN NĂM {title_year} CHƯƠNG TRÌNH MTQG PHÁT TRIỂN KT-XH VÙNG ĐỒNG BÀO DTTS VÀ MIỀN NÚI"],
        [None, None, None, None, None, None, None, "ĐVT: triệu đồng"],
        # A4: header rows 4-6
        [
            "STT",
            "Mã công trình",
            "Ngày QĐ",
            "Kế hoạch vốn năm 2022",
            None,
            None,
            None,
            "Vốn năm 2021 chuyển sang",
            "Giải ngân đến 30/6",
        ],
        [None, None, None, "Tổng số", "NSTW", None, "NSĐP", None, None],
        [None, None, None, None, "Vốn ĐTPT", "Vốn SN", "Vốn ĐTPT", None, None],
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)"],
    ]
    if rows is None:
        rows = [[i, code, "15/03/2022", 100 + i, 60 + i, 30, 10, 5, 20] for i, (code, _, _) in enumerate(works, 1)]
    figures = [sum(r[k] for r in rows if isinstance(r[k], int | float)) for k in range(3, 9)]
    body = [
        [None, "Tổng số", None, *figures],
        ["A", "Tiểu dự án 1 - Dự án 4"],
        *rows,
        [None, "Người lập biểu", None, None, "Thủ trưởng đơn vị"],
    ]
    return report_xlsx([*header, *body], ("A4:A6", "B4:B6", "C4:C6", "D4:G4", "D5:D6", "E5:F5", "H4:H6", "I4:I6"))


@pytest.fixture
def district_works(programs, report):
    result = run_import("works", report_form(**report))
    assert result.written, result.summary()
    return report["bach_thong"]


def test_a_wide_capital_form_gives_one_allocation_per_amount_column(programs, district_works):
    result = run_import("allocations", wide_form(district_works))
    assert result.written, result.summary()
    assert result.new == len(district_works)
    assert result.created["capital entries"] == 3 * len(district_works)
    entries = Allocation.objects.filter(work__code__in=[code for code, *_ in district_works])
    assert {(e.source, e.capital_type, e.year) for e in entries} == {
        ("central", "investment", 2022),
        ("central", "recurrent", 2022),
        ("province", "investment", 2022),
    }
    assert {e.component_id for e in entries} == {programs["infra"].pk}
    for i, (code, *_) in enumerate(district_works, 1):
        mine = {(e.source, e.capital_type): e.amount for e in entries if e.work.code == code}
        assert mine == {
            ("central", "investment"): (60 + i) * MILLION,
            ("central", "recurrent"): 30 * MILLION,
            ("province", "investment"): 10 * MILLION,
        }
    # The carried-over column is counted in the totals and said not imported; the disbursements are ignored.
    assert any("H “Vốn năm 2021 chuyển sang”" in note and "not imported" in note for note in result.notes), result.notes
    assert [c["header"] for c in result.layout["ignored"]] == ["Giải ngân đến 30/6"]
    assert [t["status"] for t in result.layout["totals"]] == ["ok"]
    # The same file again changes nothing.
    again = run_import("allocations", wide_form(district_works))
    assert again.written and again.new == 0 and again.unchanged == len(district_works), again.summary()


def test_a_wide_row_whose_total_disagrees_with_its_parts_is_an_error_naming_both(programs, district_works):
    rows = [[i, code, "15/03/2022", 100 + i, 60 + i, 30, 10, 5, 20] for i, (code, *_) in enumerate(district_works, 1)]
    rows[1][3] = 999  # the total of row 2 of the data
    result = run_import("allocations", wide_form(district_works, rows=rows))
    assert not result.written
    [error] = result.errors
    assert error.row == 11 and error.column == "Kế hoạch vốn năm 2022 / Tổng số"
    assert "Column D “Kế hoạch vốn năm 2022 / Tổng số” gives 999 triệu đồng" in error.message
    assert "E “Kế hoạch vốn năm 2022 / NSTW / Vốn ĐTPT”" in error.message
    assert "add up to 102 triệu đồng" in error.message
    assert not Allocation.objects.exists()


sheet_bytes = report_xlsx


def test_a_wide_form_of_sources_with_the_capital_type_in_a_column(programs, district_works):
    # "Tổng số | Trong đó: NSTW | NSĐP", the type per row, the year from the title; one header row over two.
    works = district_works[:3]
    rows = [
        ["KẾ HOẠCH PHÂN BỔ VỐN NĂM 2023 - TIỂU DỰ ÁN 1 DỰ ÁN 4"],
        ["Mã công trình", "Loại vốn", "Ngày giao", "Tổng số", "Trong đó", None],
        [None, None, None, None, "NSTW", "NSĐP"],
        [works[0][0], "Vốn ĐTPT", "01/02/2023", "1.500", "1.200", "300"],
        [works[1][0], "Vốn SN", "01/02/2023", "80,5", "80,5", None],
        [works[2][0], "ĐTPT", "01/02/2023", "0", None, None],
    ]
    result = run_import("allocations", sheet_bytes(rows, ["A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:F2"]), dry_run=False)
    assert result.written, result.summary()
    assert (result.new, result.unchanged) == (2, 1)  # the third work has no capital this time
    got = sorted(
        (e.work.code, e.source, e.capital_type, e.year, e.amount)
        for e in Allocation.objects.filter(work__code__in=[code for code, *_ in works])
    )
    assert got == [
        (works[0][0], "central", "investment", 2023, 1_200 * MILLION),
        (works[0][0], "province", "investment", 2023, 300 * MILLION),
        (works[1][0], "central", "recurrent", 2023, 80_500_000),
    ]


def test_a_wide_column_that_says_no_source_and_a_row_without_one_is_an_error(programs, district_works):
    code = district_works[0][0]
    rows = [
        ["Mã công trình", "Năm", "Ngày QĐ", "Vốn ĐTPT (đồng)", "Vốn SN (đồng)"],
        [code, "2022", "15/03/2022", "200.000.000", None],
    ]
    result = run_import("allocations", sheet_bytes(rows))
    assert not result.written
    [error] = result.errors
    assert (error.row, error.column) == (2, "Vốn ĐTPT (đồng)")
    assert "does not say the source (NSTW, NSĐP…)" in error.message
    assert not Allocation.objects.exists()


def test_a_total_with_its_parts_blank_is_an_error_not_a_guess(programs, district_works):
    code = district_works[0][0]
    rows = [
        ["Mã công trình", "Năm", "Ngày QĐ", "Tổng số", "Vốn NSTW", "Vốn NSĐP"],
        [code, "2022", "15/03/2022", "500", None, None],
    ]
    result = run_import("allocations", sheet_bytes(rows))
    assert not result.written
    [error] = result.errors
    assert (
        "Column D “Tổng số” gives 500 triệu đồng, but the columns under it (E “Vốn NSTW”, F “Vốn NSĐP”) are blank"
        in (error.message)
    )


def test_a_province_plan_in_a_wide_form(programs, district_works):
    from programs.models import CapitalPlanEntry

    rows = [
        ["KẾ HOẠCH VỐN NĂM 2022", None, None, None, None, None],
        ["Mã tỉnh", "Chương trình", "Hợp phần", "Ngày quyết định", "Kế hoạch vốn năm 2022", None, None],
        [None, None, None, None, "Tổng số", "Vốn ĐTPT NSTW", "Vốn sự nghiệp NSTW"],
        ["06", "NTP-1719", "DA4.TDA1", "10/01/2022", "150.823", "120.000", "30.823"],
    ]
    result = run_import("capital-plans", sheet_bytes(rows, ["A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:G2"]))
    assert result.written, result.summary()
    entries = CapitalPlanEntry.objects.order_by("capital_type")
    assert [(e.province.code, e.source, e.capital_type, e.year, e.amount) for e in entries] == [
        ("06", "central", "investment", 2022, 120_000 * MILLION),
        ("06", "central", "recurrent", 2022, 30_823 * MILLION),
    ]


def test_the_year_of_the_amount_header_is_the_plan_year_before_the_title(programs, district_works):
    code = district_works[0][0]
    rows = [
        ["BÁO CÁO NĂM 2023"],  # the year of the report, not of the capital
        ["Mã công trình", "Nguồn vốn", "Loại vốn", "Ngày QĐ", "Kế hoạch vốn năm 2022 (triệu đồng)"],
        [code, "NSTW", "ĐTPT", "15/03/2022", "250"],
    ]
    result = run_import("allocations", sheet_bytes(rows))
    assert result.written, result.summary()
    assert [(e.year, e.amount) for e in Allocation.objects.all()] == [(2022, 250 * MILLION)]


def test_a_plan_attached_to_a_decision_takes_its_date_from_the_title(programs, district_works):
    code = district_works[0][0]
    rows = [
        ["KẾ HOẠCH VỐN NĂM 2023"],
        ["(Kèm theo Quyết định số 215/QĐ-UBND ngày 10/02/2023 của UBND huyện Bạch Thông)"],
        ["Mã công trình", "Vốn NSTW - ĐTPT", "Vốn NSTW - SN"],
        ["Tổng cộng", "120", "15,5"],  # in the code column, every figure given: still a total, checked
        [code, "120", "15,5"],
        [None, "Bạch Thông, ngày 12 tháng 02 năm 2023"],
    ]
    result = run_import("allocations", sheet_bytes(rows))
    assert result.written, result.summary()
    assert sorted((e.decided_on, e.year, e.capital_type, e.amount) for e in Allocation.objects.all()) == [
        (datetime.date(2023, 2, 10), 2023, "investment", 120 * MILLION),
        (datetime.date(2023, 2, 10), 2023, "recurrent", 15_500_000),
    ]
    assert "decision date: 10/02/2023" in result.notes[0]
    assert [t["status"] for t in result.layout["totals"]] == ["ok"]


def test_a_work_funded_by_two_components_takes_the_one_of_its_section(programs, district_works):
    work = Work.objects.get(code=district_works[0][0])
    work.components.add(programs["other"])  # now funded by NTP-1719 DA4.TDA1 and NTP-GNBV DA4.TDA1
    result = run_import("allocations", wide_form(district_works))
    assert result.written, result.summary()
    assert {e.component_id for e in Allocation.objects.filter(work=work)} == {programs["infra"].pk}
