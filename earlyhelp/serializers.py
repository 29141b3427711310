"""Early-help input (the API and the Early Help Assessment page share these rules) and output."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from contacts.choices import ConsentReason
from contacts.serializers import ChildInput
from mash.security.input import date_in_range

from .models import TEXT_MAX, ClosureReason, EarlyHelpOutcome, EarlyHelpRequest, FamilyConsent, UniversalService
from .services import (
    ASSESSMENT_FIELDS,
    MAX_CHILDREN,
    consent_errors,
    may_record_assessment,
    outcome_errors,
    universal_errors,
)


def _text(max_length: int, *, label: str, required: bool = False):
    messages = {"max_length": f"{label} must be {max_length:,} characters or fewer."}
    if required:
        prompt = f"Enter {label[0].lower() + label[1:]}."
        messages |= {"required": prompt, "blank": prompt}
        return serializers.CharField(max_length=max_length, error_messages=messages)
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default="", error_messages=messages
    )


class EarlyHelpChildInput(ChildInput):
    """A child as the MARF takes one (name, date of birth, sex, ethnicity, postcode)."""


def _past_date(label: str):
    def check(value):
        if value is not None and value > timezone.localdate():
            raise serializers.ValidationError(f"{label} must be today or in the past.")
        return value

    return serializers.DateField(
        required=False, allow_null=True, default=None, validators=[date_in_range, check],
        error_messages={"invalid": f"Enter the {label.lower()} as a real date, like 2026-03-27."},
    )  # fmt: skip


class EarlyHelpRequestInput(serializers.Serializer):
    """A direct Early Help Assessment request from a professional.

    The assessment's dates and organisation feed Ofsted's Annex A: only hub staff give them (the ``actor`` in
    the context); a referrer who sends them is told to leave them out (services.request_early_help agrees).
    """

    children = EarlyHelpChildInput(many=True, required=True)
    needs = _text(TEXT_MAX, label="What help the family needs", required=True)
    referrer_name = _text(200, label="Your name")
    referrer_role = _text(200, label="Your job title")
    referrer_organisation = _text(200, label="Your organisation")
    referrer_phone = _text(30, label="Your phone number")
    referrer_email = serializers.EmailField(
        max_length=254, required=False, allow_blank=True, default="",
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.org."},
    )  # fmt: skip
    family_contact = _text(200, label="Who to call in the family")
    family_phone = _text(30, label="The family's phone number")
    address = _text(300, label="Address")
    assessment_started_on = _past_date("Assessment start date")
    assessment_completed_on = _past_date("Assessment completion date")
    assessment_organisation = _text(200, label="Organisation completing the assessment")
    # Early help is consensual: without the family's consent the request is handled as a MASH contact. Older
    # clients may leave consent out (the coordinator then records it at the review); given, it must be whole.
    consent = serializers.ChoiceField(
        choices=FamilyConsent.choices, required=False, allow_blank=True, default="",
        error_messages={"invalid_choice": "Choose given or not_given."},
    )  # fmt: skip
    consent_given_by = _text(200, label="Who in the family agreed")
    consent_given_on = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[date_in_range],
        error_messages={"invalid": "Enter the date the family agreed as a real date, like 2026-03-27."},
    )  # fmt: skip
    consent_basis = serializers.ChoiceField(
        choices=ConsentReason.choices, required=False, allow_blank=True, default="",
        error_messages={"invalid_choice": f"Choose one of {', '.join(ConsentReason.values)}."},
    )  # fmt: skip
    consent_reason = _text(TEXT_MAX, label="The reason for proceeding without consent")
    # "When to access targeted services": the universal services involved and what they tried.
    universal_services = serializers.ListField(
        child=serializers.ChoiceField(
            choices=UniversalService.choices,
            error_messages={"invalid_choice": f"Choose from {', '.join(UniversalService.values)}."},
        ),
        required=False, default=list,
    )  # fmt: skip
    universal_support_tried = _text(TEXT_MAX, label="What the universal services have tried")

    def validate_children(self, value):
        if not value:
            raise serializers.ValidationError("Add at least one child.")
        if len(value) > MAX_CHILDREN:
            raise serializers.ValidationError(f"Add at most {MAX_CHILDREN} children to one request.")
        return value

    def validate(self, data):
        actor = self.context.get("actor")
        if actor is not None and not may_record_assessment(actor):
            given = [f for f in ASSESSMENT_FIELDS if data.get(f) not in (None, "")]
            if given:
                message = "The Early Help Hub records this for Ofsted; leave it out of your request."
                raise serializers.ValidationError({field: [message] for field in given})
        if data.get("consent"):
            errors = consent_errors(**{f: data.get(f) for f in ("consent", "consent_given_by", "consent_given_on",
                                                                 "consent_basis", "consent_reason")})  # fmt: skip
            if errors:
                raise serializers.ValidationError({field: [message] for field, message in errors.items()})
        if data.get("universal_services") or data.get("universal_support_tried"):
            errors = universal_errors(universal_services=data.get("universal_services"),
                                      universal_support_tried=data.get("universal_support_tried"))  # fmt: skip
            if errors:
                raise serializers.ValidationError({field: [message] for field, message in errors.items()})
        started, completed = data.get("assessment_started_on"), data.get("assessment_completed_on")
        if completed and not started:
            raise serializers.ValidationError({"assessment_started_on": ["Enter when the assessment started."]})
        if started and completed and completed < started:
            raise serializers.ValidationError(
                {"assessment_completed_on": ["The assessment cannot be completed before it started."]}
            )
        return data


class OutcomeInput(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=EarlyHelpOutcome.choices,
        error_messages={"invalid_choice": "Choose one of district_service, lead_professional_support, signpost, "
                                          "advice.", "required": "Choose the outcome."},
    )  # fmt: skip
    lead_professional = _text(200, label="The lead professional")
    notes = _text(TEXT_MAX, label="Notes")
    district_services = _text(500, label="The district services offered")
    further_assessment = serializers.BooleanField(required=False, allow_null=True, default=None)
    signposted_to = _text(500, label="The service signposted to")
    lead_professional_email = serializers.EmailField(
        max_length=254, required=False, allow_blank=True, default="",
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.org."},
    )  # fmt: skip

    def validate(self, data):
        errors = outcome_errors(**{k: data.get(k) for k in ("outcome", "lead_professional", "district_services",
                                                            "further_assessment", "signposted_to")})  # fmt: skip
        if errors:
            raise serializers.ValidationError({field: [message] for field, message in errors.items()})
        return data


class EarlyHelpChildSerializer(serializers.Serializer):
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    postcode = serializers.CharField()


class EarlyHelpRequestSerializer(serializers.ModelSerializer):
    """Hub staff's view (API.md fields, and more)."""

    children = EarlyHelpChildSerializer(many=True, read_only=True)
    # Blank until the hub gives its outcome / closes the request.
    outcome = serializers.ChoiceField(choices=EarlyHelpOutcome.choices, read_only=True, allow_blank=True)
    closure_reason = serializers.ChoiceField(choices=ClosureReason.choices, read_only=True, allow_blank=True)

    class Meta:
        model = EarlyHelpRequest
        fields = [
            "id", "reference", "contact", "status", "received_at", "review_due_at", "outcome", "outcome_at",
            "breached_at", "escalation_level", "children", "needs", "lead_professional", "district_services",
            "further_assessment", "signposted_to", "outcome_notes", "stepped_up_to", "stepped_up_at",
            "assessment_started_on", "assessment_completed_on", "assessment_organisation", "closed_at",
            "closure_reason", "referrer_name", "referrer_organisation", "consent", "consent_given_by",
            "consent_given_on", "consent_basis", "consent_reason", "universal_services", "universal_support_tried",
        ]  # fmt: skip
        read_only_fields = fields


class ReferrerEarlyHelpSerializer(serializers.ModelSerializer):
    """A referrer's own request: its status and the feedback they are given, nothing of the hub's working."""

    feedback = serializers.SerializerMethodField()
    outcome = serializers.ChoiceField(choices=EarlyHelpOutcome.choices, read_only=True, allow_blank=True)

    class Meta:
        model = EarlyHelpRequest
        fields = ["id", "reference", "contact", "status", "received_at", "review_due_at", "outcome", "feedback"]
        read_only_fields = fields

    def get_feedback(self, obj) -> dict:
        from .selectors import referrer_feedback

        feedback = referrer_feedback(obj)
        return {
            "outcome": feedback["outcome"],
            "lead_professional": feedback["lead_professional"],
            "called_at": feedback["called_at"].isoformat() if feedback["called_at"] else None,
        }
