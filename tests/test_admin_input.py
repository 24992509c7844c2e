"""What officials type into the admin is stored exactly: every date, money and decimal field of every admin
form and inline, posted as a browser would, in Vietnamese (/admin/) and English (/en/admin/), read back from
the database.

The fields are discovered from the models of the admin registry and its inlines: a field of those kinds that
no admin form shows fails the test unless NOT_IN_FORMS says why. Refused inputs give a form error that says
what was read (the kernel's message, in the interface's language) and store nothing.
"""

import datetime
import itertools
from decimal import Decimal

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.auth.models import User
from django.db import models
from django.forms.widgets import ChoiceWidget
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from kernel.forms import is_money
from kernel.numbers import ValueProblem, amount_from_input, date_from_input, number_from_input, year_from_input
from programs.choices import CapitalEntryKindChoices
from tests.test_admin_pages import BUILDERS
from tests.tracker.factories import AllocationFactory
from tracker import services
from tracker.choices import PovertyStatusChoices, WorkStatusChoices
from tracker.models import Disbursement, PovertyAssessment, ProgressReport

pytestmark = pytest.mark.django_db
_n = itertools.count(1)

NOV_5 = datetime.date(2026, 11, 5)
# (language, typed, stored)
ACCEPTED = {
    "date": [
        ("vi", "05/11/2026", NOV_5),
        ("vi", "5/11/2026", NOV_5),
        ("vi", "05/11/26", NOV_5),
        ("vi", "2026-11-05", NOV_5),
        ("vi", "15/11/2026", datetime.date(2026, 11, 15)),
        ("en", "05/11/2026", NOV_5),
        ("en", "2026-11-05", NOV_5),
    ],
    "money": [
        ("vi", "200.000", 200_000),
        ("vi", "1.234.567", 1_234_567),
        ("vi", "1 234 567", 1_234_567),
        ("en", "1,234,567", 1_234_567),
        ("en", "200,000", 200_000),
    ],
    "decimal": [
        ("vi", "1,8", Decimal("1.8")),
        ("en", "1.8", Decimal("1.8")),
    ],
}
# (language, typed, what the message must show besides the typed text)
REFUSED = {
    "date": [("vi", "13/25/2026", ["13", "25", "2026"]), ("en", "13/25/2026", ["13", "25", "2026"])],
    "money": [
        ("en", "200.000", ["200", "200,000"]),  # 200 or 200 thousand?
        ("en", "1.5", ["1.5"]),
        ("vi", "1,234", ["1,234", "1.234"]),  # 1,234 đồng is not whole; 1.234 is how to write a thousand and more
        ("vi", "1,5", ["1,5"]),
    ],
    "decimal": [("vi", "1.8", ["1,8"]), ("en", "1,8", ["1.8"])],
}
# Fields whose range leaves out the inputs above (a work lies in Viet Nam).
ACCEPTED_HERE = {
    "tracker.work.latitude": [("vi", "21,8", Decimal("21.8")), ("en", "21.8", Decimal("21.8"))],
    "tracker.work.longitude": [("vi", "105,8", Decimal("105.8")), ("en", "105.8", Decimal("105.8"))],
}
PARSERS = {"date": date_from_input, "money": amount_from_input, "decimal": number_from_input}

# Fields of those kinds that no admin form shows, and why.
NOT_IN_FORMS = {
    "tracker.periodreport.submitted_at": "set by period_report_submit; read-only in the admin",
    "tracker.periodreport.decided_at": "set by the approval services; read-only in the admin",
    "axes.accesslog.logout_time": "written by django-axes; its admin is read-only",
    "imports.importjob.confirmed_at": "set by the import job itself; its admin has no model form",
    "imports.importjob.started_at": "set by the import job itself; its admin has no model form",
    "imports.importjob.finished_at": "set by the import job itself; its admin has no model form",
}
# Values the other fields of a form need for an input to be valid there.
COMPANIONS = {
    "tracker.allocation.extended_until": {"kind": CapitalEntryKindChoices.EXTENSION},
    "programs.capitalplanentry.extended_until": {"kind": CapitalEntryKindChoices.EXTENSION},
    "tracker.work.capacity": {"capacity_unit": "km"},
    "tracker.povertyassessment.income_per_capita": {"status": PovertyStatusChoices.ESCAPED},
    # A work has one progress report a day: a new row copied from the built one needs another day.
    "tracker.progressreport.progress_percent": {"reported_on": "04/03/2026"},
    "tracker.progressreport.quantity_done": {"reported_on": "04/03/2026"},
}


