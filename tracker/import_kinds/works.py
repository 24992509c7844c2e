"""Works: the infrastructure works (công trình) of communes, one row a work.

A work is identified by its code. A new code adds the work; a known code updates it, when both the work
as recorded and the commune the row gives are within the importing official's jurisdiction (a code of a
work elsewhere is an error, never an update of somebody else's work). The row is the work's record: every
column the file has is compared and, if different, written (a blank cell clears an optional value: a date,
the coordinates, the investor); a column the file does not have leaves that part of the work as recorded.
A blank status keeps the recorded status (a new work is "Proposed"). The same file imported twice changes
nothing.

Villages are listed by name in one cell, separated by ";", ",", " - " or "và" ("Thôn Bản Chán, Thôm Ưng" is
two villages); a village recorded on the legacy commune merged into the row's commune is that village; a
village not yet known in the commune is added with the import (counted, and named in the preview).
Programs and components are listed the same way, one program for each component or a single program for
all of them: a work may be funded by several components. A component that funds an allocation to the work
cannot be taken off it, and a work whose capital or progress lies in an approved (locked) period cannot be
moved to another commune.

The capacity may carry its unit ("3 km", "300 m", "2 phòng học"): it is converted to the work's unit (the
unit column, the header's "(km)", or the unit recorded) when the two are of one kind (m and km, m² and ha),
and a unit that does not convert is an error naming both. A work type of roads in general ("Giao thông
nông thôn") takes the road's kind from the work's name when the name says it ("Đường liên thôn ...").

A work is written through `tracker.services`, as the admin writes it (`full_clean()`, the history records
attributed to the importing official, the jurisdiction checked again on the work as saved): a changed work
by `work_update`, row by row; the new works of a chunk together, by `works_create_many` (the rules and the
history of `work_create`, one row's outcome each), after every row of the chunk has been checked.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.base import ImportContext
from imports.lookups import VillageIndex, name_key, split_places
from kernel.access import ADD, CHANGE
from kernel.text import fold
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
    ValueProblem,
)
from sheets.columns import QuantityColumn, split_unit
from sheets.values import format_number

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
    row_context,
)
from .villages import village_save

# The words officials write for each choice (as seeds/generate.py writes them, and a few common variants).
WORK_TYPE_WORDS = {
    WorkTypeChoices.ROAD_COMMUNE_CENTRE: ["Đường đến trung tâm xã", "Đường trục xã", "Đường về trung tâm xã"],
    WorkTypeChoices.ROAD_INTER_COMMUNE: ["Đường liên xã"],
    WorkTypeChoices.ROAD_INTER_VILLAGE: [
        "Đường liên thôn",
        "Đường liên thôn, bản",
        "Đường trục thôn",
        "Đường liên bản",
    ],
    WorkTypeChoices.ROAD_IN_VILLAGE: ["Đường nội thôn", "Đường nội thôn, bản", "Đường ngõ xóm", "Đường nội bản"],
    WorkTypeChoices.ROAD: [
        "Giao thông nông thôn",
        "Giao thông",
        "GTNT",
        "Đường giao thông nông thôn",
        "Đường GTNT",
        "Đường giao thông",
        "Đường nông thôn",
    ],
    WorkTypeChoices.BRIDGE: ["Cầu", "Cầu dân sinh", "Cầu treo", "Cầu giao thông"],
    WorkTypeChoices.POWER: ["Cấp điện", "Điện", "Lưới điện", "Điện sinh hoạt", "Điện nông thôn", "Đường điện"],
    WorkTypeChoices.IRRIGATION: [
        "Thủy lợi",
        "Kênh mương",
        "Mương thủy lợi",
        "Công trình thủy lợi",
        "Kênh mương nội đồng",
    ],
    WorkTypeChoices.DOMESTIC_WATER: [
        "Nước sinh hoạt",
        "Cấp nước sinh hoạt",
        "Công trình nước sinh hoạt",
        "Nước sạch",
        "Cấp nước sạch",
        "Nước sinh hoạt tập trung",
    ],
    WorkTypeChoices.SCHOOL: ["Trường, lớp học", "Trường học", "Lớp học", "Phòng học", "Giáo dục", "Nhà lớp học"],
    WorkTypeChoices.HEALTH_STATION: ["Trạm y tế", "Trạm y tế xã", "Y tế"],
    WorkTypeChoices.CULTURAL_HOUSE: [
        "Nhà văn hóa",
        "Nhà văn hóa thôn",
        "Nhà sinh hoạt cộng đồng",
        "Văn hóa",
        "Nhà văn hóa - khu thể thao thôn",
    ],
    WorkTypeChoices.RADIO_STATION: [
        "Đài truyền thanh xã",
        "Đài truyền thanh",
        "Đài truyền thanh cơ sở",
        "Truyền thanh",
    ],
    WorkTypeChoices.MARKET: ["Chợ", "Chợ nông thôn"],
    WorkTypeChoices.OTHER: ["Công trình khác", "Khác"],
}
WORK_STATUS_WORDS = {
    WorkStatusChoices.PROPOSED: ["Đề xuất", "Chuẩn bị đầu tư"],
    # "Chưa khởi công": approved (the works of a plan or an allocation are), not yet started.
    WorkStatusChoices.APPROVED: ["Đã phê duyệt", "Phê duyệt", "Đã duyệt", "Chưa khởi công", "Chưa triển khai"],
    WorkStatusChoices.UNDER_CONSTRUCTION: [
        "Đang thi công",
        "Đang triển khai",
        "Đang thực hiện",
        "Đã khởi công",
        "Đang triển khai thi công",
        "Khởi công",
    ],
    WorkStatusChoices.COMPLETED: [
        "Hoàn thành",
        "Đã hoàn thành",
        "Hoàn thành, bàn giao",
        "Đã nghiệm thu, bàn giao",
        "Hoàn thành, đưa vào sử dụng",
        "Đã hoàn thành, đưa vào sử dụng",
        "Đã bàn giao đưa vào sử dụng",
    ],
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
    CapacityUnitChoices.CLASSROOM: ["phòng", "lớp học", "classroom", "phòng học", "phòng lớp"],
    CapacityUnitChoices.HOUSEHOLD: ["hộ", "hộ gia đình", "households"],
    CapacityUnitChoices.KVA: ["kVA"],
    CapacityUnitChoices.UNIT: ["cụm", "cái", "chiếc", "trạm", "unit", "công trình", "hệ thống"],
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

# Units of one kind convert: a capacity written "300 m" is 0,3 km for a work measured in km.
UNIT_SIZES = {
    CapacityUnitChoices.KM: ("length", Decimal(1000)),
    CapacityUnitChoices.M: ("length", Decimal(1)),
    CapacityUnitChoices.M2: ("area", Decimal(1)),
    CapacityUnitChoices.HA: ("area", Decimal(10000)),
}
# A road's kind, from the words of the work's name, for a type of roads in general (folded).
ROAD_KIND_WORDS = (
    ("lien xa", WorkTypeChoices.ROAD_INTER_COMMUNE),
    ("trung tam xa", WorkTypeChoices.ROAD_COMMUNE_CENTRE),
    ("truc xa", WorkTypeChoices.ROAD_COMMUNE_CENTRE),
    ("lien thon", WorkTypeChoices.ROAD_INTER_VILLAGE),
    ("lien ban", WorkTypeChoices.ROAD_INTER_VILLAGE),
    ("truc thon", WorkTypeChoices.ROAD_INTER_VILLAGE),
    ("noi thon", WorkTypeChoices.ROAD_IN_VILLAGE),
    ("noi ban", WorkTypeChoices.ROAD_IN_VILLAGE),
    ("ngo xom", WorkTypeChoices.ROAD_IN_VILLAGE),
)


def road_kind(name: str | None) -> str:
    """The kind of road a work's name says ("Đường liên thôn Bản Chán - Thôm Ưng"), or roads in general."""
    folded = fold(name)
    for words, kind in ROAD_KIND_WORDS:
        if words in folded:
            return kind
    return WorkTypeChoices.ROAD


