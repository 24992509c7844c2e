"""Load the demo data set (the spreadsheets in seeds/, written by seeds/generate.py) through the services.

A stop-gap until the real spreadsheet import lands: it reads the CSV files an official would send (UTF-8
with BOM, Vietnamese headers, amounts in million VND with a comma decimal, dates dd/mm/yyyy) and writes
every row through tracker.services, so the demo data obeys the same rules as data entered by hand.
Communes are given by their GSO code on the legacy map (before 1 July 2025), when the data was recorded.
"""

import csv
import datetime
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from localities.models import Commune, Province, Village
from programs.choices import CapitalEntryKindChoices, CapitalSourceChoices, CapitalTypeChoices
from programs.models import CapitalPlanEntry, Component

from .choices import CapacityUnitChoices, PovertyStatusChoices, SupportKindChoices, WorkStatusChoices, WorkTypeChoices
from .models import (
    Allocation,
    DeprivationIndicator,
    Disbursement,
    EthnicGroup,
    Household,
    PovertyAssessment,
    PovertyStandard,
    ProgressReport,
    Support,
    Work,
)
from .services import (
    allocation_record,
    disbursement_record,
    disbursement_reverse,
    household_register,
    poverty_assessment_record,
    progress_report_record,
    support_record,
)

SEEDS_DIR = Path(settings.BASE_DIR) / "seeds"
MARKER_WORK_CODE = "BK-2022-0001"
MILLION = Decimal(1_000_000)

