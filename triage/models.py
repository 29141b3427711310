"""What triage adds to a contact: rating history, Signs of Safety, notes, calls, judgements and the decision."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from contacts.choices import ConsentReason, Outcome
from mash.tenancy import TenantOwned

from .choices import CallDirection, CpisResult, Perspective, PrimaryNeed, SharingBasis, StrategyDecision

TEXT_MAX = 10_000
REASON_MAX = 2_000


class RatingHistory(TenantOwned):
    """Every rating of a contact, in order: the first, then each step up or down with its reason."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="rating_history")
    rating = models.ForeignKey("thresholds.Rating", on_delete=models.PROTECT, related_name="+")
    previous_rating = models.ForeignKey(
        "thresholds.Rating", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rationale = models.TextField(max_length=TEXT_MAX)
    reason = models.TextField(max_length=REASON_MAX, blank=True, help_text="Why it was re-rated (required then).")
    agencies = models.JSONField(default=list, blank=True, help_text="Slugs of the agencies asked by this rating.")
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rated_at = models.DateTimeField()

    class Meta(TenantOwned.Meta):
        ordering = ["rated_at", "id"]
        verbose_name_plural = "rating history"
        constraints = [
            models.CheckConstraint(
                name="rerating_has_a_reason", condition=Q(previous_rating__isnull=True) | ~Q(reason="")
            )
        ]


class SignsOfSafetyMap(TenantOwned):
    """The Signs of Safety analysis of one contact (seven categories plus the scaling judgements)."""

    contact = models.OneToOneField("contacts.Contact", on_delete=models.CASCADE, related_name="safety_map")
    harm = models.TextField(max_length=TEXT_MAX, blank=True)
    danger_statements = models.TextField(max_length=TEXT_MAX, blank=True)
    complicating_factors = models.TextField(max_length=TEXT_MAX, blank=True)
    existing_strengths = models.TextField(max_length=TEXT_MAX, blank=True)
    existing_safety = models.TextField(max_length=TEXT_MAX, blank=True)
    safety_goals = models.TextField(max_length=TEXT_MAX, blank=True)
    next_steps = models.TextField(max_length=TEXT_MAX, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)


SAFETY_MAP_FIELDS = (
    "harm", "danger_statements", "complicating_factors", "existing_strengths", "existing_safety",
    "safety_goals", "next_steps",
)  # fmt: skip


class SafetyScale(TenantOwned):
    """One scaling judgement: 0 = must act now, 10 = safe enough to close (per person or group)."""

    safety_map = models.ForeignKey(SignsOfSafetyMap, on_delete=models.CASCADE, related_name="scales")
    perspective = models.CharField(max_length=20, choices=Perspective.choices)
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(0), MaxValueValidator(10)])

    class Meta(TenantOwned.Meta):
        ordering = ["safety_map", "perspective"]
        constraints = [
            models.UniqueConstraint(fields=["safety_map", "perspective"], name="one_scale_per_perspective"),
            models.CheckConstraint(name="safety_scale_0_to_10", condition=Q(score__gte=0, score__lte=10)),
        ]


class CaseNote(TenantOwned):
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="case_notes")
    text = models.TextField(max_length=TEXT_MAX)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta(TenantOwned.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "contact", "-created_at"], name="case_note_contact_idx")]


class ReferrerCall(TenantOwned):
    """A phone call with the referrer during triage (what was asked and learnt)."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="referrer_calls")
    direction = models.CharField(max_length=10, choices=CallDirection.choices, default=CallDirection.OUTGOING)
    called_at = models.DateTimeField()
    spoke_to = models.CharField(max_length=200)
    summary = models.TextField(max_length=TEXT_MAX)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta(TenantOwned.Meta):
        ordering = ["-called_at", "-id"]


class ThresholdJudgement(TenantOwned):
    """The hub's judgement of the level of need against the tenant's threshold document (the latest counts)."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="threshold_judgements")
    level = models.ForeignKey("thresholds.ThresholdLevel", on_delete=models.PROTECT, related_name="+")
    indicators = models.ManyToManyField("thresholds.ThresholdIndicator", blank=True, related_name="+")
    rationale = models.TextField(max_length=TEXT_MAX)
    judged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    judged_at = models.DateTimeField()

    class Meta(TenantOwned.Meta):
        ordering = ["-judged_at", "-id"]


