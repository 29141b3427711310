"""Page forms of triage. They check shape; the rules (and their messages) come from triage.services."""

from django import forms

from contacts.choices import ConsentReason, Outcome
from contacts.models import IDENTITY_CHECK_MAX
from mash.forms import CharField as GovukCharField

from .choices import ASSESSMENT_FACTORS, CallDirection, Perspective, PrimaryNeed, SharingBasis
from .models import REASON_MAX, TEXT_MAX


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class RatingForm(VersionedForm):
    rating = forms.ChoiceField(
        label="Rating", widget=forms.RadioSelect, error_messages={"required": "Choose a rating."}
    )
    rationale = GovukCharField(
        label="Why this rating", widget=forms.Textarea(attrs={"rows": 4}), max_length=TEXT_MAX,
        noun="the reason for this rating",
        error_messages={"required": "Enter why you chose this rating."},
    )  # fmt: skip
    reason = GovukCharField(
        label="Why the rating is changing", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_MAX, help_text="Needed when the contact already has a rating (a step up or down).",
    )  # fmt: skip
    agencies = forms.MultipleChoiceField(label="Agencies to ask", required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, ratings=(), agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = [(r.code, r.label) for r in ratings]
        self.fields["agencies"].choices = [(a.slug, a.name) for a in agencies]


class DecisionForm(VersionedForm):
    outcome = forms.ChoiceField(
        label="Outcome", choices=Outcome.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose an outcome."},
    )  # fmt: skip
    reason = GovukCharField(
        label="Reason for the decision", widget=forms.Textarea(attrs={"rows": 4}), max_length=TEXT_MAX,
        error_messages={"required": "Enter the reason for the decision."},
    )  # fmt: skip
    override_reason = GovukCharField(
        label="Why decide before every return is in", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        noun="the reason for deciding before every return is in",
        max_length=REASON_MAX, help_text="Needed while any information request is still outstanding.",
    )  # fmt: skip
    primary_need = forms.ChoiceField(
        label="Primary need (CIN census)", required=False, choices=[("", "Not applicable"), *PrimaryNeed.choices],
        help_text="For an assessment or a strategy discussion.",
    )  # fmt: skip
    factors = forms.MultipleChoiceField(
        label="Factors identified (CIN census)", required=False, choices=ASSESSMENT_FACTORS,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    feedback = GovukCharField(
        label="Note for the referrer (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_MAX,
        help_text="Added to the outcome and what happens next. Never include other agencies' information.",
    )  # fmt: skip


SCORE_CHOICES = [("", "Not scaled"), *[(str(n), str(n)) for n in range(11)]]


class SafetyMapForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    harm = GovukCharField(label="Harm", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX,
                           help_text="What has happened to the child: past harm, in plain words.")  # fmt: skip
    danger_statements = GovukCharField(
        label="Danger statements", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX,
        help_text="What we are worried will happen if nothing changes.",
    )  # fmt: skip
    complicating_factors = GovukCharField(
        label="Complicating factors", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX
    )
    existing_strengths = GovukCharField(
        label="Existing strengths", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX
    )
    existing_safety = GovukCharField(
        label="Existing safety", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX
    )
    safety_goals = GovukCharField(
        label="Safety goals", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX
    )
    next_steps = GovukCharField(
        label="Next steps", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX
    )
    scale_professionals = forms.ChoiceField(label="Safety scale: professionals", required=False, choices=SCORE_CHOICES)
    scale_child = forms.ChoiceField(label="Safety scale: child", required=False, choices=SCORE_CHOICES)
    scale_parents = forms.ChoiceField(label="Safety scale: parents or carers", required=False, choices=SCORE_CHOICES)

    def scales(self) -> dict:
        return {p: self.cleaned_data.get(f"scale_{p}") for p in Perspective.values}


class CaseNoteForm(forms.Form):
    text = GovukCharField(
        label="Add a case note", widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX, noun="the case note",
        error_messages={"required": "Enter the note."},
    )  # fmt: skip


class ReferrerCallForm(forms.Form):
    direction = forms.ChoiceField(label="Who called", choices=CallDirection.choices, widget=forms.RadioSelect,
                                  initial=CallDirection.OUTGOING,
                                  error_messages={"required": "Select who called"})  # fmt: skip
    spoke_to = GovukCharField(label="Who you spoke to", max_length=200,
                               error_messages={"required": "Enter who you spoke to."})  # fmt: skip
    summary = GovukCharField(
        label="What was said", widget=forms.Textarea(attrs={"rows": 4}), max_length=TEXT_MAX,
        error_messages={"required": "Enter what was said."},
    )  # fmt: skip


class ReporterIdentityForm(VersionedForm):
    check = GovukCharField(
        label="How did you confirm who they are?", max_length=IDENTITY_CHECK_MAX, noun="how you confirmed who they are",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: called them back on the number they gave, and they described the report. Once "
                  "recorded, they are told the outcome by email.",
        error_messages={"required": "Say how you confirmed who they are."},
    )  # fmt: skip


class ThresholdForm(forms.Form):
    level = forms.TypedChoiceField(label="Level of need", coerce=int, widget=forms.RadioSelect,
                                   error_messages={"required": "Choose a level of need."})  # fmt: skip
    indicators = forms.MultipleChoiceField(label="Indicators seen", required=False, widget=forms.CheckboxSelectMultiple)
    rationale = GovukCharField(
        label="Why this level applies", widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX,
        error_messages={"required": "Enter why this level applies."},
    )  # fmt: skip

    def __init__(self, *args, document=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(d.level.number, str(d.level)) for d in document]
        self.fields["indicators"].choices = [
            (str(i.pk), i.text) for d in document for domain in d.domains for i in domain.indicators
        ]
        # The page shows one level's indicators at a time, grouped by domain, under the level's radio.
        self.levels = [
            {
                "entry": d,
                "number": str(d.level.number),
                "first": next((i.pk for domain in d.domains for i in domain.indicators), None),
            }
            for d in document
        ]

    @property
    def chosen_level(self) -> str:
        return str(self["level"].value() or "")

    @property
    def ticked(self) -> set[str]:
        """The indicators ticked, kept when the page comes back with an error."""
        return {str(v) for v in (self["indicators"].value() or [])}


class SharingForm(forms.Form):
    basis = forms.ChoiceField(label="Information-sharing decision", choices=SharingBasis.choices,
                              widget=forms.RadioSelect,
                              error_messages={"required": "Choose the information-sharing decision."})  # fmt: skip
    consent_reason = forms.ChoiceField(
        label="Why share without consent", required=False, choices=[("", "Choose a reason"), *ConsentReason.choices],
        help_text="Needed when sharing without consent.",
    )  # fmt: skip
    explanation = GovukCharField(
        label="Reasons for this decision", widget=forms.Textarea(attrs={"rows": 3}), max_length=REASON_MAX,
        error_messages={"required": "Enter the reasons for this decision."},
    )  # fmt: skip
