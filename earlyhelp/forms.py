"""Page forms of the Early Help Hub (GOV.UK patterns; the contacts app's date input and field rendering)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from contacts.choices import Consent, ConsentReason, Ethnicity, ParentsAware, Sex
from contacts.forms import DateField, radios_field, text_field
from mash.date_input import GovukDateField

from .models import (
    TEXT_MAX,
    ActionStatus,
    CallOutcome,
    ClosureReason,
    EarlyHelpOutcome,
    FamilyConsent,
    LetterSentBy,
    ReviewProgress,
    UniversalService,
)
from .services import ASSESSMENT_FIELDS, consent_errors

CHILD_SLOTS = 3
TIME_PATTERN = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def _email(label, help_text=""):
    return forms.EmailField(
        label=label,
        max_length=254,
        required=False,
        help_text=help_text,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.org"},
    )


def _not_future(value: date | None, label: str) -> date | None:
    if value is not None and value > timezone.localdate():
        raise ValidationError(f"{label} must be today or in the past")
    return value


def _future(value: date | None, label: str) -> date | None:
    if value is not None and value < timezone.localdate():
        raise ValidationError(f"{label} must be today or in the future")
    return value


# --- consent to early help (the request page and the coordinator's consent page share it) --------------


class ConsentFieldsMixin:
    """The family's consent: radios, with who agreed and when revealed under "Yes" and the reason for proceeding
    without it under "No" (GOV.UK conditional radios); each required only with its answer."""

    def add_consent_fields(self):
        self.fields["consent"] = radios_field(
            "Has the family agreed to early help?", FamilyConsent.choices,
            required_message="Select whether the family agreed to early help",
            help_text="Early help is voluntary. A request without the family's consent is sent to the MASH as a "
                      "contact instead.",
        )  # fmt: skip
        self.fields["consent_given_by"] = text_field(
            "Who in the family agreed?", 200, help_text="Name and relationship", noun="the name of who agreed"
        )
        self.fields["consent_given_on"] = DateField(
            label="Date they agreed", required=False, help_text="For example, 27 3 2026"
        )
        self.fields["consent_basis"] = radios_field(
            "Why is the request proceeding without their consent?", ConsentReason.choices, required=False
        )
        # Not named ``consent_reason``: mash/reveal.js hides that name (the MARF's consent question) on every page.
        self.fields["reason_without_consent"] = text_field(
            "Give the reason in your own words", TEXT_MAX, textarea=True, rows=4, noun="the reason",
            help_text="The MASH reads this with the request.",
        )  # fmt: skip

    def clean_consent_fields(self, data):
        if not data.get("consent"):
            return
        for field, message in consent_errors(**consent_answers(data)).items():
            field = "reason_without_consent" if field == "consent_reason" else field
            if field not in self.errors:
                self.add_error(field, message.rstrip("."))


def consent_answers(data: dict) -> dict:
    """A consent form's answers under the service's (and the API's) names."""
    return {
        "consent": data.get("consent") or "", "consent_given_by": data.get("consent_given_by") or "",
        "consent_given_on": data.get("consent_given_on"), "consent_basis": data.get("consent_basis") or "",
        "consent_reason": data.get("reason_without_consent") or "",
    }  # fmt: skip


class ConsentForm(ConsentFieldsMixin, forms.Form):
    """The coordinator records consent at the review when a request (a step-down) arrived without it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_consent_fields()

    def clean(self):
        data = super().clean()
        self.clean_consent_fields(data)
        return data


# --- the Early Help Assessment request (one page in sections, drafts saved) -------------------------------


class EarlyHelpRequestForm(ConsentFieldsMixin, forms.Form):
    """The request; the Annex A assessment fields only for hub staff (``records_assessment``), never referrers."""

    needs = text_field(
        "What help does the family need?", TEXT_MAX, required=True, textarea=True, rows=8,
        help_text="The family's strengths and needs from your Early Help Assessment, what has been tried, "
                  "and what the family wants help with.",
        required_message="Enter what help the family needs", noun="what help the family needs",
    )  # fmt: skip
    family_contact = text_field(
        "Who should the hub call in the family?", 200, help_text="Name and relationship",
        noun="who the hub should call in the family",
    )  # fmt: skip
    family_phone = text_field("The family's phone number", 30)
    address = text_field("Home address", 300)
    referrer_name = text_field("Your name", 200, required=True)
    referrer_role = text_field("Your job title", 200)
    referrer_organisation = text_field("Your organisation", 200, required=True)
    referrer_phone = text_field("Your phone number", 30, help_text="So the coordinator can call you with the decision")
    referrer_email = _email("Your email address")
    assessment_started_on = DateField(label="Assessment start date", required=False)
    assessment_completed_on = DateField(label="Assessment completion date", required=False)
    assessment_organisation = text_field("Organisation completing the assessment", 200)
    # "When to access targeted services" (Cambridgeshire protocol): what universal services have put in place.
    universal_services = forms.MultipleChoiceField(
        label="Which universal services are already involved with the family?",
        choices=UniversalService.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. Targeted help follows support from universal services.",
        error_messages={"required": "Select the universal services already involved with the family",
                        "invalid_choice": "Choose universal services from the list"},
    )  # fmt: skip
    universal_support_tried = text_field(
        "What have they tried?", TEXT_MAX, required=True, textarea=True, rows=4,
        help_text="The support universal services have put in place, and what happened.",
        required_message="Enter what the universal services have tried",
        noun="what the universal services have tried",
    )  # fmt: skip

    def __init__(self, *args, records_assessment: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.records_assessment = records_assessment
        self.add_consent_fields()
        if not records_assessment:
            for name in ASSESSMENT_FIELDS:
                del self.fields[name]
        for n in range(1, CHILD_SLOTS + 1):
            first = n == 1
            which = "" if first else f" (child {n}, optional)"
            whose = "the child's" if first else f"child {n}'s"
            self.fields[f"child{n}_first_name"] = text_field(
                f"First name{which}", 100, required=first, noun=f"{whose} first name"
            )
            self.fields[f"child{n}_last_name"] = text_field(
                f"Last name{which}", 100, required=first, noun=f"{whose} last name"
            )
            self.fields[f"child{n}_date_of_birth"] = DateField(
                label=f"Date of birth{which}", required=first, help_text="For example, 27 3 2015"
            )
            self.fields[f"child{n}_sex"] = radios_field(f"Sex{which}", Sex.choices, required=False)
            self.fields[f"child{n}_ethnicity"] = forms.ChoiceField(
                label=f"Ethnicity{which}", choices=[("", "Not known yet"), *Ethnicity.choices], required=False
            )
            self.fields[f"child{n}_postcode"] = text_field(f"Postcode{which}", 16, noun=f"{whose} postcode")

    def child_slots(self):
        return [
            [self[f"child{n}_{part}"] for part in ("first_name", "last_name", "date_of_birth", "sex", "ethnicity",
                                                    "postcode")]
            for n in range(1, CHILD_SLOTS + 1)
        ]  # fmt: skip

    def clean(self):
        data = super().clean()
        self.clean_consent_fields(data)
        for field, label in (("assessment_started_on", "Assessment start date"),
                             ("assessment_completed_on", "Assessment completion date")):  # fmt: skip
            if field not in self.fields:
                continue
            try:
                _not_future(data.get(field), label)
            except ValidationError as exc:
                self.add_error(field, exc)
        for n in range(2, CHILD_SLOTS + 1):
            named = data.get(f"child{n}_first_name") or data.get(f"child{n}_last_name")
            if named and not data.get(f"child{n}_date_of_birth"):
                self.add_error(f"child{n}_date_of_birth", f"Enter child {n}'s date of birth")
            if named and not (data.get(f"child{n}_first_name") and data.get(f"child{n}_last_name")):
                self.add_error(f"child{n}_last_name", f"Enter child {n}'s first and last name")
        return data

    def to_api_data(self) -> dict:
        data = self.cleaned_data
        children = []
        for n in range(1, CHILD_SLOTS + 1):
            if not data.get(f"child{n}_first_name"):
                continue
            child = {
                "first_name": data[f"child{n}_first_name"],
                "last_name": data[f"child{n}_last_name"],
                "date_of_birth": data[f"child{n}_date_of_birth"].isoformat(),
                "postcode": data.get(f"child{n}_postcode", ""),
                "ethnicity": data.get(f"child{n}_ethnicity", ""),
            }
            if data.get(f"child{n}_sex"):
                child["sex"] = data[f"child{n}_sex"]
            children.append(child)
        out = {name: data.get(name) for name in self.fields if not name.startswith("child")}
        out["consent_reason"] = out.pop("reason_without_consent", "") or ""
        for name in ("assessment_started_on", "assessment_completed_on", "consent_given_on"):
            if name in out:
                out[name] = out[name].isoformat() if out[name] else None
        out["referrer_email"] = out["referrer_email"] or ""
        return {**out, "children": children}


LIST_FIELDS = ("universal_services",)


def draft_values(post) -> dict:
    """What was typed, unvalidated, so a draft keeps everything (date parts stay as typed; ticked boxes a list)."""
    values = {key: post.get(key, "")[:20_000] for key in post if key not in ("csrfmiddlewaretoken", "action",
                                                                              *LIST_FIELDS)}  # fmt: skip
    for key in LIST_FIELDS:
        values[key] = [v[:50] for v in post.getlist(key)][:20]
    return values


# --- the outcome ---------------------------------------------------------------------------------------


class OutcomeForm(forms.Form):
    """The outcome, with each outcome's own questions revealed under its radio (GOV.UK conditional radios,
    templates/earlyhelp/outcome.html) and required, or even read, only with it: what was typed under another
    outcome before the coordinator changed their mind is ignored, not refused."""

    outcome = radios_field(
        "What is the outcome?", EarlyHelpOutcome.choices, required_message="Select the outcome of the request"
    )
    # Under "District Early Help service offered".
    lead_professional = text_field("Lead professional", 200, help_text="Name, role and organisation")
    lead_professional_email = _email("Lead professional's email address", "The letter is emailed here")
    district_services = text_field(
        "Which district Early Help service or services are offered?", 500, noun="the district Early Help services"
    )
    further_assessment = radios_field(
        "Does the offer include further assessment?", [("yes", "Yes"), ("no", "No")], required=False
    )
    # Under "Support to the lead professional": the same two answers, asked again under their own names (a page
    # cannot have two boxes of one name).
    support_lead_professional = text_field(
        "Lead professional to support", 200, help_text="Name, role and organisation", noun="the lead professional"
    )
    support_lead_professional_email = _email("Their email address", "The letter is emailed here")
    # Under "Signposted to a service outside the hub".
    signposted_to = text_field(
        "Which service outside the hub is the family signposted to?",
        500,
        noun="the service the family is signposted to",
    )
    notes = text_field("Notes", TEXT_MAX, textarea=True, rows=4)

    REVEALED = {
        EarlyHelpOutcome.DISTRICT_SERVICE: ("lead_professional", "lead_professional_email", "district_services",
                                            "further_assessment"),
        EarlyHelpOutcome.LEAD_PROFESSIONAL_SUPPORT: ("support_lead_professional", "support_lead_professional_email"),
        EarlyHelpOutcome.SIGNPOST: ("signposted_to",),
    }  # fmt: skip

    def revealed(self):
        """(outcome value, its bound fields) for the template."""
        return {value: [self[name] for name in names] for value, names in self.REVEALED.items()}

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        for other, names in self.REVEALED.items():
            if other == outcome:
                continue
            for name in names:
                self.errors.pop(name, None)
                data[name] = ""
        if outcome == EarlyHelpOutcome.DISTRICT_SERVICE:
            if not data.get("lead_professional"):
                self.add_error("lead_professional", "Enter the name of the lead professional")
            if not data.get("district_services"):
                self.add_error("district_services", "Enter which district Early Help service or services are offered")
            if not data.get("further_assessment"):
                self.add_error("further_assessment", "Select whether the offer includes further assessment")
        if outcome == EarlyHelpOutcome.LEAD_PROFESSIONAL_SUPPORT and not data.get("support_lead_professional"):
            self.add_error("support_lead_professional", "Enter the name of the lead professional to support")
        if outcome == EarlyHelpOutcome.SIGNPOST and not data.get("signposted_to"):
            self.add_error("signposted_to", "Enter the service the family is signposted to")
        return data

    @staticmethod
    def to_service_data(cleaned: dict) -> dict:
        data = dict(cleaned)
        further = data.pop("further_assessment", "")
        data["further_assessment"] = {"yes": True, "no": False}.get(further)
        support_lead = data.pop("support_lead_professional", "")
        support_email = data.pop("support_lead_professional_email", "")
        if data.get("outcome") == EarlyHelpOutcome.LEAD_PROFESSIONAL_SUPPORT:
            data["lead_professional"], data["lead_professional_email"] = support_lead, support_email
        return data


# --- feedback --------------------------------------------------------------------------------------------


class CallForm(forms.Form):
    spoke_to = text_field(
        "Who did you call?", 200, required=True, help_text="Name, and their relationship to the child",
        required_message="Enter the name of who you called", noun="the name of who you called",
    )  # fmt: skip
    called_on = DateField(label="Date of the call")
    called_time = text_field("Time of the call", 5, required=True, help_text="For example, 14:30")
    outcome = radios_field("How did the call go?", CallOutcome.choices, required_message="Select how the call went")
    notes = text_field("Notes", 2000, textarea=True, rows=3)

    def __init__(self, *args, tenant=None, **kwargs):
        self.tenant = tenant
        super().__init__(*args, **kwargs)

    def clean_called_time(self):
        match = TIME_PATTERN.match(self.cleaned_data["called_time"])
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise ValidationError("Enter the time of the call as hours and minutes, like 14:30")
        return time(int(match.group(1)), int(match.group(2)))

    def clean(self):
        data = super().clean()
        if data.get("called_on") and data.get("called_time") and self.tenant is not None:
            data["called_at"] = datetime.combine(
                data["called_on"], data["called_time"], tzinfo=ZoneInfo(self.tenant.time_zone)
            )
            if data["called_at"] > timezone.now():
                self.add_error("called_on", "The call must be in the past")
        return data


class LetterForm(forms.Form):
    sent_by = radios_field(
        "How are you sending the letter?",
        LetterSentBy.choices,
        required_message="Select how you are sending the letter",
    )
    email = _email("Lead professional's email address")

    def clean(self):
        data = super().clean()
        if data.get("sent_by") == LetterSentBy.EMAIL and not data.get("email"):
            self.add_error("email", "Enter the lead professional's email address")
        return data


# --- Annex A List 2 ----------------------------------------------------------------------------------------


class AssessmentForm(forms.Form):
    started_on = DateField(label="Assessment start date", required=False)
    completed_on = DateField(label="Assessment completion date", required=False)
    organisation = text_field("Organisation completing the assessment", 200)
    # The Assessment Framework's three domains, each with strengths and needs, and the child's own views.
    development_strengths = text_field("Strengths", TEXT_MAX, textarea=True, rows=3, noun="the child's strengths")
    development_needs = text_field("Needs", TEXT_MAX, textarea=True, rows=3, noun="the child's needs")
    parenting_strengths = text_field("Strengths", TEXT_MAX, textarea=True, rows=3, noun="the parenting strengths")
    parenting_needs = text_field("Needs", TEXT_MAX, textarea=True, rows=3, noun="the parenting needs")
    family_strengths = text_field("Strengths", TEXT_MAX, textarea=True, rows=3, noun="the family's strengths")
    family_needs = text_field("Needs", TEXT_MAX, textarea=True, rows=3, noun="the family's needs")
    child_views = text_field(
        "The child's own views", TEXT_MAX, textarea=True, rows=4,
        help_text="What the child says about their life and the help they want, in their words where you can.",
    )  # fmt: skip
    DOMAINS = (
        ("Child's developmental needs", "Health, education, emotional and behavioural development, identity, "
         "family and social relationships, self-care", "development"),
        ("Parenting capacity", "Basic care, safety, emotional warmth, stimulation, guidance and boundaries, "
         "stability", "parenting"),
        ("Family and environmental factors", "Family history and functioning, wider family, housing, employment, "
         "income, social integration, community resources", "family"),
    )  # fmt: skip

    def domains(self):
        return [
            {"title": title, "hint": hint, "strengths": self[f"{key}_strengths"], "needs": self[f"{key}_needs"]}
            for title, hint, key in self.DOMAINS
        ]

    def clean_started_on(self):
        return _not_future(self.cleaned_data.get("started_on"), "Assessment start date")

    def clean_completed_on(self):
        return _not_future(self.cleaned_data.get("completed_on"), "Assessment completion date")


# --- the plan, its reviews, closure ------------------------------------------------------------------------


ACTION_SLOTS = 3


def _action_fields(form, prefix: str, which: str, required: bool, number: int = 0) -> None:
    action = f"action {number}" if number > 1 else "the action"
    form.fields[f"{prefix}_description"] = text_field(
        f"What is the action?{which}", 2000, textarea=True, rows=2, noun=f"{action[:1].upper()}{action[1:]}"
    )
    form.fields[f"{prefix}_owner"] = text_field(
        f"Who owns it?{which}", 200, help_text="Name, role and organisation", noun=f"the owner of {action}"
    )
    form.fields[f"{prefix}_due_on"] = GovukDateField(
        noun="the due date", label=f"Due date{which}", required=False, help_text="For example, 27 3 2026"
    )
    form.action_slots.append((prefix, required))


def _clean_action(form, data, prefix: str, required: bool) -> dict | None:
    """One action's three parts: all or nothing (unless required), with a message on each missing part."""
    parts = {p: data.get(f"{prefix}_{p}") for p in ("description", "owner", "due_on")}
    if not required and not any(parts.values()) and f"{prefix}_due_on" not in form.errors:
        return None
    messages = {
        "description": "Enter what the action is", "owner": "Enter who owns the action",
        "due_on": "Enter the date the action is due",
    }  # fmt: skip
    for part, value in parts.items():
        if not value and f"{prefix}_{part}" not in form.errors:
            form.add_error(f"{prefix}_{part}", messages[part])
    return parts if all(parts.values()) else None


