"""Writes for administrative units: loading both generations of the map and the 2025 old→new mapping."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, TextIO

from django.db import connection, models, transaction

from kernel.access import ADD, ensure_allowed
from kernel.writes import record_delete, record_update

from .choices import GenerationChoices, UnitTypeChoices
from .models import Commune, CommuneSuccession, District, Province, Village

SOURCE_PACKAGE = "vietnamadminunits"
SOURCE_CREDIT = (
    "Administrative units and the 2025 mapping: vietnamadminunits {version} by Hieu Tran, MIT licence "
    "(https://github.com/tranngocminhhieu/vietnamadminunits)."
)
LEGACY_VALID_TO = date(2025, 6, 30)
CURRENT_VALID_FROM = date(2025, 7, 1)

# Type words a full name starts with, per level. "Thành phố" is a province-level city or a district-level
# city; the choices do not tell the two apart because the model does.
_PROVINCE_TYPES = {"Tỉnh": UnitTypeChoices.PROVINCE, "Thành phố": UnitTypeChoices.CITY}
_DISTRICT_TYPES = {
    "Quận": UnitTypeChoices.URBAN_DISTRICT,
    "Huyện": UnitTypeChoices.RURAL_DISTRICT,
    "Thị xã": UnitTypeChoices.TOWN,
    "Thành phố": UnitTypeChoices.CITY,
}
_COMMUNE_TYPES = {
    "Xã": UnitTypeChoices.COMMUNE,
    "Phường": UnitTypeChoices.WARD,
    "Thị trấn": UnitTypeChoices.TOWNSHIP,
    "Đặc khu": UnitTypeChoices.SPECIAL_ZONE,
}
_SIX_PLACES = Decimal("0.000001")
_BATCH = 2000


def source_credit() -> str:
    """The line that credits the data source, with the installed version."""
    return SOURCE_CREDIT.format(version=importlib.metadata.version(SOURCE_PACKAGE))


def source_data_dir() -> Path:
    """The package's data folder.

    Found through the import system without importing the package: its ``__init__`` pulls in geopy and
    shapely, which we do not need to read two data files.
    """
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"The {SOURCE_PACKAGE} package is not installed; see requirements.txt.")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@dataclass
class _Report:
    """What the load found worth telling the operator about."""

    type_disagreements: list[str] = field(default_factory=list)


def _unit_name(name: str, type_column: str, types: dict[str, str], report: _Report, where: str) -> tuple[str, str, str]:
    """(unit_type, full name, short name) from a full name such as "Thị Trấn Ái Tử".

    The type word in the name decides the type: the dataset's type column disagrees with it for a handful
    of rows (e.g. "Thị trấn Ngọc Lặc" typed Xã, wards of Quận Phú Nhuận typed Xã), and in each case the
    name is the right one. The type word's capitalisation is normalised ("Thị Trấn" → "Thị trấn").
    """
    name = " ".join(name.split())
    folded = name.casefold()
    word = next((w for w in types if folded.startswith(w.casefold() + " ")), None)
    if word is None:
        raise ValueError(f"{where}: name {name!r} does not start with one of {', '.join(types)}.")
    rest = name[len(word) + 1 :].strip()
    if type_column and type_column.casefold() != word.casefold():
        report.type_disagreements.append(f"{where}: {name!r} typed {type_column!r}, loaded as {word}")
    full = f"{word} {rest}"
    unit_type = types[word]
    # "Phường 1", "Quận 10": the number alone names nothing, so the short name keeps the type word.
    short = full if rest.isdigit() else rest
    return unit_type, full, short


def _coordinate(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(repr(value)).quantize(_SIX_PLACES, rounding=ROUND_HALF_UP)


def _sync(
    queryset: models.QuerySet, key_fields: tuple[str, ...], wanted: dict[tuple, dict[str, Any]]
) -> tuple[dict[tuple, int], int, int]:
    """Make the rows of ``queryset`` keyed by ``key_fields`` match ``wanted`` (key → {attname: value}).

    Creates what is missing and updates only what differs, in bulk; rows not in ``wanted`` are left alone
    (legacy units are never deleted). Returns (key → pk, created, updated).
    """
    model = queryset.model
    if not wanted:
        return {}, 0, 0
    attnames = list(next(iter(wanted.values())))
    names = [model._meta.get_field(a).name for a in attnames]
    existing = {tuple(row[k] for k in key_fields): row for row in queryset.values("pk", *key_fields, *attnames)}

    to_create, to_update = [], []
    for key, values in wanted.items():
        row = existing.get(key)
        if row is None:
            to_create.append(model(**dict(zip(key_fields, key, strict=True)), **values))
        elif any(row[a] != v for a, v in values.items()):
            to_update.append(model(pk=row["pk"], **values))
    if to_create:
        model.objects.bulk_create(to_create, batch_size=_BATCH)
    if to_update:
        model.objects.bulk_update(to_update, names, batch_size=_BATCH)

    pks = {key: row["pk"] for key, row in existing.items()}
    if to_create:
        pks = {tuple(row[1:]): row[0] for row in queryset.values_list("pk", *key_fields)}
    return pks, len(to_create), len(to_update)


def _read_dataset(data_dir: Path) -> tuple[list[sqlite3.Row], list[sqlite3.Row], dict[str, Any]]:
    connection = sqlite3.connect(f"{(data_dir / 'dataset.db').as_uri()}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        legacy = connection.execute(
            "SELECT province, provinceCode, provinceKey, provinceLat, provinceLon,"
            " district, districtType, districtCode, districtKey, districtLat, districtLon,"
            " ward, wardType, wardCode, wardKey, wardLat, wardLon"
            " FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"
        ).fetchall()
        current = connection.execute(
            "SELECT province, provinceCode, provinceKey, provinceLat, provinceLon,"
            " ward, wardType, wardCode, wardKey, wardLat, wardLon"
            " FROM admin_units ORDER BY provinceCode, wardCode"
        ).fetchall()
    finally:
        connection.close()
    with (data_dir / "converter_2025.json").open(encoding="utf-8") as handle:
        converter = json.load(handle)
    return legacy, current, converter


def _say(stdout: TextIO | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message if message.endswith("\n") else message + "\n")


def _say_list(stdout: TextIO | None, lines: Iterable[str]) -> None:
    for line in lines:
        _say(stdout, f"  {line}")


@transaction.atomic
def localities_load(*, stdout: TextIO | None = None) -> dict[str, Any]:
    """Create or update both generations of administrative units and the 2025 old→new mapping.

    Source: the ``vietnamadminunits`` package's ``dataset.db`` and ``converter_2025.json``. Units are
    matched on (generation, code) (districts on code), so running it again changes nothing. Returns the
    counts it also writes to ``stdout``.
    """
    legacy_rows, current_rows, converter = _read_dataset(source_data_dir())
    report = _Report()
    legacy, current = GenerationChoices.LEGACY, GenerationChoices.CURRENT
    counts: dict[str, Any] = {}

    # Current provinces.
    wanted: dict[tuple, dict[str, Any]] = {}
    province_key_to_code: dict[str, str] = {}
    for row in current_rows:
        code = row["provinceCode"]
        if (current, code) in wanted:
            continue
        unit_type, name, short = _unit_name(row["province"], "", _PROVINCE_TYPES, report, f"Province {code}")
        province_key_to_code[row["provinceKey"]] = code
        wanted[(current, code)] = {
            "name": name,
            "short_name": short,
            "unit_type": unit_type,
            "valid_from": CURRENT_VALID_FROM,
            "valid_to": None,
            "latitude": _coordinate(row["provinceLat"]),
            "longitude": _coordinate(row["provinceLon"]),
            "successor_id": None,
        }
    current_province_pks, created, updated = _sync(Province.objects.current(), ("generation", "code"), wanted)
    current_province_by_key = {k: current_province_pks[(current, c)] for k, c in province_key_to_code.items()}
    counts["current_provinces"] = {"total": len(wanted), "created": created, "updated": updated}

    # Legacy provinces, each pointing to the current province it became part of.
    new_province_of_old = {old: new for new, olds in converter["DICT_PROVINCE"].items() for old in olds}
    wanted = {}
    province_successor: dict[str, int | None] = {}
    for row in legacy_rows:
        code = row["provinceCode"]
        if (legacy, code) in wanted:
            continue
        unit_type, name, short = _unit_name(row["province"], "", _PROVINCE_TYPES, report, f"Legacy province {code}")
        successor_pk = current_province_by_key.get(new_province_of_old.get(row["provinceKey"], ""))
        province_successor[code] = successor_pk
        wanted[(legacy, code)] = {
            "name": name,
            "short_name": short,
            "unit_type": unit_type,
            "valid_from": None,
            "valid_to": LEGACY_VALID_TO,
            "latitude": _coordinate(row["provinceLat"]),
            "longitude": _coordinate(row["provinceLon"]),
            "successor_id": successor_pk,
        }
    legacy_province_pks, created, updated = _sync(Province.objects.legacy(), ("generation", "code"), wanted)
    counts["legacy_provinces"] = {"total": len(wanted), "created": created, "updated": updated}
    provinces_without_successor = sorted(c for c, pk in province_successor.items() if pk is None)

    # Legacy districts.
    wanted = {}
    for row in legacy_rows:
        code = row["districtCode"]
        if (code,) in wanted:
            continue
        unit_type, name, short = _unit_name(
            row["district"], row["districtType"], _DISTRICT_TYPES, report, f"District {code}"
        )
        wanted[(code,)] = {
            "name": name,
            "short_name": short,
            "unit_type": unit_type,
            "valid_from": None,
            "valid_to": LEGACY_VALID_TO,
            "latitude": _coordinate(row["districtLat"]),
            "longitude": _coordinate(row["districtLon"]),
            "province_id": legacy_province_pks[(legacy, row["provinceCode"])],
        }
    district_pks, created, updated = _sync(District.objects.all(), ("code",), wanted)
    counts["legacy_districts"] = {"total": len(wanted), "created": created, "updated": updated}

    # Current communes: their own province is their current province.
    wanted = {}
    current_commune_code_by_key: dict[tuple[str, str], str] = {}
    current_commune_name_by_key: dict[tuple[str, str], str] = {}
    for row in current_rows:
        code = row["wardCode"]
        unit_type, name, short = _unit_name(row["ward"], row["wardType"], _COMMUNE_TYPES, report, f"Commune {code}")
        province_pk = current_province_pks[(current, row["provinceCode"])]
        current_commune_code_by_key[(row["provinceKey"], row["wardKey"])] = code
        current_commune_name_by_key[(row["provinceKey"], row["wardKey"])] = f"{name}, {row['province']}"
        wanted[(current, code)] = {
            "name": name,
            "short_name": short,
            "unit_type": unit_type,
            "valid_from": CURRENT_VALID_FROM,
            "valid_to": None,
            "latitude": _coordinate(row["wardLat"]),
            "longitude": _coordinate(row["wardLon"]),
            "province_id": province_pk,
            "district_id": None,
            "successor_id": None,
            "current_province_id": province_pk,
        }
    current_commune_pks, created, updated = _sync(Commune.objects.current(), ("generation", "code"), wanted)
    counts["current_communes"] = {"total": len(wanted), "created": created, "updated": updated}
    current_commune_province = {pk: wanted[key]["province_id"] for key, pk in current_commune_pks.items()}
    current_commune_by_key = {k: current_commune_pks[(current, c)] for k, c in current_commune_code_by_key.items()}

    # The mapping, read before the legacy communes so that each gets its default successor on creation.
    # A converter key is "<provinceKey>_<districtKey>_<wardKey>" of the legacy dataset.
    legacy_commune_rows = [row for row in legacy_rows if row["wardCode"]]
    legacy_code_by_key = {
        f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}": row["wardCode"] for row in legacy_commune_rows
    }
    district_name_by_key = {f"{row['provinceKey']}_{row['districtKey']}_": row["district"] for row in legacy_rows}
    links: dict[str, list[tuple[int, bool]]] = {}  # legacy commune code → [(current commune pk, is_default)]
    unresolved: list[str] = []
    island_districts: list[str] = []

    def link(new_province_key: str, new_ward_key: str, old_key: str, is_default: bool) -> None:
        successor_pk = current_commune_by_key.get((new_province_key, new_ward_key))
        old_code = legacy_code_by_key.get(old_key)
        if successor_pk is None or old_code is None:
            if old_key in district_name_by_key and successor_pk is not None:
                # An island district with no commune that became a special zone: not a commune succession.
                new_name = current_commune_name_by_key[(new_province_key, new_ward_key)]
                island_districts.append(f"{district_name_by_key[old_key]} → {new_name}")
            else:
                unresolved.append(f"{old_key} → {new_province_key}_{new_ward_key}")
            return
        links.setdefault(old_code, []).append((successor_pk, is_default))

    for new_province_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward_key, old_keys in wards.items():
            for old_key in old_keys:
                link(new_province_key, new_ward_key, old_key, True)
    for new_province_key, old_wards in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in old_wards.items():
            for part in parts:
                link(new_province_key, part["newWardKey"], old_key, bool(part["isDefaultNewWard"]))

    # Legacy communes, with their default successor and the current province they now lie in.
    wanted = {}
    without_successor: list[str] = []
    for row in legacy_commune_rows:
        code = row["wardCode"]
        unit_type, name, short = _unit_name(
            row["ward"], row["wardType"], _COMMUNE_TYPES, report, f"Legacy commune {code}"
        )
        successors = links.get(code, [])
        default = next((pk for pk, is_default in successors if is_default), None)
        if default is None and successors:
            default = successors[0][0]
        if default is None:
            without_successor.append(f"{code} {name}, {row['district']}, {row['province']}")
        current_province_pk = current_commune_province.get(default, province_successor[row["provinceCode"]])
        wanted[(legacy, code)] = {
            "name": name,
            "short_name": short,
            "unit_type": unit_type,
            "valid_from": None,
            "valid_to": LEGACY_VALID_TO,
            "latitude": _coordinate(row["wardLat"]),
            "longitude": _coordinate(row["wardLon"]),
            "province_id": legacy_province_pks[(legacy, row["provinceCode"])],
            "district_id": district_pks[(row["districtCode"],)],
            "successor_id": default,
            "current_province_id": current_province_pk,
        }
    legacy_commune_pks, created, updated = _sync(Commune.objects.legacy(), ("generation", "code"), wanted)
    counts["legacy_communes"] = {"total": len(wanted), "created": created, "updated": updated}

    # Successions: one row per (legacy, current) pair; rows the converter no longer holds are removed.
    wanted = {}
    for old_code, successors in links.items():
        predecessor_pk = legacy_commune_pks[(legacy, old_code)]
        for successor_pk, is_default in successors:
            wanted[(predecessor_pk, successor_pk)] = {"is_default": is_default, "effective_on": CURRENT_VALID_FROM}
    links_of_legacy = CommuneSuccession.objects.filter(predecessor__generation=legacy)
    link_pks, created, updated = _sync(links_of_legacy, ("predecessor_id", "successor_id"), wanted)
    loaded_pks = set(legacy_commune_pks.values())
    stale = [pk for pair, pk in link_pks.items() if pair[0] in loaded_pks and pair not in wanted]
    removed = CommuneSuccession.objects.filter(pk__in=stale).delete()[0] if stale else 0
    counts["successions"] = {"total": len(wanted), "created": created, "updated": updated, "removed": removed}
    counts["legacy_communes_without_successor"] = len(without_successor)
    counts["legacy_provinces_without_successor"] = len(provinces_without_successor)
    counts["island_districts_not_loaded"] = len(island_districts)
    counts["unresolved_converter_rows"] = len(unresolved)
    counts["type_disagreements"] = len(report.type_disagreements)
    # The planner's statistics of the units just written (a province's communes: 454, not a guess of 14),
    # which the lists of a province and their searches are planned by.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            tables = (Province, District, Commune, CommuneSuccession)
            cursor.execute("ANALYZE " + ", ".join(f'"{model._meta.db_table}"' for model in tables))

    labels = [
        ("legacy_provinces", "Legacy provinces (until 30 June 2025)"),
        ("legacy_districts", "Legacy districts"),
        ("legacy_communes", "Legacy communes"),
        ("current_provinces", "Current provinces (from 1 July 2025)"),
        ("current_communes", "Current communes"),
        ("successions", "Commune successions (old → new)"),
    ]
    for key, label in labels:
        c = counts[key]
        extra = f", {c['removed']} removed" if "removed" in c else ""
        _say(stdout, f"{label}: {c['total']} ({c['created']} created, {c['updated']} updated{extra})")
    _say(stdout, f"Legacy communes without a successor in the converter: {len(without_successor)}")
    _say_list(stdout, without_successor)
    if provinces_without_successor:
        _say(stdout, f"Legacy provinces without a successor: {', '.join(provinces_without_successor)}")
    if unresolved:
        _say(stdout, f"Converter rows naming a unit not in the dataset (not loaded): {len(unresolved)}")
        _say_list(stdout, unresolved)
    if island_districts:
        _say(
            stdout,
            f"Island districts without communes that became special zones (no commune to link; not loaded): "
            f"{len(island_districts)}",
        )
        _say_list(stdout, island_districts)
    if report.type_disagreements:
        _say(
            stdout, f"Names whose type word disagrees with the dataset's type column: {len(report.type_disagreements)}"
        )
        _say_list(stdout, report.type_disagreements)
    return counts


# ---------------------------------------------------------------------------------------------------------
# Villages: the one write path of the admin, the import and the API


def village_create(*, user=None, **fields) -> Village:
    """Add a village to a commune; the jurisdiction is checked on the village as saved."""
    village = Village(**fields)
    with transaction.atomic():
        village.full_clean()
        village._history_user = user
        village.save()
        ensure_allowed(user, ADD, village)
    return village


def village_update(*, village: Village, user=None, version: int | None = None, **fields) -> Village:
    """Rename a village, give it a code or validity dates; refused if based on an older version."""
    return record_update(village, version=version, user=user, fields=fields)


def village_delete(*, village: Village, user=None, version: int | None = None) -> None:
    """Delete a village added by mistake (one that works or households name is protected by them)."""
    record_delete(village, version=version, user=user)
