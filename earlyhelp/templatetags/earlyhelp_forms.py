"""GOV.UK pieces the Early Help Hub's pages need beyond contacts_forms: the core date input, ticked checkboxes."""

from django import template

from mash.date_input import date_parts

register = template.Library()


@register.inclusion_tag("mash/partials/date_input.html")
def govuk_date(field):
    """A mash.date_input.GovukDateField as the GOV.UK date input, with what was typed kept."""
    return {"field": field, "parts": date_parts(field)}


@register.inclusion_tag("earlyhelp/partials/checkboxes.html")
def govuk_checkboxes(field):
    """A multiple-choice field as GOV.UK checkboxes, the boxes ticked as submitted (or as the draft had them)."""
    value = field.value() or []
    ticked = {str(v) for v in (value if isinstance(value, list | tuple) else [value])}
    options = [
        {"value": str(v), "label": label, "checked": str(v) in ticked, "id": f"{field.auto_id}_{i}"}
        for i, (v, label) in enumerate(field.field.choices)
    ]  # fmt: skip
    return {
        "field": field,
        "options": options,
        "error_id": f"{field.auto_id}-error",
        "hint_id": f"{field.auto_id}-hint",
    }