# The words officials write in the spreadsheets (seeds/generate.py writes the same words).
WORK_TYPES = {
    "Đường đến trung tâm xã": WorkTypeChoices.ROAD_COMMUNE_CENTRE,
    "Đường liên xã": WorkTypeChoices.ROAD_INTER_COMMUNE,
    "Đường liên thôn": WorkTypeChoices.ROAD_INTER_VILLAGE,
    "Đường nội thôn": WorkTypeChoices.ROAD_IN_VILLAGE,
    "Cầu": WorkTypeChoices.BRIDGE,
    "Cấp điện": WorkTypeChoices.POWER,
    "Thủy lợi": WorkTypeChoices.IRRIGATION,
    "Nước sinh hoạt": WorkTypeChoices.DOMESTIC_WATER,
    "Trường, lớp học": WorkTypeChoices.SCHOOL,
    "Trạm y tế": WorkTypeChoices.HEALTH_STATION,
    "Nhà văn hóa": WorkTypeChoices.CULTURAL_HOUSE,
    "Đài truyền thanh xã": WorkTypeChoices.RADIO_STATION,
    "Chợ": WorkTypeChoices.MARKET,
    "Công trình khác": WorkTypeChoices.OTHER,
}
WORK_STATUSES = {
    "Đề xuất": WorkStatusChoices.PROPOSED,
    "Đã phê duyệt": WorkStatusChoices.APPROVED,
    "Đang thi công": WorkStatusChoices.UNDER_CONSTRUCTION,
    "Hoàn thành": WorkStatusChoices.COMPLETED,
    "Đã quyết toán": WorkStatusChoices.SETTLED,
    "Tạm dừng": WorkStatusChoices.SUSPENDED,
    "Hủy bỏ": WorkStatusChoices.CANCELLED,
}
CAPACITY_UNITS = {
    "km": CapacityUnitChoices.KM,
    "m": CapacityUnitChoices.M,
    "m2": CapacityUnitChoices.M2,
    "m²": CapacityUnitChoices.M2,
    "m3": CapacityUnitChoices.M3,
    "m³": CapacityUnitChoices.M3,
    "ha": CapacityUnitChoices.HA,
    "phòng học": CapacityUnitChoices.CLASSROOM,
    "hộ": CapacityUnitChoices.HOUSEHOLD,
    "kVA": CapacityUnitChoices.KVA,
    "cụm": CapacityUnitChoices.UNIT,
    "cái": CapacityUnitChoices.UNIT,
}
SOURCES = {
    "Ngân sách trung ương": CapitalSourceChoices.CENTRAL,
    "Ngân sách tỉnh": CapitalSourceChoices.PROVINCE,
    "Ngân sách xã": CapitalSourceChoices.COMMUNE,
    "Vốn lồng ghép": CapitalSourceChoices.INTEGRATED,
    "Tín dụng chính sách": CapitalSourceChoices.POLICY_CREDIT,
    "Doanh nghiệp và khác": CapitalSourceChoices.ENTERPRISE,
    "Nhân dân đóng góp": CapitalSourceChoices.PEOPLE,
}
CAPITAL_TYPES = {"Đầu tư phát triển": CapitalTypeChoices.INVESTMENT, "Sự nghiệp": CapitalTypeChoices.RECURRENT}
ENTRY_KINDS = {
    "Giao": CapitalEntryKindChoices.ASSIGNED,
    "Điều chỉnh": CapitalEntryKindChoices.ADJUSTMENT,
    "Kéo dài": CapitalEntryKindChoices.EXTENSION,
}
POVERTY_STATUSES = {
    "Hộ nghèo": PovertyStatusChoices.POOR,
    "Hộ cận nghèo": PovertyStatusChoices.NEAR_POOR,
    "Hộ thoát nghèo": PovertyStatusChoices.ESCAPED,
    "Hộ không nghèo": PovertyStatusChoices.NOT_POOR,
}
SUPPORT_KINDS = {
    "Vay vốn": SupportKindChoices.LOAN,
    "Hỗ trợ con giống": SupportKindChoices.LIVESTOCK,
    "Hỗ trợ cây giống": SupportKindChoices.SEEDLINGS,
    "Hỗ trợ làm nhà ở mới": SupportKindChoices.HOUSING_NEW,
    "Hỗ trợ sửa chữa nhà ở": SupportKindChoices.HOUSING_REPAIR,
    "Đào tạo nghề": SupportKindChoices.VOCATIONAL_TRAINING,
    "Hỗ trợ việc làm": SupportKindChoices.JOB,
    "Thẻ bảo hiểm y tế": SupportKindChoices.HEALTH_INSURANCE,
    "Hỗ trợ điện sinh hoạt": SupportKindChoices.ELECTRICITY,
    "Hỗ trợ nước sinh hoạt": SupportKindChoices.DOMESTIC_WATER,
    "Hỗ trợ đất sản xuất": SupportKindChoices.PRODUCTION_LAND,
    "Hỗ trợ khác": SupportKindChoices.OTHER,
}
# Decree 07/2021/NĐ-CP review form: one column per deprivation indicator, marked "x".
INDICATOR_COLUMNS = {
    "Việc làm": "employment",
    "Người phụ thuộc trong hộ gia đình": "dependants",
    "Dinh dưỡng": "nutrition",
    "Bảo hiểm y tế": "health_insurance",
    "Trình độ giáo dục của người lớn": "adult_education",
    "Tình trạng đi học của trẻ em": "child_school_attendance",
    "Chất lượng nhà ở": "housing_quality",
    "Diện tích nhà ở bình quân đầu người": "housing_area",
    "Nguồn nước sinh hoạt": "water_source",
    "Nhà tiêu hợp vệ sinh": "hygienic_latrine",
    "Sử dụng dịch vụ viễn thông": "telecom_use",
    "Phương tiện phục vụ tiếp cận thông tin": "information_access",
}
MARKS = {"x", "1", "có"}


class DemoDataError(Exception):
    """A row of a demo spreadsheet that cannot be loaded: says which file, row and column, and why."""


@dataclass
class DemoLoadResult:
    already_loaded: bool = False
    created: dict[type, int] = field(default_factory=dict)  # model → rows created


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def _lookup_table(mapping: dict) -> dict:
    return {_key(label): value for label, value in mapping.items()}


