"""History: every change of money, progress, status and household data keeps who, when, before, after and
the path it came through; officials read it in the admin, within their jurisdiction only."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from kernel.access import JurisdictionLevelChoices as Level
from kernel.history import ChangePathChoices, change_path
from localities.choices import RoleChoices as Role
from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from tests.tracker.factories import AllocationFactory
from tracker import services
from tracker.choices import WorkStatusChoices
from tracker.models import Disbursement

pytestmark = pytest.mark.django_db


def test_a_service_write_outside_a_request_is_a_command_change_by_its_user(make_official, world):
    official = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    payment = services.disbursement_record(
        work=world.works["c1"],
        year=2024,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=7_000,
        voucher_number="PC-9",
        paid_on=datetime.date(2024, 4, 1),
        user=official,
    )
    record = payment.history.get()
    assert record.history_type == "+"
    assert record.history_user == official
    assert record.history_path == ChangePathChoices.COMMAND
    assert record.amount == 7_000


def test_a_reversal_keeps_both_entries_in_history():
    allocation = AllocationFactory()
    with change_path(ChangePathChoices.IMPORT):
        payment = services.disbursement_record(
            work=allocation.work,
            year=2024,
            source=allocation.source,
            capital_type=allocation.capital_type,
            amount=5,
            voucher_number="PC-1",
            paid_on=datetime.date(2024, 2, 1),
        )
    services.disbursement_reverse(disbursement=payment, reason="twice", reversed_on=datetime.date(2024, 2, 2))
    paths = sorted(Disbursement.history.values_list("amount", "history_path"))
    assert paths == [(-5, ChangePathChoices.COMMAND), (5, ChangePathChoices.IMPORT)]


def test_an_admin_change_records_before_after_user_and_path(client):
    root = User.objects.create_superuser(username="root", password="x-Secret-123")
    work = AllocationFactory().work
    client.force_login(root)
    form = {
        "code": work.code,
        "name": "Đường Bản Chán - Thôm Ưng",
        "work_type": work.work_type,
        "components": [c.pk for c in work.components.all()],
        "status": WorkStatusChoices.UNDER_CONSTRUCTION,
        "commune": work.commune_id,
        "approved_investment": "3000000000",
        "capacity": "3",
        "capacity_unit": "km",
        "start_date": "2024-02-01",
    }
    for prefix in ("allocations", "disbursements", "progress_reports"):
        form.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    form["allocations-INITIAL_FORMS"] = "1"
    form["allocations-TOTAL_FORMS"] = "1"
    form["allocations-0-id"] = str(work.allocations.get().pk)
    form["allocations-0-work"] = str(work.pk)
    response = client.post(reverse("admin:tracker_work_change", args=[work.pk]), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    latest, before = work.history.order_by("-history_id")[:2]
    assert (before.name, latest.name) == (work.name, "Đường Bản Chán - Thôm Ưng")
    assert latest.history_user == root
    assert latest.history_path == ChangePathChoices.ADMIN
    delta = {change.field for change in latest.diff_against(before).changes}
    assert {"name", "status", "approved_investment", "capacity"} <= delta

    page = client.get(reverse("admin:tracker_work_history", args=[work.pk]))
    assert page.status_code == 200
    assert "Đường Bản Chán - Thôm Ưng" in page.content.decode()


def test_history_of_an_object_outside_the_jurisdiction_is_not_found(world, make_official, client):
    client.force_login(make_official(Role.VIEWER, Level.COMMUNE, world.c1))
    inside = client.get(reverse("admin:tracker_work_history", args=[world.works["l1"].pk]))
    assert inside.status_code == 200
    outside = world.works["c3"]
    assert client.get(reverse("admin:tracker_work_history", args=[outside.pk])).status_code == 404
    record = outside.history.first()
    url = reverse("admin:tracker_work_simple_history", args=[outside.pk, record.history_id])
    assert client.get(url).status_code == 404


def test_history_is_read_not_replayed(client):
    root = User.objects.create_superuser(username="root", password="x-Secret-123")
    work = AllocationFactory().work
    client.force_login(root)
    record = work.history.first()
    url = reverse("admin:tracker_work_simple_history", args=[work.pk, record.history_id])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="_save"' not in body
    assert 'name="_change_history"' not in body
