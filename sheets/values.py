"""Value parsers: one cell in, one Python value out, or a `ValueProblem` saying what was expected and found.

Every parser takes what a reader yields for a cell: None, `str` (CSV, text cells), `Decimal` (Excel numbers,
already at Excel's displayed precision), `PercentNumber` (a number formatted as a percentage), `bool`,
`datetime.date` / `datetime.datetime`; and also `int` and `float` (a float is read through its `repr`,
never with float arithmetic). A blank cell gives None; whether a value is required is the column's call.

Text is read by the project's one parser, `kernel.numbers` (also used by the admin's forms, list filters and
the API); this module adds what is particular to cells. Numbers written as text follow one of two styles
(`NumberStyle`):

- Vietnamese (the default): dot for thousands, comma for decimals: `1.234.567`, `1.234,5`, `12,5`.
- English: comma for thousands, dot for decimals: `1,234,567`, `1,234.5`, `12.5`.

Spaces (also non-breaking and thin spaces) may group thousands in either style: `1 234 567`, `1 234,5`.
A text that reads one way only is read that way whatever the style, except that a value that is valid only
in the *other* style is an error naming the column's style (a column does not mix styles). A text valid in
both styles with different values (`1.234`, `1,234`) is read in the column's style: `1.234` is 1234 in a
Vietnamese column and 1.234 in an English one. The reader picks each column's style from its values
(`NumberStyle.vote`); a parser called alone uses Vietnamese. Negative numbers: `-1.000`, `−1.000` or
`(1.000)`.

Numbers stored by Excel are binary floating point: a cell showing `212,6` may hold 212.60000000000002.
Such numbers (floats, and Excel numbers read by `xlsx.py`) are taken at Excel's own precision of
15 significant digits, i.e. as Excel shows them; a `Decimal` passed in by code is taken exactly.

For reading many cells, `text_parser(...)`, `code_parser(...)`, ... give a parser of one column: the same rules
and messages as the parse_* function, with a fast path for the values files are made of (clean text, plain digits, the
`Decimal`s and dates of a workbook) that returns them without regular expressions or normalisation; anything
else goes through the parse_* function itself.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from functools import cached_property, partial
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

# The kernel's parser, re-exported: the sheets' callers import these names from here.
from kernel.numbers import (  # noqa: F401
    _MAX_NUMBER_TEXT,
    MAX_VND,
    NumberStyle,
    ValueProblem,
    evidence,
    format_number,
    format_vnd,
    number_from_text,
)
from kernel.numbers import date_from_input as _date_from_input
from kernel.numbers import date_from_text as _date_from_text
from kernel.text import fold

_EXCEL_PRECISION = decimal.Context(prec=15, rounding=decimal.ROUND_HALF_EVEN)
_EXACT = decimal.Context(prec=80, traps=[decimal.Inexact, decimal.InvalidOperation, decimal.Overflow])


class PercentNumber(Decimal):
    """An Excel number formatted as a percentage: the stored fraction (0.45 for a cell showing 45%)."""

    __slots__ = ()


class RoundedNumber(Decimal):
    """A number rounded to the places its column keeps, with the number the cell gave (`original`).

    A percentage Excel computed (`=B2/C2`, formatted as %) holds 0.6666666667: kept as 66,67, and the
    import says so on the row rather than refusing a figure the official never typed.
    """

    original: Decimal

    def __new__(cls, value: Decimal, original: Decimal) -> RoundedNumber:
        number = super().__new__(cls, value)
        number.original = original
        return number


class Quantity(Decimal):
    """A number written with its unit in one cell ("3 km", "3,5 km", "300 m", "2 phòng học"); `unit` is the
    unit as written, for the caller to match and convert (`sheets` knows no units of works)."""

    unit: str

    def __new__(cls, value: Decimal, unit: str) -> Quantity:
        number = super().__new__(cls, value)
        number.unit = unit
        return number


class Unit(enum.Enum):
    """A unit money is written in; the value is how many đồng one unit is."""

    DONG = 1
    THOUSAND = 1_000
    MILLION = 1_000_000
    BILLION = 1_000_000_000

    @property
    def factor(self) -> Decimal:
        return Decimal(self.value)

    @property
    def label(self) -> str:
        """How templates write the unit in a header: `Số tiền (triệu đồng)`. Vietnamese: it is the format."""
        return _UNIT_LABELS[self][0]

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every way of writing the unit that headers may use, the label first."""
        return _UNIT_LABELS[self]

    @classmethod
    def from_text(cls, text: str) -> Unit | None:
        """The unit a header writes in parentheses: "triệu đồng", "tr.đ", "Tr.đồng", "million VND", "ĐVT: tỷ đồng".

        A rate such as "đồng/người/tháng" is in its money unit (đồng). None when the text is not a money unit.
        """
        key = fold(text)
        key = re.sub(r"^(don vi tinh|don vi|dvt|unit)\s*:\s*", "", key)
        key = key.split("/", 1)[0]
        key = re.sub(r"[\s.]", "", key)
        return _UNIT_KEYS.get(key)


