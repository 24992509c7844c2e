"""The bulk post benchmark: `tracker.bulk.record_many` of 500 progress reports, items/s, beside a raw bulk_create.

    python -m bench.bulk_posts                       # 500 progress reports, 7 runs, on DATABASE_URL
    python -m bench.bulk_posts --items 500 --repeat 9 --user province.entry

What is timed is the function the API's bulk view calls, as a province data-entry official of the demo
(`manage.py bootstrap`): the items are read as records, checked by the progress import (works looked up,
jurisdiction, duplicates, the report already recorded) and written a chunk at a time through
`services.progress_reports_record_many` (the rules of `progress_report_record`: the works locked,
`full_clean`, locked periods, history with the path "api" and the official, the jurisdiction re-checked as
saved, the work's status following its newest report), in one transaction. Each run posts reports of new
dates for the same works, so every item is created (none "unchanged"); the works' status changes on the
first run only (as when a commune reports month after month). A second figure is the same post where every
work's status changes (each work gets a new version, with its history and many-to-many snapshot). The HTTP
layer is not in the figures (the load test serves the same post through gunicorn).

The anchor is `ProgressReport.objects.bulk_create` of the same rows, already resolved (work ids looked up),
without history or any check: what a bulk write costs the database at least.

Every row the benchmark writes (reports, their history, the works' new versions) is deleted at the end
and the works get their status back. The goal (issue 12): ≥ 2,000 items/s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_DAY = datetime.date(2031, 1, 1)  # later than any demo report, in no approved (locked) period
NOTE = "bench.bulk_posts"
GOAL = 2_000


def _setup():
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False


def _official(username: str):
    from django.contrib.auth.models import User

    user = User.objects.filter(username=username).select_related("official").first()
    if user is None:
        raise SystemExit(f"No user {username!r}: load the demo first (manage.py bootstrap).")
    return user


def _works(user, count: int):
    from tracker.models import Work

    works = list(Work.objects.restrict(user, "change").order_by("code")[:count])
    if not works:
        raise SystemExit(f"{user.username} sees no work: load the demo first (manage.py bootstrap).")
    return works


def progress_items(works, count: int, run: int, status: str = "construction") -> list[dict]:
    """`count` reports as a client posts them (codes, ISO dates, JSON numbers): the works in turn, a new day
    for each round over the works, later days for each run."""
    rounds = -(-count // len(works))
    items = []
    for i in range(count):
        work = works[i % len(works)]
        day = FIRST_DAY + datetime.timedelta(days=run * rounds + i // len(works))
        items.append(
            {
                "work": work.code,
                "reported_on": day.isoformat(),
                "progress_percent": round(10 + (i % 900) / 10, 1),
                "status": status,
                "note": NOTE,
            }
        )
    return items


def _post(items, user) -> float:
    from tracker.bulk import record_many

    started = time.perf_counter()
    result = record_many("progress", items, user=user)
    elapsed = time.perf_counter() - started
    if not result.written or result.created != len(items):
        raise AssertionError(f"the post did not record every item: {result.as_dict()}")
    return elapsed


def _bulk_create(items, works) -> float:
    from django.db import transaction

    from tracker.models import ProgressReport

    ids = {work.code: work.pk for work in works}
    started = time.perf_counter()
    rows = [
        ProgressReport(
            work_id=ids[item["work"]],
            reported_on=datetime.date.fromisoformat(item["reported_on"]),
            progress_percent=Decimal(str(item["progress_percent"])),
            status=item["status"],
            note=item["note"],
        )
        for item in items
    ]
    with transaction.atomic():
        ProgressReport.objects.bulk_create(rows)
    return time.perf_counter() - started


def _clean(works, statuses: dict[int, tuple[str, int]], since) -> None:
    """Delete what the benchmark wrote and give the works their status and version back."""
    from django.db import transaction

    from tracker.models import ProgressReport, Work

    with transaction.atomic():
        ProgressReport.objects.filter(note=NOTE).delete()
        ProgressReport.history.filter(note=NOTE).delete()
        Work.history.filter(id__in=statuses, history_date__gte=since).delete()
        for pk, (status, version) in statuses.items():
            Work.objects.filter(pk=pk).update(status=status, version=version)


def _queries(items, user) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tracker.bulk import record_many

    with CaptureQueriesContext(connection) as captured:
        record_many("progress", items, user=user, dry_run=True)
    return len(captured.captured_queries)


def measure(*, items: int = 500, repeat: int = 7, username: str = "province.entry", say=print) -> dict:
    """Medians of `repeat` posts of `items` progress reports and of as many raw bulk_creates, in items/s."""
    from django.db import connection
    from django.utils import timezone

    from tracker.models import Work

    user = _official(username)
    works = _works(user, 250)  # a province official's works (the demo's Thái Nguyên has 249)
    statuses = dict((w.pk, (w.status, w.version)) for w in Work.objects.filter(pk__in=[w.pk for w in works]))
    since = timezone.now()
    posts, anchors, changing = [], [], []
    try:
        _post(progress_items(works, items, 0), user)  # warm-up: caches, and the works' status set once
        queries = _queries(progress_items(works, items, 1), user)
        for run in range(repeat):
            posts.append(items / _post(progress_items(works, items, 2 + 3 * run), user))
            anchors.append(items / _bulk_create(progress_items(works, items, 3 + 3 * run), works))
            # The same post where every work's status changes (a new version of each work, with its history).
            status = "suspended" if run % 2 == 0 else "construction"
            changing.append(items / _post(progress_items(works, items, 4 + 3 * run, status), user))
        _post(progress_items(works, items, 5 + 3 * repeat), user)  # leave the works "construction"
    finally:
        _clean(works, statuses, since)
    figures = {
        "vendor": connection.vendor,
        "items": items,
        "works": len(works),
        "runs": repeat,
        "items_per_s": statistics.median(posts),
        "anchor_items_per_s": statistics.median(anchors),
        "queries": queries,
        "all_runs": posts,
        "changing_items_per_s": statistics.median(changing),
    }
    say(
        f"bulk progress post, {items} items over {len(works)} works ({connection.vendor}, {username}): "
        f"{figures['items_per_s']:,.0f} items/s (median of {repeat}; goal ≥ {GOAL:,}), "
        f"{queries} queries a post (dry run); anchor: raw bulk_create of the same rows "
        f"{figures['anchor_items_per_s']:,.0f} items/s, {figures['anchor_items_per_s'] / figures['items_per_s']:.1f}× "
        f"faster; runs: {', '.join(f'{p:,.0f}' for p in posts)}"
    )
    say(
        f"the same post where every work's status changes ({len(works)} new work versions): "
        f"{figures['changing_items_per_s']:,.0f} items/s (median of {repeat}); runs: "
        f"{', '.join(f'{p:,.0f}' for p in changing)}"
    )
    return figures


def figure(items: int = 500, repeat: int = 7):
    """The measurement as a line of `python -m bench` (bench/measurements.py): as the demo's province
    official if the database has the demo, else as the benchmark's national superuser."""
    from django.contrib.auth.models import User

    from .core import Figure
    from .data import bench_superuser

    username = "province.entry" if User.objects.filter(username="province.entry").exists() else None
    username = username or bench_superuser().username
    figures = measure(items=items, repeat=repeat, username=username, say=lambda line: None)
    return Figure(
        figures["items_per_s"],
        "items/s",
        anchor=figures["anchor_items_per_s"],
        anchor_label="raw bulk_create of the same rows (no checks, no history)",
        ratio=figures["anchor_items_per_s"] / figures["items_per_s"],
        queries=figures["queries"],
        runs=repeat,
        note=f"{items} items over {figures['works']} works, as {username}; "
        f"{figures['changing_items_per_s']:,.0f} items/s when every work's status changes",
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bulk_posts", description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--user", default="province.entry", help="the demo official who posts")
    options = parser.parse_args(argv)
    _setup()
    measure(items=options.items, repeat=options.repeat, username=options.user)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
