"""The support import: what households received, under which program component, written through the service."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from imports.engine import run_import
from kernel.access import JurisdictionLevelChoices as Level
from kernel.history import ChangePathChoices
from localities.choices import RoleChoices as Role
from tests.programs.factories import ComponentFactory, ProgramFactory
from tracker import services
from tracker.choices import SupportKindChoices
from tracker.models import Support

pytestmark = pytest.mark.django_db

HEADER = "Mã hộ,Năm,Chương trình,Mã hợp phần,Loại hỗ trợ,Số tiền (triệu đồng),Số lượng,Đơn vị,Ngày nhận,Ghi chú"


@pytest.fixture(autouse=True)
def components(db):
    return {
        "livestock": ComponentFactory(program=ProgramFactory(code="NTP-GN"), code="DA3.TDA1"),
        "housing": ComponentFactory(program=ProgramFactory(code="NTP-DT"), code="DA1"),
    }


def csv_file(*lines, header=HEADER) -> bytes:
    return ("\ufeff" + header + "\n" + "\n".join(lines) + "\n").encode("utf-8")


def support(household, *, kind="Hỗ trợ con giống", amount='"9,6"', quantity="2", unit="con lợn nái", on="10/12/2024"):
    code = household if isinstance(household, str) else household.code
    return f"{code},2024,NTP-GN,DA3.TDA1,{kind},{amount},{quantity},{unit},{on},Hỗ trợ phát triển sản xuất"


def errors_of(result) -> dict[tuple[int, str | None], str]:
    return {(e.row, e.column): e.message for e in result.errors}


def test_support_imports_exactly_with_history_and_again_changes_nothing(world, make_official):
    user = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    data = csv_file(
        support(world.households["c1"]),
        support(world.households["l1"], amount="16", quantity="1", unit="con bò", on="03/09/2024"),
        f"{world.households['c1'].code},2024,NTP-DT,DA1,Hỗ trợ làm nhà ở mới,40,1,nhà,08/11/2024,",
        support(world.households["c2"], kind="Thẻ bảo hiểm y tế", amount="", quantity="4", unit="thẻ", on=""),
    )
    result = run_import("supports", data, user=user)
    assert result.ok and result.written, result.summary()
    assert (result.new, result.unchanged) == (4, 0)
    livestock = Support.objects.get(household=world.households["c1"], kind=SupportKindChoices.LIVESTOCK)
    assert (livestock.amount, livestock.quantity, livestock.quantity_unit, livestock.received_on) == (
        9_600_000,
        Decimal("2"),
        "con lợn nái",
        datetime.date(2024, 12, 10),
    )
    housing = Support.objects.get(kind=SupportKindChoices.HOUSING_NEW)
    assert (housing.component.code, housing.amount, housing.note) == ("DA1", 40_000_000, "")
    card = Support.objects.get(kind=SupportKindChoices.HEALTH_INSURANCE)
    assert (card.amount, card.quantity, card.received_on) == (None, Decimal("4"), None)
    record = livestock.history.get()
    assert (record.history_type, record.history_user, record.history_path) == ("+", user, ChangePathChoices.IMPORT)

    again = run_import("supports", data, user=user)
    assert (again.new, again.changed, again.unchanged, again.written) == (0, 0, 4, True)
    assert Support.history.count() == 4


def test_support_recorded_otherwise_is_an_error_and_a_repeated_row_a_duplicate(world):
    household = world.households["c1"]
    run_import("supports", csv_file(support(household)))
    result = run_import("supports", csv_file(support(household, amount="12"), support(household, amount="12")))
    assert not result.written
    errors = errors_of(result)
    assert "amount (VND): 9.600.000 recorded, 12.000.000 in the file" in errors[(2, None)]
    assert "correct it on the household's page" in errors[(2, None)]
    assert errors[(3, None)].startswith("Duplicate of row 2: the same household, year, component, kind of support")
    assert Support.objects.get().amount == 9_600_000


def test_every_bad_support_row_is_reported_and_nothing_is_written(world):
    household = world.households["c1"]
    data = csv_file(
        support(household),
        support("KHONG-CO"),
        support(household, kind="Hỗ trợ tiền mặt", on="11/12/2024"),
        support(household, amount="", quantity="", on="12/12/2024"),
        support(household, quantity="0", on="13/12/2024"),
        support(household, on="32/12/2024"),
        support(household, on="14/12/2024").replace("NTP-GN", "NTP-XX"),
    )
    result = run_import("supports", data)
    assert not result.written and not Support.objects.exists()
    errors = errors_of(result)
    assert errors[(3, "Mã hộ")] == "No household has the code KHONG-CO; import the households first."
    assert (4, "Loại hỗ trợ") in errors
    assert errors[(5, None)] == "Give the amount in VND or the quantity received."
    assert errors[(6, None)] == "A quantity of support is more than zero."
    assert (7, "Ngày nhận") in errors
    assert errors[(8, "Chương trình")].startswith("No program is “NTP-XX”; the programs are ")
    assert result.error_rows == 6


def test_support_outside_the_jurisdiction_or_in_a_locked_period_is_refused(world, make_official):
    official = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    result = run_import(
        "supports", csv_file(support(world.households["c1"]), support(world.households["c3"])), user=official
    )
    assert errors_of(result) == {
        (3, "Mã hộ"): f"The household {world.households['c3'].code} is outside your jurisdiction."
    }

    entry = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    approver = make_official(Role.APPROVER, Level.PROVINCE, world.p1)
    report = services.period_report_submit(commune=world.c1, year=2024, quarter=4, user=entry)
    services.period_report_approve(report=report, user=approver)
    locked = run_import(
        "supports", csv_file(support(world.households["l1"]), support(world.households["c2"])), user=official
    )
    [error] = locked.errors
    assert error.row == 2 and "is locked" in error.message
    assert not Support.objects.exists()


def test_support_with_english_headers_and_a_dry_run(world):
    book = Workbook()
    book.active.append(["Household code", "Year", "Program", "Component", "Support kind", "Amount (million VND)"])
    book.active.append([world.households["c1"].code, 2024, "NTP-DT", "DA1", "Housing: repair", 20])
    out = io.BytesIO()
    book.save(out)
    preview = run_import("supports", out.getvalue(), filename="supports.xlsx", dry_run=True)
    assert preview.ok and preview.new == 1 and not preview.written, preview.summary()
    assert not Support.objects.exists()
    assert run_import("supports", out.getvalue(), filename="supports.xlsx").written
    assert Support.objects.get().amount == 20_000_000


def test_support_takes_its_year_from_the_title(world):
    code = world.households["c1"].code
    data = csv_file(
        "Mã hộ,Chương trình,Mã hợp phần,Loại hỗ trợ,Số tiền (triệu đồng),Số lượng,Đơn vị,Ngày nhận,Ghi chú",
        f'{code},NTP-GN,DA3.TDA1,Hỗ trợ con giống,"9,6",2,con lợn nái,10/12/2024,',
        header="DANH SÁCH HỘ ĐƯỢC HỖ TRỢ NĂM 2024",
    )
    result = run_import("supports", data, filename="supports.csv")
    assert result.written, result.summary()
    assert Support.objects.get().year == 2024
