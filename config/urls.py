from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from api.responses import not_found

admin.site.site_header = settings.ADMIN_SITE_HEADER
admin.site.site_title = settings.ADMIN_SITE_HEADER
admin.site.index_title = settings.ADMIN_INDEX_TITLE
# The admin's "View site" link leads to the disbursement status pages.
admin.site.site_url = "/status/"
# A refusal anywhere (admin, /delete/ addresses, status pages) is a page of the admin saying what and why; the
# API answers its own refusals in its error format.
handler403 = "kernel.admin.permission_denied"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # The REST API: not under the language prefix (Accept-Language chooses the messages' language).
    path("api/v1/", include("api.urls")),
    re_path(r"^api/", not_found),  # another version, or none: the API's 404
    # The home page is the disbursement status (it asks to log in first); the admin is one click away.
    path("", RedirectView.as_view(pattern_name="status:overview", permanent=False)),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("status/", include("tracker.urls")),
    prefix_default_language=False,
)
