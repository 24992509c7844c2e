"""The fast scanner of worksheet rows reads what the streaming parser reads, or hands the sheet over to it.

`XlsxWorkbook.rows` reads a sheet with `_scan_rows` (rows cut from the XML's text, in the layouts it learns)
and falls back to `_stream_rows` (expat, one event per element). Every sheet here is read three ways — the
streaming parser alone, the scanner alone, and `rows` — and the values (with their types), the row numbers
and any refusal must be the same.
"""

import io
import random
import zipfile
from decimal import Decimal

import pytest
from django.utils import translation

from sheets import DEFAULT_LIMITS, Limits, SheetRejected
from sheets.xlsx import SharedStrings, XlsxWorkbook, _Unusual

from .files import MAIN, hand_made_xlsx, openpyxl_xlsx

SHARED = ["Mã hộ", "Họ tên chủ hộ", "Nùng", "Xã Mỹ Thanh", "Thôm Ưng", "", "Line_x000D_break"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def workbook(rows_xml: str, *, prefix: str = "", head: str = "", tail: str = "", declaration: str = "") -> bytes:
    """An .xlsx whose first sheet is `rows_xml` inside <sheetData>, with SHARED as its table of texts."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    declaration = declaration or '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    sheet = f"{declaration}\n<{p}worksheet {xmlns}>{head}<{p}sheetData>{rows_xml}</{p}sheetData>{tail}</{p}worksheet>"
    items = "".join(f"<si><t>{text}</t></si>" for text in SHARED)
    shared = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{items}</sst>'
    data = hand_made_xlsx([["x"]], shared_strings_xml=shared)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.endswith("sheet1.xml"):
                content = sheet.encode("latin-1" if "ISO-8859-1" in declaration else "utf-8")
            target.writestr(info.filename, content)
    return out.getvalue()


def outcome(rows):
    """The rows read (values with their types) and the refusal that stopped the reading, if any."""
    read = []
    try:
        for number, cells in rows:
            read.append((number, [(type(cell).__name__, cell) for cell in cells]))
    except SheetRejected as rejected:
        return read, str(rejected)
    return read, None


def read_three_ways(data: bytes, limits: Limits = DEFAULT_LIMITS):
    book = XlsxWorkbook(io.BytesIO(data), limits)
    sheet = book.sheets[0]
    streamed = outcome(book._stream_rows(sheet))
    combined = outcome(book.rows(sheet))
    try:
        scanned = outcome(book._scan_rows(sheet))
    except _Unusual:
        scanned = None
    return streamed, combined, scanned


def check(data: bytes, limits: Limits = DEFAULT_LIMITS, *, fast: bool | None = None):
    streamed, combined, scanned = read_three_ways(data, limits)
    assert combined == streamed
    if scanned is not None:
        assert scanned == streamed
    if fast is not None:
        assert (scanned is not None) == fast
    return streamed


def row(number, *cells, attrs=""):
    return f'<row r="{number}"{attrs}>{"".join(cells)}</row>'


def inline(ref, text, attrs=""):
    return f'<c r="{ref}"{attrs} t="inlineStr"><is><t>{text}</t></is></c>'


def num(ref, value, attrs=""):
    return f'<c r="{ref}"{attrs}><v>{value}</v></c>'


def shared(ref, index, attrs=""):
    return f'<c r="{ref}"{attrs} t="s"><v>{index}</v></c>'


def household(n):
    return row(
        n,
        inline(f"A{n}", f"02011-TU-{n:06d}"),
        inline(f"B{n}", "Hoàng Văn Hùng"),
        inline(f"C{n}", "004012345678", ' s="0"'),
        shared(f"D{n}", 2),
        num(f"E{n}", n % 9 + 1),
        num(f"F{n}", "212.60000000000002"),
        num(f"G{n}", "45000", ' s="1"'),
        num(f"H{n}", "0.455", ' s="2"'),
        f'<c r="I{n}" t="b"><v>1</v></c>',
        f'<c r="J{n}" t="str"><f>A{n}&amp;"x"</f><v>x{n}</v></c>',
    )


def test_the_usual_rows_are_read_by_the_scanner_as_the_streaming_parser_reads_them():
    rows, _ = check(workbook("".join(household(n) for n in range(1, 3001))), fast=True)
    assert len(rows) == 3000
    assert rows[0] == (
        1,
        [
            ("str", "02011-TU-000001"),
            ("str", "Hoàng Văn Hùng"),
            ("str", "004012345678"),
            ("str", "Nùng"),
            ("Decimal", Decimal("2")),
            ("Decimal", Decimal("212.6")),
            ("date", rows[0][1][6][1]),
            ("PercentNumber", Decimal("0.455")),
            ("bool", True),
            ("str", "x1"),
        ],
    )


def test_the_scanner_learns_a_layout_and_reads_by_it(monkeypatch):
    parsers = []
    original = XlsxWorkbook._row_parser

    def counting(self, *args):
        parsers.append(args)
        return original(self, *args)

    monkeypatch.setattr(XlsxWorkbook, "_row_parser", counting)
    book = XlsxWorkbook(io.BytesIO(workbook("".join(household(n) for n in range(1, 2001)))), Limits())
    assert len(list(book._scan_rows(book.sheets[0]))) == 2000
    assert len(parsers) == 1  # the first row, by the streaming parser; the others by its layout


def test_a_real_openpyxl_workbook_is_read_by_the_scanner(tmp_path):
    rows = [["DANH SÁCH HỘ"], None, ["Mã hộ", "Họ tên", "Số"]]
    rows += [[f"02011-TU-{n:06d}", f"Lý Thị Hoa {n}", n] for n in range(500)]
    path = openpyxl_xlsx(tmp_path / "households.xlsx", {"Sheet": rows})
    assert len(check(path.read_bytes(), fast=True)[0]) == 502


@pytest.mark.parametrize(
    "rows_xml",
    [
        # empty values, empty styled cells, a cell with nothing
        row(1, num("A1", ""), inline("B1", ""), '<c r="C1" s="1"/>', num("D1", "5")) + row(2, num("A2", "7")),
        row(1, '<c r="A1"><v/></c>', '<c r="B1"></c>', num("C1", "3")),
        row(1, num("A1", "1"), num("B1", "")) + row(2, num("A2", "1"), num("B2", "2")),
        # columns with gaps, columns out of order, a column twice
        row(3, inline("B3", "b"), num("F3", "6"), inline("AA3", "aa")),
        row(3, num("C3", "3"), num("A3", "1")),
        row(3, num("A3", "1"), num("A3", "2")),
        # rows and cells without r, numbers out of order
        '<row><c r="A1"><v>1</v></c></row><row><c><v>2</v></c><c><v>3</v></c></row>' + row(9, num("A9", "9")),
        row(5, num("A5", "5")) + row(2, num("A2", "2")) + row(7, num("A7", "7")),
        # references, line ends and Excel's escapes in texts; text not in NFC; a ">" in a text
        row(1, inline("A1", "A &amp; B &lt;C&gt; &#x41;&#66;"), inline("B1", "x\r\ny"), inline("C1", "a_x000D_b")),
        row(1, inline("A1", "Tie\u0302\u0301ng"), inline("B1", "tab\there"), inline("C1", "a > b")),
        row(1, inline("A1", "a\nb"), inline("B1", "]]")) + row(2, inline("A2", "x\u00a0y"), inline("B2", "z")),
        # rich text, phonetic runs, preserved spaces, formulas, shared formulas, errors, dates as text
        row(1, '<c r="A1" t="inlineStr"><is><r><t>Đường </t></r><r><t>Khau Mu</t></r></is></c>'),
        row(1, '<c r="A1" t="inlineStr"><is><t>Lạng</t><rPh><t>PH</t></rPh></is></c>'),
        row(1, '<c r="A1" t="inlineStr"><is><t xml:space="preserve">  padded  </t></is></c>'),
        row(2, '<c r="C2"><f t="shared" ref="C2:C4" si="0">A2+B2</f><v>3</v></c>')
        + row(3, '<c r="C3"><f t="shared" si="0"/><v>4</v></c>')
        + row(4, '<c r="C4"><f t="shared" si="0"/><v>5</v></c>'),
        row(
            1, '<c r="A1"><f>1/0</f></c>', '<c r="B1" t="e"><v>#DIV/0!</v></c>', '<c r="C1" t="d"><v>2024-02-29</v></c>'
        ),
        row(1, shared("A1", 5), shared("B1", 6), shared("C1", 0)),
        row(1, num("A1", "1E+400"), num("A1", "abc"), num("B1", "-0"), num("C1", "0.1234567890123456789")),
        # attributes in other orders or quotes, white space in tags and between elements
        row(1, '<c t="s" r="A1"><v>1</v></c>', "<c r='B1'><v>2</v></c>", '<c r="C1" ><v>3</v></c >'),
        '\n  <row r="1" spans="1:3" x14ac:dyDescent="0.25">\n    <c r="A1"><v>1</v></c>\n  </row>\n',
        row(1, num("A1", "1"), attrs=' spans="1:3" ht="20.25" customHeight="1"')
        + row(2, num("A2", "2"), attrs=' ht="15"')
        + row(3, num("A3", "3"), attrs=' spans="1:3" ht="20.25" customHeight="1"'),
        # empty rows, rows closed at once, comments and CDATA and processing instructions
        '<row r="1"/>' + row(2, num("A2", "2")) + '<row r="3"></row>' + row(4, num("A4", "4")),
        row(1, num("A1", "1")) + "<!-- " + row(2, num("A2", "2")) + " -->" + row(3, num("A3", "3")),
        row(1, num("A1", "1"), "<!-- </row> -->", num("B1", "2")) + row(2, num("A2", "2")),
        row(1, '<c r="A1" t="inlineStr"><is><t><![CDATA[</row><x>]]></t></is></c>') + row(2, num("A2", "2")),
        row(1, num("A1", "1")) + "<?pi </row>?>" + row(2, num("A2", "2")),
        # layouts that alternate
        "".join(row(n, num(f"A{n}", n), *([inline(f"B{n}", "b")] if n % 3 else [])) for n in range(1, 200)),
    ],
)
def test_unusual_rows_read_the_same(rows_xml):
    check(workbook(rows_xml))


def test_prefixed_names():
    rows_xml = "".join(
        f'<x:row r="{n}"><x:c r="A{n}" t="inlineStr"><x:is><x:t>a{n}</x:t></x:is></x:c>'
        f'<x:c r="B{n}"><x:v>{n}</x:v></x:c></x:row>'
        for n in range(1, 100)
    )
    assert len(check(workbook(rows_xml, prefix="x"), fast=True)[0]) == 99


def test_rows_outside_sheet_data_or_another_encoding_go_to_the_streaming_parser():
    check(workbook(row(2, num("A2", "2")), head=row(1, num("A1", "1"))), fast=False)
    check(workbook(row(1, num("A1", "1")), tail=row(2, num("A2", "2"))), fast=False)
    check(workbook(row(1, num("A1", "1")), tail='<rowBreaks count="0"/>'), fast=True)
    latin = workbook(row(1, inline("A1", "café")), declaration='<?xml version="1.0" encoding="ISO-8859-1"?>')
    assert check(latin, fast=False) == ([(1, [("str", "café")])], None)
    check(workbook(row(1, num("A1", "1")), head="<!-- <sheetData> -->"), fast=True)


@pytest.mark.parametrize(
    ("rows_xml", "limits", "before"),
    [
        ("".join(household(n) for n in range(1, 50)), Limits(max_rows=20), 20),
        ("".join(household(n) for n in range(1, 50)) + row(50, num("IW50", "1")), Limits(), 49),
        ("".join(household(n) for n in range(1, 50)) + row(50, inline("A50", "x" * 40)), Limits(max_cell_chars=30), 49),
        (row(1, num("A1", "1")) + row(2, '<c r="A2" t="s"><v>99</v></c>'), Limits(), 1),
    ],
)
def test_limits_and_damage_stop_both_at_the_same_row(rows_xml, limits, before):
    """The same refusal; the streaming parser, reading 64 KB ahead, may refuse before giving the rows before."""
    streamed, combined, scanned = read_three_ways(workbook(rows_xml), limits)
    assert streamed[1] is not None
    assert combined == scanned
    assert combined[1] == streamed[1]
    assert combined[0][: len(streamed[0])] == streamed[0]
    assert len(combined[0]) == before  # every row before the one refused


@pytest.mark.parametrize(
    "rows_xml",
    [
        row(1, num("A1", "1")) + '<row r="2"><c r="A2"><v>2</v></c></rowx>',
        row(1, num("A1", "1")) + '<row r="2"><c r="A2"><v>2</v></row>',
        row(1, num("A1", "1")) + '<row r="2"><c r="A2" r="B2"><v>2</v></c></row>',
        row(1, num("A1", "1")) + row(2, inline("A2", "bad \x01 char")),
        row(1, num("A1", "1")) + row(2, inline("A2", "&undefined;")),
        row(1, num("A1", "1")) + row(2, inline("A2", "a ]]> b")),
    ],
)
def test_damaged_rows_are_refused_by_both(rows_xml):
    """The same refusal; the streaming parser, reading 64 KB ahead, may refuse before giving the rows before."""
    streamed, combined, _ = read_three_ways(workbook(rows_xml))
    assert "damaged" in streamed[1]
    assert combined[1] == streamed[1]
    assert combined[0][: len(streamed[0])] == streamed[0]


def test_a_doctype_is_refused_before_any_row():
    doctype = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
    streamed, combined, scanned = read_three_ways(workbook(row(1, inline("A1", "&a;")), declaration=doctype))
    assert streamed == combined == scanned == ([], streamed[1])
    assert "document type" in streamed[1]


def test_a_truncated_sheet_is_damaged_after_its_complete_rows():
    data = workbook("".join(household(n) for n in range(1, 300)))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.endswith("sheet1.xml"):
                content = content[: len(content) * 2 // 3]
            target.writestr(info.filename, content)
    streamed, combined, _ = read_three_ways(out.getvalue())
    assert "damaged" in streamed[1]
    assert combined == streamed
    assert len(combined[0]) > 100


def test_random_rows_read_the_same():
    """Rows of random shapes and texts, many layouts, across the scanner's chunks."""
    generator = random.Random(7)
    texts = ["Nùng", "02011", "a &amp; b", "x_x0041_", "", "  lead", "Tày ", "1,5", "'=1", "Hà\u0300", "a>b", "ĐVT"]
    cells_of = [
        lambda ref: inline(ref, generator.choice(texts)),
        lambda ref: num(ref, generator.choice(["1", "0.1", "45000", "", "1E3", "-2", "3.14159265358979323"])),
        lambda ref: num(ref, generator.choice(["45000", "0.5"]), generator.choice([' s="1"', ' s="2"', ' s="0"'])),
        lambda ref: shared(ref, generator.randrange(len(SHARED))),
        lambda ref: f'<c r="{ref}" t="b"><v>{generator.choice("01")}</v></c>',
        lambda ref: f'<c r="{ref}" s="1"/>',
    ]
    rows_xml = []
    for n in range(1, 6000):
        if generator.random() < 0.95:  # most rows alike, as in a real list: each column its kind of cell
            cells = [cells_of[kind](f"{x}{n}") for x, kind in zip("ABCDEF", (0, 0, 3, 1, 2, 4), strict=True)]
        else:
            letters = sorted(generator.sample("ABCDEFGHIJ", generator.randint(0, 6)))
            cells = [generator.choice(cells_of)(f"{x}{n}") for x in letters]
        rows_xml.append(row(n, *cells))
    check(workbook("".join(rows_xml)), fast=True)


# -- the table of texts -------------------------------------------------------------------------------------


def texts_three_ways(items: str, *, prefix: str = "", declaration: str = '<?xml version="1.0" encoding="UTF-8"?>'):
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    sst = f"{declaration}<{p}sst {xmlns}>{items}</{p}sst>"
    data = hand_made_xlsx([["x"]], shared_strings_xml=sst)
    book = XlsxWorkbook(io.BytesIO(data), DEFAULT_LIMITS)

    def read(load):
        texts = []
        try:
            load(texts)
        except SheetRejected as rejected:
            return texts, str(rejected)
        return texts, None

    def stream(texts):
        with book.zip.open(book._shared_path) as part:
            book._shared_strings_parser(texts.append, None).ParseFile(part)

    def scan(texts):
        table = SharedStrings()
        book._scan_shared_strings(table)
        table.finish()
        texts.extend(table[index] for index in range(len(table)))

    def combined(texts):
        table = book.shared_strings()
        texts.extend(table[index] for index in range(len(table)))

    streamed = read(stream)
    try:
        scanned = read(scan)
    except _Unusual:
        scanned = None
    return streamed, read(combined), scanned


@pytest.mark.parametrize(
    ("items", "fast"),
    [
        ("".join(f"<si><t>Hộ {n}</t></si>" for n in range(5000)) + '<si><t xml:space="preserve"> a </t></si>', True),
        ("<si><t></t></si><si><t/></si><si><t>x</t></si>", True),
        ("<si><t>A &amp; B &#x41;</t></si><si><t>x\r\ny</t></si><si><t>Line_x000D_break</t></si>", True),
        ("<si><t>Tie\u0302\u0301ng</t></si><si><t>e</t></si><si><t>\u0301</t></si>", True),
        (
            "<si><r><rPr><b/></rPr><t>Đường </t></r><r><t>Khau Mu</t></r><rPh><t>PH</t></rPh></si><si><t>z</t></si>",
            True,
        ),
        # Anything but items between them goes to the streaming parser (which counts elements and depth).
        ("<si><t>a</t></si>\n  <si><t>b</t></si><extra><t>ignored</t></extra><si><t>c</t></si>", False),
        ("<si><t>a</t></si><!-- <si><t>b</t></si> --><si><t>c</t></si>", False),
        ("<si><t><![CDATA[<b>]]></t></si>", False),
    ],
)
def test_the_table_of_texts_reads_the_same(items, fast):
    streamed, combined, scanned = texts_three_ways(items)
    assert combined == streamed
    assert (scanned is not None) == fast
    if scanned is not None:
        assert scanned == streamed


def test_the_table_of_texts_with_a_prefix_or_another_encoding():
    streamed, combined, scanned = texts_three_ways("<x:si><x:t>Nùng</x:t></x:si>", prefix="x")
    assert streamed == combined == scanned == (["Nùng"], None)
    streamed, combined, scanned = texts_three_ways(
        "<si><t>a</t></si>", declaration='<?xml version="1.0" encoding="ISO-8859-1"?>'
    )
    assert streamed == combined == (["a"], None)
    assert scanned is None


def test_a_text_too_long_in_the_table():
    items = f"<si><t>{'x' * 40000}</t></si>"
    streamed, combined, scanned = texts_three_ways(items)
    assert "more than 32767 characters" in streamed[1]
    assert combined[1] == scanned[1] == streamed[1]


def test_a_sheet_of_ever_new_row_shapes_goes_to_the_streaming_parser():
    generator = random.Random(3)
    rows_xml = "".join(
        row(n, *(num(f"{x}{n}", n) for x in sorted(generator.sample("ABCDEFGHIJKLMNOP", 6)))) for n in range(1, 400)
    )
    rows, _ = check(workbook(rows_xml), fast=False)
    assert len(rows) == 399
