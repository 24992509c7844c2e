"""The tables of the disbursement status pages, read through the querysets (`restrict(user, "view")`,
`disbursement_status`, `planned_by`, `with_capital`): a fixed number of grouped queries whatever the data
size. Figures stay typed (integers of đồng, Decimal rates); the templates present them.

- `province_table`: the current provinces of the user's jurisdiction (a legacy province's data counts for
  the province it became part of), with the capital planned for them;
- `commune_table`: the communes of a province that hold works (legacy communes apart, as recorded);
- `work_table`: the works of a commune with capital in the plan year.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.access import VIEW
from kernel.exports import ExportColumn, typed_cell
from kernel.numbers import format_date
from kernel.presentation import COUNT, MONEY, PERCENT, rate
from kernel.text import fold
from localities.models import Commune, Province
from programs.models import CapitalPlanEntry

from .models import Allocation, Work


@dataclass(frozen=True)
class StatusQuery:
    """What a status page shows: a plan year, as of a date."""

    year: int
    as_of: datetime.date

    @staticmethod
    def latest_year(user, today: datetime.date) -> int:
        """The latest plan year up to this one with capital allocated in the user's jurisdiction."""
        latest = (
            Allocation.objects.restrict(user, VIEW).filter(year__lte=today.year).aggregate(latest=Max("year"))["latest"]
        )
        return latest or today.year


@dataclass
class StatusRow:
    name: str
    works: int = 0
    allocated: int = 0
    disbursed: int = 0
    planned: int | None = None  # known for provinces (and communes with plans of their own)
    url: str | None = None

    @property
    def unallocated(self) -> int | None:
        return None if self.planned is None else self.planned - self.allocated

    @property
    def rate_of_plan(self) -> Decimal | None:
        return None if self.planned is None else rate(self.disbursed, self.planned)

    @property
    def rate_of_allocated(self) -> Decimal | None:
        return rate(self.disbursed, self.allocated)


def total_row(rows: list[StatusRow], name: str, *, planned: int | None = None) -> StatusRow:
    """The rows added up; the planned capital is the rows' (provinces), or given (a province's communes do
    not hold all of its plan: most of it is decided for the province)."""
    if planned is None and rows and all(row.planned is not None for row in rows):
        planned = sum(row.planned for row in rows)
    return StatusRow(
        name=name,
        works=sum(row.works for row in rows),
        allocated=sum(row.allocated for row in rows),
        disbursed=sum(row.disbursed for row in rows),
        planned=planned,
    )


def query_string(query: StatusQuery) -> str:
    return f"?year={query.year}&as_of={query.as_of:%d/%m/%Y}"


def province_table(user, query: StatusQuery) -> list[StatusRow]:
    """One row per current province of the jurisdiction: works with capital in the year, planned,
    allocated and disbursed as of the date."""
    works = Work.objects.restrict(user, VIEW).in_year(query.year)
    status = {row["key"]: row for row in works.disbursement_status("province", year=query.year, as_of=query.as_of)}
    plans = CapitalPlanEntry.objects.restrict(user, VIEW).in_year(query.year)
    planned = plans.planned_by("province", as_of=query.as_of)
    provinces = sorted(Province.objects.current().in_jurisdiction(user).only("pk", "name"), key=lambda p: fold(p.name))
    rows = []
    for province in provinces:
        figures = status.get(province.pk, {})
        rows.append(
            StatusRow(
                name=province.name,
                works=figures.get("works", 0),
                allocated=figures.get("allocated", 0),
                disbursed=figures.get("disbursed", 0),
                planned=planned.get(province.pk, 0),
                url=reverse("status:province", args=[province.pk]) + query_string(query),
            )
        )
    return rows


def commune_table(user, province, query: StatusQuery) -> list[StatusRow]:
    """One row per commune of a current province holding works with capital in the year (a legacy commune
    apart, as the data was recorded)."""
    works = Work.objects.restrict(user, VIEW).within(province).in_year(query.year)
    status = works.disbursement_status("commune", year=query.year, as_of=query.as_of)
    plans = CapitalPlanEntry.objects.restrict(user, VIEW).in_year(query.year)
    planned = plans.filter(commune__in=[row["key"] for row in status]).planned_by("commune", as_of=query.as_of)
    communes = Commune.objects.filter(pk__in=[row["key"] for row in status]).select_related("district", "province")
    names = {commune.pk: str(commune) for commune in communes}
    rows = [
        StatusRow(
            name=names.get(row["key"], "—"),
            works=row["works"],
            allocated=row["allocated"],
            disbursed=row["disbursed"],
            planned=planned.get(row["key"]),
            url=reverse("status:commune", args=[row["key"]]) + query_string(query),
        )
        for row in status
    ]
    return sorted(rows, key=lambda row: fold(row.name))


def province_planned(user, province, query: StatusQuery) -> int:
    """The capital planned for a current province in the year as of the date: its own entries, its
    communes' and those of the legacy provinces merged into it."""
    plans = CapitalPlanEntry.objects.restrict(user, VIEW).in_year(query.year)
    return plans.planned_by("province", as_of=query.as_of).get(province.pk, 0)


def work_table(user, commune, query: StatusQuery):
    """The works of a commune with capital in the year, each with its allocated and disbursed VND for the
    year as of the date, and its latest physical progress."""
    return (
        Work.objects.restrict(user, VIEW)
        .filter(commune=commune)
        .in_year(query.year)
        .with_capital(query.year, as_of=query.as_of)
        .with_progress()
        .order_by("code")
    )


# ---------------------------------------------------------------------------------------------------------
# The tables as .xlsx, exactly as shown: the same rows and total, numbers as numbers


def _column(header, value, kind=None) -> ExportColumn:
    return ExportColumn(str(header), (lambda row: typed_cell(kind, value(row))) if kind else value)


def unit_columns(unit_header) -> list[ExportColumn]:
    return [
        _column(unit_header, lambda row: row.name),
        _column(_("Works"), lambda row: row.works, COUNT),
        _column(_("Planned (VND)"), lambda row: row.planned, MONEY),
        _column(_("Allocated (VND)"), lambda row: row.allocated, MONEY),
        _column(_("Unallocated (VND)"), lambda row: row.unallocated, MONEY),
        _column(_("Disbursed (VND)"), lambda row: row.disbursed, MONEY),
        _column(_("Disbursed / planned"), lambda row: row.rate_of_plan, PERCENT),
        _column(_("Disbursed / allocated"), lambda row: row.rate_of_allocated, PERCENT),
    ]


def work_columns() -> list[ExportColumn]:
    return [
        _column(_("Code"), lambda work: work.code),
        _column(_("Work"), lambda work: work.name),
        _column(_("Type"), lambda work: work.get_work_type_display()),
        _column(_("Status"), lambda work: work.get_status_display()),
        _column(_("Allocated (VND)"), lambda work: work.allocated, MONEY),
        _column(_("Disbursed (VND)"), lambda work: work.disbursed, MONEY),
        _column(_("Disbursed / allocated"), lambda work: rate(work.disbursed, work.allocated), PERCENT),
        _column(_("Physical progress"), lambda work: work.progress_percent, PERCENT),
    ]


def preamble(place: str, query: StatusQuery) -> list[str]:
    """The lines above an exported table: what it is, where, as of when, and when it was exported."""
    return [
        _("Disbursement status: capital of plan year %(year)s") % {"year": query.year},
        place,
        _("As of %(day)s: disbursements paid and capital decided on or before that day.")
        % {"day": format_date(query.as_of)},
        _("Exported on %(moment)s") % {"moment": timezone.localtime().strftime("%d/%m/%Y %H:%M")},
    ]
