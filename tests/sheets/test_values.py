"""Value parsers: each cell kind officials write, read exactly, and every wrong one refused with a message."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from sheets import (
    ChoiceMatcher,
    NumberStyle,
    PercentNumber,
    Unit,
    ValueProblem,
    excel_date,
    format_number,
    format_vnd,
    parse_amount,
    parse_bool,
    parse_choice,
    parse_code,
    parse_date,
    parse_decimal,
    parse_integer,
    parse_number,
    parse_percent,
    parse_text,
    zero_pad,
)
from sheets.values import evidence

VI, EN = NumberStyle.VIETNAMESE, NumberStyle.ENGLISH


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# -- numbers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "style", "expected"),
    [
        ("1.234.567", VI, "1234567"),
        ("1.234.567,5", VI, "1234567.5"),
        ("12,5", VI, "12.5"),
        ("0,38", VI, "0.38"),
        ("1.234", VI, "1234"),  # ambiguous: Vietnamese reads a dot as thousands
        ("1,234", VI, "1.234"),  # ambiguous: Vietnamese reads a comma as decimals
        ("1 234 567", VI, "1234567"),
        ("1\u00a0234\u00a0567", VI, "1234567"),  # non-breaking spaces
        ("1\u202f234,5", VI, "1234.5"),  # narrow non-breaking space
        ("  2022 ", VI, "2022"),
        ("-1.000", VI, "-1000"),
        ("−1.000", VI, "-1000"),  # the minus sign
        ("(1.000)", VI, "-1000"),
        ("( 1.000,5 )", VI, "-1000.5"),
        ("+5", VI, "5"),
        (",5", VI, "0.5"),
        ("007", VI, "7"),
        ("１２３", VI, "123"),  # full-width digits
        ("1,234,567", EN, "1234567"),
        ("1,234.5", EN, "1234.5"),
        ("12.5", EN, "12.5"),
        ("1.234", EN, "1.234"),
        ("1,234", EN, "1234"),
        ("1 234.5", EN, "1234.5"),
        ("(12.5)", EN, "-12.5"),
    ],
)
def test_number_text(text, style, expected):
    assert parse_number(text, style=style) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "style", "fragment"),
    [
        ("abc", VI, "Expected a number such as 1.234.567, 1.234,5; found “abc”."),
        ("1.23.4", VI, "found “1.23.4”"),
        ("12 5", VI, "found “12 5”"),  # spaces group thousands only in threes
        ("1,2,3", VI, "found “1,2,3”"),
        ("--5", VI, "found “--5”"),
        ("(-5)", VI, "found “(-5)”"),
        ("1e5", VI, "found “1e5”"),
        ("1.234.567 đ", VI, "found “1.234.567 đ”"),
        ("12.5", VI, "“12.5” is written with English separators but this column uses Vietnamese ones"),
        ("1,234.5", VI, "write it as 1.234,5"),
        ("1,234,567", VI, "write it as 1.234.567"),
        ("12,5", EN, "“12,5” is written with Vietnamese separators but this column uses English ones"),
        ("1.234.567,5", EN, "write it as 1,234,567.5"),
        ("9" * 50, VI, "Expected a number"),
    ],
)
def test_number_text_refused(text, style, fragment):
    with pytest.raises(ValueProblem) as caught:
        parse_number(text, style=style)
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,5", VI),
        ("1.234.567", VI),
        ("1.234,5", VI),
        ("0,500", VI),  # a thousands group cannot start with 0
        ("12.5", EN),
        ("1,234,567", EN),
        ("1,234.5", EN),
        ("0.500", EN),
        ("1.234", None),  # valid both ways, with different values
        ("1,234", None),
        ("2022", None),  # same value both ways
        ("abc", None),
    ],
)
def test_evidence(text, expected):
    assert evidence(text) is expected


def test_style_vote():
    assert NumberStyle.vote(["1.234", "12,5", "3"]) is VI
    assert NumberStyle.vote(["1,234", "12.5", "1,234,567.5", "3"]) is EN
    assert NumberStyle.vote(["1,234", "1.234"]) is VI  # nothing tells: the Vietnamese convention
    assert NumberStyle.vote(["12.5", "12,5"]) is VI  # a tie


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("212.6"), Decimal("212.6")),
        (212.6, Decimal("212.6")),
        (212.60000000000002, Decimal("212.6")),  # Excel stores it so and shows 212,6
        (0.1 + 0.2, Decimal("0.3")),
        (44718.0, Decimal("44718")),
        (7, Decimal("7")),
        (Decimal("0.30000000000000004"), Decimal("0.30000000000000004")),  # a Decimal is exact
    ],
)
def test_number_values(value, expected):
    assert parse_number(value) == expected


@pytest.mark.parametrize("value", [True, float("nan"), float("inf"), Decimal("NaN"), datetime.date(2025, 1, 1)])
def test_number_values_refused(value):
    with pytest.raises(ValueProblem):
        parse_number(value)


@pytest.mark.parametrize("value", [None, "", "   ", "\u00a0"])
def test_blank_is_none(value):
    for parser in (parse_number, parse_integer, parse_decimal, parse_percent, parse_amount, parse_date, parse_bool):
        assert parser(value) is None
    assert parse_code(value) is None
    assert parse_text(value) is None


# -- amounts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("12,5", Unit.MILLION, 12_500_000),
        ("212,6", Unit.MILLION, 212_600_000),
        ("151.008,9", Unit.MILLION, 151_008_900_000),
        ("1.234", Unit.MILLION, 1_234_000_000),  # Vietnamese: dot for thousands
        ("786.887", Unit.MILLION, 786_887_000_000),
        ("0,000001", Unit.MILLION, 1),
        ("1,5", Unit.BILLION, 1_500_000_000),
        ("2,5", Unit.THOUSAND, 2_500),
        ("1.234.567", Unit.DONG, 1_234_567),
        ("1 234 567", Unit.DONG, 1_234_567),
        (212.6, Unit.MILLION, 212_600_000),
        (212.60000000000002, Unit.MILLION, 212_600_000),
        (Decimal("15.745"), Unit.MILLION, 15_745_000),
        (194, Unit.MILLION, 194_000_000),
        ("9.223.372.036.854.775.807", Unit.DONG, 9_223_372_036_854_775_807),
    ],
)
def test_amount(value, unit, expected):
    result = parse_amount(value, unit=unit)
    assert result == expected
    assert type(result) is int


def test_amount_english_column():
    assert parse_amount("1,234.5", unit=Unit.MILLION, style=EN) == 1_234_500_000
    assert parse_amount("1.234", unit=Unit.MILLION, style=EN) == 1_234_000


@pytest.mark.parametrize(
    ("value", "unit", "message"),
    [
        (
            "0,0000005",
            Unit.MILLION,
            "Expected a whole number of đồng; found “0,0000005” triệu đồng, which is 0,5 đồng.",
        ),
        ("1,5", Unit.DONG, "Expected a whole number of đồng; found “1,5” đồng, which is 1,5 đồng."),
        (Decimal("0.1234567"), Unit.MILLION, "which is 123.456,7 đồng."),
        ("-1.000", Unit.DONG, "Expected an amount that is not negative; found “-1.000”."),
        ("9.223.372.036.854.775.808", Unit.DONG, "which is too large"),
        ("99.999.999.999.999", Unit.MILLION, "which is too large"),
        (Decimal("1E+999999"), Unit.DONG, "which is too large"),
        ("x", Unit.MILLION, "Expected a number such as 1.234.567, 1.234,5; found “x”."),
    ],
)
def test_amount_refused(value, unit, message):
    with pytest.raises(ValueProblem) as caught:
        parse_amount(value, unit=unit)
    assert message in caught.value.message


def test_negative_amounts_when_allowed():
    assert parse_amount("-1.000", allow_negative=True) == -1000
    assert parse_amount("(1.000)", allow_negative=True) == -1000
    assert parse_amount("(12,5)", unit=Unit.MILLION, allow_negative=True) == -12_500_000


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("triệu đồng", Unit.MILLION),
        ("Triệu Đồng", Unit.MILLION),
        ("tr.đ", Unit.MILLION),
        ("trđ", Unit.MILLION),
        ("Tr.đồng", Unit.MILLION),
        ("tr. đ", Unit.MILLION),
        ("million VND", Unit.MILLION),
        ("VND million", Unit.MILLION),
        ("ĐVT: triệu đồng", Unit.MILLION),
        ("tỷ đồng", Unit.BILLION),
        ("tỉ đồng", Unit.BILLION),
        ("billion VND", Unit.BILLION),
        ("đồng", Unit.DONG),
        ("VND", Unit.DONG),
        ("VNĐ", Unit.DONG),
        ("đ", Unit.DONG),
        ("đồng/người/tháng", Unit.DONG),
        ("nghìn đồng", Unit.THOUSAND),
        ("1.000 đồng", Unit.THOUSAND),
        ("km", None),
        ("USD", None),
        ("%", None),
    ],
)
def test_unit_from_text(text, unit):
    assert Unit.from_text(text) is unit


# -- other numbers ----------------------------------------------------------------------------------------


def test_integer():
    assert parse_integer("1.234") == 1234
    assert parse_integer(Decimal("2022")) == 2022
    assert parse_integer(2022.0) == 2022
    assert parse_integer("2.022") == 2022
    with pytest.raises(ValueProblem, match="Expected a whole number; found “2,5”."):
        parse_integer("2,5")
    with pytest.raises(ValueProblem, match="Expected at least 0; found -3."):
        parse_integer("-3", min_value=0)
    with pytest.raises(ValueProblem, match="Expected at most 100; found 101."):
        parse_integer("101", max_value=100)


def test_decimal():
    assert parse_decimal("0,38") == Decimal("0.38")
    assert parse_decimal(Decimal("72.47")) == Decimal("72.47")
    assert parse_decimal("22,147021") == Decimal("22.147021")
    with pytest.raises(ValueProblem, match="Expected at most 2 decimal places; found “0,385”."):
        parse_decimal("0,385", max_places=2)
    assert parse_decimal("1,50", max_places=1) == Decimal("1.50")  # a trailing zero is not a place


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("45", "45"),
        ("45%", "45"),
        ("45,5 %", "45.5"),
        (Decimal("45"), "45"),
        (PercentNumber("0.45"), "45"),  # a cell Excel shows as 45%
        (PercentNumber("1"), "100"),
    ],
)
def test_percent(value, expected):
    assert parse_percent(value) == Decimal(expected)


def test_a_percentage_cell_is_no_plain_number():
    with pytest.raises(ValueProblem, match="found 45%, a cell formatted as a percentage: format it as a number."):
        parse_amount(PercentNumber("0.45"), unit=Unit.MILLION)


def test_percent_refused():
    with pytest.raises(ValueProblem, match="Expected at most 100; found 145."):
        parse_percent("145")
    with pytest.raises(ValueProblem, match="found “%”"):
        parse_percent("%")


@pytest.mark.parametrize(
    ("number", "style", "text"),
    [
        (Decimal("1234567.5"), VI, "1.234.567,5"),
        (Decimal("1234567.5"), EN, "1,234,567.5"),
        (Decimal("-1000"), VI, "-1.000"),
        (Decimal("0.5"), VI, "0,5"),
        (Decimal("1E+3"), VI, "1.000"),
        (786887, VI, "786.887"),
    ],
)
def test_format_number(number, style, text):
    assert format_number(number, style) == text


def test_format_vnd():
    assert format_vnd(150_823_000_000) == "150.823.000.000"


# -- dates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15/06/2022", datetime.date(2022, 6, 15)),
        ("5/6/2022", datetime.date(2022, 6, 5)),
        ("15-06-2022", datetime.date(2022, 6, 15)),
        ("15.06.2022", datetime.date(2022, 6, 15)),
        ("2022-06-15", datetime.date(2022, 6, 15)),
        (" 15/06/2022 08:30 ", datetime.date(2022, 6, 15)),
        ("2022-06-15 08:30:00", datetime.date(2022, 6, 15)),
        ("29/02/2024", datetime.date(2024, 2, 29)),
        (datetime.date(2022, 6, 15), datetime.date(2022, 6, 15)),
        (datetime.datetime(2022, 6, 15, 8, 30), datetime.date(2022, 6, 15)),
        (Decimal("44727"), datetime.date(2022, 6, 15)),  # an Excel serial number
        (44727.0, datetime.date(2022, 6, 15)),
        (44727, datetime.date(2022, 6, 15)),
        (Decimal("44727.75"), datetime.date(2022, 6, 15)),
    ],
)
def test_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("31/02/2025", "Expected a date that exists; found “31/02/2025”: there is no 31/02/2025."),
        ("29/02/2025", "there is no 29/02/2025"),
        ("15/13/2022", "there is no 15/13/2022"),
        ("15/06/2", "Expected a date written dd/mm/yyyy, such as 31/12/2025; found “15/06/2”."),
        ("June 15, 2022", "found “June 15, 2022”"),
        ("2022", "found “2022”"),  # a text number is not a serial
        (Decimal("-5"), "found the number -5, which is not a date Excel can show"),
        (Decimal("60"), "found the number 60"),  # 29/02/1900, which never was
        (Decimal("3000000"), "found the number 3.000.000"),
        (True, "found “TRUE”"),
        (PercentNumber("0.5"), "found “50%”"),
    ],
)
def test_date_refused(value, message):
    with pytest.raises(ValueProblem) as caught:
        parse_date(value)
    assert message in caught.value.message


def test_date_bounds():
    with pytest.raises(ValueProblem, match="Expected a date on or after 01/01/2000; found 31/12/1999."):
        parse_date("31/12/1999", min_value=datetime.date(2000, 1, 1))


@pytest.mark.parametrize(
    ("serial", "date1904", "expected"),
    [
        (1, False, datetime.date(1900, 1, 1)),
        (59, False, datetime.date(1900, 2, 28)),
        (61, False, datetime.date(1900, 3, 1)),
        (45657, False, datetime.date(2024, 12, 31)),
        (Decimal("45657.5"), False, datetime.datetime(2024, 12, 31, 12, 0)),
        (0, True, datetime.date(1904, 1, 1)),
        (44727 - 1462, True, datetime.date(2022, 6, 15)),
        (60, False, None),
        (2_958_466, False, None),
    ],
)
def test_excel_date(serial, date1904, expected):
    assert excel_date(serial, date1904=date1904) == expected


# -- yes/no, text, codes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["x", "X", " x ", "có", "Có", "co", "yes", "Y", "1", "TRUE", "đúng", "✓", True, 1])
def test_yes(value):
    assert parse_bool(value) is True


@pytest.mark.parametrize("value", ["không", "Khong", "no", "0", "false", "-", False, 0, Decimal("0")])
def test_no(value):
    assert parse_bool(value) is False


def test_bool_refused():
    with pytest.raises(ValueProblem, match="Expected yes or no .*; found “maybe”."):
        parse_bool("maybe")
    with pytest.raises(ValueProblem):
        parse_bool(2)


def test_text():
    assert parse_text("  Đường  bê tông\u00a0nội thôn\n Khau Mu ") == "Đường bê tông nội thôn Khau Mu"
    decomposed = "Tổng cộng"  # NFD: o + combining circumflex + combining hook
    assert parse_text(decomposed) == "Tổng cộng"
    assert parse_text("a\u200bb\x00c") == "abc"
    assert parse_text(Decimal("2022")) == "2022"
    assert parse_text(Decimal("12.5")) == "12,5"
    assert parse_text(12.5) == "12,5"
    assert parse_text(datetime.date(2022, 6, 15)) == "15/06/2022"
    with pytest.raises(ValueProblem, match="Expected at most 5 characters; found 6."):
        parse_text("abcdef", max_length=5)


@pytest.mark.parametrize(
    ("value", "width", "expected"),
    [
        ("00004", 5, "00004"),
        (Decimal("4"), 5, "00004"),  # Excel made the code a number
        (4, 5, "00004"),
        (4.0, 5, "00004"),
        ("4", 5, "00004"),  # a CSV saved after Excel dropped the zeros
        ("06", 2, "06"),
        (Decimal("6076268463"), 12, "006076268463"),
        ("BK-2022-0001", 5, "BK-2022-0001"),
        (" KB06-22-00001 ", None, "KB06-22-00001"),
        (Decimal("2011"), None, "2011"),
    ],
)
def test_code(value, width, expected):
    assert parse_code(value, width=width) == expected


@pytest.mark.parametrize(
    ("value", "width", "message"),
    [
        ("123456", 5, "Expected a code of 5 digits; found “123456”."),
        (Decimal("4.5"), 5, "Expected a code; found the number 4,5."),
        (Decimal("-4"), 5, "Expected a code; found the number -4."),
        ("6,07627E+11", 12, "a number Excel has shortened"),
        (True, None, "Expected a code; found “TRUE”."),
    ],
)
def test_code_refused(value, width, message):
    with pytest.raises(ValueProblem) as caught:
        parse_code(value, width=width)
    assert message in caught.value.message


def test_zero_pad():
    assert zero_pad("4", 5) == "00004"
    assert zero_pad("02011", 5) == "02011"
    assert zero_pad("A4", 5) == "A4"


# -- choices ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "investment",
        "INVESTMENT",
        "Development investment",  # the English label
        "Vốn đầu tư phát triển",  # the Vietnamese label
        "von dau tu phat trien",
        "  VỐN  ĐẦU TƯ PHÁT TRIỂN ",
        "Đầu tư phát triển",  # an alias
        "ĐTPT",
    ],
)
def test_choice(text):
    matcher = ChoiceMatcher(CapitalTypeChoices, {CapitalTypeChoices.INVESTMENT: ["Đầu tư phát triển", "ĐTPT"]})
    assert matcher(text) == CapitalTypeChoices.INVESTMENT


def test_choice_whatever_the_active_language():
    with translation.override("vi"):
        assert parse_choice("Development investment", CapitalTypeChoices) == CapitalTypeChoices.INVESTMENT
        assert parse_choice("Vốn sự nghiệp", CapitalTypeChoices) == CapitalTypeChoices.RECURRENT


def test_choice_refused_lists_the_choices():
    with pytest.raises(ValueProblem) as caught:
        parse_choice("Vốn vay", CapitalTypeChoices)
    assert caught.value.message == ("Expected one of: Development investment; Recurrent (sự nghiệp); found “Vốn vay”.")


def test_choice_pairs_and_conflicts():
    matcher = ChoiceMatcher([("central", "Ngân sách trung ương"), ("province", "Ngân sách tỉnh")])
    assert matcher("ngan sach tinh") == "province"
    assert matcher(None) is None
    clash = ChoiceMatcher(CapitalSourceChoices, {CapitalSourceChoices.CENTRAL: ["Local budget: province"]})
    with pytest.raises(ValueError, match="matches two choices"):
        clash("x")
