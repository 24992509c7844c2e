"""Vietnamese formats (FORMAT_MODULE_PATH): where Django formats or reads a value without the kernel's fields.

Dates are day first, written dd/mm/yyyy, and read day first only (Django's defaults would read 05/11/2026 as
11 May). The first input format is the one the admin's calendar writes. Numbers: dot for thousands, comma
for decimals, as `kernel.numbers`; thousands are grouped only where a value is formatted as money
(`USE_THOUSAND_SEPARATOR` is off, so years show 2025, not 2.025).
"""

DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "m/Y"
MONTH_DAY_FORMAT = "d/m"
FIRST_DAY_OF_WEEK = 1  # Monday

DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # 05/11/2026, 5/11/2026
    "%d/%m/%y",  # 05/11/26
    "%Y-%m-%d",  # 2026-11-05
    "%d-%m-%Y",  # 05-11-2026
    "%d.%m.%Y",  # 05.11.2026
]
TIME_INPUT_FORMATS = ["%H:%M:%S", "%H:%M:%S.%f", "%H:%M"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S.%f",
    "%d/%m/%Y %H:%M",
    "%d/%m/%y %H:%M:%S",
    "%d/%m/%y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%Y-%m-%d",
]

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
