"""What each role may do with works, capital, progress, households and period reports (collected by
localities.roles): data entry sees personal data in full and submits period reports; approvers approve,
return and unlock them; period reports are added and changed through those actions only."""

from kernel.access import PERSONAL_DATA_PERMISSION
from localities.choices import RoleChoices
from localities.roles import EVERY_ACTION, codenames, declared_permissions

SUBMIT = "tracker.submit_periodreport"
APPROVE = "tracker.approve_periodreport"

ROLE_PERMISSIONS = declared_permissions(
    data=[
        "tracker.work",
        "tracker.allocation",
        "tracker.disbursement",
        "tracker.progressreport",
        "tracker.household",
        "tracker.povertyassessment",
        "tracker.support",
    ],
    reference=["tracker.ethnicgroup", "tracker.povertystandard", "tracker.deprivationindicator"],
)
ROLE_PERMISSIONS[RoleChoices.VIEWER] += ["tracker.view_periodreport"]
ROLE_PERMISSIONS[RoleChoices.DATA_ENTRY] += ["tracker.view_periodreport", PERSONAL_DATA_PERMISSION, SUBMIT]
ROLE_PERMISSIONS[RoleChoices.APPROVER] += ["tracker.view_periodreport", APPROVE]
ROLE_PERMISSIONS[RoleChoices.NATIONAL_ADMIN] += codenames(["tracker.periodreport"], EVERY_ACTION) + [
    PERSONAL_DATA_PERMISSION,
    SUBMIT,
    APPROVE,
]
