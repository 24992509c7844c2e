from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _

from .text import register_sqlite_fold


class KernelConfig(AppConfig):
    """The kernel is an app only for its templates (admin/ntp/...) and the SQLite folding function; it holds
    no model and imports no app."""

    name = "kernel"
    verbose_name = _("Kernel")

    def ready(self):
        connection_created.connect(register_sqlite_fold, dispatch_uid="kernel.text.fold")
