"""Column specs: what an import kind expects in a sheet, and how headers in a file are matched to them.

An import kind lists its columns::

    WORK_COLUMNS = [
        CodeColumn("code", "Mã công trình", aliases=["Work code"], required=True, example="BK-2022-0001"),
        TextColumn("name", "Tên công trình", aliases=["Work name"], required=True, max_length=255),
        CodeColumn("commune", "Mã xã", aliases=["Commune code"], width=5, required=True, example="02011"),
        AmountColumn("amount", "Số tiền", unit=Unit.MILLION, aliases=["Amount"], example="212,6"),
        DateColumn("started", "Ngày khởi công", aliases=["Start date"]),
        ChoiceColumn("capital_type", "Loại vốn", choices=CapitalTypeChoices,
                     aliases_for_choices={CapitalTypeChoices.INVESTMENT: ["Đầu tư phát triển"]}),
    ]

`header` is the Vietnamese header the template writes (it is the file format, so it is not translated);
`aliases` are the other headers accepted, in any language. Headers match whatever their case, accents and
spacing (`kernel.text.fold`): "Tên công trình", "TEN CONG TRINH", "ten  cong trinh" are one header.
A unit in parentheses or brackets at the end of a header — "Số tiền (triệu đồng)", "Số tiền [tr.đ]" — sets
an amount column's unit (`Unit.from_text`); a sheet-wide "ĐVT: triệu đồng" above the header row does the
same for amount columns whose header names no unit; otherwise the column's own `unit` applies. A column
with a non-money unit (`DecimalColumn(unit="km")`) refuses a header naming another one ("(m)"), so that
300 m is never read as 300 km. A trailing `*` or `:` is ignored; "STT"/"TT"/"No." (row numbers) and
"Lỗi"/"Errors" (the column an error file adds) are ignored silently, other unknown headers with a warning.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from decimal import Decimal
from functools import cached_property, partial
from typing import Any, ClassVar

from django.utils.translation import gettext, pgettext

from kernel.text import fold

from .errors import SheetError, ValueProblem
from .layout import header_parts
from .values import (
    ChoiceMatcher,
    NumberStyle,
    Unit,
    amount_parser,
    cached_parser,
    code_parser,
    date_parser,
    decimal_parser,
    integer_parser,
    parse_amount,
    parse_bool,
    parse_code,
    parse_date,
    parse_decimal,
    parse_integer,
    parse_percent,
    parse_quantity,
    parse_text,
    round_percent,
    text_parser,
)
from .xlsx import column_letter

_TRAILING_MARKS = re.compile(r"[\s*:.]+$")
_UNIT_SUFFIX = re.compile(r"^(.*?)\s*[(\[]([^()\[\]]*)[)\]][\s*:.]*$", re.DOTALL)
_SHEET_UNIT = re.compile(r"^(?:don vi tinh|don vi|dvt|unit)\s*:\s*(.+)$")
IGNORED_HEADERS = frozenset(
    {"stt", "tt", "so tt", "so thu tu", "no", "#", "loi", "cac loi", "error", "errors", "ghi chu loi"}
)
NUMBERING_HEADERS = frozenset({"stt", "tt", "so tt", "so thu tu", "no", "#"})
# The child of a parent header that is the parent's own total: "Kế hoạch vốn năm 2022 / Tổng số".
TOTAL_CHILDREN = frozenset({"tong so", "tong", "tong cong", "cong", "total", "tong von", "so tien"})
# What a parent header may say beside its name without being another column: a year, a period, a date.
_LOOSE = re.compile(
    r"\s*(?:\b(?:nam|year|ke hoach)\s+20\d\d\b|\bgiai doan\s+20\d\d\s*-\s*20\d\d\b|\b20\d\d\s*-\s*20\d\d\b"
    r"|\b(?:den|toi|tinh den|luy ke den|as of|to)\s+(?:ngay\s+)?\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b20\d\d\b)"
)
_SEPARATORS = re.compile(r"\s*[-–/>›|]\s*|\s+")
COMPOSITE_SEPARATOR = " / "  # how a header over several rows is written in messages: "Kế hoạch vốn / Tổng số"


def loose_key(text: str) -> str:
    """A header without the year, period or date it names ("Kế hoạch vốn năm 2022" → "ke hoach von")."""
    return " ".join(_LOOSE.sub(" ", header_key(text)).split()).strip(" ,.:-–")


def joined_key(text: str) -> str:
    """A header over several rows, or an alias naming one ("Giải ngân - Đến 30/6"), as compared: folded, the
    parts separated by one space."""
    return _SEPARATORS.sub(" ", header_key(text)).strip()


def _ignored(header: str) -> bool:
    """Row numbers ("STT"), and an error file's column, whose header may go on with general messages."""
    key = header_key(header.strip().split("\n", 1)[0])
    return key in IGNORED_HEADERS or key == header_key(pgettext("spreadsheet", "Errors"))


