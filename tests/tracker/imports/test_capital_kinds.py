"""The capital imports: plan entries, allocations and disbursements (ledgers: added, never edited by import)."""

import datetime
import io

import pytest
from openpyxl import Workbook

from imports.engine import run_import
from kernel.access import JurisdictionLevelChoices as Level
from kernel.history import ChangePathChoices
from localities.choices import GenerationChoices
from localities.choices import RoleChoices as Role
from localities.models import Province
from programs.choices import CapitalEntryKindChoices, CapitalSourceChoices, CapitalTypeChoices
from programs.models import CapitalPlanEntry
from tests.programs.factories import ComponentFactory, ProgramFactory
from tests.tracker.factories import WorkFactory
from tracker import services
from tracker.models import Allocation, Disbursement

pytestmark = pytest.mark.django_db
MILLION = 1_000_000

PLAN_HEADER = (
    "Mã tỉnh,Mã xã,Chương trình,Mã hợp phần,Năm,Nguồn vốn,Loại vốn,Loại bút toán,Số tiền (triệu đồng),Kéo dài đến,"
    "Ngày quyết định,Ghi chú"
)
ALLOCATION_HEADER = (
    "Mã công trình,Chương trình,Mã hợp phần,Năm,Nguồn vốn,Loại vốn,Loại bút toán,Số tiền (triệu đồng),Kéo dài đến,"
    "Ngày quyết định,Ghi chú"
)
DISBURSEMENT_HEADER = (
    "Mã công trình,Năm,Nguồn vốn,Loại vốn,Số tiền (triệu đồng),Số chứng từ,Ngày chứng từ,Hủy chứng từ số,Ghi chú"
)


def csv_file(header, *lines) -> bytes:
    return ("\ufeff" + header + "\n" + "\n".join(lines) + "\n").encode("utf-8")


