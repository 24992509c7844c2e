"""Change history: who changed what, when, before and after, and through which path.

django-simple-history keeps a full snapshot per change (so "before" and "after" are the snapshots on
either side). Every historical table also records the path of the change (admin, API, import, command);
the path is set by the middleware for requests and by the import and commands for theirs.
"""

import contextvars
from contextlib import contextmanager

from django.db import connection, models
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record


class ChangePathChoices(models.TextChoices):
    ADMIN = "admin", _("Admin")
    API = "api", _("API")
    IMPORT = "import", _("Spreadsheet import")
    COMMAND = "command", _("Command")
    WEB = "web", _("Web page")


# Outside a request, changes come from a management command (or a shell) run by an operator.
_current_path = contextvars.ContextVar("ntp_change_path", default=ChangePathChoices.COMMAND)


@contextmanager
def change_path(path: str):
    token = _current_path.set(path)
    try:
        yield
    finally:
        _current_path.reset(token)


def current_change_path() -> str:
    return _current_path.get()


class HistoryPathModel(models.Model):
    """Base of every historical model: the path the change came through."""

    history_path = models.CharField(
        _("changed through"), max_length=10, choices=ChangePathChoices.choices, default=current_change_path
    )

    class Meta:
        abstract = True


@receiver(pre_create_historical_record, dispatch_uid="kernel.history.path")
def _record_path(sender, history_instance, **kwargs):
    history_instance.history_path = current_change_path()


def path_for_request(path: str) -> str:
    if "/admin/" in path:
        return ChangePathChoices.ADMIN
    if path.startswith("/api/"):
        return ChangePathChoices.API
    return ChangePathChoices.WEB


class ChangePathMiddleware:
    """Marks every change made while serving a request with the path it came through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with change_path(path_for_request(request.path)):
            return self.get_response(request)


def history_of_changes(objs, *, user) -> None:
    """History records ("~", by `user`, on the current path) of rows just changed by a bulk update, with the
    snapshot of their many-to-many fields that a `save()` records: what the one-by-one saves would record.
    """
    objs = list(objs)
    if not objs:
        return
    model = type(objs[0])
    records = model.history.bulk_history_create(objs, update=True, default_user=user)
    history_model = model.history.model
    by_pk = {record.id: record for record in records}  # a history record's `id` is the row's pk
    for field in getattr(history_model, "_history_m2m_fields", ()):
        through = getattr(model, field.name).through
        owner = field.m2m_field_name()
        snapshot = getattr(history_model, field.name).model
        names = [f.attname for f in through._meta.concrete_fields]
        rows = through.objects.filter(**{f"{owner}__in": [obj.pk for obj in objs]}).values_list(*names)
        snapshot.objects.bulk_create(
            snapshot(history=by_pk[values[names.index(f"{owner}_id")]], **dict(zip(names, values, strict=True)))
            for values in rows
        )


def history_of_inserts(model, pks, *, user, date=None) -> int:
    """History records ("+", by `user`, on the current path, no change reason) of rows of `model` just
    inserted by a bulk create: what a `save()` records, copied by the database from the rows as saved (one
    INSERT ... SELECT per thousand rows, in the order of their keys) instead of built in Python. The
    model's history must have no many-to-many snapshot. Returns the number of records written."""
    history_model = model.history.model
    if getattr(history_model, "_history_m2m_fields", ()):
        raise ValueError(f"{model.__name__}'s history snapshots many-to-many fields: use bulk_history_create")
    pks = sorted(pks)
    if not pks:
        return 0
    quote = connection.ops.quote_name
    tracked = [field.column for field in history_model.tracked_fields]
    columns = [*tracked, "history_date", "history_change_reason", "history_type", "history_user_id", "history_path"]
    user_id = getattr(user, "pk", None)
    constants = [
        connection.ops.adapt_datetimefield_value(date or timezone.now()),
        None,
        "+",
        user_id,
        current_change_path(),
    ]
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(pks), 1000):
            chunk = pks[start : start + 1000]
            cursor.execute(
                f"INSERT INTO {quote(history_model._meta.db_table)} ({', '.join(map(quote, columns))}) "
                f"SELECT {', '.join(map(quote, tracked))}, {', '.join(['%s'] * len(constants))} "
                f"FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} IN "
                f"({', '.join(['%s'] * len(chunk))}) ORDER BY {quote(model._meta.pk.column)}",
                [*constants, *chunk],
            )
            written += cursor.rowcount
    return written


def history_records(**kwargs):
    """HistoricalRecords with the project's base (the change path) and user model."""
    return HistoricalRecords(bases=[HistoryPathModel], **kwargs)
