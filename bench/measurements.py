"""What the benchmark measures today. Each function is one line of the table (see bench/core.py).

Goals, at scale 1 on PostgreSQL on the 2-core benchmark machine:
* the generator builds the national set in under 10 minutes and under 1 GB of memory;
* an admin list page (100 rows of a national list, national superuser) answers in under 500 ms, its query
  count does not depend on the number of rows;
* a national roll-up (allocated and disbursed per current province, all 34) takes under 1 s.
At smaller scales the same goals apply (the generator's wall-time goal shrinks with the scale).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from django.db import connection
from django.db.models import Count

from kernel.list_params import COUNT_CAP
from localities.models import Commune, District, Province, Village
from programs.querysets import CAPITAL_CHANGING_KINDS
from tracker.models import Allocation, Disbursement, EthnicGroup, Household, PovertyAssessment, ProgressReport, Work

from .core import Context, Figure, Goal, Timed, measurement
from .data import ROOT

PAGE = 100  # the admin's list_per_page
T = {
    "work": Work._meta.db_table,
    "allocation": Allocation._meta.db_table,
    "disbursement": Disbursement._meta.db_table,
    "progress": ProgressReport._meta.db_table,
    "commune": Commune._meta.db_table,
    "district": District._meta.db_table,
    "province": Province._meta.db_table,
    "village": Village._meta.db_table,
    "household": Household._meta.db_table,
    "assessment": PovertyAssessment._meta.db_table,
    "ethnic": EthnicGroup._meta.db_table,
}
KINDS = ", ".join(f"'{k}'" for k in CAPITAL_CHANGING_KINDS)


# --- The generator ------------------------------------------------------------------------------------------


def raw_copy_rate(ctx: Context) -> float:
    """Rows per second of the database's fastest path: rows of three integers into an unindexed temp table.

    Measured once per run (on a million rows; 200,000 on SQLite) and shared by the measurements that need it.
    """
    if "raw_copy_rate" not in ctx.cache:
        ctx.cache["raw_copy_rate"] = _raw_copy_rate(1_000_000 if connection.vendor == "postgresql" else 200_000)
    return ctx.cache["raw_copy_rate"]


def _raw_copy_rate(rows: int) -> float:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_raw_copy (a bigint, b bigint, c bigint)")
        try:
            started = time.perf_counter()
            if connection.vendor == "postgresql":
                with cursor.connection.cursor() as raw:
                    with raw.copy("COPY bench_raw_copy (a, b, c) FROM STDIN (FORMAT BINARY)") as copy:
                        copy.set_types(["int8", "int8", "int8"])
                        for i in range(rows):
                            copy.write_row((i, i, i))
            else:
                for start in range(0, rows, 10_000):
                    cursor.executemany(
                        "INSERT INTO bench_raw_copy (a, b, c) VALUES (%s, %s, %s)",
                        [(i, i, i) for i in range(start, min(rows, start + 10_000))],
                    )
            return rows / (time.perf_counter() - started)
        finally:
            cursor.execute("DROP TABLE bench_raw_copy")


def bare_process_rss_mb() -> float:
    """Peak RSS of a Django process that imports the generator and does nothing."""
    code = (
        "import django, resource; django.setup(); import devdata.national_data; "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    output = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return int(output.stdout.split()[-1]) / 1024


def _build_note(ctx: Context) -> str:
    build = ctx.build
    note = f"scale {build.get('scale', 0):g}, {build.get('rows', 0):,} rows"
    return note + (", figures of the earlier build of the reused set" if build.get("reused") else "")


@measurement("generate_national_data: wall time", goal=Goal(600, "s"), needs_data=True)
def generator_wall(ctx: Context):
    build = ctx.build
    if not build.get("rows"):
        return Figure(None, "s", note="the set was built before the bench kept its figures: run with --rebuild")
    wall = build["command_wall_s"] - build.get("phases", {}).get("delete previous set", 0.0)
    rate = raw_copy_rate(ctx)
    return Figure(
        wall,
        "s",
        anchor=build["rows"] / rate,
        anchor_label=f"the same rows by raw COPY into an unindexed table ({rate:,.0f} rows/s now)",
        note=_build_note(ctx),
    )


@measurement("generate_national_data: rows per second", goal=Goal(28_000, "rows/s", higher_is_better=True))
def generator_rate(ctx: Context):
    build = ctx.build
    if not build.get("rows"):
        return Figure(None, "rows/s", note="run with --rebuild")
    wall = build["command_wall_s"] - build.get("phases", {}).get("delete previous set", 0.0)
    value = build["rows"] / wall
    rate = raw_copy_rate(ctx)
    return Figure(
        value,
        "rows/s",
        anchor=rate,
        anchor_label="raw COPY into an unindexed table, no constraints",
        ratio=rate / value,
        note=_build_note(ctx),
    )


@measurement("generate_national_data: peak RSS", goal=Goal(1_024, "MB"))
def generator_memory(ctx: Context):
    build = ctx.build
    if not build.get("peak_rss_mb"):
        return Figure(None, "MB", note="run with --rebuild")
    return Figure(
        build["peak_rss_mb"],
        "MB",
        anchor=bare_process_rss_mb(),
        anchor_label="a Django process that imports the generator and stops",
        note=_build_note(ctx),
    )


# --- Admin lists --------------------------------------------------------------------------------------------

WORK_PAGE_SQL = f"""
SELECT w.id, w.code, w.name, c.name, d.short_name, p.short_name, w.work_type, w.status,
  COALESCE((SELECT SUM(a.amount) FROM {T["allocation"]} a WHERE a.work_id = w.id AND a.kind IN ({KINDS})), 0),
  COALESCE((SELECT SUM(b.amount) FROM {T["disbursement"]} b WHERE b.work_id = w.id), 0),
  (SELECT r.progress_percent FROM {T["progress"]} r WHERE r.work_id = w.id ORDER BY r.reported_on DESC, r.id DESC
   LIMIT 1)
