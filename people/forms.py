"""Forms of the people pages: the chronology's filters and a chronology entry added by hand."""

from __future__ import annotations

from django import forms

from mash.date_input import GovukDateField
from mash.forms import CharField as GovukCharField

from .models import SUMMARY_MAX
from .search import parse_date
from .selectors import KINDS, ChronologyFilter


def chronology_filter(params) -> tuple[ChronologyFilter, dict]:
    """Kinds and a date range from the query string; unknown kinds or unreal dates are field errors."""
    errors: dict[str, list[str]] = {}
    kinds = set(params.getlist("kind")) if hasattr(params, "getlist") else set(params.get("kind", []))
    kinds.discard("")
    unknown = sorted(kinds - set(KINDS))
    if unknown:
        errors["kind"] = [f"Unknown kind {', '.join(unknown)[:100]}. Choose from {', '.join(KINDS)}."]
    dates = {}
    for name in ("from", "to"):
        text = (params.get(name) or "").strip()
        dates[name] = parse_date(text) if text else None
        if text and dates[name] is None:
            errors[name] = ["Enter a real date, like 2025-03-27 or 27/3/2025."]
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
        errors["to"] = ["The end date must be the same as or after the start date."]
    return ChronologyFilter(frozenset(kinds - set(unknown)), dates["from"], dates["to"]), errors


class ChronologyEntryForm(forms.Form):
    occurred_on = forms.DateField(
        label="When it happened",
        help_text="For example, 27/3/2025",
        input_formats=["%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y"],
        error_messages={"required": "Enter the date it happened", "invalid": "Enter a real date, like 27/3/2025"},
    )
    source = GovukCharField(
        label="Where it is known from",
        help_text="For example, the police record or the hospital's discharge letter",
        max_length=200,
        error_messages={"required": "Enter where this is known from"},
    )
    summary = GovukCharField(
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=SUMMARY_MAX,
        error_messages={"required": "Enter what happened"},
    )
    significant = forms.BooleanField(label="Mark as a significant event", required=False)


class LinkForm(forms.Form):
    target = GovukCharField(
        max_length=40, noun="what to link to", error_messages={"required": "Choose what to link to"}
    )
    reason = GovukCharField(max_length=500, required=False, noun="the reason")


class BirthForm(forms.Form):
    """The unborn child of a pre-birth referral is born: the date, and the baby's names when given."""

    date_of_birth = GovukDateField(
        noun="the date of birth",
        label="Date of birth",
        help_text="For example, 27 3 2027",
        error_messages={"required": "Enter the date of birth"},
    )
    first_name = GovukCharField(
        label="First name (optional)",
        help_text="Leave blank to keep the name on the record",
        max_length=100,
        required=False,
        error_messages={"max_length": "The first name must be 100 characters or fewer"},
    )
    last_name = GovukCharField(
        label="Last name (optional)",
        max_length=100,
        required=False,
        error_messages={"max_length": "The last name must be 100 characters or fewer"},
    )
