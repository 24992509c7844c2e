"""The admin at 1366 x 768 (the officials' usual laptop), on a phone (390 x 844) and on A4 paper, in Chromium.

Rows carry the lengths officials' data has (a component's name of 100 characters, amounts in thousands of
millions, "Hoàn thành (đã nghiệm thu, bàn giao)"). Screenshots and the printed PDFs go where the other browser
tests put theirs (tests/browser/conftest.py).
"""

import datetime
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from tests.localities.factories import LegacyProvinceFactory
from tests.programs.factories import ComponentFactory
from tests.tracker.factories import AllocationFactory, WorkFactory
from tracker import services
from tracker.choices import PovertyStatusChoices, SupportKindChoices, WorkStatusChoices, WorkTypeChoices
from tracker.models import DeprivationIndicator, PovertyStandard

from .conftest import SCREENSHOTS, screenshot, vi

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
COMPONENT = "Đầu tư cơ sở hạ tầng thiết yếu phục vụ sản xuất, đời sống trong vùng đồng bào dân tộc thiểu số và miền núi"
WORK_NAMES = [
    "Kiên cố hóa mương thủy lợi thôn Bó Bẻ, xã Nông Thượng",
    "Đường liên thôn Nặm Chè - Cốc Mu, xã Nhạn Môn",
    "Đường bê tông nội thôn Lủng Luông, xã Bằng Thành",
    "Đài truyền thanh xã Dương Quang",
]


@pytest.fixture
def rows(world):
    """Works, allocations and disbursements as long as real ones, on the world's communes (one of them legacy);
    the world's household in C1 assessed twice against the real 2022-2025 standard and given support twice."""
    call_command("loaddata", "legal_documents", "poverty_standards", verbosity=0)
    component = ComponentFactory(code="DA4.TDA1", name=COMPONENT)
    for number, name in enumerate(WORK_NAMES * 3):
        work = WorkFactory(
            code=f"BK-2022-{number + 1:04d}",
            name=name,
            commune=world.l1 if number % 2 else world.c1,
            work_type=WorkTypeChoices.IRRIGATION,
            status=WorkStatusChoices.APPROVED,
            components=[component],
        )
        AllocationFactory(
            work=work,
            component=component,
            year=2022,
            amount=2_070_300_000,
            decided_on=datetime.date(2022, 6, 15),
            note="Quyết định giao kế hoạch vốn năm 2022 của UBND tỉnh",
        )
        services.disbursement_record(
            work=work,
            year=2022,
            source=CapitalSourceChoices.CENTRAL,
            capital_type=CapitalTypeChoices.INVESTMENT,
            amount=1_416_207_000,
            voucher_number=f"KB06-22-{number + 1:05d}",
            paid_on=datetime.date(2022, 12, 28),
        )
        services.progress_report_record(
            work=work,
            reported_on=datetime.date(2022, 12, 31),
            progress_percent=100,
            status=WorkStatusChoices.COMPLETED,
        )
    household = world.households["c1"]
    standard = PovertyStandard.objects.order_by("first_year").first()
    ticked = list(DeprivationIndicator.objects.filter(standard=standard).order_by("sort_order")[:6:2])
    for year, status in ((2022, PovertyStatusChoices.POOR), (2023, PovertyStatusChoices.NEAR_POOR)):
        services.poverty_assessment_record(
            household=household,
            year=year,
            status=status,
            standard=standard,
            income_per_capita=980_000,
            deprivations=ticked if status == PovertyStatusChoices.POOR else ticked[:1],
            decision_number=f"{year}/QĐ-UBND",
            recognised_on=datetime.date(year, 12, 12),
        )
    for year, kind in ((2022, SupportKindChoices.LIVESTOCK), (2021, SupportKindChoices.ELECTRICITY)):
        services.support_record(
            household=household,
            component=component,
            year=year,
            kind=kind,
            amount=9_600_000,
            quantity=2,
            quantity_unit="con lợn nái",
            received_on=datetime.date(year, 12, 10),
            note="Hỗ trợ phát triển sản xuất",
        )
    return household, ticked


