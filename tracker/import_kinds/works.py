"""Works: the infrastructure works (công trình) of communes, one row a work.

A work is identified by its code. A new code adds the work; a known code updates it, when both the work
as recorded and the commune the row gives are within the importing official's jurisdiction (a code of a
work elsewhere is an error, never an update of somebody else's work). The row is the work's record: every
column the file has is compared and, if different, written (a blank cell clears an optional value: a date,
the coordinates, the investor); a column the file does not have leaves that part of the work as recorded.
A blank status keeps the recorded status (a new work is "Proposed"). The same file imported twice changes
nothing.

Villages are listed by name in one cell, separated by ";" or ","; a village not yet known in the commune
is added with the import (and counted). Programs and components are listed the same way, one program for
each component or a single program for all of them: a work may be funded by several components. A
component that funds an allocation to the work cannot be taken off it, and a work whose capital or
progress lies in an approved (locked) period cannot be moved to another commune.

`tracker.services` has no service for works: a work is written as the admin writes it (`full_clean()`,
the history record attributed to the importing official, the jurisdiction checked again on the work as
saved).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.base import ImportContext
from imports.lookups import VillageIndex, name_key
from kernel.access import ADD, CHANGE
from localities.models import Village
from sheets import (
    AmountColumn,
    BooleanColumn,
    ChoiceColumn,
    DateColumn,
    DecimalColumn,
    IntegerColumn,
    Row,
    TextColumn,
    Unit,
)

from .. import services
from ..choices import CapacityUnitChoices, WorkStatusChoices, WorkTypeChoices
from ..models import Work
from .common import (
    COMPONENT,
    LOCALITY_COLUMNS,
    PROGRAM,
    WORK_CODE,
    ComponentIndex,
    RowByRowKind,
    find_commune,
    prepare_localities,
)
from .villages import village_save

# The words officials write for each choice (as seeds/generate.py writes them, and a few common variants).
WORK_TYPE_WORDS = {
    WorkTypeChoices.ROAD_COMMUNE_CENTRE: ["Đường đến trung tâm xã", "Đường trục xã", "Đường về trung tâm xã"],
    WorkTypeChoices.ROAD_INTER_COMMUNE: ["Đường liên xã"],
    WorkTypeChoices.ROAD_INTER_VILLAGE: ["Đường liên thôn", "Đường liên thôn, bản", "Đường trục thôn"],
    WorkTypeChoices.ROAD_IN_VILLAGE: ["Đường nội thôn", "Đường nội thôn, bản", "Đường ngõ xóm"],
    WorkTypeChoices.BRIDGE: ["Cầu", "Cầu dân sinh", "Cầu treo"],
    WorkTypeChoices.POWER: ["Cấp điện", "Điện", "Lưới điện", "Điện sinh hoạt"],
    WorkTypeChoices.IRRIGATION: ["Thủy lợi", "Kênh mương", "Mương thủy lợi"],
    WorkTypeChoices.DOMESTIC_WATER: ["Nước sinh hoạt", "Cấp nước sinh hoạt", "Công trình nước sinh hoạt"],
    WorkTypeChoices.SCHOOL: ["Trường, lớp học", "Trường học", "Lớp học", "Phòng học"],
    WorkTypeChoices.HEALTH_STATION: ["Trạm y tế", "Trạm y tế xã"],
    WorkTypeChoices.CULTURAL_HOUSE: ["Nhà văn hóa", "Nhà văn hóa thôn", "Nhà sinh hoạt cộng đồng"],
    WorkTypeChoices.RADIO_STATION: ["Đài truyền thanh xã", "Đài truyền thanh", "Đài truyền thanh cơ sở"],
    WorkTypeChoices.MARKET: ["Chợ", "Chợ nông thôn"],
    WorkTypeChoices.OTHER: ["Công trình khác", "Khác"],
}
WORK_STATUS_WORDS = {
    WorkStatusChoices.PROPOSED: ["Đề xuất", "Chuẩn bị đầu tư"],
    WorkStatusChoices.APPROVED: ["Đã phê duyệt", "Phê duyệt", "Đã duyệt"],
    WorkStatusChoices.UNDER_CONSTRUCTION: ["Đang thi công", "Đang triển khai", "Đang thực hiện"],
    WorkStatusChoices.COMPLETED: ["Hoàn thành", "Đã hoàn thành", "Hoàn thành, bàn giao", "Đã nghiệm thu, bàn giao"],
    WorkStatusChoices.SETTLED: ["Đã quyết toán", "Quyết toán"],
    WorkStatusChoices.SUSPENDED: ["Tạm dừng", "Tạm dừng thi công", "Dừng thi công"],
    WorkStatusChoices.CANCELLED: ["Hủy bỏ", "Hủy", "Đã hủy bỏ"],
}
CAPACITY_UNIT_WORDS = {
    CapacityUnitChoices.KM: ["ki-lô-mét", "kilomet", "kilometre"],
    CapacityUnitChoices.M: ["mét", "met", "metre"],
    CapacityUnitChoices.M2: ["m²", "mét vuông"],
    CapacityUnitChoices.M3: ["m³", "mét khối"],
    CapacityUnitChoices.HA: ["héc ta", "hecta", "hectare"],
    CapacityUnitChoices.CLASSROOM: ["phòng", "lớp học", "classroom"],
    CapacityUnitChoices.HOUSEHOLD: ["hộ", "hộ gia đình", "households"],
    CapacityUnitChoices.KVA: ["kVA"],
    CapacityUnitChoices.UNIT: ["cụm", "cái", "chiếc", "trạm", "unit"],
}

WORK_STATUS = ChoiceColumn(
    "status",
    "Tình trạng",
    aliases=["Status", "Trạng thái", "Tình trạng thực hiện", "Tình hình thực hiện"],
    choices=WorkStatusChoices,
    aliases_for_choices=WORK_STATUS_WORDS,
)
CAPACITY_UNIT = ChoiceColumn(
    "capacity_unit",
    "Đơn vị tính",
    aliases=["Unit", "Capacity unit", "ĐVT", "Đơn vị"],
    choices=CapacityUnitChoices,
    aliases_for_choices=CAPACITY_UNIT_WORDS,
)
LIST_SEPARATORS = re.compile(r"\s*[;,]\s*")

COLUMNS = [
    WORK_CODE,
    TextColumn(
        "name",
        "Tên công trình",
        aliases=["Work name", "Name", "Tên dự án, công trình", "Tên công trình, dự án", "Tên dự án"],
        required=True,
        max_length=300,
    ),
    *LOCALITY_COLUMNS,
    TextColumn(
        "villages",
        "Thôn/bản",
        aliases=["Villages", "Village", "Thôn", "Bản", "Thôn, bản", "Địa điểm (thôn/bản)", "Thôn/bản hưởng lợi"],
        help=gettext_lazy(
            "The work's villages in its commune, separated by ; or , — a village not yet known in the commune is "
            "added with the import."
        ),
    ),
    ChoiceColumn(
        "work_type",
        "Loại công trình",
        aliases=["Work type", "Type", "Loại"],
        choices=WorkTypeChoices,
        aliases_for_choices=WORK_TYPE_WORDS,
        required=True,
    ),
    BooleanColumn(
        "is_maintenance",
        "Duy tu, sửa chữa",
        aliases=["Maintenance", "Maintenance or repair", "Duy tu sửa chữa", "Duy tu, bảo dưỡng", "Sửa chữa"],
        help=gettext_lazy("x for the maintenance or repair of an existing work."),
    ),
    replace(
        PROGRAM,
        help=gettext_lazy("The program's code (NTP-1719, NTP-GNBV, NTP-NTM); several separated by ;, one a component."),
    ),
    replace(
        COMPONENT,
        required=True,
        max_length=200,
        help=gettext_lazy(
            "The project or sub-project code in the program, e.g. DA4.TDA1; several separated by ; when the work "
            "is funded by several components."
        ),
    ),
    TextColumn("investor", "Chủ đầu tư", aliases=["Investor", "Đơn vị chủ đầu tư"], max_length=200),
    DecimalColumn(
        "capacity", "Quy mô", aliases=["Capacity", "Quy mô công trình", "Năng lực thiết kế"], min_value=0, max_places=3
    ),
    CAPACITY_UNIT,
    AmountColumn(
        "approved_investment",
        "Tổng mức đầu tư",
        unit=Unit.MILLION,
        aliases=["Approved investment", "Total investment", "Tổng mức đầu tư được duyệt", "TMĐT"],
    ),
    BooleanColumn(
        "is_small_work",
        "Công trình quy mô nhỏ",
        aliases=["Small work", "Quy mô nhỏ", "Cơ chế đặc thù", "Công trình quy mô nhỏ, kỹ thuật không phức tạp"],
        help=gettext_lazy("x for a small work under the special mechanism (Decree 27/2022/NĐ-CP): at most 5 billion."),
    ),
    WORK_STATUS,
    DateColumn("start_date", "Ngày khởi công", aliases=["Start date", "Khởi công", "Ngày bắt đầu"]),
    DateColumn(
        "planned_completion_date",
        "Ngày hoàn thành theo kế hoạch",
        aliases=[
            "Planned completion",
            "Planned completion date",
            "Hoàn thành theo kế hoạch",
            "Ngày hoàn thành dự kiến",
        ],
    ),
    DateColumn(
        "actual_completion_date",
        "Ngày hoàn thành thực tế",
        aliases=["Actual completion", "Actual completion date", "Hoàn thành thực tế", "Ngày hoàn thành"],
    ),
    DecimalColumn("latitude", "Vĩ độ", aliases=["Latitude", "Lat"], max_places=6),
    DecimalColumn("longitude", "Kinh độ", aliases=["Longitude", "Lon", "Lng", "Long"], max_places=6),
    IntegerColumn(
        "beneficiary_households",
        "Số hộ hưởng lợi",
        aliases=["Beneficiary households", "Households benefiting", "Số hộ được hưởng lợi", "Hộ hưởng lợi"],
        min_value=0,
    ),
    TextColumn("note", "Ghi chú", aliases=["Note", "Notes"]),
]

# The Work fields a column of the same key sets; a blank cell is the field's empty value (BLANK, or None).
SCALAR_FIELDS = (
    "name",
    "work_type",
    "is_maintenance",
    "investor",
    "capacity",
    "capacity_unit",
    "approved_investment",
    "is_small_work",
    "status",
    "start_date",
    "planned_completion_date",
    "actual_completion_date",
    "latitude",
    "longitude",
    "beneficiary_households",
    "note",
)
BLANK = {"investor": "", "capacity_unit": "", "approved_investment": 0, "note": ""}
# The column an official should look at when one of the work's constraints is broken, by constraint name.
CONSTRAINT_COLUMNS = {
    "tracker_work_investment_non_negative": "approved_investment",
    "tracker_work_completion_after_start": "actual_completion_date",
    "tracker_work_planned_after_start": "planned_completion_date",
    "tracker_work_small_work_ceiling": "approved_investment",
    "tracker_work_capacity_non_negative": "capacity",
}


def plain(number: Decimal | None) -> Decimal | None:
    """The number without trailing zeros (75.500 → 75.5): Django's decimal validation counts them as places,
    and a percentage read from Excel (0.755 × 100) or a value typed "0,380" has them."""
    if number is None:
        return None
    normal = number.normalize()
    return normal if normal.as_tuple().exponent <= 0 else normal.quantize(Decimal(1))


def _split(text: str | None) -> list[str]:
    return [part for part in LIST_SEPARATORS.split(text or "") if part]


def _constraints_by_message() -> dict[str, str]:
    return {str(c.violation_error_message): c.name for c in Work._meta.constraints if c.name in CONSTRAINT_COLUMNS}


def work_save(work: Work, *, components=None, villages=None, user, current: bool = False) -> Work:
    """Create or update a work through its services (the admin's and the API's path too), with the work's
    constraints broken reported on their field, so that the import puts them on a column."""
    try:
        if not current:
            return services.work_create(components=components, villages=villages or (), user=user, **_fields(work))
        return services.work_update(work=work, components=components, villages=villages, user=user, **_fields(work))
    except ValidationError as error:
        raise _on_fields(error) from None


def _fields(work: Work) -> dict[str, Any]:
    return {
        "code": work.code,
        "commune_id": work.commune_id,
        **{field: getattr(work, field) for field in SCALAR_FIELDS},
    }


def _on_fields(error: ValidationError) -> ValidationError:
    if not hasattr(error, "error_dict") or NON_FIELD_ERRORS not in error.error_dict:
        return error
    by_message = _constraints_by_message()
    placed: dict[str, list] = {}
    for field, errors in error.error_dict.items():
        for item in errors:
            target = field
            if field == NON_FIELD_ERRORS:
                constraint = by_message.get(" ".join(item.messages))
                target = CONSTRAINT_COLUMNS[constraint] if constraint else field
            placed.setdefault(target, []).append(item)
    return ValidationError(placed)


class WorkImport(RowByRowKind):
    name = "works"
    label = gettext_lazy("works")
    model = Work
    columns = COLUMNS
    description = gettext_lazy(
        "One row per work: code, name, commune, villages, type, program components, investor, capacity, approved "
        "investment, status, dates, coordinates, beneficiaries. A known code updates the work; the same file "
        "imported twice changes nothing."
    )
    fields = {
        **{field: field for field in SCALAR_FIELDS},
        "code": "work",
        "commune": "commune_code",
        "components": "component",
        "villages": "villages",
    }

    def required_actions(self):
        return ((Work, ADD), (Work, CHANGE), (Village, ADD))

    def prepare(self, ctx: ImportContext) -> None:
        prepare_localities(ctx)
        ctx.components = ComponentIndex()
        ctx.villages = VillageIndex()
        ctx.recorded_works = {}
        ctx.result.created.setdefault("villages", 0)

    def before_chunk(self, chunk: list[Row], ctx: ImportContext) -> None:
        codes = {row.values["work"] for row in chunk if row.values["work"]} - ctx.recorded_works.keys()
        if codes:
            works = Work.objects.filter(code__in=codes).select_related("commune__successor")
            for work in works.prefetch_related("components", "villages"):
                ctx.recorded_works[work.code] = work

    # -- one row ---------------------------------------------------------------------------------------------

    def build(self, row: Row, ctx: ImportContext) -> dict[str, Any] | None:
        v = row.values
        recorded = ctx.recorded_works.get(v["work"]) if v["work"] else None
        if recorded is not None and not ctx.may_change(recorded.commune_id):
            row.add_error(_("The work %(code)s is outside your jurisdiction.") % {"code": v["work"]}, column="work")
            return None
        # The data's date (a work is placed on the map in force when it started or was planned).
        on = v.get("start_date") or v.get("planned_completion_date") or v.get("actual_completion_date")
        commune = find_commune(row, ctx, on=on)
        components = self._components(row, ctx)
        if row.errors or commune is None or components is None:
            return None
        village_ids, new_villages = [], []
        for name in _split(v["villages"]):
            pk = ctx.villages.find(commune.pk, name)
            if pk is None:
                if all(name_key(name, villages=True) != name_key(n, villages=True) for n in new_villages):
                    new_villages.append(name)
            elif pk not in village_ids:
                village_ids.append(pk)
        values = {"code": v["work"], "commune_id": commune.pk, "components": components}
        if ctx.sheet.has_column("villages"):
            values["village_ids"], values["new_villages"] = village_ids, new_villages
        for field in SCALAR_FIELDS:
            if ctx.sheet.has_column(field):
                value = plain(v[field]) if isinstance(v[field], Decimal) else v[field]
                values[field] = BLANK.get(field) if value is None else value
        if values.get("status") is None:
            values.pop("status", None)
        return values

    def _components(self, row: Row, ctx: ImportContext) -> list | None:
        programs = _split(row.values["program"])
        codes = _split(row.values["component"])
        if not codes:
            return None  # the reader has said that the column is required
        if len(programs) > 1 and len(programs) != len(codes):
            row.add_error(
                _("Give one program for each component (%(components)d), or a single program for all of them.")
                % {"components": len(codes)},
                column="program",
            )
            return None
        if len(programs) <= 1:
            programs = programs * len(codes) or [None] * len(codes)
        components = []
        for program, code in zip(programs, codes, strict=True):
            found = ctx.components.find(program, code)
            if isinstance(found, str):
                row.add_error(found, column="component")
            elif found not in components:
                components.append(found)
        return None if row.errors else components

    def key(self, values: dict[str, Any]) -> tuple:
        return (values["code"],)

    def duplicate_message(self, first_row: int) -> str:
        return _("Duplicate of row %(row)d: the same work code.") % {"row": first_row}

    def existing(self, values: dict[str, Any], ctx: ImportContext) -> Work | None:
        return ctx.recorded_works.get(values["code"])

    def differences(self, record: Work, values: dict[str, Any]) -> list[str]:
        changed = [field for field in self._scalar_fields(values) if getattr(record, field) != values[field]]
        if record.commune_id != values["commune_id"]:
            changed.append("commune")
        if {c.pk for c in record.components.all()} != {c.pk for c in values["components"]}:
            changed.append("components")
        if "village_ids" in values and (
            values["new_villages"] or {v.pk for v in record.villages.all()} != set(values["village_ids"])
        ):
            changed.append("villages")
        return changed

    @staticmethod
    def _scalar_fields(values: dict[str, Any]) -> list[str]:
        return [field for field in SCALAR_FIELDS if field in values]

    # -- writing ---------------------------------------------------------------------------------------------

    def create(self, values: dict[str, Any], ctx: ImportContext) -> Work:
        work = Work(code=values["code"], commune_id=values["commune_id"])
        for field in self._scalar_fields(values):
            setattr(work, field, values[field])
        with _row_villages(values, ctx) as villages:
            work = work_save(work, components=values["components"], villages=villages, user=ctx.user)
        ctx.recorded_works[work.code] = work
        return work

    def update(self, record: Work, values: dict[str, Any], ctx: ImportContext) -> Work:
        # The rules of a change (a move out of a locked period, a component that funds capital) are the
        # service's: the admin and the API meet the same refusals.
        changed = self.differences(record, values)
        for field in self._scalar_fields(values):
            setattr(record, field, values[field])
        record.commune_id = values["commune_id"]
        with _row_villages(values, ctx) as villages:
            work_save(
                record,
                components=values["components"] if "components" in changed else None,
                villages=villages if "villages" in changed else None,
                user=ctx.user,
                current=True,
            )
        return record


@contextmanager
def _row_villages(values: dict[str, Any], ctx: ImportContext):
    """The row's village ids, the unknown villages added to the commune first; if the row then fails (its
    savepoint is rolled back), they are taken out of the index and the count again."""
    if "village_ids" not in values:  # the file has no villages column
        yield None
        return
    ids = list(values["village_ids"])
    commune_id = values["commune_id"]
    added = []
    try:
        for name in values["new_villages"]:
            village = village_save(Village(commune_id=commune_id, name=name), user=ctx.user)
            ctx.villages.add(commune_id, name, village.pk)
            added.append(name)
            ids.append(village.pk)
        yield ids
    except BaseException:
        known = ctx.villages.by_commune.get(commune_id, {})
        for name in added:
            known.pop(name_key(name, villages=True), None)
        raise
    ctx.result.created["villages"] += len(added)
