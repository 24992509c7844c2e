"""The admin base of every app (`NtpAdmin`, `NtpHistoryAdmin`, their inlines) and the admin's write path.

The base scopes every admin to the user's jurisdiction (kernel/access.py), searches ignoring accents
(kernel/text.py), takes only the list parameters a list declares (kernel/list_params.py), exports its lists
(kernel/exports.py), reads typed input the Vietnamese way (kernel/admin_input.py) and refuses entries of a
locked period (kernel/locks.py). Typed values it shows itself (read-only money and decimals of a change form,
the changed values of a record's history) are presented as every screen presents them (kernel/presentation.py).

The write path: every save and delete of an entity with services goes through them, and every
change form of a versioned record carries the version it was opened at.

A model admin (or inline) names its entity's services in `writes`; the admin then never saves a model
itself. A rule the service refuses at save time (a race the form's own checks could not see, a locked
period, a stale version) comes back as an error on the form, with what the official typed kept: the whole
save is rolled back and the form shown again. So does a refusal of the role or the jurisdiction
(PermissionDenied) raised while saving a form the official was offered.

What the admin offers is what the role may do: every admin's (and inline's) view, add, change and delete
permission is `may(user, action, model)` of kernel/access.py, narrowed where the admin says so (a ledger, a
locked period), so that no add button, "Save", delete link, inline row or action is shown that would be
refused. A refusal that still happens (an address typed by hand) is the styled refusal page of
`permission_denied`, the project's `handler403`, saying what was refused and why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper, ObjDiffDisplay

from . import locks
from .access import (
    ACTION_LABELS,
    ADD,
    CHANGE,
    DELETE,
    VIEW,
    can_see_personal_data,
    ensure_allowed,
    mask_personal_value,
    may,
)
from .admin_input import TypedFormFieldsMixin, TypedListQueryMixin
from .exports import ExportAdminMixin
from .list_params import DeclaredParametersMixin
from .presentation import present_value
from .querysets import ScopedQuerySet
from .search import search
from .versions import ensure_current, next_version, stale_message

VERSION_FIELD = "record_version"


@dataclass(frozen=True)
class Writes:
    """The services that write one entity, as the admin calls them.

    `create(user=..., **fields)` returns the new record; `update(<instance>=obj, version=..., user=...,
    **fields)` and `delete(<instance>=obj, version=..., user=...)` take the record under the keyword
    `instance`. An entity without `update` (a ledger) is never changed, only added to.
    """

    create: Callable
    instance: str
    update: Callable | None = None
    delete: Callable | None = None


def is_versioned(model) -> bool:
    return any(f.name == "version" for f in model._meta.concrete_fields)


def form_values(form, model) -> dict:
    """The model fields (and many-to-many fields) a form edits, as cleaned: what a service takes."""
    names = {f.name for f in model._meta.get_fields() if (f.concrete or f.many_to_many) and not f.auto_created}
    pk = model._meta.pk.name
    return {
        name: value
        for name, value in form.cleaned_data.items()
        if name in names and name in form.fields and name != pk and name != "version"
    }


class VersionFormMixin:
    """A form of a versioned record: it sends back the version it was opened at, and a form opened on an
    older version than the stored one is refused, saying who changed what since. The form comes back with
    what the official typed, the others' changes in the fields the official left alone (read from the
    version they opened, in the history), and the stored version: saving again, after a look, is the
    official's own choice, and it no longer undoes the others' changes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if VERSION_FIELD in self.fields and self.instance.pk is not None:
            self.fields[VERSION_FIELD].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        posted = cleaned.get(VERSION_FIELD)
        if posted is not None and self.instance.pk is not None and posted != self.instance.version:
            self.add_error(None, stale_message(self.instance, posted))
            data = self.data.copy()
            self._others_changes_shown(data, posted)
            data[self.add_prefix(VERSION_FIELD)] = str(self.instance.version)
            self.data = data
        return cleaned

    def _others_changes_shown(self, data, posted: int) -> None:
        """In `data`, the stored value of every field the official did not change from the version opened."""
        history = getattr(self.instance, "history", None)
        seen = history.filter(version=posted).first() if history is not None else None
        if seen is None:
            return
        for name in self.fields:
            try:
                field = self.instance._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not field.concrete or field.many_to_many or name not in self.cleaned_data:
                continue
            typed = self.cleaned_data[name]
            typed = typed.pk if isinstance(typed, models.Model) else typed
            if typed == getattr(seen, field.attname):
                data.setlist(self.add_prefix(name), [self[name].initial])


