"""The scoped queryset bases: every model's reads start from one of them.

`restrict(user, action)` is the access decision of kernel/access.py applied to a queryset, in one call:
nothing if the user's roles do not allow the action on the model; otherwise the rows in the user's
jurisdiction (rows outside it are not in the queryset: they answer "not found"). Each base says only where
its rows lie (`jurisdiction_q`); what a role may do is the same for all.

    Work.objects.restrict(request.user, "view").with_capital()
    Household.objects.restrict(user, "view_personal_data")
"""

from django.db import models
from django.db.models import Q

from .access import VIEW, commune_scope, may

KEYS_SUFFIX = "_keys"


class ScopedQuerySet(models.QuerySet):
    """The rows a user may take an action on: the role decides whether, `jurisdiction_q` where."""

    _key_lists: tuple[str, ...] = ()

    def with_keys(self, *names: str):
        """Keep on each row, as `<name>_keys`, the list of keys its many-to-many field `name` links (in the
        linked model's order): one query of the link table per field once the rows are fetched, with no
        related row built (a prefetch builds a row, and a manager's cache, per link: most of the cost of a
        page of 100 works with their components and villages)."""
        clone = self._chain()
        clone._key_lists = (*self._key_lists, *names)
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._key_lists = self._key_lists
        return clone

    def _fetch_all(self):
        fetching = self._result_cache is None
        super()._fetch_all()
        if fetching and self._key_lists and self._iterable_class is models.query.ModelIterable:
            attach_keys(self._result_cache, self.model, self._key_lists)

    def jurisdiction_q(self, user) -> Q | None:
        """The rows in the user's jurisdiction as a Q, None for all of them."""
        raise NotImplementedError

    def restrict(self, user, action: str = VIEW):
        if not may(user, action, self.model):
            return self.none()
        where = self.jurisdiction_q(user)
        return self if where is None else self.filter(where)


class JurisdictionQuerySet(ScopedQuerySet):
    """A queryset whose rows belong to a commune, reached through `commune_path`."""

    commune_path = "commune"

    def jurisdiction_q(self, user) -> Q | None:
        return commune_scope(user, self.commune_path)


class ReferenceQuerySet(ScopedQuerySet):
    """Reference data (units, programs, standards): the same everywhere, so the role alone decides."""

    def jurisdiction_q(self, user) -> Q | None:
        return None


def _ordered_through(field, prefix: str) -> list[str]:
    """The linked model's Meta.ordering, as seen from the link table."""
    ordering = field.related_model._meta.ordering or ["pk"]
    return [f"-{prefix}__{name[1:]}" if name.startswith("-") else f"{prefix}__{name}" for name in ordering]


def attach_keys(rows, model, names) -> None:
    """Set `<name>_keys` on each of `rows` (instances of `model`): see `ScopedQuerySet.with_keys`."""
    keys = [row.pk for row in rows]
    for name in names:
        field = model._meta.get_field(name)
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        linked = {pk: [] for pk in keys}
        if keys:
            pairs = (
                through.objects.filter(**{f"{source}__in": keys})
                .order_by(*_ordered_through(field, target), "pk")
                .values_list(f"{source}_id", f"{target}_id")
            )
            for row_key, other in pairs:
                linked[row_key].append(other)
        attribute = name + KEYS_SUFFIX
        for row in rows:
            row.__dict__[attribute] = linked[row.pk]
