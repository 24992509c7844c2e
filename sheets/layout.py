"""Officials' report forms read as they are: the title block, a header over several rows, section, total
and signature rows around the data rows.

A "biểu mẫu báo cáo" is not a tidy sheet::

    UBND HUYỆN BẠCH THÔNG                          CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM     title block: context
    BÁO CÁO ... NĂM 2022                                                                  (province, district,
    ĐVT: triệu đồng                                                                       year, program, unit)
    STT | Tên công trình | Địa điểm     | Kế hoạch vốn năm 2022        |                  header over 2-3 rows,
        |                | Xã           | Tổng số | Vốn ĐTPT | Vốn SN  |                  merged cells
    (1) | (2)            | (3)          | (4)     | (5)      | (6)     |                  numbering row
        | TỔNG CỘNG      |              | 1.234   |                                       total, checked
    I   | Huyện Bạch Thông|             | 800     |                                       section (and its total)
        | Dự án 4: Đầu tư cơ sở hạ tầng thiết yếu ...                                     section: component
    1   | Đường ...      | Xã Mỹ Thanh  | 500     |                                       data
        | Cộng huyện Bạch Thông |       | 800     |                                       subtotal, checked
    Người lập biểu              Thủ trưởng đơn vị                                         end of the table

What this module decides, for the reader (`reading.SheetReader`):

- `header_parts`: the cells of the header rows as one list of texts per column, parent first. A merged
  cell holds its text in its top-left cell only, so a parent's text is carried rightwards over the blank
  cells beside it as long as there are cells under them (the children of the span) and no other parent
  starts; a cell with nothing under it (merged down) is a header on its own. `<mergeCells>`, at the end of
  the sheet's XML, is not needed (and would cost a second pass over a large sheet).
- `title_context`: what the rows above the header say for every row: "UBND TỈNH QUẢNG NINH" (province),
  "UBND HUYỆN BẠCH THÔNG" (district), "Năm 2025" (year), "Chương trình MTQG ..." (program), "Dự án 4"
  (component).
- `Layout`: the rows that are not data. The reader asks it only about a row that cannot be data (a required
  value missing, or no value in any known column), so a tidy sheet costs nothing more. Such a row is a
  numbering row, a total ("Tổng cộng", "Tổng số", "Cộng", "Cộng huyện X", "Cộng I", "Cộng dự án 4"), an "of
  which" line ("Trong đó", and the "- ..." lines under it), a section (a district, a commune, a program, a
  project or sub-project, a group numbered I, II or A, B, an item 1 or 1.1 with items under it), or the end
  of the table (a signature block, a date line, notes): else it is a data row in error, as in a tidy sheet.
- Sections nest as the rows open them: a section closes the sections of the same kind and those opened
  after it; a subtotal closes the section it sums. A row's `context` is the title's, overridden by the
  open sections': the import kinds read it where the row has no value of its own (a district narrows the
  commune, a project sets the component).
- Totals are checked, not imported: each figure of a total row must equal the sum of the data rows it
  covers (the section it names, or every data row for a grand total), to the đồng; a section row that
  carries figures is the total of its section. A mismatch is a warning naming the section and both figures.
- Rows below the end of the table are not read; one that reads as a complete data row is an error (data
  would be lost silently otherwise).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from kernel.text import fold

from .values import Unit, format_number

# -- texts ---------------------------------------------------------------------------------------------------

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_ROMAN.update({f"x{key}": 10 + value for key, value in list(_ROMAN.items())[:9]})
_NUMBERING_CELL = re.compile(r"\(?\s*(?:\d{1,3}|[a-z])\s*\)?(?:\s*[=+\-*/x]\s*\(?\s*(?:\d{1,3}|[a-z])\s*\)?)*", re.I)
_ITEM = re.compile(r"\d{1,3}(?:\.\d{1,3}){0,4}\.?")
_BULLET = re.compile(r"[-+*•–]")
_YEAR = re.compile(r"\bnam\s+(20\d\d)\b")
_PERIOD = re.compile(r"\b(?:giai doan|nam)\s+20\d\d\s*-\s*20\d\d\b|\b20\d\d\s*-\s*20\d\d\b")
_DATE_LINE = re.compile(
    r"(?:^|,\s*|\s)ngay\s+(?:\d{1,2}|\.+|…+)?\s*thang\s+(?:\d{1,2}|\.+|…+)?\s*nam\s+(?:\d{4}|\.+|…+)?"
)

# Total rows, by their label (folded, without trailing punctuation).
_GRAND = re.compile(
    r"(?:tong cong|tong so|tong|cong|total|grand total|tong cong toan (?:tinh|huyen|xa)|cong toan (?:tinh|huyen|xa)"
    r"|toan (?:tinh|huyen|xa)|tong toan (?:tinh|huyen|xa)|tong cong chung|cong chung)"
    r"(?:\s*\([^)]*\))?(?:\s*:)?"
)
_SUBTOTAL = re.compile(r"(?:cong|tong cong|tong so|tong|sub ?total)\s*[:\-–]?\s+(.+)")
_OF_WHICH = re.compile(r"trong do\b.*|(?:bao gom|gom)\s*:.*")
_SIGNATURE = re.compile(
    r"(?:nguoi lap(?: bieu| bang)?|lap bieu|thu truong(?: don vi| co quan)?|ke toan truong|ke toan|chu tich"
    r"|pho chu tich|giam doc|pho giam doc|truong phong|pho truong phong|truong ban|pho truong ban"
    r"|t/?m\.?\s|kt\.?\s|tl\.?\s|tuq\.?\s|noi nhan|ghi chu\s*:|chu thich\s*:|luu\s*:|xac nhan cua"
    r"|\(?\s*ky(?:,| va| ten| ghi)|\(?\s*da ky\b)"
)

# Sections, by their label.
_DISTRICT = re.compile(r"(huyen|thi xa|thanh pho|tp\.?|quan)\s+(\S.*)")
_COMMUNE = re.compile(r"(xa|phuong|thi tran|tt\.?|dac khu)\s+(\S.*)")
_PROGRAM = re.compile(r"(?:chuong trinh|ct\s*mtqg|ctmtqg)\b.*")
_PROJECT = re.compile(r"(?:du an|da)\s*(?:so\s*)?(\d{1,2})\b.*")
_SUBPROJECT = re.compile(r"(?:tieu du an|tda)\s*(?:so\s*)?(\d{1,2})\b(?:.*?\b(?:du an|da)\s*(?:so\s*)?(\d{1,2})\b)?.*")
_CONTENT = re.compile(r"(?:noi dung(?: thanh phan)?|nd)\s*(?:so\s*)?(\d{1,2})\b.*")
_PART = re.compile(r"(?:hop phan|hp)\s*(?:so\s*)?(\d{1,2})\b.*")

# "As of" a date, in a title or a header: "tính đến ngày 30/6/2025", "đến 30/06/2025", "lũy kế đến ngày 30 tháng 6
# năm 2025" (a signature's "Bắc Kạn, ngày 15 tháng 6 năm 2022" is not: no "đến").
_AS_OF = re.compile(
    r"\b(?:tinh den|den|tinh den het|den het|luy ke den|tinh toi|toi|as of|to)\s+(?:ngay\s+)?"
    r"(?:(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})|(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4}))\b"
)

# The decision a table is attached to: "(Kèm theo Quyết định số 215/QĐ-UBND ngày 10/02/2023 của UBND tỉnh)".
_DECISION = re.compile(
    r"\b(?:quyet dinh|qd)\b[^()]*?\bngay\s+"
    r"(?:(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})|(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4}))\b"
)

# The title block.
_TITLE_UNIT = re.compile(
    r"(?:^|\b(?:ubnd|uy ban nhan dan|hdnd|hoi dong nhan dan|cua|tren dia ban|dia ban)\s+)"
    r"(tinh|thanh pho|huyen|thi xa|quan|xa|phuong|thi tran)\s+([^,;:()\n]+?)"
    r"(?=\s*$|\s*[,;:(\n]|\s+(?:nam|giai doan|ve|den|thang|quy|ngay|tu|theo|thuoc|nhu sau)\b)"
)
_MUNICIPALITIES = frozenset({"ha noi", "ho chi minh", "hai phong", "da nang", "can tho", "hue"})
_STATE_HEADING = re.compile(r"cong hoa xa hoi|doc lap\s*-\s*tu do|so\s*:|bieu\s*(?:so|mau)")

# The context keys a row may carry, in the order sections nest (for the preview).
CONTEXT_KEYS = ("province", "district", "commune", "program", "component", "year", "as_of", "decided_on", "group")


_STRIP = " .:;,-–*"


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _key(text: str) -> str:
    return fold(text).strip(_STRIP)


def _words(text: str, folded: str, start: int, end: int | None = None) -> str:
    """The words of `text` where `folded[start:end]` is, `folded` being `fold(text)` (fold keeps the words)."""
    before = len(folded[:start].split())
    count = len(folded[start:end].split())
    return " ".join(" ".join(text.split()).split(" ")[before : before + count]).strip(_STRIP)


def is_numbering_row(cells: Sequence[Any]) -> bool:
    """Whether a row only numbers the columns: "1 2 3 ...", "(1) (2) (3)=(1)+(2)", "A B 1 2"."""
    values = [cell for cell in cells if not _blank(cell)]
    if len(values) < 2:
        return False
    previous = None
    for value in values:
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            if value != int(value) or not 0 < value < 1000 or (previous is not None and value <= previous):
                return False
            previous = value
        elif not (isinstance(value, str) and _NUMBERING_CELL.fullmatch(value.strip())):
            return False
    return True


def numbering_of(cell: Any) -> tuple[str, Any, str] | None:
    """How an STT cell numbers its row, with the numbering as written: ("roman", 2, "II"), ("letter", "B", "B"),
    ("item", 2, "1.2") (2: the depth), ("bullet", "-", "-"); None for anything else."""
    if cell is None or isinstance(cell, bool):
        return None
    if isinstance(cell, int | Decimal):
        return ("item", 1, str(int(cell))) if cell == int(cell) and 0 < cell < 10_000 else None
    text = str(cell).strip().rstrip(".)").lstrip("(").strip()
    if not text or len(text) > 12:
        return None
    lower = text.lower()
    if lower in _ROMAN and text.isupper():
        return ("roman", _ROMAN[lower], text)
    if len(text) == 1 and text.isalpha():
        return ("letter", text.upper(), text)
    if _ITEM.fullmatch(text):
        return ("item", text.count(".") + 1, text)
    if _BULLET.fullmatch(text):
        return ("bullet", text, text)
    return None


def is_end_of_table(texts: Sequence[str]) -> bool:
    """Whether a row's texts are a signature block, a date line or a note: the end of the table."""
    for text in texts:
        key = fold(text).strip(" .")
        if _SIGNATURE.match(key) or (len(key) < 120 and _DATE_LINE.search(key)):
            return True
    return False


