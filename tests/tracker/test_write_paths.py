"""One write path per entity: every rule is the service's, so the admin and the import meet the same refusal;
and no lost updates: a change based on an older version of a record is refused, saying who changed what."""

import datetime

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from imports.engine import run_import
from kernel.access import JurisdictionLevelChoices as Level
from kernel.admin import VERSION_FIELD, is_versioned
from kernel.versions import StaleVersion
from localities.choices import RoleChoices as Role
from tests.admin_forms import form_data
from tests.programs.factories import ComponentFactory
from tests.tracker.factories import WorkFactory
from tests.tracker.imports.test_capital_kinds import ALLOCATION_HEADER, DISBURSEMENT_HEADER
from tests.tracker.imports.test_capital_kinds import csv_file as capital_csv
from tests.tracker.imports.test_progress import csv_file as progress_csv
from tests.tracker.imports.test_works import csv_file, row
from tracker import services
from tracker.choices import WorkStatusChoices
from tracker.models import Allocation, Disbursement, ProgressReport, Work

pytestmark = pytest.mark.django_db


# Under the tests' English, reverse() gives the English admin (/en/admin/...): inputs are typed the English way.
def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def add_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def admin_errors(response) -> str:
    """Every error the re-rendered admin form shows (main form and inlines), as one text."""
    assert response.status_code == 200, f"expected the form again, got {response.status_code}"
    texts = [" ".join(response.context["adminform"].form.non_field_errors())]
    for errors in response.context["adminform"].form.errors.values():
        texts.extend(errors)
    for inline in response.context["inline_admin_formsets"]:
        texts.extend(inline.formset.non_form_errors())
        for form_errors in inline.formset.errors:
            for errors in form_errors.values():
                texts.extend(errors)
    return " ".join(str(t) for t in texts)


def import_errors(kind, data, user) -> str:
    result = run_import(kind, data, user=user, filename=f"{kind}.csv")
    assert not result.written
    return " ".join(str(e.message) for e in result.errors)


@pytest.fixture
def province_entry(world, make_official):
    return make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)


@pytest.fixture
def locked_q1(world, make_official):
    """C1's first quarter of 2024 approved: the world's allocation in C1 (15/01/2024) is locked."""
    entry = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    approver = make_official(Role.APPROVER, Level.PROVINCE, world.p1)
    report = services.period_report_submit(commune=world.c1, year=2024, quarter=1, user=entry)
    return services.period_report_approve(report=report, user=approver)


# ---------------------------------------------------------------------------------------------------------
# The same rule through every path: each case sets up, then tries the admin and the import.


def _move_locked(world, province_entry, locked_q1, path):
    work = world.works["c1"]
    component = work.components.get()
    if path == "admin":
        client = Client()
        client.force_login(province_entry)
        page = client.get(change_url(work))
        text = admin_errors(client.post(change_url(work), form_data(page, commune=str(world.c2.pk))))
    else:
        moved = row(work.code, world.c2, program=component.program.code, component=component.code)
        text = import_errors("works", csv_file(moved), province_entry)
    work.refresh_from_db()
    assert work.commune == world.c1
    return text, "is locked"


def _component_removed(world, province_entry, locked_q1, path):
    work = world.works["c2"]
    funding = work.components.get()
    other = ComponentFactory(program=funding.program)
    if path == "admin":
        client = Client()
        client.force_login(province_entry)
        page = client.get(change_url(work))
        text = admin_errors(client.post(change_url(work), form_data(page, components=[str(other.pk)])))
    else:
        changed = row(work.code, world.c2, program=other.program.code, component=other.code)
        text = import_errors("works", csv_file(changed), province_entry)
    assert list(work.components.all()) == [funding]
    return text, "funds capital allocated to work"


