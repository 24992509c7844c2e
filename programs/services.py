"""Writes on programs' capital plans. Admin, import, API and commands all call these."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kernel.access import ADD, JurisdictionLevelChoices, ensure_allowed, jurisdiction_of

from .models import CapitalPlanEntry

COMMUNE_OFFICIALS_GIVE_THE_COMMUNE = _(
    "Capital held at province level is entered by the province; a commune official enters the "
    "commune's own plan (give the commune)."
)


def capital_plan_entry_record(*, user=None, **fields) -> CapitalPlanEntry:
    """Record an entry of a plan ledger (an assignment, an adjustment or an extension) for a component, year
    and locality; entries are never edited: a correction is an adjustment entry of its own.

    A commune official's entry is the commune's own plan: one without a commune (capital held at province
    level) is the province's to enter, an error on the commune, whichever screen, file or API sent it."""
    entry = CapitalPlanEntry(**fields)
    if (
        user is not None
        and entry.commune_id is None
        and jurisdiction_of(user).level == JurisdictionLevelChoices.COMMUNE
    ):
        raise ValidationError({"commune": COMMUNE_OFFICIALS_GIVE_THE_COMMUNE})
    with transaction.atomic():
        entry.full_clean()
        entry._history_user = user
        entry.save()
        ensure_allowed(user, ADD, entry)
    return entry