class SharingDecision(TenantOwned):
    """The information-sharing decision and its reasons (STANDARDS.md: record them whether or not you share)."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="sharing_decisions")
    basis = models.CharField(max_length=20, choices=SharingBasis.choices)
    consent_reason = models.CharField(max_length=20, choices=ConsentReason.choices, blank=True)
    explanation = models.TextField(max_length=REASON_MAX)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta(TenantOwned.Meta):
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="sharing_without_consent_has_a_reason",
                condition=~Q(basis="without_consent") | ~Q(consent_reason=""),
            )
        ]


class Decision(TenantOwned):
    """The manager's decision on next steps (one per contact), with the census codes where they apply."""

    contact = models.OneToOneField("contacts.Contact", on_delete=models.CASCADE, related_name="decision")
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    reason = models.TextField(max_length=TEXT_MAX)
    override_reason = models.TextField(
        max_length=REASON_MAX, blank=True, help_text="Why it was decided before every return was in."
    )
    primary_need = models.CharField(max_length=2, choices=PrimaryNeed.choices, blank=True)
    factors = models.JSONField(default=list, blank=True, help_text="Factors identified at assessment (CIN codes).")
    requests_closed = models.PositiveSmallIntegerField(default=0)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()


class ImmediateAlert(TenantOwned):
    """One person told at once that a contact needs immediate action (Red, or reported urgent).

    One row per contact and person: an urgent report later rated Red, or a re-rating to Red, never
    tells the same person twice.
    """

    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="immediate_alerts")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200)
    notification = models.ForeignKey(
        "deadlines.Notification", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta(TenantOwned.Meta):
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "recipient"], name="one_immediate_alert_per_contact_and_person")
        ]


class StrategyDiscussion(TenantOwned):
    """The strategy discussion held after a decision to hold one (section 47), on its own clock."""

    contact = models.OneToOneField("contacts.Contact", on_delete=models.CASCADE, related_name="strategy_discussion")
    held_at = models.DateTimeField()
    chair = models.CharField(max_length=200)
    attendees = models.JSONField(default=list, help_text='[{"agency": slug, "name": text}]')
    shared = models.TextField(max_length=TEXT_MAX, blank=True, help_text="What was shared.")
    decision = models.CharField(max_length=30, choices=StrategyDecision.choices)
    notes = models.TextField(max_length=TEXT_MAX, blank=True)
    actions = models.JSONField(default=list, blank=True, help_text='[{"action": text, "owner": text, "due": date}]')
    conference = models.BooleanField(default=False, help_text="An initial child protection conference is convened.")
    due_at = models.DateTimeField(null=True, blank=True, help_text="When it was due (its clock).")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()


class CpisCheck(TenantOwned):
    """The check of the NHS CP-IS record triage made (the product cannot reach CP-IS: the worker records it).

    One per contact: checking again (say, after a new child is named) replaces it; the audit log keeps each.
    """

    contact = models.OneToOneField("contacts.Contact", on_delete=models.CASCADE, related_name="cpis_check")
    checked_at = models.DateTimeField()
    result = models.CharField(max_length=30, choices=CpisResult.choices)
    details = models.TextField(max_length=TEXT_MAX, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta(TenantOwned.Meta):
        verbose_name = "CP-IS check"


class EdtHandover(TenantOwned):
    """What the Emergency Duty Team did out of hours on a contact, then handed back to the MASH with a note.

    Saved as the EDT works (the first save is its response, meeting the EDT clock); handed back once.
    """

    contact = models.OneToOneField("contacts.Contact", on_delete=models.CASCADE, related_name="edt_handover")
    calls = models.TextField(max_length=TEXT_MAX, blank=True, help_text="Calls made and who was spoken to.")
    visits = models.TextField(max_length=TEXT_MAX, blank=True, help_text="Visits made and whether the child was seen.")
    police_involvement = models.TextField(max_length=TEXT_MAX, blank=True)
    safety_actions = models.TextField(max_length=TEXT_MAX, blank=True, help_text="Immediate safety actions taken.")
    handover_note = models.TextField(max_length=TEXT_MAX, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    responded_at = models.DateTimeField(help_text="When the EDT first recorded what it did.")
    updated_at = models.DateTimeField()
    handed_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handed_back_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwned.Meta):
        verbose_name = "EDT handover"
        constraints = [
            models.CheckConstraint(
                name="edt_handover_has_a_note", condition=Q(handed_back_at__isnull=True) | ~Q(handover_note="")
            )
        ]


# --- after the decision: the handover and the advice line (issue 20) ----------------------------------

from .handover_models import Consultation, Handover  # noqa: E402,F401  (registered with the triage app)
