"""Search served by indexes on PostgreSQL (kernel/search.py): a trigram index on each searched text of works,
disbursements and households, and a prefix index on the ID number (searched by its beginning, by the roles
that may see it). The planner is given the statistics of the indexed expressions at once (ANALYZE): without
them it guesses a handful of rows for a common name and sorts a hundred thousand."""

from django.db import migrations

from kernel.search import prefix_index_sql, trigram_index_sql

SEARCHED = [
    ("tracker_work", "code"),
    ("tracker_work", "name"),
    ("tracker_work", "investor"),
    ("tracker_disbursement", "voucher_number"),
    ("tracker_household", "code"),
    ("tracker_household", "head_name"),
]
PREFIX = [("tracker_household", "id_number")]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in SEARCHED:
        schema_editor.execute(trigram_index_sql(table, column))
    for table, column in PREFIX:
        schema_editor.execute(prefix_index_sql(table, column))
    for table in sorted({table for table, _column in SEARCHED + PREFIX}):
        schema_editor.execute(f'ANALYZE "{table}"')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in SEARCHED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_{column}_search"')
    for table, column in PREFIX:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_{column}_prefix"')


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0013_alter_deprivationindicator_name_and_more"),
        ("localities", "0010_search_indexes"),
    ]
    operations = [migrations.RunPython(create, drop)]
