import time

from django.core.management.base import BaseCommand

from localities.services import localities_load, source_credit


class Command(BaseCommand):
    help = (
        "Load both generations of Vietnam's administrative units (63 provinces / 696 districts / 10,035 communes "
        "until 30 June 2025; 34 provinces / 3,321 communes from 1 July 2025) and the 2025 old→new mapping. "
        "Safe to run again: it updates what changed and creates no duplicates."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        localities_load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Localities loaded in {time.perf_counter() - started:.1f} s."))
        self.stdout.write(source_credit())
