"""The national data set at a tiny scale: proportions, invariants and determinism.

The command writes with COPY on PostgreSQL and executemany on SQLite, with every constraint on, in the test's
transaction (one connection); the foreign keys are checked when the test ends.
"""

import datetime
import re
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Sum

from devdata import national_data
from localities.models import Province, Village
from programs.choices import CapitalEntryKindChoices
from programs.models import CapitalPlanEntry, Program
from programs.querysets import CAPITAL_CHANGING_KINDS
from tracker import services
from tracker.choices import PovertyStatusChoices, WorkStatusChoices
from tracker.models import (
    Allocation,
    Disbursement,
    Household,
    PovertyAssessment,
    ProgressReport,
    Support,
    Work,
)

# the generator places its data on the real administrative units
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("localities_present")]
SCALE = 0.002
SEED = 7


@pytest.fixture
def reference_data():
    call_command("loaddata", "legal_documents", "programs", "ethnic_groups", "poverty_standards", verbosity=0)


def generate(*args, seed=SEED) -> str:
    out = StringIO()
    call_command("generate_national_data", f"--scale={SCALE}", f"--seed={seed}", "--jobs=1", *args, stdout=out)
    return out.getvalue()


def checksums(output: str) -> dict[str, tuple[str, str]]:
    """table → (rows, checksum) from the summary table the command prints."""
    found = {}
    for line in output.splitlines():
        match = re.match(r"^(\w+)\s+([\d,]+)\s+[\d.]+\s+\S+\s+([0-9a-f]{8})$", line)
        if match:
            found[match[1]] = (match[2], match[3])
    return found


def database_digest() -> list:
    """The generated rows as values, without keys: what two runs must agree on."""
    works = Work.objects.filter(code__startswith=national_data.CODE_PREFIX).order_by("code")
    return [
        list(works.values_list("code", "name", "status", "approved_investment", "start_date", "commune__code")),
        list(works.with_capital().with_progress().values_list("code", "allocated", "disbursed", "progress_percent")),
        list(
            Household.objects.filter(code__startswith=national_data.CODE_PREFIX)
            .order_by("code")
            .values_list("code", "head_name", "id_number", "village__name", "member_count")
        ),
        list(
            PovertyAssessment.objects.order_by("household__code", "year").values_list(
                "household__code", "year", "status", "income_per_capita"
            )
        ),
        Disbursement.objects.aggregate(total=Sum("amount"), count=Count("id")),
        Support.objects.aggregate(total=Sum("amount"), count=Count("id")),
    ]


def test_refuses_without_the_reference_fixtures():
    with pytest.raises(CommandError, match="loaddata legal_documents programs ethnic_groups poverty_standards"):
        generate()


