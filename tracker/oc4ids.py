"""Works as an OC4IDS project package (Open Contracting for Infrastructure Data Standards, schema 0.9).

    package = project_package(Work.objects.restrict(user, "view").in_year(2025), as_of=date(2025, 6, 30),
                              uri=request.build_absolute_uri())

One project per work, built from the rows as they are (five queries whatever the number of works):

- `id`: the publisher's prefix and the work code (`oc4ids-ntpvn-BK-2022-0001`); a publisher that registers
  its own prefix with the Open Contracting Partnership passes it as `prefix`.
- `status` from the work's status (proposed → identification, approved → preparation, under construction
  and suspended → implementation, completed and settled → completion, cancelled → cancelled); `type`
  rehabilitation for a maintenance or repair work, construction otherwise; `sector` from the work type in
  the projectSector codelist (roads and bridges transport.road, power energy, domestic water waterAndWaste,
  irrigation and markets economy, schools education, health stations health, cultural houses
  cultureSportsAndRecreation, radio stations communications; "other" has none).
- `budget`: the capital allocated (assignments and adjustments decided by `as_of`; an extension adds no
  capital), with one breakdown line per plan year, source and capital type.
- `transactions`: the disbursements paid by `as_of`, a reversal as a negative amount (it is stored so).
- `metrics`: physical progress (each progress report by `as_of`: per cent, and the quantity done in the
  work's unit) and financial progress (disbursed ÷ allocated per plan year and in all, as of the date).
- `locations`: the commune (and, for a commune of before 1 July 2025, the commune it became) with its GSO
  code (gazetteer scheme `VN-GSO`) and the province as address; a point when the work has coordinates.
- `parties`: the investor as public authority (when the work names none, the commune's People's
  Committee, the investor the programs' rules give since 2025).

Money is an integer number of đồng (currency "VND"), never a float. The status is the work's status now
(`as_of` limits the figures). An empty queryset gives an empty `projects` list, which the standard's
package schema does not allow: the caller answers "nothing found" instead. The package validates against
`tracker/schemas/oc4ids-0.9-project-package.json`, a compact schema of the fields emitted here written
from the standard's documented structure (the standard's own schema files are not published as a package).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kernel.presentation import format_vnd
from kernel.text import fold
from localities.choices import GenerationChoices
from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from programs.models import Component
from programs.querysets import CAPITAL_CHANGING_KINDS

from .choices import CapacityUnitChoices, WorkStatusChoices, WorkTypeChoices
from .models import Allocation, Disbursement, ProgressReport, Work

VERSION = "0.9"
DEFAULT_PREFIX = "oc4ids-ntpvn"
DEFAULT_PUBLISHER = {"name": "NTP Tracker"}
CURRENCY = "VND"
GAZETTEER = "VN-GSO"  # the General Statistics Office's codes of provinces and communes
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "oc4ids-0.9-project-package.json"

STATUS = {
    WorkStatusChoices.PROPOSED: "identification",
    WorkStatusChoices.APPROVED: "preparation",
    WorkStatusChoices.UNDER_CONSTRUCTION: "implementation",
    WorkStatusChoices.SUSPENDED: "implementation",  # no code of its own: still being implemented, on hold
    WorkStatusChoices.COMPLETED: "completion",
    WorkStatusChoices.SETTLED: "completion",
    WorkStatusChoices.CANCELLED: "cancelled",
}
ROAD = ["transport", "transport.road"]
SECTOR = {
    WorkTypeChoices.ROAD_COMMUNE_CENTRE: ROAD,
    WorkTypeChoices.ROAD_INTER_COMMUNE: ROAD,
    WorkTypeChoices.ROAD_INTER_VILLAGE: ROAD,
    WorkTypeChoices.ROAD_IN_VILLAGE: ROAD,
    WorkTypeChoices.ROAD: ROAD,
    WorkTypeChoices.BRIDGE: ROAD,  # the codelist's road transport includes bridges
    WorkTypeChoices.POWER: ["energy"],
    WorkTypeChoices.IRRIGATION: ["economy"],  # agriculture is under economy; the codelist has no irrigation
    WorkTypeChoices.DOMESTIC_WATER: ["waterAndWaste"],
    WorkTypeChoices.SCHOOL: ["education"],
    WorkTypeChoices.HEALTH_STATION: ["health"],
    WorkTypeChoices.CULTURAL_HOUSE: ["cultureSportsAndRecreation"],
    WorkTypeChoices.RADIO_STATION: ["communications"],
    WorkTypeChoices.MARKET: ["economy"],
}
PERCENT_UNIT = {"name": "percent", "scheme": "UNCEFACT", "id": "P1"}
QUANTITY_UNITS = {  # UN/CEFACT Recommendation 20 common codes of the capacity units
    CapacityUnitChoices.KM: "KMT",
    CapacityUnitChoices.M: "MTR",
    CapacityUnitChoices.M2: "MTK",
    CapacityUnitChoices.M3: "MTQ",
    CapacityUnitChoices.HA: "HAR",
    CapacityUnitChoices.KVA: "KVA",
}


def _moment(day: datetime.date, *, end: bool = False) -> str:
    """A date as the standard's date-time: the start (or the last second) of the day in Vietnam."""
    time = datetime.time(23, 59, 59) if end else datetime.time(0, 0)
    return datetime.datetime.combine(day, time, tzinfo=ZoneInfo(settings.TIME_ZONE)).isoformat()


