"""Numbers, amounts and dates written as text: the one parser and the one way of writing them back.

Every path that reads what a person wrote goes through here: the spreadsheet import (`sheets.values`
wraps these functions for cells), the admin's form fields (`kernel.forms`), the admin list filters' URL
parameters (`kernel.admin_input`) and the API. A value that cannot be read raises `ValueProblem`, whose translated
message says what was expected, what was found and, where it helps, how to write it.

Numbers follow one of two styles (`NumberStyle`):

- Vietnamese: dot for thousands, comma for decimals: `1.234.567`, `1.234,5`, `12,5`.
- English: comma for thousands, dot for decimals: `1,234,567`, `1,234.5`, `12.5`.

Spaces (also non-breaking and thin spaces) may group thousands in either style: `1 234 567`, `1 234,5`.
Negative numbers: `-1.000`, `−1.000` or `(1.000)`. Full-width digits are read as digits.

Two families of functions:

- `number_from_text(text, style)` reads a spreadsheet column's text in the column's style (the reader picks
  it from the column's values, `NumberStyle.vote`): a text valid only in the other style is refused with
  the way to write it; a text valid in both (`1.234`) is read in the column's style.
- `*_from_input(text)` read what an official typed into a form or a URL, in the style of the interface's
  language (`NumberStyle.active()`). The same rules, and stricter ones where a reading would be a guess:

  - a text valid only in the other language's style is refused, saying how to write it (`1.8` in
    Vietnamese: "write 1,8");
  - money (`amount_from_input`) is whole đồng: a decimal part is never rounded (`1,5` đồng is refused);
    and where the interface's reading needs a decimal part but the other style reads a whole amount
    (`200.000` in English: 200 or 200,000? `200,000` in Vietnamese: 200 or 200.000?) the text is refused
    with both readings; a reading through thousands groups (`200.000` in Vietnamese) is taken;
  - years are digits only (`2.025` is refused, never read as 2025 or as 2,025);
  - counts are whole numbers, thousands groups allowed (`1.234` in Vietnamese is 1234).

Dates are always day first, in both languages (the product is Vietnam's: `05/11/2026` is 5 November
2026 in English too): `dd/mm/yyyy`, `d/m/yyyy`, with `/`, `-` or `.`, and ISO `yyyy-mm-dd`. Typed input
also takes `dd/mm/yy` (20yy); a spreadsheet's cells must have four-digit years. A date that does not exist
is refused, saying how it was read (day, month, year).

Writing back: `format_number`, `format_vnd`, `format_date` (always `dd/mm/yyyy`), `format_datetime` (`dd/mm/yyyy HH:MM`
in Asia/Ho_Chi_Minh, the project's TIME_ZONE).
"""

from __future__ import annotations

import datetime
import enum
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache

from django.utils import timezone, translation
from django.utils.translation import gettext

MAX_VND = 9_223_372_036_854_775_807  # what a BigIntegerField holds
_MAX_NUMBER_TEXT = 40  # characters; longer "numbers" are refused before any arithmetic


class ValueProblem(ValueError):
    """A value is not what was expected; `message` is translated and says what was expected and found."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NumberStyle(enum.Enum):
    """How numbers are written as text: which character groups thousands and which marks decimals."""

    VIETNAMESE = "vi"
    ENGLISH = "en"

    @property
    def thousands(self) -> str:
        return "." if self is NumberStyle.VIETNAMESE else ","

    @property
    def decimal(self) -> str:
        return "," if self is NumberStyle.VIETNAMESE else "."

    @property
    def other(self) -> NumberStyle:
        return NumberStyle.ENGLISH if self is NumberStyle.VIETNAMESE else NumberStyle.VIETNAMESE

    @property
    def examples(self) -> str:
        return "1.234.567, 1.234,5" if self is NumberStyle.VIETNAMESE else "1,234,567, 1,234.5"

    @classmethod
    def for_language(cls, language: str | None) -> NumberStyle:
        """The style of a language code: English for `en`, `en-gb`, ...; Vietnamese for anything else."""
        return cls.ENGLISH if (language or "").lower().split("-")[0] == "en" else cls.VIETNAMESE

    @classmethod
    def active(cls) -> NumberStyle:
        """The style of the active language (the interface an official is using)."""
        return cls.for_language(translation.get_language())

    @classmethod
    def vote(cls, texts: Iterable[str]) -> NumberStyle:
        """The style most of `texts` can only be read in; Vietnamese when none tells or it is a tie."""
        votes = {cls.VIETNAMESE: 0, cls.ENGLISH: 0}
        for text in texts:
            style = evidence(text)
            if style is not None:
                votes[style] += 1
        return cls.ENGLISH if votes[cls.ENGLISH] > votes[cls.VIETNAMESE] else cls.VIETNAMESE


# ---------------------------------------------------------------------------------------------------------
# Numbers written as text


def _grammar(style: NumberStyle) -> re.Pattern[str]:
    thousands, point = re.escape(style.thousands), re.escape(style.decimal)
    plain = r"\d+"
    grouped = rf"[1-9]\d{{0,2}}(?:{thousands}\d{{3}})+"
    spaced = r"[1-9]\d{0,2}(?: \d{3})+"
    return re.compile(rf"(?:({plain})|({grouped})|({spaced}))?(?:{point}(\d+))?")


_GRAMMARS = {style: _grammar(style) for style in NumberStyle}
_SPACES = re.compile(r"\s+")


def _split_sign(text: str) -> tuple[bool, str] | None:
    """(negative, digits part) of a number's text, or None if its sign is malformed."""
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    if text[:1] in ("-", "−", "–", "+"):
        if negative:
            return None
        negative, text = text[0] != "+", text[1:].lstrip()
    return negative, text


