"""Households: the register of poor and near-poor households a commune keeps, one row a household.

The fast path of the import (a province sends hundreds of thousands of rows): rows are checked in memory
against indexes loaded once (localities, villages, ethnic groups), looked up in the database a chunk at a
time (one query for the chunk's codes and ID numbers), and written with `bulk.insert_with_history` (COPY on
PostgreSQL). django-import-export's resource does the same checks a row at a time, with a query or more
for each look-up and each save: about 420 rows/s on PostgreSQL here, where the goal is 25,000.

Duplicates: a household is the same household when the code is the same. Reported as duplicates (the
whole file refused, or with `skip_duplicates` the rows skipped and listed):
- two rows of the file with the same household code or the same head's ID number;
- a new code whose head's ID number is already registered under another code;
- a known code whose registered head has another ID number than the row's (a household's identity is
  not changed by an import; correct it in the admin).

Villages: a household lives in one village, so a cell naming several ("Bản Chán, Thôm Ưng") is an error,
never a new village of that name. A village recorded on a legacy commune merged into the row's commune is
that village, and the household is registered on that legacy commune (which maps to the row's commune
everywhere), as a household and its village are always of one commune.
"""

from __future__ import annotations

import datetime
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as futures_wait

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.base import ImportContext, ImportKind
from imports.bulk import copy_new_rows, insert_values_with_history, insert_with_history, update_with_history
from imports.lookups import VillageIndex, names_several_places
from kernel.access import ADD, CHANGE
from localities.models import Commune, Village
from sheets import BooleanColumn, ChoiceColumn, CodeColumn, IntegerColumn, Row, SheetError, TextColumn

from ..choices import PovertyStatusChoices
from ..locks import approved_report_covering, lock_message
from ..models import Household, PovertyAssessment, PovertyStandard
from ..services import household_id_number_taken_message
from .common import (
    COMMUNE,
    COMMUNE_CODE,
    DISTRICT,
    OLD_COMMUNE,
    OLD_COMMUNE_CODE,
    PROVINCE,
    PROVINCE_CODE,
    EthnicGroupIndex,
    find_commune,
    prepare_localities,
)
from .poverty import STATUS_WORDS

COLUMNS = [
    CodeColumn(
        "code",
        "Mã hộ",
        aliases=["Household code", "Mã hộ gia đình", "Mã số hộ", "Mã HGĐ"],
        required=True,
        max_length=30,
        example="02011-TU-001",
    ),
    TextColumn(
        "head_name",
        "Họ tên chủ hộ",
        aliases=["Head of household", "Chủ hộ", "Họ và tên chủ hộ", "Tên chủ hộ", "Head name"],
        required=True,
        max_length=120,
    ),
    CodeColumn(
        "id_number",
        "Số CCCD",
        aliases=["ID number", "CCCD", "Số CCCD chủ hộ", "Số định danh cá nhân", "Số CMND/CCCD", "Căn cước công dân"],
        max_length=20,
        help=gettext_lazy("The head's citizen identity number, 12 digits (type it as text to keep the zeros)."),
    ),
    CodeColumn("ethnic_code", "Mã dân tộc", aliases=["Ethnic group code", "Mã DT"], width=2),
    TextColumn("ethnic_name", "Dân tộc", aliases=["Ethnic group", "Ethnicity", "Tên dân tộc"]),
    PROVINCE_CODE,
    PROVINCE,
    DISTRICT,
    COMMUNE_CODE,
    COMMUNE,
    OLD_COMMUNE_CODE,
    OLD_COMMUNE,
    TextColumn(
        "village",
        "Thôn/bản",
        aliases=["Village", "Thôn", "Bản", "Tên thôn", "Thôn, bản", "Thôn/bản/tổ dân phố", "Thôn, tổ dân phố"],
        required=True,
        max_length=120,
        help=gettext_lazy("A village not yet known in the commune is added with the import."),
    ),
    IntegerColumn(
        "member_count",
        "Số nhân khẩu",
        aliases=["Members", "Số người", "Số khẩu", "Nhân khẩu", "Số thành viên"],
        required=True,
    ),
    TextColumn("address", "Địa chỉ", aliases=["Address"], max_length=300),
    # The yearly poverty status, when the list gives it (a commune's "danh sách hộ nghèo, cận nghèo năm ...").
    IntegerColumn(
        "status_year",
        "Năm",
        aliases=["Year", "Năm rà soát", "Năm phân loại", "Năm công nhận"],
        help=gettext_lazy("With a status: the year of the household's poverty status."),
    ),
    ChoiceColumn(
        "status",
        "Phân loại hộ",
        aliases=["Poverty status", "Status", "Kết quả phân loại", "Phân loại", "Diện hộ", "Hộ nghèo/cận nghèo"],
        choices=PovertyStatusChoices,
        aliases_for_choices=STATUS_WORDS,
        help=gettext_lazy("The household's status that year; or mark “x” in a “Hộ nghèo” or “Hộ cận nghèo” column."),
    ),
    BooleanColumn("poor_mark", "Hộ nghèo", aliases=["Poor", "Poor household", "Nghèo"]),
    BooleanColumn("near_poor_mark", "Hộ cận nghèo", aliases=["Near-poor", "Near-poor household", "Cận nghèo"]),
]

