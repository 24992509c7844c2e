"""A report form imported as it is, beside the same rows as a tidy sheet: `python -m bench.import_report_form`.

    python -m bench.import_report_form               # 300 works, on DATABASE_URL
    python -m bench.import_report_form --rows 1000 --repeat 5

The report form is a Bắc Kạn 2022 district report of infrastructure works as a district office sends it
("biểu mẫu báo cáo"): a title block, a two-row header with merged cells and a numbering row, a grand total
under the header, a section row per district ("I | Huyện Bạch Thông", with its figure) and for the project
and sub-project ("Dự án 4: ...", "Tiểu dự án 1"), items numbered 1, 2, ..., communes named without their code
(the district section narrows them), a "Cộng huyện ..." subtotal per district, a signature block. The tidy
sheet has the same works in the template's columns (commune codes, program and component columns).

Both are imported by the `works` kind as a dry run (everything done, the writes included, then rolled back:
the preview's cost, and the database is left as it was), `--repeat` times each, in the same run: the median
and the best. The goal (issue 13): a 300-row report form in under 2 s (the median). `--row-by-row` writes
the new works one row at a time through `services.work_create` instead of a chunk at a time through
`services.works_create_many` (the path before issue 13), for comparison. The database needs the reference
data (`manage.py bootstrap --no-demo`): the programs and the legacy communes of Bắc Kạn.

    python -m bench.import_report_form --repeat 5 --row-by-row
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DISTRICTS = ("Huyện Bạch Thông", "Huyện Chợ Đồn", "Huyện Ba Bể", "Huyện Na Rì")
GOAL_SECONDS = 2.0


def _setup():
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _communes(rows: int) -> list[tuple[str, str, str]]:
    """(district, commune code, commune name) for each row: the legacy communes of four Bắc Kạn districts."""
    from localities.models import Commune

    communes = list(
        Commune.objects.filter(province__code="06", generation="legacy", district__name__in=DISTRICTS)
        .select_related("district")
        .order_by("district__name", "code")
        .values_list("district__name", "code", "name")
    )
    if not communes:
        raise SystemExit("No Bắc Kạn communes: run `manage.py bootstrap --no-demo` first.")
    by_district: dict[str, list] = {}
    for district, code, name in communes:
        by_district.setdefault(district, []).append((district, code, name))
    picked = []
    per = rows // len(by_district) + 1
    for district in sorted(by_district):
        units = by_district[district]
        picked += [units[i % len(units)] for i in range(per)]
    return picked[:rows]


def _works(rows: int) -> list[dict]:
    works = []
    for number, (district, code, name) in enumerate(_communes(rows), 1):
        works.append(
            {
                "code": f"BENCH-RF-{number:05d}",
                "name": f"Đường bê tông nội thôn số {number}",
                "district": district,
                "commune_code": code,
                "commune": name,
                "amount": 150 + (number * 37) % 900 + (number % 10) / 10,  # million VND, one decimal
            }
        )
    return works


def report_form(works: list[dict]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["UBND TỈNH BẮC KẠN", None, None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    sheet.append(
        ["BÁO CÁO DANH MỤC CÔNG TRÌNH CHƯƠNG TRÌNH MTQG PHÁT TRIỂN KT-XH VÙNG ĐỒNG BÀO DTTS VÀ MIỀN NÚI NĂM 2022"]
    )
    sheet.append([None, None, None, None, None, None, "ĐVT: triệu đồng"])
    sheet.append(
        [
            "STT",
            "Mã công trình",
            "Tên công trình",
            "Địa điểm xây dựng",
            "Loại công trình",
            "Quyết định đầu tư",
            None,
            "Tình trạng",
        ]
    )
    sheet.append([None, None, None, "Xã", None, "Số, ngày quyết định", "Tổng mức đầu tư", None, None])
    sheet.append([f"({i})" for i in range(1, 10)])
    for merged in ("A4:A5", "B4:B5", "C4:C5", "E4:E5", "F4:G4", "H4:H5", "I4:I5"):
        sheet.merge_cells(merged)
    sheet.append([None, "TỔNG CỘNG", None, None, None, None, sum(w["amount"] for w in works), None])
    romans = ["I", "II", "III", "IV", "V", "VI"]
    for position, district in enumerate(sorted({w["district"] for w in works})):
        rows = [w for w in works if w["district"] == district]
        sheet.append([romans[position], district, None, None, None, None, sum(w["amount"] for w in rows), None])
        sheet.append([None, "Dự án 4: Đầu tư cơ sở hạ tầng thiết yếu phục vụ sản xuất, đời sống"])
        sheet.append([None, "Tiểu dự án 1: Đầu tư cơ sở hạ tầng thiết yếu"])
        for item, work in enumerate(rows, 1):
            sheet.append(
                [
                    item,
                    work["code"],
                    work["name"],
                    work["commune"],
                    "Đường nội thôn",
                    "Số 123/QĐ-UBND ngày 15/3/2022",
                    work["amount"],
                    "Đang thi công",
                    "20/08/2022",
                ]
            )
        sheet.append([None, f"Cộng {district.lower()}", None, None, None, None, sum(w["amount"] for w in rows)])
    sheet.append([])
    sheet.append([None, None, None, None, None, "Bắc Kạn, ngày 15 tháng 6 năm 2022"])
    sheet.append([None, "Người lập biểu", None, None, None, "Thủ trưởng đơn vị"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def tidy_sheet(works: list[dict]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "Mã công trình",
            "Tên công trình",
            "Mã xã",
            "Tên xã",
            "Loại công trình",
            "Chương trình",
            "Mã hợp phần",
            "Tổng mức đầu tư (triệu đồng)",
            "Tình trạng",
            "Ngày khởi công",
        ]
    )
    for work in works:
        sheet.append(
            [
                work["code"],
                work["name"],
                work["commune_code"],
                work["commune"],
                "Đường nội thôn",
                "NTP-1719",
                "DA4.TDA1",
                work["amount"],
                "Đang thi công",
                "20/08/2022",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _time(kind, data: bytes, name: str, rows: int, repeat: int) -> tuple[float, float, object]:
    """The median and the best time of `repeat` dry runs, and the last result."""
    from imports.engine import run_import

    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run_import(kind, data, filename=name, dry_run=True)
        times.append(time.perf_counter() - started)
        if not result.ok or result.new != rows:
            raise SystemExit(f"{name} was not read as {rows} new works:\n" + "\n".join(result.summary()[:30]))
    return statistics.median(times), min(times), result


def _read_time(data: bytes, repeat: int) -> float:
    """The reading alone (header, layout, sections, totals checked), as the works kind's columns read it."""
    from imports.registry import get_kind
    from sheets import read_sheet

    columns = get_kind("works").columns
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        with read_sheet(data, columns, filename="f.xlsx") as sheet:
            for _row in sheet:
                pass
            sheet.layout.check()
        best = min(best, time.perf_counter() - started)
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--row-by-row", action="store_true", help="write the new works one row at a time (before issue 13)"
    )
    options = parser.parse_args(argv)
    _setup()
    from django.db import connection

    from imports.registry import get_kind

    kind = type(get_kind("works"))()
    if options.row_by_row:
        kind.batched = False  # this instance only: `RowByRowKind` then calls `create` for each new row
    works = _works(options.rows)
    form, tidy = report_form(works), tidy_sheet(works)
    form_seconds, form_best, result = _time(kind, form, "report-form.xlsx", options.rows, options.repeat)
    tidy_seconds, tidy_best, _ = _time(kind, tidy, "tidy.xlsx", options.rows, options.repeat)
    read_form, read_tidy = _read_time(form, options.repeat), _read_time(tidy, options.repeat)
    checked = [t for t in result.layout["totals"] if t["status"] == "ok"]
    path = "row by row (work_create)" if options.row_by_row else "a chunk at a time (works_create_many)"
    print(f"== works import: {connection.vendor}, {options.rows} works, dry run, {path}, median of {options.repeat}")
    print(
        f"report form (header over 2 rows, {len(result.layout['sections'])} sections, "
        f"{len(checked)} of {len(result.layout['totals'])} totals checked ok): {form_seconds:6.3f} s "
        f"(best {form_best:.3f} s)"
    )
    print(
        f"tidy sheet, the same works:                                  {tidy_seconds:6.3f} s (best {tidy_best:.3f} s)"
    )
    print(f"report form / tidy sheet:                                     {form_seconds / tidy_seconds:6.2f} x")
    print(f"reading alone (header, layout, totals): report form {read_form:6.3f} s, tidy sheet {read_tidy:6.3f} s")
    met = "met" if form_seconds < GOAL_SECONDS else "NOT met"
    print(f"goal: a {options.rows}-row report form in under {GOAL_SECONDS:g} s: {met}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
