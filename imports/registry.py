"""The import kinds by the name the command line, the admin and the API use.

The engine knows no kind: each app that has some lists them in its `import_kinds` module as `IMPORT_KINDS`
(name → ImportKind class, in the order officials see them), collected here from the installed apps, in
their order, the first time a kind is asked for.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext as _

KINDS_MODULE = "import_kinds"


@cache
def kind_classes() -> dict[str, type]:
    """Every installed app's import kinds, name → class."""
    found: dict[str, type] = {}
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, KINDS_MODULE):
            continue
        declared = import_module(f"{config.name}.{KINDS_MODULE}").IMPORT_KINDS
        clash = found.keys() & declared.keys()
        if clash:
            raise ValueError(f"Import kinds declared twice: {', '.join(sorted(clash))} ({config.name})")
        found.update(declared)
    return found


def kind_names() -> list[str]:
    return list(kind_classes())


class UnknownKind(KeyError):
    def __str__(self):
        return _("Unknown import kind “%(kind)s”; the kinds are: %(kinds)s.") % {
            "kind": self.args[0],
            "kinds": ", ".join(kind_names()),
        }


@cache
def get_kind(name: str):
    """The kind of this name (one instance, shared)."""
    try:
        cls = kind_classes()[name]
    except KeyError:
        raise UnknownKind(name) from None
    return cls()
