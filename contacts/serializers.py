"""Contact input (one set of rules for the API, the MARF pages, the phone form and police notifications) and output."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from rest_framework import serializers

from mash.drf import PrototypeFields
from mash.security.input import EARLIEST_DATE
from thresholds import selectors as threshold_selectors

from .choices import (
    ENQUIRY_CLOSED,
    PUBLIC_RELATIONSHIPS,
    Channel,
    Consent,
    ConsentReason,
    ContactStatus,
    Ethnicity,
    Outcome,
    ParentsAware,
    PersonRole,
    ReferralSource,
    Sex,
)
from .models import CONCERNS_MAX, NAME_MAX, NOTES_MAX, TEXT_MAX, Contact, ContactPerson, PersonMatchCandidate
from .submissions import ContactSubmission, SubmittedPerson

MAX_CHILDREN = 20
EXPECTANT_PARENT = "Mother (expectant parent)"
UNBORN_FIRST_NAME = "Unborn"
MAX_HOUSEHOLD = 30
EARLIEST_BIRTH = date(1900, 1, 1)

# The shape of a UK postcode (outward code, space optional, inward code), as published by the ONS.
UK_POSTCODE = re.compile(
    r"^(GIR ?0AA|(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) ?[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def clean_postcode(value: str) -> str:
    """``cb1 2ab`` -> ``CB1 2AB``; an empty value stays empty; anything else is an error."""
    compact = re.sub(r"\s+", "", (value or "").upper())
    if not compact:
        return ""
    if not UK_POSTCODE.match(compact):
        raise serializers.ValidationError("Enter a real UK postcode, like CB1 2AB.")
    return f"{compact[:-3]} {compact[-3:]}"


def _text(max_length: int, *, required: bool = False, label: str = "", **kwargs):
    messages = {"max_length": f"{label or 'This'} must be {max_length:,} characters or fewer."}
    if required:
        messages.update({"required": f"Enter {label.lower()}.", "blank": f"Enter {label.lower()}."})
    return serializers.CharField(
        max_length=max_length,
        required=required,
        allow_blank=not required,
        trim_whitespace=True,
        error_messages=messages,
        **kwargs,
    )


def _choice(choices, *, label: str, required: bool = False, **kwargs):
    return serializers.ChoiceField(
        choices=choices,
        required=required,
        error_messages={
            "invalid_choice": f"Choose a valid option for {label.lower()}.",
            "required": f"Select {label.lower()}.",
            "null": f"Select {label.lower()}.",
        },
        **kwargs,
    )


def validate_birth_date(value: date | None) -> date | None:
    if value is None:
        return value
    if value > timezone.localdate():
        raise serializers.ValidationError("Date of birth must be today or in the past.")
    if value < EARLIEST_BIRTH:
        raise serializers.ValidationError("Date of birth must be after 1 January 1900.")
    return value


# A pre-birth referral names a pregnancy under way: due within about ten months (a pregnancy lasts about 40
# weeks from the last period), and not long past (a child due more than a month ago has almost surely been born:
# the referrer gives their date of birth instead).
EXPECTED_DATE_AHEAD_DAYS = 305
EXPECTED_DATE_PAST_DAYS = 31


def expected_date_problem(value: date | None) -> str | None:
    """What is wrong with an unborn child's expected date of delivery, in GOV.UK words (no full stop), or None."""
    if value is None:
        return "Enter the expected date of delivery"
    today = timezone.localdate()
    if value > today + timedelta(days=EXPECTED_DATE_AHEAD_DAYS):
        return "The expected date of delivery must be within the next 10 months"
    if value < today - timedelta(days=EXPECTED_DATE_PAST_DAYS):
        return (
            "The expected date of delivery must be in the last month or in the future. "
            "If the baby has been born, give their date of birth"
        )
    return None


UNBORN_WITH_BIRTH_DATE = (
    "An unborn child has no date of birth yet. Remove the date of birth and give the expected date of delivery "
    "(expected_date)."
)


def check_unborn(attrs: dict, *, birth_date_required: bool) -> dict:
    """One rule for every channel: an unborn child has an expected date of delivery and no date of birth;
    a born child has no expected date. Raises field errors; returns ``attrs`` tidied."""
    errors = {}
    if attrs.get("unborn"):
        if attrs.get("date_of_birth") is not None:
            errors["date_of_birth"] = [UNBORN_WITH_BIRTH_DATE]
        problem = expected_date_problem(attrs.get("expected_date"))
        if problem:
            errors["expected_date"] = [f"{problem}."]
    else:
        if attrs.get("expected_date") is not None:
            errors["expected_date"] = ['Only an unborn child has an expected date of delivery: set "unborn" to true.']
        if birth_date_required and attrs.get("date_of_birth") is None:
            errors["date_of_birth"] = ["Enter the child's date of birth."]
    if errors:
        raise serializers.ValidationError(errors)
    return attrs


