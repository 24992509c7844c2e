"""Approved periods are locked: no entry dated in them is added, changed or deleted, by any path.

Every write path (services, admin forms, import, API) calls `ensure_unlocked` with the entry as it will be
and, for a change, as it was, so that nothing moves into or out of a locked period either. The admin base
(kernel/admin.py) reaches this module through kernel/locks.py, where `tracker.apps` registers it.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from localities.choices import GenerationChoices

from .choices import PeriodReportStatusChoices
from .models import PeriodReport


def reporting_commune(commune):
    """The current commune whose reports hold a commune's data (a legacy commune's main successor)."""
    if commune is None:
        return None
    return commune if commune.generation == GenerationChoices.CURRENT else commune.successor


def approved_report_covering(commune, day: datetime.date):
    current = reporting_commune(commune)
    if current is None or day is None:
        return None
    return (
        PeriodReport.objects.covering(current, day)
        .filter(status=PeriodReportStatusChoices.APPROVED)
        .select_related("decided_by", "commune")
        .first()
    )


def lock_message(report) -> str:
    approver = report.decided_by
    name = (approver.get_full_name() or approver.get_username()) if approver else _("an approver")
    return _(
        "The data of %(commune)s for %(period)s was approved on %(date)s by %(approver)s and is locked; "
        "ask %(approver)s to unlock it."
    ) % {
        "commune": report.commune.name,
        "period": report.period_label,
        "date": timezone.localtime(report.decided_at).strftime("%d/%m/%Y") if report.decided_at else "",
        "approver": name,
    }


def lock_reason(obj) -> str | None:
    """Why the entry cannot change (its period is approved), or None."""
    report = approved_report_covering(*obj.period_key())
    return lock_message(report) if report else None


def ensure_unlocked(obj, *, previous=None) -> None:
    """Raise ValidationError if the entry (or, for a change, the entry as it was) lies in an approved period."""
    keys = [obj.period_key()]
    if previous is not None:
        keys.append(previous.period_key())
    for commune, day in keys:
        report = approved_report_covering(commune, day)
        if report is not None:
            raise ValidationError(lock_message(report), code="locked")