FROM {T["work"]} w
JOIN {T["commune"]} c ON c.id = w.commune_id
LEFT JOIN {T["district"]} d ON d.id = c.district_id
JOIN {T["province"]} p ON p.id = c.province_id
ORDER BY w.code
LIMIT {PAGE}
"""


def _codes_on_page(html: bytes, codes: list[str]) -> None:
    text = html.decode()
    missing = [code for code in codes if code not in text]
    if missing:
        raise AssertionError(f"the admin page and its anchor disagree: {missing[:3]} not on the page")


@measurement("admin works changelist, page 1 (/admin/tracker/work/)", goal=Goal(500, "ms"))
def admin_works(ctx: Context):
    return Timed(
        run=lambda: ctx.get("/admin/tracker/work/"),
        anchor=lambda: ctx.sql(WORK_PAGE_SQL),
        anchor_label="raw SQL of the page: 100 works with allocated, disbursed, latest progress",
        check=lambda html, rows: _codes_on_page(html, [row[1] for row in rows]),
    )


# Household's Meta.ordering is (commune_id, village_id, code): the keys, which an index serves.
HOUSEHOLD_PAGE_SQL = f"""
SELECT h.id, h.code, h.head_name, v.name, c.name, d.short_name, p.short_name, e.name, h.member_count,
  (SELECT a.status FROM {T["assessment"]} a WHERE a.household_id = h.id ORDER BY a.year DESC LIMIT 1),
  (SELECT a.year FROM {T["assessment"]} a WHERE a.household_id = h.id ORDER BY a.year DESC LIMIT 1)
