"""Writes on API tokens: issue one (the key is returned once and never stored), revoke one, read a key."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from .models import ApiToken

KEY_PREFIX = "ntp_"
PREFIX_LENGTH = 12  # "ntp_" and 8 random characters
# A presented key's last use is written at most this often: a write per request would serialise them.
LAST_USED_EVERY = datetime.timedelta(minutes=1)


def key_hash(key: str) -> str:
    """SHA-256 of the key: the key holds 32 random bytes, so a fast hash is enough (nothing to guess)."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user, name: str, expires_at: datetime.datetime | None = None) -> tuple[ApiToken, str]:
    """Issue a token to `user`; returns it and its key, which is shown once and kept only as a hash."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name.strip(), prefix=key[:PREFIX_LENGTH], key_hash=key_hash(key))
    token.expires_at = expires_at
    with transaction.atomic():
        token.full_clean(exclude=["key_hash", "prefix"])
        token.save()
    return token, key


def api_token_revoke(*, token: ApiToken) -> bool:
    """Revoke a token now (it stays listed, with the moment); False if it already was."""
    return bool(ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()))


def api_token_for_key(key: str) -> ApiToken | None:
    """The token of a presented key, with its user, whatever its state (the caller says why it is refused)."""
    if not key.startswith(KEY_PREFIX) or len(key) < PREFIX_LENGTH + 8:
        return None
    digest = key_hash(key)
    for token in ApiToken.objects.filter(prefix=key[:PREFIX_LENGTH]).select_related("user"):
        if hmac.compare_digest(token.key_hash, digest):
            return token
    return None


def api_token_touch(token: ApiToken) -> None:
    """Record that the token was used now (at most once per LAST_USED_EVERY)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
