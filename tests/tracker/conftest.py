"""Fixtures the works tests share: the works import's and the bulk works service's."""

import pytest

from tests.programs.factories import ComponentFactory, ProgramFactory


@pytest.fixture
def components(db):
    program = ProgramFactory(code="NTP-T1")
    return {
        "infra": ComponentFactory(program=program, code="DA4.TDA1"),
        "water": ComponentFactory(program=program, code="DA1"),
        "ntm": ComponentFactory(program=ProgramFactory(code="NTP-T2"), code="ND2"),
    }
