"""python manage.py import_sheet <kind> <file> [--dry-run] [--as <username>] [--skip-duplicates] [--errors-file F]"""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from imports.engine import run_import, write_errors
from imports.registry import kind_names


class Command(BaseCommand):
    help = (
        "Import a spreadsheet (.xlsx or .csv) of one kind. Prints the preview (new, changed, unchanged rows and "
        "every row in error); writes all rows or none. Exits with status 1 when nothing was written because of "
        "errors, 0 when the rows were written (or, with --dry-run, would be)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=kind_names())
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Check and preview only; write nothing.")
        parser.add_argument(
            "--as",
            dest="username",
            help="Import as this user: their jurisdiction and roles apply, and history names them. "
            "Without it the import runs as the system (whole country).",
        )
        parser.add_argument(
            "--skip-duplicates",
            action="store_true",
            help="Skip and list duplicate rows (households) instead of refusing the file.",
        )
        parser.add_argument("--errors-file", help="Write the file back with an error column here (.xlsx or .csv).")
        parser.add_argument("--json", action="store_true", help="Print the preview as JSON.")

    def handle(self, *args, kind, file, dry_run, username, skip_duplicates, errors_file, json: bool, **options):
        user = None
        if username:
            try:
                user = get_user_model().objects.get(username=username)
            except get_user_model().DoesNotExist:
                raise CommandError(_("No user is called “%(name)s”.") % {"name": username}) from None
        try:
            with open(file, "rb"):
                pass
        except OSError as error:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror}) from None
        result = run_import(kind, file, user=user, filename=file, dry_run=dry_run, skip_duplicates=skip_duplicates)
        if json:
            self.stdout.write(_json_dump(result.as_dict()))
        else:
            for line in result.summary():
                self.stdout.write(line)
            self.stdout.write(_("%(seconds).1f s.") % {"seconds": result.seconds})
        if errors_file and (result.errors or result.duplicates):
            with open(errors_file, "wb") as out:
                write_errors(kind, file, result, out, filename=errors_file)
            self.stdout.write(_("Rows in error written to %(file)s.") % {"file": errors_file})
        if not result.ok:
            raise CommandError(_("Nothing was imported."), returncode=1)


def _json_dump(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)