def versioned_form(form_class):
    """`form_class` with the hidden version field and its check."""
    if issubclass(form_class, VersionFormMixin):
        return form_class
    field = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, label=_("version"))
    return type(form_class.__name__, (VersionFormMixin, form_class), {VERSION_FIELD: field})


REFUSED = "permission_denied"  # the code of a form error that is a refusal of the role or the jurisdiction


def refusal_as_error(refusal: PermissionDenied) -> ValidationError:
    """A service's PermissionDenied as an error of the form it refused (its message says which action or which
    jurisdiction refused it)."""
    message = str(refusal) or gettext("Your role does not allow this; nothing was saved.")
    return ValidationError(message, code=REFUSED)


def _refusal_form(form_class, refusal: ValidationError):
    """`form_class` whose validation ends with the service's refusal, so that the form is shown again."""

    class Refused(form_class):
        def _post_clean(self):
            super()._post_clean()
            errors = refusal.error_dict if hasattr(refusal, "error_dict") else {NON_FIELD_ERRORS: refusal.error_list}
            for field, items in errors.items():
                self.add_error(field if field in self.fields else None, ValidationError(items))

    Refused.__name__ = form_class.__name__
    return Refused


def _with_version(fieldsets):
    fieldsets = [(name, dict(options)) for name, options in fieldsets]
    first = fieldsets[0][1]
    if VERSION_FIELD not in first.get("fields", ()):
        first["fields"] = [*first.get("fields", ()), VERSION_FIELD]
    return fieldsets


class ServiceWriteAdminMixin:
    """Saves and deletes through the entity's services (`writes`); versions on every versioned record."""

    writes: Writes | None = None

    def _offers_version(self, request, obj) -> bool:
        return obj is not None and is_versioned(self.model) and self.has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return _with_version(fieldsets) if self._offers_version(request, obj) else fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        if self._offers_version(request, obj):
            kwargs.setdefault("form", versioned_form(self.form))
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_ntp_refusal", None)
        return _refusal_form(form, refusal) if refusal is not None else form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refusal:
            # Everything of this save is rolled back; the form is shown again with the refusal on it.
            request._ntp_refusal = refusal
        except PermissionDenied as refusal:
            if not self._may_post(request, object_id):
                raise  # the role may not use this form at all: the refusal page
            # A service refused what was typed (a row outside the jurisdiction): the form again, with why.
            request._ntp_refusal = refusal_as_error(refusal)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _may_post(self, request, object_id) -> bool:
        """Whether the admin itself lets this user post this form (the add form, or the object's change form)."""
        if object_id is None:
            return self.has_add_permission(request)
        obj = self.get_object(request, unquote(object_id))
        return obj is not None and self.has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        version = form.cleaned_data.get(VERSION_FIELD)
        if self.writes is None:
            if change and is_versioned(self.model):
                current = self.model._default_manager.select_for_update().get(pk=obj.pk)
                ensure_current(current, version)
                next_version(obj, current)
            return super().save_model(request, obj, form, change)
        values = form_values(form, self.model)
        if change:
            if not form.has_changed():
                return None  # saved unchanged: no new version, no history record
            if self.writes.update is None:
                raise ValidationError(_("This entry cannot be changed: correct it with a new entry."))
            self.writes.update(**{self.writes.instance: obj}, version=version, user=request.user, **values)
            return None
        saved = self.writes.create(user=request.user, **values)
        obj.pk = saved.pk
        obj._state.adding = False
        if is_versioned(self.model):
            obj.version = saved.version
        return None

    def save_related(self, request, form, formsets, change):
        if self.writes is None:
            return super().save_related(request, form, formsets, change)
        # The service set the many-to-many fields with the record.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        return None

    def save_formset(self, request, form, formset, change):
        writes = getattr(formset, "writes", None)
        if writes is None:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # only sorts the forms into new, changed and deleted (for the change log)
        deleted = {id(obj) for obj in formset.deleted_objects}
        for obj in formset.deleted_objects:
            if writes.delete is None:
                raise ValidationError(_("This entry cannot be deleted: correct it with a new entry."))
            writes.delete(**{writes.instance: obj}, user=request.user)
        for inline_form in formset.forms:
            obj = inline_form.instance
            if id(obj) in deleted or not inline_form.has_changed() or not hasattr(inline_form, "cleaned_data"):
                continue
            if inline_form.cleaned_data.get("DELETE"):
                continue
            values = form_values(inline_form, formset.model)
            values[formset.fk.name] = formset.instance
            if obj.pk is None:
                writes.create(user=request.user, **values)
            elif writes.update is None:
                raise ValidationError(_("This entry cannot be changed: correct it with a new entry."))
            else:
                version = inline_form.cleaned_data.get(VERSION_FIELD)
                writes.update(**{writes.instance: obj}, version=version, user=request.user, **values)
        return None

    def delete_model(self, request, obj):
        if self.writes is None or self.writes.delete is None:
            return super().delete_model(request, obj)
        self.writes.delete(**{self.writes.instance: obj}, user=request.user)
        return None

    def delete_queryset(self, request, queryset):
        if self.writes is None or self.writes.delete is None:
            return super().delete_queryset(request, queryset)
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                self.writes.delete(**{self.writes.instance: obj}, user=request.user)
        return None


