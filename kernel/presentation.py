"""Presenting figures: money (an integer number of VND), rates and bars. These helpers only present; a
figure stays typed (an int, a Decimal) until here, and nothing reads their text back."""

from django.utils.html import format_html

from . import numbers


def format_vnd(amount: int | None) -> str:
    """1234567 → '1.234.567' (Vietnamese thousands separator); '' for no amount."""
    if amount is None:
        return ""
    return numbers.format_vnd(int(amount))


def rate_percent(part: int | None, whole: int | None) -> float | None:
    """part / whole as a percentage for display, or None when nothing was allocated."""
    if not whole:
        return None
    return round(100 * (part or 0) / whole, 1)


def bar(percent, *, colour: str = "#417690"):
    """A small horizontal bar with the figure beside it, for list columns."""
    if percent is None:
        return "—"
    width = max(0, min(100, float(percent)))
    return format_html(
        '<div style="display:flex;align-items:center;gap:6px;min-width:130px">'
        '<div style="background:#e5e5e5;width:90px;height:10px;border-radius:3px">'
        '<div style="background:{};width:{}%;height:10px;border-radius:3px"></div></div>'
        "<span>{}%</span></div>",
        colour,
        f"{width:.1f}",
        f"{float(percent):.1f}".replace(".", ","),
    )