def _value(amount: int) -> dict[str, Any]:
    return {"amount": int(amount), "currency": CURRENCY}


def _number(value: Decimal) -> int | float:
    """A reported figure (per cent, km) as a JSON number: a whole one as an integer."""
    return int(value) if value == value.to_integral_value() else float(value)


def _rate(disbursed: int, allocated: int) -> int | float | None:
    if allocated <= 0:
        return None
    return _number((Decimal(disbursed) * 100 / allocated).quantize(Decimal("0.01"), ROUND_HALF_EVEN))


def _year_period(year: int) -> dict[str, str]:
    return {"startDate": _moment(datetime.date(year, 1, 1)), "endDate": _moment(datetime.date(year, 12, 31), end=True)}


def works_for_package(works: QuerySet, *, as_of: datetime.date | None = None) -> QuerySet:
    """`works` with what a project is built from: five queries in all, whatever their number."""
    allocations = Allocation.objects.filter(kind__in=CAPITAL_CHANGING_KINDS).order_by("year", "decided_on", "pk")
    disbursements = Disbursement.objects.order_by("paid_on", "pk")
    reports = ProgressReport.objects.order_by("reported_on", "pk")
    if as_of is not None:
        allocations = allocations.filter(decided_on__lte=as_of)
        disbursements = disbursements.filter(paid_on__lte=as_of)
        reports = reports.filter(reported_on__lte=as_of)
    return works.select_related(
        "commune__province", "commune__successor__province", "commune__current_province"
    ).prefetch_related(
        Prefetch("components", queryset=Component.objects.select_related("program").order_by("program__code", "code")),
        Prefetch("allocations", queryset=allocations, to_attr="package_allocations"),
        Prefetch("disbursements", queryset=disbursements, to_attr="package_disbursements"),
        Prefetch("progress_reports", queryset=reports, to_attr="package_reports"),
    )


def project_package(
    works: QuerySet,
    *,
    as_of: datetime.date | None = None,
    publisher: dict[str, Any] | None = None,
    uri: str | None = None,
    prefix: str = DEFAULT_PREFIX,
) -> dict[str, Any]:
    """An OC4IDS 0.9 project package of `works` (a queryset, already restricted to what the caller may see),
    figures as of the end of `as_of` (None: everything recorded). See the module docstring."""
    rows = list(works_for_package(works, as_of=as_of))
    projects = [_project(work, prefix=prefix, as_of=as_of) for work in rows]
    if as_of is not None:
        published = _moment(as_of, end=True)
    else:
        stamps = [work.updated_at for work in rows]
        for work in rows:
            stamps += [entry.created_at for entry in (*work.package_allocations, *work.package_disbursements)]
            stamps += [report.created_at for report in work.package_reports]
        published = timezone.localtime(max(stamps, default=timezone.now())).isoformat()
    return {
        "version": VERSION,
        "uri": uri or f"urn:ntp-tracker:oc4ids:{published}",
        "publishedDate": published,
        "publisher": dict(publisher or DEFAULT_PUBLISHER),
        "projects": projects,
    }


