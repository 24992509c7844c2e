"""The households import benchmark: our import against django-import-export and raw COPY, one run, one machine.

    python -m bench.import_households                  # 50,000 rows, CSV and .xlsx, on DATABASE_URL
    python -m bench.import_households --rows 20000 --iex-rows 2000
    python -m bench.import_households --million        # also: peak memory importing 1,000,000 rows (CSV)

Prints, for the same generated file (bench/household_file.py, one commune, a title row, Vietnamese headers):

* our import (`imports`, the `households` kind) as a province official of the commune's province,
  with every check on (jurisdiction, localities, village, ethnic group, codes and ID numbers against the
  file and the register, history), from CSV and from .xlsx: rows/s, end to end (reading included);
* django-import-export's default `ModelResource` for Household on the same rows (its headers are the
  model's field names and foreign keys are ids, so the file is given to it in that shape, already
  resolved: a favour to it), on a sample (`--iex-rows`, it runs at a few hundred rows/s);
* raw COPY of the same validated rows into the household table (no history, no checks): the ceiling;
* the ratios between them, from this run;
* with `--million`, peak RSS of `manage.py import_sheet households` on a 1,000,000-row CSV (a child process).

The goals (issue 5): ≥ 25,000 rows/s from CSV and ≥ 20,000 rows/s from .xlsx on PostgreSQL; under 300 MB
for a million rows. The database needs the reference data (`manage.py bootstrap --no-demo`). Every
household the benchmark writes is deleted again (codes of the commune 02011's generated range).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMUNE = "02011"  # Xã Mỹ Thanh (Bắc Kạn, before 1/7/2025), now part of Thái Nguyên (19)
PROVINCE = "19"


def _setup():
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False


def _official():
    from django.contrib.auth.models import User

    from kernel.access import JurisdictionLevelChoices
    from localities.choices import GenerationChoices, RoleChoices
    from localities.models import Official, Province
    from localities.roles import role_group, roles_setup

    roles_setup()
    user, _ = User.objects.get_or_create(username="bench.import", defaults={"is_staff": True})
    user.groups.add(role_group(RoleChoices.DATA_ENTRY))
    province = Province.objects.get(code=PROVINCE, generation=GenerationChoices.CURRENT)
    Official.objects.update_or_create(
        user=user, defaults={"level": JurisdictionLevelChoices.PROVINCE, "province": province, "commune": None}
    )
    return User.objects.get(pk=user.pk)


def _clean(prefix: str) -> None:
    """Delete the benchmark's households and their history: plain SQL (the ORM's delete() would load a
    million rows to collect their relations; the benchmark's households have none)."""
    from django.db import connection

    from tracker.models import Household

    with connection.cursor() as cursor:
        for table in (Household.history.model._meta.db_table, Household._meta.db_table):
            cursor.execute(f'DELETE FROM "{table}" WHERE code LIKE %s', [prefix + "%"])


def _ours(path: Path, user, rows: int, prefix: str) -> float:
    from imports.engine import run_import

    _clean(prefix)
    started = time.perf_counter()
    result = run_import("households", path, user=user, filename=path.name)
    seconds = time.perf_counter() - started
    if not result.written or result.new != rows:
        raise SystemExit("the import did not write the file:\n" + "\n".join(result.summary()[:20]))
    _clean(prefix)
    return rows / seconds


def _validated_rows(path: Path):
    """The file's rows as the model's field values (what both baselines are given)."""
    from imports.lookups import name_key
    from localities.models import Commune, Village
    from sheets import read_sheet
    from tracker.models import EthnicGroup

    from .household_file import household_columns

    commune = Commune.objects.legacy().get(code=COMMUNE)
    village, _ = Village.objects.get_or_create(commune=commune, name="Thôm Ưng")
    ethnic = dict(EthnicGroup.objects.values_list("code", "pk"))
    out = []
    with read_sheet(path, household_columns()) as sheet:
        for row in sheet:
            v = row.values
            out.append(
                {
                    "code": v["code"],
                    "head_name": v["head_name"],
                    "id_number": v["id_number"] or "",
                    "ethnic_group": ethnic[v["ethnic_code"]],
                    "commune": commune.pk,
                    "village": village.pk,
                    "member_count": v["member_count"],
                    "address": v["address"] or "",
                }
            )
    assert name_key(village.name, villages=True) == "thom ung"
    return out


