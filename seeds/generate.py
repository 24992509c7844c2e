#!/usr/bin/env python
"""Write the demo data set as the spreadsheets officials would import (CSV, UTF-8 with BOM, as Excel saves).

    .venv/bin/python seeds/generate.py

Deterministic (fixed random seed, standard library only): running it again writes the same bytes. The story
follows the seed articles; every name, ID number, voucher and date below is made up, but these totals come
out exactly:

- Bắc Kạn 2022 (legacy province 06): 249 works (114 rural roads, 2 power, 71 commune radio stations,
  4 classroom works, 43 irrigation, 7 inter-commune roads, 8 other) with 150.823 million VND allocated,
  among them the Bản Chán - Thôm Ưng inter-village road (Xã Mỹ Thanh, 3 km) and the Bó Pia in-village road
  (Xã Quảng Bạch, 300 m, a little over 200 million VND).
- Quảng Ninh 2025 (legacy province 22): 179 works (55 under NTP-1719, 124 under NTP-NTM) with 786.887
  million VND allocated and 381.319 million VND disbursed by 30/06/2025; 73 roads, 70 started, 44
  completed, 72,47 of 151,9 km done.
- Thôm Ưng village (Xã Mỹ Thanh): 30 Dao and Nùng households, 27 of them poor in 2022 (Decree 07/2021).

Communes are read from the `vietnamadminunits` package (MIT licence) that the project installs; the files
record works on the legacy map (before 1 July 2025), by 5-digit GSO commune code.
"""

import csv
import datetime
import importlib.util
import random
import sqlite3
import sys
from decimal import Decimal
from pathlib import Path

SEED = 20220630
OUT = Path(__file__).resolve().parent

BK_PROVINCE = "06"
QN_PROVINCE = "22"
MY_THANH = "02011"
QUANG_BACH = "02038"
THOM_UNG, BAN_CHAN, BO_PIA = "Thôm Ưng", "Bản Chán", "Bó Pia"

BK_TOTAL_K = 150_823_000  # thousand VND
QN_TOTAL_K = 786_887_000
QN_DISBURSED_K = 381_319_000
QN_ROAD_KM_CENTI = 15_190  # 151,90 km in hundredths of a km
QN_ROAD_DONE_CENTI = 7_247  # 72,47 km

# The words officials write in the spreadsheets; tracker/demo.py reads the same words.
WORK_TYPE = {
    "road_centre": "Đường đến trung tâm xã",
    "road_inter_commune": "Đường liên xã",
    "road_inter_village": "Đường liên thôn",
    "road_in_village": "Đường nội thôn",
    "bridge": "Cầu",
    "power": "Cấp điện",
    "irrigation": "Thủy lợi",
    "water": "Nước sinh hoạt",
    "school": "Trường, lớp học",
    "health": "Trạm y tế",
    "cultural_house": "Nhà văn hóa",
    "radio": "Đài truyền thanh xã",
    "market": "Chợ",
    "other": "Công trình khác",
}
ROADS = ("road_centre", "road_inter_commune", "road_inter_village", "road_in_village")
STATUS = {
    "approved": "Đã phê duyệt",
    "construction": "Đang thi công",
    "completed": "Hoàn thành",
}
SOURCE = {"central": "Ngân sách trung ương", "province": "Ngân sách tỉnh", "commune": "Ngân sách xã"}
CAPITAL_TYPE = {"investment": "Đầu tư phát triển", "recurrent": "Sự nghiệp"}
ENTRY_KIND = {"assigned": "Giao", "adjustment": "Điều chỉnh", "extension": "Kéo dài"}
POVERTY = {"poor": "Hộ nghèo", "near_poor": "Hộ cận nghèo", "not_poor": "Hộ không nghèo"}
# Decree 07/2021/NĐ-CP: the 12 indicators, as the columns of the commune's review form.
INDICATORS = [
    "Việc làm",
    "Người phụ thuộc trong hộ gia đình",
    "Dinh dưỡng",
    "Bảo hiểm y tế",
    "Trình độ giáo dục của người lớn",
    "Tình trạng đi học của trẻ em",
    "Chất lượng nhà ở",
    "Diện tích nhà ở bình quân đầu người",
    "Nguồn nước sinh hoạt",
    "Nhà tiêu hợp vệ sinh",
    "Sử dụng dịch vụ viễn thông",
    "Phương tiện phục vụ tiếp cận thông tin",
]
SUPPORT_KIND = {
    "housing_new": "Hỗ trợ làm nhà ở mới",
    "housing_repair": "Hỗ trợ sửa chữa nhà ở",
    "livestock": "Hỗ trợ con giống",
    "electricity": "Hỗ trợ điện sinh hoạt",
}


# --- formatting, as a Vietnamese Excel shows it ------------------------------------------------------------


def vn_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def vn_decimal(value: Decimal) -> str:
    """Decimal('1234.50') → '1.234,5' (dot thousands, comma decimal, no trailing zeros)."""
    sign = "-" if value < 0 else ""
    text = format(abs(value), "f")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    return sign + vn_int(int(whole)) + ("," + fraction if fraction else "")


def million(thousands: int) -> str:
    """An amount in thousand VND as written in a '(triệu đồng)' column: 212_600 → '212,6'."""
    return vn_decimal(Decimal(thousands) / 1000)


def km(centi: int) -> str:
    return vn_decimal(Decimal(centi) / 100)


