"""Reading whole files: header rows under titles, skipped rows, row numbers, encodings, separators, errors."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import translation

from programs.choices import CapitalTypeChoices
from sheets import (
    AmountColumn,
    CodeColumn,
    DecimalColumn,
    ErrorLog,
    NumberStyle,
    SheetRejected,
    TextColumn,
    Unit,
    read_sheet,
)

from .conftest import HEADERS, WORK_COLUMNS
from .files import Percent, Raw, csv_bytes, hand_made_xlsx, openpyxl_xlsx


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def read_all(source, columns=WORK_COLUMNS, **options):
    with read_sheet(source, columns, **options) as sheet:
        return sheet, list(sheet)


TITLE_ROWS = [
    ["UBND TỈNH BẮC KẠN"],
    ["BÁO CÁO DANH MỤC CÔNG TRÌNH NĂM 2022"],
    ["(Kèm theo Quyết định số 123/QĐ-UBND ngày 15/06/2022)"],
    None,
]


def test_real_workbook_with_titles_totals_numbers_and_dates(tmp_path):
    path = openpyxl_xlsx(
        tmp_path / "works.xlsx",
        {
            "Công trình": [
                *TITLE_ROWS,
                ["STT", *HEADERS],  # row 5
                ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)", "(10)", "(11)"],
                [
                    1,
                    "BK-2022-0001",
                    "Đường bê tông nội thôn Khau Mu",
                    "01849",
                    0.38,
                    194.6,
                    "Đầu tư phát triển",
                    "x",
                    datetime.date(2022, 8, 31),
                    0.41,
                    117,
                ],
                [
                    2,
                    "BK-2022-0002",
                    "Đài truyền thanh xã Dương Quang",
                    1849,
                    None,
                    173,
                    "Vốn sự nghiệp",
                    None,
                    datetime.datetime(2022, 8, 20, 0, 0),
                    1,
                    556,
                ],
                None,  # a blank row in the middle
                [
                    3,
                    "BK-2022-0003",
                    "Kênh mương Nà Pài",
                    "01849",
                    "1,2",
                    212.60000000000002,
                    "investment",
                    "có",
                    "20/09/2022",
                    None,
                    "1.234",
                ],
                [None, "Tổng cộng", None, None, None, "=SUM(F7:F10)"],
            ]
        },
        formats={"J7": "0%", "J8": "0%"},
    )
    sheet, rows = read_all(path)
    assert sheet.format == "xlsx"
    assert sheet.sheet_name == "Công trình"
    assert sheet.header_row == 5
    assert sheet.warnings == []  # "STT" is silently ignored
    assert [row.number for row in rows] == [7, 8, 10]
    assert sheet.skipped == {"blank": 0, "total": 1, "numbering": 1}
    assert all(row.ok for row in rows), [row.errors for row in rows]
    first, second, third = (row.values for row in rows)
    assert first == {
        "code": "BK-2022-0001",
        "name": "Đường bê tông nội thôn Khau Mu",
        "commune": "01849",
        "length": Decimal("0.38"),
        "investment": 194_600_000,
        "capital_type": CapitalTypeChoices.INVESTMENT,
        "small": True,
        "started": datetime.date(2022, 8, 31),
        "progress": Decimal("41"),  # 41% in a cell formatted as a percentage
        "households": 117,
    }
    assert second["commune"] == "01849"  # the number 1849, padded back
    assert second["capital_type"] == CapitalTypeChoices.RECURRENT
    assert second["small"] is False
    assert second["started"] == datetime.date(2022, 8, 20)
    assert second["progress"] == Decimal("100")
    assert second["length"] is None
    assert third["length"] == Decimal("1.2")
    assert third["investment"] == 212_600_000  # Excel's 212.60000000000002, as Excel shows it
    assert third["started"] == datetime.date(2022, 9, 20)
    assert third["households"] == 1234
    assert third["progress"] is None


def test_every_error_of_every_row_is_collected(tmp_path):
    path = openpyxl_xlsx(
        tmp_path / "bad.xlsx",
        {
            "Sheet": [
                HEADERS,
                ["BK-1", "", "123456", "abc", "0,0000005", "Vốn vay", "maybe", "31/02/2025", 145, "2,5"],
                ["BK-2", "Đường A", "02011", "1", "-5", "", "", "", "", ""],
                ["", "Đường B"],
            ]
        },
    )
    sheet, rows = read_all(path)
    log = ErrorLog()
    for row in rows:
        log.extend(row.errors)
    messages = [str(error) for error in log]
    assert messages == [
        "Row 2, column “Mã xã”: Expected a code of 5 digits; found “123456”.",
        "Row 2, column “Quy mô (km)”: Expected a number such as 1.234.567, 1.234,5; found “abc”.",
        "Row 2, column “Tổng mức đầu tư (triệu đồng)”: Expected a whole number of đồng; "
        "found “0,0000005” triệu đồng, which is 0,5 đồng.",
        "Row 2, column “Loại vốn”: Expected one of: Development investment (also: Đầu tư phát triển, ĐTPT); "
        "Recurrent (sự nghiệp); found “Vốn vay”.",
        "Row 2, column “Công trình quy mô nhỏ”: Expected yes or no (x, có, không, yes, no, 1, 0); found “maybe”.",
        "Row 2, column “Ngày khởi công”: Expected a date that exists; found “31/02/2025”: there is no 31/02/2025.",
        "Row 2, column “Tiến độ (%)”: Expected at most 100; found 145.",
        "Row 2, column “Số hộ hưởng lợi”: Expected a whole number; found “2,5”.",
        "Row 2, column “Tên công trình”: A value is required.",
        "Row 3, column “Tổng mức đầu tư (triệu đồng)”: Expected an amount that is not negative; found “-5”.",
        "Row 4, column “Mã công trình”: A value is required.",
    ]
    assert rows[0].values["name"] is None and rows[0].values["households"] is None
    assert rows[1].values["length"] == Decimal("1")


def test_headers_match_whatever_the_case_accents_spacing_or_language(tmp_path):
    headers = ["  MA CONG TRINH ", "ten  cong   trinh*", "Commune code", "Total investment (billion VND)", "Ghi chú"]
    path = openpyxl_xlsx(tmp_path / "en.xlsx", {"S": [headers, ["BK-1", "Road", 4, "1,5", "note"]]})
    sheet, rows = read_all(path)
    assert sheet.columns["investment"].unit is Unit.BILLION
    assert rows[0].values["investment"] == 1_500_000_000
    assert rows[0].values["commune"] == "00004"
    assert [str(warning) for warning in sheet.warnings] == [
        "Row 1, column “Ghi chú”: Column E is not a known column and is ignored."
    ]
    assert sheet.has_column("investment") and not sheet.has_column("started")
    assert rows[0].values["started"] is None
    assert sheet.header_for("started") == "Ngày khởi công"
    assert sheet.header_for("name") == "ten cong trinh*"


@pytest.mark.parametrize(
    ("header", "amount"),
    [
        ("Tổng mức đầu tư (triệu đồng)", 12_500_000),
        ("Tổng mức đầu tư (tr.đ)", 12_500_000),
        ("Tổng mức đầu tư (trđ)", 12_500_000),
        ("Tổng mức đầu tư [million VND]", 12_500_000),
        ("Tổng mức đầu tư (tỷ đồng)", 12_500_000_000),
        ("Total investment (billion VND)", 12_500_000_000),
        ("Tổng mức đầu tư (nghìn đồng)", 12_500),
        ("Tổng mức đầu tư (đồng)", None),  # 12,5 đồng is not a whole number of đồng
        ("Tổng mức đầu tư (VND)", None),
        ("Tổng mức đầu tư", 12_500_000),  # no unit: the column's own (million)
    ],
)
def test_a_unit_in_the_header_sets_the_scale(header, amount):
    data = csv_bytes([["Mã công trình", "Tên công trình", header], ["BK-1", "Đường", "12,5"]])
    sheet, rows = read_all(data)
    assert rows[0].values["investment"] == amount
    assert bool(rows[0].errors) is (amount is None)


def test_a_sheet_wide_unit_above_the_header():
    data = csv_bytes(
        [
            ["BÁO CÁO"],
            ["", "", "Đơn vị tính: tỷ đồng"],
            ["Mã công trình", "Tên công trình", "Tổng mức đầu tư"],
            ["BK-1", "Đường", "1,5"],
        ]
    )
    sheet, rows = read_all(data)
    assert sheet.columns["investment"].unit is Unit.BILLION
    assert rows[0].values["investment"] == 1_500_000_000


def test_file_level_column_problems_are_all_reported():
    data = csv_bytes(
        [
            ["Tên công trình", "Quy mô (m)", "Tổng mức đầu tư (USD)", "Work name"],
            ["Đường", "300", "5", "Đường"],
        ]
    )
    with pytest.raises(SheetRejected) as caught:
        read_sheet(data, WORK_COLUMNS)
    assert [str(error) for error in caught.value.errors] == [
        "Row 1, column “Quy mô (m)”: Expected the unit “km”; found “m”.",
        "Row 1, column “Tổng mức đầu tư (USD)”: Unknown unit “USD”; expected one of: đồng, nghìn đồng, triệu đồng, "
        "tỷ đồng.",
        "Row 1, column “Work name”: Columns A (“Tên công trình”) and D both give “Tên công trình”; keep only one.",
        "Row 1, column “Mã công trình”: Required column “Mã công trình” is missing (also accepted: “Work code”).",
    ]


def test_no_header_row():
    data = csv_bytes([["a", "b"], ["c", "d"]])
    with pytest.raises(
        SheetRejected, match="No header row found in the first 30 rows: expected column headers such as"
    ):
        read_sheet(data, WORK_COLUMNS)


def test_header_beyond_the_search_rows_is_not_found():
    data = csv_bytes([[f"title {n}"] for n in range(5)] + [["Mã công trình", "Tên công trình"], ["BK-1", "A"]])
    with pytest.raises(SheetRejected, match="first 3 rows"):
        read_sheet(data, WORK_COLUMNS, header_search_rows=3)
    sheet, rows = read_all(data, header_search_rows=6)
    assert sheet.header_row == 6 and rows[0].number == 7


@pytest.mark.parametrize(
    "label",
    [
        "Tổng cộng",
        "TỔNG CỘNG",
        "Tổng cộng:",
        "Cộng",
        "Cộng:",
        "Tổng",
        "Total",
        "Grand total",
        "Tổng số",
        "Cộng I",
        "Tổng cộng toàn tỉnh",
        "Cộng (I+II)",
    ],
)
def test_total_rows_are_skipped(label):
    data = csv_bytes([["Mã công trình", "Tên công trình"], ["BK-1", "A"], [label, "", "1.234"]])
    sheet, rows = read_all(data)
    assert [row.number for row in rows] == [2]
    assert sheet.skipped["total"] == 1


@pytest.mark.parametrize("code", ["Cộng Hòa 1", "Tổng kho", "Totally", "BK-1"])
def test_rows_that_only_look_like_totals_are_read(code):
    data = csv_bytes([["Mã công trình", "Tên công trình"], [code, "A"]])
    _, rows = read_all(data)
    assert rows[0].values["code"] == code


def test_pre_numbered_empty_rows_and_blank_rows_are_skipped():
    data = csv_bytes(
        [["STT", "Mã công trình", "Tên công trình"], ["1", "2", "3"], ["1", "BK-1", "A"], ["2", "", ""], [], ["", " "]]
    )
    sheet, rows = read_all(data)
    assert [row.number for row in rows] == [3]
    assert sheet.skipped == {"blank": 3, "total": 0, "numbering": 1}


def test_formula_guard_of_an_export_is_removed():
    data = csv_bytes([["Mã công trình", "Tên công trình", "Tổng mức đầu tư"], ["'=BK-1", "'-A", "'-1.000"]])
    columns = [*WORK_COLUMNS[:4], AmountColumn("investment", "Tổng mức đầu tư", allow_negative=True)]
    _, rows = read_all(data, columns)
    assert rows[0].values["code"] == "=BK-1"
    assert rows[0].values["name"] == "-A"
    assert rows[0].values["investment"] == -1_000_000_000


# -- number styles ----------------------------------------------------------------------------------------


def test_a_column_in_english_style_is_read_in_english():
    data = csv_bytes(
        [
            ["Mã công trình", "Tên công trình", "Tổng mức đầu tư (triệu đồng)", "Quy mô (km)"],
            ["BK-1", "A", "1,234", "0,38"],  # ambiguous amount; Vietnamese length
            ["BK-2", "B", "1,234.5", "1,5"],
            ["BK-3", "C", "12.5", "2"],
        ]
    )
    sheet, rows = read_all(data)
    assert sheet.columns["investment"].style is NumberStyle.ENGLISH
    assert sheet.columns["length"].style is NumberStyle.VIETNAMESE
    assert [row.values["investment"] for row in rows] == [1_234_000_000, 1_234_500_000, 12_500_000]
    assert [row.values["length"] for row in rows] == [Decimal("0.38"), Decimal("1.5"), Decimal("2")]


def test_a_value_in_the_other_style_is_an_error():
    data = csv_bytes(
        [
            ["Mã công trình", "Tên công trình", "Tổng mức đầu tư (triệu đồng)"],
            ["BK-1", "A", "1.234,5"],
            ["BK-2", "B", "2.345,6"],
            ["BK-3", "C", "12.5"],
            ["BK-4", "D", "1.234"],
        ]
    )
    _, rows = read_all(data)
    assert [row.values["investment"] for row in rows] == [1_234_500_000, 2_345_600_000, None, 1_234_000_000]
    assert str(rows[2].errors[0]) == (
        "Row 4, column “Tổng mức đầu tư (triệu đồng)”: “12.5” is written with English separators but this column "
        "uses Vietnamese ones (dot for thousands, comma for decimals): write it as 12,5."
    )


def test_the_style_is_decided_from_a_sample():
    rows = [["Mã công trình", "Tên công trình", "Tổng mức đầu tư (triệu đồng)"]]
    rows += [[f"BK-{n}", "A", "1.234"] for n in range(5)]  # ambiguous
    rows += [["BK-9", "A", "12.5"]]  # the only telling value, beyond a sample of 5
    _, read = read_all(csv_bytes(rows), style_sample_rows=5)
    assert read[0].values["investment"] == 1_234_000_000
    assert read[-1].errors


# -- CSV encodings and separators -------------------------------------------------------------------------

ROWS = [
    ["Báo cáo tổng hợp công trình"],
    ["Mã công trình", "Tên công trình", "Tổng mức đầu tư (triệu đồng)", "Ngày khởi công"],
    ["BK-2022-0001", "Đường Bản Chán - Thôm Ưng, xã Mỹ Thanh", "1.234,5", "15/06/2022"],
    ["BK-2022-0002", "Tổng kho vật tư Quảng Bạch", "212,6", "1/7/2022"],
]
EXPECTED = [
    (3, "Đường Bản Chán - Thôm Ưng, xã Mỹ Thanh", 1_234_500_000, datetime.date(2022, 6, 15)),
    (4, "Tổng kho vật tư Quảng Bạch", 212_600_000, datetime.date(2022, 7, 1)),
]


def summary(rows):
    return [(row.number, row["name"], row["investment"], row["started"]) for row in rows]


@pytest.mark.parametrize(
    ("data", "encoding", "delimiter"),
    [
        (csv_bytes(ROWS), "utf-8-sig", ","),
        (csv_bytes(ROWS, encoding="utf-8"), "utf-8", ","),
        (csv_bytes(ROWS, delimiter=";"), "utf-8-sig", ";"),
        (csv_bytes(ROWS, delimiter="\t", encoding="utf-16"), "utf-16", "\t"),
        (b"sep=;\r\n" + csv_bytes(ROWS, delimiter=";", encoding="utf-8"), "utf-8", ";"),
    ],
    ids=["bom", "no-bom", "semicolon", "utf16-tab", "sep-line"],
)
def test_csv_flavours(data, encoding, delimiter):
    sheet, rows = read_all(data)
    assert (sheet.format, sheet.encoding, sheet.delimiter) == ("csv", encoding, delimiter)
    assert summary(rows) == EXPECTED


def test_windows_1258_csv_is_decoded_and_normalised():
    data = csv_bytes(ROWS, encoding="cp1258")
    assert b"t\xf4\xd2ng h\xf5\xf2p" in data  # "tổng hợp": ô (F4) + hook (D2), ơ (F5) + dot below (F2)
    sheet, rows = read_all(data)
    assert sheet.encoding == "cp1258"
    assert summary(rows) == EXPECTED  # and they are put back together (NFC)


def test_windows_1252_text_reads_the_same():
    data = csv_bytes([["Mã công trình", "Tên công trình"], ["BK-1", "Café Noël"]], encoding="utf-8")
    legacy = data.decode("utf-8").replace("Mã công trình", "Ma cong trinh").replace("Tên công trình", "Ten cong trinh")
    sheet, rows = read_all(legacy.encode("cp1252"))
    assert sheet.encoding == "cp1258"
    assert rows[0]["name"] == "Café Noël"


@pytest.mark.parametrize(
    "data",
    [
        "Ma cong trinh,Ten cong trinh\r\nBK-1,Òscar Ìbiza\r\n".encode("cp1252"),  # not Vietnamese
        b"Ma cong trinh,Ten cong trinh\r\nBK-1,\x81\x8d\r\n",  # bytes Windows-1258 does not define
    ],
)
def test_other_legacy_encodings_are_refused(data):
    with pytest.raises(SheetRejected, match="save it as “CSV UTF-8 \\(Comma delimited\\)”"):
        read_sheet(data, WORK_COLUMNS)


def test_csv_row_numbers_count_records_not_lines():
    data = csv_bytes([["Mã công trình", "Tên công trình"], ["BK-1", "first line\nsecond line"], ["BK-2", "B"]])
    _, rows = read_all(data)
    assert [(row.number, row["name"]) for row in rows] == [(2, "first line second line"), (3, "B")]


def test_nfd_text_from_a_mac_is_normalised():
    import unicodedata

    rows = [[unicodedata.normalize("NFD", cell) for cell in row] for row in ROWS]
    _, read = read_all(csv_bytes(rows, encoding="utf-8"))
    assert summary(read) == EXPECTED


# -- workbooks as Excel and others write them -------------------------------------------------------------


def test_shared_strings_rich_text_and_cell_types():
    shared = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>Mã công trình</t></si><si><t>Tên công trình</t></si>"
        "<si><r><rPr><b/></rPr><t>Đường </t></r><r><t>Khau Mu</t></r><rPh><t>PHONETIC</t></rPh></si>"
        "<si><t>Line_x000D_break &amp; more</t></si>"
        "</sst>"
    )
    rows = [
        [Raw('<c r="A1" t="s"><v>0</v></c>'), Raw('<c r="B1" t="s"><v>1</v></c>')],
        [Raw('<c r="A2" t="str"><f>"BK-"&amp;1</f><v>BK-1</v></c>'), Raw('<c r="B2" t="s"><v>2</v></c>')],
        [Raw('<c r="A3" t="e"><v>#N/A</v></c>'), Raw('<c r="B3" t="s"><v>3</v></c>')],
        [Raw('<c t="inlineStr"><is><t>BK-4</t></is></c>'), Raw("<c><v>12</v></c>")],  # no r attributes
    ]
    data = hand_made_xlsx(rows, shared_strings_xml=shared)
    _, read = read_all(data)
    assert [(row.number, row["code"], row["name"]) for row in read] == [
        (2, "BK-1", "Đường Khau Mu"),
        (3, "#N/A", "Line break & more"),  # _x000D_ is a carriage return: white space
        (4, "BK-4", "12"),
    ]


def test_prefixed_element_names_dates_percentages_and_booleans():
    rows = [
        ["Mã công trình", "Tên công trình", "Ngày khởi công", "Tiến độ", "Công trình quy mô nhỏ"],
        ["BK-1", "A", datetime.date(2022, 6, 15), Percent("0.455"), True],
        ["BK-2", "B", datetime.datetime(2022, 6, 15, 8, 30), Percent("1"), False],
    ]
    _, read = read_all(hand_made_xlsx(rows, prefix="x", shared=False))
    assert [(r["started"], r["progress"], r["small"]) for r in read] == [
        (datetime.date(2022, 6, 15), Decimal("45.5"), True),
        (datetime.date(2022, 6, 15), Decimal("100"), False),
    ]


def test_1904_date_system():
    rows = [["Mã công trình", "Tên công trình", "Ngày khởi công"], ["BK-1", "A", Raw('<c r="C2" s="1"><v>0</v></c>')]]
    _, read = read_all(hand_made_xlsx(rows, date1904=True))
    assert read[0]["started"] == datetime.date(1904, 1, 1)


def test_the_sheet_with_the_headers_is_found():
    data = hand_made_xlsx(
        {
            "Bìa": [["BÁO CÁO CÔNG TRÌNH"], ["Tỉnh Bắc Kạn"]],
            "Ẩn": [["Mã công trình", "Tên công trình"], ["HIDDEN", "x"]],
            "Tạm": [["Mã công trình", "Ghi chú"], ["BK-0", "incomplete: no name column"]],
            "Dữ liệu": [["Mã công trình", "Tên công trình"], ["BK-1", "A"]],
        },
        hidden=["Ẩn"],
    )
    sheet, rows = read_all(data)
    assert sheet.sheet_name == "Dữ liệu"
    assert [row["code"] for row in rows] == ["BK-1"]
    sheet, rows = read_all(data, sheet="an")  # forced, by folded name
    assert [row["code"] for row in rows] == ["HIDDEN"]
    sheet, rows = read_all(data, sheet=1)
    assert sheet.sheet_name == "Ẩn"
    with pytest.raises(SheetRejected, match="The workbook has no sheet “Tổng hợp”; its sheets are: “Bìa”, “Ẩn”"):
        read_sheet(data, WORK_COLUMNS, sheet="Tổng hợp")


def test_the_closest_sheet_explains_what_is_missing():
    data = hand_made_xlsx({"A": [["Ghi chú"]], "B": [["Tên công trình", "Quy mô (km)"], ["x", "1"]]})
    with pytest.raises(SheetRejected) as caught:
        read_sheet(data, WORK_COLUMNS)
    assert [(error.row, error.column) for error in caught.value.errors] == [(1, "Mã công trình")]


def test_an_importer_adds_its_own_errors_to_rows():
    _, rows = read_all(csv_bytes([["Work code", "Work name"], ["BK-1", "A"]]))
    error = rows[0].add_error("No work has this code.", column="code")
    rows[0].add_error("This row repeats row 7.")
    assert str(error) == "Row 2, column “Work code”: No work has this code."
    assert [str(e) for e in rows[0].errors][1] == "Row 2: This row repeats row 7."
    assert not rows[0].ok


def test_uploaded_file_objects_and_names(tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("cong-trinh.csv", csv_bytes(ROWS), content_type="text/csv")
    sheet, rows = read_all(upload)
    assert sheet.filename == "cong-trinh.csv"
    assert summary(rows) == EXPECTED


def test_a_stream_that_cannot_seek_is_spooled():
    class Pipe(io.RawIOBase):
        def __init__(self, data):
            self._data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    _, rows = read_all(Pipe(csv_bytes(ROWS)), filename="pipe.csv")
    assert summary(rows) == EXPECTED


def test_a_reader_is_iterated_once():
    with read_sheet(csv_bytes(ROWS), WORK_COLUMNS) as sheet:
        list(sheet)
        with pytest.raises(RuntimeError):
            list(sheet)


def test_column_specs_are_checked():
    with pytest.raises(ValueError, match="two columns have the key 'code'"):
        read_sheet(csv_bytes(ROWS), [TextColumn("code", "A"), TextColumn("code", "B")])
    with pytest.raises(ValueError, match="would match both 'a' and 'b'"):
        read_sheet(csv_bytes(ROWS), [TextColumn("a", "Tên"), TextColumn("b", "TEN")])


def test_reading_streams():
    """Rows come out before the end of the file is parsed: a bad last row fails only when reached."""
    columns = [CodeColumn("code", "Mã công trình", required=True), DecimalColumn("n", "Số")]
    rows = [["Mã công trình", "Số"]] + [[f"BK-{n}", n] for n in range(2000)]
    rows.append([*([None] * 300), "too far right"])
    for data in (hand_made_xlsx(rows), csv_bytes([[str(c) if c is not None else "" for c in r] for r in rows])):
        with read_sheet(data, columns) as sheet:
            iterator = iter(sheet)
            assert next(iterator).values == {"code": "BK-0", "n": Decimal("0")}
            with pytest.raises(SheetRejected, match="Row 2002 has"):
                for _ in iterator:
                    pass


def test_a_long_file_with_the_second_separator_reads_every_row():
    rows = [["Mã công trình", "Tên công trình", "Tổng mức đầu tư (triệu đồng)"]]
    rows += [[f"BK-{n:05d}", f"Đường số {n}", f"{n},5"] for n in range(3000)]
    _, read = read_all(csv_bytes(rows, delimiter=";"))
    assert len(read) == 3000
    assert [row.number for row in read] == list(range(2, 3002))
    assert read[-1].values == {**read[-1].values, "code": "BK-02999", "investment": 2_999_500_000}


def test_a_large_table_of_texts_is_kept_on_disk():
    from sheets.xlsx import SharedStrings

    texts = [f"Hộ ông Nguyễn Văn {n}" for n in range(500)] + ["", "Thôm Ưng"]
    table = SharedStrings(spill_bytes=1000)
    for text in texts:
        table.append(text)
    table.finish()
    try:
        assert table._map is not None and len(table._blob) == 0
        assert [table[index] for index in range(len(table))] == texts
        with pytest.raises(IndexError):
            table[len(texts)]
    finally:
        table.close()