def _project(work: Work, *, prefix: str, as_of: datetime.date | None) -> dict[str, Any]:
    project: dict[str, Any] = {
        "id": f"{prefix}-{work.code}",
        "updated": timezone.localtime(work.updated_at).isoformat(),
        "language": translation.get_language() or settings.LANGUAGE_CODE,
        "identifiers": [{"id": work.code, "scheme": "NTP-Tracker work code"}],
        "title": work.name,
        "description": _description(work),
        "status": STATUS[work.status],
        "type": "rehabilitation" if work.is_maintenance else "construction",
    }
    if work.work_type in SECTOR:
        project["sector"] = list(SECTOR[work.work_type])
    components = list(work.components.all())
    if components:
        project["additionalClassifications"] = [
            {"scheme": "NTP-component", "id": f"{c.program.code}/{c.code}", "description": c.name} for c in components
        ]
    period = {}
    if work.start_date:
        period["startDate"] = _moment(work.start_date)
    end = work.actual_completion_date or work.planned_completion_date
    if end:
        period["endDate"] = _moment(end, end=True)
    if period:
        project["period"] = period
    authority = _public_authority(work)
    project["publicAuthority"] = {"id": authority["id"], "name": authority["name"]}
    project["parties"] = [authority]
    project["locations"] = _locations(work)
    project["budget"] = _budget(work)
    if work.package_disbursements:
        project["transactions"] = [
            {
                "id": f"{d.voucher_number}/{d.pk}",
                "date": _moment(d.paid_on),
                "value": _value(d.amount),
                "payer": {"id": authority["id"], "name": authority["name"]},
            }
            for d in work.package_disbursements
        ]
    metrics = _metrics(work, as_of)
    if metrics:  # an empty list is not allowed: a work with no figure yet has no metrics
        project["metrics"] = metrics
    return project


def _description(work: Work) -> str:
    parts = [str(WorkTypeChoices(work.work_type).label)]
    if work.is_maintenance:
        parts.append(_("maintenance or repair"))
    if work.capacity is not None and work.capacity_unit:
        parts.append(f"{_number(work.capacity)} {CapacityUnitChoices(work.capacity_unit).label}")
    text = ", ".join(parts)
    text += ". " + _("Commune: %(commune)s, %(province)s.") % {
        "commune": work.commune.name,
        "province": work.commune.province.name,
    }
    if work.approved_investment:
        text += " " + _("Approved total investment: %(amount)s VND.") % {"amount": format_vnd(work.approved_investment)}
    return text


def _public_authority(work: Work) -> dict[str, Any]:
    if work.investor:
        name = work.investor
    else:
        name = _("People's Committee of %(commune)s") % {"commune": work.commune.name}
    return {"id": f"VN-{slugify(fold(name))}", "name": name, "roles": ["publicAuthority"]}


def _location(commune, work: Work | None) -> dict[str, Any]:
    location: dict[str, Any] = {
        "id": f"{GAZETTEER}-{commune.code}-{commune.generation}",
        "description": f"{commune.name}, {commune.province.name}",
        "gazetteer": {"scheme": GAZETTEER, "identifiers": [commune.code]},
        "address": {"locality": commune.name, "region": commune.province.name, "countryName": "Việt Nam"},
    }
    if work is not None and work.latitude is not None and work.longitude is not None:
        location["geometry"] = {"type": "Point", "coordinates": [float(work.longitude), float(work.latitude)]}
    return location


def _locations(work: Work) -> list[dict[str, Any]]:
    commune = work.commune
    locations = [_location(commune, work)]
    if commune.generation == GenerationChoices.LEGACY and commune.successor is not None:
        current = _location(commune.successor, None)
        current["description"] = _("%(current)s (since 1 July 2025; before: %(legacy)s)") % {
            "current": current["description"],
            "legacy": commune.name,
        }
        locations.append(current)
    return locations