def _import_export(rows: list[dict], prefix: str) -> float:
    """django-import-export 4's default ModelResource (per-row get-or-new, full_clean, save, one by one)."""
    import tablib
    from import_export.resources import modelresource_factory

    from tracker.models import Household

    _clean(prefix)
    headers = ["id", *rows[0].keys()]
    dataset = tablib.Dataset(*[[None, *r.values()] for r in rows], headers=headers)
    resource = modelresource_factory(Household)()
    started = time.perf_counter()
    result = resource.import_data(dataset, dry_run=False, raise_errors=True, use_transactions=True)
    seconds = time.perf_counter() - started
    if result.has_errors() or result.has_validation_errors():
        raise SystemExit("django-import-export refused the rows")
    _clean(prefix)
    return len(rows) / seconds


def _raw_copy(rows: list[dict], prefix: str) -> float | None:
    from django.db import connection
    from django.utils import timezone

    from kernel.pgcopy import copy_type
    from tracker.models import Household

    if connection.vendor != "postgresql":
        return None
    _clean(prefix)
    now = timezone.now()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            "COPY tracker_household (code, head_name, id_number, ethnic_group_id, commune_id, village_id, "
            "member_count, address, created_at, updated_at) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(
                [
                    copy_type(Household._meta.get_field(name))
                    for name in (
                        "code", "head_name", "id_number", "ethnic_group", "commune", "village", "member_count",
                        "address", "created_at", "updated_at",
                    )
                ]
            )  # fmt: skip
            for r in rows:
                copy.write_row(
                    (
                        r["code"],
                        r["head_name"],
                        r["id_number"],
                        r["ethnic_group"],
                        r["commune"],
                        r["village"],
                        r["member_count"],
                        r["address"],
                        now,
                        now,
                    )
                )
    seconds = time.perf_counter() - started
    if Household.objects.filter(code__startswith=prefix).count() != len(rows):
        raise SystemExit("raw COPY lost rows")
    _clean(prefix)
    return len(rows) / seconds


def _million(workdir: Path, username: str) -> tuple[float, float]:
    from .household_file import write_household_file

    path = workdir / "households-1m.csv"
    write_household_file(path, 1_000_000, "csv", start=1)
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "manage.py", "import_sheet", "households", str(path), "--as", username],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if completed.returncode != 0:
        raise SystemExit("the million-row import failed:\n" + completed.stdout[-2000:] + completed.stderr[-2000:])
    return peak_mb, 1_000_000 / seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_households", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--iex-rows", type=int, default=5_000, help="rows given to django-import-export")
    parser.add_argument("--repeat", type=int, default=3, help="runs of our import per format (best is kept)")
    parser.add_argument("--million", action="store_true", help="also measure memory on 1,000,000 rows")
    options = parser.parse_args(argv)
    _setup()
    from django.db import connection

    from .household_file import write_household_file

    user = _official()
    prefix = f"{COMMUNE}-TU-"
    print(f"== households import: {connection.vendor}, {options.rows:,} rows, as {user.username} (province {PROVINCE})")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        files = {}
        for fmt in ("csv", "xlsx"):
            files[fmt] = workdir / f"households.{fmt}"
            write_household_file(files[fmt], options.rows, fmt)
        ours = {}
        for fmt, path in files.items():
            ours[fmt] = max(_ours(path, user, options.rows, prefix) for _ in range(options.repeat))
            print(f"ours, {fmt:4}: {ours[fmt]:10,.0f} rows/s  (best of {options.repeat}, reading included)")
        rows = _validated_rows(files["csv"])
        copy_rate = _raw_copy(rows, prefix)
        iex_rate = _import_export(rows[: options.iex_rows], prefix)
        sample = min(options.iex_rows, len(rows))
        print(f"django-import-export default resource: {iex_rate:10,.0f} rows/s  ({sample:,} rows)")
        if copy_rate:
            print(f"raw COPY of the validated rows:        {copy_rate:10,.0f} rows/s  (no history, no checks)")
        print(f"ours (CSV) / django-import-export:     {ours['csv'] / iex_rate:10.1f} x")
        if copy_rate:
            print(f"ours (CSV) / raw COPY:                 {ours['csv'] / copy_rate:10.2f}")
            print(f"ours (xlsx) / raw COPY:                {ours['xlsx'] / copy_rate:10.2f}")
        goals = [("CSV ≥ 25,000 rows/s", ours["csv"] >= 25_000), ("xlsx ≥ 20,000 rows/s", ours["xlsx"] >= 20_000)]
        if options.million:
            peak, rate = _million(workdir, user.username)
            _clean(prefix)
            print(f"1,000,000 rows (CSV, import_sheet): peak RSS {peak:,.0f} MB, {rate:,.0f} rows/s")
            goals.append(("1M rows under 300 MB", peak < 300))
        for label, met in goals:
            print(f"goal {label}: {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