class ServiceWriteInlineMixin:
    """The same for inlines: the formset carries the inline's `writes`, and changeable rows their version."""

    writes: Writes | None = None

    def _offers_version(self, request, obj) -> bool:
        return is_versioned(self.model) and self.has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return _with_version(fieldsets) if self._offers_version(request, obj) else fieldsets

    def get_formset(self, request, obj=None, **kwargs):
        if self._offers_version(request, obj):
            kwargs.setdefault("form", versioned_form(self.form))
        formset = super().get_formset(request, obj, **kwargs)
        formset.writes = self.writes
        return formset


# -- the admin base ------------------------------------------------------------------------------------------


class FoldedSearchMixin:
    """Admin search and autocomplete that ignore Vietnamese accents and case: "bac kan" finds "Bắc Kạn".

    `search_fields` name plain model fields or lookups across relations, each searched for a word anywhere in
    it (a word of one or two letters at the beginning of one of its words); `^field` is searched by its
    beginning, as typed (codes, ID numbers). See kernel/search.py. The list says how under its search box.
    """

    search_help_text = _(
        "Accents and capitals do not matter. Every word typed must be found; a word of one or two letters "
        "(Lê, An) is looked for at the beginning of a word."
    )

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        fields = list(self.get_search_fields(request))
        # the search reads related rows through subqueries, never joins: it repeats no row, and the list
        # needs no DISTINCT around its page, count and totals
        return search(queryset, fields, search_term), False


class LockCheckFormMixin:
    """Refuses, as a form error, a change to an entry dated in an approved (locked) period."""

    def _post_clean(self):
        super()._post_clean()
        if self.errors or not locks.has_periods(self.instance):
            return
        model = type(self.instance)
        previous = model._default_manager.filter(pk=self.instance.pk).first() if self.instance.pk else None
        try:
            locks.ensure_unlocked(self.instance, previous=previous)
        except ValidationError as error:
            self.add_error(None, error)


def jurisdiction_choices(queryset, user):
    """The rows of a related model a user may pick: units they may record data in, rows in their jurisdiction."""
    if hasattr(queryset, "in_jurisdiction"):
        return queryset.in_jurisdiction(user)
    if hasattr(queryset, "restrict"):
        return queryset.restrict(user, VIEW)
    return queryset


_NOT_LOCKED = ""


def is_locked(obj) -> str | None:
    """The reason an entry cannot change (its period is approved), or None. The admin asks it of the same
    object many times a page (each permission check of the form and its inlines): it is read once per
    object and kept on it for the request. Writes check again, inside their transaction (kernel/writes.py)."""
    if obj is None or obj.pk is None:
        return None
    reason = getattr(obj, "_ntp_lock_reason", None)
    if reason is None:
        reason = locks.lock_reason(obj) or _NOT_LOCKED
        obj._ntp_lock_reason = reason
    return reason or None


def may_view(user, model) -> bool:
    """Whether the admin shows `model` to the user: their role may view it, or change it (as Django has it)."""
    return may(user, VIEW, model) or may(user, CHANGE, model)


def role_refusal(action: str, model) -> str:
    return gettext("Your role does not allow you to %(action)s %(objects)s.") % {
        "action": ACTION_LABELS[action],
        "objects": model._meta.verbose_name_plural,
    }


