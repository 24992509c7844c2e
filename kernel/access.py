"""Who may see and change what: the one place that decides it.

Every scoped queryset's `visible_to(user)` and `editable_by(user)` come here, and so do the admin (lists,
change forms, foreign-key choices, autocomplete, filter choices), and later the API, status pages, exports
and imports. Rows are scoped by the commune they belong to:

- a superuser or a national official sees the whole country;
- a province official sees every commune whose current province is theirs (legacy communes included);
- a commune official sees their current commune and the legacy communes mapped into it;
- anybody else sees nothing.

Roles (permission groups) decide which actions an official may take; this module decides where.
An object outside the jurisdiction is simply not in the queryset, so it answers "not found".

The kernel imports no app: the models the decision reads (officials, and communes with their succession
links) are registered by the app that holds them when the registry is ready (`localities.apps`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The permission that shows personal data in full (declared on tracker's Household model).
PERSONAL_DATA_PERMISSION = "tracker.view_personal_data"


class JurisdictionLevelChoices(models.TextChoices):
    NATIONAL = "national", gettext_lazy("Whole country")
    PROVINCE = "province", gettext_lazy("Province")
    COMMUNE = "commune", gettext_lazy("Commune")


@dataclass(frozen=True)
class JurisdictionModels:
    """`official`: a row per official (`user`, `level`, `province_id`, `commune_id`); `commune`: units with
    `current_province_id` and `succession_links__successor_id` (a legacy commune mapped into a current one)."""

    official: type[models.Model]
    commune: type[models.Model]


_models: JurisdictionModels | None = None


def register_jurisdiction_models(*, official: type[models.Model], commune: type[models.Model]) -> None:
    global _models
    _models = JurisdictionModels(official=official, commune=commune)


def jurisdiction_models() -> JurisdictionModels:
    if _models is None:
        raise ImproperlyConfigured("No app registered the jurisdiction models (localities is not installed?)")
    return _models


@dataclass(frozen=True)
class Jurisdiction:
    level: str
    province_id: int | None = None
    commune_id: int | None = None

    @property
    def is_national(self) -> bool:
        return self.level == JurisdictionLevelChoices.NATIONAL


NOWHERE = Jurisdiction(level="none")


def jurisdiction_of(user) -> Jurisdiction:
    """The user's jurisdiction, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOWHERE
    cached = getattr(user, "_ntp_jurisdiction", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        jurisdiction = Jurisdiction(level=JurisdictionLevelChoices.NATIONAL)
    else:
        officials = jurisdiction_models().official.objects.filter(user=user)
        official = officials.values("level", "province_id", "commune_id").first()
        jurisdiction = Jurisdiction(**official) if official else NOWHERE
    user._ntp_jurisdiction = jurisdiction
    return jurisdiction


def _field(path: str, name: str) -> str:
    return f"{path}__{name}" if path else name


def commune_scope(user, path: str) -> Q | None:
    """The Q keeping rows whose commune, reached through `path` ("" for communes themselves), is in the
    user's jurisdiction.

    None means no restriction (the whole country); users with no jurisdiction get a Q that matches nothing.
    """
    jurisdiction = jurisdiction_of(user)
    if jurisdiction.is_national:
        return None
    if jurisdiction.level == JurisdictionLevelChoices.PROVINCE:
        return Q(**{_field(path, "current_province_id"): jurisdiction.province_id})
    if jurisdiction.level == JurisdictionLevelChoices.COMMUNE:
        covered = (
            jurisdiction_models()
            .commune.objects.filter(
                Q(pk=jurisdiction.commune_id) | Q(succession_links__successor_id=jurisdiction.commune_id)
            )
            .values("pk")
        )
        return Q(**{f"{path}__in" if path else "pk__in": covered})
    return Q(pk__in=[])


def province_scope(user, path: str, *, commune_officials: bool = False) -> Q | None:
    """The Q keeping rows whose province (either generation), reached through `path` ("" for provinces
    themselves), is in the jurisdiction. Province-level rows are not a commune official's unless
    `commune_officials` says so (e.g. to choose the province of a row that also names their commune).
    """
    jurisdiction = jurisdiction_of(user)
    if jurisdiction.is_national:
        return None
    if jurisdiction.level == JurisdictionLevelChoices.PROVINCE or (
        commune_officials and jurisdiction.level == JurisdictionLevelChoices.COMMUNE
    ):
        return Q(**{f"{path}_id" if path else "pk": jurisdiction.province_id}) | Q(
            **{_field(path, "successor_id"): jurisdiction.province_id}
        )
    return Q(pk__in=[])


def restrict(queryset, q: Q | None):
    return queryset if q is None else queryset.filter(q)


def can_see_personal_data(user) -> bool:
    return bool(user and user.is_active and user.has_perm(PERSONAL_DATA_PERMISSION))


def ensure_editable(user, obj) -> None:
    """Re-check, inside the writing transaction, that the object as saved is still the user's.

    Called after every write, so that no path can move a row into a commune the user does not hold.
    `user=None` is the system itself (a management command run by the operator).
    """
    if user is None:
        return
    model = type(obj)
    if not model._default_manager.editable_by(user).filter(pk=obj.pk).exists():
        message = _("This %(object)s would be outside your jurisdiction; nothing was saved.")
        raise PermissionDenied(message % {"object": model._meta.verbose_name})


MASK = "***"


def mask_id_number(value: str | None) -> str:
    """001234567889 → 0012******89: enough to tell two records apart, not enough to use."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= 6:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


def mask_personal_value(field: str, value) -> str:
    if field == "id_number":
        return mask_id_number(value)
    return MASK if value not in (None, "") else ""
