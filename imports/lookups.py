"""Finding what a sheet names: localities, villages, ethnic groups, by code or by name, in memory.

Each index is loaded once per import (a few thousand rows, tens of milliseconds), so that a row costs
dictionary look-ups, not queries.

Localities (communes; provinces as a hint) are found by official code or by name, with or without the
unit's kind ("Xã", "Phường", "Tỉnh", ...), with or without accents, on either map:

- A code alone: the unit with that code. Most current communes kept the code of one of the communes
  merged into them on 1 July 2025, so a code often names both a legacy commune and its current successor;
  the name, when given, tells them apart (and a name that is not the code's is an error). A name that is
  the code's once the unit's kind is dropped ("Quân Hà" for code 02005, Xã Quân Hà) agrees with it.
- A name: the units of that name, whatever the kind written before it ("Xã", "X.", "Phường", "P.",
  "Thị trấn", "TT", "TT.", "Đặc khu") and whatever the accents; then, in this order: the kind written
  counts ("Xã Đầm Hà" is not "Thị trấn Đầm Hà"), the province and the district (a column, or the file's
  title or section) narrow, a name written with its accents exactly (old or new tone placement alike:
  "Thuỷ" is "Thủy") wins over names that only fold to it ("Văn Lang" is not "Văn Lăng"), then the
  importing official's jurisdiction.
- Two maps: when the units left are of both maps, the date of the row's data settles it (before 1 July
  2025 the legacy map, from then on the current one), or its plan year (up to 2024, from 2026), or the kind
  (the households register is on today's map), or an old-commune column ("Xã cũ", which must name a
  legacy commune merged into the commune given). Nothing settling it is an error listing the candidates,
  also for a legacy commune and its successor of the same name and code: never a silent choice.
- Several units left is an error listing them with their district, province and code, so the official can
  add the code (or the district).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext as _

from kernel.text import fold
from localities.choices import GenerationChoices
from localities.models import Commune, CommuneSuccession, District, Province, Village
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
_NAME_WORDS = {"ban", "lang", "xom"}  # a village's kind that is often part of its name ("Bản Chán")
_UNIT_PREFIX = re.compile(r"^(?:" + "|".join(re.escape(w) for w in _UNIT_WORDS if w not in _NAME_WORDS) + r")\s+")
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


_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng


@lru_cache(maxsize=65536)
def spelled_key(text: str | None) -> str:
    """A name as compared with its diacritics: lower case, punctuation as spaces, each word's tone mark taken
    off its vowel and put after the word, so that the old placement and the new are one spelling ("Thuỷ" and
    "Thủy", "Hoà" and "Hòa"), while "Lang" and "Lăng" (a letter, not a tone) stay apart."""
    if not text:
        return ""
    words = []
    for word in unicodedata.normalize("NFD", _punctuation_as_spaces(text.lower())).split():
        tones = "".join(ch for ch in word if ch in _TONE_MARKS)
        base = "".join(ch for ch in word if ch not in _TONE_MARKS)
        words.append(unicodedata.normalize("NFC", base) + tones)
    return " ".join(words)


def _punctuation_as_spaces(text: str) -> str:
    return text.replace(".", " ").replace(",", " ").replace("-", " ").replace("–", " ")


# The kinds of unit written before a name, as typed (lower case), by the unit type they say.
COMMUNE_KINDS = {
    "xa": ("xã", "x"),
    "phuong": ("phường", "p"),
    "thi_tran": ("thị trấn", "tt"),
    "dac_khu": ("đặc khu",),
}
DISTRICT_KINDS = {
    "huyen": ("huyện", "h"),
    "quan": ("quận", "q"),
    "thi_xa": ("thị xã", "tx"),
    "thanh_pho": ("thành phố", "tp"),
}
PROVINCE_KINDS = {"tinh": ("tỉnh", "t"), "thanh_pho": ("thành phố", "tp")}


@dataclass(frozen=True, slots=True)
class TypedName:
    """One way of reading a name as written: the unit type its first words say (None: none), and the rest
    folded (`folded`, accents off) and spelled (`spelled`, accents kept; see `spelled_key`)."""

    unit_type: str | None
    folded: str
    spelled: str


@lru_cache(maxsize=16384)
def typed_names(text: str, kinds: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[TypedName, ...]:
    """The readings of `text` (`kinds`: a `*_KINDS` mapping's items): the whole text as a name, and, when it
    starts with a kind's word, that kind and the rest. The word must be written with its accents ("Quân Hà"
    does not start with "Quận"), or without any (then both readings are kept: "quan ha")."""
    spelled_words = spelled_key(text).split()
    readings = [TypedName(None, fold(" ".join(spelled_words)), " ".join(spelled_words))]
    for unit_type, words in kinds:
        for word in words:
            prefix = spelled_key(word).split()
            n = len(prefix)
            if len(spelled_words) <= n:
                continue
            head = spelled_words[:n]
            plain = all(w == fold(w) for w in head)  # typed without any accents
            if head == prefix or (plain and [fold(w) for w in head] == [fold(w) for w in prefix]):
                rest = " ".join(spelled_words[n:])
                readings.append(TypedName(unit_type, fold(rest), rest))
    return tuple(readings)


def unit_short_name(name: str, unit_type: str, short_name: str, kinds: dict[str, tuple[str, ...]]) -> str:
    """A unit's name without its kind ("Phường 1" → "1"), from its name and type (its recorded short
    name is not always without the kind)."""
    for word in kinds.get(unit_type, ())[:1]:
        if spelled_key(name).startswith(spelled_key(word) + " "):
            return name.split(None, len(word.split()))[-1]
    return short_name or name


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
    unit_type: str = ""
    short: str = ""  # the name without its kind

    @property
    def is_legacy(self) -> bool:
        return self.generation == GenerationChoices.LEGACY

    @property
    def folded(self) -> str:
        return fold(self.short)

    @property
    def spelled(self) -> str:
        return spelled_key(self.short)

    def fits(self, reading: TypedName) -> bool:
        """Whether the unit is named by this reading of a name (its kind aside)."""
        return self.folded == reading.folded


_COUNCIL = re.compile(r"^(?:ubnd|uy ban nhan dan|hdnd)\s+")  # "UBND TỈNH QUẢNG NINH", as a title writes it
_COMMUNE_KINDS = tuple(COMMUNE_KINDS.items())
_DISTRICT_KINDS = tuple(DISTRICT_KINDS.items())
_PROVINCE_KINDS = tuple(PROVINCE_KINDS.items())


class LocalityIndex:
    """Every province and commune of both maps, by code and by name; districts by name."""

    def __init__(self, *, allowed_communes: set[int] | None = None):
        self.allowed = allowed_communes
        self.continued: Unit | None = None  # set by `commune` when it took a legacy commune both maps continue
        self.provinces: dict[int, Unit] = {}
        self.province_by_code: dict[str, list[Unit]] = defaultdict(list)
        self.province_by_name: dict[str, list[Unit]] = defaultdict(list)
        for p in Province.objects.values("pk", "code", "name", "generation", "successor_id"):
            unit = Unit(p["pk"], p["code"], p["name"], p["generation"], None, None, p["successor_id"], None)
            self.provinces[unit.pk] = unit
            self.province_by_code[unit.code].append(unit)
            self.province_by_name[name_key(unit.name)].append(unit)
        self._districts: dict[int, Unit] | None = None
        self._district_by_name: dict[str, list[Unit]] = defaultdict(list)
        self._district_successors: dict[int, set[int]] = {}
        self._successors: dict[int, set[int]] = {}
        self.communes: dict[int, Unit] = {}
        self._by_code: dict[str, list[Unit]] = {}
        self._by_name: dict[str, list[Unit]] | None = None

    # Communes are loaded by code as the rows ask for them (a file names a few communes; loading all
    # 13,000 of both maps costs 0.3 s), and all at once only when a row names one without a code.
    _FIELDS = ("pk", "code", "name", "generation", "province_id", "current_province_id", "successor_id")

    def _units(self, queryset) -> list[Unit]:
        units = []
        for c in queryset.values(*self._FIELDS, "district_id", "unit_type", "short_name"):
            unit = self.communes.get(c["pk"])
            if unit is None:
                short = unit_short_name(c["name"], c["unit_type"], c["short_name"], COMMUNE_KINDS)
                unit = Unit(*(c[f] for f in self._FIELDS), c["district_id"], c["unit_type"], short)
                self.communes[c["pk"]] = unit
            units.append(unit)
        return units

    def by_code(self, code: str) -> list[Unit]:
        units = self._by_code.get(code)
        if units is None:
            units = self._by_code[code] = self._units(Commune.objects.filter(code=code))
        return units

    def by_name(self, name: str) -> list[Unit]:
        """The communes a name may mean, under any reading of it (with or without a kind in front)."""
        if self._by_name is None:
            self._by_name = defaultdict(list)
            for unit in self._units(Commune.objects.all()):
                self._by_name[unit.folded].append(unit)
        found: dict[int, Unit] = {}
        for reading in typed_names(name, _COMMUNE_KINDS):
            for unit in self._by_name.get(reading.folded, ()):
                found.setdefault(unit.pk, unit)
        return list(found.values())

    @property
    def districts(self) -> dict[int, Unit]:
        if self._districts is None:
            self._districts = {}
            for d in District.objects.values("pk", "code", "name", "short_name", "unit_type", "province_id"):
                short = unit_short_name(d["name"], d["unit_type"], d["short_name"], DISTRICT_KINDS)
                unit = Unit(
                    d["pk"],
                    d["code"],
                    d["name"],
                    GenerationChoices.LEGACY,
                    d["province_id"],
                    None,
                    None,
                    None,
                    d["unit_type"],
                    short,
                )
                self._districts[unit.pk] = unit
                self._district_by_name[unit.folded].append(unit)
        return self._districts

    # -- provinces ---------------------------------------------------------------------------------------

    def province(self, code: str | None, name: str | None) -> set[int] | str | None:
        """The ids of the provinces (a current one with the legacy ones merged into it) a row names; a
        message if it names none; None when the row gives no province."""
        if not code and not name:
            return None
        units = list(self.province_by_code.get(pad_code(code, 2), [])) if code else []
        if name:
            key = name_key(name)
            named = self.province_by_name.get(key) or self.province_by_name.get(name_key(_COUNCIL.sub("", key)), [])
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

    # -- districts ---------------------------------------------------------------------------------------

    def district(self, name: str, provinces: set[int] | None = None) -> list[Unit]:
        """The (legacy) districts a name may mean ("Huyện Bạch Thông", "H. Bạch Thông", "Bạch Thông", "TP Hạ
        Long"), in the provinces given; written with its kind, that kind; with its accents, that spelling."""
        self.districts  # noqa: B018 (loads the index)
        readings = typed_names(name, _DISTRICT_KINDS)
        found = {u.pk: u for r in readings for u in self._district_by_name.get(r.folded, ())}
        units = [u for u in found.values() if provinces is None or u.province_id in provinces]
        return _best_readings(units, readings)

    def _in_districts(self, unit: Unit, districts: set[int]) -> bool:
        """Whether a commune lies in these legacy districts: a legacy commune of one, or a current commune
        that a legacy commune of one was merged into."""
        if unit.is_legacy:
            return unit.district_id in districts
        key = frozenset(districts)
        successors = self._district_successors.get(key)
        if successors is None:
            successors = set(
                CommuneSuccession.objects.filter(predecessor__district_id__in=districts).values_list(
                    "successor_id", flat=True
                )
            )
            successors |= set(
                Commune.objects.filter(district_id__in=districts, successor__isnull=False).values_list(
                    "successor_id", flat=True
                )
            )
            self._district_successors[key] = successors
        return unit.pk in successors

    def successors(self, legacy: Unit) -> set[int]:
        """The current communes a legacy commune was merged into (several when it was split)."""
        found = self._successors.get(legacy.pk)
        if found is None:
            found = set(
                CommuneSuccession.objects.filter(predecessor_id=legacy.pk).values_list("successor_id", flat=True)
            )
            if legacy.successor_id:
                found.add(legacy.successor_id)
            self._successors[legacy.pk] = found
        return found

    # -- communes ----------------------------------------------------------------------------------------

    def describe(self, unit: Unit) -> str:
        province = self.provinces.get(unit.province_id)
        district = self.districts.get(unit.district_id) if unit.district_id else None
        parts = [district.name] if district else []
        parts.append(province.name if province else "")
        label = _("%(name)s (%(where)s; code %(code)s)") % {
            "name": unit.name,
            "where": ", ".join(p for p in parts if p),
            "code": unit.code,
        }
        if unit.is_legacy:
            label += " " + _("before 1/7/2025")
        return label

    def commune(
        self,
        code: str | None,
        name: str | None,
        provinces: set[int] | None = None,
        *,
        on: datetime.date | None = None,
        year: int | None = None,
        current_map: bool = False,
        district: str | None = None,
        district_required: bool = True,
        old_code: str | None = None,
        old_name: str | None = None,
    ) -> Unit | str | None:
        """The commune a row names, a message saying why none or several, or None if the row gives none.

        `on`, the date of the row's data, and `year`, its plan year, say which map the row is on when the
        units left are of both (see the module's docstring); `current_map` (data kept on today's map, such
        as the households register) says it for every row. `district` narrows (a district that names none
        is an error unless not `district_required`: a title's or section's, only a hint). `old_code` and
        `old_name` (an old-commune column) name the legacy commune the row's commune was merged from.
        """
        self.continued = None
        if not code and not name:
            if old_code or old_name:
                return _("Give the commune as it is now beside the old one: its code or its name.")
            return None
        readings = typed_names(name, _COMMUNE_KINDS) if name else ()
        if code:
            code = pad_code(code, 5)
            units = self.by_code(code)
            if not units:
                return _("No commune has the code %(code)s.") % {"code": code}
            if name:
                named = [u for u in units if any(u.fits(r) for r in readings)]
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
        if readings:
            of_kind = [u for u in units if any(r.unit_type == u.unit_type and u.fits(r) for r in readings)]
            units = of_kind or units
        if provinces is not None:
            inside = [u for u in units if u.province_id in provinces or u.current_province_id in provinces]
            if not inside:
                return _("%(commune)s is not in the province this row gives.") % {
                    "commune": "; ".join(self.describe(u) for u in units[:5])
                }
            units = inside
        if district:
            districts = self.district(district, provinces)
            if not districts:
                if district_required:
                    return _("No district is called “%(name)s”.") % {"name": district}
            else:
                ids = {d.pk for d in districts}
                inside = [u for u in units if self._in_districts(u, ids)]
                if not inside:
                    return _("%(commune)s is not in %(district)s.") % {
                        "commune": "; ".join(self.describe(u) for u in units[:5]),
                        "district": _(" or ").join(d.name for d in districts),
                    }
                units = inside
        if readings:
            units = _best_readings(units, readings)
        if len(units) > 1 and self.allowed is not None:
            mine = [u for u in units if u.pk in self.allowed]
            units = mine or units
        legacy_map = None
        if current_map or (on is not None and on >= CURRENT_VALID_FROM) or (year is not None and year >= 2026):
            legacy_map = False
        elif (on is not None and on < CURRENT_VALID_FROM) or (year is not None and year <= 2024):
            legacy_map = True
        if old_code or old_name:
            return self._with_old(units, old_code, old_name, provinces, legacy_map)
        if len(units) > 1 and legacy_map is not None:
            units = [u for u in units if u.is_legacy == legacy_map] or units
        if len(units) == 1:
            return units[0]
        continued = self._continued(units)
        if continued is not None:
            self.continued = continued
            return continued
        return self._several(name or code, units)

    def _continued(self, units: list[Unit]) -> Unit | None:
        """A legacy commune that goes on under its own code and name as the current commune others were
        merged into, with nothing in the row to say the map: the legacy one, as before the strict rule (the
        demo's and provinces' files without dates are of the legacy map). The caller says so (`continued` is
        set to it: `common.find_commune` warns once per commune); a commune of the same name elsewhere is still an
        error."""
        if len(units) != 2:
            return None
        legacy, current = sorted(units, key=lambda u: not u.is_legacy)
        if not (legacy.is_legacy and not current.is_legacy and legacy.code == current.code):
            return None
        if legacy.name != current.name or current.pk not in self.successors(legacy):
            return None
        return legacy

    def _several(self, name: str, units: list[Unit]) -> str:
        if len(units) == 2:
            legacy, current = sorted(units, key=lambda u: not u.is_legacy)
            if legacy.is_legacy and not current.is_legacy and current.pk in self.successors(legacy):
                return _(
                    "“%(name)s” is both %(legacy)s and the commune it became part of on 1/7/2025, %(current)s: say "
                    "which map the row is on (the date of its data, its plan year, or the old commune in a “Xã cũ” "
                    "column)."
                ) % {"name": name, "legacy": self.describe(legacy), "current": self.describe(current)}
        return _("“%(name)s” names several communes: %(candidates)s. Give the commune code.") % {
            "name": name,
            "candidates": "; ".join(self.describe(u) for u in units[:10]),
        }

    def _with_old(
        self,
        units: list[Unit],
        old_code: str | None,
        old_name: str | None,
        provinces: set[int] | None,
        legacy_map: bool | None,
    ) -> Unit | str:
        """The row's commune given the old commune it names too: the old one must have been merged into the
        new one. The row is on the old commune (the more precise place) unless it is on today's map."""
        old = self.commune(old_code, old_name, provinces, on=datetime.date(2025, 6, 30))
        if isinstance(old, str):
            # The old commune's own name may still be several communes: those merged into the new one.
            candidates = self.by_code(pad_code(old_code, 5)) if old_code else self.by_name(old_name or "")
            olds = [u for u in candidates if u.is_legacy]
        else:
            olds = [old] if old.is_legacy else []
        if not olds:
            return _("“%(old)s” is not a commune of before 1/7/2025.") % {"old": old_name or old_code}
        pairs = [
            (o, u)
            for o in olds
            for u in units
            if (not u.is_legacy and u.pk in self.successors(o)) or (u.is_legacy and u.pk == o.pk)
        ]
        if not pairs:
            new = [u for u in units if not u.is_legacy] or units
            return _("%(old)s did not become part of %(new)s on 1/7/2025.") % {
                "old": "; ".join(self.describe(o) for o in olds[:5]),
                "new": _(" or ").join(self.describe(u) for u in new[:5]),
            }
        if legacy_map is False:
            chosen = {u.pk: u for _o, u in pairs if not u.is_legacy} or {o.pk: o for o, _u in pairs}
        else:
            chosen = {o.pk: o for o, _u in pairs}
        if len(chosen) == 1:
            return next(iter(chosen.values()))
        return self._several(old_name or old_code or "", list(chosen.values()))


def _best_readings(units: list[Unit], readings: tuple[TypedName, ...]) -> list[Unit]:
    """The units named by a reading with its accents exactly, if any; else all of them."""
    if len(units) < 2:
        return units
    exact = [u for u in units if any(u.spelled == r.spelled for r in readings)]
    return exact or units


_PLACE_SEPARATORS = re.compile(r"\s*(?:[;,+&]|\s[-–—]\s|\s(?:và|va)\s)\s*", re.IGNORECASE)


def split_places(text: str | None) -> list[str]:
    """The places a cell names: "Thôn Bản Chán, Thôm Ưng", "Bản Chán - Thôm Ưng", "Bản Chán và Thôm Ưng" are
    two. A bare number after a numbered place is of the same kind: "Thôn 1, 2, 3" is Thôn 1, Thôn 2, Thôn 3."""
    places: list[str] = []
    for part in _PLACE_SEPARATORS.split(text or ""):
        part = part.strip()
        if not part:
            continue
        if part.isdigit() and places:
            words = places[-1].split()
            if len(words) > 1 and words[-1].isdigit():
                part = " ".join([*words[:-1], part])
        places.append(part)
    return places


def names_several_places(text: str | None) -> bool:
    return len(split_places(text)) > 1


class VillageIndex:
    """The villages of the communes a sheet names, loaded a commune at a time; new ones created on write.

    A current commune's villages include, for finding, those recorded on the legacy communes merged into it
    (`find_merged`): villages remained when communes merged, so "Thôm Ưng" of the new commune is the village
    recorded on the old one, not a new village.
    """

    def __init__(self):
        self.by_commune: dict[int, dict[str, int]] = {}
        self.names: dict[int, str] = {}
        self.commune_of: dict[int, int] = {}
        self._predecessors: dict[int, list[int]] = {}

    def _load(self, commune_id: int) -> dict[str, int]:
        villages = self.by_commune.get(commune_id)
        if villages is None:
            villages = {}
            for pk, name in Village.objects.filter(commune_id=commune_id).values_list("pk", "name"):
                villages.setdefault(name_key(name, villages=True), pk)
                self.names[pk] = name
                self.commune_of[pk] = commune_id
            self.by_commune[commune_id] = villages
        return villages

    def find(self, commune_id: int, name: str) -> int | None:
        return self._load(commune_id).get(name_key(name, villages=True))

    def predecessors(self, commune_id: int) -> list[int]:
        """The legacy communes merged into a current commune (none for a legacy one)."""
        found = self._predecessors.get(commune_id)
        if found is None:
            ids = set(
                CommuneSuccession.objects.filter(successor_id=commune_id).values_list("predecessor_id", flat=True)
            )
            ids |= set(Commune.objects.filter(successor_id=commune_id).values_list("pk", flat=True))
            found = self._predecessors[commune_id] = sorted(ids)
        return found

    def find_merged(self, commune_id: int, name: str) -> list[int]:
        """The villages of this name on the legacy communes merged into `commune_id`."""
        key = name_key(name, villages=True)
        found = []
        for legacy in self.predecessors(commune_id):
            pk = self._load(legacy).get(key)
            if pk is not None:
                found.append(pk)
        return found

    def add(self, commune_id: int, name: str, pk: int) -> None:
        self._load(commune_id)[name_key(name, villages=True)] = pk
        self.names[pk] = name
        self.commune_of[pk] = commune_id