def header_key(text: str) -> str:
    """A header as compared: folded (case, accents, spacing), without a trailing `*`, `:` or `.`."""
    return _TRAILING_MARKS.sub("", fold(text))


def split_unit(text: str) -> tuple[str, str | None]:
    """("Số tiền", "triệu đồng") for "Số tiền (triệu đồng)"; (text, None) when no unit ends the header."""
    match = _UNIT_SUFFIX.match(text.strip())
    if match and match[1].strip():
        return match[1].strip(), match[2].strip()
    return text, None


def sheet_unit(cell: Any) -> Unit | None:
    """The unit a title cell such as "Đơn vị tính: triệu đồng" or "ĐVT: Tr.đ" gives the whole sheet."""
    if not isinstance(cell, str) or len(cell) > 80:
        return None
    match = _SHEET_UNIT.match(fold(cell).strip("() "))
    return Unit.from_text(match[1]) if match else None


# ---------------------------------------------------------------------------------------------------------
# Column specs


@dataclass(frozen=True, eq=False)
class Column:
    """One column an import kind reads: its key in `Row.values`, its Vietnamese header, its parser.

    `required` means the column must be in the file and every row must give it a value. Subclasses say
    what a value is (`parse`) and how the template's guide describes it (`describe`).
    """

    key: str
    header: str
    _: KW_ONLY
    aliases: Sequence[str] = ()
    required: bool = False
    example: str = ""
    help: str = ""
    # A header over several rows: the parents ("Kế hoạch vốn") the column's header may sit under; under
    # another parent ("Giải ngân / Vốn ĐTPT") it is not this column. Empty: under any parent.
    under: Sequence[str] = ()
    # The key of `Row.context` (the file's title, the row's section) that may give the value instead of the
    # column ("component" for "Dự án 4: ..."): a required column with one is not required in the header,
    # and a row with no value is not in error when its context gives one (the import kind reads it there).
    context: str = ""

    numeric: ClassVar[bool] = False  # whether the reader picks a NumberStyle for the column from its values

    def __post_init__(self) -> None:
        object.__setattr__(self, "aliases", tuple(self.aliases))
        object.__setattr__(self, "under", tuple(self.under))

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header accepted for the column, the template's first."""
        return (self.header, *self.aliases)

    @property
    def unit_label(self) -> str:
        """The unit the template writes after the header, "" for none."""
        return ""

    @property
    def template_header(self) -> str:
        return f"{self.header} ({self.unit_label})" if self.unit_label else self.header

    def blank(self) -> Any:
        """The value of a blank cell."""
        return None

    def resolve_unit(self, written: str | None, sheet: Unit | None) -> Unit | None:
        """The money unit for this column given the unit its header wrote; `ValueProblem` if it is wrong."""
        return None

    def parse(self, value: Any, bound: BoundColumn) -> Any:
        raise NotImplementedError

    def parser(self, bound: BoundColumn) -> Callable[[Any], Any]:
        """`parse` for every cell of the column in one file (`bound`: its unit, number style, date system).

        The reader asks once per file. The columns below give a parser with a fast path for common values
        (`values.text_parser` and the like), unless a subclass overrides `parse`: it then gets `parse` itself.
        """
        return partial(self.parse, bound=bound)

    def _overrides_parse(self, base: type[Column]) -> bool:
        return type(self).parse is not base.parse

    def describe(self) -> str:
        """What a value looks like, for the guide sheet of the template."""
        return pgettext("spreadsheet", "Text")


