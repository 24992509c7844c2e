"""Files whose text expands far beyond their rows are stopped early, in bounded memory (`safety.XmlBudget`, the
CSV reader's record limit). The files are small and the limits made small to match, so each test takes
milliseconds; `python -m bench.hostile_uploads` runs the full-size ones through the upload page.

Every sheet is read the three ways of test_xlsx_scanner (the streaming parser, `rows`, the scanner): the first
two must refuse with the same message; the scanner refuses too, or hands the sheet over to the streaming parser.
"""

import io
import tracemalloc

import pytest
from django.utils import translation

from sheets import Limits, SheetRejected, read_sheet
from sheets.xlsx import XlsxWorkbook

from .conftest import WORK_COLUMNS
from .files import MAIN, csv_bytes, hand_made_xlsx
from .test_xlsx_scanner import household, read_three_ways, workbook

NO_RATIO = {"max_compression_ratio": 10**9}  # these files are as compressible as a zip bomb: let them through


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refused(data: bytes, limits: Limits) -> str:
    """The refusal, the same by each reader (the rows given before it may differ: the scanner counts a piece's
    tags before it reads the piece's rows; a refusal refuses the whole file anyway)."""
    streamed, combined, scanned = read_three_ways(data, limits)
    assert streamed[1] is not None, "the streaming parser read the whole sheet"
    assert combined[1] == streamed[1]
    if scanned is not None:
        assert scanned[1] == streamed[1]
    return streamed[1]


def households(count: int) -> str:
    return "".join(household(n) for n in range(1, count + 1))


# -- bytes and elements ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "garbage",
    ["<x/>" * 20_000, '<row r="7"/>' * 20_000, '<row r="3"><c r="A3" s="1"/></row>' * 10_000],
    ids=["unknown-elements", "empty-rows", "rows-of-empty-cells"],
)
def test_runs_of_elements_holding_no_value_are_stopped(garbage):
    limits = Limits(xml_free_elements=5_000, **NO_RATIO)
    message = refused(workbook(households(3) + garbage), limits)
    assert message == (
        "The workbook is refused: its part xl/worksheets/sheet1.xml holds far more XML than values (runs of "
        "elements holding no value); reading was stopped. Open the file in Excel, copy the rows into a new "
        "workbook, save it and upload it again."
    )


def test_elements_in_the_tail_and_the_head_count_too():
    limits = Limits(xml_free_elements=5_000, **NO_RATIO)
    assert "(runs of elements holding no value)" in refused(workbook(households(3), tail="<x/>" * 20_000), limits)
    assert "(runs of elements holding no value)" in refused(workbook(households(3), head="<x/>" * 20_000), limits)


def test_whitespace_far_beyond_the_rows_is_stopped_by_its_bytes():
    limits = Limits(xml_free_bytes=256 * 1024, xml_bytes_per_row=1024, **NO_RATIO)
    message = refused(workbook(households(3) + " " * 600_000 + households(1)), limits)
    assert "holds far more XML than values (runs of text or space holding no value)" in message


def test_rows_earn_their_allowance():
    """A sheet as programs write it, with formatted empty cells beside its values, stays far inside."""
    empty = "".join(f'<c r="{letter}{{n}}" s="1"/>' for letter in "CDEFGHIJKLMNOPQRSTUVWXYZ")
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>BK-{n}</t></is></c><c r="B{n}"><v>{n}</v></c>'
        + empty.replace("{n}", str(n))
        + "</row>"
        for n in range(1, 3001)
    )
    # 108,000 tags and 2.1 MB of XML in all; a piece of the sheet is counted before its rows earn
    limits = Limits(xml_free_elements=20_000, xml_free_bytes=1024 * 1024, xml_bytes_per_row=1024)
    streamed, combined, scanned = read_three_ways(workbook(rows), limits)
    assert streamed[1] is None and len(streamed[0]) == 3000
    assert combined == streamed and scanned == streamed


# -- depth and long tokens ----------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["row", "head", "tail"])
def test_deep_nesting_is_refused(where):
    nested = "<a>" * 100 + "</a>" * 100
    rows = households(2)
    if where == "row":
        data = workbook(rows + f'<row r="9"><c r="A9"><v>1</v>{nested}</c></row>')
    else:
        data = workbook(rows, **{where: nested})
    assert "holds far more XML than values (elements nested more than 64 deep)" in refused(data, Limits())


@pytest.mark.parametrize("token", ["<!--{}-->", '<x y="{}"/>'], ids=["comment", "attribute"])
def test_a_tag_or_comment_too_long_to_hold_is_refused(token):
    data = workbook(households(2), tail=token.format("z" * (3 * 1024 * 1024)))
    assert "(a tag or comment longer than 1 MB)" in refused(data, Limits(**NO_RATIO))


def test_nesting_in_the_small_parts_is_refused():
    nested = "<a>" * 100 + "</a>" * 100
    styles = f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}">{nested}</styleSheet>'
    data = hand_made_xlsx([["Mã công trình", "Tên công trình"], ["BK-1", "A"]])
    data = replace_member(data, "xl/styles.xml", styles.encode())
    with pytest.raises(SheetRejected) as caught:
        with read_sheet(data, WORK_COLUMNS) as sheet:
            list(sheet)
    assert "its part xl/styles.xml holds far more XML than values (elements nested more than 64 deep)" in str(
        caught.value
    )


