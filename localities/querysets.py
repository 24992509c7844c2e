"""Reads of administrative units, and the scope of rows within a unit."""

from django.db.models import Q

from kernel.access import commune_scope, province_scope, scoped
from kernel.querysets import JurisdictionQuerySet, ReferenceQuerySet

from .choices import GenerationChoices


def _unit_kind(unit) -> str | None:
    """The unit's kind ("province", "district", "commune"), read from its model: models.py imports this module."""
    meta = getattr(unit, "_meta", None)
    return meta.model_name if meta is not None and meta.app_label == "localities" else None


def unit_scope(unit, path: str) -> Q:
    """The Q keeping rows whose commune (reached through `path`) lies within a province, district or commune.

    Subtrees are resolved by indexed foreign keys (commune → province, district, current province), never by
    walking the tree. A current province also holds the legacy communes mapped into it.
    """
    kind = _unit_kind(unit)
    if kind == "province":
        field = "current_province" if unit.generation == GenerationChoices.CURRENT else "province"
        return Q(**{f"{path}__{field}": unit})
    if kind == "district":
        return Q(**{f"{path}__district": unit})
    if kind == "commune":
        return Q(**{path: unit})
    raise TypeError(f"Cannot scope to {type(unit).__name__}")


class ProvinceQuerySet(ReferenceQuerySet):
    def current(self):
        return self.filter(generation=GenerationChoices.CURRENT)

    def legacy(self):
        return self.filter(generation=GenerationChoices.LEGACY)

    def in_jurisdiction(self, user):
        """Provinces the user may record data in: theirs, with the legacy provinces merged into it."""
        return scoped(self, province_scope(user, "", commune_officials=True))


class CommuneQuerySet(ReferenceQuerySet):
    def current(self):
        return self.filter(generation=GenerationChoices.CURRENT)

    def legacy(self):
        return self.filter(generation=GenerationChoices.LEGACY)

    def in_jurisdiction(self, user):
        """Communes the user may record data in: the jurisdiction's, of either generation."""
        return scoped(self, commune_scope(user, ""))

    def within(self, unit):
        """Communes inside a province or district, of either generation.

        A current province holds its own communes and the legacy communes mapped into it; a legacy
        province or district holds its legacy communes.
        """
        kind = _unit_kind(unit)
        if kind == "district":
            return self.filter(district=unit)
        if kind == "province":
            if unit.generation == GenerationChoices.CURRENT:
                return self.filter(current_province=unit)
            return self.filter(province=unit)
        raise TypeError(f"Cannot take communes within {type(unit).__name__}")


class VillageQuerySet(JurisdictionQuerySet):
    def in_commune(self, commune):
        return self.filter(commune=commune)
