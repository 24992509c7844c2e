"""The product's URLs plus the ceilings the API benchmark sets its endpoints against (bench/api_serve.py).

A ceiling answers the same rows as the endpoint with the least Django can do: the same querysets, read with
`.values()` and returned by a plain `JsonResponse`, with no DRF (no authentication, permission, filterset,
serializer, pagination or renderer). The rows are the national superuser's, i.e. every row.
"""

from collections import defaultdict

from django.db.models import F
from django.http import JsonResponse
from django.urls import path

from config.urls import urlpatterns as product_urlpatterns
from tracker.models import Work

PAGE = 100
WORK_FIELDS = [
    "id",
    "code",
    "name",
    "work_type",
    "is_maintenance",
    "commune",
    "investor",
    "capacity",
    "capacity_unit",
    "approved_investment",
    "is_small_work",
    "status",
    "start_date",
    "planned_completion_date",
    "actual_completion_date",
    "latitude",
    "longitude",
    "beneficiary_households",
    "note",
    "allocated",
    "disbursed",
    "progress_percent",
    "progress_on",
    "version",
    "created_at",
    "updated_at",
]


def works_ceiling(request):
    """Page 1 of the works (100 by key), with the same annotations, commune and many-to-many keys as the API."""
    rows = list(
        Work.objects.with_capital()
        .with_progress()
        .order_by("pk")
        .values(*WORK_FIELDS, commune_code=F("commune__code"), commune_name=F("commune__name"))[:PAGE]
    )
    keys = [row["id"] for row in rows]
    for name, through, column in (
        ("components", Work.components.through, "component_id"),
        ("villages", Work.villages.through, "village_id"),
    ):
        linked = defaultdict(list)
        for work_id, other in through.objects.filter(work_id__in=keys).values_list("work_id", column):
            linked[work_id].append(other)
        for row in rows:
            row[name] = linked[row["id"]]
    return JsonResponse({"next": None, "previous": None, "results": rows})


def summary_ceiling(request):
    """The summary's figures by province for `year` as of `as_of`, from the querysets the endpoint calls."""
    import datetime

    year = int(request.GET["year"])
    as_of = datetime.date.fromisoformat(request.GET["as_of"])
    works = Work.objects.all().in_year(year)
    return JsonResponse(
        {
            "year": year,
            "as_of": as_of,
            "total": works.totals(year=year, as_of=as_of),
            "rows": list(works.disbursement_status("province", year=year, as_of=as_of)),
            "by_capital_type": [
                {"key": key[0], **sums}
                for key, sums in works.capital_by("capital_type", year=year, as_of=as_of).items()
            ],
            "by_source": [
                {"key": key[0], **sums} for key, sums in works.capital_by("source", year=year, as_of=as_of).items()
            ],
        }
    )


urlpatterns = [
    path("bench/ceiling/works/", works_ceiling),
    path("bench/ceiling/summary/", summary_ceiling),
    *product_urlpatterns,
]
