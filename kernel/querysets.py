"""The scoped queryset bases: every model's reads start from one of them.

`visible_to(user)` and `editable_by(user)` are the access decision of kernel/access.py, applied to a
queryset: rows outside the user's jurisdiction are not in it (they answer "not found").
"""

from django.db import models

from .access import commune_scope, restrict


class JurisdictionQuerySet(models.QuerySet):
    """A queryset whose rows belong to a commune, reached through `commune_path`."""

    commune_path = "commune"

    def visible_to(self, user):
        return restrict(self, commune_scope(user, self.commune_path))

    def editable_by(self, user):
        """Rows the user may change where their roles allow it: the same jurisdiction as for reading."""
        return self.visible_to(user)


class ReferenceQuerySet(models.QuerySet):
    """Reference data: everybody reads it; who may write it is a matter of roles (permissions) only."""

    def visible_to(self, user):
        return self

    def editable_by(self, user):
        return self
