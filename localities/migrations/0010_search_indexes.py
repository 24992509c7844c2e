"""Search served by indexes on PostgreSQL (kernel/search.py): the `pg_trgm` extension (trusted: the database
owner may create it), the function `ntp_search_fold`, and a trigram index on each searched name of the
administrative units. On SQLite there is nothing to create."""

from django.db import migrations

from kernel.search import POSTGRES_SEARCH_FOLD_SQL, trigram_index_sql

SEARCHED = [
    ("localities_province", "name"),
    ("localities_district", "name"),
    ("localities_commune", "name"),
    ("localities_village", "name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
    schema_editor.execute(POSTGRES_SEARCH_FOLD_SQL)
    for table, column in SEARCHED:
        schema_editor.execute(trigram_index_sql(table, column))
        schema_editor.execute(f'ANALYZE "{table}"')  # the planner's estimates of the indexed expression


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in SEARCHED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_{column}_search"')
    schema_editor.execute("DROP FUNCTION IF EXISTS ntp_search_fold(text)")


class Migration(migrations.Migration):
    dependencies = [("localities", "0009_alter_areaclassification_commune_and_more")]
    operations = [migrations.RunPython(create, drop)]
