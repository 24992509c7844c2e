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
from kernel.search import SHORT_WORD
from localities.choices import GenerationChoices
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


# --- Admin lists ---------------------------------------------------------------------------------------------
# Each list (works, disbursements, allocations, households) unfiltered, filtered by the largest province and
# searched, as the national superuser and as a viewer of that province, beside its floor: hand-written SQL
# that fetches the same page of 100 rows in the list's order, and counts as the page does (up to the list's
# cap, kernel.list_params.COUNT_CAP, plus one), on the same indexes. The page does more than its floor: the
# totals of the rows filtered, the filters' choices, the session and the user, and the HTML.

COUNT_LIMIT = COUNT_CAP + 1
SUMMARY = "tracker_capitalsummary"


def _fold() -> str:
    return "ntp_search_fold" if connection.vendor == "postgresql" else "ntp_fold"


def _like(column: str, word: str) -> str:
    # as kernel/search.py searches: a word of one or two letters at the beginning of a word, else anywhere
    if len(word) <= SHORT_WORD:
        return f"({_fold()}({column}) LIKE '{word}%' OR {_fold()}({column}) LIKE '% {word}%')"
    return f"{_fold()}({column}) LIKE '%{word}%'"


def _province_communes(province_id: int) -> str:
    """The communes of a current province and the legacy communes mapped into it (localities.unit_scope)."""
    return f"SELECT id FROM {T['commune']} WHERE current_province_id = {int(province_id)}"


def _works_with_every_word(words: list[str]) -> str:
    return f"SELECT id FROM {T['work']} WHERE " + " AND ".join(
        f"({_like('code', w)} OR {_like('name', w)})" for w in words
    )


def _work_page(where: str) -> str:
    return f"""
SELECT w.code, w.name, c.name, d.short_name, p.short_name, w.work_type, w.status,
  (SELECT SUM(s.allocated) FROM {SUMMARY} s WHERE s.work_id = w.id),
  (SELECT SUM(s.disbursed) FROM {SUMMARY} s WHERE s.work_id = w.id),
  (SELECT r.progress_percent FROM {T["progress"]} r WHERE r.work_id = w.id ORDER BY r.reported_on DESC, r.id DESC
   LIMIT 1)
FROM {T["work"]} w
JOIN {T["commune"]} c ON c.id = w.commune_id
LEFT JOIN {T["district"]} d ON d.id = c.district_id
JOIN {T["province"]} p ON p.id = c.province_id
WHERE {where}
ORDER BY w.code
LIMIT {PAGE}"""


def _disbursement_page(where: str) -> str:
    return f"""
SELECT b.voucher_number, b.paid_on, w.code, w.name, b.year, b.source, b.capital_type, b.amount, r.voucher_number
FROM {T["disbursement"]} b
JOIN {T["work"]} w ON w.id = b.work_id
LEFT JOIN {T["disbursement"]} r ON r.id = b.reverses_id
WHERE {where}
ORDER BY b.work_id, b.paid_on, b.id
LIMIT {PAGE}"""


def _allocation_page(where: str) -> str:
    return f"""
SELECT w.code, w.name, k.code, g.code, a.year, a.source, a.capital_type, a.kind, a.amount, a.decided_on
FROM {T["allocation"]} a
JOIN {T["work"]} w ON w.id = a.work_id
JOIN programs_component k ON k.id = a.component_id
JOIN programs_program g ON g.id = k.program_id
WHERE {where}
ORDER BY a.work_id, a.year, a.decided_on, a.id
LIMIT {PAGE}"""


def _household_page(where: str) -> str:
    # Household's Meta.ordering is (commune_id, village_id, code): the keys, which an index serves.
    return f"""
SELECT h.code, h.head_name, v.name, c.name, d.short_name, p.short_name, e.name, h.member_count,
  (SELECT a.status FROM {T["assessment"]} a WHERE a.household_id = h.id ORDER BY a.year DESC LIMIT 1),
  (SELECT a.year FROM {T["assessment"]} a WHERE a.household_id = h.id ORDER BY a.year DESC LIMIT 1)
FROM {T["household"]} h
JOIN {T["village"]} v ON v.id = h.village_id
JOIN {T["commune"]} c ON c.id = h.commune_id
LEFT JOIN {T["district"]} d ON d.id = c.district_id
JOIN {T["province"]} p ON p.id = c.province_id
JOIN {T["ethnic"]} e ON e.id = h.ethnic_group_id
WHERE {where}
ORDER BY h.commune_id, h.village_id, h.code
LIMIT {PAGE}"""


