"""The national data set: a deterministic, realistic country-wide load for benchmarks and load tests.

Built on the real administrative units and the reference fixtures, as the country stood on ``AS_OF``
(15 November 2026). At scale 1 it holds every current province and commune with villages, 104,000 works of
2021-2026 (works planned until 2025 sit on the legacy communes they were recorded on, works of 2026 on the
current communes) with their programs and components, capital allocated by year, source and type with
adjustments and extensions (kéo dài), 1.1 million treasury disbursements with some reversal pairs,
quarterly progress reports, the province and commune capital plans behind the allocations, and 2.03
million households with their yearly poverty status (reviews 2022-2025) and the support they received:
14 million rows.

Every row is generated from ``random.Random`` instances seeded from the seed: the same seed and scale give
the same rows with the same values and, on the same database, the same primary keys (keys are assigned
here, counting up from the largest key each table holds). Rows are generated as streams, in chunks of a
few thousand, and written with PostgreSQL's binary COPY (executemany on SQLite, for small scales); every
constraint stays on, so a load that finishes is a load the schema accepts. On PostgreSQL the works and the
three parts of the households are written by four connections at once, each in its own transaction, and
they commit only when all of them succeeded. Like ``bulk_create``, the load writes no change history.

Generated rows are marked so that ``--replace`` can find them again: works, households and villages by a
code starting with ``NAT-``, plan entries by their note; the rows below them (allocations, disbursements,
progress reports, assessments, support) go with them.
"""

from __future__ import annotations

import datetime
import math
import os
import random
import resource
import threading
import time
import zlib
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from typing import Any, TextIO

from django.db import DatabaseError, connection, transaction
from django.db.models import NOT_PROVIDED

from kernel.pgcopy import copy_type
from localities.choices import GenerationChoices, UnitTypeChoices
from localities.models import Commune, CommuneSuccession, District, Province, Village
from programs.choices import CapitalEntryKindChoices, CapitalSourceChoices, CapitalTypeChoices
from programs.models import CapitalPlanEntry, Component, Program
from tracker.choices import (
    CapacityUnitChoices,
    PovertyStatusChoices,
    SupportKindChoices,
    WorkStatusChoices,
    WorkTypeChoices,
)
from tracker.models import (
    SMALL_WORK_CEILING_VND,
    Allocation,
    CapitalSummary,
    Disbursement,
    EthnicGroup,
    Household,
    PovertyAssessment,
    PovertyStandard,
    ProgressReport,
    Support,
    Work,
)
from tracker.services import disbursement_deadline

CODE_PREFIX = "NAT-"
PLAN_NOTE = "NAT: generated national data set"
AS_OF = datetime.date(2026, 11, 15)
LAST_YEAR = 2026
REVIEW_YEARS = (2022, 2023, 2024, 2025)  # the 2026 review (1 Sep - 14 Dec) is not finished on AS_OF
HOUSEHOLD_PARTS = 3  # households are written by this many streams; keys interleave, so the rows never change
MAX_SQLITE_SCALE = 0.1
UTC = datetime.UTC

# Works whose capital is first planned in each year, at scale 1.
WORKS_PER_YEAR = {2021: 6_000, 2022: 22_000, 2023: 22_000, 2024: 20_000, 2025: 17_000, 2026: 17_000}
HOUSEHOLDS = 2_030_000
VILLAGES_PER_COMMUNE = {
    UnitTypeChoices.COMMUNE: (12, 32),
    UnitTypeChoices.WARD: (8, 26),
    UnitTypeChoices.SPECIAL_ZONE: (4, 14),
}

# --- Places -------------------------------------------------------------------------------------------------

# How hard life is in each legacy province (0 easy, 1 hardest), from its poverty rate and the share of its
# communes in ethnic-minority zones II-III: it drives where NTP-1719 and NTP-GNBV build, the share of
# ethnic-minority households and their incomes. Current communes take the mean of their predecessors.
DIFFICULTY = {
    "01": 0.10, "02": 0.95, "04": 0.90, "06": 0.85, "08": 0.70, "10": 0.85, "11": 0.95, "12": 0.95,
    "14": 0.90, "15": 0.75, "17": 0.70, "19": 0.45, "20": 0.80, "22": 0.30, "24": 0.40, "25": 0.45,
    "26": 0.20, "27": 0.10, "30": 0.15, "31": 0.15, "33": 0.15, "34": 0.20, "35": 0.20, "36": 0.20,
    "37": 0.30, "38": 0.55, "40": 0.60, "42": 0.40, "44": 0.45, "45": 0.55, "46": 0.40, "48": 0.15,
    "49": 0.50, "51": 0.55, "52": 0.35, "54": 0.40, "56": 0.30, "58": 0.55, "60": 0.35, "62": 0.85,
    "64": 0.80, "66": 0.70, "67": 0.75, "68": 0.55, "70": 0.45, "72": 0.20, "74": 0.05, "75": 0.15,
    "77": 0.15, "79": 0.05, "80": 0.20, "82": 0.20, "83": 0.30, "84": 0.50, "86": 0.30, "87": 0.30,
    "89": 0.40, "91": 0.35, "92": 0.20, "93": 0.35, "94": 0.55, "95": 0.40, "96": 0.35,
}  # fmt: skip
REGION_OF_PROVINCE = {
    **dict.fromkeys(
        ("02", "04", "06", "08", "10", "11", "12", "14", "15", "17", "19", "20", "22", "24", "25"), "north"
    ),
    **dict.fromkeys(("01", "26", "27", "30", "31", "33", "34", "35", "36", "37"), "delta"),
    **dict.fromkeys(("38", "40", "42", "44", "45", "46"), "north_central"),
    **dict.fromkeys(("48", "49", "51", "52", "54", "56", "58", "60"), "south_central"),
    **dict.fromkeys(("62", "64", "66", "67", "68"), "highlands"),
    **dict.fromkeys(("70", "72", "74", "75", "77", "79"), "southeast"),
    **dict.fromkeys(("80", "82", "83", "84", "86", "87", "89", "91", "92", "93", "94", "95", "96"), "mekong"),
}
# Ethnic minority groups by region, with rough weights (official codes of fixtures/ethnic_groups.json).
MINORITIES = {
    "north": {"02": 20, "03": 15, "06": 12, "07": 10, "08": 18, "09": 10, "15": 3, "18": 2, "25": 2, "29": 2,
              "35": 1, "40": 0.5, "43": 0.3, "46": 0.3, "42": 0.2, "33": 0.3, "34": 0.3, "37": 0.3, "51": 0.05},
    "delta": {"06": 50, "02": 10, "18": 10, "04": 10, "09": 10, "07": 5},
    "north_central": {"03": 25, "06": 30, "29": 5, "08": 5, "23": 8, "31": 5, "44": 1, "24": 6, "26": 3},
    "south_central": {"26": 10, "30": 5, "19": 12, "13": 8, "21": 10, "17": 12, "27": 4, "14": 3, "16": 3, "04": 3},
    "highlands": {"10": 25, "12": 20, "13": 12, "14": 10, "16": 10, "20": 8, "28": 3, "02": 3, "07": 3, "08": 2,
                  "36": 2, "27": 1, "52": 0.1, "54": 0.1},
    "southeast": {"22": 20, "32": 8, "04": 25, "05": 15, "28": 5, "17": 5, "07": 4, "02": 2},
    "mekong": {"05": 70, "04": 20, "17": 5},
}  # fmt: skip
KINH = "01"
# Village words: "Bản" in the north-west and north-central mountains, "Buôn"/"Plei" in the highlands, "Ấp" in
# the south; "Tổ dân phố"/"Khu phố" in wards.
VILLAGE_WORDS = {
    "north": ("Thôn", "Bản"),
    "delta": ("Thôn", "Xóm"),
    "north_central": ("Thôn", "Bản"),
    "south_central": ("Thôn", "Làng"),
    "highlands": ("Thôn", "Buôn", "Plei"),
    "southeast": ("Ấp", "Ấp"),
    "mekong": ("Ấp", "Ấp"),
}
VILLAGE_NAMES = (
    "Nà Khoang", "Bản Chang", "Khuổi Hẻo", "Pác Ngòi", "Nà Mòn", "Phiêng Luông", "Co Chấu", "Lũng Vài", "Đông Tiến",
    "Tân Lập", "Hòa Bình", "Thống Nhất", "Quyết Thắng", "Đồng Tâm", "Tiền Phong", "Bình Minh", "Trung Tâm",
    "Tân Sơn", "Làng Mới", "Khe Nước", "Suối Cát", "Đồng Mọc", "Bãi Sậy", "Cây Đa", "Hợp Thành", "Phú Lợi",
    "An Hòa", "Bình An", "Tân Phú", "Mỹ Lợi", "Thạnh Hưng", "Long Phú", "Phước Thọ", "Vĩnh Tiến", "Nam Sơn",
    "Bắc Sơn", "Đông Sơn", "Tây Sơn", "Xuân Hòa", "Hạ Long", "Nậm Cang", "Ta Pa", "Sà Phìn", "Lao Chải",
    "Plei Ơi", "Kon Rờ Bàng", "Buôn Đôn", "Ea Sup", "Bon Bu Prâng", "Sóc Ruộng", "Phum Sóc", "Trà Cuôn",
)  # fmt: skip

