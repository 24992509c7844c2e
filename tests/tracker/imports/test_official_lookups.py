"""Look-ups as officials write them (issue 13): localities on two maps, districts, old communes, components
named in words, villages named together. The localities are the real ones the test database loads."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from imports.base import ImportResult
from imports.engine import run_import
from imports.lookups import LocalityIndex, spelled_key, split_places
from localities.models import Commune, Village
from programs.models import Component
from tests.localities.factories import VillageFactory
from tests.programs.factories import ComponentFactory, ProgramFactory
from tracker.import_kinds.common import ComponentIndex, component_code, find_commune, prepare_localities
from tracker.models import Household, Work

pytestmark = pytest.mark.django_db

BEFORE = datetime.date(2022, 6, 15)  # data of the legacy map
AFTER = datetime.date(2026, 1, 5)  # data of the current map


def commune(code, generation="legacy"):
    return Commune.objects.get(code=code, generation=generation)


@pytest.fixture
def index(db):
    return LocalityIndex()


def found(result):
    assert not isinstance(result, str), result
    return result.code, result.generation


# -- names, kinds, accents ---------------------------------------------------------------------------------------


def test_a_code_with_the_name_without_its_kind_agrees(index):
    # Was: "The commune code 02005 is Xã Quân Hà, not “Quân Hà”" ("Quân" was read as "Quận", a district).
    assert found(index.commune("02005", "Quân Hà")) == ("02005", "legacy")
    assert found(index.commune("2005", "quan ha")) == ("02005", "legacy")
    assert "not “Quân Hòa”" in index.commune("02005", "Quân Hòa")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Xã Đầm Hà", "06916"),
        ("X. Đầm Hà", "06916"),
        ("Thị trấn Đầm Hà", "06895"),
        ("TT. Đầm Hà", "06895"),
        ("TT Đầm Hà", "06895"),
        ("tt.Đầm Hà", "06895"),
        ("thi tran Dam Ha", "06895"),
    ],
)
def test_the_kind_written_counts(index, name, code):
    quang_ninh = index.province(None, "Quảng Ninh")
    assert found(index.commune(None, name, quang_ninh, on=BEFORE)) == (code, "legacy")


def test_phuong_abbreviated(index):
    quang_ninh = index.province(None, "Quảng Ninh")
    assert found(index.commune(None, "P. Hạ Long", quang_ninh)) == ("06688", "2025")
    assert found(index.commune(None, "X. Hạ Long", quang_ninh)) == ("07012", "legacy")


def test_a_name_written_with_its_accents_wins_over_one_that_only_folds_to_it(index):
    thai_nguyen = index.province(None, "Thái Nguyên")
    assert found(index.commune(None, "Văn Lang", thai_nguyen, on=BEFORE)) == ("02140", "legacy")
    assert found(index.commune(None, "Văn Lăng", thai_nguyen, on=BEFORE)) == ("05665", "legacy")
    # Without accents, both are candidates, and the message lists them.
    message = index.commune(None, "Van Lang", thai_nguyen, on=BEFORE)
    assert "02140" in message and "05665" in message


def test_old_and_new_tone_placement_are_one_spelling(index):
    assert spelled_key("Mỹ Hoà") == spelled_key("Mỹ Hòa") != spelled_key("Mỵ Hòa")
    assert spelled_key("Thuỷ") == spelled_key("Thủy") and spelled_key("Lang") != spelled_key("Lăng")
    hoa_binh = index.province(None, "Hòa Bình")
    assert found(index.commune(None, "Xã Mỹ Hoà", hoa_binh, on=BEFORE)) == ("05143", "legacy")
    assert found(index.commune(None, "Mỵ Hoà", hoa_binh, on=BEFORE)) == ("05083", "legacy")


# -- districts ---------------------------------------------------------------------------------------------------


def test_a_district_narrows_the_commune(index):
    quang_ninh = index.province(None, "Quảng Ninh")
    # Today: a Vân Đồn commune and a Hạ Long ward of one name, and nothing to tell them apart: an error.
    message = index.commune(None, "Hạ Long", quang_ninh)
    assert "07012" in message and "06688" in message
    for district in ("Vân Đồn", "Huyện Vân Đồn", "H. Vân Đồn", "huyen van don"):
        assert found(index.commune(None, "Hạ Long", quang_ninh, district=district)) == ("07012", "legacy")
    # A current commune is in a legacy district when a commune of the district became part of it.
    assert found(index.commune(None, "Vân Đồn", quang_ninh, district="Vân Đồn")) == ("06994", "2025")
    assert index.commune(None, "Hạ Long", quang_ninh, district="Đầm Hà").startswith("Xã Hạ Long")
    assert index.commune(None, "Hạ Long", quang_ninh, district="Không Có") == "No district is called “Không Có”."
    # A district the file's title or a section gives is a hint: one that names none is left aside.
    assert "07012" in index.commune(None, "Hạ Long", quang_ninh, district="Không Có", district_required=False)


class FakeRow:
    """A row as the reader yields it, with the context its layout reader puts on it (`row.context`)."""

    def __init__(self, values, context=None):
        self.number = 7
        self.values = values
        self.errors = []
        self.context = context or {}

    def add_error(self, message, *, column=None):
        self.errors.append((message, column))


@pytest.fixture
def ctx(db):
    context = SimpleNamespace(allowed_communes=None, may_change=lambda pk: True, result=ImportResult(kind="works"))
    prepare_localities(context)
    return context


def locality_row(**values):
    keys = ("province_code", "province", "district", "commune_code", "commune_name", "old_commune_code")
    return {**dict.fromkeys(keys), "old_commune_name": None, **values}


def test_the_district_of_a_section_narrows_the_commune(ctx):
    row = FakeRow(locality_row(commune_name="Hạ Long"), {"district": "Huyện Vân Đồn", "province": "Quảng Ninh"})
    assert found(find_commune(row, ctx)) == ("07012", "legacy")
    row = FakeRow(locality_row(commune_name="Hạ Long"), {"province": "UBND TỈNH QUẢNG NINH"})
    assert find_commune(row, ctx) is None
    assert "07012" in row.errors[0][0] and "06688" in row.errors[0][0]


# -- which map ---------------------------------------------------------------------------------------------------


def test_a_commune_both_maps_name_is_settled_by_the_date_or_is_an_error(index):
    # Xã Đoàn Kết (Sơn La) kept its name and code when communes merged into it on 1/7/2025.
    assert found(index.commune("04000", "Đoàn Kết", on=BEFORE)) == ("04000", "legacy")
    assert found(index.commune("04000", "Đoàn Kết", on=AFTER)) == ("04000", "2025")
    assert found(index.commune("04000", "Đoàn Kết", year=2026)) == ("04000", "2025")
    assert found(index.commune("04000", "Đoàn Kết", year=2023)) == ("04000", "legacy")
    # No date, or a 2025 plan: the legacy commune that goes on under its own code and name (the import warns:
    # see the last test).
    assert found(index.commune("04000", "Đoàn Kết")) == ("04000", "legacy")
    assert found(index.commune("04000", "Đoàn Kết", year=2025)) == ("04000", "legacy")


def test_the_households_register_is_on_todays_map(index):
    assert found(index.commune("04000", "Đoàn Kết", current_map=True)) == ("04000", "2025")


def test_an_old_commune_column_names_the_legacy_commune_merged_into_the_new_one(index):
    quang_ninh = index.province(None, "Quảng Ninh")
    assert found(index.commune(None, "Đặc khu Vân Đồn", quang_ninh, old_name="Quan Lạn")) == ("07024", "legacy")
    assert found(index.commune(None, "Vân Đồn", quang_ninh, old_name="Xã Hạ Long")) == ("07012", "legacy")
    assert found(index.commune(None, "Vân Đồn", quang_ninh, old_code="7024", on=AFTER)) == ("06994", "2025")
    message = index.commune(None, "Phường Hạ Long", quang_ninh, old_name="Quan Lạn")
    assert message.startswith("Xã Quan Lạn (Huyện Vân Đồn, Tỉnh Quảng Ninh; code 07024) before 1/7/2025 did not")
    assert "Phường Hạ Long (Tỉnh Quảng Ninh; code 06688) on 1/7/2025" in message
    assert "not a commune of before 1/7/2025" in index.commune(None, "Vân Đồn", quang_ninh, old_name="Không Có")


WORK_HEADER = (
    "Mã công trình,Tên công trình,Tỉnh,Huyện,Tên xã,Xã cũ,Loại công trình,Chương trình,Mã hợp phần,Ngày khởi công"
)


@pytest.fixture
def infra(db):
    return ComponentFactory(program=ProgramFactory(code="NTP-T1"), code="DA4.TDA1")


def works_file(*lines, header=WORK_HEADER) -> bytes:
    return ("\ufeff" + header + "\n" + "\n".join(lines) + "\n").encode("utf-8")


def test_a_work_is_recorded_on_the_commune_the_file_says(infra):
    data = works_file(
        "QN-1,Đường thôn 1,Quảng Ninh,Vân Đồn,Hạ Long,,Giao thông,NTP-T1,DA4.TDA1,15/03/2022",
        "QN-2,Đường thôn 2,Quảng Ninh,,Xã Đầm Hà,,Giao thông,NTP-T1,DA4.TDA1,5/1/26",
        "QN-3,Đường thôn 3,Quảng Ninh,,Vân Đồn,Quan Lạn,Giao thông,NTP-T1,DA4.TDA1,",
        "QN-4,Đường thôn 4,Quảng Ninh,,Hạ Long,,Giao thông,NTP-T1,DA4.TDA1,",
    )
    result = run_import("works", data, dry_run=True)
    errors = {(e.row, e.column): e.message for e in result.errors}
    assert list(errors) == [(5, "Tên xã")], errors
    assert "07012" in errors[(5, "Tên xã")] and "06688" in errors[(5, "Tên xã")]
    data = works_file(*data.decode("utf-8-sig").splitlines()[1:4])
    result = run_import("works", data)
    assert result.written, result.summary()
    placed = dict(Work.objects.values_list("code", "commune__code"))
    assert placed == {"QN-1": "07012", "QN-2": "06895", "QN-3": "07024"}
    assert Work.objects.get(code="QN-2").commune.generation == "2025"  # dated 2026: today's map


# -- components --------------------------------------------------------------------------------------------------


@pytest.fixture
def programs(db):
    call_command("loaddata", "legal_documents", "programs", verbosity=0)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Tiểu dự án 1 - Dự án 4", "DA4.TDA1"),
        ("TDA1 - DA4", "DA4.TDA1"),
        ("DA4.TDA1", "DA4.TDA1"),
        ("Dự án 4 - Tiểu dự án 1", "DA4.TDA1"),
        ("Tiểu dự án 1 thuộc Dự án 4", "DA4.TDA1"),
        ("Dự án 4: Đầu tư cơ sở hạ tầng thiết yếu", "DA4"),
        ("Dự án 10", "DA10"),
        ("Nội dung 2", "ND2"),
        ("Hợp phần 1", "HP1"),
        ("Khác", None),
    ],
)
def test_component_codes_as_officials_write_them(text, code):
    assert component_code(text) == code


def test_a_sub_project_takes_its_project_from_the_section():
    assert component_code("Tiểu dự án 1", "Dự án 4: Đầu tư cơ sở hạ tầng thiết yếu") == "DA4.TDA1"
    assert component_code("Tiểu dự án 1") is None


def test_a_component_of_several_programs_needs_its_program(programs):
    components = ComponentIndex()
    message = components.find(None, "TDA1 - DA4")
    assert message.startswith("TDA1 - DA4 is a component of several programs: NTP-1719 DA4.TDA1 (")
    assert "; NTP-GNBV DA4.TDA1 (" in message and message.endswith("Give the program.")
    expected = Component.objects.get(program__code="NTP-1719", code="DA4.TDA1")
    for program in (
        "NTP-1719",
        "Chương trình MTQG phát triển kinh tế - xã hội vùng đồng bào DTTS và miền núi",
        "CTMTQG 1719",
    ):
        assert components.find(program, "Tiểu dự án 1 - Dự án 4") == expected
    # From the file's title or a section, where the row has no program column.
    poverty = "CHƯƠNG TRÌNH MỤC TIÊU QUỐC GIA GIẢM NGHÈO BỀN VỮNG GIAI ĐOẠN 2021 - 2025"
    found = components.find(None, "DA4.TDA1", context_program=poverty)
    assert (found.program.code, found.code) == ("NTP-GNBV", "DA4.TDA1")
    merged = "Chương trình MTQG xây dựng nông thôn mới, giảm nghèo bền vững và phát triển KT-XH vùng DTTS 2026-2035"
    assert components.find(merged, "Hợp phần 1").program.code == "NTP-2026"
    assert components.find("Chương trình nông thôn mới", "Nội dung 2").code == "ND2"
    assert components.find("NTP-XX", "DA4.TDA1").startswith("No program is “NTP-XX”; the programs are NTP-1719, ")


def test_a_work_takes_its_component_in_words_and_its_program_from_the_title(programs):
    header = "Mã công trình,Tên công trình,Mã xã,Tên xã,Loại công trình,Chương trình,Mã hợp phần,Ngày khởi công"
    data = works_file(
        "BK-1,Đường liên thôn Bản Chán - Thôm Ưng,02011,Mỹ Thanh,Giao thông nông thôn,NTP-1719,"
        "Tiểu dự án 1 - Dự án 4,15/03/2022",
        "BK-2,Đường Bó Pia,02011,Mỹ Thanh,Giao thông,,TDA1 - DA4,15/03/2022",
        header=header,
    )
    result = run_import("works", data, dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [(3, "Mã hợp phần")]
    assert "is a component of several programs: NTP-1719 DA4.TDA1" in list(result.errors)[0].message
    result = run_import("works", data.replace(b",,TDA1 - DA4", ",Chương trình 1719,TDA1 - DA4".encode()))
    assert result.written, result.summary()
    first, second = Work.objects.order_by("code")
    assert [c.code for c in first.components.all()] == ["DA4.TDA1"] == [c.code for c in second.components.all()]
    assert first.work_type == "road_inter_village"  # "Giao thông nông thôn", the name says "liên thôn"
    assert second.work_type == "road"  # the name says no more than a road
    assert result.named["works"] == ["BK-1 Đường liên thôn Bản Chán - Thôm Ưng", "BK-2 Đường Bó Pia"]


# -- villages ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("Thôn Bản Chán, Thôm Ưng", ["Thôn Bản Chán", "Thôm Ưng"]),
        ("Bản Chán - Thôm Ưng", ["Bản Chán", "Thôm Ưng"]),
        ("Bản Chán và Thôm Ưng", ["Bản Chán", "Thôm Ưng"]),
        ("Bản Chán; Thôm Ưng; Khau Mu", ["Bản Chán", "Thôm Ưng", "Khau Mu"]),
        ("Thôn 1, 2, 3", ["Thôn 1", "Thôn 2", "Thôn 3"]),
        ("Nà-Pồng", ["Nà-Pồng"]),
        ("Khu phố 30/4", ["Khu phố 30/4"]),
    ],
)
def test_places_named_together(text, places):
    assert split_places(text) == places


VILLAGE_HEADER = "Mã công trình,Tên công trình,Mã xã,Thôn/bản,Loại công trình,Chương trình,Mã hợp phần,Ngày khởi công"


def test_a_cell_naming_two_villages_is_two_villages_and_a_merged_communes_village_is_found(world, infra):
    recorded = VillageFactory(commune=world.l1, name="Thôm Ưng")  # on the legacy commune merged into C1
    data = works_file(
        f'W-1,Đường A,{world.c1.code},"Thôn Bản Chán, Thôm Ưng",Giao thông,NTP-T1,DA4.TDA1,5/1/26',
        f"W-2,Đường B,{world.c1.code},Bản Chán - Thôm Ưng,Giao thông,NTP-T1,DA4.TDA1,5/1/26",
        f"W-3,Đường C,{world.c1.code},Bản Chán và Khau Mu,Giao thông,NTP-T1,DA4.TDA1,5/1/26",
        header=VILLAGE_HEADER,
    )
    result = run_import("works", data)
    assert result.written, result.summary()
    names = {code: sorted(v.name for v in Work.objects.get(code=code).villages.all()) for code in ("W-1", "W-2", "W-3")}
    assert names == {
        "W-1": ["Thôm Ưng", "Thôn Bản Chán"],
        "W-2": ["Thôm Ưng", "Thôn Bản Chán"],
        "W-3": ["Khau Mu", "Thôn Bản Chán"],
    }
    assert Work.objects.get(code="W-1").villages.get(name="Thôm Ưng") == recorded
    assert not Village.objects.filter(name__contains=",").exists() and not Village.objects.filter(name__contains=" - ")
    assert result.created["villages"] == 2
    assert result.named["villages"] == [f"Thôn Bản Chán ({world.c1.name})", f"Khau Mu ({world.c1.name})"]
    assert "New villages: Thôn Bản Chán" in " ".join(result.summary())


HOUSEHOLD_HEADER = "Mã hộ,Họ tên chủ hộ,Mã dân tộc,Mã xã,Thôn/bản,Số nhân khẩu"


def test_a_household_lives_in_one_village(world):
    VillageFactory(commune=world.l1, name="Thôm Ưng")
    tay = world.households["c1"].ethnic_group.code
    data = works_file(
        f'HH-N1,Hoàng Văn A,{tay},{world.c1.code},"Bản Chán, Thôm Ưng",4',
        f"HH-N2,Hoàng Văn B,{tay},{world.c1.code},Thôm Ưng,3",
        header=HOUSEHOLD_HEADER,
    )
    result = run_import("households", data)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "Thôn/bản", "“Bản Chán, Thôm Ưng” names several places; a household lives in one village.")
    ]
    result = run_import("households", works_file(data.decode("utf-8-sig").splitlines()[2], header=HOUSEHOLD_HEADER))
    assert result.written, result.summary()
    household = Household.objects.get(code="HH-N2")
    # The village of the legacy commune merged into C1: the household is registered where its village is.
    assert (household.village.name, household.village.commune_id, household.commune_id) == (
        "Thôm Ưng",
        world.l1.pk,
        world.l1.pk,
    )
    assert result.named["households"] == ["HH-N2 Hoàng Văn B"] and result.created["villages"] == 0


def test_a_villages_row_is_one_village_and_a_merged_communes_village_is_known(world):
    VillageFactory(commune=world.l1, name="Thôm Ưng")
    header = "Mã xã,Tên thôn/bản"
    data = works_file(f"{world.c1.code},Thôm Ưng", f"{world.c1.code},Bản Chán - Khau Mu", header=header)
    result = run_import("villages", data)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "Tên thôn/bản", "“Bản Chán - Khau Mu” names several places: write one village a row.")
    ]
    result = run_import("villages", works_file(f"{world.c1.code},Thôm Ưng", f"{world.c1.code},Nà Pồng", header=header))
    assert result.written and (result.new, result.unchanged) == (1, 1), result.summary()
    assert result.named == {"villages": [f"Nà Pồng ({world.c1.name})"]}
    assert not Village.objects.filter(commune=world.c1, name="Thôm Ưng").exists()


def test_an_undated_row_on_a_commune_both_maps_continue_is_read_on_the_old_map_and_says_so(infra):
    # Xã Đoàn Kết (Sơn La, 04000) kept its code and name when communes merged into it: an undated row is read on
    # the legacy map, with one warning for the commune naming the first row; a dated row is not warned.
    data = works_file(
        "SL-1,Đường thôn 1,Sơn La,,Đoàn Kết,,Giao thông,NTP-T1,DA4.TDA1,",
        "SL-2,Đường thôn 2,Sơn La,,Xã Đoàn Kết,,Giao thông,NTP-T1,DA4.TDA1,",
        "SL-3,Đường thôn 3,Sơn La,,Đoàn Kết,,Giao thông,NTP-T1,DA4.TDA1,5/1/26",
    )
    result = run_import("works", data)
    assert result.written, result.summary()
    placed = dict(Work.objects.values_list("code", "commune__generation"))
    assert placed == {"SL-1": "legacy", "SL-2": "legacy", "SL-3": "2025"}
    warned = [w for w in result.warnings if "same code and name on both maps" in w.message]
    assert [(w.row, w.column) for w in warned] == [(2, "Tên xã")]
    assert "04000" in warned[0].message and "give its date or plan year" in warned[0].message