def _unborn_fields():
    return (
        serializers.BooleanField(
            default=False, help_text="A pre-birth referral: the child is not born yet (give expected_date)."
        ),
        serializers.DateField(
            required=False,
            allow_null=True,
            default=None,
            help_text="The expected date of delivery of an unborn child (instead of date_of_birth).",
            error_messages={"invalid": "Enter the expected date of delivery as a real date, like 2027-03-27."},
        ),
    )


class _PersonInput(PrototypeFields, serializers.Serializer):
    first_name = _text(NAME_MAX, required=True, label="First name")
    last_name = _text(NAME_MAX, required=True, label="Last name")
    date_of_birth = serializers.DateField(
        required=False,
        allow_null=True,
        error_messages={"invalid": "Enter the date of birth as a real date, like 2015-03-27."},
        validators=[validate_birth_date],
    )
    sex = _choice(Sex.choices, label="Sex", default=Sex.UNKNOWN)
    postcode = _text(16, label="Postcode", default="")
    phone = _text(30, label="Phone number", default="")

    def validate_postcode(self, value):
        return clean_postcode(value)


class ChildInput(_PersonInput):
    # Required unless the child is unborn (check_unborn): a pre-birth referral gives expected_date instead.
    date_of_birth = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        error_messages={"invalid": "Enter the date of birth as a real date, like 2015-03-27."},
        validators=[validate_birth_date],
    )
    unborn, expected_date = _unborn_fields()
    # An unborn child often has no name yet: recorded as "Unborn" with the family's last name, as social care
    # records name them (a born child's first name stays required).
    first_name = _text(NAME_MAX, label="First name", default="")
    ethnicity = _choice(Ethnicity.choices, label="Ethnicity", required=False, allow_blank=True, default="")
    disability = _text(TEXT_MAX, label="Disability", default="")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        errors = {}
        if not attrs.get("first_name"):
            if attrs.get("unborn"):
                attrs["first_name"] = UNBORN_FIRST_NAME
            else:
                errors["first_name"] = ["Enter first name."]
        try:
            check_unborn(attrs, birth_date_required=True)
        except serializers.ValidationError as exc:
            errors.update(exc.detail)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class HouseholdMemberInput(_PersonInput):
    role = _choice(
        [c for c in PersonRole.choices if c[0] != PersonRole.CHILD], label="How they are connected", required=True
    )
    relationship = _text(NAME_MAX, label="Relationship", default="")


