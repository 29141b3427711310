"""The GOV.UK date input (day, month and year boxes) for any form in the core, instead of a browser date picker.

Its boxes are ``<name>-day``, ``<name>-month`` and ``<name>-year``; a link or an older bookmark may still pass
``<name>=YYYY-MM-DD``, which is read as well. Messages follow the GOV.UK pattern, per field.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from .security.input import EARLIEST_DATE, LATEST_DATE

PARTS = ("day", "month", "year")


class DatePartsWidget(forms.Widget):
    """Pages render the boxes with mash/partials/date_input.html."""

    def value_from_datadict(self, data, files, name):
        parts = [str(data.get(f"{name}-{part}", "")).strip() for part in PARTS]
        if not any(parts) and data.get(name):
            return str(data.get(name)).strip()  # YYYY-MM-DD from a link
        return parts

    def id_for_label(self, id_):
        return f"{id_}-day" if id_ else id_  # an error-summary link focuses the first box (GOV.UK)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and not any(f"{name}-{part}" in data for part in PARTS)


class GovukDateField(forms.Field):
    """A date typed into three boxes. ``noun`` names it in messages: "The start date must be a real date"."""

    widget = DatePartsWidget

    def __init__(self, *, noun: str, **kwargs):
        self.noun = noun
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in (None, "", []) or (isinstance(value, list) and not any(value)):
            return None
        if isinstance(value, str):
            try:
                typed = date.fromisoformat(value)
            except ValueError:
                raise self._error("must be a real date") from None
            return self._in_range(typed)
        missing = [part for part, v in zip(PARTS, value, strict=True) if not v]
        if missing:
            raise self._error(f"must include a {' and '.join(missing)}")
        try:
            day, month, year = (int(v) for v in value)
            if year < 1000:
                raise ValueError
            typed = date(year, month, day)
        except (ValueError, OverflowError):
            raise self._error("must be a real date") from None
        return self._in_range(typed)

    def _in_range(self, typed: date) -> date:
        """The range every date the service takes has (the API's too): one it can count days from and show."""
        if not EARLIEST_DATE <= typed <= LATEST_DATE:
            raise self._error(f"must be between {EARLIEST_DATE.year} and {LATEST_DATE.year}")
        return typed

    def _error(self, problem: str) -> ValidationError:
        """ "The start date must ...": the noun, capitalised, then what is wrong."""
        return ValidationError(f"{self.noun[:1].upper()}{self.noun[1:]} {problem}")


def date_parts(field) -> list[tuple[str, str, int, str]]:
    """(part, label, width, value) for each box of a bound GovukDateField, as the user typed it."""
    raw = field.value()
    if isinstance(raw, date):
        values = [str(raw.day), str(raw.month), str(raw.year)]
    elif isinstance(raw, str) and raw:
        try:
            typed = date.fromisoformat(raw)
            values = [str(typed.day), str(typed.month), str(typed.year)]
        except ValueError:
            values = ["", "", ""]
    elif isinstance(raw, list | tuple):
        values = [str(v or "") for v in raw]
    else:
        values = ["", "", ""]
    widths = {"day": 2, "month": 2, "year": 4}
    return [(part, part.capitalize(), widths[part], value) for part, value in zip(PARTS, values, strict=True)]
