"""Villages: the villages, hamlets and residential groups (thôn, bản, tổ) of communes, one row a village.

Villages have no national code, so a village is identified by its commune and its name, compared as the
other imports compare village names (`lookups.name_key`: case, accents, spacing and a leading "Thôn"
ignored, so "Thôn Khau Mu" is the village "Khau Mu"). A known village is not renamed by an import (a
spelling the file writes differently stays as recorded; rename it in the admin). Its local code is the
only thing a row can change: a code given that differs from the recorded one replaces it; a blank code
leaves the recorded code alone. The same file imported twice changes nothing.

A row is one village: a name that names several ("Bản Chán, Thôm Ưng", "Bản Chán - Thôm Ưng") is an error,
not a village of that name. A village recorded on a legacy commune merged into the row's commune is that
village (villages remained when communes merged), not a new one.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.base import ImportContext
from imports.lookups import VillageIndex, name_key, names_several_places
from localities.models import Village
from localities.services import village_create, village_update
from sheets import CodeColumn, Row, TextColumn

from .common import LOCALITY_COLUMNS, RowByRowKind, find_commune, prepare_localities

VILLAGE_NAME = TextColumn(
    "name",
    "Tên thôn/bản",
    aliases=[
        "Village",
        "Village name",
        "Thôn/bản",
        "Thôn, bản",
        "Tên thôn",
        "Tên thôn, bản",
        "Thôn",
        "Bản",
        "Thôn/bản/tổ dân phố",
        "Tên thôn, tổ dân phố",
    ],
    required=True,
    max_length=120,
    example="Khau Mu",
)
VILLAGE_CODE = CodeColumn(
    "code",
    "Mã thôn",
    aliases=["Village code", "Local code", "Mã thôn/bản", "Mã thôn, bản"],
    max_length=20,
    help=gettext_lazy("The commune's own code for the village, if it has one (villages have no national code)."),
)
COLUMNS = [*LOCALITY_COLUMNS, VILLAGE_NAME, VILLAGE_CODE]


def village_save(village: Village, *, user) -> Village:
    """Add or change a village through its services (the admin's path too), inside the row's savepoint."""
    if village.pk is not None:
        return village_update(village=village, user=user, code=village.code)
    return village_create(
        user=user,
        commune_id=village.commune_id,
        name=village.name,
        code=village.code,
        valid_from=village.valid_from,
        valid_to=village.valid_to,
    )


class CommuneVillages:
    """The villages of each commune a sheet names, as records, by compared name; loaded a commune at a time."""

    def __init__(self):
        self.by_commune: dict[int, dict[str, Village]] = {}

    def load(self, commune_ids) -> None:
        missing = {pk for pk in commune_ids if pk not in self.by_commune}
        if not missing:
            return
        for pk in missing:
            self.by_commune[pk] = {}
        for village in Village.objects.filter(commune_id__in=missing).order_by("pk"):
            self.by_commune[village.commune_id].setdefault(name_key(village.name, villages=True), village)

    def of(self, commune_id: int) -> dict[str, Village]:
        self.load([commune_id])
        return self.by_commune[commune_id]


class VillageImport(RowByRowKind):
    name = "villages"
    label = gettext_lazy("villages")
    model = Village
    columns = COLUMNS
    description = gettext_lazy(
        "One row per village: commune (code or name), village name, local code. A village already recorded in "
        "the commune (same name, whatever the accents) is kept; a different local code updates it."
    )
    fields = {"name": "name", "code": "code", "commune": "commune_code"}

    def prepare(self, ctx: ImportContext) -> None:
        prepare_localities(ctx)
        ctx.village_records = CommuneVillages()
        ctx.merged_villages = VillageIndex()

    def build(self, row: Row, ctx: ImportContext) -> dict[str, Any] | None:
        commune = find_commune(row, ctx)
        name = row.values["name"]
        if commune is None or row.errors:
            return None
        values = {"commune": commune, "name": name, "code": row.values["code"] or ""}
        if self.existing(values, ctx) is None and names_several_places(name):
            row.add_error(
                _("“%(name)s” names several places: write one village a row.") % {"name": name}, column="name"
            )
            return None
        return values

    def key(self, values: dict[str, Any]) -> tuple:
        return (values["commune"].pk, name_key(values["name"], villages=True))

    def duplicate_message(self, first_row: int) -> str:
        return _("Duplicate of row %(row)d: the same village of the same commune.") % {"row": first_row}

    def existing(self, values: dict[str, Any], ctx: ImportContext) -> Village | None:
        commune_id = values["commune"].pk
        found = ctx.village_records.of(commune_id).get(self.key(values)[1])
        if found is None:
            merged = ctx.merged_villages.find_merged(commune_id, values["name"])
            if len(merged) == 1:
                legacy = ctx.merged_villages.commune_of[merged[0]]
                recorded = ctx.village_records.of(legacy).values()
                found = next((v for v in recorded if v.pk == merged[0]), None) or Village.objects.get(pk=merged[0])
        return found

    def differences(self, record: Village, values: dict[str, Any]) -> list[str]:
        if values["code"] and values["code"] != record.code:
            return [str(Village._meta.get_field("code").verbose_name)]
        return []

    def _code_taken(self, values: dict[str, Any], ctx: ImportContext, record: Village | None) -> None:
        """A clear message, on the code column, when another village of the commune has the code."""
        code = values["code"]
        if not code:
            return
        for other in ctx.village_records.of(values["commune"].pk).values():
            if other.code == code and other is not record:
                raise ValidationError(
                    {
                        "code": _("The code %(code)s is already the village %(village)s of this commune.")
                        % {"code": code, "village": other.name}
                    }
                )

    def create(self, values: dict[str, Any], ctx: ImportContext) -> Village:
        self._code_taken(values, ctx, None)
        village = Village(commune_id=values["commune"].pk, name=values["name"], code=values["code"])
        village = village_save(village, user=ctx.user)
        ctx.village_records.of(village.commune_id)[self.key(values)[1]] = village
        ctx.result.name_created("villages", f"{village.name} ({values['commune'].name})")
        return village

    def update(self, record: Village, values: dict[str, Any], ctx: ImportContext) -> Village:
        self._code_taken(values, ctx, record)
        previous = record.code
        record.code = values["code"]
        try:
            return village_save(record, user=ctx.user)
        except Exception:
            record.code = previous  # the cached record stays as the database has it
            raise
