"""The permission matrix: for every registered admin model, every role at every level, the answer to list,
view, add, change and delete on an object inside the jurisdiction and one outside it.

The models are discovered from the admin site: a model registered without a row in CATEGORY fails the test.
Answers are letters: l(ist shows it), v(iew page), a(dd page), c(hange: the page offers to save),
d(elete page). Outside the jurisdiction, an object is "not found" for everybody who may otherwise see it.
"""

import datetime
import itertools

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.urls import reverse

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from localities.models import Village
from programs.choices import CapitalSourceChoices, CapitalTypeChoices
from programs.models import CapitalPlanEntry
from tests.localities.factories import VillageFactory
from tests.test_admin_pages import BUILDERS, _import_job
from tests.tracker.factories import AllocationFactory, HouseholdFactory, PovertyStandardFactory
from tracker import services
from tracker.choices import PovertyStatusChoices, SupportKindChoices, WorkStatusChoices
from tracker.models import PeriodReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(module_world, db):
    """The world of tests/conftest.py, built once for this module: its tests only read it."""
    return module_world


_n = itertools.count(1)

# What each kind of model is, for this matrix.
CATEGORY = {
    "tracker.work": "data",
    "tracker.household": "data",
    "tracker.povertyassessment": "data",
    "tracker.support": "data",
    "tracker.progressreport": "data",
    "localities.village": "data",
    "tracker.allocation": "ledger",
    "tracker.disbursement": "ledger",
    "programs.capitalplanentry": "ledger",
    "tracker.periodreport": "report",
    "localities.province": "reference",
    "localities.district": "reference",
    "localities.commune": "reference",
    "localities.communesuccession": "reference",
    "localities.areaclassification": "reference",
    "programs.legaldocument": "reference",
    "programs.program": "reference",
    "programs.component": "reference",
    "tracker.ethnicgroup": "reference",
    "tracker.povertystandard": "reference",
    "tracker.deprivationindicator": "reference",
    "localities.official": "accounts",
    "auth.user": "accounts",
    "auth.group": "accounts",
    "api.apitoken": "accounts",
    "axes.accessattempt": "lockouts",
    "axes.accesslog": "lockout-logs",
    "axes.accessfailurelog": "lockout-logs",
    "imports.importjob": "imports",
}

# The expected answer inside the jurisdiction, per role and kind of model. Level does not change what a
# role may do, only where.
EXPECTED = {
    Role.DATA_ENTRY: {
        "data": "lvac",
        "ledger": "lva",
        "report": "lva",
        "reference": "lv",
        "accounts": "",
        "lockouts": "",
        "lockout-logs": "",
        "imports": "lvad",
    },
    Role.APPROVER: {
        "data": "lv",
        "ledger": "lv",
        "report": "lv",
        "reference": "lv",
        "accounts": "",
        "lockouts": "",
        "lockout-logs": "",
        "imports": "",
    },
    Role.VIEWER: {
        "data": "lv",
        "ledger": "lv",
        "report": "lv",
        "reference": "lv",
        "accounts": "",
        "lockouts": "",
        "lockout-logs": "",
        "imports": "",
    },
    Role.NATIONAL_ADMIN: {
        "data": "lvacd",
        "ledger": "lva",
        "report": "lva",
        "reference": "lvacd",
        "accounts": "lvacd",
        "lockouts": "lvd",
        "lockout-logs": "lv",
        "imports": "lvad",
    },
}
SCOPED = {"data", "ledger", "report"}

CASES = [(role, level) for role in (Role.DATA_ENTRY, Role.APPROVER, Role.VIEWER) for level in Level] + [
    (Role.NATIONAL_ADMIN, Level.NATIONAL)
]


def _work(commune):
    return AllocationFactory(work__commune=commune, amount=1_000_000_000).work


def _household(commune):
    PovertyStandardFactory()
    return HouseholdFactory(village=VillageFactory(commune=commune))


