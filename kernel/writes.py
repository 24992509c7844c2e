"""The change and the delete every entity's service shares: the stored row locked, its version compared,
the jurisdiction checked before and after, locked periods refused, history attributed."""

from __future__ import annotations

from django.db import transaction

from .access import CHANGE, DELETE, ensure_allowed
from .locks import has_periods, period_locks
from .versions import ensure_current, next_version


def record_update(obj, *, version: int | None, user, fields: dict, validate=None):
    """Change `obj` with `fields` and save it: refused if based on an older version than the stored one, if
    the stored row lies outside the user's jurisdiction, or if it lies (or would lie) in a locked period.

    `validate(obj, current)` checks the rules beyond the model's own (which `full_clean` checks first).
    """
    with transaction.atomic():
        current = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        ensure_current(current, version)
        ensure_allowed(user, CHANGE, current)
        for name, value in fields.items():
            setattr(obj, name, value)
        obj.version = current.version
        obj.full_clean()
        if validate is not None:
            validate(obj, current)
        if has_periods(obj):
            period_locks().ensure_unlocked(obj, previous=current)
        next_version(obj, current)
        obj._history_user = user
        obj.save()
        ensure_allowed(user, CHANGE, obj)
    return obj


def record_delete(obj, *, version: int | None, user) -> None:
    """Delete `obj` (its history keeps a '-' record by the user), with the same refusals as a change."""
    with transaction.atomic():
        current = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        ensure_current(current, version)
        ensure_allowed(user, DELETE, current)
        if has_periods(current):
            period_locks().ensure_unlocked(current)
        current._history_user = user
        current.delete()
