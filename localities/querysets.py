from django.db import models
from django.db.models import Q

from .choices import GenerationChoices


def unit_scope(unit, path: str) -> Q:
    """The Q keeping rows whose commune (reached through `path`) lies within a province, district or commune.

    Subtrees are resolved by indexed foreign keys (commune → province, district, current province), never by
    walking the tree. A current province also holds the legacy communes mapped into it.
    """
    from .models import Commune, District, Province

    if isinstance(unit, Province):
        field = "current_province" if unit.generation == GenerationChoices.CURRENT else "province"
        return Q(**{f"{path}__{field}": unit})
    if isinstance(unit, District):
        return Q(**{f"{path}__district": unit})
    if isinstance(unit, Commune):
        return Q(**{path: unit})
    raise TypeError(f"Cannot scope to {type(unit).__name__}")


class JurisdictionQuerySet(models.QuerySet):
    """A queryset whose rows belong to a commune, reached through `commune_path`."""

    commune_path = "commune"

    def visible_to(self, user):
        from .access import commune_scope, restrict

        return restrict(self, commune_scope(user, self.commune_path))

    def editable_by(self, user):
        """Rows the user may change where their roles allow it: the same jurisdiction as for reading."""
        return self.visible_to(user)


class ReferenceQuerySet(models.QuerySet):
    """Reference data: everybody reads it; who may write it is a matter of roles (permissions) only."""

    def visible_to(self, user):
        return self

    def editable_by(self, user):
        return self


class ProvinceQuerySet(ReferenceQuerySet):
    def current(self):
        return self.filter(generation=GenerationChoices.CURRENT)

    def legacy(self):
        return self.filter(generation=GenerationChoices.LEGACY)

    def in_jurisdiction(self, user):
        """Provinces the user may record data in: theirs, with the legacy provinces merged into it."""
        from .access import province_scope, restrict

        return restrict(self, province_scope(user, "", commune_officials=True))


class CommuneQuerySet(ReferenceQuerySet):
    def current(self):
        return self.filter(generation=GenerationChoices.CURRENT)

    def legacy(self):
        return self.filter(generation=GenerationChoices.LEGACY)

    def in_jurisdiction(self, user):
        """Communes the user may record data in: the jurisdiction's, of either generation."""
        from .access import commune_scope, restrict

        return restrict(self, commune_scope(user, ""))

    def within(self, unit):
        """Communes inside a province or district, of either generation.

        A current province holds its own communes and the legacy communes mapped into it; a legacy
        province or district holds its legacy communes.
        """
        from .models import District, Province

        if isinstance(unit, District):
            return self.filter(district=unit)
        if isinstance(unit, Province):
            if unit.generation == GenerationChoices.CURRENT:
                return self.filter(current_province=unit)
            return self.filter(province=unit)
        raise TypeError(f"Cannot take communes within {type(unit).__name__}")


class VillageQuerySet(JurisdictionQuerySet):
    def in_commune(self, commune):
        return self.filter(commune=commune)
