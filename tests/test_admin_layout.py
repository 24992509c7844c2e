"""The admin's layout as its HTML states it: the province and commune filters list the current units first and fold
the legacy ones; the household form is stacked and grouped; the admin's stylesheet and script are served.

How it looks in a browser (widths at 1366 px and 390 px, paper) is tests/browser/test_layout_in_a_browser.py.
"""

import datetime
import re

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from tests.localities.factories import LegacyProvinceFactory
from tests.programs.factories import ComponentFactory
from tests.tracker.factories import PovertyStandardFactory
from tracker import services
from tracker.choices import PovertyStatusChoices, SupportKindChoices
from tracker.models import DeprivationIndicator

pytestmark = pytest.mark.django_db

LEGACY_PROVINCES = "Former provinces (until 30 June 2025)"
LEGACY_COMMUNES = "Former communes (until 30 June 2025)"


def en(url_name: str, *args) -> str:
    with translation.override("en"):
        return reverse(url_name, args=args)


@pytest.fixture
def national(client, make_official):
    client.force_login(make_official(Role.NATIONAL_ADMIN, Level.NATIONAL))
    return client


def filter_html(page: str, title: str) -> str:
    """The HTML of one list filter (its outer <details>) in a changelist page."""
    start = page.index(f'<details data-filter-title="{title}"')
    depth, position = 0, start
    for tag in re.finditer(r"<(/?)details\b", page[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            position = start + tag.end()
            break
    return page[start : page.index(">", position) + 1]


def group_html(filter_part: str, title: str) -> str:
    """The folded group titled `title` of a grouped filter, from its <details> to its </details>."""
    start = filter_part.rindex("<details", 0, filter_part.index(f"<summary>{title}"))
    return filter_part[start : filter_part.index("</details>", start) + len("</details>")]


def test_the_province_filter_lists_current_provinces_then_folds_the_legacy_ones(world, national):
    legacy = LegacyProvinceFactory(short_name="An Khê", name="Tỉnh An Khê")
    page = national.get(en("admin:tracker_work_changelist")).content.decode()

    provinces = filter_html(page, "province")
    group = group_html(provinces, LEGACY_PROVINCES)
    assert 'class="ntp-filter-group"' in group and " open" not in group.split(">", 1)[0]  # folded
    assert 'data-filter-title="province: Former provinces (until 30 June 2025)"' in group  # its state is remembered
    assert f"?province={legacy.pk}" in group
    assert str(world.l1.province) in group  # the world's legacy province, too
    before = provinces[: provinces.index(group)]
    assert f"?province={world.p1.pk}" in before and f"?province={world.p2.pk}" in before
    assert f"?province={world.p1.pk}" not in group
    # The legacy group counts its provinces, and holds no current one.
    count = int(re.search(r'ntp-filter-group-count">\((\d+)\)', group).group(1))
    assert count == group.count("<li")


def test_a_chosen_legacy_province_opens_its_group(world, national):
    legacy = world.l1.province
    response = national.get(en("admin:tracker_work_changelist"), {"province": legacy.pk})
    assert response.status_code == 200
    group = group_html(filter_html(response.content.decode(), "province"), LEGACY_PROVINCES)
    assert group.startswith('<details class="ntp-filter-group" open>')
    assert re.search(rf'<li class="selected">\s*<a href="\?province={legacy.pk}"', group)
    assert [work.pk for work in response.context["cl"].result_list] == [world.works["l1"].pk]


def test_current_provinces_read_in_alphabetical_order_whatever_their_type(world, national):
    from tests.localities.factories import ProvinceFactory

    names = ["Thành phố Đồi Thử", "Tỉnh Ánh Thử", "Thành phố Cẩm Thử", "Tỉnh Bến Thử"]
    for name in names:
        ProvinceFactory(name=name, short_name=name.removeprefix("Thành phố ").removeprefix("Tỉnh "))
    provinces = filter_html(national.get(en("admin:tracker_work_changelist")).content.decode(), "province")
    shown = [name for name in re.findall(r">([^<>]+)</a></li>", provinces) if name in names]
    assert shown == ["Tỉnh Ánh Thử", "Tỉnh Bến Thử", "Thành phố Cẩm Thử", "Thành phố Đồi Thử"]


def test_the_commune_filter_folds_the_legacy_communes_mapped_into_the_province(world, national):
    page = national.get(en("admin:tracker_work_changelist"), {"province": world.p1.pk}).content.decode()
    communes = filter_html(page, "commune")
    group = group_html(communes, LEGACY_COMMUNES)
    assert f"commune={world.l1.pk}" in group
    before = communes[: communes.index(group)]
    assert f"commune={world.c1.pk}" in before and f"commune={world.c2.pk}" in before
    assert f"commune={world.c3.pk}" not in communes  # another province's


def test_a_province_without_legacy_units_shows_no_folded_group(world, national):
    page = national.get(en("admin:tracker_work_changelist"), {"province": world.p2.pk}).content.decode()
    assert LEGACY_COMMUNES not in filter_html(page, "commune")


def _assessed_household(world, years):
    household = world.households["c1"]
    standard = PovertyStandardFactory()
    water = DeprivationIndicator.objects.get_or_create(
        standard=standard, code="water_source", defaults={"dimension": "Water", "name": "Water source"}
    )[0]
    DeprivationIndicator.objects.get_or_create(
        standard=standard, code="latrine", defaults={"dimension": "Water", "name": "Hygienic latrine"}
    )
    for year in years:
        services.poverty_assessment_record(
            household=household,
            year=year,
            status=PovertyStatusChoices.NEAR_POOR,
            income_per_capita=1_000_000,
            deprivations=[water],
            standard=standard,
        )
    return household, standard


def test_the_household_form_stacks_its_supports_and_groups_the_indicators_by_standard(world, national):
    household, standard = _assessed_household(world, [2022])
    services.support_record(
        household=household,
        component=ComponentFactory(name="Đầu tư cơ sở hạ tầng thiết yếu phục vụ sản xuất, đời sống " * 2),
        year=2022,
        kind=SupportKindChoices.LIVESTOCK,
        quantity=2,
        quantity_unit="cows",
        received_on=datetime.date(2022, 12, 10),
    )
    response = national.get(en("admin:tracker_household_change", household.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'id="supports-group"\s+data-inline-type="stacked"', page)
    assert re.search(r'id="assessments-group"\s+data-inline-type="stacked"', page)
    assert '<h2 id="fieldset-0-1-heading" class="fieldset-heading">Place</h2>' in page
    # The indicators: one group per standard, titled by it, as checkboxes in columns (kernel/admin.css).
    widget = page[page.index('<div id="id_assessments-0-deprivations"') :]
    assert widget.startswith('<div id="id_assessments-0-deprivations" class="ntp-checkbox-columns">')
    assert f"<label>{standard}</label>" in widget[:2000]
    checked = re.findall(r'<input type="checkbox" name="assessments-0-deprivations" value="(\d+)"[^>]*checked', widget)
    assert checked == [str(DeprivationIndicator.objects.get(standard=standard, code="water_source").pk)]


def _indicator_reads(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return sum('FROM "tracker_deprivationindicator"' in query["sql"] for query in captured.captured_queries)


def test_the_indicators_are_read_once_whatever_the_number_of_assessments(world, national):
    household, _standard = _assessed_household(world, [2022])
    url = en("admin:tracker_household_change", household.pk)
    few = _indicator_reads(national, url)
    for year in (2023, 2024, 2025):
        services.poverty_assessment_record(household=household, year=year, status=PovertyStatusChoices.NOT_POOR)
    many = _indicator_reads(national, url)
    assert many == few, f"deprivation indicators read {few} times for one assessment, {many} for four"


def test_every_admin_page_links_the_layout_stylesheet_and_script(national):
    page = national.get(en("admin:tracker_work_changelist")).content.decode()
    css, js = page.index("kernel/admin.css"), page.index("kernel/admin.js")
    assert page.index("admin/css/responsive.css") < css  # after Django's, to win at equal specificity
    # Not deferred: it runs before Django's nav_sidebar.js reads the sidebar's state.
    assert re.search(r'<script src="[^"]*kernel/admin\.js"></script>', page[js - 60 : js + 30])
    assert finders.find("kernel/admin.css") and finders.find("kernel/admin.js")
