"""Capital: plan entries, allocations and disbursements. Three ledgers: plans and payments written one row at a
time, allocations a chunk at a time.

A ledger entry is a fact recorded once: an import adds entries and never edits one. A row whose key is
already recorded with the same values is "unchanged" (so a file imported twice changes nothing); a row whose
key is recorded with other values is an error that says what differs and how the ledger corrects it (an
adjustment entry for plans and allocations, a reversal for a payment). That is what the admin allows too:
ledger entries can be added, not changed.

- `capital-plans` (`CapitalPlanImport`): a province's (or a commune's) plan entry. Key: province, commune
  (none for capital held at province level), component, year, source, capital type, entry kind and decision
  date. A province code naming both the legacy province and the current one (e.g. 22) means the map in force
  on the decision date. Written as the admin writes it (`full_clean`, history, jurisdiction re-checked):
  plan entries have no service of their own.
- `allocations` (`AllocationImport`): capital allocated to a work, a chunk's new entries at once through
  `services.allocations_record_many` (the rules, refusals and history of `services.allocation_record`, the
  entries taken in the file's order, a wide row's written together or not at all). Key: work, component,
  year, source, capital type, entry kind and decision date.
- `disbursements` (`DisbursementImport`): treasury payments through `services.disbursement_record`; a row
  whose "Hủy chứng từ số" names an earlier voucher of the work (earlier in the file or recorded) cancels
  it through `services.disbursement_reverse`, its note being the reason. Key: work, voucher number, the
  reversed voucher for a reversal, and which occurrence of these in the file it is: a voucher entered twice
  by mistake and then reversed is three rows of the treasury's list, and all three are recorded. A voucher
  may be paid more than once only if the file (or the database) cancels every extra payment: a second
  unreversed payment of the same voucher is an error.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.base import ImportContext
from imports.lookups import name_key, pad_code
from kernel.access import JurisdictionLevelChoices, jurisdiction_of
from kernel.text import fold
from localities.models import Province
from localities.services import CURRENT_VALID_FROM
from programs.choices import CapitalEntryKindChoices, CapitalSourceChoices, CapitalTypeChoices
from programs.models import CapitalPlanEntry
from programs.services import capital_plan_entry_record
from sheets import AmountColumn, ChoiceColumn, CodeColumn, DateColumn, IntegerColumn, Row, SheetError, TextColumn
from sheets.values import shown

from .. import services
from ..models import Allocation, Disbursement
from .common import (
    COMPONENT,
    LOCALITY_COLUMNS,
    PROGRAM,
    WORK_CODE,
    RowByRowKind,
    context_year,
    find_commune,
    find_component,
    find_work,
    load_works,
    note_rounded,
    prepare_localities,
    row_context,
    validation_messages,
)
from .wide_capital import CapitalAmountColumn, CapitalColumns, WideForm

# The words officials write for each choice, beside the choices' own labels in Vietnamese and English.
SOURCE_WORDS = {
    CapitalSourceChoices.CENTRAL: [
        "Ngân sách trung ương",
        "NSTW",
        "NS trung ương",
        "Vốn ngân sách trung ương",
        "Vốn NSTW",
        "Trung ương",
    ],
    # "Ngân sách địa phương" (NSĐP) in a province's report is the province's budget (its counterpart capital);
    # a commune's own budget is written "Ngân sách xã".
    CapitalSourceChoices.PROVINCE: [
        "Ngân sách tỉnh",
        "NS tỉnh",
        "NST",
        "Ngân sách cấp tỉnh",
        "Vốn ngân sách tỉnh",
        "Ngân sách địa phương",
        "NSĐP",
        "NS địa phương",
        "Vốn NSĐP",
        "Vốn ngân sách địa phương",
        "Vốn đối ứng địa phương",
    ],
    CapitalSourceChoices.COMMUNE: ["Ngân sách xã", "NS xã", "Ngân sách cấp xã", "Vốn ngân sách xã"],
    CapitalSourceChoices.INTEGRATED: ["Vốn lồng ghép", "Lồng ghép", "Integrated"],
    CapitalSourceChoices.POLICY_CREDIT: ["Tín dụng chính sách", "Vốn tín dụng chính sách", "Policy credit"],
    CapitalSourceChoices.ENTERPRISE: ["Doanh nghiệp và khác", "Doanh nghiệp", "Nguồn khác", "Enterprises"],
    CapitalSourceChoices.PEOPLE: ["Nhân dân đóng góp", "Dân đóng góp", "Vốn nhân dân đóng góp", "People"],
}
CAPITAL_TYPE_WORDS = {
    CapitalTypeChoices.INVESTMENT: [
        "Đầu tư phát triển",
        "ĐTPT",
        "Vốn ĐTPT",
        "Vốn đầu tư phát triển",
        "Vốn đầu tư",
        "Đầu tư",
        "Chi đầu tư phát triển",
        "Investment",
    ],
    CapitalTypeChoices.RECURRENT: [
        "Sự nghiệp",
        "Vốn SN",
        "SN",
        "Vốn sự nghiệp",
        "Kinh phí sự nghiệp",
        "KPSN",
        "Chi thường xuyên",
        "Recurrent",
    ],
}
ENTRY_KIND_WORDS = {
    CapitalEntryKindChoices.ASSIGNED: ["Giao", "Giao kế hoạch", "Giao kế hoạch vốn", "Phân bổ", "Assignment"],
    CapitalEntryKindChoices.ADJUSTMENT: ["Điều chỉnh", "Điều chỉnh kế hoạch", "Điều chỉnh vốn"],
    CapitalEntryKindChoices.EXTENSION: ["Kéo dài", "Kéo dài thời gian giải ngân", "Kéo dài thời gian thực hiện"],
}

HEADER_YEAR = re.compile(r"\b(?:nam|year|ke hoach|kh)\s+(20\d\d)\b")

# The amount columns of a wide form, made from their headers ("NSTW / Vốn ĐTPT"): `wide_capital`.
WIDE_COLUMNS = CapitalColumns(SOURCE_WORDS, CAPITAL_TYPE_WORDS, (CapitalSourceChoices, CapitalTypeChoices))

YEAR = IntegerColumn(
    "year",
    "Năm",
    aliases=["Year", "Plan year", "Năm kế hoạch", "Năm vốn", "Kế hoạch năm", "Năm KH"],
    required=True,
    min_value=2000,
    max_value=2100,
    help=gettext_lazy("The year of the capital plan the money belongs to (not the date it was decided or paid)."),
    context="year",  # or the title: "Năm 2022", "Kế hoạch vốn năm 2022"
)
SOURCE = ChoiceColumn(
    "source",
    "Nguồn vốn",
    aliases=["Source", "Capital source", "Nguồn", "Nguồn kinh phí"],
    required=True,
    choices=CapitalSourceChoices,
    aliases_for_choices=SOURCE_WORDS,
)
CAPITAL_TYPE = ChoiceColumn(
    "capital_type",
    "Loại vốn",
    aliases=["Capital type", "Type of capital", "Tính chất vốn"],
    required=True,
    choices=CapitalTypeChoices,
    aliases_for_choices=CAPITAL_TYPE_WORDS,
)
ENTRY_KIND = ChoiceColumn(
    "kind",
    "Loại bút toán",
    aliases=["Entry kind", "Kind", "Kind of entry", "Hình thức", "Loại quyết định"],
    choices=CapitalEntryKindChoices,
    aliases_for_choices=ENTRY_KIND_WORDS,
    help=gettext_lazy(
        "Giao (assigned, the default when blank), Điều chỉnh (adjustment: + or − amount) or Kéo dài "
        "(extension: how long the year's capital may still be disbursed; adds no capital)."
    ),
)
AMOUNT = AmountColumn(
    "amount",
    "Số tiền",
    aliases=["Amount", "Số vốn", "Kế hoạch vốn", "Vốn", "Giá trị"],
    required=True,
    allow_negative=True,
    help=gettext_lazy("Negative only for an adjustment that takes capital away."),
)
EXTENDED_UNTIL = DateColumn(
    "extended_until",
    "Kéo dài đến",
    aliases=["Extended until", "Kéo dài đến ngày", "Thời hạn kéo dài", "Hạn kéo dài"],
    help=gettext_lazy("Only for an extension (Kéo dài): the last day the capital may be disbursed."),
)
DECIDED_ON = DateColumn(
    "decided_on",
    "Ngày quyết định",
    aliases=["Decision date", "Decided on", "Ngày QĐ", "Ngày ban hành", "Ngày giao"],
    required=True,
    context="decided_on",  # or the title: "(Kèm theo Quyết định số 215/QĐ-UBND ngày 10/02/2023 ...)"
)
NOTE = TextColumn("note", "Ghi chú", aliases=["Note", "Notes", "Nội dung", "Diễn giải"], max_length=500)

LEDGER_FIELDS = {
    "component": "component",
    "year": "year",
    "source": "source",
    "capital_type": "capital_type",
    "kind": "kind",
    "amount": "amount",
    "extended_until": "extended_until",
    "decided_on": "decided_on",
    "note": "note",
}


def change(label, recorded: Any, given: Any) -> str:
    """One difference between a recorded entry and a row, as a message lists it."""

    def text(value):
        if value in (None, ""):
            return _("blank")
        return str(value) if isinstance(value, str) and len(value) <= 200 else shown(value)

    return _("%(field)s: %(recorded)s recorded, %(given)s in the file") % {
        "field": label,
        "recorded": text(recorded),
        "given": text(given),
    }


def recorded_differences(record, values: dict[str, Any], fields: tuple[str, ...]) -> list[str]:
    """The fields of a recorded entry the row gives other values for, labelled by the model's verbose names."""
    found = []
    for name in fields:
        recorded, given = getattr(record, name), values[name]
        if recorded != given:
            field = record._meta.get_field(name)
            if field.choices:
                recorded = dict(field.choices).get(recorded, recorded)
                given = dict(field.choices).get(given, given)
            found.append(change(field.verbose_name, recorded, given))
    return found


