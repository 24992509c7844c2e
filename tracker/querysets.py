from django.db.models import Exists, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from kernel.querysets import JurisdictionQuerySet
from localities.querysets import unit_scope
from programs.models import Component
from programs.querysets import CAPITAL_CHANGING_KINDS


def _related(queryset, name: str):
    """The model at the other end of a relation of the queryset's model (models.py imports this module)."""
    return queryset.model._meta.get_field(name).related_model


def _sum_subquery(model, field: str, outer: str = "pk", **filters):
    sums = (
        model.objects.filter(**{field: OuterRef(outer)}, **filters)
        .order_by()
        .values(field)
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(sums, output_field=IntegerField()), 0)


class WorkQuerySet(JurisdictionQuerySet):
    commune_path = "commune"

    def within(self, unit):
        if type(unit).__name__ == "Village":
            return self.filter(villages=unit)
        return self.filter(unit_scope(unit, "commune"))

    def of_program(self, program):
        """Works funded by a program (by code or instance), each once however many of its components fund it."""
        key = {"program__code": program} if isinstance(program, str) else {"program": program}
        return self.filter(Exists(Component.objects.filter(works=OuterRef("pk"), **key)))

    def with_capital(self, year: int | None = None):
        """Annotate allocated and disbursed VND (all years, or one plan year)."""
        Allocation, Disbursement = _related(self, "allocations"), _related(self, "disbursements")
        year_filter = {"year": year} if year else {}
        return self.annotate(
            allocated=_sum_subquery(Allocation, "work", kind__in=CAPITAL_CHANGING_KINDS, **year_filter),
            disbursed=_sum_subquery(Disbursement, "work", **year_filter),
        )

    def with_progress(self):
        """Annotate the latest reported physical progress (%) and its date."""
        latest = _related(self, "progress_reports").objects.filter(work=OuterRef("pk")).order_by("-reported_on", "-pk")
        return self.annotate(
            progress_percent=Subquery(latest.values("progress_percent")[:1]),
            progress_on=Subquery(latest.values("reported_on")[:1]),
        )


class AllocationQuerySet(JurisdictionQuerySet):
    commune_path = "work__commune"

    def capital_changing(self):
        return self.filter(kind__in=CAPITAL_CHANGING_KINDS)

    def total(self) -> int:
        return self.aggregate(total=Sum("amount", filter=Q(kind__in=CAPITAL_CHANGING_KINDS), default=0))["total"]


class DisbursementQuerySet(JurisdictionQuerySet):
    commune_path = "work__commune"

    def total(self) -> int:
        """Net disbursed VND: reversals carry negative amounts, so a plain sum is right."""
        return self.aggregate(total=Sum("amount", default=0))["total"]

    def as_of(self, date):
        return self.filter(paid_on__lte=date)


class ProgressReportQuerySet(JurisdictionQuerySet):
    commune_path = "work__commune"


class HouseholdQuerySet(JurisdictionQuerySet):
    commune_path = "commune"

    def within(self, unit):
        if type(unit).__name__ == "Village":
            return self.filter(village=unit)
        return self.filter(unit_scope(unit, "commune"))


class HouseholdRecordQuerySet(JurisdictionQuerySet):
    """Yearly statuses and support: they belong to the household's commune."""

    commune_path = "household__commune"


class PeriodReportQuerySet(JurisdictionQuerySet):
    commune_path = "commune"

    def covering(self, commune, day):
        """Reports of a current commune whose period holds the date (the quarter's and the year's)."""
        quarter = (day.month - 1) // 3 + 1
        return self.filter(commune=commune, year=day.year).filter(Q(quarter=quarter) | Q(quarter__isnull=True))
