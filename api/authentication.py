"""Who calls the API: `Authorization: Bearer <key>` (or `Token <key>`) names an official's token.

A token revoked, expired, unknown, or whose official is inactive is refused (401). The browser's session
works too (SessionAuthentication, with its CSRF check). Once a request is authenticated, the history of
what it changes records the token's official: django-simple-history reads the user from the request its
middleware saw, and the request DRF authenticates is that one (`request._request`), which is set here
explicitly rather than left to DRF's side effect.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from simple_history.models import HistoricalRecords

from .services import api_token_for_key, api_token_touch

KEYWORDS = ("bearer", "token")


class TokenAuthentication(authentication.BaseAuthentication):
    """An official's API token, presented as `Authorization: Bearer <key>`."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after “Bearer ”, with no space in it."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        token = api_token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token was revoked."))
        if not token.is_usable:
            raise exceptions.AuthenticationFailed(_("This token has expired."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The official of this token is not active."))
        api_token_touch(token)
        django_request = getattr(request, "_request", request)
        django_request.user = token.user
        HistoricalRecords.context.request = django_request
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An official's API token."}
