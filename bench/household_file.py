"""Household lists as communes send them, of any length, for the reading and import benchmarks.

    write_household_file(path, 50_000, "csv")                  # UTF-8 with BOM, as Excel's "CSV UTF-8"
    write_household_file(path, 50_000, "xlsx", start=50_001)   # openpyxl, write-only mode

One title row, then the header row in Vietnamese (`HEADERS`), then one household per row: a code such as
`02011-TU-000123`, a head's name with its accents, a 12-digit ID number (text, leading zeros kept), the
ethnic group (`07`, `Nùng`), the commune and village, the member count (1-9, a number cell in a workbook)
and an address. The same arguments always give the same file; households of one commune and seed have
distinct codes and ID numbers as long as their `start`..`start + rows` ranges do not overlap.

`household_columns()` is the column list an importer of this file would declare (`sheets`).

Run alone: `python -m bench.household_file PATH ROWS [csv|xlsx]`.
"""

from __future__ import annotations

import csv
import random
import sys
import unicodedata
from pathlib import Path
from typing import Literal

HEADERS = (
    "Mã hộ",
    "Họ tên chủ hộ",
    "Số CCCD",
    "Mã dân tộc",
    "Dân tộc",
    "Mã xã",
    "Tên xã",
    "Thôn/bản",
    "Số nhân khẩu",
    "Địa chỉ",
)
TITLE = "DANH SÁCH HỘ GIA ĐÌNH"

_FAMILY = (
    "Hoàng", "Nông", "Lương", "Vi", "Lộc", "Triệu", "Hà", "Lý", "Nguyễn", "Đàm", "Chu", "Mã", "Lăng", "Tô",
    "Dương", "Bế", "Hứa", "Phùng", "Đinh", "Lã",
)  # fmt: skip
_MIDDLE_MEN = ("Văn", "Đức", "Văn", "Minh", "Quốc", "Thanh", "Hữu", "Văn")
_MIDDLE_WOMEN = ("Thị", "Thị", "Thu", "Ngọc", "Thị", "Hồng", "Kim")
_GIVEN_MEN = (
    "Hùng", "Dũng", "Sáu", "Thắng", "Quý", "Tuấn", "Lực", "Phúc", "Khánh", "Trường", "Định", "Kiên", "Vượng",
    "Sơn", "Tài", "Nghĩa", "Đạt", "Hưởng", "Cường", "Thuận",
)  # fmt: skip
_GIVEN_WOMEN = (
    "Lan", "Hương", "Thắm", "Mai", "Huệ", "Xuân", "Nhàn", "Thủy", "Duyên", "Hoa", "Phượng", "Liên", "Thơm",
    "Yến", "Nguyệt", "Dịu", "Hằng", "Loan",
)  # fmt: skip
_PROVINCE_OF_BIRTH = ("004", "020", "006", "008", "019", "004", "004", "020")  # Cao Bằng, Lạng Sơn, ...
# An ID number is the birth province (3 digits), the sex and century (0 or 1: born in the 1900s), the year of
# birth (2 digits) and 6 digits. The file's heads are born in 1901-1944, a range the national data set's
# generator never uses (its heads are born from 1945), so that the file imports into that set too without
# meeting its ID numbers: n -> n * m + k (mod 44 * 10**6) never repeats for distinct n, m being coprime to it.
_ID_MULTIPLIER = 48_271
_ID_SPACE = 44 * 10**6


def _initials(name: str) -> str:
    """ "Thôm Ưng" → "TU": the first letter of each word, without its accent."""
    letters = (unicodedata.normalize("NFD", word)[0] for word in name.split())
    return "".join("D" if letter in "đĐ" else letter.upper() for letter in letters)


