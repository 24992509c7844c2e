"""Wide capital forms: one row per work (or place) and an amount column for each kind of capital.

A province's or district's capital report does not write one row per ledger entry; it writes one row per
work, and the capital of the row across the columns of its header::

    Tên công trình | Kế hoạch vốn năm 2022                | Vốn năm trước chuyển sang
                   | Tổng số | NSTW          | NSĐP     |
                   |         | ĐTPT   | SN   |          |
    Đường Bản Chán | 800     | 500    | 200  | 100      | 50

Each header is read for what it says about its capital (`CapitalColumns.column`): a source ("NSTW",
"Ngân sách tỉnh", "NSĐP"), a capital type ("Vốn ĐTPT", "Vốn SN"), a plan year ("năm 2022"), capital of
earlier years extended ("Năm trước chuyển sang", "Vốn kéo dài"), a total ("Tổng số"); words that only say
"capital" ("Kế hoạch vốn", "Vốn được giao", "Trong đó", "Nguồn vốn") are allowed around them, and a header
with any other word ("Giải ngân", "Tổng mức đầu tư", "Tỷ lệ") is not a capital column. Each column found
becomes a `CapitalAmountColumn` of its own.

Columns nest by what they say: a column refines another when it says everything the other says and more
("NSTW / ĐTPT" refines "NSTW" and the grand "Tổng số"). The most specific columns (`WideForm.parts`) are the
entries: a row gives one ledger entry per such column with an amount (its source, type and year are the
column's, or the row's "Nguồn vốn", "Loại vốn", "Năm" where the header does not say them, or the title's
year). Every other column is a total, checked against the parts under it: a total that disagrees with its
parts is an error naming both. Capital of earlier years extended is counted in the totals and not imported:
it is the capital of an earlier year, allocated in that year, and its extension is an entry of its own
("Kéo dài"); the preview says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kernel.text import fold
from sheets import AmountColumn, Unit, WideColumns
from sheets.columns import split_unit
from sheets.layout import amount_text

ATTRIBUTES = ("source", "capital_type", "year", "carried")


@dataclass(frozen=True, eq=False)
class CapitalAmountColumn(AmountColumn):
    """An amount column of a wide capital form, with what its header says about its capital."""

    _: KW_ONLY
    source: str = ""
    capital_type: str = ""
    year: int | None = None
    carried: bool = False  # capital of earlier years extended ("năm trước chuyển sang")
    total: bool = False  # its header says "Tổng số"

    def says(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ATTRIBUTES if getattr(self, name)}

    def refines(self, other: CapitalAmountColumn) -> bool:
        """Whether this column is a part of `other`: it says everything `other` says, and more."""
        mine, theirs = self.says(), other.says()
        return len(mine) > len(theirs) and all(mine.get(name) == value for name, value in theirs.items())


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


# Words that say "capital" and nothing more: allowed around what a header says.
_CAPITAL_WORDS = (
    "ke hoach von",
    "ke hoach",
    "kh von",
    "khv",
    "kh",
    "von giao",
    "von duoc giao",
    "duoc giao",
    "da giao",
    "giao",
    "phan bo",
    "da phan bo",
    "duoc phan bo",
    "so von",
    "von",
    "kinh phi",
    "du toan",
    "nguon von",
    "nguon",
    "ngan sach",
    "ns",
    "loai von",
    "tinh chat von",
    "trong do",
    "bao gom",
    "gom",
    "so tien",
    "tien",
    "nam nay",
    "trong nam",
    "nam ke hoach",
    "allocated",
    "allocation",
    "plan",
    "capital",
    "of which",
    "amount",
    "budget",
    "nam",
    "year",
)
_TOTAL_WORDS = (
    "tong so",
    "tong cong",
    "tong von",
    "tong so von",
    "tong kinh phi",
    "tong nguon von",
    "tong",
    "cong",
    "total",
)
_CARRIED_WORDS = (
    "nam truoc chuyen sang",
    "cac nam truoc chuyen sang",
    "nam truoc keo dai sang",
    "cac nam truoc keo dai sang",
    "nam truoc chuyen sang keo dai",
    "von cac nam truoc",
    "cac nam truoc",
    "nam truoc",
    "keo dai",
    "duoc keo dai",
    "von keo dai",
    "chuyen sang",
    "chuyen nguon",
    "von chuyen nguon",
    "carried over",
    "extended",
)
_EXTRA_SOURCES = {"province": ("Địa phương", "Tỉnh"), "central": ("TW", "Central")}
_TARGET_YEAR = re.compile(r"\bsang(?: nam)? (20\d\d)\b")
_YEAR = re.compile(r"\b(?:nam )?(20\d\d)\b")


class CapitalColumns(WideColumns):
    """The amount columns of a wide capital form, read from their headers (see the module's docstring)."""

    overrides = frozenset({"amount"})
    replaces = frozenset({"amount", "source", "capital_type", "year"})

    def __init__(self, sources: Mapping[str, Iterable[str]], types: Mapping[str, Iterable[str]], choices: Sequence):
        source_choices, type_choices = choices
        phrases: dict[str, tuple[str, Any]] = {}

        def add(words: Iterable[str], attribute: str, value: Any) -> None:
            for word in words:
                key = _norm(str(word))
                if key:
                    phrases.setdefault(key, (attribute, value))

        for choice_set, words_of, extra, attribute in (
            (source_choices, sources, _EXTRA_SOURCES, "source"),
            (type_choices, types, {}, "capital_type"),
        ):
            for value, label in choice_set.choices:
                labels = []
                for language in ("vi", "en"):
                    with translation.override(language):
                        labels.append(str(label))
                add([*words_of.get(value, ()), *labels, *extra.get(value, ())], attribute, value)
        add(_CARRIED_WORDS, "carried", True)
        add(_TOTAL_WORDS, "total", True)
        add(_CAPITAL_WORDS, "capital", True)
        self.source_choices, self.type_choices = source_choices, type_choices
        self.phrases = phrases
        alternatives = "|".join(re.escape(key) for key in sorted(phrases, key=len, reverse=True))
        self._phrase = re.compile(rf"\b(?:{alternatives})\b")

    # -- reading a header ------------------------------------------------------------------------------------

    def part(self, text: str) -> tuple[dict[str, Any], str | None] | None:
        """What one header cell says ({"source": ..., "year": 2022, "total": True, ...}) and the unit it writes;
        None if it says anything else."""
        base, unit = split_unit(text)
        if unit is not None and Unit.from_text(unit) is None:
            base, unit = text, None  # "NSĐP (ĐTPT)": what it says, not a unit
        if Unit.from_text(text.strip().strip("()[]").strip()) is not None:
            return {}, text.strip().strip("()[]").strip()
        norm = _norm(base)
        said: dict[str, Any] = {}
        norm = _TARGET_YEAR.sub(" ", norm)  # "kéo dài sang năm 2022": the year it goes to, not the plan year
        years = {int(y) for y in _YEAR.findall(norm)}
        norm = _YEAR.sub(" ", norm)
        for match in self._phrase.finditer(norm):
            attribute, value = self.phrases[match.group(0)]
            if attribute in said and said[attribute] != value:
                return None  # "NSTW và NSĐP": two sources in one column
            said[attribute] = value
        rest = self._phrase.sub(" ", norm).split()
        if rest:
            return None
        if len(years) > 1:
            if not said.get("carried"):
                return None  # a period ("giai đoạn 2021-2025"): a medium-term plan, not a year's capital
            years = {min(years)}
        if years:
            said["year"] = years.pop()
        return said, unit

    def column(self, parts: Sequence[str]) -> tuple[CapitalAmountColumn, str | None] | None:
        said: dict[str, Any] = {}
        unit = None
        for text in parts:
            if not text or not text.strip():
                continue
            read = self.part(text)
            if read is None:
                return None
            found, written = read
            unit = written or unit
            for attribute, value in found.items():
                if attribute in ("source", "capital_type", "year") and said.get(attribute, value) != value:
                    return None
                said[attribute] = value
        if not any(said.get(name) for name in ("source", "capital_type", "year", "carried", "total", "capital")):
            return None
        column = CapitalAmountColumn(
            key="capital:"
            + ":".join(str(said.get(name) or "-") for name in ("source", "capital_type", "year"))
            + (":carried" if said.get("carried") else ""),
            header="",
            allow_negative=True,
            source=said.get("source", ""),
            capital_type=said.get("capital_type", ""),
            year=said.get("year"),
            carried=bool(said.get("carried")),
            total=bool(said.get("total")),
        )
        object.__setattr__(column, "header", self.label(column))
        return column, unit

    def leaf(self, column) -> bool:
        return bool(column.source or column.capital_type or column.carried)

    def label(self, column: CapitalAmountColumn) -> str:
        """What the column holds, in the reader's language: "Amount: Central budget, Development investment,
        2022"."""
        said = []
        if column.carried:
            said.append(_("capital of earlier years extended"))
        if column.source:
            said.append(str(dict(self.source_choices.choices)[column.source]))
        if column.capital_type:
            said.append(str(dict(self.type_choices.choices)[column.capital_type]))
        if column.year:
            said.append(_("year %(year)d") % {"year": column.year})
        if not (column.source or column.capital_type or column.carried):
            said.insert(0, _("total"))
        return _("Capital: %(what)s") % {"what": ", ".join(said)}


# -- the form of one file ------------------------------------------------------------------------------------


class WideForm:
    """The wide capital columns one file has: which are entries, which are totals of which."""

    def __init__(self, bound: Sequence[Any]):
        self.bound = sorted(bound, key=lambda b: b.index)
        columns = [b.column for b in self.bound]
        self.parts = [b for b in self.bound if not any(other.refines(b.column) for other in columns)]
        self.entries = [b for b in self.parts if not b.column.carried]
        self.carried = [b for b in self.parts if b.column.carried]
        self.totals = [
            (b, [p for p in self.parts if p.column.refines(b.column)]) for b in self.bound if b not in self.parts
        ]

    def check(self, row) -> bool:
        """Each total of the row against its parts; an error on the row for each that disagrees."""
        ok = True
        for total, parts in self.totals:
            given = row.values.get(total.key)
            if given is None:
                continue
            found = [row.values.get(p.key) for p in parts]
            added = sum(v for v in found if v is not None)
            if added == given:
                continue
            ok = False
            unit = total.unit
            if all(v is None for v in found):
                message = _(
                    "Column %(total)s gives %(amount)s, but the columns under it (%(parts)s) are blank: write the "
                    "capital in the column of its source and type."
                )
            else:
                message = _(
                    "Column %(total)s gives %(amount)s, but the columns under it (%(parts)s) add up to %(sum)s: "
                    "correct the total or its parts."
                )
            row.add_error(
                message
                % {
                    "total": f"{total.letter} “{total.header}”",
                    "amount": amount_text(given, unit),
                    "parts": ", ".join(f"{p.letter} “{p.header}”" for p in parts),
                    "sum": amount_text(added, unit),
                },
                column=total.key,
            )
        return ok

    def describe(self) -> list[str]:
        """The preview's sentences on how the capital columns were read."""
        notes = [
            _("The capital is read by column: %(columns)s; each row gives one capital entry per column with an amount.")
            % {"columns": "; ".join(f"{b.letter} “{b.header}” → {b.column.header}" for b in self.entries)}
        ]
        for total, parts in self.totals:
            notes.append(
                _("Column %(total)s is a total, checked on every row against %(parts)s.")
                % {"total": f"{total.letter} “{total.header}”", "parts": ", ".join(p.letter for p in parts)}
            )
        if self.carried:
            notes.append(
                ngettext(
                    "Column %(columns)s holds capital of earlier years extended: counted in the totals, not imported "
                    "(that capital is allocated in its own year; its extension is a “Kéo dài” entry).",
                    "Columns %(columns)s hold capital of earlier years extended: counted in the totals, not imported "
                    "(that capital is allocated in its own year; its extension is a “Kéo dài” entry).",
                    len(self.carried),
                )
                % {"columns": ", ".join(f"{b.letter} “{b.header}”" for b in self.carried)}
            )
        return notes
