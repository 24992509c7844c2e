from django.db import models
from django.db.models import Q, Sum

from kernel.access import commune_scope, province_scope
from kernel.querysets import ReferenceQuerySet

from .choices import CapitalEntryKindChoices

# Entries that change the amount of capital (an extension only moves its deadline).
CAPITAL_CHANGING_KINDS = (CapitalEntryKindChoices.ASSIGNED, CapitalEntryKindChoices.ADJUSTMENT)


class ComponentQuerySet(ReferenceQuerySet):
    def projects(self):
        return self.filter(parent__isnull=True)

    def of_program(self, code: str):
        return self.filter(program__code=code)


class CapitalPlanEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Province-level entries belong to the province; commune entries to the commune."""
        by_commune = commune_scope(user, "commune")
        if by_commune is None:
            return self
        by_province = province_scope(user, "province")
        return self.filter(by_commune | (Q(commune__isnull=True) & by_province))

    def editable_by(self, user):
        return self.visible_to(user)

    def in_year(self, year: int):
        return self.filter(year=year)

    def capital_changing(self):
        return self.filter(kind__in=CAPITAL_CHANGING_KINDS)

    def extensions(self):
        return self.filter(kind=CapitalEntryKindChoices.EXTENSION)

    def total(self) -> int:
        """Planned capital in VND: assignments plus adjustments; extensions add nothing."""
        return self.aggregate(total=Sum("amount", filter=Q(kind__in=CAPITAL_CHANGING_KINDS), default=0))["total"]
