"""Settings forms for tenant administrators. Field names match the services' keyword arguments,
so a rule broken inside a service is shown against the right field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms

from mash.forms import CharField as GovukCharField
from mash.models import BOUNCE_WINDOW_MAX, BOUNCE_WINDOW_MIN, phone_number_validator

from .models import WEEKDAY_NAMES, AgenciesAsked, DeadlineUnit, EdtCover, NeedDomain, RatingColour
from .workcalendar import NATIONS

TIME_FORMATS = ["%H:%M", "%H.%M", "%H:%M:%S"]


def _amount_field(noun: str, label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=6,
        decimal_places=2,
        error_messages={
            "invalid": f"Enter the {noun} as a number, like 4 or 1.5",
            "max_digits": f"Enter a {noun} of at most 9999.99",
            "max_whole_digits": f"Enter a {noun} of at most 9999.99",
            "max_decimal_places": f"Enter the {noun} with at most 2 decimal places",
        },
    )


class CalendarForm(forms.Form):
    nation = forms.ChoiceField(
        label="Whose bank holidays apply",
        choices=list(NATIONS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "Select whose bank holidays apply", "invalid_choice": "Select a nation"},
    )
    working_weekdays = forms.TypedMultipleChoiceField(
        label="Working days",
        choices=[(str(i), name) for i, name in enumerate(WEEKDAY_NAMES)],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one working day", "invalid_choice": "Select days of the week"},
    )
    day_start = forms.TimeField(
        label="Working day starts",
        help_text="For example, 09:00",
        input_formats=TIME_FORMATS,
        error_messages={
            "required": "Enter the time the working day starts",
            "invalid": "Enter the start time as hours and minutes, like 09:00",
        },
    )
    day_end = forms.TimeField(
        label="Working day ends",
        help_text="For example, 17:00",
        input_formats=TIME_FORMATS,
        error_messages={
            "required": "Enter the time the working day ends",
            "invalid": "Enter the end time as hours and minutes, like 17:00",
        },
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("day_start"), data.get("day_end")
        if start and end and start >= end:
            self.add_error("day_end", "The working day must end after it starts")
        return data


class EdtCoverForm(forms.Form):
    """When the Emergency Duty Team covers. The times count only with "set times", and then both are needed."""

    edt_cover = forms.ChoiceField(
        label="When does your Emergency Duty Team cover?",
        choices=EdtCover.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select when the Emergency Duty Team covers",
            "invalid_choice": "Select when the Emergency Duty Team covers",
        },
    )
    edt_evening_start = forms.TimeField(
        label="On working days, the Emergency Duty Team starts at",
        help_text="Only for set times. For example, 17:30",
        required=False,
        input_formats=TIME_FORMATS,
        error_messages={"invalid": "Enter the evening start as hours and minutes, like 17:30"},
    )
    edt_morning_end = forms.TimeField(
        label="and hands back to the hub the next working morning at",
        help_text="Only for set times. For example, 08:30",
        required=False,
        input_formats=TIME_FORMATS,
        error_messages={"invalid": "Enter the morning hand-back as hours and minutes, like 08:30"},
    )

    def clean(self):
        data = super().clean()
        if data.get("edt_cover") != EdtCover.SET_TIMES:
            return data
        start, end = data.get("edt_evening_start"), data.get("edt_morning_end")
        if start is None and "edt_evening_start" not in self.errors:
            self.add_error("edt_evening_start", "Enter the time the Emergency Duty Team starts on working days")
        if end is None and "edt_morning_end" not in self.errors:
            self.add_error("edt_morning_end", "Enter the time the Emergency Duty Team hands back in the morning")
        if start is not None and end is not None and end >= start:
            self.add_error("edt_morning_end", "The morning hand-back must be earlier in the day than the evening start")
        return data


class DayMonthYearWidget(forms.MultiWidget):
    """GOV.UK date input: three boxes named ``<name>_day``, ``<name>_month``, ``<name>_year``."""

    def __init__(self, attrs=None):
        super().__init__(widgets={"day": forms.TextInput, "month": forms.TextInput, "year": forms.TextInput})

    def decompress(self, value):
        return [value.day, value.month, value.year] if value else [None, None, None]


class DayMonthYearField(forms.Field):
    """A date typed as day, month and year, with the GOV.UK pattern's error messages."""

    widget = DayMonthYearWidget

    def __init__(self, *, noun: str, **kwargs):
        self.noun = noun
        super().__init__(**kwargs)

    def clean(self, value):
        parts = [str(p or "").strip() for p in (value or ["", "", ""])]
        names = ("day", "month", "year")
        missing = [name for name, part in zip(names, parts, strict=True) if not part]
        if len(missing) == 3:
            raise forms.ValidationError(f"Enter the {self.noun}", code="required")
        if missing:
            raise forms.ValidationError(f"The {self.noun} must include a {' and '.join(missing)}", code="incomplete")
        if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
            raise forms.ValidationError(f"The {self.noun} must be a real date", code="invalid")
        try:
            return date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            raise forms.ValidationError(f"The {self.noun} must be a real date", code="invalid") from None


