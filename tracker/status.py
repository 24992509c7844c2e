"""The tables of the disbursement status pages, read through the querysets (`restrict(user, "view")`,
`count_by`, `capital_by`, `planned_split`, `with_capital`): a fixed number of grouped queries whatever the
data size. Figures stay typed (integers of đồng, Decimal rates); the templates present them.

- `overview_tables`: the current provinces of the user's jurisdiction (a legacy province's data counts for
  the province it became part of), with the capital planned for them, and the splits by capital type and
  source;
- `province_tables`: the communes of a province that hold works (legacy communes apart, as recorded), the
  province's whole plan in the total, and the splits;
- `work_table`: the works of a commune with capital in the plan year.
"""

from __future__ import annotations

import datetime
import heapq
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kernel.access import VIEW
from kernel.exports import ExportColumn, typed_cell
from kernel.numbers import format_date
from kernel.presentation import COUNT, MONEY, PERCENT, rate
from kernel.text import fold
from localities.choices import GenerationChoices
from localities.models import Commune, Province
from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from programs.models import CapitalPlanEntry, Component

from .choices import ROAD_TYPES, CapacityUnitChoices, WorkTypeChoices
from .models import Allocation, EthnicGroup, Household, Work
from .services import disbursement_deadline


@dataclass(frozen=True)
class StatusQuery:
    """What a status page shows: a plan year, as of a date."""

    year: int
    as_of: datetime.date
    unit: str = "dong"  # how money is shown: "dong", or "million" (đồng); exports are always in đồng
    map: str = "current"  # the overview's provinces: "current" (34, legacy data mapped), or "recorded" (as recorded)

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
    works: int | None = 0  # None where works are not counted (a split by capital type or source)
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
        works=None if any(row.works is None for row in rows) else sum(row.works for row in rows),
        allocated=sum(row.allocated for row in rows),
        disbursed=sum(row.disbursed for row in rows),
        planned=planned,
    )


def query_string(query: StatusQuery) -> str:
    unit = "&unit=million" if query.unit == "million" else ""
    recorded = "&map=recorded" if query.map == "recorded" else ""
    return f"?year={query.year}&as_of={query.as_of:%d/%m/%Y}{unit}{recorded}"


@dataclass
class StatusTables:
    """A page's table (a row per unit), its total row, and the same capital split by capital type and by
    source (`splits["capital_type"]`, `splits["source"]`)."""

    rows: list[StatusRow]
    total: StatusRow
    splits: dict[str, list[StatusRow]]


SPLITS = {"capital_type": CapitalTypeChoices, "source": CapitalSourceChoices}
SPLIT_FIELDS = ("capital_type", "source")


def _splits(figures: dict[tuple, dict], planned: dict[tuple, int]) -> dict[str, list[StatusRow]]:
    """Per capital type (both always listed) and per source (those with capital), from sums keyed by
    (unit, capital type, source)."""
    tables = {}
    for position, field in enumerate(SPLIT_FIELDS, start=1):
        sums, plans = add_up(figures, position), add_up(planned, position)
        rows = [
            StatusRow(
                name=str(label),
                works=None,
                allocated=sums.get(value, {}).get("allocated", 0),
                disbursed=sums.get(value, {}).get("disbursed", 0),
                planned=plans.get(value, 0),
            )
            for value, label in SPLITS[field].choices
        ]
        tables[field] = [
            row for row in rows if field == "capital_type" or row.allocated or row.disbursed or row.planned
        ]
    return tables


def add_up(figures: dict[tuple, Any], position: int = 0) -> dict:
    """Sums keyed by tuples (a province, a capital type, a source, ...) added up per the value at
    `position`; each sum a number or a dict of numbers."""
    totals: dict = {}
    for key, value in figures.items():
        group = key[position]
        if isinstance(value, dict):
            into = totals.setdefault(group, dict.fromkeys(value, 0))
            for name, number in value.items():
                into[name] += number
        else:
            totals[group] = totals.get(group, 0) + value
    return totals


