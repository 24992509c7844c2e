from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce

from kernel.access import commune_scope, province_scope
from kernel.querysets import ReferenceQuerySet, ScopedQuerySet

from .choices import CapitalEntryKindChoices

# Entries that change the amount of capital (an extension only moves its deadline).
CAPITAL_CHANGING_KINDS = (CapitalEntryKindChoices.ASSIGNED, CapitalEntryKindChoices.ADJUSTMENT)


class ComponentQuerySet(ReferenceQuerySet):
    def projects(self):
        return self.filter(parent__isnull=True)

    def of_program(self, code: str):
        return self.filter(program__code=code)


class CapitalPlanEntryQuerySet(ScopedQuerySet):
    def jurisdiction_q(self, user) -> Q | None:
        """Province-level entries belong to the province; commune entries to the commune."""
        by_commune = commune_scope(user, "commune")
        if by_commune is None:
            return None
        return by_commune | (Q(commune__isnull=True) & province_scope(user, "province"))

    def in_year(self, year: int):
        return self.filter(year=year)

    def capital_changing(self):
        return self.filter(kind__in=CAPITAL_CHANGING_KINDS)

    def extensions(self):
        return self.filter(kind=CapitalEntryKindChoices.EXTENSION)

    PLAN_SPLITS = {
        "province": Coalesce("province__successor_id", "province_id"),  # the current province
        "recorded_province": F("province_id"),  # the province the entry was decided for, of either map
        "commune": F("commune_id"),  # None for an entry of the province itself
        "component": F("component_id"),
        "capital_type": F("capital_type"),
        "source": F("source"),
    }

    def planned_split(self, *fields: str, as_of=None) -> dict[tuple, int]:
        """Planned VND split by `fields` (of PLAN_SPLITS: the current province, an entry of a legacy province
        counting for the province it became part of; capital type; source), as decided on or before `as_of`:
        {(value, ...): amount}. One grouped sum."""
        entries = self.capital_changing().order_by()
        if as_of is not None:
            entries = entries.filter(decided_on__lte=as_of)
        paths = {f"k{i}": self.PLAN_SPLITS[field] for i, field in enumerate(fields)}
        rows = entries.values(**paths).annotate(total=Sum("amount"))
        return {tuple(row[alias] for alias in paths): row["total"] for row in rows}

    def total(self) -> int:
        """Planned capital in VND: assignments plus adjustments; extensions add nothing."""
        return self.aggregate(total=Sum("amount", filter=Q(kind__in=CAPITAL_CHANGING_KINDS), default=0))["total"]
