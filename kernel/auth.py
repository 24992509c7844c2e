"""Authentication: Django's model backend, with a user's permissions read in one query.

Django's `ModelBackend` reads a user's own permissions and their groups' in two queries, on every page an
official opens (the admin asks before it shows anything). `ModelBackend` here reads both in one
(`UNION ALL`) and keeps them as Django does, per request, in the same caches
(`_user_perm_cache`, `_group_perm_cache`, `_perm_cache`), so that everything else of Django's backend
(authentication, `user_can_authenticate`, `with_perm`) is unchanged.
"""

from __future__ import annotations

from django.contrib.auth import backends
from django.contrib.auth.models import Permission
from django.db.models import Value


class ModelBackend(backends.ModelBackend):
    def _read_permissions(self, user_obj) -> None:
        """Fill the user's and the groups' permission caches from one query."""
        columns = ("content_type__app_label", "codename", "from_group")
        own = Permission.objects.filter(user=user_obj).annotate(from_group=Value(False)).order_by()
        of_groups = self._get_group_permissions(user_obj).annotate(from_group=Value(True)).order_by()
        rows = own.values_list(*columns).union(of_groups.values_list(*columns), all=True)
        found: dict[bool, set[str]] = {False: set(), True: set()}
        for app_label, codename, from_group in rows:
            found[bool(from_group)].add(f"{app_label}.{codename}")
        user_obj._user_perm_cache, user_obj._group_perm_cache = found[False], found[True]

    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:  # every permission, as Django gives it
            return super()._get_permissions(user_obj, obj, from_name)
        if not hasattr(user_obj, f"_{from_name}_perm_cache"):
            self._read_permissions(user_obj)
        return getattr(user_obj, f"_{from_name}_perm_cache")
