"""List URLs take only what the list declares, and personal data is no oracle (kernel/list_params.py).

Generated from the admin registry: every model whose lists reach personal data (its own fields, or through
one relation either way), every role without the personal-data permission at every level, every look-up
an attacker would try on every path to an ID number or an ethnic group, on the list, its exports and the
history page, with a value that matches the secret and one that does not: the two answers are the same
(a 400, or the same rows), never a 500. Then every registered model with undeclared look-ups on its own
fields and garbage in its declared filters: never a 500.
"""

import itertools
import re

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from kernel.access import JurisdictionLevelChoices as Level
from kernel.list_params import orders_by_personal_data, personal_fields_of, reaches_personal_data
from localities.choices import RoleChoices as Role
from tests.localities.factories import VillageFactory
from tests.test_admin_pages import BUILDERS
from tests.tracker.factories import AllocationFactory, HouseholdFactory, PovertyStandardFactory
from tracker import services
from tracker.admin import HouseholdAdmin
from tracker.choices import PovertyStatusChoices, SupportKindChoices
from tracker.models import EthnicGroup, Household, PovertyAssessment

pytestmark = pytest.mark.django_db

SITE = admin.site
MODELS = sorted(SITE._registry, key=lambda m: m._meta.label_lower)
ID_NUMBER = "006187654321"
_n = itertools.count(1)


def personal_paths(model) -> list[str]:
    """The look-up paths from `model` to personal data: its own personal fields, those of a model one
    relation away (`household__id_number`), and a reverse relation that is itself personal (an ethnic
    group's `households`)."""
    paths = list(personal_fields_of(SITE, model))
    for field in model._meta.get_fields():
        if not field.is_relation or field.related_model is None or field.name in paths:
            continue
        if reaches_personal_data(SITE, model, field.name):
            paths.append(field.name)
        paths.extend(f"{field.name}__{name}" for name in personal_fields_of(SITE, field.related_model))
    return paths


PERSONAL_MODELS = [m for m in MODELS if personal_paths(m)]
# The roles without the personal-data permission, at every level. What is masked is decided by the role's one
# permission (tests/test_permission_matrix.py asks `restrict(user, "view_personal_data")` of every role and
# level), the rows by the level: so each level is tried once, by the two roles in turn.
WITHOUT_PERMISSION = [(Role.VIEWER, Level.NATIONAL), (Role.APPROVER, Level.PROVINCE), (Role.VIEWER, Level.COMMUNE)]


def test_the_models_reaching_personal_data_are_found():
    labels = {m._meta.label_lower for m in PERSONAL_MODELS}
    assert {"tracker.household", "tracker.povertyassessment", "tracker.support", "tracker.ethnicgroup"} <= labels
    assert "household__id_number" in personal_paths(PovertyAssessment)
    assert set(personal_paths(Household)) >= {"id_number", "ethnic_group"}
    assert "households" in personal_paths(EthnicGroup)


@pytest.fixture
def world(module_world, db):
    """The world of tests/conftest.py, built once for this module: its tests only read it."""
    return module_world


@pytest.fixture
def secret(module_secret, db):
    return module_secret


@pytest.fixture(scope="module")
def module_secret(module_world):
    """A household in C1 whose head's ID number and ethnic group are the secret; another group unused. Built
    once for the module, inside module_world's transaction."""
    world = module_world
    group = EthnicGroup.objects.create(code="34", name="Xinh-mun")
    other_group = EthnicGroup.objects.create(code="35", name="Zzz")
    household = HouseholdFactory(
        id_number=ID_NUMBER, ethnic_group=group, village=VillageFactory(commune=world.c1), head_name="Hữu"
    )
    PovertyStandardFactory()
    services.poverty_assessment_record(household=household, year=2023, status=PovertyStatusChoices.POOR)
    services.support_record(
        household=household,
        component=AllocationFactory().component,
        year=2023,
        kind=SupportKindChoices.LIVESTOCK,
        quantity=2,
    )
    return household, group, other_group


