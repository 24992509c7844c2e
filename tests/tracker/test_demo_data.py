"""The demo data set (seeds/*.csv) loads through the services and tells the seed articles' figures exactly."""

import datetime
from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import translation

from localities.models import Commune, Province, Village
from programs.models import CapitalPlanEntry
from tracker.choices import (
    FINISHED_STATUSES,
    ROAD_TYPES,
    STARTED_STATUSES,
    CapacityUnitChoices,
    PovertyStatusChoices,
    SupportKindChoices,
    WorkStatusChoices,
    WorkTypeChoices,
)
from tracker.models import (
    Allocation,
    Disbursement,
    Household,
    PovertyAssessment,
    PovertyStandard,
    ProgressReport,
    Support,
    Work,
)

MILLION = 1_000_000
DEMO_MODELS = [Village, Work, Allocation, Disbursement, ProgressReport, CapitalPlanEntry, Household]
DEMO_MODELS += [PovertyAssessment, Support]
# Loading the demo data costs half a CPU-minute: under pytest-xdist (dev.py's --dist loadfile) this module's
# tests share one worker, which loads it once (demo_output is module-scoped).


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """Reference fixtures and the demo data, loaded once for this module and rolled back after it.

    The administrative units come from the session's django_db_setup (tests/conftest.py).
    """
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddata", "legal_documents", "programs", "ethnic_groups", "poverty_standards", verbosity=0)
        output = StringIO()
        with translation.override("en"):  # the figures below are asserted in the English wording
            call_command("load_demo", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


def legacy_province(code):
    return Province.objects.legacy().get(code=code)


def legacy_commune(code):
    return Commune.objects.legacy().get(code=code)


def latest_reports(works):
    """The newest progress report of each work, by work id."""
    latest = {}
    for report in ProgressReport.objects.filter(work__in=works).order_by("work", "-reported_on", "-pk"):
        latest.setdefault(report.work_id, report)
    return latest


@pytest.mark.django_db
def test_load_demo_prints_the_totals(demo_output):
    # Printed in English (tests/conftest.py), figures too.
    assert "Bắc Kạn 2022: 249 works, 150,823,000,000 VND allocated." in demo_output
    assert (
        "Quảng Ninh 2025: 179 works, 786,887,000,000 VND allocated, 381,319,000,000 VND disbursed by 30/06/2025."
        in demo_output
    )
    assert "Thôm Ưng village: 30 households, 27 poor in 2022." in demo_output


@pytest.mark.django_db
def test_bac_kan_2022_works_and_capital(demo_output):
    works = Work.objects.within(legacy_province("06"))
    assert works.count() == 249
    by_type = dict(works.order_by().values("work_type").annotate(n=Count("pk")).values_list("work_type", "n"))
    rural_roads = (
        WorkTypeChoices.ROAD_IN_VILLAGE,
        WorkTypeChoices.ROAD_INTER_VILLAGE,
        WorkTypeChoices.ROAD_COMMUNE_CENTRE,
    )
    assert all(by_type[t] > 0 for t in rural_roads)
    assert sum(by_type[t] for t in rural_roads) == 114
    assert by_type[WorkTypeChoices.POWER] == 2
    assert by_type[WorkTypeChoices.RADIO_STATION] == 71
    assert by_type[WorkTypeChoices.SCHOOL] == 4
    assert by_type[WorkTypeChoices.IRRIGATION] == 43
    assert by_type[WorkTypeChoices.ROAD_INTER_COMMUNE] == 7
    assert by_type[WorkTypeChoices.OTHER] == 8
    assert works.of_program("NTP-1719").count() == 249

    allocations = Allocation.objects.filter(work__in=works, year=2022)
    assert allocations.total() == 150_823 * MILLION
    assert allocations.filter(component__code="DA4.TDA1").total() == 150_823 * MILLION
    central = allocations.filter(source="central").total()
    assert 0.8 * 150_823 * MILLION < central < 150_823 * MILLION  # mostly central, some local budget

    payments = Disbursement.objects.filter(work__in=works)
    assert payments.filter(year=2022).count() == payments.count() > 0
    first, last = payments.order_by("paid_on").first().paid_on, payments.order_by("paid_on").last().paid_on
    assert datetime.date(2022, 1, 1) <= first and last <= datetime.date(2023, 1, 31)
    assert 0 < payments.total() < allocations.total()


@pytest.mark.django_db
def test_disbursed_never_exceeds_allocated_per_work_year_and_source(demo_output):
    allocated = defaultdict(int)
    for row in Allocation.objects.capital_changing().values("work", "year", "source").annotate(total=Sum("amount")):
        allocated[(row["work"], row["year"], row["source"])] += row["total"]
    disbursed = Disbursement.objects.values("work", "year", "source").annotate(total=Sum("amount"))
    assert disbursed
    for row in disbursed:
        assert row["total"] <= allocated[(row["work"], row["year"], row["source"])], row


@pytest.mark.django_db
def test_the_two_roads_of_the_article(demo_output):
    my_thanh, quang_bach = legacy_commune("02011"), legacy_commune("02038")
    assert (my_thanh.name, my_thanh.district.short_name) == ("Xã Mỹ Thanh", "Bạch Thông")
    assert (quang_bach.name, quang_bach.district.short_name) == ("Xã Quảng Bạch", "Chợ Đồn")

    ban_chan = Work.objects.get(commune=my_thanh, name="Đường liên thôn Bản Chán - Thôm Ưng, xã Mỹ Thanh")
    assert ban_chan.work_type == WorkTypeChoices.ROAD_INTER_VILLAGE
    assert (ban_chan.capacity, ban_chan.capacity_unit) == (Decimal("3"), CapacityUnitChoices.KM)
    assert set(ban_chan.villages.values_list("name", flat=True)) == {"Bản Chán", "Thôm Ưng"}
    assert set(ban_chan.allocations.values_list("source", flat=True)) == {"central", "province"}
    assert ban_chan.status == WorkStatusChoices.UNDER_CONSTRUCTION

    bo_pia = Work.objects.get(commune=quang_bach, name="Bê tông hóa đường nội thôn Bó Pia, xã Quảng Bạch")
    assert list(bo_pia.villages.values_list("name", flat=True)) == ["Bó Pia"]
    assert bo_pia.work_type == WorkTypeChoices.ROAD_IN_VILLAGE
    assert (bo_pia.capacity, bo_pia.capacity_unit) == (Decimal("0.3"), CapacityUnitChoices.KM)
    assert 200 * MILLION < bo_pia.allocations.total() < 220 * MILLION
    assert bo_pia.status == WorkStatusChoices.COMPLETED


@pytest.mark.django_db
def test_quang_ninh_2025_works_and_capital(demo_output):
    works = Work.objects.within(legacy_province("22"))
    assert works.count() == 179
    assert works.of_program("NTP-1719").count() == 55
    assert works.of_program("NTP-NTM").count() == 124
    allocations = Allocation.objects.filter(work__in=works, year=2025)
    assert allocations.total() == 786_887 * MILLION
    assert allocations.filter(source="province").total() > 0.9 * 786_887 * MILLION

    payments = Disbursement.objects.filter(work__in=works, year=2025)
    assert payments.as_of(datetime.date(2025, 6, 30)).total() == 381_319 * MILLION
    # Payments after the report date exist, so "as of" is what makes the figure exact.
    assert payments.total() > 381_319 * MILLION
    # A voucher entered twice was reversed, not deleted.
    reversal = payments.get(reverses__isnull=False)
    assert reversal.amount == -reversal.reverses.amount
    assert reversal.voucher_number == reversal.reverses.voucher_number


@pytest.mark.django_db
def test_quang_ninh_2025_roads(demo_output):
    roads = Work.objects.within(legacy_province("22")).filter(work_type__in=ROAD_TYPES)
    assert roads.count() == 73
    assert roads.filter(status__in=STARTED_STATUSES).count() == 70
    assert roads.filter(status__in=FINISHED_STATUSES).count() == 44
    assert set(roads.values_list("capacity_unit", flat=True)) == {CapacityUnitChoices.KM}
    assert roads.aggregate(km=Sum("capacity"))["km"] == Decimal("151.9")

    latest = latest_reports(roads)
    assert sum(r.quantity_done for r in latest.values()) == Decimal("72.47")
    for road in roads:
        if road.status in FINISHED_STATUSES:
            report = latest[road.pk]
            assert (report.progress_percent, report.quantity_done) == (100, road.capacity)
            assert report.status == road.status
        elif road.status not in STARTED_STATUSES:
            assert road.pk not in latest


@pytest.mark.django_db
def test_thom_ung_households(demo_output):
    village = Village.objects.get(commune=legacy_commune("02011"), name="Thôm Ưng")
    households = Household.objects.within(village)
    assert households.count() == 30
    assert set(households.values_list("ethnic_group__name", flat=True)) == {"Dao", "Nùng"}
    assert all(len(n) == 12 and n.startswith("006") for n in households.values_list("id_number", flat=True))

    standard = PovertyStandard.objects.get(code="ND07-2021")
    statuses = PovertyAssessment.objects.filter(household__in=households, year=2022, standard=standard)
    assert statuses.count() == 30
    assert statuses.filter(status=PovertyStatusChoices.POOR).count() == 27
    assert set(statuses.exclude(status=PovertyStatusChoices.POOR).values_list("status", flat=True)) <= {
        PovertyStatusChoices.NEAR_POOR,
        PovertyStatusChoices.NOT_POOR,
    }
    for status in statuses.prefetch_related("deprivations"):
        expected = standard.classify(
            income_per_capita=status.income_per_capita, deprivation_count=len(status.deprivations.all()), urban=False
        )
        assert status.status == expected

    supports = Support.objects.filter(household__in=households)
    assert {SupportKindChoices.ELECTRICITY, SupportKindChoices.HOUSING_NEW, SupportKindChoices.LIVESTOCK} <= set(
        supports.values_list("kind", flat=True)
    )
    assert set(supports.values_list("component__program__code", flat=True)) <= {"NTP-1719", "NTP-GNBV"}


@pytest.mark.django_db
def test_province_plans_cover_what_was_allocated(demo_output):
    for code, year in (("06", 2022), ("22", 2025)):
        province = legacy_province(code)
        planned = CapitalPlanEntry.objects.filter(province=province, year=year).total()
        allocated = Allocation.objects.filter(work__in=Work.objects.within(province), year=year).total()
        assert planned > allocated
    assert CapitalPlanEntry.objects.extensions().filter(province=legacy_province("06"), year=2022).exists()


@pytest.mark.django_db
def test_loading_again_changes_nothing(demo_output):
    before = {model.__name__: model.objects.count() for model in DEMO_MODELS}
    output = StringIO()
    with translation.override("en"):
        call_command("load_demo", stdout=output)
    assert "already loaded" in output.getvalue()
    assert {model.__name__: model.objects.count() for model in DEMO_MODELS} == before


@pytest.mark.django_db
def test_the_status_pages_read_the_published_figures(demo_output, client):
    """Quảng Ninh 2025 as of 30/06/2025 and Bắc Kạn 2022 (now part of Thái Nguyên), as the articles give them."""
    from django.contrib.auth.models import User
    from django.urls import reverse

    client.force_login(User.objects.create_superuser(username="status-reader", password="x-Secret-123"))
    with translation.override("vi"):
        overview = reverse("status:overview")
    quang_ninh = Province.objects.current().get(code="22")
    html = client.get(overview, {"year": "2025", "as_of": "30/06/2025"}).content.decode()
    row = html[html.index(quang_ninh.name) :].split("</tr>")[0]
    for figure in ("179", "786.887.000.000", "381.319.000.000", "48,46%"):
        assert figure in row, (figure, row)

    thai_nguyen = Province.objects.legacy().get(code="06").successor
    with translation.override("vi"):
        province = reverse("status:province", args=[thai_nguyen.pk])
    html = client.get(province, {"year": "2022", "as_of": "31/12/2022"}).content.decode()
    total = html[html.index('class="total"') :].split("</tr>")[0]
    for figure in ("249", "150.823.000.000"):
        assert figure in total, (figure, total)
    assert "Bắc Kạn (cũ)" in html  # the legacy communes, as recorded


@pytest.mark.django_db
def test_the_infrastructure_page_reads_the_roads_as_published(demo_output, client):
    """Quảng Ninh 2025's roads: 70 of 73 started, 44 completed, 72,47 of 151,9 km."""
    from django.contrib.auth.models import User
    from django.urls import reverse

    client.force_login(User.objects.create_superuser(username="roads-reader", password="x-Secret-123"))
    quang_ninh = Province.objects.current().get(code="22")
    with translation.override("vi"):
        url = reverse("status:infrastructure")
    html = client.get(url, {"year": "2025", "province": quang_ninh.pk}).content.decode()
    assert "70 trong số 73 công trình đã khởi công, 44 đã hoàn thành" in html
    assert "72,47 / 151,9 km" in html
