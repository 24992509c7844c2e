"""Nothing is offered that the role cannot do, and nothing offered is refused: every registered admin, as every
demo official (and the superuser), on the demo data.

What the admin offers is decided by kernel/access.py (`may(user, action, model)`, `restrict`). For each official
and model the crawl opens the list, the add form, the change page of the first row listed and its delete page:

- an add link (the list's button, the sidebar's "+"), "Save", a delete link, an action of the list, an inline's
  add row or delete box is shown only to a role the decision lets take that action;
- what is offered is not refused: the add form, filled in with choices the form offers, and the change form,
  posted as it is, are never answered 403 or a refusal on the form; an offered delete page opens;
- what is not offered answers the refusal page (403), styled, when its address is typed by hand.

The decision, per model, is `may` except where a model admin documents another one: an import is added by
uploading a kind the role may import, and a job is its uploader's (imports/models.py, `jobs_reached`); a period
report is added by submitting it (tracker/admin.py, PeriodReportAdmin).
"""

import datetime
import itertools
import re

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from imports.admin import importable_kinds
from imports.models import NO_JOB, ImportJob, job_allows, jobs_reached
from kernel.access import ACTIONS, ADD, CHANGE, DELETE, SUBMIT, VIEW, may
from kernel.admin import REFUSED
from kernel.querysets import ScopedQuerySet
from localities.demo import demo_accounts
from tests.test_screens_vietnamese import FormData, demo  # noqa: F401 (demo: the module's fixture)
from tracker.models import PeriodReport

pytestmark = pytest.mark.django_db

USERNAMES = ["admin"] + [username for username, _role, _level in demo_accounts()]
MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label_lower)
_n = itertools.count(1)


def decided(user, action: str, model, obj=None) -> bool:
    """kernel/access.py's answer: may this user take `action` on `model` (on `obj`, when given)?"""
    if model is ImportJob:
        if action == ADD:
            return bool(importable_kinds(user))
        return jobs_reached(user, action) != NO_JOB if obj is None else job_allows(user, action, obj)
    if model is PeriodReport and action == ADD:
        return may(user, SUBMIT, PeriodReport)
    if action == VIEW:
        allowed = may(user, VIEW, model) or may(user, CHANGE, model)
    else:
        allowed = may(user, action, model)
    queryset = model._default_manager.all()
    if allowed and obj is not None and isinstance(queryset, ScopedQuerySet):
        allowed = queryset.restrict(user, action).filter(pk=obj.pk).exists()
    return allowed


def _urls(model, pk=None):
    info = model._meta.app_label, model._meta.model_name
    urls = {"list": reverse("admin:{}_{}_changelist".format(*info)), "add": reverse("admin:{}_{}_add".format(*info))}
    if pk is not None:
        urls["change"] = reverse("admin:{}_{}_change".format(*info), args=[pk])
        urls["delete"] = reverse("admin:{}_{}_delete".format(*info), args=[pk])
    return urls


class BrowserFormData(FormData):
    """FormData, with a ticked box posted as a browser posts it ("on" when it has no value), not unticked."""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") in ("checkbox", "radio") and attrs.get("value") is None:
            attrs["value"] = "on"
        super().handle_starttag(tag, list(attrs.items()))


def _links_to(html: str, url: str) -> bool:
    return re.search(rf'href="{re.escape(url)}(\?[^"]*)?"', html) is not None


def _choice(field) -> str | None:
    for value, label in field.choices:
        if isinstance(label, list | tuple):  # an option group
            for inner, _label in label:
                if inner not in ("", None):
                    return str(inner)
        elif value not in ("", None):
            return str(value)
    return None


