"""Search as officials type it, served by indexes: "bac kan" finds "Bắc Kạn", "0010" the ID numbers that begin
so, on a table of two million rows as on a table of ten.

A search term is split into words; a row matches when every word is found in at least one of the searched
fields (as Django's admin search has it). A field is named as in `search_fields`:

- ``"name"`` or ``"work__name"``: the word anywhere in the field, accents and case aside. On PostgreSQL the
  comparison is ``ntp_search_fold(field) LIKE '%word%'``, which the trigram (pg_trgm) GIN index on that
  expression serves (migrations localities.0010 and tracker.0014); on SQLite the same folding is a Python
  function (kernel/text.py), and nothing needs to be fast.
- A word of one or two letters or digits ("Lê", "An", "Hà", "Ng") is the beginning of a word of the field
  (the field's beginning, or after a space), not any part of one: "le van an" finds "Lê Văn An" and "Lê Văn
  Anh", not "Lê Văn Thanh" (whose "thanh" holds "an"); "ng" finds "Nguyễn" as it is typed. Two letters are
  inside too many names to mean anything as a part of one ("an" is in more than half of the heads' names),
  and no trigram (three letters) can serve them there; at a word's beginning they can: ``LIKE 'an%' OR LIKE
  '% an%'``, on the same index.
- ``"^id_number"``: the field begins with the word, as typed (codes and ID numbers); a b-tree index on the
  column serves it.

A field across a relation is never joined (a join would make PostgreSQL read every row to test the OR of
fields on two tables, and can repeat rows): the related rows that match are found first, on their own
indexes, and the searched rows are those pointing at them. Where the related rows that match are few (at most
`RELATED_IDS_LIMIT`) their keys are read in one query, so that the OR of fields stays within one table's
indexes (a bitmap OR); where they are many, the condition is a subquery instead, which the database runs as
a semi-join when it stands alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connections
from django.db.models import BooleanField, CharField, ExpressionWrapper, F, Func, Model, Q, QuerySet
from django.db.models.lookups import Contains, StartsWith

from .text import fold

# The keys of related rows read to search through a relation (see the module's docstring).
RELATED_IDS_LIMIT = 2_000
# On PostgreSQL, more related keys are still read into the condition, up to this many (reading them takes
# about 15 ms, and a bitmap index scan serves such a list in milliseconds): the words of a name then stay
# each on its indexes ("tran thi lan": 2,294 villages hold one word or another).
# SQLite takes RELATED_IDS_LIMIT (its statements hold a bounded number of parameters).
RELATED_KEYS_POSTGRESQL = 5_000

# A word this short is searched at the beginning of a word of the field (see the module's docstring).
SHORT_WORD = 2

# PostgreSQL's side, installed by migration localities.0010 with the pg_trgm extension. It does not collapse
# white space as `ntp_fold` does (the regular expression that does so was three quarters of its cost): a
# searched word has no white space in it, so whether a field holds one space or two between its words makes
# no difference to what the search finds.
POSTGRES_SEARCH_FOLD_SQL = """
CREATE OR REPLACE FUNCTION ntp_search_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;
"""


class SearchFolded(Func):
    """A field folded for searching: `ntp_search_fold` on PostgreSQL, kernel.text's `fold` on SQLite."""

    function = "ntp_search_fold"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="ntp_fold", **extra_context)


def trigram_index_sql(table: str, column: str) -> str:
    """The PostgreSQL index that serves the search of `column` (see the migrations that create them)."""
    return (
        f'CREATE INDEX IF NOT EXISTS "{table}_{column}_search" ON "{table}" '
        f'USING gin (ntp_search_fold("{column}") gin_trgm_ops)'
    )


def prefix_index_sql(table: str, column: str) -> str:
    """The PostgreSQL index that serves a prefix search of `column` (codes, ID numbers), whatever the
    database's collation."""
    return f'CREATE INDEX IF NOT EXISTS "{table}_{column}_prefix" ON "{table}" ("{column}" varchar_pattern_ops)'


@dataclass(frozen=True)
class _Field:
    path: tuple[str, ...]
    prefix: bool

    @classmethod
    def parse(cls, name: str) -> _Field:
        prefix = name.startswith("^")
        return cls(tuple(name.lstrip("^=@").split("__")), prefix)

    @property
    def rest(self) -> _Field:
        return _Field(self.path[1:], self.prefix)

    @property
    def lookup(self) -> str:
        return "__".join(self.path)