def overview_tables(user, query: StatusQuery) -> StatusTables:
    """One row per current province of the jurisdiction (a legacy province's data counts for the province it
    became part of), or, with `query.map == "recorded"`, per province as the data was recorded (the 63 of
    before 1 July 2025 for what was recorded on their communes, the 34 for the rest): works with capital in
    the year, planned, allocated and disbursed as of the date; and the splits. A fixed number of grouped
    queries, whatever the data."""
    recorded = query.map == "recorded"
    by = "recorded_province" if recorded else "province"
    works = Work.objects.restrict(user, VIEW)  # capital of the year is that of works with capital in the year
    counts = works.count_with_capital(by, year=query.year)
    figures = works.capital_by(by, *SPLIT_FIELDS, year=query.year, as_of=query.as_of)
    plans = CapitalPlanEntry.objects.restrict(user, VIEW).in_year(query.year)
    planned = plans.planned_split(by, *SPLIT_FIELDS, as_of=query.as_of)
    sums, planned_per_province = add_up(figures), add_up(planned)
    if recorded:
        shown = set(counts) | set(sums) | set(planned_per_province)
        provinces = Province.objects.in_jurisdiction(user).filter(pk__in=[pk for pk in shown if pk is not None])
    else:
        provinces = Province.objects.current().in_jurisdiction(user)
    provinces = sorted(
        provinces.only("pk", "name", "generation"),
        key=lambda p: (p.generation != GenerationChoices.CURRENT, fold(p.name)),
    )
    rows = [
        StatusRow(
            name=province.name
            if province.generation == GenerationChoices.CURRENT
            else _("%(name)s (before 1 July 2025)") % {"name": province.name},
            works=counts.get(province.pk, 0),
            allocated=sums.get(province.pk, {}).get("allocated", 0),
            disbursed=sums.get(province.pk, {}).get("disbursed", 0),
            planned=planned_per_province.get(province.pk, 0),
            url=reverse("status:province", args=[province.pk]) + query_string(query),
        )
        for province in provinces
    ]
    splits = _splits(figures, planned)
    splits["carried"] = _carried_split(works, query, rows)
    return StatusTables(rows=rows, total=total_row(rows, _("Total")), splits=splits)


def _carried_split(works, query: StatusQuery, rows: list[StatusRow]) -> list[StatusRow]:
    """The year's own capital (the table's total) and, apart, the capital of earlier years extended (kéo dài)
    into it: what was extended and what of it was paid in the year, as of the date."""
    own = total_row(rows, _("Capital of plan year %(year)s") % {"year": query.year})
    own.works = None
    carried = works.carried_over(year=query.year, as_of=query.as_of)
    earlier = StatusRow(
        name=_("Extended from earlier years (kéo dài)"),
        works=None,
        allocated=carried["allocated"],
        disbursed=carried["disbursed"],
    )
    return [own, earlier]


def province_tables(user, province, query: StatusQuery) -> StatusTables:
    """One row per commune of a current province holding works with capital in the year (a legacy commune
    apart, as the data was recorded), with the plans made for it; the total with the province's whole plan
    (its own entries, its communes' and those of the legacy provinces merged into it); and the splits."""
    works = Work.objects.restrict(user, VIEW).within(province)
    counts = works.count_with_capital("commune", year=query.year)
    figures = works.capital_by("commune", *SPLIT_FIELDS, year=query.year, as_of=query.as_of)
    plans = CapitalPlanEntry.objects.restrict(user, VIEW).in_year(query.year)
    plans = plans.filter(Q(province=province) | Q(province__successor=province))
    planned = plans.planned_split("commune", *SPLIT_FIELDS, as_of=query.as_of)
    sums, planned_per_commune = add_up(figures), add_up(planned)  # key None: the province's own plans
    communes = Commune.objects.filter(pk__in=list(counts)).select_related("district", "province")
    rows = sorted(
        (
            StatusRow(
                name=str(commune),
                works=counts[commune.pk],
                allocated=sums.get(commune.pk, {}).get("allocated", 0),
                disbursed=sums.get(commune.pk, {}).get("disbursed", 0),
                planned=planned_per_commune.get(commune.pk),
                url=reverse("status:commune", args=[commune.pk]) + query_string(query),
            )
            for commune in communes
        ),
        key=lambda row: fold(row.name),
    )
    total = total_row(rows, _("Total"), planned=sum(planned.values()))
    return StatusTables(rows=rows, total=total, splits=_splits(figures, planned))


