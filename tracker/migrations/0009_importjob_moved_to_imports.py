"""ImportJob moved to the imports app (imports.0001): tracker forgets the model's state; the table stays."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("tracker", "0008_import_job_stopped"),
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ImportJob")],
            database_operations=[],
        ),
    ]