# -- the header ----------------------------------------------------------------------------------------------


@dataclass
class HeaderGrid:
    """The header rows read column by column: for each column its texts top first (`parts`), the header row
    each text is on (`levels`, 0 the top one) and how many columns its merged cell covers (`spans`)."""

    parts: list[list[str]]
    levels: list[list[int]]
    spans: list[list[int]]


def header_parts(rows: Sequence[Sequence[Any]]) -> HeaderGrid:
    """The texts of each column over the header rows, a merged cell's text carried over the cells it covers
    (see the module docstring)."""
    width = max((len(cells) for cells in rows), default=0)
    grid = [[_text(cells[i]) if i < len(cells) else "" for i in range(width)] for cells in rows]
    depth = len(grid)
    filled = [[bool(grid[level][i]) for i in range(width)] for level in range(depth)]
    span = [[1] * width for _ in range(depth)]

    def below(level: int, index: int) -> bool:
        return any(filled[lower][index] for lower in range(level + 1, depth))

    for level in range(depth - 1):
        origin = None
        for index in range(width):
            if filled[level][index]:
                origin = index if below(level, index) else None
                continue
            starts = any(filled[upper][index] for upper in range(level))
            if origin is None or starts or not below(level, index):
                origin = None
                continue
            grid[level][index] = grid[level][origin]
            span[level][origin] += 1
            span[level][index] = -origin - 1  # carried from `origin`
    result = HeaderGrid([], [], [])
    for index in range(width):
        parts: list[str] = []
        levels: list[int] = []
        spans: list[int] = []
        for level in range(depth):
            text = grid[level][index]
            if text and (not parts or _key(parts[-1]) != _key(text)):
                parts.append(text)
                levels.append(level)
                width_of = span[level][index]
                spans.append(width_of if width_of > 0 else span[level][-width_of - 1])
        result.parts.append(parts)
        result.levels.append(levels)
        result.spans.append(spans)
    return result