# Names of heads of household, by ethnic group code (other groups use "other").
SURNAMES = {
    KINH: ("Nguyễn",) * 38
    + ("Trần",) * 11
    + ("Lê",) * 9
    + ("Phạm",) * 7
    + ("Hoàng",) * 5
    + ("Phan",) * 4
    + ("Huỳnh",) * 4
    + ("Vũ",) * 4
    + ("Võ",) * 3
    + ("Đặng", "Đặng", "Bùi", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"),
    "02": ("Hoàng", "Nông", "Lương", "Ma", "Lộc", "Triệu", "Hà", "Lăng", "Vi", "Mông", "Lục", "Hứa"),
    "07": ("Hoàng", "Nông", "Lương", "Lộc", "Vi", "Lục", "Hứa", "Chu", "Mã"),
    "03": ("Lò", "Cầm", "Lường", "Quàng", "Tòng", "Điêu", "Vì", "Hà", "Lữ", "Lò"),
    "06": ("Bùi", "Đinh", "Quách", "Hà", "Xa", "Bùi", "Đinh"),
    "08": ("Giàng", "Sùng", "Vàng", "Lý", "Thào", "Mùa", "Hầu", "Lầu", "Ly", "Vừ", "Hờ"),
    "09": ("Triệu", "Bàn", "Đặng", "Lý", "Chảo", "Phùng", "Tẩn"),
    "05": ("Thạch", "Sơn", "Danh", "Kim", "Lâm", "Châu", "Lý", "Kiên"),
    "04": ("Lâm", "Trần", "Lý", "Hứa", "Quách", "Triệu", "Châu", "Diệp"),
    "17": ("Đàng", "Thiên", "Quảng", "Từ", "Thông", "Bá", "Lưu"),
    "highlands": ("Ksor", "Siu", "Rơ Mah", "Nay", "Kpă", "Niê", "Êban", "Byă", "Mlô", "Đinh", "Rơ Châm"),
    "other": ("Đinh", "Hà", "Lò", "Vi", "Lương", "Hồ", "Cao", "Hoàng"),
}
HIGHLAND_GROUPS = {"10", "12", "13", "14", "16", "20", "28", "36", "52", "54", "19", "21", "22", "26", "27", "30"}
MIDDLE = {True: ("Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Công"), False: ("Thị", "Thị", "Thị", "Thu")}
MIDDLE_HMONG = {True: ("A", "Seo", "Văn", "Mí"), False: ("Thị", "Mỷ", "Thị")}
GIVEN = {
    True: ("Hùng", "Dũng", "Tuấn", "Nam", "Hải", "Sơn", "Long", "Thắng", "Bình", "Cường", "Hòa", "Tâm", "Phúc",
           "Lâm", "Khánh", "Trung", "Hiếu", "Thành", "Quân", "Tài", "Chiến", "Toàn", "Vinh", "Lợi", "Tiến", "Chứ",
           "Páo", "Sử", "Pâng", "Xiêng", "Thuất", "Phai", "Blik", "Sóc", "Phol"),
    False: ("Lan", "Hoa", "Hương", "Mai", "Hạnh", "Thảo", "Nga", "Hằng", "Loan", "Yến", "Dung", "Liên", "Nhung",
            "Phương", "Thủy", "Hà", "Linh", "Trang", "Oanh", "Xuân", "Sua", "Ún", "H'Hen", "Sa Rươne"),
}  # fmt: skip

# --- Works --------------------------------------------------------------------------------------------------

T = WorkTypeChoices
U = CapacityUnitChoices


@dataclass(frozen=True, slots=True)
class WorkKind:
    """What a type of work costs and measures."""

    label: str  # Vietnamese name stem
    unit: str
    capacity: tuple[float, float]
    cost: tuple[float, float]  # billion VND for a new work
    per_unit: tuple[float, float] | None = None  # billion VND per unit of capacity (roads, bridges)
    small_eligible: bool = False
    digits: int = 0  # decimals of the capacity


WORK_KINDS = {
    T.ROAD_IN_VILLAGE: WorkKind("Đường nội thôn", U.KM, (0.3, 2.5), (0.5, 6), (0.9, 1.8), True, 2),
    T.ROAD_INTER_VILLAGE: WorkKind("Đường liên thôn", U.KM, (0.5, 5), (0.5, 12), (1.2, 2.5), True, 2),
    T.ROAD_COMMUNE_CENTRE: WorkKind("Đường giao thông đến trung tâm xã", U.KM, (1, 8), (1.5, 15), (1.5, 3), False, 2),
    T.ROAD_INTER_COMMUNE: WorkKind("Đường liên xã", U.KM, (2, 10), (3, 15), (1.5, 3), False, 2),
    T.BRIDGE: WorkKind("Cầu", U.M, (12, 150), (0.8, 12), (0.05, 0.12)),
    T.POWER: WorkKind("Cấp điện sinh hoạt", U.HOUSEHOLD, (30, 400), (0.5, 8)),
    T.IRRIGATION: WorkKind("Kênh mương thủy lợi", U.HA, (5, 200), (0.3, 8), None, True, 1),
    T.DOMESTIC_WATER: WorkKind("Công trình nước sinh hoạt tập trung", U.HOUSEHOLD, (50, 800), (0.5, 6), None, True),
    T.SCHOOL: WorkKind("Phòng học", U.CLASSROOM, (2, 12), (1.5, 12)),
    T.HEALTH_STATION: WorkKind("Trạm y tế", U.M2, (150, 600), (2, 8)),
    T.CULTURAL_HOUSE: WorkKind("Nhà văn hóa", U.M2, (80, 300), (0.3, 2.5), None, True),
    T.RADIO_STATION: WorkKind("Đài truyền thanh", U.UNIT, (1, 1), (0.3, 1.5), None, True),
    T.MARKET: WorkKind("Chợ", U.M2, (300, 3000), (1, 10)),
    T.OTHER: WorkKind("Công trình hạ tầng nhỏ", U.UNIT, (1, 3), (0.2, 3), None, True),
}
# Share of each type of work by program (roads dominate; NTM builds more schools, houses and markets).
TYPE_WEIGHTS = {
    "NTP-1719": {T.ROAD_IN_VILLAGE: 22, T.ROAD_INTER_VILLAGE: 22, T.ROAD_COMMUNE_CENTRE: 6, T.ROAD_INTER_COMMUNE: 2,
                 T.BRIDGE: 7, T.POWER: 6, T.IRRIGATION: 11, T.DOMESTIC_WATER: 9, T.SCHOOL: 5, T.HEALTH_STATION: 1,
                 T.CULTURAL_HOUSE: 6, T.RADIO_STATION: 1, T.MARKET: 0.5, T.OTHER: 1.5},
    "NTP-GNBV": {T.ROAD_IN_VILLAGE: 15, T.ROAD_INTER_VILLAGE: 25, T.ROAD_COMMUNE_CENTRE: 10, T.ROAD_INTER_COMMUNE: 4,
                 T.BRIDGE: 9, T.POWER: 4, T.IRRIGATION: 14, T.DOMESTIC_WATER: 7, T.SCHOOL: 6, T.HEALTH_STATION: 2,
                 T.CULTURAL_HOUSE: 2, T.RADIO_STATION: 0.5, T.MARKET: 0.5, T.OTHER: 1},
    "NTP-NTM": {T.ROAD_IN_VILLAGE: 22, T.ROAD_INTER_VILLAGE: 16, T.ROAD_COMMUNE_CENTRE: 5, T.ROAD_INTER_COMMUNE: 4,
                T.BRIDGE: 3, T.POWER: 2, T.IRRIGATION: 9, T.DOMESTIC_WATER: 5, T.SCHOOL: 8, T.HEALTH_STATION: 2,
                T.CULTURAL_HOUSE: 14, T.RADIO_STATION: 5, T.MARKET: 2, T.OTHER: 3},
    "NTP-2026": {T.ROAD_IN_VILLAGE: 22, T.ROAD_INTER_VILLAGE: 19, T.ROAD_COMMUNE_CENTRE: 5, T.ROAD_INTER_COMMUNE: 3,
                 T.BRIDGE: 5, T.POWER: 4, T.IRRIGATION: 10, T.DOMESTIC_WATER: 7, T.SCHOOL: 7, T.HEALTH_STATION: 2,
                 T.CULTURAL_HOUSE: 9, T.RADIO_STATION: 3, T.MARKET: 1.5, T.OTHER: 2.5},
}  # fmt: skip
# The component that funds a type of work, by program; "*" is the program's infrastructure component.
COMPONENT_FOR_TYPE = {
    "NTP-1719": {"*": "DA4.TDA1", T.DOMESTIC_WATER: "DA1", T.SCHOOL: "DA5.TDA1", T.CULTURAL_HOUSE: "DA6",
                 T.HEALTH_STATION: "DA7"},
    "NTP-GNBV": {"*": "DA1.TDA1"},
    "NTP-NTM": {"*": "ND2", T.SCHOOL: "ND5", T.HEALTH_STATION: "ND5", T.CULTURAL_HOUSE: "ND6",
                T.DOMESTIC_WATER: "ND7"},
    "NTP-2026": {"*": "HP1"},
}  # fmt: skip
PROGRAM_SHARE_2021_2025 = {"NTP-NTM": 0.47, "NTP-1719": 0.38, "NTP-GNBV": 0.15}
SECOND_PROGRAM_SHARE = 0.08  # works of 2021-2025 co-funded by a second program
PROGRAMS_ENDING_2025 = {"NTP-1719", "NTP-GNBV", "NTP-NTM"}  # NTP-1719 continues inside NTP-2026 from 2026
S = WorkStatusChoices
STATUS_WEIGHTS = {  # proposed, approved, construction, completed, settled, suspended, cancelled
    2021: (0, 0, 2, 33, 60, 2, 3),
    2022: (0, 0, 3, 37, 54, 3, 3),
    2023: (0, 0.5, 5, 45, 43, 3.5, 3),
    2024: (0, 1, 14, 52, 26, 4, 3),
    2025: (1, 4, 38, 42, 8, 4, 3),
    2026: (10, 22, 48, 16, 0, 2, 2),
}
STATUSES = (S.PROPOSED, S.APPROVED, S.UNDER_CONSTRUCTION, S.COMPLETED, S.SETTLED, S.SUSPENDED, S.CANCELLED)
# Share of a year's capital lines extended (kéo dài) past 31 January of the next year.
EXTENSION_SHARE = {2021: 0.45, 2022: 0.30, 2023: 0.15, 2024: 0.12, 2025: 0.22}
ASSIGNED, ADJUSTMENT, EXTENSION = (k.value for k in CapitalEntryKindChoices)
DUPLICATE_SHARE = 0.012  # payments entered twice and then reversed
ADJUSTMENT_SHARE = 0.08

# --- Households ---------------------------------------------------------------------------------------------

# How common each deprivation of Decree 07/2021 is among households at or below the income line, in the
# indicator order of the standard (employment, dependants, nutrition, health insurance, adult education,
# child school attendance, housing quality, housing area, water source, latrine, telecom, information).
DEPRIVATION_PREVALENCE = (0.22, 0.30, 0.18, 0.08, 0.30, 0.07, 0.26, 0.18, 0.22, 0.40, 0.12, 0.25)
K = SupportKindChoices
P = PovertyStatusChoices
POOR, NEAR_POOR, ESCAPED, NOT_POOR = P.POOR.value, P.NEAR_POOR.value, P.ESCAPED.value, P.NOT_POOR.value
REGISTRATION_SHARE = (66, 13, 11, 10)  # households first reviewed in 2022, 2023, 2024, 2025
CHECKSUM_EVERY = 8  # the checksum reads every 8th row of each chunk (a full one costs more than the COPY)


@dataclass(frozen=True, slots=True)
class SupportKind:
    kind: str
    share: dict[str, float]  # probability per year by poverty status
    amount: Callable[[random.Random], int | None]
    quantity: Callable[[random.Random, int], tuple[str | None, str]]  # (quantity, unit) from members
    component: tuple[str, str, str, str]  # (program, code) for Kinh households, then for minorities


ONE = Decimal(1)


def _million(low: int, high: int, step: int = 1) -> Callable[[random.Random], int]:
    return lambda rng: rng.randrange(low, high + 1, step) * 1_000_000


SUPPORT_KINDS = (
    SupportKind(
        K.HEALTH_INSURANCE,
        {P.POOR: 0.35, P.NEAR_POOR: 0.2, P.ESCAPED: 0.2},  # cards recorded as NTP support (most come from elsewhere)
        lambda rng: None,
        lambda rng, members: (Decimal(members), "thẻ BHYT"),
        ("NTP-GNBV", "DA3.TDA2", "NTP-1719", "DA7"),
    ),
    SupportKind(
        K.LOAN,
        {P.POOR: 0.22, P.NEAR_POOR: 0.15, P.ESCAPED: 0.08, P.NOT_POOR: 0.01},
        _million(30, 100, 5),
        lambda rng, members: (None, ""),
        ("NTP-GNBV", "DA2", "NTP-1719", "DA3.TDA1"),
    ),
    SupportKind(
        K.LIVESTOCK,
        {P.POOR: 0.12, P.NEAR_POOR: 0.04},
        _million(12, 30),
        lambda rng, members: (Decimal(rng.randint(1, 2)), "con bò"),
        ("NTP-GNBV", "DA3.TDA1", "NTP-1719", "DA3.TDA1"),
    ),
    SupportKind(
        K.SEEDLINGS,
        {P.POOR: 0.08, P.NEAR_POOR: 0.03, P.NOT_POOR: 0.01},
        _million(2, 10),
        lambda rng, members: (Decimal(rng.randrange(200, 2001, 50)), "cây"),
        ("NTP-GNBV", "DA3.TDA1", "NTP-1719", "DA3.TDA2"),
    ),
    SupportKind(
        K.HOUSING_NEW,
        {P.POOR: 0.035},
        lambda rng: 40_000_000,
        lambda rng, members: (None, ""),
        ("NTP-GNBV", "DA5", "NTP-1719", "DA1"),
    ),
    SupportKind(
        K.HOUSING_REPAIR,
        {P.POOR: 0.03, P.NEAR_POOR: 0.01},
        lambda rng: 20_000_000,
        lambda rng, members: (None, ""),
        ("NTP-GNBV", "DA5", "NTP-1719", "DA1"),
    ),
    SupportKind(
        K.VOCATIONAL_TRAINING,
        {P.POOR: 0.05, P.NEAR_POOR: 0.03},
        _million(2, 6),
        lambda rng, members: (ONE, "khóa học"),
        ("NTP-GNBV", "DA4.TDA1", "NTP-1719", "DA5.TDA3"),
    ),
    SupportKind(
        K.JOB,
        {P.POOR: 0.015, P.NEAR_POOR: 0.01},
        lambda rng: None,
        lambda rng, members: (ONE, "việc làm"),
        ("NTP-GNBV", "DA4.TDA3", "NTP-GNBV", "DA4.TDA3"),
    ),
    SupportKind(
        K.DOMESTIC_WATER,
        {P.POOR: 0.04},
        lambda rng: 3_000_000,
        lambda rng, members: (None, ""),
        ("NTP-1719", "DA1", "NTP-1719", "DA1"),
    ),
)
SUPPORT_2026_COMPONENTS = (("NTP-2026", "HP1"), ("NTP-2026", "HP2"))

# --- Reference data, read once ------------------------------------------------------------------------------


class NotReady(Exception):
    """The database lacks what the data set is built on (localities, reference fixtures)."""


class AlreadyGenerated(Exception):
    """A generated set is already there and --replace was not given."""


@dataclass(slots=True)
class Place:
    """A commune, as the generator sees it."""

    id: int
    code: str
    name: str
    short_name: str
    legacy: bool
    unit_type: str
    province_id: int
    current_province_id: int | None
    district_id: int | None
    successor_id: int | None
    latitude: float | None
    longitude: float | None
    difficulty: float = 0.3
    region: str = "delta"
    province_code: str = ""  # of the legacy province for a legacy commune, else of the current province
    villages: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Reference:
    provinces: dict[int, tuple[str, str, str]]  # id → (generation, code, name)
    districts: dict[int, str]  # id → full name
    legacy: list[Place]
    current: list[Place]
    by_id: dict[int, Place]
    components: dict[tuple[str, str], int]
    program_period: dict[str, tuple[int, int]]
    ethnic: dict[str, int]
    standards: dict[int, dict[str, Any]]  # review year → {id, rural, urban, min, indicators}


REQUIRED_COMPONENTS = sorted(
    {(program, code) for program, codes in COMPONENT_FOR_TYPE.items() for code in codes.values()}
    | {(k.component[0], k.component[1]) for k in SUPPORT_KINDS}
    | {(k.component[2], k.component[3]) for k in SUPPORT_KINDS}
    | set(SUPPORT_2026_COMPONENTS)
    | {("NTP-2026", "HP2")}
)


def _difficulty_noise(code: str) -> float:
    # A fixed property of the place (not of the seed): communes of one province differ.
    return ((zlib.crc32(code.encode()) % 1000) / 1000 - 0.5) * 0.3


def load_reference() -> Reference:
    """Read the localities and reference fixtures the data set is built on, or say what is missing."""
    legacy_count = Commune.objects.legacy().count()
    current_count = Commune.objects.current().count()
    if not legacy_count or not current_count:
        raise NotReady(
            f"The administrative units are not loaded ({legacy_count} legacy and {current_count} current communes "
            "found): run `manage.py load_localities` first."
        )
    fixtures_hint = "run `manage.py loaddata legal_documents programs ethnic_groups poverty_standards` first."
    components = {
        (program, code): pk for pk, program, code in Component.objects.values_list("pk", "program__code", "code")
    }
    missing = [f"{p} {c}" for p, c in REQUIRED_COMPONENTS if (p, c) not in components]
    if missing:
        raise NotReady(f"Program components are missing ({', '.join(missing)}): {fixtures_hint}")
    ethnic = dict(EthnicGroup.objects.values_list("code", "pk"))
    needed_groups = {KINH} | {code for groups in MINORITIES.values() for code in groups}
    if not needed_groups <= set(ethnic):
        raise NotReady(f"Ethnic groups are missing ({', '.join(sorted(needed_groups - set(ethnic)))}): {fixtures_hint}")
    standards = {}
    all_standards = list(PovertyStandard.objects.prefetch_related("indicators"))
    for year in REVIEW_YEARS:
        standard = next((s for s in all_standards if s.applies_to(year)), None)
        indicators = sorted(standard.indicators.all(), key=lambda i: (i.sort_order, i.pk)) if standard else []
        if standard is None or len(indicators) < len(DEPRIVATION_PREVALENCE):
            raise NotReady(f"No poverty standard with its 12 indicators applies to {year}: {fixtures_hint}")
        standards[year] = {
            "id": standard.pk,
            "rural": standard.rural_income_line,
            "urban": standard.urban_income_line,
            "min": standard.poor_min_deprivations,
            "indicators": [i.pk for i in indicators[: len(DEPRIVATION_PREVALENCE)]],
        }

    provinces = {
        pk: (gen, code, name)
        for pk, gen, code, name in Province.objects.values_list("pk", "generation", "code", "name")
    }
    districts = dict(District.objects.values_list("pk", "name"))
    fields = (
        "pk",
        "code",
        "name",
        "short_name",
        "generation",
        "unit_type",
        "province_id",
        "current_province_id",
        "district_id",
        "successor_id",
        "latitude",
        "longitude",
    )
    legacy, current, by_id = [], [], {}
    for row in Commune.objects.order_by("generation", "code").values_list(*fields):
        pk, code, name, short, gen, unit_type, province_id, current_province_id, district_id, successor_id, lat, lon = (
            row
        )
        place = Place(
            pk,
            code,
            name,
            short,
            gen == GenerationChoices.LEGACY,
            unit_type,
            province_id,
            current_province_id,
            district_id,
            successor_id,
            float(lat) if lat is not None else None,
            float(lon) if lon is not None else None,
        )
        by_id[pk] = place
        if place.legacy:
            code_of_province = provinces[province_id][1]
            place.province_code = code_of_province
            place.difficulty = min(1.0, max(0.0, DIFFICULTY.get(code_of_province, 0.3) + _difficulty_noise(code)))
            place.region = REGION_OF_PROVINCE.get(code_of_province, "delta")
            legacy.append(place)
        else:
            place.province_code = provinces[province_id][1]
            current.append(place)
    predecessors: dict[int, list[Place]] = defaultdict(list)
    for predecessor_id, successor_id in CommuneSuccession.objects.values_list("predecessor_id", "successor_id"):
        if predecessor_id in by_id and by_id[predecessor_id].legacy:
            predecessors[successor_id].append(by_id[predecessor_id])
    by_current_province: dict[int, list[Place]] = defaultdict(list)
    for place in legacy:
        if place.current_province_id:
            by_current_province[place.current_province_id].append(place)
    for place in current:
        olds = predecessors.get(place.id) or by_current_province.get(place.province_id) or []
        if olds:
            place.difficulty = sum(p.difficulty for p in olds) / len(olds)
            place.region = Counter(p.region for p in olds).most_common(1)[0][0]
    periods = {code: (start, end) for code, start, end in Program.objects.values_list("code", "start_year", "end_year")}
    return Reference(provinces, districts, legacy, current, by_id, components, periods, ethnic, standards)


# --- Tables and writing -------------------------------------------------------------------------------------

FIXED_TIMESTAMP = datetime.datetime(2026, 11, 15, 1, 0, tzinfo=UTC)


class Table:
    """A table the generator writes: its columns in the order the row tuples give them, and their types.

    Columns of the model the generator does not know (added after it was written) are filled with the
    field's default, NULL or a blank, so a new optional field does not break the load.
    """

    def __init__(self, model, fields: Iterable[str], label: str | None = None):
        opts = model._meta
        self.model = model
        self.db_table = opts.db_table
        self.label = label or opts.db_table
        given = [opts.get_field(name) for name in fields]
        self.columns = [f.column for f in given]
        extra, extra_values = [], []
        for f in opts.concrete_fields:
            if f.column in self.columns:
                continue
            if getattr(f, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
                continue
            if f.has_default():
                value = f.get_default()
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = FIXED_TIMESTAMP
            elif f.null:
                value = None
            elif f.blank and f.get_internal_type() in ("CharField", "TextField"):
                value = ""
            else:
                raise RuntimeError(
                    f"The national data generator does not fill {opts.label}.{f.name}: "
                    "add it to devdata/national_data.py."
                )
            extra.append(f)
            extra_values.append(value)
        self.extra_values = tuple(extra_values)
        self.all_columns = self.columns + [f.column for f in extra]
        self.types = [copy_type(f) for f in given + extra]

    @classmethod
    def through(cls, model, m2m_name: str, label: str) -> Table:
        m2m = model._meta.get_field(m2m_name)
        through = m2m.remote_field.through
        names = [through._meta.pk.name, m2m.m2m_field_name(), m2m.m2m_reverse_field_name()]
        return cls(through, names, label)


def _tables() -> dict[str, Table]:
    """Every table the generator writes, with the columns in the order its row tuples give them."""
    return {
        "village": Table(Village, "id commune name code valid_from valid_to".split()),
        "work": Table(
            Work,
            "id code name work_type is_maintenance commune investor capacity capacity_unit approved_investment "
            "is_small_work status start_date planned_completion_date actual_completion_date latitude longitude "
            "beneficiary_households note created_at updated_at".split(),
        ),
        "work_components": Table.through(Work, "components", "tracker_work_components"),
        "work_villages": Table.through(Work, "villages", "tracker_work_villages"),
        "allocation": Table(
            Allocation,
            "id work component year source capital_type kind amount extended_until decided_on document note "
            "created_at".split(),
        ),
        "disbursement": Table(
            Disbursement,
            "id work year source capital_type amount voucher_number paid_on reverses note created_at".split(),
        ),
        "progress": Table(
            ProgressReport, "id work reported_on progress_percent quantity_done status note created_at".split()
        ),
        "plan": Table(
            CapitalPlanEntry,
            "id component year province commune source capital_type kind amount extended_until document decided_on "
            "note created_at".split(),
        ),
        "household": Table(
            Household,
            "id code head_name id_number ethnic_group commune village member_count address created_at "
            "updated_at".split(),
        ),
        "assessment": Table(
            PovertyAssessment,
            "id household year standard status income_per_capita decision_number recognised_on".split(),
        ),
        "deprivation": Table.through(PovertyAssessment, "deprivations", "tracker_povertyassessment_deprivations"),
        "support": Table(
            Support, "id household component year kind amount quantity quantity_unit received_on note".split()
        ),
    }


# Tables in the order a summary lists them.
TABLE_ORDER = tuple(
    "village work work_components work_villages allocation disbursement progress plan household assessment "
    "deprivation support".split()
)


class Ids:
    """Primary keys of one table for one stream: base+1+offset, then every `step`-th number."""

    __slots__ = ("next", "step", "last")

    def __init__(self, base: int, step: int = 1, offset: int = 0):
        self.next = base + 1 + offset
        self.step = step
        self.last = 0

    def __call__(self) -> int:
        value = self.next
        self.next += self.step
        self.last = value
        return value


@dataclass
class Tally:
    """What one stream wrote: rows, seconds spent writing and a checksum of the rows, per table."""

    rows: Counter = field(default_factory=Counter)
    seconds: Counter = field(default_factory=Counter)
    checksums: dict[str, int] = field(default_factory=dict)
    last_id: dict[str, int] = field(default_factory=dict)
    stats: Counter = field(default_factory=Counter)


class Sink:
    """Writes chunks of rows: COPY on PostgreSQL, executemany on other databases.

    Rows are tuples in the table's column order; dates, timestamps and decimals stay Python objects and are
    converted by the driver (psycopg) or here (SQLite).
    """

    def __init__(self, tables: dict[str, Table], tally: Tally):
        self.tables = tables
        self.tally = tally
        self.postgres = connection.vendor == "postgresql"
        connection.ensure_connection()
        self.raw = connection.connection
        self.ops = connection.ops

    def write(self, key: str, rows: list[tuple]) -> None:
        if not rows:
            return
        table = self.tables[key]
        started = time.perf_counter()
        crc = self.tally.checksums.get(key, 0)
        for row in rows[::CHECKSUM_EVERY]:
            crc = zlib.crc32(repr(row).encode(), crc)
        self.tally.checksums[key] = crc
        extra = table.extra_values
        columns = ", ".join(f'"{c}"' for c in table.all_columns)
        if self.postgres:
            with self.raw.cursor() as cursor:
                # Binary: a third of the client's work of the text format, and no parsing on the server.
                with cursor.copy(f'COPY "{table.db_table}" ({columns}) FROM STDIN (FORMAT BINARY)') as copy:
                    copy.set_types(table.types)
                    write_row = copy.write_row
                    if extra:
                        for row in rows:
                            write_row(row + extra)
                    else:
                        for row in rows:
                            write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(table.all_columns))
            adapt = self._adapt
            with connection.cursor() as cursor:
                cursor.executemany(
                    f'INSERT INTO "{table.db_table}" ({columns}) VALUES ({placeholders})',
                    [tuple(adapt(v) for v in row + extra) for row in rows],
                )
        self.tally.rows[key] += len(rows)
        self.tally.seconds[key] += time.perf_counter() - started

    def _adapt(self, value):
        if isinstance(value, datetime.datetime):
            return self.ops.adapt_datetimefield_value(value)
        if isinstance(value, datetime.date):
            return self.ops.adapt_datefield_value(value)
        if isinstance(value, Decimal):
            return str(value)
        return value


# --- Helpers ------------------------------------------------------------------------------------------------


def _stamp(day: datetime.date, hour: int = 2) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _days(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    """A random day in [start, end] (start when the range is empty)."""
    span = (end - start).days
    return start if span <= 0 else start + datetime.timedelta(days=rng.randint(0, span))


def _weighted(items: dict) -> tuple[list, list[float]]:
    keys = list(items)
    return keys, list(accumulate(items[k] for k in keys))


def _pick(rng: random.Random, keys: list, cum: list[float]):
    return keys[bisect_right(cum, rng.random() * cum[-1])]


def _in_text(name: str) -> str:
    """A unit's name inside a sentence: "Xã Mỹ Thanh" → "xã Mỹ Thanh" (the type word is not a proper noun)."""
    return name[:1].lower() + name[1:]


def _round(value: float, unit: int) -> int:
    return int(round(value / unit)) * unit


class Quarters:
    """Quarter-end dates, the dates provinces report progress on."""

    ENDS = [datetime.date(y, m, d) for y in range(2021, 2028) for m, d in ((3, 31), (6, 30), (9, 30), (12, 31))]

    @classmethod
    def between(cls, start: datetime.date, end: datetime.date) -> list[datetime.date]:
        return [d for d in cls.ENDS if start < d <= end]


# --- Villages -----------------------------------------------------------------------------------------------


def villages_generate(ref: Reference, sink: Sink, ids: Ids, seed: int, scale: float) -> None:
    """Villages of every current commune (a few per commune at small scales)."""
    existing: dict[int, set[str]] = defaultdict(set)
    for commune_id, name in Village.objects.values_list("commune_id", "name"):
        existing[commune_id].add(name)
    factor = min(1.0, scale * 10)
    rows = []
    for place in ref.current:
        rng = random.Random(f"{seed}:villages:{place.code}")
        low, high = VILLAGES_PER_COMMUNE.get(place.unit_type, (6, 20))
        count = max(1, round(rng.randint(low, high) * factor))
        if place.unit_type == UnitTypeChoices.WARD:
            word = "Khu phố" if place.region in ("southeast", "mekong") else "Tổ dân phố"
            names = [f"{word} {i}" for i in range(1, count + 1)]
        else:
            words = VILLAGE_WORDS.get(place.region, ("Thôn",))
            if rng.random() < 0.45:
                word = words[0]
                names = [f"{word} {i}" for i in range(1, count + 1)]
            else:
                pool = rng.sample(VILLAGE_NAMES, len(VILLAGE_NAMES))
                names = []
                for i in range(count):
                    stem = pool[i % len(pool)] + (f" {i // len(pool) + 1}" if i >= len(pool) else "")
                    names.append(f"{rng.choice(words)} {stem}")
        taken = existing.get(place.id, set())
        for i, name in enumerate(names, start=1):
            while name in taken:
                name += " (mới)"
            taken = taken | {name}
            village_id = ids()
            place.villages.append((village_id, name))
            rows.append((village_id, place.id, name, f"{CODE_PREFIX}{i:03d}", None, None))
            if len(rows) >= 20_000:
                sink.write("village", rows)
                rows = []
    sink.write("village", rows)


# --- Works, capital and progress ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Work:
    """What the capital lines of one work need to know about it."""

    id: int
    place: Place
    status: str
    pay_until: datetime.date
    active_until: datetime.date
    last_capital_year: int


@dataclass
class WorkStreamState:
    plan: dict = field(default_factory=lambda: defaultdict(int))
    plan_extensions: dict = field(default_factory=dict)


class WorkGenerator:
    """One stream: works with their components, villages, allocations, disbursements and progress reports."""

    CHUNK = 1_000

    def __init__(self, ref: Reference, sink: Sink, bases: dict[str, int], seed: int, scale: float):
        self.ref = ref
        self.sink = sink
        self.rng = random.Random(f"{seed}:works")
        self.scale = scale
        self.ids = {
            key: Ids(bases[key])
            for key in ("work", "work_components", "work_villages", "allocation", "disbursement", "progress", "plan")
        }
        self.stats = sink.tally.stats
        self.state = WorkStreamState()
        self.pending: dict[str, list] = defaultdict(list)
        self.voucher = 0
        # Where each program builds: cumulative weights over communes of the generation it was recorded on.
        rural = {UnitTypeChoices.COMMUNE: 1.0, UnitTypeChoices.SPECIAL_ZONE: 0.8}

        def weights(places, weight):
            cum = list(accumulate(weight(p) for p in places))
            return places, cum

        self.where = {
            "NTP-NTM": weights(ref.legacy, lambda p: (0.8 + 0.4 * p.difficulty) if p.unit_type == "xa" else 0.0),
            "NTP-1719": weights(ref.legacy, lambda p: p.difficulty**2 * rural.get(p.unit_type, 0.2) + 0.01),
            "NTP-GNBV": weights(ref.legacy, lambda p: p.difficulty**3 * rural.get(p.unit_type, 0.15) + 0.005),
            "NTP-2026": weights(ref.current, lambda p: (0.6 + p.difficulty) * rural.get(p.unit_type, 0.25)),
        }
        self.types = {program: _weighted(w) for program, w in TYPE_WEIGHTS.items()}
        self.programs = _weighted(PROGRAM_SHARE_2021_2025)

    # Components ---------------------------------------------------------------------------------------------

    def component(self, program: str, work_type: str) -> int:
        codes = COMPONENT_FOR_TYPE[program]
        return self.ref.components[(program, codes.get(work_type, codes["*"]))]

    def run(self) -> None:
        serial = 0
        for year, count in WORKS_PER_YEAR.items():
            for _ in range(max(1, round(count * self.scale))):
                serial += 1
                self.work(year, serial)
                if serial % self.CHUNK == 0:
                    self.flush()
        self.flush()
        self.plans()

    def flush(self) -> None:
        for key in ("work", "work_components", "work_villages", "allocation", "disbursement", "progress"):
            self.sink.write(key, self.pending.pop(key, []))

    # One work -----------------------------------------------------------------------------------------------

    def work(self, year: int, serial: int) -> None:
        rng = self.rng
        if year <= 2025:
            program = _pick(rng, *self.programs)
        else:
            program = "NTP-2026"
        places, cum = self.where[program]
        place = places[bisect_right(cum, rng.random() * cum[-1])]
        work_type = _pick(rng, *self.types[program])
        kind = WORK_KINDS[work_type]
        maintenance = rng.random() < 0.2 and work_type not in (T.RADIO_STATION, T.MARKET)

        # Size and cost.
        low, high = kind.capacity
        capacity = rng.uniform(low, high) if high > low else low
        if kind.per_unit:
            cost = capacity * rng.uniform(*kind.per_unit)
            cost = min(max(cost, kind.cost[0]), kind.cost[1])
        else:
            cost = rng.uniform(*kind.cost) * (0.6 + 0.8 * (capacity - low) / (high - low) if high > low else 1)
        if maintenance:
            cost *= rng.uniform(0.1, 0.3)
        investment = max(50_000_000, _round(cost * 1e9, 1_000_000))
        capacity_value = Decimal(f"{capacity:.{kind.digits}f}") if kind.digits else Decimal(max(1, round(capacity)))
        small = kind.small_eligible and investment <= SMALL_WORK_CEILING_VND and rng.random() < 0.65

        # Programs and components: a second program for some works of 2021-2025, both components of NTP-2026
        # for some of 2026, NTP-2026 for the 2026 capital of legacy works still running.
        main_component = self.component(program, work_type)
        if program == "NTP-2026" and place.difficulty > 0.55 and rng.random() < 0.7:
            main_component = self.ref.components[("NTP-2026", "HP2")]
        second_program, second_component = None, None
        if year <= 2025 and rng.random() < SECOND_PROGRAM_SHARE:
            others = [
                p for p in PROGRAM_SHARE_2021_2025 if p != program and (p != "NTP-NTM" or place.unit_type == "xa")
            ]
            second_program = rng.choice(others)
            second_component = self.component(second_program, work_type)
        elif year == 2026 and rng.random() < 0.1:
            other = "HP1" if main_component == self.ref.components[("NTP-2026", "HP2")] else "HP2"
            second_program, second_component = "NTP-2026", self.ref.components[("NTP-2026", other)]

        # Status and dates.
        status = STATUSES[bisect_right(list(accumulate(STATUS_WEIGHTS[year])), rng.random() * 100)]
        approved_on = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randint(14, 150))
        duration = int(min(540, max(90, 100 + cost * 25 + rng.gauss(0, 40))))
        start = planned = actual = settled_on = stopped_on = None
        if status != S.PROPOSED and status != S.APPROVED and not (status == S.CANCELLED and rng.random() < 0.5):
            start = min(
                approved_on + datetime.timedelta(days=rng.randint(15, 120)), AS_OF - datetime.timedelta(days=20)
            )
            planned = start + datetime.timedelta(days=duration)
        elif status == S.APPROVED and rng.random() < 0.5:
            planned = approved_on + datetime.timedelta(days=duration + 120)
        if status in (S.COMPLETED, S.SETTLED):
            limit = AS_OF - datetime.timedelta(days=120 if status == S.SETTLED else 7)
            actual = min(start + datetime.timedelta(days=int(duration * rng.uniform(0.8, 1.5))), limit)
            if actual < start + datetime.timedelta(days=20):
                status, actual = S.UNDER_CONSTRUCTION, None
            elif status == S.SETTLED:
                settled_on = _days(
                    rng,
                    actual + datetime.timedelta(days=60),
                    min(actual + datetime.timedelta(days=300), AS_OF - datetime.timedelta(days=30)),
                )
        if status == S.SUSPENDED:
            stopped_on = min(
                start + datetime.timedelta(days=int(duration * rng.uniform(0.2, 0.7))),
                AS_OF - datetime.timedelta(days=5),
            )
        elif status == S.CANCELLED:
            base = start or approved_on
            stopped_on = min(base + datetime.timedelta(days=rng.randint(60, 300)), AS_OF - datetime.timedelta(days=5))
        if status in (S.COMPLETED, S.SETTLED):
            active_until = actual
            pay_until = settled_on or actual + datetime.timedelta(days=240)
        elif status in (S.SUSPENDED, S.CANCELLED):
            active_until = stopped_on
            pay_until = stopped_on + datetime.timedelta(days=30) if status == S.SUSPENDED else stopped_on
        elif status == S.UNDER_CONSTRUCTION:
            active_until = max(planned, AS_OF)
            pay_until = AS_OF
        else:
            active_until = pay_until = approved_on
        pay_until = min(pay_until, AS_OF)

        # The row.
        work_id = self.ids["work"]()
        code = f"{CODE_PREFIX}{year}-{serial:06d}"
        villages = []
        if not place.legacy and place.villages:
            wanted = {T.ROAD_INTER_VILLAGE: 2, T.ROAD_IN_VILLAGE: 1, T.CULTURAL_HOUSE: 1, T.DOMESTIC_WATER: 2}.get(
                work_type, rng.randint(0, 1)
            )
            villages = rng.sample(place.villages, min(wanted, len(place.villages)))
        name = self.name(work_type, kind, maintenance, place, villages, serial)
        if place.legacy and rng.random() < 0.6 and place.district_id:
            investor = f"Ban Quản lý dự án đầu tư xây dựng {_in_text(self.ref.districts[place.district_id])}"
        else:
            investor = f"UBND {_in_text(place.name)}"
        lat = lon = None
        if place.latitude is not None and place.longitude is not None:
            lat = Decimal(f"{min(23.9, max(8.1, place.latitude + rng.uniform(-0.03, 0.03))):.6f}")
            lon = Decimal(f"{min(117.9, max(102.1, place.longitude + rng.uniform(-0.03, 0.03))):.6f}")
        beneficiaries = rng.randint(30, 2000) if work_type not in (T.POWER, T.DOMESTIC_WATER) else int(capacity_value)
        created = _stamp(approved_on)
        self.pending["work"].append(
            (
                work_id,
                code,
                name,
                str(work_type),
                maintenance,
                place.id,
                investor,
                capacity_value,
                str(kind.unit),
                investment,
                small,
                str(status),
                start,
                planned,
                actual,
                lat,
                lon,
                beneficiaries,
                "",
                created,
                _stamp(min(AS_OF, max(d for d in (approved_on, start, actual, settled_on, stopped_on) if d))),
            )
        )
        components = [main_component] + ([second_component] if second_component else [])
        self.stats["works"] += 1
        self.stats[f"works in {year}"] += 1
        self.stats[f"status {status}"] += 1
        self.stats["small works"] += small
        self.stats["works on legacy communes"] += place.legacy
        programs = {program} | ({second_program} if second_program else set())

        # Capital: the years it is allocated in, then (year, source) lines.
        if status == S.PROPOSED:
            years = []
        else:
            last = min(max(year, active_until.year), year + 2, LAST_YEAR)
            years = list(range(year, last + 1))
        new_program_capital = None
        if place.legacy and years and years[-1] == 2026:
            if rng.random() < 0.5:
                hp = "HP2" if program == "NTP-1719" or place.difficulty > 0.55 else "HP1"
                new_program_capital = self.ref.components[("NTP-2026", hp)]
                if new_program_capital not in components:
                    components.append(new_program_capital)
                programs.add("NTP-2026")
            else:
                years = years[:-1]  # finished with 2025 capital extended into 2026
        for component_id in components:
            self.pending["work_components"].append((self.ids["work_components"](), work_id, component_id))
        for village_id, _ in villages:
            self.pending["work_villages"].append((self.ids["work_villages"](), work_id, village_id))
        for p in sorted(programs):
            self.stats[f"works funded by {p}"] += 1
        self.stats["works funded by two programs"] += len(programs) > 1
        if not years:
            self.reports(work_id, status, start, planned, actual, settled_on, stopped_on, capacity_value)
            return

        total = investment * rng.uniform(0.9, 1.0)
        shares = [rng.uniform(0.5, 1.5) * (1.4 if i == 0 else 1) for i in range(len(years))]
        capital_type = str(CapitalTypeChoices.RECURRENT if maintenance else CapitalTypeChoices.INVESTMENT)
        sources = {
            str(CapitalSourceChoices.CENTRAL): rng.uniform(0.6, 0.95),
            str(CapitalSourceChoices.PROVINCE): rng.uniform(0.03, 0.25) if rng.random() < 0.9 else 0,
        }
        if rng.random() < 0.3:
            sources[str(CapitalSourceChoices.COMMUNE)] = rng.uniform(0.01, 0.05)
        if (small or work_type in (T.ROAD_IN_VILLAGE, T.CULTURAL_HOUSE)) and rng.random() < 0.6:
            sources[str(CapitalSourceChoices.PEOPLE)] = rng.uniform(0.02, 0.1)
        if rng.random() < 0.1:
            sources[str(CapitalSourceChoices.INTEGRATED)] = rng.uniform(0.05, 0.2)
        share_sum = sum(shares)
        w = _Work(work_id, place, status, pay_until, active_until, years[-1])
        source_sum = sum(sources.values())
        for year_index, capital_year in enumerate(years):
            year_capital = total * shares[year_index] / share_sum
            if capital_year == 2026 and new_program_capital:
                year_components = [new_program_capital]
            elif capital_year == 2026 and program == "NTP-2026":
                year_components = [c for c in components]
            else:
                year_components = [main_component] + (
                    [second_component] if second_program and second_program != "NTP-2026" else []
                )
            decided_on = (
                approved_on
                if year_index == 0
                else datetime.date(capital_year, 1, 1) + datetime.timedelta(days=rng.randint(9, 70))
            )
            for source, share in sources.items():
                if not share:
                    continue
                amount = _round(year_capital * share / source_sum, 1_000_000)
                if amount <= 0:
                    continue
                # Central capital of a co-funded work comes from both components; other sources from the first.
                line_components, split = year_components[:1], [amount]
                if len(year_components) > 1 and source == CapitalSourceChoices.CENTRAL:
                    first = _round(amount * rng.uniform(0.55, 0.75), 1_000_000)
                    line_components, split = year_components, [first, amount - first]
                self.line(w, capital_year, source, capital_type, line_components, split, decided_on)
        self.reports(work_id, status, start, planned, actual, settled_on, stopped_on, capacity_value)

    def name(self, work_type, kind, maintenance, place, villages, serial) -> str:
        where = _in_text(place.name)
        if villages and work_type in (T.ROAD_INTER_VILLAGE,) and len(villages) == 2:
            stem = f"{kind.label} {villages[0][1]} - {villages[1][1]}, {where}"
        elif villages:
            stem = f"{kind.label} {villages[0][1]}, {where}"
        elif work_type in (T.HEALTH_STATION, T.RADIO_STATION, T.MARKET, T.ROAD_COMMUNE_CENTRE):
            stem = f"{kind.label} {where}"
        else:
            stem = f"{kind.label} {where}, tuyến số {serial % 97 + 1}"
        return ("Sửa chữa, duy tu " + stem[0].lower() + stem[1:]) if maintenance else stem

    def line(self, w: _Work, year, source, capital_type, components, split, decided_on) -> None:
        """One (year, source) capital line: allocations, adjustments, extensions and the payments against them."""
        rng, ids, work_id, place, status, pay_until = self.rng, self.ids, w.id, w.place, w.status, w.pay_until
        allocations = self.pending["allocation"]
        plan_province = place.province_id
        plan_commune = None
        if year == 2026:
            current = self.ref.by_id.get(place.successor_id) if place.legacy else place
            if current is not None:
                plan_province, plan_commune = current.province_id, current.id
            else:
                plan_province = place.current_province_id
        created = _stamp(decided_on)
        for component_id, amount in zip(components, split, strict=True):
            if amount <= 0:
                continue
            allocations.append(
                (
                    ids["allocation"](),
                    work_id,
                    component_id,
                    year,
                    source,
                    capital_type,
                    ASSIGNED,
                    amount,
                    None,
                    decided_on,
                    None,
                    "",
                    created,
                )
            )
            self.state.plan[(component_id, year, plan_province, plan_commune, source, capital_type)] += amount
        allocated = sum(split)
        component_id = components[0]

        # How much of it is paid, by the work's state.
        deadline = disbursement_deadline(year)
        if status == S.SETTLED:
            fraction = 1.0 if rng.random() < 0.4 else rng.uniform(0.97, 1.0)
        elif status == S.COMPLETED:
            fraction = rng.uniform(0.88, 1.0)
        elif status == S.UNDER_CONSTRUCTION:
            fraction = rng.uniform(0.2, 0.85) if year == 2026 else rng.uniform(0.75, 1.0)
        elif status == S.SUSPENDED:
            fraction = rng.uniform(0.2, 0.8)
        elif status == S.CANCELLED:
            fraction = rng.uniform(0, 0.4) if rng.random() < 0.6 else 0.0
        else:  # approved: an advance for some
            fraction = rng.uniform(0.1, 0.3) if rng.random() < 0.3 else 0.0

        # An adjustment now and then (never below what will be paid), and extensions.
        adjustment = 0
        if status != S.CANCELLED and rng.random() < ADJUSTMENT_SHARE:
            adjustment = _round(allocated * rng.uniform(-0.06, 0.1), 1_000_000)
        if adjustment:
            allocated += adjustment
            self.stats["adjustments"] += 1
        first_day = max(datetime.date(year, 1, 1), decided_on)
        window_end = min(deadline, AS_OF, pay_until)
        extended_until = []
        # A work still running after its last capital year's deadline has that capital extended (kéo dài).
        still_running = year == w.last_capital_year and w.active_until > deadline
        if year <= 2025 and rng.random() < (0.8 if still_running else EXTENSION_SHARE.get(year, 0)):
            extended_until.append(datetime.date(year + 1, 12, 31))
            if year <= 2022 and rng.random() < 0.35:
                extended_until.append(datetime.date(year + 2, 12, 31))
        if window_end < first_day and not extended_until:
            fraction = 0.0
        paid = _round(allocated * fraction, 1_000)
        if adjustment:
            allocations.append(
                (
                    ids["allocation"](),
                    work_id,
                    component_id,
                    year,
                    source,
                    capital_type,
                    ADJUSTMENT,
                    adjustment,
                    None,
                    _days(rng, datetime.date(year, 6, 15), min(datetime.date(year, 10, 31), AS_OF)),
                    None,
                    "Điều chỉnh kế hoạch vốn",
                    created,
                )
            )
            self.state.plan[(component_id, year, plan_province, plan_commune, source, capital_type)] += adjustment
        late_share = 0.0
        for number, until in enumerate(extended_until):
            decided = datetime.date(year + 1 + number, 1, 10) + datetime.timedelta(days=rng.randint(0, 18))
            late_share = rng.uniform(0.1, 0.6) if number == 0 else late_share
            amount = _round(allocated * max(late_share, 0.05) * (0.5 if number else 1), 1_000_000) or 1_000_000
            allocations.append(
                (
                    ids["allocation"](),
                    work_id,
                    component_id,
                    year,
                    source,
                    capital_type,
                    EXTENSION,
                    amount,
                    until,
                    decided,
                    None,
                    "Kéo dài thời gian thực hiện và giải ngân",
                    _stamp(decided),
                )
            )
            key = (component_id, year, plan_province, plan_commune, source, capital_type)
            previous = self.state.plan_extensions.get(key, (0, until))
            self.state.plan_extensions[key] = (previous[0] + amount, max(previous[1], until))
            self.stats["extensions"] += 1

        # Payments: in the year (to 31 January next), and after it only under an extension.
        if paid <= 0:
            if status == S.CANCELLED and allocated > 0:
                self.cancel(
                    work_id,
                    component_id,
                    year,
                    source,
                    capital_type,
                    -allocated,
                    pay_until,
                    plan_province,
                    plan_commune,
                )
            return
        windows = []
        late_end = min(extended_until[-1], AS_OF, pay_until) if extended_until else None
        late_start = deadline + datetime.timedelta(days=1)
        if late_end and late_end >= late_start:
            late = _round(paid * late_share, 1_000) if window_end >= first_day else paid
            if paid - late > 0 and window_end >= first_day:
                windows.append((first_day, window_end, paid - late))
            if late > 0:
                windows.append((late_start, late_end, late))
        elif window_end >= first_day:
            windows.append((first_day, window_end, paid))
        else:
            paid = 0
        if status == S.CANCELLED and allocated > paid:
            self.cancel(
                work_id,
                component_id,
                year,
                source,
                capital_type,
                paid - allocated,
                pay_until,
                plan_province,
                plan_commune,
            )
            allocated = paid
        room = allocated - paid
        big = source == CapitalSourceChoices.CENTRAL
        disbursements = self.pending["disbursement"]
        for window_start, window_end_, amount in windows:
            count = (2 + int(amount / 0.8e9) + rng.randint(0, 2)) if big else (1 + rng.randint(0, 1))
            count = max(1, min(count, 10, amount // 1_000_000))
            weights = [rng.random() + 0.3 for _ in range(count)]
            weight_sum = sum(weights)
            parts = [_round(amount * w / weight_sum, 1_000) for w in weights[:-1]]
            parts = [p for p in parts if p > 0]
            parts.append(amount - sum(parts))
            if parts[-1] <= 0:
                parts = [amount]
            dates = sorted(_days(rng, window_start, window_end_) for _ in parts)
            for part, paid_on in zip(parts, dates, strict=True):
                self.voucher += 1
                voucher = f"GN-{year}-{place.province_code}-{self.voucher:07d}"
                disbursements.append(
                    (
                        ids["disbursement"](),
                        work_id,
                        year,
                        source,
                        capital_type,
                        part,
                        voucher,
                        paid_on,
                        None,
                        "",
                        _stamp(paid_on, 3),
                    )
                )
                self.stats["payments"] += 1
                if part <= room and rng.random() < DUPLICATE_SHARE * 3:
                    # The same voucher entered twice; the second entry is reversed when noticed.
                    duplicate_id = ids["disbursement"]()
                    disbursements.append(
                        (
                            duplicate_id,
                            work_id,
                            year,
                            source,
                            capital_type,
                            part,
                            voucher,
                            paid_on,
                            None,
                            "",
                            _stamp(paid_on, 4),
                        )
                    )
                    reversed_on = _days(rng, paid_on, min(paid_on + datetime.timedelta(days=20), window_end_))
                    disbursements.append(
                        (
                            ids["disbursement"](),
                            work_id,
                            year,
                            source,
                            capital_type,
                            -part,
                            voucher,
                            reversed_on,
                            duplicate_id,
                            "Hủy chứng từ nhập trùng",
                            _stamp(reversed_on, 5),
                        )
                    )
                    self.stats["reversal pairs"] += 1
        self.stats["capital lines"] += 1

    def cancel(self, work_id, component_id, year, source, capital_type, amount, when, province, commune) -> None:
        """A cancelled work gives back what it will not spend: a negative adjustment down to what was paid."""
        if not amount:
            return
        decided = max(when, datetime.date(year, 1, 2))
        self.pending["allocation"].append(
            (
                self.ids["allocation"](),
                work_id,
                component_id,
                year,
                source,
                capital_type,
                ADJUSTMENT,
                amount,
                None,
                decided,
                None,
                "Thu hồi vốn do hủy công trình",
                _stamp(decided),
            )
        )
        self.state.plan[(component_id, year, province, commune, source, capital_type)] += amount
        self.stats["adjustments"] += 1

    def reports(self, work_id, status, start, planned, actual, settled_on, stopped_on, capacity) -> None:
        """Quarterly progress reports from the start, then the report that gave the work its current status."""
        if start is None:
            if status == S.CANCELLED:
                self.stats["works cancelled before starting"] += 1
            return
        rng = self.rng
        end = actual or stopped_on or AS_OF
        dates = Quarters.between(start, min(end, AS_OF))
        if status == S.UNDER_CONSTRUCTION and rng.random() < 0.5:
            extra = _days(rng, datetime.date(2026, 10, 5), AS_OF)
            if extra > start and (not dates or extra > dates[-1]):
                dates.append(extra)
        span = max(1, ((planned or end) - start).days)
        stall = rng.uniform(10, 70)
        progress = 0.0
        rows = self.pending["progress"]
        final = []
        if status in (S.COMPLETED, S.SETTLED):
            final.append((actual, 100.0, S.COMPLETED))
        if status == S.SETTLED:
            final.append((settled_on, 100.0, S.SETTLED))
        if status in (S.SUSPENDED, S.CANCELLED):
            final.append((stopped_on, None, status))
        last_final_date = final[0][0] if final else None
        for day in dates:
            if last_final_date and day >= last_final_date:
                break
            target = 100 * ((day - start).days / span) ** 0.9 * rng.uniform(0.85, 1.1)
            if status in (S.SUSPENDED, S.CANCELLED):
                target = min(target, stall)
            progress = max(progress, min(97.0, target))
            rows.append(self.report(work_id, day, progress, S.UNDER_CONSTRUCTION, capacity))
        for day, value, report_status in final:
            rows.append(self.report(work_id, day, progress if value is None else value, report_status, capacity))

    def report(self, work_id, day, progress, status, capacity) -> tuple:
        percent = Decimal(f"{progress:.2f}")
        done = (capacity * percent / 100).quantize(Decimal("0.001")) if capacity is not None else None
        if done is not None and done > capacity:
            done = capacity
        return (self.ids["progress"](), work_id, day, percent, done, str(status), "", _stamp(day, 9))

    def plans(self) -> None:
        """The capital plans behind the allocations: what each province (or, from 2026, commune) was given.

        A province's plan exceeds what it allocated to works by an unallocated share; in 2026 provinces plan
        commune by commune and keep the unallocated share at province level.
        """
        rng = random.Random(f"{self.rng.random()}:plans")
        rows = []
        ids = self.ids["plan"]
        unallocated: dict[tuple, int] = defaultdict(int)
        for key in sorted(self.state.plan, key=lambda k: (k[1], k[2], k[0], k[3] or 0, k[4], k[5])):
            component_id, year, province_id, commune_id, source, capital_type = key
            amount = self.state.plan[key]
            if amount <= 0:
                continue
            decided = datetime.date(year, 1, 2) + datetime.timedelta(days=rng.randint(0, 6))
            slack = _round(amount * rng.uniform(0.02, 0.12), 1_000_000)
            if commune_id is None:
                amount += slack
            else:
                unallocated[(component_id, year, province_id, None, source, capital_type)] += slack
            rows.append(
                (
                    ids(),
                    component_id,
                    year,
                    province_id,
                    commune_id,
                    source,
                    capital_type,
                    ASSIGNED,
                    amount,
                    None,
                    None,
                    decided,
                    PLAN_NOTE,
                    _stamp(decided),
                )
            )
        for key in sorted(unallocated):
            component_id, year, province_id, commune_id, source, capital_type = key
            if unallocated[key] > 0:
                decided = datetime.date(year, 1, 2)
                rows.append(
                    (
                        ids(),
                        component_id,
                        year,
                        province_id,
                        None,
                        source,
                        capital_type,
                        ASSIGNED,
                        unallocated[key],
                        None,
                        None,
                        decided,
                        PLAN_NOTE,
                        _stamp(decided),
                    )
                )
        for key in sorted(self.state.plan_extensions, key=lambda k: (k[1], k[2], k[0], k[3] or 0, k[4], k[5])):
            component_id, year, province_id, commune_id, source, capital_type = key
            amount, until = self.state.plan_extensions[key]
            decided = datetime.date(year + 1, 1, 8)
            rows.append(
                (
                    ids(),
                    component_id,
                    year,
                    province_id,
                    commune_id,
                    source,
                    capital_type,
                    EXTENSION,
                    amount,
                    until,
                    None,
                    decided,
                    PLAN_NOTE,
                    _stamp(decided),
                )
            )
        for start in range(0, len(rows), 20_000):
            self.sink.write("plan", rows[start : start + 20_000])


# --- Households ---------------------------------------------------------------------------------------------


class HouseholdGenerator:
    """One stream: the households of every `parts`-th current commune, their yearly status and support."""

    CHUNK = 5_000

    def __init__(
        self,
        ref: Reference,
        sink: Sink,
        bases: dict[str, int],
        seed: int,
        scale: float,
        part: int,
        parts: int,
        taken_ids: set[str],
    ):
        self.ref = ref
        self.sink = sink
        self.seed = seed
        self.scale = scale
        self.part = part
        self.parts = parts
        self.taken_ids = taken_ids
        self.ids = {key: Ids(bases[key], parts, part) for key in ("household", "assessment", "deprivation", "support")}
        self.stats = sink.tally.stats
        self.pending: dict[str, list] = defaultdict(list)
        self.minorities = {region: _weighted(groups) for region, groups in MINORITIES.items()}
        c = ref.components
        self.support_components = {
            kind.kind: (c[(kind.component[0], kind.component[1])], c[(kind.component[2], kind.component[3])])
            for kind in SUPPORT_KINDS
        }
        self.components_2026 = tuple(c[key] for key in SUPPORT_2026_COMPONENTS)
        self.member_weights = list(accumulate((5, 10, 17, 24, 19, 12, 7, 4, 2)))
        self.registration = list(accumulate(REGISTRATION_SHARE))
        # Per status: (kind, probability in a year, amount, quantity, (component for Kinh, for minorities)).
        self.support_plan = {
            status: [
                (str(k.kind), k.share[status], k.amount, k.quantity, self.support_components[k.kind])
                for k in SUPPORT_KINDS
                if k.share.get(status)
            ]
            for status in (POOR, NEAR_POOR, ESCAPED, NOT_POOR)
        }
        # Support is received between 1 February and 30 November: (first day as an ordinal, number of days).
        self.support_years = {}
        for year in (*REVIEW_YEARS, 2026):
            first, last = datetime.date(year, 2, 1), min(datetime.date(year, 11, 30), AS_OF)
            self.support_years[year] = (first.toordinal(), (last - first).days + 1)

    @staticmethod
    def weight(place: Place) -> float:
        factor = {UnitTypeChoices.COMMUNE: 1.0, UnitTypeChoices.SPECIAL_ZONE: 0.5}.get(place.unit_type, 0.2)
        return (0.3 + 2.0 * place.difficulty) * factor

    def run(self) -> None:
        places = self.ref.current
        total_weight = sum(self.weight(p) for p in places)
        target = HOUSEHOLDS * self.scale
        province_index: dict[int, int] = defaultdict(int)
        for index, place in enumerate(places):
            # The commune's rank in its province, for unique ID numbers; counted over all communes.
            province_index[place.province_id] += 1
            rank = province_index[place.province_id]
            if index % self.parts != self.part:
                continue
            rng = random.Random(f"{self.seed}:households:{place.code}")
            count = int(target * self.weight(place) / total_weight * rng.uniform(0.7, 1.3) + rng.random())
            self.commune(rng, place, rank, min(count, 3_999))
            if len(self.pending["household"]) >= self.CHUNK:
                self.flush()
        self.flush()

    def flush(self) -> None:
        for key in ("household", "assessment", "deprivation", "support"):
            self.sink.write(key, self.pending.pop(key, []))

    def commune(self, rng: random.Random, place: Place, rank: int, count: int) -> None:
        """The households of one commune. The hot loop of the data set: plain locals, no helper calls."""
        if count <= 0 or not place.villages:
            return
        ref = self.ref
        random_ = rng.random
        gauss = rng.gauss
        exp = math.exp
        households = self.pending["household"]
        assessments = self.pending["assessment"]
        deprivation_rows = self.pending["deprivation"]
        supports = self.pending["support"]
        new_household, new_assessment = self.ids["household"], self.ids["assessment"]
        new_deprivation, new_support = self.ids["deprivation"], self.ids["support"]
        villages = place.villages
        n_villages = len(villages)
        urban = place.unit_type in (UnitTypeChoices.WARD, UnitTypeChoices.TOWNSHIP)
        province_name = ref.provinces[place.province_id][2]
        minority_share = min(0.95, 0.05 + 0.9 * place.difficulty**1.3) * (0.4 if urban else 1.0)
        minority_keys, minority_cum = self.minorities[place.region]
        minority_total = minority_cum[-1]
        ethnic = ref.ethnic
        mu = 1.2 - 0.8 * place.difficulty + (0.2 if urban else 0.0)
        hard_place = place.difficulty > 0.6
        depr_factor = 0.8 + 0.6 * place.difficulty
        prevalence = [p * depr_factor for p in DEPRIVATION_PREVALENCE]
        n_indicators = len(prevalence)
        reviews = []  # (year, standard id, line, minimum deprivations, indicator ids, decision, recognised on)
        for year in REVIEW_YEARS:
            standard = ref.standards[year]
            reviews.append(
                (
                    year,
                    standard["id"],
                    standard["urban"] if urban else standard["rural"],
                    standard["min"],
                    standard["indicators"],
                    f"{zlib.crc32(f'{place.code}{year}'.encode()) % 350 + 1}/QĐ-UBND",
                    datetime.date(year, 12, 1 + zlib.crc32(f"{place.code}:{year}".encode()) % 14),
                )
            )
        created_at = {year: datetime.datetime(year, 9, 15, 2, tzinfo=UTC) for year in REVIEW_YEARS}
        member_weights, registration, support_plan = self.member_weights, self.registration, self.support_plan
        support_years = self.support_years
        components_2026 = self.components_2026
        address_tail = f", {place.name}, {province_name}"
        id_prefix = f"0{place.province_code}"
        code_prefix = f"{CODE_PREFIX}{place.code}-"
        taken_ids = self.taken_ids
        status_counts: Counter = Counter()
        support_counts: Counter = Counter()
        minorities = 0
        for seq in range(1, count + 1):
            village_id, village_name = villages[int(random_() * n_villages)]
            minority = random_() < minority_share
            if minority:
                minorities += 1
                group = minority_keys[bisect_right(minority_cum, random_() * minority_total)]
            else:
                group = KINH
            male = random_() < 0.78
            head = _head_name(random_, group, male)
            born = 1945 + int(random_() * 56)
            if random_() < 0.04:
                id_number = ""
            else:
                serial = ((rank * 4_000 + seq) * 7_919) % 1_000_000
                id_number = f"{id_prefix}{(0 if male else 1) + (2 if born >= 2000 else 0)}{born % 100:02d}{serial:06d}"
                if id_number in taken_ids:
                    id_number = ""
            members = bisect_right(member_weights, random_() * member_weights[-1]) + 1
            registered = REVIEW_YEARS[bisect_right(registration, random_() * registration[-1])]
            household_id = new_household()
            created = created_at[registered]
            households.append(
                (
                    household_id,
                    f"{code_prefix}{seq:05d}",
                    head,
                    id_number,
                    ethnic[group],
                    place.id,
                    village_id,
                    members,
                    village_name + address_tail,
                    created,
                    created,
                )
            )

            # Yearly review: income drifts up, deprivations get resolved, the standard decides the status.
            z = mu - (0.3 if minority else 0.0) + 0.5 * gauss(0.0, 1.0)
            mask = None
            previous = None
            statuses = []
            for year, standard_id, line, minimum, indicators, decision, recognised in reviews:
                if year < registered:
                    z += gauss(0.09, 0.12)
                    continue
                income = int(line * exp(z) / 1_000 + 0.5) * 1_000
                assessment_id = new_assessment()
                if income > line:
                    status = NOT_POOR
                else:
                    if mask is None:
                        mask = [i for i in range(n_indicators) if random_() < prevalence[i]]
                    status = POOR if len(mask) >= minimum else NEAR_POOR
                    for i in mask:
                        deprivation_rows.append((new_deprivation(), assessment_id, indicators[i]))
                if previous == POOR and status != POOR:
                    status = ESCAPED
                assessments.append(
                    (assessment_id, household_id, year, standard_id, status, income, decision, recognised)
                )
                status_counts[(year, status)] += 1
                statuses.append((year, status))
                previous = status
                z += gauss(0.09, 0.12)
                if mask is not None:
                    mask = [i for i in mask if random_() >= 0.18]
                    if random_() < 0.05:
                        extra = int(random_() * n_indicators)
                        if extra not in mask:
                            mask = sorted(mask + [extra])
            # Support: in each reviewed year by that year's status; in 2026 by the status of the 2025 review.
            if statuses and statuses[-1][0] == REVIEW_YEARS[-1]:
                statuses.append((2026, statuses[-1][1]))
            for year, status in statuses:
                if status == NOT_POOR and not (minority and hard_place):
                    continue
                first_day, span = support_years[year]
                for kind, share, amount, quantity, components in support_plan[status]:
                    if random_() >= share:
                        continue
                    component_id = components_2026[minority] if year == 2026 else components[minority]
                    number, unit = quantity(rng, members)
                    supports.append(
                        (
                            new_support(),
                            household_id,
                            component_id,
                            year,
                            kind,
                            amount(rng),
                            number,
                            unit,
                            datetime.date.fromordinal(first_day + int(random_() * span)),
                            "",
                        )
                    )
                    support_counts[kind] += 1
        stats = self.stats
        stats["households"] += count
        stats["minority households"] += minorities
        for (year, status), n in status_counts.items():
            stats[f"status {year} {status}"] += n
        for kind, n in support_counts.items():
            stats[f"support {kind}"] += n


def _head_name(random_, group: str, male: bool) -> str:
    """A head of household's name in the naming customs of the group."""
    given_names = GIVEN[male]
    given = given_names[int(random_() * len(given_names))]
    if group in HIGHLAND_GROUPS:
        surnames = SURNAMES["highlands"]
        surname = surnames[int(random_() * len(surnames))]
        if group == "12":  # Ê Đê: Y (men) or H' (women), the name, then the clan
            return f"Y {given} {surname}" if male else f"H'{given} {surname}"
        return f"{surname} {given}"
    surnames = SURNAMES.get(group, SURNAMES["other"])
    middles = MIDDLE_HMONG[male] if group == "08" else MIDDLE[male]
    return f"{surnames[int(random_() * len(surnames))]} {middles[int(random_() * len(middles))]} {given}"


# --- The whole set ------------------------------------------------------------------------------------------


@dataclass
class Result:
    seed: int
    scale: float
    rows: dict[str, int]
    seconds: dict[str, float]
    checksums: dict[str, str]
    stats: Counter
    wall: float
    phases: dict[str, float]
    peak_rss_mb: float
    jobs: int
    vendor: str
    load_average: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def generated_counts() -> dict[str, int]:
    """How many generated works, households, villages and plan entries the database holds."""
    return {
        "works": Work.objects.filter(code__startswith=CODE_PREFIX).count(),
        "households": Household.objects.filter(code__startswith=CODE_PREFIX).count(),
        "villages": Village.objects.filter(code__startswith=CODE_PREFIX).count(),
        "plan entries": CapitalPlanEntry.objects.filter(note=PLAN_NOTE).count(),
    }


def national_data_delete(stdout: TextIO | None = None) -> dict[str, dict[str, int]]:
    """Delete the generated set, the rows below it first (the foreign keys protect parents).

    On PostgreSQL a group of tables that holds nothing but generated rows is truncated, which takes seconds
    where deleting sixteen million rows one by one (each checked against the foreign keys) takes many
    minutes; TRUNCATE refuses when another table refers to one of them, and the rows are then deleted.
    """
    tables = _tables()
    t = {key: f'"{table.db_table}"' for key, table in tables.items()}
    t["capital_summary"] = f'"{CapitalSummary._meta.db_table}"'  # kept by triggers; the generator writes none
    marked = {
        "work": f"code LIKE '{CODE_PREFIX}%'",
        "household": f"code LIKE '{CODE_PREFIX}%'",
        "plan": "note = %s",
        "village": f"code LIKE '{CODE_PREFIX}%'",
    }
    works = f"SELECT id FROM {t['work']} WHERE {marked['work']}"
    households = f"SELECT id FROM {t['household']} WHERE {marked['household']}"
    assessments = f"SELECT id FROM {t['assessment']} WHERE household_id IN ({households})"
    depr_column = tables["deprivation"].columns[1]
    groups = [
        (
            "work",
            [
                ("disbursement", f"DELETE FROM {t['disbursement']} WHERE work_id IN ({works})"),
                ("progress", f"DELETE FROM {t['progress']} WHERE work_id IN ({works})"),
                ("allocation", f"DELETE FROM {t['allocation']} WHERE work_id IN ({works})"),
                # the ledgers' triggers left these lines at zero; the works' deletion needs them gone
                ("capital_summary", f"DELETE FROM {t['capital_summary']} WHERE work_id IN ({works})"),
                ("work_components", f"DELETE FROM {t['work_components']} WHERE work_id IN ({works})"),
                ("work_villages", f"DELETE FROM {t['work_villages']} WHERE work_id IN ({works})"),
                ("work", f"DELETE FROM {t['work']} WHERE {marked['work']}"),
            ],
        ),
        (
            "household",
            [
                ("deprivation", f"DELETE FROM {t['deprivation']} WHERE {depr_column} IN ({assessments})"),
                ("assessment", f"DELETE FROM {t['assessment']} WHERE household_id IN ({households})"),
                ("support", f"DELETE FROM {t['support']} WHERE household_id IN ({households})"),
                ("household", f"DELETE FROM {t['household']} WHERE {marked['household']}"),
            ],
        ),
        ("plan", [("plan", f"DELETE FROM {t['plan']} WHERE {marked['plan']}")]),
        ("village", [("village", f"DELETE FROM {t['village']} WHERE {marked['village']}")]),
    ]
    done: dict[str, dict[str, int]] = {"deleted": {}, "truncated": {}}

    def report(key, count, started, how):
        done[how][key] = count
        if stdout is not None and count:
            elapsed = time.perf_counter() - started
            label = tables[key].label if key in tables else CapitalSummary._meta.db_table
            stdout.write(f"  {how} {count:>12,} {label} ({elapsed:.1f} s)\n")

    with transaction.atomic(), connection.cursor() as cursor:
        for marker, statements in groups:
            params = [PLAN_NOTE] if "%s" in marked[marker] else None
            if connection.vendor == "postgresql" and _truncate_group(
                cursor, t, marker, marked, statements, params, report
            ):
                continue
            for key, sql in statements:
                started = time.perf_counter()
                cursor.execute(sql, params if "%s" in sql else None)
                report(key, cursor.rowcount, started, "deleted")
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return done


def _truncate_group(cursor, t, marker, marked, statements, params, report) -> bool:
    """TRUNCATE the tables of a group if its marked table holds only generated rows; False if it cannot."""
    keys = [key for key, _ in statements]
    names = ", ".join(t[key] for key in keys)
    try:
        with transaction.atomic():
            cursor.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {t[marker]} WHERE NOT ({marked[marker]}))", params)
            if cursor.fetchone()[0]:
                return False
            started = time.perf_counter()
            counts = {}
            for key in keys:
                cursor.execute(f"SELECT COUNT(*) FROM {t[key]}")
                counts[key] = cursor.fetchone()[0]
            cursor.execute(f"TRUNCATE {names}")
    except DatabaseError:
        return False
    for key in keys:
        report(key, counts[key], started, "truncated")
    return True


def _bases(tables: dict[str, Table]) -> dict[str, int]:
    bases = {}
    with connection.cursor() as cursor:
        for key, table in tables.items():
            cursor.execute(f'SELECT MAX(id) FROM "{table.db_table}"')
            bases[key] = cursor.fetchone()[0] or 0
    return bases


def _prepare(cursor) -> None:
    if connection.vendor == "postgresql":
        # Foreign keys are checked at the end of each COPY rather than all at commit: the same checks, but
        # the server does not have to queue tens of millions of them.
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def national_data_generate(
    *, seed: int = 1, scale: float = 1.0, replace: bool = False, jobs: int | None = None, stdout: TextIO | None = None
) -> Result:
    """Generate the national data set (see the module docstring) and return what was made."""
    started = time.perf_counter()
    vendor = connection.vendor
    if scale <= 0:
        raise ValueError("The scale must be more than 0.")
    if vendor != "postgresql" and scale > MAX_SQLITE_SCALE:
        raise NotReady(
            f"On {vendor} the national data set is for small scales (at most {MAX_SQLITE_SCALE}); use PostgreSQL "
            "(DATABASE_URL) for the national scale."
        )
    jobs = jobs or (1 + HOUSEHOLD_PARTS if vendor == "postgresql" else 1)
    if vendor != "postgresql":
        jobs = 1
    say = (lambda message: stdout.write(message + "\n")) if stdout is not None else (lambda message: None)
    phases: dict[str, float] = {}

    counts = generated_counts()
    if any(counts.values()):
        if not replace:
            found = ", ".join(f"{n:,} {what}" for what, n in counts.items() if n)
            raise AlreadyGenerated(
                f"A generated national data set is already in this database ({found}, marked {CODE_PREFIX!r}). "
                "Run again with --replace to delete it and generate a new one."
            )
        say("Deleting the generated set (--replace):")
        tick = time.perf_counter()
        deleted = national_data_delete(stdout)
        if vendor == "postgresql" and not connection.in_atomic_block and any(deleted["deleted"].values()):
            # The new rows reuse the keys and codes of the deleted ones: without a vacuum every insert would
            # step over the dead index entries.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE " + ", ".join(f'"{t.db_table}"' for t in _tables().values()))
        phases["delete previous set"] = time.perf_counter() - tick
    ref = load_reference()
    tables = _tables()
    taken_ids = set(
        Household.objects.exclude(code__startswith=CODE_PREFIX)
        .exclude(id_number="")
        .values_list("id_number", flat=True)
    )
    say(
        f"Generating the national data set: seed {seed}, scale {scale:g}, as of {AS_OF:%d/%m/%Y}, {vendor}, "
        f"{jobs} connection{'s' if jobs > 1 else ''}."
    )

    tallies: list[Tally] = []
    with transaction.atomic():
        bases = _bases(tables)
        with connection.cursor() as cursor:
            _prepare(cursor)
        tally = Tally()
        tallies.append(tally)
        tick = time.perf_counter()
        villages_generate(ref, Sink(tables, tally), Ids(bases["village"]), seed, scale)
        phases["villages"] = time.perf_counter() - tick

        def works(sink):
            WorkGenerator(ref, sink, bases, seed, scale).run()

        def household_part(part):
            return lambda sink: HouseholdGenerator(
                ref, sink, bases, seed, scale, part, HOUSEHOLD_PARTS, taken_ids
            ).run()

        streams = [("works", works)] + [
            (f"households {p + 1}/{HOUSEHOLD_PARTS}", household_part(p)) for p in range(HOUSEHOLD_PARTS)
        ]
        tick = time.perf_counter()
        if jobs == 1:
            for _name, stream in streams:
                tally = Tally()
                tallies.append(tally)
                stream(Sink(tables, tally))
            if vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    if jobs > 1:
        # The villages are committed; each stream writes in its own connection and transaction, and all
        # of them commit only if every one succeeded.
        errors: list[BaseException] = []
        barrier = threading.Barrier(len(streams))
        stream_tallies = [Tally() for _ in streams]
        tallies.extend(stream_tallies)

        def run(stream, tally):
            try:
                with transaction.atomic():
                    try:
                        with connection.cursor() as cursor:
                            _prepare(cursor)
                        stream(Sink(tables, tally))
                    except BaseException as error:  # noqa: BLE001 (reported by the main thread)
                        errors.append(error)
                    try:
                        barrier.wait(timeout=3_600)
                    except threading.BrokenBarrierError:
                        pass
                    if errors:
                        transaction.set_rollback(True)
            except BaseException as error:  # noqa: BLE001
                errors.append(error)
            finally:
                connection.close()

        threads = [
            threading.Thread(target=run, args=(stream, tally), name=name, daemon=True)
            for (name, stream), tally in zip(streams, stream_tallies, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
    phases["works and households"] = time.perf_counter() - tick

    tick = time.perf_counter()
    with connection.cursor() as cursor:
        written = [key for key in TABLE_ORDER if any(t.rows.get(key) for t in tallies)]
        if vendor == "postgresql":
            for key in written:
                table = tables[key].db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM \"{table}\"))",
                    [f'"{table}"'],
                )
            phases["sequences"] = time.perf_counter() - tick
            tick = time.perf_counter()
            # the capital summary too: its triggers wrote a line per work, year, source, type and month
            names = ", ".join([*(f'"{tables[key].db_table}"' for key in written), f'"{CapitalSummary._meta.db_table}"'])
            # and the administrative units the lists of a province are planned by
            names += ", " + ", ".join(f'"{model._meta.db_table}"' for model in (Province, District, Commune))
            if connection.in_atomic_block:
                cursor.execute("ANALYZE " + names)
                phases["analyze"] = time.perf_counter() - tick
            else:
                # as a database administrator leaves a table just loaded: the statistics, the visibility map
                # (the covering indexes answer from the index alone) and the search indexes' pending entries
                # merged (a trigram index keeps new rows in a list it reads through on every search until then)
                cursor.execute("VACUUM (ANALYZE) " + names)
                phases["vacuum and analyze"] = time.perf_counter() - tick

    rows: Counter = Counter()
    seconds: Counter = Counter()
    stats: Counter = Counter()
    checksums: dict[str, str] = {}
    for key in TABLE_ORDER:
        parts = [t.checksums[key] for t in tallies if key in t.checksums]
        if parts:
            checksums[key] = f"{zlib.crc32(' '.join(map(str, parts)).encode()):08x}"
    for t in tallies:
        rows.update(t.rows)
        seconds.update(t.seconds)
        stats.update(t.stats)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = Result(
        seed,
        scale,
        dict(rows),
        dict(seconds),
        checksums,
        stats,
        time.perf_counter() - started,
        phases,
        peak,
        jobs,
        vendor,
        os.getloadavg()[0],
    )
    if stdout is not None:
        stdout.write(summary(result, tables))
    return result


def summary(result: Result, tables: dict[str, Table] | None = None) -> str:
    """The table of what was made, then the proportions that make it realistic."""
    tables = tables or _tables()
    lines = []
    width = 42
    lines.append(f"{'table':<{width}} {'rows':>12} {'write s':>9} {'rows/s':>10}  checksum")
    for key in TABLE_ORDER:
        if key not in result.rows:
            continue
        n, s = result.rows[key], result.seconds.get(key, 0.0)
        rate = f"{n / s:,.0f}" if s > 0 else "-"
        lines.append(f"{tables[key].label:<{width}} {n:>12,} {s:>9.1f} {rate:>10}  {result.checksums.get(key, '')}")
    lines.append(
        f"{'total':<{width}} {result.total_rows:>12,} {result.wall:>9.1f} {result.total_rows / result.wall:>10,.0f}"
    )
    lines.append(
        "Write seconds include the database's constraint checks; with several connections they overlap, so they "
        "add up to more than the wall time."
    )
    lines.append("Phases: " + ", ".join(f"{name} {s:.1f} s" for name, s in result.phases.items()))
    lines.append(
        f"Wall time {result.wall:.1f} s, peak RSS {result.peak_rss_mb:,.0f} MB, {result.jobs} connection(s); "
        f"load average {result.load_average:.1f} (other work on the machine slows the run)."
    )
    st = result.stats
    works = st["works"] or 1
    lines.append("")
    lines.append(
        f"Works: {st['works']:,} ({st['works on legacy communes']:,} on legacy communes, for 2021-2025), "
        f"{st['works funded by two programs']:,} funded by two programs, {st['small works']:,} small works."
    )
    lines.append(
        "  by program: "
        + ", ".join(
            f"{p} {st[f'works funded by {p}']:,} ({100 * st[f'works funded by {p}'] / works:.0f}%)"
            for p in ("NTP-1719", "NTP-GNBV", "NTP-NTM", "NTP-2026")
        )
    )
    lines.append("  by status: " + ", ".join(f"{s} {st[f'status {s}']:,}" for s in STATUSES if st[f"status {s}"]))
    lines.append(
        f"Capital: {st['capital lines']:,} (year, source) lines with payments, {st['payments']:,} payments, "
        f"{st['reversal pairs']:,} duplicate payments reversed, {st['adjustments']:,} adjustments, "
        f"{st['extensions']:,} extensions (kéo dài)."
    )
    hh = st["households"] or 1
    lines.append(f"Households: {st['households']:,} ({100 * st['minority households'] / hh:.0f}% ethnic minority).")
    for year in REVIEW_YEARS:
        reviewed = sum(st[f"status {year} {s}"] for s in P) or 1
        lines.append(
            f"  {year}: "
            + ", ".join(
                f"{s} {st[f'status {year} {s}']:,} ({100 * st[f'status {year} {s}'] / reviewed:.1f}%)" for s in P
            )
        )
    lines.append(
        f"Deprivations: {result.rows.get('deprivation', 0):,} rows in tracker_povertyassessment_deprivations, one per "
        "deprivation of each assessment at or below the income line (where the count decides poor or near-poor). "
        "Above the line a household is not poor whatever its count (PovertyStandard.classify), so no rows are "
        "written for it; scoring every assessment would roughly triple the table for no change of status."
    )
    lines.append("Support: " + ", ".join(f"{k.kind} {st[f'support {k.kind}']:,}" for k in SUPPORT_KINDS))
    return "\n".join(lines) + "\n"
