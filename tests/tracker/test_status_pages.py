"""The disbursement status pages (/status/): every figure equal to a sum of the entries computed here, as
of a date; the official's jurisdiction only; a fixed number of queries whatever the data size."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from programs.models import CapitalPlanEntry
from tests.localities.factories import CommuneFactory, LegacyProvinceFactory
from tests.programs.factories import ComponentFactory
from tests.tracker.factories import AllocationFactory, pay
from tracker import services

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2024, 6, 30)
CENTRAL = CapitalSourceChoices.CENTRAL
INVESTMENT = CapitalTypeChoices.INVESTMENT


def plan(province, amount, day, *, commune=None, year=2024):
    component = ComponentFactory()
    return CapitalPlanEntry.objects.create(
        component=component,
        year=year,
        province=province,
        commune=commune,
        source=CENTRAL,
        capital_type=INVESTMENT,
        amount=amount,
        decided_on=day,
    )


@pytest.fixture
def ledger(world):
    """Payments before and after 30/06/2024 (one reversed), a 2025 payment, plans of a current province,
    of a legacy province merged into it and of a commune."""
    c1, l1, c2, c3 = (world.works[name] for name in ("c1", "l1", "c2", "c3"))
    pay(c1, 300_000_000, datetime.date(2024, 3, 1))
    wrong = pay(c1, 50_000_000, datetime.date(2024, 4, 1))
    services.disbursement_reverse(disbursement=wrong, reason="nhập trùng", reversed_on=datetime.date(2024, 5, 2))
    pay(l1, 120_000_000, datetime.date(2024, 6, 30))
    pay(c2, 80_000_000, datetime.date(2024, 7, 1))  # after the date
    pay(c3, 999_000_000, datetime.date(2024, 2, 2))
    AllocationFactory(work=c2, amount=400_000_000, decided_on=datetime.date(2024, 8, 1))  # decided after the date
    plan(world.p1, 5_000_000_000, datetime.date(2024, 1, 5))
    plan(LegacyProvinceFactory(successor=world.p1), 700_000_000, datetime.date(2024, 1, 6))
    plan(world.p1, 200_000_000, datetime.date(2024, 2, 1), commune=world.c1)
    plan(world.p1, 900_000_000, datetime.date(2024, 9, 1))  # decided after the date
    plan(world.p2, 3_000_000_000, datetime.date(2024, 1, 5))
    return world


def numbers(html: str, row_text: str) -> list[str]:
    """The cells of the table row whose first cell holds `row_text`."""
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        if cells and row_text in cells[0]:
            return cells[1:]
    raise AssertionError(f"no row {row_text!r}")


def vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def status_url(name="status:overview", *args, **query):
    """The page's address in the Vietnamese interface (the tests' messages are English: tests/conftest.py)."""
    query = {"year": "2024", "as_of": "30/06/2024", **query}
    with translation.override("vi"):
        return reverse(name, args=args) + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def test_the_overview_figures_are_the_sums_of_the_entries_as_of_the_date(ledger, make_official, client):
    client.force_login(make_official(Role.VIEWER, Level.NATIONAL))
    html = client.get(status_url()).content.decode()
    p1 = ledger.p1
    # P1: works of C1, L1 and C2 (1.000.000.000 each; C2's second allocation is decided after the date).
    allocated = 3 * 1_000_000_000
    disbursed = 300_000_000 + 50_000_000 - 50_000_000 + 120_000_000  # C2's payment of 1 July is after it
    planned = 5_000_000_000 + 700_000_000 + 200_000_000  # the legacy province's plan counts for P1
    assert numbers(html, p1.name) == [
        "3",
        vnd(planned),
        vnd(allocated),
        vnd(planned - allocated),
        vnd(disbursed),
        "7,12%",  # 420 / 5.900
        "14,00%",  # 420 / 3.000
    ]
    assert numbers(html, ledger.p2.name)[:5] == [
        "1",
        vnd(3_000_000_000),
        vnd(1_000_000_000),
        vnd(2_000_000_000),
        vnd(999_000_000),
    ]
    total = numbers(html, "Tổng cộng")
    assert total[:5] == [
        "4",
        vnd(planned + 3_000_000_000),
        vnd(4_000_000_000),
        vnd(planned - 1_000_000_000),
        vnd(disbursed + 999_000_000),
    ]
    # The next day, C2's payment and the later plan do not count yet; on 01/09/2024 they do.
    later = client.get(status_url(as_of="01/09/2024")).content.decode()
    assert numbers(later, p1.name)[:5] == [
        "3",
        vnd(planned + 900_000_000),
        vnd(allocated + 400_000_000),
        vnd(planned + 900_000_000 - allocated - 400_000_000),
        vnd(disbursed + 80_000_000),
    ]


def test_drilling_down_a_province_a_commune_and_a_work(ledger, make_official, client):
    client.force_login(make_official(Role.VIEWER, Level.PROVINCE, ledger.p1))
    html = client.get(status_url("status:province", ledger.p1.pk)).content.decode()
    assert numbers(html, str(ledger.c1))[:6] == [
        "1",
        vnd(200_000_000),
        vnd(1_000_000_000),
        vnd(-800_000_000),
        vnd(300_000_000),
        "150,00%",
    ]
    assert numbers(html, str(ledger.l1))[:5] == ["1", "—", vnd(1_000_000_000), "—", vnd(120_000_000)]
    assert numbers(html, "Tổng cộng")[:5] == [
        "3",
        vnd(5_900_000_000),
        vnd(3_000_000_000),
        vnd(2_900_000_000),
        vnd(420_000_000),
    ]

    html = client.get(status_url("status:commune", ledger.c1.pk)).content.decode()
    work = ledger.works["c1"]
    assert numbers(html, work.code)[3:6] == [vnd(1_000_000_000), vnd(300_000_000), "30,00%"]

    html = client.get(status_url("status:work", work.pk)).content.decode()
    assert vnd(-50_000_000) in html and vnd(300_000_000) in html and "30/06/2024" in html


def test_an_official_sees_only_their_jurisdiction(ledger, make_official, client):
    client.force_login(make_official(Role.DATA_ENTRY, Level.COMMUNE, ledger.c1))
    html = client.get(status_url()).content.decode()
    # Their province's row holds only their commune (and the legacy commune merged into it).
    assert numbers(html, ledger.p1.name)[:1] == ["2"]
    assert ledger.p2.name not in html
    assert client.get(status_url("status:province", ledger.p2.pk)).status_code == 404
    assert client.get(status_url("status:commune", ledger.c3.pk)).status_code == 404
    assert client.get(status_url("status:commune", ledger.c2.pk)).status_code == 404
    assert client.get(status_url("status:work", ledger.works["c3"].pk)).status_code == 404
    assert client.get(status_url("status:work", ledger.works["l1"].pk)).status_code == 200


def test_the_pages_ask_to_log_in(client, world):
    response = client.get(reverse("status:overview"))
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_a_date_is_typed_day_first_and_a_wrong_one_is_said(ledger, make_official, client):
    client.force_login(make_official(Role.VIEWER, Level.NATIONAL))
    iso = client.get(status_url(as_of="2024-06-30")).content.decode()
    typed = client.get(status_url(as_of="30/06/2024")).content.decode()
    assert numbers(iso, ledger.p1.name) == numbers(typed, ledger.p1.name)
    wrong = client.get(status_url(as_of="31/06/2024")).content.decode()
    assert "31/06/2024" in wrong and "errorlist" in wrong


@pytest.mark.parametrize("page", ["overview", "province", "commune"])
def test_a_page_runs_the_same_queries_whatever_the_data(ledger, make_official, client, page):
    client.force_login(make_official(Role.VIEWER, Level.NATIONAL))
    args = {"overview": (), "province": (ledger.p1.pk,), "commune": (ledger.c1.pk,)}[page]
    url = status_url(f"status:{page}", *args)
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = count()
    for _ in range(5):  # more communes, works and payments in P1 and C1
        work = AllocationFactory(work__commune=CommuneFactory(province=ledger.p1)).work
        pay(work, 10_000_000, datetime.date(2024, 3, 3))
        extra = AllocationFactory(work__commune=ledger.c1).work
        pay(extra, 10_000_000, datetime.date(2024, 3, 3))
    assert count() == before
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert before <= 12, "\n".join(q["sql"][:160] for q in queries)


def test_a_table_exports_to_xlsx_as_shown(ledger, make_official, client):
    import io

    import openpyxl

    client.force_login(make_official(Role.VIEWER, Level.NATIONAL))
    response = client.get(status_url(export="xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [row for row in sheet.iter_rows(values_only=True)]
    assert "2024" in rows[0][0] and "30/06/2024" in rows[2][0]  # the title and the as-of date above the table
    header_index = next(i for i, row in enumerate(rows) if row[1:2] == ("Công trình",))
    body = {row[0]: row[1:] for row in rows[header_index + 1 :]}
    assert body[ledger.p1.name][:5] == (3, 5_900_000_000, 3_000_000_000, 2_900_000_000, 420_000_000)
    assert body[ledger.p1.name][5] == pytest.approx(420 / 5900, abs=1e-7)
    assert body["Tổng cộng"][:2] == (4, 8_900_000_000)
    html = client.get(status_url()).content.decode()
    assert numbers(html, ledger.p1.name)[:5] == [
        vnd(v) for v in (3, 5_900_000_000, 3_000_000_000, 2_900_000_000, 420_000_000)
    ]


def test_the_capital_is_split_by_type_and_source(ledger, make_official, client):
    work = ledger.works["c2"]
    AllocationFactory(
        work=work,
        amount=60_000_000,
        capital_type=CapitalTypeChoices.RECURRENT,
        source=CapitalSourceChoices.PROVINCE,
        decided_on=datetime.date(2024, 2, 1),
    )
    services.disbursement_record(
        work=work,
        year=2024,
        source=CapitalSourceChoices.PROVINCE,
        capital_type=CapitalTypeChoices.RECURRENT,
        amount=25_000_000,
        voucher_number="PC-SN-1",
        paid_on=datetime.date(2024, 5, 5),
    )
    client.force_login(make_official(Role.VIEWER, Level.PROVINCE, ledger.p1))
    for url in (status_url(), status_url("status:province", ledger.p1.pk)):
        html = client.get(url).content.decode()
        # P1: 3.000 million of investment from the central budget (420 disbursed by 30/06), and the new
        # recurrent entry from the province's budget; the plans are all investment from the central budget.
        assert numbers(html, "Vốn đầu tư phát triển")[1:5] == [
            vnd(5_900_000_000),
            vnd(3_000_000_000),
            vnd(2_900_000_000),
            vnd(420_000_000),
        ]
        assert numbers(html, "Vốn sự nghiệp")[1:5] == ["0", vnd(60_000_000), vnd(-60_000_000), vnd(25_000_000)]
        assert numbers(html, "Ngân sách trung ương")[4] == vnd(420_000_000)
        assert numbers(html, "Ngân sách địa phương: cấp tỉnh")[2:4] == [vnd(60_000_000), vnd(-60_000_000)]


def test_infrastructure_counts_works_and_what_was_built_as_of_the_date(ledger, make_official, client):
    from tracker.choices import CapacityUnitChoices, WorkStatusChoices, WorkTypeChoices

    road = ledger.works["c1"]
    road.work_type, road.capacity, road.capacity_unit = WorkTypeChoices.ROAD_IN_VILLAGE, 3, CapacityUnitChoices.KM
    road.status = WorkStatusChoices.UNDER_CONSTRUCTION
    road.save()
    for day, done in ((datetime.date(2024, 3, 1), "0.8"), (datetime.date(2024, 7, 1), "2.5")):
        services.progress_report_record(
            work=road,
            reported_on=day,
            progress_percent=30,
            quantity_done=done,
            status=WorkStatusChoices.UNDER_CONSTRUCTION,
        )
    client.force_login(make_official(Role.VIEWER, Level.PROVINCE, ledger.p1))
    with translation.override("vi"):
        url = reverse("status:infrastructure")
    html = client.get(url, {"year": "2024", "as_of": "30/06/2024"}).content.decode()
    # P1's three works are roads (the factories' inter-village roads, without a length, and this one).
    assert "1 trong số 3 công trình đã khởi công, 0 đã hoàn thành" in html and "0,8 / 3 km" in html
    html = client.get(url, {"year": "2024", "as_of": "31/12/2024"}).content.decode()
    assert "2,5 / 3 km" in html
    assert client.get(url, {"province": ledger.p2.pk}).status_code == 404  # not their province
    with CaptureQueriesContext(connection) as queries:
        client.get(url, {"year": "2024", "as_of": "30/06/2024", "province": ledger.p1.pk})
    assert len(queries) <= 12


def test_the_home_page_is_the_status_and_the_admin_links_to_it(make_official, client, world):
    response = client.get("/")
    assert response.status_code == 302 and response.url == reverse("status:overview")
    client.force_login(make_official(Role.VIEWER, Level.COMMUNE, world.c1))
    assert client.get(response.url).status_code == 200
    assert 'href="/status/"' in client.get(reverse("admin:index")).content.decode()


# National administrators hold the whole country; the other roles are asked at every level.
ROLES_AT_LEVELS = [(role, level) for role in (Role.VIEWER, Role.DATA_ENTRY, Role.APPROVER) for level in Level]
ROLES_AT_LEVELS.append((Role.NATIONAL_ADMIN, Level.NATIONAL))


@pytest.mark.parametrize(("role", "level"), ROLES_AT_LEVELS, ids=str)
def test_every_role_at_every_level_reads_the_pages_of_its_jurisdiction(world, make_official, client, role, level):
    unit = {Level.NATIONAL: None, Level.PROVINCE: world.p1, Level.COMMUNE: world.c1}[level]
    client.force_login(make_official(role, level, unit))
    inside = {
        "overview": status_url(),
        "province": status_url("status:province", world.p1.pk),
        "commune": status_url("status:commune", world.c1.pk),
        "work": status_url("status:work", world.works["c1"].pk),
        "infrastructure": status_url("status:infrastructure"),
        "lagging": status_url("status:lagging"),
        "households": status_url("status:households"),
        "program": status_url("status:program", world.works["c1"].components.first().program_id),
        "component": status_url("status:component", world.works["c1"].components.first().pk),
        "component in a province": status_url(
            "status:component", world.works["c1"].components.first().pk, province=world.p1.pk
        ),
    }
    outside = [status_url("status:province", world.p2.pk), status_url("status:work", world.works["c3"].pk)]
    assert {name: client.get(url).status_code for name, url in inside.items()} == dict.fromkeys(inside, 200)
    expected = 200 if level == Level.NATIONAL else 404
    assert [client.get(url).status_code for url in outside] == [expected, expected]


def test_a_user_without_a_role_is_refused(world, client):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user(username="no-role", password="x-Secret-123", is_staff=True))
    assert client.get(status_url()).status_code == 403


def test_the_lagging_page_counts_and_lists_who_is_behind(ledger, make_official, client):
    from tracker.choices import WorkStatusChoices

    # As of 30/06/2024: C1 30% (300 of 1.000 million; 50 paid and reversed), L1 12%, C2 0%, C3 99,9%.
    late = ledger.works["c2"]
    late.status, late.planned_completion_date = WorkStatusChoices.UNDER_CONSTRUCTION, datetime.date(2024, 5, 1)
    late.save()
    client.force_login(make_official(Role.VIEWER, Level.NATIONAL))
    with translation.override("vi"):
        url = reverse("status:lagging")
    html = client.get(url, {"year": "2024", "as_of": "30/06/2024", "threshold": "20"}).content.decode()
    assert "2 trong số 4 xã giải ngân dưới 20%" in html
    communes = html[html.index("xã giải ngân dưới") : html.index("Công trình giải ngân dưới")]
    assert communes.index(str(ledger.c2)) < communes.index(str(ledger.l1))  # worst first: 0% before 12%
    assert str(ledger.c1) not in communes and str(ledger.c3) not in communes
    works = html[html.index("Công trình giải ngân dưới") : html.index("Đang thi công nhưng")]
    assert ledger.works["c2"].code in works and ledger.works["l1"].code in works
    assert ledger.works["c1"].code not in works
    stale = html[html.index("Đang thi công nhưng") : html.index("Quá hạn hoàn thành")]
    assert late.code in stale and "chưa có" in stale  # no progress report at all
    assert late.code in html[html.index("Quá hạn hoàn thành") :]
    # 12,5% is read the Vietnamese way; at 13% L1 (12%) is still behind, at 12% it is not.
    html = client.get(url, {"year": "2024", "as_of": "30/06/2024", "threshold": "12,5"}).content.decode()
    assert "2 trong số 4 xã giải ngân dưới 12,5%" in html  # the threshold as typed, not rounded
    html = client.get(url, {"year": "2024", "as_of": "30/06/2024", "threshold": "12"}).content.decode()
    assert "1 trong số 4 xã" in html
    with CaptureQueriesContext(connection) as queries:
        client.get(url, {"year": "2024", "as_of": "30/06/2024"})
    assert len(queries) <= 12


def test_the_households_page_counts_poverty_by_place_and_ethnic_group(world, make_official, client):
    from tests.programs.factories import ComponentFactory as Components
    from tests.tracker.factories import PovertyStandardFactory
    from tracker.choices import PovertyStatusChoices as Poverty
    from tracker.choices import SupportKindChoices

    PovertyStandardFactory()
    homes = world.households
    for name, before, now in (
        ("c1", Poverty.POOR, Poverty.POOR),
        ("l1", Poverty.NOT_POOR, Poverty.POOR),
        ("c2", Poverty.POOR, Poverty.NEAR_POOR),
        ("c3", Poverty.POOR, Poverty.ESCAPED),
    ):
        services.poverty_assessment_record(household=homes[name], year=2023, status=before)
        services.poverty_assessment_record(household=homes[name], year=2024, status=now)
    services.support_record(
        household=homes["c1"], component=Components(), year=2024, kind=SupportKindChoices.LIVESTOCK, amount=5_000_000
    )
    client.force_login(make_official(Role.VIEWER, Level.NATIONAL))
    with translation.override("vi"):
        url = reverse("status:households")
    html = client.get(url, {"year": "2024"}).content.decode()
    # households, poor, poverty rate, near-poor, its rate, escaped, fell into poverty, supported, support
    assert numbers(html, world.p1.name) == ["3", "2", "66,67%", "1", "33,33%", "0", "1", "1", vnd(5_000_000)]
    assert numbers(html, world.p2.name)[:7] == ["1", "0", "0,00%", "0", "0,00%", "1", "0"]
    by_group = html[html.index("Theo dân tộc") :]
    groups = {home.ethnic_group.name for home in homes.values()}
    assert all(group in by_group for group in groups)
    for home in homes.values():  # counts only
        assert home.head_name not in html and (not home.id_number or home.id_number not in html)
    html = client.get(url, {"year": "2024", "province": world.p1.pk}).content.decode()
    assert numbers(html, str(world.l1))[:2] == ["1", "1"]
    with CaptureQueriesContext(connection) as queries:
        client.get(url, {"year": "2024", "province": world.p1.pk})
    assert len(queries) <= 12


def test_amounts_in_million_dong_follow_the_official_down_the_pages(ledger, make_official, client):
    client.force_login(make_official(Role.VIEWER, Level.NATIONAL))
    html = client.get(status_url(unit="million")).content.decode()
    assert numbers(html, ledger.p1.name)[1:5] == ["5.900,00", "3.000,00", "2.900,00", "420,00"]
    assert "Đã phân bổ (triệu đồng)" in html
    assert f"/status/province/{ledger.p1.pk}/?year=2024&amp;as_of=30/06/2024&amp;unit=million" in html
    html = client.get(status_url("status:commune", ledger.c1.pk, unit="million")).content.decode()
    assert numbers(html, ledger.works["c1"].code)[3:5] == ["1.000,00", "300,00"]


def test_a_table_sorts_by_its_columns_and_exports_in_that_order(ledger, make_official, client):
    client.force_login(make_official(Role.VIEWER, Level.NATIONAL))
    p1, p2 = ledger.p1.name, ledger.p2.name

    def order(html):
        body = html[html.index("<tbody>") : html.index("</tbody>")]
        return body.index(p1) < body.index(p2)

    assert order(client.get(status_url(sort="-allocated")).content.decode())  # 3.000 before 1.000 million
    assert not order(client.get(status_url(sort="-rate_of_allocated")).content.decode())  # 99,9% before 14%
    html = client.get(status_url(sort="-allocated")).content.decode()
    assert "sort=allocated" in html  # the column's link now sorts the other way
    assert "sort=-allocated&amp;export=xlsx" in html
    import io

    import openpyxl

    response = client.get(status_url(sort="-rate_of_allocated", export="xlsx"))
    names = [
        row[0]
        for row in openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(
            values_only=True
        )
    ]
    assert names.index(p2) < names.index(p1)


def test_a_works_page_draws_its_progress_over_time(ledger, make_official, client):
    from tracker.choices import WorkStatusChoices

    work = ledger.works["c1"]
    for day, percent in ((datetime.date(2024, 3, 1), 20), (datetime.date(2024, 5, 10), "47.5")):
        services.progress_report_record(
            work=work, reported_on=day, progress_percent=percent, status=WorkStatusChoices.UNDER_CONSTRUCTION
        )
    client.force_login(make_official(Role.VIEWER, Level.PROVINCE, ledger.p1))
    html = client.get(status_url("status:work", work.pk)).content.decode()
    chart = html[html.index("<svg") : html.index("</svg>")]
    assert chart.count("<circle") == 2
    assert "01/03/2024: 20,0%" in chart and "10/05/2024: 47,5%" in chart
    assert "47,5%" in html[html.index("</svg>") :]  # the reports' table shows 47,5 as typed, not 48
    assert "http" not in chart.replace("http://www.w3.org/2000/svg", "")  # nothing loaded from elsewhere


def test_capital_extended_from_earlier_years_is_shown_apart(ledger, make_official, client):
    from programs.choices import CapitalEntryKindChoices

    c1 = ledger.works["c1"]
    component = c1.components.first()
    services.allocation_record(
        work=c1,
        component=component,
        year=2023,
        source=CENTRAL,
        capital_type=INVESTMENT,
        amount=600_000_000,
        decided_on=datetime.date(2023, 3, 1),
    )
    services.allocation_record(
        work=c1,
        component=component,
        year=2023,
        source=CENTRAL,
        capital_type=INVESTMENT,
        amount=250_000_000,
        decided_on=datetime.date(2024, 1, 20),
        kind=CapitalEntryKindChoices.EXTENSION,
        extended_until=datetime.date(2024, 12, 31),
    )
    pay(c1, 100_000_000, datetime.date(2024, 1, 10), year=2023)  # within 2023's own deadline: not carried
    pay(c1, 70_000_000, datetime.date(2024, 3, 5), year=2023)  # from the extension
    pay(c1, 30_000_000, datetime.date(2024, 8, 5), year=2023)  # from it too, but after the date
    client.force_login(make_official(Role.VIEWER, Level.NATIONAL))
    html = client.get(status_url()).content.decode()
    assert "Vốn các năm trước kéo dài sang" in html
    own = numbers(html, "Vốn năm kế hoạch 2024")
    earlier = numbers(html, "Vốn các năm trước kéo dài sang")
    # The year's own capital is the overview's total (2023's capital counts in none of its rows).
    assert own[2:5:2] == numbers(html, "Tổng cộng")[2:5:2]
    assert earlier[2] == vnd(250_000_000) and earlier[4] == vnd(70_000_000)
    later = client.get(status_url(as_of="01/09/2024")).content.decode()
    assert numbers(later, "Vốn các năm trước kéo dài sang")[4] == vnd(100_000_000)


def test_the_overview_lists_provinces_as_the_data_was_recorded(ledger, make_official, client):
    client.force_login(make_official(Role.VIEWER, Level.NATIONAL))
    now = client.get(status_url()).content.decode()
    recorded = client.get(status_url(map="recorded")).content.decode()
    legacy = ledger.l1.province  # L1 is a commune of before the reform, of a province merged into P1
    # As now, L1's work counts for P1; as recorded, for its own province, which is then listed apart.
    assert numbers(now, ledger.p1.name)[0] == "3"
    assert numbers(recorded, ledger.p1.name)[0] == "2"
    assert numbers(recorded, f"{legacy.name} (trước 01/07/2025)")[0:3:2] == ["1", vnd(1_000_000_000)]
    assert numbers(recorded, "Tổng cộng")[2:5:2] == numbers(now, "Tổng cộng")[2:5:2]  # the same money
    assert "map=recorded" in recorded  # kept in the links down
    page = client.get(status_url("status:province", legacy.pk, map="recorded"))
    assert page.status_code == 200 and str(ledger.l1) in page.content.decode()