class PlanForm(forms.Form):
    starts_plan = True
    lead_professional = text_field("Lead professional", 200, required=True)
    services = text_field("Services involved in the plan", TEXT_MAX, required=True, textarea=True, rows=4)
    team_around_family_on = DateField(label="Team Around the Family meeting date", required=False)
    first_review_on = DateField(label="First review date", help_text="The plan's first review is tracked to this day")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action_slots = []
        for n in range(1, ACTION_SLOTS + 1):
            _action_fields(self, f"action{n}", "" if n == 1 else f" (action {n}, optional)", n == 1, n)

    def clean_first_review_on(self):
        return _future(self.cleaned_data.get("first_review_on"), "First review date")

    def clean(self):
        data = super().clean()
        data["actions"] = [a for prefix, required in self.action_slots if (a := _clean_action(self, data, prefix,
                                                                                               required))]  # fmt: skip
        return data

    def actions(self):
        return [[self[f"{prefix}_{p}"] for p in ("description", "owner", "due_on")] for prefix, _ in self.action_slots]


class ActionForm(forms.Form):
    """A further action on the running plan."""

    starts_plan = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action_slots = []
        _action_fields(self, "action", "", True)

    def clean(self):
        data = super().clean()
        data["action"] = _clean_action(self, data, "action", True)
        return data

    def actions(self):
        return [[self[f"action_{p}"] for p in ("description", "owner", "due_on")]]