class ContactInput(PrototypeFields, serializers.Serializer):
    """What any referrer must tell the hub: at least one child, the worry, and the consent decision."""

    children = ChildInput(many=True, required=False, default=list)
    household = HouseholdMemberInput(many=True, required=False, default=list)
    concerns = _text(CONCERNS_MAX, required=True, label="What you are worried about")
    support_provided = _text(NOTES_MAX, label="The support given so far", default="")

    address = _text(300, label="Address", default="")
    postcode = _text(16, label="Postcode", default="")
    school = _text(TEXT_MAX, label="School", default="")
    gp = _text(TEXT_MAX, label="GP practice", default="")
    language = _text(NAME_MAX, label="Language", default="")
    interpreter_needed = serializers.BooleanField(default=False)
    urgent = serializers.BooleanField(
        default=False, help_text="The referrer believes the child is at immediate risk (call 999 first if in danger)."
    )

    parents_aware = _choice(ParentsAware.choices, label="Whether parents know about this referral", required=True)
    consent_to_referral = _choice(Consent.choices, label="Consent to the referral", required=True)
    consent_to_sharing = _choice(Consent.choices, label="Consent to sharing information", required=True)
    consent_reason = _choice(ConsentReason.choices, label="Why consent was not given", allow_blank=True, default="")
    consent_decided_by = _text(TEXT_MAX, label="Who decided", default="")

    threshold_level = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        error_messages={"invalid": "Choose a level of need from the list."},
    )
    source = _choice(ReferralSource.choices, label="Who is making the referral", required=True)
    referrer_name = _text(TEXT_MAX, label="Your name", default="")
    referrer_role = _text(TEXT_MAX, label="Your job title", default="")
    referrer_organisation = _text(TEXT_MAX, label="Your organisation", default="")
    referrer_email = serializers.EmailField(
        max_length=254, required=False, allow_blank=True, default="",
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.org."},
    )  # fmt: skip
    referrer_phone = _text(30, label="Phone number", default="")

    default_error_messages = {"not_a_list": "Give a list."}

    def validate_children(self, value):
        if not value:
            raise serializers.ValidationError("Add at least one child.")
        if len(value) > MAX_CHILDREN:
            raise serializers.ValidationError(f"Add at most {MAX_CHILDREN} children to one contact.")
        return value

    def validate_household(self, value):
        if len(value) > MAX_HOUSEHOLD:
            raise serializers.ValidationError(f"Add at most {MAX_HOUSEHOLD} household members.")
        return value

    def validate_postcode(self, value):
        return clean_postcode(value)

    def validate_threshold_level(self, value):
        if value is None:
            return None
        level = threshold_selectors.threshold_level(value)
        if level is None:
            raise serializers.ValidationError("Choose a level of need from the list.")
        return level

    def validate(self, attrs):
        attrs = super().validate(attrs)
        # Information-sharing guidance: whenever consent is refused or not sought, record why and who decided.
        not_given = not (
            attrs.get("consent_to_referral") == Consent.GIVEN and attrs.get("consent_to_sharing") == Consent.GIVEN
        )
        errors = {}
        if not_given:
            if not attrs.get("consent_reason"):
                errors["consent_reason"] = ["Select why consent was not given or not sought."]
            if not attrs.get("consent_decided_by"):
                errors["consent_decided_by"] = ["Enter who decided to refer without consent."]
        if errors:
            raise serializers.ValidationError(errors)
        if not not_given:
            attrs["consent_reason"] = ""
        return attrs

    def to_submission(self, *, channel: str | None = None) -> ContactSubmission:
        """The validated contact as ``services.submit_contact`` takes it (staff input carries its own channel)."""
        return ContactSubmission.from_data(self.validated_data, channel=channel)


EARLIEST_INSTANT = datetime(EARLIEST_DATE.year, EARLIEST_DATE.month, EARLIEST_DATE.day, tzinfo=UTC)


class StaffContactInput(ContactInput):
    """Hub staff recording a contact (a phone call, or a MARF that came by email): it may have come in earlier."""

    channel = _choice([(Channel.PHONE, "Phone"), (Channel.MARF, "MARF")], label="How it came in", default="phone")
    received_at = serializers.DateTimeField(
        required=False,
        error_messages={"invalid": "Enter the date and time received, like 2026-01-15T09:30:00Z."},
    )
    call_notes = _text(NOTES_MAX, label="Call details", default="")

    def validate_received_at(self, value):
        if value > timezone.now():
            raise serializers.ValidationError("The time received must be now or in the past.")
        if value < EARLIEST_INSTANT:  # year 1 cannot have the re-contact window taken from it
            raise serializers.ValidationError("The time received must be after 1 January 1900.")
        return value


class PoliceNotificationInput(StaffContactInput):
    """One police notification (for example domestic abuse): the force's occurrence number makes a resend harmless."""

    channel = None
    external_reference = _text(64, required=True, label="The police occurrence number")
    source = _choice(ReferralSource.choices, label="Who is making the referral", default=ReferralSource.POLICE)


class PublicChildInput(PrototypeFields, serializers.Serializer):
    first_name = _text(NAME_MAX, required=True, label="The child's first name")
    last_name = _text(NAME_MAX, label="The child's last name", default="")
    date_of_birth = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        error_messages={"invalid": "Enter the date of birth as a real date, like 2015-03-27."},
        validators=[validate_birth_date],
    )
    unborn, expected_date = _unborn_fields()

    def validate(self, attrs):
        return check_unborn(super().validate(attrs), birth_date_required=False)


