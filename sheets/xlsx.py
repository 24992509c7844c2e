"""A streaming reader of .xlsx worksheets: one row at a time, in bounded memory, from the zip as uploaded.

Two readers give the same rows. The streaming parser (`_stream_rows`) reads any sheet with expat, one event
per element, 64 KB at a time. The fast scanner (`_RowScanner`, what `rows` uses first) gives expat only what
comes before and after the rows, cuts the rows at `</row>`, and reads a row by a layout it learnt from an
earlier row of the same shape that the streaming parser read alone: one regular expression per row checks
the row's text and picks its values (a list written by Excel or openpyxl has one or a few layouts). A row of
another shape, or with anything but plain text in its values, is read by the streaming parser alone; what
the scanner cannot cut safely (a comment among the rows, another encoding, ...) hands the whole sheet over
to the streaming parser, past the rows already given. The table of texts (shared strings) is read the same
way: expat checks it, and the items that are one plain `<t>` are taken a million at a time. Either way,
every byte is checked as the streaming parser checks it (well-formed UTF-8 XML, no DOCTYPE or entity
declaration), and the limits and their messages are the same; what the XML of a part may cost for the rows
it gives (bytes, elements, depth, the longest tag) is counted by both (`safety.XmlBudget`): the scanner counts
a piece's bytes and tags (`<`) before it reads the piece's rows. Measured on the 2-core benchmark machine
with 10 columns of households (`python -m bench.read_sheets`): 20,000 rows/s with the streaming parser
alone, 65,000-70,000 with the scanner, ~55,000 when the texts are in a table as Excel saves them; memory
does not grow with the row count (a million rows: under 10 MB above the process's own).

Why not python-calamine (pinned in requirements): `CalamineWorkbook.get_sheet_by_index()` loads the whole
sheet into memory before `iter_rows()` hands out the first row (its maintainer says so in
dimastbk/python-calamine#42; measured here: 56 MB for 50,000 rows of 10 columns, about 1 GB for a million),
so it could only serve sheets under a size threshold; it yields floats (not the digits Excel stored) and
does not say which numbers are formatted as percentages, and it is not faster than the scanner once its
values are turned into this reader's (it reads the 50,000 rows in about 0.5 s before any conversion). What
this reader keeps is the workbook's table of distinct texts (shared strings), as UTF-8 bytes in a temporary
file once past 4 MB, with 4 bytes of memory per text (`SharedStrings`); the table's size is bounded by
`Limits.max_shared_strings_bytes`.

Cells come out as Python values:

- text (shared, inline or a formula's text result) → `str` in NFC;
- a number → `Decimal` of the digits Excel stored, at Excel's precision of 15 significant digits
  (`values.excel_precision`), so no float is ever involved; formatted as a date or time → `datetime.date`
  (or `datetime.datetime` when it has a time of day); formatted as a percentage → `values.PercentNumber`;
- TRUE/FALSE → `bool`; an error such as `#N/A` → that text; an empty cell → None.

A formula cell gives the result Excel saved with it (a workbook written by a program that does not
calculate may have none: None). Only rows holding at least one value are yielded, with their row numbers.
"""

from __future__ import annotations

import codecs
import datetime
import mmap
import posixpath
import re
import tempfile
import unicodedata
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from itertools import accumulate, islice
from operator import call, itemgetter
from typing import Any, BinaryIO
from xml.parsers import expat

from django.utils.translation import gettext
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

from .errors import SheetRejected
from .safety import Limits, XmlBudget, counting, damaged, human_size, open_zip, parse_xml, xml_errors, xml_parser
from .values import PercentNumber, excel_date, excel_precision

_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"

_NUMBER, _DATE, _PERCENT = 0, 1, 2
_DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_PERCENT_FORMAT_IDS = frozenset({9, 10})
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_QUOTED = re.compile(r'"[^"]*"|\\.')


def _local(name: str) -> str:
    """The local part of an element name: "uri local" (namespaced expat names) or "prefix:local" → "local"."""
    return name.rpartition(" ")[2].rpartition(":")[2]


def _unescape(text: str) -> str:
    """Excel writes control characters as `_x000D_`; undo it, and normalise to NFC."""
    if "_x" in text:
        text = _ESCAPED.sub(lambda match: chr(int(match[1], 16)), text)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


_COLUMN_INDEX: dict[str, int] = {}


def column_index(letters: str) -> int:
    """A column's 0-based index from its letters: "A" → 0, "Z" → 25, "AA" → 26."""
    index = _COLUMN_INDEX.get(letters)
    if index is None:
        index = 0
        for letter in letters.upper():
            index = index * 26 + ord(letter) - 64
        index -= 1
        if len(_COLUMN_INDEX) < 20_000:
            _COLUMN_INDEX[letters] = index
    return index


