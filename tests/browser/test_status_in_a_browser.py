"""The disbursement status pages in a real browser, as a province official opens them in a meeting: the
figures as of a date, typed the Vietnamese way, then down to a commune and a work; printed on A4."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from tracker import services

from .conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_province_official_reads_the_status_down_to_a_work(world, make_official, page_as, live_server):
    work = world.works["c1"]
    for amount, day in ((300_000_000, datetime.date(2024, 3, 1)), (150_000_000, datetime.date(2024, 9, 1))):
        services.disbursement_record(
            work=work,
            year=2024,
            source=CapitalSourceChoices.CENTRAL,
            capital_type=CapitalTypeChoices.INVESTMENT,
            amount=amount,
            voucher_number=f"PC-{day:%m}",
            paid_on=day,
        )
    official = make_official(Role.VIEWER, Level.PROVINCE, world.p1)
    page = page_as(official)
    with translation.override("vi"):
        overview = reverse("status:overview")
    page.goto(f"{live_server.url}{overview}")
    page.fill("input[name=year]", "2024")
    page.fill("input[name=as_of]", "30/06/2024")
    page.click("button[type=submit]:not([name=language])")  # "Show", not the language switch
    page.wait_for_load_state()
    screenshot(page, "status-overview")
    row = page.locator("tr", has_text=world.p1.name).first.inner_text()
    assert "3.000.000.000" in row and "300.000.000" in row and "10,00%" in row  # 300 of 3.000 million
    assert world.p2.name not in page.content()  # another province's figures are not theirs

    page.locator("a", has_text=world.p1.name).last.click()
    page.wait_for_load_state()
    screenshot(page, "status-province")
    page.locator("a", has_text=str(world.c1)).first.click()
    page.wait_for_load_state()
    screenshot(page, "status-commune")
    assert "30,00%" in page.locator("tr", has_text=work.code).inner_text()
    page.locator("a", has_text=work.code).click()
    page.wait_for_load_state()
    screenshot(page, "status-work")
    assert "PC-03" in page.content() and "PC-09" in page.content()
    assert "30/06/2024" in page.content()  # the query follows the official down the pages

    page.emulate_media(media="print")
    screenshot(page, "status-work-print")
    assert page.locator("form.query button").is_hidden()


def test_a_national_official_drills_down_a_program_and_exports_it(world, make_official, page_as, live_server):
    work = world.works["c1"]
    services.disbursement_record(
        work=work,
        year=2024,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=250_000_000,
        voucher_number="PC-DA",
        paid_on=datetime.date(2024, 4, 2),
    )
    component = work.components.first()
    page = page_as(make_official(Role.VIEWER, Level.NATIONAL))
    with translation.override("vi"):
        overview = reverse("status:overview")
    page.goto(f"{live_server.url}{overview}?year=2024&as_of=30/06/2024")
    page.locator("a", has_text=component.program.code).first.click()
    page.wait_for_load_state()
    screenshot(page, "status-program")
    assert "250.000.000" in page.locator("tr", has_text=component.code).first.inner_text()
    page.locator("a", has_text=component.code).first.click()
    page.wait_for_load_state()
    page.locator("a", has_text=world.p1.name).first.click()
    page.wait_for_load_state()
    page.locator("a", has_text=world.c1.name).first.click()
    page.wait_for_load_state()
    screenshot(page, "status-component-commune")
    assert "25,00%" in page.locator("tr", has_text=work.code).inner_text()  # 250 of 1.000 million
    assert "30/06/2024" in page.content()
    with page.expect_download() as download:
        page.locator("a", has_text="xlsx").first.click()
    import io

    import openpyxl

    assert download.value.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    cells = [cell for row in book.active.iter_rows(values_only=True) for cell in row if cell is not None]
    assert 250_000_000 in cells and 1_000_000_000 in cells  # numbers as numbers
