"""Entries that may be locked: the kernel's side of approved (locked) periods.

A model whose rows belong to a reporting period says so with `period_key()` (its commune and day). Which
periods are locked, and by whom, is the business of the app that approves them (tracker: approved period
reports): it registers its rule here when the registry is ready (`tracker.apps`), so that the admin base
can refuse a locked entry without importing any app.
"""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


class PeriodLocks(Protocol):
    def lock_reason(self, obj) -> str | None:
        """Why the entry cannot change (its period is approved), or None."""

    def ensure_unlocked(self, obj, *, previous=None) -> None:
        """Raise ValidationError if the entry, or for a change the entry as it was, lies in a locked period."""


_locks: PeriodLocks | None = None


def register_period_locks(locks: PeriodLocks) -> None:
    global _locks
    _locks = locks


def has_periods(model_or_obj) -> bool:
    return hasattr(model_or_obj, "period_key")


def period_locks() -> PeriodLocks:
    if _locks is None:
        raise ImproperlyConfigured("A model has periods (period_key) but no app registered the period locks")
    return _locks


def lock_reason(obj) -> str | None:
    """The reason an entry cannot change (its period is approved), or None (also for a new entry)."""
    if obj is None or obj.pk is None or not has_periods(obj):
        return None
    return period_locks().lock_reason(obj)


def ensure_unlocked(obj, *, previous=None) -> None:
    if has_periods(obj):
        period_locks().ensure_unlocked(obj, previous=previous)
