"""API tokens in the admin: national administrators issue one to an official (its key is shown once, on the
page after saving, and never again), list them with their last use, and revoke them."""

import datetime

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kernel.admin import NtpAdmin

from .models import ApiToken
from .services import api_token_create, api_token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(NtpAdmin):
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at", "state"]
    list_filter = ["revoked_at", "expires_at"]
    search_fields = ["name", "user__username", "prefix"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]
    fields = ["user", "name", "expires_at"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # The official a token acts for is chosen once; a token of somebody else is a new token.
        readonly = ["prefix", "created_at", "last_used_at", "revoked_at"]
        return [*readonly, "user"] if obj is not None else readonly

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return ["user", "name", "prefix", "expires_at", "created_at", "last_used_at", "revoked_at"]

    @admin.display(description=gettext_lazy("state"))
    def state(self, obj):
        if obj.revoked_at is not None:
            return _("revoked")
        if not obj.is_usable:
            return _("expired")
        return _("in use")

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name", "expires_at"])
            return
        token, key = api_token_create(user=obj.user, name=obj.name, expires_at=obj.expires_at)
        obj.pk, obj.prefix, obj.key_hash, obj.created_at = token.pk, token.prefix, token.key_hash, token.created_at
        obj._state.adding = False
        messages.warning(
            request,
            format_html(
                "{} <code>{}</code>",
                _("The token's key, shown this once only (only its hash is kept): copy it now."),
                key,
            ),
        )

    @admin.action(description=gettext_lazy("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        revoked = sum(api_token_revoke(token=token) for token in queryset)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked) % {"count": revoked},
            messages.SUCCESS,
        )

    def get_changeform_initial_data(self, request):
        return {"expires_at": timezone.now() + datetime.timedelta(days=365)}
