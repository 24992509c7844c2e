"""manage.py capital_summary --check | --rebuild: compare the capital summary with the ledgers, or recompute it."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tracker import capital_summary
from tracker.models import CapitalSummary


class Command(BaseCommand):
    help = (
        "Check the capital summary (the status pages' figures) against the allocation and disbursement ledgers, "
        "or rebuild it from them."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--check", action="store_true", help="List the lines that differ; exit 1 if any.")
        group.add_argument(
            "--rebuild",
            action="store_true",
            help="Create the triggers that keep it again and recompute every line from the ledgers.",
        )

    def handle(self, *args, check=False, rebuild=False, **options):
        if rebuild:
            capital_summary.install()
            if connection.vendor == "postgresql":  # the refilled table's statistics and visibility map
                # VACUUM cannot run inside a transaction (a caller's, or a test's): then statistics only.
                vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
                with connection.cursor() as cursor:
                    cursor.execute(f"{vacuum} tracker_capitalsummary")
            self.stdout.write(f"Capital summary rebuilt: {CapitalSummary.objects.count():,} lines.")
            return
        differences = capital_summary.differences()
        if not differences:
            self.stdout.write("The capital summary agrees with the ledgers.")
            return
        for line in differences:
            self.stdout.write(repr(line))
        raise CommandError(
            f"The capital summary differs from the ledgers on {len(differences)} line(s) (at most 20 listed)."
        )
