"""Finding what a sheet names: localities, villages, ethnic groups, by code or by name, in memory.

Each index is loaded once per import (a few thousand rows, tens of milliseconds), so that a row costs
dictionary look-ups, not queries.

Localities (communes; provinces as a hint) are found by official code or by name, with or without the
unit's kind ("Xã", "Phường", "Tỉnh", ...), with or without accents, on either map:

- A code alone: the unit with that code. Most current communes kept the code of one of the communes
  merged into them on 1 July 2025, so a code often names both a legacy commune and its current successor;
  the name, when given, tells them apart (and a name that is not the code's is an error).
- When a legacy commune and the current commune it was merged into both fit (same code and name), the row
  is recorded against the legacy commune: the more precise place, and it belongs to the current commune
  anyway (every scope, filter and total maps a legacy commune to its current one).
- A name alone: the units of that name, narrowed by the province column if the file has one, then by the
  importing official's jurisdiction. Several left is an error listing them with their district, province
  and code, so the official can add the code.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from kernel.text import fold
from localities.choices import GenerationChoices
from localities.models import Commune, District, Province, Village
from localities.services import CURRENT_VALID_FROM

# Words officials put before a unit's name, folded; the longest first so "thi tran" is not read as "thi".
_UNIT_WORDS = sorted(
    [
        "xa",
        "phuong",
        "thi tran",
        "dac khu",
        "tinh",
        "thanh pho",
        "tp",
        "tp.",
        "huyen",
        "quan",
        "thi xa",
        "tx",
        "tx.",
        "thon",
        "ban",
        "to dan pho",
        "xom",
        "ap",
        "lang",
        "khu pho",
        "khu",
        "to",
        "buon",
        "plei",
        "soc",
    ],
    key=len,
    reverse=True,
)
_VILLAGE_WORDS = {"thon", "ban", "xom", "ap", "lang"}
_UNIT_PREFIX = re.compile(r"^(?:" + "|".join(re.escape(w) for w in _UNIT_WORDS) + r")\s+")
_UNIT_ONLY_PREFIX = re.compile(
    r"^(?:" + "|".join(re.escape(w) for w in _UNIT_WORDS if w not in _VILLAGE_WORDS) + r")\s+"
)


def name_key(text: str | None, *, villages: bool = False) -> str:
    """The form names are compared in: folded, punctuation as spaces, without the unit's kind in front.

    For villages the kind is only dropped when something is left that is not a number ("Thôn 3" stays
    "thon 3"; "Thôn Khau Mu" is "khau mu"), and "Bản"/"Làng"/"Xóm" are kept since they are often part of
    the name itself ("Bản Chán").
    """
    folded = fold(text).replace(".", " ").replace(",", " ").replace("-", " ")
    folded = " ".join(folded.split())
    if villages:
        stripped = _UNIT_PREFIX.sub("", folded, count=1)
        if stripped and not stripped.replace(" ", "").isdigit():
            return stripped
        return folded
    stripped = _UNIT_ONLY_PREFIX.sub("", folded, count=1)
    return stripped or folded


def pad_code(code: str | None, width: int) -> str:
    code = (code or "").strip()
    return code.zfill(width) if code.isdigit() else code


@dataclass(frozen=True, slots=True)
class Unit:
    pk: int
    code: str
    name: str
    generation: str
    province_id: int | None
    current_province_id: int | None
    successor_id: int | None
    district_id: int | None

    @property
    def is_legacy(self) -> bool:
        return self.generation == GenerationChoices.LEGACY


class LocalityIndex:
    """Every province and commune of both maps, by code and by name."""

    def __init__(self, *, allowed_communes: set[int] | None = None):
        self.allowed = allowed_communes
        self.provinces: dict[int, Unit] = {}
        self.province_by_code: dict[str, list[Unit]] = defaultdict(list)
        self.province_by_name: dict[str, list[Unit]] = defaultdict(list)
        for p in Province.objects.values("pk", "code", "name", "generation", "successor_id"):
            unit = Unit(p["pk"], p["code"], p["name"], p["generation"], None, None, p["successor_id"], None)
            self.provinces[unit.pk] = unit
            self.province_by_code[unit.code].append(unit)
            self.province_by_name[name_key(unit.name)].append(unit)
        self._districts: dict[int, str] | None = None
        self.communes: dict[int, Unit] = {}
        self._by_code: dict[str, list[Unit]] = {}
        self._by_name: dict[str, list[Unit]] | None = None

    # Communes are loaded by code as the rows ask for them (a file names a few communes; loading all
    # 13,000 of both maps costs 0.3 s), and all at once only when a row names one without a code.
    _FIELDS = ("pk", "code", "name", "generation", "province_id", "current_province_id", "successor_id")

    def _units(self, queryset) -> list[Unit]:
        units = []
        for c in queryset.values(*self._FIELDS, "district_id"):
            unit = self.communes.get(c["pk"])
            if unit is None:
                unit = self.communes[c["pk"]] = Unit(*(c[f] for f in self._FIELDS), c["district_id"])
            units.append(unit)
        return units

    def by_code(self, code: str) -> list[Unit]:
        units = self._by_code.get(code)
        if units is None:
            units = self._by_code[code] = self._units(Commune.objects.filter(code=code))
        return units

    def by_name(self, name: str) -> list[Unit]:
        if self._by_name is None:
            self._by_name = defaultdict(list)
            for unit in self._units(Commune.objects.all()):
                self._by_name[name_key(unit.name)].append(unit)
        return self._by_name.get(name_key(name), [])

    @property
    def districts(self) -> dict[int, str]:
        if self._districts is None:
            self._districts = dict(District.objects.values_list("pk", "name"))
        return self._districts

    # -- provinces ---------------------------------------------------------------------------------------

    def province(self, code: str | None, name: str | None) -> set[int] | str | None:
        """The ids of the provinces (a current one with the legacy ones merged into it) a row names; a
        message if it names none; None when the row gives no province."""
        if not code and not name:
            return None
        units = list(self.province_by_code.get(pad_code(code, 2), [])) if code else []
        if name:
            named = self.province_by_name.get(name_key(name), [])
            units = [u for u in units if u in named] if code else list(named)
            if not units:
                if code:
                    return _("The province code %(code)s does not match the name “%(name)s”.") % {
                        "code": code,
                        "name": name,
                    }
                return _("No province is called “%(name)s”.") % {"name": name}
        if not units:
            return _("No province has the code %(code)s.") % {"code": code}
        ids = set()
        for unit in units:
            ids.add(unit.pk)
            if unit.successor_id:
                ids.add(unit.successor_id)
        # A current province also covers the legacy provinces merged into it.
        ids |= {p.pk for p in self.provinces.values() if p.successor_id in ids}
        return ids

    # -- communes ----------------------------------------------------------------------------------------

    def describe(self, unit: Unit) -> str:
        province = self.provinces.get(unit.province_id)
        parts = [self.districts.get(unit.district_id)] if unit.district_id else []
        parts.append(province.name if province else "")
        label = _("%(name)s (%(where)s; code %(code)s)") % {
            "name": unit.name,
            "where": ", ".join(p for p in parts if p),
            "code": unit.code,
        }
        if unit.is_legacy:
            label += " " + _("before 1/7/2025")
        return label

    def _prefer_legacy(self, units: list[Unit]) -> list[Unit]:
        """A legacy commune and the current commune it was merged into: the legacy one (more precise)."""
        if len(units) < 2:
            return units
        current_ids = {u.pk for u in units if not u.is_legacy}
        merged = [u for u in units if u.is_legacy and u.successor_id in current_ids]
        if not merged:
            return units
        kept_current = current_ids - {u.successor_id for u in merged}
        return [u for u in units if u.is_legacy or u.pk in kept_current]

    def commune(
        self,
        code: str | None,
        name: str | None,
        provinces: set[int] | None = None,
        *,
        on: datetime.date | None = None,
        current_map: bool = False,
    ) -> Unit | str | None:
        """The commune a row names, a message saying why none or several, or None if the row gives none.

        `on`, the date of the row's data when it has one, settles a code or name that both maps use for
        unrelated units: the unit of the map in force that day. `current_map` (data kept on today's map, such
        as the households register) prefers a current commune to a legacy one of the same name or code.
        """
        if not code and not name:
            return None
        if code:
            code = pad_code(code, 5)
            units = self.by_code(code)
            if not units:
                return _("No commune has the code %(code)s.") % {"code": code}
            if name:
                key = name_key(name)
                named = [u for u in units if name_key(u.name) == key]
                if not named:
                    return _("The commune code %(code)s is %(units)s, not “%(name)s”.") % {
                        "code": code,
                        "units": _(" or ").join(sorted({u.name for u in units})),
                        "name": name,
                    }
                units = named
        else:
            units = self.by_name(name)
            if not units:
                return _("No commune is called “%(name)s”.") % {"name": name}
        if provinces is not None:
            inside = [u for u in units if u.province_id in provinces or u.current_province_id in provinces]
            if not inside:
                return _("%(commune)s is not in the province this row gives.") % {
                    "commune": "; ".join(self.describe(u) for u in units[:5])
                }
            units = inside
        if len(units) > 1 and self.allowed is not None:
            mine = [u for u in units if u.pk in self.allowed]
            units = mine or units
        if len(units) > 1 and current_map:
            units = [u for u in units if not u.is_legacy] or units
        units = self._prefer_legacy(units)
        if len(units) > 1 and on is not None:
            in_force = [u for u in units if u.is_legacy == (on < CURRENT_VALID_FROM)]
            units = in_force or units
        if len(units) == 1:
            return units[0]
        return _("“%(name)s” names several communes: %(candidates)s. Give the commune code.") % {
            "name": name or code,
            "candidates": "; ".join(self.describe(u) for u in units[:10]),
        }


class VillageIndex:
    """The villages of the communes a sheet names, loaded a commune at a time; new ones created on write."""

    def __init__(self):
        self.by_commune: dict[int, dict[str, int]] = {}
        self.names: dict[int, str] = {}

    def _load(self, commune_id: int) -> dict[str, int]:
        villages = self.by_commune.get(commune_id)
        if villages is None:
            villages = {}
            for pk, name in Village.objects.filter(commune_id=commune_id).values_list("pk", "name"):
                villages.setdefault(name_key(name, villages=True), pk)
                self.names[pk] = name
            self.by_commune[commune_id] = villages
        return villages

    def find(self, commune_id: int, name: str) -> int | None:
        return self._load(commune_id).get(name_key(name, villages=True))

    def add(self, commune_id: int, name: str, pk: int) -> None:
        self._load(commune_id)[name_key(name, villages=True)] = pk
        self.names[pk] = name
