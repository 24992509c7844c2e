from django.core.management.base import BaseCommand

from localities.roles import roles_setup


class Command(BaseCommand):
    help = "Create or update the officials' roles (permission groups) with their permissions."

    def handle(self, *args, **options):
        for group, count in roles_setup().items():
            self.stdout.write(f"{group}: {count} permissions")
