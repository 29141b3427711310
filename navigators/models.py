"""Information requests: what the hub asks one partner agency about one contact, on the rating's deadline."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from contacts.choices import ENQUIRY_CLOSED, Consent, ConsentReason
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
    # The agency's question template as it stood when the request was opened (pre-fills the return).
    question_list = models.JSONField(default=list, blank=True)
    source_list = models.JSONField(default=list, blank=True)
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
            # The API's list for the hub's staff, soonest due first: a page read off the index, not a sort of
            # every request (62 ms at a five-year Cambridgeshire's 471,000).
            models.Index(fields=["tenant", "due_at", "id"], name="request_due_idx"),
            # An agency's outstanding requests in deadline order: the workspace's top pages are picked off it
            # (selectors.WorkspaceSlices), not by sorting all of them.
            models.Index(
                fields=["tenant", "agency", "due_at", "id"],
                name="request_outstanding_due_idx",
                condition=Q(status__in=["open", "overdue"]),
            ),
        ]

    def __str__(self):
        return f"{self.contact.reference} / {self.agency.name}" if self.contact_id and self.agency_id else "request"

    @property
    def is_outstanding(self) -> bool:
        return self.status in OUTSTANDING

    def read_only_reason(self) -> str:
        """Why the agency may no longer change this request (shown as a 409 instead of a bare 403)."""
        if self.status == RequestStatus.CLOSED:
            return "This request was closed: it can no longer take a return."
        if self.contact.status in ENQUIRY_CLOSED:
            return "The MASH enquiry is closed: this request can no longer be changed."
        return ""


# --- what each agency is asked, and what the tenant lets agencies see ------------------------------


class NavigatorSettings(TenantOwned):
    """How the tenant's hub shares with its navigators. One row per tenant, edited by the tenant admin."""

    # Information-sharing guidance: share only what is relevant. Some hubs show navigators the
    # referrer's own words, others only the people and the question; the default is the narrower.
    share_concerns_with_agencies = models.BooleanField(
        default=False,
        help_text="Show navigators the referrer's concern, in the referrer's words, on each request.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        verbose_name_plural = "navigator settings"
        constraints = [models.UniqueConstraint(fields=["tenant"], name="one_navigator_settings_per_tenant")]


class QuestionTemplate(TenantOwned):
    """The questions the hub asks one agency, and the systems its navigator usually searches.

    Copied onto each request when it is opened (later edits never change a running request) and
    pre-filling the return: one answer per question, the sources checked.
    """

    agency = models.ForeignKey("mash.Agency", on_delete=models.CASCADE, related_name="question_templates")
    questions = models.JSONField(default=list, blank=True, help_text="One question per item.")
    sources = models.JSONField(default=list, blank=True, help_text="Systems usually searched, one per item.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        ordering = ["agency__name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "agency"], name="one_question_template_per_agency")]

    def __str__(self):
        return f"Questions for {self.agency.name}" if self.agency_id else "question template"


# --- the return ------------------------------------------------------------------------------------


class LawfulBasis(models.TextChoices):
    """UK GDPR Article 6 basis of the disclosure (special category data: DPA 2018 Sch. 1 para 18)."""

    PUBLIC_TASK = "public_task", "Public task (UK GDPR Art. 6(1)(e)): safeguarding duties"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation (UK GDPR Art. 6(1)(c)), e.g. Children Act 2004 s.11"
    VITAL_INTERESTS = "vital_interests", "Vital interests (UK GDPR Art. 6(1)(d)): to protect someone's life"
    CONSENT = "consent", "Consent (UK GDPR Art. 6(1)(a))"


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


SUMMARY_MAX = 10_000
ITEM_MAX = 500
ITEMS_MAX = 50


