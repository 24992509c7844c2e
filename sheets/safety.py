"""What an uploaded file may be before any of it is parsed: its size, its kind, its zip directory, its XML.

Every check here runs before the expensive or dangerous step it guards:

- the size is read from the file system or by seeking, never by reading the file;
- the kind comes from the first bytes (zip → .xlsx, else text → .csv); old .xls, .ods, .xlsb, HTML and
  anything binary are refused with a message saying what to do;
- a zip's central directory is inspected before any member is decompressed: the number of members, the
  total uncompressed size and each member's compression ratio (a zip bomb is a small file that declares,
  or expands to, a huge one). Python's zipfile never yields more than a member declares, so the declared
  sizes bound what decompression can produce;
- XML is parsed by expat with handlers that refuse any DOCTYPE or ENTITY declaration (billion laughs,
  external entities): Excel never writes one.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO
from xml.parsers import expat

from django.utils.translation import gettext

from .errors import SheetRejected

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How much an uploaded spreadsheet may ask of the server. Every limit refuses the file with a message."""

    max_file_bytes: int = 256 * MB  # the file as uploaded (a million households are 150 MB of CSV)
    max_rows: int = 1_048_576  # rows of the sheet (Excel's own maximum), title rows included
    max_columns: int = 256  # a value further right refuses the file; empty formatted cells are ignored
    max_cell_chars: int = 32_767  # Excel's own limit for a cell
    max_zip_members: int = 1_000
    max_uncompressed_bytes: int = 2 * 1024 * MB  # all members of an .xlsx together, as declared
    max_compression_ratio: int = 200  # uncompressed / compressed, for each member larger than 1 MB
    max_part_bytes: int = 32 * MB  # workbook.xml, relationships and styles, which are parsed whole
    max_shared_strings_bytes: int = 512 * MB  # the workbook's table of distinct texts, kept in memory compactly
    max_shared_strings: int = 10_000_000  # texts in that table (4 bytes each), if the sheets have room for them
    # What reading a part's XML may cost (`XmlBudget`): a part may use the free bytes and elements, and
    # earns more with each row holding a value (each text, for the table of texts) it gives.
    xml_free_bytes: int = 64 * MB
    xml_bytes_per_row: int = 32 * 1024
    xml_free_elements: int = 1_000_000  # elements read by a parser, tags (`<`) counted by a scanner
    xml_elements_per_row: int = 128  # and 8 more for each cell up to the row's last value
    max_xml_depth: int = 64  # Excel nests about 10 deep
    max_xml_token_bytes: int = MB  # a tag, comment or instruction, which the parser must hold whole


DEFAULT_LIMITS = Limits()
_RATIO_CHECKED_ABOVE = MB


def human_size(size: int) -> str:
    """A size as officials read it: "50 MB", "812 KB" (binary units, Vietnamese decimal comma)."""
    if size >= MB:
        text = f"{size / MB:.1f}".rstrip("0").rstrip(".").replace(".", ",")
        return f"{text} MB"
    if size >= 1024:
        return f"{round(size / 1024)} KB"
    return f"{size} B"


# ---------------------------------------------------------------------------------------------------------
# The uploaded file


@dataclass
class Source:
    """An uploaded file, opened as a seekable binary stream, with its size and what kind of file it is."""

    stream: BinaryIO
    size: int
    name: str
    kind: str  # "xlsx" or "csv"
    _owned: bool = False

    def close(self) -> None:
        if self._owned:
            self.stream.close()


def open_source(source: Any, *, filename: str | None = None, limits: Limits = DEFAULT_LIMITS) -> Source:
    """`source` (a path, bytes, or a binary file object such as Django's UploadedFile) checked and sniffed.

    A stream that cannot seek is copied to a temporary file first (at most `max_file_bytes` of it).
    """
    owned = False
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        size = path.stat().st_size
        _check_size(size, limits)
        stream: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed by Source.close()
        owned, name = True, filename or path.name
    elif isinstance(source, bytes | bytearray | memoryview):
        size = len(source)
        _check_size(size, limits)
        stream, owned, name = io.BytesIO(bytes(source)), True, filename or ""
    else:
        name = filename or os.path.basename(str(getattr(source, "name", "") or ""))
        stream = source
        if not _seekable(stream):
            stream, owned = _spool(stream, limits), True
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
        stream.seek(0)
        if size > limits.max_file_bytes:
            if owned:
                stream.close()
            _check_size(size, limits)
    try:
        kind = sniff(stream, size)
    except SheetRejected:
        if owned:
            stream.close()
        raise
    return Source(stream=stream, size=size, name=name, kind=kind, _owned=owned)


def _seekable(stream: Any) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, ValueError, OSError):
        return False


