"""GOV.UK Design System form fields and error summaries for the contacts pages."""

from django import forms, template

from mash.date_input import DatePartsWidget as GovukDatePartsWidget

from ..forms import DatePartsWidget

register = template.Library()


def _kind(widget) -> str:
    if isinstance(widget, DatePartsWidget):
        return "date"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    return "input"


@register.inclusion_tag("contacts/partials/field.html")
def govuk_field(field, heading=False, width="", hint=""):
    """Render a bound field as the GOV.UK component of its kind; ``heading`` makes the label the page's h1."""
    kind = _kind(field.field.widget)
    context = {
        "field": field,
        "kind": kind,
        "heading": heading,
        "width": width,
        "hint": hint or field.help_text,
        "error_id": f"{field.auto_id}-error",
        "hint_id": f"{field.auto_id}-hint",
    }
    if kind == "date":
        value = field.value()
        if not isinstance(value, list | tuple):
            value = field.field.widget.decompress(value)
        context["parts"] = [
            {"label": label, "name": f"{field.html_name}_{i}", "id": f"{field.auto_id}_{i}", "value": value[i] or "",
             "width": 4 if i == 2 else 2}
            for i, label in enumerate(("Day", "Month", "Year"))
        ]  # fmt: skip
    elif kind in ("radios", "select"):
        current = "" if field.value() is None else str(field.value())
        context["options"] = [
            {"value": str(v), "label": label, "selected": str(v) == current, "id": f"{field.auto_id}_{i}"}
            for i, (v, label) in enumerate(field.field.choices)
        ]
    return context


@register.inclusion_tag("contacts/partials/error_summary.html")
def error_summary(*forms_or_errors):
    """The error summary at the top of the page: each error links to its field."""
    items = []
    for item in forms_or_errors:
        if item is None or item == "":
            continue
        if isinstance(item, forms.BaseForm):
            for error in item.non_field_errors():
                items.append({"href": "#main-content", "text": error})
            for field in item:
                # The first box of a date and the first radio or checkbox of a group, as GOV.UK links them.
                first = (
                    f"#{field.auto_id}_0" if _kind(field.field.widget) in ("date", "radios") else f"#{field.auto_id}"
                )
                if isinstance(field.field.widget, GovukDatePartsWidget):
                    first = f"#{field.field.widget.id_for_label(field.auto_id)}"
                for error in field.errors:
                    items.append({"href": first, "text": error})
        else:  # a list of {"href", "text"}
            items.extend(item)
    return {"items": items}


@register.inclusion_tag("contacts/partials/birth_fields.html")
def birth_fields(born, date_of_birth, expected_date, *unborn_extras):
    """Has the child been born? GOV.UK radios with conditional reveal: "Yes" shows the date of birth, "No" the
    expected date of delivery (and ``unborn_extras``, e.g. the expectant mother's name)."""
    current = "" if born.value() is None else str(born.value())
    return {
        "born": born,
        "date_of_birth": date_of_birth,
        "expected_date": expected_date,
        "extras": unborn_extras,
        "born_yes": current == "yes",
        "born_no": current == "no",
        "error_id": f"{born.auto_id}-error",
    }
