"""The API's planned representation (api.serializers.ModelSerializer) answers exactly what DRF's own
`to_representation` answers, for every serializer of every app's API, on rows with every kind of value:
nulls and blanks, decimals, dates, aware moments in two time zones, choices, foreign keys and key lists."""

import datetime
import importlib
import inspect
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers

from api.serializers import ModelSerializer
from imports.tasks import import_job_create
from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from tests.imports.test_import_jobs import csv_file, household_rows
from tests.test_permission_matrix import SCOPED_BUILDERS
from tests.tracker.factories import EthnicGroupFactory
from tracker import services
from tracker.choices import WorkStatusChoices
from tracker.models import Work

pytestmark = pytest.mark.django_db
MODULES = [
    "localities.api.serializers",
    "programs.api.serializers",
    "tracker.api.serializers",
    "imports.api.serializers",
]


def api_serializers():
    found = []
    for name in MODULES:
        module = importlib.import_module(name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, ModelSerializer) and value is not ModelSerializer and value.__module__ == name:
                found.append(value)
    return found


@pytest.fixture
def varied(world, make_official, settings, tmp_path):
    """The world's rows, and rows with the values the plain rows lack: decimals, coordinates, dates, a
    reversal, a progress report with a fraction."""
    settings.IMPORT_JOBS_RUNNER = "sync"
    settings.MEDIA_ROOT = tmp_path / "media"
    user = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    work = world.works["c1"]
    Work.objects.filter(pk=work.pk).update(
        latitude=Decimal("21.5928"),
        longitude=Decimal("105.8442"),
        capacity=Decimal("2.5"),
        start_date=datetime.date(2024, 2, 29),
        note="",
    )
    paid = services.disbursement_record(
        work=work,
        year=2024,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=123_456_789,
        voucher_number="PC-1",
        paid_on=datetime.date(2024, 3, 1),
    )
    services.disbursement_reverse(disbursement=paid, reason="Nhập trùng", reversed_on=datetime.date(2024, 3, 2))
    services.progress_report_record(
        work=work,
        reported_on=datetime.date(2024, 6, 30),
        progress_percent=Decimal("66.67"),
        status=WorkStatusChoices.UNDER_CONSTRUCTION,
    )
    for label in ("programs.capitalplanentry", "tracker.povertyassessment", "tracker.support"):
        SCOPED_BUILDERS[label](world.c1)
    EthnicGroupFactory()
    import_job_create(user=user, kind="households", upload=csv_file(household_rows(world.c1, 2)))
    return world


def rows_of(serializer_class):
    model = serializer_class.Meta.model
    queryset = model.objects.all()
    if model is Work:
        queryset = queryset.with_capital().with_progress().with_keys("components", "villages")
    return list(queryset[:50])


@pytest.mark.parametrize("zone", ["Asia/Ho_Chi_Minh", "UTC"])
@pytest.mark.parametrize("serializer_class", api_serializers(), ids=lambda cls: cls.__name__)
def test_the_planned_representation_is_drfs(varied, serializer_class, zone):
    rows = rows_of(serializer_class)
    assert rows, f"no {serializer_class.Meta.model.__name__} rows to compare"
    with timezone.override(zone):
        serializer = serializer_class(context={"request": None})
        for row in rows:
            planned = ModelSerializer.to_representation(serializer, row)
            drf = serializers.ModelSerializer.to_representation(serializer_class(context={"request": None}), row)
            assert planned == drf, (serializer_class.__name__, row.pk)
            assert list(planned) == list(drf)  # the same fields, in the same order


def test_every_apps_serializer_is_planned():
    """No API serializer falls back to DRF's slower base unnoticed: each is one of ours."""
    found = {cls.__name__ for cls in api_serializers()}
    assert {"WorkSerializer", "DisbursementSerializer", "HouseholdSerializer", "CommuneSerializer"} <= found
