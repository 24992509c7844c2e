"""The capital summary (`CapitalSummary`): the ledgers added up per work, plan year, capital type and source,
kept by the database.

Triggers on `tracker_allocation` and `tracker_disbursement` add every inserted entry to its line and take
every deleted one away (an update is both), so whatever writes the ledgers (a service, the import's COPY,
the generator, a fixture, a hand-run SQL statement) leaves the summary exact without remembering to. On
PostgreSQL they run once per statement over its transition table (a 100,000-row COPY costs one grouped
upsert); on SQLite once per row. Concurrent writers meet in `INSERT ... ON CONFLICT DO UPDATE`, whose
increments are atomic per line, so no update is lost.

A migration that alters one of these tables (or the works table) must drop the triggers first and install them
again after (`uninstall` / `install`, as migration 0011 does): SQLite rebuilds a table to alter it and refuses
while triggers name it, and a rebuilt table would lose its triggers. The tests that write entries and read
the summary fail if a trigger is missing.

`rebuild()` recomputes the whole table from the ledgers and `differences()` lists the lines where the two
disagree (`manage.py capital_summary --check`); the tests compare the status figures with independent sums.
"""

from __future__ import annotations

from django.db import connection, transaction

from programs.querysets import CAPITAL_CHANGING_KINDS

SUMMARY = "tracker_capitalsummary"
KEY = "work_id, year, capital_type, source, month"
COLUMNS = f"{KEY}, commune_id, allocated, disbursed, allocation_entries, disbursement_entries"
_CHANGING = ", ".join(f"'{kind}'" for kind in CAPITAL_CHANGING_KINDS)

# Per ledger: its table, the date that places an entry in a month, and, for one entry `e`, the four figures
# it adds to its line.
LEDGERS = {
    "allocation": (
        "tracker_allocation",
        "decided_on",
        f"CASE WHEN {{e}}.kind IN ({_CHANGING}) THEN {{e}}.amount ELSE 0 END",
        "0",
        "1",
        "0",
    ),
    "disbursement": ("tracker_disbursement", "paid_on", "0", "{e}.amount", "0", "1"),
}

_UPSERT_TAIL = (
    f"ON CONFLICT ({KEY}) DO UPDATE SET "
    "allocated = {s}.allocated + excluded.allocated, disbursed = {s}.disbursed + excluded.disbursed, "
    "allocation_entries = {s}.allocation_entries + excluded.allocation_entries, "
    "disbursement_entries = {s}.disbursement_entries + excluded.disbursement_entries"
)


def _figures(ledger: str, alias: str) -> list[str]:
    return [part.format(e=alias) for part in LEDGERS[ledger][2:]]


def _month(vendor: str, ledger: str, alias: str) -> str:
    column = f"{alias}.{LEDGERS[ledger][1]}"
    if vendor == "postgresql":
        return f"date_trunc('month', {column})::date"
    return f"date({column}, 'start of month')"


def _key_match(left: str, right: str) -> str:
    return " AND ".join(f"{left}.{column} = {right}.{column}" for column in KEY.split(", "))


def _take_away(vendor: str, ledger: str, alias: str, source: str = "") -> str:
    """The statement taking deleted entries (`alias`, from `source` on PostgreSQL) off their lines. An UPDATE,
    never an insert: a deleted entry's line exists (unless the whole summary was emptied first, as a test
    database's flush may do, when there is nothing to take away)."""
    allocated, disbursed, allocations, disbursements = _figures(ledger, "e" if vendor == "postgresql" else alias)
    sets = ", ".join(
        f"{column} = {{s}}.{column} - {{c}}.{column}"
        for column in ("allocated", "disbursed", "allocation_entries", "disbursement_entries")
    )
    if vendor == "postgresql":
        return (
            f"UPDATE {SUMMARY} AS s SET {sets.format(s='s', c='c')} "
            f"FROM (SELECT e.work_id, e.year, e.capital_type, e.source, {_month(vendor, ledger, 'e')} AS month, "
            f"SUM({allocated}) AS allocated, SUM({disbursed}) AS disbursed, SUM({allocations}) AS allocation_entries, "
            f"SUM({disbursements}) AS disbursement_entries FROM {source} e "
            f"GROUP BY 1, 2, 3, 4, 5) c WHERE {_key_match('s', 'c')}"
        )
    figures = {
        "allocated": allocated,
        "disbursed": disbursed,
        "allocation_entries": allocations,
        "disbursement_entries": disbursements,
    }
    sets = ", ".join(f"{column} = {column} - ({figure})" for column, figure in figures.items())
    where = (
        f"work_id = {alias}.work_id AND year = {alias}.year AND capital_type = {alias}.capital_type "
        f"AND source = {alias}.source AND month = {_month(vendor, ledger, alias)}"
    )
    return f"UPDATE {SUMMARY} SET {sets} WHERE {where};"