def _text(cell: Any) -> str:
    if isinstance(cell, str):
        return " ".join(cell.split())
    return ""


# -- the title block -----------------------------------------------------------------------------------------


def as_of_in(text: str) -> datetime.date | None:
    """The date a title or a header is "as of" ("Tiến độ đến 30/6/2025" → 30 June 2025), or None."""
    return _date_of(_AS_OF.search(fold(text)))


def decided_in(text: str) -> datetime.date | None:
    """The date of the decision a title names ("Kèm theo Quyết định số 215/QĐ-UBND ngày 10/02/2023"), or None."""
    return _date_of(_DECISION.search(fold(text)))


def _date_of(match: re.Match | None) -> datetime.date | None:
    if match is None:
        return None
    day, month, year = (int(part) for part in (match.groups()[:3] if match[1] else match.groups()[3:]))
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def title_context(rows: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """What the rows above the header say for the whole sheet (see the module docstring)."""
    context: dict[str, Any] = {}
    for cells in rows:
        for cell in cells:
            if not isinstance(cell, str) or not cell.strip() or len(cell) > 400:
                continue
            text = " ".join(cell.split())
            key = fold(text)
            if _STATE_HEADING.match(key):
                continue
            date_line = _DATE_LINE.search(key)
            for match in _TITLE_UNIT.finditer(key):
                kind, name = match[1], _words(text, key, match.start(2), match.end(2))
                if kind == "tinh" or (kind == "thanh pho" and fold(name) in _MUNICIPALITIES):
                    context.setdefault("province", name)
                elif kind in ("huyen", "thi xa", "thanh pho", "quan"):
                    context.setdefault("district", _words(text, key, match.start(1), match.end(2)))
                else:
                    context.setdefault("commune", _words(text, key, match.start(1), match.end(2)))
            if not date_line and "year" not in context and not _PERIOD.search(key):
                year = _YEAR.search(key) or re.fullmatch(r"(20\d\d)", key.strip(" ."))
                if year:
                    context["year"] = int(year[1])
            if "as_of" not in context and (as_of := as_of_in(text)) is not None:
                context["as_of"] = as_of
            if "decided_on" not in context and (decided := decided_in(text)) is not None:
                context["decided_on"] = decided
            if _PROGRAM.match(key) or "muc tieu quoc gia" in key or "mtqg" in key:
                context.setdefault("program", text)
            component = _component_of(key)
            if component and "component" not in context and not date_line:
                context["component"] = component
    return context


def _component_of(key: str, project: str | None = None) -> str | None:
    """A component code for a label: "DA4" for "Dự án 4: ...", "DA4.TDA1" for "Tiểu dự án 1 (Dự án 4)" or for
    "Tiểu dự án 1" under DA4, "ND2" for "Nội dung 2", "HP1" for "Hợp phần 1"; None if the label names none."""
    if match := _SUBPROJECT.match(key):
        outer = f"DA{int(match[2])}" if match[2] else project
        return f"{outer}.TDA{int(match[1])}" if outer else f"TDA{int(match[1])}"
    if match := _PROJECT.match(key):
        return f"DA{int(match[1])}"
    if match := _CONTENT.match(key):
        return f"ND{int(match[1])}" if project is None else project
    if match := _PART.match(key):
        return f"HP{int(match[1])}"
    return None


# -- sections and totals -------------------------------------------------------------------------------------


@dataclass
class Section:
    """A section row and the data rows under it."""

    row: int
    label: str
    kinds: dict[str, Any]  # what it sets: {"district": "Huyện Bạch Thông", "group": "I"}
    numbering: tuple[str, Any] | None = None
    first: int | None = None
    last: int | None = None
    rows: int = 0
    sums: dict[str, int] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)
    closed_by: int | None = None

    def add(self, number: int, amounts: dict[str, int], unreadable: Sequence[str]) -> None:
        if self.first is None:
            self.first = number
        self.last = number
        self.rows += 1
        for key, value in amounts.items():
            self.sums[key] = self.sums.get(key, 0) + value
        self.unreadable.update(unreadable)

    @property
    def kind(self) -> str:
        for key in ("district", "commune", "program", "component", "group"):
            if key in self.kinds:
                return key
        return "heading"


