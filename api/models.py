"""API tokens: a key issued to an official for a system that calls the API on their behalf."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, at=None):
        """Tokens neither revoked nor expired (at `at`, now by default)."""
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))


class ApiToken(models.Model):
    """A key an official's system presents to the API (`Authorization: Bearer <key>`); only its hash is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("official")
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the token is for, e.g. the provincial system.")
    )
    # The key's first characters, shown to tell tokens apart and used to find a presented key's row.
    prefix = models.CharField(_("key begins with"), max_length=16, db_index=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("Empty: the token does not expire.")
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class IdempotencyKey(models.Model):
    """The first answer to a write a user sent with an `Idempotency-Key` header, replayed to its retries."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="idempotency_keys",
        verbose_name=_("official"),
    )
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    # SHA-256 of the query string and the body (as parsed, keys sorted): a retry must send the same request.
    request_hash = models.CharField(_("request hash"), max_length=64)
    # Empty only inside the first request's transaction, which nobody else sees before it is filled.
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    response_headers = models.JSONField(_("response headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"],
                name="%(app_label)s_%(class)s_one_per_user",
                violation_error_message=_("This official already used this idempotency key."),
            )
        ]

    def __str__(self):
        return f"{self.method} {self.path} ({self.key})"