COMPARED = ("head_name", "id_number", "ethnic_group_id", "commune_id", "village_id", "member_count", "address")
FIELDS = [f.attname for f in Household._meta.concrete_fields]


def _registered(codes: list[str], ids: list[str]):
    """The households already registered under these codes or head's ID numbers, as dicts.

    On PostgreSQL the lists go as two array parameters (`= ANY(%s)`): a 2,000-item `IN (...)` costs more in
    building and parsing the query than the look-up itself.
    """
    if connection.vendor != "postgresql":
        return Household.objects.filter(Q(code__in=codes) | Q(id_number__in=ids)).values(*FIELDS)
    columns = ", ".join(f'"{f.column}"' for f in Household._meta.concrete_fields)
    table = Household._meta.db_table
    with connection.cursor() as cursor:
        # By the two unique indexes, always: the planner's statistics predate the rows this import has
        # written so far in its transaction, and a sequential scan of them for every chunk grows with the
        # square of the file (measured: 108 ms a chunk at 40,000 rows in, against 4.5 ms through the indexes).
        cursor.execute("SET LOCAL enable_seqscan = off")
        # "id_number <> ''" lets the planner use the partial unique index on ID numbers.
        cursor.execute(
            f"SELECT {columns} FROM \"{table}\" WHERE code = ANY(%s) OR (id_number = ANY(%s) AND id_number <> '')",
            [codes, ids],
        )
        found = [dict(zip(FIELDS, row, strict=True)) for row in cursor.fetchall()]
        cursor.execute("SET LOCAL enable_seqscan = on")
        return found


class _Writer:
    """Writes a chunk's new households and their history on a thread while the next chunk is read and
    checked: on 2 cores, the database's work (indexes, constraints) and Python's (parsing, checking) then
    overlap instead of adding up. One chunk in flight at most; `wait()` before touching the database.
    On SQLite (one connection per thread, not shareable) it writes at once.
    """

    def __init__(self, user):
        self.user = user
        self.pool = (
            ThreadPoolExecutor(1, thread_name_prefix="import-writer") if connection.vendor == "postgresql" else None
        )
        self.pending = None

    def submit(self, rows: list[dict], done) -> None:
        if not rows:
            return
        if self.pool is None:
            done(insert_values_with_history(Household, rows, user=self.user))
            return
        self.wait()
        connection.ensure_connection()
        user_id = self.user.pk if self.user is not None else None
        future = self.pool.submit(
            copy_new_rows, connection.connection, Household, rows, user_id=user_id, now=timezone.now()
        )
        self.pending = (future, done)

    def wait(self) -> None:
        if self.pending is not None:
            future, done = self.pending
            self.pending = None
            done(future.result())

    def close(self) -> None:
        if self.pending is not None:
            future, _done = self.pending
            self.pending = None
            futures_wait([future])  # an error is already on its way up; just keep the connection quiet
        if self.pool is not None:
            self.pool.shutdown(wait=True)