WORK_WORDS = ["truong", "hoc"]
HOUSEHOLD_WORDS = ["hoang", "thi", "mai"]
# a name of short words, as officials type them ("Lê Văn An"): two of its words have two letters
SHORT_WORDS = {"households": ["le", "van", "an"]}


def _keys_of(table: str, word: str) -> str:
    """The keys of the rows of `table` whose name holds `word`, read once for the statement (PostgreSQL's
    ANY(ARRAY(...)), which the row's own key index then serves, as the list's prefetched keys are)."""
    return _keys(f"SELECT id FROM {table} WHERE {_like('name', word)}")


def _each_word(alias: str, words: list[str], own: list[str], related: dict[str, str]) -> str:
    """Every word in one of the row's `own` columns or in the name of a row a key of `related` names
    ({key: table}), the related rows' keys read first."""
    return " AND ".join(
        "("
        + " OR ".join(
            [_like(f"{alias}.{column}", word) for column in own]
            + [f"{alias}.{key} {_keys_of(table, word)}" for key, table in related.items()]
        )
        + ")"
        for word in words
    )


def _work_search(words: list[str]) -> str:
    # every word in the code, name, investor or commune name (the list's search fields)
    return _each_word("w", words, ["code", "name", "investor"], {"commune_id": T["commune"]})


def _keys(query: str) -> str:
    """A set of keys read once for the statement: ANY(ARRAY(...)) on PostgreSQL (an index then serves the
    comparison, even inside an OR), a subquery on SQLite."""
    return f"= ANY(ARRAY({query}))" if connection.vendor == "postgresql" else f"IN ({query})"


def _works_holding(word: str) -> str:
    return f"SELECT id FROM {T['work']} WHERE {_like('code', word)} OR {_like('name', word)}"


def _disbursement_search(words: list[str]) -> str:
    # the entries of the works holding every word, and those whose voucher holds one, kept if every word is
    # in the voucher or the work (the fastest form: each part on its own indexes)
    # tested only on the few entries whose voucher holds a word: hashed subqueries
    every = " AND ".join(f"({_like('v.voucher_number', x)} OR v.work_id IN ({_works_holding(x)}))" for x in words)
    voucher = " OR ".join(_like("v.voucher_number", x) for x in words)
    return (
        f"b.id IN (SELECT u.id FROM {T['disbursement']} u WHERE u.work_id IN ({_works_with_every_word(words)}) "
        f"UNION SELECT v.id FROM {T['disbursement']} v WHERE ({voucher}) AND {every})"
    )


def _allocation_search(words: list[str]) -> str:
    # as the disbursements' search, with the components whose code holds a word in place of the vouchers; their
    # keys are read when the floor is built, not timed (the page reads them in a query of its own)
    components = {
        x: [row[0] for row in Context.sql(f"SELECT id FROM programs_component WHERE {_like('code', x)}")] for x in words
    }
    holding_all = f"SELECT u.id FROM {T['allocation']} u WHERE u.work_id IN ({_works_with_every_word(words)})"
    keys = sorted({key for found in components.values() for key in found})
    if not keys:
        return f"a.id IN ({holding_all})"
    every = " AND ".join(
        f"(v.work_id IN ({_works_holding(x)}) OR v.component_id IN ({', '.join(map(str, components[x])) or 'NULL'}))"
        for x in words
    )
    return (
        f"a.id IN ({holding_all} UNION SELECT v.id FROM {T['allocation']} v "
        f"WHERE v.component_id IN ({', '.join(map(str, keys))}) AND {every})"
    )


def _household_search(words: list[str]) -> str:
    related = {"village_id": T["village"], "commune_id": T["commune"]}
    return _each_word("h", words, ["code", "head_name"], related)


# list: (its address, its table and alias, its page, its search, the words searched); a page's first column is
# what the page shows of each row (a code, a voucher number)
LISTS = {
    "works": ("/admin/tracker/work/", f"{T['work']} w", _work_page, _work_search, WORK_WORDS),
    "disbursements": (
        "/admin/tracker/disbursement/",
        f"{T['disbursement']} b",
        _disbursement_page,
        _disbursement_search,
        WORK_WORDS,
    ),
    "allocations": (
        "/admin/tracker/allocation/",
        f"{T['allocation']} a",
        _allocation_page,
        _allocation_search,
        WORK_WORDS,
    ),
    "households": (
        "/admin/tracker/household/",
        f"{T['household']} h",
        _household_page,
        _household_search,
        HOUSEHOLD_WORDS,
    ),
}


