"""Demo officials: one per role and level, on the units the demo data set is about.

Province officials hold Thái Nguyên (which took in Bắc Kạn on 1 July 2025); commune officials hold the
current commune that took in Mỹ Thanh (Bạch Thông, Bắc Kạn), home of Thom Ung village. All share the
documented demo password; never load the demo data in production.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from kernel.access import JurisdictionLevelChoices

from .choices import GenerationChoices, RoleChoices
from .models import Commune, Official, Province
from .roles import role_group

DEMO_PASSWORD = "ntp-demo-2026"
LEVELS = [JurisdictionLevelChoices.NATIONAL, JurisdictionLevelChoices.PROVINCE, JurisdictionLevelChoices.COMMUNE]
ROLE_SLUGS = {
    RoleChoices.DATA_ENTRY: "entry",
    RoleChoices.APPROVER: "approver",
    RoleChoices.VIEWER: "viewer",
    RoleChoices.NATIONAL_ADMIN: "admin",
}
NAMES = {
    "national.admin": ("Nguyễn Văn", "Quang"),
    "national.entry": ("Trần Thị", "Hương"),
    "national.approver": ("Lê Văn", "Dũng"),
    "national.viewer": ("Phạm Thị", "Lan"),
    "province.entry": ("Hoàng Văn", "Minh"),
    "province.approver": ("Đặng Thị", "Hoa"),
    "province.viewer": ("Bùi Văn", "Tuấn"),
    "commune.entry": ("Triệu Thị", "Mai"),
    "commune.approver": ("Lý Văn", "Hùng"),
    "commune.viewer": ("Ma Thị", "Thảo"),
}


def demo_units():
    """The demo jurisdictions: current Thái Nguyên, and the current commune that took in Mỹ Thanh."""
    province = Province.objects.current().get(code="19")
    my_thanh = Commune.objects.select_related("successor").get(
        generation=GenerationChoices.LEGACY, short_name="Mỹ Thanh", district__short_name="Bạch Thông"
    )
    return province, my_thanh.successor


def demo_accounts() -> list[tuple[str, str, str]]:
    """(username, role, level) for every demo official."""
    accounts = [("national.admin", RoleChoices.NATIONAL_ADMIN, JurisdictionLevelChoices.NATIONAL)]
    for level in LEVELS:
        for role in (RoleChoices.DATA_ENTRY, RoleChoices.APPROVER, RoleChoices.VIEWER):
            accounts.append((f"{level}.{ROLE_SLUGS[role]}", role, level))
    return accounts


@transaction.atomic
def officials_create_demo() -> list[dict]:
    """Create (or reset) the demo officials; returns what was made for printing."""
    province, commune = demo_units()
    User = get_user_model()
    made = []
    for username, role, level in demo_accounts():
        first, last = NAMES[username]
        user, _created = User.objects.get_or_create(username=username)
        user.first_name, user.last_name = first, last
        user.is_staff = True
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([role_group(role)])
        unit = {
            JurisdictionLevelChoices.NATIONAL: {"province": None, "commune": None},
            JurisdictionLevelChoices.PROVINCE: {"province": province, "commune": None},
            JurisdictionLevelChoices.COMMUNE: {"province": commune.province, "commune": commune},
        }[level]
        official, _created = Official.objects.update_or_create(user=user, defaults={"level": level, **unit})
        official.full_clean()
        made.append({"username": username, "role": role.label, "unit": str(unit["commune"] or unit["province"] or "")})
    return made
