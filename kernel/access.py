"""Who may do what where: the one place that decides it.

`restrict(user, action)`, on every scoped queryset (kernel/querysets.py), is the decision in one call:
the rows the user may take the action on. It asks two things, both answered here:

- **what**: may the user's roles take the action on this model at all (`may(user, action, model)`)? The
  roles are permission groups, each app declaring its own in `roles.py`; an action is one of `ACTIONS`
  (`view`, `add`, `change`, `delete`, `approve`, `submit`, `view_personal_data`) and names a permission
  (`permission_for`);
- **where**: which rows lie in the user's jurisdiction? Rows are scoped by the commune they belong to:
  - a superuser or a national official sees the whole country;
  - a province official sees every commune whose current province is theirs (legacy communes included);
  - a commune official sees their current commune and the legacy communes mapped into it;
  - anybody else sees nothing.

The admin (lists, change forms, choices, autocomplete, filters, exports), the import and its jobs, the
services (`ensure_allowed`, re-checked inside every write) and the API and pages all ask it. An object
outside the jurisdiction is simply not in the queryset, so it answers "not found".

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


def scoped(queryset, q: Q | None):
    """The queryset kept to a scope (`commune_scope`, `province_scope`); None keeps it whole."""
    return queryset if q is None else queryset.filter(q)


# The actions `restrict(user, action)` decides. Each names a permission of the model (`permission_for`).
VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"
APPROVE = "approve"
SUBMIT = "submit"
VIEW_PERSONAL_DATA = "view_personal_data"
ACTIONS = (VIEW, ADD, CHANGE, DELETE, APPROVE, SUBMIT, VIEW_PERSONAL_DATA)

ACTION_LABELS = {
    VIEW: gettext_lazy("view"),
    ADD: gettext_lazy("add"),
    CHANGE: gettext_lazy("change"),
    DELETE: gettext_lazy("delete"),
    APPROVE: gettext_lazy("approve"),
    SUBMIT: gettext_lazy("submit"),
    VIEW_PERSONAL_DATA: gettext_lazy("see the personal data of"),
}


def permission_for(model, action: str) -> str:
    """The permission an action on a model asks for: "app_label.<action>_<model>" (`approve_periodreport`);
    personal data, wherever it shows, asks for the one personal-data permission."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}: one of {', '.join(ACTIONS)}")
    if action == VIEW_PERSONAL_DATA:
        return PERSONAL_DATA_PERMISSION
    opts = model._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


def may(user, action: str, model) -> bool:
    """What: whether the user's roles let them take `action` on `model` somewhere (Django caches the user's
    permissions for the request). Where is the queryset's part of `restrict`."""
    permission = permission_for(model, action)
    return bool(user is not None and user.is_active and user.has_perm(permission))


def can_see_personal_data(user) -> bool:
    """Whether personal data (heads' ID numbers, ethnicity) shows in full to this user, in their
    jurisdiction; masked otherwise. The role's part of `restrict(user, "view_personal_data")`."""
    return may(user, VIEW_PERSONAL_DATA, None)


def ensure_allowed(user, action: str, obj) -> None:
    """Re-check, inside the writing transaction, that the user may take `action` on the object as it is
    (as saved, for a write): their role allows the action and the row lies in their jurisdiction.

    Called by every service, so that no path (admin, import, API, command) writes what the user may not, or
    moves a row into a commune the user does not hold. `user=None` is the system itself (a management
    command run by the operator).
    """
    if user is None:
        return
    model = type(obj)
    if not may(user, action, model):
        message = _("Your role does not allow you to %(action)s %(objects)s; nothing was saved.")
        raise PermissionDenied(message % {"action": ACTION_LABELS[action], "objects": model._meta.verbose_name_plural})
    manager = model._default_manager
    if hasattr(manager, "restrict") and not manager.restrict(user, action).filter(pk=obj.pk).exists():
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
