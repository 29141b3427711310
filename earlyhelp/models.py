"""Early-help requests: stepped down from the MASH or sent straight to the Early Help Hub."""

from django.conf import settings
from django.db import models

from contacts.choices import ConsentReason, Ethnicity, Sex
from mash.tenancy import TenantOwned

TEXT_MAX = 10_000


class EarlyHelpStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    OUTCOME_GIVEN = "outcome_given", "Outcome given"
    PLAN = "plan", "Early Help Plan in place"
    STEPPED_UP = "stepped_up", "Stepped up to the MASH"
    CLOSED = "closed", "Closed"


class EarlyHelpOutcome(models.TextChoices):
    DISTRICT_SERVICE = "district_service", "District Early Help service offered"
    LEAD_PROFESSIONAL_SUPPORT = "lead_professional_support", "Support to the lead professional to review the plan"
    SIGNPOST = "signpost", "Signposted to a service outside the hub"
    ADVICE = "advice", "Advice and information about services"


class FeedbackKind(models.TextChoices):
    CALL_REFERRER = "call_referrer", "Call the referrer"
    CALL_FAMILY = "call_family", "Call the family"
    LETTER_LEAD_PROFESSIONAL = "letter_lead_professional", "Letter or email to the lead professional"


class CallOutcome(models.TextChoices):
    TOLD = "told", "Spoke to them and gave the decision and the lead professional's name"
    MESSAGE_LEFT = "message_left", "Left a message asking them to call back"
    NO_ANSWER = "no_answer", "No answer"


class LetterSentBy(models.TextChoices):
    EMAIL = "email", "Email"
    POST = "post", "Printed and posted"


class ClosureReason(models.TextChoices):
    OUTCOMES_MET = "outcomes_met", "The plan's outcomes were met"
    SIGNPOSTED = "signposted", "Signposted or advised; no plan needed"
    FAMILY_DECLINED = "family_declined", "The family withdrew their consent"
    MOVED_AWAY = "moved_away", "The family moved out of the area"
    STEPPED_UP = "stepped_up", "Stepped up to the MASH"
    OTHER = "other", "Other (say why)"


class ReviewProgress(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    SOME_PROGRESS = "some_progress", "Some progress"
    NO_PROGRESS = "no_progress", "No progress"


class FamilyConsent(models.TextChoices):
    """Early help is consensual (Cambridgeshire protocol): without the family's agreement it is a MASH contact."""

    GIVEN = "given", "Yes, the family agreed to early help"
    NOT_GIVEN = "not_given", "No, the request is proceeding without the family's consent"


class UniversalService(models.TextChoices):
    """The universal services a professional checks before asking for targeted help ("when to access targeted
    services": has appropriate support been put in place by universal services?)."""

    SCHOOL = "school", "School or college"
    NURSERY = "nursery", "Nursery or early years setting"
    HEALTH_VISITOR = "health_visitor", "Health visitor"
    SCHOOL_NURSE = "school_nurse", "School nurse"
    GP = "gp", "GP"
    MIDWIFE = "midwife", "Midwife"
    CHILDRENS_CENTRE = "childrens_centre", "Children's centre or family hub"
    YOUTH_SERVICE = "youth_service", "Youth service"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    NO_LONGER_NEEDED = "no_longer_needed", "No longer needed"


class EarlyHelpCounter(TenantOwned):
    """The last early-help number given out in a tenant's year: ``EH-CAM-2026-000007``."""

    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta(TenantOwned.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "year"], name="one_early_help_counter_per_year")]


