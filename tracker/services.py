"""Writes on works, capital, progress and households. Admin, import, API and commands all call these."""

import datetime
import operator
from collections.abc import Iterable, Sequence

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CheckConstraint, F, OuterRef, Q, Subquery, Sum, UniqueConstraint
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.access import (
    ADD,
    APPROVE,
    CHANGE,
    SUBMIT,
    VIEW,
    JurisdictionLevelChoices,
    ensure_allowed,
    jurisdiction_of,
    may,
)
from kernel.history import current_change_path, history_of_changes, history_of_inserts
from kernel.presentation import format_vnd
from kernel.versions import next_version
from kernel.writes import record_delete as _delete
from kernel.writes import record_update as _update
from localities.models import Commune, Village
from localities.services import village_create
from programs.choices import CapitalEntryKindChoices, CapitalSourceChoices, CapitalTypeChoices
from programs.models import Component
from programs.querysets import CAPITAL_CHANGING_KINDS

from .choices import PeriodReportStatusChoices, PovertyStatusChoices
from .locks import approved_report_covering, ensure_unlocked, lock_message, reporting_commune
from .models import (
    Allocation,
    DeprivationIndicator,
    Disbursement,
    Household,
    PeriodReport,
    PovertyAssessment,
    PovertyStandard,
    ProgressReport,
    Support,
    Work,
)


def _save(obj, *, user, previous=None, lock_checked=False):
    """Save inside the caller's transaction: locked periods refused (unless the caller's validation just did
    it), the version moved on for a change, history attributed, then the jurisdiction re-checked."""
    if not lock_checked and hasattr(obj, "period_key"):
        ensure_unlocked(obj, previous=previous)
    if previous is not None:
        next_version(obj, previous)
    obj._history_user = user
    obj.save()
    ensure_allowed(user, ADD if previous is None else CHANGE, obj)
    return obj


def _current(obj):
    """The row of `obj` as stored, locked until the end of the transaction."""
    return type(obj)._default_manager.select_for_update().get(pk=obj.pk)


def disbursement_deadline(year: int) -> datetime.date:
    """A year's capital is disbursed by 31 January of the next year unless extended (kéo dài)."""
    return datetime.date(year + 1, 1, 31)


def _capital_label(year, source, capital_type) -> str:
    return _("%(year)s, %(source)s, %(type)s") % {
        "year": year,
        "source": CapitalSourceChoices(source).label,
        "type": CapitalTypeChoices(capital_type).label,
    }


def allocation_record(
    *,
    work: Work,
    component: Component,
    year: int,
    source: str,
    capital_type: str,
    amount: int,
    decided_on: datetime.date,
    kind: str = CapitalEntryKindChoices.ASSIGNED,
    extended_until: datetime.date | None = None,
    document=None,
    note: str = "",
    user=None,
) -> Allocation:
    """Record capital allocated to a work (or an adjustment or extension of it)."""
    allocation = Allocation(
        work=work,
        component=component,
        year=year,
        source=source,
        capital_type=capital_type,
        amount=amount,
        kind=kind,
        extended_until=extended_until,
        decided_on=decided_on,
        document=document,
        note=note,
    )
    with transaction.atomic():
        locked = Work.objects.select_for_update().get(pk=work.pk)
        allocation_validate(allocation, work=locked)
        _save(allocation, user=user, lock_checked=True)
    return allocation


def allocation_validate(allocation: Allocation, *, work: Work | None = None) -> None:
    """Every rule an allocation must meet, raising ValidationError with field messages."""
    allocation.full_clean()
    ensure_unlocked(allocation)
    work = work or allocation.work
    errors = {}
    if not work.components.filter(pk=allocation.component_id).exists():
        errors["component"] = _("%(component)s is not one of the components that fund work %(work)s.") % {
            "component": allocation.component,
            "work": work.code,
        }
    if allocation.kind == CapitalEntryKindChoices.ADJUSTMENT and allocation.amount < 0:
        current = Allocation.objects.filter(
            work=work, year=allocation.year, source=allocation.source, kind__in=CAPITAL_CHANGING_KINDS
        ).total()
        disbursed = Disbursement.objects.filter(work=work, year=allocation.year, source=allocation.source).total()
        if current + allocation.amount < disbursed:
            errors["amount"] = _reduction_below_disbursed(allocation, current, disbursed)
    if errors:
        raise ValidationError(errors)


def _reduction_below_disbursed(allocation: Allocation, current: int, disbursed: int) -> str:
    """The refusal of a reduction that would leave less allocated than already disbursed."""
    return _(
        "This reduction would leave %(left)s VND allocated for %(capital)s, less than the %(disbursed)s VND "
        "already disbursed."
    ) % {
        "left": format_vnd(current + allocation.amount),
        "capital": _capital_label(allocation.year, allocation.source, allocation.capital_type),
        "disbursed": format_vnd(disbursed),
    }


