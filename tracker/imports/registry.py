"""The import kinds by the name the command line, the admin and the API use."""

from __future__ import annotations

from functools import cache

from django.utils.translation import gettext as _

# name → "module:Class" under tracker.imports.kinds; imported on first use.
KIND_CLASSES = {
    "works": "works:WorkImport",
    "villages": "villages:VillageImport",
    "capital-plans": "capital:CapitalPlanImport",
    "allocations": "capital:AllocationImport",
    "disbursements": "capital:DisbursementImport",
    "progress": "progress:ProgressImport",
    "households": "households:HouseholdImport",
    "poverty-statuses": "poverty:PovertyStatusImport",
    "supports": "supports:SupportImport",
}


class UnknownKind(KeyError):
    def __str__(self):
        return _("Unknown import kind “%(kind)s”; the kinds are: %(kinds)s.") % {
            "kind": self.args[0],
            "kinds": ", ".join(KIND_CLASSES),
        }


@cache
def get_kind(name: str):
    from importlib import import_module

    try:
        target = KIND_CLASSES[name]
    except KeyError:
        raise UnknownKind(name) from None
    module, cls = target.split(":")
    return getattr(import_module(f"tracker.imports.kinds.{module}"), cls)()