@pytest.fixture
def national(make_official):
    user = make_official(Role.NATIONAL_ADMIN, Level.NATIONAL)
    user.first_name, user.last_name = "Nguyễn Văn", "Quang"
    user.save()
    return user


COLUMNS_JS = """() => {
  const results = document.querySelector('#changelist .results');
  const edge = Math.min(window.innerWidth, results.getBoundingClientRect().right);
  return {
    page: document.documentElement.scrollWidth,
    table: results.scrollWidth,
    room: results.clientWidth,
    cut: [...document.querySelectorAll('#result_list thead th')]
      .filter(th => th.getBoundingClientRect().right > edge + 0.5).map(th => th.className),
    columns: document.querySelectorAll('#result_list thead th').length,
    shifted: document.getElementById('main').classList.contains('shifted'),
  };
}"""


@pytest.mark.parametrize(
    "name",
    ["tracker_work", "tracker_disbursement", "tracker_allocation", "tracker_household"],
)
def test_at_1366_every_column_of_a_list_is_on_the_screen(name, rows, national, page_as, live_server):
    page = page_as(national, LAPTOP)
    page.goto(f"{live_server.url}{vi(f'admin:{name}_changelist')}")
    measured = page.evaluate(COLUMNS_JS)
    screenshot(page, f"layout-{name}-1366")
    assert not measured["shifted"], "the navigation sidebar starts folded on a list"
    assert measured["columns"] >= 7
    assert measured["cut"] == [], measured
    assert measured["table"] <= measured["room"], measured
    assert measured["page"] <= LAPTOP["width"], measured


def _shifted(page) -> bool:
    return page.evaluate("document.getElementById('main').classList.contains('shifted')")


def test_the_sidebar_starts_folded_on_lists_and_its_toggle_is_remembered_for_lists_alone(
    rows, national, page_as, live_server
):
    household, _ticked = rows
    page = page_as(national, LAPTOP)
    works, households = vi("admin:tracker_work_changelist"), vi("admin:tracker_household_changelist")
    form = vi("admin:tracker_household_change", household.pk)

    page.goto(f"{live_server.url}{works}")
    assert not _shifted(page) and page.locator("#nav-sidebar").get_attribute("aria-expanded") == "false"
    page.click("#toggle-nav-sidebar")
    assert _shifted(page) and page.locator("#nav-filter").is_visible()
    page.goto(f"{live_server.url}{households}")
    assert _shifted(page), "opened on one list, the sidebar stays open on the others"

    page.goto(f"{live_server.url}{form}")
    assert _shifted(page), "a form keeps Django's own state: open until folded there"
    page.click("#toggle-nav-sidebar")
    assert not _shifted(page)
    page.goto(f"{live_server.url}{works}")
    assert _shifted(page), "folding it on a form leaves the lists' state alone"
    page.click("#toggle-nav-sidebar")
    page.goto(f"{live_server.url}{form}")
    assert not _shifted(page)
    assert page.evaluate("localStorage.getItem('django.admin.navSidebarIsOpen')") == "false"
    assert page.evaluate("localStorage.getItem('ntp.admin.navSidebarOnLists')") == "false"