def allocations_record_many(
    entries: Sequence[dict], *, user=None, together: Sequence | None = None
) -> list[Allocation | ValidationError | PermissionDenied | None]:
    """Record many allocations at once with the rules of `allocation_record` (the import): for each entry, in
    order, the allocation saved or the error that refused it. `entries` are `allocation_record`'s arguments.
    `together`, one value per entry: consecutive entries with the same value (a wide form's row) are written
    together or not at all; the first of them refused has its error, and the others of its group are None
    (not written). Without it, each entry stands alone. A refused entry (or group) writes nothing; the others
    are written together.

    The same checks, fewer queries, as if the entries were recorded one by one in order: the works are locked
    once; each entry is checked as `full_clean` checks it (`_clean_many`; one it may fail is checked by
    `full_clean` itself, whose messages these are), then against the locked periods (looked up once; an
    entry in a commune with an approved period is checked as one entry is, once per period), the components
    funding its work (one query) and, for a reduction, the work's capital allocated and disbursed (one query
    each, the entries accepted before it counted). The rows and their "+" history are inserted together and
    the jurisdiction is re-checked on the rows as saved; if the database refuses one, or one lies outside the
    jurisdiction, the batch is undone and done again entry by entry, which names the entry and the rule.
    """
    if not entries:
        return []
    groups = _runs(together, len(entries))
    with transaction.atomic():
        ids = sorted({values["work"].pk for values in entries})
        works = {w.pk: w for w in Work.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
        if len(works) != len(ids):  # a work that is not (or no longer) there: as `allocation_record` says it
            return _allocations_one_by_one(entries, groups, user)
        allocations = [Allocation(**{**_ALLOCATION_DEFAULTS, **values}) for values in entries]
        errors = _clean_many(allocations)
        locks = _lock_refusals(allocations, works)
        field = Work._meta.get_field("components")
        funding = set(
            field.remote_field.through.objects.filter(**{f"{field.m2m_field_name()}_id__in": ids}).values_list(
                f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
            )
        )
        allocated, disbursed = _capital_of_reductions(allocations)
        role_refusal = _role_refusal(user, Allocation)
        outcomes: list = [None] * len(entries)
        accepted = []
        for group in groups:
            added: dict[tuple, int] = {}
            refused = None
            for index in group:
                allocation = allocations[index]
                work = works[allocation.work_id]
                refused = errors[index] or locks[index]
                if refused is None:
                    refused = _allocation_refusal(allocation, work, funding, allocated, added, disbursed)
                refused = refused or role_refusal
                if refused is not None:
                    outcomes[index] = refused
                    break
                if allocation.kind in CAPITAL_CHANGING_KINDS:
                    key = (allocation.work_id, allocation.year, allocation.source)
                    added[key] = added.get(key, 0) + allocation.amount
            if refused is None:
                accepted.extend(group)
                for key, amount in added.items():
                    allocated[key] = allocated.get(key, 0) + amount
        if not accepted:
            return outcomes
        try:
            with transaction.atomic():
                saved = Allocation.objects.bulk_create([allocations[i] for i in accepted])
                history_of_inserts(Allocation, [a.pk for a in saved], user=user)
                if user is not None:
                    inside = Allocation.objects.restrict(user, ADD).filter(pk__in=[a.pk for a in saved])
                    if inside.count() != len(saved):
                        raise _OneByOne
        except (IntegrityError, _OneByOne):
            return _allocations_one_by_one(entries, groups, user)
        for index in accepted:
            allocations[index]._history_user = user
            outcomes[index] = allocations[index]
    return outcomes


# `allocation_record`'s defaults, for an entry that leaves them out.
_ALLOCATION_DEFAULTS = {
    "kind": CapitalEntryKindChoices.ASSIGNED,
    "extended_until": None,
    "document": None,
    "note": "",
}


def _runs(together: Sequence | None, count: int) -> list[list[int]]:
    """The indices of the entries, in runs of consecutive equal values of `together` (each alone without)."""
    if together is None:
        return [[index] for index in range(count)]
    if len(together) != count:
        raise ValueError("`together` gives one value per entry")
    runs: list[list[int]] = []
    for index, value in enumerate(together):
        if runs and together[index - 1] == value:
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs


def _lock_refusals(allocations: Sequence[Allocation], works: dict) -> list[ValidationError | None]:
    """What `ensure_unlocked` says of each allocation, the approved reports looked up once (and each locked
    period's message once)."""
    communes = Commune.objects.select_related("successor").in_bulk({w.commune_id for w in works.values()})
    currents = {pk: reporting_commune(c) for pk, c in communes.items()}
    approved = set(
        PeriodReport.objects.filter(
            commune__in={c.pk for c in currents.values() if c}, status=PeriodReportStatusChoices.APPROVED
        ).values_list("commune_id", flat=True)
    )
    refusals: list[ValidationError | None] = []
    said: dict[tuple, ValidationError | None] = {}
    for allocation in allocations:
        commune_id = works[allocation.work_id].commune_id
        current, day = currents[commune_id], allocation.decided_on
        if current is None or current.pk not in approved or not isinstance(day, datetime.date):
            refusals.append(None)
            continue
        key = (current.pk, day.year, (day.month - 1) // 3 + 1)  # the periods of a current commune
        if key not in said:
            report = approved_report_covering(current, day)
            said[key] = ValidationError(lock_message(report), code="locked") if report else None
        refusals.append(said[key])
    return refusals


def _capital_of_reductions(allocations: Sequence[Allocation]) -> tuple[dict[tuple, int], dict[tuple, int]]:
    """The capital allocated and disbursed so far for each (work, year, source) a reduction is of."""
    keys = {
        (a.work_id, a.year, a.source)
        for a in allocations
        if a.kind == CapitalEntryKindChoices.ADJUSTMENT and isinstance(a.amount, int) and a.amount < 0
    }
    if not keys:
        return {}, {}
    where = {"work_id__in": {k[0] for k in keys}, "year__in": {k[1] for k in keys}, "source__in": {k[2] for k in keys}}
    figures = []
    for entries in (
        Allocation.objects.filter(**where, kind__in=CAPITAL_CHANGING_KINDS),
        Disbursement.objects.filter(**where),
    ):
        rows = entries.order_by().values_list("work_id", "year", "source").annotate(total=Sum("amount"))
        figures.append({(w, y, s): total for w, y, s, total in rows if (w, y, s) in keys})
    allocated, disbursed = figures
    return {key: allocated.get(key, 0) for key in keys}, disbursed


def _allocation_refusal(
    allocation: Allocation, work: Work, funding: set, allocated: dict, added: dict, disbursed: dict
) -> ValidationError | None:
    """What `allocation_validate` says after `full_clean` and the locks: the component funds the work; a
    reduction leaves at least what was disbursed (`allocated`: before the entry's group, `added`: by the
    group's entries before it)."""
    errors = {}
    if (work.pk, allocation.component_id) not in funding:
        errors["component"] = _("%(component)s is not one of the components that fund work %(work)s.") % {
            "component": allocation.component,
            "work": work.code,
        }
    if allocation.kind == CapitalEntryKindChoices.ADJUSTMENT and allocation.amount < 0:
        key = (work.pk, allocation.year, allocation.source)
        current = allocated[key] + added.get(key, 0)
        paid = disbursed.get(key, 0)
        if current + allocation.amount < paid:
            errors["amount"] = _reduction_below_disbursed(allocation, current, paid)
    return ValidationError(errors) if errors else None


def _allocations_one_by_one(
    entries: Sequence[dict], groups: list[list[int]], user
) -> list[Allocation | ValidationError | PermissionDenied | None]:
    """`allocation_record` for each entry, each group in its savepoint, stopping at its first refusal."""
    outcomes: list = [None] * len(entries)
    for group in groups:
        saved: list[tuple[int, Allocation]] = []
        try:
            with transaction.atomic():
                for index in group:
                    try:
                        saved.append((index, allocation_record(**entries[index], user=user)))
                    except (ValidationError, PermissionDenied) as error:
                        outcomes[index] = error
                        raise
        except (ValidationError, PermissionDenied):
            continue
        for index, allocation in saved:
            outcomes[index] = allocation
    return outcomes


def disbursement_validate(disbursement: Disbursement, *, work: Work | None = None) -> None:
    """Check a new disbursement against the work's allocation and the year's deadline."""
    disbursement.full_clean(exclude=["reverses"])
    ensure_unlocked(disbursement)
    work = work or disbursement.work
    year, source = disbursement.year, disbursement.source
    errors = {}
    if disbursement.paid_on.year < year:
        errors["paid_on"] = _("Capital of %(year)s cannot be paid on %(date)s, before its year.") % {
            "year": year,
            "date": disbursement.paid_on.strftime("%d/%m/%Y"),
        }
    deadline = disbursement_deadline(year)
    if disbursement.paid_on > deadline:
        extended = (
            Allocation.objects.filter(
                work=work,
                year=year,
                source=source,
                kind=CapitalEntryKindChoices.EXTENSION,
                extended_until__gte=disbursement.paid_on,
            )
            .order_by()
            .exists()
        )
        if not extended:
            errors["paid_on"] = _(
                "Capital of %(year)s had to be disbursed by %(deadline)s and no extension (kéo dài) of it for this "
                "work runs to %(date)s."
            ) % {
                "year": year,
                "deadline": deadline.strftime("%d/%m/%Y"),
                "date": disbursement.paid_on.strftime("%d/%m/%Y"),
            }
    allocated = Allocation.objects.filter(work=work, year=year, source=source).total()
    disbursed = Disbursement.objects.filter(work=work, year=year, source=source).total()
    if disbursed + disbursement.amount > allocated:
        errors["amount"] = _(
            "Disbursing %(amount)s VND would bring work %(work)s to %(total)s VND disbursed for %(capital)s, above the "
            "%(allocated)s VND allocated (%(left)s VND left)."
        ) % {
            "amount": format_vnd(disbursement.amount),
            "work": work.code,
            "total": format_vnd(disbursed + disbursement.amount),
            "capital": _capital_label(year, source, disbursement.capital_type),
            "allocated": format_vnd(allocated),
            "left": format_vnd(max(allocated - disbursed, 0)),
        }
    if errors:
        raise ValidationError(errors)


def disbursement_record(
    *,
    work: Work,
    year: int,
    source: str,
    capital_type: str,
    amount: int,
    voucher_number: str,
    paid_on: datetime.date,
    note: str = "",
    user=None,
) -> Disbursement:
    """Record a treasury payment for a work, never taking its disbursed total above what was allocated.

    The work row is locked for the check, so two officials paying at once cannot both pass it.
    """
    disbursement = Disbursement(
        work=work,
        year=year,
        source=source,
        capital_type=capital_type,
        amount=amount,
        voucher_number=voucher_number.strip(),
        paid_on=paid_on,
        note=note,
    )
    with transaction.atomic():
        locked = Work.objects.select_for_update().get(pk=work.pk)
        disbursement_validate(disbursement, work=locked)
        _save(disbursement, user=user, lock_checked=True)
    return disbursement


def disbursement_reverse(
    *, disbursement: Disbursement, reason: str, reversed_on: datetime.date, user=None
) -> Disbursement:
    """Cancel a disbursement with a reversing entry of the opposite amount; the original stays."""
    if not reason.strip():
        raise ValidationError({"note": _("Say why the disbursement is reversed.")})
    with transaction.atomic():
        Work.objects.select_for_update().get(pk=disbursement.work_id)
        original = Disbursement.objects.select_for_update().get(pk=disbursement.pk)
        if original.reverses_id is not None:
            raise ValidationError(_("Voucher %(voucher)s is itself a reversal.") % {"voucher": original.voucher_number})
        if Disbursement.objects.filter(reverses=original).exists():
            raise ValidationError(
                _("Voucher %(voucher)s of %(date)s is already reversed.")
                % {"voucher": original.voucher_number, "date": original.paid_on.strftime("%d/%m/%Y")}
            )
        if reversed_on < original.paid_on:
            raise ValidationError({"paid_on": _("A reversal cannot be dated before the payment it reverses.")})
        reversal = Disbursement(
            work_id=original.work_id,
            year=original.year,
            source=original.source,
            capital_type=original.capital_type,
            amount=-original.amount,
            voucher_number=original.voucher_number,
            paid_on=reversed_on,
            reverses=original,
            note=reason.strip(),
        )
        reversal.full_clean()
        _save(reversal, user=user)
    return reversal


def progress_report_record(
    *,
    work: Work,
    reported_on: datetime.date,
    progress_percent,
    status: str,
    quantity_done=None,
    note: str = "",
    user=None,
) -> ProgressReport:
    """Record a work's progress on a date; the newest report sets the work's status."""
    report = ProgressReport(
        work=work,
        reported_on=reported_on,
        progress_percent=progress_percent,
        quantity_done=quantity_done,
        status=status,
        note=note,
    )
    with transaction.atomic():
        locked = Work.objects.select_for_update().get(pk=work.pk)
        report.full_clean()
        _save(report, user=user)
        progress_sync_work_status(work=locked, user=user)
    return report


def progress_sync_work_status(*, work: Work, user=None) -> None:
    """Give the work the status of its newest progress report (a new version of the work, in its history)."""
    latest = work.progress_reports.order_by("-reported_on", "-pk").first()
    if latest and latest.status != work.status:
        current = _current(work)
        current.status = latest.status
        next_version(current, current)
        current._history_user = user
        current.save(update_fields=["status", "version", "updated_at"])
        work.status, work.version = current.status, current.version


class _OneByOne(Exception):
    """The batch met what only the one-by-one path can name (a constraint, a row outside the jurisdiction)."""


def progress_reports_record_many(
    *, reports: Sequence[dict], user=None
) -> list[ProgressReport | ValidationError | PermissionDenied]:
    """Record many progress reports at once with the rules of `progress_report_record` (the API's bulk posts,
    the import): for each report, in order, the report saved or the error that refused it (a refused report
    writes nothing; the others are written together). `reports` are `progress_report_record`'s arguments.

    The same checks, fewer queries: the works are locked once; the fields and `clean` are checked in Python
    (a report they refuse is checked again by `full_clean`, for the whole message); the locked periods are
    looked up once (a report in a commune with an approved period is checked as one report is); the rows and
    their history are inserted together, and the jurisdiction is re-checked on the rows as saved. The
    database checks the constraints on insert: if it refuses one (two reports of a work and day), or a row
    lies outside the jurisdiction, the batch is undone and done again report by report, which names the
    report and the rule. A work's status follows its newest report once per work (one new version of it).
    """
    if not reports:
        return []
    if user is not None and not may(user, ADD, ProgressReport):
        try:
            ensure_allowed(user, ADD, ProgressReport())  # the role's refusal, with its message
        except PermissionDenied as error:
            return [error] * len(reports)
    outcomes: list = [None] * len(reports)
    with transaction.atomic():
        ids = sorted({values["work"].pk for values in reports})
        works = {w.pk: w for w in Work.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
        communes = Commune.objects.select_related("successor").in_bulk({w.commune_id for w in works.values()})
        for work in works.values():
            work.commune = communes[work.commune_id]
        currents = {c.pk: reporting_commune(c) for c in communes.values()}
        approved = set(
            PeriodReport.objects.filter(
                commune__in={c.pk for c in currents.values() if c}, status=PeriodReportStatusChoices.APPROVED
            ).values_list("commune_id", flat=True)
        )
        pending = []
        for index, values in enumerate(reports):
            report = ProgressReport(**{**values, "work": works[values["work"].pk]})
            try:
                try:
                    report.full_clean(exclude=["work"], validate_unique=False, validate_constraints=False)
                except ValidationError:
                    report.full_clean()  # every message of the one-by-one path
                    raise
                current = currents[report.work.commune_id]
                if current is not None and current.pk in approved:
                    ensure_unlocked(report)
            except ValidationError as error:
                outcomes[index] = error
                continue
            report._history_user = user
            pending.append((index, report))
        try:
            with transaction.atomic():
                saved = ProgressReport.objects.bulk_create([report for _, report in pending])
                history_of_inserts(ProgressReport, [report.pk for report in saved], user=user)
                if user is not None and saved:
                    inside = ProgressReport.objects.restrict(user, ADD).filter(pk__in=[r.pk for r in saved])
                    if inside.count() != len(saved):
                        raise _OneByOne
        except (IntegrityError, _OneByOne):
            return [_progress_report_or_error(values, user) for values in reports]
        for index, report in pending:
            outcomes[index] = report
        # As `progress_sync_work_status` does for one work: each work takes the status of its newest report.
        newest = ProgressReport.objects.filter(work=OuterRef("pk")).order_by("-reported_on", "-pk").values("status")
        touched = {report.work_id for _, report in pending}
        changed: dict[str, list[Work]] = {}
        now = timezone.now()
        for pk, status in Work.objects.filter(pk__in=touched).values_list("pk", Subquery(newest[:1])):
            work = works[pk]
            if status is not None and status != work.status:
                work.status, work.updated_at = status, now
                next_version(work, work)
                work._history_user = user
                changed.setdefault(status, []).append(work)
        for status, group in changed.items():  # the rows are locked: a version one more than each one's
            Work.objects.filter(pk__in=[w.pk for w in group]).update(
                status=status, version=F("version") + 1, updated_at=now
            )
        if changed:
            history_of_changes([work for group in changed.values() for work in group], user=user)
    return outcomes


def _progress_report_or_error(values: dict, user) -> ProgressReport | ValidationError | PermissionDenied:
    try:
        with transaction.atomic():
            return progress_report_record(**values, user=user)
    except (ValidationError, PermissionDenied) as error:
        return error


def progress_report_update(
    *, report: ProgressReport, user=None, version: int | None = None, **fields
) -> ProgressReport:
    """Correct a progress report; the work's status follows its newest report."""
    with transaction.atomic():
        Work.objects.select_for_update().get(pk=report.work_id)
        _update(report, version=version, user=user, fields=fields)
        progress_sync_work_status(work=report.work, user=user)
    return report


def progress_report_delete(*, report: ProgressReport, user=None, version: int | None = None) -> None:
    """Delete a progress report entered by mistake; the work's status follows its newest remaining report."""
    with transaction.atomic():
        work = Work.objects.select_for_update().get(pk=report.work_id)
        _delete(report, version=version, user=user)
        progress_sync_work_status(work=work, user=user)


def poverty_assessment_validate(
    *,
    household: Household,
    year: int,
    status: str,
    standard: PovertyStandard | None,
    income_per_capita: int | None,
    deprivations: Iterable[DeprivationIndicator],
    exclude_pk: int | None = None,
) -> PovertyStandard:
    """Check a yearly status against the standard in force; returns that standard."""
    errors = {}
    if standard is None:
        standard = next((s for s in PovertyStandard.objects.all() if s.applies_to(year)), None)
        if standard is None:
            raise ValidationError({"year": _("No poverty standard applies to %(year)s.") % {"year": year}})
    elif not standard.applies_to(year):
        errors["standard"] = _("The standard %(standard)s does not apply to %(year)s.") % {
            "standard": standard.code,
            "year": year,
        }
    deprivations = list(deprivations)
    foreign = [d for d in deprivations if d.standard_id != standard.pk]
    if foreign:
        errors["deprivations"] = _("%(names)s belong to another standard than %(standard)s.") % {
            "names": ", ".join(d.name for d in foreign),
            "standard": standard.code,
        }
    if income_per_capita is not None and status != PovertyStatusChoices.ESCAPED and not errors:
        expected = standard.classify(
            income_per_capita=income_per_capita,
            deprivation_count=len(deprivations),
            urban=household.commune.is_urban,
        )
        if expected != status:
            errors["status"] = _(
                "Under %(standard)s a household with %(income)s VND/person/month and %(count)s deprivations is "
                "%(expected)s, not %(status)s."
            ) % {
                "standard": standard.code,
                "income": format_vnd(income_per_capita),
                "count": len(deprivations),
                "expected": PovertyStatusChoices(expected).label,
                "status": PovertyStatusChoices(status).label,
            }
    if status == PovertyStatusChoices.ESCAPED and household.pk is not None:
        previous = (
            PovertyAssessment.objects.filter(household=household, year=year - 1)
            .values_list("status", flat=True)
            .first()
        )
        if previous is not None and previous != PovertyStatusChoices.POOR:
            errors["status"] = _("Only a household that was poor in %(year)s can escape poverty in %(next)s.") % {
                "year": year - 1,
                "next": year,
            }
    if errors:
        raise ValidationError(errors)
    return standard


def poverty_assessment_record(
    *,
    household: Household,
    year: int,
    status: str,
    income_per_capita: int | None = None,
    deprivations: Iterable[DeprivationIndicator] = (),
    standard: PovertyStandard | None = None,
    decision_number: str = "",
    recognised_on: datetime.date | None = None,
    user=None,
) -> PovertyAssessment:
    """Record a household's poverty status for a year under the standard in force that year."""
    deprivations = list(deprivations)
    with transaction.atomic():
        standard = poverty_assessment_validate(
            household=household,
            year=year,
            status=status,
            standard=standard,
            income_per_capita=income_per_capita,
            deprivations=deprivations,
        )
        assessment = PovertyAssessment(
            household=household,
            year=year,
            standard=standard,
            status=status,
            income_per_capita=income_per_capita,
            decision_number=decision_number,
            recognised_on=recognised_on,
        )
        assessment.full_clean()
        _save(assessment, user=user)
        assessment.deprivations.set(deprivations)
    return assessment


def household_id_number_taken_message(*, code: str | None) -> str:
    """The refusal of a head's ID number another household already has: naming that household (`code`)
    only when it lies in the official's jurisdiction; otherwise where and whose are not theirs to learn
    (Decree 13/2023/NĐ-CP), and "elsewhere" is all it says. Every path (admin, import, API) says it so."""
    if code is not None:
        return _("A household whose head has this ID number is already registered, as %(code)s.") % {"code": code}
    return _("A household whose head has this ID number is already registered elsewhere.")


def household_ensure_id_number_free(*, id_number: str, user, exclude_pk: int | None = None) -> None:
    """Refuse a head's ID number that another household has, as `household_id_number_taken_message` says."""
    if not id_number:
        return
    other = Household.objects.filter(id_number=id_number).exclude(pk=exclude_pk).values("pk", "code").first()
    if other is None:
        return
    visible = user is None or Household.objects.restrict(user, VIEW).filter(pk=other["pk"]).exists()
    message = household_id_number_taken_message(code=other["code"] if visible else None)
    raise ValidationError({"id_number": message})


def household_register(*, user=None, **fields) -> Household:
    """Register a household; the same household (code, or head's ID number) cannot be registered twice."""
    household = Household(**fields)
    with transaction.atomic():
        household_ensure_id_number_free(id_number=household.id_number, user=user)
        household.full_clean()
        household._history_user = user
        household.save()
        ensure_allowed(user, ADD, household)
    return household


def household_update(*, household: Household, user=None, version: int | None = None, **fields) -> Household:
    """Correct a household's register entry (head, ID number, village, members, ...)."""
    with transaction.atomic():
        if "id_number" in fields:
            ensure_allowed(user, CHANGE, household)  # before saying anything of another household
            household_ensure_id_number_free(id_number=fields["id_number"], user=user, exclude_pk=household.pk)
        return _update(household, version=version, user=user, fields=fields)


def household_delete(*, household: Household, user=None, version: int | None = None) -> None:
    """Delete a household registered by mistake (its statuses and support go with it)."""
    _delete(household, version=version, user=user)


def poverty_assessment_update(
    *,
    assessment: PovertyAssessment,
    user=None,
    version: int | None = None,
    deprivations: Iterable[DeprivationIndicator] | None = None,
    **fields,
) -> PovertyAssessment:
    """Correct a yearly status, checked again against the standard in force that year."""
    with transaction.atomic():
        chosen = list(deprivations) if deprivations is not None else list(assessment.deprivations.all())

        def validate(obj, current):
            obj.standard = poverty_assessment_validate(
                household=obj.household,
                year=obj.year,
                status=obj.status,
                standard=obj.standard if obj.standard_id else None,
                income_per_capita=obj.income_per_capita,
                deprivations=chosen,
                exclude_pk=obj.pk,
            )

        _update(assessment, version=version, user=user, fields=fields, validate=validate)
        if deprivations is not None:
            assessment.deprivations.set(chosen)
    return assessment


def poverty_assessment_delete(*, assessment: PovertyAssessment, user=None, version: int | None = None) -> None:
    """Delete a yearly status recorded by mistake."""
    _delete(assessment, version=version, user=user)


def support_record(*, user=None, **fields) -> Support:
    """Record support a household received."""
    support = Support(**fields)
    with transaction.atomic():
        support.full_clean()
        _save(support, user=user)
    return support


def support_update(*, support: Support, user=None, version: int | None = None, **fields) -> Support:
    """Correct a support entry."""
    return _update(support, version=version, user=user, fields=fields)


def support_delete(*, support: Support, user=None, version: int | None = None) -> None:
    """Delete a support entry recorded by mistake."""
    _delete(support, version=version, user=user)


# ---------------------------------------------------------------------------------------------------------
# Works


def work_validate(work: Work, *, current: Work | None, components=None) -> None:
    """The rules of a work's change beyond its own fields: moving it to another commune moves its capital
    and progress entries too, so not out of or into an approved (locked) period; a component that funds
    capital allocated to it stays among its components."""
    if current is None:
        return
    if current.commune_id != work.commune_id:
        _ensure_work_movable(current, work.commune_id)
    if components is not None:
        _ensure_components_kept(current, components)


def _ensure_work_movable(current: Work, commune_id: int) -> None:
    new_commune = Commune.objects.select_related("successor").get(pk=commune_id)
    days = set(current.allocations.values_list("decided_on", flat=True))
    days |= set(current.disbursements.values_list("paid_on", flat=True))
    days |= set(current.progress_reports.values_list("reported_on", flat=True))
    for day in sorted(days):
        for commune in (current.commune, new_commune):
            report = approved_report_covering(commune, day)
            if report is not None:
                raise ValidationError({"commune": lock_message(report)}, code="locked")


def _ensure_components_kept(current: Work, components) -> None:
    removed = set(current.components.values_list("pk", flat=True)) - {c.pk for c in components}
    funding = (
        Allocation.objects.filter(work=current, component_id__in=removed)
        .select_related("component")
        .order_by("component__code")
        .first()
    )
    if funding is not None:
        raise ValidationError(
            {
                "components": _(
                    "%(component)s funds capital allocated to work %(code)s; it cannot be taken off the work's "
                    "components."
                )
                % {"component": funding.component, "code": current.code}
            }
        )


def work_create(*, components, villages=(), user=None, **fields) -> Work:
    """Enter a work with the program components that fund it and the villages it serves."""
    work = Work(**fields)
    with transaction.atomic():
        work.full_clean()
        _save(work, user=user)
        work.components.set(components)
        work.villages.set(villages)
        ensure_allowed(user, ADD, work)
    return work


def work_update(*, work: Work, user=None, version: int | None = None, components=None, villages=None, **fields) -> Work:
    """Change a work: its fields, its commune (a move), its components or villages (None: unchanged)."""
    with transaction.atomic():
        _update(
            work,
            version=version,
            user=user,
            fields=fields,
            validate=lambda obj, current: work_validate(obj, current=current, components=components),
        )
        if components is not None:
            work.components.set(components)
        if villages is not None:
            work.villages.set(villages)
        ensure_allowed(user, CHANGE, work)
    return work


def work_delete(*, work: Work, user=None, version: int | None = None) -> None:
    """Delete a work entered by mistake (one with capital or progress entries is protected by them)."""
    _delete(work, version=version, user=user)


# ---------------------------------------------------------------------------------------------------------
# Many works at once (the works import)

# The many-to-many fields `work_create` sets after the save, in its order: each set records a "~".
_WORK_LINKS = ("components", "villages")
# A new village's fields, as the import's `village_save` gives them to `village_create`.
_VILLAGE_FIELDS = ("commune_id", "name", "code", "valid_from", "valid_to")


def works_create_many(items: Sequence[dict], *, user=None) -> list[Work | ValidationError | PermissionDenied]:
    """Enter many works at once with the rules of `work_create` (the works import): for each item, in order,
    the work saved or the error that refused it (a refused item writes nothing; the others are written
    together). `items` are `work_create`'s arguments. Among an item's `villages`, an unsaved `Village` is a
    village added to the work's commune with the work, by the rules of `village_create`, before it (as the
    import adds a village a row names that the commune does not have yet); the same object in several items
    is one village, added with the first of them written, and it has its pk once saved.

    The same checks, fewer queries: each work and new village is checked as `full_clean` checks it, its
    fields and `clean` in Python, its foreign keys, unique values and constraints read for all at once
    (`_clean_many`; one they may fail is checked by `full_clean` itself, whose messages these are); the role
    is asked once and the jurisdiction re-checked on the rows as saved. The rows, their links and their
    history are inserted together: the "+" of the save, then a "~" for each many-to-many field set (with
    its snapshot), as `work_create`'s saves and sets record them. A work has no reporting period (nothing to
    lock) and no capital yet (no line of the capital summary). The database checks the constraints on
    insert: if it refuses a row (two items of one code, a code entered a second ago), or a row lies outside
    the jurisdiction, the batch is undone and done again item by item, which names the item and the rule.
    """
    if not items:
        return []
    if hasattr(Work, "period_key"):  # a work with periods would be checked against locks as `_save` does
        return _works_one_by_one(items, user)
    with transaction.atomic():
        works = [Work(**_work_fields(values)) for values in items]
        new = {id(v): v for values in items for v in _new_villages_of(values)}
        copies = {key: Village(**{name: getattr(v, name) for name in _VILLAGE_FIELDS}) for key, v in new.items()}
        village_errors = dict(zip(copies, _clean_many(list(copies.values())), strict=True))
        work_errors = _clean_many(works)
        role_refusals = {model: _role_refusal(user, model) for model in (Village, Work)}
        outcomes: list = [None] * len(items)
        accepted = []
        for index, values in enumerate(items):
            refusal = None
            for village in _new_villages_of(values):  # added first, as `village_create` before `work_create`
                refusal = village_errors[id(village)] or role_refusals[Village]
                if refusal is not None:
                    break
            outcomes[index] = refusal or work_errors[index] or role_refusals[Work]
            if outcomes[index] is None:
                accepted.append(index)
        if not accepted:
            return outcomes
        needed = list({id(v): copies[id(v)] for i in accepted for v in _new_villages_of(items[i])}.items())
        try:
            with transaction.atomic():
                _insert_villages([copy for _, copy in needed], user=user)
                written = Work.objects.bulk_create([works[i] for i in accepted])
                links = {name: [_link_ids(items[i].get(name, ()), copies) for i in accepted] for name in _WORK_LINKS}
                _insert_links_and_history(written, links, user=user)
                if user is not None:
                    inside = Work.objects.restrict(user, ADD).filter(pk__in=[w.pk for w in written])
                    if inside.count() != len(written):
                        raise _OneByOne
        except (IntegrityError, _OneByOne):
            return _works_one_by_one(items, user)
        for key, copy in needed:
            _saved_as(new[key], copy)
        for index, work in zip(accepted, written, strict=True):
            work._history_user = user
            outcomes[index] = work
    return outcomes


def _work_fields(values: dict) -> dict:
    return {name: value for name, value in values.items() if name not in _WORK_LINKS}


def _new_villages_of(values: dict) -> list[Village]:
    return [v for v in values.get("villages") or () if isinstance(v, Village) and v.pk is None]


def _link_ids(targets, copies: dict) -> list:
    """The keys of the objects (or keys) a many-to-many `set()` is given, once each, in order; a new village
    by the key of its saved copy."""
    ids = {}
    for target in targets or ():
        if isinstance(target, Village) and target.pk is None:
            target = copies[id(target)]
        ids.setdefault(getattr(target, "pk", target), None)
    return list(ids)


def _role_refusal(user, model) -> PermissionDenied | None:
    """`ensure_allowed`'s refusal when the user's role does not allow adding `model` at all, else None."""
    if user is None or may(user, ADD, model):
        return None
    try:
        ensure_allowed(user, ADD, model())
    except PermissionDenied as error:
        return error
    return None  # pragma: no cover - `may` said no, so `ensure_allowed` did


def _insert_villages(villages: list[Village], *, user) -> None:
    """New villages and their "+" records, as `village_create` saves them; the jurisdiction on the rows as
    saved (one outside it: the batch goes item by item, which says so)."""
    if not villages:
        return
    Village.objects.bulk_create(villages)
    history_of_inserts(Village, [v.pk for v in villages], user=user)
    if user is not None:
        inside = Village.objects.restrict(user, ADD).filter(pk__in=[v.pk for v in villages])
        if inside.count() != len(villages):
            raise _OneByOne


def _insert_links_and_history(works: list[Work], links: dict[str, list[list]], *, user) -> None:
    """The works' many-to-many rows and the history records `work_create` makes: "+" at the save (the links
    not set yet), then a "~" for each field set with something, its snapshot holding the fields set so far.
    The records of a work are a microsecond apart, in that order (a record's change is read against the one
    before it by date)."""
    history_model = Work.history.model
    tracked = [field.attname for field in history_model.tracked_fields]
    snapshots = {field.name for field in history_model._history_m2m_fields}
    rows: dict[str, list] = {}
    for name in _WORK_LINKS:
        field = Work._meta.get_field(name)
        through = field.remote_field.through
        owner, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
        made = [through(**{owner: w.pk, target: pk}) for w, ids in zip(works, links[name], strict=True) for pk in ids]
        through._default_manager.bulk_create(made)
        by_work: dict[int, list] = {}
        for row in made:
            by_work.setdefault(getattr(row, owner), []).append(row)
        rows[name] = [by_work.get(w.pk, []) for w in works]
    now, path = timezone.now(), current_change_path()
    user_id = getattr(user, "pk", None)
    records, snapshot_of = [], []
    for position, work in enumerate(works):
        values = {name: getattr(work, name) for name in tracked}
        steps = [("+", ())]
        for name in _WORK_LINKS:
            if links[name][position]:
                steps.append(("~", (*steps[-1][1], name)))
        for offset, (history_type, linked) in enumerate(steps):
            records.append(
                history_model(
                    history_date=now + datetime.timedelta(microseconds=offset),
                    history_type=history_type,
                    history_user_id=user_id,
                    history_change_reason=getattr(work, "_change_reason", None),
                    history_path=path,
                    **values,
                )
            )
            snapshot_of.append([(name, rows[name][position]) for name in linked if name in snapshots])
    history_model.objects.bulk_create(records)
    for name in snapshots:
        model = getattr(history_model, name).model
        through = Work._meta.get_field(name).remote_field.through
        names = [f.attname for f in through._meta.concrete_fields]
        model.objects.bulk_create(
            model(history=record, **{n: getattr(row, n) for n in names})
            for record, linked in zip(records, snapshot_of, strict=True)
            for linked_name, link_rows in linked
            if linked_name == name
            for row in link_rows
        )


def _works_one_by_one(items: Sequence[dict], user) -> list[Work | ValidationError | PermissionDenied]:
    made: dict[int, Village] = {}
    outcomes = [_work_or_error(values, user, made) for values in items]
    for values in items:
        for village in _new_villages_of(values):
            if id(village) in made:
                _saved_as(village, made[id(village)])
    return outcomes


def _work_or_error(values: dict, user, made: dict[int, Village]) -> Work | ValidationError | PermissionDenied:
    """One item as the import writes a row: its new villages (those no earlier item added), then the work,
    in one savepoint. `made`: the new villages added so far, by the given object's id."""
    fresh: dict[int, Village] = {}
    try:
        with transaction.atomic():
            villages = []
            for given in values.get("villages") or ():
                if isinstance(given, Village) and given.pk is None:
                    saved = made.get(id(given)) or fresh.get(id(given))
                    if saved is None:
                        fields = {name: getattr(given, name) for name in _VILLAGE_FIELDS}
                        saved = fresh[id(given)] = village_create(user=user, **fields)
                    given = saved
                villages.append(given)
            work = work_create(**{**values, "villages": villages}, user=user)
    except (ValidationError, PermissionDenied) as error:
        return error
    made.update(fresh)
    return work


def _saved_as(village: Village, saved: Village) -> None:
    """The caller's new village is the one saved (for its pk)."""
    village.pk, village.version = saved.pk, saved.version
    village._state.adding, village._state.db = False, saved._state.db


def _clean_many(objs: Sequence) -> list[ValidationError | None]:
    """What `full_clean()` says of each of `objs` (new rows of one model, not yet saved), in a number of
    queries that does not grow with theirs: the fields and `clean()` in Python; the foreign keys, unique
    values and constraints read for all of them at once; an object these may fail is checked by
    `full_clean()` itself, whose message it is. (The objects are not checked against one another: the
    database does that on insert.)"""
    if not objs:
        return []
    model = type(objs[0])
    opts = model._meta
    keys = [f for f in opts.concrete_fields if f.many_to_one]
    suspect = set()
    for index, obj in enumerate(objs):
        try:
            obj.full_clean(exclude=[f.name for f in keys], validate_unique=False, validate_constraints=False)
        except ValidationError:
            suspect.add(index)
    clean = [i for i in range(len(objs)) if i not in suspect]
    for field in keys:
        wanted = {getattr(objs[i], field.attname) for i in clean} - {None}
        remote = field.remote_field
        try:
            found = set(
                remote.model._base_manager.filter(**{f"{remote.field_name}__in": wanted})
                .complex_filter(field.get_limit_choices_to())
                .values_list(remote.field_name, flat=True)
                if wanted
                else ()
            )
        except (TypeError, ValueError):
            found = set()
        for i in clean:  # a blank key is valid where the field may be blank (`full_clean` skips it then)
            value = getattr(objs[i], field.attname)
            if value not in found if value is not None else not field.blank:
                suspect.add(i)
    # (fields, condition): the unique values and together-unique fields, each checked in one query.
    groups = [((opts.pk,), None), *[((f,), None) for f in opts.concrete_fields if f.unique and not f.primary_key]]
    groups += [(tuple(opts.get_field(name) for name in names), None) for names in opts.unique_together]
    whole = any(f.unique_for_date or f.unique_for_month or f.unique_for_year for f in opts.concrete_fields)
    for constraint in opts.constraints:
        if isinstance(constraint, UniqueConstraint) and constraint.fields and not constraint.expressions:
            groups.append((tuple(opts.get_field(name) for name in constraint.fields), constraint.condition))
            whole |= constraint.nulls_distinct is False
        elif isinstance(constraint, CheckConstraint):
            suspect |= {i for i in clean if _holds(constraint.condition, objs[i]) is not True}
        else:
            whole = True
    if whole:
        suspect = set(range(len(objs)))
    for fields, condition in groups:
        names = [f.attname for f in fields]
        values = {
            i: tuple(getattr(objs[i], name) for name in names)
            for i in clean
            if i not in suspect and (condition is None or _holds(condition, objs[i]) is not False)
        }
        values = {i: v for i, v in values.items() if None not in v}
        if not values:
            continue
        lookup = {f"{name}__in": {v[k] for v in values.values()} for k, name in enumerate(names)}
        taken = {_folded(row) for row in model._default_manager.filter(**lookup).values_list(*names)}
        suspect |= {i for i, v in values.items() if _folded(v) in taken}
    errors: list[ValidationError | None] = [None] * len(objs)
    for index in suspect:
        try:
            objs[index].full_clean()
        except ValidationError as error:
            errors[index] = error
    return errors


def _folded(values: tuple) -> tuple:
    # Two values the database may take for one (its collation may ignore case): checked by full_clean.
    return tuple(v.casefold() if isinstance(v, str) else v for v in values)


_COMPARISONS = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def _holds(condition, obj) -> bool | None:
    """Whether `obj` meets a check constraint's condition, read in Python as SQL reads it: True, False, or
    None when unknown (a NULL compared, or a lookup or expression this does not read), which is checked by
    `full_clean` (that is, by the database)."""
    if isinstance(condition, Q):
        results = [_holds(child, obj) for child in condition.children]
        if condition.connector == Q.AND:
            value = False if False in results else None if None in results else True
        else:
            value = True if True in results else None if None in results else False
        return value if value is None or not condition.negated else not value
    if not isinstance(condition, tuple) or len(condition) != 2:
        return None
    lookup, expected = condition
    name, _sep, operation = lookup.partition("__")
    try:
        actual = getattr(obj, obj._meta.get_field(name).attname)
        if isinstance(expected, F):
            expected = getattr(obj, obj._meta.get_field(expected.name).attname)
    except (AttributeError, FieldDoesNotExist):
        return None
    operation = operation or "exact"
    if operation == "isnull" and isinstance(expected, bool):
        return (actual is None) is expected
    compare = _COMPARISONS.get(operation)
    if compare is None or actual is None or expected is None or hasattr(expected, "resolve_expression"):
        return None
    try:
        return bool(compare(actual, expected))
    except TypeError:
        return None


def _period_report_for_update(report: PeriodReport) -> PeriodReport:
    return PeriodReport.objects.select_for_update().select_related("commune").get(pk=report.pk)


def period_report_may_decide(user) -> bool:
    """Whether `user` may approve, return and unlock reports somewhere: the province's (or the nation's)
    approvers, never the commune's own (the screens offer the steps by this; the services refuse by it)."""
    return may(user, APPROVE, PeriodReport) and jurisdiction_of(user).level != JurisdictionLevelChoices.COMMUNE


def _ensure_may_decide(report: PeriodReport, user) -> None:
    """Approving, returning and unlocking are the province's (or the nation's), never the commune's own."""
    if user is None:
        return
    if not period_report_may_decide(user):
        if not may(user, APPROVE, PeriodReport):
            raise PermissionDenied(_("You may not approve, return or unlock reports."))
        raise PermissionDenied(_("A commune's report is approved by the province, not by the commune."))
    ensure_allowed(user, APPROVE, report)


def _reporting_commune_or_refuse(commune) -> Commune:
    """The commune a report is made for: a current one. A legacy commune is refused, naming what it became (its
    data is reported, and locked, by its main successor's reports: tracker/locks.py)."""
    if reporting_commune(commune) is commune:
        return commune
    legacy = f"{commune.name} ({commune.district.name})" if commune.district_id else commune.name
    if commune.successor_id is None:
        message = _(
            "%(commune)s is a commune of the map before 1 July 2025 and no current commune is recorded as taking it "
            "over: a report is made for a current commune."
        ) % {"commune": legacy}
    else:
        message = _(
            "%(commune)s is a commune of the map before 1 July 2025: it became part of %(successor)s. "
            "Make the report for %(successor)s; it holds the data of %(commune)s."
        ) % {"commune": legacy, "successor": commune.successor.name}
    raise ValidationError({"commune": message}, code="legacy_commune")


def period_report_save_draft(*, commune, year: int, quarter: int | None = None, user=None) -> PeriodReport:
    """Save a new report of a current commune for a quarter (or a year) as a draft: nothing is sent to the
    province until it is submitted (`period_report_submit`)."""
    if user is not None and not may(user, SUBMIT, PeriodReport):
        raise PermissionDenied(_("You may not prepare or submit reports."))
    current = _reporting_commune_or_refuse(commune)

    def refusal(existing):
        return ValidationError(
            _("%(commune)s already has a report for %(period)s (%(status)s): open it from the list of reports.")
            % {
                "commune": current.name,
                "period": existing.period_label,
                "status": existing.get_status_display().lower(),
            }
        )

    existing = PeriodReport.objects.filter(commune=current, year=year, quarter=quarter).first()
    if existing is not None:
        raise refusal(existing)
    report = PeriodReport(commune=current, year=year, quarter=quarter, status=PeriodReportStatusChoices.DRAFT)
    report.full_clean(validate_constraints=False)  # the one-report rule is the database's, below
    report._history_user = user
    try:
        with transaction.atomic():
            report.save()
            ensure_allowed(user, SUBMIT, report)
    except IntegrityError:
        # another official saved the same period's report at the same moment: theirs stands
        existing = PeriodReport.objects.filter(commune=current, year=year, quarter=quarter).first()
        if existing is None:
            raise
        raise refusal(existing) from None
    return report


def period_report_submit(*, commune, year: int, quarter: int | None, user=None) -> PeriodReport:
    """Submit a current commune's data for a quarter (or a year) to the province: its draft (or the report
    returned to it), or a new report. A submitted or approved report is not submitted again."""
    if user is not None and not may(user, SUBMIT, PeriodReport):
        raise PermissionDenied(_("You may not submit reports."))
    current = _reporting_commune_or_refuse(commune)
    with transaction.atomic():
        report, _created = PeriodReport.objects.select_for_update().get_or_create(
            commune=current, year=year, quarter=quarter
        )
        if report.status in (PeriodReportStatusChoices.SUBMITTED, PeriodReportStatusChoices.APPROVED):
            raise ValidationError(
                _("The report for %(period)s is already %(status)s.")
                % {"period": report.period_label, "status": report.get_status_display().lower()}
            )
        report.status = PeriodReportStatusChoices.SUBMITTED
        report.submitted_by = user
        report.submitted_at = timezone.now()
        report.full_clean()
        report._history_user = user
        report.save()
        ensure_allowed(user, SUBMIT, report)
    return report


def _period_report_decide(
    *, report: PeriodReport, user, expected: str, status: str, refusal: str, comment: str | None = None
) -> PeriodReport:
    """Move a report from the `expected` status to `status`, recording who decided and when."""
    with transaction.atomic():
        report = _period_report_for_update(report)
        _ensure_may_decide(report, user)
        if report.status != expected:
            raise ValidationError(refusal)
        report.status = status
        report.decided_by = user
        report.decided_at = timezone.now()
        if comment is not None:
            report.comment = comment
        report._history_user = user
        report.save()
    return report


def period_report_approve(*, report: PeriodReport, user=None) -> PeriodReport:
    """Approve a submitted report; its period's data is locked from now on."""
    return _period_report_decide(
        report=report,
        user=user,
        expected=PeriodReportStatusChoices.SUBMITTED,
        status=PeriodReportStatusChoices.APPROVED,
        refusal=_("Only a submitted report can be approved."),
    )


def period_report_return(*, report: PeriodReport, comment: str, user=None) -> PeriodReport:
    """Send a submitted report back to the commune with a comment."""
    if not comment.strip():
        raise ValidationError({"comment": _("Say what the commune should correct.")})
    return _period_report_decide(
        report=report,
        user=user,
        expected=PeriodReportStatusChoices.SUBMITTED,
        status=PeriodReportStatusChoices.RETURNED,
        refusal=_("Only a submitted report can be returned."),
        comment=comment.strip(),
    )


def period_report_unlock(*, report: PeriodReport, reason: str, user=None) -> PeriodReport:
    """Unlock an approved report so that its data can be corrected; it goes back to the commune."""
    if not reason.strip():
        raise ValidationError({"comment": _("Say why the report is unlocked.")})
    return _period_report_decide(
        report=report,
        user=user,
        expected=PeriodReportStatusChoices.APPROVED,
        status=PeriodReportStatusChoices.RETURNED,
        refusal=_("Only an approved report can be unlocked."),
        comment=_("Unlocked: %(reason)s") % {"reason": reason.strip()},
    )