def household_rows(
    rows: int,
    *,
    seed: int = 0,
    commune_code: str = "02011",
    commune_name: str = "Xã Mỹ Thanh",
    village: str = "Thôm Ưng",
    start: int = 1,
):
    """The data rows of the file, as tuples of 10 values (the member count an int, the rest text)."""
    rng = random.Random(seed)
    prefix = f"{commune_code}-{_initials(village)}-"
    offset = seed * 7_919 + int(commune_code) * 104_729 if commune_code.isdigit() else seed * 7_919
    address_tail = f"{village}, {commune_name}, tỉnh Cao Bằng"
    choice, randint = rng.choice, rng.randint
    for number in range(start, start + rows):
        woman = rng.random() < 0.3
        name = (
            f"{choice(_FAMILY)} {choice(_MIDDLE_WOMEN if woman else _MIDDLE_MEN)} "
            f"{choice(_GIVEN_WOMEN if woman else _GIVEN_MEN)}"
        )
        serial = (number * _ID_MULTIPLIER + offset) % _ID_SPACE
        born, serial = divmod(serial, 10**6)
        id_number = f"{choice(_PROVINCE_OF_BIRTH)}{1 if woman else 0}{born + 1:02d}{serial:06d}"
        address = f"Số {randint(1, 250)}, tổ {randint(1, 12)}, {address_tail}"
        yield (
            f"{prefix}{number:06d}",
            name,
            id_number,
            "07",
            "Nùng",
            commune_code,
            commune_name,
            village,
            randint(1, 9),
            address,
        )


def write_household_file(
    path: str | Path,
    rows: int,
    format: Literal["csv", "xlsx"],  # noqa: A002 - the name the import benchmark calls it by
    *,
    seed: int = 0,
    commune_code: str = "02011",
    commune_name: str = "Xã Mỹ Thanh",
    village: str = "Thôm Ưng",
    start: int = 1,
) -> Path:
    """Write a household list of `rows` households to `path` as "csv" (UTF-8 with BOM) or "xlsx"; return the path."""
    path = Path(path)
    data = household_rows(
        rows, seed=seed, commune_code=commune_code, commune_name=commune_name, village=village, start=start
    )
    title = f"{TITLE} - {commune_name.upper()} - THÔN {village.upper()}"
    if format == "csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow([title] + [""] * (len(HEADERS) - 1))
            writer.writerow(HEADERS)
            writer.writerows(data)
    elif format == "xlsx":
        _write_xlsx(path, title, data)
    else:
        raise ValueError(f"format is 'csv' or 'xlsx', not {format!r}")
    return path


def _write_xlsx(path: Path, title: str, data) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách hộ")
    sheet.append([title])
    sheet.append(list(HEADERS))
    for row in data:
        cell = WriteOnlyCell(sheet, value=row[2])
        cell.number_format = "@"  # the ID number column is formatted as Text, as the template asks
        sheet.append([*row[:2], cell, *row[3:]])
    workbook.save(path)


def household_columns():
    """The columns an importer of this file declares (imported late: it needs Django's settings)."""
    from sheets import CodeColumn, IntegerColumn, TextColumn

    return [
        CodeColumn("code", "Mã hộ", aliases=["Household code"], required=True, max_length=30),
        TextColumn("head_name", "Họ tên chủ hộ", aliases=["Head of household"], required=True, max_length=120),
        CodeColumn("id_number", "Số CCCD", aliases=["ID number", "CCCD"], width=12, max_length=12),
        CodeColumn("ethnic_code", "Mã dân tộc", aliases=["Ethnic group code"], width=2),
        TextColumn("ethnic_name", "Dân tộc", aliases=["Ethnic group"], max_length=50),
        CodeColumn("commune", "Mã xã", aliases=["Commune code"], width=5, required=True),
        TextColumn("commune_name", "Tên xã", aliases=["Commune"], max_length=100),
        TextColumn("village", "Thôn/bản", aliases=["Village"], required=True, max_length=100),
        IntegerColumn("member_count", "Số nhân khẩu", aliases=["Members"], required=True, min_value=1, max_value=99),
        TextColumn("address", "Địa chỉ", aliases=["Address"], max_length=300),
    ]


if __name__ == "__main__":
    target, count = sys.argv[1], int(sys.argv[2])
    kind = sys.argv[3] if len(sys.argv) > 3 else Path(target).suffix.lstrip(".")
    print(write_household_file(target, count, kind))  # type: ignore[arg-type]