def replace_member(data: bytes, name: str, content: bytes) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == name else source.read(info))
    return out.getvalue()


# -- the table of texts -------------------------------------------------------------------------------------


def shared_table(items: str) -> bytes:
    """A workbook whose first cell is text 0 of a table of texts made of `items`."""
    header = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    sst = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{items}</sst>'
    data = workbook(header)
    return replace_member(data, "xl/sharedStrings.xml", sst.encode())


def table_refusal(data: bytes, limits: Limits) -> str:
    book = XlsxWorkbook(io.BytesIO(data), limits)
    try:
        with pytest.raises(SheetRejected) as caught:
            book.shared_strings()
    finally:
        book.close()
    return str(caught.value)


@pytest.mark.parametrize("rich", [False, True], ids=["plain", "rich"])
def test_too_many_texts(rich):
    item = "<si><r><t>a</t></r><r><t>{}</t></r></si>" if rich else "<si><t>{}</t></si>"
    data = shared_table("".join(item.format(n) for n in range(300)))
    message = table_refusal(data, Limits(max_shared_strings=200))
    assert message == "The workbook is refused: its table of texts holds more than 200 texts."


@pytest.mark.parametrize("comment", [False, True], ids=["scanned", "streamed"])
def test_a_huge_text_is_stopped_before_it_is_held(comment):
    # A comment makes the table's scanner hand over to the streaming parser, which stops at the limit.
    # The scanner holds at most 8 MB of an item before it hands over.
    items = ("<!-- -->" if comment else "") + "<si><t>a</t></si><si><t>" + "x" * 24_000_000 + "</t></si>"
    data = shared_table(items)
    tracemalloc.start()
    try:
        message = table_refusal(data, Limits(max_cell_chars=1_000, **NO_RATIO))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message == "The workbook has a text of more than 1000 characters."
    assert peak < 24 * 1024 * 1024


@pytest.mark.parametrize("garbage", ["<x/>", "<si/>"])
def test_elements_in_the_table_of_texts_are_counted(garbage):
    data = shared_table("<si><t>a</t></si><si><t>b</t></si>" + garbage * 30_000)
    message = table_refusal(data, Limits(xml_free_elements=10_000, **NO_RATIO))
    assert message.startswith("The workbook is refused: its part xl/sharedStrings.xml holds far more XML than")
    assert "(runs of elements holding no value)" in message


def test_nesting_in_the_table_of_texts_is_refused():
    data = shared_table("<si><t>a</t></si>" + "<a>" * 100 + "</a>" * 100)
    assert "(elements nested more than 64 deep)" in table_refusal(data, Limits())


# -- CSV -------------------------------------------------------------------------------------------------------


def csv_refusal(data: bytes, limits: Limits | None = None) -> str:
    with pytest.raises(SheetRejected) as caught:
        with read_sheet(data, WORK_COLUMNS, limits=limits or Limits()) as sheet:
            list(sheet)
    return str(caught.value)


def test_a_csv_row_too_long_is_refused_without_being_held():
    data = csv_bytes([["Mã công trình", "Tên công trình"], ["BK-1", "A"], ["BK-2", "B"]])
    data += b"BK-3," + b"x" * (8 * 1024 * 1024) + b"\r\n"
    tracemalloc.start()
    try:
        message = csv_refusal(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message == (
        "Row 4: This row is longer than 147.452 characters, more than a row of a spreadsheet holds: the file is "
        'not a CSV file, or a quote (") is missing.'
    )
    assert peak < 4 * 1024 * 1024  # the reader's own, beside the 8 MB file given to it as bytes


def test_a_csv_row_over_many_lines_is_refused_naming_its_first_line():
    """An unclosed quote, or quoted cells with line breaks, make one record of many lines: they count together."""
    head = csv_bytes([["Mã công trình", "Tên công trình"], ["BK-1", "A"]])
    many = b"BK-2," + b",".join(b'"x\r\ny"' for _ in range(30_000)) + b"\r\n"
    assert csv_refusal(head + many).startswith("Row 3: This row is longer than 147.452 characters")
    unclosed = csv_refusal(head + b'BK-2,"' + b"a,b\r\n" * 50_000)  # the csv module's cell limit comes first
    assert unclosed == "The CSV file could not be read at row 3: a cell is too long or badly quoted."


def test_a_csv_row_at_the_limit_is_read():
    limits = Limits(max_columns=4, max_cell_chars=100)  # rows of up to 4 * 64 + 4 * 100 = 656 characters
    line = "BK-1," + "x" * 90 + "," + ",".join(["y" * 90] * 6)
    data = csv_bytes([["Mã công trình", "Tên công trình"], ["BK-0", "A"]]) + line.encode() + b"\r\n"
    assert csv_refusal(data, limits) == "Row 3 has more than 4 columns."  # read whole, then checked
    longer = data.replace(b"BK-1,", b"BK-1," + b"x" * 20)
    assert csv_refusal(longer, limits).startswith("Row 3: This row is longer than 656 characters")


def test_no_more_texts_than_the_sheets_have_room_for():
    """A cell of a text takes at least 16 bytes of a sheet: a table far larger than its sheets is refused at once."""
    data = shared_table("".join(f"<si><t>{n}</t></si>" for n in range(12_000)))
    message = table_refusal(data, Limits())
    assert message.startswith("The workbook is refused: its table of texts holds more than 10.0")
