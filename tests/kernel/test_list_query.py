"""List URL values read by the kernel's parser: what each parameter takes, canonical values, refusals."""

import pytest
from django.http import QueryDict
from django.utils import translation

from kernel.admin_input import lookup_kind, normalise_list_query
from tracker.models import Disbursement, Work


def _query(values: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    query.update(values)
    return query


@pytest.mark.parametrize(
    ("parameter", "kind"),
    [
        ("paid_on__lte", "date"),
        ("paid_on", "date"),
        ("paid_on__year", "year"),
        ("paid_on__month", "month"),
        ("paid_on__day", "day"),
        ("amount__gte", "amount"),
        ("amount__in", "amount list"),
        ("year", "year"),
        ("work__year", None),  # not a field of a work
        ("work__approved_investment__lt", "amount"),
        ("work__capacity__gt", "decimal"),
        ("work__id__exact", "integer"),
        ("work", "integer"),
        ("voucher_number__icontains", None),
        ("reverses__isnull", None),
        ("paid_on__isnull", None),
        ("created_at__gte", "date"),
        ("q", None),
    ],
)
def test_lookup_kind(parameter, kind):
    assert lookup_kind(Disbursement, parameter) == kind


@pytest.mark.parametrize(
    ("language", "typed", "canonical"),
    [
        ("vi", {"paid_on__lte": "30/06/2025"}, {"paid_on__lte": "2025-06-30"}),
        ("en", {"paid_on__lte": "30/06/2025"}, {"paid_on__lte": "2025-06-30"}),
        ("vi", {"paid_on__gte": "5/11/26"}, {"paid_on__gte": "2026-11-05"}),
        ("vi", {"amount__gte": "200.000"}, {"amount__gte": "200000"}),
        ("en", {"amount__gte": "200,000"}, {"amount__gte": "200000"}),
        ("vi", {"amount__in": "1.000,2.000"}, {"amount__in": "1000,2000"}),
        ("vi", {"work__capacity__gt": "1,8"}, {"work__capacity__gt": "1.8"}),
        ("vi", {"paid_on__year": "2025", "paid_on__month": "6"}, {"paid_on__year": "2025", "paid_on__month": "6"}),
        ("vi", {"q": "1.000", "o": "2.1", "voucher_number__icontains": "05/11"}, None),  # left alone
    ],
)
def test_values_are_written_canonically(language, typed, canonical):
    with translation.override(language):
        query, problems = normalise_list_query(Disbursement, _query(typed))
    assert problems == []
    assert query.dict() == (canonical or typed)


@pytest.mark.parametrize(
    ("language", "typed", "fragment"),
    [
        ("en", {"amount__gte": "200.000"}, "200,000"),  # 200 or 200 thousand? Not guessed.
        ("vi", {"amount__gte": "1.8"}, "1,8"),
        ("vi", {"paid_on__lte": "06/30/2025"}, "30/06/2025"),  # month first: refused, with the day-first way
        ("vi", {"paid_on__year": "2.025"}, "2.025"),
        ("vi", {"paid_on__month": "13"}, "13"),
    ],
)
def test_unreadable_values_are_dropped_with_the_reason(language, typed, fragment):
    with translation.override(language):
        query, problems = normalise_list_query(Disbursement, _query(typed))
    assert query.dict() == {}
    assert len(problems) == 1 and fragment in problems[0] and next(iter(typed)) in problems[0]


def test_a_filter_declares_its_kind():
    query, problems = normalise_list_query(Work, QueryDict("year=2.025"), filter_kinds={"year": "year"})
    assert query.dict() == {} and "2.025" in problems[0]
    query, problems = normalise_list_query(Work, QueryDict("year=2025"), filter_kinds={"year": "year"})
    assert query.dict() == {"year": "2025"} and problems == []
