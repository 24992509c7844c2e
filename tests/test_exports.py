"""Exports of admin lists to .xlsx and .csv: the rows the change list shows (filters, search, jurisdiction),
its columns, formula-like text escaped, personal data masked, a fixed number of queries."""

import codecs
import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from kernel import exports
from kernel.access import MASK, mask_id_number
from kernel.access import JurisdictionLevelChoices as Level
from kernel.exports import ExportAdminMixin, Money
from kernel.presentation import MONEY, PERCENT, figure_column, format_rate, rate
from localities.choices import RoleChoices as Role
from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from sheets.values import PercentNumber
from tests.localities.factories import CommuneFactory, VillageFactory
from tests.test_admin_pages import BUILDERS
from tests.tracker.factories import AllocationFactory, EthnicGroupFactory, HouseholdFactory, WorkFactory
from tracker import services
from tracker.admin import HouseholdAdmin
from tracker.models import Household, Work

pytestmark = pytest.mark.django_db

WORK_HEADERS = [
    "Code",
    "Name",
    "Commune",
    "Type",
    "Status",
    "Allocated (VND)",
    "Disbursed (VND)",
    "Disbursement rate",
    "Physical progress",
]
HOUSEHOLD_HEADERS = [
    "Household code",
    "Head of household",
    "Village",
    "Commune",
    "Ethnic group",
    "Members",
    "Latest poverty status",
]


def export_url(model, file_format):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export", args=[file_format])


def body(response):
    return b"".join(response.streaming_content)


def read_csv(response):
    content = body(response)
    assert content.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def read_xlsx(response):
    return read_xlsx_bytes(body(response))


def read(response, file_format):
    assert response.status_code == 200, getattr(response, "content", b"")[:300]
    return read_xlsx(response) if file_format == "xlsx" else read_csv(response)


def codes(rows):
    return sorted(row[0] for row in rows[1:])


@pytest.fixture
def national(make_official, client):
    client.force_login(make_official(Role.NATIONAL_ADMIN, Level.NATIONAL))
    return client


# ---------------------------------------------------------------------------------------------------------
# Works and households, both formats


def test_works_export_as_xlsx_has_the_list_columns_with_typed_values(national, world):
    response = national.get(export_url(Work, "xlsx"))
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert f'filename="works-{timezone.localdate():%Y-%m-%d}.xlsx"' in response["Content-Disposition"]
    rows = read(response, "xlsx")
    assert rows[0] == WORK_HEADERS
    assert codes(rows) == sorted(w.code for w in world.works.values())
    work = world.works["c1"]
    row = next(r for r in rows if r[0] == work.code)
    assert row == [
        work.code,
        work.name,
        str(work.commune),
        work.get_work_type_display(),
        work.get_status_display(),
        1_000_000_000,  # money: an integer number of VND
        0,
        0,  # 0,0% as a percentage
        None,  # no progress reported: "—" in the list
    ]
    assert isinstance(row[5], int)


def test_works_export_as_csv_is_utf8_with_bom(national, world):
    response = national.get(export_url(Work, "csv"))
    assert response["Content-Type"] == exports.CSV_CONTENT_TYPE
    assert response.streaming
    assert f'filename="works-{timezone.localdate():%Y-%m-%d}.csv"' in response["Content-Disposition"]
    rows = read(response, "csv")
    assert rows[0] == WORK_HEADERS
    work = world.works["l1"]
    row = next(r for r in rows if r[0] == work.code)
    assert row == [
        work.code,
        work.name,
        str(work.commune),
        work.get_work_type_display(),
        work.get_status_display(),
        "1000000000",
        "0",
        "0%",
        "",
    ]


def test_dates_and_progress_come_out_as_dates_and_percentages(national):
    from tracker import services
    from tracker.choices import WorkStatusChoices
    from tracker.models import ProgressReport

    work = AllocationFactory().work
    services.progress_report_record(
        work=work,
        reported_on=datetime.date(2024, 5, 3),
        progress_percent=35,
        status=WorkStatusChoices.UNDER_CONSTRUCTION,
    )
    rows = read(national.get(export_url(ProgressReport, "xlsx")), "xlsx")
    assert rows[0][:3] == ["Work", "As of", "Physical progress"]
    assert rows[1][:3] == [str(work), datetime.datetime(2024, 5, 3), 0.35]
    rows = read(national.get(export_url(ProgressReport, "csv")), "csv")
    assert rows[1][:3] == [str(work), "03/05/2024", "35%"]


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_households_export(national, world, file_format):
    rows = read(national.get(export_url(Household, file_format)), file_format)
    assert rows[0] == HOUSEHOLD_HEADERS
    assert codes(rows) == sorted(h.code for h in world.households.values())
    household = world.households["c3"]
    row = next(r for r in rows if r[0] == household.code)
    members = 4 if file_format == "xlsx" else "4"
    expected = [household.code, household.head_name, str(household.village), str(household.commune)]
    assert row[:4] == expected
    assert row[4:6] == ["Dao", members]


