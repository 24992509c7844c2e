"""python manage.py sheet_template <kind> <file.xlsx>: the template officials fill in, with its guide."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from imports.registry import get_kind, kind_names
from imports.sheet_templates import write_kind_template


class Command(BaseCommand):
    help = "Write the .xlsx template of an import kind: its headers, an example row and a guide to every column."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=kind_names())
        parser.add_argument("file")

    def handle(self, *args, kind, file, **options):
        if not file.lower().endswith(".xlsx"):
            raise CommandError(_("A template is an .xlsx file: give a name ending in .xlsx."))
        with open(file, "wb") as out:
            write_kind_template(get_kind(kind), out)
        self.stdout.write(_("Template for %(kind)s written to %(file)s.") % {"kind": kind, "file": file})
