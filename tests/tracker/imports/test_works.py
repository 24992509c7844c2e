"""The works import: a work a row, villages added on the way, components, updates, jurisdiction, locks."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from imports.engine import run_import
from imports.registry import get_kind
from imports.sheet_templates import write_kind_template
from kernel.access import JurisdictionLevelChoices
from kernel.history import ChangePathChoices
from localities.choices import RoleChoices
from localities.models import Village
from tests.localities.factories import VillageFactory
from tests.tracker.factories import AllocationFactory, WorkFactory
from tracker import services
from tracker.choices import CapacityUnitChoices, WorkStatusChoices, WorkTypeChoices
from tracker.models import Work

pytestmark = pytest.mark.django_db

HEADER = (
    'Mã công trình,Tên công trình,Mã xã,Tên xã,Thôn/bản,Loại công trình,"Duy tu, sửa chữa",Chương trình,'
    "Mã hợp phần,Chủ đầu tư,Quy mô,Đơn vị tính,Tổng mức đầu tư (triệu đồng),Công trình quy mô nhỏ,Tình trạng,"
    "Ngày khởi công,Ngày hoàn thành theo kế hoạch,Ngày hoàn thành thực tế,Vĩ độ,Kinh độ,Số hộ hưởng lợi,Ghi chú"
)
ENGLISH = (
    "Work code,Work name,Commune code,Commune,Villages,Work type,Maintenance,Program,Component,Investor,Capacity,"
    "Unit,Approved investment (million VND),Small work,Status,Start date,Planned completion,Actual completion,"
    "Latitude,Longitude,Beneficiary households,Note"
)


def csv_file(*lines, header=HEADER) -> bytes:
    return ("\ufeff" + header + "\n" + "\n".join(lines) + "\n").encode("utf-8")


def row(code, commune, **changes) -> str:
    values = {
        "code": code,
        "name": f"Đường bê tông nội thôn {code}",
        "commune_code": commune.code,
        "commune_name": commune.name,
        "villages": "Khau Mu",
        "type": "Đường nội thôn",
        "maintenance": "",
        "program": "NTP-T1",
        "component": "DA4.TDA1",
        "investor": f"UBND {commune.name}",
        "capacity": '"0,38"',
        "unit": "km",
        "investment": '"212,6"',
        "small": "x",
        "status": "Hoàn thành",
        "start": "31/08/2022",
        "planned": "11/12/2022",
        "actual": "09/12/2022",
        "lat": '"22,147021"',
        "lon": '"105,802734"',
        "households": "117",
        "note": "",
    }
    values.update(changes)
    return ",".join(values.values())


def imported(data, user=None, **options):
    return run_import("works", data, user=user, filename="works.csv", **options)


def data_entry(make_official, unit, level=JurisdictionLevelChoices.PROVINCE):
    return make_official(RoleChoices.DATA_ENTRY, level, unit)


def errors_of(result) -> set[tuple[int, str | None]]:
    return {(e.row, e.column) for e in result.errors}


def messages(result) -> str:
    return " ".join(str(e.message) for e in result.errors)


def test_a_works_file_imports_with_villages_components_and_history(world, components, make_official):
    user = data_entry(make_official, world.p1)
    VillageFactory(commune=world.c1, name="Khau Mu")
    data = csv_file(
        row("W-001", world.c1, villages='"Thôn Khau Mu; Bản Chán, Pác Pài"'),
        row(
            "W-002",
            world.c1,
            villages="",
            type="Đài truyền thanh xã",
            program='"NTP-T1; NTP-T2"',
            component='"DA1; ND2"',
            capacity="12",
            unit="cụm",
            investment='"1.234,567891"',
            small="",
            status="Đang thi công",
            actual="",
            lat="",
            lon="",
            households="",
            note="Vốn 1719 và NTM",
        ),
    )
    result = imported(data, user)
    assert result.ok and result.written, result.summary()
    assert (result.rows, result.new, result.changed, result.unchanged) == (2, 2, 0, 0)
    assert result.created["villages"] == 2

    first = Work.objects.get(code="W-001")
    assert (first.commune, first.work_type, first.status) == (
        world.c1,
        WorkTypeChoices.ROAD_IN_VILLAGE,
        WorkStatusChoices.COMPLETED,
    )
    assert (first.capacity, first.capacity_unit) == (Decimal("0.38"), CapacityUnitChoices.KM)
    assert first.approved_investment == 212_600_000
    assert first.is_small_work and not first.is_maintenance
    assert (first.start_date, first.planned_completion_date, first.actual_completion_date) == (
        datetime.date(2022, 8, 31),
        datetime.date(2022, 12, 11),
        datetime.date(2022, 12, 9),
    )
    assert (first.latitude, first.longitude) == (Decimal("22.147021"), Decimal("105.802734"))
    assert first.beneficiary_households == 117
    assert sorted(v.name for v in first.villages.all()) == ["Bản Chán", "Khau Mu", "Pác Pài"]
    assert list(first.components.all()) == [components["infra"]]
    assert Village.objects.filter(commune=world.c1, name="Khau Mu").count() == 1  # "Thôn Khau Mu" is known

    second = Work.objects.get(code="W-002")
    assert second.approved_investment == 1_234_567_891  # million VND with six decimals: exact
    assert set(second.components.all()) == {components["water"], components["ntm"]}
    assert (second.latitude, second.beneficiary_households, second.note) == (None, None, "Vốn 1719 và NTM")

    records = first.history.all()
    assert {(r.history_user, r.history_path) for r in records} == {(user, ChangePathChoices.IMPORT)}
    assert records.earliest("history_date").history_type == "+"
    new_village = Village.objects.get(commune=world.c1, name="Bản Chán")
    assert new_village.history.get().history_path == ChangePathChoices.IMPORT

    count = first.history.count()
    again = imported(data, user)
    assert (again.new, again.changed, again.unchanged, again.written) == (0, 0, 2, True)
    assert again.created["villages"] == 0
    assert first.history.count() == count


def test_a_known_code_updates_the_work_and_absent_columns_keep_their_values(world, components):
    imported(csv_file(row("W-001", world.c1)))
    work = Work.objects.get(code="W-001")
    changed = row("W-001", world.c1, villages='"Khau Mu; Nà Lẹng"', component="DA1", investment="300", lat="", lon="")
    result = imported(csv_file(changed))
    assert (result.new, result.changed, result.unchanged) == (0, 1, 0), result.summary()
    work.refresh_from_db()
    assert work.approved_investment == 300_000_000
    assert work.latitude is None  # a blank cell clears
    assert list(work.components.all()) == [components["water"]]
    assert sorted(v.name for v in work.villages.all()) == ["Khau Mu", "Nà Lẹng"]
    assert work.history.latest("history_date").history_type == "~"

    # A file with only some columns changes only those.
    short = "Mã công trình,Tên công trình,Mã xã,Loại công trình,Mã hợp phần\n"
    result = imported(f"{short}W-001,Đường mới,{world.c1.code},Đường liên thôn,DA1\n".encode())
    assert (result.changed, result.unchanged) == (1, 0), result.summary()
    work.refresh_from_db()
    assert (work.name, work.work_type, work.approved_investment) == (
        "Đường mới",
        WorkTypeChoices.ROAD_INTER_VILLAGE,
        300_000_000,
    )
    assert work.villages.count() == 2
    assert imported(f"{short}W-001,Đường mới,{world.c1.code},Đường liên thôn,DA1\n".encode()).unchanged == 1


def test_dry_run_writes_nothing(world, components):
    result = imported(csv_file(row("W-001", world.c1, villages="Bản Mới")), dry_run=True)
    assert result.ok and not result.written and result.new == 1
    assert not Work.objects.filter(code="W-001").exists()
    assert not Work.history.filter(code="W-001").exists()
    assert not Village.objects.filter(name="Bản Mới").exists()


def test_every_bad_row_is_reported_with_its_column_and_nothing_is_written(world, components):
    data = csv_file(
        row("W-001", world.c1, villages="Bản Mới"),
        row("W-002", world.c1, type="Tàu vũ trụ"),
        row("W-003", world.c1, start="31/02/2022"),
        row("W-004", world.c1, component="DA99"),
        row("W-005", world.c1, commune_code="99999", commune_name=""),
        row("W-006", world.c1, unit=""),
        row("W-007", world.c1, investment='"5.000,1"'),
        row("W-008", world.c1, lat="45"),
        row("W-009", world.c1, actual=""),
        row("W-001", world.c1),
        row("W-011", world.c1, program='"NTP-T1; NTP-T2; NTP-T1"', component='"DA1; ND2"'),
        row("W-012", world.c1, start="10/12/2022", actual="09/12/2022"),
        row("", world.c1),
    )
    result = imported(data)
    assert not result.ok and not result.written
    errors = errors_of(result)
    assert (3, "Loại công trình") in errors
    assert (4, "Ngày khởi công") in errors
    assert (5, "Mã hợp phần") in errors
    assert (6, "Mã xã") in errors
    assert (7, "Đơn vị tính") in errors  # a capacity needs its unit
    assert (8, "Tổng mức đầu tư (triệu đồng)") in errors  # a small work costs at most 5 billion
    assert (9, "Vĩ độ") in errors
    assert (10, "Ngày hoàn thành thực tế") in errors  # a completed work needs its completion date
    assert (11, None) in errors  # the same code as row 2
    assert (12, "Chương trình") in errors
    assert (13, "Ngày hoàn thành thực tế") in errors  # completed before it started
    assert (14, "Mã công trình") in errors
    assert result.error_rows == 12
    assert "Duplicate of row 2" in messages(result)
    assert "5.000.000.000" in messages(result)
    assert not Work.objects.filter(code__in=[f"W-{n:03d}" for n in range(1, 13)]).exists()
    assert not Village.objects.filter(name="Bản Mới").exists()


def test_english_headers_and_an_xlsx_file(world, components):
    result = imported(csv_file(row("W-001", world.c1, capacity='"0,380"', lat='"22,1470210"'), header=ENGLISH))
    assert result.ok and result.new == 1, result.summary()
    work = Work.objects.get(code="W-001")
    assert (work.capacity, work.latitude, work.approved_investment) == (
        Decimal("0.38"),
        Decimal("22.147021"),
        212_600_000,
    )

    book = Workbook()
    sheet = book.active
    sheet.append(["DANH MỤC CÔNG TRÌNH NĂM 2024"])
    sheet.append(
        ["Mã công trình", "Tên công trình", "Mã xã", "Loại công trình", "Chương trình", "Mã hợp phần"]
        + ["Tổng mức đầu tư (tỷ đồng)", "Quy mô", "Đơn vị tính", "Ngày khởi công"]
    )
    sheet.append(
        ["W-002", "Cầu treo Nà Lẹng", world.c1.code, "Bridge", "NTP-T1", "DA4.TDA1"]
        + [Decimal("1.25"), 45, "m", datetime.date(2024, 3, 1)]
    )
    out = io.BytesIO()
    book.save(out)
    result = run_import("works", out.getvalue(), filename="works.xlsx")
    assert result.ok and result.new == 1, result.summary()
    work = Work.objects.get(code="W-002")
    assert (work.work_type, work.approved_investment, work.capacity) == (
        WorkTypeChoices.BRIDGE,
        1_250_000_000,
        Decimal("45"),
    )
    assert (work.start_date, work.status) == (datetime.date(2024, 3, 1), WorkStatusChoices.PROPOSED)


def test_another_provinces_official_gets_jurisdiction_errors_and_nothing_is_written(world, components, make_official):
    outsider = data_entry(make_official, world.p2)
    data = csv_file(
        row("W-001", world.c1),  # a new work in a commune of P1
        row(world.works["c1"].code, world.c3),  # P1's work, moved to the outsider's own commune
        row("W-003", world.c3),  # their own commune: fine
    )
    result = imported(data, outsider)
    assert not result.written
    assert errors_of(result) == {(2, "Mã xã"), (3, "Mã công trình")}
    assert all("outside your jurisdiction" in str(e.message) for e in result.errors)
    assert not Work.objects.filter(code__in=["W-001", "W-003"]).exists()
    assert world.works["c1"].commune == world.c1

    # A commune official holds their commune and the legacy commune merged into it.
    commune_official = data_entry(make_official, world.c1, JurisdictionLevelChoices.COMMUNE)
    result = imported(csv_file(row("W-001", world.l1), row("W-002", world.c2)), commune_official)
    assert errors_of(result) == {(3, "Mã xã")}


def test_a_viewer_may_not_import_works(world, components, make_official):
    viewer = make_official(RoleChoices.VIEWER, JurisdictionLevelChoices.PROVINCE, world.p1)
    result = imported(csv_file(row("W-001", world.c1)), viewer)
    assert result.rejected and not result.written


def test_a_component_funding_an_allocation_stays_on_the_work(world, components):
    work = AllocationFactory(work=WorkFactory(commune=world.c1, components=[components["infra"]])).work
    result = imported(csv_file(row(work.code, world.c1, component="DA1")))
    assert errors_of(result) == {(2, "Mã hợp phần")}
    assert "DA4.TDA1" in messages(result)
    assert list(work.components.all()) == [components["infra"]]
    # Adding a component to it is fine.
    result = imported(csv_file(row(work.code, world.c1, program="NTP-T1", component='"DA4.TDA1; DA1"')))
    assert result.ok and result.changed == 1, result.summary()


def test_a_work_with_capital_in_a_locked_period_cannot_move_to_another_commune(world, components, make_official):
    entry = data_entry(make_official, world.c1, JurisdictionLevelChoices.COMMUNE)
    approver = make_official(RoleChoices.APPROVER, JurisdictionLevelChoices.PROVINCE, world.p1)
    report = services.period_report_submit(commune=world.c1, year=2024, quarter=1, user=entry)
    services.period_report_approve(report=report, user=approver)
    work = world.works["c1"]  # its allocation was decided on 15/01/2024: in the approved quarter
    province_user = data_entry(make_official, world.p1)
    component = work.components.get()
    moved = row(work.code, world.c2, program=component.program.code, component=component.code)
    result = imported(csv_file(moved), province_user)
    assert not result.written
    assert [e.row for e in result.errors] == [2]
    assert "locked" in messages(result)
    work.refresh_from_db()
    assert work.commune == world.c1


def test_the_template_lists_every_column():
    out = io.BytesIO()
    write_kind_template(get_kind("works"), out)
    assert out.getvalue()[:2] == b"PK"


def test_rows_read_in_several_chunks_share_new_villages_and_find_duplicates(world, components, monkeypatch):
    monkeypatch.setattr(type(get_kind("works")), "chunk_size", 1)
    data = csv_file(row("W-001", world.c1, villages="Nà Lẹng"), row("W-002", world.c1, villages="Thôn Nà Lẹng"))
    result = imported(data)
    assert (result.new, result.created["villages"]) == (2, 1), result.summary()
    assert Village.objects.filter(commune=world.c1, name="Nà Lẹng").count() == 1
    result = imported(csv_file(row("W-001", world.c1, villages="Nà Lẹng"), row("W-001", world.c1)))
    assert (result.unchanged, errors_of(result)) == (1, {(3, None)})


def test_a_village_added_for_a_row_that_fails_is_added_again_for_the_next(world, components):
    data = csv_file(row("W-001", world.c1, villages="Bản Mới", unit=""), row("W-002", world.c1, villages="Bản Mới"))
    result = imported(data, dry_run=True)
    assert errors_of(result) == {(2, "Đơn vị tính")}
    assert (result.new, result.created["villages"]) == (1, 1)