def probes(path: str, household, group, other_group) -> list[tuple[str, str, str]]:
    """(parameter, value matching the secret, value not matching it) for the look-ups an attacker tries."""
    last = path.split("__")[-1]
    if last == "id_number":
        pairs = [
            ("startswith", "0061", "0099"),
            ("istartswith", "00618", "00619"),
            ("contains", "8765", "9999"),
            ("lt", "006187654322", "006187654321"),
            ("lte", "006187654321", "006187654320"),
            ("gt", "006187654320", "006187654321"),
            ("gte", "006187654321", "006187654322"),
            ("regex", "^0061", "^0099"),
            ("iregex", "^00618", "^00619"),
            ("regex", "(", "^0099"),  # a broken regex: never a 500
            ("in", ID_NUMBER, "006187654322"),
            ("exact", ID_NUMBER, "006187654322"),
            ("", ID_NUMBER, "006187654322"),
            ("isnull", "false", "true"),
        ]
    elif last == "ethnic_group":
        pairs = [
            ("", str(group.pk), str(other_group.pk)),
            ("exact", str(group.pk), str(other_group.pk)),
            ("id__exact", str(group.pk), str(other_group.pk)),
            ("in", str(group.pk), str(other_group.pk)),
            ("lt", str(group.pk + 1), str(group.pk)),
            ("gt", str(group.pk - 1), str(group.pk)),
            ("isnull", "false", "true"),
            ("name__startswith", "Xinh", "Zzz"),
            ("code__regex", "^34", "^35"),
            ("code__regex", "(", "^35"),
        ]
    else:  # a reverse relation that is itself personal: an ethnic group's households
        pairs = [
            ("", str(household.pk), "0"),
            ("in", str(household.pk), "0"),
            ("code__startswith", household.code, "nobody"),
            ("isnull", "false", "true"),
        ]
    return [(f"{path}__{lookup}" if lookup else path, yes, no) for lookup, yes, no in pairs]


_CSRF = re.compile(rb'(name="csrfmiddlewaretoken" value=|csrftoken=)"?[^"; ]+')


def answer(response) -> tuple[int, bytes]:
    """The status and the body, as an attacker compares them (the CSRF token aside, which changes)."""
    if response.status_code == 200 and hasattr(response, "streaming_content"):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return response.status_code, _CSRF.sub(b"", content)


def list_urls(model) -> list[str]:
    info = model._meta.app_label, model._meta.model_name
    urls = [reverse("admin:{}_{}_changelist".format(*info))]
    for file_format in ("csv", "xlsx"):
        try:
            urls.append(reverse("admin:{}_{}_export".format(*info), args=[file_format]))
        except NoReverseMatch:
            pass
    return urls


def some_row(model, household):
    if model is Household:
        return household
    if model is EthnicGroup:
        return household.ethnic_group
    related = {f.related_model: f.name for f in model._meta.get_fields() if f.is_relation}
    if Household in related:
        return model._default_manager.filter(**{related[Household]: household}).first()
    return model._default_manager.filter(households=household).first()


@pytest.mark.parametrize(("role", "level"), WITHOUT_PERMISSION, ids=str)
@pytest.mark.parametrize("model", PERSONAL_MODELS, ids=lambda m: m._meta.label_lower)
def test_personal_data_is_no_oracle(secret, world, make_official, client, role, level, model):
    household, group, other_group = secret
    unit = {Level.NATIONAL: None, Level.PROVINCE: world.p1, Level.COMMUNE: world.c1}[level]
    client.force_login(make_official(role, level, unit))
    urls = list_urls(model)[:2]  # the list and its .csv export (the .xlsx one is the same change list)
    row = some_row(model, household)
    info = model._meta.app_label, model._meta.model_name
    history = reverse("admin:{}_{}_history".format(*info), args=[row.pk]) if row is not None else None
    tried = 0
    for path in personal_paths(model):
        for number, (parameter, yes, no) in enumerate(probes(path, household, group, other_group)):
            # The history page takes no look-up at all: a few of them show it ignores them.
            for url in [*urls, history] if history and number < 3 else urls:
                matching = answer(client.get(url, {parameter: yes}))
                not_matching = answer(client.get(url, {parameter: no}))
                assert matching[0] != 500 and not_matching[0] != 500, f"{url}?{parameter}"
                assert matching[0] in (200, 400), f"{url}?{parameter}={yes}: {matching[0]}"
                assert matching == not_matching, f"{url}?{parameter}: the answer depends on the secret"
                if "/history/" not in url:
                    # Refused, not ignored: an ignored look-up would look like a filter that worked.
                    assert matching[0] == 400, f"{url}?{parameter}={yes}: {matching[0]}"
                tried += 1
    assert tried


