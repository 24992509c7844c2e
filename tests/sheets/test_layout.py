"""Report forms read as they are, the pure reading part: headers over several rows, sections, totals, the end."""

import pytest

from sheets import AmountColumn, CodeColumn, TextColumn, Unit, read_sheet
from sheets.layout import header_parts, numbering_of, title_context
from tests.sheets.files import report_xlsx

COLUMNS = [
    CodeColumn("work", "Mã công trình", required=True),
    TextColumn("name", "Tên công trình", required=True),
    TextColumn("commune", "Xã"),
    CodeColumn("component", "Mã hợp phần", required=True, context="component"),
    AmountColumn("plan", "Kế hoạch vốn", unit=Unit.MILLION),
    AmountColumn("paid", "Vốn đã giải ngân", aliases=["Đến 30/6"], under=["Giải ngân"], unit=Unit.MILLION),
]


xlsx = report_xlsx


HEADER = [
    ["STT", "Mã công trình", "Tên công trình", "Địa điểm", "Kế hoạch vốn năm 2022", None, None, "Giải ngân", None],
    [None, None, None, "Xã", "Tổng số", "Vốn ĐTPT", "Vốn SN", "Đến 30/6", "Tỷ lệ (%)"],
]


def form(*body, subtotal=301):
    return xlsx(
        [
            ["UBND HUYỆN BẠCH THÔNG", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
            ["BÁO CÁO GIẢI NGÂN CHƯƠNG TRÌNH MTQG PHÁT TRIỂN KT-XH VÙNG ĐỒNG BÀO DTTS VÀ MIỀN NÚI NĂM 2022"],
            [None, None, None, None, None, None, "ĐVT: triệu đồng"],
            *HEADER,
            ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)"],
            [None, "TỔNG CỘNG", None, None, 300, 200, 100, 150, 50],
            ["I", "Xã Mỹ Thanh", None, None, 300],
            [None, "Dự án 4: Đầu tư cơ sở hạ tầng thiết yếu, phục vụ sản xuất, đời sống"],
            [None, "Tiểu dự án 1"],
            ["1", "BK-1", "Đường A", "Xã Mỹ Thanh", 100, 100, 0, 50, 50],
            ["2", "BK-2", "Đường B", "Xã Mỹ Thanh", 200, 100, 100, 100, 50],
            *body,
            [None, "Cộng I", None, None, subtotal],
            [],
            [None, "Người lập biểu", None, None, "Thủ trưởng đơn vị"],
            [None, "Nguyễn Văn A"],
        ],
        merges=["E4:G4", "H4:I4"],
    )


def read(data):
    with read_sheet(data, COLUMNS, filename="bieu.xlsx") as sheet:
        rows = list(sheet)
        return sheet, rows


def test_a_header_over_two_rows_with_merged_cells_is_one_header_per_column():
    sheet, rows = read(form())
    assert sheet.header_rows == [4, 5]
    headers = {key: (bound.letter, bound.header) for key, bound in sheet.columns.items()}
    assert headers == {
        "work": ("B", "Mã công trình"),
        "name": ("C", "Tên công trình"),
        "commune": ("D", "Địa điểm / Xã"),
        "plan": ("E", "Kế hoạch vốn năm 2022 / Tổng số"),  # the parent's total
        "paid": ("H", "Giải ngân / Đến 30/6"),  # "Đến 30/6" under "Giải ngân" only
    }
    assert [w.column for w in sheet.warnings] == [
        "Kế hoạch vốn năm 2022 / Vốn ĐTPT",
        "Kế hoạch vốn năm 2022 / Vốn SN",
        "Giải ngân / Tỷ lệ (%)",
    ]
    # The numbering row is not data ("(5)" is never −5), nor the total, section and signature rows.
    assert [row.number for row in rows] == [11, 12]
    assert all(row.ok for row in rows), [row.errors for row in rows]
    assert [row.values["plan"] for row in rows] == [100_000_000, 200_000_000]


