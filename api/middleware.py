"""The API's messages in the caller's language.

Django's LocaleMiddleware gives every path outside the language prefix (`i18n_patterns` with
`prefix_default_language=False`) the default language, whatever the request asks; the API is outside it,
so for `/api/` the language is read again as a client sends it: the `Accept-Language` header (or the
language cookie of the browser's session), Vietnamese when it names neither language.
"""

from django.utils import translation


class ApiLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/"):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
