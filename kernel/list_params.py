"""What an admin list URL may ask for: what the list declares, and nothing through personal data.

Django's admin applies any look-up on a model's own fields that a list URL carries
(`?id_number__startswith=0012`, `?id_number__lt=...`, `?ethnic_group=3`), filters or not: each answer
tells whether a row matched, so a masked ID number is recovered digit by digit, and a broken
`?code__regex=(` answers 500. Here a change list, and its exports, take only:

- the parameters of its own filters (each filter's `expected_parameters()`: a `SimpleListFilter`'s
  `parameter_name`, a field filter's `status__exact`/`status__isnull`, `reverses__isempty`, a related
  filter's `component__program__id__exact`, ...);
- its date hierarchy (`paid_on__year`, `__month`, `__day`) and the ranges on that same field
  (`paid_on__gte`, `__gt`, `__lte`, `__lt`: a ledger as of a date);
- a row by its key (`?id=12`, `pk`), which its change page answers anyway;
- the look-ups an admin declares in `extra_list_lookups`;
- the `limit_choices_to` look-ups of the raw-id pop-ups Django itself opens;
- and the admin's own parameters, which are not look-ups: search `q`, ordering `o`, page `p`, `all`,
  `_popup`, `_to_field`, `_facets`, `e`.

Anything else answers 400 with a message naming the parameter; nothing of it is applied.

Personal data (`personal_data_fields` on a model's admin: a household's `id_number` and `ethnic_group`) is
out of reach of roles without the permission through any parameter: filters, search fields, extra
look-ups and sortable columns whose path passes through a personal field, in either direction of a
relation (`household__id_number`, `household__ethnic_group`, an ethnic group's `households`), are dropped
for them, and `_to_field` refuses it. Exports are built from the same change list, and mask it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.admin import widgets
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .access import can_see_personal_data

DATE_RANGE_LOOKUPS = ("gte", "gt", "lte", "lt")
_SEARCH_PREFIXES = "^=@"
_MAX_SHOWN = 80  # characters of a refused parameter's name repeated in the message

security_log = logging.getLogger("django.security.DisallowedModelAdminLookup")


class UndeclaredListParameter(DisallowedModelAdminLookup):
    """A list URL's parameter that the list does not declare (or that reaches personal data)."""

    def __init__(self, parameter: str):
        self.parameter = parameter
        super().__init__(f"Filtering by {parameter} not allowed")


def personal_fields_of(admin_site: Any, model: Any) -> tuple[str, ...]:
    """The fields the admin registered for `model` declares personal data."""
    return tuple(getattr(admin_site._registry.get(model), "personal_data_fields", ()))


def reaches_personal_data(admin_site: Any, model: Any, path: str) -> bool:
    """Whether a look-up path ("household__id_number__startswith", "households__commune") passes through a
    personal-data field, followed from `model` across relations in either direction."""
    for part in path.split(LOOKUP_SEP):
        if part == "pk":
            part = model._meta.pk.name
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a look-up or a transform: no further field on the way
        if field.auto_created and not field.concrete and field.is_relation:
            # A reverse relation is the other model's foreign key seen from here.
            owner, name = field.related_model, field.field.name
        else:
            owner, name = model, field.name
        if name in personal_fields_of(admin_site, owner):
            return True
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return False


def _ordering_paths(order_field: Any) -> list[str]:
    """The field paths an ordering (a name, "-name", an F, an OrderBy, an expression) sorts by."""
    if isinstance(order_field, str):
        return [order_field.lstrip("-")]
    if isinstance(order_field, F):
        return [order_field.name]
    paths = []
    for source in getattr(order_field, "get_source_expressions", list)():
        paths.extend(_ordering_paths(source))
    return paths


def orders_by_personal_data(admin_site: Any, model: Any, order_field: Any, *, depth: int = 2) -> bool:
    """Whether an ordering sorts by personal data, also through the default ordering of a related model
    (ordering by a foreign key sorts by the related model's `Meta.ordering`)."""
    for path in _ordering_paths(order_field):
        if reaches_personal_data(admin_site, model, path):
            return True
        if depth and (related := _related_model_at(model, path)) is not None:
            if any(orders_by_personal_data(admin_site, related, o, depth=depth - 1) for o in related._meta.ordering):
                return True
    return False


