from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API's HTTP-wide parts: tokens, authentication, throttling, errors, pagination, the schema.

    It imports only the kernel; each domain app keeps its own endpoints in its `api/` package, which
    `api/urls.py` routes to by name."""

    name = "api"
    verbose_name = _("API")

    def ready(self):
        from .schema import annotate_filters  # noqa: PLC0415 - the kernel's filters, once loaded

        annotate_filters()
