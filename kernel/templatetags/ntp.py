"""Template filters presenting typed figures in the interface's language: `{{ amount|vnd }}` (1.234.567 in
Vietnamese, 1,234,567 in English), `{{ rate|percent }}` (48,46% / 48.46%), `{{ day|ddmmyyyy }}` (30/06/2025 in
both; a moment as 30/06/2025 14:05, local time). The figure stays typed until here (kernel/presentation.py).

Also the header's pieces: `{{ user|given_name }}` and `{% language_switch %}`."""

import datetime
import unicodedata
from decimal import Decimal

from django import template
from django.conf import settings
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import get_fields_from_path
from django.db import models
from django.urls import translate_url
from django.utils import translation

from ..numbers import NumberStyle, format_date, format_datetime, format_number
from ..presentation import NOTHING, fixed, rate

register = template.Library()


@register.filter
def vnd(amount):
    """A whole number of đồng, grouped as the interface writes it; "—" for none."""
    if amount is None or amount == "":
        return NOTHING
    return format_number(int(amount), NumberStyle.active())


@register.filter
def million(amount):
    """A number of đồng in million đồng, to two decimals (381.319,00): the unit reports use."""
    if amount is None or amount == "":
        return NOTHING
    return fixed(Decimal(int(amount)) / 1_000_000, 2)


@register.filter
def percent(value, places: int = 2):
    """A percentage (a number from 0 up) to `places` decimals: 48,46%; "—" for none."""
    if value is None or value == "":
        return NOTHING
    return f"{fixed(value, places)}%"


@register.filter
def ddmmyyyy(value):
    """A date as officials write it: 30/06/2025; a moment with its time, in local time: 30/06/2025 14:05."""
    if isinstance(value, datetime.datetime):
        return format_datetime(value)
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


@register.filter
def given_name(user):
    """The name an official is greeted by: the given name, the last part of a Vietnamese full name (family,
    middle, given: "Triệu Thị Mai" → "Mai"). Officials are stored as the demo stores them, family and middle name
    in `first_name` ("Triệu Thị") and the given name in `last_name` ("Mai"); with only one of them, its last
    word; with neither, the username."""
    last = (getattr(user, "last_name", "") or "").strip()
    if last:
        return last
    first = (getattr(user, "first_name", "") or "").split()
    return first[-1] if first else user.get_username()


def _composed(text: str) -> str:
    """Django writes "Tiếng Việt" with combining accents; the pages write Vietnamese composed (NFC)."""
    return unicodedata.normalize("NFC", text)


@register.inclusion_tag("admin/ntp/language_switch.html", takes_context=True)
def language_switch(context, keep_query=False):
    """The language switch of a header: a button per language, each a small form posting to Django's
    `set_language` with this page in that language as `next`. (The view itself runs unprefixed, in Vietnamese,
    where it cannot place an English page's URL: so the page is placed here, in its own language.)"""
    request = context.get("request")
    # The admin's pages without their query: a query is not written back into the page (a list's refused
    # filter on ID numbers must not come back in it, see tests/test_list_parameters.py); the status pages,
    # which hold no personal data, keep theirs (the year, the date, the province chosen).
    if request is None:
        here = "/"
    else:
        here = request.get_full_path() if keep_query else request.path
    current = translation.get_language()
    languages = [
        {
            "code": code,
            "name": _composed(translation.get_language_info(code)["name_local"]),
            "next": translate_url(here, code),
        }
        for code, _name in settings.LANGUAGES
    ]
    return {"csrf_token": context.get("csrf_token"), "languages": languages, "current": current}


class _KnownMonths:
    """What Django's date hierarchy asks of a change list's rows (their first and last date; the years, the
    months, the days holding rows), answered from the months known to hold them: the days from the rows."""

    def __init__(self, months, rows):
        self.months, self.rows = months, rows

    def aggregate(self, **aggregates):
        first, last = (self.months[0], self.months[-1]) if self.months else (None, None)
        return dict(zip(aggregates, (first, last), strict=True))

    def dates(self, field_name, kind, order="ASC"):
        if kind == "day":
            return self.rows.dates(field_name, kind, order)
        starts = {month.replace(month=1) if kind == "year" else month for month in self.months}
        return sorted(starts, reverse=order == "DESC")


class _ChangeListOfMonths:
    def __init__(self, changelist, months):
        self._changelist = changelist
        self.queryset = _KnownMonths(months, changelist.queryset)

    def __getattr__(self, name):
        return getattr(self._changelist, name)


def ntp_date_hierarchy(changelist):
    """Django's date hierarchy; from the months the list's rows are known to fall in when the list knows them
    (`changelist.dated_months`, say from the capital summary), rather than from a DISTINCT over its rows.
    Otherwise, where Django would read the rows' first and last date and then their years, the rows'
    months are read once, and both answered from them."""
    months = getattr(changelist, "dated_months", None)
    if months is None and changelist.date_hierarchy and not _drilled(changelist):
        field = get_fields_from_path(changelist.model, changelist.date_hierarchy)[-1]
        if not isinstance(field, models.DateTimeField):  # a datetime's month is the local one: Django's way
            months = list(changelist.queryset.dates(changelist.date_hierarchy, "month"))
    if months is not None:
        changelist = _ChangeListOfMonths(changelist, months)
    return admin_list.date_hierarchy(changelist)


def _drilled(changelist) -> bool:
    """Whether the list is already narrowed to a year, a month or a day of its date hierarchy."""
    name = changelist.date_hierarchy
    return any(changelist.params.get(f"{name}__{part}") for part in ("year", "month", "day"))


@register.tag(name="ntp_date_hierarchy")
def ntp_date_hierarchy_tag(parser, token):
    return InclusionAdminNode(
        parser, token, func=ntp_date_hierarchy, template_name="date_hierarchy.html", takes_context=False
    )