_UNIT_LABELS = {
    Unit.DONG: ("đồng", "đ", "VND", "VNĐ"),
    Unit.THOUSAND: ("nghìn đồng", "ngàn đồng", "1.000 đồng", "ng.đ", "thousand VND"),
    Unit.MILLION: ("triệu đồng", "tr.đ", "trđ", "tr.đồng", "triệu", "million VND", "VND million", "mln VND"),
    Unit.BILLION: ("tỷ đồng", "tỉ đồng", "tỷ", "billion VND", "VND billion", "bn VND"),
}
_UNIT_KEYS = {
    re.sub(r"[\s.]", "", fold(spelling)): unit for unit, labels in _UNIT_LABELS.items() for spelling in labels
}
_UNIT_KEYS.update({"vietnamdong": Unit.DONG, "thousanddong": Unit.THOUSAND, "milliondong": Unit.MILLION})
_UNIT_KEYS.update({"billiondong": Unit.BILLION, "millionsvnd": Unit.MILLION, "billionsvnd": Unit.BILLION})


# ---------------------------------------------------------------------------------------------------------
# Showing values in messages and files


def shown(value: Any) -> str:
    """A cell's value as a message should quote it: as typed for text, the Vietnamese way for numbers."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
        return text if len(text) <= 60 else text[:59] + "…"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, PercentNumber):
        return format_number(Decimal(value) * 100) + "%"
    if isinstance(value, Decimal | int):
        return format_number(value)
    if isinstance(value, float):
        finite = value == value and abs(value) != float("inf")
        return format_number(_decimal_from_float(value)) if finite else str(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M") if value.time() != datetime.time() else value.strftime("%d/%m/%Y")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


# ---------------------------------------------------------------------------------------------------------
# Numbers


def excel_precision(number: Decimal) -> Decimal:
    """`number` rounded to the 15 significant digits Excel shows: 212.60000000000002 → 212.6."""
    if len(number.as_tuple().digits) <= 15:
        return number
    rounded = _EXCEL_PRECISION.plus(number)
    return rounded.quantize(Decimal(1)) if rounded == rounded.to_integral_value() else rounded.normalize()


def _decimal_from_float(value: float) -> Decimal:
    return excel_precision(Decimal(repr(value)))


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_number(value: Any, *, style: NumberStyle = NumberStyle.VIETNAMESE) -> Decimal | None:
    """Any number a cell can hold, exactly, as a `Decimal`; None for a blank cell."""
    if _is_blank(value):
        return None
    if isinstance(value, str):
        return number_from_text(value, style)
    if isinstance(value, PercentNumber):  # typed 45 into a cell formatted as %: Excel holds 0.45
        raise ValueProblem(
            gettext("Expected a number; found %(value)s, a cell formatted as a percentage: format it as a number.")
            % {"value": shown(value)}
        )
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        raise ValueProblem(
            gettext("Expected a number such as %(examples)s; found “%(value)s”.")
            % {"examples": style.examples, "value": shown(value)}
        )
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueProblem(gettext("Expected a number; found “%(value)s”.") % {"value": value})
        return _decimal_from_float(value)
    number = Decimal(value)
    if not number.is_finite():
        raise ValueProblem(gettext("Expected a number; found “%(value)s”.") % {"value": value})
    return number


def _check_range(number: Decimal | int, min_value: Any, max_value: Any) -> None:
    if min_value is not None and number < min_value:
        raise ValueProblem(
            gettext("Expected at least %(minimum)s; found %(value)s.")
            % {"minimum": format_number(min_value), "value": format_number(number)}
        )
    if max_value is not None and number > max_value:
        raise ValueProblem(
            gettext("Expected at most %(maximum)s; found %(value)s.")
            % {"maximum": format_number(max_value), "value": format_number(number)}
        )


def parse_integer(
    value: Any,
    *,
    style: NumberStyle = NumberStyle.VIETNAMESE,
    min_value: int | None = None,
    max_value: int | None = None,
) -> int | None:
    """A whole number (a count, a year): `1.234` → 1234 in a Vietnamese column; `2,5` is an error."""
    number = parse_number(value, style=style)
    if number is None:
        return None
    if number.adjusted() > 18 or number != number.to_integral_value():
        raise ValueProblem(gettext("Expected a whole number; found “%(value)s”.") % {"value": shown(value)})
    result = int(number)
    _check_range(result, min_value, max_value)
    return result


def parse_decimal(
    value: Any,
    *,
    style: NumberStyle = NumberStyle.VIETNAMESE,
    min_value: Decimal | int | None = None,
    max_value: Decimal | int | None = None,
    max_places: int | None = None,
) -> Decimal | None:
    """A number with decimals (km, ha, %): `0,38` → Decimal("0.38")."""
    number = parse_number(value, style=style)
    if number is None:
        return None
    return _decimal(number, value, min_value, max_value, max_places)


def _decimal(number: Decimal, value: Any, min_value: Any, max_value: Any, max_places: int | None) -> Decimal:
    """The checks of `parse_decimal` on `number`, read from the cell `value`."""
    if number.adjusted() > 18:
        raise ValueProblem(gettext("Expected a number; found “%(value)s”.") % {"value": shown(value)})
    if max_places is not None and -number.normalize().as_tuple().exponent > max_places:
        raise ValueProblem(
            gettext("Expected at most %(places)d decimal places; found “%(value)s”.")
            % {"places": max_places, "value": shown(value)}
        )
    _check_range(number, min_value, max_value)
    return number


def parse_percent(
    value: Any,
    *,
    style: NumberStyle = NumberStyle.VIETNAMESE,
    min_value: Decimal | int | None = 0,
    max_value: Decimal | int | None = 100,
    max_places: int | None = None,
) -> Decimal | None:
    """A percentage as a number of per cent: `45`, `45%`, `45,5 %` and a cell Excel shows as 45% all give 45."""
    if isinstance(value, PercentNumber):
        value = Decimal(value) * 100
    elif isinstance(value, str) and value.strip().endswith("%"):
        if _is_blank(value.strip()[:-1]):
            raise ValueProblem(
                gettext("Expected a percentage such as 45 or 45%%; found “%(value)s”.") % {"value": value}
            )
        value = value.strip()[:-1]
    return parse_decimal(value, style=style, min_value=min_value, max_value=max_value, max_places=max_places)


def _places(number: Decimal) -> int:
    return max(0, -number.normalize().as_tuple().exponent)


def round_percent(
    value: Any,
    *,
    style: NumberStyle = NumberStyle.VIETNAMESE,
    min_value: Decimal | int | None = 0,
    max_value: Decimal | int | None = 100,
    max_places: int = 2,
) -> Decimal | None:
    """`parse_percent`, a value with more than `max_places` decimals rounded (half up) to them: a
    `RoundedNumber` that remembers the value as given, so that the import can say it was rounded."""
    number = parse_percent(value, style=style, min_value=None, max_value=None)
    if number is None or _places(number) <= max_places:
        return parse_percent(value, style=style, min_value=min_value, max_value=max_value, max_places=max_places)
    rounded = number.quantize(Decimal(1).scaleb(-max_places), rounding=decimal.ROUND_HALF_UP)
    _check_range(rounded, min_value, max_value)
    return RoundedNumber(rounded, number)


_QUANTITY = re.compile(
    r"(?:(?:l|dài|chiều dài|quy mô)\s*[=:]\s*)?([+\-−]?\d[\d.,\u00a0\u202f ]*?)\s*([^\W\d_][\w²³.\s]*?)[.\s]*",
    re.IGNORECASE,
)


def parse_quantity(
    value: Any,
    *,
    style: NumberStyle = NumberStyle.VIETNAMESE,
    min_value: Decimal | int | None = None,
    max_value: Decimal | int | None = None,
    max_places: int | None = None,
) -> Decimal | None:
    """A number, or a number with its unit in the cell: `3 km`, `3,5km`, `L = 300 m`, `2 phòng học` give a
    `Quantity` (number and unit as written); a plain number gives a `Decimal`, as `parse_decimal`."""
    if isinstance(value, str):
        text = clean_text(value)
        match = _QUANTITY.fullmatch(text)
        if match and not _is_blank(match[2]):
            try:
                number = number_from_text(match[1].strip(), style)
            except ValueProblem as problem:
                raise ValueProblem(
                    gettext("Expected a quantity such as 3 or 3,5 km; found “%(value)s”: %(problem)s")
                    % {"value": shown(text), "problem": problem.message}
                ) from None
            number = _decimal(number, value, min_value, max_value, max_places)
            return Quantity(number, " ".join(match[2].split()))
    return parse_decimal(value, style=style, min_value=min_value, max_value=max_value, max_places=max_places)


def parse_amount(
    value: Any,
    *,
    unit: Unit = Unit.DONG,
    style: NumberStyle = NumberStyle.VIETNAMESE,
    allow_negative: bool = False,
) -> int | None:
    """An amount of money in `unit`, as a whole number of đồng: `12,5` million → 12500000.

    Exact: no float is involved. An amount that is not a whole number of đồng once converted (0,0000005
    million is half a đồng) is an error, as is a negative amount unless `allow_negative`.
    """
    number = parse_number(value, style=style)
    if number is None:
        return None
    return _amount(number, value, unit, allow_negative)


def _amount(number: Decimal, value: Any, unit: Unit, allow_negative: bool) -> int:
    """The checks and scaling of `parse_amount` on `number`, read from the cell `value`."""
    if number < 0 and not allow_negative:
        raise ValueProblem(
            gettext("Expected an amount that is not negative; found “%(value)s”.") % {"value": shown(value)}
        )
    if number.adjusted() + len(str(unit.value)) > 20 or len(number.as_tuple().digits) > 40:
        raise ValueProblem(
            gettext("Expected an amount; found “%(value)s”, which is too large.") % {"value": shown(value)}
        )
    dong = _EXACT.multiply(number, unit.factor)
    if dong != dong.to_integral_value():
        raise ValueProblem(
            gettext("Expected a whole number of đồng; found “%(value)s” %(unit)s, which is %(dong)s đồng.")
            % {"value": shown(value), "unit": unit.label, "dong": format_number(dong)}
        )
    if abs(dong) > MAX_VND:
        raise ValueProblem(
            gettext("Expected an amount; found “%(value)s”, which is too large.") % {"value": shown(value)}
        )
    return int(dong)


# ---------------------------------------------------------------------------------------------------------
# Dates

_EXCEL_1900 = datetime.datetime(1899, 12, 30)
_EXCEL_1904 = datetime.datetime(1904, 1, 1)
_MAX_SERIAL = 2_958_465  # 31/12/9999


def excel_date(serial: Decimal | int | float, *, date1904: bool = False) -> datetime.date | datetime.datetime | None:
    """The date (or date and time) an Excel serial number stands for; None if Excel cannot show it as one.

    Serial 1 is 01/01/1900 and, as in Excel, 60 is the 29/02/1900 that never was (None here).
    """
    serial = Decimal(repr(serial)) if isinstance(serial, float) else Decimal(serial)
    if not serial.is_finite() or serial < 0 or serial > _MAX_SERIAL:
        return None
    days = int(serial)
    milliseconds = int(((serial - days) * 86_400_000).to_integral_value(decimal.ROUND_HALF_EVEN))
    if date1904:
        base = _EXCEL_1904
    elif days == 60 or days == 0:
        return None
    elif days < 60:
        base = _EXCEL_1900 + datetime.timedelta(days=1)  # Excel counts a 29/02/1900 between 28/02 and 01/03
    else:
        base = _EXCEL_1900
    moment = base + datetime.timedelta(days=days, milliseconds=milliseconds)
    return moment.date() if moment.time() == datetime.time() else moment


# `d/m/yy` (officials' short form): read by the admin's parser, day first, the year in this century.
_SHORT_YEAR = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?")


def _date_problem(value: Any) -> ValueProblem:
    return ValueProblem(
        gettext("Expected a date written dd/mm/yyyy, such as 31/12/2025; found “%(value)s”.") % {"value": shown(value)}
    )


def parse_date(
    value: Any,
    *,
    date1904: bool = False,
    min_value: datetime.date | None = None,
    max_value: datetime.date | None = None,
) -> datetime.date | None:
    """A date: `31/12/2025`, `1/2/2025`, `31-12-2025`, `31.12.2025`, `2025-12-31`, an Excel date or serial.

    A time after the date (`31/12/2025 08:00`) is dropped. A two-digit year is in this century, day first as
    always (`5/6/22` is 5 June 2022, never 6 May); a date that does not exist (`31/02/2025`) is an error.
    """
    if _is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        result = value.date()
    elif isinstance(value, datetime.date):
        result = value
    elif isinstance(value, str):
        text = " ".join(value.split())
        result = _date_from_input(text) if _SHORT_YEAR.fullmatch(text) else _date_from_text(text)
    elif isinstance(value, Decimal | int | float) and not isinstance(value, bool | PercentNumber):
        moment = excel_date(value, date1904=date1904)
        if moment is None:
            raise ValueProblem(
                gettext("Expected a date; found the number %(value)s, which is not a date Excel can show.")
                % {"value": shown(value)}
            )
        result = moment.date() if isinstance(moment, datetime.datetime) else moment
    else:
        raise _date_problem(value)
    if min_value is not None and result < min_value:
        raise ValueProblem(
            gettext("Expected a date on or after %(minimum)s; found %(value)s.")
            % {"minimum": shown(min_value), "value": shown(result)}
        )
    if max_value is not None and result > max_value:
        raise ValueProblem(
            gettext("Expected a date on or before %(maximum)s; found %(value)s.")
            % {"maximum": shown(max_value), "value": shown(result)}
        )
    return result


# ---------------------------------------------------------------------------------------------------------
# Yes/no, text, codes

YES = frozenset({"x", "co", "yes", "y", "1", "true", "dung", "v", "✓", "✔", "☑", "☒"})
NO = frozenset({"khong", "no", "n", "0", "false", "sai", "k", "-", "☐"})


def parse_bool(value: Any) -> bool | None:
    """Yes or no: `x`, `có`, `yes`, `1`, `TRUE` are yes; `không`, `no`, `0`, `FALSE` are no; blank is None."""
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal | int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        key = fold(value)
        if key in YES:
            return True
        if key in NO:
            return False
    raise ValueProblem(
        gettext("Expected yes or no (x, có, không, yes, no, 1, 0); found “%(value)s”.") % {"value": shown(value)}
    )


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\u200b\ufeff]")


def clean_text(text: str) -> str:
    """`text` in NFC, without control or zero-width characters, white space collapsed to single spaces."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return " ".join(text.split())