def _typed_value(name: str, field) -> str | list[str] | None:
    """A value an official could type into a required field the page leaves empty (None: none to give)."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        first = field.queryset.first()
        return [str(field.prepare_value(first))] if first is not None else None
    if isinstance(field, forms.ModelChoiceField):
        first = field.queryset.first()
        return str(field.prepare_value(first)) if first is not None else None
    if isinstance(field, forms.ChoiceField):
        return _choice(field)
    if isinstance(field, forms.BooleanField):
        return "on"
    if isinstance(field, forms.DateTimeField):
        return "15/03/2025 08:00"
    if isinstance(field, forms.DateField):
        return "15/03/2025"
    if isinstance(field, forms.IntegerField):
        if name == "year":
            return "2025"
        return str(max(1, field.min_value or 1)) if name != "quarter" else "1"
    if isinstance(field, forms.DecimalField | forms.FloatField):
        return "1"
    if isinstance(field, forms.EmailField):
        return "official@example.com"
    if isinstance(field, forms.URLField):
        return "https://example.com/"
    if isinstance(field, forms.FileField):
        return None
    if isinstance(field, forms.JSONField):
        return "{}"
    if "password" in name:
        return "x-Secret-Demo-123"
    text = f"T{next(_n)}"
    return text[: field.max_length] if getattr(field, "max_length", None) else text


def filled_in(page: str, form) -> dict:
    """The add form as a browser posts it, each required field the page leaves empty filled with a value the
    form offers (its first choice) or one an official could type."""
    data = BrowserFormData.of(page)
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if not field.required or field.disabled or any(data.get(key, [])):
            continue
        value = _typed_value(name, field)
        if isinstance(field.widget, forms.SplitDateTimeWidget) and value:
            data[f"{key}_0"], data[f"{key}_1"] = value.split()
        elif value is not None:
            data[key] = value if isinstance(value, list) else [value]
    return data


def refusals_in(response) -> list[str]:
    """A posted form's answer as refusals: a 403, or the form shown again with a refusal of the role or the
    jurisdiction among its errors (kernel/admin.py, REFUSED)."""
    if response.status_code == 403:
        return [f"403: {response.content.decode()[:300]}"]
    context = response.context
    if response.status_code != 200 or context is None or "adminform" not in context:
        return []
    form = context["adminform"].form
    return [
        f"{field}: {error.message}"
        for field, errors in form.errors.as_data().items()
        for error in errors
        if error.code == REFUSED
    ]


def assert_refusal_page(response, what):
    assert response.status_code == 403, f"{what}: expected the refusal page, got {response.status_code}"
    html = response.content.decode()
    assert 'class="ntp-refused"' in html and 'id="header"' in html, f"{what}: the refusal page is not the styled one"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label_lower)
@pytest.mark.parametrize("username", USERNAMES)
def test_what_is_offered_is_allowed_and_not_refused(demo, username, model):  # noqa: F811
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    label = f"{model._meta.label_lower} as {username}"
    urls = _urls(model)

    listing = client.get(urls["list"])
    if listing.status_code == 200:
        assert decided(user, VIEW, model), f"{label}: the list is shown"
    else:
        assert_refusal_page(listing, f"{label}: the list")
    html = listing.content.decode() if listing.status_code == 200 else ""

    # The add link (the list's button, the sidebar's "+") only for a role that may add; what it opens is not
    # refused; not offered, the add form typed by hand is the refusal page.
    add = client.get(urls["add"])
    if listing.status_code == 200 and _links_to(html, urls["add"]):
        assert decided(user, ADD, model), f"{label}: the add link is offered"
        assert add.status_code == 200, f"{label}: the add link offered answers {add.status_code}"
        if add.context is not None and "adminform" in add.context:
            _assert_inlines_offered(add, user, model, None, label)
            posted = client.post(urls["add"], filled_in(add.content.decode(), add.context["adminform"].form))
            assert not refusals_in(posted), f"{label}: the add form offered is refused: {refusals_in(posted)}"
    elif not decided(user, ADD, model):
        assert_refusal_page(add, f"{label}: the add form")

    # The list's actions (delete selected, approve, revoke...): each only for a role that may take it.
    if listing.status_code == 200 and listing.context.get("action_form") is not None:
        model_admin = admin.site._registry[model]
        offered = {name for name, _text in listing.context["action_form"].fields["action"].choices if name}
        for name in offered:
            func = model_admin.get_action(name)[0]
            for permission in getattr(func, "allowed_permissions", ()):
                if permission in ACTIONS:
                    assert decided(user, permission, model), f"{label}: the action {name} is offered"

    results = listing.context["cl"].result_list if listing.status_code == 200 and listing.context else []
    if not results:
        return
    obj = results[0]
    urls = _urls(model, obj.pk)
    change = client.get(urls["change"])
    assert change.status_code == 200, f"{label}: the page of {obj.pk} answers {change.status_code}"
    page = change.content.decode()

    # "Save" only for a role that may change the record; posted as it is, it is not refused.
    saves = 'name="_save"' in page
    if saves:
        assert decided(user, CHANGE, model, obj), f"{label}: 'Save' offered on {obj.pk}"
        posted = client.post(urls["change"], BrowserFormData.of(page))
        assert not refusals_in(posted), f"{label}: 'Save' on {obj.pk} is refused: {refusals_in(posted)}"
    if change.context is not None and "inline_admin_formsets" in change.context:
        _assert_inlines_offered(change, user, model, obj, label)

    # The delete link only for a role that may delete; typed by hand otherwise, the refusal page.
    if _links_to(page, urls["delete"]):
        assert decided(user, DELETE, model, obj), f"{label}: the delete link on {obj.pk}"
        assert client.get(urls["delete"]).status_code == 200, f"{label}: the delete page offered is refused"
    elif not decided(user, DELETE, model, obj):
        assert_refusal_page(client.get(urls["delete"]), f"{label}: {urls['delete']}")


def _assert_inlines_offered(response, user, model, obj, label):
    """An inline's add rows and delete boxes only for a role that may add (delete) its rows, on a record it may
    change (or add)."""
    parent_action = ADD if obj is None else CHANGE
    for inline in response.context.get("inline_admin_formsets", []):
        inline_model = inline.formset.model
        name = f"{label}, inline {inline_model._meta.label_lower}"
        if inline.has_add_permission and inline.formset.max_num:
            assert decided(user, ADD, inline_model), f"{name}: rows offered to add"
            assert decided(user, parent_action, model, obj), f"{name}: rows offered on a record not to be saved"
        if inline.has_delete_permission and inline.formset.can_delete:
            assert decided(user, DELETE, inline_model), f"{name}: rows offered to delete"


@pytest.mark.parametrize("username", USERNAMES)
def test_the_index_offers_to_add_only_what_the_role_may(demo, username):  # noqa: F811
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    html = client.get(reverse("admin:index")).content.decode()
    offered = [model for model in MODELS if _links_to(html, _urls(model)["add"])]
    wrong = [model._meta.label_lower for model in offered if not decided(user, ADD, model)]
    assert offered or username.endswith(("viewer", "approver")), f"{username}: no add link at all"
    assert not wrong, f"{username}: the index offers to add {wrong}, which the role may not"


def test_the_filled_in_form_is_what_the_form_offers():
    """The crawl's filling: first choices, typed dates and years, nothing for a file."""

    class Sample(forms.Form):
        kind = forms.ChoiceField(choices=[("", "---"), ("a", "A")])
        year = forms.IntegerField(min_value=2000)
        amount = forms.IntegerField(min_value=0)
        on = forms.DateField()
        note = forms.CharField(max_length=3)
        upload = forms.FileField()
        optional = forms.CharField(required=False)

    data = filled_in('<form><input name="note" value="kept"></form>', Sample())
    assert data["kind"] == ["a"] and data["year"] == ["2025"] and data["amount"] == ["1"]
    assert data["on"] == [datetime.date(2025, 3, 15).strftime("%d/%m/%Y")]
    assert data["note"] == ["kept"] and "upload" not in data and "optional" not in data