# ---------------------------------------------------------------------------------------------------------
# Programs: program -> project -> sub-project -> province -> commune -> work, the same figures at each level


def coded_label(record) -> str:
    """A program or component as officials name it ("DA4: ..."), in the interface's language where its name
    is known in it (`name_vi`)."""
    name = record.name_vi if (get_language() or "").startswith("vi") and record.name_vi else record.name
    return f"{record.code}: {name}"


def _descendants(components) -> dict[int, set[int]]:
    """Each component's own id and those of the components below it (a project's sub-projects, ...)."""
    children: dict[int | None, list[int]] = {}
    for component in components:
        children.setdefault(component.parent_id, []).append(component.pk)

    def below(pk: int) -> set[int]:
        found = {pk}
        for child in children.get(pk, []):
            found |= below(child)
        return found

    return {component.pk: below(component.pk) for component in components}


def _add_components(figures: dict[tuple, dict], ids: set[int], unit=None, *, any_unit: bool = False) -> dict:
    """The figures of the components `ids` added up (for one unit, or over every unit)."""
    total = {"allocated": 0, "disbursed": 0, "works": set()}
    for (component, key), figure in figures.items():
        if component in ids and (any_unit or key == unit):
            total["allocated"] += figure["allocated"]
            total["disbursed"] += figure["disbursed"]
            total["works"] |= figure["works"]
    return total


def _row(name, figure, *, planned=None, url=None) -> StatusRow:
    return StatusRow(
        name=name,
        works=len(figure["works"]),
        allocated=figure["allocated"],
        disbursed=figure["disbursed"],
        planned=planned,
        url=url,
    )


def program_tables(user, program, query: StatusQuery) -> tuple[list[StatusRow], StatusRow, list[StatusRow]]:
    """A program's components (each project with its sub-projects' capital in it; sub-projects indented),
    its total, and its capital per current province: what its components allocated, what was paid on them
    (a payment on a line funded by two components shared in proportion, `capital_by_component`), planned
    for them. Four grouped queries."""
    components = list(Component.objects.filter(program=program).order_by("sort_order", "code"))
    below = _descendants(components)
    funded = Component.works.through.objects.filter(component__program=program).values("work_id")
    works = Work.objects.restrict(user, VIEW).filter(pk__in=funded)
    by_province = works.capital_by_component("province", year=query.year, as_of=query.as_of)
    plans = CapitalPlanEntry.objects.restrict(user, VIEW).in_year(query.year).filter(component__program=program)
    planned = plans.planned_split("component", "province", as_of=query.as_of)
    planned_by_component = add_up(planned)
    planned_by_province = add_up(planned, 1)
    depth = {c.pk: (0 if c.parent_id is None else 1) for c in components}
    rows = [
        _row(
            ("— " * depth[c.pk]) + coded_label(c),
            _add_components(by_province, below[c.pk], any_unit=True),
            planned=sum(planned_by_component.get(pk, 0) for pk in below[c.pk]),
            url=reverse("status:component", args=[c.pk]) + query_string(query),
        )
        for c in components
    ]
    # Components with no capital, plan or work in the year are left out (a program has dozens).
    rows = [row for row in rows if row.works or row.planned or row.allocated or row.disbursed]
    own = set(below)
    total = _row(_("Total"), _add_components(by_province, own, any_unit=True), planned=sum(planned.values()))
    province_ids = {key for (component, key) in by_province if component in own} | set(planned_by_province)
    provinces = Province.objects.filter(pk__in=[pk for pk in province_ids if pk is not None]).only("pk", "name")
    province_rows = sorted(
        (
            _row(
                p.name,
                _add_components(by_province, own, p.pk),
                planned=planned_by_province.get(p.pk, 0),
            )
            for p in provinces
        ),
        key=lambda row: fold(row.name),
    )
    return rows, total, province_rows