class JurisdictionAdminMixin:
    """Scopes an admin to the user's jurisdiction, as decided in kernel/access.py: lists and objects
    (an object outside answers "not found"), foreign-key and autocomplete choices, filters, and a re-check
    after every save."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.restrict(request.user, VIEW) if hasattr(queryset, "restrict") else queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = kwargs.get("queryset", db_field.remote_field.model._default_manager.all())
        kwargs["queryset"] = jurisdiction_choices(queryset, request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        queryset = kwargs.get("queryset", db_field.remote_field.model._default_manager.all())
        kwargs["queryset"] = jurisdiction_choices(queryset, request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "autocomplete":
            # Choosing a related object: only those the user may record data against.
            queryset = jurisdiction_choices(queryset, request.user)
        return super().get_search_results(request, queryset, search_term)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if locks.has_periods(self.model):
            form = type(form.__name__, (LockCheckFormMixin, form), {})
        return form

    # -- what the admin offers: what the role may do (kernel/access.py), narrowed by locked periods ----------

    def has_view_permission(self, request, obj=None):
        return may_view(request.user, self.model) and self._reaches(request, VIEW, obj)

    def has_add_permission(self, request):
        return may(request.user, ADD, self.model)

    def has_change_permission(self, request, obj=None):
        return may(request.user, CHANGE, self.model) and self._reaches(request, CHANGE, obj) and not is_locked(obj)

    def has_delete_permission(self, request, obj=None):
        return may(request.user, DELETE, self.model) and self._reaches(request, DELETE, obj) and not is_locked(obj)

    def _reaches(self, request, action: str, obj) -> bool:
        """Whether `obj` is among the rows the user may take `action` on (`restrict`). The admin's objects come
        from its queryset, `restrict(user, "view")`; a scoped queryset's rows do not depend on the action (only
        the role does, asked by `may`), so only another kind of `restrict` is asked, once per object and action."""
        if obj is None or obj.pk is None:
            return True
        queryset = self.model._default_manager.all()
        if isinstance(queryset, ScopedQuerySet) or not hasattr(queryset, "restrict"):
            return True
        reached = obj.__dict__.setdefault("_ntp_reached", {})
        if action not in reached:
            reached[action] = queryset.restrict(request.user, action).filter(pk=obj.pk).exists()
        return reached[action]

    def refusal_reason(self, request, action: str, obj=None) -> str | None:
        """Why this admin refuses `action` (on `obj`) to this user, in plain words, for the refusal page; None
        when it does not know."""
        if action in ACTION_LABELS and not may(request.user, action, self.model):
            return role_refusal(action, self.model)
        return is_locked(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        reason = is_locked(obj)
        if reason and request.method == "GET":
            messages.warning(request, reason)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        super().save_model(request, obj, form, change)
        ensure_allowed(request.user, CHANGE if change else ADD, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        ensure_allowed(request.user, CHANGE if change else ADD, form.instance)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            if is_locked(obj):
                raise PermissionDenied(is_locked(obj))
        super().delete_queryset(request, queryset)


class JurisdictionInlineMixin(TypedFormFieldsMixin, ServiceWriteInlineMixin):
    """The same scoping for inlines: related choices and locked-period checks; and the same decision of what
    is offered: rows are added, changed or deleted as the role may (`may`), on a record the user may change."""

    def _parent_changeable(self, request, obj) -> bool:
        """An inline's rows are saved with their record: not offered on a record the user may not change (a
        viewer's, a locked period's), where "Save" would be refused."""
        if obj is None or obj.pk is None:
            return True
        parent = self.admin_site._registry.get(self.parent_model)
        return parent is None or parent.has_change_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        if self.opts.auto_created:  # a many-to-many link table: Django asks the linked model
            return super().has_view_permission(request, obj)
        return may_view(request.user, self.model)

    def has_add_permission(self, request, obj):
        if self.opts.auto_created:
            return super().has_add_permission(request, obj)
        return may(request.user, ADD, self.model) and self._parent_changeable(request, obj)

    def has_change_permission(self, request, obj=None):
        if self.opts.auto_created:
            return super().has_change_permission(request, obj)
        return may(request.user, CHANGE, self.model) and self._parent_changeable(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self.opts.auto_created:
            return super().has_delete_permission(request, obj)
        return may(request.user, DELETE, self.model) and self._parent_changeable(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = kwargs.get("queryset", db_field.remote_field.model._default_manager.all())
        kwargs["queryset"] = jurisdiction_choices(queryset, request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if locks.has_periods(self.model) and not issubclass(formset.form, LockCheckFormMixin):
            formset.form = type(formset.form.__name__, (LockCheckFormMixin, formset.form), {})
        return formset


# -- presenting typed values -------------------------------------------------------------------------------


def _presented_field(model, name) -> models.Field | None:
    """The model field `name` if the one display presents it (money, decimals, dates, moments), else None:
    relations, choices and text are shown as Django shows them."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if field.is_relation or field.choices:
        return None
    kinds = (models.BigIntegerField, models.DecimalField, models.DateField)
    return field if isinstance(field, kinds) and not isinstance(field, models.AutoField | models.BigAutoField) else None