def test_section_rows_set_the_context_of_the_rows_under_them():
    sheet, rows = read(form())
    assert rows[0].context == {
        "district": "HUYỆN BẠCH THÔNG",
        "year": 2022,
        "program": "BÁO CÁO GIẢI NGÂN CHƯƠNG TRÌNH MTQG PHÁT TRIỂN KT-XH VÙNG ĐỒNG BÀO DTTS VÀ MIỀN NÚI NĂM 2022",
        "commune": "Xã Mỹ Thanh",
        "group": "I",
        "component": "DA4.TDA1",
    }
    # The component column is absent: the section gives it, so no row is in error for it.
    assert rows[0].values["component"] is None and rows[0].ok


def test_totals_are_checked_against_the_rows_they_sum():
    sheet, _ = read(form())
    totals = {t.label: t for t in sheet.layout.check()}
    assert totals["TỔNG CỘNG"].status == "ok" and totals["TỔNG CỘNG"].section is None
    assert [c["figure"] for c in totals["TỔNG CỘNG"].checks] == [300_000_000, 150_000_000]
    assert totals["Xã Mỹ Thanh"].status == "ok"  # a section row's own figure: the total of its section
    assert totals["Cộng I"].status == "mismatch"
    notes, warnings = sheet.layout.messages()
    assert warnings == [
        {
            "row": 13,
            "column": "Kế hoạch vốn năm 2022 / Tổng số",
            "message": "The total of Xã Mỹ Thanh (row 13, “Cộng I”) is 301 triệu đồng; the data rows it sums "
            "(rows 11–12) add up to 300 triệu đồng, a difference of 1 triệu đồng.",
        }
    ]
    assert "Row 8 is a section row: “Xã Mỹ Thanh”; rows 11–12 are read as in Xã Mỹ Thanh." in notes
    assert sheet.layout.end == (15, "Người lập biểu")


def test_a_row_without_a_section_value_and_without_the_column_is_in_error():
    data = xlsx(
        [HEADER[0], HEADER[1], ["1", "BK-1", "Đường A", "Xã Mỹ Thanh", 100, 100, 0, 50, 50]], ["E1:G1", "H1:I1"]
    )
    _, rows = read(data)
    assert [str(e) for e in rows[0].errors] == [
        "Row 3, column “Mã hợp phần”: A value is required: the file has no such column, and no title or section row "
        "above this row gives it."
    ]


def test_a_row_below_the_end_of_the_table_that_is_data_is_an_error():
    sheet, rows = read(form([None, "Ghi chú: số liệu đến 30/6"], ["3", "BK-3", "Đường C", "Xã Mỹ Thanh", 50]))
    assert [row.number for row in rows] == [11, 12, 14]
    assert "below the end of the table (row 13" in rows[-1].errors[0].message


def test_a_culvert_is_not_a_subtotal_and_a_numbered_row_without_values_is_an_error():
    sheet, rows = read(form(["3", "", "Cống thoát nước bản Nà", "", 5]))
    assert [row.number for row in rows] == [11, 12]
    assert all(t.own for t in sheet.layout.totals if t.row == 13)  # not read as "Cộng ..." of a section
    assert sheet.layout.errors == [(13, "Cống thoát nước bản Nà")]  # the engine reports it as a row in error


def test_header_parts_carry_a_merged_parent_over_its_children_only():
    grid = header_parts([["STT", "Tên", "Kế hoạch vốn", None, None, "Ghi chú"], [None, None, "Tổng", "ĐTPT", "SN"]])
    assert grid.parts == [
        ["STT"],
        ["Tên"],
        ["Kế hoạch vốn", "Tổng"],
        ["Kế hoạch vốn", "ĐTPT"],
        ["Kế hoạch vốn", "SN"],
        ["Ghi chú"],
    ]
    assert grid.spans[3] == [3, 1]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("II", ("roman", 2, "II")),
        ("B", ("letter", "B", "B")),
        ("1.2", ("item", 2, "1.2")),
        (3, ("item", 1, "3")),
        ("Đường", None),
    ],
)
def test_numbering(cell, expected):
    assert numbering_of(cell) == expected


def test_title_context():
    assert title_context([["UBND TỈNH QUẢNG NINH"], ["Năm 2025"], ["Bắc Kạn, ngày 15 tháng 6 năm 2022"]]) == {
        "province": "QUẢNG NINH",
        "year": 2025,
    }
