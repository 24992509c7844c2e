from django.db.models import Q, Sum

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

    def total(self) -> int:
        """Planned capital in VND: assignments plus adjustments; extensions add nothing."""
        return self.aggregate(total=Sum("amount", filter=Q(kind__in=CAPITAL_CHANGING_KINDS), default=0))["total"]
