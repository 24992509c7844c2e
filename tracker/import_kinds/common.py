"""What several kinds share: locality columns and look-ups, components, works, and the row-by-row kind.

Works, capital entries, disbursements, progress reports, yearly statuses and support are written through
`tracker.services` one row at a time (`RowByRowKind`): every rule of the services (capital never
over-disbursed, deadlines and extensions, locked periods, the standard's classification, ...) applies to
an import exactly as to the admin. These files are thousands of rows, not millions; households, which
are, have their own bulk path (`households.py`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.base import ImportContext, ImportKind
from imports.lookups import LocalityIndex, name_key, pad_code
from localities.services import CURRENT_VALID_FROM
from programs.models import Component
from sheets import CodeColumn, Row, SheetError, TextColumn

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
LOCALITY_COLUMNS = [PROVINCE_CODE, PROVINCE, COMMUNE_CODE, COMMUNE]

PROGRAM = TextColumn("program", "Chương trình", aliases=["Program", "Mã chương trình", "CTMTQG"])
COMPONENT = CodeColumn(
    "component",
    "Mã hợp phần",
    aliases=["Component", "Component code", "Dự án/tiểu dự án", "Mã dự án", "Hợp phần"],
    max_length=40,
    help=gettext_lazy("The project or sub-project code in the program, e.g. DA4.TDA1."),
)
WORK_CODE = CodeColumn(
    "work", "Mã công trình", aliases=["Work code", "Mã dự án công trình", "Mã CT"], required=True, max_length=40
)


def prepare_localities(ctx: ImportContext) -> None:
    ctx.localities = LocalityIndex(allowed_communes=ctx.allowed_communes)
    ctx.commune_cache = {}


def find_commune(row: Row, ctx: ImportContext, *, required: bool = True, on=None, current_map: bool = False):
    """The row's commune (a `lookups.Unit`) from its code/name and province columns, or None with the error
    on the row (no error when the row gives none and `required` is False). `on`: the date of the row's data,
    for a code both maps use (see `LocalityIndex.commune`). Cached per distinct set of values: files repeat
    the same few communes."""
    v = row.values
    legacy_map = None if on is None else on < CURRENT_VALID_FROM
    key = (v.get("province_code"), v.get("province"), v.get("commune_code"), v.get("commune_name"), legacy_map)
    # (`current_map` is the kind's, the same for every row of an import: not part of the key.)
    found = ctx.commune_cache.get(key)
    if found is None:
        provinces = ctx.localities.province(key[0], key[1])
        if isinstance(provinces, str):
            found = (provinces, "province_code" if key[0] else "province")
        else:
            unit = ctx.localities.commune(key[2], key[3], provinces, on=on, current_map=current_map)
            column = "commune_code" if key[2] else "commune_name"
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
        ctx.commune_cache[key] = found
    value, column = found
    if value is None:
        return None
    if isinstance(value, str):
        row.add_error(value, column=column)
        return None
    return value


class ComponentIndex:
    """Program components by (program code, component code), both case- and accent-insensitive; the program
    may be left out when the component code is unique across programs."""

    def __init__(self):
        self.by_key: dict[tuple[str, str], Component] = {}
        self.by_code: dict[str, list[Component]] = {}
        for component in Component.objects.select_related("program"):
            code = name_key(component.code)
            self.by_key[(name_key(component.program.code), code)] = component
            self.by_code.setdefault(code, []).append(component)

    def find(self, program: str | None, code: str | None) -> Component | str | None:
        if not code:
            return None
        key = name_key(code)
        if program:
            component = self.by_key.get((name_key(program), key))
            if component is None:
                return _("The program %(program)s has no component %(code)s.") % {"program": program, "code": code}
            return component
        candidates = self.by_code.get(key, [])
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            return _("No program has a component %(code)s.") % {"code": code}
        return _("%(code)s is a component of several programs (%(programs)s): give the program.") % {
            "code": code,
            "programs": ", ".join(sorted(c.program.code for c in candidates)),
        }


def find_component(row: Row, ctx: ImportContext, *, required: bool = True) -> Component | None:
    if not hasattr(ctx, "components"):
        ctx.components = ComponentIndex()
    found = ctx.components.find(row.values.get("program"), row.values.get("component"))
    if found is None and required:
        row.add_error(_("Give the program component."), column="component")
    elif isinstance(found, str):
        row.add_error(found, column="component")
        return None
    return found


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
    A kind whose new records depend on no other row of the file (progress reports) sets `batched` and
    implements `create_many(values, ctx)`, calling a service that writes them all at once with the same
    rules: the chunk's new rows are written together, after every row of the chunk has been checked.
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