def parse_text(value: Any, *, max_length: int | None = None) -> str | None:
    """Text, cleaned (`clean_text`); a number or date is written as a Vietnamese would: 12,5 and 31/12/2025."""
    if value is None:
        return None
    if isinstance(value, str):
        text = clean_text(value)
    elif isinstance(value, Decimal | int | float) and not isinstance(value, bool | PercentNumber):
        text = format_number(parse_number(value), group=False)
    elif isinstance(value, datetime.date | bool | PercentNumber):
        text = shown(value)
    else:
        text = clean_text(str(value))
    if not text:
        return None
    if max_length is not None and len(text) > max_length:
        raise ValueProblem(
            gettext("Expected at most %(limit)d characters; found %(count)d.")
            % {"limit": max_length, "count": len(text)}
        )
    return text


def zero_pad(code: str, width: int) -> str:
    """A numeric code padded with leading zeros to `width`: ("4", 5) → "00004". Other codes are unchanged."""
    return code.zfill(width) if code.isdigit() and len(code) < width else code


_SCIENTIFIC = re.compile(r"\d+(?:[.,]\d+)?E\+?\d+", re.IGNORECASE)


def parse_code(value: Any, *, width: int | None = None, max_length: int | None = None) -> str | None:
    """A code (GSO commune code, ID number, voucher number), kept as text with its leading zeros.

    Excel turns a code typed as `00004` into the number 4: with `width` (5 for a commune code), a numeric
    code is padded back to `00004`; a numeric code longer than `width` is an error.
    """
    if _is_blank(value):
        return None
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool | PercentNumber):
        number = parse_number(value)
        if number < 0 or number != number.to_integral_value() or number.adjusted() > 30:
            raise ValueProblem(gettext("Expected a code; found the number %(value)s.") % {"value": shown(value)})
        text = str(int(number))
    elif isinstance(value, str):
        text = clean_text(value)
        if _SCIENTIFIC.fullmatch(text):
            raise ValueProblem(
                gettext(
                    "Expected a code; found “%(value)s”, a number Excel has shortened: format the column as Text "
                    "and type the code again."
                )
                % {"value": text}
            )
    else:
        raise ValueProblem(gettext("Expected a code; found “%(value)s”.") % {"value": shown(value)})
    if width is not None and text.isdigit():
        if len(text) > width:
            raise ValueProblem(
                gettext("Expected a code of %(width)d digits; found “%(value)s”.") % {"width": width, "value": text}
            )
        text = zero_pad(text, width)
    if max_length is not None and len(text) > max_length:
        raise ValueProblem(
            gettext("Expected at most %(limit)d characters; found %(count)d.")
            % {"limit": max_length, "count": len(text)}
        )
    return text


