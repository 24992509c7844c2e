"""Date and number formats of the interface, the same rules as kernel.numbers (day-first dates in every language)."""