class PresentedReadonlyField(helpers.AdminReadonlyField):
    """A read-only field of a change form: money grouped (194.600.000 / 194,600,000) and decimals pointed as
    the interface writes them, instead of Django's raw 194600000."""

    def contents(self):
        name, obj = self.field["field"], self.form.instance
        field = _presented_field(type(obj), name) if isinstance(name, str) else None
        value = getattr(obj, name, None) if field is not None else None
        if value is None:
            return super().contents()
        return conditional_escape(present_value(value, field))


class _Presenting:
    """Iterates like the admin form or inline formset it wraps, `depth` levels down to its fields, and
    presents the read-only ones (`PresentedReadonlyField`); everything else is the wrapped object's."""

    def __init__(self, wrapped, depth: int):
        self._wrapped, self._depth = wrapped, depth

    def __getattr__(self, name):
        return getattr(self._wrapped, name)

    def __iter__(self):  # no __len__: the template's {% for %} takes the items as a list
        for item in self._wrapped:
            if self._depth > 1:
                yield _Presenting(item, self._depth - 1)
                continue
            if type(item) is helpers.AdminReadonlyField:
                item.__class__ = PresentedReadonlyField  # the same field, presented
            yield item


class PresentedReadonlyMixin:
    """For a ModelAdmin: its change form's read-only fields, and those of its inlines, presented."""

    def render_change_form(self, request, context, *args, **kwargs):
        context["adminform"] = _Presenting(context["adminform"], 3)  # fieldsets, lines, fields
        context["inline_admin_formsets"] = [
            _Presenting(formset, 4)  # forms, fieldsets, lines, fields
            for formset in context["inline_admin_formsets"]
        ]
        return super().render_change_form(request, context, *args, **kwargs)


class _ShortenedDiff(ObjDiffDisplay):
    """A long value in a history row cut with "…" (simple-history writes "[60 chars]", in English)."""

    def shortened_str(self, prefix: str, num_skipped_chars: int, suffix: str) -> str:
        return f"{prefix}…{suffix}"


class PresentingContextHelper(HistoricalRecordContextHelper):
    """A record's history shows changed values as every screen does: 20/12/2022, 9.615.800.000, 36 → 56."""

    def get_obj_diff_display(self) -> ObjDiffDisplay:
        return _ShortenedDiff(max_length=max(self.max_displayed_delta_change_chars, 160), placeholder_len=1)

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        field = _presented_field(self.model, change.field)
        if field is None:
            return "—" if value is None else value
        return present_value(value, field)


class MaskingContextHelper(PresentingContextHelper):
    """Shows personal-data fields masked in a record's history."""

    masked_fields: tuple = ()

    def prepare_delta_change_value(self, change, value):
        if change.field in self.masked_fields:
            return mask_personal_value(change.field, value)
        return super().prepare_delta_change_value(change, value)


