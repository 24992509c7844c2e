"""Requests per token (or per official for the browser's session), at the rate the settings give
(`REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api"]`, from NTP_API_RATE)."""

from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self):
        return super().get_rate() or None

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