SCOPED_BUILDERS = {
    "tracker.work": _work,
    "tracker.allocation": lambda c: _work(c).allocations.get(),
    "tracker.disbursement": lambda c: services.disbursement_record(
        work=_work(c),
        year=2024,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=10,
        voucher_number=f"PC-{next(_n)}",
        paid_on=datetime.date(2024, 3, 3),
    ),
    "tracker.progressreport": lambda c: services.progress_report_record(
        work=_work(c),
        reported_on=datetime.date(2024, 3, 3),
        progress_percent=20,
        status=WorkStatusChoices.UNDER_CONSTRUCTION,
    ),
    "tracker.household": _household,
    "tracker.povertyassessment": lambda c: services.poverty_assessment_record(
        household=_household(c), year=2023, status=PovertyStatusChoices.POOR
    ),
    "tracker.support": lambda c: services.support_record(
        household=_household(c),
        component=AllocationFactory().component,
        year=2023,
        kind=SupportKindChoices.LIVESTOCK,
        quantity=2,
    ),
    "localities.village": lambda c: VillageFactory(commune=c),
    "tracker.periodreport": lambda c: PeriodReport.objects.create(commune=c, year=2024, quarter=next(_n) % 4 + 1),
    "programs.capitalplanentry": lambda c: CapitalPlanEntry.objects.create(
        component=AllocationFactory().component,
        year=2024,
        province=c.province,
        commune=c,
        source=CapitalSourceChoices.CENTRAL,
        capital_type=CapitalTypeChoices.INVESTMENT,
        amount=5,
        decided_on=datetime.date(2024, 1, 2),
    ),
}

MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label_lower)

# Reference data, accounts, lockouts and import jobs are not kept to a jurisdiction (a reference queryset's
# `jurisdiction_q` is None; a job is its uploader's), so their answers depend on the role alone: each role is
# asked at one level, every level by some role. Scoped models are asked by every role at every level.
UNSCOPED_CASES = [
    (Role.DATA_ENTRY, Level.COMMUNE),
    (Role.APPROVER, Level.PROVINCE),
    (Role.VIEWER, Level.NATIONAL),
    (Role.VIEWER, Level.COMMUNE),
    (Role.NATIONAL_ADMIN, Level.NATIONAL),
]
MATRIX = [
    pytest.param(role, level, model, id=f"{model._meta.label_lower}-{role}-{level}")
    for model in MODELS
    for role, level in (CASES if CATEGORY.get(model._meta.label_lower) in SCOPED else UNSCOPED_CASES)
]


def test_every_registered_model_is_in_the_matrix():
    assert {m._meta.label_lower for m in MODELS} == set(CATEGORY)
    assert {label for label, kind in CATEGORY.items() if kind in SCOPED} == set(SCOPED_BUILDERS)


def _urls(model, obj):
    info = model._meta.app_label, model._meta.model_name
    return {
        "list": reverse("admin:{}_{}_changelist".format(*info)),
        "add": reverse("admin:{}_{}_add".format(*info)),
        "change": reverse("admin:{}_{}_change".format(*info), args=[obj.pk]),
        "delete": reverse("admin:{}_{}_delete".format(*info), args=[obj.pk]),
    }


def _answers(client, model, obj):
    """The letters the admin actually answers for this user and object, and whether it was "not found"."""
    urls = _urls(model, obj)
    letters = ""
    # Narrowed to the object, so that a long list (13,000 communes) does not page it away.
    listing = client.get(urls["list"], {"id": obj.pk})
    if listing.status_code == 200 and obj.pk in {o.pk for o in listing.context["cl"].result_list}:
        letters += "l"
    change = client.get(urls["change"])
    not_found = change.status_code == 404 or (change.status_code == 302 and change.url.rstrip("/").endswith("/admin"))
    if change.status_code == 200:
        letters += "v"
    if client.get(urls["add"]).status_code == 200:
        letters += "a"
    if change.status_code == 200 and 'name="_save"' in change.content.decode():
        letters += "c"
    if client.get(urls["delete"]).status_code == 200:
        letters += "d"
    return letters, not_found


@pytest.mark.parametrize(("role", "level", "model"), MATRIX)
def test_matrix(world, make_official, client, role, level, model):
    label = model._meta.label_lower
    kind = CATEGORY[label]
    unit = {Level.NATIONAL: None, Level.PROVINCE: world.p1, Level.COMMUNE: world.c1}[level]
    user = make_official(role, level, unit)
    client.force_login(user)
    expected = EXPECTED[role][kind]

    if kind in SCOPED:
        inside = SCOPED_BUILDERS[label](world.c1)
        outside = SCOPED_BUILDERS[label](world.c3)
    else:
        outside = None
        if kind == "imports":
            # One's own upload is "inside"; somebody else's is outside, except for national administrators.
            inside, outside = _import_job(user), _import_job()
        elif model is User:
            inside = User.objects.create_user(username=f"someone{next(_n)}")
        elif model is Group:
            inside = Group.objects.create(name=f"matrix group {next(_n)}")
        else:
            inside = BUILDERS[model]()

    got, _not_found = _answers(client, model, inside)
    assert got == expected, f"{label} inside, {role}@{level}: expected {expected!r}, got {got!r}"

    if outside is None:
        return
    got, not_found = _answers(client, model, outside)
    if (level == Level.NATIONAL and kind != "imports") or (kind == "imports" and role == Role.NATIONAL_ADMIN):
        assert got == expected, f"{label} (another province), {role}@national: expected {expected!r}, got {got!r}"
    else:
        # Outside: not in the list, "not found" on its pages; the add page depends on the role alone.
        assert got == ("a" if "a" in expected else ""), f"{label} outside, {role}@{level}: got {got!r}"
        assert not_found or "v" not in expected, f"{label} outside, {role}@{level}: its page must answer 'not found'"


