"""Accent-insensitive matching of Vietnamese text: "bac kan" finds "Bắc Kạn".

`fold()` is the one definition, in Python. The database applies the same folding through the SQL
function `ntp_fold`: on SQLite it is this Python function registered on every connection; on PostgreSQL
it is a SQL function over the `unaccent` extension (created by the localities migration). The SQLite
function is registered on every new connection by `kernel.apps`.
"""

import unicodedata

from django.db.models import CharField, Func, Q


def fold(text: str | None) -> str:
    """Lower-case, strip Vietnamese diacritics (đ → d) and collapse white space."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", str(text))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return " ".join(stripped.lower().split())


class Folded(Func):
    """The database-side `fold()` of an expression."""

    function = "ntp_fold"
    output_field = CharField()


def register_sqlite_fold(sender, connection, **kwargs):
    """A `connection_created` receiver: `ntp_fold` on a SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("ntp_fold", 1, fold, deterministic=True)


def folded_search_q(queryset, fields: list[str], term: str):
    """Annotate `queryset` with folded copies of `fields` and return it with the Q that matches every word.

    Each word of the term must appear in at least one of the fields, as Django's admin search does.
    """
    annotations = {f"_folded_{i}": Folded(field) for i, field in enumerate(fields)}
    queryset = queryset.annotate(**annotations)
    condition = Q()
    for word in fold(term).split():
        word_q = Q()
        for alias in annotations:
            word_q |= Q(**{f"{alias}__contains": word})
        condition &= word_q
    return queryset, condition


# PostgreSQL side, installed by migration localities.0002. `unaccent` folds đ to d as well.
POSTGRES_FOLD_SQL = """
CREATE OR REPLACE FUNCTION ntp_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(regexp_replace(public.unaccent('public.unaccent'::regdictionary, $1), '\\s+', ' ', 'g')) $$;
"""
