"""The REST API through gunicorn: requests/s of the works list and the summary beside their ceilings (issue 12).

    python -m bench.api_serve                          # on DATABASE_URL, 5 rounds of 10 s per URL
    python -m bench.api_serve --repeat 7 --duration 15 --connections 4 --workers 2
    python -m bench.api_serve --bulk                   # also the 500-item bulk progress post (writes, then
                                                       # deletes what it wrote; needs the bulk endpoint)

What is served: page 1 of `/api/v1/works/?page_size=100` (works with commune, components, villages, capital
totals and latest progress) and `/api/v1/summary/` (by province, the latest plan year as of 30 June of it),
as the benchmark's national superuser holding an API token (issued with api.services, deleted at the end),
throttling off (NTP_API_RATE=off), DEBUG off. Each is set against its **ceiling**, served by the same
gunicorn in the same run: a plain Django view returning `JsonResponse` of `.values()` of the same rows from
the same querysets (bench/api_urls.py, mounted only by bench/api_settings.py). The load client is `wrk`
(apt-get install wrk), one thread and `--connections` connections for `--duration` seconds (the summary,
seconds a request: as many connections as workers, twice as long); each round runs every URL once,
alternating endpoint and ceiling, waiting after each for the requests left queued, and the figures are the
medians of the rounds. Every answer must be 2xx (wrk's "Non-2xx" count is checked).

Before serving, the queries of one request of each are counted in-process (CaptureQueriesContext), with
the token: the issue's budget is ≤ 6 queries for the page of 100 works.

The machine is shared: the load average is printed before and after, and a figure is only worth its ratio
to the ceiling measured beside it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
TOKEN_NAME = "bench.api_serve"
PORT = int(os.environ.get("BENCH_API_PORT", "8766"))
GOAL_RATIO = 2.0
BULK_ITEMS = 500
BULK_GOAL = 2_000  # items/s
# The bulk progress endpoint (issue 12): measured with --bulk once it resolves; until then the line says so.
BULK_PATH = os.environ.get("BENCH_BULK_PATH", "/api/v1/progress-reports/bulk/")


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.api_settings"
    os.environ.setdefault("NTP_API_RATE", "off")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1", "testserver"]


def _year() -> int:
    from tracker.models import Allocation

    return Allocation.objects.order_by("-year").values_list("year", flat=True).first() or 2025


def targets(year: int) -> list[tuple[str, str, str]]:
    """(name, endpoint, ceiling) of each URL served."""
    as_of = f"{year}-06-30"
    return [
        ("works list, page of 100", "/api/v1/works/?page_size=100", "/bench/ceiling/works/"),
        (
            f"summary by province, {year} as of {as_of}",
            f"/api/v1/summary/?year={year}&as_of={as_of}",
            f"/bench/ceiling/summary/?year={year}&as_of={as_of}",
        ),
    ]


def count_queries(path: str, key: str | None) -> tuple[int, bytes]:
    """Queries of one GET of `path`, in-process, with the token (or none, for a ceiling)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    client = Client(HTTP_HOST="127.0.0.1")
    client.get(path, **headers)  # warm: the token's last use is written at most once a minute
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
    if response.status_code != 200:
        raise AssertionError(f"GET {path} answered {response.status_code}: {response.content[:300]!r}")
    return len(captured.captured_queries), response.content


def same_works(api: bytes, ceiling: bytes) -> None:
    """The works page and its ceiling hold the same works with the same figures (and linked keys, in any order)."""
    api_rows, ceiling_rows = json.loads(api)["results"], json.loads(ceiling)["results"]
    keys = ("id", "allocated", "disbursed", "progress_percent", "commune_code", "components", "villages")

    def same(row):
        return {k: sorted(row[k]) if isinstance(row[k], list) else row[k] for k in keys}

    left, right = [same(row) for row in api_rows], [same(row) for row in ceiling_rows]
    if left != right:
        raise AssertionError("the works page and its ceiling disagree")


# --- Serving ---------------------------------------------------------------------------------------------


def _port_free() -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", PORT)) != 0