def search_words(term: str) -> list[str]:
    """The words of a search term, folded as the searched fields are."""
    return fold(term).split()


def search(queryset: QuerySet, fields: Sequence[str], term: str) -> QuerySet:
    """`queryset`'s rows in which every word of `term` is found in one of `fields` (see the module)."""
    return queryset.filter(search_condition(queryset.model, fields, term))


def search_condition(model: type[Model], fields: Sequence[str], term: str) -> Q:
    """The condition on `model`'s rows that every word of `term` is found in one of `fields`; nothing (all
    rows) for a term without words."""
    words = search_words(term)
    if not words or not fields:
        return Q()
    return _condition(model, [_Field.parse(f) for f in fields], words, raw=term.split())


def _condition(model: type[Model], fields: list[_Field], words: list[str], *, raw: list[str]) -> Q:
    own = [f for f in fields if len(f.path) == 1]
    related: dict[str, list[_Field]] = defaultdict(list)
    for field in fields:
        if len(field.path) > 1:
            related[field.path[0]].append(field.rest)
    alone = not own and len(related) == 1
    if alone:
        name, rest = next(iter(related.items()))
        relation = model._meta.get_field(name)
        if relation.many_to_one or relation.one_to_one:
            # One related row per row: it holds every word, found on its own indexes at once (the rows of
            # one word and then of the other, each hundreds of thousands, would be intersected after).
            key, target = _related_key(model, name)
            holding = target._default_manager.filter(_condition(target, rest, words, raw=raw))
            return Q(**{key: holding.order_by().values("pk")})
    # Per relation: for each word, the condition on this model's foreign key.
    through = {
        name: _through_relation(model, name, rest, words, raw=raw, alone=alone) for name, rest in related.items()
    }
    typed = [raw[index] if index < len(raw) else word for index, word in enumerate(words)]
    own_branches = [[_own_condition(f, word, typed[index]) for f in own] for index, word in enumerate(words)]
    many = [name for name, per_word in through.items() if any(kind == _SUBQUERY for _branch, kind in per_word)]
    large = [name for name, per_word in through.items() if any(kind == _LARGE for _branch, kind in per_word)]
    if len(many) == 1 and len(words) > 1:
        return _one_relation_of_many(model, own_branches, through, many[0], related[many[0]], words, typed)
    if not many and len(large) == 1 and len(words) > 1:
        # thousands of related rows hold one word or another: the rows of those holding every word, if any
        # do ("truong hoc": 49 works of the 6,911 holding "hoc"), else every word on its own keys
        found = _one_relation_of_many(
            model, own_branches, through, large[0], related[large[0]], words, typed, only_if_held=True
        )
        if found is not None:
            return found
    condition = Q()
    for index in range(len(words)):
        branches = list(own_branches[index])
        subqueried = []
        for per_word in through.values():
            branch, kind = per_word[index]
            (subqueried if kind == _SUBQUERY else branches).append(branch)
        if subqueried and (branches or len(subqueried) > 1):
            # A subquery in an OR would have the database test every row: each branch is found on its own
            # indexes instead, and the rows are those of any branch (a UNION of their keys).
            either = _any_of(branches)
            parts = [model._default_manager.filter(branch).order_by().values("pk") for branch in subqueried]
            if branches:
                parts.insert(0, model._default_manager.filter(either).order_by().values("pk"))
            condition &= Q(pk__in=parts[0].union(*parts[1:]))
        else:
            condition &= _any_of(branches + subqueried)
    return condition


