"""Page forms. They only parse: navigators.validation holds the rules (shared with the API and the service)."""

from __future__ import annotations

from django import forms

from contacts.choices import Consent, ConsentReason
from mash.forms import CharField as GovukCharField

from .models import ITEM_MAX, ITEMS_MAX, SUMMARY_MAX, LawfulBasis

HISTORY_SPARE_ROWS = 2


class DateWidget(forms.DateInput):
    input_type = "date"


def _lines(value) -> str:
    return "\n".join(value or [])


class ReturnForm(forms.Form):
    """The information return as a page: fixed fields, one answer per template question, dated history rows."""

    known_to_agency = forms.ChoiceField(
        label="Is the child or family known to your agency?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        required=False,
    )
    summary = GovukCharField(
        label="Summary of your agency's involvement",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=SUMMARY_MAX,
        required=False,
    )
    risk_indicators = GovukCharField(
        label="Risk indicators",
        help_text="One per line, for example: weapons marker on the address.",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    sources_checked = GovukCharField(
        label="Sources checked", help_text="One per line.", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    recommendation = GovukCharField(
        label="Your agency's recommendation",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=SUMMARY_MAX,
        required=False,
    )
    lawful_basis = forms.ChoiceField(
        label="Lawful basis for sharing", choices=LawfulBasis.choices, widget=forms.RadioSelect, required=False
    )
    consent_status = forms.ChoiceField(
        label="Has the family consented to this information being shared?",
        choices=Consent.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    consent_reason = forms.ChoiceField(
        label="If consent was not given: why are you sharing?",
        choices=[("", "Not applicable: consent was given"), *ConsentReason.choices],
        required=False,
    )
    not_for_onward_sharing = forms.BooleanField(
        label="Not for onward sharing: for the MASH's decision only",
        help_text="The receiving team's summary will say your agency returned information, not what it was.",
        required=False,
    )

    def __init__(self, *args, questions: list[str], history_rows: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)[:ITEMS_MAX]
        self.history_rows = min(history_rows, ITEMS_MAX)
        for i, question in enumerate(self.questions):
            self.fields[f"answer_{i}"] = GovukCharField(
                label=question, widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=SUMMARY_MAX,
                noun=f"the answer to question {i + 1}",
            )  # fmt: skip
        for i in range(self.history_rows):
            self.fields[f"history_date_{i}"] = GovukCharField(
                label=f"Date of event {i + 1}", widget=DateWidget, required=False
            )
            self.fields[f"history_details_{i}"] = GovukCharField(
                label=f"What happened (event {i + 1})", required=False, max_length=ITEM_MAX * 4,
                noun=f"what happened at event {i + 1}",
            )  # fmt: skip

    @classmethod
    def initial_from(cls, values: dict) -> dict:
        """Form initial data from a return's (or pre-filled) values."""
        known = values.get("known_to_agency")
        initial = {
            "known_to_agency": "" if known is None else ("yes" if known else "no"),
            "summary": values.get("summary", ""),
            "risk_indicators": _lines(values.get("risk_indicators")),
            "sources_checked": _lines(values.get("sources_checked")),
            "recommendation": values.get("recommendation", ""),
            "lawful_basis": values.get("lawful_basis", ""),
            "consent_status": values.get("consent_status", ""),
            "consent_reason": values.get("consent_reason", ""),
            "not_for_onward_sharing": bool(values.get("not_for_onward_sharing")),
        }
        for i, answer in enumerate(values.get("answers") or []):
            initial[f"answer_{i}"] = answer.get("answer", "")
        for i, entry in enumerate(values.get("history") or []):
            initial[f"history_date_{i}"] = entry.get("date", "")
            initial[f"history_details_{i}"] = entry.get("details", "")
        return initial

    def values(self) -> dict:
        """What was posted, in the return's shape (unvalidated: the service's validation decides)."""
        data = self.data
        values = {name: data.get(name, "") for name in ("known_to_agency", "summary", "recommendation")}
        values |= {name: data.get(name, "") for name in ("lawful_basis", "consent_status", "consent_reason")}
        values["not_for_onward_sharing"] = data.get("not_for_onward_sharing", "") in ("on", "true", "1", "yes")
        values["risk_indicators"] = data.get("risk_indicators", "")
        values["sources_checked"] = data.get("sources_checked", "")
        values["answers"] = [
            {"question": q, "answer": data.get(f"answer_{i}", "")} for i, q in enumerate(self.questions)
        ]
        values["history"] = [
            {"date": data.get(f"history_date_{i}", ""), "details": data.get(f"history_details_{i}", "")}
            for i in range(self.history_rows)
        ]
        return values

    def show_errors(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            target = field if field in self.fields else None
            if field == "history" and self.history_rows:
                target = "history_details_0"
            for message in messages:
                self.add_error(target, message)


class AddendumForm(forms.Form):
    text = GovukCharField(
        label="Add to your return",
        noun="what you add to your return",
        help_text="Something found after submitting, or a correction. The submitted return itself does not change.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=SUMMARY_MAX,
    )


class AssignForm(forms.Form):
    assigned_to = forms.ChoiceField(label="Give this request to", widget=forms.RadioSelect)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, navigators, **kwargs):
        super().__init__(*args, **kwargs)
        self.navigators = {str(n.pk): n for n in navigators}
        self.fields["assigned_to"].choices = [
            ("", "Any navigator of the agency (unassigned)"),
            *((str(n.pk), n.get_full_name() or n.get_username()) for n in navigators),
        ]
        self.fields["assigned_to"].required = False


class QuestionTemplateForm(forms.Form):
    questions = GovukCharField(
        label="Questions asked of this agency",
        help_text="One question per line. They are copied onto each new request and pre-fill the return.",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Enter at least one question to ask this agency"},
    )
    sources = GovukCharField(
        label="Sources its navigators usually check",
        help_text="One per line. They pre-fill the return's sources checked.",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )


class NavigatorSettingsForm(forms.Form):
    share_concerns_with_agencies = forms.BooleanField(
        label="Show navigators the referrer's concern, in the referrer's words",
        help_text=(
            "Navigators always see the children, the household, the rating, the deadline and the questions. "
            "Share the concern only if your information-sharing agreement allows it."
        ),
        required=False,
    )


class AgencyNameForm(forms.Form):
    name = GovukCharField(
        label="Agency name",
        max_length=200,
        help_text="As your hub's staff and partners know it, for example Youth Justice Service",
        error_messages={
            "required": "Enter the agency's name",
            "max_length": "The agency's name must be 200 characters or fewer",
        },
    )
