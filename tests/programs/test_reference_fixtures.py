"""The reference-data fixtures in fixtures/: they load, hold the real program structure, and reload idempotently."""

import json
import unicodedata

import pytest
from django.conf import settings
from django.core.management import call_command

from programs.choices import ComponentLevelChoices
from programs.models import Component, LegalDocument, Program
from tracker.choices import PovertyStatusChoices
from tracker.models import DeprivationIndicator, EthnicGroup, PovertyStandard

FIXTURE_NAMES = ["legal_documents", "programs", "ethnic_groups", "poverty_standards"]
FIXTURE_PATHS = [settings.BASE_DIR / "fixtures" / f"{name}.json" for name in FIXTURE_NAMES]

ND07_INDICATORS = {
    "employment",
    "dependants",
    "nutrition",
    "health_insurance",
    "adult_education",
    "child_school_attendance",
    "housing_quality",
    "housing_area",
    "water_source",
    "hygienic_latrine",
    "telecom_use",
    "information_access",
}


def load_reference_data():
    for path in FIXTURE_PATHS:
        call_command("loaddata", str(path), verbosity=0)


def reference_counts():
    return {
        "legal documents": LegalDocument.objects.count(),
        "programs": Program.objects.count(),
        "components": Component.objects.count(),
        "ethnic groups": EthnicGroup.objects.count(),
        "poverty standards": PovertyStandard.objects.count(),
        "indicators": DeprivationIndicator.objects.count(),
    }


@pytest.fixture
def reference_data(db):
    load_reference_data()


@pytest.mark.django_db
def test_fixtures_load_in_order_on_an_empty_database():
    assert set(reference_counts().values()) == {0}

    load_reference_data()

    assert reference_counts() == {
        "legal documents": 13,
        "programs": 4,
        "components": 54,
        "ethnic groups": 54,
        "poverty standards": 2,
        "indicators": 24,
    }


@pytest.mark.django_db
def test_loading_twice_does_not_duplicate_rows(reference_data):
    first = reference_counts()
    pks = set(Component.objects.values_list("pk", flat=True))

    load_reference_data()

    assert reference_counts() == first
    assert set(Component.objects.values_list("pk", flat=True)) == pks


@pytest.mark.django_db
def test_programs_and_their_legal_basis(reference_data):
    programs = {p.code: p for p in Program.objects.select_related("legal_basis")}

    assert {code: (p.legal_basis.number, p.start_year, p.end_year) for code, p in programs.items()} == {
        "NTP-1719": ("1719/QĐ-TTg", 2021, 2030),
        "NTP-GNBV": ("90/QĐ-TTg", 2021, 2025),
        "NTP-NTM": ("263/QĐ-TTg", 2021, 2025),
        "NTP-2026": ("257/2025/QH15", 2026, 2035),
    }
    assert programs["NTP-2026"].to_verify
    assert programs["NTP-2026"].legal_basis.to_verify
    assert all(p.name and p.name_vi for p in programs.values())


@pytest.mark.parametrize(
    ("program", "projects"),
    [("NTP-1719", 10), ("NTP-GNBV", 7), ("NTP-NTM", 11), ("NTP-2026", 2)],
)
@pytest.mark.django_db
def test_top_level_components_per_program(reference_data, program, projects):
    top = Component.objects.filter(program__code=program, parent__isnull=True)

    assert top.count() == projects
    assert set(top.values_list("level", flat=True)) == {ComponentLevelChoices.PROJECT}


@pytest.mark.django_db
def test_project_codes(reference_data):
    def codes(program):
        return list(
            Component.objects.filter(program__code=program, level=ComponentLevelChoices.PROJECT)
            .order_by("sort_order")
            .values_list("code", flat=True)
        )

    assert codes("NTP-1719") == [f"DA{n}" for n in range(1, 11)]
    assert codes("NTP-GNBV") == [f"DA{n}" for n in range(1, 8)]
    assert codes("NTP-NTM") == [f"ND{n}" for n in range(1, 12)]


@pytest.mark.django_db
def test_new_rural_content_groups_and_2026_components_are_marked_to_verify(reference_data):
    assert not Component.objects.filter(program__code__in=["NTP-NTM", "NTP-2026"], to_verify=False).exists()