@dataclass(frozen=True, eq=False)
class TextColumn(Column):
    """Text: trimmed, white space collapsed, NFC."""

    _: KW_ONLY
    max_length: int | None = None

    def parser(self, bound: BoundColumn) -> Callable[[Any], Any]:
        if self._overrides_parse(TextColumn):
            return super().parser(bound)
        return text_parser(max_length=self.max_length)

    def parse(self, value: Any, bound: BoundColumn) -> str | None:
        return parse_text(value, max_length=self.max_length)

    def describe(self) -> str:
        if self.max_length:
            return gettext("Text, at most %(limit)d characters") % {"limit": self.max_length}
        return pgettext("spreadsheet", "Text")


@dataclass(frozen=True, eq=False)
class CodeColumn(Column):
    """A code kept as text with its leading zeros; `width` pads numeric codes Excel shortened (4 → "00004")."""

    _: KW_ONLY
    width: int | None = None
    max_length: int | None = None

    def parser(self, bound: BoundColumn) -> Callable[[Any], Any]:
        if self._overrides_parse(CodeColumn):
            return super().parser(bound)
        return code_parser(width=self.width, max_length=self.max_length)

    def parse(self, value: Any, bound: BoundColumn) -> str | None:
        return parse_code(value, width=self.width, max_length=self.max_length)

    def describe(self) -> str:
        if self.width:
            return gettext("Code of %(width)d digits, leading zeros kept (type it as text)") % {"width": self.width}
        return gettext("Code, kept as written")


@dataclass(frozen=True, eq=False)
class _UnitColumn(Column):
    """A number column with an optional non-money unit ("km", "%", "ha") that its header must not contradict."""

    _: KW_ONLY
    unit: str = ""
    unit_aliases: Sequence[str] = ()

    numeric: ClassVar[bool] = True

    @property
    def unit_label(self) -> str:
        return self.unit

    def resolve_unit(self, written: str | None, sheet: Unit | None) -> Unit | None:
        if written is not None and self.unit:
            accepted = {header_key(spelling) for spelling in (self.unit, *self.unit_aliases)}
            if header_key(written) not in accepted:
                raise ValueProblem(
                    gettext("Expected the unit “%(expected)s”; found “%(unit)s”.")
                    % {"expected": self.unit, "unit": written}
                )
        return None


@dataclass(frozen=True, eq=False)
class IntegerColumn(_UnitColumn):
    """A whole number: a count, a year."""

    _: KW_ONLY
    min_value: int | None = None
    max_value: int | None = None

    def parser(self, bound: BoundColumn) -> Callable[[Any], Any]:
        if self._overrides_parse(IntegerColumn):
            return super().parser(bound)
        return integer_parser(style=bound.style, min_value=self.min_value, max_value=self.max_value)

    def parse(self, value: Any, bound: BoundColumn) -> int | None:
        return parse_integer(value, style=bound.style, min_value=self.min_value, max_value=self.max_value)

    def describe(self) -> str:
        return gettext("Whole number")


@dataclass(frozen=True, eq=False)
class DecimalColumn(_UnitColumn):
    """A number with decimals (km, ha): `0,38` → Decimal("0.38")."""

    _: KW_ONLY
    min_value: Decimal | int | None = None
    max_value: Decimal | int | None = None
    max_places: int | None = None

    def parser(self, bound: BoundColumn) -> Callable[[Any], Any]:
        if self._overrides_parse(DecimalColumn):
            return super().parser(bound)
        return decimal_parser(
            style=bound.style, min_value=self.min_value, max_value=self.max_value, max_places=self.max_places
        )

    def parse(self, value: Any, bound: BoundColumn) -> Decimal | None:
        return parse_decimal(
            value, style=bound.style, min_value=self.min_value, max_value=self.max_value, max_places=self.max_places
        )

    def describe(self) -> str:
        return gettext("Number, decimals after a comma: 1.234,5")


