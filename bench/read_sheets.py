"""How fast sheets reads a household list, and in how much memory: `python -m bench.read_sheets`.

    python -m bench.read_sheets                    # CSV, xlsx (openpyxl) and xlsx as Excel saves it: 50,000 rows
    python -m bench.read_sheets --rows 1000000     # the same for a million rows (the xlsx takes minutes to write)
    python -m bench.read_sheets --formats xlsx --repeat 5

What is timed is the reading layer alone, as an importer uses it: `read_sheet(path, household_columns())`
and a loop over its rows touching every parsed value (no validation beyond the columns', no database).
Each run is a fresh process, so that its peak RSS (VmHWM) is the reading's own; the table gives the
median rows/s by the clock and by the process's CPU time (the same on an idle machine; the CPU figure is the
one to compare on a shared one) and the largest peak, with the RSS of the same process before it opened the
file (Django and the modules imported) as the baseline. Files are written once by `bench.household_file` and kept under
bench/results/sheets/ (ignored by git).

Goals, on the 2-core benchmark machine: CSV ≥ 100,000 rows/s, xlsx ≥ 50,000 rows/s at 50,000 rows; a
million-row file read in well under 150 MB of RSS, either format.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ROOT / "bench" / "results" / "sheets"
GOALS = {"csv": 100_000, "xlsx": 50_000, "xlsx-shared": 50_000}  # rows/s
MEMORY_GOAL_MB = 150


def household_file(rows: int, format: str, folder: Path = FILES) -> Path:  # noqa: A002
    """The benchmark's file of `rows` households in `format` ("csv", "xlsx", "xlsx-shared"), written on first use."""
    from .household_file import write_household_file

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"households-{rows}.{format.replace('xlsx-shared', 'shared.xlsx')}"
    if not path.exists():
        partial = path.with_name(f"part-{path.name}")
        started = time.perf_counter()
        if format == "xlsx-shared":
            with_shared_strings(household_file(rows, "xlsx", folder), partial)
        else:
            write_household_file(partial, rows, format)  # type: ignore[arg-type]
        partial.rename(path)
        print(f"   wrote {path.relative_to(ROOT)} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


_INLINE = re.compile(rb'( t=)"inlineStr"><is><t>([^<]*)</t></is>')
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def with_shared_strings(source: Path, target: Path) -> Path:
    """`source` (openpyxl's, every text inline) saved as Excel saves it: texts in a table, cells pointing to it."""
    index: dict[bytes, int] = {}

    def shared(match: re.Match[bytes]) -> bytes:
        number = index.setdefault(match[2], len(index))
        return match[1] + b'"s"><v>' + str(number).encode() + b"</v>"

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with old.open(info) as part, new.open(info.filename, "w", force_zip64=True) as out:
                    pending = b""
                    while chunk := part.read(1 << 20):
                        pending += chunk
                        cut = pending.rfind(b"</row>") + len(b"</row>")
                        out.write(_INLINE.sub(shared, pending[:cut]))
                        pending = pending[cut:]
                    out.write(_INLINE.sub(shared, pending))
                continue
            data = old.read(info)
            if info.filename == "xl/_rels/workbook.xml.rels":
                relation = f'<Relationship Id="rIdShared" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
                data = data.replace(b"</Relationships>", relation.encode() + b"</Relationships>")
            elif info.filename == "[Content_Types].xml":
                kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
                override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kind}"/>'
                data = data.replace(b"</Types>", override.encode() + b"</Types>")
            new.writestr(info, data)
        with new.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            out.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{_MAIN}">'.encode())
            for text in index:
                out.write(b"<si><t>" + text + b"</t></si>")
            out.write(b"</sst>")
    return target


def _rss_mb() -> float:
    """This process's peak RSS in MB: VmHWM, which starts afresh at exec (`ru_maxrss` keeps the parent's peak)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_once(path: Path) -> dict:
    """Read the file as an importer would (in this process); the figures of that one read."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from sheets import Limits, read_sheet

    from .household_file import household_columns

    columns = household_columns()
    limits = Limits(max_file_bytes=1024 * 1024 * 1024)
    baseline = _rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    rows = errors = members = 0
    with read_sheet(path, columns, limits=limits) as sheet:
        for row in sheet:
            rows += 1
            errors += len(row.errors)
            values = row.values
            members += values["member_count"] or 0
            _ = (values["code"], values["head_name"], values["id_number"], values["village"], values["address"])
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "rows": rows,
        "errors": errors,
        "members": members,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "cpu_rows_per_s": rows / cpu_seconds,
        "peak_rss_mb": _rss_mb(),
        "baseline_rss_mb": baseline,
    }


