"""Template filters presenting typed figures in the interface's language: `{{ amount|vnd }}` (1.234.567 in
Vietnamese, 1,234,567 in English), `{{ rate|percent }}` (48,46% / 48.46%), `{{ day|ddmmyyyy }}`. The
figure stays typed until here (kernel/presentation.py)."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django import template

from ..numbers import NumberStyle, format_date, format_number
from ..presentation import rate

register = template.Library()

NOTHING = "—"


@register.filter
def vnd(amount):
    """A whole number of đồng, grouped as the interface writes it; "—" for none."""
    if amount is None or amount == "":
        return NOTHING
    return format_number(int(amount), NumberStyle.active())


def _fixed(number, places: int) -> str:
    """A number to exactly `places` decimals (half up), grouped and pointed as the interface writes it."""
    places = int(places)
    value = Decimal(str(number)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    style = NumberStyle.active()
    whole, _, fraction = format_number(value, style).partition(style.decimal)
    return f"{whole}{style.decimal}{fraction.ljust(places, '0')}" if places else whole


@register.filter
def million(amount):
    """A number of đồng in million đồng, to two decimals (381.319,00): the unit reports use."""
    if amount is None or amount == "":
        return NOTHING
    return _fixed(Decimal(int(amount)) / 1_000_000, 2)


@register.filter
def percent(value, places: int = 2):
    """A percentage (a number from 0 up) to `places` decimals: 48,46%; "—" for none."""
    if value is None or value == "":
        return NOTHING
    return f"{_fixed(value, places)}%"


@register.filter
def ddmmyyyy(value):
    """A date as officials write it: 30/06/2025."""
    if not isinstance(value, datetime.date):
        return NOTHING if value in (None, "") else value
    return format_date(value)


@register.filter
def rate_of(part, whole):
    """`{{ disbursed|rate_of:allocated|percent }}`: part / whole as a percentage, None when the whole is nothing."""
    return rate(part, whole)


@register.filter
def number(value):
    """A quantity (72.47 km) as the interface writes it: 72,47; "—" for none."""
    if value is None or value == "":
        return NOTHING
    return format_number(Decimal(str(value)), NumberStyle.active())


@register.filter
def money(amount, unit: str = "dong"):
    """`{{ amount|money:unit }}`: whole đồng (`vnd`), or million đồng to two decimals (`unit == "million"`)."""
    return million(amount) if unit == "million" else vnd(amount)