@dataclass(frozen=True, eq=False)
class QuantityColumn(DecimalColumn):
    """A quantity, its unit in the cell or not: `3`, `3,5 km`, `300 m`, `2 phòng học` (see `values.parse_quantity`).

    A value with a unit is a `values.Quantity`; matching and converting the unit is the import kind's.
    """

    def parser(self, bound: BoundColumn) -> Callable[[Any], Any]:
        if self._overrides_parse(QuantityColumn):
            return super().parser(bound)
        fast = decimal_parser(
            style=bound.style, min_value=self.min_value, max_value=self.max_value, max_places=self.max_places
        )
        slow = partial(self.parse, bound=bound)
        return lambda value: slow(value) if value.__class__ is str and not value.isdigit() else fast(value)

    def parse(self, value: Any, bound: BoundColumn) -> Decimal | None:
        return parse_quantity(
            value, style=bound.style, min_value=self.min_value, max_value=self.max_value, max_places=self.max_places
        )

    def describe(self) -> str:
        return gettext("Number, decimals after a comma, with or without its unit: 3,5 or 3,5 km")


@dataclass(frozen=True, eq=False)
class PercentColumn(_UnitColumn):
    """A percentage as a number of per cent: 45, "45%" and a cell Excel shows as 45% are all 45."""

    _: KW_ONLY
    unit: str = "%"
    min_value: Decimal | int | None = 0
    max_value: Decimal | int | None = 100
    max_places: int | None = None
    rounds: bool = False  # more than `max_places` decimals: rounded (a `RoundedNumber`), not refused

    def parser(self, bound: BoundColumn) -> Callable[[Any], Any]:
        if self._overrides_parse(PercentColumn):
            return super().parser(bound)
        if self.rounds and self.max_places is not None:
            return partial(self.parse, bound=bound)
        return decimal_parser(
            style=bound.style,
            min_value=self.min_value,
            max_value=self.max_value,
            max_places=self.max_places,
            percent=True,
        )

    def parse(self, value: Any, bound: BoundColumn) -> Decimal | None:
        if self.rounds and self.max_places is not None:
            return round_percent(
                value, style=bound.style, min_value=self.min_value, max_value=self.max_value, max_places=self.max_places
            )
        return parse_percent(
            value, style=bound.style, min_value=self.min_value, max_value=self.max_value, max_places=self.max_places
        )

    def describe(self) -> str:
        return gettext("Percentage from %(minimum)s to %(maximum)s") % {
            "minimum": self.min_value if self.min_value is not None else "",
            "maximum": self.max_value if self.max_value is not None else "",
        }


@dataclass(frozen=True, eq=False)
class AmountColumn(Column):
    """Money, read as a whole number of đồng. `unit` is what the template writes and a header without a unit means."""

    _: KW_ONLY
    unit: Unit = Unit.MILLION
    allow_negative: bool = False

    numeric: ClassVar[bool] = True

    @property
    def unit_label(self) -> str:
        return self.unit.label

    def resolve_unit(self, written: str | None, sheet: Unit | None) -> Unit | None:
        if written is None:
            return sheet or self.unit
        unit = Unit.from_text(written)
        if unit is None:
            raise ValueProblem(
                gettext("Unknown unit “%(unit)s”; expected one of: %(units)s.")
                % {"unit": written, "units": ", ".join(unit.label for unit in Unit)}
            )
        return unit

    def parser(self, bound: BoundColumn) -> Callable[[Any], Any]:
        if self._overrides_parse(AmountColumn):
            return super().parser(bound)
        return amount_parser(unit=bound.unit or self.unit, style=bound.style, allow_negative=self.allow_negative)

    def parse(self, value: Any, bound: BoundColumn) -> int | None:
        return parse_amount(value, unit=bound.unit or self.unit, style=bound.style, allow_negative=self.allow_negative)

    def describe(self) -> str:
        return gettext("Amount in %(unit)s, decimals after a comma: 1.234,5") % {"unit": self.unit.label}