class ClosureDayForm(forms.Form):
    date = DayMonthYearField(noun="closure date", label="Date", help_text="For example, 24 12 2027")
    reason = GovukCharField(
        label="Why the hub is closed",
        help_text="For example, Christmas closure",
        max_length=200,
        error_messages={
            "required": "Enter why the hub is closed on this day",
            "max_length": "Enter a reason of 200 characters or fewer",
        },
    )

    def date_parts(self) -> list[str]:
        """What to show in the day, month and year boxes (what was typed, when the form was sent)."""
        if self.is_bound:
            return [self.data.get(f"date_{part}", "") for part in ("day", "month", "year")]
        return ["", "", ""]


class RatingForm(forms.Form):
    label = GovukCharField(
        label="Name",
        max_length=60,
        error_messages={"required": "Enter the rating's name", "max_length": "Enter a name of 60 characters or fewer"},
    )
    colour = forms.ChoiceField(
        choices=RatingColour.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the rating's colour", "invalid_choice": "Select one of the colours"},
    )
    description = GovukCharField(label="What it means", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    examples = GovukCharField(label="Examples", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    order = forms.IntegerField(
        label="Position in the scheme",
        help_text="1 is the most urgent",
        min_value=0,
        max_value=99,
        error_messages={
            "required": "Enter the rating's position in the scheme",
            "invalid": "Enter the position as a whole number, like 1",
            "min_value": "Enter a position of 0 or more",
            "max_value": "Enter a position of 99 or less",
        },
    )
    agencies_asked = forms.ChoiceField(
        label="Which agencies are asked for information",
        choices=AgenciesAsked.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select which agencies are asked for information"},
    )
    return_amount = _amount_field("return deadline", "Amount")
    return_unit = forms.ChoiceField(
        label="Unit",
        required=False,
        choices=DeadlineUnit.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select clock hours, working hours or working days"},
    )
    decision_amount = _amount_field("decision deadline", "Amount")
    decision_unit = forms.ChoiceField(
        label="Unit",
        required=False,
        choices=DeadlineUnit.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select clock hours, working hours or working days"},
    )
    immediate = forms.BooleanField(
        label="Immediate action: alert the managers on duty at once and put the contact at the top of the queue",
        required=False,
    )
    cpis_check_required = forms.BooleanField(
        label="A CP-IS check (Child Protection Information Sharing) must be recorded before the decision",
        required=False,
    )
    can_route_to_early_help = forms.BooleanField(label="Can be passed to the Early Help Hub", required=False)
    active = forms.BooleanField(label="In use: triage can give this rating", required=False)

    def clean(self):
        data = super().clean()
        decision_amount, decision_unit = data.get("decision_amount"), data.get("decision_unit")
        if decision_amount is None and decision_unit and "decision_amount" not in self.errors:
            self.add_error("decision_amount", "Enter the decision deadline's amount, or clear its unit")
        elif decision_amount is not None and decision_amount <= 0:
            self.add_error("decision_amount", "The decision deadline must be more than 0")
        elif decision_amount is not None and not decision_unit and "decision_unit" not in self.errors:
            self.add_error("decision_unit", "Select the unit of the decision deadline")
        data["decision_unit"] = decision_unit or ""
        if data.get("agencies_asked") == AgenciesAsked.NONE:
            # The deadline inputs are only shown for ratings that ask agencies.
            data["return_amount"], data["return_unit"] = None, ""
            return data
        if "agencies_asked" not in data:
            return data
        amount = data.get("return_amount")
        if amount is None and "return_amount" not in self.errors:
            self.add_error("return_amount", "Enter how long agencies have to return information")
        elif amount is not None and amount <= 0:
            self.add_error("return_amount", "The return deadline must be more than 0")
        if not data.get("return_unit") and "return_unit" not in self.errors:
            self.add_error("return_unit", "Select the unit of the return deadline")
        return data


class ClockPolicyForm(forms.Form):
    amount = _amount_field("length", "How long the clock runs")
    unit = forms.ChoiceField(
        choices=DeadlineUnit.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select clock hours, working hours or working days",
            "invalid_choice": "Select clock hours, working hours or working days",
        },
    )
    warn_percent = forms.IntegerField(
        label="Warning point",
        help_text="Warn when this percentage of the time has passed, a whole number from 5 to 99",
        min_value=5,
        max_value=99,
        error_messages={
            "required": "Enter the warning point as a percentage",
            "invalid": "Enter the warning point as a whole number, like 75",
            "min_value": "Enter a warning point of 5%% or more",
            "max_value": "Enter a warning point of 99%% or less, so the warning comes before the deadline",
        },
    )

    def clean(self):
        data = super().clean()
        amount = data.get("amount")
        if amount is None and "amount" not in self.errors:
            self.add_error("amount", "Enter how long this clock runs")
        elif amount is not None and amount <= 0:
            self.add_error("amount", "The length must be more than 0")
        if data.get("warn_percent") is not None:
            data["warn_fraction"] = Decimal(data["warn_percent"]) / 100
        return data


class ThresholdLevelForm(forms.Form):
    name = GovukCharField(
        max_length=100,
        error_messages={"required": "Enter the level's name", "max_length": "Enter a name of 100 characters or fewer"},
    )
    description = GovukCharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Enter what the level means",
            "max_length": "Enter a description of 300 characters or fewer",
        },
    )


