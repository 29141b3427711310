"""The MASH summary's documented shape (the OpenAPI document): the handover export a case system imports."""

from rest_framework import serializers


class _Strict(serializers.Serializer):
    pass


class ReferrerOut(_Strict):
    name = serializers.CharField()
    role = serializers.CharField()
    organisation = serializers.CharField()


class SummaryContactOut(_Strict):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    received_at = serializers.DateTimeField()
    channel = serializers.CharField()
    source = serializers.CharField()
    urgent = serializers.BooleanField()
    concerns = serializers.CharField(help_text="The concern in the referrer's own words.")
    support_provided = serializers.CharField()
    referrer = ReferrerOut()
    address = serializers.CharField()
    postcode = serializers.CharField()
    school = serializers.CharField()
    gp = serializers.CharField()
    language = serializers.CharField()
    interpreter_needed = serializers.BooleanField()
    parents_aware = serializers.CharField()
    consent_to_referral = serializers.CharField()
    consent_to_sharing = serializers.CharField()
    status = serializers.CharField()


class SummaryPersonOut(_Strict):
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    sex = serializers.CharField()
    role = serializers.CharField()
    relationship = serializers.CharField()
    ethnicity = serializers.CharField()
    disability = serializers.CharField()


class SummaryRatingOut(_Strict):
    rating = serializers.CharField(help_text="The rating's code.")
    label = serializers.CharField()
    previous = serializers.CharField(allow_null=True, help_text="The rating it replaced (a re-rating).")
    rationale = serializers.CharField()
    reason = serializers.CharField(help_text="Why it was re-rated.")
    rated_at = serializers.DateTimeField()
    rated_by = serializers.CharField()


class SummaryReturnOut(_Strict):
    agency = serializers.CharField(help_text="The agency's slug.")
    agency_name = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    lawful_basis = serializers.CharField()
    consent = serializers.CharField()
    consent_reason = serializers.CharField()
    shared = serializers.BooleanField(
        help_text="False when the agency marked its return not for onward sharing: the content is left out."
    )
    withheld_reason = serializers.CharField()
    known_to_agency = serializers.BooleanField(allow_null=True)
    summary = serializers.CharField()
    history = serializers.ListField(child=serializers.DictField())
    risk_indicators = serializers.ListField(child=serializers.CharField())
    answers = serializers.ListField(child=serializers.DictField())
    recommendation = serializers.CharField()
    addenda = serializers.ListField(child=serializers.DictField())


class SafetyScaleOut(_Strict):
    perspective = serializers.CharField()
    score = serializers.IntegerField()


class SignsOfSafetyOut(_Strict):
    harm = serializers.CharField()
    danger_statements = serializers.CharField()
    complicating_factors = serializers.CharField()
    existing_strengths = serializers.CharField()
    existing_safety = serializers.CharField()
    safety_goals = serializers.CharField()
    next_steps = serializers.CharField()
    scales = SafetyScaleOut(many=True)


class LevelOfNeedOut(_Strict):
    level = serializers.IntegerField()
    name = serializers.CharField()
    rationale = serializers.CharField()
    indicators = serializers.ListField(child=serializers.CharField())


class StrategySummaryOut(_Strict):
    held_at = serializers.DateTimeField()
    chair = serializers.CharField()
    attendees = serializers.ListField(child=serializers.DictField())
    decision = serializers.CharField()
    notes = serializers.CharField()
    actions = serializers.ListField(child=serializers.DictField())
    conference = serializers.BooleanField()


class RecommendationOut(_Strict):
    source = serializers.CharField(source="from", help_text="Who recommends it (an agency).")
    text = serializers.CharField()


class SummaryDecisionOut(_Strict):
    outcome = serializers.CharField()
    outcome_label = serializers.CharField()
    reason = serializers.CharField()
    override_reason = serializers.CharField()
    primary_need = serializers.CharField()
    factors = serializers.ListField(child=serializers.CharField())
    decided_by = serializers.CharField()
    decided_at = serializers.DateTimeField()
    recommendations = RecommendationOut(many=True)


class SummaryTeamOut(_Strict):
    id = serializers.IntegerField(allow_null=True, help_text="The tenant's team; null for an outside service.")
    name = serializers.CharField()
    contact_details = serializers.CharField(help_text="An outside service's contact details.")
    sent_at = serializers.DateTimeField()
    acknowledgement_due_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = serializers.CharField()


class HandoverSummaryOut(_Strict):
    contact = SummaryContactOut()
    children = SummaryPersonOut(many=True)
    household = SummaryPersonOut(many=True)
    ratings = SummaryRatingOut(many=True, help_text="The rating history, first rating first, with reasons.")
    returns = SummaryReturnOut(many=True, help_text="Each agency's submitted return, as its sharing allows.")
    signs_of_safety = SignsOfSafetyOut(allow_null=True)
    level_of_need = LevelOfNeedOut(allow_null=True)
    strategy_discussion = StrategySummaryOut(allow_null=True)
    decision = SummaryDecisionOut(allow_null=True)
    team = SummaryTeamOut(allow_null=True, help_text="The receiving team, once handed over.")


class HandoverInput(serializers.Serializer):
    team = serializers.IntegerField(required=False, allow_null=True, help_text="One of the tenant's teams.")
    service_name = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="other_service without a team: its name."
    )
    service_contact = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text="The outside service's contact details."
    )


class EmptyInput(serializers.Serializer):
    pass