# -- a refusal at save time: the form again, with what was typed -------------------------------------------------


@pytest.fixture
def plan_form(world, make_official, client):
    """A commune data-entry official of C1 logged in, and the add form of a capital plan entry as they fill it in."""
    from kernel.access import JurisdictionLevelChoices as Level
    from localities.choices import RoleChoices as Role
    from tests.programs.factories import ComponentFactory

    user = make_official(Role.DATA_ENTRY, Level.COMMUNE, world.c1)
    client.force_login(user)
    typed = {
        "component": ComponentFactory().pk,
        "year": "2025",
        "province": world.p1.pk,
        "commune": world.c1.pk,
        "source": "central",
        "capital_type": "investment",
        "kind": "assigned",
        "amount": "1,500,000,000",  # /en/admin/: English figures
        "decided_on": "15/03/2025",
        "note": "Quyết định giao vốn đợt 2",
        "_save": "1",
    }
    return user, typed


def test_a_commune_official_is_not_offered_a_province_entry(world, plan_form, client):
    from programs.models import CapitalPlanEntry

    _user, typed = plan_form
    response = client.get(reverse("admin:programs_capitalplanentry_add"))
    form = response.context["adminform"].form
    assert form.fields["commune"].required
    assert set(form.fields["commune"].queryset) == {world.c1, world.l1}
    assert form["province"].value() == world.p1.pk
    # Left empty (the province's own capital), the form says so; nothing is refused, nothing saved.
    posted = client.post(reverse("admin:programs_capitalplanentry_add"), {**typed, "commune": ""})
    assert posted.status_code == 200
    assert posted.context["adminform"].form.errors.as_data()["commune"][0].code == "required"
    assert not refusals_in(posted)
    assert not CapitalPlanEntry.objects.filter(note=typed["note"]).exists()
    # Filled in as offered, it is saved.
    saved = client.post(reverse("admin:programs_capitalplanentry_add"), typed)
    assert saved.status_code == 302, refusals_in(saved)
    assert CapitalPlanEntry.objects.get(note=typed["note"]).amount == 1_500_000_000