# ---------------------------------------------------------------------------------------------------------
# The rows the change list shows


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_the_filters_of_the_change_list_are_applied(national, world, file_format):
    rows = read(national.get(export_url(Work, file_format), {"province": world.p1.pk}), file_format)
    assert codes(rows) == sorted(world.works[k].code for k in ("c1", "l1", "c2"))
    rows = read(national.get(export_url(Household, file_format), {"commune": world.c2.pk}), file_format)
    assert codes(rows) == [world.households["c2"].code]


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_the_search_and_ordering_of_the_change_list_are_applied(national, world, file_format):
    work = world.works["c2"]
    rows = read(national.get(export_url(Work, file_format), {"q": work.code}), file_format)
    assert codes(rows) == [work.code]
    # Ordered by code (the first column), descending.
    rows = read(national.get(export_url(Work, file_format), {"o": "-1"}), file_format)
    assert [r[0] for r in rows[1:]] == sorted((w.code for w in world.works.values()), reverse=True)


def test_all_pages_are_exported_not_only_the_first(national, world, monkeypatch):
    monkeypatch.setattr(admin.site._registry[Work], "list_per_page", 2)
    rows = read(national.get(export_url(Work, "csv"), {"p": "2"}), "csv")
    assert len(rows) == 1 + len(world.works)


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_an_official_of_another_province_gets_none_of_its_rows(make_official, client, world, file_format):
    client.force_login(make_official(Role.VIEWER, Level.PROVINCE, world.p2))
    for model, rows_of in ((Work, world.works), (Household, world.households)):
        rows = read(client.get(export_url(model, file_format)), file_format)
        assert codes(rows) == [rows_of["c3"].code]
        # Filtering on the other province does not reach its rows either.
        rows = read(client.get(export_url(model, file_format), {"province": world.p1.pk}), file_format)
        assert rows[1:] == []


def test_a_commune_official_gets_their_commune_and_the_legacy_one_merged_into_it(make_official, client, world):
    client.force_login(make_official(Role.VIEWER, Level.COMMUNE, world.c1))
    rows = read(client.get(export_url(Work, "csv")), "csv")
    assert codes(rows) == sorted([world.works["c1"].code, world.works["l1"].code])


def test_the_change_list_links_to_its_exports_with_its_filters(national, world):
    url = reverse("admin:tracker_work_changelist")
    response = national.get(url, {"province": world.p1.pk, "q": "W-", "p": "1"})
    assert response.status_code == 200
    content = response.content.decode()
    for file_format in ("xlsx", "csv"):
        link = f"{export_url(Work, file_format)}?province={world.p1.pk}&amp;q=W-"
        assert link in content
    assert "Export .xlsx" in content and "Export .csv" in content
    # The list's own template (totals of the filtered rows) still renders.
    assert "admin/tracker/change_list_totals.html" in [t.name for t in response.templates]
    assert dict(response.context["totals"])["works"] == "3"


def test_no_export_links_in_a_popup(national, world):
    response = national.get(reverse("admin:tracker_work_changelist"), {"_popup": "1"})
    assert response.status_code == 200
    assert export_url(Work, "csv") not in response.content.decode()


# ---------------------------------------------------------------------------------------------------------
# Safety


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1", "-2", "@x", "\tTab", "\rCR", "＝1+1"]


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_formula_like_cells_are_escaped(national, file_format):
    commune = CommuneFactory()
    for index, text in enumerate(FORMULAS):
        WorkFactory(code=f"F-{index}", name=text, commune=commune)
    HouseholdFactory(code="=1+2", head_name="@SUM(A1)", village=VillageFactory(commune=commune))
    rows = read(national.get(export_url(Work, file_format), {"commune": commune.pk}), file_format)
    names = {row[0]: row[1] for row in rows[1:]}
    # (XML, hence .xlsx, keeps a carriage return as a line feed.)
    expected = [text.replace("\r", "\n") if file_format == "xlsx" else text for text in FORMULAS]
    assert names == {f"F-{index}": "'" + text for index, text in enumerate(expected)}
    rows = read(national.get(export_url(Household, file_format), {"commune": commune.pk}), file_format)
    assert rows[1][:2] == ["'=1+2", "'@SUM(A1)"]


