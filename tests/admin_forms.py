"""Posting admin change forms as a browser would: every field of the rendered form, with its shown value."""

from django.forms import CheckboxInput
from django.forms.widgets import ChoiceWidget


def _value(bound):
    """What the browser would send for a bound field: the widget's own text, as the page shows it."""
    value = bound.value()
    widget = bound.field.widget
    if isinstance(widget, CheckboxInput):
        return "on" if value else None
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if value is None:
        return ""
    if isinstance(widget, ChoiceWidget):
        return str(value)
    formatted = widget.format_value(value) if hasattr(widget, "format_value") else value
    return "" if formatted is None else str(formatted)


def _add_form(data: dict, form) -> None:
    for name in form.fields:
        value = _value(form[name])
        if value is not None:
            data[form[name].html_name] = value


def form_data(response, **changes) -> dict:
    """The data a browser posts back from an admin add or change page, with `changes` applied by field name
    (`name` for the main form, `<prefix>-<n>-<name>` for an inline row)."""
    context = response.context
    data: dict = {}
    _add_form(data, context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        _add_form(data, formset.management_form)
        for form in formset.forms:
            _add_form(data, form)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data
