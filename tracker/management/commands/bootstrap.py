from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

REFERENCE_FIXTURES = ["legal_documents", "programs", "ethnic_groups", "poverty_standards"]
DEMO_ADMIN = ("admin", "ntp-demo-2026")


class Command(BaseCommand):
    help = "Create or update the database: migrations, reference data and (unless --no-demo) the demo data set."

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="load reference data only")

    def handle(self, *args, no_demo=False, **options):
        verbosity = options["verbosity"]
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        call_command("load_localities", verbosity=verbosity)
        call_command("loaddata", *REFERENCE_FIXTURES, verbosity=verbosity)
        call_command("setup_roles", verbosity=verbosity)
        if no_demo:
            return
        call_command("load_demo", verbosity=verbosity)
        call_command("create_demo_officials", verbosity=verbosity)
        username, password = DEMO_ADMIN
        User = get_user_model()
        if not User.objects.filter(username=username).exists():
            User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(
            self.style.SUCCESS(f"Demo administrator: user '{username}', password '{password}' (demo only).")
        )