# The columns of a plan entry or an allocation, after what it is for (a place, or a work).
ENTRY_COLUMNS = [PROGRAM, COMPONENT, YEAR, SOURCE, CAPITAL_TYPE, ENTRY_KIND, AMOUNT, EXTENDED_UNTIL, DECIDED_ON, NOTE]

# What identifies a ledger entry: two rows with these values are the same entry (see the module docstring).
PLAN_KEY = ("province_id", "commune_id", "component", "year", "source", "capital_type", "kind", "decided_on")
ALLOCATION_KEY = ("work", "component", "year", "source", "capital_type", "kind", "decided_on")


def ledger_key(values: dict[str, Any], fields: tuple[str, ...]) -> tuple:
    return tuple(getattr(values[f], "pk", values[f]) for f in fields)


def first_recorded(model, values: dict[str, Any], fields: tuple[str, ...]):
    """The entry already recorded under the row's key (the first, if an earlier path recorded two)."""
    return model.objects.filter(**{f: values[f] for f in fields}).order_by("pk").first()


class _LedgerKind(RowByRowKind):
    """What plan entries and allocations share: the capital columns, a key without the amount, no edits.

    A wide form (one row per work or place, an amount column per kind of capital: `wide_capital`) gives one
    entry per amount column; the row's entries are written together or not at all, and its totals are
    checked against their parts first. A `batched` kind writes a chunk's new rows at the end of the chunk
    (`create_many(values, ctx, together=...)`, a row's entries together).
    """

    updatable = False
    compared = ("amount", "extended_until", "note")
    fields = LEDGER_FIELDS
    wide_columns = WIDE_COLUMNS

    def capital_values(self, row: Row, ctx: ImportContext) -> dict[str, Any]:
        v = row.values
        year = v["year"]
        if year is None:
            year = self.header_year(ctx) or context_year(row)
        return {
            "year": year,
            "source": v["source"],
            "capital_type": v["capital_type"],
            "kind": v["kind"] or CapitalEntryKindChoices.ASSIGNED,
            "amount": v["amount"],
            "extended_until": v["extended_until"],
            "decided_on": v["decided_on"] or row_context(row).get("decided_on"),
            "note": v["note"] or "",
        }

    def header_year(self, ctx: ImportContext) -> int | None:
        """The plan year the amount column's header names ("Kế hoạch vốn năm 2022"), when the file has no year
        column: it comes before the title's year."""
        if "header_year" not in ctx.__dict__:
            bound = ctx.sheet.columns.get("amount")
            years = set(HEADER_YEAR.findall(fold(bound.header))) if bound is not None else set()
            ctx.header_year = int(years.pop()) if len(years) == 1 else None
        return ctx.header_year

    def differences(self, record, values: dict[str, Any]) -> list[str]:
        return recorded_differences(record, values, self.compared)

    def unchangeable_message(self, record, differences: list[str]) -> str:
        return _(
            "This entry is already recorded with other values (%(changes)s). A capital entry is not changed by an "
            "import: to change the capital, add an adjustment entry (“Điều chỉnh”) of the difference."
        ) % {"changes": "; ".join(differences)}

    def duplicate_message(self, first_row: int) -> str:
        return _(
            "Duplicate of row %(row)d: the same capital, entry kind and decision date. Write one row with the total."
        ) % {"row": first_row}

    # -- a wide form -----------------------------------------------------------------------------------------

    def wide_form(self, ctx: ImportContext) -> WideForm | None:
        if "wide_form" not in ctx.__dict__:
            bound = [b for b in ctx.sheet.columns.values() if isinstance(b.column, CapitalAmountColumn)]
            ctx.wide_form = WideForm(bound) if bound else None
        return ctx.wide_form

    def finish(self, ctx: ImportContext) -> None:
        form = self.wide_form(ctx)
        if form is not None:
            ctx.result.notes.extend(form.describe())

    def process(self, chunk: list[Row], ctx: ImportContext) -> None:
        form = self.wide_form(ctx)
        if form is None:
            super().process(chunk, ctx)
            return
        seen: dict[tuple, int] = ctx.__dict__.setdefault("seen_keys", {})
        result = ctx.result
        self.before_chunk(chunk, ctx)
        pending: list[tuple[Row, list]] = []  # a batched kind's new rows, written at the end of the chunk
        for row in chunk:
            base = self.build(row, ctx)
            if base is None or row.errors or not form.check(row):
                continue
            entries = self._wide_entries(row, base, form, ctx)
            if row.errors:
                continue
            if not entries:
                result.unchanged += 1  # no capital in any column: a work listed without capital this time
                continue
            note_rounded(row, ctx)
            new = []
            for bound, values in entries:
                key = self.key(values)
                first = seen.get(key)
                if first is not None:
                    row.add_error(self.duplicate_message(first), column=bound.key)
                    continue
                seen[key] = row.number
                record = self.existing(values, ctx)
                if record is None:
                    new.append((bound, values))
                    continue
                differences = self.differences(record, values)
                if differences:
                    row.add_error(self.unchangeable_message(record, differences), column=bound.key)
            if row.errors:
                continue
            if not new:
                result.unchanged += 1
                continue
            if self.batched:
                pending.append((row, new))
                continue
            writing = None
            try:
                with transaction.atomic():
                    for writing, values in new:  # noqa: B007 (the entry refused, after the loop)
                        self.create(values, ctx)
            except (ValidationError, PermissionDenied) as error:
                self._refuse_entry(row, writing, error, ctx)
                continue
            result.new += 1
            result.created["capital entries"] = result.created.get("capital entries", 0) + len(new)
        if pending:
            self._write_rows(pending, ctx)

    def _write_rows(self, pending: list[tuple[Row, list]], ctx: ImportContext) -> None:
        """The chunk's new entries at once (`batched`), a row's together: a row one of whose entries is refused
        writes none of them, and its error is that entry's."""
        entries = [values for _row, new in pending for _bound, values in new]
        together = [position for position, (_row, new) in enumerate(pending) for _entry in new]
        outcomes = iter(self.create_many(entries, ctx, together=together))
        result = ctx.result
        for row, new in pending:
            refused = None
            for (bound, _values), outcome in zip(new, [next(outcomes) for _entry in new], strict=True):
                if refused is None and isinstance(outcome, ValidationError | PermissionDenied):
                    refused = (bound, outcome)
            if refused is not None:
                self._refuse_entry(row, *refused, ctx)
                continue
            result.new += 1
            result.created["capital entries"] = result.created.get("capital entries", 0) + len(new)

    def _wide_entries(self, row: Row, base: dict[str, Any], form: WideForm, ctx: ImportContext) -> list:
        """The row's entries: one per part column with an amount, its capital the column's or the row's."""
        entries = []
        for bound in form.entries:
            amount = row.values.get(bound.key)
            if amount is None or amount == 0:
                continue
            column = bound.column
            values = {
                **base,
                "amount": amount,
                "source": column.source or base["source"],
                "capital_type": column.capital_type or base["capital_type"],
                "year": column.year or base["year"],
            }
            missing = [
                label
                for name, label, column_key in (
                    ("source", _("the source (NSTW, NSĐP…)"), "source"),
                    ("capital_type", _("the capital type (ĐTPT or SN)"), "capital_type"),
                    ("year", _("the plan year"), "year"),
                )
                if not values[name]
            ]
            if missing:
                row.add_error(
                    _(
                        "The header of this column does not say %(what)s, and the row does not give it: add the "
                        "column (“Nguồn vốn”, “Loại vốn”, “Năm”) or say it in the header."
                    )
                    % {"what": _(" and ").join(missing)},
                    column=bound.key,
                )
                continue
            entries.append((bound, values))
        return entries

    def _refuse_entry(self, row: Row, bound, error, ctx: ImportContext) -> None:
        """A service's refusal of one entry of a wide row: on the entry's column unless it names another."""
        if isinstance(error, PermissionDenied):
            row.add_error(str(error), column=bound.key if bound is not None else None)
            return
        for message, column in validation_messages(error, self.fields):
            if column not in ctx.sheet.columns:
                column = bound.key if bound is not None else None
            row.add_error(message, column=column)