FROM {T["household"]} h
JOIN {T["village"]} v ON v.id = h.village_id
JOIN {T["commune"]} c ON c.id = h.commune_id
LEFT JOIN {T["district"]} d ON d.id = c.district_id
JOIN {T["province"]} p ON p.id = c.province_id
JOIN {T["ethnic"]} e ON e.id = h.ethnic_group_id
ORDER BY h.commune_id, h.village_id, h.code
LIMIT {PAGE}
"""


@measurement("admin households changelist, page 1 (/admin/tracker/household/)", goal=Goal(500, "ms"))
def admin_households(ctx: Context):
    return Timed(
        run=lambda: ctx.get("/admin/tracker/household/"),
        anchor=lambda: ctx.sql(HOUSEHOLD_PAGE_SQL),
        anchor_label="raw SQL of the page: 100 households in the admin's order with latest status",
        check=lambda html, rows: _codes_on_page(html, [row[1] for row in rows]),
    )


# --- Admin searches -----------------------------------------------------------------------------------------
# Each searched list beside the hand-written SQL that finds the same page of 100 and counts as the page does
# (up to kernel.list_params.COUNT_CAP + 1), with the same folded comparison the indexes serve.

COUNT_LIMIT = COUNT_CAP + 1


def _fold() -> str:
    return "ntp_search_fold" if connection.vendor == "postgresql" else "ntp_fold"


def _words_sql(columns: list[str], words: list[str], related: dict[str, tuple[str, str]]) -> str:
    """Every word in one of `columns` (of the row) or in the name of a row `related` points at."""
    fold = _fold()
    parts = []
    for word in words:
        either = [f"{fold}({column}) LIKE '%{word}%'" for column in columns]
        either += [
            f"{key} IN (SELECT id FROM {table} WHERE {fold}(name) LIKE '%{word}%')"
            for key, (table, _) in related.items()
        ]
        parts.append("(" + " OR ".join(either) + ")")
    return " AND ".join(parts)


def _search_anchor(table: str, where: str, order: str, code: str):
    def anchor():
        rows = Context.sql(f"SELECT {code} FROM {table} WHERE {where} ORDER BY {order} LIMIT {PAGE}")
        Context.sql(f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {where} LIMIT {COUNT_LIMIT}) s")
        return rows

    return anchor


def _searched(ctx: Context, path: str, words: list[str], table: str, where: str, order: str, code: str) -> Timed:
    def check(html, rows):
        _codes_on_page(html, [row[0] for row in rows])

    return Timed(
        run=lambda: ctx.get(path + "?q=" + "+".join(words)),
        anchor=_search_anchor(table, where, order, code),
        anchor_label="raw SQL: the same page of 100 and its count (capped as the page's), on the same indexes",
        check=check,
    )


def _matching_works(word: str) -> str:
    fold = _fold()
    return f"SELECT id FROM {T['work']} WHERE {fold}(code) LIKE '%{word}%' OR {fold}(name) LIKE '%{word}%'"


WORK_WORDS = ["truong", "hoc"]
HOUSEHOLD_WORDS = ["hoang", "thi", "mai"]


@measurement("admin works search, page 1 (/admin/tracker/work/?q=truong+hoc)", goal=Goal(300, "ms"))
def admin_works_search(ctx: Context):
    where = _words_sql(["w.code", "w.name", "w.investor"], WORK_WORDS, {"w.commune_id": (T["commune"], "name")})
    return _searched(ctx, "/admin/tracker/work/", WORK_WORDS, f"{T['work']} w", where, "w.code", "w.code")


@measurement("admin households search, page 1 (/admin/tracker/household/?q=hoang+thi+mai)", goal=Goal(300, "ms"))
def admin_households_search(ctx: Context):
    where = _words_sql(
        ["h.code", "h.head_name"],
        HOUSEHOLD_WORDS,
        {"h.village_id": (T["village"], "name"), "h.commune_id": (T["commune"], "name")},
    )
    order = "h.commune_id, h.village_id, h.code"
    return _searched(ctx, "/admin/tracker/household/", HOUSEHOLD_WORDS, f"{T['household']} h", where, order, "h.code")


@measurement("admin disbursements search, page 1 (/admin/tracker/disbursement/?q=truong+hoc)", goal=Goal(300, "ms"))
def admin_disbursements_search(ctx: Context):
    fold = _fold()
    where = " AND ".join(
        f"({fold}(b.voucher_number) LIKE '%{w}%' OR b.work_id IN ({_matching_works(w)}))" for w in WORK_WORDS
    )
    table, order = f"{T['disbursement']} b", "b.work_id, b.paid_on, b.id"
    return _searched(ctx, "/admin/tracker/disbursement/", WORK_WORDS, table, where, order, "b.voucher_number")


@measurement("admin allocations search, page 1 (/admin/tracker/allocation/?q=truong+hoc)", goal=Goal(300, "ms"))
def admin_allocations_search(ctx: Context):
    fold = _fold()
    where = " AND ".join(
        f"(a.work_id IN ({_matching_works(w)}) OR a.component_id IN "
        f"(SELECT id FROM programs_component WHERE {fold}(code) LIKE '%{w}%'))"
        for w in WORK_WORDS
    )
    table, order = f"{T['allocation']} a", "a.work_id, a.year, a.decided_on, a.id"
    code = f"(SELECT code FROM {T['work']} WHERE id = a.work_id)"  # the page names each allocation's work
    return _searched(ctx, "/admin/tracker/allocation/", WORK_WORDS, table, where, order, code)


# --- Roll-ups -----------------------------------------------------------------------------------------------

ROLLUP_SQL = f"""
SELECT c.current_province_id, COUNT(*), COALESCE(SUM(a.total), 0), COALESCE(SUM(b.total), 0)
FROM {T["work"]} w
JOIN {T["commune"]} c ON c.id = w.commune_id
LEFT JOIN (SELECT work_id, SUM(amount) AS total FROM {T["allocation"]} WHERE kind IN ({KINDS}) GROUP BY work_id) a
  ON a.work_id = w.id
