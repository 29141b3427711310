"""The dashboard's filters and the Annex A date, validated in one place for the pages and the API."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from mash.date_input import GovukDateField

from .selectors import INTERVALS, Filters, teams

DATE_ERRORS = {"required": "Enter a date.", "invalid": "Enter a real date, for example 2026-03-31."}
EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)
OUT_OF_RANGE = "Enter a date between 1900 and 2100."


def _in_bounds(form, field):
    value = form.cleaned_data.get(field)
    if value is not None and not EARLIEST <= value <= LATEST:
        form.add_error(field, OUT_OF_RANGE)


class FiltersForm(forms.Form):
    # The API's fixed names are "from" and "to" (Python keywords), so fields are added below.
    team = forms.ModelChoiceField(
        queryset=None, required=False, error_messages={"invalid_choice": "Choose one of your hub's teams."}
    )
    interval = forms.ChoiceField(
        choices=[(k, k) for k in INTERVALS],
        required=False,
        error_messages={"invalid_choice": "Choose day, week or month."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = forms.DateField(error_messages=DATE_ERRORS, input_formats=["%Y-%m-%d"])
        self.fields["to"] = forms.DateField(error_messages=DATE_ERRORS, input_formats=["%Y-%m-%d"])
        self.fields["team"].queryset = teams(include_retired=True)

    def clean(self):
        data = super().clean()
        _in_bounds(self, "from")
        _in_bounds(self, "to")
        start, end = data.get("from"), data.get("to")
        if start and end and end < start:
            self.add_error("to", "The end date must be the same as or after the start date.")
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        interval = data.get("interval") or "week"
        return Filters(start=data["from"], end=data["to"], team=data.get("team"), interval=interval)


class DashboardFiltersForm(FiltersForm):
    """The page's filters: the dates typed in GOV.UK date inputs (day, month and year boxes, not the browser's
    date picker, whose order follows the browser's language). A link's ``from=YYYY-MM-DD`` is still read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = GovukDateField(
            label="From (received on or after)", noun="the start date",
            error_messages={"required": "Enter the start date"},
        )  # fmt: skip
        self.fields["to"] = GovukDateField(
            label="To (received on or before)", noun="the end date", error_messages={"required": "Enter the end date"}
        )


def asked_for_dates(data) -> bool:
    """Whether the query names a date, as ISO (a link) or in the date inputs' boxes."""
    return any(key in ("from", "to") or key.startswith(("from-", "to-")) for key in data)


def default_range():
    today = timezone.localdate()
    return {"from": (today - timedelta(days=90)).isoformat(), "to": today.isoformat()}


class AnnexAForm(forms.Form):
    """The date Annex A's six months end on, in a GOV.UK date input (``on=YYYY-MM-DD`` in a link is read too)."""

    on = GovukDateField(
        label="Six months up to and including", noun="the date", error_messages={"required": "Enter the date"}
    )
