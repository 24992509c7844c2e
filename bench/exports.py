"""The export benchmark: a national list exported as .csv through the admin, streamed, in a process of its own.

    python -m bench.exports                      # the works list (every work of the set), on DATABASE_URL
    python -m bench.exports --path "/admin/tracker/disbursement/export/csv/?year=2024"

Prints rows per second and the process's peak RSS, beside its anchor measured in the same run: the same
rows read by one SQL statement through a server-side cursor and written by Python's csv module, in a process
of its own too (the least work that streams the same rows).

The goal (issue 15): 100,000 rows streamed at ≥ 20,000 rows/s with a peak RSS ≤ 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKS = "/admin/tracker/work/export/csv/"


def _child(path: str, anchor: bool) -> dict:
    """Run in the child process: the export (or its anchor), timed, and the process's peak RSS."""
    import resource
    import time

    from . import setup_django

    setup_django()
    from .data import bench_superuser

    started = time.perf_counter()
    if anchor:
        rows = _anchor_rows()
    else:
        from django.test import Client

        client = Client()
        client.force_login(bench_superuser())
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")
        lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
        rows = lines - 1  # the header
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _anchor_rows() -> int:
    """The works list's columns by one statement, streamed from a server-side cursor into csv.writer."""
    import csv
    import io

    from django.db import connection, transaction

    from .measurements import SUMMARY, T

    sql = f"""
        SELECT w.code, w.name, c.name, w.work_type, w.status,
          (SELECT SUM(s.allocated) FROM {SUMMARY} s WHERE s.work_id = w.id),
          (SELECT SUM(s.disbursed) FROM {SUMMARY} s WHERE s.work_id = w.id),
          (SELECT r.progress_percent FROM {T["progress"]} r WHERE r.work_id = w.id
           ORDER BY r.reported_on DESC, r.id DESC LIMIT 1)
        FROM {T["work"]} w JOIN {T["commune"]} c ON c.id = w.commune_id ORDER BY w.code"""
    out = io.StringIO()
    writer = csv.writer(out)
    rows = 0
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while batch := cursor.fetchmany(2000):
            writer.writerows(batch)
            rows += len(batch)
            out.seek(0)
            out.truncate()
    return rows


def measure(path: str = WORKS, *, anchor: bool = False) -> dict:
    """One run in a child process: {"rows", "seconds", "peak_mb"}."""
    command = [sys.executable, "-m", "bench.exports", "--child", "--path", path] + (["--anchor"] if anchor else [])
    output = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=os.environ.copy())
    if output.returncode != 0:
        raise RuntimeError(f"the export's process failed:\n{output.stderr[-2000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def figure(repeat: int = 3):
    """The harness's line: median rows/s of `repeat` runs of the works export, beside the anchor's."""
    import statistics

    from .core import Figure

    runs = [measure() for _ in range(repeat)]
    anchors = [measure(anchor=True) for _ in range(repeat)]
    rate = statistics.median(r["rows"] / r["seconds"] for r in runs)
    anchor_rate = statistics.median(a["rows"] / a["seconds"] for a in anchors)
    return Figure(
        rate,
        "rows/s",
        anchor=anchor_rate,
        anchor_label="the same rows by one SQL statement, server-side cursor, csv.writer",
        ratio=anchor_rate / rate,
        peak_mb=max(r["peak_mb"] for r in runs),
        runs=repeat,
        note=f"{runs[0]['rows']:,} rows, peak RSS {max(r['peak_mb'] for r in runs):,.0f} MB",
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.exports", description=__doc__.splitlines()[0])
    parser.add_argument("--path", default=WORKS, help="the export's address (default: the works list as .csv)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--anchor", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        print(json.dumps(_child(options.path, options.anchor)))
        return 0
    result = measure(options.path)
    print(
        f"{options.path}: {result['rows']:,} rows in {result['seconds']:.1f} s, "
        f"{result['rows'] / result['seconds']:,.0f} rows/s, peak RSS {result['peak_mb']:,.0f} MB"
    )
    if options.path == WORKS:
        anchor = measure(anchor=True)
        print(f"anchor (one SQL statement, csv.writer): {anchor['rows'] / anchor['seconds']:,.0f} rows/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
