from django.db import models

from .choices import GenerationChoices


class ProvinceQuerySet(models.QuerySet):
    def current(self):
        return self.filter(generation=GenerationChoices.CURRENT)

    def legacy(self):
        return self.filter(generation=GenerationChoices.LEGACY)


class CommuneQuerySet(models.QuerySet):
    def current(self):
        return self.filter(generation=GenerationChoices.CURRENT)

    def legacy(self):
        return self.filter(generation=GenerationChoices.LEGACY)

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


class VillageQuerySet(models.QuerySet):
    def in_commune(self, commune):
        return self.filter(commune=commune)
