"""Record versions: every record an official can edit carries one, and a save based on an older one is refused.

A form (or an API client, through the ETag) reads a record at version N and sends N back with its change.
The service that writes locks the row, compares, and refuses a stale N with a message that says who changed
what since, read from the record's history; otherwise it saves with N + 1. Nothing is merged silently: the
official sees what changed and decides.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Fields whose change says nothing to an official: the bookkeeping every save moves.
_BOOKKEEPING = {"version", "updated_at", "created_at"}


def version_field() -> models.PositiveIntegerField:
    """The `version` column of an editable record: 1 when created, one more at every save."""
    return models.PositiveIntegerField(
        _("version"),
        default=1,
        db_default=1,
        editable=False,
        help_text=_("Counts the saves of this record; a change based on an older version is refused."),
    )


class StaleVersion(ValidationError):
    """A change based on a version of the record that is no longer the current one. Its message is the admin's
    (the form keeps what was typed); `since` says who changed what, `current` is the version now, for the API's
    own wording (api.errors)."""

    def __init__(self, message, *, since: str = "", current: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.since, self.current = since, current


def _who(user) -> str:
    if user is None:
        return gettext("someone (an import or a command)")
    return user.get_full_name() or user.get_username()


def changes_since(obj, version: int) -> list[tuple[str, object, list[str]]]:
    """(who, when, [changed fields' names]) for every save of `obj` after `version`, oldest first."""
    history = getattr(type(obj), "history", None)
    if history is None:
        return []
    records = list(
        obj.history.filter(version__gt=version).select_related("history_user").order_by("history_date", "history_id")
    )
    result = []
    for record in records:
        previous = record.prev_record
        names: list[str] = []
        if previous is not None:
            delta = record.diff_against(previous)
            for change in delta.changes:
                if change.field in _BOOKKEEPING:
                    continue
                try:
                    names.append(str(type(obj)._meta.get_field(change.field).verbose_name))
                except Exception:  # a field the model no longer has
                    names.append(change.field)
        result.append((_who(record.history_user), record.history_date, names))
    return result


def changed_since(obj, version: int) -> str:
    """Who changed what on `obj` after version `version`: "Lò Thị Mai changed Name on 02/12/2026 09:15"."""
    parts = []
    for who, when, names in changes_since(obj, version):
        moment = timezone.localtime(when).strftime("%d/%m/%Y %H:%M")
        if names:
            parts.append(
                gettext("%(who)s changed %(fields)s on %(when)s")
                % {"who": who, "fields": ", ".join(names), "when": moment}
            )
        else:
            parts.append(gettext("%(who)s saved it on %(when)s") % {"who": who, "when": moment})
    return "; ".join(parts) if parts else gettext("someone saved it")


def stale_message(obj, version: int, *, since: str | None = None) -> str:
    """What an official reads in the admin when their change is based on version `version` of `obj`."""
    since = changed_since(obj, version) if since is None else since
    return gettext(
        "This record was changed after you opened it: %(since)s. Your changes were not saved; they are kept "
        "below. Check them against the current record and save again."
    ) % {"since": since}


def ensure_current(current, version: int | None) -> None:
    """Refuse a change based on `version` when `current` (the row as locked for the write) is newer.

    `version` None means the caller has no version to compare (an import or a command writing the latest).
    """
    if version is None:
        return
    if int(version) != current.version:
        since = changed_since(current, int(version))
        raise StaleVersion(
            stale_message(current, int(version), since=since), code="stale", since=since, current=current.version
        )


def next_version(obj, current) -> None:
    """Give `obj` the version after `current`'s (the row as locked), before it is saved."""
    obj.version = (current.version if current is not None else obj.version or 0) + 1