def _read(style: NumberStyle, text: str) -> tuple[Decimal, bool] | None:
    """(number, whether it has a decimal part) of `text` read in `style`, or None if it is not valid there.

    `text` has its white space normalised (`normalise_number_text`).
    """
    signed = _split_sign(text)
    if signed is None:
        return None
    negative, body = signed
    match = _GRAMMARS[style].fullmatch(body)
    if match is None:
        return None
    whole = match[1] or match[2] or match[3]
    fraction = match[4]
    if whole is None and fraction is None:
        return None
    digits = (whole or "0").replace(style.thousands, "").replace(" ", "")
    number = Decimal(f"{digits}.{fraction}" if fraction else digits)
    return (-number if negative else number), fraction is not None


def read_in(style: NumberStyle, text: str) -> Decimal | None:
    """`text` (white space normalised) read in `style`, or None if it is not a number written that way."""
    reading = _read(style, text)
    return None if reading is None else reading[0]


def normalise_number_text(text: str) -> str:
    """Full-width digits made ASCII (NFKC), any run of white space (also non-breaking) one space."""
    text = text.strip()
    if text.isascii() and " " not in text:
        return text
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text))


def evidence(text: str) -> NumberStyle | None:
    """The style `text` can only be read in: `12,5` → Vietnamese, `1,234.5` → English; None if both or neither."""
    text = normalise_number_text(text)
    if len(text) > _MAX_NUMBER_TEXT:
        return None
    vi, en = read_in(NumberStyle.VIETNAMESE, text), read_in(NumberStyle.ENGLISH, text)
    if vi is not None and en is None:
        return NumberStyle.VIETNAMESE
    if en is not None and vi is None:
        return NumberStyle.ENGLISH
    return None


def quoted(text: str) -> str:
    """A typed text as a message quotes it: stripped, and cut at 60 characters."""
    text = text.strip()
    return text if len(text) <= 60 else text[:59] + "…"


def _not_a_number(text: str, style: NumberStyle) -> ValueProblem:
    return ValueProblem(
        gettext("Expected a number such as %(examples)s; found “%(value)s”.")
        % {"examples": style.examples, "value": quoted(text)}
    )


def number_from_text(text: str, style: NumberStyle = NumberStyle.VIETNAMESE) -> Decimal:
    """A spreadsheet column's number written as text, in the column's `style`, or a `ValueProblem`.

    A text valid in both styles is read in `style`; one valid only in the other style is refused with the
    way to write it in `style`.
    """
    normal = normalise_number_text(text)
    if len(normal) <= _MAX_NUMBER_TEXT:
        number = read_in(style, normal)
        if number is not None:
            return number
        other = read_in(style.other, normal)
        if other is not None:
            if style is NumberStyle.VIETNAMESE:
                message = gettext(
                    "“%(value)s” is written with English separators but this column uses Vietnamese ones "
                    "(dot for thousands, comma for decimals): write it as %(suggestion)s."
                )
            else:
                message = gettext(
                    "“%(value)s” is written with Vietnamese separators but this column uses English ones "
                    "(comma for thousands, dot for decimals): write it as %(suggestion)s."
                )
            raise ValueProblem(message % {"value": text.strip(), "suggestion": format_number(other, style)})
    raise _not_a_number(text, style)


# ---------------------------------------------------------------------------------------------------------
# What an official types: numbers, amounts, counts and years in the interface's style


