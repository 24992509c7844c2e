"""The load test: gunicorn on 127.0.0.1 and locust, headless and bounded in time, on the national data set.

Writes the targets locust needs (login, provinces, works to report on) to bench/results/, starts gunicorn
with the environment's settings (DEBUG on, as a local run needs: production settings demand HTTPS cookies),
runs bench/locustfile.py for `run_time`, stops gunicorn, deletes the progress reports the run posted and
returns the summary: requests/s, p50/p95/p99 and failures per request type.
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .data import BENCH_PASSWORD, BENCH_USERNAME, RESULTS, ROOT, bench_superuser

PORT = int(os.environ.get("BENCH_PORT", "8765"))
NOTE = "bench: locust load test"


def _targets() -> Path:
    from devdata.national_data import AS_OF, CODE_PREFIX
    from localities.models import Province
    from tracker.choices import WorkStatusChoices
    from tracker.models import Work

    bench_superuser()
    works = (
        Work.objects.filter(code__startswith=CODE_PREFIX, status=WorkStatusChoices.UNDER_CONSTRUCTION)
        .with_progress()
        .filter(progress_percent__lt=90)
        .order_by("code")
        .values("pk", "progress_percent")[:2_000]
    )
    targets = {
        "username": BENCH_USERNAME,
        "password": BENCH_PASSWORD,
        "provinces": list(Province.objects.current().values_list("pk", flat=True)),
        "works": [{"id": w["pk"], "progress": float(w["progress_percent"])} for w in works],
        "first_date": (AS_OF + datetime.timedelta(days=1)).isoformat(),
        "note": NOTE,
    }
    if not targets["works"]:
        raise RuntimeError("No generated work under construction to report on: build the data set first.")
    path = RESULTS / "locust_targets.json"
    path.write_text(json.dumps(targets))
    return path


def _wait_for_server(process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/admin/login/", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer on 127.0.0.1:{PORT} within {timeout:.0f} s")


def _port_free() -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", PORT)) != 0


def _summary(stats_csv: Path, run_time: str, users: int, workers: int) -> str:
    rows = list(csv.DictReader(stats_csv.open()))
    lines = [
        f"Load test: {users} officials for {run_time} against gunicorn ({workers} workers) on 127.0.0.1:{PORT}.",
        "",
        "| request | requests | req/s | p50 ms | p95 ms | p99 ms | failures |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        name = "all requests" if row["Name"] == "Aggregated" else row["Name"]
        lines.append(
            f"| {name} | {row['Request Count']} | {float(row['Requests/s']):.2f} | {row['50%']} | {row['95%']} | "
            f"{row['99%']} | {row['Failure Count']} |"
        )
    return "\n".join(lines) + "\n"


def run_load_test(*, run_time: str = "60s", users: int = 6, workers: int = 3, say=print) -> str:
    from django.db import connection

    from tracker.models import ProgressReport, Work
    from tracker.services import progress_sync_work_status

    locust = shutil.which("locust", path=str(Path(sys.executable).parent))
    if locust is None:
        raise RuntimeError("locust is not installed: .venv/bin/pip install -r bench/requirements.txt")
    if not _port_free():
        raise RuntimeError(f"127.0.0.1:{PORT} is taken: set BENCH_PORT")
    targets = _targets()
    connection.close()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "BENCH_TARGETS": str(targets)}
    env.setdefault("DJANGO_DEBUG", "1")
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    say(f"-- load test: gunicorn ({workers} workers) on 127.0.0.1:{PORT}, locust {users} users for {run_time}")
    server = subprocess.Popen(
        [gunicorn, "config.wsgi:application", f"--bind=127.0.0.1:{PORT}", f"--workers={workers}", "--timeout=120"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(RESULTS / "gunicorn.log").open("w"),
    )
    prefix = RESULTS / "locust"
    try:
        _wait_for_server(server)
        subprocess.run(
            [
                locust,
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                f"--users={users}",
                f"--spawn-rate={users}",
                f"--run-time={run_time}",
                f"--host=http://127.0.0.1:{PORT}",
                f"--csv={prefix}",
                "--only-summary",
                "--stop-timeout=10",
            ],
            cwd=ROOT,
            env=env,
            check=False,
            stdout=(RESULTS / "locust.log").open("w"),
            stderr=subprocess.STDOUT,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    # Leave the data set as it was: the progress the run posted goes, and each work keeps its status.
    posted = ProgressReport.objects.filter(note=NOTE)
    work_ids = set(posted.values_list("work_id", flat=True))
    posted.delete()
    for work in Work.objects.filter(pk__in=work_ids):
        progress_sync_work_status(work=work)
    text = _summary(Path(f"{prefix}_stats.csv"), run_time, users, workers)
    (RESULTS / "last-load.md").write_text(text)
    return text