class EarlyHelpRequest(TenantOwned):
    reference = models.CharField(max_length=32, editable=False)
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="early_help_requests",
        help_text="The MASH contact it stepped down from; empty for a direct request.",
    )
    status = models.CharField(max_length=20, choices=EarlyHelpStatus.choices, default=EarlyHelpStatus.RECEIVED)
    received_at = models.DateTimeField()
    review_due_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=30, choices=EarlyHelpOutcome.choices, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    needs = models.TextField(max_length=TEXT_MAX, blank=True, help_text="Why early help is asked for.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stepped_up_to = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stepped_up_from",
        help_text="The MASH contact created when safeguarding concerns stepped this case up.",
    )
    stepped_up_at = models.DateTimeField(null=True, blank=True)
    step_up_reason = models.TextField(max_length=TEXT_MAX, blank=True)

    # Who asked, and how the hub reaches them and the family (carried from the contact on a step-down).
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_role = models.CharField(max_length=200, blank=True)
    referrer_organisation = models.CharField(max_length=200, blank=True)
    referrer_phone = models.CharField(max_length=30, blank=True)
    referrer_email = models.EmailField(max_length=254, blank=True)
    family_contact = models.CharField(max_length=200, blank=True, help_text="Who to call in the family.")
    family_phone = models.CharField(max_length=30, blank=True)
    address = models.CharField(max_length=300, blank=True)

    # The coordinator's outcome (DOMAIN.md "Early Help Hub": one of four, within 48 hours).
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_notes = models.TextField(max_length=TEXT_MAX, blank=True)
    lead_professional = models.CharField(max_length=200, blank=True)
    lead_professional_email = models.EmailField(max_length=254, blank=True)
    district_services = models.CharField(max_length=500, blank=True, help_text="The district service(s) offered.")
    further_assessment = models.BooleanField(null=True, blank=True)
    signposted_to = models.CharField(max_length=500, blank=True)

    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(max_length=20, choices=ClosureReason.choices, blank=True)
    closure_notes = models.TextField(max_length=TEXT_MAX, blank=True)

    # The family's consent to early help: given (by whom, when), or the reason the request proceeds without it
    # (then it is handled as a MASH contact: ``stepped_up_to``). Blank: not recorded yet (a step-down, an older
    # API client); the coordinator records it at the review.
    consent = models.CharField(max_length=12, choices=FamilyConsent.choices, blank=True)
    consent_given_by = models.CharField(max_length=200, blank=True, help_text="Who in the family agreed.")
    consent_given_on = models.DateField(null=True, blank=True)
    consent_basis = models.CharField(max_length=20, choices=ConsentReason.choices, blank=True)
    consent_reason = models.TextField(max_length=TEXT_MAX, blank=True, help_text="Why it proceeds without consent.")
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # "When to access targeted services": the universal services already involved, and what they tried.
    universal_services = models.JSONField(default=list, blank=True)
    universal_support_tried = models.TextField(max_length=TEXT_MAX, blank=True)

    # Ofsted Annex A List 2: the Early Help Assessment's dates and who completes it.
    assessment_started_on = models.DateField(null=True, blank=True)
    assessment_completed_on = models.DateField(null=True, blank=True)
    assessment_organisation = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "reference"], name="early_help_unique_reference_per_tenant"),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "review_due_at"], name="early_help_queue_idx"),
            models.Index(fields=["tenant", "received_at"], name="early_help_received_idx"),
        ]

    def __str__(self):
        return self.reference