class ReviewForm(forms.Form):
    held_on = DateField(label="Date the review was held")
    progress = radios_field(
        "How is the plan progressing?", ReviewProgress.choices, required_message="Select how the plan is progressing"
    )
    notes = text_field("What the review found and agreed", TEXT_MAX, textarea=True, rows=4)
    plan_ending = forms.BooleanField(label="The plan is ending: no further review", required=False)
    next_review_on = DateField(label="Next review date", required=False)

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.plan_actions = list(actions)
        for action in self.plan_actions:
            status = radios_field(
                f"Progress of the action: {action.description[:80]}", ActionStatus.choices,
                required_message=f"Select the progress of the action '{action.description[:60]}'",
            )  # fmt: skip
            self.fields[f"action_{action.pk}_status"] = status
            self.fields[f"action_{action.pk}_note"] = text_field(
                "Note (optional)", 2000, textarea=True, rows=2, noun="the note on the action"
            )

    def action_rows(self):
        return [
            {"action": a, "status": self[f"action_{a.pk}_status"], "note": self[f"action_{a.pk}_note"]}
            for a in self.plan_actions
        ]

    def action_updates(self) -> dict:
        data = self.cleaned_data
        return {
            a.pk: {"status": data[f"action_{a.pk}_status"], "note": data.get(f"action_{a.pk}_note", "")}
            for a in self.plan_actions
        }

    def clean_held_on(self):
        return _not_future(self.cleaned_data.get("held_on"), "Date the review was held")

    def clean(self):
        data = super().clean()
        if not data.get("plan_ending") and not data.get("next_review_on") and "next_review_on" not in self.errors:
            self.add_error("next_review_on", "Enter the next review date, or say the plan is ending")
        if data.get("next_review_on"):
            try:
                _future(data["next_review_on"], "Next review date")
            except ValidationError as exc:
                self.add_error("next_review_on", exc)
        return data


