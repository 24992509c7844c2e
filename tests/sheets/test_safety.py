"""Files refused before they can hurt: too big, not spreadsheets, zip bombs, XML entities, too many rows."""

import io
import struct
import zipfile

import pytest
from django.utils import translation

from sheets import Limits, SheetRejected, read_sheet

from .conftest import WORK_COLUMNS
from .files import csv_bytes, hand_made_xlsx

HEADER = ["Mã công trình", "Tên công trình"]
ROWS = [HEADER, ["BK-1", "Đường A"], ["BK-2", "Đường B"]]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refusal(source, limits=None, **options) -> str:
    with pytest.raises(SheetRejected) as caught:
        with read_sheet(source, WORK_COLUMNS, limits=limits or Limits(), **options) as sheet:
            list(sheet)
    return str(caught.value)


def patch_central_directory(data: bytes, member: str, **fields: int) -> bytes:
    """`data` with fields of `member`'s central directory entry changed: flags, compressed, uncompressed."""
    offsets = {"flags": (8, "<H"), "compressed": (20, "<I"), "uncompressed": (24, "<I")}
    data = bytearray(data)
    position = data.find(b"PK\x01\x02")
    while position >= 0:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + name_length].decode() == member:
            for field, value in fields.items():
                offset, form = offsets[field]
                struct.pack_into(form, data, position + offset, value)
            return bytes(data)
        position = data.find(b"PK\x01\x02", position + 4)
    raise AssertionError(f"no member {member}")


# -- size and kind ----------------------------------------------------------------------------------------


def test_too_large_is_refused_before_reading(tmp_path):
    data = csv_bytes(ROWS * 100)
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    limits = Limits(max_file_bytes=2048)
    expected = "The file is 7 KB; files larger than 2 KB are refused."
    assert refusal(path, limits) == expected
    assert refusal(data, limits) == expected
    assert refusal(io.BytesIO(data), limits) == expected


def test_the_default_size_limit_holds_a_million_households():
    assert Limits().max_file_bytes == 256 * 1024 * 1024  # a million rows of households: 150 MB of CSV


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
            "This is an old Excel .xls file or a password-protected workbook: open it in Excel, save it as "
            "“Excel Workbook (.xlsx)” without a password, and upload it again.",
        ),
        (
            b"\xef\xbb\xbf<html><body><table><tr><td>M\xc3\xa3</td></tr></table></body></html>",
            "This file is a web page or XML, not a spreadsheet",
        ),
        (b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>', "web page or XML"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "This is not an .xlsx or .csv file."),
        (b"%PDF-1.7\n" + bytes(range(256)) * 8, "This is not an .xlsx or .csv file."),
    ],
    ids=["empty", "xls", "html", "xml-2003", "png", "pdf"],
)
def test_what_is_not_a_spreadsheet(data, message):
    assert message in refusal(data)


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"word/document.xml": b"<w:document/>"}, "This is a zip archive, not an Excel workbook (.xlsx)."),
        (
            {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"},
            "This is an OpenDocument spreadsheet (.ods)",
        ),
        ({"xl/workbook.bin": b"\x00", "xl/worksheets/sheet1.bin": b"\x00"}, "binary Excel workbook (.xlsb)"),
    ],
)
def test_zips_that_are_not_workbooks(members, message):
    assert message in refusal(zip_of(members))


def test_a_damaged_workbook():
    data = hand_made_xlsx(ROWS)
    assert "the file is damaged" in refusal(data[: len(data) // 2])


def test_malformed_sheet_xml():
    data = hand_made_xlsx(ROWS)
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.endswith("sheet1.xml"):
                content = content.replace(b"</row>", b"</rowx>", 1)
            target.writestr(info, content)
    assert "the file is damaged" in refusal(broken.getvalue())


# -- zip bombs --------------------------------------------------------------------------------------------


def bomb(size: int) -> bytes:
    """A workbook whose sheet is `size` bytes of a highly compressible XML comment, compressed to a few KB."""
    sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><!--'
    sheet += b" " * size + b"--><sheetData/></worksheet>"
    data = hand_made_xlsx(ROWS)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, sheet if info.filename.endswith("sheet1.xml") else source.read(info))
    return out.getvalue()


def test_a_zip_bomb_is_refused_from_its_directory(monkeypatch):
    data = bomb(8 * 1024 * 1024)
    assert len(data) < 64 * 1024
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *args, **kwargs: pytest.fail("decompressed"))
    message = refusal(data)
    assert "The workbook is refused: its part xl/worksheets/sheet1.xml expands 1" in message
    assert "times (at most 200), as a zip bomb does." in message


