import factory

from localities.choices import GenerationChoices, UnitTypeChoices
from localities.models import Commune, District, Province, Village


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province

    generation = GenerationChoices.CURRENT
    # Letters, so that factory units never collide with the real GSO codes loaded for the session.
    code = factory.Sequence(
        lambda n: f"Z{chr(65 + n % 26)}" if n < 26 else f"{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}"
    )
    short_name = factory.Sequence(lambda n: f"Thử Nghiệm {n}")
    name = factory.LazyAttribute(lambda o: f"Tỉnh {o.short_name}")
    unit_type = UnitTypeChoices.PROVINCE


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune

    generation = GenerationChoices.CURRENT
    # Sequences run on across the session; codes wrap (tests roll back) to stay within the column's length.
    code = factory.Sequence(lambda n: f"T{n % 10_000:04d}")
    short_name = factory.Sequence(lambda n: f"Bình Yên {n}")
    name = factory.LazyAttribute(lambda o: f"Xã {o.short_name}")
    unit_type = UnitTypeChoices.COMMUNE
    province = factory.SubFactory(ProvinceFactory)
    current_province = factory.LazyAttribute(lambda o: o.province)


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    commune = factory.SubFactory(CommuneFactory)
    name = factory.Sequence(lambda n: f"Thôn Nà {n}")


class LegacyProvinceFactory(ProvinceFactory):
    generation = GenerationChoices.LEGACY


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    province = factory.SubFactory(LegacyProvinceFactory)
    code = factory.Sequence(lambda n: f"Z{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    short_name = factory.Sequence(lambda n: f"Hòa An {n}")
    name = factory.LazyAttribute(lambda o: f"Huyện {o.short_name}")
    unit_type = UnitTypeChoices.RURAL_DISTRICT
