"""Every registered admin model: changelist, add and change pages render, and list pages do a fixed number
of queries whatever the number of rows."""

import datetime
import itertools

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.models import ApiToken
from api.services import api_token_create
from imports.choices import ImportJobStatusChoices
from imports.models import ImportJob
from kernel.access import JurisdictionLevelChoices
from localities.choices import ClassificationKindChoices, GenerationChoices, ZoneChoices
from localities.models import AreaClassification, Commune, CommuneSuccession, District, Official, Province, Village
from programs.choices import CapitalSourceChoices, CapitalTypeChoices, ComponentLevelChoices
from programs.models import CapitalPlanEntry, Component, LegalDocument, Program
from tests.localities.factories import CommuneFactory, DistrictFactory, ProvinceFactory, VillageFactory
from tests.programs.factories import ComponentFactory, LegalDocumentFactory
from tests.tracker.factories import (
    AllocationFactory,
    HouseholdFactory,
    PovertyStandardFactory,
)
from tracker import services
from tracker.choices import PovertyStatusChoices, SupportKindChoices, WorkStatusChoices
from tracker.models import (
    Allocation,
    DeprivationIndicator,
    Disbursement,
    EthnicGroup,
    Household,
    PeriodReport,
    PovertyAssessment,
    PovertyStandard,
    ProgressReport,
    Support,
    Work,
)

pytestmark = pytest.mark.django_db
_counter = itertools.count(1)
_tokens = itertools.count(1)


def _work_with_capital():
    allocation = AllocationFactory(amount=1_000_000_000)
    work = allocation.work
    work.villages.add(VillageFactory(commune=work.commune))
    services.disbursement_record(
        work=work,
        year=2024,
        source=allocation.source,
        capital_type=allocation.capital_type,
        amount=250_000_000,
        voucher_number=f"PC-{next(_counter)}",
        paid_on=datetime.date(2024, 5, 2),
    )
    services.progress_report_record(
        work=work,
        reported_on=datetime.date(2024, 5, 3),
        progress_percent=35,
        status=WorkStatusChoices.UNDER_CONSTRUCTION,
    )
    return work


def _household_with_history():
    household = HouseholdFactory(id_number=f"0061{next(_counter):08d}")
    standard = PovertyStandardFactory()
    indicator = DeprivationIndicator.objects.get_or_create(
        standard=standard, code="water_source", defaults={"dimension": "Water", "name": "Water source"}
    )[0]
    services.poverty_assessment_record(
        household=household,
        year=2022,
        status=PovertyStatusChoices.NEAR_POOR,
        income_per_capita=1_000_000,
        deprivations=[indicator],
    )
    services.support_record(
        household=household,
        component=ComponentFactory(),
        year=2022,
        kind=SupportKindChoices.LIVESTOCK,
        quantity=2,
        quantity_unit="cows",
    )
    return household


def _import_job(user=None):
    """A checked import of households, uploaded by `user` (by default somebody new)."""
    from imports.base import ImportResult

    result = ImportResult(kind="households", filename="ho-ngheo.csv", format="csv", dry_run=True, rows=3, new=3)
    return ImportJob.objects.create(
        user=user or User.objects.create_user(username=f"uploader{next(_counter)}"),
        kind="households",
        filename="ho-ngheo.csv",
        status=ImportJobStatusChoices.CHECKED,
        rows_done=3,
        rows_total=3,
        result=result.as_dict(),
    )


def _legacy_commune():
    district = DistrictFactory()
    return CommuneFactory(generation=GenerationChoices.LEGACY, province=district.province, district=district)


def _free_ethnic_code() -> str:
    """A two-digit code no group holds (the reference data may be loaded: codes 01-54)."""
    taken = set(EthnicGroup.objects.values_list("code", flat=True))
    return next(code for code in (f"{n}" for n in range(99, 9, -1)) if code not in taken)