def test_negative_amounts_are_numbers_not_text(national):
    from tracker import services

    work = AllocationFactory().work
    disbursement = services.disbursement_record(
        work=work,
        year=2024,
        source=work.allocations.get().source,
        capital_type=work.allocations.get().capital_type,
        amount=2_500_000,
        voucher_number="PC-1",
        paid_on=datetime.date(2024, 5, 2),
    )
    services.disbursement_reverse(
        disbursement=disbursement, reason="wrong", reversed_on=datetime.date(2024, 5, 3), user=None
    )
    from tracker.models import Disbursement

    rows = read(national.get(export_url(Disbursement, "xlsx"), {"o": "2"}), "xlsx")
    assert [row[6] for row in rows[1:]] == [2_500_000, -2_500_000]


# ---------------------------------------------------------------------------------------------------------
# Personal data


ID_NUMBER = "006187654321"


@pytest.fixture
def household(world):
    return HouseholdFactory(
        id_number=ID_NUMBER,
        ethnic_group=EthnicGroupFactory(code="34", name="Xinh-mun"),
        village=VillageFactory(commune=world.c1),
    )


class HouseholdWithIdNumberAdmin(HouseholdAdmin):
    """The households list with the ID number in a column, as a list showing personal data would."""

    list_display = ["code", "id_number", "ethnic_group", "ethnicity"]


def export_with_id_numbers(user, file_format, **params):
    model_admin = HouseholdWithIdNumberAdmin(Household, admin.site)
    request = RequestFactory().get("/export/", params)
    request.user = user
    return read(model_admin.export_view(request, file_format), file_format)


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_id_numbers_and_ethnicity_are_masked_without_the_permission(household, world, make_official, file_format):
    viewer = make_official(Role.VIEWER, Level.PROVINCE, world.p1)
    rows = export_with_id_numbers(viewer, file_format, q=household.code)
    assert rows == [
        ["Household code", "Head's ID number", "Ethnic group", "Ethnic group"],
        [household.code, mask_id_number(ID_NUMBER), MASK, MASK],
    ]


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_id_numbers_and_ethnicity_are_whole_with_the_permission(household, world, make_official, file_format):
    data_entry = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    rows = export_with_id_numbers(data_entry, file_format, q=household.code)
    assert rows[1] == [household.code, ID_NUMBER, str(household.ethnic_group), "Xinh-mun"]


@pytest.mark.parametrize(("role", "found"), [(Role.VIEWER, False), (Role.DATA_ENTRY, True)])
def test_households_export_masks_as_the_list_does(household, world, make_official, client, role, found):
    client.force_login(make_official(role, Level.COMMUNE, world.c1))
    for file_format in ("xlsx", "csv"):
        response = client.get(export_url(Household, file_format))
        content = body(response)
        rows = read_xlsx_bytes(content) if file_format == "xlsx" else read_csv_bytes(content)
        row = next(r for r in rows if r[0] == household.code)
        assert row[4] == ("Xinh-mun" if found else MASK)
        if file_format == "csv":
            assert (b"Xinh-mun" in content) is found
        # Searching by ID number finds the household only for those who may see ID numbers.
        rows = read(client.get(export_url(Household, file_format), {"q": ID_NUMBER}), file_format)
        assert codes(rows) == ([household.code] if found else [])


def read_csv_bytes(content):
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def read_xlsx_bytes(content):
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    rows = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    workbook.close()
    # Empty cells at the end of a row are not written: pad rows to the header's width.
    return [row + [None] * (len(rows[0]) - len(row)) for row in rows]


# ---------------------------------------------------------------------------------------------------------
# Access, limits and queries


def test_anonymous_users_are_sent_to_log_in(client, world):
    for file_format in ("xlsx", "csv"):
        url = export_url(Work, file_format)
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
        assert "next=" in response.url


def test_a_user_without_the_view_permission_is_refused(make_official, client, world):
    from localities.models import Official

    client.force_login(make_official(Role.VIEWER, Level.NATIONAL))
    assert client.get(export_url(Official, "csv")).status_code == 403
    assert client.get(export_url(Official, "xlsx")).status_code == 403


def test_an_unknown_format_is_no_export(national):
    response = national.get(export_url(Work, "csv").replace("/csv/", "/json/"))
    assert "Content-Disposition" not in response