def xlsx_file(header: list[str], *rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for values in rows:
        sheet.append(list(values))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def errors_of(result) -> dict[tuple[int, str | None], str]:
    return {(e.row, e.column): e.message for e in result.errors}


@pytest.fixture
def component(db):
    return ComponentFactory(program=ProgramFactory(code="NTP-T1"), code="DA4.TDA1")


@pytest.fixture
def funded(world, component):
    """The world's works, each also funded by NTP-T1 DA4.TDA1."""
    for work in world.works.values():
        work.components.add(component)
    return world.works


def approve(world, make_official, commune, year, quarter):
    """Submit and approve a commune's report: its period is locked."""
    entry = make_official(Role.DATA_ENTRY, Level.COMMUNE, commune)
    approver = make_official(Role.APPROVER, Level.PROVINCE, world.p1)
    report = services.period_report_submit(commune=commune, year=year, quarter=quarter, user=entry)
    return services.period_report_approve(report=report, user=approver)


# ---------------------------------------------------------------------------------------------------------
# Capital plans


def plan(province="", commune="", *, source="Ngân sách trung ương", kind="Giao", amount='"151.008,9"', until=""):
    return f"{province},{commune},NTP-T1,DA4.TDA1,2024,{source},Đầu tư phát triển,{kind},{amount},{until},31/05/2024,"


def test_plan_entries_import_exactly_with_history_and_again_change_nothing(world, component, make_official):
    user = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    data = csv_file(
        PLAN_HEADER,
        plan(world.p1.code),
        plan(world.p1.code, kind="Kéo dài", amount='"48.726,4"', until="31/12/2025"),
        plan(world.p1.code, world.c1.code, source="Ngân sách xã", amount='"1.019,4"'),
        plan(world.p1.code, world.c1.code, kind="Điều chỉnh", amount='"-19,4"'),
    )
    result = run_import("capital-plans", data, user=user)
    assert result.ok and result.written, result.summary()
    assert (result.rows, result.new, result.unchanged) == (4, 4, 0)
    entries = CapitalPlanEntry.objects.order_by("pk")
    assert [(e.province, e.commune, e.kind, e.amount) for e in entries] == [
        (world.p1, None, CapitalEntryKindChoices.ASSIGNED, 151_008_900_000),
        (world.p1, None, CapitalEntryKindChoices.EXTENSION, 48_726_400_000),
        (world.p1, world.c1, CapitalEntryKindChoices.ASSIGNED, 1_019_400_000),
        (world.p1, world.c1, CapitalEntryKindChoices.ADJUSTMENT, -19_400_000),
    ]
    assert entries[1].extended_until == datetime.date(2025, 12, 31)
    assert entries[2].source == CapitalSourceChoices.COMMUNE
    record = entries[0].history.get()
    assert (record.history_type, record.history_user, record.history_path) == ("+", user, ChangePathChoices.IMPORT)

    again = run_import("capital-plans", data, user=user)
    assert (again.new, again.changed, again.unchanged, again.written) == (0, 0, 4, True)
    assert CapitalPlanEntry.history.count() == 4


def test_a_plan_entry_recorded_with_other_values_is_an_error_saying_how_to_correct_it(world, component):
    run_import("capital-plans", csv_file(PLAN_HEADER, plan(world.p1.code)))
    result = run_import("capital-plans", csv_file(PLAN_HEADER, plan(world.p1.code, amount="151000")))
    assert not result.written
    [error] = result.errors
    assert error.row == 2
    assert "amount (VND): 151.008.900.000 recorded, 151.000.000.000 in the file" in error.message
    assert "adjustment entry (“Điều chỉnh”)" in error.message
    assert CapitalPlanEntry.objects.get().amount == 151_008_900_000


def test_plan_rows_outside_the_jurisdiction_are_refused(world, component, make_official):
    official = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    result = run_import(
        "capital-plans", csv_file(PLAN_HEADER, plan(world.p2.code), plan("", world.c3.code)), user=official
    )
    assert not result.written
    assert set(errors_of(result)) == {(2, "Mã tỉnh"), (3, "Mã xã")}
    assert all("outside your jurisdiction" in e.message for e in result.errors)

    commune_official = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    refused = run_import("capital-plans", csv_file(PLAN_HEADER, plan(world.p1.code)), user=commune_official)
    assert "entered by the province" in errors_of(refused)[(2, "Mã xã")]
    own = run_import("capital-plans", csv_file(PLAN_HEADER, plan("", world.c1.code)), user=commune_official)
    assert own.written, own.summary()
    assert not CapitalPlanEntry.objects.filter(commune__isnull=True).exists()


def test_every_bad_plan_row_is_reported_and_nothing_is_written(world, component):
    data = csv_file(
        PLAN_HEADER,
        plan(world.p1.code),
        plan("99"),  # no province: real codes end at 96, factory codes are letters
        plan(world.p1.code).replace("DA4.TDA1", "DA99"),
        plan(world.p1.code, kind="Kéo dài"),
        plan(world.p1.code, amount="nhiều"),
        plan(world.p1.code, world.c3.code),
        plan(world.p1.code).replace(",2024,", ",2035,"),
    )
    result = run_import("capital-plans", data)
    assert not result.written and not CapitalPlanEntry.objects.exists()
    errors = errors_of(result)
    assert (3, "Mã tỉnh") in errors
    assert errors[(4, "Mã hợp phần")] == "The program NTP-T1 has no component DA99."
    assert any(row == 5 for row, _column in errors)  # an extension needs its date
    assert (6, "Số tiền (triệu đồng)") in errors
    assert "not in the province this row gives" in errors[(7, "Mã xã")]
    assert "outside the program's period" in errors[(8, "Năm")]
    assert result.error_rows == 6


def test_a_code_of_both_maps_means_the_map_in_force_on_the_decision_date(component):
    """Quảng Ninh is 22 on both maps; commune 06946 is Quảng Long before 1/7/2025 and Đường Hoa after."""
    before = plan("22", "06946").replace("31/05/2024", "25/02/2025").replace(",2024,", ",2025,")
    province_before = plan("22").replace("31/05/2024", "20/12/2024")
    province_after = plan("22").replace("31/05/2024", "15/08/2025").replace(",2024,", ",2026,")
    result = run_import("capital-plans", csv_file(PLAN_HEADER, before, province_before, province_after))
    assert result.written, result.summary()
    entries = list(CapitalPlanEntry.objects.order_by("pk").select_related("province", "commune"))
    assert (entries[0].commune.name, entries[0].commune.generation) == ("Xã Quảng Long", GenerationChoices.LEGACY)
    assert entries[0].province == Province.objects.legacy().get(code="22")
    assert entries[1].province == Province.objects.legacy().get(code="22")
    assert entries[2].province == Province.objects.current().get(code="22")


def test_plan_entries_in_english_headers_from_xlsx(world, component):
    header = [
        "Province code",
        "Commune code",
        "Program",
        "Component",
        "Year",
        "Source",
        "Capital type",
        "Entry kind",
        "Amount (billion VND)",
        "Extended until",
        "Decision date",
        "Note",
    ]
    data = xlsx_file(
        header,
        [world.p1.code, None, "NTP-T1", "DA4.TDA1", 2024, "Central budget", "Recurrent", "Assigned", 1.5, None,
         datetime.date(2024, 5, 31), "plan"],
    )  # fmt: skip
    result = run_import("capital-plans", data, filename="plan.xlsx")
    assert result.written, result.summary()
    entry = CapitalPlanEntry.objects.get()
    assert (entry.amount, entry.capital_type, entry.decided_on) == (
        1_500_000_000,
        CapitalTypeChoices.RECURRENT,
        datetime.date(2024, 5, 31),
    )


def test_a_dry_run_of_plans_writes_nothing(world, component):
    result = run_import("capital-plans", csv_file(PLAN_HEADER, plan(world.p1.code)), dry_run=True)
    assert result.ok and result.new == 1 and not result.written
    assert not CapitalPlanEntry.objects.exists() and not CapitalPlanEntry.history.exists()


# ---------------------------------------------------------------------------------------------------------
# Allocations


def allocation(work, *, component="DA4.TDA1", kind="Giao", amount='"194,6"', until="", decided="15/02/2024", note=""):
    code = work if isinstance(work, str) else work.code
    return (
        f"{code},NTP-T1,{component},2024,Ngân sách trung ương,Đầu tư phát triển,{kind},{amount},{until},{decided},"
        f"{note}"
    )


def test_allocations_import_exactly_with_history_and_again_change_nothing(world, funded, make_official):
    user = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    data = csv_file(
        ALLOCATION_HEADER,
        allocation(funded["c1"]),
        allocation(funded["l1"], amount="173"),
        allocation(funded["c1"], kind="Điều chỉnh", amount="-150", decided="20/10/2024", note="Điều chỉnh giữa CT"),
        allocation(funded["c2"], kind="Kéo dài", amount="50", until="31/12/2025", decided="15/01/2025"),
    )
    result = run_import("allocations", data, user=user)
    assert result.ok and result.written, result.summary()
    assert (result.new, result.unchanged) == (4, 0)
    imported = Allocation.objects.filter(component__code="DA4.TDA1").order_by("pk")
    assert [(a.work, a.kind, a.amount) for a in imported] == [
        (funded["c1"], CapitalEntryKindChoices.ASSIGNED, 194_600_000),
        (funded["l1"], CapitalEntryKindChoices.ASSIGNED, 173_000_000),
        (funded["c1"], CapitalEntryKindChoices.ADJUSTMENT, -150_000_000),
        (funded["c2"], CapitalEntryKindChoices.EXTENSION, 50_000_000),
    ]
    record = imported[0].history.get()
    assert (record.history_user, record.history_path) == (user, ChangePathChoices.IMPORT)

    again = run_import("allocations", data, user=user)
    assert (again.new, again.changed, again.unchanged, again.written) == (0, 0, 4, True)
    assert Allocation.history.filter(component__code="DA4.TDA1").count() == 4


def test_a_blank_component_is_the_one_that_funds_the_work(world, component):
    work = WorkFactory(commune=world.c1, components=[component])
    result = run_import("allocations", csv_file(ALLOCATION_HEADER, allocation(work).replace("NTP-T1,DA4.TDA1", ",")))
    assert result.written, result.summary()
    assert work.allocations.get().component == component

    world.works["c2"].components.add(component)  # now funded by two
    two = run_import("allocations", csv_file(ALLOCATION_HEADER, allocation(world.works["c2"], component="")))
    assert "Give the program component: work" in errors_of(two)[(2, "Mã hợp phần")]


def test_an_allocation_recorded_with_other_values_is_an_error(world, funded):
    run_import("allocations", csv_file(ALLOCATION_HEADER, allocation(funded["c1"])))
    result = run_import("allocations", csv_file(ALLOCATION_HEADER, allocation(funded["c1"], amount="200")))
    message = errors_of(result)[(2, None)]
    assert "194.600.000 recorded, 200.000.000 in the file" in message
    assert "Điều chỉnh" in message
    assert funded["c1"].allocations.filter(component__code="DA4.TDA1").get().amount == 194_600_000


def test_every_bad_allocation_row_is_reported_and_nothing_is_written(world, funded):
    other = ComponentFactory(program=funded["c1"].components.first().program, code="DA5")
    data = csv_file(
        ALLOCATION_HEADER,
        allocation(funded["c1"]),
        allocation("KHONG-CO"),
        allocation(funded["c1"], component=other.code).replace("NTP-T1", other.program.code),
        allocation(funded["c1"], kind="Kéo dài"),
        allocation(funded["c1"], amount="-5", decided="16/02/2024"),
        allocation(funded["c1"], amount='"1,2345678"', decided="17/02/2024"),
        allocation(funded["c1"]),
    )
    result = run_import("allocations", data)
    assert not result.written
    errors = errors_of(result)
    assert errors[(3, "Mã công trình")] == "No work has the code KHONG-CO; import the works first."
    assert "is not one of the components that fund work" in errors[(4, "Mã hợp phần")]
    assert "only an extension, has an 'extended until' date" in errors[(5, None)]
    assert "cannot be negative" in errors[(6, None)]
    assert (7, "Số tiền (triệu đồng)") in errors
    assert errors[(8, None)].startswith("Duplicate of row 2")
    assert result.error_rows == 6
    assert not Allocation.objects.filter(component__code="DA4.TDA1").exists()


def test_allocations_outside_the_jurisdiction_or_in_a_locked_period_are_refused(world, funded, make_official):
    official = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    result = run_import(
        "allocations", csv_file(ALLOCATION_HEADER, allocation(funded["l1"]), allocation(funded["c2"])), user=official
    )
    assert errors_of(result) == {(3, "Mã công trình"): f"The work {funded['c2'].code} is outside your jurisdiction."}

    approve(world, make_official, world.c1, 2024, 1)
    locked = run_import("allocations", csv_file(ALLOCATION_HEADER, allocation(funded["l1"])), user=official)
    [error] = locked.errors
    assert "is locked" in error.message and error.row == 2
    assert not Allocation.objects.filter(component__code="DA4.TDA1").exists()


def test_a_dry_run_of_allocations_writes_nothing(world, funded):
    result = run_import("allocations", csv_file(ALLOCATION_HEADER, allocation(funded["c1"])), dry_run=True)
    assert result.ok and result.new == 1 and not result.written
    assert not Allocation.objects.filter(component__code="DA4.TDA1").exists()


# ---------------------------------------------------------------------------------------------------------
# Disbursements (the world's works each have 1.000 million VND of 2024 central investment capital)


def payment(work, voucher, *, amount="100", paid="01/03/2024", reverses="", note="", year="2024"):
    code = work if isinstance(work, str) else work.code
    return f"{code},{year},Ngân sách trung ương,Đầu tư phát triển,{amount},{voucher},{paid},{reverses},{note}"


def test_payments_a_double_entry_and_its_reversal_import_and_again_change_nothing(world, make_official):
    user = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    work = world.works["c1"]
    data = csv_file(
        DISBURSEMENT_HEADER,
        payment(work, "KB-1", amount='"194,6"'),
        payment(work, "KB-2", amount="300", paid="11/05/2024"),
        payment(work, "KB-2", amount="300", paid="11/05/2024", note="Nhập trùng chứng từ"),
        payment(work, "KB-2", amount="-300", paid="17/05/2024", reverses="KB-2", note="Hủy chứng từ nhập trùng"),
    )
    result = run_import("disbursements", data, user=user)
    assert result.ok and result.written, result.summary()
    assert (result.new, result.unchanged) == (4, 0)
    payments = list(Disbursement.objects.filter(work=work).order_by("pk"))
    assert [(p.voucher_number, p.amount) for p in payments] == [
        ("KB-1", 194_600_000),
        ("KB-2", 300_000_000),
        ("KB-2", 300_000_000),
        ("KB-2", -300_000_000),
    ]
    reversal = payments[3]
    assert (reversal.reverses, reversal.paid_on, reversal.note) == (
        payments[2],  # the double entry, not the first payment
        datetime.date(2024, 5, 17),
        "Hủy chứng từ nhập trùng",
    )
    assert Disbursement.objects.filter(work=work).total() == 494_600_000
    record = reversal.history.get()
    assert (record.history_user, record.history_path) == (user, ChangePathChoices.IMPORT)

    again = run_import("disbursements", data, user=user)
    assert (again.new, again.changed, again.unchanged, again.written) == (0, 0, 4, True)
    assert Disbursement.objects.filter(work=work).count() == 4


def test_a_reversal_cancels_a_voucher_recorded_by_an_earlier_import(world):
    work = world.works["c1"]
    run_import("disbursements", csv_file(DISBURSEMENT_HEADER, payment(work, "KB-1")))
    result = run_import(
        "disbursements",
        csv_file(DISBURSEMENT_HEADER, payment(work, "KB-1", amount="", paid="05/03/2024", reverses="KB-1", note="Sai")),
    )
    assert result.written, result.summary()
    assert Disbursement.objects.filter(work=work).total() == 0


def test_a_voucher_paid_twice_without_a_reversal_is_an_error(world):
    work = world.works["c1"]
    result = run_import("disbursements", csv_file(DISBURSEMENT_HEADER, payment(work, "KB-1"), payment(work, "KB-1")))
    assert not result.written and result.error_rows == 1
    assert result.new == 1
    message = errors_of(result)[(3, "Số chứng từ")]
    assert message.startswith(f"Voucher KB-1 of work {work.code} is paid on row 2, and this row pays it again")
    assert "“Hủy chứng từ số” KB-1" in message
    assert not Disbursement.objects.filter(work=work).exists()

    run_import("disbursements", csv_file(DISBURSEMENT_HEADER, payment(work, "KB-1")))
    later = run_import(
        "disbursements", csv_file(DISBURSEMENT_HEADER, payment(work, "KB-1"), payment(work, "KB-1", amount="5"))
    )
    assert "already recorded, and this row pays it again" in errors_of(later)[(3, "Số chứng từ")]


def test_a_recorded_payment_is_not_changed_but_reversed(world):
    work = world.works["c1"]
    run_import("disbursements", csv_file(DISBURSEMENT_HEADER, payment(work, "KB-1")))
    result = run_import("disbursements", csv_file(DISBURSEMENT_HEADER, payment(work, "KB-1", amount="120")))
    message = errors_of(result)[(2, None)]
    assert "amount (VND): 100.000.000 recorded, 120.000.000 in the file" in message
    assert "add a row that cancels it (“Hủy chứng từ số” KB-1" in message

    fixed = run_import(
        "disbursements",
        csv_file(
            DISBURSEMENT_HEADER,
            payment(work, "KB-1"),
            payment(work, "KB-1", amount="-100", paid="02/03/2024", reverses="KB-1", note="Sai số tiền"),
            payment(work, "KB-1", amount="120", paid="03/03/2024"),
        ),
    )
    assert fixed.written and (fixed.new, fixed.unchanged) == (2, 1), fixed.summary()
    assert Disbursement.objects.filter(work=work).total() == 120_000_000


def test_every_bad_disbursement_row_is_reported_and_nothing_is_written(world):
    work = world.works["c1"]
    data = csv_file(
        DISBURSEMENT_HEADER,
        payment(work, "KB-1"),
        payment("KHONG-CO", "KB-2"),
        payment(work, "KB-3", amount="-5"),
        payment(work, "KB-4", amount="5", reverses="KB-9", note="Hủy"),
        payment(work, "KB-9", amount="5", reverses="KB-9", note="Hủy"),
        payment(work, "KB-5", amount="2000"),
        payment(work, "KB-6", paid="30/12/2023"),
        payment(work, "KB-1", amount="100", reverses="KB-1"),
        payment(work, "KB-7", amount="", year=""),
    )
    result = run_import("disbursements", data)
    assert not result.written
    errors = errors_of(result)
    assert (3, "Mã công trình") in errors
    assert "A payment is a positive amount" in errors[(4, "Số tiền (triệu đồng)")]
    assert "recorded under the voucher it cancels" in errors[(5, "Số chứng từ")]
    assert "No payment of work" in errors[(6, "Hủy chứng từ số")]
    assert "above the 1,000,000,000 VND allocated" in errors[(7, "Số tiền (triệu đồng)")]
    assert "before its year" in errors[(8, "Ngày chứng từ")]
    assert errors[(9, "Ghi chú")] == "Say why the disbursement is reversed."
    assert (10, "Năm") in errors and (10, "Số tiền (triệu đồng)") in errors
    assert result.error_rows == 8
    assert not Disbursement.objects.exists()


def test_disbursements_outside_the_jurisdiction_or_in_a_locked_period_are_refused(world, make_official):
    official = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    result = run_import(
        "disbursements",
        csv_file(DISBURSEMENT_HEADER, payment(world.works["c1"], "KB-1"), payment(world.works["c3"], "KB-2")),
        user=official,
    )
    assert errors_of(result) == {
        (3, "Mã công trình"): f"The work {world.works['c3'].code} is outside your jurisdiction."
    }

    approve(world, make_official, world.c1, 2024, 1)
    locked = run_import(
        "disbursements",
        csv_file(DISBURSEMENT_HEADER, payment(world.works["l1"], "KB-1"), payment(world.works["c2"], "KB-2")),
        user=official,
    )
    [error] = locked.errors
    assert error.row == 2 and "is locked" in error.message
    assert not Disbursement.objects.exists()


def test_disbursements_with_english_headers_and_a_dry_run(world):
    header = ["Work code", "Year", "Source", "Capital type", "Amount (million VND)", "Voucher number", "Voucher date"]
    data = xlsx_file(header, [world.works["c1"].code, 2024, "Central budget", "Investment", 12.5, "KB-1", "01/03/2024"])
    preview = run_import("disbursements", data, filename="d.xlsx", dry_run=True)
    assert preview.ok and preview.new == 1 and not preview.written
    assert not Disbursement.objects.exists()
    result = run_import("disbursements", data, filename="d.xlsx")
    assert result.written
    assert Disbursement.objects.get().amount == 12_500_000