@dataclass(frozen=True, eq=False)
class DateColumn(Column):
    """A date: dd/mm/yyyy (also d/m/yyyy, yyyy-mm-dd, an Excel date)."""

    _: KW_ONLY
    min_value: datetime.date | None = datetime.date(1900, 1, 1)
    max_value: datetime.date | None = datetime.date(2100, 12, 31)

    def parser(self, bound: BoundColumn) -> Callable[[Any], Any]:
        if self._overrides_parse(DateColumn):
            return super().parser(bound)
        return date_parser(date1904=bound.date1904, min_value=self.min_value, max_value=self.max_value)

    def parse(self, value: Any, bound: BoundColumn) -> datetime.date | None:
        return parse_date(value, date1904=bound.date1904, min_value=self.min_value, max_value=self.max_value)

    def describe(self) -> str:
        return gettext("Date, dd/mm/yyyy")


@dataclass(frozen=True, eq=False)
class BooleanColumn(Column):
    """Yes or no; a blank cell is no. Officials tick with "x"."""

    def blank(self) -> bool:
        return False

    def parser(self, bound: BoundColumn) -> Callable[[Any], Any]:
        if self._overrides_parse(BooleanColumn):
            return super().parser(bound)
        return cached_parser(parse_bool)

    def parse(self, value: Any, bound: BoundColumn) -> bool | None:
        return parse_bool(value)

    def describe(self) -> str:
        return gettext("x (or có, yes, 1) for yes; blank (or không, no, 0) for no")


@dataclass(frozen=True, eq=False)
class ChoiceColumn(Column):
    """One of a set of choices, by code or label in Vietnamese or English (see `values.ChoiceMatcher`)."""

    _: KW_ONLY
    choices: Any = None
    aliases_for_choices: Mapping[Any, Iterable[str]] = field(default_factory=dict)

    @cached_property
    def matcher(self) -> ChoiceMatcher:
        return ChoiceMatcher(self.choices, self.aliases_for_choices)

    def parser(self, bound: BoundColumn) -> Callable[[Any], Any]:
        if self._overrides_parse(ChoiceColumn):
            return super().parser(bound)
        return cached_parser(self.matcher)

    def parse(self, value: Any, bound: BoundColumn) -> Any:
        return self.matcher(value)

    def describe(self) -> str:
        return gettext("One of: %(choices)s") % {"choices": "; ".join(self.matcher.labels())}


class WideColumns:
    """Columns a kind makes from the header itself: a wide form's amount columns ("Kế hoạch vốn năm 2022 /
    Vốn ĐTPT", "NSTW / Vốn SN", "Năm trước chuyển sang"), one column per combination the file writes.

    `column(parts)` reads a column's header (its texts over the header rows, parent first) and returns the
    generated column and the unit it writes, or None. It is asked about a column no spec names, and about one
    that names an `overrides` column (the plain amount: "Kế hoạch vốn năm 2022 / Tổng số" is the wide form's
    total, not the single amount of a long sheet). The header is read as a wide form only when some column
    is a `leaf` (a part, not a total): the `replaces` columns are then not required in the header (each
    generated column gives them, or the row does).
    """

    overrides: frozenset[str] = frozenset()
    replaces: frozenset[str] = frozenset()

    def column(self, parts: Sequence[str]) -> tuple[Column, str | None] | None:
        raise NotImplementedError

    def leaf(self, column: Column) -> bool:
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------------------
# Columns found in a file


