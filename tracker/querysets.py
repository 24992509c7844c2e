import datetime
from decimal import Decimal

from django.db import connections
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from kernel.querysets import JurisdictionQuerySet
from localities.querysets import unit_scope
from programs.choices import CapitalEntryKindChoices
from programs.models import Component
from programs.querysets import CAPITAL_CHANGING_KINDS

from .choices import FINISHED_STATUSES, STARTED_STATUSES, WorkStatusChoices
from .choices import PovertyStatusChoices as Poverty


def _related(queryset, name: str):
    """The model at the other end of a relation of the queryset's model (models.py imports this module)."""
    return queryset.model._meta.get_field(name).related_model


def _sum_subquery(model, field: str, outer: str = "pk", column: str = "amount", **filters):
    sums = (
        model.objects.filter(**{field: OuterRef(outer)}, **filters)
        .order_by()
        .values(field)
        .annotate(total=Sum(column))
        .values("total")
    )
    return Coalesce(Subquery(sums, output_field=IntegerField()), 0)


def _shares(amount: int, weights: dict) -> dict:
    """`amount` shared among the keys of `weights` ({key: (weight as of the date, weight ever)}) in proportion
    to the first weights (the second if those are all nil): integers adding up to `amount`, the remainders
    given to the largest fractions (ties to the smaller key). {None: amount} when nothing weighs."""
    for position in (0, 1):
        parts = {key: max(pair[position], 0) for key, pair in weights.items()}
        whole = sum(parts.values())
        if whole > 0:
            break
    else:
        return {None: amount}
    sign, amount = (-1, -amount) if amount < 0 else (1, amount)
    shares = {key: amount * part // whole for key, part in parts.items()}
    left = amount - sum(shares.values())
    order = sorted(parts, key=lambda key: (-(amount * parts[key] % whole), key is None, key))
    for key in order[:left]:
        shares[key] += 1
    return {key: sign * share for key, share in shares.items() if share}


def _alias(position: int) -> str:
    return f"part{position}"


def as_of_split(as_of) -> tuple[dict, tuple | None]:
    """How capital as of a date is read: the capital summary's lines to take (a filter on their month) and
    the range of days whose entries are added from the ledgers (None: none). All lines without a date; the
    lines up to the date's month when it ends its month; else the lines before it, and its days up to the
    date."""
    if as_of is None:
        return {}, None
    month = as_of.replace(day=1)
    if (as_of + datetime.timedelta(days=1)).day == 1:
        return {"month__lte": month}, None
    return {"month__lt": month}, (month, as_of)


class WorkQuerySet(JurisdictionQuerySet):
    commune_path = "commune"

    def within(self, unit):
        if type(unit).__name__ == "Village":
            return self.filter(villages=unit)
        return self.filter(unit_scope(unit, "commune"))

    def of_program(self, program):
        """Works funded by a program (by code or instance), each once however many of its components fund it."""
        key = {"program__code": program} if isinstance(program, str) else {"program": program}
        return self.filter(Exists(Component.objects.filter(works=OuterRef("pk"), **key)))

    def in_year(self, year: int):
        """Works with capital allocated for a plan year (an entry of any kind), each once."""
        Summary = _related(self, "capital_summaries")
        return self.filter(Exists(Summary.objects.filter(work=OuterRef("pk"), year=year, allocation_entries__gt=0)))

    def with_capital(self, year: int | None = None, *, as_of=None):
        """Annotate allocated and net disbursed VND (all years, or one plan year; as decided or paid on or
        before `as_of`, or all entries): the work's lines of the capital summary up to the date's month, and
        that month's entries up to the date."""
        Summary = _related(self, "capital_summaries")
        year_filter = {"year": year} if year else {}
        lines, partial = as_of_split(as_of)
        allocated = _sum_subquery(Summary, "work", column="allocated", **year_filter, **lines)
        disbursed = _sum_subquery(Summary, "work", column="disbursed", **year_filter, **lines)
        if partial:
            Allocation, Disbursement = _related(self, "allocations"), _related(self, "disbursements")
            allocated = allocated + _sum_subquery(
                Allocation, "work", kind__in=CAPITAL_CHANGING_KINDS, decided_on__range=partial, **year_filter
            )
            disbursed = disbursed + _sum_subquery(Disbursement, "work", paid_on__range=partial, **year_filter)
        return self.annotate(allocated=allocated, disbursed=disbursed)

    # What `count_by` and `disbursement_status` group by: the path from a work.
    STATUS_GROUPS = {
        "province": "commune__current_province",  # the province as it is now, legacy communes included
        "commune": "commune",  # the commune the work was recorded in, of either generation
        "work": "pk",
    }

    def _narrowed(self) -> dict:
        """The filter keeping a related row (an entry, a summary line) of these works, if they are narrowed at
        all: over the whole country the sums are read without it (PostgreSQL would otherwise check each of a
        million entries against the works one by one)."""
        return {"work__in": self.order_by().values("pk")} if self.query.where else {}

    def _capital_sums(self, fields: tuple[str, ...], *, year: int | None, as_of) -> dict[tuple, dict]:
        """{(value, ...) of `fields` (of CAPITAL_SPLITS): {"allocated", "disbursed"}} for the works' capital
        of a plan year (or all years) as of a date (or all entries).

        Read from the capital summary (a line per work, year, type, source and month, kept exact by the
        database): the months before the date's, and that month's own entries up to the date (an index on
        year and date finds them; nothing to read when the date ends its month). Keys whose figures are both
        zero are left out."""
        Summary = _related(self, "capital_summaries")
        Allocation, Disbursement = _related(self, "allocations"), _related(self, "disbursements")
        narrowed = self._narrowed()
        year_filter = {"year": year} if year is not None else {}
        lines_filter, partial = as_of_split(as_of)
        aliases = [f"k{i}" for i in range(len(fields))]
        sums: dict[tuple, dict] = {}

        def add(rows, *figures):
            for row in rows:
                line = sums.setdefault(tuple(row[alias] for alias in aliases), {"allocated": 0, "disbursed": 0})
                for name in figures:
                    line[name] += row[name] or 0

        def values(queryset, splits):
            paths = {alias: F(splits[field]) for alias, field in zip(aliases, fields, strict=True)}
            return queryset.order_by().values(**paths) if paths else queryset.order_by().values(k=Value(1))

        lines = Summary.objects.filter(**narrowed, **year_filter, **lines_filter)
        add(
            values(lines, self.SUMMARY_SPLITS).annotate(allocated=Sum("allocated"), disbursed=Sum("disbursed")),
            "allocated",
            "disbursed",
        )
        if partial:
            entries = Allocation.objects.filter(
                **narrowed, kind__in=CAPITAL_CHANGING_KINDS, decided_on__range=partial, **year_filter
            )
            add(values(entries, self.CAPITAL_SPLITS).annotate(allocated=Sum("amount")), "allocated")
            entries = Disbursement.objects.filter(**narrowed, paid_on__range=partial, **year_filter)
            add(values(entries, self.CAPITAL_SPLITS).annotate(disbursed=Sum("amount")), "disbursed")
        return {key: line for key, line in sums.items() if line["allocated"] or line["disbursed"]}

    def totals(self, *, year: int | None = None, as_of=None, count: int | None = None) -> dict:
        """The works' count (`count` when it is known already: a list counted them), allocated and net
        disbursed VND (each work once, reversals netted), for a plan year or all years, as of a date or all
        entries."""
        sums = self._capital_sums((), year=year, as_of=as_of)
        line = next(iter(sums.values()), {"allocated": 0, "disbursed": 0})
        return {"works": self.order_by().count() if count is None else count, **line}

    def disbursement_status(self, by: str, *, year: int | None = None, as_of=None) -> list[dict]:
        """Per province, commune or work (`by`, one of STATUS_GROUPS): {"key": its id, "works", "allocated",
        "disbursed"}, ordered by key: `count_by` and `capital_by` together."""
        if by not in self.STATUS_GROUPS:
            raise ValueError(f"Cannot group by {by!r}: one of {', '.join(self.STATUS_GROUPS)}")
        sums = self.capital_by(by, year=year, as_of=as_of)
        rows = [
            {"key": key, "works": count, **sums.get((key,), {"allocated": 0, "disbursed": 0})}
            for key, count in self.count_by(by).items()
        ]
        return sorted(rows, key=lambda row: (row["key"] is None, row["key"]))

    # What `capital_by` splits by: the path from a capital entry, and from a line of the capital summary.
    CAPITAL_SPLITS = {
        "province": "work__commune__current_province",
        "recorded_province": "work__commune__province",  # the province of the commune the work was recorded in
        "commune": "work__commune",
        "work": "work",
        "capital_type": "capital_type",
        "source": "source",
    }
    SUMMARY_SPLITS = {
        **CAPITAL_SPLITS,
        "province": "commune__current_province",
        "commune": "commune",
        "recorded_province": "commune__province",
    }

    def capital_by(self, *fields: str, year: int | None = None, as_of=None) -> dict[tuple, dict]:
        """The works' allocated and net disbursed VND split by `fields` (of CAPITAL_SPLITS: the current
        province, commune, work, capital type, source), for a plan year or all, as of a date or all entries:
        {(value, ...): {"allocated": ..., "disbursed": ...}}. At most three grouped sums, whatever the split."""
        unknown = set(fields) - set(self.CAPITAL_SPLITS)
        if not fields or unknown:
            raise ValueError(f"Cannot split capital by {fields!r}: of {', '.join(self.CAPITAL_SPLITS)}")
        return self._capital_sums(fields, year=year, as_of=as_of)

    def carried_over(self, *, year: int, as_of) -> dict:
        """Capital of earlier plan years extended (kéo dài) into `year`, as of a date: {"allocated": the
        extensions decided for it (an extension records how much of its year's capital may still be spent, and
        until when), "disbursed": what was paid from it in `year`, past its own year's deadline (31 January of
        the year after it)}. Two sums: the extensions, and the summary's lines of earlier years dated in the
        year (from February for last year's capital) up to the date's month, plus that month's entries."""
        Summary = _related(self, "capital_summaries")
        Allocation, Disbursement = _related(self, "allocations"), _related(self, "disbursements")
        narrowed = self._narrowed()
        new_year, february = datetime.date(year, 1, 1), datetime.date(year, 2, 1)
        as_of = min(as_of, datetime.date(year, 12, 31))  # what was paid in the year, not later
        extended = Allocation.objects.filter(
            **narrowed,
            year__lt=year,
            kind=CapitalEntryKindChoices.EXTENSION,
            extended_until__gte=new_year,
            decided_on__lte=as_of,
        )
        # Paid in the year, after the deadline of the capital's own year (for last year's: from 1 February).
        since = Q(year__lt=year - 1, month__gte=new_year) | Q(year=year - 1, month__gte=february)
        lines_filter, partial = as_of_split(as_of)
        lines = Summary.objects.filter(since, **narrowed, **lines_filter)
        disbursed = lines.aggregate(total=Sum("disbursed", default=0))["total"]
        if partial:
            paid = Disbursement.objects.filter(**narrowed, year__lt=year, paid_on__range=partial).filter(
                Q(year__lt=year - 1, paid_on__gte=new_year) | Q(year=year - 1, paid_on__gte=february)
            )
            disbursed += paid.aggregate(total=Sum("amount", default=0))["total"]
        return {"allocated": extended.aggregate(total=Sum("amount", default=0))["total"], "disbursed": disbursed}

    # What `capital_by_component` groups by besides the component: the path from a capital entry.
    COMPONENT_UNITS = {"province": "work__commune__current_province", "commune": "work__commune", "work": "work"}

    def capital_by_component(self, by: str | None, *, year: int, as_of) -> dict[tuple, dict]:
        """The works' capital of a plan year as of a date per program component (and per current province,
        commune or work, `by`): {(component id, unit id or None): {"allocated", "disbursed", "works"}}.

        Allocations name their component; a payment names only the work, year, source and type. So what was
        paid on such a line is shared among the components that allocated capital to it, in proportion to
        their allocations as of the date (to the last đồng: the remainders go to the largest fractions), so
        that a work funded by two programs is never counted twice and the components add up to the works'
        totals. A line whose capital was all decided after the date is shared by its later allocations; one
        with none at all is under component None. "works": the works with an allocation entry of the
        component in the year (a set of ids, so that a work funded by two components is counted once where they
        are added up). Two grouped queries."""
        Allocation, Disbursement = _related(self, "allocations"), _related(self, "disbursements")
        narrowed = self._narrowed()
        unit = {"unit": F(self.COMPONENT_UNITS[by])} if by else {"unit": Value(None, output_field=IntegerField())}
        line = ("work", "source", "capital_type")
        allocations = (
            Allocation.objects.filter(**narrowed, year=year)
            .order_by()
            .values(*line, "component", **unit)
            .annotate(
                allocated=Sum("amount", filter=Q(kind__in=CAPITAL_CHANGING_KINDS, decided_on__lte=as_of), default=0),
                ever=Sum("amount", filter=Q(kind__in=CAPITAL_CHANGING_KINDS), default=0),
            )
        )
        weights: dict[tuple, dict] = {}
        units: dict[tuple, object] = {}
        figures: dict[tuple, dict] = {}
        for row in allocations:
            key = tuple(row[name] for name in line)
            weights.setdefault(key, {})[row["component"]] = (row["allocated"], row["ever"])
            units[key] = row["unit"]
            figure = figures.setdefault(
                (row["component"], row["unit"]), {"allocated": 0, "disbursed": 0, "works": set()}
            )
            figure["allocated"] += row["allocated"]
            figure["works"].add(row["work"])
        # What was paid per line: the summary's lines up to the date's month, and that month's payments.
        Summary = _related(self, "capital_summaries")
        lines_filter, partial = as_of_split(as_of)
        summary_unit = (
            {"unit": F(self.SUMMARY_SPLITS[by])} if by else {"unit": Value(None, output_field=IntegerField())}
        )
        paid = list(
            Summary.objects.filter(**narrowed, year=year, disbursement_entries__gt=0, **lines_filter)
            .order_by()
            .values(*line, **summary_unit)
            .annotate(disbursed=Sum("disbursed"))
        )
        if partial:
            paid += list(
                Disbursement.objects.filter(**narrowed, year=year, paid_on__range=partial)
                .order_by()
                .values(*line, **unit)
                .annotate(disbursed=Sum("amount"))
            )
        for row in paid:
            key = tuple(row[name] for name in line)
            shares = _shares(row["disbursed"], weights.get(key, {}))
            for component, amount in shares.items():
                figure = figures.setdefault(
                    (component, units.get(key, row["unit"])), {"allocated": 0, "disbursed": 0, "works": set()}
                )
                figure["disbursed"] += amount
        return figures

    def behind(self, *, year: int, as_of, threshold, limit: int) -> list[tuple[int, int, int]]:
        """The works whose disbursed / allocated capital of the year as of the date is under `threshold` %,
        worst first (then by id), at most `limit`: [(work id, allocated, disbursed)]. One grouped query over
        the capital summary (and the date's month's entries), filtered, ordered and cut in the database."""
        Summary = _related(self, "capital_summaries")
        Allocation, Disbursement = _related(self, "allocations"), _related(self, "disbursements")
        lines_filter, partial = as_of_split(as_of)
        narrowed = self._narrowed()
        parts, params = [], []

        def part(queryset, allocated: str, disbursed: str):
            sql, part_params = queryset.order_by().query.sql_with_params()
            parts.append(f"SELECT work_id, {allocated} AS a, {disbursed} AS d FROM ({sql}) {_alias(len(parts))}")
            params.extend(part_params)

        lines = Summary.objects.filter(**narrowed, year=year, **lines_filter)
        part(lines.values_list("work_id", "allocated", "disbursed"), "allocated", "disbursed")
        if partial:
            entries = Allocation.objects.filter(
                **narrowed, year=year, kind__in=CAPITAL_CHANGING_KINDS, decided_on__range=partial
            )
            part(entries.values_list("work_id", "amount"), "amount", "0")
            entries = Disbursement.objects.filter(**narrowed, year=year, paid_on__range=partial)
            part(entries.values_list("work_id", "amount"), "0", "amount")
        sql = (
            f"SELECT work_id, SUM(a), SUM(d) FROM ({' UNION ALL '.join(parts)}) capital GROUP BY work_id "
            "HAVING SUM(a) > 0 AND SUM(d) * 100 < %s * SUM(a) ORDER BY SUM(d) * 1.0 / SUM(a), work_id LIMIT %s"
        )
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, [*params, Decimal(threshold), limit])
            return [(work_id, int(allocated), int(disbursed)) for work_id, allocated, disbursed in cursor.fetchall()]

    def count_with_capital(self, by: str, *, year: int) -> dict:
        """The number of works with capital allocated for the plan year per current province or commune
        (`by`): the distinct (work, commune) pairs of the year's summary lines (read from an index alone)
        counted per unit, one query."""
        Summary = _related(self, "capital_summaries")
        pairs = (
            Summary.objects.filter(**self._narrowed(), year=year, allocation_entries__gt=0)
            .order_by()
            .values("work_id", "commune_id")
            .distinct()
        )
        sql, params = pairs.query.sql_with_params()
        key = {"province": "c.current_province_id", "recorded_province": "c.province_id", "commune": "p.commune_id"}[by]
        commune_table = _related(Summary.objects, "commune")._meta.db_table
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f'SELECT {key}, COUNT(*) FROM ({sql}) p JOIN "{commune_table}" c ON c.id = p.commune_id GROUP BY 1',
                params,
            )
            return dict(cursor.fetchall())

    def count_by(self, field: str) -> dict:
        """The number of works per current province, commune (STATUS_GROUPS): one grouped count."""
        rows = self.order_by().values(key=F(self.STATUS_GROUPS[field])).annotate(count=Count("pk"))
        return {row["key"]: row["count"] for row in rows}

    def infrastructure(self, *, as_of=None) -> list[dict]:
        """Per work type and capacity unit: the works, those started and completed (their status now), the
        capacity planned and the quantity done by the latest progress report on or before `as_of` (all
        reports without it), e.g. "70 of 73 started, 44 completed, 72,47 of 151,9 km". Two grouped queries."""
        from_choices = {"started": STARTED_STATUSES, "completed": FINISHED_STATUSES}
        rows = {
            (row["work_type"], row["capacity_unit"]): {**row, "done": None}
            for row in self.order_by()
            .values("work_type", "capacity_unit")
            .annotate(
                works=Count("pk"),
                **{name: Count("pk", filter=Q(status__in=statuses)) for name, statuses in from_choices.items()},
                planned=Sum("capacity"),
            )
        }
        reports = _related(self, "progress_reports").objects.filter(work__in=self.order_by().values("pk"))
        if as_of is not None:
            reports = reports.filter(reported_on__lte=as_of)
        newer = reports.filter(work=OuterRef("work")).filter(
            Q(reported_on__gt=OuterRef("reported_on")) | Q(reported_on=OuterRef("reported_on"), pk__gt=OuterRef("pk"))
        )
        latest = reports.filter(~Exists(newer), quantity_done__isnull=False).order_by()
        for row in latest.values("work__work_type", "work__capacity_unit").annotate(done=Sum("quantity_done")):
            key = (row["work__work_type"], row["work__capacity_unit"])
            if key in rows:
                rows[key]["done"] = row["done"]
        return [rows[key] for key in sorted(rows)]

    def with_progress(self, *, as_of=None):
        """Annotate the latest reported physical progress (%) and its date (on or before `as_of`, if given)."""
        latest = _related(self, "progress_reports").objects.filter(work=OuterRef("pk")).order_by("-reported_on", "-pk")
        if as_of is not None:
            latest = latest.filter(reported_on__lte=as_of)
        return self.annotate(
            progress_percent=Subquery(latest.values("progress_percent")[:1]),
            progress_on=Subquery(latest.values("reported_on")[:1]),
        )

    def stale(self, *, days: int, as_of):
        """Works under construction with no progress report in the `days` before `as_of` (or none at all),
        the longest silent first; annotated as `with_progress(as_of=)` does."""
        since = as_of - datetime.timedelta(days=days)
        Report = _related(self, "progress_reports")
        recent = Report.objects.filter(work=OuterRef("pk"), reported_on__gte=since, reported_on__lte=as_of)
        # "No report in the days before" as an anti-join, so that the latest report is looked up only for the
        # works found (not for every work under construction).
        return (
            self.filter(status=WorkStatusChoices.UNDER_CONSTRUCTION)
            .filter(~Exists(recent))
            .with_progress(as_of=as_of)
            .order_by(F("progress_on").asc(nulls_first=True), "code")
        )

    def overdue(self, *, as_of):
        """Works whose planned completion date has passed by `as_of` and that are not completed."""
        return (
            self.filter(planned_completion_date__lt=as_of)
            .exclude(status__in=FINISHED_STATUSES)
            .exclude(status=WorkStatusChoices.CANCELLED)
        )


