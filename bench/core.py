"""The benchmark harness: a registry of measurements, the runs that time them, and the table they make.

A measurement is one function registered with `@measurement(...)`. It receives the `Context` (database,
logged-in client, data set) and returns either

* `Timed(run=..., anchor=...)`: two callables the harness times itself. `run` does what is measured (a page,
  an API list, an import); `anchor` does the least work that gives the same answer (the raw SQL under the
  page, a plain `JsonResponse` of `.values()` under an API list, the library's default import of the same
  file). The harness warms both up, times them `repeat` times each (alternately), and reports the medians,
  their ratio, the queries one run makes and the peak of Python memory one run allocates; or
* `Figure(...)`: figures the measurement computed itself (the generator's rows per second, for instance).

Adding a measurement is writing one such function in `bench/measurements.py` (or any module imported by
it): see the existing ones there.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext


@dataclass(frozen=True)
class Goal:
    """A target for a figure: at most `limit` (or at least, when `higher_is_better`), in `unit`."""

    limit: float
    unit: str
    higher_is_better: bool = False

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.limit if self.higher_is_better else value <= self.limit

    def __str__(self) -> str:
        return f"{'≥' if self.higher_is_better else '≤'} {_number(self.limit)} {self.unit}"


@dataclass
class Figure:
    """A measured figure with its anchor, as one line of the table."""

    value: float | None
    unit: str
    anchor: float | None = None
    anchor_label: str = ""
    queries: int | None = None
    anchor_queries: int | None = None
    peak_mb: float | None = None
    runs: int = 1
    note: str = ""
    # The ratio is value / anchor unless the measurement says otherwise (for throughputs: anchor / value, so
    # that a ratio above 1 always means "that many times the anchor's cost").
    ratio: float | None = None


@dataclass
class Timed:
    """Two operations the harness times: what is measured and its anchor."""

    run: Callable[[], Any]
    anchor: Callable[[], Any]
    anchor_label: str
    check: Callable[[Any, Any], None] | None = None  # compares one result of each, to prove they agree


@dataclass
class Measurement:
    name: str
    goal: Goal
    function: Callable[[Context], Timed | Figure]
    needs_data: bool = True
    repeat: int | None = None


REGISTRY: list[Measurement] = []


def measurement(name: str, *, goal: Goal, needs_data: bool = True, repeat: int | None = None):
    """Register a measurement (see the module docstring)."""

    def register(function):
        REGISTRY.append(Measurement(name, goal, function, needs_data, repeat))
        return function

    return register


@dataclass
class Context:
    """What measurements share: options, the data set's description, a logged-in test client."""

    scale: float
    seed: int
    repeat: int
    build: dict[str, Any] = field(default_factory=dict)  # figures of the build of the data set, if known
    cache: dict[str, Any] = field(default_factory=dict)  # figures measurements share within a run
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def vendor(self) -> str:
        return connection.vendor

    def client(self, who: str = "national"):
        """A Django test client logged in as the benchmark's national superuser ("national") or as a viewer
        of the largest province ("province")."""
        if who not in self._clients:
            from django.test import Client

            from .data import bench_province_viewer, bench_superuser

            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(bench_superuser() if who == "national" else bench_province_viewer())
            self._clients[who] = client
        return self._clients[who]

    def get(self, path: str, who: str = "national") -> bytes:
        response = self.client(who).get(path)
        if response.status_code != 200:
            raise AssertionError(f"GET {path} answered {response.status_code}")
        return response.content

    @staticmethod
    def sql(query: str, params=None) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def _queries(call: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def _peak_mb(call: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def run_timed(timed: Timed, repeat: int) -> Figure:
    """Warm up, prove the two agree, then time both `repeat` times, alternately, and take the medians."""
    _, result = _timed(timed.run)
    _, anchor_result = _timed(timed.anchor)
    if timed.check is not None:
        timed.check(result, anchor_result)
    runs, anchors = [], []
    for _ in range(repeat):
        runs.append(_timed(timed.run)[0])
        anchors.append(_timed(timed.anchor)[0])
        reset_queries()
    figure = Figure(
        value=statistics.median(runs),
        unit="ms",
        anchor=statistics.median(anchors),
        anchor_label=timed.anchor_label,
        queries=_queries(timed.run),
        anchor_queries=_queries(timed.anchor),
        peak_mb=_peak_mb(timed.run),
        runs=repeat,
    )
    return figure


@dataclass
class Row:
    measurement: Measurement
    figure: Figure | None
    error: str = ""


def run_all(context: Context, only: list[str] | None = None, say=print) -> list[Row]:
    rows = []
    for m in REGISTRY:
        if only and not any(o.lower() in m.name.lower() for o in only):
            continue
        say(f"-- {m.name}")
        try:
            result = m.function(context)
            figure = run_timed(result, m.repeat or context.repeat) if isinstance(result, Timed) else result
            rows.append(Row(m, figure))
        except Exception as error:  # noqa: BLE001 (one failing measurement must not hide the others)
            rows.append(Row(m, None, f"{type(error).__name__}: {error}"))
            say(f"   failed: {type(error).__name__}: {error}")
    return rows


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "ms" and value < 100:
        text = f"{value:,.1f}"
    elif abs(value) >= 100 or float(value).is_integer():
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.2f}"
    return text


def ratio(figure: Figure) -> float | None:
    if figure.ratio is not None:
        return figure.ratio
    if figure.value is None or not figure.anchor:
        return None
    return figure.value / figure.anchor


def figures_of(rows: list[Row]) -> dict[str, float]:
    """{measurement: value} of a run, kept to compare a later run at another scale with."""
    return {row.measurement.name: row.figure.value for row in rows if row.figure and row.figure.value is not None}


def table(rows: list[Row], baseline: dict[str, float] | None = None, baseline_label: str = "") -> str:
    """The results as a Markdown table (readable as plain text too); with `baseline` (the figures of a run at a
    smaller scale), a column of that run's figure and how many times it grew."""
    header = [
        "measured",
        "value",
        "goal",
        "met",
        "anchor (same run)",
        "anchor value",
        "ratio",
        "queries",
        "peak MB",
        "runs",
    ]
    if baseline is not None:
        header.append(baseline_label or "smaller scale")
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    for row in rows:
        m, f = row.measurement, row.figure
        if f is None:
            cells = [m.name, "failed", str(m.goal), "no", row.error, "", "", "", "", ""]
        else:
            met = m.goal.met(f.value)
            r = ratio(f)
            queries = (
                ""
                if f.queries is None
                else f"{f.queries}" + (f" (anchor {f.anchor_queries})" if f.anchor_queries is not None else "")
            )
            cells = [
                m.name + (f" ({f.note})" if f.note else ""),
                f"{_number(f.value, f.unit)} {f.unit}",
                str(m.goal),
                {True: "yes", False: "**no**", None: "-"}[met],
                f.anchor_label,
                f"{_number(f.anchor, f.unit)} {f.unit}" if f.anchor is not None else "-",
                f"{r:,.2f}×" if r is not None else "-",
                queries or "-",
                _number(f.peak_mb) if f.peak_mb is not None else "-",
                str(f.runs),
            ]
        if baseline is not None:
            before = baseline.get(m.name)
            now = f.value if f is not None else None
            if before is None or now is None:
                cells.append("-")
            else:
                unit = f.unit if f is not None else ""
                growth = f" (×{now / before:,.2f})" if before else ""
                cells.append(f"{_number(before, unit)} {unit}{growth}")
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"
