"""The roles officials hold, as permission groups. `manage.py setup_roles` creates or updates them.

Roles say what an official may do; their jurisdiction (localities.Official) says where. A user may hold
several roles.

- Viewer: reads all data in the jurisdiction; writes nothing.
- Data entry: reads; adds and changes works, capital, progress, households, yearly statuses, support,
  villages and plan entries; sees personal data in full; submits period reports.
- Approver: reads; approves, returns and unlocks period reports (from province or national level).
- National administrator: everything, including reference data, officials and user accounts.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .choices import RoleChoices

# Data that belongs to a commune (scoped by jurisdiction).
DATA_MODELS = [
    "tracker.work",
    "tracker.allocation",
    "tracker.disbursement",
    "tracker.progressreport",
    "tracker.household",
    "tracker.povertyassessment",
    "tracker.support",
    "tracker.periodreport",
    "localities.village",
    "programs.capitalplanentry",
]
# Reference data everybody reads.
REFERENCE_MODELS = [
    "localities.province",
    "localities.district",
    "localities.commune",
    "localities.communesuccession",
    "localities.areaclassification",
    "programs.legaldocument",
    "programs.program",
    "programs.component",
    "tracker.ethnicgroup",
    "tracker.povertystandard",
    "tracker.deprivationindicator",
]
# Who is who: the national administrators' business.
ACCOUNT_MODELS = ["localities.official", "auth.user", "auth.group"]

# Login throttling records: national administrators read them and unlock an account by deleting its attempts.
LOCKOUT_PERMISSIONS = [
    "axes.view_accessattempt",
    "axes.delete_accessattempt",
    "axes.view_accesslog",
    "axes.view_accessfailurelog",
]

DATA_ENTRY_WRITES = [m for m in DATA_MODELS if m != "tracker.periodreport"]
PERSONAL_DATA = "tracker.view_personal_data"
SUBMIT = "tracker.submit_periodreport"
APPROVE = "tracker.approve_periodreport"

ROLE_GROUP_NAMES = {
    RoleChoices.VIEWER: "Viewer",
    RoleChoices.DATA_ENTRY: "Data entry",
    RoleChoices.APPROVER: "Approver",
    RoleChoices.NATIONAL_ADMIN: "National administrator",
}


def _codenames(models, actions):
    return [f"{model.split('.')[0]}.{action}_{model.split('.')[1]}" for model in models for action in actions]


def role_permissions() -> dict[str, list[str]]:
    """Each role's permissions as "app_label.codename"."""
    reads = _codenames(DATA_MODELS + REFERENCE_MODELS, ["view"])
    return {
        RoleChoices.VIEWER: reads,
        RoleChoices.DATA_ENTRY: reads + _codenames(DATA_ENTRY_WRITES, ["add", "change"]) + [PERSONAL_DATA, SUBMIT],
        RoleChoices.APPROVER: reads + [APPROVE],
        RoleChoices.NATIONAL_ADMIN: _codenames(
            DATA_MODELS + REFERENCE_MODELS + ACCOUNT_MODELS, ["view", "add", "change", "delete"]
        )
        + [PERSONAL_DATA, SUBMIT, APPROVE]
        + LOCKOUT_PERMISSIONS,
    }


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
