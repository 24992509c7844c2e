import pytest

from programs.choices import CapitalTypeChoices
from sheets import (
    AmountColumn,
    BooleanColumn,
    ChoiceColumn,
    CodeColumn,
    DateColumn,
    DecimalColumn,
    IntegerColumn,
    PercentColumn,
    TextColumn,
    Unit,
)

# The columns of a works sheet, as an import kind would declare them (a subset of seeds/works.csv).
WORK_COLUMNS = [
    CodeColumn("code", "Mã công trình", aliases=["Work code"], required=True, example="BK-2022-0001"),
    TextColumn("name", "Tên công trình", aliases=["Work name"], required=True, max_length=200),
    CodeColumn("commune", "Mã xã", aliases=["Commune code"], width=5, example="02011"),
    DecimalColumn("length", "Quy mô", aliases=["Capacity"], unit="km", max_places=3),
    AmountColumn("investment", "Tổng mức đầu tư", aliases=["Total investment"], unit=Unit.MILLION),
    ChoiceColumn(
        "capital_type",
        "Loại vốn",
        aliases=["Capital type"],
        choices=CapitalTypeChoices,
        aliases_for_choices={CapitalTypeChoices.INVESTMENT: ["Đầu tư phát triển", "ĐTPT"]},
    ),
    BooleanColumn("small", "Công trình quy mô nhỏ", aliases=["Small work"]),
    DateColumn("started", "Ngày khởi công", aliases=["Start date"]),
    PercentColumn("progress", "Tiến độ", aliases=["Progress"]),
    IntegerColumn("households", "Số hộ hưởng lợi", aliases=["Households served"], min_value=0),
]

HEADERS = [
    "Mã công trình",
    "Tên công trình",
    "Mã xã",
    "Quy mô (km)",
    "Tổng mức đầu tư (triệu đồng)",
    "Loại vốn",
    "Công trình quy mô nhỏ",
    "Ngày khởi công",
    "Tiến độ (%)",
    "Số hộ hưởng lợi",
]


@pytest.fixture
def work_columns():
    return WORK_COLUMNS
