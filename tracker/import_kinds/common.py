"""What several kinds share: locality columns and look-ups, components, works, and the row-by-row kind.

Works, capital entries, disbursements, progress reports, yearly statuses and support are written through
`tracker.services` one row at a time (`RowByRowKind`): every rule of the services (capital never
over-disbursed, deadlines and extensions, locked periods, the standard's classification, ...) applies to
an import exactly as to the admin. These files are thousands of rows, not millions; households, which
are, have their own bulk path (`households.py`).
"""

from __future__ import annotations

import datetime
import re
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.base import ImportContext, ImportKind
from imports.lookups import LocalityIndex, name_key, pad_code
from kernel.text import fold
from localities.services import CURRENT_VALID_FROM
from programs.models import Component, Program
from sheets import CodeColumn, Row, SheetError, TextColumn
from sheets.values import RoundedNumber, format_number

from ..models import EthnicGroup, Work

PROVINCE_CODE = CodeColumn("province_code", "Mã tỉnh", aliases=["Province code", "Mã tỉnh/thành phố"], width=2)
PROVINCE = TextColumn("province", "Tỉnh", aliases=["Province", "Tên tỉnh", "Tỉnh/thành phố", "Tỉnh, thành phố"])
COMMUNE_CODE = CodeColumn(
    "commune_code",
    "Mã xã",
    aliases=["Commune code", "Mã xã/phường", "Mã đơn vị hành chính", "Mã ĐVHC", "Mã xã, phường, đặc khu"],
    width=5,
    help=gettext_lazy("The GSO code of the commune, on the map of the data's date; or give the name."),
)
COMMUNE = TextColumn(
    "commune_name",
    "Tên xã",
    aliases=["Commune", "Commune name", "Xã", "Xã/phường", "Xã, phường, đặc khu", "Xã/phường/thị trấn"],
    help=gettext_lazy("With or without “Xã”/“Phường”, with or without accents; a name of before 1/7/2025 is mapped."),
)
DISTRICT = TextColumn(
    "district",
    "Huyện",
    aliases=["District", "Tên huyện", "Quận/huyện", "Huyện/thị xã/thành phố", "Huyện, thị xã, thành phố", "Huyện cũ"],
    help=gettext_lazy("Before 1/7/2025: the district, to tell apart communes of the same name."),
)
OLD_COMMUNE_CODE = CodeColumn(
    "old_commune_code",
    "Mã xã cũ",
    aliases=["Old commune code", "Mã xã trước sắp xếp", "Mã đơn vị hành chính cũ"],
    width=5,
)
OLD_COMMUNE = TextColumn(
    "old_commune_name",
    "Xã cũ",
    aliases=[
        "Old commune",
        "Tên xã cũ",
        "Đơn vị hành chính cũ",
        "Xã trước sắp xếp",
        "Tên xã trước sắp xếp",
        "Xã, phường, thị trấn cũ",
    ],
    help=gettext_lazy(
        "Beside the commune as it is now: the commune of before 1/7/2025 the place was in, which must have "
        "become part of it."
    ),
)
LOCALITY_COLUMNS = [PROVINCE_CODE, PROVINCE, DISTRICT, COMMUNE_CODE, COMMUNE, OLD_COMMUNE_CODE, OLD_COMMUNE]

PROGRAM = TextColumn("program", "Chương trình", aliases=["Program", "Mã chương trình", "CTMTQG"])
COMPONENT = CodeColumn(
    "component",
    "Mã hợp phần",
    aliases=["Component", "Component code", "Dự án/tiểu dự án", "Mã dự án", "Hợp phần"],
    max_length=40,
    help=gettext_lazy("The project or sub-project code in the program, e.g. DA4.TDA1."),
    context="component",  # or a section row "Dự án 4: ..." / "Tiểu dự án 1" above the row
)
WORK_CODE = CodeColumn(
    "work", "Mã công trình", aliases=["Work code", "Mã dự án công trình", "Mã CT"], required=True, max_length=40
)


def prepare_localities(ctx: ImportContext) -> None:
    ctx.localities = LocalityIndex(allowed_communes=ctx.allowed_communes)
    ctx.commune_cache = {}


def row_context(row: Row) -> dict[str, Any]:
    """What the file's title and sections say about the row ("district", "program", "component",
    "province", "year"), as the reader puts it on the row; {} when it says nothing."""
    return getattr(row, "context", None) or {}


def context_year(row: Row) -> int | None:
    year = row_context(row).get("year")
    if isinstance(year, str) and year.strip().isdigit():
        year = int(year)
    return year if isinstance(year, int) and 2000 <= year <= 2100 else None


