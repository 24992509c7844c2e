from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kernel.locks import register_period_locks


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = _("Works and households")

    def ready(self):
        # The admin base (kernel) refuses entries of an approved period by this app's rule; the rule reads
        # period reports, so its module is imported once the models are.
        from . import locks  # noqa: PLC0415  (models are importable only once the registry is ready)

        register_period_locks(locks)
