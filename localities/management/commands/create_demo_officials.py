from django.core.management.base import BaseCommand

from localities.demo import DEMO_PASSWORD, officials_create_demo


class Command(BaseCommand):
    help = "Create the demo officials: one per role and level (demo data only; never in production)."

    def handle(self, *args, **options):
        made = officials_create_demo()
        self.stdout.write(f"Demo officials (password '{DEMO_PASSWORD}'):")
        for row in made:
            self.stdout.write(f"  {row['username']:<20} {row['role']:<24} {row['unit'] or '(whole country)'}")
