"""The roles officials hold, as permission groups. `manage.py setup_roles` creates or updates them.

Roles say what an official may do; their jurisdiction (localities.Official) says where. A user may hold
several roles.

- Viewer: reads all data in the jurisdiction; writes nothing.
- Data entry: reads; adds and changes works, capital, progress, households, yearly statuses, support,
  villages and plan entries; sees personal data in full; submits period reports.
- Approver: reads; approves, returns and unlocks period reports (from province or national level).
- National administrator: everything, including reference data, officials and user accounts.

Each app declares what its roles may do with its own models, in its `roles.py`: `ROLE_PERMISSIONS`, a role
→ ["app_label.codename", ...] mapping. `role_permissions()` collects them from the installed apps, so that
this module names no other app's model. This app declares its units, villages, officials and the accounts
(users, groups, login lockouts), which its admin keeps.
"""

from importlib import import_module

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.module_loading import module_has_submodule
from django.utils.text import capfirst
from django.utils.translation import pgettext_lazy

from .choices import RoleChoices

ROLES_MODULE = "roles"

ROLE_GROUP_NAMES = {
    RoleChoices.VIEWER: "Viewer",
    RoleChoices.DATA_ENTRY: "Data entry",
    RoleChoices.APPROVER: "Approver",
    RoleChoices.NATIONAL_ADMIN: "National administrator",
}

EVERY_ACTION = ["view", "add", "change", "delete"]


def codenames(models: list[str], actions: list[str]) -> list[str]:
    """["app.model", ...] × ["view", ...] → ["app.view_model", ...]."""
    return [f"{model.split('.')[0]}.{action}_{model.split('.')[1]}" for model in models for action in actions]


def declared_permissions(*, data: list[str], reference: list[str], accounts: list[str] = ()) -> dict:
    """The usual shape of an app's `ROLE_PERMISSIONS`: everybody reads its data (rows of a commune) and its
    reference data; data entry adds and changes its data; national administrators do everything with all
    of it, accounts included."""
    reads = codenames(data + reference, ["view"])
    return {
        RoleChoices.VIEWER: list(reads),
        RoleChoices.DATA_ENTRY: reads + codenames(data, ["add", "change"]),
        RoleChoices.APPROVER: list(reads),
        RoleChoices.NATIONAL_ADMIN: codenames(data + reference + list(accounts), EVERY_ACTION),
    }


ROLE_PERMISSIONS = declared_permissions(
    data=["localities.village"],
    reference=[
        "localities.province",
        "localities.district",
        "localities.commune",
        "localities.communesuccession",
        "localities.areaclassification",
    ],
    accounts=["localities.official", "auth.user", "auth.group", "api.apitoken"],
)
# Login throttling records: national administrators read them and unlock an account by deleting its attempts.
ROLE_PERMISSIONS[RoleChoices.NATIONAL_ADMIN] += [
    "axes.view_accessattempt",
    "axes.delete_accessattempt",
    "axes.view_accesslog",
    "axes.view_accessfailurelog",
]


def role_permissions() -> dict[str, list[str]]:
    """Each role's permissions as "app_label.codename", as the installed apps declare them (in their order)."""
    collected: dict[str, list[str]] = {role: [] for role in ROLE_GROUP_NAMES}
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, ROLES_MODULE):
            continue
        declared = getattr(import_module(f"{config.name}.{ROLES_MODULE}"), "ROLE_PERMISSIONS", {})
        for role, names in declared.items():
            collected[role] += [name for name in names if name not in collected[role]]
    return collected


_ROLES_BY_GROUP_NAME = {name: role for role, name in ROLE_GROUP_NAMES.items()}


def group_label(group: Group) -> str:
    """A permission group as officials read it: a role's group by the role's name in the interface's
    language ("Cán bộ nhập liệu"), another group by its stored name."""
    role = _ROLES_BY_GROUP_NAME.get(group.name)
    return str(RoleChoices(role).label) if role else group.name


_PERMISSION_ACTIONS = {
    "view": pgettext_lazy("permission", "view"),
    "add": pgettext_lazy("permission", "add"),
    "change": pgettext_lazy("permission", "change"),
    "delete": pgettext_lazy("permission", "delete"),
}


def permission_label(permission: Permission) -> str:
    """A permission as officials read it, in the interface's language: "Công trình: thêm" for
    tracker.add_work (Django stores "Can add work", in English, once); a model's own permission
    (Meta.permissions, such as a household's view_personal_data) by its name as declared, whatever language
    was active when it was first stored."""
    model = permission.content_type.model_class()
    if model is None:
        return permission.name
    declared = dict(model._meta.permissions)
    if permission.codename in declared:
        return str(declared[permission.codename])
    action = permission.codename.split("_", 1)[0]
    if action in _PERMISSION_ACTIONS and permission.codename == f"{action}_{model._meta.model_name}":
        return f"{capfirst(model._meta.verbose_name)}: {_PERMISSION_ACTIONS[action]}"
    return permission.name


def role_group(role: str) -> Group:
    return Group.objects.get(name=ROLE_GROUP_NAMES[role])


@transaction.atomic
def roles_setup() -> dict[str, int]:
    """Create or update one permission group per role, with exactly the role's permissions."""
    wanted = role_permissions()
    all_names = {name for names in wanted.values() for name in names}
    by_name = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").filter(
            content_type__app_label__in={n.split(".")[0] for n in all_names}
        )
    }
    missing = sorted(all_names - by_name.keys())
    if missing:
        raise LookupError(f"Permissions not found (migrations not applied?): {', '.join(missing)}")
    counts = {}
    for role, names in wanted.items():
        group, _created = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[role])
        group.permissions.set([by_name[n] for n in names])
        counts[ROLE_GROUP_NAMES[role]] = len(names)
    return counts