class EarlyHelpChild(TenantOwned):
    """A child the early-help request is about (one Annex A List 2 row each), linked to the register."""

    request = models.ForeignKey(EarlyHelpRequest, on_delete=models.CASCADE, related_name="children")
    person = models.ForeignKey("contacts.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnicity = models.CharField(max_length=4, choices=Ethnicity.choices, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta(TenantOwned.Meta):
        ordering = ["request_id", "order", "id"]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class FeedbackTask(TenantOwned):
    """A call to the referrer or the family, or the letter to the lead professional, tracked to done."""

    request = models.ForeignKey(EarlyHelpRequest, on_delete=models.CASCADE, related_name="feedback_tasks")
    kind = models.CharField(max_length=30, choices=FeedbackKind.choices)
    recipient = models.CharField(max_length=200, blank=True, help_text="Who is called or written to.")
    phone_or_email = models.CharField(max_length=254, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    # Each call attempt: {"spoke_to", "called_at", "outcome", "notes", "by"} (a list: people miss calls).
    attempts = models.JSONField(default=list, blank=True)
    letter_body = models.TextField(blank=True)
    sent_by = models.CharField(max_length=10, choices=LetterSentBy.choices, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwned.Meta):
        ordering = ["request_id", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "request", "kind"], name="one_feedback_task_per_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.request_id})"

    @property
    def is_call(self) -> bool:
        return self.kind in (FeedbackKind.CALL_REFERRER, FeedbackKind.CALL_FAMILY)


class EarlyHelpPlan(TenantOwned):
    """The Early Help Plan the lead professional agrees with the family; the hub tracks its reviews."""

    request = models.OneToOneField(EarlyHelpRequest, on_delete=models.CASCADE, related_name="plan")
    lead_professional = models.CharField(max_length=200)
    services = models.TextField(max_length=TEXT_MAX, help_text="The services involved in the plan.")
    team_around_family_on = models.DateField(null=True, blank=True, help_text="Team Around the Family meeting.")
    started_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Early Help Plan for {self.request}"


class EarlyHelpAssessment(TenantOwned):
    """The Early Help Assessment in the Assessment Framework's three domains, each with strengths and needs,
    and the child's own views."""

    request = models.OneToOneField(EarlyHelpRequest, on_delete=models.CASCADE, related_name="assessment")
    development_strengths = models.TextField(max_length=TEXT_MAX, blank=True)
    development_needs = models.TextField(max_length=TEXT_MAX, blank=True)
    parenting_strengths = models.TextField(max_length=TEXT_MAX, blank=True)
    parenting_needs = models.TextField(max_length=TEXT_MAX, blank=True)
    family_strengths = models.TextField(max_length=TEXT_MAX, blank=True)
    family_needs = models.TextField(max_length=TEXT_MAX, blank=True)
    child_views = models.TextField(max_length=TEXT_MAX, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Early Help Assessment for {self.request}"


class PlanAction(TenantOwned):
    """One action of the Early Help Plan: what, who owns it, by when; its status is reviewed at each review."""

    plan = models.ForeignKey(EarlyHelpPlan, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField(max_length=2000)
    owner = models.CharField(max_length=200)
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwned.Meta):
        ordering = ["plan_id", "due_on", "id"]

    def __str__(self):
        return self.description[:60]


class PlanReview(TenantOwned):
    """One review of the plan, due on the deadline engine (ClockKind.PLAN_REVIEW); recording it schedules the next."""

    plan = models.ForeignKey(EarlyHelpPlan, on_delete=models.CASCADE, related_name="reviews")
    number = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    held_on = models.DateField(null=True, blank=True)
    progress = models.CharField(max_length=20, choices=ReviewProgress.choices, blank=True)
    notes = models.TextField(max_length=TEXT_MAX, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)

    class Meta(TenantOwned.Meta):
        ordering = ["plan_id", "number"]
        constraints = [models.UniqueConstraint(fields=["tenant", "plan", "number"], name="one_review_per_number")]
        indexes = [models.Index(fields=["tenant", "recorded_at", "due_at"], name="plan_review_due_idx")]

    def __str__(self):
        return f"Review {self.number} of {self.plan.request}"

    @property
    def is_open(self) -> bool:
        return self.recorded_at is None and self.cancelled_at is None


class PlanActionUpdate(TenantOwned):
    """An action's progress as recorded at a plan review (its status history)."""

    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="updates")
    review = models.ForeignKey(PlanReview, on_delete=models.CASCADE, related_name="action_updates")
    status = models.CharField(max_length=20, choices=ActionStatus.choices)
    note = models.TextField(max_length=2000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta(TenantOwned.Meta):
        ordering = ["action_id", "recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "action", "review"], name="one_action_update_per_review")
        ]


class EarlyHelpDraft(TenantOwned):
    """A professional's unfinished Early Help Assessment request, kept so nothing typed is lost."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "owner"], name="one_early_help_draft_per_owner")]
