"""Yearly poverty statuses: the result of a commune's yearly review of each household, one row a household.

The file is the review form: household code, year, standard, income per person per month, the status
recognised, one "x" column per deprivation indicator of the standard, the decision and its date. Written
through `services.poverty_assessment_record`, so the standard's rules apply exactly as in the admin (the
standard in force that year; its indicators only; the status its income line and deprivation count give;
"escaped" only after a poor year; locked periods refused).

The indicator columns are built from the indicators in the database (`DeprivationIndicator` rows of every
standard), headed by the indicator's Vietnamese name for the indicators of the reference fixtures (the
review form's words), with the indicator's code and its English name accepted too. A standard added as data
with new indicators gets its columns without a change here (headed by its name as recorded).

Identity: one status per household and year. A row for a household and year already recorded with the same
values is unchanged; with other values it is an error (the service records a status, it does not change
one): correct a recorded status on the household's page.

Households are found by their code (import the households first); one outside the official's jurisdiction
is an error, never changed.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.base import ImportContext
from imports.lookups import name_key
from sheets import (
    AmountColumn,
    BooleanColumn,
    ChoiceColumn,
    CodeColumn,
    DateColumn,
    IntegerColumn,
    Row,
    TextColumn,
    Unit,
)
from sheets.columns import header_key

from .. import services
from ..choices import PovertyStatusChoices
from ..models import DeprivationIndicator, Household, PovertyAssessment, PovertyStandard
from .capital import change
from .common import RowByRowKind, context_year

HOUSEHOLD = CodeColumn(
    "household",
    "Mã hộ",
    aliases=["Household code", "Household", "Mã hộ gia đình", "Mã số hộ", "Mã HGĐ"],
    required=True,
    max_length=30,
    help=gettext_lazy("The code of a household already registered (import the households first)."),
)

STATUS_WORDS = {
    PovertyStatusChoices.POOR: ["Hộ nghèo", "Nghèo", "HN"],
    PovertyStatusChoices.NEAR_POOR: ["Hộ cận nghèo", "Cận nghèo", "HCN"],
    PovertyStatusChoices.ESCAPED: ["Hộ thoát nghèo", "Thoát nghèo", "Mới thoát nghèo", "Escaped"],
    PovertyStatusChoices.NOT_POOR: ["Hộ không nghèo", "Không nghèo"],
}
# The review form's words for the indicators of Decree 07/2021/NĐ-CP (fixtures/poverty_standards.json).
INDICATOR_HEADERS = {
    "employment": "Việc làm",
    "dependants": "Người phụ thuộc trong hộ gia đình",
    "nutrition": "Dinh dưỡng",
    "health_insurance": "Bảo hiểm y tế",
    "adult_education": "Trình độ giáo dục của người lớn",
    "child_school_attendance": "Tình trạng đi học của trẻ em",
    "housing_quality": "Chất lượng nhà ở",
    "housing_area": "Diện tích nhà ở bình quân đầu người",
    "water_source": "Nguồn nước sinh hoạt",
    "hygienic_latrine": "Nhà tiêu hợp vệ sinh",
    "telecom_use": "Sử dụng dịch vụ viễn thông",
    "information_access": "Phương tiện phục vụ tiếp cận thông tin",
}
INDICATOR_KEY = "lacks_"


class IncomeColumn(AmountColumn):
    """Income per person per month, in đồng unless the header says otherwise: "(nghìn đồng/người/tháng)"."""

    @property
    def unit_label(self) -> str:
        return "đồng/người/tháng"


YEAR = IntegerColumn(
    "year",
    "Năm",
    aliases=["Year", "Năm rà soát", "Năm đánh giá"],
    required=True,
    min_value=2000,
    max_value=2100,
    context="year",  # or the title: "Danh sách hộ nghèo năm 2024"
)

BEFORE = [
    HOUSEHOLD,
    YEAR,
    TextColumn(
        "standard",
        "Chuẩn nghèo",
        aliases=["Poverty standard", "Standard", "Mã chuẩn nghèo", "Chuẩn nghèo áp dụng"],
        max_length=64,
        help=gettext_lazy("The standard's code (ND07-2021) or its decree (07/2021/NĐ-CP); blank: the one in force."),
    ),
    IncomeColumn(
        "income_per_capita",
        "Thu nhập bình quân",
        aliases=["Income per capita", "Income", "Thu nhập bình quân đầu người", "Thu nhập bình quân người/tháng"],
        unit=Unit.DONG,
    ),
    ChoiceColumn(
        "status",
        "Kết quả phân loại",
        aliases=["Status", "Poverty status", "Phân loại", "Kết quả rà soát", "Phân loại hộ"],
        required=True,
        choices=PovertyStatusChoices,
        aliases_for_choices=STATUS_WORDS,
    ),
]
AFTER = [
    TextColumn(
        "decision_number",
        "Số quyết định",
        aliases=["Decision number", "Decision", "Số QĐ", "Quyết định công nhận", "Số quyết định công nhận"],
        max_length=64,
    ),
    DateColumn(
        "recognised_on",
        "Ngày công nhận",
        aliases=["Recognised on", "Recognized on", "Recognition date", "Ngày quyết định", "Ngày QĐ"],
    ),
]


def indicator_columns() -> list[BooleanColumn]:
    """One "x" column per indicator code: the reference indicators, then any other the database holds."""
    names: dict[str, list[str]] = {code: [] for code in INDICATOR_HEADERS}
    standards: dict[str, list[str]] = {code: [] for code in INDICATOR_HEADERS}
    indicators = DeprivationIndicator.objects.order_by("standard__first_year", "sort_order", "pk")
    for code, name, standard in indicators.values_list("code", "name", "standard__code"):
        names.setdefault(code, []).append(name)
        standards.setdefault(code, []).append(standard)
    used = {header_key(h) for column in BEFORE + AFTER for h in column.headers}
    columns = []
    for code, others in names.items():
        header = INDICATOR_HEADERS.get(code) or others[0]
        if header_key(header) in used:
            header = code
        used.add(header_key(header))
        aliases = []
        for text in (code, *others):
            if header_key(text) not in used:
                used.add(header_key(text))
                aliases.append(text)
        help_text = _("x if the household lacks it (indicator “%(code)s” of %(standards)s).") % {
            "code": code,
            "standards": ", ".join(dict.fromkeys(standards[code])) or _("the standard"),
        }
        columns.append(BooleanColumn(INDICATOR_KEY + code, header, aliases=aliases, help=help_text))
    return columns


# -- households, shared with the support kind --------------------------------------------------------------


def load_households(chunk: list[Row], ctx: ImportContext) -> dict[str, Household]:
    """The chunk's households by code (one query), kept for the chunk only: review files can be long."""
    codes = {row.values.get("household") for row in chunk} - {None}
    ctx.households = {h.code: h for h in Household.objects.filter(code__in=codes).select_related("commune")}
    return ctx.households