class PublicContactInput(PrototypeFields, serializers.Serializer):
    """A member of the public: only what they are likely to know. Anonymous reports are welcome."""

    children = PublicChildInput(many=True, required=False, default=list)
    concerns = _text(CONCERNS_MAX, required=True, label="What you are worried about")
    address = _text(300, label="Address", default="")
    postcode = _text(16, label="Postcode", default="")
    relationship = _choice(
        [(k, label) for k, (label, _source) in PUBLIC_RELATIONSHIPS.items()],
        label="How you know the child",
        required=False,
        allow_blank=True,
        default="",
    )
    urgent = serializers.BooleanField(default=False, help_text="You believe the child is at immediate risk.")
    # The mother (or expectant parent) of an unborn child, when the reporter knows her name.
    mother_first_name = _text(NAME_MAX, label="The mother's first name", default="")
    mother_last_name = _text(NAME_MAX, label="The mother's last name", default="")
    reporter_name = _text(TEXT_MAX, label="Your name", default="")
    reporter_phone = _text(30, label="Your phone number", default="")
    reporter_email = serializers.EmailField(
        max_length=254, required=False, allow_blank=True, default="",
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.org."},
    )  # fmt: skip

    def validate_children(self, value):
        if not value:
            raise serializers.ValidationError("Tell us about at least one child.")
        if len(value) > MAX_CHILDREN:
            raise serializers.ValidationError(f"Tell us about at most {MAX_CHILDREN} children.")
        return value

    def validate_postcode(self, value):
        return clean_postcode(value)

    def to_submission(self) -> ContactSubmission:
        """The validated report as ``services.submit_contact`` takes it."""
        v = self.validated_data
        anonymous = not v["reporter_name"]
        source = (
            ReferralSource.ANONYMOUS
            if anonymous
            else PUBLIC_RELATIONSHIPS.get(v["relationship"], ("", ReferralSource.INDIVIDUAL_OTHER))[1]
        )
        return ContactSubmission(
            channel=Channel.PUBLIC,
            children=tuple(SubmittedPerson(**child, postcode=v["postcode"]) for child in v["children"]),
            household=(
                (
                    SubmittedPerson(
                        first_name=v["mother_first_name"],
                        last_name=v["mother_last_name"],
                        role=PersonRole.PARENT,
                        relationship=EXPECTANT_PARENT,
                        postcode=v["postcode"],
                    ),
                )
                if v["mother_first_name"] and any(child["unborn"] for child in v["children"])
                else ()
            ),
            concerns=v["concerns"],
            address=v["address"],
            postcode=v["postcode"],
            source=source,
            referrer_name=v["reporter_name"],
            referrer_phone=v["reporter_phone"],
            referrer_email=v["reporter_email"],
            referrer_role=PUBLIC_RELATIONSHIPS.get(v["relationship"], ("",))[0],
            urgent=v["urgent"],
        )


class PoliceNotificationBatch(serializers.Serializer):
    notifications = serializers.ListField(
        child=serializers.JSONField(),
        allow_empty=False,
        max_length=500,
        error_messages={
            "max_length": "Send at most 500 notifications at a time.",
            "empty": "Send at least one notification.",
            "not_a_list": "Send the notifications as a list.",
        },
    )


# --- output --------------------------------------------------------------------------------------


class ChildSerializer(PrototypeFields, serializers.ModelSerializer):
    class Meta:
        model = ContactPerson
        fields = ["first_name", "last_name", "date_of_birth", "unborn", "expected_date", "postcode", "sex",
                  "ethnicity", "disability"]  # fmt: skip


class StaffChildSerializer(ChildSerializer):
    """``person`` is the register entry; null with ``matching_pending`` while a worker retries matching."""

    class Meta(ChildSerializer.Meta):
        fields = ["id", "person", "matching_pending", *ChildSerializer.Meta.fields]


class HouseholdMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactPerson
        fields = ["id", "person", "matching_pending", "role", "relationship", "first_name", "last_name",
                  "date_of_birth", "sex", "postcode", "phone"]  # fmt: skip


class MatchCandidateSerializer(serializers.ModelSerializer):
    mention = serializers.IntegerField(source="contact_person_id")
    first_name = serializers.CharField(source="person.first_name")
    last_name = serializers.CharField(source="person.last_name")
    date_of_birth = serializers.DateField(source="person.date_of_birth")
    postcode = serializers.CharField(source="person.postcode")
    score = serializers.FloatField()

    class Meta:
        model = PersonMatchCandidate
        fields = ["id", "mention", "person", "first_name", "last_name", "date_of_birth", "postcode", "score",
                  "reasons", "status"]  # fmt: skip


def _children(contact):
    return [p for p in contact.people.all() if p.role == PersonRole.CHILD]


