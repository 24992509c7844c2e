"""One display of dates and numbers on every screen, in the interface's language: dd/mm/yyyy (and
dd/mm/yyyy HH:MM, local time) in both languages; 1.234.567 and 12,5% in Vietnamese, 1,234,567 and 12.5% in
English. Checked on the functions and on the pages: admin lists, read-only fields, history, status pages."""

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kernel import presentation
from kernel.access import JurisdictionLevelChoices as Level
from kernel.templatetags import ntp
from localities.choices import RoleChoices as Role
from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from tracker import services
from tracker.models import Allocation, Work

VI, EN = "vi", "en"
# What must never be shown: ISO dates, Django's month names, raw amounts, a decimal point in Vietnamese.
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
MONTH_NAMES = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\.? \d{1,2}, \d{4}|Ngày \d+ tháng")


def url(language, name, *args):
    with translation.override(language):
        return reverse(name, args=args)


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    ("language", "money", "percent", "decimal"),
    [(VI, "1.234.567", "12,5%", "72,47"), (EN, "1,234,567", "12.5%", "72.47")],
)
def test_the_presenters_write_the_interface_language(language, money, percent, decimal):
    moment = datetime.datetime(2026, 12, 1, 21, 24, tzinfo=datetime.UTC)  # 04:24 on 2 December in Hà Nội
    with translation.override(language):
        assert presentation.format_vnd(1_234_567) == money
        assert presentation.format_percent(Decimal("12.49")) == percent
        assert presentation.present_value(Decimal("72.470")) == decimal
        assert presentation.present_value(datetime.date(2022, 12, 28)) == "28/12/2022"
        assert presentation.present_value(moment) == "02/12/2026 04:24"
        assert presentation.present_value(None) == "—"
        assert presentation.present_value(2025) == "2025"  # a year is never grouped
        assert ntp.vnd(1_234_567) == money
        assert ntp.percent(Decimal("12.5"), 1) == percent
        assert ntp.number(Decimal("72.47")) == decimal
        assert ntp.ddmmyyyy(datetime.date(2022, 12, 28)) == "28/12/2022"
        assert ntp.ddmmyyyy(moment) == "02/12/2026 04:24"


@pytest.fixture
def official(world, make_official):
    return make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)


@pytest.fixture
def client_of(official):
    client = Client()
    client.force_login(official)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "amount"), [(VI, "1.000.000.000"), (EN, "1,000,000,000")])
def test_admin_list_shows_money_and_dates_the_one_way(world, client_of, language, amount):
    text = text_of(client_of.get(url(language, "admin:tracker_allocation_changelist")))
    assert amount in text
    assert "15/01/2024" in text  # decided on, the same in both languages
    assert not ISO_DATE.search(text) and not MONTH_NAMES.search(text)
    assert "1000000000" not in text


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "amount"), [(VI, "1.000.000.000"), (EN, "1,000,000,000")])
def test_read_only_money_of_a_change_form_is_grouped(world, client_of, language, amount):
    work = world.works["c1"]  # its allocation is a read-only row of the form's inline (entries are not changed)
    text = text_of(client_of.get(url(language, "admin:tracker_work_change", work.pk)))
    assert amount in text
    assert "1000000000" not in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "investment", "capacity"),
    [(VI, "9.615.800.000", "72,47"), (EN, "9,615,800,000", "72.47")],
)
def test_history_shows_changed_values_the_one_way(world, client_of, language, investment, capacity):
    work = Work.objects.get(pk=world.works["c1"].pk)
    work.start_date, work.approved_investment, work.capacity = (
        datetime.date(2022, 12, 20),
        9_615_800_000,
        Decimal("72.470"),
    )
    work.save()
    text = text_of(client_of.get(url(language, "admin:tracker_work_history", work.pk)))
    assert "20/12/2022" in text
    assert investment in text and capacity in text
    assert "9615800000" not in text and "72.470" not in text
    assert not ISO_DATE.search(text) and not MONTH_NAMES.search(text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "allocated", "disbursed", "rate"),
    [(VI, "3.000.000.000", "125.000.000", "4,17%"), (EN, "3,000,000,000", "125,000,000", "4.17%")],
)
def test_status_pages_show_the_interface_language(world, client_of, language, allocated, disbursed, rate):
    work = world.works["c1"]
    services.disbursement_record(
        work=work,
        year=2024,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=125_000_000,
        voucher_number="PC-1",
        paid_on=datetime.date(2024, 3, 5),
    )
    query = "?year=2024&as_of=30/06/2024"
    overview = text_of(client_of.get(url(language, "status:overview") + query))
    assert allocated in overview and disbursed in overview and rate in overview
    detail = text_of(client_of.get(url(language, "status:work", work.pk) + query))
    assert "05/03/2024" in detail and "1" + allocated[1:] in detail and disbursed in detail
    assert not ISO_DATE.search(detail) and not MONTH_NAMES.search(detail)


@pytest.mark.django_db
def test_an_allocation_amount_is_never_written_with_the_other_languages_separators(world, client_of):
    Allocation.objects.filter(work=world.works["c1"]).update(amount=1_234_567)
    english = text_of(client_of.get(url(EN, "admin:tracker_allocation_changelist")))
    vietnamese = text_of(client_of.get(url(VI, "admin:tracker_allocation_changelist")))
    assert "1,234,567" in english and "1.234.567" not in english
    assert "1.234.567" in vietnamese and "1,234,567" not in vietnamese


@pytest.mark.django_db
def test_a_ledger_entry_names_itself_in_the_interface_language():
    from tracker.models import Disbursement

    from .tracker.factories import AllocationFactory

    allocation = AllocationFactory(amount=194_600_000)
    payment = Disbursement(
        work=allocation.work, year=2024, amount=1_234_567, voucher_number="PC-7", paid_on=datetime.date(2024, 3, 5)
    )
    with translation.override(VI):
        assert "194.600.000" in str(allocation)
        assert str(payment) == "Chứng từ PC-7 ngày 05/03/2024: 1.234.567 đồng"
    with translation.override(EN):
        assert "194,600,000 VND" in str(allocation) and "194.600.000" not in str(allocation)
        assert str(payment) == "Voucher PC-7 of 05/03/2024: 1,234,567 VND"