# ---------------------------------------------------------------------------------------------------------
# Choices


class ChoiceMatcher:
    """Matches a cell to one of a set of choices, by code or label, ignoring case, accents and spacing.

    `choices` is a `TextChoices` (or any Django choices) class or pairs of (value, label). Labels are
    matched in Vietnamese and English whatever the active language, so "Vốn đầu tư phát triển",
    "Development investment" and "investment" all give `CapitalTypeChoices.INVESTMENT`. `aliases` adds
    other spellings officials use: `{CapitalTypeChoices.INVESTMENT: ["Đầu tư phát triển", "ĐTPT"]}`.
    The lookup is built at first use, so a matcher can be made when a module is imported.
    """

    languages = ("vi", "en")

    def __init__(self, choices: Any, aliases: Mapping[Any, Iterable[str]] | None = None):
        self._choices = choices
        self._aliases = {value: tuple(spellings) for value, spellings in (aliases or {}).items()}

    @property
    def pairs(self) -> list[tuple[Any, Any]]:
        choices = self._choices
        pairs = choices.choices if hasattr(choices, "choices") else choices
        return [(value, label) for value, label in pairs]

    @cached_property
    def _index(self) -> dict[str, Any]:
        index: dict[str, Any] = {}

        def add(key: str, value: Any) -> None:
            folded = fold(key)
            if not folded:
                return
            if index.setdefault(folded, value) != value:
                raise ValueError(f"“{key}” matches two choices: {index[folded]!r} and {value!r}")

        for value, label in self.pairs:
            add(str(value), value)
            for language in self.languages:
                with translation.override(language):
                    add(str(label), value)
        for value, spellings in self._aliases.items():
            for spelling in spellings:
                add(spelling, value)
        return index

    def labels(self) -> list[str]:
        """The choices as the active language names them, for messages and the template's guide."""
        return [str(label) for _, label in self.pairs]

    def accepted(self) -> list[str]:
        """Each choice as the active language names it, with the other words accepted for it (`aliases`)."""
        items = []
        for value, label in self.pairs:
            seen = {fold(str(label)), fold(str(value))}
            words = []
            for spelling in self._aliases.get(value, ()):
                if fold(spelling) not in seen:
                    seen.add(fold(spelling))
                    words.append(spelling)
            if words:
                items.append(gettext("%(choice)s (also: %(words)s)") % {"choice": label, "words": ", ".join(words)})
            else:
                items.append(str(label))
        return items

    def __call__(self, value: Any) -> Any:
        if _is_blank(value):
            return None
        key = fold(parse_text(value) or "")
        try:
            return self._index[key]
        except KeyError:
            raise ValueProblem(
                gettext("Expected one of: %(choices)s; found “%(value)s”.")
                % {"choices": "; ".join(self.accepted()), "value": shown(value)}
            ) from None


