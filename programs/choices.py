from django.db import models
from django.utils.translation import gettext_lazy as _


class ComponentLevelChoices(models.TextChoices):
    PROJECT = "project", _("Project (dự án)")
    SUBPROJECT = "subproject", _("Sub-project (tiểu dự án)")
    CONTENT = "content", _("Content (nội dung)")


class CapitalSourceChoices(models.TextChoices):
    CENTRAL = "central", _("Central budget")
    PROVINCE = "province", _("Local budget: province")
    COMMUNE = "commune", _("Local budget: commune")
    INTEGRATED = "integrated", _("Integrated capital (lồng ghép)")
    POLICY_CREDIT = "policy_credit", _("Policy credit (Social Policy Bank)")
    ENTERPRISE = "enterprise", _("Enterprises and other")
    PEOPLE = "people", _("People's contribution")


class CapitalTypeChoices(models.TextChoices):
    INVESTMENT = "investment", _("Development investment")
    RECURRENT = "recurrent", _("Recurrent (sự nghiệp)")


class CapitalEntryKindChoices(models.TextChoices):
    """How a capital plan or allocation entry changes the capital of its year.

    An assignment adds capital; an adjustment adds or removes it (the only kind that may be negative);
    an extension (kéo dài) adds nothing: it records that part of the year's capital may still be spent
    until a later date, and is excluded from plan totals.
    """

    ASSIGNED = "assigned", _("Assigned")
    ADJUSTMENT = "adjustment", _("Adjustment")
    EXTENSION = "extension", _("Extension (kéo dài)")
