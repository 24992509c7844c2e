import datetime
import itertools

import factory

from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from tests.localities.factories import CommuneFactory, VillageFactory
from tests.programs.factories import ComponentFactory, LegalDocumentFactory
from tracker.choices import WorkStatusChoices, WorkTypeChoices
from tracker.models import Allocation, EthnicGroup, Household, PovertyStandard, Work


class WorkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Work
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"W-{n:05d}")
    name = factory.Sequence(lambda n: f"Đường liên thôn {n}")
    work_type = WorkTypeChoices.ROAD_INTER_VILLAGE
    commune = factory.SubFactory(CommuneFactory)
    status = WorkStatusChoices.APPROVED
    approved_investment = 2_000_000_000

    @factory.post_generation
    def components(self, create, extracted, **kwargs):
        if not create:
            return
        self.components.set(extracted if extracted is not None else [ComponentFactory()])


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    work = factory.SubFactory(WorkFactory)
    component = factory.LazyAttribute(lambda o: o.work.components.first())
    year = 2024
    source = CapitalSourceChoices.CENTRAL
    capital_type = CapitalTypeChoices.INVESTMENT
    amount = 1_000_000_000
    decided_on = datetime.date(2024, 1, 15)


class EthnicGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EthnicGroup
        django_get_or_create = ["code"]

    code = "09"
    name = "Dao"


class PovertyStandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PovertyStandard
        django_get_or_create = ["code"]

    code = "TEST-07"
    name = "Test standard after Decree 07/2021"
    document = factory.SubFactory(LegalDocumentFactory)
    first_year = 2022
    last_year = 2026
    rural_income_line = 1_500_000
    urban_income_line = 2_000_000
    poor_min_deprivations = 3


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    code = factory.Sequence(lambda n: f"HH-{n:06d}")
    head_name = factory.Sequence(lambda n: f"Triệu Văn {n}")
    ethnic_group = factory.SubFactory(EthnicGroupFactory)
    village = factory.SubFactory(VillageFactory)
    commune = factory.LazyAttribute(lambda o: o.village.commune)
    member_count = 4


_vouchers = itertools.count(1)


def pay(
    work,
    amount,
    paid_on,
    *,
    year=2024,
    source=CapitalSourceChoices.CENTRAL,
    capital_type=CapitalTypeChoices.INVESTMENT,
    user=None,
):
    """A payment recorded through the service (`disbursement_record`), with a voucher number of its own."""
    from tracker import services

    return services.disbursement_record(
        work=work,
        year=year,
        source=source,
        capital_type=capital_type,
        amount=amount,
        voucher_number=f"PC-{next(_vouchers)}",
        paid_on=paid_on,
        user=user,
    )
