import datetime

import factory

from programs.choices import ComponentLevelChoices
from programs.models import Component, LegalDocument, Program


class LegalDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalDocument

    number = factory.Sequence(lambda n: f"{n + 100}/QĐ-TEST")
    title = factory.Sequence(lambda n: f"Quyết định thử nghiệm {n}")
    issued_on = datetime.date(2021, 10, 14)


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    code = factory.Sequence(lambda n: f"TEST-{n}")
    name = factory.Sequence(lambda n: f"Test program {n}")
    legal_basis = factory.SubFactory(LegalDocumentFactory)
    start_year = 2021
    end_year = 2030


class ComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Component

    program = factory.SubFactory(ProgramFactory)
    level = ComponentLevelChoices.PROJECT
    code = factory.Sequence(lambda n: f"DA{n}")
    name = factory.Sequence(lambda n: f"Project {n}")