def _postgresql_statements() -> list[str]:
    statements = []
    for ledger, (table, *_parts) in LEDGERS.items():
        allocated, disbursed, allocations, disbursements = _figures(ledger, "e")
        add = f"""INSERT INTO {SUMMARY} AS s ({COLUMNS})
    SELECT {KEY}, MIN(commune_id), SUM(allocated), SUM(disbursed), SUM(allocation_entries),
        SUM(disbursement_entries)
    FROM (SELECT e.work_id, e.year, e.capital_type, e.source, {_month("postgresql", ledger, "e")} AS month,
        w.commune_id, {allocated} AS allocated, {disbursed} AS disbursed, {allocations} AS allocation_entries,
        {disbursements} AS disbursement_entries FROM new_rows e JOIN tracker_work w ON w.id = e.work_id) changed
    GROUP BY {KEY} ORDER BY {KEY}
    {_UPSERT_TAIL.format(s="s")};"""
        take_away = _take_away("postgresql", ledger, "e", "old_rows") + ";"
        changes = {
            "insert": ("REFERENCING NEW TABLE AS new_rows", add),
            "delete": ("REFERENCING OLD TABLE AS old_rows", take_away),
            "update": ("REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", f"{take_away}\n    {add}"),
        }
        for event, (referencing, body) in changes.items():
            name = f"tracker_capsum_{ledger}_{event}"
            statements.append(
                f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {body}
    RETURN NULL;
END $$"""
            )
            statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )
    statements.append(
        f"""CREATE OR REPLACE FUNCTION tracker_capsum_work_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {SUMMARY} SET commune_id = NEW.commune_id WHERE work_id = NEW.id;
    RETURN NULL;
END $$"""
    )
    statements.append("DROP TRIGGER IF EXISTS tracker_capsum_work_moved ON tracker_work")
    statements.append(
        "CREATE TRIGGER tracker_capsum_work_moved AFTER UPDATE OF commune_id ON tracker_work FOR EACH ROW "
        "WHEN (OLD.commune_id IS DISTINCT FROM NEW.commune_id) EXECUTE FUNCTION tracker_capsum_work_moved()"
    )
    return statements


def _sqlite_statements() -> list[str]:
    statements = []
    for ledger, (table, *_parts) in LEDGERS.items():

        def row(alias: str, ledger: str = ledger) -> str:
            figures = ", ".join(f"({figure})" for figure in _figures(ledger, alias))
            return (
                f"INSERT INTO {SUMMARY} ({COLUMNS}) VALUES ({alias}.work_id, {alias}.year, {alias}.capital_type, "
                f"{alias}.source, {_month('sqlite', ledger, alias)}, "
                f"(SELECT commune_id FROM tracker_work WHERE id = {alias}.work_id), {figures}) "
                f"{_UPSERT_TAIL.format(s=SUMMARY)};"
            )

        take_away = _take_away("sqlite", ledger, "old")
        bodies = {"insert": row("new"), "delete": take_away, "update": take_away + row("new")}
        for event, body in bodies.items():
            name = f"tracker_capsum_{ledger}_{event}"
            statements.append(f"DROP TRIGGER IF EXISTS {name}")
            statements.append(f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} FOR EACH ROW BEGIN {body} END")
    statements.append("DROP TRIGGER IF EXISTS tracker_capsum_work_moved")
    statements.append(
        "CREATE TRIGGER tracker_capsum_work_moved AFTER UPDATE OF commune_id ON tracker_work FOR EACH ROW "
        f"WHEN OLD.commune_id IS NOT NEW.commune_id BEGIN "
        f"UPDATE {SUMMARY} SET commune_id = NEW.commune_id WHERE work_id = NEW.id; END"
    )
    return statements


def install(schema_editor=None) -> None:
    """Create (or replace) the triggers, then fill the summary from the ledgers, in one transaction."""
    conn = schema_editor.connection if schema_editor is not None else connection
    statements = _postgresql_statements() if conn.vendor == "postgresql" else _sqlite_statements()
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        rebuild(conn)


def uninstall(schema_editor) -> None:
    conn = schema_editor.connection
    with conn.cursor() as cursor:
        triggers = [
            (f"tracker_capsum_{ledger}_{event}", table)
            for ledger, (table, *_parts) in LEDGERS.items()
            for event in ("insert", "delete", "update")
        ]
        for name, table in [*triggers, ("tracker_capsum_work_moved", "tracker_work")]:
            if conn.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def _ledger_sums(vendor: str) -> str:
    """The lines as the ledgers add them up (the summary's definition)."""
    parts = []
    for ledger, (table, *_parts) in LEDGERS.items():
        allocated, disbursed, allocations, disbursements = _figures(ledger, "e")
        parts.append(
            f"SELECT e.work_id, e.year, e.capital_type, e.source, {_month(vendor, ledger, 'e')} AS month, "
            f"w.commune_id, {allocated} AS allocated, {disbursed} AS disbursed, "
            f"{allocations} AS allocation_entries, {disbursements} AS disbursement_entries "
            f"FROM {table} e JOIN tracker_work w ON w.id = e.work_id"
        )
    return (
        f"SELECT {KEY}, MIN(commune_id) AS commune_id, SUM(allocated) AS allocated, SUM(disbursed) AS disbursed, "
        f"SUM(allocation_entries) AS allocation_entries, SUM(disbursement_entries) AS disbursement_entries "
        f"FROM ({' UNION ALL '.join(parts)}) entries GROUP BY {KEY}"
    )


def rebuild(conn=None) -> int:
    """Recompute every line from the ledgers (inside one transaction); the number of lines."""
    conn = conn or connection
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("LOCK TABLE tracker_allocation, tracker_disbursement IN SHARE MODE")
        cursor.execute(f"DELETE FROM {SUMMARY}")
        cursor.execute(f"INSERT INTO {SUMMARY} ({COLUMNS}) {_ledger_sums(conn.vendor)}")
        return cursor.rowcount


def differences(limit: int = 20) -> list[dict]:
    """Lines where the summary and the ledgers disagree (at most `limit`): empty when it is exact. (FULL
    OUTER JOIN: PostgreSQL, and SQLite from 3.39.)"""
    figures = ("commune_id", "allocated", "disbursed", "allocation_entries", "disbursement_entries")
    key = KEY.split(", ")
    mismatch = " OR ".join(f"COALESCE(s.{f}, 0) <> COALESCE(l.{f}, 0)" for f in figures[1:])
    mismatch += " OR (l.work_id IS NOT NULL AND s.commune_id IS DISTINCT FROM l.commune_id)"
    join = " AND ".join(f"s.{column} = l.{column}" for column in key)
    # A line whose entries were all deleted stays at zero: it is not a difference.
    sql = f"""
        SELECT {", ".join(f"COALESCE(s.{c}, l.{c})" for c in key)},
               {", ".join(f"s.{f}, l.{f}" for f in figures)}
        FROM {SUMMARY} s FULL OUTER JOIN ({_ledger_sums(connection.vendor)}) l ON {join}
        WHERE {mismatch}
        LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit])
        rows = cursor.fetchall()
    result = []
    for row in rows:
        line = dict(zip(key, row[: len(key)], strict=True))
        for i, figure in enumerate(figures):
            line[figure] = {"summary": row[len(key) + 2 * i], "ledgers": row[len(key) + 1 + 2 * i]}
        result.append(line)
    return result
