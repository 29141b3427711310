"""Early-help requests: stepped down from the MASH or sent straight to the Early Help Hub."""

from django.conf import settings
from django.db import models

from contacts.choices import Ethnicity, Sex
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
