"""Money is an integer number of VND. These helpers only present it."""

from kernel import numbers


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