# ---------------------------------------------------------------------------------------------------------
# Capital plans


class CapitalPlanImport(_LedgerKind):
    """Plan entries of a province (or of its communes); an entry recorded with other values is an error."""

    name = "capital-plans"
    label = gettext_lazy("capital plan entries")
    model = CapitalPlanEntry
    columns = [*LOCALITY_COLUMNS, *ENTRY_COLUMNS]
    fields = {**LEDGER_FIELDS, "province": "province_code", "commune": "commune_code"}
    description = gettext_lazy(
        "One row per plan entry: the province (and the commune, for capital given to a commune), program "
        "component, year, source, capital type, entry kind (assigned, adjustment, extension), amount and "
        "decision date. Entries are added, never changed: the same file imported twice changes nothing."
    )

    def prepare(self, ctx: ImportContext) -> None:
        prepare_localities(ctx)
        user = ctx.user
        if user is None:
            ctx.plan_provinces = None
        else:
            ctx.plan_provinces = set(Province.objects.in_jurisdiction(user).values_list("pk", flat=True))
        ctx.commune_official = jurisdiction_of(user).level == JurisdictionLevelChoices.COMMUNE

    def _province(self, row: Row, ctx: ImportContext, decided_on: datetime.date | None) -> int | None:
        """The province of a province-level entry: the unit the code (or name) gives, on the map of the
        decision date when the code is both a legacy and a current province's."""
        v = row.values
        code, name = v["province_code"], v["province"]
        column = "province_code" if code else "province"
        if not code and not name:
            row.add_error(_("Give the province: its code or its name."), column="province_code")
            return None
        found = ctx.localities.province(code, name)
        if isinstance(found, str):
            row.add_error(found, column=column)
            return None
        units = list(ctx.localities.province_by_code.get(pad_code(code, 2), [])) if code else []
        if name:
            named = ctx.localities.province_by_name.get(name_key(name), [])
            units = [u for u in units if u in named] if code else list(named)
        if len(units) > 1:
            current = decided_on is None or decided_on >= CURRENT_VALID_FROM
            units = [u for u in units if u.is_legacy != current] or units
        if len(units) != 1:
            row.add_error(
                _("“%(name)s” names several provinces: give the province code.") % {"name": name or code},
                column=column,
            )
            return None
        province = units[0]
        if ctx.plan_provinces is not None and province.pk not in ctx.plan_provinces:
            row.add_error(_("%(province)s is outside your jurisdiction.") % {"province": province.name}, column=column)
            return None
        if ctx.commune_official:
            row.add_error(
                _(
                    "Capital held at province level is entered by the province; a commune official enters the "
                    "commune's own plan (give the commune)."
                ),
                column="commune_code",
            )
            return None
        return province.pk

    def build(self, row: Row, ctx: ImportContext) -> dict[str, Any] | None:
        values = self.capital_values(row, ctx)
        values["component"] = find_component(row, ctx)
        if row.values["commune_code"] or row.values["commune_name"]:
            # A code or name both maps use for unrelated communes: the map in force on the decision date.
            commune = find_commune(row, ctx, on=values["decided_on"], year=values["year"])
            if commune is not None:
                values["commune_id"], values["province_id"] = commune.pk, commune.province_id
        else:
            values["commune_id"] = None
            values["province_id"] = self._province(row, ctx, values["decided_on"])
        if row.errors:
            return None
        return values

    def key(self, values: dict[str, Any]) -> tuple:
        return ledger_key(values, PLAN_KEY)

    def existing(self, values: dict[str, Any], ctx: ImportContext):
        return first_recorded(CapitalPlanEntry, values, PLAN_KEY)

    def create(self, values: dict[str, Any], ctx: ImportContext):
        # The plan ledger's service, as the admin calls it.
        return capital_plan_entry_record(user=ctx.user, **values)


