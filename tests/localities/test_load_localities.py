"""load_localities: both generations of administrative units and the 2025 mapping, loaded once per session."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q

from localities.choices import GenerationChoices, UnitTypeChoices
from localities.models import Commune, CommuneSuccession, District, Province

pytestmark = pytest.mark.django_db

LEGACY, CURRENT = GenerationChoices.LEGACY, GenerationChoices.CURRENT


def _snapshot():
    return {
        "provinces": sorted(Province.objects.values_list("pk", "generation", "code", "successor")),
        "districts": sorted(District.objects.values_list("pk", "code", "province")),
        "communes": sorted(
            Commune.objects.values_list("pk", "generation", "code", "successor", "current_province", "name")
        ),
        "successions": sorted(
            CommuneSuccession.objects.values_list("pk", "predecessor", "successor", "is_default", "effective_on")
        ),
    }


@pytest.mark.parametrize(
    ("queryset", "expected"),
    [
        (Province.objects.legacy(), 63),
        (District.objects.all(), 696),
        (Commune.objects.legacy(), 10_035),
        (Province.objects.current(), 34),
        (Commune.objects.current(), 3_321),
        (Commune.objects.current().filter(unit_type=UnitTypeChoices.COMMUNE), 2_621),
        (Commune.objects.current().filter(unit_type=UnitTypeChoices.WARD), 687),
        (Commune.objects.current().filter(unit_type=UnitTypeChoices.SPECIAL_ZONE), 13),
    ],
)
def test_counts(localities_loaded, queryset, expected):
    assert queryset.count() == expected


def test_output_counts_and_credit(localities_loaded):
    for line in [
        "Legacy provinces (until 30 June 2025): 63 (",
        "Legacy districts: 696 (",
        "Legacy communes: 10035 (",
        "Current provinces (from 1 July 2025): 34 (",
        "Current communes: 3321 (",
        "Legacy communes without a successor in the converter: 0",
        "Island districts without communes that became special zones (no commune to link; not loaded): 5",
        "  Huyện Côn Đảo → Đặc khu Côn Đảo, Thành phố Hồ Chí Minh",
        "vietnamadminunits 1.0.4 by Hieu Tran, MIT licence",
    ]:
        assert line in localities_loaded


def test_thai_nguyen_and_bac_kan(localities_loaded):
    thai_nguyen = Province.objects.get(generation=CURRENT, short_name="Thái Nguyên")
    assert (thai_nguyen.code, thai_nguyen.name, thai_nguyen.unit_type) == ("19", "Tỉnh Thái Nguyên", "tinh")
    assert (thai_nguyen.valid_from, thai_nguyen.valid_to, thai_nguyen.successor) == (date(2025, 7, 1), None, None)

    bac_kan = Province.objects.get(generation=LEGACY, short_name="Bắc Kạn")
    assert (bac_kan.code, bac_kan.name, bac_kan.valid_to) == ("06", "Tỉnh Bắc Kạn", date(2025, 6, 30))
    assert bac_kan.successor == thai_nguyen
    assert set(thai_nguyen.predecessors.values_list("code", flat=True)) == {"06", "19"}
    assert not Province.objects.legacy().filter(successor__isnull=True).exists()


def test_my_thanh_maps_into_thai_nguyen(localities_loaded):
    my_thanh = Commune.objects.select_related("district", "province", "successor__province").get(
        generation=LEGACY, name="Xã Mỹ Thanh", district__short_name="Bạch Thông", province__code="06"
    )
    assert (my_thanh.code, my_thanh.short_name, my_thanh.unit_type) == ("02011", "Mỹ Thanh", "xa")
    assert (my_thanh.district.name, my_thanh.district.unit_type) == ("Huyện Bạch Thông", "huyen")
    assert (my_thanh.latitude, my_thanh.longitude) == (Decimal("22.149091"), Decimal("105.911242"))
    assert my_thanh.valid_to == date(2025, 6, 30)

    assert my_thanh.successor.generation == CURRENT
    assert my_thanh.successor.name == "Xã Cẩm Giàng"
    assert my_thanh.successor.province.code == "19"
    assert my_thanh.current_province_id == my_thanh.successor.province_id
    assert list(my_thanh.succession_links.values_list("successor", "is_default", "effective_on")) == [
        (my_thanh.successor_id, True, date(2025, 7, 1))
    ]


def test_every_legacy_commune_has_a_current_province_and_a_main_successor(localities_loaded):
    legacy = Commune.objects.legacy()
    assert not legacy.filter(Q(current_province__isnull=True) | Q(successor__isnull=True)).exists()
    assert not legacy.exclude(current_province=F("successor__province")).exists()
    assert not legacy.filter(current_province__generation=LEGACY).exists()
    assert not legacy.filter(district__isnull=True).exists()
    # Each legacy commune has exactly one main successor, and it is the one on the commune.
    per_commune = legacy.annotate(
        main=Count("succession_links", filter=Q(succession_links__is_default=True)),
        main_matches=Count(
            "succession_links",
            filter=Q(succession_links__is_default=True, succession_links__successor=F("successor")),
        ),
    )
    assert not per_commune.exclude(main=1).exists()
    assert not per_commune.exclude(main_matches=1).exists()
    assert CommuneSuccession.objects.count() == 10_597
    assert CommuneSuccession.objects.filter(is_default=False).count() == 10_597 - 10_035


def test_current_communes_belong_to_their_own_province(localities_loaded):
    current = Commune.objects.current()
    assert not current.exclude(current_province=F("province")).exists()
    assert not current.filter(Q(successor__isnull=False) | Q(district__isnull=False)).exists()
    assert not current.exclude(valid_from=date(2025, 7, 1)).exists()
    # Every current commune took over at least one legacy commune, except the five island special zones
    # that were districts without communes.
    orphans = current.filter(predecessor_links__isnull=True).values_list("name", flat=True)
    assert sorted(orphans) == [
        "Đặc khu Bạch Long Vĩ",
        "Đặc khu Côn Đảo",
        "Đặc khu Cồn Cỏ",
        "Đặc khu Hoàng Sa",
        "Đặc khu Lý Sơn",
    ]


@pytest.mark.parametrize(
    ("model", "generation", "code", "name", "short_name", "unit_type"),
    [
        # The dataset types these Xã; the name (and the map) says otherwise.
        (Commune, LEGACY, "15061", "Thị trấn Ngọc Lặc", "Ngọc Lặc", UnitTypeChoices.TOWNSHIP),
        (Commune, LEGACY, "27046", "Phường 5", "Phường 5", UnitTypeChoices.WARD),
        (Commune, CURRENT, "10543", "Phường Việt Hòa", "Việt Hòa", UnitTypeChoices.WARD),
        (Commune, CURRENT, "11848", "Xã Vĩnh Hòa", "Vĩnh Hòa", UnitTypeChoices.COMMUNE),
        # Capitalised type words are normalised.
        (District, None, "058", "Thành phố Bắc Kạn", "Bắc Kạn", UnitTypeChoices.CITY),
        (District, None, "760", "Quận 1", "Quận 1", UnitTypeChoices.URBAN_DISTRICT),
        (Province, CURRENT, "79", "Thành phố Hồ Chí Minh", "Hồ Chí Minh", UnitTypeChoices.CITY),
        (Province, LEGACY, "77", "Tỉnh Bà Rịa - Vũng Tàu", "Bà Rịa - Vũng Tàu", UnitTypeChoices.PROVINCE),
    ],
)
def test_names_and_types(localities_loaded, model, generation, code, name, short_name, unit_type):
    lookup = {"code": code} if generation is None else {"generation": generation, "code": code}
    unit = model.objects.get(**lookup)
    assert (unit.name, unit.short_name, unit.unit_type) == (name, short_name, unit_type)


def test_second_run_changes_nothing(localities_loaded):
    before = _snapshot()
    output = StringIO()

    call_command("load_localities", stdout=output)

    assert _snapshot() == before
    text = output.getvalue()
    assert text.count("(0 created, 0 updated") == 6
    assert "Commune successions (old → new): 10597 (0 created, 0 updated, 0 removed)" in text


def test_rerun_repairs_edited_units_and_drops_stale_links(localities_loaded):
    my_thanh = Commune.objects.get(generation=LEGACY, code="02011")
    elsewhere = Commune.objects.get(generation=CURRENT, code="00004")
    Commune.objects.filter(pk=my_thanh.pk).update(name="Xã Sai Tên", current_province=elsewhere.province)
    Province.objects.filter(generation=LEGACY, code="06").update(successor=None)
    CommuneSuccession.objects.create(predecessor=my_thanh, successor=elsewhere, effective_on=date(2025, 7, 1))
    output = StringIO()

    call_command("load_localities", stdout=output)

    my_thanh.refresh_from_db()
    assert (my_thanh.name, my_thanh.current_province.code) == ("Xã Mỹ Thanh", "19")
    assert Province.objects.get(generation=LEGACY, code="06").successor.code == "19"
    assert not CommuneSuccession.objects.filter(predecessor=my_thanh, successor=elsewhere).exists()
    text = output.getvalue()
    assert "Legacy provinces (until 30 June 2025): 63 (0 created, 1 updated)" in text
    assert "Legacy communes: 10035 (0 created, 1 updated)" in text
    assert "Commune successions (old → new): 10597 (0 created, 0 updated, 1 removed)" in text


def test_within_current_province_spans_both_generations_in_one_query(localities_loaded, django_assert_num_queries):
    thai_nguyen = Province.objects.get(generation=CURRENT, code="19")

    with django_assert_num_queries(1):
        within = list(Commune.objects.within(thai_nguyen).values_list("generation", "code"))

    legacy = {code for generation, code in within if generation == LEGACY}
    current = {code for generation, code in within if generation == CURRENT}
    assert "02011" in legacy  # Xã Mỹ Thanh, Bắc Kạn
    # Legacy Bắc Kạn and legacy Thái Nguyên together became current Thái Nguyên.
    assert legacy == set(
        Commune.objects.legacy().filter(province__code__in=["06", "19"]).values_list("code", flat=True)
    )
    assert current == set(Commune.objects.current().filter(province=thai_nguyen).values_list("code", flat=True))
    assert len(current) == 92