def test_a_wrong_filter_value_goes_back_to_the_list(national, world):
    response = national.get(export_url(Work, "csv"), {"is_small_work__exact": "maybe"})
    assert response.status_code == 302
    assert response.url.endswith("?e=1")


def test_an_undeclared_filter_is_refused(national, world):
    response = national.get(export_url(Work, "csv"), {"nonsense": "1"})
    assert response.status_code == 400
    assert "Content-Disposition" not in response


def test_too_many_rows_for_xlsx_suggests_csv(national, world, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    response = national.get(export_url(Work, "xlsx"), {"province": world.p1.pk}, follow=True)
    assert response.redirect_chain[0][0].endswith(f"?province={world.p1.pk}")
    [message] = [str(m) for m in response.context["messages"]]
    assert (
        message
        == "This list has 3 rows; an .xlsx sheet holds at most 2. Export it as .csv, or narrow it with the filters."
    )
    rows = read(national.get(export_url(Work, "csv"), {"province": world.p1.pk}), "csv")
    assert len(rows) == 4
    rows = read(national.get(export_url(Work, "xlsx"), {"q": world.works["c1"].code}), "xlsx")
    assert len(rows) == 2


def _export_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        content = body(response)
    assert response.status_code == 200
    assert content
    writes = [q["sql"] for q in captured if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    return len(captured)


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_a_fixed_number_of_queries_whatever_the_rows(national, file_format):
    commune = CommuneFactory()
    for _ in range(3):
        AllocationFactory(work__commune=commune)
        HouseholdFactory(village=VillageFactory(commune=commune))
    few = {model: _export_queries(national, export_url(model, file_format)) for model in (Work, Household)}
    for _ in range(27):
        AllocationFactory(work__commune=CommuneFactory())
        HouseholdFactory(village=VillageFactory(commune=commune))
    assert Work.objects.count() == 30 and Household.objects.count() == 30
    many = {model: _export_queries(national, export_url(model, file_format)) for model in (Work, Household)}
    assert many == few
    assert LogEntry.objects.count() == 0


# ---------------------------------------------------------------------------------------------------------
# Every list


def _exportable(model):
    return isinstance(admin.site._registry[model], ExportAdminMixin)


REGISTERED = sorted(admin.site._registry, key=lambda m: m._meta.label)


def test_lists_without_exports_are_only_djangos_and_axes_own():
    others = {m._meta.label_lower for m in REGISTERED if not _exportable(m)}
    assert others == {"auth.user", "auth.group", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}


@pytest.mark.parametrize("model", [m for m in REGISTERED if _exportable(m)], ids=lambda m: m._meta.label)
def test_every_list_exports_as_csv_for_the_national_administrator(national, model):
    if model not in BUILDERS:  # test_admin_pages.py asks for one
        pytest.skip(f"no builder for {model._meta.label} in tests/test_admin_pages.py")
    obj = BUILDERS[model]()
    changelist = national.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    assert changelist.status_code == 200
    assert export_url(model, "csv") in changelist.content.decode()
    response = national.get(export_url(model, "csv"), {"id": obj.pk})
    rows = read(response, "csv")
    list_display = [n for n in changelist.context["cl"].list_display if n != "action_checkbox"]
    assert len(rows[0]) == len(list_display)
    assert len(rows) == 2, rows


# ---------------------------------------------------------------------------------------------------------
# Read as values or as instances: the same file

# the lists an export reads as values (every column says what it reads), not as model instances
READ_AS_VALUES = {
    "localities.areaclassification",
    "localities.commune",
    "localities.district",
    "localities.province",
    "localities.village",
    "localities.communesuccession",
    "programs.capitalplanentry",
    "programs.legaldocument",
    "tracker.allocation",
    "tracker.disbursement",
    "tracker.ethnicgroup",
    "tracker.household",
    "tracker.povertyassessment",
    "tracker.progressreport",
    "tracker.support",
    "tracker.work",
}


_VALUE_NAMES = exports._value_names


def _both_ways(client, url, params, monkeypatch):
    """The export read as the list's columns choose, and read from instances; and whether it read values."""
    chosen = []
    value_names = _VALUE_NAMES

    def spy(rows, columns):
        names = value_names(rows, columns)
        chosen.append(names is not None)
        return names

    monkeypatch.setattr(exports, "_value_names", spy)
    first = body(client.get(url, params))
    monkeypatch.setattr(exports, "_value_names", lambda rows, columns: None)
    second = body(client.get(url, params))
    return first, second, chosen == [True]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("model", [m for m in REGISTERED if _exportable(m)], ids=lambda m: m._meta.label)
def test_an_export_read_as_values_is_the_one_read_from_instances(national, world, model, file_format, monkeypatch):
    if model not in BUILDERS:
        pytest.skip(f"no builder for {model._meta.label} in tests/test_admin_pages.py")
    BUILDERS[model]()
    for language in ("vi", "en"):
        with translation.override(language):
            url = export_url(model, file_format)
        as_chosen, from_instances, read_values = _both_ways(national, url, {}, monkeypatch)
        reader = read_xlsx_bytes if file_format == "xlsx" else read_csv_bytes
        assert reader(as_chosen) == reader(from_instances)
        assert len(reader(as_chosen)) > 1
        assert read_values == (model._meta.label_lower in READ_AS_VALUES), model._meta.label_lower


def test_households_read_as_values_mask_as_instances_do(household, world, make_official, monkeypatch):
    for role, level in ((Role.VIEWER, Level.PROVINCE), (Role.NATIONAL_ADMIN, Level.NATIONAL)):
        user = make_official(role, level, world.p1) if level == Level.PROVINCE else make_official(role, level)
        for file_format in ("csv", "xlsx"):
            answers = []
            for names in (_VALUE_NAMES, lambda rows, columns: None):
                monkeypatch.setattr(exports, "_value_names", names)
                answers.append(export_with_id_numbers(user, file_format))
            assert answers[0] == answers[1]


# ---------------------------------------------------------------------------------------------------------
# Figures: the list presents them, the export writes them (nothing is read back from the text shown)


def test_the_export_writes_the_figures_not_the_text_the_list_shows(national):
    work = AllocationFactory(amount=3_000_000_001).work
    services.disbursement_record(
        work=work,
        year=2024,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=1_000_000_000,
        voucher_number="PC-3",
        paid_on=datetime.date(2024, 3, 3),
    )
    listing = national.get(reverse("admin:tracker_work_changelist"), {"q": work.code}).content.decode()
    assert "3,000,000,001" in listing and "33.3%" in listing  # an English page (/en/admin/): English figures
    row = next(r for r in read(national.get(export_url(Work, "xlsx")), "xlsx") if r[0] == work.code)
    assert row[5:8] == [3_000_000_001, 1_000_000_000, 0.3333333]  # the rate to 1e-7, not the 33,3% shown
    row = next(r for r in read(national.get(export_url(Work, "csv")), "csv") if r[0] == work.code)
    assert row[5:7] == ["3000000001", "1000000000"]
    assert row[7] == "33.33333%"  # the English file writes English decimals
    with translation.override("vi"):
        url = export_url(Work, "csv")
    assert url.startswith("/admin/")
    rows = read(national.get(url), "csv")  # the Vietnamese one Vietnamese decimals, whatever is active when read
    assert rows[0][0] == "Mã"  # headers in the language asked, not the one active when the file is read
    row = next(r for r in rows if r[0] == work.code)
    assert row[5:8] == ["3000000001", "1000000000", "33,33333%"]


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [(1, 3, "33,3%"), (1, 8, "12,5%"), (1_997, 4_000, "49,9%"), (0, 5, "0,0%"), (5, 0, "—"), (None, None, "—")],
)
def test_rates_are_presented_as_officials_write_them(part, whole, shown):
    with translation.override("vi"):
        assert format_rate(part, whole) == shown
    with translation.override("en"):
        assert format_rate(part, whole) == shown.replace(",", ".")
    assert (rate(part, whole) is None) == (shown == "—")


def test_a_figure_column_presents_and_keeps_its_figure():
    class Columns:
        @figure_column("amount", kind=MONEY, ordering="amount")
        def amount(self, obj):
            return obj

        @figure_column("rate", kind=PERCENT)
        def share(self, obj):
            return obj

    columns = Columns()
    with translation.override("vi"):
        assert columns.amount(1_234_567) == "1.234.567"
        assert "45,0%" in columns.share(Decimal(45))
    assert columns.amount(1_234_567) == "1,234,567"  # in English
    assert columns.amount(None) == "—"
    assert Columns.amount.admin_order_field == "amount" and Columns.amount.short_description == "amount"
    assert columns.amount.typed_value(columns, 1_234_567) == 1_234_567
    assert "45.0%" in columns.share(Decimal(45)) and columns.share(None) == "—"
    assert exports.typed_cell(MONEY, 1_234_567) == Money(1_234_567)
    assert exports.typed_cell(PERCENT, Decimal("12.5")) == PercentNumber("0.125")
    assert exports.typed_cell(PERCENT, None) is None