@dataclass
class Total:
    """A total or subtotal row (or a section row's own figures), checked against the rows it sums."""

    row: int
    label: str
    figures: dict[str, int]
    section: Section | None  # None: every data row of the table
    own: bool = False  # the figures of a section row, for its own section
    checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        statuses = {check["status"] for check in self.checks}
        if "mismatch" in statuses:
            return "mismatch"
        if "unchecked" in statuses or not statuses:
            return "unchecked"
        return "ok"


class Layout:
    """The layout rows of one sheet as the reader meets them, and the checks of its totals at the end.

    `columns`: the bound columns found (key → `BoundColumn`); `amounts`: the keys of its money columns;
    `stt`: the index of its STT column, if any; `context`: the title's.
    """

    def __init__(self, columns: dict[str, Any], *, stt: int | None, context: dict[str, Any]):
        self.columns = columns
        self.amounts = [key for key, bound in columns.items() if bound.unit is not None]
        self.stt = stt
        self.indices = {bound.index for bound in columns.values()}
        self.amount_indices = {columns[key].index for key in self.amounts}
        self.title = dict(context)
        self.context: dict[str, Any] = dict(context)
        self.stack: list[Section] = []
        self.sections: list[Section] = []
        self.totals: list[Total] = []
        self.grand = Section(row=0, label="", kinds={})
        self.skipped: list[tuple[int, str, str]] = []  # (row, reason, text)
        self.of_which = False
        self.end: tuple[int, str] | None = None
        self.below: list[int] = []  # rows with content below the end of the table
        self.errors: list[tuple[int, str]] = []  # (row, label): headings that are data rows with values missing
        self.checked = False
        self.tracking = bool(self.amounts)  # whether data rows must be counted (sums, sections)

    # -- rows ------------------------------------------------------------------------------------------------

    def data(self, number: int, values: dict[str, Any], unreadable: Sequence[str] = (), stt: Any = None) -> dict:
        """A data row: counted in the sections it is in; returns its context."""
        self.of_which = False
        if self.stack and _item_heading(self.stack[-1]):
            # An item heading ("1 | Đường giao thông") holds the items numbered under it (1.1, 1.2), not item 2.
            numbering = numbering_of(stt)
            if numbering and numbering[0] == "item":
                for position, section in enumerate(self.stack):
                    if _item_heading(section) and numbering[1] <= section.numbering[1]:
                        self._close(position, number)
                        self._recontext()
                        break
        amounts = {}
        for key in self.amounts:
            value = values.get(key)
            if value is not None:
                amounts[key] = value
        self.grand.add(number, amounts, unreadable)
        for section in self.stack:
            section.add(number, amounts, unreadable)
        return self.context

    def classify(self, number: int, cells: Sequence[Any], values: dict[str, Any]) -> str | None:
        """What a row that cannot be data is: "numbering", "total", "of which", "section", "heading", "end"
        (it is then left out of the data), or None: a data row in error."""
        texts = [(index, cell.strip()) for index, cell in enumerate(cells) if isinstance(cell, str) and cell.strip()]
        if not texts and all(_blank(cell) for cell in cells):
            return None
        if is_numbering_row(cells):
            self.skipped.append((number, "numbering", ""))
            return "numbering"
        stt_cell = cells[self.stt] if self.stt is not None and self.stt < len(cells) else None
        numbering = numbering_of(stt_cell)
        numbering_at = self.stt
        labels = [(i, t) for i, t in texts if i != self.stt and i not in self.amount_indices]
        if numbering is None and self.stt is None and len(labels) > 1 and labels[0][0] == 0:
            numbering = numbering_of(labels[0][1])
            if numbering is not None:
                labels, numbering_at = labels[1:], 0
        if not labels and isinstance(stt_cell, str) and numbering is None:
            labels = [(self.stt, stt_cell.strip())]
        label_at, label = labels[0] if labels else (-1, "")
        key = _key(label)
        if is_end_of_table([t for _, t in texts]):
            self.end = (number, label or texts[0][1])
            return "end"
        figures = {k: values[k] for k in self.amounts if values.get(k) is not None}
        # Text in a known column other than the label's: a data row with values missing, not a layout row.
        others = [
            bound.index
            for bound in self.columns.values()
            if bound.index not in (numbering_at, label_at)
            and not bound.column.numeric
            and bound.index < len(cells)
            and not _blank(cells[bound.index])
        ]
        if key and _OF_WHICH.fullmatch(key):
            self.of_which = True
            self.skipped.append((number, "of which", label))
            return "of which"
        if self.of_which and ((numbering and numbering[0] == "bullet") or _BULLET.match(label[:1] or " ")):
            self.skipped.append((number, "of which", label))
            return "of which"
        if others or not key:
            return None
        if _GRAND.fullmatch(key):
            self._total(number, label, figures, self._grand_target(key))
            return "total"
        if match := _SUBTOTAL.fullmatch(key):
            target = self._subtotal_target(match[1])
            if target is not None or _names_a_section(match[1]):
                self._total(number, label, figures, target or UNKNOWN_SECTION)
                return "total"
        kinds = self._section_kinds(key, label, numbering)
        if kinds is None:
            # A label alone in capitals or ending with a colon ("CÔNG TRÌNH CHUYỂN TIẾP", "Công trình mới:") is a
            # heading; any other text alone is a data row with its values missing.
            if numbering is None and not figures and len(labels) == 1 and (label.isupper() or label.endswith(":")):
                self._open(number, label, {}, None)
                self.skipped.append((number, "heading", label))
                return "heading"
            return None
        section = self._open(number, label, kinds, numbering)
        if figures:
            self.totals.append(Total(row=number, label=section.label, figures=figures, section=section, own=True))
        return "section"

    def after_end(self, number: int, cells: Sequence[Any]) -> None:
        if not all(_blank(cell) for cell in cells):
            self.below.append(number)

    # -- sections --------------------------------------------------------------------------------------------

    def _section_kinds(self, key: str, label: str, numbering: tuple[str, Any] | None) -> dict[str, Any] | None:
        """What a section row's label sets, with its level ("_level": the kind of section it is), or None."""
        kinds: dict[str, Any] = {}
        level = None
        plain = label.strip(_STRIP)
        project = next((s.kinds["component"] for s in reversed(self.stack) if "component" in s.kinds), None)
        project = project.split(".")[0] if project else None
        if match := _DISTRICT.fullmatch(key):
            if match[1] == "thanh pho" and fold(match[2]) in _MUNICIPALITIES:
                kinds["province"], level = _words(plain, key, match.start(2)), "province"
            else:
                kinds["district"], level = _words(plain, key, match.start(1)), "district"
        elif match := _COMMUNE.fullmatch(key):
            kinds["commune"], level = _words(plain, key, match.start(1)), "commune"
        elif _PROGRAM.fullmatch(key):
            kinds["program"], level = plain, "program"
        elif (component := _component_of(key, project)) is not None:
            kinds["component"] = component
            level = (
                next(
                    name
                    for name, pattern in (("subproject", _SUBPROJECT), ("project", _PROJECT), ("content", _CONTENT))
                    if pattern.match(key)
                )
                if not _PART.match(key)
                else "part"
            )
        if numbering is not None and numbering[0] in ("roman", "letter", "item"):
            kinds["group"] = numbering[2] if numbering[0] != "item" else plain
            level = numbering[0] if numbering[0] != "item" else f"item{numbering[1]}"
        if level is None:
            return None
        kinds["_level"] = level
        return kinds

    def _open(self, number: int, label: str, kinds: dict[str, Any], numbering) -> Section:
        kinds.setdefault("_level", "heading")
        section = Section(row=number, label=label.strip(), kinds=kinds, numbering=numbering)
        # A section closes the open section of its own level (or of the same place or program), and every
        # section opened after that one.
        places = set(kinds) & {"province", "district", "commune", "program"}
        for position, open_section in enumerate(self.stack):
            if open_section.kinds["_level"] == kinds["_level"] or places & set(open_section.kinds):
                self._close(position, number)
                break
        self.stack.append(section)
        self.sections.append(section)
        self._recontext()
        return section

    def _close(self, position: int, number: int) -> None:
        for section in self.stack[position:]:
            if section.first is None and _item_heading(section):
                # An item numbered like the data rows, with nothing under it: a data row with values missing.
                self.errors.append((section.row, section.label))
        del self.stack[position:]

    def _recontext(self) -> None:
        self.tracking = bool(self.amounts or self.stack)
        context = dict(self.title)
        for section in self.stack:
            for key, value in section.kinds.items():
                if not key.startswith("_"):
                    context[key] = value
        self.context = context

    # -- totals ----------------------------------------------------------------------------------------------

    def _grand_target(self, key: str) -> Section | None:
        if key.rstrip(" :") in ("cong", "tong") and self.stack:
            return self.stack[-1]
        return None

    def _subtotal_target(self, rest: str) -> Section | None:
        """The section a "Cộng ..." row names (by district, commune, project, numbering or label), or None
        when it names none: then the row is not a subtotal ("Cống thoát nước ..." is a culvert)."""
        rest = rest.strip(" .:()")
        candidates = list(reversed(self.stack)) + [s for s in reversed(self.sections) if s not in self.stack]
        numbering = numbering_of(rest.upper()) if len(rest) <= 5 else None
        component = _component_of(rest, None)
        place = _DISTRICT.fullmatch(rest) or _COMMUNE.fullmatch(rest)
        for section in candidates:
            kinds = section.kinds
            if numbering and section.numbering and section.numbering[:2] == numbering[:2]:
                return section
            if _key(section.label) == rest:
                return section
            for kind in ("district", "commune", "province"):
                if kind in kinds and rest in (_key(kinds[kind]), _key(kinds[kind]).split(" ", 1)[-1]):
                    return section
                if kind in kinds and place and _key(kinds[kind]).endswith(" " + place[2]):
                    return section
            if (
                component
                and "component" in kinds
                and (kinds["component"] == component or kinds["component"].endswith("." + component))
            ):
                return section
        return None

    def _total(self, number: int, label: str, figures: dict[str, int], section: Section | None) -> None:
        self.totals.append(Total(row=number, label=label.strip(), figures=figures, section=section))
        self.skipped.append((number, "total", label))
        if section is not None and section in self.stack:
            self._close(self.stack.index(section), number)
            section.closed_by = number
            self._recontext()

    def check(self) -> list[Total]:
        """Each total's figures against the sums of its rows (once the last row has been read)."""
        if self.checked:
            return self.totals
        self.checked = True
        for total in self.totals:
            rows = total.section or self.grand
            for key, figure in total.figures.items():
                bound = self.columns[key]
                found = rows.sums.get(key, 0)
                if key in rows.unreadable or rows is UNKNOWN_SECTION:
                    status = "unchecked"
                elif figure == found:
                    status = "ok"
                else:
                    status = "mismatch"
                total.checks.append(
                    {"key": key, "column": bound.header, "figure": figure, "sum": found, "status": status}
                )
        return self.totals

    # -- telling it ------------------------------------------------------------------------------------------

    def section_name(self, section: Section | None) -> str:
        if section is None:
            return gettext("the whole table")
        if section is UNKNOWN_SECTION:
            return gettext("a section not found in the table")
        return section.label

    def messages(self) -> tuple[list[str], list[dict[str, Any]]]:
        """(notes, warnings): how the layout was read, as sentences; warnings as (row, column, message)."""
        notes, warnings = [], []
        for section in self.sections:
            what = _section_phrase(section)
            if section.first is None:
                notes.append(
                    gettext("Row %(row)d is a section row: “%(label)s”; no data row is under it.")
                    % {"row": section.row, "label": section.label}
                )
            elif what is None:
                warnings.append(
                    {
                        "row": section.row,
                        "message": gettext(
                            "Row %(row)d looks like a section row: “%(label)s”; it names no district, commune, "
                            "program or project, so rows %(first)d–%(last)d are read as without it."
                        )
                        % {"row": section.row, "label": section.label, "first": section.first, "last": section.last},
                    }
                )
            else:
                notes.append(
                    gettext("Row %(row)d is a section row: “%(label)s”; rows %(first)d–%(last)d are read as %(what)s.")
                    % {
                        "row": section.row,
                        "label": section.label,
                        "first": section.first,
                        "last": section.last,
                        "what": what,
                    }
                )
        for total in self.check():
            rows = total.section or self.grand
            span = (
                gettext("rows %(first)d–%(last)d") % {"first": rows.first, "last": rows.last}
                if rows.first is not None
                else gettext("no row")
            )
            for check in total.checks:
                if check["status"] != "mismatch":
                    continue
                unit = self.columns[check["key"]].unit
                warnings.append(
                    {
                        "row": total.row,
                        "column": check["column"],
                        "message": gettext(
                            "The total of %(section)s (row %(row)d, “%(label)s”) is %(figure)s; the data rows it "
                            "sums (%(span)s) add up to %(sum)s, a difference of %(difference)s."
                        )
                        % {
                            "section": self.section_name(total.section),
                            "row": total.row,
                            "label": total.label,
                            "figure": amount_text(check["figure"], unit),
                            "span": span,
                            "sum": amount_text(check["sum"], unit),
                            "difference": amount_text(check["figure"] - check["sum"], unit),
                        },
                    }
                )
        if self.end is not None:
            notes.append(
                gettext("The table ends at row %(row)d (“%(text)s”): the rows below it are not read.")
                % {"row": self.end[0], "text": self.end[1][:80]}
            )
        return notes, warnings

    def describe(self) -> dict[str, Any]:
        """The layout as data (JSON): sections, totals checked, rows skipped, the end of the table."""
        return {
            "context": _plain(self.title),
            "sections": [
                {
                    "row": s.row,
                    "label": s.label,
                    "kind": s.kind,
                    "sets": _plain(s.kinds),
                    "first": s.first,
                    "last": s.last,
                    "rows": s.rows,
                }
                for s in self.sections
            ],
            "totals": [
                {
                    "row": t.row,
                    "label": t.label,
                    "section": self.section_name(t.section),
                    "section_row": t.section.row if t.section and t.section.row else None,
                    "status": t.status,
                    "checks": [
                        {
                            "column": c["column"],
                            "figure": c["figure"],
                            "sum": c["sum"],
                            "status": c["status"],
                            "figure_text": amount_text(c["figure"], self.columns[c["key"]].unit),
                            "sum_text": amount_text(c["sum"], self.columns[c["key"]].unit),
                        }
                        for c in t.checks
                    ],
                }
                for t in self.check()
            ],
            "skipped": [{"row": row, "reason": reason, "text": text} for row, reason, text in self.skipped],
            "end": {"row": self.end[0], "text": self.end[1], "rows_below": len(self.below)} if self.end else None,
        }


