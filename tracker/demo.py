"""The demo data set: the spreadsheets in seeds/ (written by seeds/generate.py), loaded through the import.

The files are what a province would send (UTF-8 with BOM, Vietnamese headers, amounts in million VND with a
comma decimal, dates dd/mm/yyyy, communes by their GSO code on the map before 1 July 2025), and they go
through `imports.engine.run_import` exactly as an official's upload would: the same columns, look-ups,
services and checks, with history marked "import". Loading again changes nothing (every row unchanged).
"""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from imports.engine import run_import
from localities.models import Commune, Province, Village

from .choices import PovertyStatusChoices
from .models import Allocation, Disbursement, Household, PovertyAssessment, Work

SEEDS_DIR = Path(settings.BASE_DIR) / "seeds"
MARKER_WORK_CODE = "BK-2022-0001"

# The import kinds in the order their rows depend on each other, with the seeds file of each.
SEED_FILES = [
    ("villages", "villages.csv"),
    ("works", "works.csv"),
    ("capital-plans", "capital_plans.csv"),
    ("allocations", "allocations.csv"),
    ("disbursements", "disbursements.csv"),
    ("progress", "progress_reports.csv"),
    ("households", "households.csv"),
    ("poverty-statuses", "poverty_statuses.csv"),
    ("supports", "supports.csv"),
]


class DemoDataError(Exception):
    """A seeds file did not import: its preview (the rows in error) is the message."""


@dataclass
class DemoLoadResult:
    already_loaded: bool = False
    results: dict = field(default_factory=dict)  # kind → ImportResult


def demo_is_loaded() -> bool:
    return Work.objects.filter(code=MARKER_WORK_CODE).exists()


def demo_load(*, directory: Path = SEEDS_DIR, user=None) -> DemoLoadResult:
    """Import the demo spreadsheets, all or none; do nothing if they are already loaded."""
    if demo_is_loaded():
        return DemoLoadResult(already_loaded=True)
    outcome = DemoLoadResult()
    with transaction.atomic():
        for kind, name in SEED_FILES:
            path = Path(directory) / name
            result = run_import(kind, path, user=user, filename=name)
            if not result.written:
                raise DemoDataError("\n".join([f"{name}:", *result.summary()]))
            outcome.results[kind] = result
    return outcome


BAC_KAN, QUANG_NINH = "06", "22"  # legacy GSO province codes
MY_THANH, THOM_UNG = "02011", "Thôm Ưng"


def demo_summary() -> dict:
    """The figures the demo data tells, read back from the database (amounts in VND)."""
    provinces = {p.code: p for p in Province.objects.legacy().filter(code__in=[BAC_KAN, QUANG_NINH])}
    bac_kan = Work.objects.within(provinces[BAC_KAN]).filter(allocations__year=2022).distinct()
    quang_ninh = Work.objects.within(provinces[QUANG_NINH]).filter(allocations__year=2025).distinct()
    village = Village.objects.get(commune__in=Commune.objects.legacy().filter(code=MY_THANH), name=THOM_UNG)
    return {
        "bac_kan_2022_works": bac_kan.count(),
        "bac_kan_2022_allocated": Allocation.objects.filter(work__in=bac_kan, year=2022).total(),
        "quang_ninh_2025_works": quang_ninh.count(),
        "quang_ninh_2025_allocated": Allocation.objects.filter(work__in=quang_ninh, year=2025).total(),
        "quang_ninh_2025_disbursed_by_june": Disbursement.objects.filter(work__in=quang_ninh, year=2025)
        .as_of(datetime.date(2025, 6, 30))
        .total(),
        "thom_ung_households": Household.objects.within(village).count(),
        "thom_ung_poor_2022": PovertyAssessment.objects.filter(
            household__village=village, year=2022, status=PovertyStatusChoices.POOR
        ).count(),
    }