@dataclass
class BoundColumn:
    """A column spec found in a file: where, under which header as written, in which unit and number style."""

    column: Column
    index: int  # 0-based position in the row
    header: str  # as the file wrote it
    unit: Unit | None = None
    style: NumberStyle = NumberStyle.VIETNAMESE
    date1904: bool = False

    @property
    def key(self) -> str:
        return self.column.key

    @property
    def letter(self) -> str:
        """The column's letter as Excel shows it: "A", "AB"."""
        return column_letter(self.index)

    def parse(self, value: Any) -> Any:
        return self.column.parse(value, self)


@dataclass
class HeaderMatch:
    """How one row of a file reads as a header row for a list of columns."""

    row: int
    bound: dict[str, BoundColumn] = field(default_factory=dict)
    unknown: list[tuple[int, str]] = field(default_factory=list)
    problems: list[SheetError] = field(default_factory=list)  # duplicated columns, wrong units
    missing: list[Column] = field(default_factory=list)  # required columns not found
    rows: list[int] = field(default_factory=list)  # the header's rows (several for a header over several rows)
    stt: int | None = None  # the index of the STT (row numbers) column
    used: set[int] = field(default_factory=set)  # the levels (0: top row) some column's header was read from
    merged: set[int] = field(default_factory=set)  # the levels with a cell under a merged cell of the level above
    how: dict[str, str] = field(default_factory=dict)  # key → how its header was matched (`ColumnIndex.parts`)
    wide: bool = False  # a wide form: some columns were made from their headers (`WideColumns`)

    @property
    def score(self) -> int:
        """How many cells of the row are known headers: the header row is the row that scores highest."""
        return len(self.bound) + sum(1 for problem in self.problems)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.problems


_RANKS = {"single": 0, "full": 0, "wide": 0, "child": 1, "total": 2, "parent": 3}