def _codes_on_page(html: bytes, codes: list[str]) -> None:
    text = html.decode()
    missing = [code for code in codes if code not in text]
    if missing:
        raise AssertionError(f"the admin page and its anchor disagree: {missing[:3]} not on the page")


def _list_line(ctx: Context, name: str, variant: str, who: str) -> Timed:
    from .data import largest_province

    path, table, page, searched, words = LISTS[name]
    province = largest_province()
    conditions, query = [], ""
    if who == "province" or variant == "province":
        communes = _province_communes(province.pk)
        alias = table.split()[-1]
        if alias in ("w", "h"):
            conditions.append(f"{alias}.commune_id IN ({communes})")
        else:  # a ledger: its works' communes
            conditions.append(f"{alias}.work_id IN (SELECT id FROM {T['work']} WHERE commune_id IN ({communes}))")
    if variant == "province":
        query = f"?province={province.pk}"
    if variant == "short words":
        words = SHORT_WORDS[name]
    if variant in ("search", "short words"):
        conditions.append(searched(words))
        query = "?q=" + "+".join(words)
    where = " AND ".join(conditions) or "TRUE"
    counted = f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {where} LIMIT {COUNT_LIMIT}) s"

    def anchor():
        rows = Context.sql(page(where))
        Context.sql(counted)
        return rows

    return Timed(
        run=lambda: ctx.get(path + query, who=who),
        anchor=anchor,
        anchor_label="hand-written SQL: the same page of 100 and its count (capped as the page's)",
        check=lambda html, rows: _codes_on_page(html, [str(row[0]) for row in rows if row[0]]),
    )


def _register_lists() -> None:
    variants = {"unfiltered": "", "province": "filtered by the largest province", "search": "searched"}
    viewers = {"national": "national superuser", "province": "viewer of that province"}
    for name, (path, *_rest) in LISTS.items():
        for variant, label in [*variants.items(), *([("short words", "searched")] if name in SHORT_WORDS else [])]:
            words = SHORT_WORDS[name] if variant == "short words" else LISTS[name][-1]
            for who, viewer in viewers.items():
                shown = path + ("?q=" + "+".join(words) if variant in ("search", "short words") else "")
                title = f"admin {name} list{', ' + label if label else ''}, as {viewer} ({shown})"
                measurement(title, goal=Goal(300, "ms"))(
                    lambda ctx, name=name, variant=variant, who=who: _list_line(ctx, name, variant, who)
                )


_register_lists()


# --- Roll-ups -----------------------------------------------------------------------------------------------

# The floor: the works counted per province, and the capital summary's lines added up per province.
ROLLUP_SQL = f"""
SELECT p.id, COALESCE(w.works, 0), COALESCE(m.allocated, 0), COALESCE(m.disbursed, 0)
FROM {T["province"]} p
LEFT JOIN (SELECT c.current_province_id AS id, COUNT(*) AS works FROM {T["work"]} w
           JOIN {T["commune"]} c ON c.id = w.commune_id GROUP BY 1) w ON w.id = p.id
LEFT JOIN (SELECT c.current_province_id AS id, SUM(s.allocated) AS allocated, SUM(s.disbursed) AS disbursed
           FROM {SUMMARY} s JOIN {T["commune"]} c ON c.id = s.commune_id GROUP BY 1) m ON m.id = p.id
WHERE p.generation = '{GenerationChoices.CURRENT}'
"""


def _rollup_orm() -> dict:
    """As the status pages and the API work it out: one grouped read of the capital summary and one count."""
    rows = Work.objects.disbursement_status("province")
    found = {row["key"]: row for row in rows}
    return {
        p.pk: {name: found.get(p.pk, {}).get(name, 0) for name in ("works", "allocated", "disbursed")}
        for p in Province.objects.current()
    }


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
        anchor_label="raw SQL: the works counted and the capital summary's lines added up per current province",
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


# --- Exports (python -m bench.exports for one run of any list) ---------------------------------------------


@measurement(
    "admin export: the national works list as .csv, rows per second (peak RSS in the note)",
    goal=Goal(20_000, "rows/s", higher_is_better=True),
    repeat=3,
)
def export_works_csv(ctx: Context):
    from .exports import figure

    return figure(repeat=min(ctx.repeat, 3))
