"""The .xlsx template of an import kind (also served by the admin's import page)."""

from django.utils.translation import gettext as _

from sheets import write_template


def write_kind_template(kind, out) -> None:
    title = _("NTP Tracker: %(kind)s") % {"kind": kind.label}
    write_template(kind.columns, out, title=title)
