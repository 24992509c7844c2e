"""Reading CSV files as officials' Excel saves them: which encoding, which separator, one record at a time.

Encoding, decided once for the whole file before any row is read:

1. A byte-order mark decides: UTF-8 (Excel's "CSV UTF-8"), or UTF-16 (Excel's "Unicode Text", tab-separated).
2. Otherwise, if every byte of the file is valid UTF-8, it is UTF-8.
3. Otherwise it is a legacy Windows file, read as Windows-1258 (Vietnamese; what Excel's plain
   "CSV (Comma delimited)" writes on a Vietnamese Windows). Windows-1258 writes most tone marks as separate
   combining characters, so every cell is normalised to NFC ("Tổng", not "Tổng"). A Western Windows-1252
   file reads the same, since the two agree except on letters a Vietnamese file has no use for (Ã, Ì, Ò, Õ,
   Ý, Þ, ì, ò, ð, õ, ý, þ, Š, Ž, ...). The file is refused, asking for "CSV UTF-8", when it has bytes
   Windows-1258 does not define or a tone mark on something that is not a vowel: then it is not
   Windows-1258 (a Western file using those letters, or the TCVN3 and VNI font encodings, which cannot be
   told apart from Western text reliably).

The separator is the one of `,` `;` tab `|` that makes the header row match best (`reading.py` decides);
an Excel `sep=;` first line decides it and is skipped, as Excel skips it. Row numbers count records, as
Excel numbers the rows when it opens the file (a quoted cell spanning lines is one row).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from functools import partial
from typing import BinaryIO

from django.utils.translation import gettext

from .errors import SheetError, SheetRejected
from .safety import Limits

DELIMITERS = (",", ";", "\t", "|")
_VOWELS = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
_STRAY_TONE = re.compile(rf"(?<![{_VOWELS}])[\u0300\u0301\u0303\u0309\u0323]")
_SEP_LINE = re.compile(r"sep=(.)\r?\n?", re.IGNORECASE)


def _unreadable() -> SheetRejected:
    return SheetRejected.because(
        gettext(
            "The file's text encoding could not be recognised (UTF-8 or Windows-1258 is expected): in Excel, "
            "save it as “CSV UTF-8 (Comma delimited)” and upload it again."
        )
    )


def detect_encoding(stream: BinaryIO) -> str:
    """The Python codec to read `stream` with: "utf-8-sig", "utf-16", "utf-8" or "cp1258"; see the module."""
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    stream.seek(0)
    previous = ""
    try:
        while chunk := stream.read(1 << 20):
            text = chunk.decode("cp1258")
            if _STRAY_TONE.search(previous + text):
                raise _unreadable()
            previous = text[-1:]
    except UnicodeDecodeError:
        raise _unreadable() from None
    finally:
        stream.seek(0)
    return "cp1258"


def _nfc(cell: str) -> str:
    return cell if cell.isascii() or unicodedata.is_normalized("NFC", cell) else unicodedata.normalize("NFC", cell)


_is_nfc = partial(unicodedata.is_normalized, "NFC")


def sep_line(stream: BinaryIO, encoding: str) -> str | None:
    """The separator named by an Excel `sep=;` first line, if the file has one."""
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        stream.seek(0)
        first = text.readline(64)
    except UnicodeDecodeError:
        first = ""
    finally:
        text.detach()
        stream.seek(0)
    match = _SEP_LINE.fullmatch(first)
    return match[1] if match else None


def max_record_chars(limits: Limits) -> int:
    """The characters a CSV record may hold: 64 a column, and room for four cells of the longest."""
    return limits.max_columns * 64 + limits.max_cell_chars * 4


def csv_rows(stream: BinaryIO, encoding: str, delimiter: str, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for each record of the file, blank records included, streaming.

    The text is decoded by an `io.TextIOWrapper` (incrementally, in C) and split by the `csv` module. A record
    (its lines together, when a quoted cell spans lines) may hold `max_record_chars(limits)` characters: each
    line is read with `readline(size)`, which stops at the size, so a longer record is refused naming its row
    without ever being held whole (a file of one 256 MB line costs the reader a few hundred KB). The checks on
    cells are made per line where they can be: a record whose lines are short cannot hold a cell over the
    limit, and a record whose lines are ASCII, or NFC without a quote (a quote taken off can join two characters
    that compose), has only NFC cells.
    """
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    max_record = max_record_chars(limits)
    max_cell = limits.max_cell_chars
    read = 0  # characters of the lines of the record being read
    unsure = False  # whether a cell of the record being read may not be NFC
    number = 0  # the records read; the one being read is number + 1

    def lines() -> Iterator[str]:
        nonlocal read, unsure
        first = True
        readline = text.readline
        while line := readline(max_record - read + 1):
            if read + len(line) > max_record:
                raise SheetRejected(
                    SheetError(
                        gettext(
                            "This row is longer than %(limit)s characters, more than a row of a spreadsheet holds: "
                            'the file is not a CSV file, or a quote (") is missing.'
                        )
                        % {"limit": f"{max_record:,}".replace(",", ".")},
                        row=number + 1,
                    )
                )
            if first:
                first = False
                if _SEP_LINE.fullmatch(line):
                    continue
            read += len(line)
            if not unsure and not line.isascii() and ('"' in line or not _is_nfc(line)):
                unsure = True
            yield line

    try:
        reader = csv.reader(lines(), delimiter=delimiter)
        for record in reader:
            number += 1
            if number > limits.max_rows:
                raise SheetRejected.because(
                    gettext("The sheet has more than %(limit)s rows; split it into smaller files.")
                    % {"limit": f"{limits.max_rows:,}".replace(",", ".")}
                )
            if len(record) > limits.max_columns:
                if any(cell.strip() for cell in record[limits.max_columns :]):
                    raise SheetRejected.because(
                        gettext("Row %(row)d has more than %(limit)d columns.")
                        % {"row": number, "limit": limits.max_columns}
                    )
                del record[limits.max_columns :]
            if read > max_cell and max(map(len, record), default=0) > max_cell:
                raise SheetRejected.because(
                    gettext("Row %(row)d has a cell of more than %(limit)d characters.")
                    % {"row": number, "limit": max_cell}
                )
            if unsure and not all(map(_is_nfc, record)):
                record = [_nfc(cell) for cell in record]
            read, unsure = 0, False
            yield number, record
    except csv.Error:
        raise SheetRejected.because(
            gettext("The CSV file could not be read at row %(row)d: a cell is too long or badly quoted.")
            % {"row": number + 1}
        ) from None
    except UnicodeDecodeError:
        raise _unreadable() from None
    finally:
        try:
            text.detach()
        except ValueError:
            pass