class ThresholdIndicatorForm(forms.Form):
    domain = forms.ChoiceField(
        label="Domain of need",
        choices=NeedDomain.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the domain of need", "invalid_choice": "Select a domain of need"},
    )
    text = GovukCharField(
        label="Indicator",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter the indicator",
            "max_length": "Enter an indicator of 300 characters or fewer",
        },
    )


class PublicPhoneNumbersForm(forms.Form):
    mash_phone = GovukCharField(
        label="MASH telephone number",
        max_length=25,
        help_text="For example, 01632 960 101",
        validators=[phone_number_validator],
        error_messages={
            "required": "Enter the MASH telephone number",
            "max_length": "Enter a telephone number of at most 25 characters",
        },
    )
    out_of_hours_phone = GovukCharField(
        label="Out-of-hours telephone number (optional)",
        max_length=25,
        required=False,
        help_text="The emergency duty team: evenings, weekends and bank holidays",
        validators=[phone_number_validator],
        error_messages={"max_length": "Enter a telephone number of at most 25 characters"},
    )


class BounceWindowForm(forms.Form):
    """Seed 001: how long a return to the MASH counts as bouncing between tiers."""

    days = forms.IntegerField(
        label="Window in days",
        min_value=BOUNCE_WINDOW_MIN,
        max_value=BOUNCE_WINDOW_MAX,
        help_text="For example, 90 for about three months",
        error_messages={
            "required": "Enter the window in days",
            "invalid": "Enter the window as a whole number of days, like 90",
            "min_value": f"The window must be at least {BOUNCE_WINDOW_MIN} day",
            "max_value": f"The window must be at most {BOUNCE_WINDOW_MAX} days (two years)",
        },
    )
