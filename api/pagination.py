"""Cursor pagination, ordered by the rows' keys: a page starts after the last key of the one before, so rows
written while a client pages (new keys are larger) are neither skipped nor repeated, and no page counts
the whole table.

An incremental pull: note the time, page through `?updated_since=<the previous pull's time>` to the end
(`next` null), and use the noted time next time. Rows deleted since are listed by each resource's
`deleted/` endpoint; a reversal of a disbursement is a row of its own (negative amount, `reverses`)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination


class KeyCursorPagination(CursorPagination):
    ordering = "pk"
    page_size = 50
    max_page_size = 500
    page_size_query_param = "page_size"
    page_size_query_description = _("Rows per page (at most 500).")
    cursor_query_description = _("Where the page starts: the `next` or `previous` link of the page before.")

    def decode_cursor(self, request):
        """The cursor of the request; one this list did not give (unreadable, or a position that is not a
        key) is the client's error (400 naming `cursor`), not a missing page, nor a database error."""
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            cursor = None
        else:
            if cursor is None or cursor.position is None or str(cursor.position).lstrip("-").isdigit():
                return cursor
        message = _("This cursor is not one this list gave: follow the `next` or `previous` link of a page.")
        raise exceptions.ValidationError({self.cursor_query_param: [exceptions.ErrorDetail(message, code="invalid")]})