@pytest.mark.parametrize(("field", "model_label"), [("commune", "tracker.work"), ("village", "tracker.household")])
def test_add_forms_offer_only_the_jurisdiction(world, make_official, client, field, model_label):
    client.force_login(make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1))
    app, name = model_label.split(".")
    response = client.get(reverse(f"admin:{app}_{name}_add"))
    choices = response.context["adminform"].form.fields[field].queryset
    if field == "commune":
        assert set(choices) == {world.c1, world.l1}
    else:
        outside = VillageFactory(commune=world.c3)
        inside = VillageFactory(commune=world.c1)
        assert inside in choices and outside not in choices
        assert Village.objects.exclude(pk__in=choices.values("pk")).filter(commune=world.c1).count() == 0


# restrict(user, action) asked directly, for every scoped model, role, level and action. Letters: v(iew),
# a(dd), c(hange), d(elete), p (approve), s(ubmit), i (view personal data, asked of households). The roles
# grant actions on the models; the admin narrows some further (a ledger entry is never changed there).
RESTRICT_EXPECTED = {
    Role.DATA_ENTRY: {"data": "vaci", "ledger": "vac", "report": "vs"},
    Role.APPROVER: {"data": "v", "ledger": "v", "report": "vp"},
    Role.VIEWER: {"data": "v", "ledger": "v", "report": "v"},
    Role.NATIONAL_ADMIN: {"data": "vacdi", "ledger": "vacd", "report": "vacdps"},
}
ACTION_LETTERS = {
    "view": "v",
    "add": "a",
    "change": "c",
    "delete": "d",
    "approve": "p",
    "submit": "s",
    "view_personal_data": "i",
}
SCOPED_MODELS = [m for m in MODELS if CATEGORY[m._meta.label_lower] in SCOPED]


@pytest.mark.parametrize(("role", "level"), CASES, ids=lambda v: str(v))
@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m._meta.label_lower)
def test_restrict_decides_role_and_jurisdiction_in_one_call(world, make_official, role, level, model):
    label = model._meta.label_lower
    unit = {Level.NATIONAL: None, Level.PROVINCE: world.p1, Level.COMMUNE: world.c1}[level]
    user = make_official(role, level, unit)
    inside, outside = SCOPED_BUILDERS[label](world.c1), SCOPED_BUILDERS[label](world.c3)
    expected = RESTRICT_EXPECTED[role][CATEGORY[label]]
    for action, letter in ACTION_LETTERS.items():
        if letter == "i" and model._meta.label_lower != "tracker.household":
            continue
        rows = set(
            model.objects.restrict(user, action).filter(pk__in=[inside.pk, outside.pk]).values_list("pk", flat=True)
        )
        allowed = letter in expected
        assert (inside.pk in rows) == allowed, f"{label} inside, {role}@{level}, {action}: expected {allowed}"
        assert (outside.pk in rows) == (allowed and level == Level.NATIONAL), (
            f"{label} outside, {role}@{level}, {action}"
        )


def test_restrict_for_import_jobs(make_official, world):
    """A job is its uploader's to view, confirm (change) and delete; national administrators view and delete all."""
    entry = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    admin_user = make_official(Role.NATIONAL_ADMIN, Level.NATIONAL)
    own, other = _import_job(entry), _import_job()
    ImportJob = type(own)
    for action, expected in {"view": {own.pk}, "change": {own.pk}, "delete": {own.pk}, "add": set()}.items():
        assert set(ImportJob.objects.restrict(entry, action).values_list("pk", flat=True)) == expected, action
    assert set(ImportJob.objects.restrict(admin_user, "view").values_list("pk", flat=True)) >= {own.pk, other.pk}
    assert not ImportJob.objects.restrict(admin_user, "change").filter(pk=own.pk).exists()
