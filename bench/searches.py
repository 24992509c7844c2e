"""Searches as officials type them, on the national set: each admin list searched for names and words of every
kind (short words, common words, words in few or in many rows), as the national superuser and as the viewer of
the largest province.

    python -m bench.searches              # on DATABASE_URL, medians of 5 warm requests
    python -m bench.searches --repeat 9

Prints a Markdown table: per search, the median time of the page through Django's test client and the number
of matches the page reports ("more than 10,000" where its count stopped at the cap). The harness's own search
lines (`python -m bench --only searched`) time two terms beside hand-written SQL floors; this times more terms,
without floors.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from . import setup_django

# (list, search): names of households, works' names and their words, as typed (without accents)
SEARCHES = [
    ("household", "le van an"),
    ("household", "tran thi lan"),
    ("household", "nguyen thi ha"),
    ("household", "lo van"),
    ("household", "hoang thi mai"),
    ("household", "ha"),
    ("work", "truong hoc"),
    ("work", "duong giao thong"),
    ("work", "nha van hoa"),
    ("work", "an"),
    ("disbursement", "truong hoc"),
    ("disbursement", "le loi"),
    ("disbursement", "nha van hoa"),
    ("allocation", "truong hoc"),
    ("allocation", "kenh"),
    ("povertyassessment", "le van"),
    ("support", "hoang thi"),
    ("progressreport", "truong hoc"),
]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.searches", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per search and viewer (median)")
    options = parser.parse_args(argv)
    setup_django()
    from django.test import Client
    from django.test.utils import setup_test_environment

    from .data import bench_province_viewer, bench_superuser

    setup_test_environment()  # the response's context: the count the page reports
    clients = {}
    for who, user in (("national", bench_superuser()), ("province", bench_province_viewer())):
        clients[who] = Client()
        clients[who].force_login(user)
    print("| list | search | national superuser: median ms (matches) | province viewer: median ms (matches) |")
    print("|---|---|---:|---:|")
    for model, term in SEARCHES:
        cells = []
        for client in clients.values():
            path = f"/admin/tracker/{model}/?q={term.replace(' ', '+')}"
            client.get(path)  # warm
            times = []
            for _ in range(options.repeat):
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"GET {path} answered {response.status_code}")
            changelist = response.context["cl"]
            capped = getattr(changelist.paginator, "capped", False)
            shown = f"more than {changelist.paginator.count:,}" if capped else f"{changelist.result_count:,}"
            cells.append(f"{statistics.median(times):,.0f} ({shown})")
        print(f"| {model} | `{term}` | {cells[0]} | {cells[1]} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
