"""Page forms of the significant-harm route (issue 19): CP-IS checks, the EDT's record and handover, strategy
discussions. They check shape; the rules and their messages come from the services."""

from django import forms
from django.utils import timezone

from mash.forms import CharField as GovukCharField

from .choices import CpisResult, StrategyDecision
from .models import TEXT_MAX

WHEN_FORMATS = ["%d/%m/%Y %H:%M", "%d/%m/%Y %H.%M", "%Y-%m-%d %H:%M"]
WHEN_ERRORS = {
    "required": "Enter the date and time, like 10/03/2026 14:30.",
    "invalid": "Enter the date and time as day/month/year and 24-hour time, like 10/03/2026 14:30.",
}


def _when(label: str) -> forms.DateTimeField:
    """A date and time in the tenant's zone (Europe/London on screen), stored in UTC."""
    return forms.DateTimeField(
        label=label, input_formats=WHEN_FORMATS, help_text="For example, 10/03/2026 14:30 (24-hour clock).",
        error_messages=WHEN_ERRORS,
    )  # fmt: skip


def now_on_screen() -> str:
    return timezone.localtime().strftime("%d/%m/%Y %H:%M")


def _text(label: str, *, required=False, rows=3, help_text="", missing="") -> forms.CharField:
    return GovukCharField(
        label=label, required=required, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
        error_messages={"required": missing or f"Enter {label.lower()}.",
                        "max_length": f"Enter {TEXT_MAX:,} characters or fewer."},
    )  # fmt: skip


class CpisCheckForm(forms.Form):
    checked_at = _when("When did you check CP-IS?")
    result = forms.ChoiceField(
        label="What did CP-IS show?", choices=CpisResult.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose what CP-IS showed."},
    )  # fmt: skip
    details = _text("Details", help_text="Needed unless there is no record: the plan or placement, and the "
                    "responsible local authority.")  # fmt: skip


class EdtRecordForm(forms.Form):
    calls = _text("Calls made", help_text="Who you called and what you learnt.")
    visits = _text("Visits", help_text="Where you went, and whether the child was seen.")
    police_involvement = _text("Police involvement")
    safety_actions = _text("Immediate safety actions", help_text="For example, the child placed with a relative.")
    handover_note = _text("Handover note for the MASH", rows=4,
                          help_text="What the MASH needs to know at the start of the working day.")  # fmt: skip
    hand_back = forms.BooleanField(label="Hand the contact back to the MASH now", required=False)


class StrategyDiscussionForm(forms.Form):
    held_at = _when("When was it held?")
    chair = GovukCharField(label="Who chaired it", max_length=200, help_text="Children's social care chairs.",
                            error_messages={"required": "Enter who chaired it."})  # fmt: skip
    police = GovukCharField(label="Who attended from the police", max_length=200,
                             error_messages={"required": "Enter who attended from the police."})  # fmt: skip
    health = GovukCharField(label="Who attended from health", max_length=200,
                             error_messages={"required": "Enter who attended from health."})  # fmt: skip
    social_care = GovukCharField(label="Who attended from children's social care", max_length=200, required=False)
    others = _text(
        "Others who attended", rows=3,
        help_text="One a line: the agency's name, a colon, then the person, like Education: Ms Lee (school).",
    )  # fmt: skip
    shared = _text("What was shared", rows=4)
    decision = forms.ChoiceField(label="What was decided", choices=StrategyDecision.choices,
                                 widget=forms.RadioSelect,
                                 error_messages={"required": "Choose what was decided."})  # fmt: skip
    actions = _text("Actions", rows=4, help_text="One a line: the action, its owner and when it is due, separated "
                    "by semicolons, like Visit the child; Sam Patel; 12/03/2026.")  # fmt: skip
    conference = forms.BooleanField(label="An initial child protection conference is to be convened", required=False)
    notes = _text("Notes", rows=3)