def _spool(stream: IO[bytes], limits: Limits) -> BinaryIO:
    spooled = tempfile.SpooledTemporaryFile(max_size=8 * MB)  # noqa: SIM115 - owned by the Source
    copied = 0
    while chunk := stream.read(MB):
        copied += len(chunk)
        if copied > limits.max_file_bytes:
            spooled.close()
            raise SheetRejected.because(
                gettext("The file is larger than %(limit)s; larger files are refused.")
                % {"limit": human_size(limits.max_file_bytes)}
            )
        spooled.write(chunk)
    spooled.seek(0)
    return spooled  # type: ignore[return-value]


def _check_size(size: int, limits: Limits) -> None:
    if size > limits.max_file_bytes:
        raise SheetRejected.because(
            gettext("The file is %(size)s; files larger than %(limit)s are refused.")
            % {"size": human_size(size), "limit": human_size(limits.max_file_bytes)}
        )


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def sniff(stream: BinaryIO, size: int) -> str:
    """ "xlsx" or "csv" from the file's first bytes, whatever its name says; `SheetRejected` otherwise."""
    if size == 0:
        raise SheetRejected.because(gettext("The file is empty."))
    stream.seek(0)
    head = stream.read(8192)
    stream.seek(0)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "xlsx"
    if head.startswith(_OLE):
        raise SheetRejected.because(
            gettext(
                "This is an old Excel .xls file or a password-protected workbook: open it in Excel, save it as "
                "“Excel Workbook (.xlsx)” without a password, and upload it again."
            )
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "csv"  # UTF-16 text, as Excel's "Unicode Text" writes it
    text = head[3:] if head.startswith(_BOMS[0]) else head
    start = text.lstrip()[:200].lower()
    if start.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<table", b"<meta", b"<?xml", b"<!--")):
        raise SheetRejected.because(
            gettext(
                "This file is a web page or XML, not a spreadsheet, even if its name ends in .xls: open it in "
                "Excel, save it as “Excel Workbook (.xlsx)”, and upload it again."
            )
        )
    if b"\x00" in text or _binary_share(text) > 0.05:
        raise SheetRejected.because(gettext("This is not an .xlsx or .csv file."))
    return "csv"


def _binary_share(data: bytes) -> float:
    """The share of control bytes other than tab, line feed, carriage return and form feed."""
    if not data:
        return 0.0
    controls = sum(1 for byte in data if byte < 32 and byte not in (9, 10, 12, 13))
    return controls / len(data)


# ---------------------------------------------------------------------------------------------------------
# Zip archives


def _refuse_zip(message: str) -> SheetRejected:
    return SheetRejected.because(message)


def open_zip(stream: BinaryIO, limits: Limits) -> zipfile.ZipFile:
    """The archive, after its central directory passed `inspect_zip`; nothing is decompressed here."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise _refuse_zip(
            gettext("The workbook could not be read: the file is damaged or not an .xlsx file.")
        ) from None
    try:
        inspect_zip(archive, limits)
    except SheetRejected:
        archive.close()
        raise
    return archive


def inspect_zip(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse a zip whose directory declares too many members, too much data, or a zip bomb's ratio."""
    members = archive.infolist()
    if len(members) > limits.max_zip_members:
        raise _refuse_zip(
            gettext("The workbook is refused: it has %(count)d parts (at most %(limit)d are read).")
            % {"count": len(members), "limit": limits.max_zip_members}
        )
    total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise _refuse_zip(
                gettext("The workbook is refused: it is encrypted. Remove the password and upload it again.")
            )
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refuse_zip(gettext("The workbook is refused: it uses a compression method Excel does not write."))
        total += member.file_size
        if member.file_size > _RATIO_CHECKED_ABOVE:
            ratio = member.file_size / max(member.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise _refuse_zip(
                    gettext(
                        "The workbook is refused: its part %(name)s expands %(ratio)d times (at most %(limit)d), "
                        "as a zip bomb does."
                    )
                    % {"name": member.filename, "ratio": ratio, "limit": limits.max_compression_ratio}
                )
    if total > limits.max_uncompressed_bytes:
        raise _refuse_zip(
            gettext("The workbook is refused: it would expand to %(size)s (at most %(limit)s).")
            % {"size": human_size(total), "limit": human_size(limits.max_uncompressed_bytes)}
        )


# ---------------------------------------------------------------------------------------------------------
# XML


def doctype_refused() -> SheetRejected:
    return SheetRejected.because(
        gettext(
            "The workbook is refused: its XML declares a document type or entities, which Excel never writes "
            "and which can be used to attack the server."
        )
    )


def damaged() -> SheetRejected:
    return SheetRejected.because(gettext("The workbook could not be read: the file is damaged or not an .xlsx file."))


def xml_parser(*, namespaces: bool = False) -> Any:
    """An expat parser that refuses DOCTYPE and ENTITY declarations (raising `SheetRejected`) and buffers text.

    With `namespaces`, element and attribute names arrive as "namespace-uri local-name".
    """
    parser = expat.ParserCreate(namespace_separator=" " if namespaces else None)

    def refuse(*args: Any) -> None:
        raise doctype_refused()

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.buffer_size = 65536
    return parser


def parse_xml(parser: Any, stream: IO[bytes], budget: XmlBudget | None = None) -> None:
    """Feed `stream` to `parser` 64 KB at a time, turning a malformed or truncated part into `SheetRejected`;
    with a `budget`, what the bytes read and the tokens held may cost is checked after each piece."""
    with xml_errors():
        while chunk := stream.read(65536):
            parser.Parse(chunk, False)
            if budget is not None:
                budget.read(len(chunk), parser)
        parser.Parse(b"", True)


class XmlBudget:
    """What reading one part of a workbook may cost, so that XML expanding far beyond its rows is stopped early.

    A zip bomb is refused from the zip's directory (`inspect_zip`), and expat refuses entity expansion; what
    remains is XML that is what it says it is, only far larger than its content: runs of empty or unknown
    elements, whitespace, millions of empty `<row/>`s, elements nested millions deep, one tag or comment of
    hundreds of MB. Reading such a part would take minutes (expat with a Python handler takes about a second
    for a million elements) or, for the nesting and the long tag, gigabytes (expat keeps every open element
    and a token whole). So a part may use `xml_free_bytes` and `xml_free_elements`, and earns
    `xml_bytes_per_row` and `xml_elements_per_row` (plus 8 a cell) with each row holding a value that it gives;
    elements nest at most `max_xml_depth` deep and no token is longer than `max_xml_token_bytes`. A sheet as
    Excel writes it (a few hundred bytes and a few elements a cell) stays far inside; what goes beyond is
    refused within a second or two of reading, in bounded memory, before its rows are imported.

    The readers count as they go: `read()` after each piece of the part given to a parser, `elements` and
    `depth` in their element handlers (inline, for speed), `earn()` for each row they give.
    """

    __slots__ = ("part", "limits", "bytes", "max_bytes", "elements", "max_elements", "depth", "max_depth", "rows")

    def __init__(self, part: str, limits: Limits):
        self.part = part
        self.limits = limits
        self.bytes = 0
        self.max_bytes = limits.xml_free_bytes
        self.elements = 0
        self.max_elements = limits.xml_free_elements
        self.depth = 0
        self.max_depth = limits.max_xml_depth
        self.rows = 0

    def earn(self, cells: int = 0, rows: int = 1) -> None:
        """`rows` rows holding a value (`cells` long in all, to their last values) were read."""
        self.rows += rows
        self.max_bytes += self.limits.xml_bytes_per_row * rows
        self.max_elements += self.limits.xml_elements_per_row * rows + 8 * cells

    def tags(self, count: int) -> None:
        """`count` more tags were found by a scanner (which counts `<` rather than handling each element)."""
        self.elements += count
        if self.elements > self.max_elements:
            raise self.too_many_elements()

    def read(self, size: int, parser: Any = None, fed: int | None = None) -> None:
        """`size` more bytes of the part were given to `parser` (which has been given `fed` bytes in all, if
        that is not `self.bytes`): refuse the part if it is over its bytes or the parser holds a long token."""
        self.bytes += size
        if self.bytes > self.max_bytes:
            raise self._refuse(gettext("runs of text or space holding no value"))
        if parser is not None:
            held = (self.bytes if fed is None else fed) - parser.CurrentByteIndex
            if held > self.limits.max_xml_token_bytes:
                raise self._refuse(
                    gettext("a tag or comment longer than %(limit)s")
                    % {"limit": human_size(self.limits.max_xml_token_bytes)}
                )

    def too_many_elements(self) -> SheetRejected:
        return self._refuse(gettext("runs of elements holding no value"))

    def too_deep(self) -> SheetRejected:
        return self._refuse(gettext("elements nested more than %(limit)d deep") % {"limit": self.max_depth})

    def _refuse(self, what: str) -> SheetRejected:
        return SheetRejected.because(
            gettext(
                "The workbook is refused: its part %(name)s holds far more XML than values (%(what)s); reading "
                "was stopped. Open the file in Excel, copy the rows into a new workbook, save it and upload it again."
            )
            % {"name": self.part, "what": what}
        )


def counting(parser: Any, budget: XmlBudget, start: Any = None, end: Any = None) -> None:
    """Set `parser`'s element handlers to `start` and `end` (or none), counting elements and depth in `budget`."""

    def counted_start(name: str, attrs: Any) -> None:
        budget.elements += 1
        if budget.elements > budget.max_elements:
            raise budget.too_many_elements()
        budget.depth += 1
        if budget.depth > budget.max_depth:
            raise budget.too_deep()
        if start is not None:
            start(name, attrs)

    def counted_end(name: str) -> None:
        budget.depth -= 1
        if end is not None:
            end(name)

    parser.StartElementHandler, parser.EndElementHandler = counted_start, counted_end


@contextmanager
def xml_errors() -> Iterator[None]:
    """Malformed XML and broken zip members, as the `SheetRejected` of a damaged workbook."""
    try:
        yield
    except expat.ExpatError:
        raise damaged() from None
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error):
        raise damaged() from None
