"""Generate the national data set: every current province and commune with villages, works, capital,
progress and households, deterministically (see devdata/national_data.py)."""

from django.core.management.base import BaseCommand, CommandError

from devdata.national_data import AlreadyGenerated, NotReady, national_data_generate


class Command(BaseCommand):
    help = (
        "Generate a deterministic, realistic national data set on the loaded localities (scale 1: about 104,000 "
        "works, 1.1 million disbursements, 2.1 million households). Needs load_localities and the reference "
        "fixtures; refuses to run over an earlier set unless --replace is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1): same seed, same rows.")
        parser.add_argument("--scale", type=float, default=1.0, help="1 is the national set; 0.002 a tiny one.")
        parser.add_argument("--replace", action="store_true", help="Delete the generated set first.")
        parser.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="Database connections writing at once (PostgreSQL: 4 by default; 1 writes in one transaction). "
            "The rows do not depend on it.",
        )

    def handle(self, *args, seed, scale, replace, jobs, **options):
        if scale <= 0:
            raise CommandError("--scale must be more than 0.")
        if jobs is not None and jobs < 1:
            raise CommandError("--jobs must be at least 1.")
        try:
            national_data_generate(seed=seed, scale=scale, replace=replace, jobs=jobs, stdout=self.stdout)
        except (NotReady, AlreadyGenerated) as error:
            raise CommandError(str(error)) from error
