"""python -m bench: build or reuse the national data set, time every registered measurement, print one table.

python -m bench                      # scale 1 on DATABASE_URL, builds the set if missing
python -m bench --scale 0.01         # small scale, e.g. on SQLite
python -m bench --rebuild            # generate the set again (measures the generator)
python -m bench --only households    # the measurements whose name contains a word
python -m bench --load               # then the load test: gunicorn on 127.0.0.1 and locust, headless
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import warnings
from pathlib import Path

from . import setup_django


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="scale of the data set to build (default 1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each measurement (median)")
    parser.add_argument("--rebuild", action="store_true", help="generate the data set again and measure it")
    parser.add_argument("--only", nargs="*", help="run only measurements whose name contains one of these")
    parser.add_argument("--load", action="store_true", help="run the load test after the measurements")
    parser.add_argument("--load-only", action="store_true", help="run only the load test")
    parser.add_argument("--run-time", default="60s", help="load test duration (locust --run-time)")
    parser.add_argument("--users", type=int, default=6, help="load test: simultaneous officials")
    parser.add_argument(
        "--growth-from",
        type=float,
        default=0.1,
        help="print beside each figure the same one of the last run at this scale (default 0.1), if kept",
    )
    options = parser.parse_args(argv)

    setup_django()  # DEBUG off: measured as production runs, no query log kept
    from django.db import connection
    from django.utils import timezone

    from . import measurements  # noqa: F401 (registers the measurements)
    from .core import REGISTRY, Context, figures_of, run_all, table
    from .data import RESULTS, ensure_data

    # No login chatter from django-axes.
    logging.getLogger("axes").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at")
    say = print
    say(f"== NTP Tracker benchmark: {connection.vendor} ({connection.settings_dict['NAME']}), scale {options.scale:g}")
    build = ensure_data(scale=options.scale, seed=options.seed, rebuild=options.rebuild, say=say)
    context = Context(scale=build.get("scale", options.scale), seed=options.seed, repeat=options.repeat, build=build)

    RESULTS.mkdir(exist_ok=True)
    if not options.load_only:
        rows = run_all(context, options.only, say=say)
        started = f"{timezone.localtime():%Y-%m-%d %H:%M %Z}"
        header = (
            f"Run {started}, {connection.vendor} {_server_version()}, "
            f"data set scale {context.scale:g} seed {build.get('seed', options.seed)}, "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}; medians of {options.repeat} runs.\n"
        )
        baseline, baseline_label = _baseline(context.scale, options.growth_from, connection.vendor)
        if baseline is not None:
            header += f"The last column: the same measurement in {baseline_label}, and how many times it grew.\n"
        text = header + "\n" + table(rows, baseline, baseline_label and "at the smaller scale (×growth)")
        _keep_figures(context.scale, connection.vendor, started, figures_of(rows))
        say("")
        say(text)
        (RESULTS / "last.md").write_text(text)
        if build.get("output") and not build.get("reused"):
            (RESULTS / "last-build.txt").write_text(build["output"])
        if len(REGISTRY) and not rows:
            say("No measurement matched --only.")
    if options.load or options.load_only:
        from .load import run_load_test

        say(run_load_test(run_time=options.run_time, users=options.users, say=say))
    return 0


def _figures_path(scale: float, vendor: str) -> Path:
    from .data import RESULTS

    return RESULTS / f"figures-{vendor}-scale-{scale:g}.json"


def _keep_figures(scale: float, vendor: str, started: str, figures: dict) -> None:
    """Keep this run's figures (merged into those of the last runs at the scale) for a run at another scale."""
    path = _figures_path(scale, vendor)
    kept = json.loads(path.read_text()) if path.exists() else {"figures": {}}
    kept["figures"].update({name: {"value": value, "run": started} for name, value in figures.items()})
    path.write_text(json.dumps(kept, indent=1, ensure_ascii=False))


def _baseline(scale: float, growth_from: float, vendor: str) -> tuple[dict | None, str]:
    if growth_from >= scale:
        return None, ""
    path = _figures_path(growth_from, vendor)
    if not path.exists():
        return None, ""
    kept = json.loads(path.read_text())["figures"]
    runs = sorted({line["run"] for line in kept.values()})
    label = f"the run(s) at scale {growth_from:g} of {', '.join(runs)}"
    return {name: line["value"] for name, line in kept.items()}, label


def _server_version() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return str(connection.pg_version // 10000)
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version
    return ""


if __name__ == "__main__":
    sys.exit(main())
