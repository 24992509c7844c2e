"""An import job: an uploaded spreadsheet, its check (the preview) and its import. Who sees which job is
decided here, beside the model: a job is its uploader's; national administrators see them all."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.access import CHANGE, DELETE, VIEW

from .choices import RUNNING_IMPORT_STATUSES, ImportJobStatusChoices


def sees_every_import(user) -> bool:
    """Superusers and whoever is given "view spreadsheet import" (national administrators: imports/roles.py)
    see every official's imports, to help them; from the permissions already read for the request."""
    return user.is_superuser or user.has_perm("imports.view_importjob")


ALL_JOBS, OWN_JOBS, NO_JOB = "all", "own", "none"


def jobs_reached(user, action: str) -> str:
    """Which jobs a user may take an action on (kernel.access's decision for a job): an official views and
    deletes the imports they uploaded, national administrators all of them; only the uploader confirms
    (changes) a job, the rows being theirs. Adding is the upload, which the import kinds' roles decide
    (`ImportKind.allows`)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_JOB
    if action in (VIEW, DELETE) and sees_every_import(user):
        return ALL_JOBS
    return OWN_JOBS if action in (VIEW, DELETE, CHANGE) else NO_JOB


def job_allows(user, action: str, job) -> bool:
    """`jobs_reached` for one job already read (no query)."""
    reached = jobs_reached(user, action)
    return reached == ALL_JOBS or (reached == OWN_JOBS and job.user_id == user.pk)


class ImportJobQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        """The jobs a user may take an action on, as `jobs_reached` decides."""
        reached = jobs_reached(user, action)
        if reached == ALL_JOBS:
            return self
        return self.filter(user=user) if reached == OWN_JOBS else self.none()

    def running(self):
        return self.filter(status__in=RUNNING_IMPORT_STATUSES)


def import_file_path(job, filename: str) -> str:
    """Where an uploaded file is kept: under MEDIA_ROOT/imports/, which is never served (the files hold
    personal data); a random name, the official's file name being kept in `ImportJob.filename`."""
    suffix = PurePath(filename).suffix.lower()
    suffix = suffix if suffix in (".xlsx", ".xlsm", ".csv", ".txt") else ""
    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class ImportJob(models.Model):
    """A spreadsheet an official uploaded to import: the stored file, its check (the preview) and its import."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs", verbose_name=_("uploaded by")
    )
    kind = models.CharField(_("kind"), max_length=30)
    filename = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), upload_to=import_file_path, max_length=200)
    skip_duplicates = models.BooleanField(_("skip duplicate rows"), default=False)
    language = models.CharField(_("language"), max_length=10, blank=True, help_text=_("Of the messages."))
    status = models.CharField(
        _("status"), max_length=10, choices=ImportJobStatusChoices.choices, default=ImportJobStatusChoices.QUEUED
    )
    rows_done = models.PositiveIntegerField(_("rows read"), default=0)
    rows_total = models.PositiveIntegerField(
        _("rows in the file"), null=True, blank=True, help_text=_("An estimate until the file has been read.")
    )
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("import confirmed at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        # The table, its index and its constraint keep the names they had in tracker, where the model was
        # first (imports.0001 took over the model's state, not its table).
        db_table = "tracker_importjob"
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="tracker_importjob_user_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportJobStatusChoices.values), name="tracker_importjob_status_known"
            ),
        ]

    def __str__(self):
        if self.created_at is None:
            return self.filename
        return f"{self.filename} ({timezone.localtime(self.created_at):%Y-%m-%d %H:%M})"

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_IMPORT_STATUSES