def _disbursement_of_2026():
    """A disbursement of 2026 capital: a voucher dated 05/11/2026 is within its year and deadline."""
    allocation = AllocationFactory(year=2026, amount=5_000_000_000, decided_on=datetime.date(2026, 1, 10))
    return services.disbursement_record(
        work=allocation.work,
        year=2026,
        source=allocation.source,
        capital_type=allocation.capital_type,
        amount=250_000_000,
        voucher_number=f"PC-{next(_n)}",
        paid_on=datetime.date(2026, 3, 2),
    )


def _progress_report():
    work = AllocationFactory().work
    return services.progress_report_record(
        work=work,
        reported_on=datetime.date(2026, 3, 3),
        progress_percent=35,
        status=WorkStatusChoices.UNDER_CONSTRUCTION,
    )


INPUT_BUILDERS = {**BUILDERS, Disbursement: _disbursement_of_2026, ProgressReport: _progress_report}


def kind_of(field: models.Field) -> str | None:
    if isinstance(field, models.DateTimeField):
        return "datetime"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.DecimalField):
        return "decimal"
    if is_money(field):
        return "money"
    return None


def _models_with_forms():
    found = set(admin.site._registry)
    for model_admin in admin.site._registry.values():
        found.update(inline.model for inline in model_admin.inlines)
    return sorted(found, key=lambda m: m._meta.label_lower)


FIELDS = [
    (model, field.name)
    for model in _models_with_forms()
    for field in model._meta.concrete_fields
    if field.editable and kind_of(field)
]


def _label(model, name) -> str:
    return f"{model._meta.label_lower}.{name}"


# ---------------------------------------------------------------------------------------------------------
# Posting as a browser would


def _text(widget, value) -> str:
    if value is None:
        return ""
    if isinstance(widget, ChoiceWidget):
        return str(value)
    formatted = widget.format_value(value)
    return "" if formatted is None else str(formatted)


def form_data(form) -> dict:
    """What a browser posts for `form` as the page shows it: each field's widget's own text."""
    data: dict = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        bound = form[name]
        widget = field.widget
        while isinstance(widget, RelatedFieldWidgetWrapper):
            widget = widget.widget
        value = bound.value()
        if isinstance(widget, forms.MultiWidget):
            parts = value if isinstance(value, list | tuple) else widget.decompress(value)
            for suffix, sub, part in zip(widget.widgets_names, widget.widgets, parts, strict=True):
                data[bound.html_name + suffix] = _text(sub, part)
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = _text(widget, value)
    return data


def page_data(response) -> dict:
    """Every form of an admin add or change page, as posted back unchanged."""
    data = form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        data.update(form_data(inline.formset.management_form))
        for form in inline.formset.forms:
            data.update(form_data(form))
    return data


def errors_of(response) -> list[str]:
    context = response.context
    errors = [str(e) for e in context["adminform"].form.errors.values()]
    for inline in context["inline_admin_formsets"]:
        errors += [str(e) for e in inline.formset.non_form_errors()]
        errors += [str(e) for form in inline.formset.forms for e in form.errors.values()]
    return errors


