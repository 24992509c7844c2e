"""The database function `ntp_fold` used for accent-insensitive search (see kernel/text.py).

On SQLite the function is registered from Python on every connection; on PostgreSQL it is a SQL function
over the `unaccent` extension (a trusted extension: the database owner may create it).
"""

from django.db import migrations

from kernel.text import POSTGRES_FOLD_SQL


def create_fold(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public")
        schema_editor.execute(POSTGRES_FOLD_SQL)


def drop_fold(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS ntp_fold(text)")


class Migration(migrations.Migration):
    dependencies = [("localities", "0002_initial")]
    operations = [migrations.RunPython(create_fold, drop_fold)]
