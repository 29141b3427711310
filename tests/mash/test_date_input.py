"""The GOV.UK date input takes a real date the service can count from, and says which part is wrong."""

from datetime import date

import pytest
from django import forms

from mash.date_input import GovukDateField


class _Form(forms.Form):
    start = GovukDateField(noun="the start date")


def _errors(data):
    form = _Form(data)
    return form.cleaned_data["start"] if form.is_valid() else form.errors["start"]


def test_three_boxes_make_a_date():
    assert _errors({"start-day": "3", "start-month": "11", "start-year": "2026"}) == date(2026, 11, 3)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start-day": "3", "start-month": "11", "start-year": "1066"}, "The start date must be between 1900 and 2100"),
        ({"start-day": "1", "start-month": "1", "start-year": "9999"}, "The start date must be between 1900 and 2100"),
        ({"start": "1899-12-31"}, "The start date must be between 1900 and 2100"),
        ({"start-day": "31", "start-month": "2", "start-year": "2026"}, "The start date must be a real date"),
        ({"start-day": "3", "start-month": "", "start-year": "2026"}, "The start date must include a month"),
    ],
)
def test_a_date_the_service_cannot_use_is_a_field_error(data, message):
    assert _errors(data) == [message]