def map_of(on: datetime.date | None = None, year: int | None = None) -> bool | None:
    """Which map data of this date or plan year is on: True legacy, False current, None not said."""
    if on is not None:
        return on < CURRENT_VALID_FROM
    if year is not None and year != 2025:
        return year < 2025
    return None


def find_commune(
    row: Row, ctx: ImportContext, *, required: bool = True, on=None, year: int | None = None, current_map: bool = False
):
    """The row's commune (a `lookups.Unit`) from its code/name, province, district and old-commune columns
    (a district or province the title or a section gives counts where the row has none), or None with the
    error on the row (no error when the row gives none and `required` is False). `on`: the date of the row's
    data, `year`: its plan year, which say the map (see `LocalityIndex.commune`). Cached per distinct set of
    values: files repeat the same few communes."""
    v = row.values
    context = row_context(row)
    if year is None:
        year = context_year(row)
    legacy_map = map_of(on, year)
    district = v.get("district")
    key = (
        v.get("province_code"),
        v.get("province") or (None if v.get("province_code") else context.get("province")),
        v.get("commune_code"),
        v.get("commune_name"),
        legacy_map,
        district or context.get("district"),
        bool(district),
        v.get("old_commune_code"),
        v.get("old_commune_name"),
    )
    # (`current_map` is the kind's, the same for every row of an import: not part of the key.)
    found = ctx.commune_cache.get(key)
    if found is None:
        provinces = ctx.localities.province(key[0], key[1])
        if isinstance(provinces, str) and not key[0] and not v.get("province"):
            provinces = None  # the title's province is only a hint
        if isinstance(provinces, str):
            found = (provinces, "province_code" if key[0] else "province")
        else:
            unit = ctx.localities.commune(
                key[2],
                key[3],
                provinces,
                on=None if legacy_map is None else (datetime.date(2025, 6, 30) if legacy_map else CURRENT_VALID_FROM),
                current_map=current_map,
                district=key[5],
                district_required=key[6],
                old_code=key[7],
                old_name=key[8],
            )
            column = "commune_code" if key[2] else "commune_name"
            if isinstance(unit, str) and (key[7] or key[8]):
                column = "old_commune_name" if key[8] else "old_commune_code"
            if unit is None:
                found = (_("Give the commune: its code or its name.") if required else None, column)
            elif isinstance(unit, str):
                found = (unit, column)
            elif not ctx.may_change(unit.pk):
                found = (
                    _("%(commune)s is outside your jurisdiction.") % {"commune": ctx.localities.describe(unit)},
                    column,
                )
            else:
                found = (unit, column)
                if ctx.localities.continued is not None:
                    found = (unit, column, ctx.localities.continued)
        ctx.commune_cache[key] = found
    value, column = found[:2]
    if value is None:
        return None
    if isinstance(value, str):
        row.add_error(value, column=column)
        return None
    if len(found) > 2:
        warn_continued(row, ctx, value, column)
    return value


def warn_continued(row: Row, ctx: ImportContext, unit, column: str) -> None:
    """Once per commune: a row without a date or plan year names a commune both maps have under the same code
    and name (a legacy commune others were merged into); it is read on the legacy map, and the preview says so."""
    warned = ctx.__dict__.setdefault("continued_warned", set())
    if unit.pk in warned:
        return
    warned.add(unit.pk)
    ctx.result.warnings.append(
        SheetError(
            _(
                "%(commune)s has the same code and name on both maps (the communes merged on 1/7/2025 went into it); "
                "this row and the others naming it give no date or plan year, so they are read on the map before "
                "1/7/2025. If the data is of today's map, give its date or plan year."
            )
            % {"commune": ctx.localities.describe(unit)},
            row=row.number,
            column=ctx.sheet.header_for(column),
        )
    )


# The words that say which program a text (a program column, the file's title, a section) is about, by the
# program's code: "Chương trình MTQG giảm nghèo bền vững giai đoạn 2021 - 2025" is NTP-GNBV. The merged
# program of 2026-2035 names all three, so a text naming several, or the period 2026-2035, is that one.
PROGRAM_WORDS = {
    "NTP-1719": ("1719", "dan toc thieu so", "dtts", "dong bao dan toc", "mien nui"),
    "NTP-GNBV": ("giam ngheo", "gnbv"),
    "NTP-NTM": ("nong thon moi", "ntm"),
}
MERGED_PROGRAM = "NTP-2026"
_MERGED_PERIOD = re.compile(r"\b2026\s*-\s*2035\b|\b257/2025\b")
_SUBPROJECT = re.compile(r"\b(?:tieu du an|tda)\s*(?:so\s*)?(\d+)\b")
_PROJECT = re.compile(r"\b(?:du an|da)\s*(?:so\s*)?(\d+)\b")
_CONTENT = re.compile(r"\b(?:noi dung(?: thanh phan)?|nd)\s*(?:so\s*)?(\d+)\b")
_PART = re.compile(r"\b(?:hop phan|hp)\s*(?:so\s*)?(\d+)\b")