class ListRowsMixin:
    """A list's rows drawn without a template per cell where Django renders one: the action checkbox, a form
    widget rendered through the template engine for each row (70 ms of a page of 100 households), is the same
    element written directly."""

    def action_checkbox(self, obj):
        label = format_html(_("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )


class NtpAdmin(
    ListRowsMixin,
    TypedListQueryMixin,
    TypedFormFieldsMixin,
    DeclaredParametersMixin,
    ExportAdminMixin,
    PresentedReadonlyMixin,
    ServiceWriteAdminMixin,
    JurisdictionAdminMixin,
    FoldedSearchMixin,
    admin.ModelAdmin,
):
    """The base of every admin in the project: list URLs take only what the list declares (list_params.py)."""


class NtpHistoryAdmin(
    ListRowsMixin,
    TypedListQueryMixin,
    TypedFormFieldsMixin,
    DeclaredParametersMixin,
    ExportAdminMixin,
    PresentedReadonlyMixin,
    ServiceWriteAdminMixin,
    JurisdictionAdminMixin,
    FoldedSearchMixin,
    SimpleHistoryAdmin,
):
    """The base for models whose history is kept: officials read it from the "History" button."""

    object_history_list_template = "admin/ntp/object_history_list.html"  # a change without a reason: no "None"

    def _ensure_visible(self, request, object_id):
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._ensure_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._ensure_visible(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        if self.personal_data_fields and not can_see_personal_data(request.user):
            helper = type("Masking", (MaskingContextHelper,), {"masked_fields": self.personal_data_fields})
            return helper(self.model, historical_record)
        return PresentingContextHelper(self.model, historical_record)


def action_with_form(
    modeladmin, request, queryset, *, form_class, action: str, title, explanation, submit_label, apply
):
    """An admin action that first asks for a few fields (a reason, a date), then applies `apply(obj, data)`
    to each selected object, reporting every refusal as a message."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                modeladmin.message_user(request, f"{obj}: {text}", messages.ERROR)
        if done:
            modeladmin.message_user(
                request,
                _("Done for %(count)d of %(total)d.") % {"count": done, "total": len(queryset)},
                messages.SUCCESS,
            )
        return None
    return TemplateResponse(
        request,
        "admin/ntp/action_form.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "explanation": explanation,
            "submit_label": submit_label,
            "queryset": queryset,
            "form": form,
            "action": action,
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


# -- the refusal page ----------------------------------------------------------------------------------------

# The admin's own views, by the last word of their URL names, and the action each asks for.
_VIEW_ACTIONS = {"changelist": VIEW, "add": ADD, "change": CHANGE, "delete": DELETE, "history": VIEW}


def _refused_admin(match):
    """The model admin of the refused page (None for a page of no model admin): its views carry it; its own
    extra pages are named `<app>_<model>_<page>`."""
    if match is None:
        return None
    found = getattr(match.func, "model_admin", None)
    if found is not None:
        return found
    for model, model_admin in admin.site._registry.items():
        if (match.url_name or "").startswith(f"{model._meta.app_label}_{model._meta.model_name}_"):
            return model_admin
    return None


def _refused_object(request, model_admin, match):
    object_id = match.kwargs.get("object_id") if match is not None else None
    if model_admin is None or object_id is None:
        return None
    try:
        return model_admin.get_object(request, unquote(object_id))
    except (ValidationError, ValueError):
        return None


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def permission_denied(request, exception=None):
    """The project's `handler403`: a refusal (PermissionDenied anywhere: an admin page, a /delete/ address, a
    status page) as a page of the admin in the interface's language, saying what was refused and why in plain
    words, with links back to the list and home. Under /api/ the answer stays in the API's error format."""
    message = str(exception) if exception is not None else ""
    if request.path_info.startswith("/api/"):
        text = message or gettext("You do not have permission to perform this action.")
        body = {"errors": [{"index": None, "field": None, "code": REFUSED, "message": text}]}
        return JsonResponse(body, status=403, json_dumps_params={"ensure_ascii": False})
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    model_admin = _refused_admin(match)
    model = getattr(model_admin, "model", None)
    action = _VIEW_ACTIONS.get((match.url_name or "").rpartition("_")[2]) if model_admin and match else None
    if action == CHANGE and request.method != "POST":
        action = VIEW  # a change page refused on opening: it was not even to be read
    obj = _refused_object(request, model_admin, match) if action in (VIEW, CHANGE, DELETE) else None

    role_refused = action is not None and not may(user, action, model)
    if message:
        reason = message  # a service's own words: which action, which jurisdiction, which period
    elif action is not None and hasattr(model_admin, "refusal_reason"):
        reason = model_admin.refusal_reason(request, action, obj) or gettext("This action is not available here.")
    elif action is not None:
        reason = role_refusal(action, model) if role_refused else gettext("This action is not available here.")
    else:
        role_refused = True
        reason = gettext("Your role does not give access to this page.")

    if action is not None:
        title = gettext("You may not %(action)s %(objects)s") % {
            "action": ACTION_LABELS[action],
            "objects": model._meta.verbose_name_plural,
        }
    else:
        title = gettext("You may not open this page")
    list_url = None
    if model_admin is not None and model_admin.has_view_permission(request):
        opts = model._meta
        list_url = _url(f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")
    site = model_admin.admin_site if model_admin is not None else admin.site
    context = {
        **site.each_context(request),
        "title": title,
        "reason": reason,
        "ask_for_it": role_refused and not message,
        "opts": model._meta if model is not None else None,
        "list_url": list_url,
        "home_url": _url(f"{site.name}:index"),
    }
    return render(request, "403.html", context, status=403)