@pytest.mark.parametrize(("role", "level"), WITHOUT_PERMISSION, ids=str)
@pytest.mark.parametrize("model", PERSONAL_MODELS, ids=lambda m: m._meta.label_lower)
def test_no_ordering_or_reference_by_personal_data(secret, world, make_official, client, role, level, model):
    household, _group, _other = secret
    unit = {Level.NATIONAL: None, Level.PROVINCE: world.p1, Level.COMMUNE: world.c1}[level]
    client.force_login(make_official(role, level, unit))
    changelist = list_urls(model)[0]
    response = client.get(changelist)
    assert response.status_code == 200
    columns = len(response.context["cl"].list_display)
    for index in range(columns):
        for order in (str(index), f"-{index}"):
            response = client.get(changelist, {"o": order})
            assert response.status_code == 200
            ordering = response.context["cl"].queryset.query.order_by
            assert not any(orders_by_personal_data(SITE, model, o) for o in ordering), (model, order, ordering)
    for field in personal_fields_of(SITE, model):
        assert client.get(changelist, {"_to_field": field, "_popup": "1"}).status_code == 400
    if model is Household:
        info = model._meta.app_label, model._meta.model_name
        change = [reverse("admin:{}_{}_change".format(*info), args=[value]) for value in (ID_NUMBER, "006187654322")]
        assert {client.get(url, {"_to_field": "id_number"}).status_code for url in change} == {400}


def test_a_column_sorted_by_personal_data_is_not_sorted_for_roles_without_the_permission(secret, world, make_official):
    class Probe(HouseholdAdmin):
        list_display = ["code", "id_number", "ethnic_group", "village"]

    model_admin = Probe(Household, SITE)
    for role, sorted_by_id in ((Role.VIEWER, False), (Role.DATA_ENTRY, True)):
        request = RequestFactory().get("/", {"o": "2.3"})  # id_number, ethnic_group (after the checkbox)
        request.user = make_official(role, Level.NATIONAL)
        ordering = model_admin.get_changelist_instance(request).queryset.query.order_by
        personal = any(orders_by_personal_data(SITE, Household, o) for o in ordering)
        assert personal is sorted_by_id, (role, ordering)


def test_the_autocomplete_does_not_search_id_numbers_without_the_permission(secret, world, make_official, client):
    url = reverse("admin:autocomplete")
    query = {"app_label": "tracker", "model_name": "support", "field_name": "household"}
    client.force_login(make_official(Role.VIEWER, Level.NATIONAL))
    found = [client.get(url, {**query, "term": term}).json()["results"] for term in ("0061876", "0099")]
    assert found == [[], []]
    client.force_login(make_official(Role.DATA_ENTRY, Level.NATIONAL))
    results = client.get(url, {**query, "term": "0061876"}).json()["results"]
    assert [r["id"] for r in results] == [str(secret[0].pk)]


def test_roles_with_the_permission_filter_by_ethnic_group_and_search_by_id_number(secret, world, make_official, client):
    household, group, other_group = secret
    client.force_login(make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1))
    changelist = reverse("admin:tracker_household_changelist")
    listed = client.get(changelist)
    assert "ethnic_group__id__exact" in {p for s in listed.context["cl"].filter_specs for p in s.expected_parameters()}
    by_group = client.get(changelist, {"ethnic_group__id__exact": group.pk})
    assert [h.pk for h in by_group.context["cl"].result_list] == [household.pk]
    assert list(client.get(changelist, {"ethnic_group__id__exact": other_group.pk}).context["cl"].result_list) == []
    by_id = client.get(changelist, {"q": ID_NUMBER})
    assert [h.pk for h in by_id.context["cl"].result_list] == [household.pk]
    export = client.get(reverse("admin:tracker_household_export", args=["csv"]), {"ethnic_group__id__exact": group.pk})
    assert export.status_code == 200
    assert household.code in b"".join(export.streaming_content).decode("utf-8-sig")
    # Undeclared look-ups are refused for them too: the filter is the way.
    assert client.get(changelist, {"id_number__startswith": "0061"}).status_code == 400


def test_roles_without_the_permission_have_no_ethnic_group_filter(secret, world, make_official, client):
    client.force_login(make_official(Role.VIEWER, Level.COMMUNE, world.c1))
    listed = client.get(reverse("admin:tracker_household_changelist"))
    parameters = {p for s in listed.context["cl"].filter_specs for p in s.expected_parameters()}
    assert not any(p.startswith("ethnic_group") for p in parameters)
    assert "Xinh-mun" not in listed.content.decode()


