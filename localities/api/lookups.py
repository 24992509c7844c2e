"""Units named by their GSO code in the API: code:<code> on the current map, legacy:<code> on the map before
1 July 2025 (a GSO code is unique within one map only)."""

from ..choices import GenerationChoices


def _current(code: str) -> dict:
    return {"code": code, "generation": GenerationChoices.CURRENT}


def _legacy(code: str) -> dict:
    return {"code": code, "generation": GenerationChoices.LEGACY}


UNIT_SCHEMES = {"code": _current, "legacy": _legacy}
