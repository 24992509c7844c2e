"""Money is an integer number of VND. These helpers only present it."""


def format_vnd(amount: int | None) -> str:
    """1234567 → '1.234.567' (Vietnamese thousands separator)."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return sign + f"{abs(int(amount)):,}".replace(",", ".")


def rate_percent(part: int | None, whole: int | None) -> float | None:
    """part / whole as a percentage for display, or None when nothing was allocated."""
    if not whole:
        return None
    return round(100 * (part or 0) / whole, 1)
