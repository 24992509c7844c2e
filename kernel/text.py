"""Accent-insensitive matching of Vietnamese text: "bac kan" finds "Bắc Kạn".

`fold()` is the one definition, in Python. The database applies the same folding through the SQL
function `ntp_fold`: on SQLite it is this Python function registered on every connection (by
`kernel.apps`); on PostgreSQL it is a SQL function over the `unaccent` extension (created by the
localities migration). Searching uses it through kernel/search.py, which on PostgreSQL compares with the
cheaper `ntp_search_fold` that its indexes are built on.
"""

import unicodedata


def fold(text: str | None) -> str:
    """Lower-case, strip Vietnamese diacritics (đ → d) and collapse white space."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", str(text))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return " ".join(stripped.lower().split())


def register_sqlite_fold(sender, connection, **kwargs):
    """A `connection_created` receiver: `ntp_fold` on a SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("ntp_fold", 1, fold, deterministic=True)


# PostgreSQL side, installed by migration localities.0002. `unaccent` folds đ to d as well.
POSTGRES_FOLD_SQL = """
CREATE OR REPLACE FUNCTION ntp_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(regexp_replace(public.unaccent('public.unaccent'::regdictionary, $1), '\\s+', ' ', 'g')) $$;
"""