def _other_style_problem(text: str, style: NumberStyle, reading: Decimal) -> ValueProblem:
    """`text` is a number only in the style other than the interface's `style`: say how to write it."""
    if style is NumberStyle.VIETNAMESE:
        message = gettext(
            "“%(value)s” is written with English separators; in Vietnamese a dot groups thousands and a comma "
            "marks decimals: write %(suggestion)s."
        )
    else:
        message = gettext(
            "“%(value)s” is written with Vietnamese separators; in English a comma groups thousands and a dot "
            "marks decimals: write %(suggestion)s."
        )
    return ValueProblem(message % {"value": quoted(text), "suggestion": format_number(reading, style)})


def _readings(text: str, style: NumberStyle) -> tuple[str, tuple[Decimal, bool] | None, tuple[Decimal, bool] | None]:
    """(normalised text, reading in `style`, reading in the other style); `ValueProblem` if neither reads it."""
    normal = normalise_number_text(text)
    if not normal or len(normal) > _MAX_NUMBER_TEXT:
        raise _not_a_number(text, style)
    mine, theirs = _read(style, normal), _read(style.other, normal)
    if mine is None and theirs is None:
        raise _not_a_number(text, style)
    return normal, mine, theirs


def number_from_input(text: str, style: NumberStyle | None = None) -> Decimal:
    """A number typed in the interface's style (`style`, by default the active language's): `12,5` → 12.5.

    A text that is a number only in the other style is refused, saying how to write it.
    """
    style = style or NumberStyle.active()
    _, mine, theirs = _readings(text, style)
    if mine is None:
        raise _other_style_problem(text, style, theirs[0])
    number = mine[0]
    if number.adjusted() > 18:
        raise ValueProblem(gettext("Expected a number; found “%(value)s”.") % {"value": quoted(text)})
    return number


def amount_from_input(text: str, style: NumberStyle | None = None, *, allow_negative: bool = True) -> int:
    """An amount of money typed in whole đồng, in the interface's style: `200.000` (Vietnamese) → 200000.

    Never rounded, never scaled: a decimal part that is not zero is refused (`1,5` đồng), and a text whose
    reading in the interface's style needs a decimal part while the other style reads another whole amount
    (`200.000` in English) is refused with both readings.
    """
    style = style or NumberStyle.active()
    _, mine, theirs = _readings(text, style)
    other_whole = theirs is not None and theirs[0] == theirs[0].to_integral_value()
    if mine is None:
        number = theirs[0]
        if not other_whole:
            raise _not_whole_problem(text, style, number, None)
        raise _other_style_problem(text, style, number)
    number, has_fraction = mine
    whole = number == number.to_integral_value()
    if has_fraction and other_whole and theirs[0] != number:
        if whole:
            raise ValueProblem(
                gettext(
                    "“%(value)s” could be read two ways: %(first)s đồng or %(second)s đồng. Amounts are whole đồng: "
                    "write %(first)s or %(second)s."
                )
                % {
                    "value": quoted(text),
                    "first": format_number(number, style),
                    "second": format_number(theirs[0], style),
                }
            )
        raise _not_whole_problem(text, style, number, theirs[0])
    if not whole:
        raise _not_whole_problem(text, style, number, None)
    if number < 0 and not allow_negative:
        raise ValueProblem(
            gettext("Expected an amount that is not negative; found “%(value)s”.") % {"value": quoted(text)}
        )
    if abs(number) > MAX_VND:
        raise ValueProblem(
            gettext("Expected an amount; found “%(value)s”, which is too large.") % {"value": quoted(text)}
        )
    return int(number)


def _not_whole_problem(text: str, style: NumberStyle, number: Decimal, meant: Decimal | None) -> ValueProblem:
    message = gettext("“%(value)s” is read as %(reading)s đồng, which is not a whole number of đồng.") % {
        "value": quoted(text),
        "reading": format_number(number, style),
    }
    if meant is not None:
        message += " " + gettext("If you meant %(meant)s đồng, write %(meant)s.") % {
            "meant": format_number(meant, style)
        }
    return ValueProblem(message)


def integer_from_input(text: str, style: NumberStyle | None = None) -> int:
    """A whole number (a count) typed in the interface's style: `1.234` → 1234 in Vietnamese; `2,5` is refused."""
    style = style or NumberStyle.active()
    number = number_from_input(text, style)
    if number != number.to_integral_value():
        raise ValueProblem(
            gettext("Expected a whole number; found “%(value)s”, read as %(reading)s.")
            % {"value": quoted(text), "reading": format_number(number, style)}
        )
    return int(number)


_YEAR = re.compile(r"\d{4}")


