"""The figures of a period report: what a commune's report for a quarter (or a year) holds, as the approver reads
it before approving and as it prints.

A report of a current commune holds the data of the commune and of the legacy communes whose main successor it
is: the data its approval locks (tracker/locks.py, `reporting_commune`). The figures are read through the
querysets (`restrict(user, "view")`, `capital_by`, `with_capital`, `with_progress`, `poverty_status`), in a fixed
number of queries whatever the data size, and stay typed (integers of đồng, Decimal rates) until the template
presents them.

- capital: the plan year's capital (the report's year), allocated and net disbursed cumulatively up to the
  period's last day ("lũy kế đến ngày"), of which in the period (up to its last day less up to the day before it
  starts), split by capital type (development investment, recurrent), and the disbursement rate;
- works: the works counted by their status today, those with progress reported in the period, and a row per work
  with its capital and its latest physical progress up to the period's last day;
- households: registered, and of the plan year's statuses the poor, near-poor and newly escaped; those supported in
  the year.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from kernel.access import VIEW
from kernel.presentation import rate
from programs.choices import CapitalTypeChoices

from .choices import FINISHED_STATUSES, STARTED_STATUSES, WorkStatusChoices
from .models import Household, PeriodReport, ProgressReport, Work

WORKS_SHOWN = 50


def report_scope(commune, path: str = "commune") -> Q:
    """The rows (their commune reached through `path`) a current commune's reports hold: its own and those of
    the legacy communes it took over as main successor."""
    return Q(**{path: commune}) | Q(**{f"{path}__successor": commune})


def period_bounds(year: int, quarter: int | None) -> tuple[datetime.date, datetime.date]:
    """The first and last day of a quarter, or of the year."""
    if quarter is None:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    first = datetime.date(year, 3 * (quarter - 1) + 1, 1)
    following = datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    return first, following - datetime.timedelta(days=1)


@dataclass
class CapitalLine:
    """Capital of the plan year: allocated and net disbursed up to the period's last day, and in the period."""

    label: str
    allocated: int = 0
    disbursed: int = 0
    allocated_in_period: int = 0
    disbursed_in_period: int = 0

    @property
    def rate(self) -> Decimal | None:
        return rate(self.disbursed, self.allocated)


@dataclass
class WorkLine:
    pk: int
    code: str
    name: str
    status: str
    allocated: int
    disbursed: int
    progress_percent: Decimal | None
    progress_on: datetime.date | None

    @property
    def rate(self) -> Decimal | None:
        return rate(self.disbursed, self.allocated)


@dataclass
class PeriodFigures:
    starts: datetime.date
    ends: datetime.date
    year: int
    works: int = 0
    by_status: list[tuple[str, int]] = field(default_factory=list)  # (label, works), in the choices' order
    started: int = 0
    completed: int = 0
    reported_in_period: int = 0  # works with physical progress reported in the period
    capital: list[CapitalLine] = field(default_factory=list)  # per capital type
    total: CapitalLine | None = None
    work_rows: list[WorkLine] = field(default_factory=list)
    households: int = 0
    poor: int = 0
    near_poor: int = 0
    escaped: int = 0
    supported: int = 0
    support_vnd: int = 0

    @property
    def more_works(self) -> bool:
        return self.works > len(self.work_rows)


def period_figures(report: PeriodReport, *, user, works_shown: int = WORKS_SHOWN) -> PeriodFigures:
    """The figures of a report's commune for its period, within the user's jurisdiction. Nine queries."""
    starts, ends = period_bounds(report.year, report.quarter)
    figures = PeriodFigures(starts=starts, ends=ends, year=report.year)
    works = Work.objects.restrict(user, VIEW).filter(report_scope(report.commune_id))

    counts = dict(works.order_by().values_list("status").annotate(count=Count("pk")))
    figures.works = sum(counts.values())
    figures.by_status = [(label, counts[value]) for value, label in WorkStatusChoices.choices if counts.get(value)]
    figures.started = sum(counts.get(status, 0) for status in STARTED_STATUSES)
    figures.completed = sum(counts.get(status, 0) for status in FINISHED_STATUSES)

    # Up to the last day, and up to the day before the first: both end a month, so each is one grouped sum of the
    # capital summary.
    up_to_end = works.capital_by("capital_type", year=report.year, as_of=ends)
    before = works.capital_by("capital_type", year=report.year, as_of=starts - datetime.timedelta(days=1))
    for value, label in CapitalTypeChoices.choices:
        line = CapitalLine(label=str(label))
        now, then = up_to_end.get((value,), {}), before.get((value,), {})
        line.allocated, line.disbursed = now.get("allocated", 0), now.get("disbursed", 0)
        line.allocated_in_period = line.allocated - then.get("allocated", 0)
        line.disbursed_in_period = line.disbursed - then.get("disbursed", 0)
        figures.capital.append(line)
    figures.total = CapitalLine(
        label="",
        **{
            name: sum(getattr(line, name) for line in figures.capital)
            for name in ("allocated", "disbursed", "allocated_in_period", "disbursed_in_period")
        },
    )

    figures.reported_in_period = (
        ProgressReport.objects.filter(work__in=works.order_by().values("pk"), reported_on__range=(starts, ends))
        .order_by()
        .aggregate(works=Count("work", distinct=True))["works"]
    )
    rows = works.with_capital(report.year, as_of=ends).with_progress(as_of=ends).order_by("code")[:works_shown]
    figures.work_rows = [
        WorkLine(
            pk=work.pk,
            code=work.code,
            name=work.name,
            status=work.get_status_display(),
            allocated=work.allocated,
            disbursed=work.disbursed,
            progress_percent=work.progress_percent,
            progress_on=work.progress_on,
        )
        for work in rows
    ]

    households = Household.objects.restrict(user, VIEW).filter(report_scope(report.commune_id))
    line = households.poverty_status(year=report.year).get((), {})
    for name in ("households", "poor", "near_poor", "escaped", "supported", "support_vnd"):
        setattr(figures, name, line.get(name, 0))
    return figures