class _Sheet:
    """One CSV file, read as Excel writes it (BOM, comma or semicolon separated)."""

    def __init__(self, directory: Path, name: str, required: list[str]):
        self.name = name
        path = directory / name
        if not path.exists():
            raise DemoDataError(_("%(file)s is missing from %(dir)s.") % {"file": name, "dir": directory})
        with open(path, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
        header = text.split("\n", 1)[0]
        delimiter = ";" if header.count(";") > header.count(",") else ","
        reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
        columns = [(c or "").strip() for c in reader.fieldnames or []]
        missing = [c for c in required if c not in columns]
        if missing:
            raise DemoDataError(
                _("%(file)s: missing column(s) %(columns)s.") % {"file": name, "columns": ", ".join(missing)}
            )
        self.columns = columns
        # Row numbers as Excel shows them: the header is row 1.
        self.rows = [
            (number, {(k or "").strip(): (v or "").strip() for k, v in row.items()})
            for number, row in enumerate(reader, 2)
            if any((v or "").strip() for v in row.values())
        ]

    def error(self, number: int, column: str | None, message: str) -> DemoDataError:
        where = _("%(file)s, row %(row)s") % {"file": self.name, "row": number}
        if column:
            where += _(", column '%(column)s'") % {"column": column}
        return DemoDataError(f"{where}: {message}")


class _Row:
    """Typed access to one row; every problem names its file, row and column."""

    def __init__(self, sheet: _Sheet, number: int, values: dict):
        self.sheet, self.number, self.values = sheet, number, values

    def error(self, column: str | None, message: str) -> DemoDataError:
        return self.sheet.error(self.number, column, message)

    def text(self, column: str, required: bool = True) -> str:
        value = self.values.get(column, "")
        if required and not value:
            raise self.error(column, _("a value is required."))
        return value

    def choice(self, column: str, table: dict, required: bool = True):
        value = self.text(column, required)
        if not value:
            return ""
        try:
            return table[_key(value)]
        except KeyError:
            raise self.error(
                column,
                _("expected one of %(expected)s; found '%(found)s'.") % {"expected": _labels(table), "found": value},
            ) from None

    def decimal(self, column: str, required: bool = True) -> Decimal | None:
        """A number written the Vietnamese way: dot thousands, comma decimal (1.234,5)."""
        value = self.text(column, required)
        if not value:
            return None
        try:
            return Decimal(value.replace(" ", "").replace(".", "").replace(",", "."))
        except InvalidOperation:
            raise self.error(
                column, _("expected a number such as 1.234,5; found '%(found)s'.") % {"found": value}
            ) from None

    def integer(self, column: str, required: bool = True) -> int | None:
        number = self.decimal(column, required)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise self.error(column, _("expected a whole number; found '%(found)s'.") % {"found": self.text(column)})
        return int(number)

    def vnd_from_million(self, column: str, required: bool = True) -> int | None:
        """An amount in million VND (triệu đồng) as an exact integer number of VND; never through a float."""
        number = self.decimal(column, required)
        if number is None:
            return None
        vnd = number * MILLION
        if vnd != vnd.to_integral_value():
            raise self.error(
                column,
                _("%(found)s million VND is not a whole number of VND (at most six decimals).")
                % {"found": self.text(column)},
            )
        return int(vnd)

    def date(self, column: str, required: bool = True) -> datetime.date | None:
        value = self.text(column, required)
        if not value:
            return None
        try:
            return datetime.datetime.strptime(value, "%d/%m/%Y").date()
        except ValueError:
            raise self.error(column, _("expected a date dd/mm/yyyy; found '%(found)s'.") % {"found": value}) from None

    def mark(self, column: str) -> bool:
        return _key(self.values.get(column, "")) in MARKS


def _labels(table: dict) -> str:
    return ", ".join(f"'{label}'" for label in table)


def _messages(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
    return " ".join(error.messages)


class _Loader:
    def __init__(self, directory: Path):
        self.directory = directory
        self.created: dict[type, int] = defaultdict(int)
        self.work_types = _lookup_table(WORK_TYPES)
        self.statuses = _lookup_table(WORK_STATUSES)
        self.units = _lookup_table(CAPACITY_UNITS)
        self.sources = _lookup_table(SOURCES)
        self.capital_types = _lookup_table(CAPITAL_TYPES)
        self.entry_kinds = _lookup_table(ENTRY_KINDS)
        self.poverty_statuses = _lookup_table(POVERTY_STATUSES)
        self.support_kinds = _lookup_table(SUPPORT_KINDS)
        self.components = {(c.program.code, c.code): c for c in Component.objects.select_related("program")}
        self.villages: dict[tuple[int, str], Village] = {}
        self.works: dict[str, Work] = {}
        self.households: dict = {}

    def sheet(self, name: str, required: list[str]) -> list[_Row]:
        sheet = _Sheet(self.directory, name, required)
        return [_Row(sheet, number, values) for number, values in sheet.rows]

    def load_communes(self, codes: set[str]) -> None:
        """Every commune the files name, in one query (legacy map: the data predates 1 July 2025)."""
        # The successor rides along: every write asks which current commune reports a legacy one.
        communes = Commune.objects.legacy().filter(code__in=codes).select_related("successor")
        self.communes = {c.code: c for c in communes}
        if not self.communes and codes:
            raise DemoDataError(_("No administrative units are loaded: run `manage.py load_localities` first."))

    def commune(self, row: _Row, column: str = "Mã xã") -> Commune:
        code = row.text(column)
        try:
            return self.communes[code]
        except KeyError:
            raise row.error(column, _("no commune has the GSO code '%(code)s'.") % {"code": code}) from None

    def component(self, row: _Row, program_column: str = "Chương trình", code_column: str = "Mã hợp phần"):
        key = (row.text(program_column), row.text(code_column))
        try:
            return self.components[key]
        except KeyError:
            if not self.components:
                raise DemoDataError(_("No programs are loaded: run `manage.py loaddata programs` first.")) from None
            raise row.error(
                code_column, _("program %(program)s has no component '%(code)s'.") % {"program": key[0], "code": key[1]}
            ) from None

    def work(self, row: _Row) -> Work:
        code = row.text("Mã công trình")
        try:
            return self.works[code]
        except KeyError:
            raise row.error("Mã công trình", _("no work '%(code)s' in works.csv.") % {"code": code}) from None

    def household(self, row: _Row):
        code = row.text("Mã hộ")
        try:
            return self.households[code]
        except KeyError:
            raise row.error("Mã hộ", _("no household '%(code)s' in households.csv.") % {"code": code}) from None

    def village(self, row: _Row, commune: Commune, name: str, column: str):
        try:
            return self.villages[(commune.pk, name)]
        except KeyError:
            raise row.error(
                column,
                _("%(commune)s has no village '%(name)s' in villages.csv.") % {"commune": commune.name, "name": name},
            ) from None

    def run(self) -> None:
        villages = self.sheet("villages.csv", ["Mã xã", "Tên thôn/bản"])
        works = self.sheet("works.csv", ["Mã công trình", "Tên công trình", "Mã xã", "Loại công trình", "Chương trình"])
        plans = self.sheet(
            "capital_plans.csv", ["Mã tỉnh", "Chương trình", "Mã hợp phần", "Năm", "Số tiền (triệu đồng)"]
        )
        households = self.sheet("households.csv", ["Mã hộ", "Họ tên chủ hộ", "Mã dân tộc", "Mã xã", "Thôn/bản"])
        codes = {r.values.get("Mã xã", "") for sheet in (villages, works, plans, households) for r in sheet}
        self.load_communes({c for c in codes if c})

        self.load_villages(villages)
        self.load_works(works)
        self.load_allocations(self.sheet("allocations.csv", ["Mã công trình", "Năm", "Số tiền (triệu đồng)"]))
        self.load_disbursements(
            self.sheet(
                "disbursements.csv", ["Mã công trình", "Năm", "Số tiền (triệu đồng)", "Số chứng từ", "Ngày chứng từ"]
            )
        )
        self.load_progress(self.sheet("progress_reports.csv", ["Mã công trình", "Ngày báo cáo", "Tiến độ (%)"]))
        self.load_plans(plans)
        self.load_households(households)
        self.load_assessments(self.sheet("poverty_statuses.csv", ["Mã hộ", "Năm", "Kết quả phân loại"]))
        self.load_supports(self.sheet("supports.csv", ["Mã hộ", "Năm", "Loại hỗ trợ"]))

    def save(self, row: _Row, instance, *, database_constraints: bool = False) -> None:
        """full_clean() and save one row.

        With database_constraints, the model's constraints are left to the database: Django checks each
        CheckConstraint with a query of its own (about a millisecond apiece), which for hundreds of works
        costs more than everything else the loader does; the database enforces the same rules on insert.
        """
        try:
            instance.full_clean(validate_constraints=not database_constraints)
        except ValidationError as error:
            raise row.error(None, _messages(error)) from None
        try:
            instance.save()
        except IntegrityError as error:
            raise row.error(None, str(error)) from None

    def call(self, row: _Row, service, **arguments):
        try:
            return service(**arguments)
        except ValidationError as error:
            raise row.error(None, _messages(error)) from None

    def load_villages(self, rows: list[_Row]) -> None:
        for row in rows:
            commune = self.commune(row)
            village = Village(commune=commune, name=row.text("Tên thôn/bản"), code=row.text("Mã thôn", False))
            self.save(row, village, database_constraints=True)
            self.villages[(commune.pk, village.name)] = village
            self.created[Village] += 1

    def load_works(self, rows: list[_Row]) -> None:
        for row in rows:
            commune = self.commune(row)
            capacity = row.decimal("Quy mô", False)
            work = Work(
                code=row.text("Mã công trình"),
                name=row.text("Tên công trình"),
                work_type=row.choice("Loại công trình", self.work_types),
                is_maintenance=row.mark("Duy tu, sửa chữa"),
                commune=commune,
                investor=row.text("Chủ đầu tư", False),
                capacity=capacity,
                capacity_unit=row.choice("Đơn vị tính", self.units, required=capacity is not None),
                approved_investment=row.vnd_from_million("Tổng mức đầu tư (triệu đồng)", False) or 0,
                is_small_work=row.mark("Công trình quy mô nhỏ"),
                status=row.choice("Tình trạng", self.statuses),
                start_date=row.date("Ngày khởi công", False),
                planned_completion_date=row.date("Ngày hoàn thành theo kế hoạch", False),
                actual_completion_date=row.date("Ngày hoàn thành thực tế", False),
                latitude=row.decimal("Vĩ độ", False),
                longitude=row.decimal("Kinh độ", False),
                beneficiary_households=row.integer("Số hộ hưởng lợi", False),
                note=row.text("Ghi chú", False),
            )
            if work.code in self.works:
                raise row.error("Mã công trình", _("work '%(code)s' appears twice.") % {"code": work.code})
            programs = row.text("Chương trình").split(";")
            codes = row.text("Mã hợp phần").split(";")
            if len(programs) != len(codes):
                raise row.error("Mã hợp phần", _("give one component for each program listed."))
            components = [
                self.component(_Row(row.sheet, row.number, {"Chương trình": p.strip(), "Mã hợp phần": c.strip()}))
                for p, c in zip(programs, codes, strict=True)
            ]
            names = [name.strip() for name in row.text("Thôn/bản", False).split(";") if name.strip()]
            villages = [self.village(row, commune, name, "Thôn/bản") for name in names]
            self.save(row, work, database_constraints=True)
            work.components.set(components)
            if villages:
                work.villages.set(villages)
            self.works[work.code] = work
            self.created[Work] += 1

    def load_allocations(self, rows: list[_Row]) -> None:
        for row in rows:
            self.call(
                row,
                allocation_record,
                work=self.work(row),
                component=self.component(row),
                year=row.integer("Năm"),
                source=row.choice("Nguồn vốn", self.sources),
                capital_type=row.choice("Loại vốn", self.capital_types),
                amount=row.vnd_from_million("Số tiền (triệu đồng)"),
                kind=row.choice("Loại bút toán", self.entry_kinds),
                extended_until=row.date("Kéo dài đến", False),
                decided_on=row.date("Ngày quyết định"),
                note=row.text("Ghi chú", False),
            )
            self.created[Allocation] += 1

    def load_disbursements(self, rows: list[_Row]) -> None:
        by_voucher: dict[tuple[str, str], list[Disbursement]] = defaultdict(list)
        for row in rows:
            work = self.work(row)
            reversed_voucher = row.text("Hủy chứng từ số", False)
            if reversed_voucher:
                # A reversal cancels the latest payment of that voucher for the work; nothing is deleted.
                candidates = by_voucher.get((work.code, reversed_voucher))
                if not candidates:
                    raise row.error(
                        "Hủy chứng từ số",
                        _("no earlier payment of work %(work)s has voucher '%(voucher)s'.")
                        % {"work": work.code, "voucher": reversed_voucher},
                    )
                self.call(
                    row,
                    disbursement_reverse,
                    disbursement=candidates.pop(),
                    reason=row.text("Ghi chú"),
                    reversed_on=row.date("Ngày chứng từ"),
                )
                self.created[Disbursement] += 1
                continue
            disbursement = self.call(
                row,
                disbursement_record,
                work=work,
                year=row.integer("Năm"),
                source=row.choice("Nguồn vốn", self.sources),
                capital_type=row.choice("Loại vốn", self.capital_types),
                amount=row.vnd_from_million("Số tiền (triệu đồng)"),
                voucher_number=row.text("Số chứng từ"),
                paid_on=row.date("Ngày chứng từ"),
                note=row.text("Ghi chú", False),
            )
            by_voucher[(work.code, disbursement.voucher_number)].append(disbursement)
            self.created[Disbursement] += 1

    def load_progress(self, rows: list[_Row]) -> None:
        for row in rows:
            work = self.work(row)
            quantity = row.decimal("Khối lượng hoàn thành", False)
            if quantity is not None and row.text("Đơn vị tính", False):
                unit = row.choice("Đơn vị tính", self.units)
                if unit != work.capacity_unit:
                    raise row.error(
                        "Đơn vị tính",
                        _("work %(work)s is measured in %(expected)s; found '%(found)s'.")
                        % {"work": work.code, "expected": work.capacity_unit, "found": row.text("Đơn vị tính")},
                    )
            self.call(
                row,
                progress_report_record,
                work=work,
                reported_on=row.date("Ngày báo cáo"),
                progress_percent=row.decimal("Tiến độ (%)"),
                quantity_done=quantity,
                status=row.choice("Tình trạng", self.statuses),
                note=row.text("Ghi chú", False),
            )
            self.created[ProgressReport] += 1

    def load_plans(self, rows: list[_Row]) -> None:
        provinces = {p.code: p for p in Province.objects.legacy()}
        for row in rows:
            code = row.text("Mã tỉnh")
            if code not in provinces:
                raise row.error("Mã tỉnh", _("no province has the GSO code '%(code)s'.") % {"code": code})
            commune = self.commune(row) if row.text("Mã xã", False) else None
            entry = CapitalPlanEntry(
                component=self.component(row),
                year=row.integer("Năm"),
                province=provinces[code],
                commune=commune,
                source=row.choice("Nguồn vốn", self.sources),
                capital_type=row.choice("Loại vốn", self.capital_types),
                kind=row.choice("Loại bút toán", self.entry_kinds),
                amount=row.vnd_from_million("Số tiền (triệu đồng)"),
                extended_until=row.date("Kéo dài đến", False),
                decided_on=row.date("Ngày quyết định"),
                note=row.text("Ghi chú", False),
            )
            self.save(row, entry)
            self.created[CapitalPlanEntry] += 1

    def load_households(self, rows: list[_Row]) -> None:
        groups = {g.code: g for g in EthnicGroup.objects.all()}
        if rows and not groups:
            raise DemoDataError(_("No ethnic groups are loaded: run `manage.py loaddata ethnic_groups` first."))
        for row in rows:
            commune = self.commune(row)
            code = row.text("Mã dân tộc")
            if code not in groups:
                raise row.error(
                    "Mã dân tộc", _("expected an ethnic group code 01-54; found '%(code)s'.") % {"code": code}
                )
            household = self.call(
                row,
                household_register,
                code=row.text("Mã hộ"),
                head_name=row.text("Họ tên chủ hộ"),
                id_number=row.text("Số CCCD", False),
                ethnic_group=groups[code],
                commune=commune,
                village=self.village(row, commune, row.text("Thôn/bản"), "Thôn/bản"),
                member_count=row.integer("Số nhân khẩu"),
                address=row.text("Địa chỉ", False),
            )
            self.households[household.code] = household
            self.created[Household] += 1

    def load_assessments(self, rows: list[_Row]) -> None:
        standards = {s.code: s for s in PovertyStandard.objects.all()}
        indicators = {(i.standard_id, i.code): i for i in DeprivationIndicator.objects.all()}
        for row in rows:
            code = row.text("Chuẩn nghèo")
            if code not in standards:
                raise row.error(
                    "Chuẩn nghèo",
                    _("no poverty standard '%(code)s': run `manage.py loaddata poverty_standards` first.")
                    % {"code": code},
                )
            standard = standards[code]
            deprivations = []
            for column, indicator_code in INDICATOR_COLUMNS.items():
                if row.mark(column):
                    if (standard.pk, indicator_code) not in indicators:
                        raise row.error(column, _("%(standard)s has no such indicator.") % {"standard": code})
                    deprivations.append(indicators[(standard.pk, indicator_code)])
            self.call(
                row,
                poverty_assessment_record,
                household=self.household(row),
                year=row.integer("Năm"),
                status=row.choice("Kết quả phân loại", self.poverty_statuses),
                income_per_capita=row.integer("Thu nhập bình quân (đồng/người/tháng)", False),
                deprivations=deprivations,
                standard=standard,
                decision_number=row.text("Số quyết định", False),
                recognised_on=row.date("Ngày công nhận", False),
            )
            self.created[PovertyAssessment] += 1

    def load_supports(self, rows: list[_Row]) -> None:
        for row in rows:
            self.call(
                row,
                support_record,
                household=self.household(row),
                component=self.component(row),
                year=row.integer("Năm"),
                kind=row.choice("Loại hỗ trợ", self.support_kinds),
                amount=row.vnd_from_million("Số tiền (triệu đồng)", False),
                quantity=row.decimal("Số lượng", False),
                quantity_unit=row.text("Đơn vị", False),
                received_on=row.date("Ngày nhận", False),
                note=row.text("Ghi chú", False),
            )
            self.created[Support] += 1


def demo_is_loaded() -> bool:
    return Work.objects.filter(code=MARKER_WORK_CODE).exists()


def demo_load(*, directory: Path = SEEDS_DIR) -> DemoLoadResult:
    """Load the demo spreadsheets in one transaction; do nothing if they are already loaded."""
    if demo_is_loaded():
        return DemoLoadResult(already_loaded=True)
    loader = _Loader(Path(directory))
    with transaction.atomic():
        loader.run()
    return DemoLoadResult(created=dict(loader.created))


BAC_KAN, QUANG_NINH = "06", "22"  # legacy GSO province codes
MY_THANH, THOM_UNG = "02011", "Thôm Ưng"


def demo_summary() -> dict:
    """The figures the demo data tells, read back from the database (amounts in VND)."""
    provinces = {p.code: p for p in Province.objects.legacy().filter(code__in=[BAC_KAN, QUANG_NINH])}
    bac_kan = Work.objects.within(provinces[BAC_KAN]).filter(allocations__year=2022).distinct()
    quang_ninh = Work.objects.within(provinces[QUANG_NINH]).filter(allocations__year=2025).distinct()
    village = Village.objects.get(commune__in=Commune.objects.legacy().filter(code=MY_THANH), name=THOM_UNG)
    return {
        "bac_kan_2022_works": bac_kan.count(),
        "bac_kan_2022_allocated": Allocation.objects.filter(work__in=bac_kan, year=2022).total(),
        "quang_ninh_2025_works": quang_ninh.count(),
        "quang_ninh_2025_allocated": Allocation.objects.filter(work__in=quang_ninh, year=2025).total(),
        "quang_ninh_2025_disbursed_by_june": Disbursement.objects.filter(work__in=quang_ninh, year=2025)
        .as_of(datetime.date(2025, 6, 30))
        .total(),
        "thom_ung_households": Household.objects.within(village).count(),
        "thom_ung_poor_2022": PovertyAssessment.objects.filter(
            household__village=village, year=2022, status=PovertyStatusChoices.POOR
        ).count(),
    }