def capacity_unit_of(text: str | None) -> str | None:
    """The capacity unit a text names ("km", "phòng học", "trạm"), or None."""
    if not text:
        return None
    try:
        return CAPACITY_UNIT.matcher(text)
    except ValueProblem:
        return None


def in_unit(number: Decimal, written: str, unit: str) -> Decimal | str:
    """`number` of the unit `written` (a choice) in `unit`, or a message when the two do not convert."""
    if written == unit:
        return number
    have, want = UNIT_SIZES.get(written), UNIT_SIZES.get(unit)
    if have is None or want is None or have[0] != want[0]:
        return _("%(value)s %(written)s cannot be written in %(unit)s, the work's unit.") % {
            "value": format_number(number),
            "written": CapacityUnitChoices(written).label,
            "unit": CapacityUnitChoices(unit).label,
        }
    return plain(number * have[1] / want[1])


def quantity(row: Row, key: str, unit: str | None) -> tuple[Decimal | None, str | None] | None:
    """A quantity column's value in `unit` (the work's; None: take the cell's), and the unit it is in; None
    with the error on the row when the cell's unit is unknown or does not convert."""
    value = row.values.get(key)
    written = getattr(value, "unit", None)
    if written is None:
        return value, unit
    cell_unit = capacity_unit_of(written)
    if cell_unit is None:
        row.add_error(
            _("Unknown unit “%(unit)s”; expected one of: %(units)s.")
            % {"unit": written, "units": "; ".join(CAPACITY_UNIT.matcher.accepted())},
            column=key,
        )
        return None
    if unit is None:
        return plain(Decimal(value)), cell_unit
    converted = in_unit(Decimal(value), cell_unit, unit)
    if isinstance(converted, str):
        row.add_error(converted, column=key)
        return None
    return converted, unit


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
    QuantityColumn(
        "capacity",
        "Quy mô",
        aliases=["Capacity", "Quy mô công trình", "Năng lực thiết kế", "Quy mô đầu tư", "Khối lượng thiết kế"],
        min_value=0,
        max_places=3,
        help=gettext_lazy("A number in the unit of “Đơn vị tính”, or with its unit: 3 km, 300 m, 2 phòng học."),
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

    batched = True  # new works written a chunk at a time (`create_many`)

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
        components = self._components(row, ctx)
        # The data's date (a work is placed on the map in force when it started); a work of the merged program
        # of 2026-2035 is on today's map. A completion date, planned or actual, says nothing of where the work
        # was decided: a work of the 2025 plan due by 31/12/2025 is on its commune of before 1/7/2025.
        on = v.get("start_date")
        year = 2026 if any(c.program.start_year >= 2026 for c in components or ()) else None
        commune = find_commune(row, ctx, on=on, year=year)
        if row.errors or commune is None or components is None:
            return None
        values = {"code": v["work"], "commune_id": commune.pk, "components": components}
        if ctx.sheet.has_column("villages"):
            found = self._villages(row, commune.pk, ctx)
            if found is None:
                return None
            values["village_ids"], values["new_villages"] = found
        for field in SCALAR_FIELDS:
            if ctx.sheet.has_column(field):
                value = plain(v[field]) if isinstance(v[field], Decimal) else v[field]
                values[field] = BLANK.get(field) if value is None else value
        if values.get("status") is None:
            values.pop("status", None)
        if values.get("work_type") == WorkTypeChoices.ROAD:
            values["work_type"] = road_kind(values.get("name") or (recorded.name if recorded else ""))
        if ctx.sheet.has_column("capacity") and not self._capacity(row, values, recorded, ctx):
            return None
        return values

    def _capacity(self, row: Row, values: dict[str, Any], recorded: Work | None, ctx: ImportContext) -> bool:
        """The capacity in the work's unit: the unit column's, else the header's "(km)", else the unit
        recorded, else the one written with the number ("3 km"); False with the error on the row."""
        has_unit_column = ctx.sheet.has_column("capacity_unit")
        unit = values.get("capacity_unit") or None
        header_unit = capacity_unit_of(split_unit(ctx.sheet.header_for("capacity"))[1])
        if unit is None and not has_unit_column:
            unit = header_unit or (recorded.capacity_unit if recorded is not None else None) or None
        found = quantity(row, "capacity", unit)
        if found is None:
            return False
        number, unit = found
        values["capacity"] = number
        if unit and (not has_unit_column or not values.get("capacity_unit")):
            values["capacity_unit"] = unit
        return True

    def _villages(self, row: Row, commune_id: int, ctx: ImportContext) -> tuple[list[int], list[str]] | None:
        """The ids of the row's known villages and the names of the new ones; None with the error on the row.

        The cell names the villages as officials write them (`split_places`); the whole cell is first taken as
        one name, in case a known village's name has a separator in it."""
        text = row.values["villages"]
        names = [text] if text and self._village(commune_id, text, ctx) is not None else split_places(text)
        village_ids, new_villages = [], []
        for name in names:
            pk = self._village(commune_id, name, ctx)
            if isinstance(pk, str):
                row.add_error(pk, column="villages")
                return None
            if pk is None:
                if all(name_key(name, villages=True) != name_key(n, villages=True) for n in new_villages):
                    new_villages.append(name)
            elif pk not in village_ids:
                village_ids.append(pk)
        return village_ids, new_villages

    def _village(self, commune_id: int, name: str, ctx: ImportContext) -> int | str | None:
        """The village of this name in the commune, or in the legacy commune merged into it; a message if
        several of those have it; None if none."""
        pk = ctx.villages.find(commune_id, name)
        if pk is not None:
            return pk
        merged = ctx.villages.find_merged(commune_id, name)
        if len(merged) == 1:
            return merged[0]
        if merged:
            communes = ctx.localities.communes
            return _("Several communes merged into this one have a village “%(name)s”: %(communes)s.") % {
                "name": name,
                "communes": _(" and ").join(
                    ctx.localities.describe(communes[ctx.villages.commune_of[pk]])
                    if ctx.villages.commune_of[pk] in communes
                    else str(ctx.villages.commune_of[pk])
                    for pk in merged
                ),
            }
        return None

    def _components(self, row: Row, ctx: ImportContext) -> list | None:
        context = row_context(row)
        program_text = row.values["program"]
        # The whole cell is one program when it names one ("Chương trình MTQG xây dựng nông thôn mới, giảm
        # nghèo bền vững và ..." has a comma in it); else a list.
        whole = ctx.components.programs.find(program_text) if program_text else None
        programs = [program_text] if whole is not None else _split(program_text)
        codes = _split(row.values["component"])
        if not codes and context.get("component"):
            codes = [context["component"]]
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
            found = ctx.components.find(
                program, code, context_program=context.get("program"), context_component=context.get("component")
            )
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

    def _new_work(self, values: dict[str, Any]) -> Work:
        work = Work(code=values["code"], commune_id=values["commune_id"])
        for field in self._scalar_fields(values):
            setattr(work, field, values[field])
        return work

    def create(self, values: dict[str, Any], ctx: ImportContext) -> Work:
        with _row_villages(values, ctx) as villages:
            work = work_save(self._new_work(values), components=values["components"], villages=villages, user=ctx.user)
        self._created(work, ctx)
        return work

    def _created(self, work: Work, ctx: ImportContext) -> None:
        ctx.recorded_works[work.code] = work
        ctx.result.name_created("works", f"{work.code} {work.name}")

    def create_many(self, values: list[dict[str, Any]], ctx: ImportContext) -> list:
        """The chunk's new works, written together by `services.works_create_many` (the rules of
        `work_create`, row by row's outcome). A village the commune does not have yet is a new `Village`, the
        same one for every row naming it (the first row written adds it, the others find it, as row by row);
        one added meanwhile (by a row updating a work) is found. Rows spelling one new village in two ways
        are written row by row: the village is spelled as the first row written spells it."""
        new: dict[tuple[int, str], Village] = {}
        items = []
        for given in values:
            villages = None
            if "village_ids" in given:
                commune_id = given["commune_id"]
                villages = list(given["village_ids"])
                for name in given["new_villages"]:
                    pk = ctx.villages.find(commune_id, name)
                    if pk is not None:
                        villages.append(pk)
                        continue
                    village = new.setdefault(
                        (commune_id, name_key(name, villages=True)), Village(commune_id=commune_id, name=name)
                    )
                    if village.name != name:
                        return [self._create_or_error(given, ctx) for given in values]
                    villages.append(village)
            items.append(
                {**_fields(self._new_work(given)), "components": given["components"], "villages": villages or ()}
            )
        outcomes = []
        named: set[int] = set()
        for item, outcome in zip(items, services.works_create_many(items, user=ctx.user), strict=True):
            if isinstance(outcome, ValidationError):
                outcome = _on_fields(outcome)
            elif isinstance(outcome, Work):
                fresh = [v for v in item["villages"] if isinstance(v, Village) and v.pk not in named]
                named |= {v.pk for v in fresh}
                _villages_added(outcome.commune_id, [(v.name, v.pk) for v in fresh], ctx)
                self._created(outcome, ctx)
            outcomes.append(outcome)
        return outcomes

    def _create_or_error(self, values: dict[str, Any], ctx: ImportContext) -> Work | ValidationError | PermissionDenied:
        try:
            with transaction.atomic():
                return self.create(values, ctx)
        except (ValidationError, PermissionDenied) as error:
            return error

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
    """The row's village ids, the unknown villages added to the commune first (unless an earlier row of the
    chunk, written meanwhile, added it); if the row then fails (its savepoint is rolled back), they are taken
    out of the index again."""
    if "village_ids" not in values:  # the file has no villages column
        yield None
        return
    ids = list(values["village_ids"])
    commune_id = values["commune_id"]
    added = []
    try:
        for name in values["new_villages"]:
            pk = ctx.villages.find(commune_id, name)
            if pk is None:
                pk = village_save(Village(commune_id=commune_id, name=name), user=ctx.user).pk
                ctx.villages.add(commune_id, name, pk)
                added.append((name, pk))
            if pk not in ids:
                ids.append(pk)
        yield ids
    except BaseException:
        known = ctx.villages.by_commune.get(commune_id, {})
        for name, _pk in added:
            known.pop(name_key(name, villages=True), None)
        raise
    _villages_added(commune_id, added, ctx, indexed=True)


def _villages_added(commune_id: int, added: list[tuple[str, int]], ctx: ImportContext, indexed: bool = False) -> None:
    """Count and name the villages a row added (and index them, unless done)."""
    if not indexed:
        for name, pk in added:
            ctx.villages.add(commune_id, name, pk)
    ctx.result.created["villages"] += len(added)
    if added:
        commune = ctx.localities.communes.get(commune_id)
        for name, _pk in added:
            ctx.result.name_created("villages", f"{name} ({commune.name})" if commune else name)