def component_code(text: str | None, context: str | None = None) -> str | None:
    """The code of the component a text names as officials write it: "Tiểu dự án 1 - Dự án 4", "TDA1 - DA4",
    "DA4.TDA1", "Dự án 4 - Tiểu dự án 1" are DA4.TDA1; "Dự án 4: Đầu tư cơ sở hạ tầng ..." is DA4; "Nội dung
    2" ND2, "Hợp phần 1" HP1. A sub-project without its project takes the project from `context` (the
    section the row is in). None when the text does not read so (it may be a code of another form)."""
    if not text:
        return None
    folded = fold(text)
    sub = _SUBPROJECT.search(folded)
    rest = folded[: sub.start()] + " " + folded[sub.end() :] if sub else folded
    project = _PROJECT.search(rest)
    if sub:
        if project is None and context:
            outer = component_code(context)
            project = _PROJECT.search(fold(outer or "").replace(".", " "))
        return f"DA{int(project[1])}.TDA{int(sub[1])}" if project else None
    if project:
        return f"DA{int(project[1])}"
    for pattern, prefix in ((_CONTENT, "ND"), (_PART, "HP")):
        if match := pattern.search(folded):
            return f"{prefix}{int(match[1])}"
    return None


class ProgramIndex:
    """The programs, by code, by name and by the words a title or a column writes for them."""

    def __init__(self):
        self.by_code: dict[str, Program] = {}
        self.by_name: dict[str, Program] = {}
        for program in Program.objects.all():
            self.by_code[name_key(program.code)] = program
            for name in (program.name, program.name_vi):
                if name:
                    self.by_name[name_key(name)] = program

    def find(self, text: str | None) -> Program | None:
        if not text:
            return None
        key = name_key(text)
        found = self.by_code.get(key) or self.by_name.get(key)
        if found is not None:
            return found
        folded = fold(text)
        if _MERGED_PERIOD.search(folded):
            return self.by_code.get(name_key(MERGED_PROGRAM))
        named = [
            code
            for code, words in PROGRAM_WORDS.items()
            if any(re.search(rf"(?<![\w/]){re.escape(word)}(?![\w])", folded) for word in words)
        ]
        if len(named) > 1:
            return self.by_code.get(name_key(MERGED_PROGRAM))
        return self.by_code.get(name_key(named[0])) if named else None

    def codes(self) -> list[str]:
        return sorted(p.code for p in self.by_code.values())


class ComponentIndex:
    """Program components by (program, component code), both case- and accent-insensitive; the program may
    be left out when the component code is unique across programs. Programs and components are read as
    officials write them too (`ProgramIndex`, `component_code`)."""

    def __init__(self):
        self.programs = ProgramIndex()
        self.by_key: dict[tuple[str, str], Component] = {}
        self.by_code: dict[str, list[Component]] = {}
        for component in Component.objects.select_related("program"):
            code = name_key(component.code)
            self.by_key[(name_key(component.program.code), code)] = component
            self.by_code.setdefault(code, []).append(component)

    def find(
        self,
        program: str | None,
        code: str | None,
        *,
        context_program: str | None = None,
        context_component: str | None = None,
    ) -> Component | str | None:
        """The component a row names, or a message; `context_*`: what the file's title or section says."""
        if not code:
            if not context_component:
                return None
            code = context_component
        keys = [name_key(code)]
        parsed = component_code(code, context_component)
        if parsed and name_key(parsed) not in keys:
            keys.append(name_key(parsed))
        if program:
            found = self.programs.find(program)
            if found is None:
                return _("No program is “%(program)s”; the programs are %(codes)s.") % {
                    "program": program,
                    "codes": ", ".join(self.programs.codes()),
                }
            for key in keys:
                component = self.by_key.get((name_key(found.code), key))
                if component is not None:
                    return component
            return _("The program %(program)s has no component %(code)s.") % {"program": found.code, "code": code}
        candidates: list[Component] = []
        for key in keys:
            candidates = self.by_code.get(key, [])
            if candidates:
                break
        if len(candidates) > 1 and context_program:
            hinted = self.programs.find(context_program)
            if hinted is not None:
                candidates = [c for c in candidates if c.program_id == hinted.pk] or candidates
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            return _("No program has a component %(code)s.") % {"code": code}
        return _("%(code)s is a component of several programs: %(candidates)s. Give the program.") % {
            "code": code,
            "candidates": "; ".join(f"{c.program.code} {c.code} ({c.name_vi or c.name})" for c in candidates),
        }


