"""The escalation ladder form: one small form per step, kept in order by its prefix (``step-0``, ...).

No JavaScript: "Add a step" and "Remove" are submit buttons, and every step already typed comes back
as it was typed, whatever button was pressed.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms

from .models import EscalationTarget
from .services import MAX_LADDER_STEPS, MAX_STEP_WAIT

WAIT_UNITS = {"minutes": timedelta(minutes=1), "hours": timedelta(hours=1), "days": timedelta(days=1)}


def split_wait(after: timedelta) -> tuple[int, str]:
    """``after`` as the largest whole unit that says it exactly: 2 hours, 90 minutes, 1 day, 0 minutes."""
    seconds = int(after.total_seconds())
    for unit in ("days", "hours", "minutes"):
        size = int(WAIT_UNITS[unit].total_seconds())
        if seconds and seconds % size == 0:
            return seconds // size, unit
    return seconds // 60, "minutes"


class LadderStepForm(forms.Form):
    who = forms.ChoiceField(
        label="Who is told",
        choices=[("", "Choose who is told"), *EscalationTarget.choices],
        error_messages={"required": "Choose who is told", "invalid_choice": "Choose who is told from the list"},
    )
    team = forms.ModelChoiceField(
        label="Team",
        queryset=None,
        required=False,
        empty_label="Choose a team",
        help_text="Only when a named team is told: its active members are told",
        error_messages={"invalid_choice": "Choose one of your council's teams"},
    )
    amount = forms.IntegerField(
        label="Wait",
        min_value=0,
        max_value=100_000,
        error_messages={
            "required": "Enter how long to wait, 0 for at once",
            "invalid": "Enter the wait as a whole number, like 0 or 4",
            "min_value": "The wait cannot be negative: enter 0 for at once",
            "max_value": "The wait must be 30 days or less",
        },
    )
    unit = forms.ChoiceField(
        label="Unit",
        choices=[(unit, unit) for unit in WAIT_UNITS],
        error_messages={"required": "Choose minutes, hours or days", "invalid_choice": "Choose minutes, hours or days"},
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams

    def clean(self):
        data = super().clean()
        if data.get("who") == EscalationTarget.TEAM:
            if data.get("team") is None and "team" not in self.errors:
                self.add_error("team", "Choose the team to tell")
        else:
            data["team"] = None
        amount, unit = data.get("amount"), data.get("unit")
        if amount is not None and unit:
            after = amount * WAIT_UNITS[unit]
            if after > MAX_STEP_WAIT:
                self.add_error("amount", "The wait must be 30 days or less")
            else:
                data["after"] = after
        return data

    def step(self) -> tuple:
        data = self.cleaned_data
        if data["who"] == EscalationTarget.TEAM:
            return (data["who"], data["after"], data["team"])
        return (data["who"], data["after"])


class Ladder:
    """The steps of a ladder as typed: bound forms after a post, forms holding the saved ladder before."""

    PREFIX = "step"

    def __init__(self, forms_: list[LadderStepForm], error: str = ""):
        self.forms = forms_
        self.error = error

    @classmethod
    def from_steps(cls, steps: list[dict], *, teams) -> Ladder:
        forms_ = []
        for number, step in enumerate(steps):
            amount, unit = split_wait(timedelta(seconds=step["after_seconds"]))
            initial = {"who": step["who"], "team": step.get("team_id"), "amount": amount, "unit": unit}
            forms_.append(LadderStepForm(prefix=f"{cls.PREFIX}-{number}", initial=initial, teams=teams))
        return cls(forms_)

    @classmethod
    def from_post(cls, data, *, teams, remove: int | None = None, add: bool = False) -> Ladder:
        """The steps posted (``steps`` says how many). Adding or removing gives unbound forms holding
        what was typed (no errors shown for steps not yet finished); otherwise bound forms."""
        try:
            count = max(0, min(int(data.get("steps", "0")), MAX_LADDER_STEPS))
        except ValueError:
            count = 0
        raw = [
            {name: data.get(f"{cls.PREFIX}-{number}-{name}", "") for name in ("who", "team", "amount", "unit")}
            for number in range(count)
        ]
        if remove is None and not add:
            return cls(
                [
                    LadderStepForm(
                        {f"{cls.PREFIX}-{n}-{k}": v for k, v in values.items()},
                        prefix=f"{cls.PREFIX}-{n}",
                        teams=teams,
                    )
                    for n, values in enumerate(raw)
                ]
            )
        if remove is not None and 0 <= remove < len(raw):
            del raw[remove]
        error = ""
        if add:
            if len(raw) < MAX_LADDER_STEPS:
                raw.append({"who": "", "team": "", "amount": "0", "unit": "hours"})
            else:
                error = f"A ladder has at most {MAX_LADDER_STEPS} steps"
        return cls(
            [LadderStepForm(prefix=f"{cls.PREFIX}-{n}", initial=values, teams=teams) for n, values in enumerate(raw)],
            error,
        )

    def is_valid(self) -> bool:
        if not self.forms:
            self.error = "Add at least one step: a clock that breaches must tell someone"
        valid = all([form.is_valid() for form in self.forms])  # every form, so every error shows
        return valid and not self.error

    def steps(self) -> list[tuple]:
        return [form.step() for form in self.forms]

    def error_summary(self) -> list[dict]:
        summary = [{"href": "#steps", "text": self.error}] if self.error else []
        for number, form in enumerate(self.forms, 1):
            if not form.is_bound:
                continue
            for name in form.fields:
                for message in form.errors.get(name, []):
                    summary.append({"href": f"#{form[name].auto_id}", "text": f"Step {number}: {message}"})
        return summary
