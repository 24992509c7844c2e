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


class ScopedQuerySet(models.QuerySet):
    """The rows a user may take an action on: the role decides whether, `jurisdiction_q` where."""

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