# ---------------------------------------------------------------------------------------------------------
# Allocations


class AllocationImport(_LedgerKind):
    """Capital allocated to works; an entry recorded with other values is an error (correct by adjustment)."""

    name = "allocations"
    label = gettext_lazy("capital allocations")
    model = Allocation
    columns = [WORK_CODE, *ENTRY_COLUMNS]
    fields = {**LEDGER_FIELDS, "work": "work"}
    description = gettext_lazy(
        "One row per allocation to a work: work code, program component, year, source, capital type, entry kind "
        "(assigned, adjustment, extension), amount and decision date. Entries are added, never changed: the same "
        "file imported twice changes nothing."
    )

    batched = True  # written a chunk at a time by `services.allocations_record_many`, in the file's order

    def prepare(self, ctx: ImportContext) -> None:
        ctx.work_components = {}

    def before_chunk(self, chunk: list[Row], ctx: ImportContext) -> None:
        """The chunk's works and the entries already recorded for them, by key (the first of a key): an entry
        this import writes has its key seen already, so the chunk's rows find only what was there before."""
        works = load_works(ctx, [row.values.get("work") for row in chunk])
        ids = {works[code].pk for code in {row.values.get("work") for row in chunk} if code in works}
        ctx.recorded = {}
        for entry in Allocation.objects.filter(work_id__in=ids).order_by("pk"):
            key = (entry.work_id, entry.component_id, *(getattr(entry, f) for f in ALLOCATION_KEY[2:]))
            ctx.recorded.setdefault(key, entry)

    def build(self, row: Row, ctx: ImportContext) -> dict[str, Any] | None:
        values = self.capital_values(row, ctx)
        work = values["work"] = find_work(row, ctx)
        if row.values["component"] or work is None or row_context(row).get("component"):
            # A component column, or a section row above ("Tiểu dự án 1 - Dự án 4") the preview says it is read as.
            values["component"] = find_component(row, ctx)
        else:
            values["component"] = self._only_component(row, work, ctx)
        if row.errors:
            return None
        return values

    def _only_component(self, row: Row, work, ctx: ImportContext):
        """A blank component is the work's own when only one component funds it."""
        components = ctx.work_components.get(work.pk)
        if components is None:
            components = ctx.work_components[work.pk] = list(work.components.select_related("program"))
        if len(components) == 1:
            return components[0]
        row.add_error(
            _("Give the program component: work %(work)s is funded by %(components)s.")
            % {
                "work": work.code,
                "components": ", ".join(f"{c.program.code} {c.code}" for c in components) or _("none yet"),
            },
            column="component",
        )
        return None

    def key(self, values: dict[str, Any]) -> tuple:
        return ledger_key(values, ALLOCATION_KEY)

    def existing(self, values: dict[str, Any], ctx: ImportContext):
        return ctx.recorded.get(self.key(values))

    def create(self, values: dict[str, Any], ctx: ImportContext):
        return services.allocation_record(**values, user=ctx.user)

    def create_many(self, values: list[dict[str, Any]], ctx: ImportContext, together=None) -> list:
        return services.allocations_record_many(values, user=ctx.user, together=together)