class InformationReturn(TenantOwned):
    """What one agency found and shares for one request. A draft until submitted; then never changed.

    After submission only addenda (:class:`ReturnAddendum`) add to it. The service refuses edits and a
    database trigger refuses any UPDATE or DELETE of a submitted row (see migration 0003).
    """

    request = models.OneToOneField(InformationRequest, on_delete=models.PROTECT, related_name="information_return")
    status = models.CharField(max_length=10, choices=ReturnStatus.choices, default=ReturnStatus.DRAFT)
    known_to_agency = models.BooleanField(null=True, blank=True)
    summary = models.TextField(max_length=SUMMARY_MAX, blank=True, help_text="The agency's involvement.")
    answers = models.JSONField(default=list, blank=True, help_text='[{"question", "answer"}] from the template.')
    history = models.JSONField(default=list, blank=True, help_text='Relevant history: [{"date", "details"}].')
    risk_indicators = models.JSONField(default=list, blank=True)
    sources_checked = models.JSONField(default=list, blank=True)
    recommendation = models.TextField(max_length=SUMMARY_MAX, blank=True)
    lawful_basis = models.CharField(max_length=20, choices=LawfulBasis.choices, default=LawfulBasis.PUBLIC_TASK)
    consent_status = models.CharField(max_length=12, choices=Consent.choices, default=Consent.NOT_SOUGHT)
    consent_reason = models.CharField(max_length=20, choices=ConsentReason.choices, blank=True)
    # Shared with the MASH to decide, but not to go further (e.g. police intelligence): the receiving
    # team's summary names the agency and its lawful basis and leaves the content out.
    not_for_onward_sharing = models.BooleanField(
        default=False, help_text="For the MASH's decision only: not to be passed on to the receiving team."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Submitted after the request's deadline: by how much (the clock's own late_by, kept with the return).
    submitted_late = models.BooleanField(default=False)
    late_by = models.DurationField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta(TenantOwned.Meta):
        ordering = ["request__agency__name", "id"]
        constraints = [
            models.CheckConstraint(
                name="return_submitted_is_complete",
                condition=Q(status="draft", submitted_at__isnull=True)
                | Q(status="submitted", submitted_at__isnull=False, known_to_agency__isnull=False),
            ),
            models.CheckConstraint(
                name="return_reason_when_consent_not_given",
                condition=Q(status="draft") | Q(consent_status="given") | ~Q(consent_reason=""),
            ),
        ]

    def __str__(self):
        return f"Return {self.pk}"

    @property
    def is_submitted(self) -> bool:
        return self.status == ReturnStatus.SUBMITTED


class ReturnAddendum(TenantOwned):
    """Something the agency adds after submitting: the return itself never changes."""

    information_return = models.ForeignKey(InformationReturn, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField(max_length=SUMMARY_MAX)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta(TenantOwned.Meta):
        ordering = ["added_at", "id"]
        verbose_name_plural = "return addenda"


class InformationShare(TenantOwned):
    """The log of every disclosure: what was shared, by whom, with whom, when and why (STANDARDS.md).

    Append-only (a database trigger refuses UPDATE and DELETE).
    """

    request = models.ForeignKey(InformationRequest, on_delete=models.PROTECT, related_name="shares")
    information_return = models.ForeignKey(InformationReturn, on_delete=models.PROTECT, related_name="shares")
    addendum = models.ForeignKey(ReturnAddendum, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_agency = models.ForeignKey("mash.Agency", on_delete=models.PROTECT, related_name="+")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shared_with = models.CharField(max_length=300)
    what = models.TextField(max_length=2_000)
    why = models.TextField(max_length=2_000)
    lawful_basis = models.CharField(max_length=20, choices=LawfulBasis.choices)
    consent_status = models.CharField(max_length=12, choices=Consent.choices)
    consent_reason = models.CharField(max_length=20, choices=ConsentReason.choices, blank=True)
    shared_at = models.DateTimeField()

    class Meta(TenantOwned.Meta):
        ordering = ["-shared_at", "-id"]
        indexes = [models.Index(fields=["tenant", "from_agency", "-shared_at"], name="share_agency_idx")]
