"""Models of what follows the decision: the handover to the receiving team, and the advice line's consultations.

Kept apart from ``triage/models.py`` (imported from it) so that the records of deciding and the records of
passing the case on can change independently.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from mash.tenancy import TenantOwned

TEXT_MAX = 10_000
NAME_MAX = 200


class Handover(TenantOwned):
    """The MASH summary sent to the team that takes the case on, and its acknowledgement (one per contact).

    ``team`` is one of the tenant's teams; an outside service ("other service") is named with its contact
    details instead. ``summary`` is the summary as it was sent: what the receiving team was given.
    """

    contact = models.OneToOneField("contacts.Contact", on_delete=models.CASCADE, related_name="handover")
    outcome = models.CharField(max_length=30)
    team = models.ForeignKey("mash.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    service_name = models.CharField(max_length=NAME_MAX, blank=True, help_text="An outside service's name.")
    service_contact = models.CharField(max_length=500, blank=True, help_text="An outside service's contact details.")
    summary = models.JSONField(default=dict)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True, help_text="When the acknowledgement is due (its clock).")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_on_behalf = models.BooleanField(default=False, help_text="A manager acknowledged for the team.")

    class Meta(TenantOwned.Meta):
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="handover_names_a_team_or_service", condition=Q(team__isnull=False) | ~Q(service_name="")
            )
        ]

    @property
    def receiver_name(self) -> str:
        return self.team.name if self.team_id else self.service_name


class OrganisationType(models.TextChoices):
    SCHOOL = "school", "School or college"
    EARLY_YEARS = "early_years", "Early years or childcare"
    HEALTH = "health", "Health"
    POLICE = "police", "Police"
    HOUSING = "housing", "Housing"
    LOCAL_AUTHORITY = "local_authority", "Local authority service"
    VOLUNTARY = "voluntary", "Voluntary or community sector"
    OTHER = "other", "Other"


class ConsultationOutcome(models.TextChoices):
    ADVICE_GIVEN = "advice_given", "Advice given"
    CONTACT_OPENED = "contact_opened", "Contact opened"


class Consultation(TenantOwned):
    """A professional's call to the advice line: a question and the advice given, without a referral.

    A child may be named (kept here as words: no person is added to the register); a consultation that
    leads to a referral is linked to the contact opened from it (``contact.consultations``).
    """

    caller_name = models.CharField(max_length=NAME_MAX)
    caller_organisation = models.CharField(max_length=NAME_MAX)
    organisation_type = models.CharField(
        max_length=20, choices=OrganisationType.choices, default=OrganisationType.OTHER
    )
    caller_phone = models.CharField(max_length=30, blank=True)
    question = models.TextField(max_length=TEXT_MAX)
    advice = models.TextField(max_length=TEXT_MAX)
    child_named = models.BooleanField(default=False)
    child_name = models.CharField(max_length=NAME_MAX, blank=True)
    child_date_of_birth = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=ConsultationOutcome.choices)
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="consultations"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta(TenantOwned.Meta):
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-recorded_at"], name="consultation_recent_idx")]
        constraints = [
            models.CheckConstraint(
                name="consultation_opened_names_contact",
                condition=~Q(outcome="contact_opened") | Q(contact__isnull=False),
            )
        ]