def component_tables(user, component, query: StatusQuery, *, province=None, commune=None):
    """A component's (and its sub-components') capital per current province, or per commune of a province,
    or per work of a commune, with its total: the next level of the drill-down. Two grouped queries and the
    units' names."""
    family = list(Component.objects.filter(program_id=component.program_id))
    ids = _descendants(family)[component.pk]
    funded = Component.works.through.objects.filter(component_id__in=ids).values("work_id")
    works = Work.objects.restrict(user, VIEW).filter(pk__in=funded)
    if commune is not None:
        works, by = works.filter(commune=commune), "work"
    elif province is not None:
        works, by = works.within(province), "commune"
    else:
        by = "province"
    figures = works.capital_by_component(by, year=query.year, as_of=query.as_of)
    keys = {key for (c, key) in figures if c in ids}
    base = reverse("status:component", args=[component.pk]) + query_string(query)
    if by == "province":
        units = Province.objects.filter(pk__in=keys).only("pk", "name")
        name, url = (lambda u: u.name), (lambda u: f"{base}&province={u.pk}")
    elif by == "commune":
        units = Commune.objects.filter(pk__in=keys).select_related("district", "province")
        name, url = str, (lambda u: f"{base}&province={province.pk}&commune={u.pk}")
    else:
        units = Work.objects.filter(pk__in=keys).only("pk", "code", "name")
        name = lambda u: f"{u.code} {u.name}"  # noqa: E731
        url = lambda u: reverse("status:work", args=[u.pk]) + query_string(query)  # noqa: E731
    rows = sorted(
        (_row(name(u), _add_components(figures, ids, u.pk), url=url(u)) for u in units),
        key=lambda row: fold(row.name),
    )
    total = _row(_("Total"), _add_components(figures, ids, any_unit=True))
    return rows, total


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


# ---------------------------------------------------------------------------------------------------------
# Infrastructure: works by type, started and completed, capacity built against planned


@dataclass
class InfrastructureRow:
    work_type: str
    unit: str
    works: int
    started: int
    completed: int
    planned: Decimal | None
    done: Decimal | None

    @property
    def type_label(self) -> str:
        return (
            str(WorkTypeChoices(self.work_type).label) if self.work_type in WorkTypeChoices.values else self.work_type
        )

    @property
    def unit_label(self) -> str:
        return str(CapacityUnitChoices(self.unit).label) if self.unit in CapacityUnitChoices.values else ""


def infrastructure_rows(works, query: StatusQuery) -> list[InfrastructureRow]:
    return [
        InfrastructureRow(
            work_type=row["work_type"],
            unit=row["capacity_unit"],
            works=row["works"],
            started=row["started"],
            completed=row["completed"],
            planned=row["planned"],
            done=row["done"],
        )
        for row in works.infrastructure(as_of=query.as_of)
    ]


def roads_summary(rows: list[InfrastructureRow]) -> dict | None:
    """The roads as officials quote them: started and completed of those planned, km built of km planned."""
    roads = [row for row in rows if row.work_type in ROAD_TYPES]
    if not roads:
        return None
    in_km = [row for row in roads if row.unit == CapacityUnitChoices.KM]
    return {
        "works": sum(row.works for row in roads),
        "started": sum(row.started for row in roads),
        "completed": sum(row.completed for row in roads),
        "km_planned": sum((row.planned or 0) for row in in_km),
        "km_done": sum((row.done or 0) for row in in_km),
    }