def field_errors(response, html_name: str) -> list[str]:
    """The errors shown for one field (`name` or `<prefix>-<n>-<name>`)."""
    context = response.context
    forms_ = [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:
        forms_ += inline.formset.forms
    for form in forms_:
        for name in form.errors:
            if form.add_prefix(name) == html_name:
                return list(form.errors[name])
    return []


class Surface:
    """One place a field is typed in: a model's add or change form, or a row of an inline."""

    def __init__(self, model, name, *, parent_admin=None, inline=None):
        self.model, self.name = model, name
        self.parent_admin, self.inline = parent_admin, inline
        self.label = _label(model, name)

    def __repr__(self):
        where = f"inline of {self.parent_admin.model._meta.label_lower}" if self.inline else "form"
        return f"{self.label} ({where})"

    def prepare(self):
        """Build the objects once; the parent (or the object) whose page is posted."""
        self.child = INPUT_BUILDERS[self.model]()
        if self.inline is None:
            self.target = self.child
            model_admin = admin.site._registry[self.model]
        else:
            fk_name = self.inline.fk_name or next(
                f.name
                for f in self.model._meta.concrete_fields
                if f.is_relation and f.related_model is self.parent_admin.model
            )
            self.target = getattr(self.child, fk_name)
            model_admin = self.parent_admin
        request = RequestFactory().get("/")
        request.user = User.objects.filter(is_superuser=True).first()
        self.changes = model_admin.has_change_permission(request, self.target)
        info = (self.target._meta.app_label, self.target._meta.model_name)
        self.url_name = f"admin:{info[0]}_{info[1]}_" + ("change" if self.changes else "add")
        if self.inline is not None:
            inline_admin = self.inline(self.parent_admin.model, admin.site)
            self.changes_row = inline_admin.has_change_permission(request, self.target)

    def url(self, language):
        with translation.override(language):
            return reverse(self.url_name, args=[self.target.pk] if self.changes else [])

    def shows_field(self, client) -> bool:
        response = client.get(self.url("vi"))
        if response.status_code != 200 or "adminform" not in response.context:
            return False  # no page, or not a model form (the import job's upload page)
        if self.inline is None:
            return self.name in response.context["adminform"].form.fields
        formset = self._formset(response)
        return formset is not None and self.name in formset.form.base_fields

    def _formset(self, response):
        for inline in response.context["inline_admin_formsets"]:
            if type(inline.opts) is self.inline:
                return inline.formset
        return None

    def data(self, client, language):
        """The page's data as a browser posts it back, and the name under which `self.name` is posted."""
        response = client.get(self.url(language))
        assert response.status_code == 200
        with translation.override(language):
            if self.inline is None:
                form = response.context["adminform"].form
                data = page_data(response)
                if not self.changes:  # an add-only ledger: a new entry like the built one
                    data.update(form_data(type(form)(instance=self.child)))
                    data.pop("version", None)
                return data, self.name
            data = page_data(response)
            formset = self._formset(response)
            if self.changes_row:
                row = next(f for f in formset.forms if f.instance.pk == self.child.pk)
                return data, row.add_prefix(self.name)
            # A new row like the built one (existing rows cannot change).
            index = len(formset.forms)
            new = formset.form(instance=self.child, prefix=formset.add_prefix(index))
            row = {k: v for k, v in form_data(new).items() if not k.endswith("-version")}
            data.update(row)
            data[f"{formset.prefix}-TOTAL_FORMS"] = str(index + 1)
            return data, new.add_prefix(self.name)

    def rows(self):
        return set(self.model._default_manager.values_list("pk", flat=True))

    def post(self, client, language, typed):
        """Post `typed` into the field (and the companions it needs); the response and the field's name."""
        data, name = self.data(client, language)
        prefix = name[: -len(self.name)]
        kind = kind_of(self.model._meta.get_field(self.name))
        for other, value in data.items():
            # The form's other fields of this kind that hold a value take the same one, so that the
            # rules between them (planned completion after start, valid to after valid from) hold.
            if other.startswith(prefix) and other != name and other[len(prefix) :] in self._same_kind(kind):
                if value:
                    data[other] = typed
        for field, value in COMPANIONS.get(self.label, {}).items():
            data[prefix + field] = value
        if kind == "datetime":  # a date and a time input
            data[name + "_0"], data[name + "_1"] = typed, "08:30"
        else:
            data[name] = typed
        return client.post(self.url(language), data), name

    def _same_kind(self, kind):
        if kind not in ("date", "money"):
            return set()
        return {f.name for f in self.model._meta.concrete_fields if kind_of(f) == kind and f.name != self.name}

    def stored(self, before):
        """The value stored by the last post, and the row it is in (None if it changed nothing)."""
        if self.changes and (self.inline is None or self.changes_row):
            row = self.model._default_manager.get(pk=self.child.pk)
            return getattr(row, self.name), row
        new = self.model._default_manager.exclude(pk__in=before)
        assert new.count() <= 1
        row = new.first()
        return (getattr(row, self.name) if row else None), row

    def forget(self, row):
        """Remove an added row, so the next post does not meet it (one progress report per day)."""
        if row is not None and not (self.changes and (self.inline is None or self.changes_row)):
            type(row)._base_manager.filter(pk=row.pk).delete()


def surfaces_of(model, name):
    found = []
    if model in admin.site._registry:
        found.append(Surface(model, name))
    for model_admin in admin.site._registry.values():
        for inline in model_admin.inlines:
            if inline.model is model:
                found.append(Surface(model, name, parent_admin=model_admin, inline=inline))
    return found


@pytest.mark.parametrize(("model", "name"), FIELDS, ids=[_label(m, n) for m, n in FIELDS])
def test_typed_values_are_stored_exactly(admin_client, model, name):
    kind = kind_of(model._meta.get_field(name))
    shown = []
    for surface in surfaces_of(model, name):
        surface.prepare()
        if surface.shows_field(admin_client):
            shown.append(surface)
    label = _label(model, name)
    if not shown:
        assert label in NOT_IN_FORMS, f"{label} is in no admin form: add it to one, or to NOT_IN_FORMS with why"
        return
    assert label not in NOT_IN_FORMS, f"{label} is in an admin form now: remove it from NOT_IN_FORMS"

    for surface in shown:
        accepted = ACCEPTED_HERE.get(label) or ACCEPTED["date" if kind == "datetime" else kind]
        shown_back = set()  # (language, value) whose form was posted back: once is enough for each
        for language, typed, stored in accepted:
            before = surface.rows()
            response, html_name = surface.post(admin_client, language, typed)
            assert response.status_code == 302, (surface, language, typed, errors_of(response))
            value, row = surface.stored(before)
            if kind == "datetime":
                value = timezone.localtime(value)
                value, expected = (value.date(), value.time()), (stored, datetime.time(8, 30))
            else:
                expected = stored
            assert value == expected, (surface, language, typed, value)
            if kind != "datetime" and (language, expected) not in shown_back:
                _unchanged_when_posted_back(admin_client, surface, language, expected)
                shown_back.add((language, expected))
            surface.forget(row)

        for language, typed, shows in REFUSED["date" if kind == "datetime" else kind]:
            before = surface.rows()
            previous, _ = surface.stored(before) if surface.changes and surface.inline is None else (None, None)
            response, html_name = surface.post(admin_client, language, typed)
            assert response.status_code == 200, (surface, language, typed, "was accepted")
            errors = field_errors(response, html_name)
            assert errors, (surface, language, typed, errors_of(response))
            if kind != "datetime":
                with translation.override(language):
                    with pytest.raises(ValueProblem) as caught:
                        PARSERS[kind](typed)
                assert caught.value.message in errors, (surface, language, errors)
                for fragment in [typed, *shows]:
                    assert fragment in caught.value.message
            assert surface.rows() == before, "a refused input added a row"
            if previous is not None:
                assert getattr(surface.model._default_manager.get(pk=surface.child.pk), name) == previous


def _unchanged_when_posted_back(client, surface, language, expected):
    """A change form posted back as shown keeps the value: what the widget writes reads back the same."""
    if not (surface.changes and (surface.inline is None or surface.changes_row)):
        return
    data, name = surface.data(client, language)
    assert data[name] != "", (surface, "the stored value is not shown")
    response = client.post(surface.url(language), data)
    assert response.status_code == 302, (surface, language, errors_of(response))
    assert getattr(surface.model._default_manager.get(pk=surface.child.pk), surface.name) == expected


# ---------------------------------------------------------------------------------------------------------
# Years, list columns, list URLs, action forms


def test_a_year_is_four_digits_and_shows_without_grouping(admin_client):
    disbursement = _disbursement_of_2026()
    response = admin_client.get(reverse("admin:tracker_disbursement_changelist"))
    page = response.content.decode()
    assert ">2026<" in page and "2.026" not in page
    assessment = BUILDERS[PovertyAssessment]()
    with translation.override("vi"):  # the Vietnamese admin, /admin/
        url = reverse("admin:tracker_povertyassessment_change", args=[assessment.pk])
        data = page_data(admin_client.get(url))
    data["year"] = "2.025"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    with translation.override("vi"):
        with pytest.raises(ValueProblem) as caught:
            year_from_input("2.025")
    assert field_errors(response, "year") == [caught.value.message]
    assert PovertyAssessment.objects.get(pk=assessment.pk).year == assessment.year
    assert disbursement.year == 2026


@pytest.mark.parametrize("language", ["vi", "en"])
def test_list_dates_are_typed_day_first(admin_client, language):
    disbursement = _disbursement_of_2026()  # paid on 02/03/2026
    with translation.override(language):
        url = reverse("admin:tracker_disbursement_changelist")
    for typed, found in [("01/03/2026", False), ("2/3/2026", True), ("02/03/26", True), ("2026-03-02", True)]:
        response = admin_client.get(url, {"work__id__exact": disbursement.work_id, "paid_on__lte": typed})
        assert response.status_code == 200
        assert [d.pk for d in response.context["cl"].result_list] == ([disbursement.pk] if found else []), typed


@pytest.mark.parametrize(
    ("parameters", "fragment", "listed"),
    [
        ({"paid_on__lte": "abc"}, "paid_on__lte", True),
        ({"paid_on__lte": "13/25/2026"}, "13", True),
        ({"paid_on__year": "2.025"}, "2.025", True),
        ({"paid_on__year": "2026", "paid_on__month": "13"}, "paid_on__month", True),
        # 29/02/2026 does not exist: the day is dropped, February 2026 is listed (paid in March: not in it).
        ({"paid_on__year": "2026", "paid_on__month": "2", "paid_on__day": "29"}, "paid_on__day", False),
        ({"year": "2.026"}, "2.026", True),
    ],
)
def test_a_list_value_that_cannot_be_read_is_dropped_with_a_message(admin_client, parameters, fragment, listed):
    disbursement = _disbursement_of_2026()
    response = admin_client.get(reverse("admin:tracker_disbursement_changelist"), parameters)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any(fragment in m for m in shown), shown
    assert (disbursement.pk in [d.pk for d in response.context["cl"].result_list]) is listed


def test_a_typed_year_filters_the_list(admin_client):
    disbursement = _disbursement_of_2026()
    response = admin_client.get(reverse("admin:tracker_disbursement_changelist"), {"year": "2026"})
    assert [d.pk for d in response.context["cl"].result_list] == [disbursement.pk]
    response = admin_client.get(reverse("admin:tracker_disbursement_changelist"), {"year": "2025"})
    assert list(response.context["cl"].result_list) == []


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_reversal_date_is_typed_day_first(admin_client, language):
    disbursement = _disbursement_of_2026()
    with translation.override(language):
        url = reverse("admin:tracker_disbursement_changelist")
    response = admin_client.post(
        url,
        {
            "action": "reverse_disbursements",
            "_selected_action": [disbursement.pk],
            "apply": "1",
            "reason": "Sai số tiền",
            "reversed_on": "05/11/26",
        },
    )
    assert response.status_code == 302
    reversal = Disbursement.objects.get(reverses=disbursement)
    assert reversal.paid_on == NOV_5
    assert reversal.amount == -disbursement.amount
