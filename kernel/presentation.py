"""Presenting figures: money (an integer number of VND), rates and bars. These helpers only present; a
figure stays typed (an int, a Decimal) until here, and nothing reads their text back.

Everything is written in the interface's language (`NumberStyle.active()`): 1.234.567 and 49,5% in Vietnamese,
1,234,567 and 49.5% in English; dates dd/mm/yyyy and moments dd/mm/yyyy HH:MM (local time) in both.
`present_value` is the one display of a model field's typed value (history, read-only fields).

`figure_column` makes an admin list column of a typed figure: the list shows it presented (1.234.567, a
bar with 49,5%), and the list's export (kernel/exports.py) writes the typed value itself (a number of VND,
a percentage as a number), never the text.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from . import numbers
from .numbers import NumberStyle

MONEY = "money"  # an int of VND: 1.234.567
COUNT = "count"  # an int: 1.234
PERCENT = "percent"  # a number from 0 to 100 (a Decimal or an int), shown as a bar: 49,5%
FIGURE_KINDS = (MONEY, COUNT, PERCENT)


NOTHING = "—"


def format_vnd(amount: int | None, style: NumberStyle | None = None) -> str:
    """1234567 → '1.234.567' in Vietnamese, '1,234,567' in English (`style`, else the interface's); '' for no
    amount."""
    if amount is None:
        return ""
    return numbers.format_vnd(int(amount), style or NumberStyle.active())


def rate(part: int | None, whole: int | None) -> Decimal | None:
    """part / whole as an exact percentage (a Decimal from 0 up), or None when the whole is nothing."""
    if not whole:
        return None
    return Decimal(part or 0) * 100 / Decimal(whole)


def rate_percent(part: int | None, whole: int | None) -> Decimal | None:
    """part / whole as a percentage to one decimal, for display, or None when nothing was allocated."""
    value = rate(part, whole)
    return None if value is None else value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def format_percent(percent, places: int = 1) -> str:
    """49.5 → '49,5%' in Vietnamese, '49.5%' in English (`places` decimals, half up); '—' for none."""
    if percent is None:
        return NOTHING
    return f"{fixed(percent, places)}%"


def fixed(number, places: int) -> str:
    """A number to exactly `places` decimals (half up), grouped and pointed as the interface writes it:
    1234.5 → '1.234,50' (Vietnamese) or '1,234.50' (English) for two places."""
    places = int(places)
    value = Decimal(str(number)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    style = NumberStyle.active()
    whole, _, fraction = numbers.format_number(value, style).partition(style.decimal)
    return f"{whole}{style.decimal}{fraction.ljust(places, '0')}" if places else whole


def present_value(value: Any, field: models.Field | None = None) -> Any:
    """A typed value as every screen shows it, in the interface's language: money (a `BigIntegerField`)
    grouped (1.234.567 / 1,234,567), other whole numbers as they are (years: 2025), decimals with the
    language's point and without trailing zeros (72,47 / 72.47), dates dd/mm/yyyy, moments dd/mm/yyyy HH:MM in
    local time; '—' for none. Anything else (text, choices, model instances) is returned unchanged."""
    if value is None or value == "":
        return NOTHING
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime.datetime):
        return numbers.format_datetime(value)
    if isinstance(value, datetime.date):
        return numbers.format_date(value)
    if isinstance(value, Decimal):
        return numbers.format_number(value, NumberStyle.active())
    if isinstance(value, int):
        money = isinstance(field, models.BigIntegerField) and not isinstance(field, models.BigAutoField)
        return format_vnd(value) if money else str(value)
    return value


def format_rate(part: int | None, whole: int | None) -> str:
    """The rate of part to whole as officials write it: '49,5%', or '—' when the whole is nothing."""
    return format_percent(rate(part, whole))


def bar(percent, *, colour: str = "#417690"):
    """A small horizontal bar with the figure beside it, for list columns."""
    if percent is None:
        return NOTHING
    width = max(0, min(100, float(percent)))
    return format_html(
        '<div style="display:flex;align-items:center;gap:6px;min-width:130px">'
        '<div style="background:#e5e5e5;width:90px;height:10px;border-radius:3px">'
        '<div style="background:{};width:{}%;height:10px;border-radius:3px"></div></div>'
        "<span>{}</span></div>",
        colour,
        f"{width:.1f}",
        format_percent(percent),
    )


def present(kind: str, value: Any, *, colour: str | None = None):
    """A typed figure as the list shows it."""
    if kind == PERCENT:
        return bar(value, **({"colour": colour} if colour else {}))
    if value is None:
        return NOTHING
    return format_vnd(value)


def figure_column(
    description,
    *,
    kind: str,
    ordering: str | None = None,
    colour: str | None = None,
    reads: Sequence[str] | None = None,
):
    """Decorate an admin method returning a typed figure (`kind`: MONEY, COUNT or PERCENT; None for none)
    so that the list shows it presented and the export writes the figure (`typed_value`, `figure_kind`).
    `reads` names the values of the list's queryset the method reads (fields, annotations): given a row
    holding only those, it returns the same figure, so that an export reads values, not instances.

        @figure_column(_("allocated (VND)"), kind=MONEY, ordering="allocated", reads=["allocated"])
        def allocated_vnd(self, obj):
            return obj.allocated
    """
    if kind not in FIGURE_KINDS:
        raise ValueError(f"Unknown figure kind {kind!r}")

    def decorate(typed: Callable[[Any, Any], Any]):
        def shown(model_admin, obj):
            return present(kind, typed(model_admin, obj), colour=colour)

        shown.__name__ = typed.__name__
        shown.__qualname__ = typed.__qualname__
        shown.__doc__ = typed.__doc__
        shown.short_description = description
        if ordering is not None:
            shown.admin_order_field = ordering
        shown.typed_value = typed
        shown.figure_kind = kind
        if reads is not None:
            shown.export_reads = tuple(reads)
        return shown

    return decorate


def rate_bars(bars, *, width: int = 640, row: int = 18, title: str = "") -> str:
    """Horizontal bars (inline SVG, made here) of rates from 0 to 100 %: `bars` are (label, percent or None),
    drawn in the given order with a line at 0 %; a rate above 100 % is drawn to the edge and written as it
    is. Empty for no bars."""
    # A long name is cut to fit its room (the full name is in the bar's tooltip and in the table above).
    bars = [(str(label), None if value is None else float(value)) for label, value in bars]
    if not bars:
        return ""
    label_w, right, top = 260, 64, 6
    fits = 40  # characters of 11 px text in label_w
    inner_w = width - label_w - right
    height = top * 2 + row * len(bars)
    rows = []
    for i, (label, value) in enumerate(bars):
        y = top + i * row
        length = 0 if value is None else inner_w * max(0.0, min(100.0, value)) / 100
        rows.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#1f2933">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="#2e7d32"><title>{}: {}</title></rect>'
                '<text x="{}" y="{}" font-size="11" fill="#5f6b7a">{}</text>',
                label_w - 6,
                y + row - 5,
                label if len(label) <= fits else label[: fits - 1] + "…",
                label_w,
                y + 3,
                f"{length:.1f}",
                row - 6,
                label,
                "—" if value is None else format_percent(value),
                f"{label_w + length + 4:.1f}",
                y + row - 5,
                "—" if value is None else format_percent(value),
            )
        )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="{}" height="{}" style="max-width:100%;'
        'height:auto" role="img" aria-label="{}"><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#9aa5b1"/>{}</svg>',
        width,
        height,
        width,
        height,
        title,
        label_w,
        top,
        label_w,
        height - top,
        mark_safe("".join(rows)),  # noqa: S308 (each row built by format_html)
    )


def percent_chart(points, *, width: int = 560, height: int = 180, title: str = "") -> str:
    """A small line chart (inline SVG, made here: nothing is loaded from elsewhere) of percentages over
    time: `points` are (date, percent from 0 to 100), oldest first. Empty for no points."""
    points = [(day, float(value)) for day, value in points if value is not None]
    if not points:
        return ""
    left, right, top, bottom = 44, 12, 12, 28
    inner_w, inner_h = width - left - right, height - top - bottom
    first, last = points[0][0].toordinal(), points[-1][0].toordinal()
    span = max(last - first, 1)

    def x(day):
        return left + (inner_w * (day.toordinal() - first) / span if last > first else inner_w / 2)

    def y(value):
        return top + inner_h * (1 - max(0.0, min(100.0, value)) / 100)

    path = " ".join(f"{x(day):.1f},{y(value):.1f}" for day, value in points)
    grid = "".join(
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#e1e5ea"/>'
            '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#5f6b7a">{}%</text>',
            left,
            f"{y(level):.1f}",
            width - right,
            f"{y(level):.1f}",
            left - 6,
            f"{y(level) + 4:.1f}",
            level,
        )
        for level in (0, 50, 100)
    )
    dots = "".join(
        format_html(
            '<circle cx="{}" cy="{}" r="3" fill="#2e7d32"><title>{}: {}</title></circle>',
            f"{x(day):.1f}",
            f"{y(value):.1f}",
            numbers.format_date(day),
            format_percent(value),
        )
        for day, value in points
    )
    dates = format_html(
        '<text x="{}" y="{}" font-size="11" fill="#5f6b7a">{}</text>'
        '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#5f6b7a">{}</text>',
        left,
        height - 8,
        numbers.format_date(points[0][0]),
        width - right,
        height - 8,
        numbers.format_date(points[-1][0]),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" style="max-width:{}px" role="img"'
        ' aria-label="{}">{}<polyline points="{}" fill="none" stroke="#2e7d32" stroke-width="2"/>{}{}</svg>',
        width,
        height,
        width,
        title,
        mark_safe(grid),  # noqa: S308 - built above with format_html from numbers and dates only
        path,
        mark_safe(dots),  # noqa: S308 - as above
        dates,
    )
