"""Programs and components named by their codes in the API: code:NTP-1719; a component by its program's
code and its own, code:NTP-1719:DA4.TDA1 (a component's code is unique within its program)."""


def _component(value: str) -> dict:
    program, _sep, code = value.partition(":")
    return {"program__code": program, "code": code}


PROGRAM_SCHEMES = {"code": lambda code: {"code": code}}
COMPONENT_SCHEMES = {"code": _component}
