"""The admin's write path: every save and delete of an entity with services goes through them, and every
change form of a versioned record carries the version it was opened at.

A model admin (or inline) names its entity's services in `writes`; the admin then never saves a model
itself. A rule the service refuses at save time (a race the form's own checks could not see, a locked
period, a stale version) comes back as an error on the form, with what the official typed kept: the whole
save is rolled back and the form shown again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models, router, transaction
from django.utils.translation import gettext_lazy as _

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
            return super().changeform_view(request, object_id, form_url, extra_context)

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