def parse_choice(value: Any, choices: Any, aliases: Mapping[Any, Iterable[str]] | None = None) -> Any:
    """One-off form of `ChoiceMatcher(choices, aliases)(value)`; build a matcher once to match many cells."""
    return ChoiceMatcher(choices, aliases)(value)


Parser = Callable[[Any], Any]


# ---------------------------------------------------------------------------------------------------------
# Parsers of a column, for reading many cells


def is_clean_text(value: str) -> bool:
    """Whether `clean_text(value)` is `value` itself and not empty: the test of the parsers' fast paths.

    `isprintable` is false for every character `clean_text` removes or changes (controls, zero-width space,
    byte-order mark, white space other than the plain space), so a printable NFC text without leading,
    trailing or doubled spaces is already clean.
    """
    return (
        value.isprintable()
        and value != ""
        and value[0] != " "
        and value[-1] != " "
        and "  " not in value
        and (value.isascii() or unicodedata.is_normalized("NFC", value))
    )


def _is_plain_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def text_parser(*, max_length: int | None = None) -> Parser:
    """`parse_text` with these options, fast for text that is already clean (`is_clean_text`)."""
    slow = partial(parse_text, max_length=max_length)
    is_normalized = unicodedata.is_normalized

    def parse(value: Any) -> Any:
        if (  # is_clean_text, inline: this is the hot path of every text cell
            value.__class__ is str
            and value.isprintable()
            and value
            and value[0] != " " != value[-1]
            and "  " not in value
            and (value.isascii() or is_normalized("NFC", value))
            and (max_length is None or len(value) <= max_length)
        ):
            return value
        return slow(value)

    return parse