def test_a_member_declaring_a_huge_size_is_refused(monkeypatch):
    data = patch_central_directory(hand_made_xlsx(ROWS), "xl/worksheets/sheet1.xml", uncompressed=0xFFFF_FFF0)
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *args, **kwargs: pytest.fail("decompressed"))
    assert "The workbook is refused" in refusal(data)
    message = refusal(data, Limits(max_compression_ratio=10**9))
    assert message == "The workbook is refused: it would expand to 4096 MB (at most 2048 MB)."


def test_a_member_lying_about_its_size_yields_no_more_than_it_declares():
    data = hand_made_xlsx(ROWS + [["BK-3", "x" * 5000]])
    truncated = patch_central_directory(data, "xl/worksheets/sheet1.xml", uncompressed=200)
    assert "the file is damaged" in refusal(truncated)


def test_too_many_parts_or_too_much_data():
    data = hand_made_xlsx(ROWS)
    assert refusal(data, Limits(max_zip_members=5)) == ("The workbook is refused: it has 7 parts (at most 5 are read).")
    assert "it would expand to" in refusal(data, Limits(max_uncompressed_bytes=1000))
    assert "its part _rels/.rels is 240 B (at most 100 B)" in refusal(data, Limits(max_part_bytes=100))


def test_an_encrypted_member_is_refused():
    data = patch_central_directory(hand_made_xlsx(ROWS), "xl/workbook.xml", flags=1)
    assert "it is encrypted" in refusal(data)


# -- XML entities -----------------------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<!DOCTYPE worksheet [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
EXTERNAL = '<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("doctype", [BILLION_LAUGHS, EXTERNAL, "<!DOCTYPE worksheet>"])
def test_a_doctype_in_a_sheet_is_refused(doctype):
    data = hand_made_xlsx([HEADER, ["&lol3;", "&secret;"]], shared=False, doctype=doctype)
    assert refusal(data) == (
        "The workbook is refused: its XML declares a document type or entities, which Excel never writes and "
        "which can be used to attack the server."
    )


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/workbook.xml", "xl/styles.xml", "_rels/.rels"])
def test_a_doctype_in_any_part_is_refused(part):
    data = hand_made_xlsx(ROWS)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == part:
                declaration, _, rest = content.partition(b"?>")
                content = (declaration + b"?>" if rest else b"") + BILLION_LAUGHS.encode() + (rest or declaration)
            target.writestr(info, content)
    assert "declares a document type or entities" in refusal(out.getvalue())


def test_an_undefined_entity_is_damage_not_expansion():
    from .files import Raw

    data = hand_made_xlsx([HEADER, [Raw('<c r="A2" t="inlineStr"><is><t>&secret;</t></is></c>'), "x"]])
    assert "the file is damaged" in refusal(data)


# -- rows, columns, cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_too_many_rows(kind):
    rows = [HEADER] + [[f"BK-{n}", "A"] for n in range(20)]
    data = csv_bytes(rows) if kind == "csv" else hand_made_xlsx(rows)
    assert refusal(data, Limits(max_rows=10)) == "The sheet has more than 10 rows; split it into smaller files."


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_cell_too_long(kind):
    rows = [HEADER, ["BK-1", "x" * 100]]
    data = csv_bytes(rows) if kind == "csv" else hand_made_xlsx(rows, shared=False)
    assert refusal(data, Limits(max_cell_chars=50)) == "Row 2 has a cell of more than 50 characters."


def test_empty_formatted_cells_far_right_are_ignored_but_values_are_not():
    from .files import Raw

    rows = [HEADER, ["BK-1", "A", Raw('<c r="XFD2" s="1"/>')]]
    with read_sheet(hand_made_xlsx(rows), WORK_COLUMNS) as sheet:
        assert [row["code"] for row in sheet] == ["BK-1"]
    rows = [HEADER, ["BK-1", "A", Raw('<c r="XFD2"><v>1</v></c>')]]
    assert refusal(hand_made_xlsx(rows)) == "Row 2 has a value in column XFD, beyond the 256 columns read."


def test_a_csv_line_too_long():
    data = csv_bytes([HEADER, ["BK-1", "x" * 5000]])
    assert refusal(data, Limits(max_columns=4, max_cell_chars=100)).startswith(
        "Row 2: This row is longer than 656 characters"
    )