# ---------------------------------------------------------------------------------------------------------
# Lagging: communes and works behind


@dataclass
class Lagging:
    threshold: Decimal
    days: int
    communes: list[StatusRow]  # under the threshold, worst first (at most LAGGING_LIMIT)
    communes_behind: int  # how many communes are under the threshold
    communes_with_capital: int
    works_below: list  # works under the threshold, worst first (at most LAGGING_LIMIT)
    stale: list  # works under construction without a recent progress report
    overdue: list  # works past their planned completion, not completed
    deadline: datetime.date  # when the year's capital must be disbursed (unless extended)
    left: int  # allocated, not yet disbursed, of the year's capital


LAGGING_LIMIT = 100
RATE_SCALE = 10**12


def _works_below(works, query: StatusQuery, threshold: Decimal, related) -> list:
    """The works under the threshold, worst first (at most LAGGING_LIMIT), with their `allocated` and
    `disbursed` set from the grouped read (`WorkQuerySet.behind`): two queries."""
    worst = works.behind(year=query.year, as_of=query.as_of, threshold=threshold, limit=LAGGING_LIMIT)
    found = works.filter(pk__in=[work_id for work_id, _a, _d in worst]).select_related(*related).in_bulk()
    listed = []
    for work_id, allocated, disbursed in worst:
        work = found[work_id]
        work.allocated, work.disbursed = allocated, disbursed
        listed.append(work)
    return listed


