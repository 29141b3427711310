"""Triage API input and output. Input shapes only; the rules live in triage.services."""

from django.utils import timezone
from rest_framework import serializers

from contacts import selectors as contact_selectors
from contacts.choices import Outcome
from contacts.models import IDENTITY_CHECK_MAX, Contact
from mash.security.input import date_in_range
from navigators.models import InformationRequest

from .choices import CpisResult, PrimaryNeed, StrategyDecision
from .models import CaseNote, CpisCheck, StrategyDiscussion


def _optional_text(max_length: int, help_text: str = ""):
    return serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=max_length, trim_whitespace=True,
        help_text=help_text,
        error_messages={"max_length": f"Must be {max_length:,} characters or fewer."},
    )  # fmt: skip


VERSION_HELP = "The contact's version you saw (optimistic concurrency): if it changed since, the answer is 409."


class RatingInput(serializers.Serializer):
    rating = serializers.CharField(max_length=30, help_text="A rating code of the tenant's scheme.")
    rationale = _optional_text(10_000, "Why this rating.")
    agencies = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=100,
        help_text="Agency slugs: required when the rating asks selected agencies, ignored when it asks all.",
    )  # fmt: skip
    reason = _optional_text(2_000, "Why the contact is re-rated (required when it already has a rating).")
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)


class DecisionInput(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=Outcome.choices, error_messages={"invalid_choice": "Choose one of the outcomes."}
    )
    reason = _optional_text(10_000, "Why this outcome.")
    override_reason = _optional_text(
        2_000, "Required while any information request is still outstanding; those requests are then closed."
    )
    primary_need = serializers.ChoiceField(
        choices=PrimaryNeed.choices, required=False, allow_blank=True,
        help_text="CIN census primary need (N0-N9), for an assessment or a strategy discussion.",
        error_messages={"invalid_choice": "Choose a primary need from N0 to N9."},
    )  # fmt: skip
    factors = serializers.ListField(
        child=serializers.CharField(max_length=4), required=False, max_length=40,
        help_text="CIN census factors identified at assessment, e.g. 3B, 16A.",
    )  # fmt: skip
    feedback = _optional_text(10_000, "An extra note for the referrer, added to the outcome and next steps.")
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)
    team = serializers.IntegerField(
        required=False, allow_null=True, help_text="The receiving team (a passing-on outcome): the summary goes there."
    )
    service_name = _optional_text(200, "For other_service without a team: the outside service's name.")
    service_contact = _optional_text(500, "The outside service's contact details.")


SAY_HOW = "Say how you confirmed who they are."


class ReporterIdentityInput(serializers.Serializer):
    check = serializers.CharField(
        max_length=IDENTITY_CHECK_MAX, trim_whitespace=True,
        help_text="How the hub confirmed who the member of the public is, e.g. called back on the number given.",
        error_messages={"required": SAY_HOW, "blank": SAY_HOW,
                        "max_length": f"Must be {IDENTITY_CHECK_MAX:,} characters or fewer."},
    )  # fmt: skip
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)


class TakeInput(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)


class RequestSummarySerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = InformationRequest
        fields = ["id", "agency", "status", "requested_at", "due_at", "returned_at", "breached_at", "escalation_level"]
        read_only_fields = fields


class TriageStateSerializer(serializers.ModelSerializer):
    """A contact's triage state after an action: its status, rating, version and information requests."""

    rating = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    assigned_to = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    information_requests = RequestSummarySerializer(many=True, read_only=True)
    reporter_identity_verified = serializers.BooleanField(read_only=True)
    reporter_identity_verified_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Contact
        fields = ["id", "reference", "status", "rating", "outcome", "assigned_to", "decision_due_at", "decided_at",
                  "version", "information_requests", "feedback_sent_at", "reporter_identity_verified",
                  "reporter_identity_verified_at", "reporter_identity_verified_by"]  # fmt: skip
        read_only_fields = fields