def _one_relation_of_many(model, own_branches, through, name, fields, words, typed, only_if_held=False) -> Q | None:
    """Every word in one of the fields, where one relation (`name`) has many rows holding one word or another
    ("hoc" alone is in thousands of works' names, "truong hoc" in dozens): the rows pointing at a related row
    that holds every word, and the rows holding a word in another field (found on that field's index), kept if
    every word is in one of their fields. Together exactly the rows that match: a row in neither holds no word
    elsewhere, so each word is in its related row. Each part is found on its own indexes (a UNION of keys),
    rather than the rows holding each word of the relation, one word after the other."""
    key, target = _related_key(model, name)
    holding_all = target._default_manager.filter(_condition(target, fields, words, raw=typed))
    keys = list(holding_all.order_by().values_list("pk", flat=True)[: RELATED_IDS_LIMIT + 1])
    if only_if_held and not keys:
        return None
    in_related = Q(**{key: keys}) if len(keys) <= RELATED_IDS_LIMIT else Q(**{key: holding_all.values("pk")})
    rows = model._default_manager
    parts = [rows.filter(in_related).order_by().values("pk")] if keys else []
    elsewhere = [
        own_branches[index] + [per_word[index][0] for other, per_word in through.items() if other != name]
        for index in range(len(words))
    ]
    if any(elsewhere):
        every_word = Q()
        for index, branches in enumerate(elsewhere):
            # this relation's word as a subquery, tested on the few rows found elsewhere (not thousands of keys)
            held = _condition(target, fields, [words[index]], raw=[typed[index]])
            every_word &= _any_of([*branches, Q(**{key: target._default_manager.filter(held).values("pk")})])
        parts.append(rows.filter(_any_of([b for branches in elsewhere for b in branches])).filter(every_word))
        parts[-1] = parts[-1].order_by().values("pk")
    if not parts:
        return Q(pk__in=[])
    return Q(pk__in=parts[0].union(*parts[1:])) if len(parts) > 1 else Q(pk__in=parts[0])


def _any_of(conditions: list[Q]) -> Q:
    either = Q()
    for condition in conditions:
        either |= condition
    return either


def _own_condition(field: _Field, word: str, typed: str) -> Q:
    if field.prefix:
        # codes and ID numbers: as typed (an ID number has no accents; a code's case is kept as written)
        return Q(**{f"{field.lookup}__startswith": typed}) | Q(**{f"{field.lookup}__startswith": typed.upper()})
    folded = SearchFolded(F(field.lookup))
    if len(word) <= SHORT_WORD:
        return Q(StartsWith(folded, word)) | Q(Contains(folded, f" {word}"))
    return Q(Contains(folded, word))


def _related_key(model: type[Model], name: str) -> tuple[str, type[Model]]:
    """The look-up keeping `model`'s rows by the keys of the rows a relation `name` reaches, and their model:
    the foreign key's own column, or the rows of a many-side ("supports__in")."""
    relation = model._meta.get_field(name)
    if relation.many_to_many or relation.one_to_many:
        return f"{name}__in", relation.related_model
    return f"{relation.attname}__in", relation.related_model


# How a word's condition through a relation is given: its keys, thousands of keys, or a subquery.
_KEYS, _LARGE, _SUBQUERY = "keys", "large", "subquery"


def _through_relation(
    model: type[Model], name: str, fields: list[_Field], words: list[str], *, raw: list[str], alone: bool
) -> list[tuple[Q, str]]:
    key, target = _related_key(model, name)
    per_word = [
        _condition(target, fields, [word], raw=[raw[i] if i < len(raw) else word]) for i, word in enumerate(words)
    ]
    # each word's condition on this model, and how it is given (_KEYS, _LARGE, _SUBQUERY)
    if alone:
        return [(Q(**{key: target._default_manager.filter(c).values("pk")}), _KEYS) for c in per_word]
    postgresql = connections[target._default_manager.db].vendor == "postgresql"
    limit = max(RELATED_IDS_LIMIT, RELATED_KEYS_POSTGRESQL) if postgresql else RELATED_IDS_LIMIT
    flags = {f"_w{i}": ExpressionWrapper(c, output_field=BooleanField()) for i, c in enumerate(per_word)}
    found = list(
        target._default_manager.filter(_any_of(per_word))
        .order_by()
        .annotate(**flags)
        .values_list("pk", *flags)[: limit + 1]
    )
    if len(found) > limit:
        return [(Q(**{key: target._default_manager.filter(c).values("pk")}), _SUBQUERY) for c in per_word]
    kind = _LARGE if len(found) > RELATED_IDS_LIMIT else _KEYS
    return [(Q(**{key: [row[0] for row in found if row[i + 1]]}), kind) for i in range(len(words))]
