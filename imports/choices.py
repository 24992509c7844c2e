from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJobStatusChoices(models.TextChoices):
    QUEUED = "queued", _("waiting to run")
    CHECKING = "checking", _("checking")
    CHECKED = "checked", _("checked, ready to import")
    IMPORTING = "importing", _("importing")
    DONE = "done", _("imported")
    FAILED = "failed", _("stopped on an unexpected error")
    STOPPED = "stopped", _("stopped: its process ended")
    REFUSED = "refused", _("not imported: errors")


RUNNING_IMPORT_STATUSES = (
    ImportJobStatusChoices.QUEUED,
    ImportJobStatusChoices.CHECKING,
    ImportJobStatusChoices.IMPORTING,
)
