"""The filter backend of every list: the view's FilterSet (each app's filters.py), its refusals in the one
error format with their codes.

django-filter's own backend formats each message again with `message % params`; the kernel's fields give
messages already formatted with what was typed, so a parameter holding a `%` (`?province=%`) made that
second formatting fail (a 500). Here a message is formatted once, as Django's forms do.
"""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions


class FilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid() and self.raise_exception:
            raise exceptions.ValidationError(
                {
                    name: [
                        exceptions.ErrorDetail(message, code=error.code or "invalid")
                        for error in errors
                        for message in error  # a ValidationError yields its messages, formatted once
                    ]
                    for name, errors in filterset.errors.as_data().items()
                }
            )
        return filterset.qs