class ContactSerializer(serializers.ModelSerializer):
    """What hub staff see (API.md's Contact object and more)."""

    rating = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    children = serializers.SerializerMethodField()
    household = serializers.SerializerMethodField()
    previous_contacts = serializers.SerializerMethodField()
    strategy_discussion = serializers.SerializerMethodField()
    cpis_check = serializers.SerializerMethodField()
    threshold_level = serializers.IntegerField(source="threshold_level.number", read_only=True, allow_null=True)
    assigned_to = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=ContactStatus.choices, read_only=True)
    # Blank until consent is refused or not sought (the model's CheckConstraint).
    consent_reason = serializers.ChoiceField(choices=ConsentReason.choices, read_only=True, allow_blank=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices, read_only=True, allow_null=True)
    # A member of the public is told the outcome only once verified (POST .../reporter-identity/).
    reporter_identity_verified = serializers.BooleanField(read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id", "reference", "status", "received_at", "decision_due_at", "rating", "outcome", "children",
            "concerns", "previous_contacts", "breached_at", "escalation_level",
            "channel", "source", "external_reference", "household", "support_provided",
            "address", "postcode", "school", "gp", "language", "interpreter_needed",
            "parents_aware", "consent_to_referral", "consent_to_sharing", "consent_reason", "consent_decided_by",
            "threshold_level", "referrer_name", "referrer_role", "referrer_organisation", "referrer_email",
            "referrer_phone", "call_notes", "assigned_to", "internal_notes", "feedback_to_referrer",
            "feedback_sent_at", "version", "created_at", "updated_at",
            "reporter_identity_verified", "reporter_identity_verified_at", "reporter_identity_check",
            "urgent", "out_of_hours", "strategy_discussion", "cpis_check",
        ]  # fmt: skip
        read_only_fields = fields

    def get_strategy_discussion(self, contact) -> dict | None:
        """Triage's record, read through its reverse relation (contacts never imports triage)."""
        try:
            record = contact.strategy_discussion
        except ObjectDoesNotExist:
            return None
        instant = serializers.DateTimeField().to_representation
        return {
            "id": record.pk,
            "held_at": instant(record.held_at),
            "chair": record.chair,
            "attendees": record.attendees,
            "decision": record.decision,
            "notes": record.notes,
            "due_at": instant(record.due_at) if record.due_at else None,
        }

    def get_cpis_check(self, contact) -> dict | None:
        """Triage's CP-IS check (issue 19), read through its reverse relation."""
        try:
            check = contact.cpis_check
        except ObjectDoesNotExist:
            return None
        return {
            "checked_at": serializers.DateTimeField().to_representation(check.checked_at),
            "result": check.result,
            "details": check.details,
            "checked_by": check.checked_by.get_username(),
        }

    def get_children(self, contact) -> list[dict]:
        return StaffChildSerializer(_children(contact), many=True).data

    def get_household(self, contact) -> list[dict]:
        people = [p for p in contact.people.all() if p.role != PersonRole.CHILD]
        return HouseholdMemberSerializer(people, many=True).data

    def get_previous_contacts(self, contact) -> list[int]:
        return list(getattr(contact, "previous_contact_ids", []))


class ContactDetailSerializer(ContactSerializer):
    """The detail adds the possible matches triage confirms or rejects."""

    match_candidates = serializers.SerializerMethodField()

    class Meta(ContactSerializer.Meta):
        fields = [*ContactSerializer.Meta.fields, "match_candidates"]
        read_only_fields = fields

    def get_match_candidates(self, contact) -> list[dict]:
        candidates = [c for p in contact.people.all() for c in p.match_candidates.all()]
        return MatchCandidateSerializer(candidates, many=True).data


class ReferrerContactSerializer(PrototypeFields, serializers.ModelSerializer):
    """What a referrer sees of their own referral: what they told us, where it is, and the feedback for them.

    Never the rating, the register, earlier contacts, other agencies' information or internal notes.
    """

    children = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id", "reference", "status", "received_at", "outcome", "children", "concerns", "channel",
            "parents_aware", "consent_to_referral", "consent_to_sharing", "feedback_to_referrer",
            "feedback_sent_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_children(self, contact) -> list[dict]:
        # ``people`` in the context: the contact's people already in hand, in order (the reply to a MARF).
        people = self.context.get("people")
        children = _children(contact) if people is None else [p for p in people if p.role == PersonRole.CHILD]
        return ChildSerializer(children, many=True).data

    def get_outcome(self, contact) -> str | None:
        return contact.outcome if contact.status in ENQUIRY_CLOSED else None


class ReferenceSerializer(serializers.Serializer):
    reference = serializers.CharField()


class PoliceResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    reference = serializers.CharField(required=False)
    errors = serializers.DictField(required=False)


class PoliceBatchResultSerializer(serializers.Serializer):
    results = PoliceResultSerializer(many=True)