class AllocationQuerySet(JurisdictionQuerySet):
    commune_path = "work__commune"

    def capital_changing(self):
        return self.filter(kind__in=CAPITAL_CHANGING_KINDS)

    def total(self) -> int:
        return self.aggregate(total=Sum("amount", filter=Q(kind__in=CAPITAL_CHANGING_KINDS), default=0))["total"]

    def figures(self) -> dict:
        """{"entries": how many, "amount": the capital they allocate (`total`)}, in one aggregate."""
        changing = Q(kind__in=CAPITAL_CHANGING_KINDS)
        return self.aggregate(entries=Count("pk"), amount=Sum("amount", filter=changing, default=0))


class DisbursementQuerySet(JurisdictionQuerySet):
    commune_path = "work__commune"

    def total(self) -> int:
        """Net disbursed VND: reversals carry negative amounts, so a plain sum is right."""
        return self.aggregate(total=Sum("amount", default=0))["total"]

    def figures(self) -> dict:
        """{"entries": how many, "amount": net disbursed (`total`)}, in one aggregate."""
        return self.aggregate(entries=Count("pk"), amount=Sum("amount", default=0))

    def as_of(self, date):
        return self.filter(paid_on__lte=date)


class CapitalSummaryQuerySet(JurisdictionQuerySet):
    """Lines of the capital summary; a line lies in its work's commune, so in the jurisdiction of its entries."""

    commune_path = "commune"

    def of_entries_seen_by(self, user):
        """The lines of the entries `user` may see of a ledger they may view (the ledger's `restrict` decided the
        role; the summary itself is no model a role names)."""
        where = self.jurisdiction_q(user)
        return self if where is None else self.filter(where)

    def ledger_figures(self, ledger: str) -> dict:
        """{"entries", "amount"} of the lines for `ledger` ("allocation": its entries, and the capital they
        allocate, capital-changing kinds only, as `AllocationQuerySet.total`; "disbursement": its entries and
        the net disbursed). One aggregate."""
        entries, amount = LEDGER_FIGURES[ledger]
        return self.aggregate(entries=Sum(entries, default=0), amount=Sum(amount, default=0))

    def ledger_months(
        self, ledger: str, first: datetime.date | None = None, last: datetime.date | None = None
    ) -> list[datetime.date]:
        """The months (their first days) holding entries of `ledger`, in order, from the month of `first` to
        the month of `last` if given. One query: over the whole country, from one month to the next on the
        index of months (a few dozen look-ups, not a DISTINCT over a million lines); narrowed, a DISTINCT over
        the lines kept."""
        entries, _amount = LEDGER_FIGURES[ledger]
        first = first.replace(day=1) if first else datetime.date.min
        last = last.replace(day=1) if last else datetime.date.max
        if self.query.where:
            months = self.filter(**{f"{entries}__gt": 0, "month__range": (first, last)})
            return list(months.order_by("month").values_list("month", flat=True).distinct())
        table = self.model._meta.db_table
        following = (
            f"SELECT s.month FROM {table} s WHERE s.month > %s AND s.month <= %s AND s.{entries} > 0 "
            "ORDER BY s.month LIMIT 1"
        )
        sql = (
            f"WITH RECURSIVE months(month) AS (SELECT ({following.replace('s.month > %s', 's.month >= %s')}) "
            f"UNION ALL SELECT ({following.replace('> %s', '> months.month')}) FROM months "
            "WHERE months.month IS NOT NULL) SELECT month FROM months WHERE month IS NOT NULL"
        )
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, [first, last, last])
            # a date from PostgreSQL, its ISO text from SQLite
            return [datetime.date.fromisoformat(m) if isinstance(m, str) else m for (m,) in cursor.fetchall()]


