"""Search (kernel/search.py): every word in one of the fields, accents and case aside, on both databases; an
ID number by its beginning; through relations by subqueries, never joins (no repeated rows, no DISTINCT)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kernel import search as search_module
from kernel.search import search
from kernel.text import fold
from tests.localities.factories import CommuneFactory, VillageFactory
from tests.tracker.factories import AllocationFactory, HouseholdFactory, WorkFactory
from tracker.models import Allocation, Household, Support, Work

WORK_FIELDS = ["code", "name", "commune__name", "investor"]
HOUSEHOLD_FIELDS = ["code", "head_name", "village__name", "commune__name", "^id_number"]


def by_python(rows, getters, term):
    """What the search must find, worked out in Python with kernel.text's fold: a word anywhere in a field, a
    word of one or two letters at the beginning of one of its words."""
    words = fold(term).split()
    return {row.pk for row in rows if all(any(_holds(fold(get(row) or ""), w) for get in getters) for w in words)}


def _holds(text, word):
    if len(word) <= 2:
        return text.startswith(word) or f" {word}" in text
    return word in text


@pytest.fixture
def places(db):
    cam_giang = CommuneFactory(name="Xã Cẩm Giàng")
    bac_kan = CommuneFactory(name="Phường Bắc Kạn")
    works = [
        WorkFactory(code="W-00101", name="Đường liên thôn Nà Rì", commune=cam_giang, investor="UBND xã Cẩm Giàng"),
        WorkFactory(code="W-00102", name="Trường mầm non  Bản Chiêng", commune=bac_kan, investor="Ban QLDA"),
        WorkFactory(code="W-00201", name="Nhà văn hóa thôn Đông", commune=bac_kan, investor=""),
        WorkFactory(code="T-777", name="Kênh mương Nà Tấu", commune=cam_giang, investor="Ban QLDA"),
    ]
    village = VillageFactory(name="Thôn Nà Tấu", commune=cam_giang)
    households = [
        HouseholdFactory(code="H-1", head_name="Nguyễn Văn An", village=village, id_number="001089000123"),
        HouseholdFactory(code="H-2", head_name="Hoàng Thị Mai", village=village, id_number="001089777000"),
        HouseholdFactory(code="H-3", head_name="Triệu Đức Anh", id_number="037100000111"),
    ]
    return works, households


@pytest.mark.parametrize(
    "term",
    [
        "cam giang",
        "CẨM",
        "truong mam non",
        "na",
        "na tau",
        "w-001",
        "ban qlda kenh",
        "dong",
        "đông",
        "xyz",
        "  ",
        "ri",
        "w",
        "t-",
        "ng",
        "u",
    ],
)
def test_works_found_as_python_folds_them(places, term):
    works, _households = places
    getters = [lambda w: w.code, lambda w: w.name, lambda w: w.commune.name, lambda w: w.investor]
    found = set(search(Work.objects.all(), WORK_FIELDS, term).values_list("pk", flat=True))
    expected = by_python(Work.objects.select_related("commune"), getters, term)
    assert found == expected
    assert (term.strip() == "") == (found == set(Work.objects.values_list("pk", flat=True)))


@pytest.mark.parametrize(
    "term", ["nguyen van an", "tau", "thi", "duc anh", "na tau mai", "an", "ng", "a", "h-", "tr du", "n mai"]
)
def test_households_found_through_their_village_and_commune(places, term):
    getters = [lambda h: h.code, lambda h: h.head_name, lambda h: h.village.name, lambda h: h.commune.name]
    found = set(search(Household.objects.all(), HOUSEHOLD_FIELDS[:4], term).values_list("pk", flat=True))
    assert found == by_python(Household.objects.select_related("village", "commune"), getters, term)


def test_an_id_number_is_found_by_its_beginning_only(places):
    _works, (an, mai, anh) = places
    assert set(search(Household.objects.all(), HOUSEHOLD_FIELDS, "001089")) == {an, mai}
    assert set(search(Household.objects.all(), HOUSEHOLD_FIELDS, "000123")) == set()  # its end: nothing
    assert set(search(Household.objects.all(), HOUSEHOLD_FIELDS, "037100000111")) == {anh}


def test_a_search_through_relations_reads_no_join_and_repeats_no_row(places):
    works, _households = places
    for work in works:
        AllocationFactory(work=work)
        AllocationFactory(work=work, year=2025)
    queryset = search(Allocation.objects.all(), ["work__code", "work__name", "component__code"], "na")
    sql = str(queryset.query).upper()
    assert " JOIN " not in sql and "DISTINCT" not in sql
    ids = list(queryset.values_list("pk", flat=True))
    assert len(ids) == len(set(ids)) == 4  # two works named "Nà ...", two allocations each
    # a lone relation is a subquery the database runs as a semi-join
    supports = search(Support.objects.all(), ["household__code", "household__head_name"], "thi")
    assert " JOIN " not in str(supports.query).upper()


def test_many_related_matches_become_a_subquery_with_the_same_rows(places, monkeypatch):
    works, _households = places
    for work in works:
        AllocationFactory(work=work)
    fields = ["work__code", "work__name", "component__code"]
    with CaptureQueriesContext(connection) as keys_read:
        few = set(search(Allocation.objects.all(), fields, "w-00"))
    monkeypatch.setattr(search_module, "RELATED_IDS_LIMIT", 1)
    monkeypatch.setattr(search_module, "RELATED_KEYS_POSTGRESQL", 1)
    with CaptureQueriesContext(connection) as subqueried:
        many = set(search(Allocation.objects.all(), fields, "w-00"))
    assert few == many and len(few) == 3
    assert len(keys_read) == 3  # the keys of the matching works, of the matching components, then the rows
    assert len(subqueried) == 3 and "IN (SELECT" in subqueried[-1]["sql"].upper()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the indexes are PostgreSQL's")
@pytest.mark.parametrize(
    ("model", "fields", "term", "index"),
    [
        (Work, WORK_FIELDS, "truong", "tracker_work_name_search"),
        (Work, WORK_FIELDS, "truong", "tracker_work_investor_search"),
        (Work, WORK_FIELDS, "truong", "localities_commune_name_search"),
        (Household, HOUSEHOLD_FIELDS, "nguyen", "tracker_household_head_name_search"),
        (Household, HOUSEHOLD_FIELDS, "001089", "tracker_household_id_number_prefix"),
        (Household, HOUSEHOLD_FIELDS, "001089", "localities_village_name_search"),
    ],
)
def test_postgresql_serves_each_searched_field_from_its_index(places, model, fields, term, index):
    with connection.cursor() as cursor:
        # tables of ten rows would be read whole otherwise: leave the planner nothing but the indexes
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        with CaptureQueriesContext(connection) as related_keys:
            queryset = search(model.objects.all(), fields, term)
        sql, params = queryset.query.sql_with_params()
        plans = []
        for query, query_params in [*((q["sql"], None) for q in related_keys), (sql, params)]:
            cursor.execute(f"EXPLAIN {query}", query_params)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    plan = "\n".join(plans)
    assert index in plan, plan


@pytest.mark.parametrize("keys_on_postgresql", [1, 5_000], ids=["subqueries", "thousands-of-keys"])
@pytest.mark.parametrize("term", ["na w-00", "pc-7 na", "pc-7 w-001", "w-001 na", "na tau", "pc xyz", "qlda na"])
def test_words_in_many_related_rows_and_in_the_rows_own_field_find_what_python_finds(
    places, monkeypatch, term, keys_on_postgresql
):
    """Where one relation has many rows holding one word or another, the rows whose related row holds every
    word, and those holding a word in their own field, are the rows that match: the same as Python finds.
    On PostgreSQL, with thousands of related keys read ("large") or more (subqueries)."""
    from tracker.models import Disbursement

    works, _households = places
    for n, work in enumerate(works):
        AllocationFactory(work=work)
        for voucher in (f"PC-{n}", f"PC-7{n}"):
            Disbursement.objects.create(
                work=work,
                year=2024,
                source="central",
                capital_type="investment",
                amount=1_000,
                voucher_number=voucher,
                paid_on="2024-03-01",
            )
    monkeypatch.setattr(search_module, "RELATED_IDS_LIMIT", 1)  # every work matching a word: "many"
    monkeypatch.setattr(search_module, "RELATED_KEYS_POSTGRESQL", keys_on_postgresql)
    fields = ["voucher_number", "work__code", "work__name", "work__investor"]
    getters = [lambda d: d.voucher_number, lambda d: d.work.code, lambda d: d.work.name, lambda d: d.work.investor]
    found = list(search(Disbursement.objects.all(), fields, term).values_list("pk", flat=True))
    assert set(found) == by_python(Disbursement.objects.select_related("work"), getters, term)
    assert len(found) == len(set(found))


def test_a_word_of_one_or_two_letters_is_the_beginning_of_a_word(places):
    found = {h.head_name for h in search(Household.objects.all(), ["head_name"], "an")}
    assert found == {"Nguyễn Văn An", "Triệu Đức Anh"}  # not "Hoàng" nor "Văn" (which hold "an")
    found = {h.head_name for h in search(Household.objects.all(), ["head_name"], "ng van")}
    assert found == {"Nguyễn Văn An"}
    found = {w.name for w in search(Work.objects.all(), ["name"], "Nà")}
    assert found == {"Đường liên thôn Nà Rì", "Kênh mương Nà Tấu"}


def test_a_searched_page_is_sorted_from_its_matches_in_the_lists_order(places, admin_client, monkeypatch):
    from django.contrib import admin
    from django.urls import reverse

    from kernel import list_params

    for index in range(7):
        HouseholdFactory(code=f"H-9{index}", head_name=f"Lò Văn Sáu {index}", village=places[1][0].village)
    url = reverse("admin:tracker_household_changelist")
    expected = list(search(Household.objects.all(), ["head_name"], "van").values_list("code", flat=True))
    assert len(expected) == 8
    monkeypatch.setattr(list_params.CappedCountPaginator, "cap", 10)  # every match counted
    monkeypatch.setattr(admin.site._registry[Household], "list_per_page", 5)
    for page in (1, 2):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(url, {"q": "van", "p": page, "o": ""})
        shown = [h.code for h in response.context["cl"].result_list]
        assert shown == expected[(page - 1) * 5 : page * 5]
        pages = [q["sql"] for q in queries.captured_queries if '"tracker_household"."head_name", ' in q["sql"]]
        assert len(pages) == 1 and "ORDER BY COALESCE(" in pages[0]
    # where the count stopped at its cap, the page walks the list's order
    monkeypatch.setattr(list_params.CappedCountPaginator, "cap", 6)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url, {"q": "van"})
    assert [h.code for h in response.context["cl"].result_list] == expected[:5]
    assert not any("ORDER BY COALESCE(" in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("term", ["thi mai", "nguyen an", "h-2 hoang", "van", "xyz thi"])
def test_a_lone_relation_is_one_subquery_holding_every_word(places, term):
    from tests.programs.factories import ComponentFactory

    _works, households = places
    component = ComponentFactory()
    for household in households:
        for year in (2023, 2024):
            Support.objects.create(household=household, component=component, year=year, kind="loan", amount=1)
    fields = ["household__code", "household__head_name"]
    queryset = search(Support.objects.all(), fields, term)
    assert str(queryset.query).upper().count("IN (SELECT") == 1
    getters = [lambda s: s.household.code, lambda s: s.household.head_name]
    assert set(queryset.values_list("pk", flat=True)) == by_python(
        Support.objects.select_related("household"), getters, term
    )