def test_a_refusal_of_the_service_is_an_error_on_the_form_with_the_input_kept(world, plan_form, client, monkeypatch):
    """The official is moved to another commune between opening the form and saving it: the service's re-check
    refuses the entry (PermissionDenied); the form comes back with its values and the refusal, nothing saved."""
    from kernel.admin import Writes
    from localities.models import Official
    from programs.models import CapitalPlanEntry

    user, typed = plan_form
    model_admin = admin.site._registry[CapitalPlanEntry]
    record = model_admin.writes.create

    def moved_then_record(*, user, **fields):
        Official.objects.filter(user=user).update(commune=world.c3, province=world.c3.province)
        del user._ntp_jurisdiction  # read again, as the next request would
        return record(user=user, **fields)

    monkeypatch.setattr(model_admin, "writes", Writes(create=moved_then_record, instance="entry"))
    posted = client.post(reverse("admin:programs_capitalplanentry_add"), typed)

    assert posted.status_code == 200
    assert refusals_in(posted) == [
        "__all__: This capital plan entry would be outside your jurisdiction; nothing was saved."
    ]
    html = posted.content.decode()
    assert 'class="errornote"' in html and "outside your jurisdiction" in html
    form = posted.context["adminform"].form
    assert form["amount"].value() == "1,500,000,000" and form["note"].value() == "Quyết định giao vốn đợt 2"
    assert str(form["commune"].value()) == str(world.c1.pk) and form["decided_on"].value() == "15/03/2025"
    assert not CapitalPlanEntry.objects.filter(note=typed["note"]).exists()
    assert Official.objects.get(user=user).commune == world.c1  # the whole save was rolled back


def test_a_form_the_role_may_not_post_is_the_refusal_page(world, make_official, client, plan_form):
    """A viewer who posts the add form anyway (an old tab, a typed address) gets the refusal page, not a form."""
    from kernel.access import JurisdictionLevelChoices as Level
    from localities.choices import RoleChoices as Role
    from programs.models import CapitalPlanEntry

    _entry, typed = plan_form
    client.force_login(make_official(Role.VIEWER, Level.COMMUNE, world.c1))
    posted = client.post(reverse("admin:programs_capitalplanentry_add"), typed)
    assert_refusal_page(posted, "a viewer's add form")
    assert "Your role does not allow you to add capital plan entries." in posted.content.decode()
    assert not CapitalPlanEntry.objects.filter(note=typed["note"]).exists()