LEFT JOIN (SELECT work_id, SUM(amount) AS total FROM {T["disbursement"]} GROUP BY work_id) b ON b.work_id = w.id
WHERE c.current_province_id IS NOT NULL
GROUP BY c.current_province_id
"""


def _rollup_orm() -> dict:
    return {p.pk: Work.objects.within(p).totals() for p in Province.objects.current()}


def _rollup_check(orm: dict, rows: list[tuple]) -> None:
    raw = {pk: {"works": n, "allocated": allocated, "disbursed": disbursed} for pk, n, allocated, disbursed in rows}
    for pk, totals in orm.items():
        expected = raw.get(pk, {"works": 0, "allocated": 0, "disbursed": 0})
        if {k: int(v) for k, v in totals.items()} != {k: int(v) for k, v in expected.items()}:
            raise AssertionError(f"province {pk}: ORM {totals} but SQL {expected}")


@measurement("roll-up: allocated and disbursed per current province (34)", goal=Goal(1_000, "ms"))
def rollup_by_province(ctx: Context):
    return Timed(
        run=_rollup_orm,
        anchor=lambda: ctx.sql(ROLLUP_SQL),
        anchor_label="one raw SQL GROUP BY current province",
        check=_rollup_check,
    )


# --- Status pages ----------------------------------------------------------------------------------------


def _status_query() -> tuple[int, str]:
    """The latest plan year of the data set, as of 30 June of it (a mid-year report)."""
    year = Allocation.objects.order_by("-year").values_list("year", flat=True).first() or 2025
    return year, f"30/06/{year}"


STATUS_SQL = f"""
SELECT c.current_province_id, a.kind_total, d.total
FROM (SELECT w.commune_id, SUM(al.amount) AS kind_total FROM {T["allocation"]} al
      JOIN {T["work"]} w ON w.id = al.work_id
      WHERE al.year = %(year)s AND al.kind IN ({KINDS}) AND al.decided_on <= %(as_of)s GROUP BY w.commune_id) a