class QueueRowSerializer(serializers.ModelSerializer):
    rating = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    assigned_to = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    children = serializers.SerializerMethodField()
    re_contact = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    immediate_action = serializers.BooleanField(source="needs_immediate_action", read_only=True)
    edt_handover = serializers.SerializerMethodField(help_text="Handed back by the Emergency Duty Team, not yet taken.")

    class Meta:
        model = Contact
        fields = ["id", "reference", "status", "received_at", "decision_due_at", "overdue", "rating", "source",
                  "channel", "re_contact", "assigned_to", "children", "version", "urgent", "out_of_hours",
                  "immediate_action", "edt_handover"]  # fmt: skip
        read_only_fields = fields

    def get_children(self, contact) -> list[str]:
        return [f"{p.first_name} {p.last_name}" for p in contact_selectors.children_of(contact)]

    def get_re_contact(self, contact) -> bool:
        return bool(getattr(contact, "previous_contact_ids", []))

    def get_edt_handover(self, contact) -> bool:
        return getattr(contact, "edt_handover_first", 1) == 0

    def get_overdue(self, contact) -> bool:
        return bool(getattr(contact, "is_overdue", False))


class PaginatedQueueSerializer(serializers.Serializer):
    """The page-number envelope of the queue (for the OpenAPI document)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = QueueRowSerializer(many=True)


class CaseNoteSerializer(serializers.ModelSerializer):
    contact = serializers.PrimaryKeyRelatedField(read_only=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CaseNote
        fields = ["id", "contact", "text", "author", "created_at"]
        read_only_fields = fields


class CaseNoteInput(serializers.Serializer):
    contact = serializers.IntegerField(min_value=1)
    text = serializers.CharField(max_length=10_000, trim_whitespace=True)


class StrategyAttendeeInput(serializers.Serializer):
    agency = serializers.CharField(max_length=50, help_text="The agency's slug: police and health must attend.")
    name = serializers.CharField(max_length=200)


class StrategyActionInput(serializers.Serializer):
    action = serializers.CharField(max_length=500)
    owner = serializers.CharField(max_length=200)
    due = serializers.DateField(required=False, allow_null=True, validators=[date_in_range])


class StrategyDiscussionInput(serializers.Serializer):
    held_at = serializers.DateTimeField(
        error_messages={"invalid": "Enter when it was held as an ISO 8601 instant with an offset."}
    )
    chair = serializers.CharField(max_length=200, help_text="Who chaired (children's social care).")
    attendees = StrategyAttendeeInput(many=True, help_text="Who attended from which agency; police and health.")
    decision = serializers.ChoiceField(
        choices=StrategyDecision.choices,
        error_messages={"invalid_choice": "Choose section_47_single, section_47_joint, no_section_47 or "
                        "further_information."},
    )  # fmt: skip
    notes = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")
    shared = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")
    actions = StrategyActionInput(many=True, required=False, default=list)
    conference = serializers.BooleanField(required=False, default=False, help_text="Convene an initial CP conference.")

    def validate_held_at(self, value):
        if timezone.is_naive(value):
            raise serializers.ValidationError("Give the time's offset from UTC, like 2026-03-10T15:00:00Z.")
        return value


class StrategyDiscussionSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = StrategyDiscussion
        fields = ["id", "held_at", "chair", "attendees", "decision", "notes", "shared", "actions", "conference",
                  "due_at", "recorded_by", "recorded_at"]  # fmt: skip
        read_only_fields = fields


class CpisCheckInput(serializers.Serializer):
    checked_at = serializers.DateTimeField(
        error_messages={"invalid": "Enter when the check was made as an ISO 8601 instant with an offset."}
    )
    result = serializers.ChoiceField(
        choices=CpisResult.choices,
        error_messages={"invalid_choice": "Choose no_record, child_protection_plan, looked_after or "
                        "unborn_pre_birth_plan."},
    )  # fmt: skip
    details = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")

    def validate_checked_at(self, value):
        if timezone.is_naive(value):
            raise serializers.ValidationError("Give the time's offset from UTC, like 2026-03-10T15:00:00Z.")
        return value


class CpisCheckSerializer(serializers.ModelSerializer):
    checked_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CpisCheck
        fields = ["checked_at", "result", "details", "checked_by", "recorded_at"]
        read_only_fields = fields