def test_a_tiny_national_set_is_realistic_and_keeps_every_rule(reference_data):
    output = generate()
    scale = SCALE

    # What the command says it made is what is there.
    printed = checksums(output)
    assert int(printed["tracker_work"][0].replace(",", "")) == Work.objects.count()
    assert int(printed["tracker_disbursement"][0].replace(",", "")) == Disbursement.objects.count()
    assert "Deprivations:" in output and "tracker_povertyassessment_deprivations" in output

    # Sizes: the scale-1 minimums, scaled.
    works = Work.objects.filter(code__startswith="NAT-")
    assert works.count() >= 100_000 * scale
    assert Disbursement.objects.count() >= 1_000_000 * scale
    assert Household.objects.filter(code__startswith="NAT-").count() >= 2_000_000 * scale
    current = Province.objects.current()
    assert current.count() == 34
    assert Village.objects.filter(code__startswith="NAT-").values("commune").distinct().count() == 3_321

    # Works: every program funds some, in plausible shares; statuses mostly finished; some co-funded.
    per_program = {p.code: works.of_program(p.code).count() for p in Program.objects.all()}
    total = works.count()
    assert all(per_program.values()), per_program
    assert 0.25 < per_program["NTP-NTM"] / total < 0.55
    assert 0.2 < per_program["NTP-1719"] / total < 0.5
    assert per_program["NTP-GNBV"] < per_program["NTP-1719"]
    statuses = dict(works.values_list("status").annotate(n=Count("id")))
    assert len(statuses) >= 6
    finished = statuses.get(WorkStatusChoices.COMPLETED, 0) + statuses.get(WorkStatusChoices.SETTLED, 0)
    assert 0.5 < finished / total < 0.9
    co_funded = works.annotate(programs=Count("components__program", distinct=True)).filter(programs__gte=2).count()
    assert 0.04 < co_funded / total < 0.3
    assert works.filter(commune__generation="2025").exists() and works.filter(commune__generation="legacy").exists()
    assert not works.filter(is_small_work=True, approved_investment__gt=5_000_000_000).exists()
    # Capital only in its program's years: legacy works still running in 2026 take NTP-2026 capital.
    assert not Allocation.objects.filter(year__gt=F("component__program__end_year")).exists()
    assert not Allocation.objects.filter(year__lt=F("component__program__start_year")).exists()
    assert works.filter(commune__generation="legacy", allocations__component__program__code="NTP-2026").exists()

    # Roll-ups by current province take in the legacy communes mapped into it: every work counted once.
    rolled = sum(works.within(p).totals()["works"] for p in current)
    assert rolled == total

    # Capital: disbursed never above allocated per (work, year, source).
    allocated = defaultdict(int)
    for row in (
        Allocation.objects.filter(kind__in=CAPITAL_CHANGING_KINDS)
        .values("work", "year", "source")
        .annotate(total=Sum("amount"))
    ):
        allocated[(row["work"], row["year"], row["source"])] = row["total"]
    disbursed = Disbursement.objects.values("work", "year", "source").annotate(total=Sum("amount"))
    assert disbursed
    for row in disbursed:
        assert row["total"] <= allocated[(row["work"], row["year"], row["source"])], row

    # ... paid in its year or by 31 January next year, later only under an extension that covers the date.
    extended = defaultdict(lambda: datetime.date.min)
    for work_id, year, source, until in Allocation.objects.filter(kind=CapitalEntryKindChoices.EXTENSION).values_list(
        "work", "year", "source", "extended_until"
    ):
        extended[(work_id, year, source)] = max(extended[(work_id, year, source)], until)
    late = 0
    for work_id, year, source, paid_on in Disbursement.objects.values_list("work", "year", "source", "paid_on"):
        assert paid_on.year >= year
        assert paid_on <= national_data.AS_OF
        if paid_on > services.disbursement_deadline(year):
            late += 1
            assert paid_on <= extended[(work_id, year, source)], (work_id, year, source, paid_on)
    assert late, "some capital is disbursed under an extension"
    assert Allocation.objects.filter(kind=CapitalEntryKindChoices.EXTENSION).exists()
    assert Allocation.objects.filter(kind=CapitalEntryKindChoices.ADJUSTMENT, amount__lt=0).exists()

    # Reversals: a negative entry cancelling a positive one of the same work, year and source, not earlier.
    reversals = Disbursement.objects.filter(reverses__isnull=False).select_related("reverses")
    assert reversals.exists()
    for reversal in reversals:
        original = reversal.reverses
        assert reversal.amount == -original.amount
        assert (reversal.work_id, reversal.year, reversal.source) == (original.work_id, original.year, original.source)
        assert reversal.paid_on >= original.paid_on

    # Plans: every allocated (component, year, source) has a plan, and the plan covers what was allocated.
    planned = CapitalPlanEntry.objects.filter(note=national_data.PLAN_NOTE).capital_changing()
    assert planned.total() >= Allocation.objects.capital_changing().total()
    assert CapitalPlanEntry.objects.filter(kind=CapitalEntryKindChoices.EXTENSION).exists()

    # Progress: 0-100, and the newest report gave the work its status.
    assert not ProgressReport.objects.filter(progress_percent__lt=0).exists()
    assert not ProgressReport.objects.filter(progress_percent__gt=100).exists()
    for work in works.with_progress().filter(progress_on__isnull=False).prefetch_related("progress_reports"):
        newest = max(work.progress_reports.all(), key=lambda r: (r.reported_on, r.pk))
        assert newest.status == work.status
        assert newest.progress_percent == work.progress_percent
    assert works.filter(status=WorkStatusChoices.COMPLETED, progress_reports__progress_percent=100).exists()

    # Households: in a village of their commune, unique 12-digit ID numbers (or none).
    households = Household.objects.filter(code__startswith="NAT-")
    for commune_id, village_commune_id in households.values_list("commune", "village__commune"):
        assert commune_id == village_commune_id
    numbers = [n for n in households.values_list("id_number", flat=True) if n]
    assert len(numbers) == len(set(numbers)) and all(len(n) == 12 and n.isdigit() for n in numbers)
    assert len(numbers) < households.count()

    # Yearly status: what the standard in force gives for the income and the deprivations recorded.
    assessments = PovertyAssessment.objects.select_related("standard", "household__commune").annotate(
        deprived=Count("deprivations")
    )
    by_household_year = {}
    for a in assessments:
        by_household_year[(a.household_id, a.year)] = a.status
        assert a.standard.applies_to(a.year)
        expected = a.standard.classify(
            income_per_capita=a.income_per_capita,
            deprivation_count=a.deprived,
            urban=a.household.commune.is_urban,
        )
        if a.status == PovertyStatusChoices.ESCAPED:
            assert expected != PovertyStatusChoices.POOR
        else:
            assert a.status == expected, (a.household.code, a.year, a.income_per_capita, a.deprived)
    for (household_id, year), status in by_household_year.items():
        if status == PovertyStatusChoices.ESCAPED:
            assert by_household_year[(household_id, year - 1)] == PovertyStatusChoices.POOR
    first_year = [s for (_, year), s in by_household_year.items() if year == 2022]
    poor_share = first_year.count(PovertyStatusChoices.POOR) / len(first_year)
    assert 0.05 < poor_share < 0.3
    assert PovertyStatusChoices.ESCAPED in by_household_year.values()
    assert Support.objects.filter(household__code__startswith="NAT-").count() > 0.3 * households.count()

    # An existing set is never overwritten by accident.
    with pytest.raises(CommandError, match="--replace"):
        generate()


def test_the_same_seed_gives_the_same_rows(reference_data):
    first = generate()
    first_digest = database_digest()
    again = generate("--replace")
    assert checksums(again) == checksums(first)
    assert len(checksums(first)) == len(national_data.TABLE_ORDER)
    assert database_digest() == first_digest
