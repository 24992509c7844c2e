"""Progress reports: what a work had achieved on a date (physical progress %, quantity done, status).

A report is identified by its work and its date: a work has one report a day. Rows are recorded a chunk
at a time through `services.progress_reports_record_many` (the rules of `progress_report_record`), which
also gives each work the status of its newest report, and which refuses a date in an approved (locked)
period. A report already recorded for the work and date with the same figures is unchanged; with other
figures it is an error, not an update: a reported figure is a fact the commune stated on that date, and
correcting it is done in the work's page, where the correction is seen for what it is. The same file
imported twice changes nothing.

The quantity done is in the work's capacity unit; a unit column, if the file has one, must name that unit.
A quantity written with its unit ("300 m") is converted to the work's unit (0,3 km) when they are of one
kind, and is an error naming both when not. A percentage with more decimals than the two kept (one Excel
computed: 66,666666667%) is rounded to them, with a warning on the row.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.base import ImportContext
from sheets import DateColumn, PercentColumn, Row, TextColumn
from sheets.columns import QuantityColumn
from sheets.layout import as_of_in

from ..choices import CapacityUnitChoices
from ..models import ProgressReport
from ..services import progress_report_record, progress_reports_record_many
from .common import WORK_CODE, RowByRowKind, find_work, load_works, row_context
from .works import CAPACITY_UNIT, WORK_STATUS, plain, quantity

COLUMNS = [
    WORK_CODE,
    DateColumn(
        "reported_on",
        "Ngày báo cáo",
        aliases=["Date", "Report date", "Reported on", "As of", "Tính đến ngày", "Ngày", "Thời điểm báo cáo"],
        required=True,
        help=gettext_lazy("The date the progress is reported as of; a work has one report a day."),
        context="as_of",  # or the title: "Báo cáo tiến độ ... (tính đến ngày 30/6/2025)"
    ),
    PercentColumn(
        "progress_percent",
        "Tiến độ",
        aliases=["Progress", "Physical progress", "Progress percent", "Tiến độ thực hiện", "Tỷ lệ hoàn thành"],
        required=True,
        max_places=2,
        rounds=True,
    ),
    QuantityColumn(
        "quantity_done",
        "Khối lượng hoàn thành",
        aliases=["Quantity done", "Quantity", "Khối lượng", "Khối lượng thực hiện", "Khối lượng đã thực hiện"],
        min_value=0,
        max_places=3,
        help=gettext_lazy("In the work's capacity unit (km, m, classrooms, ...), or with its unit: 300 m."),
    ),
    CAPACITY_UNIT,
    replace(WORK_STATUS, required=True),
    TextColumn("note", "Ghi chú", aliases=["Note", "Notes"]),
]

COMPARED = ("progress_percent", "quantity_done", "status", "note")


class ProgressImport(RowByRowKind):
    name = "progress"
    label = gettext_lazy("progress reports")
    model = ProgressReport
    columns = COLUMNS
    updatable = False
    batched = True  # a report depends on no other report of the file: written a chunk at a time
    description = gettext_lazy(
        "One row per work and date: work code, date, physical progress %, quantity done, status. A report already "
        "recorded for the work and date is left as it is; the same file imported twice changes nothing."
    )
    fields = {
        "work": "work",
        "reported_on": "reported_on",
        "progress_percent": "progress_percent",
        "quantity_done": "quantity_done",
        "status": "status",
        "note": "note",
    }

    def prepare(self, ctx: ImportContext) -> None:
        ctx.reports = {}  # (work id, date) → the report recorded
        ctx.reports_loaded = set()  # the (work id, date) pairs looked up in the database

    def before_chunk(self, chunk: list[Row], ctx: ImportContext) -> None:
        for row in chunk:
            if row.values["reported_on"] is None:
                row.values["reported_on"] = self.header_date(ctx) or row_context(row).get("as_of")
        # The reports of the chunk's works on the chunk's dates only: a work's older reports are not needed.
        works = load_works(ctx, {row.values["work"] for row in chunk})
        wanted = {
            (works[row.values["work"]].pk, row.values["reported_on"])
            for row in chunk
            if row.values["work"] in works and row.values["reported_on"] is not None
        } - ctx.reports_loaded
        if wanted:
            found = ProgressReport.objects.filter(
                work_id__in={pk for pk, _ in wanted}, reported_on__in={day for _, day in wanted}
            )
            for report in found:
                ctx.reports.setdefault((report.work_id, report.reported_on), report)
            ctx.reports_loaded |= wanted

    def header_date(self, ctx: ImportContext):
        """The date the progress column's header names ("Tiến độ đến 30/6/2025"), when the file has no date column:
        it comes before the title's."""
        if "header_date" not in ctx.__dict__:
            bound = ctx.sheet.columns.get("progress_percent")
            ctx.header_date = as_of_in(bound.header) if bound is not None else None
        return ctx.header_date

    def build(self, row: Row, ctx: ImportContext) -> dict[str, Any] | None:
        v = row.values
        work = find_work(row, ctx)
        if work is None or row.errors:
            return None
        if v["quantity_done"] is not None and v["capacity_unit"] and v["capacity_unit"] != work.capacity_unit:
            if work.capacity_unit:
                message = _("Work %(work)s is measured in %(expected)s, not %(found)s.") % {
                    "work": work.code,
                    "expected": work.get_capacity_unit_display(),
                    "found": CapacityUnitChoices(v["capacity_unit"]).label,
                }
            else:
                message = _("Work %(work)s has no capacity unit; give its capacity and unit first.") % {
                    "work": work.code
                }
            row.add_error(message, column="capacity_unit")
            return None
        done = v["quantity_done"]
        if getattr(done, "unit", None) is not None:
            if not work.capacity_unit:
                row.add_error(
                    _("Work %(work)s has no capacity unit; give its capacity and unit first.") % {"work": work.code},
                    column="quantity_done",
                )
                return None
            found = quantity(row, "quantity_done", work.capacity_unit)
            if found is None:
                return None
            done = found[0]
        return {
            "work": work,
            "reported_on": v["reported_on"],
            "progress_percent": plain(v["progress_percent"]),
            "quantity_done": plain(done),
            "status": v["status"],
            "note": v["note"] or "",
        }

    def key(self, values: dict[str, Any]) -> tuple:
        return (values["work"].pk, values["reported_on"])

    def duplicate_message(self, first_row: int) -> str:
        return _("Duplicate of row %(row)d: the same work and date.") % {"row": first_row}

    def existing(self, values: dict[str, Any], ctx: ImportContext) -> ProgressReport | None:
        return ctx.reports.get(self.key(values))

    def differences(self, record: ProgressReport, values: dict[str, Any]) -> list[str]:
        return [field for field in COMPARED if getattr(record, field) != values[field]]

    def unchangeable_message(self, record: ProgressReport, differences: list[str]) -> str:
        return _(
            "The progress of work %(work)s on %(date)s is already recorded with other values (%(fields)s); an "
            "import does not change a report: correct it in the work's page."
        ) % {
            "work": record.work.code,
            "date": record.reported_on.strftime("%d/%m/%Y"),
            "fields": ", ".join(str(ProgressReport._meta.get_field(f).verbose_name) for f in differences),
        }

    def create(self, values: dict[str, Any], ctx: ImportContext) -> ProgressReport:
        report = progress_report_record(**values, user=ctx.user)
        ctx.reports[self.key(values)] = report
        return report

    def create_many(self, values: list[dict[str, Any]], ctx: ImportContext) -> list:
        outcomes = progress_reports_record_many(reports=values, user=ctx.user)
        for given, outcome in zip(values, outcomes, strict=True):
            if isinstance(outcome, ProgressReport):
                ctx.reports[self.key(given)] = outcome
        return outcomes