# Per ledger: the summary's count of its entries and its amount.
LEDGER_FIGURES = {
    "allocation": ("allocation_entries", "allocated"),
    "disbursement": ("disbursement_entries", "disbursed"),
}


class ProgressReportQuerySet(JurisdictionQuerySet):
    commune_path = "work__commune"


class HouseholdQuerySet(JurisdictionQuerySet):
    commune_path = "commune"

    def within(self, unit):
        if type(unit).__name__ == "Village":
            return self.filter(village=unit)
        return self.filter(unit_scope(unit, "commune"))

    # What `poverty_status` groups by: the path from a household.
    POVERTY_GROUPS = {"province": "commune__current_province", "commune": "commune", "ethnic_group": "ethnic_group"}

    def poverty_status(self, *by: str, year: int) -> dict[tuple, dict]:
        """Per current province, commune and/or ethnic group (`by`, of POVERTY_GROUPS; none: one line keyed
        ()): the households registered, and of the year's statuses the poor, near-poor, newly escaped, and
        newly poor (poor this year, not poor or escaped the year before: fell into poverty); the households
        supported in the year
        and the support's VND. Keyed by a tuple of the groups' values. Counts only (no personal data). Four
        grouped queries, whatever the grouping."""
        paths = [self.POVERTY_GROUPS[field] for field in by]
        Assessment, Support = _related(self, "assessments"), _related(self, "supports")
        households = self.order_by().values("pk")
        figures: dict[tuple, dict] = {}
        empty = dict.fromkeys(
            ("households", "poor", "near_poor", "escaped", "newly_poor", "supported", "support_vnd"), 0
        )

        def grouped(queryset, prefix: str = "", extra: tuple = ()):
            keys = {f"k{i}": F(prefix + path) for i, path in enumerate(paths)}
            if not paths:  # not grouped: one line, keyed by (), over all the rows
                return queryset.values(*extra, _all=Value(1)), []
            return queryset.values(*extra, **keys), list(keys)

        def row(item, aliases):
            return figures.setdefault(tuple(item[alias] for alias in aliases), dict(empty))

        values, aliases = grouped(self.order_by())
        for item in values.annotate(count=Count("pk")):
            row(item, aliases)["households"] = item["count"]
        assessments = Assessment.objects.filter(household__in=households, year=year).order_by()
        values, aliases = grouped(assessments, "household__", extra=("status",))
        for item in values.annotate(count=Count("pk")):
            if item["status"] in (Poverty.POOR, Poverty.NEAR_POOR, Poverty.ESCAPED):
                row(item, aliases)[item["status"]] = item["count"]
        before = Assessment.objects.filter(
            household=OuterRef("household"), year=year - 1, status__in=(Poverty.NOT_POOR, Poverty.ESCAPED)
        )
        values, aliases = grouped(assessments.filter(status=Poverty.POOR).filter(Exists(before)), "household__")
        for item in values.annotate(count=Count("pk")):
            row(item, aliases)["newly_poor"] = item["count"]
        supports = Support.objects.filter(household__in=households, year=year).order_by()
        values, aliases = grouped(supports, "household__")
        for item in values.annotate(count=Count("household", distinct=True), total=Sum("amount", default=0)):
            row(item, aliases).update(supported=item["count"], support_vnd=item["total"])
        return figures


class HouseholdRecordQuerySet(JurisdictionQuerySet):
    """Yearly statuses and support: they belong to the household's commune."""

    commune_path = "household__commune"


class PeriodReportQuerySet(JurisdictionQuerySet):
    commune_path = "commune"

    def covering(self, commune, day):
        """Reports of a current commune whose period holds the date (the quarter's and the year's)."""
        quarter = (day.month - 1) // 3 + 1
        return self.filter(commune=commune, year=day.year).filter(Q(quarter=quarter) | Q(quarter__isnull=True))
