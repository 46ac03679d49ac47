"""Form widgets rendered in Python, with the markup of Django's own widget templates.

Django renders every widget, and every <option> and checkbox within it, through a template of
its own: the filter form on each list page took about a quarter of the page's time that way.
These functions take the same context Django computes (`Widget.get_context`, with the
attributes `BoundField` adds: id, aria-invalid, aria-describedby) and write the same HTML as
`django/forms/widgets/{input,select,select_option,attrs}.html`. `tests/test_views.py` compares
the two renderings.
"""

from __future__ import annotations

from django import forms
from django.forms.widgets import Input
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict) -> str:
    # attrs.html: a False value leaves the attribute out, True writes it bare.
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {name}")
        else:
            out.append(f' {name}="{conditional_escape(str(value))}"')
    return "".join(out)


def _input(widget: dict) -> str:
    value = widget.get("value")
    shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
    name = conditional_escape(widget["name"])
    return f'<input type="{widget["type"]}" name="{name}"{shown}{_attrs(widget["attrs"])}>'


def _select(widget: dict) -> str:
    options = []
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            options.append(f'<optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            options.append(
                f'<option value="{conditional_escape(str(option["value"]))}"'
                f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>"
            )
        if group_name:
            options.append("</optgroup>")
    return (
        f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>'
        + "".join(options)
        + "</select>"
    )


def widget_context(bound_field: forms.BoundField, *, id_first: bool = False) -> dict:
    """The `widget` context `BoundField.as_widget()` would hand to the widget's template
    (`BoundField.subwidgets` puts the id first: `id_first`)."""
    widget = bound_field.field.widget
    id_ = widget.attrs.get("id") or bound_field.auto_id
    if id_first:
        attrs = bound_field.build_widget_attrs({"id": id_} if id_ else {}, widget)
    else:
        attrs = bound_field.build_widget_attrs({}, widget)
        if bound_field.auto_id and "id" not in widget.attrs:
            attrs.setdefault("id", bound_field.auto_id)
    return widget.get_context(bound_field.html_name, bound_field.value(), attrs)["widget"]


def render_widget(bound_field: forms.BoundField) -> SafeString:
    """`str(bound_field)` for text, number, date and select widgets, without templates."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
        raise TypeError("use choice_inputs() for checkbox and radio groups")
    context = widget_context(bound_field)
    if isinstance(widget, forms.Select):
        return mark_safe(_select(context))
    if isinstance(widget, Input):
        return mark_safe(_input(context))
    return bound_field.as_widget()  # anything else: Django's own template


def choice_inputs(bound_field: forms.BoundField) -> list[tuple[SafeString, str, str]]:
    """(input tag, id, label) for each choice of a checkbox or radio group: what
    `{% for choice in field %}{{ choice.tag }}` gives, without a template per choice."""
    context = widget_context(bound_field, id_first=True)
    rows = []
    for _group, choices, _index in context["optgroups"]:
        for option in choices:
            tag = mark_safe(_input(option))
            rows.append((tag, option["attrs"].get("id", ""), option["label"]))
    return rows