def test_on_a_phone_the_filters_come_first_folded_and_the_legacy_provinces_fold_within(
    world, national, page_as, live_server
):
    legacy = LegacyProvinceFactory(short_name="An Khê", name="Tỉnh An Khê")
    page = page_as(national, PHONE)
    page.goto(f"{live_server.url}{vi('admin:tracker_work_changelist')}")
    toggle = page.locator("#changelist-filter .ntp-filter-toggle")
    filters_top = page.locator("#changelist-filter").bounding_box()["y"]
    assert filters_top < page.locator("#changelist-form").bounding_box()["y"], "filters before the list"
    assert filters_top < PHONE["height"], "reachable without scrolling past the rows"
    assert toggle.get_attribute("aria-expanded") == "false"
    current, former = (
        page.locator(f'a[href="?province={world.p1.pk}"]'),
        page.locator(f'a[href="?province={legacy.pk}"]'),
    )
    assert current.is_hidden()
    screenshot(page, "layout-phone-filters-folded")

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert current.is_visible() and former.is_hidden(), "the former provinces stay folded in their group"
    page.locator("details.ntp-filter-group > summary").first.click()
    assert former.is_visible()
    screenshot(page, "layout-phone-filters-open")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    former.click()
    page.wait_for_load_state()
    assert "(1)" in page.locator("#changelist-filter .ntp-filter-toggle").inner_text()  # one filter in use
    page.locator("#changelist-filter .ntp-filter-toggle").click()
    chosen = page.locator("details.ntp-filter-group li.selected a", has_text=legacy.name)
    assert chosen.is_visible(), "the group holding the chosen province opens"


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
def test_the_household_form_fits_the_screen(viewport, rows, national, page_as, live_server):
    household, ticked = rows
    page = page_as(national, viewport)
    page.goto(f"{live_server.url}{vi('admin:tracker_household_change', household.pk)}")
    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, f"layout-household-form-{viewport['width']}")
    assert width <= viewport["width"], f"the household form is {width} px wide at {viewport['width']} px"
    assert page.locator("#supports-group .inline-related:not(.empty-form)").count() == 2
    boxes = page.locator("#id_assessments-0-deprivations input[type=checkbox]")
    assert boxes.count() == DeprivationIndicator.objects.count()
    if viewport is LAPTOP:  # in columns: the first two indicators side by side
        first, second = (boxes.nth(i).bounding_box() for i in (0, 1))
        assert abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"]


def _pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The (width, height) in points of each page of a PDF Chromium wrote."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


def _save_pdf(pdf: bytes, name: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftoppm"):  # Debian's poppler-utils, where installed: PNGs to look at
        subprocess.run(["pdftoppm", "-png", "-r", "70", str(path), str(path.with_suffix(""))], check=False)


def test_a_household_prints_as_a_record_on_a4(rows, national, page_as, live_server):
    household, ticked = rows
    page = page_as(national, LAPTOP)
    page.goto(f"{live_server.url}{vi('admin:tracker_household_change', household.pk)}")
    pdf = page.pdf(format="A4")
    _save_pdf(pdf, "layout-household-print")
    assert 1 <= len(_pdf_pages(pdf)) <= 2

    page.emulate_media(media="print")
    for chrome in ["#header", ".breadcrumbs", "#nav-sidebar", "#toggle-nav-sidebar", ".submit-row", ".object-tools"]:
        assert page.locator(chrome).first.is_hidden(), f"{chrome} is printed"
    assert page.locator("#content-start").bounding_box()["width"] == page.locator("body").bounding_box()["width"]
    code = page.locator("#id_code")
    assert code.evaluate("e => getComputedStyle(e).borderTopWidth") == "0px"  # a value, not a box
    boxes = page.locator("#assessments-group input[type=checkbox][name$=deprivations]")
    shown = [i for i in range(boxes.count()) if boxes.nth(i).is_visible()]
    assert len(shown) == len(ticked) + 1, "the ticked indicators, and only they (2022: three, 2023: one)"
    assert page.locator(".inline-group .add-row").first.is_hidden()


def test_a_list_prints_landscape_and_a_record_portrait(rows, national, page_as, live_server):
    household, _ticked = rows
    page = page_as(national, LAPTOP)
    page.goto(f"{live_server.url}{vi('admin:tracker_work_changelist')}")
    listing = page.pdf(prefer_css_page_size=True)
    page.goto(f"{live_server.url}{vi('admin:tracker_household_change', household.pk)}")
    record = page.pdf(prefer_css_page_size=True)
    _save_pdf(listing, "layout-works-print")
    (list_w, list_h), (record_w, record_h) = _pdf_pages(listing)[0], _pdf_pages(record)[0]
    assert list_w > list_h and round(list_w) in range(840, 844), "A4 landscape"
    assert record_h > record_w and round(record_w) in range(594, 597), "A4 portrait"