def find_component(row: Row, ctx: ImportContext, *, required: bool = True) -> Component | None:
    if not hasattr(ctx, "components"):
        ctx.components = ComponentIndex()
    context = row_context(row)
    found = ctx.components.find(
        row.values.get("program"),
        row.values.get("component"),
        context_program=context.get("program"),
        context_component=context.get("component"),
    )
    if found is None and required:
        row.add_error(_("Give the program component."), column="component")
    elif isinstance(found, str):
        unknown_program = row.values.get("program") and ctx.components.programs.find(row.values["program"]) is None
        row.add_error(found, column="program" if unknown_program or not row.values.get("component") else "component")
        return None
    return found


def note_rounded(row: Row, ctx: ImportContext) -> None:
    """A warning for each value of the row rounded to the places its column keeps (`RoundedNumber`)."""
    for key, value in row.values.items():
        if value.__class__ is RoundedNumber:
            ctx.result.warnings.append(
                SheetError(
                    _("%(original)s rounded to %(rounded)s, the precision kept.")
                    % {"original": format_number(value.original), "rounded": format_number(value)},
                    row=row.number,
                    column=ctx.sheet.header_for(key),
                )
            )


def load_works(ctx: ImportContext, codes) -> dict[str, Work]:
    """The works of these codes (one query), cached on the context; a work outside the user's jurisdiction
    is found too, so that the row can say so rather than "no such work"."""
    cache = ctx.__dict__.setdefault("works", {})
    missing = {c for c in codes if c and c not in cache}
    if missing:
        for work in Work.objects.filter(code__in=missing).select_related("commune"):
            cache[work.code] = work
    return cache


def find_work(row: Row, ctx: ImportContext, column: str = "work") -> Work | None:
    code = row.values.get(column)
    if not code:
        return None
    work = load_works(ctx, [code]).get(code)
    if work is None:
        row.add_error(_("No work has the code %(code)s; import the works first.") % {"code": code}, column=column)
        return None
    if not ctx.may_change(work.commune_id):
        row.add_error(_("The work %(code)s is outside your jurisdiction.") % {"code": code}, column=column)
        return None
    return work


def validation_messages(error: ValidationError, fields: dict[str, str] | None = None) -> list[tuple[str, str | None]]:
    """(message, column key) pairs of a ValidationError; model fields mapped to the sheet's column keys."""
    fields = fields or {}
    pairs = []
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            column = None if field == NON_FIELD_ERRORS else fields.get(field, field)
            for message in errors:
                pairs.append((" ".join(message.messages), column))
    else:
        pairs += [(message, None) for message in error.messages]
    return pairs


