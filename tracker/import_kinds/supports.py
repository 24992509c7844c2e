"""Support received: what a household received in a year under a program component, one row each.

Written through `services.support_record` (every field and constraint checked, locked periods refused,
history attributed, jurisdiction re-checked). Households are found by their code (import them first); one
outside the official's jurisdiction is an error.

Identity: household, year, program component, kind of support and date received. The same support already
recorded with the same amount, quantity, unit and note is unchanged (a file imported twice changes
nothing); with other values it is an error, not an update (no service changes recorded support): correct it
on the household's page. Two rows of the file with the same identity are duplicates: a household that
received the same support twice on one day is written as one row with the total.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.base import ImportContext
from sheets import AmountColumn, ChoiceColumn, DateColumn, DecimalColumn, Row, TextColumn

from .. import services
from ..choices import SupportKindChoices
from ..models import Support
from .capital import NOTE, recorded_differences
from .common import COMPONENT, PROGRAM, RowByRowKind, context_year, find_component
from .poverty import HOUSEHOLD, YEAR, find_household, load_households

KIND_WORDS = {
    SupportKindChoices.LOAN: ["Vay vốn", "Vay vốn ưu đãi", "Vay vốn NHCSXH", "Loan"],
    SupportKindChoices.LIVESTOCK: ["Hỗ trợ con giống", "Con giống", "Hỗ trợ vật nuôi"],
    SupportKindChoices.SEEDLINGS: ["Hỗ trợ cây giống", "Cây giống"],
    SupportKindChoices.HOUSING_NEW: ["Hỗ trợ làm nhà ở mới", "Làm nhà mới", "Xây nhà mới", "Hỗ trợ xây nhà"],
    SupportKindChoices.HOUSING_REPAIR: ["Hỗ trợ sửa chữa nhà ở", "Sửa chữa nhà", "Sửa nhà"],
    SupportKindChoices.VOCATIONAL_TRAINING: ["Học nghề", "Hỗ trợ học nghề", "Hỗ trợ đào tạo nghề"],
    SupportKindChoices.JOB: ["Hỗ trợ việc làm", "Việc làm", "Giải quyết việc làm"],
    SupportKindChoices.HEALTH_INSURANCE: ["Bảo hiểm y tế", "BHYT", "Cấp thẻ BHYT"],
    SupportKindChoices.ELECTRICITY: ["Hỗ trợ điện sinh hoạt", "Hỗ trợ tiền điện", "Điện sinh hoạt"],
    SupportKindChoices.DOMESTIC_WATER: ["Hỗ trợ nước sinh hoạt"],
    SupportKindChoices.PRODUCTION_LAND: ["Hỗ trợ đất sản xuất"],
    SupportKindChoices.OTHER: ["Hỗ trợ khác"],
}

COLUMNS = [
    HOUSEHOLD,
    YEAR,
    PROGRAM,
    COMPONENT,
    ChoiceColumn(
        "kind",
        "Loại hỗ trợ",
        aliases=["Support kind", "Kind of support", "Kind", "Hình thức hỗ trợ", "Nội dung hỗ trợ", "Loại"],
        required=True,
        choices=SupportKindChoices,
        aliases_for_choices=KIND_WORDS,
    ),
    AmountColumn(
        "amount",
        "Số tiền",
        aliases=["Amount", "Kinh phí", "Kinh phí hỗ trợ", "Giá trị hỗ trợ", "Số tiền hỗ trợ"],
        help=gettext_lazy("The value received; give it, the quantity, or both."),
    ),
    DecimalColumn("quantity", "Số lượng", aliases=["Quantity", "Khối lượng"], max_places=2),
    TextColumn(
        "quantity_unit",
        "Đơn vị",
        aliases=["Unit", "Đơn vị tính", "ĐVT", "Quantity unit"],
        max_length=30,
        help=gettext_lazy("What the quantity counts: con bò, cây, m², ..."),
    ),
    DateColumn("received_on", "Ngày nhận", aliases=["Received on", "Date received", "Ngày hỗ trợ", "Ngày nhận hỗ trợ"]),
    NOTE,
]
COMPARED = ("amount", "quantity", "quantity_unit", "note")


class SupportImport(RowByRowKind):
    name = "supports"
    label = gettext_lazy("support received")
    model = Support
    columns = COLUMNS
    updatable = False
    fields = {
        "household": "household",
        "component": "component",
        "year": "year",
        "kind": "kind",
        "amount": "amount",
        "quantity": "quantity",
        "quantity_unit": "quantity_unit",
        "received_on": "received_on",
        "note": "note",
    }
    description = gettext_lazy(
        "One row per support a household received: household code, year, program component, kind, amount and/or "
        "quantity with its unit, date received. Support already recorded is not changed; the same file imported "
        "twice changes nothing."
    )

    def before_chunk(self, chunk: list[Row], ctx: ImportContext) -> None:
        households = load_households(chunk, ctx)
        ctx.supports = {}
        for support in Support.objects.filter(household__in=list(households.values())).select_related("household"):
            ctx.supports.setdefault(
                (support.household_id, support.year, support.component_id, support.kind, support.received_on), support
            )

    def build(self, row: Row, ctx: ImportContext) -> dict[str, Any] | None:
        v = row.values
        if v["year"] is None:
            v["year"] = context_year(row)  # the title's "Năm 2024"
        household = find_household(row, ctx)
        component = find_component(row, ctx)
        if row.errors:
            return None
        return {
            "household": household,
            "component": component,
            "year": v["year"],
            "kind": v["kind"],
            "amount": v["amount"],
            "quantity": v["quantity"],
            "quantity_unit": v["quantity_unit"] or "",
            "received_on": v["received_on"],
            "note": v["note"] or "",
        }

    def key(self, values: dict[str, Any]) -> tuple:
        return (values["household"].pk, values["year"], values["component"].pk, values["kind"], values["received_on"])

    def duplicate_message(self, first_row: int) -> str:
        return _(
            "Duplicate of row %(row)d: the same household, year, component, kind of support and date received. "
            "Write one row with the total."
        ) % {"row": first_row}

    def existing(self, values: dict[str, Any], ctx: ImportContext):
        return ctx.supports.get(self.key(values))

    def differences(self, record: Support, values: dict[str, Any]) -> list[str]:
        return recorded_differences(record, values, COMPARED)

    def unchangeable_message(self, record, differences: list[str]) -> str:
        return _(
            "This support of household %(code)s is already recorded with other values (%(changes)s). An import does "
            "not change recorded support: correct it on the household's page."
        ) % {"code": record.household.code, "changes": "; ".join(differences)}

    def create(self, values: dict[str, Any], ctx: ImportContext):
        return services.support_record(**values, user=ctx.user)