def code_parser(*, width: int | None = None, max_length: int | None = None) -> Parser:
    """`parse_code` with these options, fast for a code that is already clean text (`is_clean_text`)."""
    slow = partial(parse_code, width=width, max_length=max_length)
    is_normalized = unicodedata.is_normalized
    scientific = _SCIENTIFIC.fullmatch

    def parse(value: Any) -> Any:
        if (
            value.__class__ is str
            and value.isprintable()
            and value
            and value[0] != " " != value[-1]
            and "  " not in value
            and (value.isascii() or is_normalized("NFC", value))
        ):
            if value.isdigit():
                if width is not None and len(value) != width:
                    if len(value) > width:
                        return slow(value)
                    value = value.zfill(width)  # zero_pad
            elif ("E" in value or "e" in value) and scientific(value):
                return slow(value)
            if max_length is None or len(value) <= max_length:
                return value
        return slow(value)

    return parse


def _in_range(number: Any, min_value: Any, max_value: Any) -> bool:
    return (min_value is None or number >= min_value) and (max_value is None or number <= max_value)


def integer_parser(
    *, style: NumberStyle = NumberStyle.VIETNAMESE, min_value: int | None = None, max_value: int | None = None
) -> Parser:
    """`parse_integer` with these options, fast for plain digits, an `int` and a whole `Decimal`."""
    slow = partial(parse_integer, style=style, min_value=min_value, max_value=max_value)

    def parse(value: Any) -> Any:
        kind = value.__class__
        if kind is str:
            if len(value) <= 18 and _is_plain_digits(value):
                number = int(value)
                if _in_range(number, min_value, max_value):
                    return number
        elif kind is Decimal:
            if value.is_finite() and value.adjusted() <= 18:
                number = int(value)
                if number == value and _in_range(number, min_value, max_value):
                    return number
        elif kind is int:
            if -(10**19) < value < 10**19 and _in_range(value, min_value, max_value):
                return value
        return slow(value)

    return parse