def lagging(user, query: StatusQuery, *, threshold: Decimal, days: int, province=None) -> Lagging:
    """Who is behind, as of the date: communes and works whose disbursement rate is under `threshold` %,
    works under construction with no progress report for `days` days, works past their planned completion;
    and what is left to disburse of the year's capital by its deadline (31 January of the next year)."""
    reached = Work.objects.restrict(user, VIEW)
    if province is not None:
        reached = reached.within(province)
    works = reached.in_year(query.year)
    # The communes' sums in one grouped read of the capital summary; the works behind found, ordered and cut
    # to the worst in the database (`behind`).
    by_commune = reached.capital_by("commune", year=query.year, as_of=query.as_of)
    with_capital = {commune: sums for commune, sums in add_up(by_commune).items() if sums["allocated"] > 0}
    behind = {
        commune: sums
        for commune, sums in with_capital.items()
        if sums["disbursed"] * 100 < threshold * sums["allocated"]
    }
    # The worst communes listed (at most LAGGING_LIMIT; all are counted), their names read for those only.
    worst = heapq.nsmallest(
        LAGGING_LIMIT,
        behind.items(),
        key=lambda item: (item[1]["disbursed"] * RATE_SCALE // item[1]["allocated"], item[0]),
    )
    communes = Commune.objects.filter(pk__in=[pk for pk, _sums in worst]).select_related("district", "province")
    rows = sorted(
        (
            StatusRow(
                name=str(commune),
                works=None,
                allocated=behind[commune.pk]["allocated"],
                disbursed=behind[commune.pk]["disbursed"],
                url=reverse("status:commune", args=[commune.pk]) + query_string(query),
            )
            for commune in communes
        ),
        key=lambda row: (row.rate_of_allocated, fold(row.name)),
    )
    related = ("commune__district", "commune__province")
    return Lagging(
        threshold=threshold,
        days=days,
        communes=rows,
        communes_behind=len(behind),
        communes_with_capital=len(with_capital),
        works_below=_works_below(reached, query, threshold, related),
        stale=list(works.stale(days=days, as_of=query.as_of).select_related(*related)[:LAGGING_LIMIT]),
        overdue=list(
            works.overdue(as_of=query.as_of)
            .select_related(*related)
            .order_by("planned_completion_date", "code")[:LAGGING_LIMIT]
        ),
        deadline=disbursement_deadline(query.year),
        left=sum(sums["allocated"] - sums["disbursed"] for sums in with_capital.values()),
    )


# ---------------------------------------------------------------------------------------------------------
# Households: poverty by year and place, and by ethnic group (counts only)


@dataclass
class PovertyRow:
    name: str
    households: int = 0
    poor: int = 0
    near_poor: int = 0
    escaped: int = 0
    newly_poor: int = 0
    supported: int = 0
    support_vnd: int = 0
    url: str | None = None

    @property
    def poor_rate(self) -> Decimal | None:
        return rate(self.poor, self.households)

    @property
    def near_poor_rate(self) -> Decimal | None:
        return rate(self.near_poor, self.households)


POVERTY_FIGURES = ("households", "poor", "near_poor", "escaped", "newly_poor", "supported", "support_vnd")


def _poverty_total(rows: list[PovertyRow]) -> PovertyRow:
    return PovertyRow(name=_("Total"), **{name: sum(getattr(row, name) for row in rows) for name in POVERTY_FIGURES})


def household_tables(user, query: StatusQuery, *, province=None):
    """Per current province of the jurisdiction (or per commune of one), the households and the year's
    poverty statuses and support; and the same per ethnic group. Counts only: no household is named. The
    two tables come from the same four grouped queries."""
    households = Household.objects.restrict(user, VIEW)
    place = "province" if province is None else "commune"
    if province is not None:
        households = households.within(province)
    figures = households.poverty_status(place, "ethnic_group", year=query.year)
    by_place, by_group = add_up(figures, 0), add_up(figures, 1)
    if province is None:
        places = sorted(Province.objects.current().in_jurisdiction(user).only("pk", "name"), key=lambda p: fold(p.name))
        link = reverse("status:households") + query_string(query)
        named = [(place.pk, place.name, f"{link}&province={place.pk}") for place in places]
    else:
        communes = Commune.objects.filter(pk__in=list(by_place)).select_related("district", "province")
        named = sorted(((commune.pk, str(commune), None) for commune in communes), key=lambda item: fold(item[1]))
    rows = [PovertyRow(name=name, url=url, **_figures(by_place.get(pk))) for pk, name, url in named]
    groups = {group.pk: group.name for group in EthnicGroup.objects.filter(pk__in=[k for k in by_group if k])}
    ethnic = sorted(
        (PovertyRow(name=groups.get(key, _("not recorded")), **_figures(sums)) for key, sums in by_group.items()),
        key=lambda row: (-row.households, fold(row.name)),
    )
    return rows, _poverty_total(rows), ethnic


def _figures(figures: dict | None) -> dict:
    return {name: (figures or {}).get(name, 0) for name in POVERTY_FIGURES}


# ---------------------------------------------------------------------------------------------------------
# Sorting a table by one of its columns (?sort=allocated, ?sort=-rate_of_allocated)

SORT_KEYS = (
    "name",
    "works",
    "planned",
    "allocated",
    "unallocated",
    "disbursed",
    "rate_of_plan",
    "rate_of_allocated",
)


def sort_rows(rows: list[StatusRow], sort: str) -> list[StatusRow]:
    """The rows sorted by a column (`-` in front: largest first); a row without the figure goes last. An
    unknown column leaves the order as it was."""
    key = sort.removeprefix("-")
    if key not in SORT_KEYS:
        return rows
    descending = sort.startswith("-")

    def value(row):
        figure = getattr(row, key)
        return fold(figure) if key == "name" else figure

    known = [row for row in rows if value(row) is not None]
    missing = [row for row in rows if value(row) is None]
    return sorted(known, key=value, reverse=descending) + missing


def sort_links(base: str, sort: str) -> dict[str, str]:
    """Each column's address: sorted by it, largest first; again, the other way."""
    return {key: f"{base}&sort={key if sort == '-' + key else '-' + key}" for key in SORT_KEYS}