BUILDERS = {
    Province: lambda: ProvinceFactory(),
    District: lambda: DistrictFactory(),
    Commune: _legacy_commune,
    CommuneSuccession: lambda: CommuneSuccession.objects.create(
        predecessor=_legacy_commune(), successor=CommuneFactory(), effective_on=datetime.date(2025, 7, 1)
    ),
    Village: lambda: VillageFactory(),
    AreaClassification: lambda: AreaClassification.objects.create(
        kind=ClassificationKindChoices.EM_COMMUNE_ZONE,
        zone=ZoneChoices.III,
        commune=CommuneFactory(),
        valid_from=datetime.date(2021, 6, 4),
        document=LegalDocumentFactory(),
    ),
    LegalDocument: lambda: LegalDocumentFactory(),
    Program: lambda: ComponentFactory().program,
    Component: lambda: ComponentFactory(
        level=ComponentLevelChoices.SUBPROJECT, parent=(parent := ComponentFactory()), program=parent.program
    ),
    CapitalPlanEntry: lambda: CapitalPlanEntry.objects.create(
        component=ComponentFactory(),
        year=2024,
        province=(commune := CommuneFactory()).province,
        commune=commune,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=5_000_000_000,
        decided_on=datetime.date(2024, 1, 5),
        document=LegalDocumentFactory(),
    ),
    Work: _work_with_capital,
    Allocation: lambda: _work_with_capital().allocations.first(),
    Disbursement: lambda: _work_with_capital().disbursements.first(),
    ProgressReport: lambda: _work_with_capital().progress_reports.first(),
    Household: _household_with_history,
    PovertyAssessment: lambda: _household_with_history().assessments.first(),
    Support: lambda: _household_with_history().supports.first(),
    EthnicGroup: lambda: EthnicGroup.objects.create(code=_free_ethnic_code(), name="Nhóm"),
    PovertyStandard: lambda: _household_with_history().assessments.first().standard,
    DeprivationIndicator: lambda: DeprivationIndicator.objects.create(
        standard=PovertyStandardFactory(), code=f"i{next(_counter)}", dimension="Health", name="Health insurance"
    ),
    User: lambda: User.objects.create_user(username=f"user{next(_counter)}", password="x-Secret-123"),
    Official: lambda: Official.objects.create(
        user=User.objects.create_user(username=f"official{next(_counter)}"),
        level=JurisdictionLevelChoices.PROVINCE,
        province=ProvinceFactory(),
    ),
    PeriodReport: lambda: PeriodReport.objects.create(
        commune=CommuneFactory(), year=2025, quarter=next(_counter) % 4 + 1
    ),
    AccessAttempt: lambda: AccessAttempt.objects.create(
        user_agent="test",
        ip_address="127.0.0.1",
        username=f"guess{next(_counter)}",
        http_accept="*/*",
        path_info="/admin/login/",
        get_data="",
        post_data="",
        failures_since_start=3,
    ),
    AccessLog: lambda: AccessLog.objects.create(
        user_agent="test",
        ip_address="127.0.0.1",
        username=f"in{next(_counter)}",
        http_accept="*/*",
        path_info="/admin/login/",
    ),
    AccessFailureLog: lambda: AccessFailureLog.objects.create(
        user_agent="test",
        ip_address="127.0.0.1",
        username=f"out{next(_counter)}",
        http_accept="*/*",
        path_info="/admin/login/",
    ),
    Group: lambda: Group.objects.create(name=f"group {next(_counter)}"),
    ImportJob: _import_job,
    # Its own counter: the others' codes follow `_counter` (an ethnic group's wraps at 90).
    ApiToken: lambda: api_token_create(user=User.objects.create_user(username=f"token{next(_tokens)}"), name="x")[0],
}

REGISTERED = sorted(admin.site._registry, key=lambda m: m._meta.label)


def test_every_registered_model_has_a_builder():
    assert set(REGISTERED) == set(BUILDERS), "add a builder for each newly registered admin model"


@pytest.fixture
def superuser_client(client):
    user = User.objects.create_superuser(username="root", password="x-Secret-123")
    client.force_login(user)
    return client