def column_letter(index: int) -> str:
    """A column's letters from its 0-based index: 0 → "A", 26 → "AA"."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@dataclass(frozen=True)
class WorksheetInfo:
    """A worksheet of the workbook: its name as the tab shows it, its part in the zip, and whether it is shown."""

    name: str
    path: str
    visible: bool


class SharedStrings:
    """The workbook's table of distinct texts, as UTF-8 bytes and offsets: far smaller than a list of str.

    Past `spill_bytes` the bytes go to a temporary file read through `mmap`, so a workbook of a million
    distinct names costs the process 4 bytes per text, not the texts themselves.
    """

    def __init__(self, spill_bytes: int = 4 * 1024 * 1024, max_texts: int = 10_000_000):
        self._spill_bytes = spill_bytes
        self._max_texts = max_texts
        self._blob = bytearray()
        self._offsets = array("I", [0])  # 4 bytes a text: the table is at most Limits.max_shared_strings_bytes
        self._file: Any = None
        self._map: mmap.mmap | None = None

    def append(self, text: str) -> None:
        data = text.encode("utf-8")
        self._blob += data
        self._offsets.append(self._offsets[-1] + len(data))
        if len(self._blob) > self._spill_bytes:
            self._spill()
        if len(self._offsets) > self._max_texts + 1:
            raise _too_many_texts(self._max_texts)

    def extend_encoded(self, texts: list[bytes]) -> None:
        """Append texts given as their UTF-8 bytes (already checked: NFC, no escape to undo)."""
        self._blob += b"".join(texts)
        if len(self._offsets) + len(texts) > self._max_texts + 1:
            raise _too_many_texts(self._max_texts)
        self._offsets.extend(accumulate(map(len, texts), initial=self._offsets[-1]))
        del self._offsets[-len(texts) - 1]  # the initial value, already there
        self._spill()

    def _spill(self) -> None:
        if len(self._blob) > self._spill_bytes:
            if self._file is None:
                self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
            self._file.write(self._blob)
            self._blob = bytearray()

    def finish(self) -> None:
        """Call once every text is appended."""
        if self._file is not None:
            self._file.write(self._blob)
            self._file.flush()
            self._blob = bytearray()
            self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
        if self._file is not None:
            self._file.close()

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def lookup(self) -> Any:
        """A function giving the text of a cell of type "s" from the cell's text ("12"): `damaged()` if none.

        Call it once `finish` is called; it is `self[int(text)]` without a method call per cell.
        """
        source = self._blob if self._map is None else self._map
        offsets = self._offsets

        def text_of(text: str) -> str:
            try:
                index = int(text)
                if index < 0:
                    raise IndexError(index)
                return source[offsets[index] : offsets[index + 1]].decode("utf-8")
            except (TypeError, ValueError, IndexError):
                raise damaged() from None

        return text_of

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < len(self._offsets) - 1:
            raise IndexError(index)
        source = self._blob if self._map is None else self._map
        return source[self._offsets[index] : self._offsets[index + 1]].decode("utf-8")


class XlsxWorkbook:
    """An .xlsx (or .xlsm) workbook opened for streaming; `rows(sheet)` yields (row number, cells)."""

    def __init__(self, stream: BinaryIO, limits: Limits):
        self.limits = limits
        self.zip = open_zip(stream, limits)
        try:
            self._read_structure()
        except Exception:
            self.zip.close()
            raise
        self._shared: SharedStrings | None = None
        self._style_kinds: list[int] | None = None

    def close(self) -> None:
        if self._shared is not None:
            self._shared.close()
        self.zip.close()

    # -- structure -------------------------------------------------------------------------------------

    def _read_structure(self) -> None:
        names = set(self.zip.namelist())
        if "mimetype" in names or "content.xml" in names:
            raise SheetRejected.because(
                gettext(
                    "This is an OpenDocument spreadsheet (.ods): open it, save it as “Excel Workbook (.xlsx)”, "
                    "and upload it again."
                )
            )
        workbook_path = self._office_document(names)
        if workbook_path not in names:
            if any(name.endswith(".bin") and name.startswith("xl/") for name in names):
                raise SheetRejected.because(
                    gettext(
                        "This is a binary Excel workbook (.xlsb): open it in Excel, save it as “Excel Workbook "
                        "(.xlsx)”, and upload it again."
                    )
                )
            raise SheetRejected.because(gettext("This is a zip archive, not an Excel workbook (.xlsx)."))
        sheets, self.date1904 = self._parse_workbook(workbook_path)
        relations = self._parse_relations(workbook_path)
        self.sheets: list[WorksheetInfo] = []
        for name, relation_id, state in sheets:
            kind, target = relations.get(relation_id, ("", ""))
            if kind == "worksheet" and target in names:
                self.sheets.append(WorksheetInfo(name=name, path=target, visible=state in ("", "visible")))
        self._shared_path = next((t for k, t in relations.values() if k == "sharedStrings" and t in names), None)
        self._styles_path = next((t for k, t in relations.values() if k == "styles" and t in names), None)
        if not self.sheets:
            raise SheetRejected.because(gettext("The workbook has no worksheet."))

    def _small_part(self, path: str) -> bytes:
        info = self.zip.getinfo(path)
        if info.file_size > self.limits.max_part_bytes:
            raise SheetRejected.because(
                gettext("The workbook is refused: its part %(name)s is %(size)s (at most %(limit)s).")
                % {"name": path, "size": human_size(info.file_size), "limit": human_size(self.limits.max_part_bytes)}
            )
        with xml_errors():
            return self.zip.read(path)

    def _parse_small(self, path: str, start: Any, namespaces: bool = True, end: Any = None) -> None:
        parser = xml_parser(namespaces=namespaces)
        counting(parser, XmlBudget(path, self.limits), start, end)
        data = self._small_part(path)
        with xml_errors():
            parser.Parse(data, True)

    def _office_document(self, names: set[str]) -> str:
        found: list[str] = []
        if "_rels/.rels" in names:

            def start(name: str, attrs: dict[str, str]) -> None:
                if _local(name) == "Relationship" and attrs.get("Type", "").endswith("/officeDocument"):
                    found.append(attrs.get("Target", "").lstrip("/"))

            self._parse_small("_rels/.rels", start)
        return posixpath.normpath(found[0]) if found else "xl/workbook.xml"

    def _parse_workbook(self, path: str) -> tuple[list[tuple[str, str, str]], bool]:
        sheets: list[tuple[str, str, str]] = []
        date1904 = [False]

        def start(name: str, attrs: dict[str, str]) -> None:
            local = _local(name)
            if local == "sheet":
                relation_id = attrs.get(f"{_REL} id") or attrs.get(f"{_STRICT_REL} id") or ""
                sheets.append((attrs.get("name", ""), relation_id, attrs.get("state", "")))
            elif local == "workbookPr":
                date1904[0] = attrs.get("date1904", "").lower() in ("1", "true")

        self._parse_small(path, start)
        return sheets, date1904[0]

    def _parse_relations(self, workbook_path: str) -> dict[str, tuple[str, str]]:
        folder, file = posixpath.split(workbook_path)
        rels_path = posixpath.join(folder, "_rels", f"{file}.rels")
        relations: dict[str, tuple[str, str]] = {}
        if rels_path not in self.zip.namelist():
            return relations

        def start(name: str, attrs: dict[str, str]) -> None:
            if _local(name) == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                kind = attrs.get("Type", "").rpartition("/")[2]
                relations[attrs.get("Id", "")] = (kind, posixpath.normpath(target))

        self._parse_small(rels_path, start)
        return relations

    # -- shared strings and styles -------------------------------------------------------------------------

    def shared_strings(self) -> SharedStrings:
        if self._shared is None:
            self._shared = self._load_shared_strings()
        return self._shared

    def _load_shared_strings(self) -> SharedStrings:
        table = SharedStrings(max_texts=self._max_texts())
        if self._shared_path is None:
            return table
        size = self.zip.getinfo(self._shared_path).file_size
        if size > self.limits.max_shared_strings_bytes:
            raise SheetRejected.because(
                gettext("The workbook is refused: its table of texts is %(size)s (at most %(limit)s).")
                % {"size": human_size(size), "limit": human_size(self.limits.max_shared_strings_bytes)}
            )
        try:
            try:
                self._scan_shared_strings(table)
            except _Unusual:
                table.close()
                table = SharedStrings(max_texts=self._max_texts())
                budget = XmlBudget(self._shared_path, self.limits)
                parser = self._shared_strings_parser(table.append, None, budget)
                with xml_errors(), self.zip.open(self._shared_path) as stream:
                    parse_xml(parser, stream, budget)
            table.finish()
        except BaseException:
            table.close()
            raise
        return table

    def _max_texts(self) -> int:
        """The texts the table may hold: `Limits.max_shared_strings`, and no more than the sheets have room for
        cells using them (a cell of a text takes at least 16 bytes of a sheet, `<c t="s"><v>7</v></c>`; the
        sizes are those the zip's directory declares, which bound what the sheets can hold)."""
        room = sum(self.zip.getinfo(sheet.path).file_size for sheet in self.sheets) // 16 + 10_000
        return min(self.limits.max_shared_strings, room)

    def _shared_strings_parser(self, append: Any, prefix: str | None, budget: XmlBudget | None = None) -> Any:
        """An expat parser that `append`s each text of the table; `prefix` as in `_row_parser`. Elements,
        depth and the texts' length are counted as they come (`budget`)."""
        budget = budget or XmlBudget(self._shared_path or "", self.limits)
        parts: list[str] = []
        max_chars = self.limits.max_cell_chars
        parts_limit = max_chars // 65536 + 2  # text arrives in pieces of at most 64 KB (the parser's buffer)
        SI, T, RPH = _shared_names(prefix or "")  # noqa: N806 - with the root element's prefix, if it has one
        root, collect, phonetic = prefix is None, False, 0

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal root, collect, phonetic, SI, T, RPH
            budget.elements += 1
            if budget.elements > budget.max_elements:
                raise budget.too_many_elements()
            budget.depth += 1
            if budget.depth > budget.max_depth:
                raise budget.too_deep()
            if name == T:
                collect = phonetic == 0
            elif name == SI:
                parts.clear()
            elif name == RPH:
                phonetic += 1
            elif root:
                root = False
                prefix = name.rpartition(":")[0]
                if prefix:
                    SI, T, RPH = _shared_names(prefix)

        def end(name: str) -> None:
            nonlocal collect, phonetic
            budget.depth -= 1
            if name == T:
                collect = False
            elif name == SI:
                text = parts[0] if len(parts) == 1 else "".join(parts)
                if len(text) > max_chars:
                    raise _text_too_long(max_chars)
                append(_unescape(text))
                budget.earn()
            elif name == RPH:
                phonetic -= 1

        def text(data: str) -> None:
            if collect:
                parts.append(data)
                if len(parts) > parts_limit and sum(map(len, parts)) > max_chars:  # stop a huge text early
                    raise _text_too_long(max_chars)

        parser = xml_parser()
        parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
        return parser

    def _scan_shared_strings(self, table: SharedStrings) -> None:
        """Fill `table` by cutting the texts out of the XML, as `_RowScanner` cuts rows; `_Unusual` otherwise.

        Expat reads every byte (with the DOCTYPE refusal), each piece once the scanner has found it to be
        nothing but items: the root's start tag, then items and the space between them, then the root's end
        tag (the tags of a piece are counted against its items'), so expat is never given a run of other
        elements (nesting millions deep, say) that it would hold in memory. Each item `<si>...</si>` that is
        one plain `<t>` (no markup, reference but the named ones, carriage return, `_x000D_` escape, text not
        in NFC) is taken as it is, a million at a time; any other item (rich text, phonetic runs) is read by
        the streaming parser alone. A comment, CDATA or processing instruction anywhere, anything but items
        in the root, or an encoding other than UTF-8, raises `_Unusual`: the table is then read by the
        streaming parser.
        """
        validator = xml_parser()
        names: dict[str, Any] = {}

        def root(name: str, attrs: dict[str, str]) -> None:
            prefix = name.rpartition(":")[0]
            names["prefix"] = prefix
            b = f"{prefix}:".encode() if prefix else b""
            names["end"] = b"</" + b + b"si>"
            names["items"] = re.compile(b"<" + re.escape(b) + rb"si>.*?</" + re.escape(b) + rb"si>", re.DOTALL)
            names["plain"] = re.compile(
                b"<"
                + re.escape(b)
                + rb"si><"
                + re.escape(b)
                + rb"t(?: xml:space=\"preserve\")?>([^<]*)</"
                + re.escape(b)
                + rb"t></"
                + re.escape(b)
                + rb"si>"
            )
            validator.StartElementHandler = None

        validator.StartElementHandler = root
        max_chars = self.limits.max_cell_chars
        budget = names["budget"] = XmlBudget(self._shared_path, self.limits)
        buffer = b""
        with xml_errors(), self.zip.open(self._shared_path) as stream:
            first = True
            while chunk := stream.read(1 << 20):
                budget.read(len(chunk))
                budget.tags(chunk.count(b"<"))
                buffer = buffer + chunk if buffer else chunk
                if first:
                    first = False
                    _check_utf8(chunk[:4096])
                    head = _SST_HEAD.match(buffer)
                    if head is None:
                        raise _Unusual
                    validator.Parse(buffer[: head.end()], False)  # the declaration and the root's start tag
                    buffer = buffer[head.end() :]
                if b"<!" in buffer or b"<?" in buffer:
                    raise _Unusual  # a comment, CDATA or instruction: items may not be where they seem
                done = buffer.rfind(names["end"])
                if done < 0:
                    if len(buffer) > _MAX_PENDING:
                        raise _Unusual
                    continue
                done += len(names["end"])
                self._shared_items(table, buffer[:done], names, max_chars)
                validator.Parse(buffer[:done], False)
                buffer = buffer[done:]
            if not _SST_TAIL.fullmatch(buffer):
                raise _Unusual
            validator.Parse(buffer, True)

    def _shared_items(self, table: SharedStrings, block: bytes, names: dict[str, Any], max_chars: int) -> None:
        count = block.count(names["end"])
        tags = block.count(b"<")
        texts = names["plain"].findall(block)
        if len(texts) == count and tags == 4 * count:  # nothing but plain items (4 tags each) and space
            joined = b"\n".join(texts)
            if b"&" not in joined and b"\r" not in joined and b"_x" not in joined:
                try:
                    decoded = joined.decode()
                except UnicodeDecodeError:
                    raise damaged() from None
                if (decoded.isascii() or unicodedata.is_normalized("NFC", decoded)) and (
                    max(map(len, texts), default=0) <= max_chars
                ):
                    table.extend_encoded(texts)  # every item as it is: their bytes are the table's
                    names["budget"].earn(rows=count)
                    return
        items = names["items"].findall(block)
        if len(items) != count or sum(item.count(b"<") for item in items) != tags:
            raise _Unusual  # an item the scanner does not find where expat found it, or other elements
        for item in items:
            plain = names["plain"].fullmatch(item)
            if plain is not None:
                try:
                    text = _xml_text(plain[1].decode())
                except UnicodeDecodeError:
                    raise damaged() from None
                if len(text) > max_chars:
                    raise _text_too_long(max_chars)
                table.append(_unescape(text))
                names["budget"].earn()
                continue
            parser = self._shared_strings_parser(table.append, names["prefix"], names["budget"])
            try:
                parser.Parse(b"<_>" + item + b"</_>", True)
            except expat.ExpatError:
                raise _Unusual from None

    def style_kinds(self) -> list[int]:
        """For each cell style (the `s` of a cell), whether its number format shows a date, a percentage or a number."""
        if self._style_kinds is None:
            self._style_kinds = self._load_style_kinds()
        return self._style_kinds

    def _load_style_kinds(self) -> list[int]:
        if self._styles_path is None:
            return []
        formats: dict[int, str] = {}
        format_ids: list[int] = []
        depth = {"cellXfs": 0}

        def start(name: str, attrs: dict[str, str]) -> None:
            local = _local(name)
            if local == "numFmt":
                try:
                    formats[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
                except ValueError:
                    pass
            elif local == "cellXfs":
                depth["cellXfs"] += 1
            elif local == "xf" and depth["cellXfs"]:
                try:
                    format_ids.append(int(attrs.get("numFmtId", "0")))
                except ValueError:
                    format_ids.append(0)

        def end(name: str) -> None:
            if _local(name) == "cellXfs":
                depth["cellXfs"] -= 1

        self._parse_small(self._styles_path, start, end=end)

        def kind(format_id: int) -> int:
            code = formats.get(format_id) or BUILTIN_FORMATS.get(format_id, "")
            if format_id in _DATE_FORMAT_IDS and format_id not in formats:
                return _DATE
            if format_id in _PERCENT_FORMAT_IDS:
                return _PERCENT
            if code:
                if is_date_format(code):
                    return _DATE
                if "%" in _QUOTED.sub("", code):
                    return _PERCENT
            return _NUMBER

        return [kind(format_id) for format_id in format_ids]

    # -- rows ------------------------------------------------------------------------------------------------

    def rows(self, sheet: WorksheetInfo) -> Iterator[tuple[int, list[Any]]]:
        """(row number, cell values) for each row of `sheet` that holds a value, in order, streaming.

        The fast scanner reads the sheet when its XML has the usual shape; when it meets something else it
        stops, and the streaming parser reads the sheet again from the top, past the rows already given.
        """
        scanned = 0
        scanner = self._scan_rows(sheet)
        try:
            for row in scanner:
                yield row
                scanned += 1
            return
        except _Unusual:
            pass
        finally:
            scanner.close()
        streamed = self._stream_rows(sheet)  # from the top, with a budget of its own
        try:
            yield from islice(streamed, scanned, None)
        finally:
            streamed.close()

    def _converter(self) -> Any:
        """The function turning a cell's text, type (`t`) and style (`s`) into its value (None: no value)."""
        shared = self.shared_strings()
        date1904 = self.date1904
        style_kinds = {str(index): kind for index, kind in enumerate(self.style_kinds()) if kind != _NUMBER}

        def number_value(text: str, cell_style: str | None) -> Any:
            try:
                number = Decimal(text)
            except InvalidOperation:
                return _unescape(text)
            if len(text) > 15:
                if not number.is_finite():
                    return text
                number = excel_precision(number)
            if cell_style is not None:
                kind = style_kinds.get(cell_style)
                if kind == _DATE:
                    moment = excel_date(number, date1904=date1904)
                    return number if moment is None else moment
                if kind == _PERCENT:
                    return PercentNumber(number)
            return number

        shared_text = shared.lookup()

        def convert(text: str, cell_type: str | None, cell_style: str | None) -> Any:
            if cell_type is None or cell_type == "n":
                return number_value(text, cell_style)
            if cell_type == "s":
                return shared_text(text)
            if cell_type == "b":
                return text.strip() in ("1", "true")
            if cell_type == "d":
                return _iso_date(text)
            return _unescape(text) if text else None  # "inlineStr", "str" (a formula's text), "e" (#N/A)

        convert.number_value = number_value  # type: ignore[attr-defined]
        convert.shared_text = shared_text  # type: ignore[attr-defined]
        return convert

    def _row_parser(
        self,
        convert: Any,
        ready: list[tuple[int, list[Any]]],
        state: _RowState,
        prefix: str | None,
        budget: XmlBudget,
    ):
        """An expat parser that puts each row holding a value into `ready`: the streaming reader of a sheet.

        `prefix` is the element names' prefix ("x" for "x:row"), or None to take it from the root element.
        Elements and their depth are counted in `budget` (the caller counts bytes and earns the rows).
        """
        max_columns, max_rows, max_chars = self.limits.max_columns, self.limits.max_rows, self.limits.max_cell_chars
        parts_limit = max_chars // 65536 + 2  # text arrives in pieces of at most 64 KB (the parser's buffer)

        cells: list[Any] = []
        parts: list[str] = []
        # The element names, with the prefix the sheet's root element uses ("x:row" in some generators).
        ROW, C, V, T, RPH = _names(prefix or "")  # noqa: N806
        root = prefix is None
        column = -1
        cell_type: str | None = None
        cell_style: str | None = None
        collect = False
        phonetic = 0

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal root, column, cell_type, cell_style, collect, phonetic, ROW, C, V, T, RPH
            budget.elements += 1
            if budget.elements > budget.max_elements:
                raise budget.too_many_elements()
            budget.depth += 1
            if budget.depth > budget.max_depth:
                raise budget.too_deep()
            if name == C:
                reference = attrs.get("r")
                if reference:
                    letters = reference.rstrip("0123456789")
                    column = _COLUMN_INDEX.get(letters)
                    if column is None:
                        column = column_index(letters)
                else:
                    column += 1
                cell_type = attrs.get("t")
                cell_style = attrs.get("s")
                parts.clear()
            elif name == V:
                collect = True
            elif name == T:
                collect = phonetic == 0
            elif name == ROW:
                number = attrs.get("r")
                state.row = int(number) if number and number.isdigit() else state.row + 1
                if state.row > max_rows:
                    raise _too_many_rows(max_rows)
                column = -1
            elif name == RPH:
                phonetic += 1
            elif root:
                root = False
                prefix = name.rpartition(":")[0]
                if prefix:
                    ROW, C, V, T, RPH = _names(prefix)

        def end(name: str) -> None:
            nonlocal collect, phonetic
            budget.depth -= 1
            if name == C:
                collect = False
                if not parts:
                    return
                text = parts[0] if len(parts) == 1 else "".join(parts)
                if len(text) > max_chars:
                    raise _cell_too_long(state.row, max_chars)
                value = convert(text, cell_type, cell_style)
                if value is None:
                    return
                if column >= max_columns:
                    raise _too_far_right(state.row, column, max_columns)
                width = len(cells)
                if column == width:
                    cells.append(value)
                elif column > width:
                    cells.extend([None] * (column - width))
                    cells.append(value)
                else:
                    cells[column] = value
            elif name == V or name == T:
                collect = False
            elif name == ROW:
                if cells:
                    ready.append((state.row, cells[:]))
                    cells.clear()
            elif name == RPH:
                phonetic -= 1

        def text(data: str) -> None:
            if collect:
                parts.append(data)
                if len(parts) > parts_limit and sum(map(len, parts)) > max_chars:  # stop a huge cell early
                    raise _cell_too_long(state.row, max_chars)

        parser = xml_parser()
        parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
        return parser

    def _stream_rows(self, sheet: WorksheetInfo, budget: XmlBudget | None = None) -> Iterator[tuple[int, list[Any]]]:
        """The rows of `sheet` by the streaming parser: any XML, 64 KB at a time, one expat event at a time."""
        budget = budget or XmlBudget(sheet.path, self.limits)
        ready: list[tuple[int, list[Any]]] = []
        parser = self._row_parser(self._converter(), ready, _RowState(), None, budget)
        with xml_errors(), self.zip.open(sheet.path) as stream:
            while chunk := stream.read(65536):
                parser.Parse(chunk, False)
                budget.read(len(chunk), parser)
                if ready:
                    for row in ready:
                        budget.earn(len(row[1]))
                    yield from ready
                    ready.clear()
            parser.Parse(b"", True)
            yield from ready
            ready.clear()

    def _scan_rows(self, sheet: WorksheetInfo, budget: XmlBudget | None = None) -> Iterator[tuple[int, list[Any]]]:
        """The rows of `sheet` by the fast scanner; raises `_Unusual` where it cannot go on (see `_RowScanner`)."""
        budget = budget or XmlBudget(sheet.path, self.limits)
        scanner = _RowScanner(self, sheet, budget)
        with xml_errors(), self.zip.open(sheet.path) as stream:
            size = 65536  # the first rows come out soon, then the pieces grow to 1 MB
            while chunk := stream.read(size):
                budget.read(len(chunk))
                budget.tags(chunk.count(b"<"))
                for row in scanner.feed(chunk):
                    budget.earn(len(row[1]))
                    yield row
                size = min(size * 2, 1 << 20)
            yield from scanner.close()


# ---------------------------------------------------------------------------------------------------------
# The fast scanner

_MAX_PENDING = 8 * 1024 * 1024  # bytes of one row (or of what comes before the rows) the scanner holds at most
_TEMPLATES = 32  # row layouts the scanner remembers
_WHITESPACE = b" \t\r\n"
_XML_DECLARATION = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_DATA_CANDIDATE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData[ \t\r\n/>]")
_ATTRIBUTE = re.compile(r'[ ]+([A-Za-z_][\w.:-]*)="([^"&<\t\r\n]*)"')
_REF = re.compile(r'[ ]+r="([A-Z]{1,3})([0-9]{1,9})"')
_ROW_NUMBER = re.compile(r'[ ]+r="([0-9]{1,9})"')


class _Unusual(Exception):
    """The sheet's XML is not in a shape the fast scanner reads: the streaming parser reads it instead."""


class _RowState:
    """The number of the last row read, shared by the scanner and the parsers of the rows it hands over."""

    __slots__ = ("row",)

    def __init__(self) -> None:
        self.row = 0


def _names(prefix: str) -> tuple[str, str, str, str, str]:
    """The element names ROW, C, V, T, RPH with `prefix`, as expat gives them without namespace processing."""
    return tuple(f"{prefix}:{local}" if prefix else local for local in ("row", "c", "v", "t", "rPh"))  # type: ignore[return-value]


def _shared_names(prefix: str) -> tuple[str, str, str]:
    """The element names SI, T, RPH of the table of texts, with `prefix`."""
    return tuple(f"{prefix}:{local}" if prefix else local for local in ("si", "t", "rPh"))  # type: ignore[return-value]


def _too_many_texts(limit: int) -> SheetRejected:
    return SheetRejected.because(
        gettext("The workbook is refused: its table of texts holds more than %(limit)s texts.")
        % {"limit": f"{limit:,}".replace(",", ".")}
    )


def _text_too_long(limit: int) -> SheetRejected:
    return SheetRejected.because(
        gettext("The workbook has a text of more than %(limit)d characters.") % {"limit": limit}
    )


# The start of a table of texts up to its root's start tag, and its end after the last item.
_SST_HEAD = re.compile(
    rb"(?:\xef\xbb\xbf)?(?:<\?xml[^>]*\?>)?[ \t\r\n]*<(?:[A-Za-z_][\w.-]*:)?sst(?:[ \t\r\n][^<>]*)?/?>"
)
_SST_TAIL = re.compile(rb"[ \t\r\n]*(?:</(?:[A-Za-z_][\w.-]*:)?sst[ \t\r\n]*>[ \t\r\n]*)?")


def _check_utf8(head: bytes) -> None:
    """`_Unusual` unless a part's first bytes say it is UTF-8 (the scanners read UTF-8 only)."""
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _Unusual
    declared = _XML_DECLARATION.match(head) if head.startswith(b"<?xml") else None
    if declared and declared[1].lower() not in (b"utf-8", b"utf8"):
        raise _Unusual


def _too_many_rows(limit: int) -> SheetRejected:
    return SheetRejected.because(
        gettext("The sheet has more than %(limit)s rows; split it into smaller files.")
        % {"limit": f"{limit:,}".replace(",", ".")}
    )


def _cell_too_long(row: int, limit: int) -> SheetRejected:
    return SheetRejected.because(
        gettext("Row %(row)d has a cell of more than %(limit)d characters.") % {"row": row, "limit": limit}
    )


def _too_far_right(row: int, column: int, limit: int) -> SheetRejected:
    return SheetRejected.because(
        gettext("Row %(row)d has a value in column %(column)s, beyond the %(limit)d columns read.")
        % {"row": row, "column": column_letter(column), "limit": limit}
    )


def _getter(indexes: list[int]) -> Any:
    """A function giving the tuple of the items of a list at `indexes` (`itemgetter`, whatever their number)."""
    if not indexes:
        return lambda items: ()
    if len(indexes) == 1:
        index = indexes[0]
        return lambda items: (items[index],)
    return itemgetter(*indexes)


# The text of a value or a formula as the scanner reads it: no markup, no carriage return (an XML parser makes
# it a line feed), none of the characters XML forbids, no reference but the five named ones.
_CHARACTERS = "[^<&\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]*"
_PLAIN_TEXT = f"{_CHARACTERS}(?:&(?:amp|lt|gt|quot|apos);{_CHARACTERS})*"
_NAMED = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'"}
_NAMED_REFERENCE = re.compile("&(?:amp|lt|gt|quot|apos);")


_REFERENCE = re.compile(r"&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|(amp|lt|gt|quot|apos));")


def _xml_text(text: str) -> str:
    """Character data of checked XML as a parser gives it: line ends made "\n", then references replaced."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = _REFERENCE.sub(_reference, text)
    return text


def _reference(match: re.Match[str]) -> str:
    if match[1]:
        return chr(int(match[1], 16))
    if match[2]:
        return chr(int(match[2]))
    return _NAMED[match[0]]


def _named(match: re.Match[str]) -> str:
    return _NAMED[match[0]]


class _Layout:
    """The shape of a row, learnt from one row the streaming parser read: its tags, where its values are.

    `pattern` is the learnt row's text with its row number, the row numbers of its cell references, its
    values and its formulas left open (values and formulas as plain text: no markup, carriage return,
    character XML forbids or reference but `&amp;` `&lt;` `&gt;` `&quot;` `&apos;`). A row that matches
    it is the learnt row with other numbers and texts: well-formed as the learnt row is, and read the way
    the streaming parser read it: the row number from `r`, each value the text of its `<v>` or `<t>`,
    turned into a cell value by `kinds` (type, style) and put in `columns`. The learnt row is cut into
    `tokens` by `text.replace(">", "<").split("<")`: tags at odd positions, the text between them at even
    ones.
    """

    def __init__(self, tokens: list[str], names: dict[str, str], limits: Limits):
        ROW, C, V, T, F = names["row"], names["c"], names["v"], names["t"], names["f"]  # noqa: N806
        IS = f"{T[:-1]}is"  # noqa: N806 - "is" with the prefix of "t"
        parts = [re.escape(token) for token in tokens]
        kinds: list[tuple[str | None, str | None]] = []
        columns: list[int] = []
        last = len(tokens) - 1

        def fail() -> None:
            raise ValueError("not a layout")

        def whitespace(index: int) -> None:
            if tokens[index].strip(" \t\n"):
                fail()

        whitespace(0)
        row_tag = _ROW_NUMBER.match(tokens[1], len(ROW))
        if not tokens[1].startswith(ROW) or row_tag is None or tokens[1].endswith("/"):
            fail()
        parts[1] = re.escape(ROW) + ' r="([0-9]{1,9})"' + re.escape(tokens[1][row_tag.end() :])
        index = 2
        while index < last:
            whitespace(index)
            tag = tokens[index + 1]
            reference = _REF.match(tag, len(C))
            if not tag.startswith(f"{C} ") or reference is None:
                fail()
            rest = tag[reference.end() :]
            empty = rest.endswith("/")
            attributes = dict(_checked_attributes(rest[:-1] if empty else rest, fail))
            if "r" in attributes:
                fail()
            parts[index + 1] = re.escape(f'{C} r="{reference[1]}') + '[0-9]{1,9}"' + re.escape(rest)
            column = column_index(reference[1])
            index += 2
            if empty:
                continue
            kind = (attributes.get("t"), attributes.get("s"))
            if kind[0] == "n":
                kind = (None, kind[1])
            value = None
            while True:  # the cell's content, up to </c>
                whitespace(index)
                tag = tokens[index + 1]
                if tag == f"/{C}":
                    index += 2
                    break
                if tag == V or tag == T or tag == f'{T} xml:space="preserve"':
                    if value is not None or tokens[index + 3] != "/" + tag.split(" ")[0]:
                        fail()
                    value = index + 2
                    parts[value] = f"({_PLAIN_TEXT})"
                    index += 4
                elif tag == IS or tag == f"/{IS}":
                    index += 2
                elif tag == F or tag.startswith(f"{F} "):
                    if tag.endswith("/"):
                        index += 2
                        continue
                    if tokens[index + 3] != f"/{F}":
                        fail()
                    parts[index + 2] = _PLAIN_TEXT  # the formula, which the streaming parser does not read either
                    index += 4
                else:
                    fail()
            if value is not None:
                if column in columns or column >= limits.max_columns:
                    fail()
                kinds.append(kind)
                columns.append(column)
        whitespace(last)
        if index != last:
            fail()
        separators = ("" if position == last else "<" if position % 2 == 0 else ">" for position in range(last + 1))
        self.pattern = re.compile("".join(part + separator for part, separator in zip(parts, separators, strict=True)))
        self.kinds = kinds
        self.functions: list[Any] | None = None  # what turns each value's text into the cell's value (the scanner's)
        self.columns = columns
        self.contiguous = columns == list(range(len(columns)))
        width = max(columns, default=-1) + 1
        self.scatter = _getter([columns.index(c) if c in columns else len(columns) for c in range(width)])


def _checked_attributes(text: str, fail: Any) -> list[tuple[str, str]]:
    """The attributes of a tag (after its name), each `name="value"` after one space; `fail()` otherwise."""
    found = []
    position = 0
    for match in _ATTRIBUTE.finditer(text):
        if match.start() != position:
            fail()
        found.append((match[1], match[2]))
        position = match.end()
    if position != len(text):
        fail()
    return found


class _RowScanner:
    """Reads the rows of a worksheet in a few string operations each: the fast path of `rows`.

    What comes before the rows (up to `<sheetData>`) and after them is read by expat, with the DOCTYPE
    refusal, exactly as the streaming parser reads it. The rows in between are cut at `</row>`. A row the
    scanner has not seen the shape of is read by the streaming parser alone (a row is a well-formed
    element by itself), and its shape is learnt (`_Layout`) if reading the row with it gives the same
    values. The next rows of that shape — Excel, openpyxl and most programs write every row of a list
    alike — are read from their texts by the layout's regular expression, without an event per element; a
    row whose texts need more than taking them as they are (a character reference, a carriage return or a
    character XML forbids, text not in NFC, Excel's `_x000D_` escapes, `]]>`) goes to the streaming parser.
    The bytes of the rows are thus all checked: by expat, or by a layout whose tags were checked by expat
    and whose texts are plain. Layouts are kept for the last `_TEMPLATES` shapes; past 100 rows that teach
    none (and ten times as many as taught one), the scanner stops learning; when most rows need a layout
    of their own (64 learnt, not used twice as often), it hands the sheet over to the streaming parser.
    What cannot be cut safely — a comment or processing instruction among the rows, rows outside
    `<sheetData>`, an encoding other than UTF-8, a row longer than `_MAX_PENDING` — raises `_Unusual`:
    `rows` then reads the whole sheet with the streaming parser. Values and limits are those of the
    streaming parser (the same `convert`, the same messages).
    """

    def __init__(self, workbook: XlsxWorkbook, sheet: WorksheetInfo, budget: XmlBudget):
        self.workbook = workbook
        self.budget = budget
        self.limits = workbook.limits
        self.max_rows, self.max_chars = self.limits.max_rows, self.limits.max_cell_chars
        self.convert = workbook._converter()
        self.number_value = self.convert.number_value
        self.state = _RowState()
        self.validator = xml_parser()
        self.validator.StartElementHandler = self._head_element
        self.validator.EndElementHandler = self._end_element
        self.buffer = b""
        self.fed = 0  # bytes given to the validator
        self.mode = "head"  # then "rows", then "tail"
        self.prefix: str | None = None
        self.data_at: int | None = None  # where the <sheetData> start tag is in the part
        self.layouts: list[_Layout] = []
        self.learnt = self.failed = self.reused = 0
        self.checked_encoding = False

    # -- what comes before the rows: expat reads it and finds <sheetData>

    def _head_element(self, name: str, attrs: dict[str, str]) -> None:
        self._element(name, attrs)
        if self.prefix is None:
            if name in ("row", "c", "v", "t", "rPh"):
                raise _Unusual  # the streaming parser would take this root for a row or a cell
            self.prefix = name.rpartition(":")[0]
            self._set_names(self.prefix)
        elif name == self.names["sheetData"]:
            self.data_at = self.validator.CurrentByteIndex
            self.validator.StartElementHandler = self._element
        elif name in self.cell_names:
            raise _Unusual  # a row or a cell outside <sheetData>

    def _element(self, name: str, attrs: dict[str, str]) -> None:
        """Before and after the rows: the depth (elements are counted as tags, by `_scan_rows`)."""
        budget = self.budget
        budget.depth += 1
        if budget.depth > budget.max_depth:
            raise budget.too_deep()

    def _end_element(self, name: str) -> None:
        self.budget.depth -= 1

    def _set_names(self, prefix: str) -> None:
        p = f"{prefix}:" if prefix else ""
        self.names = {local: f"{p}{local}" for local in ("row", "c", "v", "t", "f", "sheetData")}
        self.cell_names = frozenset(_names(prefix))
        b = re.escape(p.encode())
        self.data_tag = re.compile(rb"<" + b + rb"sheetData[ \t\r\n]*(/?)>")
        self.data_end = re.compile(rb"[ \t\r\n]*</" + b + rb"sheetData[ \t\r\n]*>")
        self.row_in_tail = re.compile(rb"<" + b + rb"row[ \t\r\n/>]")
        self.row_open = f"<{p}row".encode()
        self.row_end = f"</{p}row>".encode()

    def _validate(self, data: bytes) -> None:
        self.validator.Parse(data, False)
        self.fed += len(data)
        if self.fed - self.validator.CurrentByteIndex > self.limits.max_xml_token_bytes:
            self.budget.read(0, self.validator, self.fed)  # refuses: a tag or comment that long

    def _check_encoding(self, head: bytes) -> None:
        _check_utf8(head)
        self.checked_encoding = True

    def _head(self) -> None:
        """Give expat what comes before the rows, up to the end of the <sheetData> start tag."""
        if not self.checked_encoding:
            if len(self.buffer) < 1024:
                return
            self._check_encoding(self.buffer[:4096])
        while self.mode == "head":
            candidate = _DATA_CANDIDATE.search(self.buffer)
            end = -1 if candidate is None else self.buffer.find(b">", candidate.start())
            if end < 0:
                keep = max(len(self.buffer) - 256, 0) if candidate is None else candidate.start()
                self._validate(self.buffer[:keep])
                self.buffer = self.buffer[keep:]
                if self.data_at is not None or self.fed > _MAX_PENDING:
                    raise _Unusual
                return
            at = self.fed + candidate.start()
            self._validate(self.buffer[: end + 1])
            tag = self.buffer[candidate.start() : end + 1]
            self.buffer = self.buffer[end + 1 :]
            if self.data_at is None:
                continue  # not an element (in a comment, say)
            found = self.data_tag.fullmatch(tag) if self.data_at == at else None
            if found is None:
                raise _Unusual
            self.mode = "tail" if found[1] else "rows"

    # -- feeding

    def feed(self, chunk: bytes) -> Iterator[tuple[int, list[Any]]]:
        """The rows that end in `chunk`, the next bytes of the part; each read when it is reached."""
        self.buffer = self.buffer + chunk if self.buffer else chunk
        if self.mode == "head":
            self._head()
        if self.mode == "rows":
            yield from self._rows()
        if self.mode == "tail":
            self._tail()

    def close(self) -> Iterator[tuple[int, list[Any]]]:
        """The last rows, once the whole part is read."""
        if not self.checked_encoding:
            self._check_encoding(self.buffer[:4096])
        if self.mode == "head":
            self._head()
        if self.mode == "rows":
            yield from self._rows()
        if self.mode == "rows":
            raise _Unusual  # the rows did not end as the scanner expects
        if self.mode == "tail" and self.row_in_tail.search(self.buffer):
            raise _Unusual
        self.validator.Parse(self.buffer, True)
        self.buffer = b""

    def _tail(self) -> None:
        if self.row_in_tail.search(self.buffer):
            raise _Unusual  # a row after </sheetData>: the streaming parser reads it where it is
        keep = max(len(self.buffer) - 64, 0)  # a start tag cut by the end of the chunk is looked at again
        self._validate(self.buffer[:keep])
        self.buffer = self.buffer[keep:]

    # -- the rows

    def _rows(self) -> Iterator[tuple[int, list[Any]]]:
        buffer, row_end = self.buffer, self.row_end
        last = buffer.rfind(row_end)
        if last >= 0:
            done = last + len(row_end)
            pieces = buffer[:done].split(row_end)
            pieces.pop()  # what follows the last </row>: nothing
            row = self._row
            for piece in pieces:
                found = row(piece)
                if found is None:
                    continue
                if found.__class__ is list:
                    yield from found
                else:
                    yield found
            buffer = self.buffer = buffer[done:]
        if not buffer:
            return
        end = self.data_end.match(buffer)
        if end is not None:
            self.mode = "tail"
            return
        rest = buffer.lstrip(_WHITESPACE)
        if rest.startswith(self.row_open) or self.row_open.startswith(rest) or b"</".startswith(rest[:2]):
            if len(buffer) > _MAX_PENDING:
                raise _Unusual
            return  # a row, or the end of the rows, still coming
        raise _Unusual  # something else between the rows

    def _row(self, piece: bytes) -> Any:
        """The row in `piece` (its start tag and cells, without `</row>`): (number, cells), None if it holds no
        value, or the list of the rows the streaming parser found in it."""
        try:
            text = piece.decode()
        except UnicodeDecodeError:
            return self._stream(piece, "")
        if (
            "_x" in text
            or "]]>" in text
            or len(text) > self.max_chars
            or not (text.isascii() or unicodedata.is_normalized("NFC", text))
        ):
            return self._stream(piece, "")
        for layout in self.layouts:
            match = layout.pattern.fullmatch(text)
            if match is not None:
                break
        else:
            return self._stream(piece, text)
        if layout is not self.layouts[0]:
            self.layouts.remove(layout)
            self.layouts.insert(0, layout)
        self.reused += 1
        return self._read(layout, match.groups(), "&" in text)

    def _read(self, layout: _Layout, groups: tuple[str, ...], references: bool) -> tuple[int, list[Any]] | None:
        """The row a layout matched: `groups` are its row number and its values, with `references` if any."""
        number = int(groups[0])
        if number > self.max_rows:
            raise _too_many_rows(self.max_rows)
        self.state.row = number
        values = groups[1:]
        if references:
            values = tuple(_NAMED_REFERENCE.sub(_named, text) if "&" in text else text for text in values)
        if "" in values:  # an empty <v></v> or <t></t>: no value, as the streaming parser gives none
            return self._read_with_blanks(layout, values, number)
        if not values:
            return None
        functions = layout.functions or self._functions(layout)
        cells = list(map(call, functions, values))
        if not layout.contiguous:
            cells.append(None)
            cells = list(layout.scatter(cells))
        return number, cells

    def _functions(self, layout: _Layout) -> list[Any]:
        functions: list[Any] = []
        for cell_type, cell_style in layout.kinds:
            if cell_type == "inlineStr" or cell_type == "str":
                functions.append(str)  # the text itself (str of a str is that str)
            elif cell_type is None:
                functions.append(partial(self.number_value, cell_style=cell_style))
            elif cell_type == "s":
                functions.append(self.convert.shared_text)
            else:
                functions.append(partial(self.convert, cell_type=cell_type, cell_style=cell_style))
        layout.functions = functions
        return functions

    def _read_with_blanks(self, layout: _Layout, values: tuple[str, ...], number: int) -> tuple[int, list[Any]] | None:
        cells: list[Any] = []
        for text, (cell_type, cell_style), column in zip(values, layout.kinds, layout.columns, strict=True):
            if not text:
                continue
            value = self.convert(text, cell_type, cell_style)
            if value is None:
                continue
            if column >= len(cells):
                cells.extend([None] * (column - len(cells) + 1))
            cells[column] = value
        return (number, cells) if cells else None

    def _stream(self, piece: bytes, text: str) -> list[tuple[int, list[Any]]]:
        """Read the row in `piece` with the streaming parser, and learn its layout (from its `text`) if it has one."""
        if b"<!" in piece or b"<?" in piece:
            raise _Unusual  # a comment or CDATA may hide a </row>: the cut may be wrong
        ready: list[tuple[int, list[Any]]] = []
        parser = self.workbook._row_parser(self.convert, ready, self.state, self.prefix or "", self.budget)
        try:
            parser.Parse(b"<_>" + piece + self.row_end + b"</_>", True)
        except expat.ExpatError:
            raise _Unusual from None
        if text and self.failed < 100 + 10 * self.learnt and len(ready) <= 1:
            if self.learnt >= 64 and self.reused < 2 * self.learnt:
                raise _Unusual  # rows of ever new shapes (a sparse sheet): layouts would cost more than they save
            self._learn(text, ready[0] if ready else None)
        return ready

    def _learn(self, text: str, read: tuple[int, list[Any]] | None) -> None:
        """Learn the layout of a row the streaming parser read as `read`, if reading it by layout agrees."""
        try:
            layout = _Layout(text.replace(">", "<").split("<"), self.names, self.limits)
        except (ValueError, IndexError):
            self.failed += 1
            return
        match = layout.pattern.fullmatch(text)
        state = self.state.row
        try:
            again = None if match is None else self._read(layout, match.groups(), "&" in text)
        except (SheetRejected, ValueError, IndexError, TypeError):
            again = None
        self.state.row = state
        if match is None or again != read or (read is None and state != int(match[1])):
            self.failed += 1
            return
        self.learnt += 1
        self.layouts.insert(0, layout)
        del self.layouts[_TEMPLATES:]


def _iso_date(text: str | None) -> Any:
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text.strip().removesuffix("Z"))
    except ValueError:
        return text
    return moment.date() if moment.time() == datetime.time() else moment
