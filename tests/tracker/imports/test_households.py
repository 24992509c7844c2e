"""The households import: formats, duplicates, jurisdiction, all-or-nothing, history, the command line."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from imports.engine import run_import
from imports.registry import get_kind
from kernel.access import JurisdictionLevelChoices
from kernel.history import ChangePathChoices
from localities.choices import RoleChoices
from localities.models import Village
from tests.localities.factories import CommuneFactory
from tracker.models import Household

HEADER = "Mã hộ,Họ tên chủ hộ,Số CCCD,Mã dân tộc,Dân tộc,Mã xã,Tên xã,Thôn/bản,Số nhân khẩu,Địa chỉ"
TITLE = "DANH SÁCH HỘ NGHÈO NĂM 2026,,,,,,,,,\nUBND tỉnh ...,,,,,,,,,\n"


@pytest.fixture(autouse=True)
def ethnic_groups(db):
    call_command("loaddata", "ethnic_groups", verbosity=0)


def csv_file(*lines, title=True) -> bytes:
    text = (TITLE if title else "") + HEADER + "\n" + "\n".join(lines) + "\n"
    return "\ufeff".encode() + text.encode("utf-8")


def row(code, commune, *, name="Hoàng Văn A", id_number="", ethnic="07", village="Thôn Nà Lẹng", members="4"):
    return f"{code},{name},{id_number},{ethnic},,{commune.code},{commune.name},{village},{members},"


def imported(data, user=None, **options):
    return run_import("households", data, user=user, filename="households.csv", **options)


def province_official(make_official, province, role=RoleChoices.DATA_ENTRY):
    return make_official(role, JurisdictionLevelChoices.PROVINCE, province)


def test_a_commune_list_imports_with_history_and_again_changes_nothing(world, make_official):
    user = province_official(make_official, world.p1)
    data = csv_file(
        row("H-001", world.c1, id_number="001234567891"),
        row("H-002", world.c1, name="Triệu Thị Mai", ethnic="Dao", village="Khau Mu"),
        "Tổng cộng,,,,,,,,8,",
    )
    result = imported(data, user)
    assert result.ok and result.written, result.summary()
    assert (result.rows, result.new, result.changed, result.unchanged) == (2, 2, 0, 0)
    assert result.created["villages"] == 2
    first = Household.objects.get(code="H-001")
    assert (first.commune, first.village.name, first.ethnic_group.code, first.member_count) == (
        world.c1,
        "Thôn Nà Lẹng",
        "07",
        4,
    )
    assert Household.objects.get(code="H-002").ethnic_group.code == "09"  # "Dao" by name
    record = first.history.get()
    assert (record.history_type, record.history_user, record.history_path) == ("+", user, ChangePathChoices.IMPORT)

    again = imported(data, user)
    assert (again.new, again.changed, again.unchanged, again.written) == (0, 0, 2, True)
    assert first.history.count() == 1
    assert Village.objects.filter(commune=world.c1, name="Khau Mu").count() == 1


def test_a_changed_row_updates_the_household_with_a_history_record(world):
    imported(csv_file(row("H-001", world.c1, members="4")))
    result = imported(csv_file(row("H-001", world.c1, members="5")))
    assert (result.new, result.changed, result.unchanged) == (0, 1, 0)
    household = Household.objects.get(code="H-001")
    assert household.member_count == 5
    assert [h.history_type for h in household.history.order_by("history_date")] == ["+", "~"]


def test_dry_run_writes_nothing_but_previews_exactly(world):
    result = imported(csv_file(row("H-001", world.c1), row("H-002", world.c2)), dry_run=True)
    assert result.ok and not result.written and result.new == 2
    assert not Household.objects.filter(code__in=["H-001", "H-002"]).exists()
    assert not Household.history.filter(code="H-001").exists()
    assert not Village.objects.filter(name="Thôn Nà Lẹng").exists()


def test_every_bad_row_is_reported_and_nothing_is_written(world):
    data = csv_file(
        row("H-001", world.c1),
        row("H-002", world.c1, id_number="12345"),
        row("H-003", world.c1, ethnic="Không có"),
        "H-004,Lò Văn B,,07,,99999,,Bản Mới,3,",
        row("H-005", world.c1, members="0"),
        row("H-006", world.c1, members="ba"),
        ",Không mã,,07,,,,Bản,2,",
    )
    result = imported(data)
    assert not result.ok and not result.written
    errors = {(e.row, e.column) for e in result.errors}
    # The title takes rows 1-2 and the header row 3: data starts at row 4.
    assert (5, "Số CCCD") in errors
    assert (6, "Mã dân tộc") in errors  # a name typed in the code column is read as a name, and unknown
    assert (7, "Mã xã") in errors
    assert (8, "Số nhân khẩu") in errors
    assert (9, "Số nhân khẩu") in errors
    assert (10, "Mã hộ") in errors
    assert result.error_rows == 6
    assert not Household.objects.filter(code__startswith="H-00").exists()
    assert not Household.history.filter(code="H-001").exists()
    assert not Village.objects.filter(name="Thôn Nà Lẹng").exists()


def test_duplicates_in_the_file_refuse_it_or_are_skipped_and_listed(world):
    data = csv_file(
        row("H-001", world.c1, id_number="001234567891"),
        row("H-001", world.c1, name="Lặp Mã"),
        row("H-003", world.c1, id_number="001234567891"),
        row("H-004", world.c1),
    )
    refused = imported(data)
    assert not refused.written
    messages = {(e.row, e.column): e.message for e in refused.errors}
    assert messages[(5, "Mã hộ")] == "Duplicate of row 4: the same household code."
    assert messages[(6, "Số CCCD")] == "Duplicate of row 4: the same head's ID number."

    skipped = imported(data, skip_duplicates=True)
    assert skipped.written and (skipped.new, skipped.skipped) == (2, 2)
    assert [(d.row, d.column) for d in skipped.duplicates] == [(5, "Mã hộ"), (6, "Số CCCD")]
    assert set(Household.objects.filter(code__startswith="H-00").values_list("code", flat=True)) == {"H-001", "H-004"}


def test_duplicates_across_chunks_are_found_too(world, monkeypatch):
    monkeypatch.setattr(type(get_kind("households")), "chunk_size", 2)
    data = csv_file(*[row(f"H-{i:03d}", world.c1) for i in range(1, 6)], row("H-002", world.c1))
    result = imported(data)
    assert [(e.row, e.message) for e in result.errors] == [(9, "Duplicate of row 5: the same household code.")]


def test_a_head_already_registered_under_another_code_is_a_duplicate(world):
    existing = world.households["c1"]
    existing.id_number = "001234567891"
    existing.save()
    result = imported(csv_file(row("H-NEW", world.c1, id_number="001234567891")))
    assert not result.written
    (error,) = result.errors
    assert error.column == "Số CCCD" and existing.code in error.message
    # A known code with another head's ID number is not silently re-identified either.
    result = imported(csv_file(row(existing.code, world.c1, id_number="009999999999")))
    assert not result.written and "another head's ID number" in next(iter(result.errors)).message


def test_rows_outside_the_jurisdiction_are_errors(world, make_official):
    outsider = province_official(make_official, world.p2)
    result = imported(csv_file(row("H-001", world.c1)), outsider)
    assert not result.written
    assert "outside your jurisdiction" in next(iter(result.errors)).message
    assert not Household.objects.filter(code="H-001").exists()


def test_a_code_column_never_turns_an_add_into_an_update_of_someone_elses_household(world, make_official):
    theirs = world.households["c3"]  # in P2
    official = province_official(make_official, world.p1)
    result = imported(csv_file(row(theirs.code, world.c1, name="Đổi Tên")), official)
    assert not result.written
    assert "outside your jurisdiction" in next(iter(result.errors)).message
    theirs.refresh_from_db()
    assert theirs.head_name != "Đổi Tên"


def test_viewers_may_not_import(world, make_official):
    viewer = province_official(make_official, world.p1, RoleChoices.VIEWER)
    result = imported(csv_file(row("H-001", world.c1)), viewer)
    assert result.rejected and not result.written


def test_communes_by_name_without_accents_or_kind_and_legacy_names(world, make_official):
    official = province_official(make_official, world.p1)
    bare = world.c2.name.removeprefix("Xã ")
    unaccented = "xa " + "".join(c for c in __import__("unicodedata").normalize("NFD", bare) if ord(c) < 0x300)
    data = csv_file(
        f"H-001,Hoàng Văn A,,07,,,{unaccented},Bản,2,",
        f"H-002,Hoàng Văn B,,07,,,{world.l1.name},Bản,2,",
    )
    result = imported(data, official)
    assert result.written, result.summary()
    assert Household.objects.get(code="H-001").commune == world.c2
    assert Household.objects.get(code="H-002").commune == world.l1  # the legacy commune, mapped into C1


def test_an_ambiguous_commune_name_lists_the_candidates(world):
    twin = CommuneFactory(province=world.p2, name=world.c1.name, short_name=world.c1.short_name)
    result = imported(csv_file(f"H-001,Hoàng Văn A,,07,,,{world.c1.name},Bản,2,"))
    assert not result.written
    message = next(iter(result.errors)).message
    assert world.c1.code in message and twin.code in message and "Give the commune code" in message


def test_xlsx_with_english_headers_and_numbers_where_excel_put_them(world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["List of households"])
    sheet.append(
        ["Household code", "Head of household", "ID number", "Ethnic group", "Commune code", "Village", "Members"]
    )
    sheet.append(["H-001", "Hoàng Văn A", 1234567891, "Tày", world.c1.code, "Bản Chang", 4])
    out = io.BytesIO()
    workbook.save(out)
    result = run_import("households", out.getvalue(), filename="households.xlsx")
    assert result.written, result.summary()
    household = Household.objects.get(code="H-001")
    assert household.id_number == "001234567891"  # Excel dropped the zeros; the column's width restores them
    assert household.ethnic_group.name == "Tày"


def test_import_sheet_command_prints_the_preview_and_fails_when_nothing_is_imported(world, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_file(row("H-001", world.c1)))
    call_command("import_sheet", "households", str(good), "--dry-run")
    assert "1 rows: 1 new" in capsys.readouterr().out
    assert not Household.objects.filter(code="H-001").exists()
    call_command("import_sheet", "households", str(good))
    assert Household.objects.filter(code="H-001").exists()

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file(row("H-002", world.c1, id_number="12")))
    errors = tmp_path / "errors.csv"
    with pytest.raises(CommandError) as failure:
        call_command("import_sheet", "households", str(bad), "--errors-file", str(errors))
    assert failure.value.returncode == 1
    out = capsys.readouterr().out
    assert "Row 4, column “Số CCCD”: An ID number has exactly 12 digits." in out
    assert "An ID number has exactly 12 digits." in errors.read_text(encoding="utf-8-sig")


def test_sheet_template_writes_every_accepted_header(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "households.xlsx"
    call_command("sheet_template", "households", str(path))
    workbook = load_workbook(path)
    headers = [c.value for c in next(workbook.worksheets[0].iter_rows(max_row=1))]
    assert headers[:3] == ["Mã hộ", "Họ tên chủ hộ", "Số CCCD"]
    guide = "\n".join(str(c.value) for r in workbook.worksheets[1].iter_rows() for c in r if c.value)
    assert "Household code" in guide and "Members" in guide


def test_an_import_killed_half_way_leaves_no_row_and_no_history(world, monkeypatch):
    kind = type(get_kind("households"))
    monkeypatch.setattr(kind, "chunk_size", 2)
    original = kind.process
    calls = []

    def process(self, chunk, ctx):
        calls.append(len(chunk))
        if len(calls) == 3:
            raise KeyboardInterrupt  # the process stopped after two chunks were written
        return original(self, chunk, ctx)

    monkeypatch.setattr(kind, "process", process)
    with pytest.raises(KeyboardInterrupt):
        imported(csv_file(*[row(f"H-{i:03d}", world.c1) for i in range(1, 8)]))
    assert calls == [2, 2, 2]
    assert not Household.objects.filter(code__startswith="H-0").exists()
    assert not Household.history.filter(code__startswith="H-0").exists()
    assert not Village.objects.filter(name="Thôn Nà Lẹng").exists()


def test_a_list_of_poor_households_records_their_yearly_status(world, make_official):
    call_command("loaddata", "legal_documents", "poverty_standards", verbosity=0)
    official = province_official(make_official, world.p1)
    header = HEADER + ",Năm,Hộ nghèo,Hộ cận nghèo"
    data = (
        "\ufeff"
        + header
        + "\n"
        + "\n".join(
            [
                row("H-001", world.c1) + ",2024,x,",
                row("H-002", world.c1) + ",2024,,x",
                row("H-003", world.c1) + ",,,",
                row("H-004", world.c1) + ",,x,",
                row("H-005", world.c1) + ",2024,x,x",
            ]
        )
    )
    result = imported(data.encode(), official)
    assert {(e.row, e.column) for e in result.errors} == {(5, "Năm"), (6, "Hộ nghèo")}
    assert not result.written
    data = "\n".join(data.splitlines()[:4])
    result = imported(data.encode(), official)
    assert result.written and result.created["yearly statuses"] == 2, result.summary()
    recorded = Household.objects.filter(code__startswith="H-00", assessments__year=2024)
    statuses = dict(recorded.values_list("code", "assessments__status"))
    assert statuses == {"H-001": "poor", "H-002": "near_poor"}
    again = imported(data.encode(), official)
    assert (again.unchanged, again.created.get("yearly statuses", 0)) == (3, 0)
    other = data.replace(",2024,,x", ",2024,x,")
    refused = imported(other.encode(), official)
    assert not refused.written and "already recorded as Near-poor" in next(iter(refused.errors)).message


def test_the_register_is_on_todays_map_a_name_both_maps_use_is_the_current_commune(world):
    import datetime

    from localities.choices import GenerationChoices
    from localities.models import CommuneSuccession

    old = CommuneFactory(
        generation=GenerationChoices.LEGACY,
        name=world.c2.name,
        short_name=world.c2.short_name,
        code=world.c2.code,
        successor=world.c2,
        current_province=world.p1,
    )
    CommuneSuccession.objects.create(predecessor=old, successor=world.c2, effective_on=datetime.date(2025, 7, 1))
    result = imported(csv_file(f"H-001,Hoàng Văn A,,07,,,{world.c2.name},Bản,2,", row("H-002", world.c2)))
    assert result.written, result.summary()
    assert set(Household.objects.filter(code__in=["H-001", "H-002"]).values_list("commune", flat=True)) == {world.c2.pk}