def test_the_refusal_is_a_translated_400_naming_the_parameter(secret, world, make_official, client):
    client.force_login(make_official(Role.VIEWER, Level.NATIONAL))
    response = client.get(reverse("admin:tracker_household_changelist"), {"id_number__startswith": "0061"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "id_number__startswith" in body
    assert "0061" not in body.replace("id_number__startswith", "")
    assert "This list cannot be filtered or sorted by" in body


# ---------------------------------------------------------------------------------------------------------
# Every registered model: undeclared look-ups refused, garbage in declared filters never a 500


def _own_field(model) -> str:
    for field in model._meta.concrete_fields:
        if not field.primary_key and not field.is_relation:
            return field.name
    return model._meta.pk.name


@pytest.fixture
def national(make_official, client):
    client.force_login(make_official(Role.NATIONAL_ADMIN, Level.NATIONAL))
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label_lower)
def test_undeclared_lookups_are_refused_everywhere(world, national, model):
    BUILDERS[model]()
    BUILDERS[model]()
    field = _own_field(model)
    undeclared = {
        "nonsense": "1",
        f"{field}__regex": "(",
        f"{field}__iregex": "[",
        f"{field}__startswith": "a",
        f"{field}__lt": "5",
        f"{field}": "x",
        "pk__in": "1,2",
        "id__gt": "0",
    }
    listed = national.get(list_urls(model)[0])
    if listed.status_code == 403:
        return
    cl = listed.context["cl"]
    declared = {p for spec in cl.filter_specs for p in spec.expected_parameters()}
    declared |= (
        {f"{cl.date_hierarchy}__{lookup}" for lookup in ("gte", "gt", "lte", "lt")} if cl.date_hierarchy else set()
    )
    for url in list_urls(model):
        for parameter, value in undeclared.items():
            if parameter in declared:
                continue
            response = national.get(url, {parameter: value})
            if response.status_code == 200 and url == list_urls(model)[0]:
                # Ignored: a value the typed-input reader cannot read is dropped before (kernel/admin_input.py).
                assert response.context["cl"].result_count == cl.result_count, f"{url}?{parameter}={value}"
                assert parameter not in response.context["cl"].params, f"{url}?{parameter}={value}"
                continue
            assert response.status_code == 400, f"{url}?{parameter}={value}: {response.status_code}"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label_lower)
def test_garbage_in_declared_filters_is_never_a_500(world, national, model):
    BUILDERS[model]()
    changelist = list_urls(model)[0]
    listed = national.get(changelist)
    if listed.status_code == 403:
        return
    assert listed.status_code == 200
    cl = listed.context["cl"]
    parameters = {p for spec in cl.filter_specs for p in spec.expected_parameters()}
    if cl.date_hierarchy:
        parameters |= {f"{cl.date_hierarchy}__{part}" for part in ("year", "month", "day", "gte", "lte", "lt", "gt")}
    for parameter in sorted(parameters):
        for value in ("zz(", "-1", "99999999999999999999", ""):
            response = national.get(changelist, {parameter: value})
            assert response.status_code in (200, 302), f"{changelist}?{parameter}={value}: {response.status_code}"


def test_a_ledger_as_of_a_date_still_works(world, national):
    work = world.works["c1"]
    for paid_on in ("2024-03-01", "2024-09-01"):
        services.disbursement_record(
            work=work,
            year=2024,
            source=work.allocations.first().source,
            capital_type=work.allocations.first().capital_type,
            amount=10,
            voucher_number=f"PC-{next(_n)}",
            paid_on=paid_on,
        )
    changelist = reverse("admin:tracker_disbursement_changelist")
    for parameters, count in [
        ({"paid_on__lte": "2024-06-30"}, 1),
        ({"paid_on__lt": "2024-03-01"}, 0),
        ({"paid_on__gte": "2024-03-01", "work__id__exact": work.pk}, 2),
        ({"paid_on__gt": "2024-03-01"}, 1),
        ({"paid_on__year": "2024", "paid_on__month": "9"}, 1),
    ]:
        response = national.get(changelist, parameters)
        assert response.status_code == 200, parameters
        assert response.context["cl"].result_count == count, parameters
    response = national.get(reverse("admin:tracker_progressreport_changelist"), {"reported_on__lte": "2030-01-01"})
    assert response.status_code == 200


# ---------------------------------------------------------------------------------------------------------
# Counts: exact up to COUNT_CAP, then "more than" (a national list is not counted row by row)


def test_a_list_longer_than_the_cap_says_more_than_and_counts_no_further(world, national, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kernel.list_params import CappedCountPaginator
    from tracker.models import Work

    works = Work.objects.count()
    changelist = reverse("admin:tracker_work_changelist")
    page = national.get(changelist).content.decode()
    assert f"{works} works" in page and "more than" not in page
    monkeypatch.setattr(CappedCountPaginator, "cap", works - 2)
    with CaptureQueriesContext(connection) as queries:
        page = national.get(changelist).content.decode()
    assert f"more than {works - 2} works" in page
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "tracker_work" in q["sql"]]
    assert counts and f"LIMIT {works - 1}" in counts[0], counts