# The section of a subtotal naming a section the table does not have ("Cộng II" with no row II): unchecked.
UNKNOWN_SECTION = Section(row=0, label="", kinds={"_level": "unknown"})


def _item_heading(section: Section) -> bool:
    """A section numbered like the data rows (1, 1.1) that names no place, program or component."""
    return bool(section.numbering and section.numbering[0] == "item") and not (
        set(section.kinds) & {"province", "district", "commune", "program", "component"}
    )


def _names_a_section(rest: str) -> bool:
    """Whether the words after "Cộng" name a section as officials write one (a numbering, a place, a project)."""
    rest = rest.strip(" .:()")
    return bool(
        (len(rest) <= 5 and numbering_of(rest.upper()))
        or _DISTRICT.fullmatch(rest)
        or _COMMUNE.fullmatch(rest)
        or _component_of(rest)
        or _PROGRAM.fullmatch(rest)
        or rest.startswith(("toan ", "nhom "))
    )


def _plain(kinds: dict[str, Any]) -> dict[str, Any]:
    """A context as the preview keeps it (JSON): a date as officials write it."""
    return {
        key: value.strftime("%d/%m/%Y") if isinstance(value, datetime.date) else value
        for key, value in kinds.items()
        if not key.startswith("_")
    }


def _section_phrase(section: Section) -> str | None:
    kinds = section.kinds
    parts = []
    if "district" in kinds:
        parts.append(gettext("in %(place)s") % {"place": kinds["district"]})
    if "commune" in kinds:
        parts.append(gettext("in %(place)s") % {"place": kinds["commune"]})
    if "province" in kinds:
        parts.append(gettext("in %(place)s") % {"place": kinds["province"]})
    if "program" in kinds:
        parts.append(gettext("of the program “%(program)s”") % {"program": kinds["program"]})
    if "component" in kinds:
        parts.append(gettext("of component %(component)s") % {"component": kinds["component"]})
    if "group" in kinds and not parts:
        parts.append(gettext("in group %(group)s") % {"group": kinds["group"]})
    return ", ".join(parts) if parts else None


def amount_text(value: int, unit: Any) -> str:
    """An amount in đồng as its column writes it: 1.234,5 triệu đồng (the unit is the format: not translated)."""
    unit = unit or Unit.DONG
    return f"{format_number(Decimal(value) / unit.factor)} {unit.label}"