class RowByRowKind(ImportKind):
    """A kind written one row at a time through the services, each row in its own savepoint.

    Subclasses implement:
    - `build(row, ctx)` → the row's values (model objects looked up), or None with errors on the row;
    - `key(values)` → what identifies the record (e.g. (work code, voucher number)): two rows with the same
      key are duplicates, and the key finds the record already in the database;
    - `existing(values, ctx)` → that record or None;
    - `differences(record, values)` → the fields that would change (empty: unchanged);
    - `create(values, ctx)` and, if records can be changed by import, `update(record, values, ctx)`; both
      call the services with `user=ctx.user` and let their ValidationError/PermissionDenied through.
    `fields` maps model field names to column keys, to put the services' messages on the right column.
    A kind whose new records depend on no other row of the file (progress reports), or on none but the rows
    before them, which its service takes in order (allocations), sets `batched` and implements
    `create_many(values, ctx)`, calling a service that writes them all at once with the same rules: the
    chunk's new rows are written together, after every row of the chunk has been checked.
    """

    fields: ClassVar[dict[str, str]] = {}
    updatable: ClassVar[bool] = True
    batched: ClassVar[bool] = False  # new rows written by `create_many` at the end of the chunk

    def build(self, row: Row, ctx: ImportContext) -> dict[str, Any] | None:
        raise NotImplementedError

    def key(self, values: dict[str, Any]) -> tuple:
        raise NotImplementedError

    def existing(self, values: dict[str, Any], ctx: ImportContext):
        raise NotImplementedError

    def differences(self, record, values: dict[str, Any]) -> list[str]:
        raise NotImplementedError

    def create(self, values: dict[str, Any], ctx: ImportContext):
        raise NotImplementedError

    def update(self, record, values: dict[str, Any], ctx: ImportContext):
        raise NotImplementedError

    def duplicate_message(self, first_row: int) -> str:
        return _("Duplicate of row %(row)d.") % {"row": first_row}

    def unchangeable_message(self, record, differences: list[str]) -> str:
        return _("This entry is already recorded with other values (%(fields)s); an import does not change it.") % {
            "fields": ", ".join(differences)
        }

    def before_chunk(self, chunk: list[Row], ctx: ImportContext) -> None:
        """Load what the chunk's rows will look up, a query per kind of thing (e.g. `load_works`)."""

    def create_many(self, values: list[dict[str, Any]], ctx: ImportContext) -> list:
        """For a kind whose new records do not depend on one another (`batched`): create them all at once,
        returning for each the record or the ValidationError/PermissionDenied that refused it."""
        raise NotImplementedError

    def process(self, chunk: list[Row], ctx: ImportContext) -> None:
        seen: dict[tuple, int] = ctx.__dict__.setdefault("seen_keys", {})
        result = ctx.result
        self.before_chunk(chunk, ctx)
        new: list[tuple[Row, dict[str, Any]]] = []
        for row in chunk:
            values = self.build(row, ctx)
            if values is None or row.errors:
                continue
            note_rounded(row, ctx)
            key = self.key(values)
            first = seen.get(key)
            if first is not None:
                row.add_error(self.duplicate_message(first))
                continue
            seen[key] = row.number
            record = self.existing(values, ctx)
            if record is not None:
                differences = self.differences(record, values)
                if not differences:
                    result.unchanged += 1
                    continue
                if not self.updatable:
                    row.add_error(self.unchangeable_message(record, differences))
                    continue
            if self.batched and record is None:
                new.append((row, values))
                continue
            try:
                with transaction.atomic():
                    if record is None:
                        self.create(values, ctx)
                    else:
                        self.update(record, values, ctx)
            except (ValidationError, PermissionDenied) as error:
                self.refuse(row, error, ctx)
                continue
            if record is None:
                result.new += 1
            else:
                result.changed += 1
        if new:
            for (row, _values), outcome in zip(new, self.create_many([v for _, v in new], ctx), strict=True):
                if isinstance(outcome, ValidationError | PermissionDenied):
                    self.refuse(row, outcome, ctx)
                else:
                    result.new += 1

    def refuse(self, row: Row, error: ValidationError | PermissionDenied, ctx: ImportContext) -> None:
        """Put a service's refusal on the row, each message on its column."""
        if isinstance(error, PermissionDenied):
            row.add_error(str(error))
            return
        for message, column in validation_messages(error, self.fields):
            row.add_error(message, column=column if column in ctx.sheet.columns else None)


__all__ = [
    "COMMUNE",
    "COMMUNE_CODE",
    "COMPONENT",
    "LOCALITY_COLUMNS",
    "PROGRAM",
    "PROVINCE",
    "PROVINCE_CODE",
    "WORK_CODE",
    "ComponentIndex",
    "RowByRowKind",
    "SheetError",
    "find_commune",
    "find_component",
    "find_work",
    "load_works",
    "prepare_localities",
    "validation_messages",
]


class EthnicGroupIndex:
    """The 54 ethnic groups by their two-digit code, their name and their other names."""

    def __init__(self):
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        self.names: dict[int, str] = {}
        for pk, code, name, other in EthnicGroup.objects.values_list("pk", "code", "name", "other_names"):
            self.by_code[code] = pk
            self.names[pk] = name
            for text in [name, *other.split(",")]:
                key = name_key(text)
                if key:
                    self.by_name.setdefault(key, pk)

    def find(self, code: str | None, name: str | None) -> int | str | None:
        if code and not code.strip().isdigit() and not name:
            code, name = None, code  # a name typed in the code column: read it as the name
        pk_by_code = self.by_code.get(pad_code(code, 2)) if code else None
        if code and pk_by_code is None:
            return _("No ethnic group has the code %(code)s.") % {"code": code}
        if name:
            key = name_key(name)
            pk_by_name = self.by_name.get(key) or self.by_name.get(key.removeprefix("dan toc ").strip())
            if pk_by_name is None:
                return _("No ethnic group is called “%(name)s”.") % {"name": name}
            if pk_by_code is not None and pk_by_code != pk_by_name:
                return _("The ethnic group code %(code)s is %(group)s, not “%(name)s”.") % {
                    "code": code,
                    "group": self.names[pk_by_code],
                    "name": name,
                }
            return pk_by_name
        return pk_by_code
