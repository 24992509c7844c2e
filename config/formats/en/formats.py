"""English formats (FORMAT_MODULE_PATH): the product is Vietnam's, so dates are day first here too.

`05/11/2026` is 5 November 2026 in the English interface as in the Vietnamese one: dates are written
dd/mm/yyyy and never read month first. Numbers: comma for thousands, dot for decimals, as `kernel.numbers`.
"""

from config.formats.vi.formats import (  # noqa: F401  (the same dates as in Vietnamese)
    DATE_FORMAT,
    DATE_INPUT_FORMATS,
    DATETIME_FORMAT,
    DATETIME_INPUT_FORMATS,
    FIRST_DAY_OF_WEEK,
    MONTH_DAY_FORMAT,
    SHORT_DATE_FORMAT,
    SHORT_DATETIME_FORMAT,
    TIME_FORMAT,
    TIME_INPUT_FORMATS,
    YEAR_MONTH_FORMAT,
)

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