def _related_model_at(model: Any, path: str) -> Any:
    for part in path.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(model._meta.pk.name if part == "pk" else part)
        except FieldDoesNotExist:
            return None
        if not field.is_relation or field.related_model is None:
            return None
        model = field.related_model
    return model


class DeclaredChangeList(ChangeList):
    """A change list that applies only the parameters its admin declares (see the module's docstring)."""

    def __init__(self, request, *args, **kwargs):
        self.hides_personal_data = not can_see_personal_data(request.user)
        super().__init__(request, *args, **kwargs)

    def get_filters(self, request):
        filters = super().get_filters(request)
        # What is left once the filters and the date hierarchy took their parameters would be applied as
        # look-ups: only the declared ones may be.
        remaining = filters[2]
        for key in remaining:
            if not self.model_admin.list_lookup_declared(request, key, self.filter_params.get(key, [])):
                raise UndeclaredListParameter(key)
        return filters

    def get_queryset(self, request, exclude_parameters=None):
        # A declared filter given a value it cannot read (`?province=abc`, a year of 20 digits) is the
        # admin's "incorrect parameters", as Django makes it for its own field filters, not a 500.
        try:
            return super().get_queryset(request, exclude_parameters)
        except (ValueError, ValidationError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error

    def get_results(self, request):
        try:
            super().get_results(request)
        except OverflowError as error:  # a number too large for the database, read only when counting
            raise IncorrectLookupParameters(error) from error
        if self.query and not (self.show_all and self.can_show_all):
            self._sort_the_matches()

    def _sort_the_matches(self) -> None:
        """A search's page from its matches sorted, not from the list's order walked until a page is found.

        Walking an index in the list's order and testing each row is quick where matches are many, and
        takes seconds where they are few and the database guessed many ("le van an": 2,207 of two million
        households, guessed 9,805; 800,000 rows walked for its first page). Where the count found every match
        (no more than the cap), the first key of the order is given as an expression no index answers
        (`COALESCE(k, k)`, the same values in the same order), so the database finds the matches on their
        search indexes and sorts them."""
        paginator = self.paginator
        if getattr(paginator, "capped", True):
            return
        ordering = list(self.queryset.query.order_by)
        if not ordering or not isinstance(ordering[0], str):
            return
        name = ordering[0].lstrip("-")
        try:
            field = self.model._meta.get_field("pk" if name == "pk" else name)
        except FieldDoesNotExist:
            return
        if name != "pk" and field.is_relation and name != field.attname:  # the related model's own ordering
            return
        first = Coalesce(F(name), F(name))
        first = first.desc() if ordering[0].startswith("-") else first.asc()
        paginator.object_list = self.queryset.order_by(first, *ordering[1:])
        self.result_list = paginator.page(self.page_num).object_list

    def get_ordering_field(self, field_name):
        order_field = super().get_ordering_field(field_name)
        if order_field and self.hides_personal_data:
            if orders_by_personal_data(self.model_admin.admin_site, self.model, order_field):
                return None
        return order_field


# A list counts its rows up to this many; beyond, it says "more than" (a national list of two million
# households need not be counted to show its first page).
COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """A paginator that counts at most `COUNT_CAP` + 1 rows: `capped` says the list holds more than
    `count`, and the page says so (admin/pagination.html). Pages beyond the cap are not offered: the
    filters and the search narrow the list instead."""

    cap = COUNT_CAP

    @cached_property
    def _counted(self) -> int | None:
        """The rows counted up to the cap and one more (None for a list that is no queryset)."""
        rows = self.object_list
        if not hasattr(rows, "query"):
            return None
        # the keys alone: the page's annotations (a household's latest status...) are not worked out to count
        return rows.order_by().values("pk")[: self.cap + 1].count()

    @cached_property
    def count(self):
        return super().count if self._counted is None else min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        """Whether the list holds more than `count` rows."""
        return self._counted is not None and self._counted > self.cap


class DeclaredParametersMixin:
    """An admin whose list URLs take only what the list declares: the rule of `kernel/list_params.py`.

    `personal_data_fields` names this model's personal-data fields; `extra_list_lookups` names look-ups a
    list URL may carry beyond its filters' (say `work__id__exact`, a work's disbursements).
    """

    personal_data_fields: tuple = ()
    extra_list_lookups: tuple = ()
    refused_parameter_template = "admin/ntp/list_parameter_refused.html"
    paginator = CappedCountPaginator

    def _hidden(self, request, path: str) -> bool:
        """Whether `path` reaches personal data that this request's user may not see."""
        return (request is None or not can_see_personal_data(request.user)) and reaches_personal_data(
            self.admin_site, self.model, path
        )

    def list_lookups(self, request) -> set[str]:
        """The look-ups a list URL may carry beyond its filters' own parameters."""
        pk = self.model._meta.pk.name
        lookups = {pk, f"{pk}__exact", "pk", "pk__exact", *self.extra_list_lookups}
        if self.date_hierarchy:
            # Its drill-down (`__year` with `__month` and `__day`; Django takes them only with a year) and ranges.
            parts = ("year", "month", "day", *DATE_RANGE_LOOKUPS)
            lookups.update(f"{self.date_hierarchy}__{part}" for part in parts)
        return {lookup for lookup in lookups if not self._hidden(request, lookup)}

    def list_lookup_declared(self, request, key: str, values: list[str]) -> bool:
        if key in self.list_lookups(request):
            return True
        # The raw-id pop-ups Django opens for a foreign key's `limit_choices_to`.
        allowed = set()
        for fk_lookup in self.model._meta.related_fkey_lookups:
            fk_lookup = fk_lookup() if callable(fk_lookup) else fk_lookup
            allowed.update(widgets.url_params_from_lookup_dict(fk_lookup).items())
        return bool(values) and not self._hidden(request, key) and all((key, v) in allowed for v in values)

    def lookup_allowed(self, lookup, value, request=None):
        # Django's own check (relational look-ups only through a declared filter) and personal data first;
        # what else the list takes is settled by DeclaredChangeList once its filters took their parameters.
        if self._hidden(request, lookup) or not super().lookup_allowed(lookup, value, request):
            raise UndeclaredListParameter(lookup)
        return True

    def to_field_allowed(self, request, to_field):
        return not self._hidden(request, to_field) and super().to_field_allowed(request, to_field)

    def get_list_filter(self, request):
        return [f for f in super().get_list_filter(request) if not self._filter_hidden(request, f)]

    def _filter_hidden(self, request, list_filter) -> bool:
        if isinstance(list_filter, list | tuple):
            list_filter = list_filter[0]
        return isinstance(list_filter, str) and self._hidden(request, list_filter)

    def get_search_fields(self, request):
        return [f for f in super().get_search_fields(request) if not self._hidden(request, f.lstrip(_SEARCH_PREFIXES))]

    def get_changelist(self, request, **kwargs):
        return DeclaredChangeList

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except UndeclaredListParameter as refused:
            return self.refused_parameter_response(request, refused)

    def export_view(self, request, file_format: str):
        try:
            return super().export_view(request, file_format)
        except UndeclaredListParameter as refused:
            return self.refused_parameter_response(request, refused)

    def refused_parameter_response(self, request, refused: UndeclaredListParameter):
        security_log.warning(
            "%s asked %s for the undeclared list parameter %r", request.user, request.path, refused.parameter
        )
        parameter = refused.parameter if len(refused.parameter) <= _MAX_SHOWN else refused.parameter[:_MAX_SHOWN] + "…"
        message = gettext(
            "This list cannot be filtered or sorted by “%(parameter)s”. Use the filters, the search box and the "
            "column headings of the list."
        ) % {"parameter": parameter}
        context = {
            **self.admin_site.each_context(request),
            "title": _("Filter not available"),
            "message": message,
            "opts": self.opts,
            "list_url": reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist"),
        }
        return TemplateResponse(request, self.refused_parameter_template, context, status=400)
