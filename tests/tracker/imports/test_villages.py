"""The villages import: a village a row, identified by commune and name, whatever the accents."""

import io

import pytest
from openpyxl import Workbook

from imports.engine import run_import
from kernel.access import JurisdictionLevelChoices
from kernel.history import ChangePathChoices
from localities.choices import RoleChoices
from localities.models import Village
from tests.localities.factories import VillageFactory

pytestmark = pytest.mark.django_db

HEADER = "Mã xã,Tên xã,Tên thôn/bản,Mã thôn"


def csv_file(*lines, header=HEADER) -> bytes:
    return ("\ufeff" + header + "\n" + "\n".join(lines) + "\n").encode("utf-8")


def row(commune, name, code="") -> str:
    return f"{commune.code},{commune.name},{name},{code}"


def imported(data, user=None, **options):
    return run_import("villages", data, user=user, filename="villages.csv", **options)


def errors_of(result) -> set[tuple[int, str | None]]:
    return {(e.row, e.column) for e in result.errors}


def test_a_villages_file_imports_with_history_and_again_changes_nothing(world, make_official):
    user = make_official(RoleChoices.DATA_ENTRY, JurisdictionLevelChoices.PROVINCE, world.p1)
    data = csv_file(row(world.c1, "Khau Mu", "KM"), row(world.c1, "Bản Chán"), row(world.l1, "Thôm Ưng", "01"))
    result = imported(data, user)
    assert result.ok and result.written, result.summary()
    assert (result.rows, result.new, result.changed, result.unchanged) == (3, 3, 0, 0)
    village = Village.objects.get(commune=world.c1, name="Khau Mu")
    assert village.code == "KM"
    assert Village.objects.get(commune=world.l1, name="Thôm Ưng").code == "01"  # the legacy commune named
    record = village.history.get()
    assert (record.history_type, record.history_user, record.history_path) == ("+", user, ChangePathChoices.IMPORT)

    again = imported(data, user)
    assert (again.new, again.changed, again.unchanged, again.written) == (0, 0, 3, True)
    assert village.history.count() == 1


def test_a_known_village_is_found_whatever_the_accents_and_its_code_updated(world):
    village = VillageFactory(commune=world.c1, name="Khau Mu", code="")
    result = imported(csv_file(row(world.c1, "Thôn KHAU MU"), row(world.c1, "khâu mu")))
    assert (result.new, result.unchanged, result.error_rows) == (0, 1, 1)  # the second row is the same village
    assert "Duplicate of row 2" in str(next(iter(result.errors)).message)

    result = imported(csv_file(row(world.c1, "Thôn Khau Mu", "KM-01")))
    assert (result.new, result.changed) == (0, 1), result.summary()
    village.refresh_from_db()
    assert (village.name, village.code) == ("Khau Mu", "KM-01")  # not renamed
    change = village.history.latest("history_date")
    assert (change.history_type, change.code, change.history_path) == ("~", "KM-01", ChangePathChoices.IMPORT)
    # A blank code leaves the recorded one.
    assert imported(csv_file(row(world.c1, "Khau Mu"))).unchanged == 1


def test_dry_run_writes_nothing(world):
    result = imported(csv_file(row(world.c1, "Nà Lẹng")), dry_run=True)
    assert result.ok and not result.written and result.new == 1
    assert not Village.objects.filter(name="Nà Lẹng").exists()
    assert not Village.history.filter(name="Nà Lẹng").exists()


def test_every_bad_row_is_reported_with_its_column_and_nothing_is_written(world):
    VillageFactory(commune=world.c1, name="Pác Pài", code="PP")
    data = csv_file(
        row(world.c1, "Nà Lẹng"),
        "99999,,Bản Mới,",
        row(world.c1, ""),
        row(world.c1, "Cốc Mu", "PP"),
        row(world.c1, "Bản " + "x" * 130),
        f"{world.c1.code},Xã Không Phải,Bản Lạ,",
        ",,Bản Không Xã,",
    )
    result = imported(data)
    assert not result.ok and not result.written
    assert errors_of(result) == {
        (3, "Mã xã"),
        (4, "Tên thôn/bản"),
        (5, "Mã thôn"),
        (6, "Tên thôn/bản"),
        (7, "Mã xã"),
        (8, "Tên xã"),  # neither code nor name
    }
    messages = [str(e.message) for e in result.errors]
    assert "The code PP is already the village Pác Pài of this commune." in messages
    assert not Village.objects.filter(name__in=["Nà Lẹng", "Cốc Mu"]).exists()


def test_another_provinces_official_gets_jurisdiction_errors_and_nothing_is_written(world, make_official):
    outsider = make_official(RoleChoices.DATA_ENTRY, JurisdictionLevelChoices.PROVINCE, world.p2)
    result = imported(csv_file(row(world.c3, "Nà Lẹng"), row(world.c1, "Khau Mu")), outsider)
    assert not result.written
    assert errors_of(result) == {(3, "Mã xã")}
    assert "outside your jurisdiction" in str(next(iter(result.errors)).message)
    assert not Village.objects.filter(name__in=["Nà Lẹng", "Khau Mu"]).exists()


def test_english_headers_commune_names_and_an_xlsx_file(world):
    result = imported(csv_file(f",{world.c2.name},Khau Mu,KM", header="Commune code,Commune,Village,Village code"))
    assert result.ok and result.new == 1, result.summary()
    assert Village.objects.get(commune=world.c2, name="Khau Mu").code == "KM"

    book = Workbook()
    book.active.append(["Xã", "Thôn/bản", "Mã thôn"])
    book.active.append([world.c2.name.removeprefix("Xã "), "Nà Lẹng", 7])
    out = io.BytesIO()
    book.save(out)
    result = run_import("villages", out.getvalue(), filename="villages.xlsx")
    assert result.ok and result.new == 1, result.summary()
    assert Village.objects.get(commune=world.c2, name="Nà Lẹng").code == "7"
