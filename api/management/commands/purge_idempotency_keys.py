"""Delete the API's stored answers to Idempotency-Key requests older than 24 hours (each official's expired
ones are also deleted when the official sends a new key): run it daily, e.g. from cron."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from api.idempotency import purge_expired


class Command(BaseCommand):
    help = "Delete the stored answers to Idempotency-Key requests older than 24 hours."

    def handle(self, *args, **options):
        count = purge_expired()
        self.stdout.write(_("%(count)d stored answers deleted.") % {"count": count})