def find_household(row: Row, ctx: ImportContext) -> Household | None:
    code = row.values.get("household")
    if not code:
        return None
    household = ctx.households.get(code)
    if household is None:
        row.add_error(
            _("No household has the code %(code)s; import the households first.") % {"code": code}, column="household"
        )
        return None
    if not ctx.may_change(household.commune_id):
        row.add_error(_("The household %(code)s is outside your jurisdiction.") % {"code": code}, column="household")
        return None
    return household


class StandardIndex:
    """The poverty standards by code, decree number or name; the indicators by (standard, code)."""

    def __init__(self):
        self.standards = list(PovertyStandard.objects.select_related("document"))
        self.by_name: dict[str, PovertyStandard] = {}
        for standard in self.standards:
            for text in (standard.code, standard.document.number, standard.name):
                self.by_name.setdefault(name_key(text), standard)
        self.indicators = {(i.standard_id, i.code): i for i in DeprivationIndicator.objects.all()}

    def find(self, text: str) -> PovertyStandard | None:
        return self.by_name.get(name_key(text))

    def in_force(self, year: int) -> PovertyStandard | None:
        return next((s for s in self.standards if s.applies_to(year)), None)


class PovertyStatusImport(RowByRowKind):
    name = "poverty-statuses"
    label = gettext_lazy("yearly poverty statuses")
    model = PovertyAssessment
    updatable = False
    fields = {
        "household": "household",
        "year": "year",
        "standard": "standard",
        "income_per_capita": "income_per_capita",
        "status": "status",
        "decision_number": "decision_number",
        "recognised_on": "recognised_on",
    }
    description = gettext_lazy(
        "One row per household and year: household code, year, standard, income per person per month, status, an "
        "“x” under each deprivation indicator the household lacks, decision number and date. A status already "
        "recorded is not changed; the same file imported twice changes nothing."
    )

    @property
    def columns(self):
        return [*BEFORE, *indicator_columns(), *AFTER]

    def prepare(self, ctx: ImportContext) -> None:
        ctx.standards = StandardIndex()
        ctx.indicator_keys = [key for key in ctx.sheet.columns if key.startswith(INDICATOR_KEY)]

    def before_chunk(self, chunk: list[Row], ctx: ImportContext) -> None:
        households = load_households(chunk, ctx)
        ctx.assessments = {
            (a.household_id, a.year): a
            for a in PovertyAssessment.objects.filter(household__in=list(households.values()))
            .select_related("household", "standard")
            .prefetch_related("deprivations")
        }

    def build(self, row: Row, ctx: ImportContext) -> dict[str, Any] | None:
        v = row.values
        if v["year"] is None:
            v["year"] = context_year(row)  # the title's "Năm 2024"
        household = find_household(row, ctx)
        standard = None
        if v["standard"]:
            standard = ctx.standards.find(v["standard"])
            if standard is None:
                row.add_error(
                    _("No poverty standard is called “%(name)s”; the standards are: %(standards)s.")
                    % {"name": v["standard"], "standards": ", ".join(s.code for s in ctx.standards.standards)},
                    column="standard",
                )
        applied = standard or (ctx.standards.in_force(v["year"]) if v["year"] else None)
        deprivations = []
        for key in ctx.indicator_keys:
            if not v[key] or applied is None:
                continue
            indicator = ctx.standards.indicators.get((applied.pk, key.removeprefix(INDICATOR_KEY)))
            if indicator is None:
                row.add_error(
                    _("The standard %(standard)s has no such indicator.") % {"standard": applied.code}, column=key
                )
            else:
                deprivations.append(indicator)
        if row.errors:
            return None
        return {
            "household": household,
            "year": v["year"],
            "status": v["status"],
            "income_per_capita": v["income_per_capita"],
            "deprivations": deprivations,
            "standard": standard,
            "applied": applied,
            "decision_number": v["decision_number"] or "",
            "recognised_on": v["recognised_on"],
        }

    def key(self, values: dict[str, Any]) -> tuple:
        return (values["household"].pk, values["year"])

    def duplicate_message(self, first_row: int) -> str:
        return _("Duplicate of row %(row)d: the same household and year.") % {"row": first_row}

    def existing(self, values: dict[str, Any], ctx: ImportContext):
        return ctx.assessments.get(self.key(values))

    def differences(self, record: PovertyAssessment, values: dict[str, Any]) -> list[str]:
        found = []
        meta = PovertyAssessment._meta
        applied = values["applied"]
        if applied is not None and applied.pk != record.standard_id:
            found.append(change(meta.get_field("standard").verbose_name, record.standard.code, applied.code))
        if record.status != values["status"]:
            labels = dict(PovertyStatusChoices.choices)
            found.append(change(meta.get_field("status").verbose_name, labels[record.status], labels[values["status"]]))
        for name in ("income_per_capita", "decision_number", "recognised_on"):
            if getattr(record, name) != values[name]:
                found.append(change(meta.get_field(name).verbose_name, getattr(record, name), values[name]))
        recorded = sorted(record.deprivations.all(), key=lambda i: i.sort_order)
        if {i.pk for i in recorded} != {i.pk for i in values["deprivations"]}:
            found.append(
                change(
                    meta.get_field("deprivations").verbose_name,
                    ", ".join(i.name for i in recorded),
                    ", ".join(i.name for i in values["deprivations"]),
                )
            )
        return found

    def unchangeable_message(self, record, differences: list[str]) -> str:
        return _(
            "The status of household %(code)s for %(year)s is already recorded with other values (%(changes)s). An "
            "import does not change a recorded status: correct it on the household's page."
        ) % {"code": record.household.code, "year": record.year, "changes": "; ".join(differences)}

    def create(self, values: dict[str, Any], ctx: ImportContext):
        return services.poverty_assessment_record(
            household=values["household"],
            year=values["year"],
            status=values["status"],
            income_per_capita=values["income_per_capita"],
            deprivations=values["deprivations"],
            standard=values["standard"],
            decision_number=values["decision_number"],
            recognised_on=values["recognised_on"],
            user=ctx.user,
        )