class CloseForm(forms.Form):
    reason = radios_field(
        "Why is the request closing?", [c for c in ClosureReason.choices if c[0] != "stepped_up"],
        required_message="Select why the request is closing",
    )  # fmt: skip
    notes = text_field("Notes", TEXT_MAX, textarea=True, rows=3, help_text="Needed when the reason is Other")

    def clean(self):
        data = super().clean()
        if data.get("reason") == ClosureReason.OTHER and not data.get("notes"):
            self.add_error("notes", "Say why the request is closing")
        return data


class StepUpForm(forms.Form):
    concerns = text_field(
        "What are the safeguarding concerns?", 6_000, required=True, textarea=True, rows=8,
        help_text="What has happened, what you have seen or been told, and why the child may be at risk of harm. "
                  "The early-help history is attached for you.",
        required_message="Enter the safeguarding concerns", noun="the safeguarding concerns",
    )  # fmt: skip
    parents_aware = radios_field(
        "Do the parents or carers know you are referring to the MASH?", ParentsAware.choices,
        required_message="Select whether the parents or carers know you are referring to the MASH",
    )  # fmt: skip
    consent_to_referral = radios_field(
        "Have they agreed to the referral?", Consent.choices,
        required_message="Select whether they have agreed to the referral",
    )  # fmt: skip
    consent_to_sharing = radios_field(
        "Have they agreed to information about them being shared?", Consent.choices,
        required_message="Select whether they have agreed to information about them being shared",
    )  # fmt: skip
    consent_reason = radios_field(
        "If they have not agreed, or you did not ask, why?", ConsentReason.choices, required=False
    )
    consent_decided_by = text_field(
        "Who decided to refer without consent?", 200, help_text="Name and job title",
        noun="the name of who decided to refer without consent",
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        given = data.get("consent_to_referral") == Consent.GIVEN and data.get("consent_to_sharing") == Consent.GIVEN
        if not given and data.get("consent_to_referral") and data.get("consent_to_sharing"):
            if not data.get("consent_reason"):
                self.add_error("consent_reason", "Select why consent was not given or not sought")
            if not data.get("consent_decided_by"):
                self.add_error("consent_decided_by", "Enter who decided to refer without consent")
        return data