JOIN {T["commune"]} c ON c.id = a.commune_id
LEFT JOIN (SELECT w.commune_id, SUM(di.amount) AS total FROM {T["disbursement"]} di
           JOIN {T["work"]} w ON w.id = di.work_id
           WHERE di.year = %(year)s AND di.paid_on <= %(as_of)s GROUP BY w.commune_id) d ON d.commune_id = a.commune_id
"""


def _status_anchor():
    year, day = _status_query()
    as_of = f"{year}-06-30"
    return Context.sql(STATUS_SQL, {"year": year, "as_of": as_of})


def _status_page(ctx: Context, path: str, extra: str = "") -> Timed:
    year, day = _status_query()
    url = f"{path}?year={year}&as_of={day}{extra}"
    return Timed(
        run=lambda: ctx.get(url),
        anchor=_status_anchor,
        anchor_label="raw SQL: allocated and disbursed of the year as of the date, per commune",
    )


@measurement("status overview, national (/status/)", goal=Goal(300, "ms"))
def status_overview(ctx: Context):
    return _status_page(ctx, "/status/")


@measurement("status province page, the largest province (/status/province/N/)", goal=Goal(300, "ms"))
def status_province(ctx: Context):
    largest = Work.objects.values("commune__current_province").order_by().annotate(n=Count("pk")).order_by("-n").first()
    return _status_page(ctx, f"/status/province/{largest['commune__current_province']}/")


@measurement("status lagging list, national (/status/lagging/)", goal=Goal(300, "ms"))
def status_lagging(ctx: Context):
    return _status_page(ctx, "/status/lagging/")


# --- Reading spreadsheets (sheets; python -m bench.read_sheets for the 1,000,000-row memory) -------


@measurement(
    "sheets read_sheet: households CSV, rows per second",
    goal=Goal(100_000, "rows/s", higher_is_better=True),
    needs_data=False,
    repeat=3,
)
def read_sheet_csv(ctx: Context):
    from .read_sheets import figure

    return figure("csv")


@measurement(
    "sheets read_sheet: households .xlsx, rows per second",
    goal=Goal(50_000, "rows/s", higher_is_better=True),
    needs_data=False,
    repeat=3,
)
def read_sheet_xlsx(ctx: Context):
    from .read_sheets import figure

    return figure("xlsx")


# --- Bulk posts (the API's; python -m bench.bulk_posts for the figures of each run) ------------------------


@measurement(
    "bulk: record_many of 500 progress reports, items per second",
    goal=Goal(2_000, "items/s", higher_is_better=True),
    repeat=7,
)
def bulk_progress(ctx: Context):
    from .bulk_posts import figure

    return figure(items=500, repeat=ctx.repeat)


# --- The REST API (issue 12; python -m bench.api_serve serves the same through gunicorn) ------------------


@measurement("API works list, page of 100 (/api/v1/works/?page_size=100)", goal=Goal(300, "ms"))
def api_works(ctx: Context):
    from django.test import RequestFactory

    from .api_serve import same_works
    from .api_urls import works_ceiling

    request = RequestFactory().get("/bench/ceiling/works/")
    return Timed(
        run=lambda: ctx.get("/api/v1/works/?page_size=100"),
        anchor=lambda: works_ceiling(request).content,
        anchor_label="a plain JsonResponse of .values() of the same 100 works (same annotations, keys linked)",
        check=same_works,
    )


@measurement("API summary by province (/api/v1/summary/?year=Y&as_of=30/06/Y)", goal=Goal(300, "ms"))
def api_summary(ctx: Context):
    from django.test import RequestFactory

    from .api_urls import summary_ceiling

    year, _day = _status_query()
    query = f"year={year}&as_of={year}-06-30"
    request = RequestFactory().get(f"/bench/ceiling/summary/?{query}")
    return Timed(
        run=lambda: ctx.get(f"/api/v1/summary/?{query}"),
        anchor=lambda: summary_ceiling(request).content,
        anchor_label="a plain JsonResponse of the same querysets' figures (totals, by province, by type, by source)",
    )