# ---------------------------------------------------------------------------------------------------------
# Disbursements

VOUCHER = CodeColumn(
    "voucher_number",
    "Số chứng từ",
    aliases=["Voucher number", "Voucher", "Treasury voucher", "Số CT", "Số chứng từ kho bạc", "Số hiệu chứng từ"],
    required=True,
    max_length=50,
)
PAID_ON = DateColumn(
    "paid_on",
    "Ngày chứng từ",
    aliases=["Voucher date", "Paid on", "Payment date", "Ngày CT", "Ngày thanh toán", "Ngày giải ngân"],
    required=True,
)
REVERSES = CodeColumn(
    "reverses",
    "Hủy chứng từ số",
    aliases=["Reverses voucher", "Reverses", "Cancels voucher", "Hủy chứng từ", "Chứng từ bị hủy", "Hủy CT số"],
    max_length=50,
    help=gettext_lazy(
        "Only on a row that cancels an earlier payment of the work: that payment's voucher number. The row's note "
        "says why."
    ),
)
PAYMENT_COMPARED = ("year", "source", "capital_type", "amount", "paid_on", "note")


class DisbursementImport(RowByRowKind):
    """Treasury payments and their reversals; a payment recorded with other values is an error (reverse it)."""

    name = "disbursements"
    label = gettext_lazy("disbursements")
    model = Disbursement
    updatable = False
    columns = [
        WORK_CODE,
        IntegerColumn(
            YEAR.key, YEAR.header, aliases=YEAR.aliases, min_value=2000, max_value=2100, help=YEAR.help, context="year"
        ),
        ChoiceColumn(
            SOURCE.key,
            SOURCE.header,
            aliases=SOURCE.aliases,
            choices=CapitalSourceChoices,
            aliases_for_choices=SOURCE_WORDS,
        ),
        ChoiceColumn(
            CAPITAL_TYPE.key,
            CAPITAL_TYPE.header,
            aliases=CAPITAL_TYPE.aliases,
            choices=CapitalTypeChoices,
            aliases_for_choices=CAPITAL_TYPE_WORDS,
        ),
        AmountColumn(
            AMOUNT.key,
            AMOUNT.header,
            aliases=[*AMOUNT.aliases, "Số tiền giải ngân", "Giải ngân", "Số tiền thanh toán"],
            allow_negative=True,
            help=gettext_lazy("Positive for a payment; on a reversal, the amount cancelled (with or without a minus)."),
        ),
        VOUCHER,
        PAID_ON,
        REVERSES,
        NOTE,
    ]
    fields = {
        "work": "work",
        "year": "year",
        "source": "source",
        "capital_type": "capital_type",
        "amount": "amount",
        "voucher_number": "voucher_number",
        "paid_on": "paid_on",
        "reverses": "reverses",
        "note": "note",
    }
    description = gettext_lazy(
        "One row per treasury voucher: work code, plan year, source, capital type, amount, voucher number and "
        "date; a row that cancels an earlier voucher gives it in “Hủy chứng từ số”. Recorded payments are never "
        "changed: a wrong one is reversed. The same file imported twice changes nothing."
    )

    def prepare(self, ctx: ImportContext) -> None:
        ctx.occurrences = {}  # (work, voucher, reversed voucher) → rows seen so far
        ctx.first_payment_row = {}  # (work id, voucher) → the file's first payment row of it
        ctx.repeated_payments = []  # (row number, disbursement id, work, voucher): a voucher paid again

    def before_chunk(self, chunk: list[Row], ctx: ImportContext) -> None:
        load_works(ctx, [row.values.get("work") for row in chunk])

    def build(self, row: Row, ctx: ImportContext) -> dict[str, Any] | None:
        v = row.values
        if v["year"] is None:
            v["year"] = context_year(row)  # the title's "Năm 2022"
        work = find_work(row, ctx)
        reverses = v["reverses"]
        if reverses:
            if v["voucher_number"] and v["voucher_number"] != reverses:
                row.add_error(
                    _(
                        "A reversal is recorded under the voucher it cancels: write %(voucher)s as its voucher "
                        "number too (or leave “%(column)s” blank if this row is a payment)."
                    )
                    % {"voucher": reverses, "column": ctx.sheet.header_for("reverses")},
                    column="voucher_number",
                )
        else:
            for key, message in (
                ("year", _("Give the plan year the capital belongs to.")),
                ("source", _("Give the capital source.")),
                ("capital_type", _("Give the capital type.")),
                ("amount", _("Give the amount paid.")),
            ):
                if v[key] is None and not any(e.column == ctx.sheet.header_for(key) for e in row.errors):
                    row.add_error(message, column=key)
            if v["amount"] is not None and v["amount"] <= 0:
                row.add_error(
                    _(
                        "A payment is a positive amount. To cancel a payment, give its voucher number in "
                        "“%(column)s” and say why in the note."
                    )
                    % {"column": ctx.sheet.header_for("reverses")},
                    column="amount",
                )
        if row.errors:
            return None
        identity = (work.pk, v["voucher_number"], reverses)
        occurrence = ctx.occurrences.get(identity, 0)
        ctx.occurrences[identity] = occurrence + 1
        return {
            "work": work,
            "year": v["year"],
            "source": v["source"],
            "capital_type": v["capital_type"],
            "amount": v["amount"],
            "voucher_number": v["voucher_number"],
            "paid_on": v["paid_on"],
            "reverses": reverses,
            "note": v["note"] or "",
            "occurrence": occurrence,
            "row": row.number,
        }

    def key(self, values: dict[str, Any]) -> tuple:
        return (values["work"].pk, values["voucher_number"], values["reverses"], values["occurrence"])

    def existing(self, values: dict[str, Any], ctx: ImportContext):
        """The occurrence-th entry of this key recorded, in the order recorded (payments recorded by this import
        come after the ones already there, so a row finds only an entry recorded before the import)."""
        entries = Disbursement.objects.filter(work=values["work"], voucher_number=values["voucher_number"])
        if values["reverses"]:
            entries = entries.filter(reverses__voucher_number=values["reverses"]).select_related("reverses")
        else:
            entries = entries.filter(reverses__isnull=True)
        return entries.order_by("pk")[values["occurrence"] : values["occurrence"] + 1].first()

    def differences(self, record, values: dict[str, Any]) -> list[str]:
        if not values["reverses"]:
            return recorded_differences(record, values, PAYMENT_COMPARED)
        found = recorded_differences(record, values, ("paid_on", "note"))
        original = record.reverses
        return found + self._reversal_mismatch(original, values)

    def _reversal_mismatch(self, original: Disbursement, values: dict[str, Any]) -> list[str]:
        """What a reversal row says that the payment it cancels does not (blank cells say nothing)."""
        found = []
        for name in ("year", "source", "capital_type"):
            if values[name] is not None and values[name] != getattr(original, name):
                field = Disbursement._meta.get_field(name)
                choices = dict(field.choices or ())
                recorded, given = getattr(original, name), values[name]
                found.append(change(field.verbose_name, choices.get(recorded, recorded), choices.get(given, given)))
        if values["amount"] is not None and abs(values["amount"]) != abs(original.amount):
            found.append(change(Disbursement._meta.get_field("amount").verbose_name, original.amount, values["amount"]))
        return found

    def unchangeable_message(self, record, differences: list[str]) -> str:
        if record.reverses_id:
            return _(
                "This reversal of voucher %(voucher)s is already recorded with other values (%(changes)s); a "
                "recorded reversal is not changed by an import."
            ) % {"voucher": record.reverses.voucher_number, "changes": "; ".join(differences)}
        return _(
            "Voucher %(voucher)s of work %(work)s is already recorded with other values (%(changes)s). A recorded "
            "payment is not changed by an import: if it is wrong, add a row that cancels it (“Hủy chứng từ số” "
            "%(voucher)s, with the reason in the note) and a row with the right payment."
        ) % {"voucher": record.voucher_number, "work": record.work.code, "changes": "; ".join(differences)}

    def create(self, values: dict[str, Any], ctx: ImportContext):
        work = values["work"]
        if values["reverses"]:
            return self._reverse(values, ctx)
        identity = (work.pk, values["voucher_number"])
        unreversed = Disbursement.objects.filter(
            work=work, voucher_number=values["voucher_number"], reverses__isnull=True, reversed_by__isnull=True
        ).exists()
        payment = services.disbursement_record(
            work=work,
            year=values["year"],
            source=values["source"],
            capital_type=values["capital_type"],
            amount=values["amount"],
            voucher_number=values["voucher_number"],
            paid_on=values["paid_on"],
            note=values["note"],
            user=ctx.user,
        )
        if unreversed:
            ctx.repeated_payments.append((values["row"], payment.pk, work, values["voucher_number"]))
        ctx.first_payment_row.setdefault(identity, values["row"])
        return payment

    def _reverse(self, values: dict[str, Any], ctx: ImportContext):
        work, voucher = values["work"], values["reverses"]
        payments = Disbursement.objects.filter(work=work, voucher_number=voucher, reverses__isnull=True)
        original = payments.filter(reversed_by__isnull=True).order_by("-pk").first()
        if original is None:
            if payments.exists():
                message = _("Every payment of work %(work)s with voucher %(voucher)s is already reversed.")
            else:
                message = _(
                    "No payment of work %(work)s has the voucher %(voucher)s (neither recorded nor on an earlier "
                    "row of this file)."
                )
            raise ValidationError({"reverses": message % {"work": work.code, "voucher": voucher}})
        mismatch = self._reversal_mismatch(original, values)
        if mismatch:
            raise ValidationError(
                {
                    "reverses": _(
                        "This row does not match voucher %(voucher)s of %(date)s that it cancels (%(changes)s); a "
                        "reversal cancels the whole payment."
                    )
                    % {
                        "voucher": voucher,
                        "date": original.paid_on.strftime("%d/%m/%Y"),
                        "changes": "; ".join(mismatch),
                    }
                }
            )
        return services.disbursement_reverse(
            disbursement=original, reason=values["note"], reversed_on=values["paid_on"], user=ctx.user
        )

    def finish(self, ctx: ImportContext) -> None:
        """A voucher paid again is kept only if, by the end of the file, all its payments but one are cancelled."""
        result = ctx.result
        for number, pk, work, voucher in ctx.repeated_payments:
            unreversed = Disbursement.objects.filter(
                work=work, voucher_number=voucher, reverses__isnull=True, reversed_by__isnull=True
            )
            if unreversed.count() <= 1 or not unreversed.filter(pk=pk).exists():
                continue
            first = ctx.first_payment_row.get((work.pk, voucher))
            if first is not None and first != number:
                message = _(
                    "Voucher %(voucher)s of work %(work)s is paid on row %(row)d, and this row pays it again: a "
                    "voucher is paid once. If it was entered twice, cancel the extra payment with a row giving "
                    "“%(column)s” %(voucher)s; otherwise correct or remove this row."
                )
            else:
                message = _(
                    "Voucher %(voucher)s of work %(work)s is already recorded, and this row pays it again: a voucher "
                    "is paid once. If it was entered twice, cancel the extra payment with a row giving “%(column)s” "
                    "%(voucher)s; otherwise correct or remove this row."
                )
            message %= {
                "voucher": voucher,
                "work": work.code,
                "row": first or 0,
                "column": ctx.sheet.header_for("reverses"),
            }
            result.errors.add(SheetError(message, row=number, column=ctx.sheet.header_for("voucher_number")))
            result.error_rows += 1
            result.new -= 1


__all__ = ["AllocationImport", "CapitalPlanImport", "DisbursementImport"]