@pytest.mark.parametrize(
    ("program", "project", "subprojects"),
    [
        ("NTP-1719", "DA3", 2),  # Decision 1719: TDA1 agro-forestry economy, TDA2 value chains
        ("NTP-1719", "DA4", 2),
        ("NTP-1719", "DA5", 4),
        ("NTP-1719", "DA9", 2),
        ("NTP-1719", "DA10", 3),
        ("NTP-GNBV", "DA1", 2),
        ("NTP-GNBV", "DA3", 2),
        ("NTP-GNBV", "DA4", 3),
        ("NTP-GNBV", "DA6", 2),
    ],
)
@pytest.mark.django_db
def test_subprojects_named_in_the_domain_are_present(reference_data, program, project, subprojects):
    children = Component.objects.filter(program__code=program, parent__code=project, parent__program__code=program)

    assert sorted(children.values_list("code", flat=True)) == sorted(
        f"{project}.TDA{m}" for m in range(1, subprojects + 1)
    )
    assert set(children.values_list("level", flat=True)) == {ComponentLevelChoices.SUBPROJECT}


@pytest.mark.django_db
def test_every_component_is_valid_and_its_parent_is_in_the_same_program(reference_data):
    components = list(Component.objects.select_related("program", "parent__program"))

    for component in components:
        component.full_clean()
        if component.level == ComponentLevelChoices.PROJECT:
            assert component.parent is None, component
        else:
            assert component.parent is not None, component
            assert component.parent.program_id == component.program_id, component
            assert component.code.startswith(f"{component.parent.code}."), component
            assert component.sort_order > component.parent.sort_order, component
        assert component.name and component.name_vi, component


@pytest.mark.django_db
def test_ethnic_groups_have_the_54_official_codes(reference_data):
    codes = list(EthnicGroup.objects.order_by("code").values_list("code", flat=True))
    names = list(EthnicGroup.objects.values_list("name", flat=True))

    assert codes == [f"{n:02d}" for n in range(1, 55)]
    assert len(set(names)) == 54
    assert EthnicGroup.objects.get(code="01").name == "Kinh"
    assert EthnicGroup.objects.get(code="08").name == "HMông"
    assert EthnicGroup.objects.get(code="54").name == "Rơ-măm"


@pytest.mark.django_db
def test_poverty_standards_and_their_indicators(reference_data):
    nd07 = PovertyStandard.objects.get(code="ND07-2021")
    nd351 = PovertyStandard.objects.get(code="ND351-2025")

    assert nd07.document.number == "07/2021/NĐ-CP"
    assert (nd07.rural_income_line, nd07.urban_income_line, nd07.poor_min_deprivations) == (1_500_000, 2_000_000, 3)
    assert set(nd07.indicators.values_list("code", flat=True)) == ND07_INDICATORS
    assert nd07.indicators.count() == 12
    assert nd07.indicators.values("dimension").distinct().count() == 6
    assert (nd351.rural_income_line, nd351.urban_income_line) == (2_200_000, 2_800_000)
    assert nd351.to_verify
    # 2026 is still assessed with the 2022-2025 standard; the 2026-2030 standard applies from 2027.
    assert [s.code for s in PovertyStandard.objects.all() if s.applies_to(2026)] == ["ND07-2021"]
    assert [s.code for s in PovertyStandard.objects.all() if s.applies_to(2027)] == ["ND351-2025"]


@pytest.mark.parametrize(
    ("income", "deprivations", "urban", "status"),
    [
        (1_400_000, 3, False, PovertyStatusChoices.POOR),
        (1_400_000, 2, False, PovertyStatusChoices.NEAR_POOR),
        (1_500_000, 3, False, PovertyStatusChoices.POOR),
        (1_600_000, 3, False, PovertyStatusChoices.NOT_POOR),
        (1_600_000, 3, True, PovertyStatusChoices.POOR),
        (2_100_000, 0, True, PovertyStatusChoices.NOT_POOR),
    ],
)
@pytest.mark.django_db
def test_nd07_classifies_households(reference_data, income, deprivations, urban, status):
    standard = PovertyStandard.objects.get(code="ND07-2021")

    assert standard.classify(income_per_capita=income, deprivation_count=deprivations, urban=urban) == status


@pytest.mark.parametrize("path", FIXTURE_PATHS, ids=FIXTURE_NAMES)
def test_fixture_text_is_nfc_normalised(path):
    """Vietnamese text compared or searched later must not mix composed and decomposed diacritics."""

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)

    data = json.loads(path.read_text(encoding="utf-8"))
    assert not [s for s in strings(data) if unicodedata.normalize("NFC", s) != s]


@pytest.mark.django_db
def test_no_component_is_a_placeholder_name(reference_data):
    """Every name comes from a deciding document: none says it is still to be found."""
    names = Component.objects.values_list("name", "name_vi")
    assert not [n for n in names if any(w in " ".join(n).lower() for w in ("to verify", "cần đối chiếu", "of project"))]