class ColumnIndex:
    """A list of column specs, checked once, with every accepted header folded for matching."""

    def __init__(self, columns: Sequence[Column], wide: WideColumns | None = None):
        self.columns = list(columns)
        self.wide = wide
        if not self.columns:
            raise ValueError("a sheet needs at least one column")
        self.by_key: dict[str, Column] = {}
        self._by_header: dict[str, Column] = {}
        self._by_joined: dict[str, Column] = {}
        self._by_loose: dict[str, Column] = {}
        for column in self.columns:
            if column.key in self.by_key:
                raise ValueError(f"two columns have the key {column.key!r}")
            self.by_key[column.key] = column
            for header in column.headers:
                for key in {header_key(header), header_key(split_unit(header)[0])}:
                    other = self._by_header.setdefault(key, column)
                    if other is not column:
                        raise ValueError(f"the header {header!r} would match both {other.key!r} and {column.key!r}")
                    self._by_joined.setdefault(joined_key(key), column)
                    self._by_loose.setdefault(loose_key(key), column)
        self._by_loose.pop("", None)

    def lookup(self, text: str) -> tuple[Column | None, str | None]:
        """The column a header cell names, and the unit it writes (None if none); (None, None) if unknown."""
        column = self._by_header.get(header_key(text))
        if column is not None:
            return column, None
        base, unit = split_unit(text)
        if unit is not None:
            column = self._by_header.get(header_key(base))
            if column is not None:
                return column, unit
        return None, None

    def lookup_loose(self, text: str) -> tuple[Column | None, str | None]:
        """`lookup`, then without a year, period or date the header names ("Kế hoạch vốn năm 2022")."""
        column, unit = self.lookup(text)
        if column is not None:
            return column, unit
        base, unit = split_unit(text)
        column = self._by_loose.get(loose_key(base))
        return (column, unit) if column is not None else (None, None)

    def parts(self, parts: Sequence[str], spans: Sequence[int]) -> tuple[Column | None, str | None, str, set[int]]:
        """The column a header over several rows names: (column, unit written, how, the parts it was read from).

        `parts` are the column's texts, top first; `spans`, how many columns each one's merged cell covers.
        Tried in order: the parts joined ("Giải ngân" + "Đến 30/6" = an alias "Giải ngân - Đến 30/6"); a last
        part that is a unit ("Số tiền" over "(triệu đồng)"); a last part that is its parent's total ("Kế
        hoạch vốn năm 2022" over "Tổng số"); the last part alone (its `under` checked against the parents);
        the parents alone when their cell covers this column only (a child that names nothing known).
        """
        last = len(parts) - 1
        if last == 0:
            column, unit = self.lookup_loose(parts[0])
            return column, unit, "single", {0}
        for joined in (" ".join(parts), " ".join(parts[1:]) if last > 1 else None):
            if joined:
                base, unit = split_unit(joined)
                column = self._by_joined.get(joined_key(joined)) or self._by_joined.get(joined_key(base))
                if column is not None:
                    return (
                        column,
                        (unit if self._by_joined.get(joined_key(joined)) is None else None),
                        "full",
                        set(range(len(parts))),
                    )
        child = parts[last]
        parents = list(parts[:last])
        if Unit.from_text(child.strip("()[] ")) is not None or child.strip().startswith(("(", "[")):
            column, unit, how, used = self.parts(parents, spans[:last])
            if column is not None:
                written = child.strip().strip("()[]").strip()
                return column, written, how, used | {last}
        if header_key(child) in TOTAL_CHILDREN:
            column, unit, how, used = self.parts(parents, spans[:last])
            if column is not None:
                return column, unit, "total", used | {last}
        column, unit = self.lookup(child)
        if column is not None:
            if not column.under:
                return column, unit, "child", {last}
            accepted = {loose_key(parent) for parent in column.under}
            if any(loose_key(parent) in accepted or header_key(parent) in accepted for parent in parents):
                return column, unit, "child", set(range(len(parts)))
        elif all(span == 1 for span in spans[:last]):
            column, unit, how, used = self.parts(parents, spans[:last])
            if column is not None and (column.under == () or how != "single"):
                return column, unit, "parent", used
        return None, None, "", set()

    def match_rows(
        self, rows: Sequence[tuple[int, Sequence[Any]]], unit: Unit | None = None, date1904: bool = False
    ) -> HeaderMatch:
        """Read rows as one header over several rows (merged cells; see `layout.header_parts`)."""
        if len(rows) == 1:
            return self.match(*rows[0], unit=unit, date1904=date1904)
        grid = header_parts([cells for _, cells in rows])
        result = HeaderMatch(row=rows[-1][0], rows=[number for number, _ in rows])
        ranks: dict[str, int] = {}
        found = {index: self.parts(parts, grid.spans[index]) for index, parts in enumerate(grid.parts) if parts}
        wide = self._wide({index: (grid.parts[index], read[0]) for index, read in found.items()})
        for index, (column, unit_text) in wide.items():
            found[index] = (column, unit_text, "wide", set(range(len(grid.parts[index]))))
        result.wide = bool(wide)
        for index, parts in enumerate(grid.parts):
            if not parts:
                continue
            spans, levels = grid.spans[index], grid.levels[index]
            result.merged |= {levels[k] for k in range(1, len(parts)) if spans[k - 1] > 1}
            header = COMPOSITE_SEPARATOR.join(parts)
            column, written_unit, how, used = found[index]
            if column is None:
                if _ignored(parts[0]):
                    if header_key(parts[0].split("\n", 1)[0]) in NUMBERING_HEADERS:
                        result.stt = index
                else:
                    result.unknown.append((index, header))
                continue
            rank = _RANKS[how]
            previous = result.bound.get(column.key)
            if previous is not None and ranks[column.key] != rank:
                if ranks[column.key] < rank:
                    result.unknown.append((index, header))
                    continue
                result.unknown.append((previous.index, previous.header))  # the better reading wins
                del result.bound[column.key]
                previous = None
            if not self._bind(result, index, header, column, written_unit, unit, date1904, previous):
                continue
            ranks[column.key] = rank
            result.how[column.key] = how
            result.used |= {grid.levels[index][i] for i in used}
        result.unknown.sort()
        result.missing = self._missing(result)
        return result

    def _missing(self, result: HeaderMatch) -> list[Column]:
        replaced = self.wide.replaces if result.wide and self.wide is not None else frozenset()
        return [
            c
            for c in self.columns
            if c.required and c.key not in result.bound and not c.context and c.key not in replaced
        ]

    def _wide(self, candidates: dict[int, tuple[Sequence[str], Column | None]]) -> dict[int, tuple[Column, str | None]]:
        """The columns a wide form makes from their headers (`WideColumns`), by index: none unless some is a part.

        `candidates`: each column's header parts and the spec its header names (None if none)."""
        wide = self.wide
        if wide is None:
            return {}
        made = {}
        for index, (parts, column) in candidates.items():
            if column is not None and column.key not in wide.overrides:
                continue
            if _ignored(parts[0]):
                continue
            read = wide.column(parts)
            if read is not None:
                made[index] = read
        return made if any(wide.leaf(column) for column, _ in made.values()) else {}

    def _bind(self, result, index, header, column, written_unit, unit, date1904, previous) -> bool:
        number = result.row
        if previous is not None:
            result.problems.append(
                SheetError(
                    gettext(
                        "Columns %(first)s (“%(first_header)s”) and %(second)s both give “%(expected)s”; keep only one."
                    )
                    % {
                        "first": previous.letter,
                        "first_header": previous.header,
                        "second": column_letter(index),
                        "expected": column.header,
                    },
                    row=number,
                    column=header,
                )
            )
            return False
        try:
            money_unit = column.resolve_unit(written_unit, unit)
        except ValueProblem as problem:
            result.problems.append(SheetError(problem.message, row=number, column=header))
            return False
        result.bound[column.key] = BoundColumn(
            column=column, index=index, header=header, unit=money_unit, date1904=date1904
        )
        return True

    def match(self, number: int, cells: Sequence[Any], unit: Unit | None = None, date1904: bool = False) -> HeaderMatch:
        """Read row `number` as a header row; `unit` is a sheet-wide unit found above it ("ĐVT: triệu đồng")."""
        result = HeaderMatch(row=number, rows=[number], used={0})
        loose: set[str] = set()
        wide = self._wide(
            {
                index: ([cell], self.lookup_loose(cell)[0])
                for index, cell in enumerate(cells)
                if isinstance(cell, str) and cell.strip()
            }
        )
        result.wide = bool(wide)
        for index, cell in enumerate(cells):
            if not isinstance(cell, str) or not cell.strip():
                continue
            header = " ".join(cell.split())
            if index in wide:
                column, written_unit = wide[index]
                self._bind(result, index, header, column, written_unit, unit, date1904, result.bound.get(column.key))
                result.how[column.key] = "wide"
                continue
            column, written_unit = self.lookup(cell)
            if column is None:
                column, written_unit = self.lookup_loose(cell)
                if column is not None and column.key in result.bound:
                    column = None  # a header with a year beside the same header without: the exact one
                if column is not None:
                    loose.add(column.key)
            elif column.key in loose:
                previous = result.bound.pop(column.key)  # the exact header wins over one read loosely
                loose.discard(column.key)
                result.unknown.append((previous.index, previous.header))
            if column is None:
                if not _ignored(cell):
                    result.unknown.append((index, header))
                elif header_key(cell.strip().split("\n", 1)[0]) in NUMBERING_HEADERS and result.stt is None:
                    result.stt = index
                continue
            self._bind(result, index, header, column, written_unit, unit, date1904, result.bound.get(column.key))
        result.unknown.sort()
        result.missing = self._missing(result)
        return result

    def missing_errors(self, match: HeaderMatch) -> list[SheetError]:
        errors = []
        for column in match.missing:
            if column.aliases:
                message = gettext("Required column “%(header)s” is missing (also accepted: %(aliases)s).") % {
                    "header": column.template_header,
                    "aliases": ", ".join(f"“{alias}”" for alias in column.aliases),
                }
            else:
                message = gettext("Required column “%(header)s” is missing.") % {"header": column.template_header}
            errors.append(SheetError(message, row=match.row, column=column.template_header))
        return errors