def day(value: datetime.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def write(name: str, header: list[str], rows: list[list]) -> None:
    with open(OUT / name, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"{name}: {len(rows)} rows")


# --- administrative units ----------------------------------------------------------------------------------


class Commune:
    def __init__(self, row):
        self.code, self.name, self.short, self.kind, self.district, self.district_code = row[:6]
        self.district_short, self.lat, self.lon = row[6:]
        self.villages: list[str] = []

    def __repr__(self):
        return self.name


def dataset_path() -> Path:
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or spec.origin is None:
        sys.exit("Run with the project's Python (.venv/bin/python): the vietnamadminunits package is needed.")
    return Path(spec.origin).parent / "data" / "dataset.db"


def load_communes(province_code: str) -> list[Commune]:
    connection = sqlite3.connect(f"file:{dataset_path()}?mode=ro", uri=True)
    rows = connection.execute(
        "SELECT wardCode, ward, wardShort, wardType, district, districtCode, districtShort, wardLat, wardLon "
        "FROM admin_units_legacy WHERE provinceCode = ? AND wardCode != '' ORDER BY wardCode",
        (province_code,),
    ).fetchall()
    connection.close()
    return [Commune(row) for row in rows]


# --- villages: not in the national data; made-up names in the local style ---------------------------------

TAY_FIRST = ["Nà", "Khuổi", "Phiêng", "Pác", "Cốc", "Khau", "Lủng", "Nặm", "Bó", "Bản", "Slam", "Còi"]
TAY_SECOND = ["Pài", "Mòn", "Lạn", "Khét", "Tấu", "Đeng", "Chang", "Cọ", "Nghè", "Dài", "Quang", "Vài", "Mạ"]
TAY_SECOND += ["Phạ", "Chè", "Luông", "Hin", "Lè", "Bẻ", "Sáng", "Kham", "Mu", "Thoi", "Cáp", "Hon"]
QN_FIRST = ["Khe", "Làng", "Nà", "Pắc", "Bản", "Đồng", "Khe", "Cầu", "Sơn", "Tân", "Bắc", "Nam"]
QN_SECOND = ["Lạc", "Mằn", "Sủi", "Tâm", "Hòa", "Thành", "Lộc", "Phong", "Mó", "Cát", "Chằn", "Pò"]
QN_SECOND += ["Ngàn", "Tiến", "Bình", "Liềng", "Vường", "Quế", "Nhâm", "Sửu", "Hoi", "Dong", "Đài", "Mười"]


def new_village(rng, commune: Commune, first, second) -> str:
    while True:
        name = f"{rng.choice(first)} {rng.choice(second)}"
        if name not in commune.villages:
            commune.villages.append(name)
            return name


def some_village(rng, commune: Commune, first, second) -> str:
    """An existing village of the commune (up to five are named), or a new one."""
    if commune.villages and (len(commune.villages) >= 5 or rng.random() < 0.4):
        return rng.choice(commune.villages)
    return new_village(rng, commune, first, second)


# --- amounts -----------------------------------------------------------------------------------------------


def scale_to(amounts: list[int], total: int, fixed: set[int], step: int = 100) -> list[int]:
    """Scale amounts (thousand VND) so they sum to total exactly, rounding to `step`; fixed indexes stay."""
    fixed_sum = sum(amounts[i] for i in fixed)
    free = [i for i in range(len(amounts)) if i not in fixed]
    factor = Decimal(total - fixed_sum) / sum(amounts[i] for i in free)
    result = list(amounts)
    for i in free:
        result[i] = max(step, int((amounts[i] * factor / step).to_integral_value()) * step)
    largest = max(free, key=lambda i: result[i])
    result[largest] += total - sum(result)
    assert sum(result) == total and result[largest] > 0
    return result


def split(rng, amount: int, parts: int, step: int = 1) -> list[int]:
    """Split an amount (thousand VND) into `parts` positive pieces, multiples of `step` but for the last."""
    if parts == 1 or amount < parts * step * 4:
        return [amount]
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    pieces = [int(amount * w / sum(weights)) // step * step for w in weights[:-1]]
    pieces.append(amount - sum(pieces))
    return pieces


def jitter(rng, value: float, spread: float = 0.02) -> str:
    return vn_decimal(Decimal(str(round(value + rng.uniform(-spread, spread), 6))))


def between(rng, start: datetime.date, end: datetime.date) -> datetime.date:
    if end <= start:
        return start
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


# --- the works ---------------------------------------------------------------------------------------------


class Work:
    def __init__(self, **fields):
        self.villages: list[str] = []
        self.note = ""
        self.actual = None
        self.beneficiaries = ""
        self.__dict__.update(fields)
        self.allocations: list[tuple] = []  # (source, amount in thousand VND, decided on)
        self.paid: dict[str, int] = {}  # source → thousand VND paid

    def get_special(self) -> str:
        return getattr(self, "special", "")


def bk_works(rng) -> list[Work]:
    communes = load_communes(BK_PROVINCE)
    rural = [c for c in communes if c.kind == "Xã"]
    by_code = {c.code: c for c in communes}
    my_thanh, quang_bach = by_code[MY_THANH], by_code[QUANG_BACH]
    # The article's villages hold only the article's works: no made-up work is placed in them.

    def village(commune):
        return some_village(rng, commune, TAY_FIRST, TAY_SECOND)

    plan = [("road_in_village", 59), ("road_inter_village", 40), ("road_centre", 13), ("road_inter_commune", 7)] + [
        ("power", 2),
        ("school", 4),
        ("irrigation", 43),
        ("other", 8),
    ]
    works: list[Work] = []
    # The two roads of the article first; the counts above leave room for them.
    works.append(
        Work(
            type="road_inter_village",
            commune=my_thanh,
            name=f"Đường liên thôn {BAN_CHAN} - {THOM_UNG}, xã Mỹ Thanh",
            villages=[BAN_CHAN, THOM_UNG],
            length=300,
            special="ban_chan",
            note="Đường dốc, trơn trượt; vốn Chương trình 1719 và cân đối ngân sách năm 2022.",
        )
    )
    works.append(
        Work(
            type="road_in_village",
            commune=quang_bach,
            name=f"Bê tông hóa đường nội thôn {BO_PIA}, xã Quảng Bạch",
            villages=[BO_PIA],
            length=30,
            special="bo_pia",
            note="Dài 300 m; nhân dân trong thôn góp công.",
        )
    )
    for commune in rng.sample(rural, 71):
        works.append(Work(type="radio", commune=commune, name=f"Đài truyền thanh xã {commune.short}"))
    names = {w.name for w in works}
    for work_type, count in plan:
        made = 0
        while made < count:
            commune = rng.choice(rural)
            work = Work(type=work_type, commune=commune)
            if work_type == "road_in_village":
                work.villages = [village(commune)]
                work.length = rng.randint(20, 90)
                work.name = f"Đường bê tông nội thôn {work.villages[0]}, xã {commune.short}"
            elif work_type == "road_inter_village":
                first = village(commune)
                second = village(commune)
                while second == first:
                    second = new_village(rng, commune, TAY_FIRST, TAY_SECOND)
                work.villages = [first, second]
                work.length = rng.randint(60, 250)
                work.name = f"Đường liên thôn {first} - {second}, xã {commune.short}"
            elif work_type == "road_centre":
                work.villages = [village(commune)]
                work.length = rng.randint(150, 450)
                work.name = f"Đường từ thôn {work.villages[0]} đến trung tâm xã {commune.short}"
            elif work_type == "road_inter_commune":
                neighbours = [c for c in rural if c.district == commune.district and c is not commune]
                other = rng.choice(neighbours)
                work.length = rng.randint(300, 900)
                work.name = f"Đường liên xã {commune.short} - {other.short}, huyện {commune.district_short}"
            elif work_type == "power":
                work.villages = [village(commune)]
                work.name = f"Cấp điện sinh hoạt thôn {work.villages[0]}, xã {commune.short}"
            elif work_type == "school":
                work.classrooms = rng.choice([2, 3, 4, 6])
                work.name = f"Nhà lớp học {work.classrooms} phòng, Trường PTDTBT Tiểu học và THCS xã {commune.short}"
            elif work_type == "irrigation":
                work.villages = [village(commune)]
                kind = rng.choice(["Kiên cố hóa mương", "Đập dâng và mương", "Sửa chữa, nâng cấp mương"])
                work.name = f"{kind} thủy lợi thôn {work.villages[0]}, xã {commune.short}"
            else:
                work.villages = [village(commune)]
                kind = rng.choice(["Kè chống sạt lở", "Ngầm tràn qua suối", "Sân thể thao"])
                work.name = f"{kind} thôn {work.villages[0]}, xã {commune.short}"
            if work.name not in names:  # two works of one name would confuse every report
                names.add(work.name)
                works.append(work)
                made += 1
    works.sort(key=lambda w: (w.commune.district_code, w.commune.code, ROADS.count(w.type) == 0, w.name))
    for number, work in enumerate(works, 1):
        work.code = f"BK-2022-{number:04d}"
    return works


def bk_details(rng, works: list[Work]) -> None:
    """Capacity, cost, status and dates of the Bắc Kạn 2022 works."""
    costs = []
    for work in works:
        special = getattr(work, "special", "")
        work.program, work.component = "NTP-1719", "DA4.TDA1"
        if work.type in ROADS:
            work.capacity, work.unit = km(work.length), "km"
            per_km = {"road_in_village": (620, 820), "road_inter_village": (600, 800)}.get(work.type, (780, 1050))
            cost = work.length * rng.randint(*per_km) * 10  # hundredths of a km × million/km → thousand VND
            work.households = rng.randint(25, 140)
        elif work.type == "radio":
            work.capacity, work.unit = str(rng.randint(6, 14)), "cụm"
            cost = rng.randint(240, 330) * 1000
            work.households = rng.randint(300, 900)
        elif work.type == "power":
            work.capacity, work.unit = str(rng.randint(30, 60)), "hộ"
            cost = rng.randint(1400, 2100) * 1000
            work.households = int(work.capacity)
        elif work.type == "school":
            work.capacity, work.unit = str(work.classrooms), "phòng học"
            cost = work.classrooms * rng.randint(600, 750) * 1000
            work.households = None
        elif work.type == "irrigation":
            work.capacity, work.unit = vn_decimal(Decimal(rng.randint(40, 350)) / 10), "ha"
            cost = rng.randint(300, 900) * 1000
            work.households = rng.randint(20, 120)
        else:
            work.capacity, work.unit = str(rng.randint(40, 180)), "m"
            cost = rng.randint(350, 800) * 1000
            work.households = rng.randint(20, 90)
        if special == "ban_chan":
            cost = 3_380_000
        if special == "ban_chan":
            work.households = 72
        elif special == "bo_pia":
            cost = 212_600
            work.households = 57
        costs.append(cost)
    fixed = {i for i, w in enumerate(works) if getattr(w, "special", "")}
    amounts = scale_to(costs, BK_TOTAL_K, fixed)

    allocated_on = datetime.date(2022, 6, 15)
    counterpart_on = datetime.date(2022, 7, 20)
    for work, amount in zip(works, amounts, strict=True):
        special = getattr(work, "special", "")
        work.allocated_on = allocated_on
        if special == "ban_chan":
            work.allocations = [("central", 2_830_000, allocated_on), ("province", 550_000, counterpart_on)]
        elif special != "bo_pia" and work.type not in ("radio",) and rng.random() < 0.22:
            local = int(amount * rng.uniform(0.08, 0.18)) // 100 * 100
            work.allocations = [("central", amount - local, allocated_on), ("province", local, counterpart_on)]
        else:
            work.allocations = [("central", amount, allocated_on)]
        total = amount
        small = total <= 5_000_000 and work.type not in ("school", "road_inter_commune", "power")
        work.small = small
        if special == "ban_chan":
            work.small = False
            work.approved = 4_650_000  # the rest comes from the 2023 plan
        else:
            work.approved = total
        district = work.commune.district.replace("Huyện ", "huyện ").replace("Thành Phố ", "thành phố ")
        work.investor = f"UBND xã {work.commune.short}" if work.small else f"Ban QLDA đầu tư xây dựng {district}"
        work.lat = jitter(rng, work.commune.lat)
        work.lon = jitter(rng, work.commune.lon)

        # Status on 31/12/2022: most small works done, the larger ones still building, a few not started.
        roll = rng.random()
        if special == "bo_pia":
            work.status, work.start = "completed", datetime.date(2022, 7, 5)
            work.actual = datetime.date(2022, 9, 20)
            work.planned = datetime.date(2022, 10, 30)
        elif special == "ban_chan":
            work.status, work.start = "construction", datetime.date(2022, 8, 1)
            work.planned = datetime.date(2023, 6, 30)
        else:
            if roll < 0.03:
                work.status = "approved"
            elif roll < (0.72 if work.small else 0.35):
                work.status = "completed"
            else:
                work.status = "construction"
            work.start = between(rng, datetime.date(2022, 7, 1), datetime.date(2022, 10, 15))
            months = 3 if work.small else rng.choice([5, 6, 8])
            work.planned = work.start + datetime.timedelta(days=30 * months + rng.randint(0, 20))
            if work.status == "completed":
                work.actual = min(
                    work.start + datetime.timedelta(days=rng.randint(60, 150)), datetime.date(2022, 12, 28)
                )
            elif work.status == "approved":
                work.start = None
                work.planned = datetime.date(2023, 6, 30)


def bk_progress_and_payments(rng, works: list[Work]) -> tuple[list, list]:
    reports, payments = [], []
    voucher = 0
    september, december = datetime.date(2022, 9, 30), datetime.date(2022, 12, 31)
    deadline = datetime.date(2023, 1, 31)
    for work in works:
        if work.status == "approved":
            continue
        length = getattr(work, "length", None)
        final = 100 if work.status == "completed" else rng.randint(25, 85)
        if work.get_special() == "ban_chan":
            final = 55
        dates = []
        if work.start <= datetime.date(2022, 9, 10):
            done_by_september = work.actual is not None and work.actual <= september
            share = 100 if done_by_september else min(final - 5, rng.randint(15, 60))
            dates.append((september, share, "completed" if done_by_september else "construction"))
        if not (dates and dates[0][2] == "completed"):
            dates.append((december, final, work.status))
        for on, percent, status in dates:
            quantity = ""
            if length is not None:
                quantity = km(length if percent == 100 else length * percent // 100)
                if work.get_special() == "ban_chan" and on == december:
                    quantity = "1,6"
            note = "Đã nghiệm thu, bàn giao đưa vào sử dụng." if status == "completed" else ""
            reports.append(
                [work.code, day(on), str(percent), quantity, work.unit if quantity else "", STATUS[status], note]
            )

        # Payments: an advance after the start, an interim payment, the rest after acceptance (by 31/01/2023).
        for source, amount, decided_on in work.allocations:
            share = rng.uniform(0.93, 1.0) if work.status == "completed" else rng.uniform(0.35, 0.8) * final / 85
            if work.status == "completed" and rng.random() < 0.55:
                share = 1
            paid_total = min(amount, int(amount * share))
            first_day = max(work.start, decided_on) + datetime.timedelta(days=rng.randint(7, 25))
            last_day = deadline if work.actual else datetime.date(2022, 12, 31)
            pieces = split(rng, paid_total, rng.choice([1, 1, 2, 3]), step=1000)
            days = sorted(between(rng, first_day, last_day) for _ in pieces)
            if work.actual:
                days[-1] = between(rng, max(work.actual, days[-1]), deadline)
            work.paid[source] = paid_total
            for piece, paid_on in zip(pieces, days, strict=True):
                voucher += 1
                payments.append(
                    [work.code, "2022", SOURCE[source], CAPITAL_TYPE["investment"], million(piece)]
                    + [f"KB06-{paid_on:%y}-{voucher:05d}", day(paid_on), "", ""]
                )
    return reports, payments


# --- Quảng Ninh 2025 ---------------------------------------------------------------------------------------


def qn_works(rng) -> list[Work]:
    communes = load_communes(QN_PROVINCE)
    rural = [c for c in communes if c.kind == "Xã"]
    mountain = [c for c in rural if c.district_code in ("198", "199", "200", "201", "202")]

    def village(commune):
        return some_village(rng, commune, QN_FIRST, QN_SECOND)

    roads = {"NTP-1719": [12, 7, 4, 2], "NTP-NTM": [18, 18, 8, 4]}  # in-village, inter-village, centre, commune
    others = {
        "NTP-1719": [("water", 10), ("cultural_house", 8), ("school", 4), ("market", 2), ("radio", 3)]
        + [("irrigation", 2), ("bridge", 1)],
        "NTP-NTM": [("water", 10), ("cultural_house", 17), ("school", 8), ("market", 6), ("radio", 9)]
        + [("irrigation", 12), ("bridge", 7), ("health", 7)],
    }
    works: list[Work] = []
    names: set[str] = set()
    for program, pool, component in (("NTP-1719", mountain, "DA4.TDA1"), ("NTP-NTM", rural, "ND2")):
        road_plan = list(
            zip(
                ("road_in_village", "road_inter_village", "road_centre", "road_inter_commune"),
                roads[program],
                strict=True,
            )
        )
        for work_type, count in road_plan + others[program]:
            made = 0
            while made < count:
                commune = rng.choice(pool)
                work = Work(type=work_type, commune=commune, program=program, component=component)
                if work_type == "road_in_village":
                    work.villages = [village(commune)]
                    work.length = rng.randint(40, 160)
                    work.name = f"Cải tạo, nâng cấp đường nội thôn {work.villages[0]}, xã {commune.short}"
                elif work_type == "road_inter_village":
                    first, second = village(commune), new_village(rng, commune, QN_FIRST, QN_SECOND)
                    work.villages = [first, second]
                    work.length = rng.randint(100, 320)
                    work.name = f"Cải tạo, nâng cấp đường liên thôn {first} - {second}, xã {commune.short}"
                elif work_type == "road_centre":
                    work.villages = [village(commune)]
                    work.length = rng.randint(200, 520)
                    work.name = f"Nâng cấp đường từ thôn {work.villages[0]} đến trung tâm xã {commune.short}"
                elif work_type == "road_inter_commune":
                    neighbours = [c for c in rural if c.district == commune.district and c is not commune]
                    other = rng.choice(neighbours) if neighbours else commune
                    work.length = rng.randint(350, 800)
                    work.name = f"Cải tạo, nâng cấp đường liên xã {commune.short} - {other.short}"
                elif work_type == "water":
                    work.villages = [village(commune)]
                    work.name = f"Công trình cấp nước sinh hoạt tập trung thôn {work.villages[0]}, xã {commune.short}"
                elif work_type == "cultural_house":
                    work.villages = [village(commune)]
                    work.name = f"Nhà văn hóa thôn {work.villages[0]}, xã {commune.short}"
                elif work_type == "school":
                    work.classrooms = rng.choice([4, 6, 8])
                    work.name = f"Nhà lớp học {work.classrooms} phòng, trường tiểu học xã {commune.short}"
                elif work_type == "market":
                    work.name = f"Chợ nông thôn xã {commune.short}"
                elif work_type == "radio":
                    work.name = f"Hệ thống truyền thanh ứng dụng công nghệ thông tin xã {commune.short}"
                elif work_type == "irrigation":
                    work.villages = [village(commune)]
                    work.name = f"Kiên cố hóa kênh mương thôn {work.villages[0]}, xã {commune.short}"
                elif work_type == "bridge":
                    work.villages = [village(commune)]
                    work.name = f"Cầu dân sinh thôn {work.villages[0]}, xã {commune.short}"
                else:
                    work.name = f"Cải tạo, nâng cấp trạm y tế xã {commune.short}"
                if work.name not in names:
                    names.add(work.name)
                    works.append(work)
                    made += 1
    works.sort(key=lambda w: (w.program, w.commune.district_code, w.commune.code, w.type not in ROADS, w.name))
    for number, work in enumerate(works, 1):
        work.code = f"QN-2025-{number:04d}"
    return works


def qn_roads(rng, roads: list[Work]) -> None:
    """Lengths summing to 151,9 km; 44 completed, 26 building, 3 not started; 72,47 km done."""
    lengths = scale_to([w.length for w in roads], QN_ROAD_KM_CENTI, set(), step=1)
    for work, length in zip(roads, lengths, strict=True):
        work.length = length
    order = sorted(range(len(roads)), key=lambda i: roads[i].length)
    for _ in range(10_000):
        completed = set(rng.sample(order[:58], 44))
        completed_km = sum(roads[i].length for i in completed)
        if 5_500 <= completed_km <= 6_300:
            break
    else:
        raise AssertionError("no mix of completed roads fits the reported 72,47 km")
    rest = [i for i in range(len(roads)) if i not in completed]
    not_started = set(rng.sample(rest, 3))
    building = [i for i in rest if i not in not_started]
    to_share = QN_ROAD_DONE_CENTI - completed_km
    weights = [rng.uniform(0.4, 1.6) * roads[i].length for i in building]
    done = [int(to_share * w / sum(weights)) for w in weights]
    done[-1] += to_share - sum(done)
    for i, quantity in zip(building, done, strict=True):
        assert 0 < quantity < roads[i].length, (quantity, roads[i].length)
        roads[i].done, roads[i].status = quantity, "construction"
    for i in completed:
        roads[i].done, roads[i].status = roads[i].length, "completed"
    for i in not_started:
        roads[i].done, roads[i].status = None, "approved"
    assert sum(w.done for w in roads if w.done) == QN_ROAD_DONE_CENTI


def qn_details(rng, works: list[Work]) -> None:
    qn_roads(rng, [w for w in works if w.type in ROADS])
    costs = []
    for work in works:
        if work.type in ROADS:
            work.capacity, work.unit = km(work.length), "km"
            cost = work.length * rng.randint(1900, 2900) * 10
            work.households = rng.randint(60, 400)
        elif work.type == "water":
            work.capacity, work.unit = str(rng.randint(60, 320)), "hộ"
            cost = rng.randint(2500, 8000) * 1000
            work.households = int(work.capacity)
        elif work.type == "cultural_house":
            work.capacity, work.unit = str(rng.randint(120, 260)), "m2"
            cost = rng.randint(1500, 3600) * 1000
            work.households = rng.randint(60, 200)
        elif work.type == "school":
            work.capacity, work.unit = str(work.classrooms), "phòng học"
            cost = work.classrooms * rng.randint(800, 1100) * 1000
            work.households = None
        elif work.type == "market":
            work.capacity, work.unit = str(rng.randint(800, 2500)), "m2"
            cost = rng.randint(4500, 11000) * 1000
            work.households = rng.randint(400, 1500)
        elif work.type == "radio":
            work.capacity, work.unit = str(rng.randint(8, 20)), "cụm"
            cost = rng.randint(700, 1500) * 1000
            work.households = rng.randint(500, 1500)
        elif work.type == "irrigation":
            work.capacity, work.unit = vn_decimal(Decimal(rng.randint(80, 600)) / 10), "ha"
            cost = rng.randint(2000, 6500) * 1000
            work.households = rng.randint(40, 250)
        elif work.type == "bridge":
            work.capacity, work.unit = str(rng.randint(18, 60)), "m"
            cost = rng.randint(3500, 12000) * 1000
            work.households = rng.randint(80, 400)
        else:
            work.capacity, work.unit = str(rng.randint(250, 450)), "m2"
            cost = rng.randint(3000, 6500) * 1000
            work.households = None
        costs.append(cost)
    amounts = scale_to(costs, QN_TOTAL_K, set())

    assigned_on, counterpart_on = datetime.date(2025, 1, 15), datetime.date(2025, 2, 25)
    for work, amount in zip(works, amounts, strict=True):
        if work.program == "NTP-NTM" and rng.random() < 0.25:
            local = int(amount * rng.uniform(0.05, 0.15)) // 100 * 100
            work.allocations = [("province", amount - local, assigned_on), ("commune", local, counterpart_on)]
        else:
            work.allocations = [("province", amount, assigned_on)]
        work.approved = amount
        work.small = amount <= 5_000_000 and work.type not in ("school", "market", "bridge", "road_inter_commune")
        district = work.commune.district
        for old, new in (("Huyện ", "huyện "), ("Thành phố ", "thành phố "), ("Thị xã ", "thị xã ")):
            district = district.replace(old, new)
        work.investor = f"UBND xã {work.commune.short}" if work.small else f"Ban QLDA đầu tư xây dựng {district}"
        work.lat = jitter(rng, work.commune.lat)
        work.lon = jitter(rng, work.commune.lon)
        if work.type not in ROADS:
            roll = rng.random()
            work.status = "approved" if roll < 0.12 else "completed" if roll < 0.5 else "construction"
        if work.status == "approved":
            work.start = None
            work.planned = datetime.date(2025, 12, 31)
        elif work.status == "completed":
            work.start = between(rng, datetime.date(2025, 2, 10), datetime.date(2025, 3, 25))
            work.actual = between(rng, work.start + datetime.timedelta(days=60), datetime.date(2025, 6, 25))
            work.planned = work.start + datetime.timedelta(days=rng.choice([90, 120, 150]))
        else:
            work.start = between(rng, datetime.date(2025, 2, 10), datetime.date(2025, 5, 20))
            work.planned = work.start + datetime.timedelta(days=rng.choice([150, 180, 240, 270]))


def qn_progress_and_payments(rng, works: list[Work]) -> tuple[list, list]:
    march, june = datetime.date(2025, 3, 31), datetime.date(2025, 6, 30)
    reports = []
    for work in works:
        if work.status == "approved":
            continue
        length = getattr(work, "length", None)
        if work.status == "completed":
            final = 100
        elif length is not None:
            final = max(1, round(100 * work.done / length))
        else:
            final = rng.randint(15, 85)
        if final == 100 and work.status != "completed":
            final = 99
        if work.start <= datetime.date(2025, 3, 20):
            share = max(1, min(final - 1, rng.randint(5, 35)))
            quantity = km(length * share // 100) if length is not None else ""
            reports.append(
                [work.code, day(march), str(share), quantity, work.unit if quantity else "", STATUS["construction"], ""]
            )
        quantity = km(work.done) if length is not None else ""
        note = "Đã nghiệm thu, bàn giao đưa vào sử dụng." if work.status == "completed" else ""
        reports.append(
            [work.code, day(june), str(final), quantity, work.unit if quantity else "", STATUS[work.status], note]
        )

    # What each work-source line had paid by 30/06/2025, scaled to the reported total exactly.
    lines = []
    for work in works:
        for source, amount, decided_on in work.allocations:
            if work.status == "approved":
                share = 0
            elif work.status == "completed":
                share = rng.uniform(0.7, 1.0)
            else:
                share = rng.uniform(0.15, 0.6)
            lines.append([work, source, amount, decided_on, int(amount * share)])
    factor = Decimal(QN_DISBURSED_K) / sum(line[4] for line in lines)
    for line in lines:
        line[4] = min(line[2], int(line[4] * factor) // 1000 * 1000)
    gap = QN_DISBURSED_K - sum(line[4] for line in lines)
    for line in sorted((x for x in lines if x[4]), key=lambda x: x[2] - x[4], reverse=True):
        take = min(gap, line[2] - line[4])
        line[4] += take
        gap -= take
        if not gap:
            break
    assert gap == 0 and sum(line[4] for line in lines) == QN_DISBURSED_K

    payments = []
    voucher = 0
    duplicated = False
    for work, source, amount, decided_on, paid in lines:
        if not paid:
            continue
        first_day = max(work.start, decided_on) + datetime.timedelta(days=rng.randint(5, 20))
        pieces = split(rng, paid, rng.choice([1, 1, 2, 3]), step=1000)
        days = sorted(between(rng, first_day, june) for _ in pieces)
        for index, (piece, paid_on) in enumerate(zip(pieces, days, strict=True)):
            voucher += 1
            number = f"KB22-{paid_on:%y}-{voucher:05d}"
            payments.append(
                [work.code, "2025", SOURCE[source], CAPITAL_TYPE["investment"], million(piece), number, day(paid_on)]
                + ["", ""]
            )
            # Once: a voucher entered twice, then reversed (never deleted) a few days later.
            if not duplicated and index == 0 and len(pieces) == 1 and paid * 2 <= amount and paid_on.month <= 5:
                duplicated = True
                payments.append(
                    [work.code, "2025", SOURCE[source], CAPITAL_TYPE["investment"], million(piece), number]
                    + [day(paid_on), "", "Nhập trùng chứng từ"]
                )
                reversed_on = paid_on + datetime.timedelta(days=6)
                payments.append(
                    [work.code, "2025", SOURCE[source], CAPITAL_TYPE["investment"], million(-piece), number]
                    + [day(reversed_on), number, "Hủy chứng từ nhập trùng"]
                )
        # Payments after the report date, so that "as of 30/06/2025" means something.
        if work.status == "construction" and rng.random() < 0.15 and amount - paid >= 100_000:
            extra = min(amount - paid, int((amount - paid) * rng.uniform(0.1, 0.4)) // 1000 * 1000)
            paid_on = between(rng, datetime.date(2025, 7, 3), datetime.date(2025, 7, 25))
            voucher += 1
            payments.append(
                [work.code, "2025", SOURCE[source], CAPITAL_TYPE["investment"], million(extra)]
                + [f"KB22-{paid_on:%y}-{voucher:05d}", day(paid_on), "", ""]
            )
    assert duplicated
    return reports, payments


# --- households of Thôm Ưng --------------------------------------------------------------------------------

DAO_SURNAMES = ["Triệu", "Bàn", "Lý", "Đặng", "Phùng", "Chu"]
NUNG_SURNAMES = ["Hoàng", "Nông", "Lương", "Vi", "Lục", "Mông"]
MALE_NAMES = ["Sinh", "Quý", "Tài", "Phú", "Lâm", "Chòi", "Kiều", "Minh", "Thắng", "Nhất", "Sằn", "Phin"]
MALE_NAMES += ["Tiến", "Hải", "Dũng", "Cường", "Vần", "Lìn", "Sơn", "Toàn"]
FEMALE_NAMES = ["Mai", "Hoa", "Nhì", "Xuân", "Phượng", "Dung", "Chang", "Hiền", "Hương"]
# Names from the article belong to real people: never give them to made-up records.
REAL_PEOPLE = {"Triệu Văn Hữu", "Nguyễn Thị Loan"}


def households(rng) -> tuple[list, list, list]:
    rows, statuses, supports = [], [], []
    used_names, used_ids = set(REAL_PEOPLE), set()
    groups = ["09"] * 20 + ["07"] * 10
    rng.shuffle(groups)
    kinds = ["poor"] * 27 + ["near_poor"] * 2 + ["not_poor"]
    rng.shuffle(kinds)
    # Weights: this village lacks houses, water and latrines far more than schooling (100% attend).
    weights = [6, 3, 4, 1, 5, 0, 8, 6, 8, 9, 3, 1]
    for number in range(1, 31):
        ethnic = groups[number - 1]
        female = rng.random() < 0.2
        while True:
            surname = rng.choice(DAO_SURNAMES if ethnic == "09" else NUNG_SURNAMES)
            given = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
            name = f"{surname} {'Thị' if female else 'Văn'} {given}"
            if name not in used_names:
                used_names.add(name)
                break
        born = rng.randint(1958, 1996)
        while True:
            id_number = f"006{int(female) + (2 if born >= 2000 else 0)}{born % 100:02d}{rng.randint(0, 999_999):06d}"
            if id_number not in used_ids:
                used_ids.add(id_number)
                break
        code = f"{MY_THANH}-TU-{number:03d}"
        rows.append(
            [code, name, id_number, ethnic, "Dao" if ethnic == "09" else "Nùng", MY_THANH, "Xã Mỹ Thanh", THOM_UNG]
            + [str(rng.randint(3, 7)), f"Thôn {THOM_UNG}, xã Mỹ Thanh, huyện Bạch Thông, tỉnh Bắc Kạn"]
        )
        kind = kinds[number - 1]
        if kind == "poor":
            income = rng.randint(55, 140) * 10_000
            count = rng.choice([3, 3, 4, 4, 5, 6])
        elif kind == "near_poor":
            income = rng.randint(120, 148) * 10_000
            count = rng.choice([1, 2])
        else:
            income = rng.randint(156, 185) * 10_000
            count = 2
        deprived = set()
        while len(deprived) < count:
            deprived.add(rng.choices(range(12), weights=weights)[0])
        marks = ["x" if i in deprived else "" for i in range(12)]
        statuses.append([code, "2022", "ND07-2021", vn_int(income), POVERTY[kind]] + marks + ["", "12/12/2022"])
        # A few supports: new houses, cows or pigs, household connections to the grid.
        if kind == "poor" and 6 in deprived and len([s for s in supports if s[4] == SUPPORT_KIND["housing_new"]]) < 3:
            supports.append(
                [code, "2022", "NTP-1719", "DA1", SUPPORT_KIND["housing_new"], "40", "1", "nhà"]
                + [
                    day(between(rng, datetime.date(2022, 8, 1), datetime.date(2022, 11, 30))),
                    "Hỗ trợ xây nhà ở mới theo Quyết định 1719/QĐ-TTg",
                ]
            )
        elif kind == "poor" and rng.random() < 0.3:
            animal, amount, unit = rng.choice([("1", "16", "con bò"), ("2", "9,6", "con lợn nái")])
            supports.append(
                [code, "2022", "NTP-GNBV", "DA3.TDA1", SUPPORT_KIND["livestock"], amount, animal, unit]
                + [
                    day(between(rng, datetime.date(2022, 9, 1), datetime.date(2022, 12, 15))),
                    "Hỗ trợ phát triển sản xuất",
                ]
            )
        if number % 6 == 1:
            supports.append(
                [code, "2021", "NTP-1719", "DA4.TDA1", SUPPORT_KIND["electricity"], "1,2", "", ""]
                + [day(datetime.date(2021, 11, 15)), "Hỗ trợ đấu nối điện lưới vào nhà"]
            )
    return rows, statuses, supports


# --- the files ---------------------------------------------------------------------------------------------


def work_rows(works: list[Work]) -> list[list]:
    rows = []
    for w in works:
        rows.append(
            [w.code, w.name, w.commune.code, w.commune.name, "; ".join(w.villages), WORK_TYPE[w.type], ""]
            + [w.program, w.component, w.investor, w.capacity, w.unit, million(w.approved), "x" if w.small else ""]
            + [STATUS[w.status], day(w.start), day(w.planned), day(w.actual), w.lat, w.lon]
            + [str(w.households) if w.households else "", w.note]
        )
    return rows


def allocation_rows(works: list[Work], year: int) -> list[list]:
    rows = []
    for w in works:
        for source, amount, decided_on in w.allocations:
            note = f"Quyết định giao kế hoạch vốn năm {year} của UBND tỉnh"
            rows.append(
                [w.code, w.program, w.component, str(year), SOURCE[source], CAPITAL_TYPE["investment"]]
                + [ENTRY_KIND["assigned"], million(amount), "", day(decided_on), note]
            )
    return rows


def plan_rows(province: str, works: list[Work], year: int, decided_on: datetime.date, margins: dict) -> list:
    """Province plan entries: what was allocated to works plus an unallocated remainder."""
    totals: dict = {}
    for w in works:
        for source, amount, _ in w.allocations:
            key = (w.program, w.component, source)
            totals[key] = totals.get(key, 0) + amount
    rows = []
    for (program, component, source), amount in sorted(totals.items()):
        if source == "commune":
            continue
        rows.append(
            [province, "", program, component, str(year), SOURCE[source], CAPITAL_TYPE["investment"]]
            + [ENTRY_KIND["assigned"], million(amount + margins.get((program, source), 0)), "", day(decided_on)]
            + [f"Kế hoạch vốn năm {year} giao cho tỉnh"]
        )
    by_commune: dict = {}
    for w in works:
        for source, amount, counterpart_on in w.allocations:
            if source == "commune":
                key = (w.commune.code, w.program, w.component, counterpart_on)
                by_commune[key] = by_commune.get(key, 0) + amount
    for (commune, program, component, counterpart_on), amount in sorted(by_commune.items()):
        rows.append(
            [province, commune, program, component, str(year), SOURCE["commune"], CAPITAL_TYPE["investment"]]
            + [ENTRY_KIND["assigned"], million(amount), "", day(counterpart_on), "Vốn đối ứng ngân sách xã"]
        )
    return rows


def main() -> None:
    rng = random.Random(SEED)
    bk = bk_works(rng)
    bk_details(rng, bk)
    bk_reports, bk_payments = bk_progress_and_payments(rng, bk)
    qn = qn_works(rng)
    qn_details(rng, qn)
    qn_reports, qn_payments = qn_progress_and_payments(rng, qn)
    homes, statuses, supports = households(rng)

    assert len(bk) == 249 and sum(a for w in bk for _, a, _ in w.allocations) == BK_TOTAL_K
    assert len(qn) == 179 and sum(a for w in qn for _, a, _ in w.allocations) == QN_TOTAL_K
    assert sum(w.program == "NTP-1719" for w in qn) == 55

    # Two in-year corrections in Bắc Kạn: capital moved between works, the province total unchanged.
    allocations = allocation_rows(bk, 2022)
    donor = next(w for w in bk if w.status == "approved" and len(w.allocations) == 1)
    taker = next(w for w in bk if w.type == "irrigation" and w.status == "construction" and len(w.allocations) == 1)
    moved = 150_000
    for work, amount in ((donor, -moved), (taker, moved)):
        allocations.append(
            [work.code, "NTP-1719", "DA4.TDA1", "2022", SOURCE["central"], CAPITAL_TYPE["investment"]]
            + [ENTRY_KIND["adjustment"], million(amount), "", day(datetime.date(2022, 10, 20))]
            + ["Điều chỉnh kế hoạch vốn giữa các công trình"]
        )
    allocations += allocation_rows(qn, 2025)

    # Only the villages a work or a household names (households live in Thôm Ưng, which a work names).
    villages = {(w.commune.code, w.commune.name, name, "") for w in bk + qn for name in w.villages}
    villages = sorted(villages)
    assert (MY_THANH, "Xã Mỹ Thanh", THOM_UNG, "") in villages

    plans = plan_rows(BK_PROVINCE, bk, 2022, datetime.date(2022, 5, 31), {("NTP-1719", "central"): 4_275_500})
    # The National Assembly let unspent 2022 capital run into 2023: the central capital not paid by 31/01/2023.
    central = sum(a for w in bk for s, a, _ in w.allocations if s == "central")
    unspent = (central - sum(w.paid.get("central", 0) for w in bk)) // 100 * 100
    plans.append(
        [BK_PROVINCE, "", "NTP-1719", "DA4.TDA1", "2022", SOURCE["central"], CAPITAL_TYPE["investment"]]
        + [ENTRY_KIND["extension"], million(unspent), "31/12/2023", "15/02/2023"]
        + ["Kéo dài thời gian giải ngân vốn năm 2022 sang năm 2023"]
    )
    plans += plan_rows(
        QN_PROVINCE,
        qn,
        2025,
        datetime.date(2024, 12, 20),
        {("NTP-1719", "province"): 6_350_000, ("NTP-NTM", "province"): 7_913_000},
    )

    write(
        "villages.csv",
        ["Mã xã", "Tên xã", "Tên thôn/bản", "Mã thôn"],
        [list(v) for v in villages],
    )
    write(
        "works.csv",
        ["Mã công trình", "Tên công trình", "Mã xã", "Tên xã", "Thôn/bản", "Loại công trình", "Duy tu, sửa chữa"]
        + ["Chương trình", "Mã hợp phần", "Chủ đầu tư", "Quy mô", "Đơn vị tính", "Tổng mức đầu tư (triệu đồng)"]
        + ["Công trình quy mô nhỏ", "Tình trạng", "Ngày khởi công", "Ngày hoàn thành theo kế hoạch"]
        + ["Ngày hoàn thành thực tế", "Vĩ độ", "Kinh độ", "Số hộ hưởng lợi", "Ghi chú"],
        work_rows(bk) + work_rows(qn),
    )
    write(
        "allocations.csv",
        ["Mã công trình", "Chương trình", "Mã hợp phần", "Năm", "Nguồn vốn", "Loại vốn", "Loại bút toán"]
        + ["Số tiền (triệu đồng)", "Kéo dài đến", "Ngày quyết định", "Ghi chú"],
        allocations,
    )
    write(
        "disbursements.csv",
        ["Mã công trình", "Năm", "Nguồn vốn", "Loại vốn", "Số tiền (triệu đồng)", "Số chứng từ", "Ngày chứng từ"]
        + ["Hủy chứng từ số", "Ghi chú"],
        bk_payments + qn_payments,
    )
    write(
        "progress_reports.csv",
        ["Mã công trình", "Ngày báo cáo", "Tiến độ (%)", "Khối lượng hoàn thành", "Đơn vị tính", "Tình trạng"]
        + ["Ghi chú"],
        bk_reports + qn_reports,
    )
    write(
        "capital_plans.csv",
        ["Mã tỉnh", "Mã xã", "Chương trình", "Mã hợp phần", "Năm", "Nguồn vốn", "Loại vốn", "Loại bút toán"]
        + ["Số tiền (triệu đồng)", "Kéo dài đến", "Ngày quyết định", "Ghi chú"],
        plans,
    )
    write(
        "households.csv",
        ["Mã hộ", "Họ tên chủ hộ", "Số CCCD", "Mã dân tộc", "Dân tộc", "Mã xã", "Tên xã", "Thôn/bản"]
        + ["Số nhân khẩu", "Địa chỉ"],
        homes,
    )
    write(
        "poverty_statuses.csv",
        ["Mã hộ", "Năm", "Chuẩn nghèo", "Thu nhập bình quân (đồng/người/tháng)", "Kết quả phân loại"]
        + INDICATORS
        + ["Số quyết định", "Ngày công nhận"],
        statuses,
    )
    write(
        "supports.csv",
        ["Mã hộ", "Năm", "Chương trình", "Mã hợp phần", "Loại hỗ trợ", "Số tiền (triệu đồng)", "Số lượng"]
        + ["Đơn vị", "Ngày nhận", "Ghi chú"],
        supports,
    )


if __name__ == "__main__":
    main()