def year_from_input(text: str) -> int:
    """A year, written with its four digits: `2025`. `2.025` and `2,025` are refused, not guessed."""
    normal = normalise_number_text(text)
    if not _YEAR.fullmatch(normal):
        raise ValueProblem(
            gettext("Expected a year written with four digits, such as 2025; found “%(value)s”.")
            % {"value": quoted(text)}
        )
    return int(normal)


# ---------------------------------------------------------------------------------------------------------
# Dates

_TIME = r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"
_DAY_FIRST = re.compile(rf"(\d{{1,2}})[/.\-](\d{{1,2}})[/.\-](\d{{4}}){_TIME}")
_DAY_FIRST_SHORT = re.compile(rf"(\d{{1,2}})[/.\-](\d{{1,2}})[/.\-](\d{{2}}|\d{{4}}){_TIME}")
_YEAR_FIRST = re.compile(rf"(\d{{4}})[/.\-](\d{{1,2}})[/.\-](\d{{1,2}}){_TIME}")


def _date_problem(text: str) -> ValueProblem:
    return ValueProblem(
        gettext("Expected a date written dd/mm/yyyy, such as 31/12/2025; found “%(value)s”.") % {"value": quoted(text)}
    )


@lru_cache(maxsize=4096)  # a file repeats its dates: the cache halves the time spent on them
def date_from_text(text: str) -> datetime.date:
    """A spreadsheet's date written as text, day first: `31/12/2025`, `1/2/2025`, `31-12-2025`, `2025-12-31`.

    `text` has its white space normalised. A time after the date is dropped. Two-digit years and dates that
    do not exist (`31/02/2025`) are refused.
    """
    if match := _DAY_FIRST.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _YEAR_FIRST.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise _date_problem(text)
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValueProblem(
            gettext("Expected a date that exists; found “%(value)s”: there is no %(day)02d/%(month)02d/%(year)d.")
            % {"value": text, "day": day, "month": month, "year": year}
        ) from None


def date_from_input(text: str) -> datetime.date:
    """A date an official typed, day first in every language: `05/11/2026`, `5/11/2026`, `05/11/26`, `2026-11-05`.

    A two-digit year is in this century (`26` is 2026). A date that does not exist is refused, saying how it
    was read; when the month and day swapped would be a date (`11/25/2026`), the message says to write that.
    """
    normal = " ".join(text.split())
    if match := _DAY_FIRST_SHORT.fullmatch(normal):
        day, month, year = (int(part) for part in match.groups())
        if len(match[3]) == 2:
            year += 2000
    elif match := _YEAR_FIRST.fullmatch(normal):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise _date_problem(text)
    try:
        return datetime.date(year, month, day)
    except ValueError:
        pass
    message = gettext(
        "Expected a date that exists, written day first (dd/mm/yyyy); found “%(value)s”, read as day %(day)d, "
        "month %(month)d, year %(year)d, which does not exist."
    ) % {"value": quoted(text), "day": day, "month": month, "year": year}
    try:
        swapped = datetime.date(year, day, month)
    except ValueError:
        raise ValueProblem(message) from None
    raise ValueProblem(
        message
        + " "
        + gettext("If you meant day %(day)d of month %(month)d, write %(date)s.")
        % {"day": swapped.day, "month": swapped.month, "date": format_date(swapped)}
    )


# ---------------------------------------------------------------------------------------------------------
# Writing values back


def format_number(number: Decimal | int, style: NumberStyle = NumberStyle.VIETNAMESE, *, group: bool = True) -> str:
    """`number` written in `style`: 1234567.5 → "1.234.567,5" (Vietnamese) or "1,234,567.5" (English).

    Trailing zeros of the decimal part are dropped (12.500 → "12,5"): what is written reads back the same.
    """
    number = Decimal(number)
    if not number.is_finite() or abs(number.adjusted()) > 40:
        return str(number)
    text = format(abs(number), "f")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    if group:
        whole = f"{int(whole):,}".replace(",", style.thousands)
    sign = "-" if number < 0 else ""
    return sign + whole + (style.decimal + fraction if fraction else "")


def format_vnd(amount: int, style: NumberStyle = NumberStyle.VIETNAMESE) -> str:
    """A whole amount of đồng: 1234567 → "1.234.567" (Vietnamese) or "1,234,567" (English)."""
    return format_number(int(amount), style)


def format_date(value: datetime.date) -> str:
    """A date as officials write it, in every language: "05/11/2026" (a moment: its day in local time)."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime.datetime) -> str:
    """A moment as officials write it, in local time (TIME_ZONE, Asia/Ho_Chi_Minh), in every language:
    "05/11/2026 14:30"."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%d/%m/%Y %H:%M")