def _changelist_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(captured)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_admin_pages_render_with_a_fixed_number_of_queries(superuser_client, model):
    info = (model._meta.app_label, model._meta.model_name)
    changelist = reverse("admin:{}_{}_changelist".format(*info))
    obj = BUILDERS[model]()
    few = _changelist_queries(superuser_client, changelist)
    for _ in range(4):
        BUILDERS[model]()
    many = _changelist_queries(superuser_client, changelist)
    assert many == few, f"{model._meta.label} changelist: {few} queries with few rows, {many} with more"

    model_admin = admin.site._registry[model]
    if model_admin.search_fields:
        assert superuser_client.get(changelist, {"q": "thon"}).status_code == 200
    add = superuser_client.get(reverse("admin:{}_{}_add".format(*info)))
    assert add.status_code in (200, 403)
    change = superuser_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
    assert change.status_code == 200


@pytest.mark.parametrize("term", ["ngoi zu", "NGÒI ZỮ", "Ngói   zư", "xa ngoi zu"])
def test_search_ignores_accents_case_and_spacing(superuser_client, term):
    target = CommuneFactory(name="Xã Ngòi Zữ", short_name="Ngòi Zữ")
    CommuneFactory(name="Xã Zữ Khác", short_name="Zữ Khác")
    response = superuser_client.get(reverse("admin:localities_commune_changelist"), {"q": term})
    assert [c.pk for c in response.context["cl"].result_list] == [target.pk]


def test_search_folds_d_with_stroke(superuser_client):
    target = CommuneFactory(name="Xã Đồng Zữ", short_name="Đồng Zữ")
    response = superuser_client.get(reverse("admin:localities_commune_changelist"), {"q": "dong zu"})
    assert [c.pk for c in response.context["cl"].result_list] == [target.pk]


def test_autocomplete_for_communes_ignores_accents(superuser_client):
    target = CommuneFactory(name="Xã Bắc Zữ", short_name="Bắc Zữ")
    response = superuser_client.get(
        reverse("admin:autocomplete"),
        {"term": "bac zu", "app_label": "tracker", "model_name": "work", "field_name": "commune"},
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(target.pk)]


def test_real_province_is_found_without_accents(superuser_client):
    response = superuser_client.get(reverse("admin:localities_province_changelist"), {"q": "bac kan"})
    assert [p.code for p in response.context["cl"].result_list] == ["06"]


def test_work_list_shows_totals_of_the_filtered_rows(superuser_client):
    first, second = _work_with_capital(), _work_with_capital()
    response = superuser_client.get(reverse("admin:tracker_work_changelist"), {"province": first.commune.province_id})
    totals = dict(response.context["totals"])
    assert totals == {
        "works": "1",
        "allocated (VND)": "1,000,000,000",  # an English page (/en/admin/): English figures
        "disbursed (VND)": "250,000,000",
        "disbursement rate": "25.0%",
    }
    assert second.code not in response.content.decode()


def test_disbursement_list_total_as_of_a_date(superuser_client):
    work = _work_with_capital()
    services.disbursement_record(
        work=work,
        year=2024,
        source=work.allocations.first().source,
        capital_type=work.allocations.first().capital_type,
        amount=100_000_000,
        voucher_number="PC-late",
        paid_on=datetime.date(2024, 7, 15),
    )
    response = superuser_client.get(
        reverse("admin:tracker_disbursement_changelist"), {"work__id__exact": work.pk, "paid_on__lte": "2024-06-30"}
    )
    assert dict(response.context["totals"])["net disbursed (VND)"] == "250,000,000"


def test_work_list_totals_count_every_work_even_past_the_lists_cap(superuser_client, monkeypatch):
    from kernel.list_params import CappedCountPaginator

    works = [_work_with_capital() for _ in range(3)]
    url = reverse("admin:tracker_work_changelist")
    with CaptureQueriesContext(connection) as counted_once:
        response = superuser_client.get(url)
    assert dict(response.context["totals"])["works"] == str(len(works))  # the list's count, not counted again
    monkeypatch.setattr(CappedCountPaginator, "cap", 2)
    with CaptureQueriesContext(connection) as counted_twice:
        response = superuser_client.get(url)
    assert response.context["cl"].paginator.capped
    assert dict(response.context["totals"])["works"] == str(len(works))  # past the cap: counted in full
    assert len(counted_twice) == len(counted_once) + 1
