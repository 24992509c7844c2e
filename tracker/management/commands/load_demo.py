import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kernel.presentation import format_vnd
from tracker.demo import SEEDS_DIR, DemoDataError, demo_load, demo_summary


class Command(BaseCommand):
    help = (
        "Load the demo data set (seeds/*.csv: Bắc Kạn 2022, Quảng Ninh 2025, Thôm Ưng village) through the "
        "spreadsheet import, as an official's upload would go. Needs load_localities and the reference fixtures; "
        "does nothing if already loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument("--directory", default=str(SEEDS_DIR), help="folder holding the CSV files")

    def handle(self, *args, directory, **options):
        started = time.perf_counter()
        try:
            result = demo_load(directory=directory)
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        if result.already_loaded:
            self.stdout.write(_("The demo data is already loaded; nothing changed."))
        else:
            made = ", ".join(f"{kind} {outcome.new}" for kind, outcome in result.results.items())
            self.stdout.write(
                self.style.SUCCESS(
                    _("Demo data loaded in %(seconds).1f s: %(made)s.")
                    % {"seconds": time.perf_counter() - started, "made": made}
                )
            )
        figures = demo_summary()
        vnd = {key: format_vnd(value) for key, value in figures.items()}
        lines = [
            _("Bắc Kạn 2022: %(works)s works, %(allocated)s VND allocated.")
            % {"works": figures["bac_kan_2022_works"], "allocated": vnd["bac_kan_2022_allocated"]},
            _(
                "Quảng Ninh 2025: %(works)s works, %(allocated)s VND allocated, "
                "%(disbursed)s VND disbursed by 30/06/2025."
            )
            % {
                "works": figures["quang_ninh_2025_works"],
                "allocated": vnd["quang_ninh_2025_allocated"],
                "disbursed": vnd["quang_ninh_2025_disbursed_by_june"],
            },
            _("Thôm Ưng village: %(households)s households, %(poor)s poor in 2022.")
            % {"households": figures["thom_ung_households"], "poor": figures["thom_ung_poor_2022"]},
        ]
        for line in lines:
            self.stdout.write(line)
