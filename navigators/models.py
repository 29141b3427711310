"""Information requests: what the hub asks one partner agency about one contact, on the rating's deadline."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from mash.tenancy import TenantOwned

QUESTIONS_MAX = 5_000


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    OVERDUE = "overdue", "Overdue"
    RETURNED = "returned", "Returned"
    CLOSED = "closed", "Closed without a return"


# Still waiting for the agency's return (overdue ones too).
OUTSTANDING = (RequestStatus.OPEN, RequestStatus.OVERDUE)


class InformationRequest(TenantOwned):
    """One agency's part of a MASH enquiry. Created by rating the contact; answered by the agency's navigator."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="information_requests")
    agency = models.ForeignKey("mash.Agency", on_delete=models.PROTECT, related_name="information_requests")
    rating = models.ForeignKey("thresholds.Rating", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    questions = models.TextField(max_length=QUESTIONS_MAX, blank=True, help_text="What the hub asks this agency.")
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField()
    returned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Optimistic concurrency: bumped on every change.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        ordering = ["due_at", "id"]
        constraints = [
            # One request per agency per contact: two racing ratings can never ask an agency twice.
            models.UniqueConstraint(fields=["tenant", "contact", "agency"], name="one_request_per_contact_and_agency"),
            models.CheckConstraint(condition=Q(due_at__gte=models.F("requested_at")), name="request_due_after_start"),
        ]
        indexes = [
            models.Index(fields=["tenant", "agency", "status", "due_at"], name="request_workspace_idx"),
            models.Index(fields=["tenant", "contact"], name="request_contact_idx"),
        ]

    def __str__(self):
        return f"{self.contact.reference} / {self.agency.name}" if self.contact_id and self.agency_id else "request"

    @property
    def is_outstanding(self) -> bool:
        return self.status in OUTSTANDING
