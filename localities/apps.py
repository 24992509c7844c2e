from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kernel.access import register_jurisdiction_models


class LocalitiesConfig(AppConfig):
    name = "localities"
    verbose_name = _("Localities")

    def ready(self):
        # The kernel's access decision reads officials and communes; it names no app, so this app tells it.
        register_jurisdiction_models(official=self.get_model("Official"), commune=self.get_model("Commune"))