def _plain_number(value: Any) -> Decimal | None:
    """The number of a plain `Decimal` or a text of plain digits (read the same in both styles); None otherwise."""
    kind = value.__class__
    if kind is Decimal:
        return value if value.is_finite() else None
    if kind is str and len(value) <= _MAX_NUMBER_TEXT and _is_plain_digits(value):
        return Decimal(value)
    return None


def decimal_parser(
    *,
    style: NumberStyle = NumberStyle.VIETNAMESE,
    min_value: Decimal | int | None = None,
    max_value: Decimal | int | None = None,
    max_places: int | None = None,
    percent: bool = False,
) -> Parser:
    """`parse_decimal` (or `parse_percent`) with these options, fast for a plain `Decimal` or plain digits."""
    slow = partial(
        parse_percent if percent else parse_decimal,
        style=style,
        min_value=min_value,
        max_value=max_value,
        max_places=max_places,
    )

    def parse(value: Any) -> Any:
        number = _plain_number(value)
        if number is None:
            return slow(value)
        return _decimal(number, value, min_value, max_value, max_places)

    return parse


def amount_parser(
    *, unit: Unit = Unit.DONG, style: NumberStyle = NumberStyle.VIETNAMESE, allow_negative: bool = False
) -> Parser:
    """`parse_amount` with these options, fast for a plain `Decimal` or plain digits."""
    slow = partial(parse_amount, unit=unit, style=style, allow_negative=allow_negative)

    def parse(value: Any) -> Any:
        number = _plain_number(value)
        if number is None:
            return slow(value)
        return _amount(number, value, unit, allow_negative)

    return parse


def date_parser(
    *,
    date1904: bool = False,
    min_value: datetime.date | None = None,
    max_value: datetime.date | None = None,
) -> Parser:
    """`parse_date` with these options, fast for the dates a workbook gives."""
    slow = partial(parse_date, date1904=date1904, min_value=min_value, max_value=max_value)

    def parse(value: Any) -> Any:
        kind = value.__class__
        if kind is datetime.date or kind is datetime.datetime:
            result = value.date() if kind is datetime.datetime else value
            if _in_range(result, min_value, max_value):
                return result
        return slow(value)

    return parse


_UNKNOWN = object()


def cached_parser(parse: Parser, size: int = 1024) -> Parser:
    """`parse`, remembering the result of up to `size` distinct texts (yes/no, choices: few distinct values).

    Only results are kept: a text that raises a `ValueProblem` raises it again each time.
    """
    cache: dict[str, Any] = {}

    def cached(value: Any) -> Any:
        if value.__class__ is not str:
            return parse(value)
        result = cache.get(value, _UNKNOWN)
        if result is not _UNKNOWN:
            return result
        result = parse(value)
        if len(cache) < size:
            cache[value] = result
        return result

    return cached
