"""Which language an official sees, and remembering it.

The URLs carry the language (`i18n_patterns`, Vietnamese unprefixed: `/admin/`, English `/en/admin/`), so
a page's language is its URL's. What an unprefixed page (a typed address, a bookmark, the login's
redirect) turns into is decided here, in this order:

1. the language the user chose with the header's switch, remembered on the user (`LanguagePreference`);
2. else the browser's: the language cookie Django's `set_language` sets, else Accept-Language;
3. else Vietnamese (LANGUAGE_CODE).

When that is not Vietnamese, a GET for an unprefixed page is redirected to the same page under the
language's prefix. An explicitly prefixed URL is always served in its language.

The switch (a form posting to `set_language`, kernel/templates/admin/ntp/language_switch.html) sets the
cookie; for a logged-in user this middleware also remembers the choice. On login, a remembered choice is
activated: its cookie is set and the login's redirect leads to the page in that language. The session keeps
the remembered choice from login on, so that a page costs no query for it.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.http import HttpResponseRedirect
from django.urls import get_script_prefix, is_valid_path, reverse, translate_url
from django.utils import translation
from django.utils.cache import patch_vary_headers

from .models import LanguagePreference

_LOGIN_LANGUAGE = "_ntp_login_language"  # on the login's request: the cookie and redirect to set
SESSION_KEY = "ntp_language"  # in a session: the language its user chose, read at login


def remembered_language(user) -> str | None:
    """The language `user` chose with the switch, or None (anonymous, never chosen)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return LanguagePreference.objects.filter(user=user).values_list("language", flat=True).first()


def remember_language(user, language: str) -> None:
    LanguagePreference.objects.update_or_create(user=user, defaults={"language": language})


def _on_login(sender, request, user, **kwargs):
    """A remembered language is the one a login leads to (the middleware sets its cookie and redirect)."""
    language = remembered_language(user)
    if request is None or not language:
        return
    setattr(request, _LOGIN_LANGUAGE, language)
    if hasattr(request, "session"):
        request.session[SESSION_KEY] = language


user_logged_in.connect(_on_login, dispatch_uid="localities.language.login")


def _set_cookie(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class LanguageMiddleware:
    """After LocaleMiddleware and AuthenticationMiddleware: the rule in this module's docstring."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        redirect = self._prefixed(request)
        if redirect is not None:
            return redirect
        response = self.get_response(request)
        self._remember_switch(request, response)
        self._after_login(request, response)
        return response

    def _prefixed(self, request):
        if request.method not in ("GET", "HEAD") or translation.get_language_from_path(request.path_info):
            return None
        session = getattr(request, "session", None)
        language = (session.get(SESSION_KEY) if session is not None else None) or translation.get_language_from_request(
            request, check_path=False
        )
        if not language or language == settings.LANGUAGE_CODE:
            return None
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        with translation.override(language):  # the prefix patterns match the active language's prefix only
            valid = is_valid_path(f"/{language}{request.path_info}", urlconf)
        if not valid:
            return None  # not a page of the language patterns (the API, set_language, ...)
        prefix = get_script_prefix()
        response = HttpResponseRedirect(request.get_full_path().replace(prefix, f"{prefix}{language}/", 1))
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    def _remember_switch(self, request, response):
        """A logged-in user's switch (a POST that `set_language` accepted: it set the cookie) is remembered."""
        cookie = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
        if request.method != "POST" or cookie is None or not getattr(request, "user", None):
            return
        if request.user.is_authenticated and request.path_info == reverse("set_language"):
            remember_language(request.user, cookie.value)
            request.session[SESSION_KEY] = cookie.value

    def _after_login(self, request, response):
        language = getattr(request, _LOGIN_LANGUAGE, None)
        if language is None:
            return
        _set_cookie(response, language)
        if response.status_code in (301, 302, 303) and response.get("Location", "").startswith("/"):
            # translate_url gives the URL back unchanged when it cannot place it; then the rule above applies.
            response["Location"] = translate_url(response["Location"], language)
