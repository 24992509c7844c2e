"""Spreadsheets for the tests, made on the spot: real workbooks written by openpyxl, and hand-made ones.

openpyxl writes every text as an inline string; Excel writes a shared-string table instead, and other
programs prefix their element names or add rich text. `hand_made_xlsx` writes the XML itself so the tests
cover what Excel and others write, and what an attacker would.
"""

from __future__ import annotations

import datetime
import io
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
DATE_STYLE, PERCENT_STYLE = 1, 2


@dataclass(frozen=True)
class Raw:
    """A cell written exactly as given: `Raw('<c r="B3" t="e"><v>#N/A</v></c>')`."""

    xml: str


@dataclass(frozen=True)
class Percent:
    """A number shown as a percentage (the cell holds the fraction)."""

    fraction: str


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _serial(value: datetime.date) -> str:
    if isinstance(value, datetime.datetime):
        delta = value - datetime.datetime(1899, 12, 30)
        return repr(delta.days + delta.seconds / 86400)
    return str((value - datetime.date(1899, 12, 30)).days)


def sheet_xml(rows: Sequence[Sequence[Any]], strings: list[str] | None, prefix: str = "", doctype: str = "") -> str:
    """The XML of a worksheet; `strings` collects shared strings (None: inline strings)."""
    p = f"{prefix}:" if prefix else ""
    out = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}']
    xmlns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    out.append(f'<{p}worksheet {xmlns} xmlns:r="{REL}"><{p}sheetData>')
    for number, row in enumerate(rows, 1):
        if row is None:
            continue
        cells = []
        for index, value in enumerate(row):
            ref = f"{_letter(index)}{number}"
            if value is None:
                continue
            if isinstance(value, Raw):
                cells.append(value.xml)
            elif isinstance(value, bool):
                cells.append(f'<{p}c r="{ref}" t="b"><{p}v>{int(value)}</{p}v></{p}c>')
            elif isinstance(value, Percent):
                cells.append(f'<{p}c r="{ref}" s="{PERCENT_STYLE}"><{p}v>{value.fraction}</{p}v></{p}c>')
            elif isinstance(value, datetime.date):
                cells.append(f'<{p}c r="{ref}" s="{DATE_STYLE}"><{p}v>{_serial(value)}</{p}v></{p}c>')
            elif isinstance(value, int | float | Decimal):
                number = repr(value) if isinstance(value, float) else str(value)
                cells.append(f'<{p}c r="{ref}"><{p}v>{number}</{p}v></{p}c>')
            elif strings is not None:
                strings.append(value)
                cells.append(f'<{p}c r="{ref}" t="s"><{p}v>{len(strings) - 1}</{p}v></{p}c>')
            else:
                text = escape(value)
                cells.append(f'<{p}c r="{ref}" t="inlineStr"><{p}is><{p}t>{text}</{p}t></{p}is></{p}c>')
        out.append(f'<{p}row r="{number}">{"".join(cells)}</{p}row>')
    out.append(f"</{p}sheetData></{p}worksheet>")
    return "".join(out)


STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy;@"/></numFmts>'
    '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="9"/></cellXfs>'
    "</styleSheet>"
)


def hand_made_xlsx(
    sheets: dict[str, Sequence[Sequence[Any]]] | Sequence[Sequence[Any]],
    *,
    shared: bool = True,
    prefix: str = "",
    doctype: str = "",
    hidden: Sequence[str] = (),
    date1904: bool = False,
    shared_strings_xml: str | None = None,
    extra_members: dict[str, bytes] | None = None,
) -> bytes:
    """An .xlsx built from XML written here; `sheets` maps sheet names to rows (or is the rows of one sheet)."""
    if not isinstance(sheets, dict):
        sheets = {"Sheet1": sheets}
    strings: list[str] | None = [] if shared else None
    parts: dict[str, str] = {}
    sheet_entries, relations = [], []
    for number, (name, rows) in enumerate(sheets.items(), 1):
        parts[f"xl/worksheets/sheet{number}.xml"] = sheet_xml(rows, strings, prefix, doctype)
        state = ' state="hidden"' if name in hidden else ""
        sheet_entries.append(f'<sheet name="{escape(name)}" sheetId="{number}" r:id="rId{number}"{state}/>')
        relations.append(
            f'<Relationship Id="rId{number}" Type="{REL}/worksheet" Target="worksheets/sheet{number}.xml"/>'
        )
    relations.append(f'<Relationship Id="rIdS" Type="{REL}/styles" Target="styles.xml"/>')
    if strings is not None or shared_strings_xml is not None:
        relations.append(f'<Relationship Id="rIdT" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
        items = "".join(f'<si><t xml:space="preserve">{escape(text)}</t></si>' for text in strings or [])
        parts["xl/sharedStrings.xml"] = shared_strings_xml or (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{len(strings)}">{items}</sst>'
        )
    properties = '<workbookPr date1904="1"/>' if date1904 else ""
    parts["xl/workbook.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">{properties}'
        f"<sheets>{''.join(sheet_entries)}</sheets></workbook>"
    )
    parts["xl/_rels/workbook.xml.rels"] = f'<Relationships xmlns="{PKG}">{"".join(relations)}</Relationships>'
    parts["xl/styles.xml"] = STYLES
    parts["_rels/.rels"] = (
        f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
        f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    parts["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/></Types>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text.encode("utf-8"))
        for name, data in (extra_members or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


@dataclass(frozen=True)
class Text:
    """Text that openpyxl would otherwise write as a formula (it starts with "=")."""

    value: str


def openpyxl_xlsx(
    path: Path, sheets: dict[str, Sequence[Sequence[Any]]], *, formats: dict[str, str] | None = None
) -> Path:
    """A real workbook written by openpyxl; `formats` sets number formats by cell ("E5": "0%")."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for number, row in enumerate(rows, 1):
            sheet.append([cell.value if isinstance(cell, Text) else cell for cell in row] if row is not None else [])
            for column, cell in enumerate(row or [], 1):
                if isinstance(cell, Text):
                    sheet.cell(number, column).data_type = "s"
        for ref, number_format in (formats or {}).items():
            sheet[ref].number_format = number_format
    workbook.save(path)
    return path


def report_xlsx(rows: Sequence[Sequence[Any]], merges: Sequence[str] = (), *, title: str | None = None) -> bytes:
    """A report form as officials save it from Excel: rows, merged header cells ("D4:G4"), a sheet title."""
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.title = title
    for values in rows:
        sheet.append(values)
    for merged in merges:
        sheet.merge_cells(merged)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def windows_1258(text: str) -> bytes:
    """`text` as Windows writes Vietnamese in code page 1258: letters with â ê ô ơ ư ă whole, tone marks apart."""
    out = bytearray()
    for character in text:
        try:
            out += character.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", character)
        shape = "".join(mark for mark in decomposed if mark not in _TONES)
        tones = "".join(mark for mark in decomposed if mark in _TONES)
        out += unicodedata.normalize("NFC", shape).encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


def csv_bytes(rows: Sequence[Sequence[str]], *, encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    """A CSV file as Excel writes one (CRLF line ends), quoting cells that need it."""
    import csv

    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    if encoding == "cp1258":
        return windows_1258(text.getvalue())
    return text.getvalue().encode(encoding)
