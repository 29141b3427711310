"""Information requests and returns in and out of the API (API.md field names)."""

from __future__ import annotations

from rest_framework import serializers

from contacts.choices import Consent, ConsentReason, PersonRole
from contacts.models import ContactPerson
from mash.security.input import date_in_range

from .models import (
    ITEM_MAX,
    ITEMS_MAX,
    SUMMARY_MAX,
    InformationRequest,
    InformationReturn,
    LawfulBasis,
    RequestStatus,
    ReturnAddendum,
)
from .selectors import SEE_ALL_REQUESTS


class PersonSerializer(serializers.ModelSerializer):
    """What a navigator needs to search their agency's systems for one person."""

    class Meta:
        model = ContactPerson
        fields = ["first_name", "last_name", "date_of_birth", "postcode", "role", "relationship"]
        read_only_fields = fields


class InformationRequestSerializer(serializers.ModelSerializer):
    contact = serializers.PrimaryKeyRelatedField(read_only=True)
    contact_reference = serializers.CharField(source="contact.reference", read_only=True)
    agency = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    rating = serializers.SlugRelatedField(slug_field="code", read_only=True)
    rating_label = serializers.CharField(source="rating.label", read_only=True)
    status = serializers.ChoiceField(choices=RequestStatus.choices, read_only=True)
    assigned_to = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = InformationRequest
        fields = [
            "id", "contact", "agency", "status", "requested_at", "due_at", "returned_at", "breached_at",
            "escalation_level", "contact_reference", "agency_name", "rating", "rating_label", "questions",
            "question_list", "assigned_to", "closed_at", "version",
        ]  # fmt: skip
        read_only_fields = fields


class AddendumSerializer(serializers.ModelSerializer):
    added_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ReturnAddendum
        fields = ["id", "text", "added_by", "added_at"]
        read_only_fields = fields


class InformationReturnSerializer(serializers.ModelSerializer):
    request = serializers.PrimaryKeyRelatedField(read_only=True)
    agency = serializers.SlugRelatedField(source="request.agency", slug_field="slug", read_only=True)
    contact = serializers.PrimaryKeyRelatedField(source="request.contact", read_only=True)
    submitted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    late_by_seconds = serializers.SerializerMethodField()
    addenda = AddendumSerializer(many=True, read_only=True)

    class Meta:
        model = InformationReturn
        fields = [
            "id", "request", "agency", "contact", "status", "known_to_agency", "summary", "answers", "history",
            "risk_indicators", "sources_checked", "recommendation", "lawful_basis", "consent_status",
            "consent_reason", "not_for_onward_sharing", "submitted_at", "submitted_by", "submitted_late",
            "late_by_seconds", "addenda",
        ]  # fmt: skip
        read_only_fields = fields

    def get_late_by_seconds(self, obj) -> int | None:
        return int(obj.late_by.total_seconds()) if obj.late_by else None


class InformationRequestDetailSerializer(InformationRequestSerializer):
    """One request with what is needed to answer it; the referrer's concern only where the tenant allows it."""

    children = serializers.SerializerMethodField()
    household = serializers.SerializerMethodField()
    address = serializers.CharField(source="contact.address", read_only=True)
    postcode = serializers.CharField(source="contact.postcode", read_only=True)
    school = serializers.CharField(source="contact.school", read_only=True)
    gp = serializers.CharField(source="contact.gp", read_only=True)
    concerns = serializers.SerializerMethodField()
    information_return = serializers.SerializerMethodField()

    class Meta(InformationRequestSerializer.Meta):
        fields = [*InformationRequestSerializer.Meta.fields, "children", "household", "address", "postcode",
                  "school", "gp", "concerns", "information_return"]  # fmt: skip
        read_only_fields = fields

    def _people(self, obj, children: bool):
        people = [p for p in obj.contact.people.all() if (p.role == PersonRole.CHILD) == children]
        return PersonSerializer(people, many=True).data

    def get_children(self, obj) -> list[dict]:
        return self._people(obj, True)

    def get_household(self, obj) -> list[dict]:
        return self._people(obj, False)

    def get_concerns(self, obj) -> str | None:
        user = self.context["request"].user
        if user.role in SEE_ALL_REQUESTS or self.context.get("share_concerns"):
            return obj.contact.concerns
        return None

    def get_information_return(self, obj) -> dict | None:
        ret = getattr(obj, "information_return", None)
        if ret is None or not ret.is_submitted:
            return None
        return InformationReturnSerializer(ret).data


class HistoryEntry(serializers.Serializer):
    date = serializers.DateField(validators=[date_in_range])
    details = serializers.CharField(max_length=ITEM_MAX * 4)


class AnswerEntry(serializers.Serializer):
    question = serializers.CharField(max_length=ITEM_MAX)
    answer = serializers.CharField(max_length=SUMMARY_MAX, allow_blank=True)


def _items():
    return serializers.ListField(
        child=serializers.CharField(max_length=ITEM_MAX), max_length=ITEMS_MAX, required=False, default=list
    )


def _needed(message: str) -> dict:
    return {"required": message, "blank": message, "null": message}


class ReturnInput(serializers.Serializer):
    """``POST /information-requests/<id>/return/``: API.md's four fields, and the rest of the return optionally."""

    known_to_agency = serializers.BooleanField(
        error_messages={"required": "Say whether the child or family is known to your agency (true or false)."}
    )
    summary = serializers.CharField(
        max_length=SUMMARY_MAX, error_messages=_needed("Summarise your agency's involvement.")
    )
    risk_indicators = _items()
    recommendation = serializers.CharField(
        max_length=SUMMARY_MAX, error_messages=_needed("Give your agency's recommendation.")
    )
    history = serializers.ListField(child=HistoryEntry(), max_length=ITEMS_MAX, required=False)
    sources_checked = serializers.ListField(
        child=serializers.CharField(max_length=ITEM_MAX), max_length=ITEMS_MAX, required=False
    )
    answers = serializers.ListField(child=AnswerEntry(), max_length=ITEMS_MAX, required=False)
    lawful_basis = serializers.ChoiceField(choices=LawfulBasis.choices, required=False)
    consent_status = serializers.ChoiceField(choices=Consent.choices, required=False)
    consent_reason = serializers.ChoiceField(choices=ConsentReason.choices, required=False, allow_blank=True)
    not_for_onward_sharing = serializers.BooleanField(
        required=False,
        help_text="For the MASH's decision only: the receiving team's summary leaves the content out.",
    )

    def validate_history(self, value):
        return [{"date": item["date"].isoformat(), "details": item["details"]} for item in value]


class AddendumInput(serializers.Serializer):
    text = serializers.CharField(max_length=SUMMARY_MAX, error_messages={"blank": "Enter what you want to add."})


class AssignInput(serializers.Serializer):
    assigned_to = serializers.IntegerField(allow_null=True, help_text="A navigator of the agency, or null.")
    version = serializers.IntegerField(help_text="The request's version you saw (409 if it changed since).")