def _budget(work: Work) -> dict[str, Any]:
    lines: dict[tuple, int] = defaultdict(int)
    for allocation in work.package_allocations:
        lines[(allocation.year, allocation.source, allocation.capital_type)] += allocation.amount
    budget: dict[str, Any] = {
        "description": _("Capital allocated to the work (assignments and adjustments), by plan year and source."),
        "amount": _value(sum(lines.values())),
    }
    if lines:
        budget["budgetBreakdowns"] = [
            {
                "id": "year-source-type",
                "description": _("By plan year, capital source and capital type"),
                "budgetBreakdown": [
                    {
                        "id": f"{year}-{source}-{capital_type}",
                        "description": f"{year}, {CapitalSourceChoices(source).label}, "
                        f"{CapitalTypeChoices(capital_type).label}",
                        "amount": _value(amount),
                        "period": _year_period(year),
                    }
                    for (year, source, capital_type), amount in sorted(lines.items())
                ],
            }
        ]
    return budget


def _metrics(work: Work, as_of: datetime.date | None) -> list[dict[str, Any]]:
    metrics = []
    observations = []
    for report in work.package_reports:
        day = {"startDate": _moment(report.reported_on), "endDate": _moment(report.reported_on, end=True)}
        observation = {
            "id": f"{report.pk}-percent",
            "period": day,
            "measure": _number(report.progress_percent),
            "unit": dict(PERCENT_UNIT),
        }
        if report.note:
            observation["notes"] = report.note
        observations.append(observation)
        if report.quantity_done is not None and work.capacity_unit:
            unit = {"name": str(CapacityUnitChoices(work.capacity_unit).label)}
            if work.capacity_unit in QUANTITY_UNITS:
                unit |= {"scheme": "UNCEFACT", "id": QUANTITY_UNITS[work.capacity_unit]}
            observations.append(
                {"id": f"{report.pk}-quantity", "period": day, "measure": _number(report.quantity_done), "unit": unit}
            )
    if observations:
        metrics.append(
            {
                "id": "physicalProgress",
                "title": _("Physical progress"),
                "description": _("Physical progress (per cent) and quantity done, as the progress reports state them."),
                "observations": observations,
            }
        )
    allocated: dict[int, int] = defaultdict(int)
    disbursed: dict[int, int] = defaultdict(int)
    for allocation in work.package_allocations:
        allocated[allocation.year] += allocation.amount
    for disbursement in work.package_disbursements:
        disbursed[disbursement.year] += disbursement.amount
    if allocated or disbursed:
        last = as_of or max([d.paid_on for d in work.package_disbursements], default=None)
        observations = []
        for year in sorted(allocated.keys() | disbursed.keys()):
            observations.append(_financial(f"{year}", _year_period(year), disbursed[year], allocated[year]))
        period = {"endDate": _moment(last, end=True)} if last else None
        observations.append(_financial("total", period, sum(disbursed.values()), sum(allocated.values())))
        metrics.append(
            {
                "id": "financialProgress",
                "title": _("Financial progress"),
                "description": _("Capital disbursed ÷ capital allocated, per plan year and in all."),
                "observations": observations,
            }
        )
    return metrics


def _financial(key: str, period, disbursed: int, allocated: int) -> dict[str, Any]:
    observation: dict[str, Any] = {"id": f"financial-{key}", "value": _value(disbursed)}
    if period:
        observation["period"] = period
    rate = _rate(disbursed, allocated)
    if rate is not None:
        observation["measure"] = rate
        observation["unit"] = dict(PERCENT_UNIT)
    observation["notes"] = _("Disbursed %(disbursed)s VND of %(allocated)s VND allocated.") % {
        "disbursed": format_vnd(disbursed),
        "allocated": format_vnd(allocated),
    }
    return observation


__all__ = ["DEFAULT_PREFIX", "SCHEMA_PATH", "VERSION", "project_package", "works_for_package"]