class HouseholdImport(ImportKind):
    name = "households"
    label = gettext_lazy("households")
    model = Household
    columns = COLUMNS
    supports_skip_duplicates = True
    description = gettext_lazy(
        "One row per household: code, head, ID number, ethnic group, commune, village, members. A known code "
        "updates the household; the same file imported twice changes nothing."
    )

    def required_actions(self):
        return ((Household, ADD), (Household, CHANGE), (Village, ADD))

    def prepare(self, ctx: ImportContext) -> None:
        prepare_localities(ctx)
        ctx.villages = VillageIndex()
        ctx.ethnic = EthnicGroupIndex()
        ctx.ethnic_cache = {}
        ctx.village_cache = {}
        ctx.writer = _Writer(ctx.user)
        if connection.vendor == "postgresql":
            # Foreign keys checked as each COPY ends (on the writer thread, while the next chunk is read)
            # rather than all at commit: the same checks, overlapped with the reading.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        ctx.result.created.setdefault("villages", 0)

    # -- one row ---------------------------------------------------------------------------------------------

    def build(self, row: Row, ctx: ImportContext) -> dict | None:
        v = row.values
        # The register is kept on today's map: a name both maps use is today's commune.
        commune = find_commune(row, ctx, current_map=True)
        key = (v["ethnic_code"], v["ethnic_name"])
        ethnic = ctx.ethnic_cache.get(key)
        if ethnic is None:
            ethnic = ctx.ethnic_cache[key] = ctx.ethnic.find(*key) or _("Give the ethnic group: its code or its name.")
        if isinstance(ethnic, str):
            row.add_error(ethnic, column="ethnic_code" if key[0] else "ethnic_name")
        id_number = (v["id_number"] or "").replace(" ", "").replace(".", "")
        if id_number.isdigit() and 10 <= len(id_number) < 12:
            # Typed as a number, Excel dropped the leading zeros (IDs start with the birth province, 001-096).
            id_number = id_number.zfill(12)
        if id_number and not (len(id_number) == 12 and id_number.isdigit()):
            row.add_error(_("An ID number has exactly 12 digits."), column="id_number")
        members = v["member_count"]
        if members is not None and not 1 <= members <= 1000:
            row.add_error(_("A household has at least one member (and not over 1,000)."), column="member_count")
        status = self._status(row)
        if row.errors:
            return None
        return {
            "status": status,
            "code": v["code"],
            "head_name": v["head_name"],
            "id_number": id_number,
            "ethnic_group_id": ethnic,
            "commune_id": commune.pk,
            "village": v["village"],
            "member_count": members,
            "address": v["address"] or "",
        }

    def _status(self, row: Row) -> tuple[int, str] | None:
        """(year, status) when the row gives a yearly poverty status, else None."""
        v = row.values
        status = v.get("status")
        marks = [
            s
            for s, key in ((PovertyStatusChoices.POOR, "poor_mark"), (PovertyStatusChoices.NEAR_POOR, "near_poor_mark"))
            if v.get(key)
        ]
        if len(marks) > 1 or (marks and status and marks[0] != status):
            row.add_error(_("The row marks more than one poverty status."), column="poor_mark" if marks else "status")
            return None
        status = status or (marks[0] if marks else None)
        if status is None:
            return None
        if v.get("status_year") is None:
            row.add_error(_("Give the year of the household's poverty status."), column="status_year")
            return None
        return v["status_year"], status

    # -- a chunk ---------------------------------------------------------------------------------------------

    def process(self, chunk: list[Row], ctx: ImportContext) -> None:
        result = ctx.result
        built = []
        for row in chunk:
            values = self.build(row, ctx)
            if values is not None:
                built.append((row, values))
        if not built:
            return
        ctx.writer.wait()  # the previous chunk's rows are in: the look-up below must see them
        codes = [values["code"] for _row, values in built]
        ids = [values["id_number"] for _row, values in built if values["id_number"]]
        by_code, by_id = {}, {}
        for record in _registered(codes, ids):
            by_code[record["code"]] = record
            if record["id_number"]:
                by_id[record["id_number"]] = record

        seen_code: dict[str, int] = {}
        seen_id: dict[str, int] = {}
        new, changed, written = [], [], []
        statuses = []  # (row, household id or index in `new`, (year, status), commune id, outcome)
        for row, values in built:
            status = values.pop("status")
            code, id_number = values["code"], values["id_number"]
            duplicate = self._duplicate(row, values, by_code, by_id, seen_code, seen_id, ctx)
            if duplicate:
                self._report_duplicate(row, duplicate, ctx)
                continue
            seen_code[code] = row.number
            if id_number:
                seen_id[id_number] = row.number
            current = by_code.get(code)
            if current is not None and not ctx.may_change(current["commune_id"]):
                row.add_error(
                    _("The household %(code)s is registered in a commune outside your jurisdiction.") % {"code": code},
                    column="code",
                )
                continue
            village_key = (values["commune_id"], values.pop("village"))
            village = ctx.village_cache.get(village_key)
            if village is None:
                village = ctx.village_cache[village_key] = self._village(*village_key, ctx)
            if village.__class__ is str:
                row.add_error(village, column="village")
                continue
            record = values
            record["village_id"], record["commune_id"] = village
            if current is None:
                ctx.result.name_created("households", f"{code} {record['head_name']}")
                if status:
                    statuses.append((row, -1 - len(new), status, record["commune_id"], "new"))
                new.append((row, record))
            elif any(record[f] != current[f] for f in COMPARED):
                if status:
                    statuses.append((row, current["id"], status, record["commune_id"], "changed"))
                changed.append((row, Household(**{**current, **record})))
            else:
                if status:
                    statuses.append((row, current["id"], status, record["commune_id"], "unchanged"))
                result.unchanged += 1
                written.append((current["id"], row.number))
        update_with_history(Household, [h for _row, h in changed], COMPARED, user=ctx.user)
        result.new += len(new)
        result.changed += len(changed)
        written += [(h.pk, row.number) for row, h in changed]
        ctx.registry.add(written)
        numbers = [row.number for row, _record in new]
        new_ids: list[int] = []

        def written_new(ids):
            new_ids.extend(ids)
            ctx.registry.add(list(zip(ids, numbers, strict=True)))

        ctx.writer.submit([record for _row, record in new], written_new)
        if statuses:
            ctx.writer.wait()  # the statuses need the new households' ids
            self._record_statuses(statuses, new_ids, ctx)

    def _record_statuses(self, statuses, new_ids: list[int], ctx: ImportContext) -> None:
        """The yearly statuses the rows give: new ones recorded, recorded ones compared (a different status
        is an error, as in the poverty-statuses import), the same rules as `services.poverty_assessment_*`
        that a status without income and deprivations can be checked against: the standard in force that
        year, "escaped" only after a poor year, approved periods locked."""
        result = ctx.result
        if not hasattr(ctx, "standards"):
            ctx.standards = list(PovertyStandard.objects.all())
            ctx.lock_cache = {}
            ctx.communes_by_id = {}
        items = [
            (row, pk if pk >= 0 else new_ids[-1 - pk], status, commune, outcome)
            for row, pk, status, commune, outcome in statuses
        ]
        ids = {pk for _row, pk, _s, _c, _o in items}
        years = {year for _row, _pk, (year, _status), _c, _o in items}
        recorded = {
            (h, y): s
            for h, y, s in PovertyAssessment.objects.filter(
                household_id__in=ids, year__in=years | {y - 1 for y in years}
            ).values_list("household_id", "year", "status")
        }
        missing = {c for *_rest, c, _o in items} - ctx.communes_by_id.keys()
        if missing:
            ctx.communes_by_id.update(Commune.objects.select_related("successor").in_bulk(missing))
        rows = []
        for row, household_id, (year, status), commune_id, outcome in items:
            standard = next((s for s in ctx.standards if s.applies_to(year)), None)
            if standard is None:
                row.add_error(_("No poverty standard applies to %(year)s.") % {"year": year}, column="status_year")
                continue
            already = recorded.get((household_id, year))
            if already is not None:
                if already != status:
                    row.add_error(
                        _(
                            "The household's status for %(year)s is already recorded as %(recorded)s; an import does "
                            "not change it (correct it on the household's page)."
                        )
                        % {"year": year, "recorded": PovertyStatusChoices(already).label},
                        column="status",
                    )
                continue
            previous = recorded.get((household_id, year - 1))
            if (
                status == PovertyStatusChoices.ESCAPED
                and previous is not None
                and previous != PovertyStatusChoices.POOR
            ):
                row.add_error(
                    _("Only a household that was poor in %(year)s can escape poverty in %(next)s.")
                    % {"year": year - 1, "next": year},
                    column="status",
                )
                continue
            lock_key = (commune_id, year)
            if lock_key not in ctx.lock_cache:
                report = approved_report_covering(ctx.communes_by_id[commune_id], datetime.date(year, 12, 31))
                ctx.lock_cache[lock_key] = lock_message(report) if report else None
            if ctx.lock_cache[lock_key]:
                row.add_error(ctx.lock_cache[lock_key], column="status_year")
                continue
            recorded[(household_id, year)] = status
            rows.append(
                {
                    "household_id": household_id,
                    "year": year,
                    "standard_id": standard.pk,
                    "status": status,
                    "income_per_capita": None,
                    "decision_number": "",
                    "recognised_on": None,
                }
            )
            if outcome == "unchanged":
                result.unchanged -= 1
                result.changed += 1
        insert_values_with_history(PovertyAssessment, rows, user=ctx.user)
        result.created["yearly statuses"] = result.created.get("yearly statuses", 0) + len(rows)

    def finish(self, ctx: ImportContext) -> None:
        ctx.writer.wait()

    def close(self, ctx: ImportContext) -> None:
        writer = getattr(ctx, "writer", None)
        if writer is not None:
            writer.close()

    def _duplicate(self, row, values, by_code, by_id, seen_code, seen_id, ctx) -> tuple[str, str] | None:
        """(message, column) if the row is a duplicate, in the file or against the register."""
        code, id_number = values["code"], values["id_number"]
        first = seen_code.get(code)
        current = by_code.get(code)
        if first is None and current is not None:
            first = ctx.registry.row_of(current["id"])
        if first is not None:
            return _("Duplicate of row %(row)d: the same household code.") % {"row": first}, "code"
        if not id_number:
            return None
        first = seen_id.get(id_number)
        other = by_id.get(id_number)
        if first is None and other is not None:
            first = ctx.registry.row_of(other["id"])
        if first is not None:
            return _("Duplicate of row %(row)d: the same head's ID number.") % {"row": first}, "id_number"
        if other is not None and other["code"] != code:
            named = other["code"] if ctx.may_change(other["commune_id"]) else None
            return household_id_number_taken_message(code=named), "id_number"
        if current is not None and not ctx.may_change(current["commune_id"]):
            # Someone else's household: refused as outside the jurisdiction (below), and its head's ID number
            # is not compared with the row's, which would tell it one guess a row.
            return None
        if current is not None and current["id_number"] and current["id_number"] != id_number:
            return (
                _(
                    "The household %(code)s is registered with another head's ID number; an import does not change "
                    "it (correct it in the household's page if it is wrong)."
                )
                % {"code": code},
                "id_number",
            )
        return None

    def _report_duplicate(self, row: Row, duplicate: tuple[str, str], ctx: ImportContext) -> None:
        message, column = duplicate
        if ctx.skip_duplicates:
            error = SheetError(message, row=row.number, column=ctx.sheet.header_for(column))
            ctx.result.duplicates.append(error)
            ctx.result.skipped += 1
        else:
            row.add_error(message, column=column)

    def _village(self, commune_id: int, name: str, ctx: ImportContext) -> tuple[int, int] | str:
        """(village id, its commune id) of the row's village, added if new; or a message."""
        pk = ctx.villages.find(commune_id, name)
        if pk is not None:
            return pk, commune_id
        merged = ctx.villages.find_merged(commune_id, name)
        if len(merged) == 1:
            return merged[0], ctx.villages.commune_of[merged[0]]
        if merged:
            return _("Several communes merged into this one have a village “%(name)s”: %(communes)s.") % {
                "name": name,
                "communes": _(" and ").join(
                    ctx.localities.describe(ctx.localities.communes[ctx.villages.commune_of[pk]])
                    if ctx.villages.commune_of[pk] in ctx.localities.communes
                    else str(ctx.villages.commune_of[pk])
                    for pk in merged
                ),
            }
        if names_several_places(name):
            return _("“%(name)s” names several places; a household lives in one village.") % {"name": name}
        return self._add_village(commune_id, name, ctx), commune_id

    def _add_village(self, commune_id: int, name: str, ctx: ImportContext) -> int:
        ctx.writer.wait()
        village = Village(commune_id=commune_id, name=name)
        insert_with_history(Village, [village], user=ctx.user)
        ctx.villages.add(commune_id, name, village.pk)
        ctx.result.created["villages"] += 1
        commune = ctx.localities.communes.get(commune_id)
        ctx.result.name_created("villages", f"{name} ({commune.name})" if commune else name)
        return village.pk
