"""The kernel's parser of what officials type: numbers, amounts, counts, years and dates, in both languages."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from kernel.numbers import (
    NumberStyle,
    ValueProblem,
    amount_from_input,
    date_from_input,
    format_date,
    format_number,
    format_vnd,
    integer_from_input,
    number_from_input,
    year_from_input,
)

VI, EN = NumberStyle.VIETNAMESE, NumberStyle.ENGLISH


def refused(parse, *args) -> str:
    with pytest.raises(ValueProblem) as caught:
        parse(*args)
    return caught.value.message


# -- amounts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "style", "expected"),
    [
        ("200.000", VI, 200_000),
        ("1.234.567", VI, 1_234_567),
        ("1234567", VI, 1_234_567),
        ("1 234 567", VI, 1_234_567),
        ("1\u00a0234\u00a0567", VI, 1_234_567),
        ("1.234.567,00", VI, 1_234_567),  # a decimal part of zeros that no other style reads otherwise
        ("200,00", VI, 200),
        ("-1.000", VI, -1000),
        ("(1.000)", VI, -1000),
        ("1,234,567", EN, 1_234_567),
        ("200,000", EN, 200_000),
        ("1234567", EN, 1_234_567),
        ("200.00", EN, 200),
        ("9.223.372.036.854.775.807", VI, 9_223_372_036_854_775_807),
    ],
)
def test_amount(text, style, expected):
    result = amount_from_input(text, style)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    ("text", "style", "fragments"),
    [
        # Two readings: 200 đồng with three decimal zeros, or 200 thousand đồng grouped the other way.
        ("200.000", EN, ["“200.000” could be read two ways: 200 đồng or 200,000 đồng", "write 200 or 200,000"]),
        ("200,000", VI, ["“200,000” could be read two ways: 200 đồng or 200.000 đồng", "write 200 or 200.000"]),
        # Not whole đồng: what was read, and what to write for the other reading.
        ("1,234", VI, ["“1,234” is read as 1,234 đồng, which is not a whole number", "meant 1.234 đồng, write 1.234"]),
        ("1.234", EN, ["“1.234” is read as 1.234 đồng, which is not a whole number", "meant 1,234 đồng, write 1,234"]),
        ("1.5", EN, ["“1.5” is read as 1.5 đồng, which is not a whole number of đồng."]),
        ("1,5", VI, ["“1,5” is read as 1,5 đồng, which is not a whole number of đồng."]),
        ("1.5", VI, ["“1.5” is read as 1,5 đồng, which is not a whole number of đồng."]),
        # Only the other language's style reads it, as a whole amount: how to write it.
        ("1,234,567", VI, ["“1,234,567” is written with English separators", "write 1.234.567"]),
        ("1.234.567", EN, ["“1.234.567” is written with Vietnamese separators", "write 1,234,567"]),
        ("abc", VI, ["Expected a number such as 1.234.567, 1.234,5; found “abc”."]),
        ("10.000.000.000.000.000.000", VI, ["too large"]),
    ],
)
def test_amount_refused(text, style, fragments):
    message = refused(amount_from_input, text, style)
    for fragment in fragments:
        assert fragment in message


def test_amount_not_negative():
    assert "not negative" in refused(lambda t: amount_from_input(t, VI, allow_negative=False), "-5")


def test_amount_style_is_the_active_language():
    with translation.override("vi"):
        assert amount_from_input("200.000") == 200_000
    with translation.override("en"):
        assert amount_from_input("200,000") == 200_000
        assert "two ways" in refused(amount_from_input, "200.000")


# -- numbers, counts, years --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "style", "expected"),
    [
        ("1,8", VI, "1.8"),
        ("12,5", VI, "12.5"),
        ("1.234,5", VI, "1234.5"),
        ("1.234", VI, "1234"),  # Vietnamese: a dot groups thousands
        ("1,234", VI, "1.234"),
        ("1.8", EN, "1.8"),
        ("1,234.5", EN, "1234.5"),
        ("1.234", EN, "1.234"),
        ("1,234", EN, "1234"),
        ("72,47", VI, "72.47"),
        ("-0,5", VI, "-0.5"),
    ],
)
def test_number(text, style, expected):
    assert number_from_input(text, style) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "style", "fragment"),
    [
        (
            "1.8",
            VI,
            "“1.8” is written with English separators; in Vietnamese a dot groups thousands and a comma "
            "marks decimals: write 1,8.",
        ),
        (
            "1,8",
            EN,
            "“1,8” is written with Vietnamese separators; in English a comma groups thousands and a dot "
            "marks decimals: write 1.8.",
        ),
        ("1,234.5", VI, "write 1.234,5"),
        ("1.2.3", VI, "Expected a number such as 1.234.567, 1.234,5; found “1.2.3”."),
        ("", VI, "Expected a number"),
        ("9" * 50, VI, "Expected a number"),
    ],
)
def test_number_refused(text, style, fragment):
    assert fragment in refused(number_from_input, text, style)


def test_count():
    assert integer_from_input("1.234", VI) == 1234
    assert integer_from_input("1,234", EN) == 1234
    assert integer_from_input("12", EN) == 12
    assert "read as 2,5" in refused(integer_from_input, "2,5", VI)
    assert "write 1,234,567" in refused(integer_from_input, "1.234.567", EN)


def test_count_in_english_style_only_in_vietnamese():
    # `1.234` in English is 1.234, not a whole number: refused with what was read.
    assert "read as 1.234" in refused(integer_from_input, "1.234", EN)


@pytest.mark.parametrize("text", ["2025", " 2025 ", "２０２５"])
def test_year(text):
    assert year_from_input(text) == 2025


@pytest.mark.parametrize("text", ["2.025", "2,025", "25", "20250", "2025,0", "-2025", "năm 2025"])
def test_year_refused(text):
    assert "Expected a year written with four digits, such as 2025" in refused(year_from_input, text)


# -- dates -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/11/2026", datetime.date(2026, 11, 5)),
        ("5/11/2026", datetime.date(2026, 11, 5)),
        ("05/11/26", datetime.date(2026, 11, 5)),
        ("5/11/26", datetime.date(2026, 11, 5)),
        ("2026-11-05", datetime.date(2026, 11, 5)),
        ("05-11-2026", datetime.date(2026, 11, 5)),
        ("05.11.2026", datetime.date(2026, 11, 5)),
        (" 15/11/2026 ", datetime.date(2026, 11, 15)),
        ("29/02/2024", datetime.date(2024, 2, 29)),
    ],
)
@pytest.mark.parametrize("language", ["vi", "en"])
def test_date_is_day_first_in_both_languages(text, expected, language):
    with translation.override(language):
        assert date_from_input(text) == expected


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("13/25/2026", ["found “13/25/2026”, read as day 13, month 25, year 2026, which does not exist."]),
        (
            "11/25/2026",
            ["read as day 11, month 25, year 2026", "If you meant day 25 of month 11, write 25/11/2026."],
        ),
        ("31/02/2025", ["read as day 31, month 2, year 2025, which does not exist."]),
        ("Nov 5, 2026", ["Expected a date written dd/mm/yyyy, such as 31/12/2025; found “Nov 5, 2026”."]),
        ("05/11/226", ["Expected a date written dd/mm/yyyy"]),
        ("2026", ["Expected a date written dd/mm/yyyy"]),
    ],
)
def test_date_refused(text, fragments):
    message = refused(date_from_input, text)
    for fragment in fragments:
        assert fragment in message


# -- writing back --------------------------------------------------------------------------------------------


def test_formatting_reads_back():
    for number, style in [(Decimal("1234567.5"), VI), (Decimal("1234567.5"), EN), (Decimal("12.500"), VI)]:
        assert number_from_input(format_number(number, style), style) == number
    assert format_number(Decimal("12.500"), VI) == "12,5"
    assert format_vnd(1_234_567) == "1.234.567"
    assert format_vnd(1_234_567, EN) == "1,234,567"
    assert format_date(datetime.date(2026, 11, 5)) == "05/11/2026"
    for amount in (0, 200_000, 1_234_567, -5_000):
        for style in (VI, EN):
            assert amount_from_input(format_vnd(amount, style), style) == amount