def start_gunicorn(workers: int) -> subprocess.Popen:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which("gunicorn")
    if gunicorn is None:
        raise SystemExit("gunicorn is not installed in the virtualenv")
    if not _port_free():
        raise SystemExit(f"127.0.0.1:{PORT} is taken: set BENCH_API_PORT")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.api_settings",
        "DJANGO_DEBUG": "0",  # as production runs: no query log, no debug pages
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-api-serve-local-only-" + "x" * 40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",  # plain HTTP on the loopback
        "DJANGO_LOG_LEVEL": "WARNING",
        "NTP_API_RATE": "off",
    }
    RESULTS.mkdir(exist_ok=True)
    return subprocess.Popen(
        [gunicorn, "config.wsgi:application", f"--bind=127.0.0.1:{PORT}", f"--workers={workers}"]
        + [
            "--timeout=120",
            "--access-logfile=-" if os.environ.get("BENCH_ACCESS_LOG") else "--access-logfile=/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(RESULTS / "api-gunicorn.log").open("w"),
    )


def _get(path: str, key: str | None = None, timeout: float = 120) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_for(server: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}: see {RESULTS / 'api-gunicorn.log'}")
        try:
            if _get("/bench/ceiling/works/", timeout=10) == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer on 127.0.0.1:{PORT} within {timeout:.0f} s")


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def drain(workers: int) -> None:
    """Wait until the requests wrk left queued are served: a cheap GET per worker, answered after them."""
    for _ in range(workers):
        _get("/bench/ceiling/works/", timeout=300)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(path: str, key: str | None, *, duration: int, connections: int) -> dict:
    """requests/s and median latency of `path` under wrk; raises if any answer was not 2xx."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout=60s"]
    if key:
        command += ["-H", f"Authorization: Bearer {key}"]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{PORT}{path}"], capture_output=True, text=True, check=True
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    failed = re.search(r"Socket errors:.*", output)
    if rate is None or errors or failed:
        raise AssertionError(f"wrk on {path} failed or met errors:\n{output}")
    return {"rps": float(rate[1]), "p50_ms": float(p50[1]) * _UNITS[p50[2]] if p50 else None}


# --- The bulk post (hook) --------------------------------------------------------------------------------


def bulk_available() -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(BULK_PATH)
    except Resolver404:
        return False
    return True


def bulk_body(items: list[dict]) -> bytes:
    """The body of a bulk progress post: adjust here if the endpoint names its list otherwise."""
    return json.dumps({"items": items}).encode()


def measure_bulk(key: str, *, repeat: int, say=print) -> dict | None:
    """items/s of `repeat` posts of 500 progress reports through gunicorn, sequentially (new dates each
    post, so every item is created); what was written is deleted after (bench.bulk_posts._clean)."""
    from django.utils import timezone

    from tracker.models import Work

    from .bulk_posts import _clean, _works, progress_items
    from .data import bench_superuser

    if not bulk_available():
        say(f"   bulk: {BULK_PATH} does not resolve yet: not measured (set BENCH_BULK_PATH once it exists)")
        return None
    user = bench_superuser()
    works = _works(user, 250)
    statuses = {w.pk: (w.status, w.version) for w in Work.objects.filter(pk__in=[w.pk for w in works])}
    since = timezone.now()
    rates = []
    try:
        for run in range(repeat + 1):
            body = bulk_body(progress_items(works, BULK_ITEMS, 10 + run))
            request = urllib.request.Request(
                f"http://127.0.0.1:{PORT}{BULK_PATH}",
                data=body,
                method="POST",
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            )
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=300) as response:
                answer = json.loads(response.read())
            elapsed = time.perf_counter() - started
            if run:  # the first post warms up
                rates.append(BULK_ITEMS / elapsed)
            if answer.get("created") != BULK_ITEMS:
                raise AssertionError(f"the bulk post did not create every item: {str(answer)[:300]}")
    finally:
        _clean(works, statuses, since)
    return {"items_per_s": statistics.median(rates), "runs": rates}


# --- The run ---------------------------------------------------------------------------------------------


def run(*, repeat: int, duration: int, connections: int, workers: int, bulk: bool, say=print) -> str:
    from django.db import connection

    from api.models import ApiToken
    from api.services import api_token_create

    from .data import bench_superuser

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    user = bench_superuser()
    ApiToken.objects.filter(user=user, name=TOKEN_NAME).delete()  # a run interrupted earlier
    _token, key = api_token_create(user=user, name=TOKEN_NAME)
    year = _year()
    urls = targets(year)
    load_before = os.getloadavg()
    try:
        queries = {}
        for name, endpoint, ceiling in urls:
            queries[name] = (count_queries(endpoint, key), count_queries(ceiling, None))
        (_, works_api), (_, works_ceiling) = queries[urls[0][0]]
        same_works(works_api, works_ceiling)
        connection.close()
        say(
            f"-- gunicorn ({workers} workers) on 127.0.0.1:{PORT}; "
            f"wrk 1 thread, {connections} connections, {duration} s"
        )
        server = start_gunicorn(workers)
        try:
            wait_for(server)
            for _, endpoint, ceiling in urls:  # warm every worker on every URL
                for _ in range(2 * workers):
                    for path, auth in ((endpoint, key), (ceiling, None)):
                        if _get(path, auth) != 200:
                            raise AssertionError(f"GET {path} is not 200 through gunicorn")
            figures = {name: {"api": [], "ceiling": []} for name, _, _ in urls}
            for round_ in range(repeat):
                for name, endpoint, ceiling in urls:
                    # A slow URL gets no more connections than workers: a queue behind them would be served
                    # after wrk stopped, into the next URL's figures (drain() waits for it anyway).
                    listing = name == urls[0][0]
                    width = connections if listing else min(connections, workers)
                    seconds = duration if listing else 2 * duration
                    for side, path, auth in (("api", endpoint, key), ("ceiling", ceiling, None)):
                        figures[name][side].append(wrk(path, auth, duration=seconds, connections=width))
                        drain(workers)
                    say(
                        f"   round {round_ + 1}: {name}: {figures[name]['api'][-1]['rps']:.1f} req/s, "
                        f"ceiling {figures[name]['ceiling'][-1]['rps']:.1f} req/s"
                    )
            bulk_figures = measure_bulk(key, repeat=repeat, say=say) if bulk else None
        finally:
            stop(server)
    finally:
        ApiToken.objects.filter(user=user, name=TOKEN_NAME).delete()
    load_after = os.getloadavg()
    return report(
        urls, figures, queries, bulk_figures, bulk, load_before, load_after, repeat, duration, connections, workers
    )


def _median(runs: list[dict], field: str) -> float:
    return statistics.median(r[field] for r in runs)


def report(urls, figures, queries, bulk_figures, bulk, load_before, load_after, repeat, duration, connections, workers):
    from django.db import connection

    lines = [
        f"API through gunicorn ({workers} sync workers, DEBUG off, throttling off) on {connection.vendor} "
        f"({connection.settings_dict['NAME']}), {datetime.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} CPUs; "
        f"wrk 1 thread, {connections} connections for {duration} s per list, {min(connections, workers)} for "
        f"{2 * duration} s for the summary; medians of {repeat} rounds; "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after.",
        "",
        "| served | req/s | p50 ms | ceiling req/s | ceiling p50 ms | ceiling ÷ API | goal ≤ 2× | queries (ceiling) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, _, _ in urls:
        api, ceiling = figures[name]["api"], figures[name]["ceiling"]
        rps, ceiling_rps = _median(api, "rps"), _median(ceiling, "rps")
        ratio = ceiling_rps / rps if rps else float("inf")
        (api_queries, _), (ceiling_queries, _) = queries[name]
        met = "yes" if ratio <= GOAL_RATIO else "**no**"
        lines.append(
            f"| {name} | {rps:.1f} | {_median(api, 'p50_ms'):.1f} | {ceiling_rps:.1f} | "
            f"{_median(ceiling, 'p50_ms'):.1f} | {ratio:.2f}× | {met} | {api_queries} ({ceiling_queries}) |"
        )
        runs, ceiling_runs = (", ".join(f"{r['rps']:.1f}" for r in rows) for rows in (api, ceiling))
        lines.append(f"|   runs | {runs} | | {ceiling_runs} | | | | |")
    if bulk_figures:
        lines.append(
            f"| bulk progress post, {BULK_ITEMS} items | {bulk_figures['items_per_s']:,.0f} items/s | | | | | "
            f"goal ≥ {BULK_GOAL:,} items/s: {'yes' if bulk_figures['items_per_s'] >= BULK_GOAL else '**no**'} | |"
        )
    elif bulk:
        lines.append(
            f"| bulk progress post, {BULK_ITEMS} items | not measured: {BULK_PATH} does not resolve | | | | | | |"
        )
    else:
        lines.append(f"| bulk progress post, {BULK_ITEMS} items | not run (writes: --bulk) | | | | | | |")
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "last-api.md").write_text(text)
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api_serve", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="rounds over the URLs (medians)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per URL and round")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--bulk", action="store_true", help="also the bulk progress post (writes, then cleans)")
    options = parser.parse_args(argv)
    _setup()
    print(
        run(
            repeat=options.repeat,
            duration=options.duration,
            connections=options.connections,
            workers=options.workers,
            bulk=options.bulk,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
