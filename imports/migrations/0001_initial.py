"""ImportJob moves from tracker to imports: the model's state only. Its table, `tracker_importjob`, with its
rows, index and constraint, stays as it is (tracker.0004 created it, tracker.0008 last changed it).

The job's content type is renamed to this app, so that its permissions (now `imports.view_importjob`, ...),
the groups holding them and the admin's log keep pointing to it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import imports.models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label="imports", model="importjob").exists():
        ContentType.objects.using(db).filter(app_label="tracker", model="importjob").update(app_label="imports")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label="tracker", model="importjob").exists():
        ContentType.objects.using(db).filter(app_label="imports", model="importjob").update(app_label="tracker")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("tracker", "0008_import_job_stopped"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportJob",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(max_length=30, verbose_name="kind")),
                        ("filename", models.CharField(max_length=255, verbose_name="file name")),
                        ("file", models.FileField(max_length=200, upload_to=imports.models.import_file_path, verbose_name="file")),
                        ("skip_duplicates", models.BooleanField(default=False, verbose_name="skip duplicate rows")),
                        ("language", models.CharField(blank=True, help_text="Of the messages.", max_length=10, verbose_name="language")),
                        ("status", models.CharField(choices=[("queued", "waiting to run"), ("checking", "checking"), ("checked", "checked, ready to import"), ("importing", "importing"), ("done", "imported"), ("failed", "stopped on an unexpected error"), ("stopped", "stopped: its process ended"), ("refused", "not imported: errors")], default="queued", max_length=10, verbose_name="status")),
                        ("rows_done", models.PositiveIntegerField(default=0, verbose_name="rows read")),
                        ("rows_total", models.PositiveIntegerField(blank=True, help_text="An estimate until the file has been read.", null=True, verbose_name="rows in the file")),
                        ("result", models.JSONField(blank=True, null=True, verbose_name="result")),
                        ("error", models.TextField(blank=True, verbose_name="error")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="uploaded at")),
                        ("confirmed_at", models.DateTimeField(blank=True, null=True, verbose_name="import confirmed at")),
                        ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="started at")),
                        ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished at")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="import_jobs", to=settings.AUTH_USER_MODEL, verbose_name="uploaded by")),
                    ],
                    options={
                        "verbose_name": "spreadsheet import",
                        "verbose_name_plural": "spreadsheet imports",
                        "db_table": "tracker_importjob",
                        "ordering": ["-created_at", "-pk"],
                        "indexes": [models.Index(fields=["user", "-created_at"], name="tracker_importjob_user_created")],
                        "constraints": [models.CheckConstraint(condition=models.Q(("status__in", ["queued", "checking", "checked", "importing", "done", "failed", "stopped", "refused"])), name="tracker_importjob_status_known")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