def anchor_once(path: Path) -> dict:
    """The least reading of the same file, for comparison: `csv.reader` (text cells, no check) or python-calamine
    (whole sheet loaded, floats, no check), with the same loop over the rows."""
    started, cpu_started = time.perf_counter(), time.process_time()
    rows = 0
    if path.suffix == ".csv":
        import csv
        import io

        with open(path, "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
            for _ in csv.reader(text):
                rows += 1
    else:
        from python_calamine import CalamineWorkbook

        with CalamineWorkbook.from_path(str(path)) as workbook:
            for _ in workbook.get_sheet_by_index(0).iter_rows():
                rows += 1
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return {"rows": rows, "rows_per_s": rows / seconds, "cpu_rows_per_s": rows / cpu_seconds, "peak_rss_mb": _rss_mb()}


def _child(mode: str, path: Path) -> dict:
    output = subprocess.run(
        [sys.executable, "-m", "bench.read_sheets", mode, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def measure(path: Path, repeat: int) -> dict:
    """`repeat` reads of `path`, each in a fresh process: median rows/s, largest peak RSS."""
    runs = [_child("--child", path) for _ in range(repeat)]
    if len({(run["rows"], run["errors"]) for run in runs}) != 1:
        raise AssertionError(f"runs disagree: {runs}")
    return {
        **runs[0],
        "rows_per_s": statistics.median(run["rows_per_s"] for run in runs),
        "cpu_rows_per_s": statistics.median(run["cpu_rows_per_s"] for run in runs),
        "seconds": statistics.median(run["seconds"] for run in runs),
        "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
        "baseline_rss_mb": max(run["baseline_rss_mb"] for run in runs),
        "runs": repeat,
    }


def figure(format: str, rows: int = 50_000, repeat: int = 3):  # noqa: A002
    """The reading of `rows` households in `format` as a line of `python -m bench` (see bench/measurements.py)."""
    from .core import Figure

    path = household_file(rows, format)
    result = measure(path, repeat)
    anchor = _child("--anchor", path)
    what = "csv.reader, text cells unchecked" if format == "csv" else "python-calamine, whole sheet in memory"
    return Figure(
        result["rows_per_s"],
        "rows/s",
        anchor=anchor["rows_per_s"],
        anchor_label=f"the same file read by {what} ({anchor['peak_rss_mb']:,.0f} MB peak RSS)",
        ratio=anchor["rows_per_s"] / result["rows_per_s"],
        peak_mb=result["peak_rss_mb"],
        runs=repeat,
        note=f"{rows:,} rows, reading layer alone, {result['cpu_rows_per_s']:,.0f} rows/s of CPU time",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.read_sheets", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000, help="households in each file (default 50,000)")
    parser.add_argument(
        "--formats",
        nargs="+",
        default=["csv", "xlsx", "xlsx-shared"],
        choices=list(GOALS),
        help="xlsx: as openpyxl writes it (texts inline); xlsx-shared: the same saved as Excel saves (table of texts)",
    )
    parser.add_argument("--repeat", type=int, default=None, help="reads of each file (default 3; 1 past 200,000 rows)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--anchor", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    if options.child:
        print(json.dumps(read_once(options.child)))
        return 0
    if options.anchor:
        print(json.dumps(anchor_once(options.anchor)))
        return 0
    repeat = options.repeat or (3 if options.rows <= 200_000 else 1)
    print(f"== sheets reading households: {options.rows:,} rows, {os.cpu_count()} CPUs, {repeat} runs each")
    print("| format | file | rows read | rows/s (wall, median) | rows/s (CPU) | goal | peak RSS | RSS before opening |")
    print("|---|---|---|---|---|---|---|---|")
    for format in options.formats:  # noqa: A001
        path = household_file(options.rows, format)
        result = measure(path, repeat)
        size = path.stat().st_size / 1024 / 1024
        met = "met" if result["rows_per_s"] >= GOALS[format] else "NOT met"
        print(
            f"| {format} | {size:,.1f} MB | {result['rows']:,} | {result['rows_per_s']:,.0f} | "
            f"{result['cpu_rows_per_s']:,.0f} | ≥ {GOALS[format]:,} ({met}) | {result['peak_rss_mb']:,.0f} MB | "
            f"{result['baseline_rss_mb']:,.0f} MB |",
            flush=True,
        )
        if result["errors"]:
            print(f"   {result['errors']} cell errors: the generated file and the columns disagree", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
