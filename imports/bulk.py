"""Writing many rows and their history at once: COPY on PostgreSQL, bulk INSERT elsewhere.

Django's `bulk_create` on PostgreSQL builds one INSERT of every row's parameters and reads the new ids back
(about 11,000 rows/s for households, with simple-history's `bulk_create_with_history` doing the same again
for the history rows). The import's goal is twice that with every validation on, so on PostgreSQL the new
rows and their history rows are written with binary COPY, their ids taken from the table's sequence first
(one query per chunk), so that the history rows can point at them. Same rows, same constraints (COPY checks
every constraint and index as INSERT does), same history (one '+' record per new row, one '~' record per
changed row, with the user and the change path "import").
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from kernel.history import ChangePathChoices
from kernel.pgcopy import copy_type

_HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user", "history_path")


def _concrete_fields(model):
    return [f for f in model._meta.concrete_fields]


def _history_fields(model):
    """The historical model's columns that copy the tracked row (the rest are history_* bookkeeping)."""
    history_model = model.history.model
    own = {"history_id", "history_date", "history_change_reason", "history_type", "history_user", "history_path"}
    return [f for f in history_model._meta.concrete_fields if f.name not in own]


def _copy(table: str, fields: Sequence, rows: list[tuple]) -> None:
    columns = ", ".join(f'"{f.column}"' for f in fields)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f'COPY "{table}" ({columns}) FROM STDIN (FORMAT BINARY)') as copy:
            copy.set_types([copy_type(f) for f in fields])
            write_row = copy.write_row
            for row in rows:
                write_row(row)


def _reserve_ids(model, count: int) -> list[int]:
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count])
        return [r[0] for r in cursor.fetchall()]


def _history_rows(model, objs, *, history_type: str, user_id: int | None, when) -> tuple[list, list[tuple]]:
    history_model = model.history.model
    tracked = _history_fields(model)
    opts = history_model._meta
    extra = [opts.get_field(name) for name in _HISTORY_COLUMNS]
    tail = (when, None, history_type, user_id, ChangePathChoices.IMPORT)
    attnames = [f.attname for f in tracked]
    rows = [tuple(getattr(obj, a) for a in attnames) + tail for obj in objs]
    return tracked + extra, rows


def insert_with_history(model, objs: list, *, user=None) -> None:
    """INSERT `objs` (unsaved instances, every field set) and one '+' history record each; sets their pks."""
    if not objs:
        return
    now = timezone.now()
    for f in _concrete_fields(model):
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                setattr(obj, f.attname, now)
    user_id = user.pk if user is not None else None
    history_model = model.history.model
    if connection.vendor == "postgresql":
        ids = _reserve_ids(model, len(objs))
        pk_name = model._meta.pk.attname
        for obj, pk in zip(objs, ids, strict=True):
            setattr(obj, pk_name, pk)
            obj._state.adding = False
        fields = _concrete_fields(model)
        attnames = [f.attname for f in fields]
        _copy(model._meta.db_table, fields, [tuple(getattr(obj, a) for a in attnames) for obj in objs])
        fields, rows = _history_rows(model, objs, history_type="+", user_id=user_id, when=now)
        _copy(history_model._meta.db_table, fields, rows)
        return
    model.objects.bulk_create(objs, batch_size=500)
    _bulk_history(model, objs, history_type="+", user_id=user_id, when=now)


def insert_values_with_history(model, rows: list[dict], *, user=None) -> list[int]:
    """`insert_with_history` for rows given as {attname: value} (every concrete field but the pk and the
    auto_now ones): no model instances built, which is a fifth of the fast path's time. Returns the ids."""
    if not rows:
        return []
    user_id = user.pk if user is not None else None
    if connection.vendor != "postgresql":
        objs = [model(**row) for row in rows]
        insert_with_history(model, objs, user=user)
        return [obj.pk for obj in objs]
    connection.ensure_connection()
    return copy_new_rows(connection.connection, model, rows, user_id=user_id, now=timezone.now())


def copy_new_rows(raw, model, rows: list[dict], *, user_id: int | None, now) -> list[int]:
    """The PostgreSQL path of `insert_values_with_history`, on a raw psycopg connection so that a writer
    thread can run it (Django's connection objects belong to the thread that opened them; psycopg's are
    thread-safe). The caller keeps its own thread off the connection until this returns.

    Ids are reserved from the sequence (one query), the rows go in with binary COPY, and their history
    records are made by the server from the rows it just stored (`INSERT ... SELECT`): the same columns, with
    no second trip of every value through Python.
    """
    fields = _concrete_fields(model)
    pk = model._meta.pk
    table = model._meta.db_table
    stamped = [f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk.column, len(rows)]
        )
        ids = [r[0] for r in cursor.fetchall()]
    # Columns the rows leave out that have a default (a record's version): the default, as INSERT would give.
    defaults = [(f.attname, f.get_default()) for f in fields if f.has_default() and f.attname not in rows[0]]
    for row, new_id in zip(rows, ids, strict=True):
        row[pk.attname] = new_id
        for name in stamped:
            row[name] = now
        for name, value in defaults:
            row[name] = value
    attnames = [f.attname for f in fields]
    names = ", ".join(f'"{f.column}"' for f in fields)
    with raw.cursor() as cursor:
        with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN (FORMAT BINARY)') as copy:
            copy.set_types([copy_type(f) for f in fields])
            write_row = copy.write_row
            for row in rows:
                write_row(tuple([row.get(a) for a in attnames]))
        history_model = model.history.model
        tracked = ", ".join(f'"{f.column}"' for f in _history_fields(model))
        bookkeeping = ", ".join(f'"{history_model._meta.get_field(n).column}"' for n in _HISTORY_COLUMNS)
        cursor.execute(
            f'INSERT INTO "{history_model._meta.db_table}" ({tracked}, {bookkeeping}) '
            f'SELECT {tracked}, %s, NULL, %s, %s, %s FROM "{table}" WHERE "{pk.column}" = ANY(%s)',
            [now, "+", user_id, ChangePathChoices.IMPORT, ids],
        )
    return ids


def update_with_history(model, objs: list, fields: Sequence[str], *, user=None) -> None:
    """UPDATE `fields` of `objs` (saved instances carrying the new values) and one '~' record each."""
    if not objs:
        return
    now = timezone.now()
    fields = list(fields)
    for f in _concrete_fields(model):
        if getattr(f, "auto_now", False):
            for obj in objs:
                setattr(obj, f.attname, now)
            if f.name not in fields:
                fields.append(f.name)
    if any(f.name == "version" for f in _concrete_fields(model)):
        # A changed record has a new version: an official's form opened on the old one is then refused.
        for obj in objs:
            obj.version = (obj.version or 0) + 1
        if "version" not in fields:
            fields.append("version")
    model.objects.bulk_update(objs, fields, batch_size=500)
    user_id = user.pk if user is not None else None
    if connection.vendor == "postgresql":
        columns, rows = _history_rows(model, objs, history_type="~", user_id=user_id, when=now)
        _copy(model.history.model._meta.db_table, columns, rows)
        return
    _bulk_history(model, objs, history_type="~", user_id=user_id, when=now)


def _bulk_history(model, objs, *, history_type: str, user_id: int | None, when) -> None:
    history_model = model.history.model
    attnames = [f.attname for f in _history_fields(model)]
    history_model.objects.bulk_create(
        [
            history_model(
                **{a: getattr(obj, a) for a in attnames},
                history_date=when,
                history_type=history_type,
                history_user_id=user_id,
                history_path=ChangePathChoices.IMPORT,
            )
            for obj in objs
        ],
        batch_size=500,
    )
