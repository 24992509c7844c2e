"""Writes on programs' capital plans. Admin, import, API and commands all call these."""

from django.db import transaction

from kernel.access import ADD, ensure_allowed

from .models import CapitalPlanEntry


def capital_plan_entry_record(*, user=None, **fields) -> CapitalPlanEntry:
    """Record an entry of a plan ledger (an assignment, an adjustment or an extension) for a component, year
    and locality; entries are never edited: a correction is an adjustment entry of its own."""
    entry = CapitalPlanEntry(**fields)
    with transaction.atomic():
        entry.full_clean()
        entry._history_user = user
        entry.save()
        ensure_allowed(user, ADD, entry)
    return entry