def _over_allocation(world, province_entry, locked_q1, path):
    work = world.works["c2"]  # 1.000.000.000 VND allocated for 2024, central budget, investment
    if path == "admin":
        client = Client()
        client.force_login(province_entry)
        page = client.get(add_url(Disbursement))
        data = form_data(
            page,
            work=str(work.pk),
            year="2024",
            source="central",
            capital_type="investment",
            amount="1000000001",
            voucher_number="PC-9",
            paid_on="2024-06-01",
        )
        text = admin_errors(client.post(add_url(Disbursement), data))
    else:
        line = f'{work.code},2024,Ngân sách trung ương,Đầu tư phát triển,"1000,000001",PC-9,01/06/2024,,'
        text = import_errors("disbursements", capital_csv(DISBURSEMENT_HEADER, line), province_entry)
    assert not Disbursement.objects.filter(work=work).exists()
    return text, "above the 1,000,000,000 VND allocated"  # English numbers in English


def _allocation_locked(world, province_entry, locked_q1, path):
    work = world.works["c1"]
    component = work.components.get()
    if path == "admin":
        client = Client()
        client.force_login(province_entry)
        page = client.get(add_url(Allocation))
        data = form_data(
            page,
            work=str(work.pk),
            component=str(component.pk),
            year="2024",
            source="central",
            capital_type="investment",
            kind="assigned",
            amount="5000000",
            decided_on="2024-02-20",
        )
        text = admin_errors(client.post(add_url(Allocation), data))
    else:
        line = (
            f"{work.code},{component.program.code},{component.code},2024,Ngân sách trung ương,Đầu tư phát triển,"
            "Giao,5,,20/02/2024,"
        )
        text = import_errors("allocations", capital_csv(ALLOCATION_HEADER, line), province_entry)
    assert Allocation.objects.filter(work=work).count() == 1
    return text, "is locked"


def _progress_locked(world, province_entry, locked_q1, path):
    work = world.works["c1"]
    if path == "admin":
        client = Client()
        client.force_login(province_entry)
        page = client.get(add_url(ProgressReport))
        data = form_data(
            page, work=str(work.pk), reported_on="2024-03-01", progress_percent="20", status="construction"
        )
        text = admin_errors(client.post(add_url(ProgressReport), data))
    else:
        data = progress_csv(f"{work.code},01/03/2024,20,,,Đang thi công,")
        text = import_errors("progress", data, province_entry)
    assert not ProgressReport.objects.filter(work=work).exists()
    return text, "is locked"


RULES = {
    "no capital allocated in a locked period": _allocation_locked,
    "no progress reported in a locked period": _progress_locked,
    "a work with capital in a locked period does not move": _move_locked,
    "a component that funds capital stays on the work": _component_removed,
    "no disbursement above what was allocated": _over_allocation,
}


@pytest.mark.parametrize("path", ["admin", "import"])
@pytest.mark.parametrize("rule", list(RULES))
def test_every_path_meets_the_same_refusal(world, province_entry, locked_q1, components, rule, path):  # noqa: F811
    text, expected = RULES[rule](world, province_entry, locked_q1, path)
    assert expected in text, text


def test_every_versioned_entity_with_an_admin_is_written_through_services():
    """An admin of a record that officials enter (one with history) names its services; only accounts and
    reference data (versioned too, saved by national administrators) save themselves."""
    service_less = {"localities.official", "tracker.periodreport"}  # accounts; reports change by actions
    for model, model_admin in admin.site._registry.items():
        entered = is_versioned(model) and hasattr(model, "history")
        if entered and model._meta.label_lower not in service_less:
            assert model_admin.writes is not None, f"{model._meta.label} is saved by the admin, not a service"
            for inline in model_admin.inlines:
                assert inline.writes is not None, f"{inline.model._meta.label} inline of {model._meta.label}"


# ---------------------------------------------------------------------------------------------------------
# No lost updates


def _two_officials(world, make_official):
    first = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    first.first_name, first.last_name = "Nguyễn Văn", "An"
    first.save()
    second = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    second.first_name, second.last_name = "Lò Thị", "Bình"
    second.save()
    clients = []
    for user in (first, second):
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients


def test_two_officials_editing_one_work_the_second_save_is_refused_and_keeps_what_was_typed(world, make_official):
    work = world.works["c1"]
    first, second = _two_officials(world, make_official)
    page_first = first.get(change_url(work))
    page_second = second.get(change_url(work))
    assert page_first.context["adminform"].form[VERSION_FIELD].value() == work.version == 1

    saved = second.post(change_url(work), form_data(page_second, name="Đường Bản Chán - Thôm Ưng"))
    assert saved.status_code == 302
    refused = first.post(change_url(work), form_data(page_first, investor="UBND xã Mỹ Thanh"))
    text = admin_errors(refused)
    assert "Lò Thị Bình changed name" in text, text
    form = refused.context["adminform"].form
    assert form["investor"].value() == "UBND xã Mỹ Thanh"  # what was typed is kept
    assert form["name"].value() == "Đường Bản Chán - Thôm Ưng"  # and the other's change shown, not undone
    assert form[VERSION_FIELD].value() == "2"  # saving again is the official's choice, on the current version
    work.refresh_from_db()
    assert (work.name, work.investor, work.version) == ("Đường Bản Chán - Thôm Ưng", "", 2)

    again = first.post(change_url(work), form_data(refused, investor="UBND xã Mỹ Thanh"))
    assert again.status_code == 302
    work.refresh_from_db()
    assert (work.name, work.investor, work.version) == ("Đường Bản Chán - Thôm Ưng", "UBND xã Mỹ Thanh", 3)


def test_an_id_number_correction_is_not_lost(world, make_official):
    household = world.households["c1"]
    first, second = _two_officials(world, make_official)
    page_first = first.get(change_url(household))
    page_second = second.get(change_url(household))
    assert second.post(change_url(household), form_data(page_second, id_number="001234567890")).status_code == 302
    text = admin_errors(first.post(change_url(household), form_data(page_first, member_count="6")))
    assert "Lò Thị Bình changed head's ID number" in text, text
    household.refresh_from_db()
    assert household.id_number == "001234567890"
    assert household.version == 2


def test_a_stale_version_is_refused_by_the_service_itself(world):
    work = world.works["c2"]
    services.work_update(work=Work.objects.get(pk=work.pk), version=1, name="Kênh mương Nà Lẹng")
    with pytest.raises(StaleVersion, match="changed name"):
        services.work_update(work=Work.objects.get(pk=work.pk), version=1, investor="UBND")
    work.refresh_from_db()
    assert (work.name, work.investor, work.version) == ("Kênh mương Nà Lẹng", "", 2)


def test_a_change_by_import_moves_the_version_on(world, province_entry, components):  # noqa: F811
    work = WorkFactory(commune=world.c1, components=[components["infra"]])
    data = csv_file(row(work.code, world.c1))
    result = run_import("works", data, user=province_entry, filename="works.csv")
    assert result.ok and result.changed == 1, result.summary()
    work.refresh_from_db()
    assert work.version == 2
    with pytest.raises(StaleVersion):
        services.work_update(work=work, version=1, user=province_entry, note="typed on an old form")


def test_reference_data_is_versioned_too(client, django_user_model):
    """A national administrator's change of a program based on an older version is refused as well."""
    from tests.programs.factories import ProgramFactory

    program = ProgramFactory(code="NTP-V1")
    client.force_login(django_user_model.objects.create_superuser("root", password="x-Secret-123"))
    page = client.get(change_url(program))
    client.post(change_url(program), form_data(page, name="Chương trình A"))
    text = admin_errors(client.post(change_url(program), form_data(page, name="Chương trình B")))
    assert "changed after you opened it" in text, text
    program.refresh_from_db()
    assert (program.name, program.version) == ("Chương trình A", 2)


def test_a_progress_report_moves_the_works_status_with_a_new_version(world):
    work = world.works["c2"]
    services.progress_report_record(
        work=work,
        reported_on=datetime.date(2024, 6, 1),
        progress_percent=10,
        status=WorkStatusChoices.UNDER_CONSTRUCTION,
    )
    work.refresh_from_db()
    assert (work.status, work.version) == (WorkStatusChoices.UNDER_CONSTRUCTION, 2)
    assert work.history.first().version == 2


def test_saving_an_unchanged_form_makes_no_new_version(world, province_entry):
    work = world.works["c1"]
    records = work.history.count()
    client = Client()
    client.force_login(province_entry)
    page = client.get(change_url(work))
    assert client.post(change_url(work), form_data(page)).status_code == 302
    work.refresh_from_db()
    assert (work.version, work.history.count()) == (1, records)
